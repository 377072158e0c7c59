//! Bad input: a clear error naming the file, the JSON pointer and what to do, and an output
//! directory left exactly as it was.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use xtask::regen::{RegenArgs, run};

fn snapshot_dir(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_dir() {
                stack.push(entry.path());
            } else {
                let relative = entry
                    .path()
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                files.insert(relative, std::fs::read(entry.path()).unwrap());
            }
        }
    }
    files
}

fn regen(specs: &Path, out: &Path) -> anyhow::Result<std::process::ExitCode> {
    run(&RegenArgs {
        specs: Some(specs.to_path_buf()),
        unlocked: true,
        out: Some(out.to_path_buf()),
        check: false,
        overrides: None,
        no_overrides: true,
        verify_layout: false,
    })
}

fn break_spec(specs: &Path, file: &str, from: &str, to: &str) {
    let path = specs.join("apps").join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{file} has no `{from}`");
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn a_broken_spec_leaves_the_output_untouched() {
    let temp = tempfile::tempdir().unwrap();
    let specs = temp.path().join("specs");
    let out = temp.path().join("crates");
    common::materialize(&specs);
    regen(&specs, &out).unwrap();
    let before = snapshot_dir(&out);
    assert!(before.len() > 30);

    // A change that would rewrite files, plus a reference that points nowhere.
    break_spec(&specs, "enums.json", "List posts", "List all posts");
    break_spec(
        &specs,
        "one-of.json",
        "#/components/schemas/Card",
        "#/components/schemas/Missing",
    );
    let error = regen(&specs, &out).unwrap_err().to_string();
    assert!(
        error.contains("apps/one-of.json#/components/schemas/Holder/properties/value/oneOf/0"),
        "{error}"
    );
    assert!(error.contains("points nowhere"), "{error}");
    assert!(error.contains("overrides/"), "{error}");
    assert_eq!(
        snapshot_dir(&out),
        before,
        "crates/ changed although regen failed"
    );
}

#[test]
fn errors_name_file_pointer_and_remedy() {
    let cases = [
        (
            "naming.json",
            "\"type\": \"boolean\"",
            "\"type\": \"boolean\", \"enum\": [[1]]",
            None,
        ),
        (
            "version.json",
            "\"description\": \"ok\"",
            "\"description\": 7",
            Some("apps/version.json#/paths/~1a/get/responses/200/description"),
        ),
        (
            "multipart.json",
            "\"multipart/form-data\": {\n              \"schema\": {\n                \"type\": \"object\",",
            "\"multipart/form-data\": {\n              \"schema\": {\n                \"type\": \"string\",",
            Some(
                "apps/multipart.json#/paths/~1upload/post/requestBody/content/multipart~1form-data/schema",
            ),
        ),
    ];
    for (file, from, to, expected) in cases {
        let temp = tempfile::tempdir().unwrap();
        let specs = temp.path().join("specs");
        common::materialize(&specs);
        break_spec(&specs, file, from, to);
        let result = regen(&specs, &temp.path().join("crates"));
        match expected {
            // Absorbed: a misfit enum value is dropped, not fatal.
            None => assert!(result.is_ok(), "{file}: {:?}", result.err()),
            Some(place) => {
                let error = result.unwrap_err().to_string();
                assert!(error.contains(place), "{file}: {error}");
                assert!(error.contains("help:"), "{file}: {error}");
                assert!(
                    !temp.path().join("crates").exists(),
                    "{file}: output was created"
                );
            }
        }
    }
}
