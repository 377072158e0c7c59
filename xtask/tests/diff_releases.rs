//! The API change report between the two releases kept beside the workspace: the older
//! (2025-10-31, 36 resources, v2 only) and the pinned one (41 v2 and 42 v3 resources).

use xtask::diff::{Class, Status, diff_sets, markdown};
use xtask::regen::{type_names, workspace_root};
use xtask::specs::load_unlocked;

#[test]
fn diff_of_the_two_releases_matches_its_snapshot() {
    let shared = workspace_root().join("../shared/specs");
    let old = load_unlocked(&shared.join("highlevel-api-docs-2025-10-31"))
        .expect("the older release in ../shared/specs");
    let new = load_unlocked(&shared.join("highlevel-api-docs"))
        .expect("the pinned release in ../shared/specs");
    let report = diff_sets(
        "highlevel-api-docs-2025-10-31",
        &old,
        "highlevel-api-docs",
        &new,
        &type_names(&workspace_root().join("crates")).expect("crates/type-names.json reads"),
    )
    .expect("both releases build");

    // The older release has no v3 surface: all 42 v3 crates are new.
    let (v3, v2): (Vec<&String>, Vec<&String>) = report
        .resources_added
        .iter()
        .partition(|name| name.ends_with("-v3"));
    assert_eq!(v3.len(), 42, "{v3:?}");
    assert_eq!(
        v2,
        [
            "ghl-ad-manager",
            "ghl-affiliate-manager",
            "ghl-agent-studio",
            "ghl-brand-boards",
            "ghl-conversation-ai",
            "ghl-knowledge-base",
        ]
    );
    assert_eq!(report.resources_removed, ["ghl-agencies"]);
    // Spot checks, each verified against the two releases' JSON by hand.
    let payments = report.crate_diff("ghl-payments").expect("payments changed");
    assert_eq!(payments.class, Class::Breaking);
    assert!(
        payments
            .changes
            .iter()
            .any(|change| change.item == "post_migrate_order_payment_status"
                && change.detail == "operation removed")
    );
    let businesses = report
        .crate_diff("ghl-businesses")
        .expect("businesses changed");
    assert_eq!(
        (businesses.status, businesses.class),
        (Status::Changed, Class::Additive)
    );
    // Documentation-only changes (medias renamed "Media Library" to "Media Storage") and new
    // security schemes (companies) do not change the API.
    for unchanged in ["ghl-medias", "ghl-companies", "ghl-locations", "ghl-blogs"] {
        assert!(
            report.unchanged.iter().any(|name| name == unchanged),
            "{unchanged}"
        );
    }

    insta::assert_snapshot!("diff_2025-10-31_to_pinned", markdown(&report));
}
