//! Small specs written for the project, one feature each (tests/fixtures/specs/*.json):
//! the generated code of each is a snapshot.

mod common;

use std::collections::BTreeMap;

#[test]
fn each_fixture_generates_the_snapshotted_code() {
    // Every item written as text must be what prettyplease makes of it.
    xtask::emit::verify_layout(true);
    let generation = common::generate_fixtures();
    let mut crates: BTreeMap<String, String> = BTreeMap::new();
    for file in &generation.files {
        // The type-name lock sits beside the crates; every other file is in one.
        let Some((krate, path)) = file.path.split_once('/') else {
            assert_eq!(file.path, "type-names.json");
            continue;
        };
        let text = crates.entry(krate.to_owned()).or_default();
        text.push_str(&format!("===== {path} =====\n{}\n", file.contents));
    }
    assert_eq!(
        crates.len(),
        11,
        "10 fixture crates and ghl-common: {:?}",
        crates.keys()
    );
    for (krate, text) in crates {
        insta::assert_snapshot!(krate, text);
    }
}

#[test]
fn fixtures_report_what_they_absorb() {
    let generation = common::generate_fixtures();
    let repairs = &generation.stats.repairs;
    for kind in [
        "Authorization header parameter dropped",
        "dangling local reference resolved in common schemas",
        "duplicate enum value dropped",
        "field names differing only by underscores",
        "operation without Version uses the default",
        "response header without schema",
        "schema name collision after case conversion",
        "undeclared path variable added as a parameter",
        "schema type `any` read as no type (any value)",
    ] {
        assert!(repairs.contains_key(kind), "no `{kind}` in {repairs:?}");
    }
    let fallbacks = &generation.stats.value_fallbacks;
    assert!(
        fallbacks.contains_key("object without properties"),
        "{fallbacks:?}"
    );
    assert!(
        fallbacks.contains_key("schema without type"),
        "{fallbacks:?}"
    );
}

#[test]
fn regenerating_gives_identical_bytes() {
    let first = common::generate_fixtures();
    let second = common::generate_fixtures();
    assert_eq!(first.files, second.files);
}

#[test]
fn examples_that_match_their_schema_become_test_cases() {
    let apis = common::generate_fixtures().apis;
    let (cases, stats) = xtask::examples::collect(&apis);
    // `Contact.email` and the common `BadRequestDTO.statusCode` have matching examples;
    // `Contact.phone` (a string) has a number as its example.
    assert_eq!((stats.matching, stats.mismatched), (2, 1));
    let contact = cases
        .iter()
        .find(|case| case.type_name == "Contact")
        .expect("a Contact case");
    assert!(contact.round_trip);
    assert_eq!(contact.value["email"], "ada@example.com");
    assert_eq!(
        contact.value["phone"], "example",
        "placeholder for a required field without a usable example"
    );
}
