//! Helpers shared by the generator's integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use xtask::emit::{EmitOptions, workspace_metadata};
use xtask::regen::{Generation, generate, workspace_root};
use xtask::specs::{SpecSet, load_unlocked};

pub fn fixtures_dir() -> PathBuf {
    workspace_root().join("tests/fixtures/specs")
}

pub fn options() -> EmitOptions {
    EmitOptions {
        runtime_path: "../ghl-runtime".to_owned(),
        source: "test".to_owned(),
        metadata: workspace_metadata(&workspace_root()).expect("workspace metadata"),
        releases: Default::default(),
    }
}

pub fn generate_from(dir: &Path) -> Generation {
    let set: SpecSet = load_unlocked(dir).expect("fixture specs load");
    generate(&set, &[], &options()).expect("fixture specs generate")
}

/// Copies a spec directory so a test can break it.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
