//! Override files applied to a small spec: what each action changes, and how stale entries are
//! reported.

use serde_json::Value;

use super::apply;
use super::format::tests::file;

fn spec() -> Value {
    serde_json::json!({
        "paths": {
            "/blogs/posts": {"post": {"operationId": "create-post", "parameters": [
                {"name": "Version", "in": "header", "schema": {"type": "string", "enum": ["2021-07-28"]}}
            ], "responses": {"201": {"description": "ok"}}}},
            "/blogs/posts/all": {"get": {"operationId": "list-posts", "parameters": [
                {"name": "limit", "in": "query", "schema": {"type": "number"}}
            ], "responses": {}}},
            "/other": {"patch": {"operationId": "patch-other", "responses": {}}}
        },
        "components": {"schemas": {"Post": {"type": "object", "required": ["id"], "properties": {
            "id": {"type": "string"}, "status": {"type": "object", "description": "Status"}
        }}}}
    })
}

fn apply_yaml(yaml: &str) -> Result<Value, String> {
    let mut spec = spec();
    let file = file(yaml)?;
    apply(&file, "apps/test.json", &mut spec).map_err(|error| error.to_string())?;
    Ok(spec)
}

#[test]
fn each_action_changes_the_spec() {
    let spec = apply_yaml(
        "overrides:
  - reason: status is a string
    schema: Post
    property: status
    merge: {type: string}
  - reason: limit is an integer of at most 50
    operation: GET /blogs/posts/all
    param: limit
    merge: {type: integer, maximum: 50}
  - reason: blogs need a browser UA
    paths: /blogs
    header: {name: User-Agent, value: Chrome}
  - reason: version
    operation: list-posts
    version: 2021-04-15
  - reason: no PATCH
    operation: PATCH /other
    remove: true
  - reason: status required
    schema: Post
    required: {add: [status], drop: [id]}
  - reason: define
    define: {Envelope: {type: object}}
  - reason: typed response
    operation: create-post
    response: {$ref: '#/components/schemas/Envelope'}
  - reason: unwrap
    operation: create-post
    unwrap: /results/post
  - reason: token exchange goes without a bearer token
    operation: create-post
    without_auth: true
",
    )
    .unwrap();
    assert_eq!(
        spec.pointer("/components/schemas/Post/properties/status/type")
            .unwrap(),
        "string"
    );
    assert_eq!(
        spec.pointer("/components/schemas/Post/properties/status/description")
            .unwrap(),
        "Status"
    );
    assert_eq!(
        spec.pointer("/paths/~1blogs~1posts~1all/get/parameters/0/schema/maximum")
            .unwrap(),
        50
    );
    assert_eq!(
        spec.pointer("/paths/~1blogs~1posts/post/x-ghl-headers/User-Agent")
            .unwrap(),
        "Chrome"
    );
    assert_eq!(
        spec.pointer("/paths/~1blogs~1posts~1all/get/x-ghl-headers/User-Agent")
            .unwrap(),
        "Chrome"
    );
    assert_eq!(
        spec.pointer("/paths/~1blogs~1posts~1all/get/parameters/1/schema/enum/0")
            .unwrap(),
        "2021-04-15"
    );
    assert!(spec.pointer("/paths/~1other/patch").is_none());
    assert_eq!(
        spec.pointer("/components/schemas/Post/required").unwrap(),
        &serde_json::json!(["status"])
    );
    assert_eq!(
        spec.pointer(
            "/paths/~1blogs~1posts/post/responses/201/content/application~1json/schema/$ref"
        )
        .unwrap(),
        "#/components/schemas/Envelope"
    );
    assert_eq!(
        spec.pointer("/paths/~1blogs~1posts/post/x-ghl-unwrap")
            .unwrap(),
        "/results/post"
    );
}

#[test]
fn stale_overrides_name_file_line_and_what_they_looked_for() {
    let cases = [
        ("schema: Gone\n    remove: true", "no schema `Gone`"),
        (
            "schema: Post\n    property: gone\n    merge: {type: string}",
            "no property `gone`",
        ),
        (
            "operation: GET /nowhere\n    remove: true",
            "no operation `GET /nowhere`",
        ),
        (
            "operation: create-post\n    param: nope\n    remove: true",
            "no parameter `nope`",
        ),
        (
            "schema: Post\n    property: id\n    merge: {type: string}",
            "already says this",
        ),
        (
            "operation: create-post\n    version: 2021-07-28",
            "already says this",
        ),
        (
            "schema: Post\n    required: {add: [id]}",
            "already says this",
        ),
        (
            "paths: /nothing\n    header: {name: A, value: b}",
            "no operation's path starts with",
        ),
        ("define: {Post: {type: string}}", "already exists"),
    ];
    for (body, expected) in cases {
        let yaml = format!("overrides:\n  - reason: test\n    {body}\n");
        let error = apply_yaml(&yaml).unwrap_err();
        assert!(error.starts_with("overrides/test.yaml:2: "), "{error}");
        assert!(error.contains(expected), "{body}: {error}");
    }
}

#[test]
fn every_stale_entry_of_a_file_is_named_in_one_run() {
    let error = apply_yaml(
            "overrides:\n  - reason: a\n    schema: Gone\n    remove: true\n  - reason: b\n    schema: Post\n    property: status\n    merge: {type: string}\n  - reason: c\n    operation: GET /nowhere\n    remove: true\n",
        )
        .unwrap_err();
    assert!(error.contains("2 stale or broken overrides"), "{error}");
    assert!(error.contains("overrides/test.yaml:2: stale"), "{error}");
    assert!(error.contains("overrides/test.yaml:9: stale"), "{error}");
    assert!(
        !error.contains("test.yaml:5"),
        "the good entry is not named: {error}"
    );
}

#[test]
fn rename_moves_a_schema_with_every_reference_and_renames_an_operation() {
    let spec = apply_yaml(
        r##"overrides:
  - reason: an envelope that refers to the post
    define:
      Envelope:
        type: object
        properties:
          post: {$ref: "#/components/schemas/Post"}
          id: {$ref: "#/components/schemas/Post/properties/id"}
          other: {$ref: "#/components/schemas/PostExtra"}
  - reason: "Naming: it is a blog post"
    schema: Post
    rename: BlogPost
  - reason: "Naming: it lists posts"
    operation: GET /blogs/posts/all
    rename: get-blog-posts
"##,
    )
    .unwrap();
    let schemas = spec["components"]["schemas"].as_object().unwrap();
    let names: Vec<&str> = schemas.keys().map(String::as_str).collect();
    // In the old one's place, so the generated order does not move.
    assert_eq!(names, ["BlogPost", "Envelope"]);
    // The spec's own name stays with it, for docs that point into the published file.
    assert_eq!(schemas["BlogPost"]["x-ghl-spec-name"], "Post");
    let envelope = &schemas["Envelope"]["properties"];
    assert_eq!(envelope["post"]["$ref"], "#/components/schemas/BlogPost");
    assert_eq!(
        envelope["id"]["$ref"],
        "#/components/schemas/BlogPost/properties/id"
    );
    // A name that merely starts with the old one is another schema.
    assert_eq!(envelope["other"]["$ref"], "#/components/schemas/PostExtra");
    assert_eq!(
        spec["paths"]["/blogs/posts/all"]["get"]["operationId"],
        "get-blog-posts"
    );
}

#[test]
fn a_rename_the_spec_made_unnecessary_or_impossible_is_reported() {
    let gone = apply_yaml(
        "overrides:
  - reason: typo
    schema: Pots
    rename: Post
",
    )
    .unwrap_err();
    assert!(gone.contains("no schema `Pots`"), "{gone}");
    let taken = apply_yaml(
        "overrides:
  - reason: clash
    define: {Article: {type: object}}
  - reason: it is an article
    schema: Post
    rename: Article
",
    )
    .unwrap_err();
    assert!(taken.contains("schema `Article` already exists"), "{taken}");
    let same = apply_yaml(
        "overrides:
  - reason: already so
    operation: GET /blogs/posts/all
    rename: list-posts
",
    )
    .unwrap_err();
    assert!(same.contains("already says this"), "{same}");
    let property = file(
        "overrides:
  - reason: no
    schema: Post
    property: id
    rename: ident
",
    )
    .err()
    .unwrap_or_default();
    assert!(property.contains("`rename` does not apply"), "{property}");
}

#[test]
fn a_note_adds_a_paragraph_to_the_description_once() {
    let spec = apply_yaml(
        "overrides:
  - reason: the server replaces the whole post
    operation: create-post
    note: Send the whole body.
  - reason: a format the spec does not give
    schema: Post
    property: id
    note: A 24-character hex id.
  - reason: what limit means
    operation: GET /blogs/posts/all
    param: limit
    note: At most 50.
",
    )
    .unwrap();
    let operation = &spec["paths"]["/blogs/posts"]["post"];
    assert_eq!(operation["description"], "Send the whole body.");
    let property = &spec["components"]["schemas"]["Post"]["properties"]["id"];
    assert_eq!(property["description"], "A 24-character hex id.");
    let param = &spec["paths"]["/blogs/posts/all"]["get"]["parameters"][0];
    assert_eq!(param["description"], "At most 50.");
    // Appended after what the spec says, as a paragraph of its own; twice is stale.
    let twice = apply_yaml(
        "overrides:
  - reason: a
    schema: Post
    property: status
    note: An object on the wire.
  - reason: b
    schema: Post
    property: status
    note: An object on the wire.
",
    )
    .unwrap_err();
    assert!(twice.contains("already says this"), "{twice}");
    let spec = apply_yaml(
        "overrides:
  - reason: a
    schema: Post
    property: status
    note: An object on the wire.
",
    )
    .unwrap();
    assert_eq!(
        spec["components"]["schemas"]["Post"]["properties"]["status"]["description"],
        "Status\n\nAn object on the wire."
    );
}
