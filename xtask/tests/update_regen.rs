//! The maintainer's workflow end to end, in a temporary copy of the workspace: pinned to the
//! 2025-10-31 release, `specs update` to the newer one, then `regen`.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use xtask::regen::{RegenArgs, run_in, workspace_root};
use xtask::specs::{LOCK_FILE, Lock, UPSTREAM};
use xtask::update::{CHANGELOG_DIR, UpdateArgs, read_versions, update};

const OLD_COMMIT: &str = "739146ebd5a1f197980040ea6be1117edb828065";
const NEW_COMMIT: &str = "0af86a4cbd48c66a4071c7e509d1079f9f10ed17";

const NEW_RESOURCES: [&str; 6] = [
    "ghl-ad-manager",
    "ghl-affiliate-manager",
    "ghl-agent-studio",
    "ghl-brand-boards",
    "ghl-conversation-ai",
    "ghl-knowledge-base",
];

fn shared(release: &str) -> PathBuf {
    workspace_root().join("../shared/specs").join(release)
}

fn regen(root: &Path, specs: &Path) -> anyhow::Result<ExitCode> {
    run_in(
        root,
        &RegenArgs {
            specs: Some(specs.to_path_buf()),
            unlocked: false,
            out: None,
            check: false,
            overrides: None,
            no_overrides: false,
            verify_layout: true,
        },
    )
}

/// Every file under `dir`, path -> bytes.
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in fs::read_dir(&current).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.insert(path.clone(), fs::read(&path).unwrap());
            }
        }
    }
    files
}

fn manifest_version(root: &Path, crate_name: &str) -> String {
    let text = fs::read_to_string(root.join("crates").join(crate_name).join("Cargo.toml")).unwrap();
    let manifest: toml::Table = toml::from_str(&text).unwrap();
    manifest["package"]["version"].as_str().unwrap().to_owned()
}

#[test]
fn update_then_regen_from_the_older_release_to_the_pinned_one() {
    let old_dir = shared("highlevel-api-docs-2025-10-31");
    let new_dir = shared("highlevel-api-docs");
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();

    // A workspace pinned to the older release, with one override that holds in both releases
    // and one that the newer release makes stale (the operation it removes is gone).
    fs::copy(workspace_root().join("Cargo.toml"), root.join("Cargo.toml")).unwrap();
    Lock::from_dir(UPSTREAM, OLD_COMMIT, &old_dir)
        .unwrap()
        .write(&root.join(LOCK_FILE))
        .unwrap();
    fs::create_dir_all(root.join("overrides")).unwrap();
    fs::write(
        root.join("overrides/blogs.yaml"),
        "overrides:\n  - reason: Cloudflare wants a browser User-Agent\n    paths: /blogs\n    header: { name: User-Agent, value: \"Mozilla/5.0\" }\n",
    )
    .unwrap();
    fs::write(
        root.join("overrides/payments.yaml"),
        "overrides:\n  - reason: The migration endpoint is internal\n    operation: POST /payments/orders/migrate-order-ps\n    remove: true\n",
    )
    .unwrap();
    assert_eq!(regen(root, &old_dir).unwrap(), ExitCode::SUCCESS);
    assert!(root.join("crates/ghl-agencies/Cargo.toml").is_file());
    assert!(!root.join("crates/ghl-ad-manager").exists());

    // specs update --from the newer release.
    let updated = update(
        root,
        &UpdateArgs {
            commit: Some(NEW_COMMIT.to_owned()),
            from: Some(new_dir.clone()),
            old_specs: Some(old_dir.clone()),
            date: Some("2026-06-20".to_owned()),
        },
    )
    .unwrap()
    .expect("the lock moves");
    assert_eq!(
        Lock::read(&root.join(LOCK_FILE)).unwrap().commit,
        NEW_COMMIT
    );
    let added: Vec<String> = NEW_RESOURCES
        .iter()
        .map(|name| format!("apps/{}.json", name.trim_start_matches("ghl-")))
        .collect();
    // The older release has no v3 surface: its 42 specs and their common schemas are new.
    let (v3_added, v2_added): (Vec<&String>, Vec<&String>) = updated
        .files_added
        .iter()
        .partition(|path| path.starts_with("apps/v3/"));
    assert_eq!(v2_added, added.iter().collect::<Vec<_>>());
    assert_eq!(v3_added.len(), 43, "{v3_added:?}");
    assert_eq!(updated.files_removed, ["apps/agencies.json"]);
    assert_eq!(updated.files_changed.len(), 15);

    // Versions move exactly where the diff says, by its class.
    let versions = read_versions(root).unwrap();
    for diff in &updated.report.crates {
        let expected = match (diff.status, diff.class) {
            (xtask::diff::Status::Changed, xtask::diff::Class::Breaking) => "0.2.0",
            (xtask::diff::Status::Changed, xtask::diff::Class::Additive) => "0.1.1",
            _ => "0.1.0",
        };
        assert_eq!(versions[&diff.crate_name], expected, "{}", diff.crate_name);
    }
    assert_eq!(versions["ghl-payments"], "0.2.0");
    assert_eq!(versions["ghl-businesses"], "0.1.1");
    assert_eq!(versions["ghl-blogs"], "0.1.0");
    // ghl-common too: enums the new release has in several crates move there.
    assert_eq!(updated.bumps.len(), 13, "{:?}", updated.bumps);
    assert_eq!(versions["ghl-common"], "0.1.1");
    let changelog = fs::read_to_string(root.join(CHANGELOG_DIR).join("ghl-payments.md")).unwrap();
    assert!(changelog.starts_with("# Changelog of `ghl-payments`\n\n## 0.2.0 (2026-06-20)\n"));
    assert!(changelog.contains("`post_migrate_order_payment_status()` (`POST /payments/orders/migrate-order-ps`): operation removed"));
    assert!(!root.join(CHANGELOG_DIR).join("ghl-blogs.md").exists());

    // Pinned there already: a second update changes nothing.
    let again = update(
        root,
        &UpdateArgs {
            from: Some(new_dir.clone()),
            commit: Some(NEW_COMMIT.to_owned()),
            ..UpdateArgs::default()
        },
    )
    .unwrap();
    assert!(again.is_none());

    // regen names the stale override, and writes nothing.
    let before = tree(&root.join("crates"));
    let error = format!("{:#}", regen(root, &new_dir).unwrap_err());
    assert!(
        error.contains("payments.yaml") && error.contains("migrate-order-ps"),
        "{error}"
    );
    assert_eq!(tree(&root.join("crates")), before);

    // Without it, the crates follow the new release.
    fs::remove_file(root.join("overrides/payments.yaml")).unwrap();
    assert_eq!(regen(root, &new_dir).unwrap(), ExitCode::SUCCESS);
    assert!(!root.join("crates/ghl-agencies").exists());
    for name in NEW_RESOURCES {
        assert!(
            root.join("crates").join(name).join("src/lib.rs").is_file(),
            "{name}"
        );
        assert_eq!(manifest_version(root, name), "0.1.0");
    }
    for (name, version) in &versions {
        if root.join("crates").join(name).is_dir() {
            assert_eq!(&manifest_version(root, name), version, "{name}");
        }
    }
    let changelog_copy = fs::read_to_string(root.join("crates/ghl-payments/CHANGELOG.md")).unwrap();
    assert!(changelog_copy.ends_with(&changelog));
    assert!(!root.join("crates/ghl-blogs/CHANGELOG.md").exists());
    let readme = fs::read_to_string(root.join("crates/ghl-payments/README.md")).unwrap();
    assert!(readme.contains("ghl-payments = \"0.2\""), "{readme}");

    // A second regen changes nothing, and --check agrees.
    let generated = tree(root);
    assert_eq!(regen(root, &new_dir).unwrap(), ExitCode::SUCCESS);
    assert_eq!(tree(root), generated);
    let check = run_in(
        root,
        &RegenArgs {
            specs: Some(new_dir),
            unlocked: false,
            out: None,
            check: true,
            overrides: None,
            no_overrides: false,
            verify_layout: true,
        },
    )
    .unwrap();
    assert_eq!(check, ExitCode::SUCCESS);
}
