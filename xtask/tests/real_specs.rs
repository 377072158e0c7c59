//! The pinned HighLevel specs: a readable snapshot of every resource crate's public API, so that a
//! spec change shows up as a reviewable diff.

use xtask::overrides::{OverrideFile, load_dir, report};
use xtask::pipeline::generate;
use xtask::regen::workspace_root;
use xtask::specs::load_locked;
use xtask::summary::api_summary;

mod common;

fn overrides() -> Vec<OverrideFile> {
    load_dir(&workspace_root().join("overrides")).expect("overrides/ loads")
}

#[test]
fn every_resource_api_matches_its_snapshot() {
    let set = load_locked(&workspace_root(), None)
        .expect("pinned specs (../shared/specs or GHL_SPECS_DIR)");
    let generation =
        generate(&set, &overrides(), &common::options()).expect("pinned specs generate");
    assert_eq!(
        generation.apis.len(),
        84,
        "41 v2 and 42 v3 resources, and the common schemas"
    );
    insta::assert_snapshot!("overrides_applied", report(&generation.overrides_applied));
    for api in &generation.apis {
        insta::assert_snapshot!(api.crate_name.clone(), api_summary(api));
    }
    // The webhook events: what regen reports of the pages, and their types.
    let events = generation
        .events
        .expect("the pinned release has event pages");
    insta::assert_snapshot!(
        "webhook-events",
        format!(
            "{}\n\n{}",
            xtask::events::report(&events),
            api_summary(&events.api)
        )
    );
    // The OAuth scopes, and where the scope table and the specs disagree.
    let (table, agreement) = generation
        .scopes
        .expect("the pinned release has a scope table");
    insta::assert_snapshot!("scopes", xtask::scopes::report(&table, &agreement));
}
