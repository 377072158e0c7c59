//! The gate before `load` repairs anything: the spec must be strict JSON (RFC 8259) and an
//! OpenAPI 3.0 document that does not contradict itself.
//!
//! The rule that decides between refusing and absorbing: a defect HighLevel's published specs
//! really have, with one obvious reading, is repaired and counted by `load`; anything a strict
//! OpenAPI 3.0.3 validator refuses, and that the published specs do not have, is refused here
//! with the file, the JSON pointer and what to do.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::diagnostics::{SpecError, pointer_push};

const HINT_JSON: &str =
    "check that the file is the published spec and not an error page or a partial download";
const HINT_SPEC: &str = "fix the spec, or take it from the published release unchanged";

/// What may stand under a path item besides `x-` extensions (OpenAPI 3.0.3, 4.7.9).
const PATH_ITEM_KEYS: &[&str] = &[
    "$ref",
    "summary",
    "description",
    "get",
    "put",
    "post",
    "delete",
    "options",
    "head",
    "patch",
    "trace",
    "servers",
    "parameters",
];
const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// How deeply a document may nest arrays and objects: far beyond any real spec (HighLevel's go
/// about 20 deep), about a thousand nested schemas. Generation grows with the square of the
/// depth (every nested type names its parents and where it sits), so this also bounds the
/// time a run takes (about 8 s for a thousand nested objects) and stays well inside what the
/// generator's threads have stack for ([`crate::pipeline::STACK_SIZE`]).
pub const MAX_DEPTH: usize = 2_000;

/// Parses `bytes` as strict JSON: UTF-8, no duplicate keys, no trailing text. Depth is checked
/// first without recursion, so a parser recursion limit never decides and no document can
/// exhaust the stack.
pub fn parse(file: &str, bytes: &[u8]) -> Result<Value, SpecError> {
    if let Some((line, column)) = too_deep(bytes) {
        return Err(SpecError::new(
            file,
            "",
            format!(
                "nests arrays and objects more than {MAX_DEPTH} levels deep (line {line}, column {column})"
            ),
            HINT_JSON,
        ));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    deserializer.disable_recursion_limit();
    let path = std::cell::RefCell::new(Vec::new());
    let value = StrictValue { path: &path }
        .deserialize(&mut deserializer)
        // Anything after the value (a second document, garbage) is not JSON either.
        .and_then(|value| deserializer.end().map(|()| value));
    value.map_err(|error| {
        SpecError::new(
            file,
            "",
            format!(
                "not valid JSON (line {}, column {}): {error}",
                error.line(),
                error.column()
            ),
            HINT_JSON,
        )
    })
}

/// Where the nesting of `bytes` first goes past [`MAX_DEPTH`] (line and column, from 1), if it
/// does. Brackets inside strings do not count.
fn too_deep(bytes: &[u8]) -> Option<(usize, usize)> {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    let (mut line, mut column) = (1, 0);
    for &byte in bytes {
        column += 1;
        if in_string {
            match (escaped, byte) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some((line, column));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            b'\n' => (line, column) = (line + 1, 0),
            _ => {}
        }
    }
    None
}

/// One step of the path from the root to the value being read.
enum Step {
    Key(String),
    Index(usize),
}

/// A `serde_json::Value` that refuses duplicate object keys, naming where they are. The path
/// is kept once for the whole parse (each key is borrowed into it while its value is read, then
/// moved into the map) and spelled out as a pointer only for the error.
struct StrictValue<'p> {
    path: &'p std::cell::RefCell<Vec<Step>>,
}

impl StrictValue<'_> {
    fn pointer(&self, last: &str) -> String {
        let mut pointer = String::new();
        for step in self.path.borrow().iter() {
            pointer = match step {
                Step::Key(key) => pointer_push(&pointer, key),
                Step::Index(index) => pointer_push(&pointer, &index.to_string()),
            };
        }
        pointer_push(&pointer, last)
    }
}

impl<'de> DeserializeSeed<'de> for StrictValue<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StrictValue<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
        Ok(value.into())
    }

    fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
        Ok(value.into())
    }

    fn visit_f64<E: serde::de::Error>(self, value: f64) -> Result<Value, E> {
        serde_json::Number::from_f64(value)
            .map(Value::Number)
            .ok_or_else(|| E::custom("a number JSON cannot hold"))
    }

    fn visit_str<E>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_owned()))
    }

    fn visit_string<E>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        loop {
            self.path.borrow_mut().push(Step::Index(items.len()));
            let item = seq.next_element_seed(StrictValue { path: self.path });
            self.path.borrow_mut().pop();
            match item? {
                Some(item) => items.push(item),
                None => return Ok(Value::Array(items)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                let pointer = self.pointer(&key);
                return Err(A::Error::custom(format!(
                    "duplicate key `{key}` at `#{pointer}` (RFC 8259 names must be unique; which one is meant is unknown)"
                )));
            }
            self.path.borrow_mut().push(Step::Key(key));
            let value = map.next_value_seed(StrictValue { path: self.path });
            let key = match self.path.borrow_mut().pop() {
                Some(Step::Key(key)) => key,
                // The path is pushed and popped in step: this cannot happen.
                _ => return Err(A::Error::custom("internal: the JSON path went out of step")),
            };
            object.insert(key, value?);
        }
        Ok(Value::Object(object))
    }
}

/// Checks a parsed document against OpenAPI 3.0 before anything is repaired. `path` is the
/// file's place in the release (`apps/blogs.json`, `common/common-schemas.json`): only the
/// shared components files may go without `paths` (the published ones do).
pub fn check(path: &str, raw: &Value) -> Result<(), SpecError> {
    let error = |pointer: &str, message: String| SpecError::new(path, pointer, message, HINT_SPEC);
    let Some(root) = raw.as_object() else {
        return Err(error("", "the document is not a JSON object".to_owned()));
    };
    match root.get("openapi") {
        Some(Value::String(version)) if is_openapi_3_0(version) => {}
        Some(other) => {
            return Err(error(
                "/openapi",
                format!("declares OpenAPI {other}, not 3.0.x: only OpenAPI 3.0 documents are read"),
            ));
        }
        None => {
            return Err(error(
                "/openapi",
                "has no `openapi` version: an OpenAPI 3.0 document declares `\"openapi\": \"3.0.x\"`"
                    .to_owned(),
            ));
        }
    }
    let components_only = crate::specs::is_common(path);
    match root.get("paths") {
        Some(Value::Object(paths)) => check_paths(paths, &error)?,
        Some(_) => return Err(error("/paths", "`paths` is not an object".to_owned())),
        None if components_only => {}
        None => {
            return Err(error(
                "/paths",
                "has no `paths` object: an API document lists its operations under `paths`"
                    .to_owned(),
            ));
        }
    }
    check_schema_types(raw, &error)?;
    check_refs(raw, &error)
}

/// The types a schema may declare (OpenAPI 3.0.3, 4.7.24: JSON Schema's, without `null`).
const SCHEMA_TYPES: &[&str] = &["string", "number", "integer", "boolean", "array", "object"];

/// The one schema type outside OpenAPI's the published specs use (`conversations.json`, twice):
/// any JSON value, with one obvious reading. `load` drops it and counts the repair.
pub const ANY_TYPE: &str = "any";

/// Every schema's `type` is one of [`SCHEMA_TYPES`] or [`ANY_TYPE`]. The walk covers the whole
/// document except values that are data, not schemas (examples, defaults, enums, `x-`
/// extensions) and security schemes, whose `type` means something else (`http`, `oauth2`).
fn check_schema_types(
    raw: &Value,
    error: &impl Fn(&str, String) -> SpecError,
) -> Result<(), SpecError> {
    const DATA: &[&str] = &["example", "examples", "default", "enum", "securitySchemes"];
    // Pointers are spelled out only for the rare failing schema, as in `check_refs`.
    fn first_bad(value: &Value) -> Option<(Vec<String>, &str)> {
        match value {
            Value::Object(object) => {
                if let Some(Value::String(kind)) = object.get("type") {
                    if kind != ANY_TYPE && !SCHEMA_TYPES.contains(&kind.as_str()) {
                        return Some((vec!["type".to_owned()], kind));
                    }
                }
                object
                    .iter()
                    .filter(|(key, _)| !key.starts_with("x-") && !DATA.contains(&key.as_str()))
                    .find_map(|(key, child)| {
                        first_bad(child).map(|(mut path, kind)| {
                            path.push(key.clone());
                            (path, kind)
                        })
                    })
            }
            Value::Array(items) => items.iter().enumerate().find_map(|(index, child)| {
                first_bad(child).map(|(mut path, kind)| {
                    path.push(index.to_string());
                    (path, kind)
                })
            }),
            _ => None,
        }
    }
    let Some((path, kind)) = first_bad(raw) else {
        return Ok(());
    };
    let pointer = path.iter().rev().fold(String::new(), |pointer, segment| {
        pointer_push(&pointer, segment)
    });
    Err(error(
        &pointer,
        format!(
            "schema type `{kind}` is not an OpenAPI 3.0 type (one of {}); a schema that may hold \
             any value declares no `type`",
            SCHEMA_TYPES.join(", ")
        ),
    ))
}

fn is_openapi_3_0(version: &str) -> bool {
    version
        .strip_prefix("3.0.")
        .is_some_and(|patch| !patch.is_empty() && patch.bytes().all(|b| b.is_ascii_digit()))
}

fn check_paths(
    paths: &Map<String, Value>,
    error: &impl Fn(&str, String) -> SpecError,
) -> Result<(), SpecError> {
    let mut operation_ids: BTreeMap<&str, String> = BTreeMap::new();
    for (template, item) in paths {
        let item_pointer = pointer_push("/paths", template);
        if template.starts_with("x-") {
            continue;
        }
        if let Err(problem) = check_template(template) {
            return Err(error(
                &item_pointer,
                format!("path `{template}`: {problem}"),
            ));
        }
        let Some(item) = item.as_object() else {
            return Err(error(
                &item_pointer,
                "a path item is not an object".to_owned(),
            ));
        };
        for key in item.keys() {
            if !key.starts_with("x-") && !PATH_ITEM_KEYS.contains(&key.as_str()) {
                return Err(error(
                    &pointer_push(&item_pointer, key),
                    format!(
                        "`{key}` is not an HTTP method or a path item field (expected one of {})",
                        PATH_ITEM_KEYS.join(", ")
                    ),
                ));
            }
        }
        for method in METHODS {
            let Some(id) = item
                .get(*method)
                .and_then(|operation| operation.get("operationId"))
                .and_then(Value::as_str)
            else {
                continue;
            };
            let pointer = pointer_push(&pointer_push(&item_pointer, method), "operationId");
            if let Some(first) = operation_ids.insert(id, pointer.clone()) {
                return Err(error(
                    &pointer,
                    format!(
                        "operationId `{id}` is already used at `#{first}`: operationIds are unique in a document"
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// A path template: starts with `/`, and every `{` closes with a `}` around a non-empty name.
fn check_template(template: &str) -> Result<(), String> {
    if !template.starts_with('/') {
        return Err("does not start with `/`".to_owned());
    }
    let mut open: Option<usize> = None;
    for (at, c) in template.char_indices() {
        match (c, open) {
            ('{', None) => open = Some(at),
            ('{', Some(_)) => return Err(format!("`{{` inside a variable at byte {at}")),
            ('}', Some(start)) if at == start + 1 => {
                return Err(format!("an empty variable `{{}}` at byte {start}"));
            }
            ('}', Some(_)) => open = None,
            ('}', None) => return Err(format!("`}}` without `{{` at byte {at}")),
            _ => {}
        }
    }
    match open {
        Some(start) => Err(format!("`{{` at byte {start} is never closed")),
        None => Ok(()),
    }
}

/// Every local `$ref` that only leads to other `$ref`s, round in a circle, never reaching a
/// schema (or anything else).
fn check_refs(raw: &Value, error: &impl Fn(&str, String) -> SpecError) -> Result<(), SpecError> {
    // Pointers are only spelled out for the (rare) failing reference: the walk collects the
    // distinct targets, and only a target that goes round is looked up again.
    let mut targets: BTreeSet<&str> = BTreeSet::new();
    let mut stack = vec![raw];
    while let Some(value) = stack.pop() {
        match value {
            Value::Object(object) => {
                if let Some(Value::String(target)) = object.get("$ref") {
                    targets.insert(target);
                }
                stack.extend(object.values());
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    for target in targets {
        if let Some(through) = circle(raw, target) {
            let from = referrer(raw, target).unwrap_or_default();
            return Err(error(
                &from,
                format!(
                    "`$ref` `{target}` never reaches a schema: the references go round in a circle through `#{through}`"
                ),
            ));
        }
    }
    Ok(())
}

/// The pointer of the first place (in document order) whose `$ref` is `target`.
fn referrer(raw: &Value, target: &str) -> Option<String> {
    let mut stack = vec![(String::new(), raw)];
    while let Some((pointer, value)) = stack.pop() {
        match value {
            Value::Object(object) => {
                if object.get("$ref").and_then(Value::as_str) == Some(target) {
                    return Some(pointer);
                }
                for (key, child) in object.iter().rev() {
                    stack.push((pointer_push(&pointer, key), child));
                }
            }
            Value::Array(items) => {
                for (index, child) in items.iter().enumerate().rev() {
                    stack.push((pointer_push(&pointer, &index.to_string()), child));
                }
            }
            _ => {}
        }
    }
    None
}

/// Where a chain of local references starting at `first` comes round again, if it does.
fn circle<'a>(raw: &'a Value, first: &'a str) -> Option<&'a str> {
    let mut seen = BTreeSet::new();
    let mut target = first;
    // Only local references form chains here; the others are checked where they are resolved.
    while let Some(local) = target.strip_prefix('#') {
        if !seen.insert(local) {
            return Some(local);
        }
        match raw.pointer(local).and_then(|next| next.get("$ref")) {
            Some(Value::String(next)) => target = next,
            _ => return None,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn checked(path: &str, raw: Value) -> Result<(), SpecError> {
        check(path, &raw)
    }

    fn api(paths: Value) -> Value {
        json!({ "openapi": "3.0.3", "info": { "title": "t", "version": "1" }, "paths": paths })
    }

    #[test]
    fn strict_json_refuses_duplicate_keys_and_trailing_text() {
        let error = parse("apps/a.json", br#"{"a": {"b": 1, "b": 2}}"#).unwrap_err();
        assert!(
            error.to_string().contains("duplicate key `b` at `#/a/b`"),
            "{error}"
        );
        assert!(parse("apps/a.json", br#"{"a": 1} {"b": 2}"#).is_err());
        assert!(parse("apps/a.json", br#"{"a": [1, 2,]}"#).is_err());
        assert_eq!(
            parse("apps/a.json", br#"{"a": [1, 2.5]}"#).unwrap(),
            json!({"a": [1, 2.5]})
        );
    }

    #[test]
    fn depth_is_checked_before_parsing() {
        let nested = |depth: usize| format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
        // On a generator-sized stack: the test thread's default is smaller.
        let parsed = std::thread::Builder::new()
            .stack_size(crate::pipeline::STACK_SIZE)
            .spawn(move || parse("apps/a.json", nested(MAX_DEPTH).as_bytes()).is_ok())
            .unwrap()
            .join()
            .unwrap();
        assert!(parsed);
        let error = parse("apps/a.json", nested(MAX_DEPTH + 1).as_bytes()).unwrap_err();
        assert!(
            error.to_string().contains("more than 2000 levels"),
            "{error}"
        );
        // Brackets in strings are text.
        let text = format!("{{\"a\": \"{}\"}}", "[".repeat(MAX_DEPTH + 1));
        assert!(parse("apps/a.json", text.as_bytes()).is_ok());
    }

    #[test]
    fn versions_other_than_3_0_are_refused() {
        for version in [json!("2.0"), json!("3.1.0"), json!("3.0"), json!(3.0)] {
            let mut raw = api(json!({}));
            raw["openapi"] = version.clone();
            let error = checked("apps/a.json", raw).unwrap_err();
            assert_eq!(error.pointer, "/openapi", "{version}");
        }
        assert!(checked("apps/a.json", api(json!({}))).is_ok());
    }

    #[test]
    fn only_the_components_file_may_lack_paths() {
        let raw = json!({ "openapi": "3.0.0", "info": { "title": "t", "version": "1" }, "components": {} });
        assert!(checked("common/common-schemas.json", raw.clone()).is_ok());
        assert_eq!(checked("apps/a.json", raw).unwrap_err().pointer, "/paths");
    }

    #[test]
    fn path_templates_and_items_are_checked() {
        for bad in ["/a/{id", "/a/id}", "/a/{}", "/a/{b{c}}", "a/b"] {
            let error = checked("apps/a.json", api(json!({ bad: {} }))).unwrap_err();
            assert_eq!(error.pointer, pointer_push("/paths", bad), "{bad}");
        }
        let error = checked("apps/a.json", api(json!({ "/a": { "fetch": {} } }))).unwrap_err();
        assert_eq!(error.pointer, "/paths/~1a/fetch");
        assert!(
            checked(
                "apps/a.json",
                api(json!({ "/a/{id}": { "x-note": 1, "get": {} } }))
            )
            .is_ok()
        );
    }

    #[test]
    fn operation_ids_are_unique() {
        let error = checked(
            "apps/a.json",
            api(json!({
                "/a": { "get": { "operationId": "same" } },
                "/b": { "post": { "operationId": "same" } }
            })),
        )
        .unwrap_err();
        assert_eq!(error.pointer, "/paths/~1b/post/operationId");
        assert!(
            error.to_string().contains("#/paths/~1a/get/operationId"),
            "{error}"
        );
    }

    #[test]
    fn schema_types_outside_openapi_are_refused_where_they_stand() {
        let schema = |kind: &str| {
            json!({
                "openapi": "3.0.0",
                "paths": {},
                "components": {
                    "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
                    "schemas": {
                        "Note": {
                            "type": "object",
                            "example": { "type": "reminder" },
                            "properties": {
                                "type": { "type": "string", "enum": ["a"], "x-note": { "type": 1 } },
                                "body": { "type": kind }
                            }
                        }
                    }
                }
            })
        };
        for kind in ["string", "object", "any"] {
            assert!(checked("apps/notes.json", schema(kind)).is_ok(), "{kind}");
        }
        let error = checked("apps/notes.json", schema("strin")).expect_err("refused");
        let text = error.to_string();
        assert!(
            text.contains("#/components/schemas/Note/properties/body/type"),
            "{text}"
        );
        assert!(text.contains("schema type `strin`"), "{text}");
    }

    #[test]
    fn reference_circles_are_refused() {
        let mut raw = api(json!({}));
        raw["components"] = json!({ "schemas": {
            "A": { "$ref": "#/components/schemas/B" },
            "B": { "$ref": "#/components/schemas/A" },
            "C": { "$ref": "#/components/schemas/D" },
            "D": { "type": "string" },
            "E": { "type": "object", "properties": { "self": { "$ref": "#/components/schemas/E" } } }
        }});
        let error = checked("apps/a.json", raw).unwrap_err();
        assert!(error.pointer.starts_with("/components/schemas/"), "{error}");
        assert!(error.to_string().contains("circle"), "{error}");
    }
}
