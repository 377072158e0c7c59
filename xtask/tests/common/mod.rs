//! Helpers shared by the generator's integration tests.
#![allow(dead_code)]

use std::path::Path;

use xtask::emit::{EmitOptions, workspace_metadata};
use xtask::pipeline::{Generation, generate};
use xtask::regen::workspace_root;
use xtask::specs::{SpecFile, SpecSet};

/// The fixture specs (`tests/fixtures/specs/<feature>.json`, one feature each, and `common.json`)
/// as the release layout the generator reads: `apps/<feature>.json`, `common/common-schemas.json`.
/// They are kept flat on disk so nobody takes them for copies of HighLevel's specs.
pub fn fixture_set() -> SpecSet {
    let dir = workspace_root().join("tests/fixtures/specs");
    let mut files: Vec<SpecFile> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let path_in_release = if name == "common.json" {
                "common/common-schemas.json".to_owned()
            } else {
                format!("apps/{name}")
            };
            SpecFile {
                path: path_in_release,
                bytes: std::fs::read(&path).unwrap(),
            }
        })
        .collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    SpecSet {
        origin: dir.display().to_string(),
        commit: None,
        files,
    }
}

/// Writes the fixture specs into `to` in the release layout, for tests that run `regen`.
pub fn materialize(to: &Path) {
    for file in fixture_set().files {
        let path = to.join(&file.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, file.bytes).unwrap();
    }
}

pub fn options() -> EmitOptions {
    EmitOptions {
        runtime_path: "../ghl-runtime".to_owned(),
        source: "test".to_owned(),
        metadata: workspace_metadata(&workspace_root()).expect("workspace metadata"),
        releases: Default::default(),
        type_names: Default::default(),
        test_crate: true,
        scope_variants: Default::default(),
    }
}

pub fn generate_fixtures() -> Generation {
    generate(&fixture_set(), &[], &options()).expect("fixture specs generate")
}
