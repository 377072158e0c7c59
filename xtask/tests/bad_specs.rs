//! Damaged and unusual specs, the way a user copying specs from somewhere meets them: a corpus
//! that mutates HighLevel's real specs, one test per mutation, run through the `xtask` binary
//! as a user runs it (`regen --specs DIR --unlocked --no-overrides --out DIR`).
//!
//! Every run must end within a bounded time, never panic, and either fail with a clear error
//! naming the file (and the JSON pointer, where there is one) while leaving `--out` exactly as
//! it was with no staging debris beside it, or generate a complete set of crates.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// Real specs the corpus starts from: small, medium and the one with the most overrides.
const BASE: &[&str] = &["blogs.json", "contacts.json", "social-media-posting.json"];

/// No run may take longer (a debug build generates these three specs in well under a second).
const TIME_LIMIT: Duration = Duration::from_secs(60);

fn shared_specs() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = std::env::var_os("GHL_SPECS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared/specs/highlevel-api-docs"));
    assert!(
        dir.join("apps").is_dir(),
        "the real specs are needed at {} (set GHL_SPECS_DIR)",
        dir.display()
    );
    dir
}

/// A workspace for one case: `specs/` with the base specs, `out/` with a good generation of
/// them to compare against after a failing run.
struct Case {
    _temp: tempfile::TempDir,
    root: PathBuf,
}

impl Case {
    fn new() -> Case {
        let temp = tempfile::tempdir().expect("temp dir");
        let root = temp.path().to_path_buf();
        let shared = shared_specs();
        std::fs::create_dir_all(root.join("specs/apps")).expect("specs/apps");
        std::fs::create_dir_all(root.join("specs/common")).expect("specs/common");
        for name in BASE {
            std::fs::copy(
                shared.join("apps").join(name),
                root.join("specs/apps").join(name),
            )
            .expect("copy spec");
        }
        std::fs::copy(
            shared.join("common/common-schemas.json"),
            root.join("specs/common/common-schemas.json"),
        )
        .expect("copy common");
        let case = Case { _temp: temp, root };
        let first = case.regen();
        assert!(first.ok, "the base specs generate: {}", first.stderr);
        case
    }

    fn specs(&self) -> PathBuf {
        self.root.join("specs")
    }

    fn out(&self) -> PathBuf {
        self.root.join("out")
    }

    fn spec_path(&self, file: &str) -> PathBuf {
        let dir = if file.starts_with("common") {
            ""
        } else {
            "apps/"
        };
        self.specs().join(format!("{dir}{file}"))
    }

    fn json(&self, file: &str) -> Value {
        let text = std::fs::read_to_string(self.spec_path(file)).expect("read spec");
        serde_json::from_str(&text).expect("base spec parses")
    }

    fn write_json(&self, file: &str, value: &Value) {
        let text = serde_json::to_string_pretty(value).expect("serialize");
        std::fs::write(self.spec_path(file), text).expect("write spec");
    }

    fn edit(&self, file: &str, change: impl FnOnce(&mut Value)) {
        let mut value = self.json(file);
        change(&mut value);
        self.write_json(file, &value);
    }

    fn edit_text(&self, file: &str, change: impl FnOnce(String) -> String) {
        let path = self.spec_path(file);
        let text = std::fs::read_to_string(&path).expect("read spec");
        std::fs::write(&path, change(text)).expect("write spec");
    }

    /// Runs `regen` on the case, killing it past [`TIME_LIMIT`].
    fn regen(&self) -> Run {
        let mut child = Command::new(env!("CARGO_BIN_EXE_xtask"))
            .args(["regen", "--unlocked", "--no-overrides", "--specs"])
            .arg(self.specs())
            .arg("--out")
            .arg(self.out())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn xtask");
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait") {
                break status;
            }
            if started.elapsed() > TIME_LIMIT {
                let _ = child.kill();
                panic!("regen ran longer than {TIME_LIMIT:?}: a hang");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut stderr = String::new();
        if let Some(mut pipe) = child.stderr.take() {
            use std::io::Read;
            let _ = pipe.read_to_string(&mut stderr);
        }
        Run {
            ok: status.success(),
            // A panic exits with 101 and prints `panicked at`.
            panicked: status.code() == Some(101) || stderr.contains("panicked at"),
            stderr,
        }
    }

    /// Expects a clean refusal naming every string of `names`, with `out/` untouched.
    #[track_caller]
    fn refused(&self, names: &[&str]) {
        let before = tree(&self.root);
        let run = self.regen();
        assert!(!run.panicked, "regen panicked:\n{}", run.stderr);
        assert!(
            !run.ok,
            "regen accepted it; expected an error naming {names:?}"
        );
        for name in names {
            assert!(
                run.stderr.contains(name),
                "the error does not name `{name}`:\n{}",
                run.stderr
            );
        }
        assert_eq!(
            tree(&self.root),
            before,
            "a failed regen changed the output or left debris"
        );
    }

    /// Expects a complete generation.
    #[track_caller]
    fn absorbed(&self) -> Run {
        let run = self.regen();
        assert!(!run.panicked, "regen panicked:\n{}", run.stderr);
        assert!(run.ok, "regen refused it:\n{}", run.stderr);
        for name in BASE {
            let krate = format!("ghl-{}", name.trim_end_matches(".json"));
            for file in ["Cargo.toml", "src/lib.rs", "src/types.rs"] {
                assert!(
                    self.out().join(&krate).join(file).is_file(),
                    "{krate}/{file} missing after a successful run"
                );
            }
        }
        run
    }
}

struct Run {
    ok: bool,
    panicked: bool,
    stderr: String,
}

/// Every file below `dir` with its bytes, except the specs (what a run may not change).
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current).expect("read dir") {
            let entry = entry.expect("entry");
            let path = entry.path();
            let relative = path
                .strip_prefix(dir)
                .expect("below dir")
                .to_string_lossy()
                .into_owned();
            if relative.starts_with("specs") {
                continue;
            }
            if entry.file_type().expect("file type").is_dir() {
                files.insert(format!("{relative}/"), Vec::new());
                stack.push(path);
            } else {
                files.insert(relative, std::fs::read(&path).expect("read file"));
            }
        }
    }
    files
}

/// The first operation of a spec: its path and method.
fn first_operation(spec: &Value) -> (String, String) {
    let (path, item) = spec["paths"]
        .as_object()
        .and_then(|paths| paths.iter().next())
        .expect("a path");
    let method = item
        .as_object()
        .and_then(|item| {
            item.keys()
                .find(|key| ["get", "post", "put", "delete", "patch"].contains(&key.as_str()))
        })
        .expect("an operation");
    (path.clone(), method.clone())
}

fn pointer_escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

// --- Documents a strict OpenAPI 3.0 validator refuses ------------------------------------------

#[test]
fn a_document_that_is_not_openapi_3_0_is_refused() {
    let case = Case::new();
    case.edit("blogs.json", |spec| spec["openapi"] = json!("2.0"));
    case.refused(&["apps/blogs.json", "#/openapi", "3.0"]);
}

#[test]
fn a_document_without_openapi_version_is_refused() {
    let case = Case::new();
    case.edit("blogs.json", |spec| {
        spec.as_object_mut().map(|spec| spec.remove("openapi"));
    });
    case.refused(&["apps/blogs.json", "openapi"]);
}

#[test]
fn an_api_without_paths_is_refused() {
    let case = Case::new();
    case.edit("blogs.json", |spec| {
        spec.as_object_mut().map(|spec| spec.remove("paths"));
    });
    case.refused(&["apps/blogs.json", "paths"]);
}

#[test]
fn an_unknown_key_under_a_path_item_is_refused() {
    let case = Case::new();
    let spec = case.json("blogs.json");
    let (path, _) = first_operation(&spec);
    case.edit("blogs.json", |spec| {
        spec["paths"][&path]["fetch"] = json!({ "responses": { "200": { "description": "ok" } } });
    });
    case.refused(&[
        "apps/blogs.json",
        &format!("#/paths/{}/fetch", pointer_escape(&path)),
    ]);
}

#[test]
fn a_path_template_with_unbalanced_braces_is_refused() {
    let case = Case::new();
    let spec = case.json("blogs.json");
    let (path, _) = first_operation(&spec);
    let broken = format!("{path}/{{postId");
    case.edit("blogs.json", |spec| {
        let item = spec["paths"][&path].clone();
        spec["paths"][&broken] = item;
    });
    case.refused(&[
        "apps/blogs.json",
        &format!("#/paths/{}", pointer_escape(&broken)),
    ]);
}

#[test]
fn two_operations_sharing_an_operation_id_are_refused() {
    let case = Case::new();
    let spec = case.json("blogs.json");
    let paths: Vec<(String, String)> = spec["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .into_iter()
                .flat_map(|item| item.keys())
                .filter(|key| ["get", "post", "put", "delete", "patch"].contains(&key.as_str()))
                .map(move |method| (path.clone(), method.clone()))
        })
        .take(2)
        .collect();
    let id = spec["paths"][&paths[0].0][&paths[0].1]["operationId"].clone();
    case.edit("blogs.json", |spec| {
        spec["paths"][&paths[1].0][&paths[1].1]["operationId"] = id.clone();
    });
    case.refused(&[
        "apps/blogs.json",
        "operationId",
        id.as_str().unwrap_or_default(),
    ]);
}

#[test]
fn json_with_a_trailing_comma_is_refused() {
    let case = Case::new();
    case.edit_text("blogs.json", |text| {
        let end = text.rfind('}').expect("a closing brace");
        format!("{},\n}}", &text[..end].trim_end())
    });
    case.refused(&["apps/blogs.json", "line"]);
}

#[test]
fn json_with_a_duplicate_key_is_refused() {
    let case = Case::new();
    case.edit_text("blogs.json", |text| {
        text.replacen("\"openapi\":", "\"openapi\": \"3.0.0\",\n  \"openapi\":", 1)
    });
    case.refused(&["apps/blogs.json", "openapi", "duplicate"]);
}

#[test]
fn json_that_is_not_utf8_is_refused() {
    let case = Case::new();
    let path = case.spec_path("blogs.json");
    let mut bytes = std::fs::read(&path).expect("read");
    let at = bytes.iter().position(|&b| b == b'"').expect("a quote") + 1;
    bytes.insert(at, 0xff);
    std::fs::write(&path, bytes).expect("write");
    case.refused(&["apps/blogs.json"]);
}

#[test]
fn a_ref_chain_that_never_reaches_a_schema_is_refused() {
    let case = Case::new();
    case.edit("blogs.json", |spec| {
        let schemas = &mut spec["components"]["schemas"];
        schemas["LoopA"] = json!({ "$ref": "#/components/schemas/LoopB" });
        schemas["LoopB"] = json!({ "$ref": "#/components/schemas/LoopA" });
    });
    case.refused(&["apps/blogs.json", "#/components/schemas/Loop"]);
}

#[test]
fn fields_of_the_wrong_json_type_are_refused() {
    let spec = Case::new().json("blogs.json");
    let (path, method) = first_operation(&spec);
    let operation = format!("/paths/{}/{method}", pointer_escape(&path));
    // The field, and the place the error names (a parameter is parsed as a whole).
    let cases: [(String, Value, String); 4] = [
        (
            format!("{operation}/deprecated"),
            json!("no"),
            format!("{operation}/deprecated"),
        ),
        (
            format!("{operation}/parameters/0/required"),
            json!("yes"),
            format!("{operation}/parameters/0"),
        ),
        (
            format!("{operation}/responses"),
            json!(["200"]),
            format!("{operation}/responses"),
        ),
        (
            "/info/title".to_owned(),
            json!(42),
            "/info/title".to_owned(),
        ),
    ];
    for (pointer, value, named) in cases {
        let case = Case::new();
        case.edit("blogs.json", |spec| {
            let (parent, key) = pointer.rsplit_once('/').expect("a parent");
            spec.pointer_mut(parent)
                .and_then(Value::as_object_mut)
                .expect("the parent is an object")
                .insert(key.to_owned(), value.clone());
        });
        case.refused(&["apps/blogs.json", &format!("#{named}")]);
    }
}

/// The published specs have defaults of another type than their schema (a string parameter
/// defaulting to `10`): dropped and counted, like misfit enum values.
#[test]
fn a_default_that_contradicts_its_type_is_dropped() {
    let case = Case::new();
    case.edit("blogs.json", |spec| {
        spec["components"]["schemas"]["Contradiction"] = json!({
            "type": "object",
            "properties": { "count": { "type": "integer", "default": "many" } }
        });
    });
    case.absorbed();
}

/// `type: any` (twice in the published specs) means any value and is absorbed; any other type
/// outside OpenAPI's has no obvious reading and is refused where it stands.
#[test]
fn a_schema_type_outside_openapi_is_refused_unless_it_is_any() {
    let with_type = |kind: &str| {
        let case = Case::new();
        case.edit("blogs.json", |spec| {
            spec["components"]["schemas"]["Odd"] = json!({
                "type": "object",
                "properties": { "value": { "type": kind } }
            });
        });
        case
    };
    with_type("any").absorbed();
    with_type("strnig").refused(&[
        "apps/blogs.json",
        "#/components/schemas/Odd/properties/value/type",
        "`strnig`",
    ]);
}

/// The two surfaces' shared files become one crate, but a spec refers to its own surface's: a
/// v2 reference to a schema only the v3 file defines dangles, and is named where it stands.
#[test]
fn a_v2_reference_to_a_schema_only_the_v3_common_file_defines_is_refused() {
    let case = Case::new();
    let v3_common = case.specs().join("apps/v3/common");
    std::fs::create_dir_all(&v3_common).expect("apps/v3/common");
    let common = json!({
        "openapi": "3.0.0",
        "info": { "title": "Common", "version": "1.0" },
        "paths": {},
        "components": { "schemas": {
            "OnlyInV3": { "type": "object", "properties": { "id": { "type": "string" } } }
        } }
    });
    std::fs::write(
        v3_common.join("common-schemas.json"),
        serde_json::to_vec_pretty(&common).expect("json"),
    )
    .expect("write the v3 common file");
    // A surface's shared file is read with its specs: one small v3 spec.
    let v3_spec = json!({
        "openapi": "3.0.0",
        "info": { "title": "Things", "version": "1.0" },
        "paths": { "/things": { "get": {
            "operationId": "list-things",
            "responses": { "200": { "description": "The things", "content": {
                "application/json": { "schema": {
                    "$ref": "../common/common-schemas.json#/components/schemas/OnlyInV3"
                } }
            } } }
        } } }
    });
    std::fs::write(
        case.specs().join("apps/v3/things-v3.json"),
        serde_json::to_vec_pretty(&v3_spec).expect("json"),
    )
    .expect("write the v3 spec");
    // Both surfaces generate while nothing crosses over (the v3 spec's own reference resolves).
    case.absorbed();
    case.edit("blogs.json", |spec| {
        spec["components"]["schemas"]["UsesV3"] = json!({
            "type": "object",
            "properties": { "only": {
                "$ref": "../common/common-schemas.json#/components/schemas/OnlyInV3"
            } }
        });
    });
    case.refused(&[
        "apps/blogs.json",
        "#/components/schemas/UsesV3",
        "`OnlyInV3`",
        "apps/v3/common/common-schemas.json",
    ]);
}

#[cfg(unix)]
#[test]
fn a_spec_that_links_outside_the_spec_directory_is_refused() {
    let case = Case::new();
    let outside = case.root.join("elsewhere.json");
    std::fs::copy(case.spec_path("blogs.json"), &outside).expect("copy");
    std::fs::remove_file(case.spec_path("blogs.json")).expect("remove");
    std::os::unix::fs::symlink(&outside, case.spec_path("blogs.json")).expect("symlink");
    case.refused(&["apps/blogs.json", "outside"]);
}

// --- Awkward specs that are absorbed -----------------------------------------------------------

#[test]
fn a_parameter_without_schema_or_content_is_a_string() {
    let case = Case::new();
    let spec = case.json("blogs.json");
    let (path, method) = first_operation(&spec);
    case.edit("blogs.json", |spec| {
        let parameters = spec["paths"][&path][&method]["parameters"]
            .as_array_mut()
            .expect("parameters");
        parameters.push(json!({ "name": "untyped", "in": "query", "required": false }));
    });
    let run = case.absorbed();
    assert!(
        run.stderr.is_empty() || !run.stderr.contains("error"),
        "{}",
        run.stderr
    );
    let client = ["client.rs", "builders.rs"]
        .map(|file| {
            std::fs::read_to_string(case.out().join("ghl-blogs/src").join(file)).expect(file)
        })
        .concat();
    assert!(
        client.contains("pub fn untyped(mut self, untyped: impl Into<String>) -> Self"),
        "untyped parameter not generated as a string"
    );
}

#[test]
fn a_cookie_parameter_is_skipped() {
    let case = Case::new();
    let spec = case.json("blogs.json");
    let (path, method) = first_operation(&spec);
    case.edit("blogs.json", |spec| {
        let parameters = spec["paths"][&path][&method]["parameters"]
            .as_array_mut()
            .expect("parameters");
        parameters
            .push(json!({ "name": "session", "in": "cookie", "schema": { "type": "string" } }));
    });
    case.absorbed();
}

#[test]
fn an_unknown_request_media_type_sends_the_callers_bytes() {
    let case = Case::new();
    case.edit("blogs.json", |spec| {
        spec["paths"]["/blogs/raw-import"] = json!({
            "post": {
                "operationId": "raw-import",
                "parameters": [{ "name": "Version", "in": "header", "required": true, "schema": { "type": "string", "enum": ["2021-07-28"] } }],
                "requestBody": { "required": true, "content": { "application/xml": { "schema": { "type": "string" } } } },
                "responses": { "200": { "description": "ok" } }
            }
        });
    });
    case.absorbed();
    let client = ["client.rs", "builders.rs"]
        .map(|file| {
            std::fs::read_to_string(case.out().join("ghl-blogs/src").join(file)).expect(file)
        })
        .concat();
    assert!(
        client.contains("body: Vec<u8>")
            && client.contains(r#"request.bytes("application/xml", body)"#),
        "the caller's bytes are not sent as application/xml"
    );
}

#[test]
fn a_schema_nested_hundreds_of_levels_deep_generates() {
    let case = Case::new();
    case.edit("blogs.json", |spec| {
        let mut schema = json!({ "type": "string" });
        for _ in 0..300 {
            schema = json!({ "type": "object", "properties": { "inner": schema } });
        }
        spec["components"]["schemas"]["Deep"] = schema;
    });
    case.absorbed();
}

#[test]
fn a_document_nested_past_the_limit_is_refused_without_a_crash() {
    let case = Case::new();
    case.edit_text("blogs.json", |text| {
        let deep = format!("{}0{}", "[".repeat(5000), "]".repeat(5000));
        text.replacen(
            "\"paths\":",
            &format!("\"x-deep\": {deep},\n  \"paths\":"),
            1,
        )
    });
    case.refused(&["apps/blogs.json", "levels deep"]);
}

// --- Output safety ------------------------------------------------------------------------------

#[test]
fn two_specs_for_one_crate_fail_cleanly() {
    let case = Case::new();
    std::fs::copy(
        case.spec_path("blogs.json"),
        case.specs().join("apps/Blogs.json"),
    )
    .expect("copy");
    case.refused(&["apps/Blogs.json", "apps/blogs.json", "ghl-blogs"]);
}

// --- Random structural mutations ----------------------------------------------------------------

/// A small deterministic generator (xorshift64*): the same seed, the same mutations, so a
/// failure can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Every pointer in `value`, the root excluded.
fn pointers(value: &Value, at: &str, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let pointer = format!("{at}/{}", pointer_escape(key));
                out.push(pointer.clone());
                pointers(child, &pointer, out);
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                let pointer = format!("{at}/{index}");
                out.push(pointer.clone());
                pointers(child, &pointer, out);
            }
        }
        _ => {}
    }
}

/// One random structural change at a random place; returns what it did, for the failure
/// message.
fn mutate(spec: &mut Value, rng: &mut Rng) -> String {
    let mut all = Vec::new();
    pointers(spec, "", &mut all);
    let class = rng.below(11);
    // A schema type outside OpenAPI's goes where a `type` stands (most are schemas' types).
    let types: Vec<&String> = all.iter().filter(|p| p.ends_with("/type")).collect();
    let pointer = match class {
        9 if !types.is_empty() => types[rng.below(types.len())].clone(),
        _ => all[rng.below(all.len())].clone(),
    };
    let (parent, key) = pointer.rsplit_once('/').expect("not the root");
    let replacement = match class {
        0 => None,
        1 => Some(Value::Null),
        2 => Some(json!(-1)),
        3 => Some(json!("{oops")),
        4 => Some(json!(true)),
        5 => Some(json!({})),
        6 => Some(json!([])),
        7 => Some(json!({ "$ref": "#/components/schemas/Nowhere" })),
        9 => Some(json!(["strnig", "any", "null", "file"][rng.below(4)])),
        // A reference that only another file could resolve.
        10 => Some(json!({
            "$ref": "../common/common-schemas.json#/components/schemas/DefinedElsewhere"
        })),
        _ => spec.pointer(&all[rng.below(all.len())]).cloned(),
    };
    let described = match &replacement {
        None => format!("removed {pointer}"),
        Some(value) => {
            let text = value.to_string();
            let short: String = text.chars().take(60).collect();
            format!("set {pointer} to {short}")
        }
    };
    match spec.pointer_mut(parent) {
        Some(Value::Object(map)) => {
            let key = key.replace("~1", "/").replace("~0", "~");
            match replacement {
                Some(value) => {
                    map.insert(key, value);
                }
                None => {
                    map.remove(&key);
                }
            }
        }
        Some(Value::Array(items)) => {
            let index: usize = key.parse().expect("an index");
            match replacement {
                Some(value) => items[index] = value,
                None => {
                    items.remove(index);
                }
            }
        }
        _ => {}
    }
    described
}

/// Random structural mutations of the real specs: whatever comes out, regen ends in bounded
/// time without a panic, and either fails naming the file with `out/` untouched, or generates
/// every crate.
#[test]
fn random_mutations_fail_cleanly_or_generate() {
    const RUNS: u64 = 40;
    let case = Case::new();
    let originals: Vec<(&str, Value)> = BASE.iter().map(|file| (*file, case.json(file))).collect();
    let (mut refused, mut generated) = (0, 0);
    for run in 0..RUNS {
        let seed = 0x9e37_79b9_7f4a_7c15 ^ (run + 1);
        let mut rng = Rng(seed);
        for (file, original) in &originals {
            case.write_json(file, original);
        }
        let (file, original) = &originals[rng.below(originals.len())];
        let mut spec = original.clone();
        let mutations: Vec<String> = (0..1 + rng.below(3))
            .map(|_| mutate(&mut spec, &mut rng))
            .collect();
        case.write_json(file, &spec);
        let before = tree(&case.root);
        let result = case.regen();
        let context = format!("seed {seed:#x}, {file}: {mutations:?}");
        assert!(
            !result.panicked,
            "regen panicked ({context}):\n{}",
            result.stderr
        );
        if result.ok {
            generated += 1;
            for name in BASE {
                let krate = format!("ghl-{}", name.trim_end_matches(".json"));
                assert!(
                    case.out().join(&krate).join("src/lib.rs").is_file(),
                    "{krate} missing after a successful run ({context})"
                );
            }
        } else {
            refused += 1;
            assert!(
                result.stderr.contains(&format!("apps/{file}")),
                "the error does not name apps/{file} ({context}):\n{}",
                result.stderr
            );
            assert_eq!(
                tree(&case.root),
                before,
                "a failed regen changed the output or left debris ({context})"
            );
        }
    }
    // Both outcomes occur, or the mutations are not exercising anything.
    assert!(
        refused > 0 && generated > 0,
        "{refused} refused, {generated} generated"
    );
}

/// A parameter style the generator does not write (`deepObject`, `pipeDelimited`,
/// `spaceDelimited` in the query) is refused, naming the parameter, rather than sent in
/// another style the server cannot read. `form` without `explode` is written (joined).
#[test]
fn a_parameter_style_the_generator_does_not_write_is_refused() {
    for style in ["deepObject", "pipeDelimited", "spaceDelimited"] {
        let case = Case::new();
        let spec = case.json("blogs.json");
        let (path, method) = first_operation(&spec);
        case.edit("blogs.json", |spec| {
            let operation = &mut spec["paths"][&path][&method];
            let parameter = json!({
                "name": "filter", "in": "query", "style": style,
                "schema": { "type": "array", "items": { "type": "string" } }
            });
            match operation["parameters"].as_array_mut() {
                Some(list) => list.push(parameter),
                None => operation["parameters"] = json!([parameter]),
            }
        });
        case.refused(&["apps/blogs.json", style, "`filter`"]);
    }
}

/// Rust keywords are legal OpenAPI names: every one (and `Self`) as an operationId, a schema
/// name and a property name gives a crate the generator accepts (it parses its own output
/// with syn and refuses what is not Rust), with the names escaped where Rust needs it.
#[test]
fn rust_keywords_as_operation_schema_and_property_names_are_written() {
    const KEYWORDS: &[&str] = &[
        "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
        "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
        "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub",
        "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "try",
        "type", "typeof", "union", "unsafe", "unsized", "use", "virtual", "where", "while",
        "yield", "Request", "Client", "Value", "Option",
    ];
    for keyword in KEYWORDS {
        let case = Case::new();
        let spec = case.json("blogs.json");
        let (path, method) = first_operation(&spec);
        case.edit("blogs.json", |spec| {
            spec["paths"][&path][&method]["operationId"] = json!(keyword);
            spec["components"]["schemas"][*keyword] = json!({
                "type": "object",
                "properties": { *keyword: { "type": "string" } }
            });
        });
        let run = case.regen();
        assert!(
            !run.panicked,
            "`{keyword}`: regen panicked:\n{}",
            run.stderr
        );
        assert!(run.ok, "`{keyword}`: regen refused it:\n{}", run.stderr);
    }
}

/// `x-ghl-mirror` (set by an override) must name another required field of the same type; one
/// that names nothing such is refused where it stands, not generated into a constructor that
/// cannot compile.
#[test]
fn a_mirror_of_no_required_field_is_refused() {
    for mirror in ["missing", "optional", "count"] {
        let case = Case::new();
        case.edit("blogs.json", |spec| {
            spec["components"]["schemas"]["Mirrored"] = json!({
                "type": "object",
                "required": ["userId", "createdBy", "count"],
                "properties": {
                    "userId": { "type": "string" },
                    "createdBy": { "type": "string", "x-ghl-mirror": mirror },
                    "optional": { "type": "string" },
                    "count": { "type": "integer" }
                }
            });
        });
        case.refused(&[
            "apps/blogs.json",
            "#/components/schemas/Mirrored/properties/createdBy",
            "x-ghl-mirror",
        ]);
    }
}
