//! Whether an example payload survives the generated types whole: every key a struct names
//! deserializes into its field's type, and serializing gives the example back.
//!
//! It mirrors what the runtime does with a delivery (`ghl_runtime::webhooks`): a top-level key
//! sent as `null` is kept among the payload's unknown keys, so it survives; a `null` deeper down
//! reads as `None` and is not sent back, so it would be lost.

use serde_json::Value;

use crate::diagnostics::pointer_push;
use crate::ir::{Api, Ty, TypeKind};

/// Nesting deeper than this is not followed (the pages nest four levels at most).
const MAX_DEPTH: usize = 32;

/// The JSON pointers (into `value`) where `value` does not fit the type `name` of `api`, each
/// with what was expected; empty when it fits.
pub fn misfits(api: &Api, name: &str, value: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let Some(object) = value.as_object() else {
        return vec!["(the example): an object was expected".to_owned()];
    };
    // The top level: nulls are kept as sent.
    let mut trimmed = object.clone();
    trimmed.retain(|_, value| !value.is_null());
    walk(
        api,
        &Value::Object(trimmed),
        &Ty::Named(name.to_owned()),
        "",
        0,
        &mut out,
    );
    out
}

fn walk(api: &Api, value: &Value, ty: &Ty, pointer: &str, depth: usize, out: &mut Vec<String>) {
    let mut miss = |expected: &str| {
        let at = if pointer.is_empty() { "/" } else { pointer };
        out.push(format!(
            "{at}: {expected} expected, the example has {value}"
        ));
    };
    if depth > MAX_DEPTH {
        return;
    }
    match ty {
        Ty::Value => {}
        Ty::String if !value.is_string() => miss("a string"),
        Ty::Number if !value.is_number() => miss("a number"),
        Ty::Integer if !(value.is_i64() || value.is_u64()) => miss("an integer"),
        Ty::Boolean if !value.is_boolean() => miss("a boolean"),
        Ty::String | Ty::Number | Ty::Integer | Ty::Boolean => {}
        Ty::File => miss("a file"),
        Ty::Array(item) => match value.as_array() {
            Some(items) => {
                for (index, item_value) in items.iter().enumerate() {
                    let at = pointer_push(pointer, &index.to_string());
                    walk(api, item_value, item, &at, depth + 1, out);
                }
            }
            None => miss("a list"),
        },
        Ty::Map(inner) => match value.as_object() {
            Some(map) => {
                for (key, entry) in map {
                    walk(
                        api,
                        entry,
                        inner,
                        &pointer_push(pointer, key),
                        depth + 1,
                        out,
                    );
                }
            }
            None => miss("an object"),
        },
        Ty::Named(name) | Ty::Common(name) => {
            let Some(def) = api.types.iter().find(|def| &def.name == name) else {
                return;
            };
            match &def.kind {
                TypeKind::Enum { .. } if !value.is_string() => miss("a string"),
                TypeKind::Enum { .. } => {}
                TypeKind::Alias(inner) => walk(api, value, inner, pointer, depth + 1, out),
                TypeKind::Untagged { variants } => {
                    let fits_one = variants.iter().any(|(_, inner)| {
                        let mut none = Vec::new();
                        walk(api, value, inner, pointer, depth + 1, &mut none);
                        none.is_empty()
                    });
                    if !fits_one {
                        miss("one of the variants");
                    }
                }
                TypeKind::Struct { fields, additional } => {
                    let Some(object) = value.as_object() else {
                        miss("an object");
                        return;
                    };
                    for (key, entry) in object {
                        let at = pointer_push(pointer, key);
                        let field = fields.iter().find(|field| &field.wire == key);
                        match (field, entry) {
                            (Some(field), Value::Null) if !field.optional() => {
                                out.push(format!("{at}: null where a value is required"));
                            }
                            // A required field that may be null is sent as null.
                            (Some(field), Value::Null) if field.required => {}
                            (Some(_), Value::Null) => out.push(format!(
                                "{at}: null reads as `None` and is not sent back (only a \
                                 top-level null is kept)"
                            )),
                            (Some(field), _) => walk(api, entry, &field.ty, &at, depth + 1, out),
                            (None, _) => match additional {
                                Some(extra) => walk(api, entry, extra, &at, depth + 1, out),
                                None => out.push(format!(
                                    "{at}: a key the type does not name, and it keeps no others"
                                )),
                            },
                        }
                    }
                }
            }
        }
    }
}
