//! The comparison end to end: inline specs through the real pipeline, then [`super::compare`].

use super::*;
use crate::ir::Api;
use crate::specs::SpecFile;

/// One resource crate, `ghl-things`, from an inline spec run through the real pipeline.
fn things(schemas: serde_json::Value, paths: serde_json::Value) -> Api {
    let spec = serde_json::json!({
        "openapi": "3.0.0",
        "info": { "title": "Things", "version": "1.0" },
        "paths": paths,
        "components": { "schemas": schemas },
    });
    let file = SpecFile {
        path: "apps/things.json".into(),
        bytes: serde_json::to_vec(&spec).unwrap(),
    };
    let loaded = crate::load::load(&file, None).unwrap();
    let mut api = crate::ir::build(&loaded, None, &Default::default()).unwrap();
    api.crate_name = "ghl-things".into();
    api
}

fn create_thing(request: &str, response: &str) -> serde_json::Value {
    serde_json::json!({
        "/things": { "post": {
            "operationId": "create-thing",
            "requestBody": { "required": true, "content": { "application/json": {
                "schema": { "$ref": format!("#/components/schemas/{request}") } } } },
            "responses": { "201": { "description": "ok", "content": { "application/json": {
                "schema": { "$ref": format!("#/components/schemas/{response}") } } } } }
        } }
    })
}

fn details(report: &Report) -> Vec<String> {
    report
        .crates
        .iter()
        .flat_map(|diff| &diff.changes)
        .map(|change| {
            format!(
                "{} {}: {}",
                change.class.as_str(),
                change.item,
                change.detail
            )
        })
        .collect()
}

#[test]
fn required_fields_break_requests_but_not_responses() {
    let old = things(
        serde_json::json!({
            "ThingIn": { "type": "object", "properties": { "name": { "type": "string" } } },
            "ThingOut": { "type": "object", "properties": { "id": { "type": "string" } } },
        }),
        create_thing("ThingIn", "ThingOut"),
    );
    let new = things(
        serde_json::json!({
            "ThingIn": { "type": "object", "required": ["kind"], "properties": {
                "name": { "type": "string" }, "kind": { "type": "string" },
                "note": { "type": "string" } } },
            "ThingOut": { "type": "object", "required": ["kind"], "properties": {
                "id": { "type": "string" }, "kind": { "type": "string" } } },
        }),
        create_thing("ThingIn", "ThingOut"),
    );
    let report = compare("old", &[old], "new", &[new]);
    assert_eq!(
        details(&report),
        vec![
            "breaking ThingIn: new required field `kind: String` (the type is sent in requests)",
            "additive ThingIn: new field `note: Option<String>`",
            "additive ThingOut: new field `kind: String`",
        ]
    );
    assert_eq!(report.crates[0].class, Class::Breaking);
}

#[test]
fn reordered_required_fields_break_new_but_not_a_builder_or_query_parameters() {
    // `name` and `size` differ in type: `new(name, size)`, whose order is its API. Two
    // strings (`name`, `kind`) are built by name: their order is none of the caller's business.
    let thing_in = |first: (&str, &str), second: (&str, &str)| {
        serde_json::json!({
            "ThingIn": { "type": "object", "required": [first.0, second.0], "properties": {
                first.0: { "type": first.1 }, second.0: { "type": second.1 } } },
            "ThingOut": { "type": "object", "required": [first.0, second.0], "properties": {
                first.0: { "type": first.1 }, second.0: { "type": second.1 } } },
        })
    };
    let mut old_paths = create_thing("ThingIn", "ThingOut");
    old_paths["/things"]["post"]["parameters"] = serde_json::json!([
        { "name": "a", "in": "query", "required": true, "schema": { "type": "string" } },
        { "name": "b", "in": "query", "required": true, "schema": { "type": "string" } },
    ]);
    let mut new_paths = old_paths.clone();
    new_paths["/things"]["post"]["parameters"] = serde_json::json!([
        { "name": "b", "in": "query", "required": true, "schema": { "type": "string" } },
        { "name": "a", "in": "query", "required": true, "schema": { "type": "string" } },
    ]);
    let (name, size, kind) = (("name", "string"), ("size", "integer"), ("kind", "string"));
    let old = things(thing_in(name, size), old_paths.clone());
    let new = things(thing_in(size, name), new_paths.clone());
    let report = compare("old", &[old], "new", &[new]);
    // Only inputs are built from positional arguments: the response type's order is free, and
    // query parameters are named setters, whatever their order.
    assert_eq!(
        details(&report),
        vec!["breaking ThingIn: `new` takes `(size, name)` (was `(name, size)`)"]
    );
    let old = things(thing_in(name, kind), old_paths);
    let new = things(thing_in(kind, name), new_paths);
    assert!(details(&compare("old", &[old], "new", &[new])).is_empty());
}

#[test]
fn a_required_query_parameter_made_optional_breaks_no_call_the_reverse_does() {
    let params = |a_required: bool, b_required: bool| {
        let mut paths = create_thing("ThingIn", "ThingOut");
        paths["/things"]["post"]["parameters"] = serde_json::json!([
            { "name": "a", "in": "query", "required": a_required, "schema": { "type": "string" } },
            { "name": "b", "in": "query", "required": b_required, "schema": { "type": "string" } },
        ]);
        things(
            serde_json::json!({
                "ThingIn": { "type": "object", "properties": { "name": { "type": "string" } } },
                "ThingOut": { "type": "object", "properties": { "name": { "type": "string" } } },
            }),
            paths,
        )
    };
    let report = compare("old", &[params(true, false)], "new", &[params(false, true)]);
    assert_eq!(
        details(&report),
        vec![
            "additive create_thing: query parameter `a` is optional (was required)",
            "breaking create_thing: query parameter `b` is required (was optional): every call must set it",
        ]
    );
}

#[test]
fn removed_and_retyped_fields_and_variants_break_new_variants_do_not() {
    let old = things(
        serde_json::json!({
            "ThingIn": { "type": "object", "properties": {
                "name": { "type": "string" }, "size": { "type": "string" },
                "gone": { "type": "string" } } },
            "ThingOut": { "type": "object", "properties": { "status": { "$ref": "#/components/schemas/Status" } } },
            "Status": { "type": "string", "enum": ["open", "closed"] },
        }),
        create_thing("ThingIn", "ThingOut"),
    );
    let new = things(
        serde_json::json!({
            "ThingIn": { "type": "object", "properties": {
                "name": { "type": "string" }, "size": { "type": "integer" } } },
            "ThingOut": { "type": "object", "properties": { "status": { "$ref": "#/components/schemas/Status" } } },
            "Status": { "type": "string", "enum": ["open", "archived"] },
        }),
        create_thing("ThingIn", "ThingOut"),
    );
    let report = compare("old", &[old], "new", &[new]);
    assert_eq!(
        details(&report),
        vec![
            "additive Status: new variant `Archived` (`\"archived\"`)",
            "breaking Status: variant `Closed` (`\"closed\"`) removed",
            "breaking ThingIn: field `size`: `Option<i64>` (was `Option<String>`)",
            "breaking ThingIn: field `gone` removed",
        ]
    );
}

#[test]
fn operations_added_removed_and_changed() {
    let schemas = serde_json::json!({
        "ThingIn": { "type": "object", "properties": { "name": { "type": "string" } } },
        "ThingOut": { "type": "object", "properties": { "id": { "type": "string" } } },
    });
    let old = things(schemas.clone(), create_thing("ThingIn", "ThingOut"));
    let mut paths = create_thing("ThingIn", "ThingIn");
    paths["/things"]["post"]["parameters"] = serde_json::json!([
        { "name": "Version", "in": "header", "required": true,
          "schema": { "type": "string", "enum": ["2021-04-15"] } },
        { "name": "dryRun", "in": "query", "schema": { "type": "boolean" } },
    ]);
    paths["/things/{id}"] = serde_json::json!({ "get": {
        "operationId": "get-thing",
        "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }],
        "responses": { "200": { "description": "ok" } }
    } });
    let new = things(schemas, paths);
    let report = compare("old", &[old], "new", &[new]);
    let mut found = details(&report);
    found.sort();
    assert_eq!(
        found,
        vec![
            "additive create_thing: new optional query parameter `dry_run: Option<bool>`",
            "additive create_thing: sends `Version: 2021-04-15` (was `2021-07-28`)",
            "additive get_thing: new operation",
            "breaking create_thing: returns `ThingIn` (was `ThingOut`)",
        ]
    );
    // No change at all: the crate is listed as unchanged.
    let same = compare("a", &report_apis().0, "b", &report_apis().1);
    assert!(same.crates.is_empty());
    assert_eq!(same.unchanged, vec!["ghl-things"]);
}

fn report_apis() -> (Vec<Api>, Vec<Api>) {
    let schemas = serde_json::json!({
        "ThingIn": { "type": "object", "properties": { "name": { "type": "string" } } },
    });
    (
        vec![things(schemas.clone(), create_thing("ThingIn", "ThingIn"))],
        vec![things(schemas, create_thing("ThingIn", "ThingIn"))],
    )
}

#[test]
fn crates_added_and_removed() {
    let schemas = serde_json::json!({
        "ThingIn": { "type": "object", "properties": { "name": { "type": "string" } } },
    });
    let mut gone = things(schemas.clone(), create_thing("ThingIn", "ThingIn"));
    gone.crate_name = "ghl-gone".into();
    let mut fresh = things(schemas, create_thing("ThingIn", "ThingIn"));
    fresh.crate_name = "ghl-fresh".into();
    let report = compare("old", &[gone], "new", &[fresh]);
    assert_eq!(report.resources_added, vec!["ghl-fresh"]);
    assert_eq!(report.resources_removed, vec!["ghl-gone"]);
    assert_eq!(
        report.crate_diff("ghl-gone").unwrap().class,
        Class::Breaking
    );
    assert_eq!(
        report.crate_diff("ghl-fresh").unwrap().class,
        Class::Additive
    );
    let json: serde_json::Value = serde_json::from_str(&report.to_json().unwrap()).unwrap();
    assert_eq!(json["crates"][0]["status"], "added");
    assert_eq!(json["crates"][1]["changes"][0]["class"], "breaking");
}

#[test]
fn bumps_follow_semver_for_0x_and_1x() {
    assert_eq!(bump("0.1.0", Class::Breaking).unwrap(), "0.2.0");
    assert_eq!(bump("0.1.3", Class::Additive).unwrap(), "0.1.4");
    assert_eq!(bump("1.2.3", Class::Breaking).unwrap(), "2.0.0");
    assert_eq!(bump("1.2.3", Class::Additive).unwrap(), "1.3.0");
    assert!(bump("0.1", Class::Additive).is_err());
}

#[test]
fn a_type_whose_schema_became_identical_to_another_is_reported_merged_not_dropped() {
    let status =
        |values: serde_json::Value| serde_json::json!({ "type": "string", "enum": values });
    let old = things(
        serde_json::json!({
            "Order": { "type": "object", "properties": { "state": status(serde_json::json!(["open"])) } },
            "Refund": { "type": "object", "properties": {
                "state": status(serde_json::json!(["open", "done"])), "id": { "type": "string" },
            } },
        }),
        serde_json::json!({}),
    );
    let new = things(
        serde_json::json!({
            "Order": { "type": "object", "properties": { "state": status(serde_json::json!(["open", "done"])) } },
            "Refund": { "type": "object", "properties": {
                "state": status(serde_json::json!(["open", "done"])), "id": { "type": "string" },
            } },
        }),
        serde_json::json!({}),
    );
    let report = compare("old", &[old], "new", &[new]);
    let found = details(&report);
    assert!(
        found
            .iter()
            .any(|line| line.starts_with("breaking RefundState: enum merged into `")),
        "{found:#?}"
    );
}

#[test]
fn a_type_that_became_an_alias_of_an_identical_new_type_is_additive() {
    let error = |code: u32| {
        serde_json::json!({ "type": "object", "properties": {
            "statusCode": { "type": "number", "example": code },
            "message": { "type": "string" } } })
    };
    let old = || {
        things(
            serde_json::json!({ "UnauthorizedDTO": error(401) }),
            create_thing("UnauthorizedDTO", "UnauthorizedDTO"),
        )
    };
    // `ForbiddenDTO` sorts first, so the old name becomes the alias.
    let mut changed = error(403);
    changed["properties"]["extra"] = serde_json::json!({ "type": "string" });
    let new = things(
        serde_json::json!({ "UnauthorizedDTO": error(401), "ForbiddenDTO": error(403) }),
        create_thing("UnauthorizedDTO", "UnauthorizedDTO"),
    );
    let report = compare("old", &[old()], "new", &[new]);
    let lines = details(&report);
    assert!(
        lines.contains(
            &"additive UnauthorizedDto: now an alias of `ForbiddenDto`, which has the same fields: code using the name compiles as before"
                .to_owned()
        ),
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .all(|line| !line.starts_with("breaking Unauth")),
        "{lines:#?}"
    );

    // Aliased to a type that differs from the old one: the differences are what count.
    let grown = things(
        serde_json::json!({ "UnauthorizedDTO": changed.clone(), "ForbiddenDTO": changed }),
        create_thing("UnauthorizedDTO", "UnauthorizedDTO"),
    );
    let lines = details(&compare("old", &[old()], "new", &[grown]));
    assert!(
        lines.iter().any(|line| line.starts_with(
            "additive UnauthorizedDto: as an alias of `ForbiddenDto`: new field `extra"
        )),
        "{lines:#?}"
    );
}

/// The webhook events of a release made of the given pages (name, example `type`).
fn webhook_events(pages: &[&str]) -> Api {
    let files = pages
        .iter()
        .map(|name| SpecFile {
            path: format!("{}{name}.md", crate::events::EVENTS_DIR),
            bytes: format!(
                "# {name}\n\n#### Schema\n\n```json json_schema\n{{\"type\": \"object\", \"properties\": {{\"type\": {{\"type\": \"string\"}}, \"id\": {{\"type\": \"string\"}}}}}}\n```\n\n#### Example\n\n```json\n{{\"type\": \"{name}\", \"id\": \"1\"}}\n```\n"
            )
            .into_bytes(),
        })
        .collect();
    let set = crate::specs::SpecSet {
        origin: "test".into(),
        commit: None,
        files,
    };
    let pages = crate::events::read(&set).unwrap().unwrap();
    let (model, _) = crate::events::build(&pages, None, &Default::default()).unwrap();
    model.api
}

#[test]
fn a_new_webhook_event_is_additive_and_a_removed_one_breaking() {
    let old = webhook_events(&["NoteCreate", "TaskCreate"]);
    let new = webhook_events(&["NoteCreate", "NoteDelete"]);
    let report = compare("old", &[old], "new", &[new]);
    let diff = report.crate_diff("ghl-runtime").unwrap();
    assert_eq!(diff.class, Class::Breaking);
    let events: Vec<(Class, &str)> = diff
        .changes
        .iter()
        .filter(|change| change.item.starts_with("WebhookEvent::"))
        .map(|change| (change.class, change.item.as_str()))
        .collect();
    assert_eq!(
        events,
        vec![
            (Class::Additive, "WebhookEvent::NoteDelete"),
            (Class::Breaking, "WebhookEvent::TaskCreate"),
        ]
    );

    let same = compare(
        "old",
        &[webhook_events(&["NoteCreate"])],
        "new",
        &[webhook_events(&["NoteCreate"])],
    );
    assert_eq!(same.unchanged, vec!["ghl-runtime".to_owned()]);
}
