//! Stage 2: parse one spec file into the `openapiv3` model.
//!
//! HighLevel's specs do not all parse as published. A pre-pass on the raw JSON repairs the
//! defects that have one obviously right reading, wherever they occur (never by file name), and
//! counts what it did so `regen` can say so. Anything else fails with the file and JSON pointer.

use serde::Deserialize;
use std::collections::BTreeMap;

use openapiv3::OpenAPI;
use serde_json::{Map, Value};

use crate::diagnostics::{SpecError, pointer_push};
use crate::overrides::OverrideFile;
use crate::specs::SpecFile;
use crate::validate::ANY_TYPE;

/// A parsed spec and what the pre-pass had to repair in it.
#[derive(Debug)]
pub struct LoadedSpec {
    /// Path inside the upstream repo, e.g. `apps/blogs.json`.
    pub path: String,
    /// The resource the file describes, e.g. `blogs` (the file stem).
    pub resource: String,
    pub document: OpenAPI,
    /// Repair kind -> how many places it was applied to.
    pub repairs: BTreeMap<&'static str, usize>,
    /// How many entries of `overrides/<resource>.yaml` were applied.
    pub overrides_applied: usize,
    /// The hand-written module the overrides add to the crate: (where it came from, source).
    pub extension: Option<(String, String)>,
}

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Parses `file`, repaired, with `overrides` (the file for this resource, if any) applied.
pub fn load(file: &SpecFile, overrides: Option<&OverrideFile>) -> anyhow::Result<LoadedSpec> {
    let mut raw = crate::validate::parse(&file.path, &file.bytes)?;
    crate::validate::check(&file.path, &raw)?;
    let mut repairs = BTreeMap::new();
    repair_document(&mut raw, &mut repairs);
    let overrides_applied = match overrides {
        Some(overrides) => crate::overrides::apply(overrides, &file.path, &mut raw)?,
        None => 0,
    };
    // The plain deserializer first; the one that tracks where it is only to explain a failure.
    let document: OpenAPI = match OpenAPI::deserialize(&raw) {
        Ok(document) => Ok(document),
        Err(_) => serde_path_to_error::deserialize(&raw),
    }
    .map_err(|error| {
        // `openapiv3` flattens maps and untagged enums, which hides where inside them the error
        // is; look again, piece by piece, for the exact place.
        let (pointer, message) = locate_parse_error(&raw)
            .unwrap_or_else(|| (json_pointer(error.path()), error.inner().to_string()));
        SpecError::new(
            &file.path,
            &pointer,
            format!("does not parse as OpenAPI 3.0: {message}"),
            crate::diagnostics::HINT_OVERRIDE,
        )
    })?;
    let resource = resource_of(&file.path).to_owned();
    Ok(LoadedSpec {
        path: file.path.clone(),
        resource,
        document,
        repairs,
        overrides_applied,
        extension: overrides.and_then(|overrides| overrides.extension.clone()),
    })
}

/// The resource a spec file describes: its file stem (`apps/blogs.json` -> `blogs`).
pub fn resource_of(path: &str) -> &str {
    path.rsplit('/')
        .next()
        .unwrap_or(path)
        .trim_end_matches(".json")
}

/// The first piece of the document that fails to parse on its own: an operation's parameters,
/// request body and responses, then component schemas.
fn locate_parse_error(raw: &Value) -> Option<(String, String)> {
    fn try_parse<T: serde::de::DeserializeOwned>(
        value: &Value,
        pointer: &str,
    ) -> Option<(String, String)> {
        let error = serde_path_to_error::deserialize::<_, T>(value).err()?;
        Some((
            format!("{pointer}{}", json_pointer(error.path())),
            error.inner().to_string(),
        ))
    }
    let children = |value: &Value, pointer: &str| -> Vec<(String, Value)> {
        match value {
            Value::Object(map) => map
                .iter()
                .map(|(k, v)| (pointer_push(pointer, k), v.clone()))
                .collect(),
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, v)| (pointer_push(pointer, &i.to_string()), v.clone()))
                .collect(),
            _ => Vec::new(),
        }
    };
    let paths = raw.get("paths").cloned().unwrap_or(Value::Null);
    for (item_pointer, item) in children(&paths, "/paths") {
        for method in METHODS {
            let Some(operation) = item.get(*method) else {
                continue;
            };
            let operation_pointer = pointer_push(&item_pointer, method);
            let parameters = operation.get("parameters").cloned().unwrap_or(Value::Null);
            for (pointer, parameter) in
                children(&parameters, &pointer_push(&operation_pointer, "parameters"))
            {
                if let Some(found) =
                    try_parse::<openapiv3::ReferenceOr<openapiv3::Parameter>>(&parameter, &pointer)
                        .and_then(|_| try_parse::<openapiv3::Parameter>(&parameter, &pointer))
                {
                    return Some(found);
                }
            }
            if let Some(body) = operation.get("requestBody") {
                if let Some(found) = try_parse::<openapiv3::RequestBody>(
                    body,
                    &pointer_push(&operation_pointer, "requestBody"),
                ) {
                    return Some(found);
                }
            }
            let responses = operation.get("responses").cloned().unwrap_or(Value::Null);
            for (pointer, response) in
                children(&responses, &pointer_push(&operation_pointer, "responses"))
            {
                if let Some(found) = try_parse::<openapiv3::Response>(&response, &pointer) {
                    return Some(found);
                }
            }
            if let Some(found) = try_parse::<openapiv3::Operation>(operation, &operation_pointer) {
                return Some(found);
            }
        }
    }
    let schemas = raw
        .pointer("/components/schemas")
        .cloned()
        .unwrap_or(Value::Null);
    for (pointer, schema) in children(&schemas, "/components/schemas") {
        if let Some(found) = try_parse::<openapiv3::Schema>(&schema, &pointer) {
            return Some(found);
        }
    }
    None
}

/// `serde_path_to_error` paths (`paths./blogs.get`) as RFC 6901 pointers.
fn json_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => pointer = pointer_push(&pointer, &index.to_string()),
            Segment::Map { key } => pointer = pointer_push(&pointer, key),
            Segment::Enum { variant } => pointer = pointer_push(&pointer, variant),
            Segment::Unknown => pointer = pointer_push(&pointer, "?"),
        }
    }
    pointer
}

fn bump(repairs: &mut BTreeMap<&'static str, usize>, kind: &'static str) {
    *repairs.entry(kind).or_default() += 1;
}

fn repair_document(raw: &mut Value, repairs: &mut BTreeMap<&'static str, usize>) {
    let Some(root) = raw.as_object_mut() else {
        return;
    };
    // common-schemas.json is a bare components holder; openapiv3 needs `paths`.
    if !root.contains_key("paths") {
        root.insert("paths".to_owned(), Value::Object(Map::new()));
        bump(repairs, "document without paths");
    }
    if let Some(components) = root.get_mut("components").and_then(Value::as_object_mut) {
        for section in ["schemas", "headers"] {
            if let Some(entries) = components.get_mut(section).and_then(Value::as_object_mut) {
                for entry in entries.values_mut() {
                    if section == "headers" {
                        repair_header(entry, repairs);
                    } else {
                        repair_schema(entry, repairs);
                    }
                }
            }
        }
        for section in ["parameters", "requestBodies", "responses"] {
            if let Some(entries) = components.get_mut(section).and_then(Value::as_object_mut) {
                for entry in entries.values_mut() {
                    repair_with_content(entry, repairs);
                }
            }
        }
    }
    let Some(paths) = root.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        repair_parameters(item.get_mut("parameters"), repairs);
        for method in METHODS {
            let Some(operation) = item.get_mut(*method).and_then(Value::as_object_mut) else {
                continue;
            };
            repair_parameters(operation.get_mut("parameters"), repairs);
            if let Some(body) = operation.get_mut("requestBody") {
                repair_with_content(body, repairs);
            }
            if let Some(responses) = operation
                .get_mut("responses")
                .and_then(Value::as_object_mut)
            {
                for response in responses.values_mut() {
                    repair_with_content(response, repairs);
                }
            }
        }
    }
}

fn repair_parameters(parameters: Option<&mut Value>, repairs: &mut BTreeMap<&'static str, usize>) {
    let Some(parameters) = parameters.and_then(Value::as_array_mut) else {
        return;
    };
    // No live operation takes a cookie, and a client has none to send: such a parameter is
    // left out of the call.
    let before = parameters.len();
    parameters.retain(|parameter| parameter.get("in").and_then(Value::as_str) != Some("cookie"));
    for _ in parameters.len()..before {
        bump(repairs, "cookie parameter skipped");
    }
    for parameter in parameters {
        if let Some(object) = parameter.as_object_mut() {
            let name = object
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if COUNT_INPUTS.contains(&name) {
                if let Some(schema) = object.get_mut("schema") {
                    integer_count(schema, repairs);
                }
            }
            // A parameter must say its type (`schema` or `content`); one that does not can only
            // be sent as text.
            if !object.contains_key("$ref")
                && !object.contains_key("schema")
                && !object.contains_key("content")
            {
                object.insert("schema".to_owned(), serde_json::json!({ "type": "string" }));
                bump(repairs, "parameter without schema taken as a string");
            }
        }
        repair_with_content(parameter, repairs);
    }
}

/// Parameters, request bodies and responses: a `schema`, `content.*.schema`, `headers`.
fn repair_with_content(holder: &mut Value, repairs: &mut BTreeMap<&'static str, usize>) {
    let Some(holder) = holder.as_object_mut() else {
        return;
    };
    if let Some(schema) = holder.get_mut("schema") {
        repair_schema(schema, repairs);
    }
    if let Some(content) = holder.get_mut("content").and_then(Value::as_object_mut) {
        for media in content.values_mut() {
            if let Some(schema) = media.get_mut("schema") {
                repair_schema(schema, repairs);
            }
        }
    }
    if let Some(headers) = holder.get_mut("headers").and_then(Value::as_object_mut) {
        for header in headers.values_mut() {
            repair_header(header, repairs);
        }
    }
}

/// A header must carry a `schema` or `content`; HighLevel declares some with a description only.
/// Such a header can only be a string.
fn repair_header(header: &mut Value, repairs: &mut BTreeMap<&'static str, usize>) {
    let Some(header) = header.as_object_mut() else {
        return;
    };
    if header.contains_key("$ref") {
        return;
    }
    if !header.contains_key("schema") && !header.contains_key("content") {
        header.insert("schema".to_owned(), serde_json::json!({ "type": "string" }));
        bump(repairs, "response header without schema");
    }
    if let Some(schema) = header.get_mut("schema") {
        repair_schema(schema, repairs);
    }
}

/// Names of limits, skips, offsets and page numbers. The specs declare them `number` or
/// `string` (there is no `type: integer` in them); on the wire and for callers they are whole
/// numbers (api-deviations.md, "Response and request shapes"). `total` and `count` are not
/// here: `total` is also an amount of money.
const COUNT_INPUTS: &[&str] = &[
    "limit",
    "skip",
    "offset",
    "page",
    "pageLimit",
    "pageSize",
    "perPage",
    "pageNumber",
];

/// A [`COUNT_INPUTS`] schema declared `number` or plain `string` becomes `integer` (a string
/// default or example that is a whole number becomes that number). Enums, formatted strings
/// and other types stay as they are.
fn integer_count(schema: &mut Value, repairs: &mut BTreeMap<&'static str, usize>) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    let plain = match object.get("type").and_then(Value::as_str) {
        Some("number") => true,
        Some("string") => !object.contains_key("format") && !object.contains_key("enum"),
        _ => false,
    };
    if !plain {
        return;
    }
    object.insert("type".to_owned(), Value::from("integer"));
    for key in ["default", "example"] {
        let whole = match object.get(key) {
            Some(Value::String(text)) => text.trim().parse::<i64>().ok(),
            Some(Value::Number(number)) => number.as_i64().or_else(|| {
                number
                    .as_f64()
                    .filter(|f| f.fract() == 0.0)
                    .map(|f| f as i64)
            }),
            _ => continue,
        };
        match whole {
            Some(whole) => {
                object.insert(key.to_owned(), Value::from(whole));
            }
            None => {
                object.remove(key);
            }
        }
    }
    bump(repairs, "limit, skip, offset or page number typed integer");
}

fn repair_schema(schema: &mut Value, repairs: &mut BTreeMap<&'static str, usize>) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    if object.contains_key("$ref") {
        return;
    }
    // `type: any`: any JSON value, which OpenAPI says by declaring no type. `validate` has
    // refused every other type outside OpenAPI's.
    if object.get("type").and_then(Value::as_str) == Some(ANY_TYPE) {
        object.remove("type");
        bump(repairs, "schema type `any` read as no type (any value)");
    }
    // Enum values that cannot be of the declared type make the whole spec unparseable.
    let declared = object
        .get("type")
        .and_then(Value::as_str)
        .map(str::to_owned);
    if let Some(values) = object.get_mut("enum").and_then(Value::as_array_mut) {
        let before = values.len();
        values.retain(|value| enum_value_fits(declared.as_deref(), value));
        if values.len() != before {
            bump(repairs, "enum value of the wrong type dropped");
        }
    }
    // A default of another type than the schema's says nothing a client can use.
    if let Some(default) = object.get("default") {
        if !value_fits(declared.as_deref(), default) {
            object.remove("default");
            bump(repairs, "default of the wrong type dropped");
        }
    }
    if let Some(properties) = object.get_mut("properties").and_then(Value::as_object_mut) {
        for (name, property) in properties.iter_mut() {
            if COUNT_INPUTS.contains(&name.as_str()) {
                integer_count(property, repairs);
            }
            repair_schema(property, repairs);
        }
    }
    for key in ["items", "additionalProperties", "not"] {
        if let Some(child) = object.get_mut(key) {
            repair_schema(child, repairs);
        }
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        if let Some(members) = object.get_mut(key).and_then(Value::as_array_mut) {
            for member in members {
                repair_schema(member, repairs);
            }
        }
    }
}

fn value_fits(declared: Option<&str>, value: &Value) -> bool {
    match declared {
        Some("array") => value.is_array() || value.is_null(),
        Some("object") => value.is_object() || value.is_null(),
        _ => enum_value_fits(declared, value) || declared.is_none(),
    }
}

fn enum_value_fits(declared: Option<&str>, value: &Value) -> bool {
    match declared {
        Some("string") => value.is_string() || value.is_null(),
        Some("number") => value.is_number() || value.is_null(),
        Some("integer") => value.is_i64() || value.is_u64() || value.is_null(),
        Some("boolean") => value.is_boolean() || value.is_null(),
        _ => !value.is_array() && !value.is_object(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_plain(file: &SpecFile) -> Result<LoadedSpec, SpecError> {
        load(file, None).map_err(|error| error.downcast::<SpecError>().unwrap())
    }

    fn spec(json: Value) -> SpecFile {
        SpecFile {
            path: "apps/test.json".to_owned(),
            bytes: serde_json::to_vec(&json).unwrap(),
        }
    }

    #[test]
    fn header_without_schema_becomes_a_string_header() {
        let loaded = load_plain(&spec(serde_json::json!({
            "openapi": "3.0.0", "info": {"title": "t", "version": "1"},
            "paths": {"/a": {"get": {"responses": {"200": {
                "description": "ok",
                "headers": {"Content-Type": {"description": "audio/x-wav"}}
            }}}}}
        })))
        .unwrap();
        assert_eq!(loaded.repairs["response header without schema"], 1);
        assert_eq!(loaded.resource, "test");
    }

    #[test]
    fn type_any_and_misfit_enum_values_are_dropped_other_types_refused() {
        let with_type = |kind: &str| {
            load_plain(&spec(serde_json::json!({
                "openapi": "3.0.0", "info": {"title": "t", "version": "1"}, "paths": {},
                "components": {"schemas": {
                    "A": {"type": kind},
                    "B": {"type": "number", "enum": [1, [2, 3]]}
                }}
            })))
        };
        let loaded = with_type("any").unwrap();
        assert_eq!(
            loaded.repairs["schema type `any` read as no type (any value)"],
            1
        );
        assert_eq!(loaded.repairs["enum value of the wrong type dropped"], 1);
        let refused = with_type("anything").unwrap_err().to_string();
        assert!(refused.contains("#/components/schemas/A/type"), "{refused}");
    }

    #[test]
    fn the_components_file_loads_without_paths() {
        let mut file = spec(serde_json::json!({
            "openapi": "3.0.0", "info": {"title": "t", "version": "1"},
            "components": {"schemas": {"A": {"type": "string"}}}
        }));
        file.path = "common/common-schemas.json".to_owned();
        let loaded = load_plain(&file).unwrap();
        assert_eq!(loaded.repairs["document without paths"], 1);
    }

    #[test]
    fn parameters_without_type_cookies_and_misfit_defaults_are_absorbed() {
        let loaded = load_plain(&spec(serde_json::json!({
            "openapi": "3.0.0", "info": {"title": "t", "version": "1"},
            "paths": {"/a": {"get": {
                "parameters": [
                    {"name": "plain", "in": "query"},
                    {"name": "session", "in": "cookie", "schema": {"type": "string"}},
                    {"name": "size", "in": "query", "schema": {"type": "string", "default": 10}}
                ],
                "responses": {"200": {"description": "ok"}}
            }}}
        })))
        .unwrap();
        assert_eq!(
            loaded.repairs["parameter without schema taken as a string"],
            1
        );
        assert_eq!(loaded.repairs["cookie parameter skipped"], 1);
        assert_eq!(loaded.repairs["default of the wrong type dropped"], 1);
        let operation = loaded.document.paths.paths["/a"]
            .as_item()
            .and_then(|item| item.get.as_ref())
            .unwrap();
        assert_eq!(operation.parameters.len(), 2);
    }

    #[test]
    fn limits_skips_offsets_and_pages_are_integers_totals_are_not() {
        let mut raw = serde_json::json!({
            "paths": {"/a": {"get": {"parameters": [
                {"name": "limit", "in": "query", "schema": {"type": "string", "default": "10"}},
                {"name": "page", "in": "query", "schema": {"type": "number", "example": 2.0}},
                {"name": "offset", "in": "query", "schema": {"type": "string", "enum": ["0"]}},
                {"name": "skip", "in": "query", "schema": {"type": "string", "format": "date"}}
            ]}}},
            "components": {"schemas": {"List": {"type": "object", "properties": {
                "skip": {"type": "string", "example": "first"},
                "total": {"type": "number"},
                "pageSize": {"type": "number"}
            }}}}
        });
        let mut repairs = BTreeMap::new();
        repair_document(&mut raw, &mut repairs);
        let parameter =
            |index: usize| raw["paths"]["/a"]["get"]["parameters"][index]["schema"].clone();
        assert_eq!(
            parameter(0),
            serde_json::json!({"type": "integer", "default": 10})
        );
        assert_eq!(
            parameter(1),
            serde_json::json!({"type": "integer", "example": 2})
        );
        // An enum or a formatted string is something else than a count.
        assert_eq!(parameter(2)["type"], "string");
        assert_eq!(parameter(3)["type"], "string");
        let list = &raw["components"]["schemas"]["List"]["properties"];
        // An example that is no whole number is dropped with the string type.
        assert_eq!(list["skip"], serde_json::json!({"type": "integer"}));
        assert_eq!(list["pageSize"]["type"], "integer");
        // `total` is also an amount of money: left to overrides.
        assert_eq!(list["total"]["type"], "number");
        assert_eq!(
            repairs["limit, skip, offset or page number typed integer"],
            4
        );
    }

    #[test]
    fn parse_errors_name_the_pointer() {
        let error = load_plain(&spec(serde_json::json!({
            "openapi": "3.0.0", "info": {"title": "t", "version": "1"},
            "paths": {"/a": {"get": {"responses": {"200": {"description": 5}}}}}
        })))
        .unwrap_err();
        assert_eq!(error.file, "apps/test.json");
        assert_eq!(
            error.pointer, "/paths/~1a/get/responses/200/description",
            "{error}"
        );
    }

    #[test]
    fn invalid_json_is_a_clear_error() {
        let file = SpecFile {
            path: "apps/bad.json".to_owned(),
            bytes: b"{\"openapi\": ".to_vec(),
        };
        let error = load_plain(&file).unwrap_err();
        assert!(error.to_string().contains("not valid JSON"), "{error}");
    }
}
