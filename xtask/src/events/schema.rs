//! A page's JSON Schema made into an OpenAPI 3.0 schema the loader reads like a spec's.
//!
//! The pages use a little JSON Schema that OpenAPI 3.0 does not have, each with one obvious
//! reading, repaired and counted: a list of types (`["string", "number", ...]`: any value), the
//! `null` type (a value that is always null: any value), `Date` (a date-time string) and a
//! property's values written where its type belongs (`"type": "Email/SMS"`: a string, one of
//! those). Every object keeps the keys its schema does not name (`additionalProperties`), so a
//! payload survives a round trip whole.

use serde_json::{Map, Value, json};

use super::page::Repairs;
use crate::diagnostics::pointer_push;

/// The JSON types OpenAPI 3.0 knows.
const TYPES: &[&str] = &["string", "number", "integer", "boolean", "array", "object"];

/// Normalizes `schema` in place. `Err` names the pointer (below the schema) of a `type` that
/// has no reading.
pub fn normalize(schema: &mut Value, pointer: &str, repairs: &mut Repairs) -> Result<(), String> {
    let Some(object) = schema.as_object_mut() else {
        return Err(format!(
            "{pointer}: a schema is a JSON object, not `{schema}`"
        ));
    };
    object.remove("$schema");
    if let Some(kind) = object.get("type").cloned() {
        normalize_type(object, kind, pointer, repairs)?;
    }
    let mut required = Vec::new();
    if let Some(Value::Object(properties)) = object.get_mut("properties") {
        let at = pointer_push(pointer, "properties");
        for (name, property) in properties.iter_mut() {
            // JSON Schema draft 3: `"required": true` on the property itself.
            if let Some(flag) = property
                .as_object_mut()
                .and_then(|property| property.remove("required"))
                .and_then(|flag| flag.as_bool())
            {
                if flag {
                    required.push(Value::String(name.clone()));
                }
                *repairs
                    .entry("`required` on a property read as its object's `required` list")
                    .or_default() += 1;
            }
            normalize(property, &pointer_push(&at, name), repairs)?;
        }
    }
    if !required.is_empty() {
        match object
            .entry("required")
            .or_insert_with(|| Value::Array(Vec::new()))
        {
            Value::Array(list) => {
                for name in required {
                    if !list.contains(&name) {
                        list.push(name);
                    }
                }
            }
            _ => return Err(format!("{pointer}/required: `required` is not a list")),
        }
    }
    if let Some(items) = object.get_mut("items") {
        normalize(items, &pointer_push(pointer, "items"), repairs)?;
    }
    let is_object = object.get("type").and_then(Value::as_str) == Some("object")
        || object.contains_key("properties");
    if is_object && object.contains_key("properties") {
        object
            .entry("additionalProperties")
            .or_insert(Value::Bool(true));
    }
    Ok(())
}

/// Gives a list with no `items` the item type its page's examples show, when every item of every
/// example at that place is of one JSON type (strings, numbers or booleans): `"tags": {"type":
/// "array"}` with `"tags": ["a", "b"]` becomes a list of strings. Counted, as a repair.
pub fn items_from_examples(schema: &mut Value, examples: &[&Value], repairs: &mut Repairs) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    let is_list = object.get("type").and_then(Value::as_str) == Some("array");
    if is_list {
        let items: Vec<&Value> = examples
            .iter()
            .filter_map(|value| value.as_array())
            .flatten()
            .collect();
        if !object.contains_key("items") {
            let kind = items.first().and_then(|first| match first {
                Value::String(_) => Some("string"),
                Value::Number(_) => Some("number"),
                Value::Bool(_) => Some("boolean"),
                _ => None,
            });
            let same = |value: &&Value| match kind {
                Some("string") => value.is_string(),
                Some("number") => value.is_number(),
                Some("boolean") => value.is_boolean(),
                _ => false,
            };
            if let Some(kind) = kind.filter(|_| items.iter().all(same)) {
                object.insert("items".to_owned(), json!({ "type": kind }));
                *repairs
                    .entry("list items typed from the page's examples")
                    .or_default() += 1;
            }
        } else if let Some(inner) = object.get_mut("items") {
            items_from_examples(inner, &items, repairs);
        }
        return;
    }
    if let Some(Value::Object(properties)) = object.get_mut("properties") {
        for (name, property) in properties.iter_mut() {
            let values: Vec<&Value> = examples
                .iter()
                .filter_map(|value| value.get(name))
                .collect();
            items_from_examples(property, &values, repairs);
        }
    }
}

fn normalize_type(
    object: &mut Map<String, Value>,
    kind: Value,
    pointer: &str,
    repairs: &mut Repairs,
) -> Result<(), String> {
    let mut count = |repair: &'static str| *repairs.entry(repair).or_default() += 1;
    match kind {
        Value::String(name) if TYPES.contains(&name.as_str()) => {}
        Value::String(name) if name == "null" => {
            object.remove("type");
            object.insert("nullable".to_owned(), Value::Bool(true));
            count("`null` type read as any value");
        }
        Value::String(name) if name == "Date" => {
            object.insert("type".to_owned(), json!("string"));
            object.insert("format".to_owned(), json!("date-time"));
            count("`Date` type read as a date-time string");
        }
        Value::String(name)
            if !name.is_empty()
                && name
                    .split('/')
                    .all(|word| !word.is_empty() && word.chars().all(char::is_alphanumeric)) =>
        {
            let values: Vec<Value> = name.split('/').map(|word| json!(word)).collect();
            object.insert("type".to_owned(), json!("string"));
            object.insert("enum".to_owned(), Value::Array(values));
            count("a property's values written as its type");
        }
        Value::Array(names) => {
            let named: Vec<&str> = names.iter().filter_map(Value::as_str).collect();
            let nullable = named.contains(&"null");
            let rest: Vec<&str> = named.into_iter().filter(|name| *name != "null").collect();
            match rest.as_slice() {
                [one] if TYPES.contains(one) => {
                    object.insert("type".to_owned(), json!(one));
                }
                _ => {
                    object.remove("type");
                }
            }
            if nullable {
                object.insert("nullable".to_owned(), Value::Bool(true));
            }
            count("a list of types read as any of them");
        }
        other => {
            return Err(format!(
                "{}: `type` is {other}, which names no JSON type",
                pointer_push(pointer, "type")
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_schema_constructs_become_openapi_and_objects_keep_unknown_keys() {
        let mut schema = json!({
            "$schema": "http://json-schema.org/draft-07/schema#",
            "type": "object",
            "properties": {
                "value": {"type": ["string", "number", "array", "object"]},
                "maybe": {"type": ["string", "null"]},
                "nothing": {"type": "null"},
                "start": {"type": "Date"},
                "type": {"type": "Email/SMS"},
                "list": {"type": "array", "items": {"type": "object", "properties": {"a": {"type": "string"}}}}
            }
        });
        let mut repairs = Repairs::new();
        normalize(&mut schema, "", &mut repairs).unwrap();
        assert_eq!(
            schema,
            json!({
                "type": "object",
                "properties": {
                    "value": {},
                    "maybe": {"type": "string", "nullable": true},
                    "nothing": {"nullable": true},
                    "start": {"type": "string", "format": "date-time"},
                    "type": {"type": "string", "enum": ["Email", "SMS"]},
                    "list": {"type": "array", "items": {
                        "type": "object",
                        "properties": {"a": {"type": "string"}},
                        "additionalProperties": true
                    }}
                },
                "additionalProperties": true
            })
        );
        assert_eq!(repairs["a list of types read as any of them"], 2);
        assert_eq!(repairs["`null` type read as any value"], 1);
        assert_eq!(repairs["`Date` type read as a date-time string"], 1);
        assert_eq!(repairs["a property's values written as its type"], 1);
    }

    #[test]
    fn lists_without_items_take_the_one_item_type_their_examples_show() {
        let mut schema = json!({"type": "object", "properties": {
            "tags": {"type": "array"},
            "mixed": {"type": "array"},
            "empty": {"type": "array"},
            "rows": {"type": "array", "items": {"type": "object", "properties": {
                "ids": {"type": "array"}
            }}}
        }});
        let first =
            json!({"tags": ["a", "b"], "mixed": ["a", 1], "empty": [], "rows": [{"ids": [1, 2]}]});
        let second = json!({"tags": ["c"], "rows": [{"ids": [3.5]}]});
        let mut repairs = Repairs::new();
        items_from_examples(&mut schema, &[&first, &second], &mut repairs);
        let properties = &schema["properties"];
        assert_eq!(properties["tags"]["items"], json!({"type": "string"}));
        assert_eq!(properties["mixed"].get("items"), None);
        assert_eq!(properties["empty"].get("items"), None);
        assert_eq!(
            properties["rows"]["items"]["properties"]["ids"]["items"],
            json!({"type": "number"})
        );
        assert_eq!(repairs["list items typed from the page's examples"], 2);
    }

    #[test]
    fn required_on_a_property_moves_to_its_object() {
        let mut schema = json!({"type": "object", "properties": {
            "key": {"type": "string", "required": true},
            "note": {"type": "string", "required": false}
        }});
        let mut repairs = Repairs::new();
        normalize(&mut schema, "", &mut repairs).unwrap();
        assert_eq!(schema["required"], json!(["key"]));
        assert_eq!(schema["properties"]["key"], json!({"type": "string"}));
        assert_eq!(schema["properties"]["note"], json!({"type": "string"}));
        assert_eq!(
            repairs["`required` on a property read as its object's `required` list"],
            2
        );
    }

    #[test]
    fn a_type_with_no_reading_is_an_error_naming_its_pointer() {
        let mut schema = json!({"type": "object", "properties": {"a": {"type": "a number"}}});
        let error = normalize(&mut schema, "", &mut Repairs::new()).unwrap_err();
        assert_eq!(
            error,
            "/properties/a/type: `type` is \"a number\", which names no JSON type"
        );
    }
}
