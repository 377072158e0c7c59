//! Overrides applied to the raw JSON of a spec. Every entry is tried, and one that no longer
//! changes anything (its target is gone, or the spec already says the same) is an error naming
//! its file and line.

use serde_json::{Map, Value};

use super::{
    Action, EXT_HEADERS, EXT_PAGING, EXT_SPEC_NAME, EXT_UNWRAP, EXT_WITHOUT_AUTH, Entry, METHODS,
    OverrideError, OverrideFile, Target,
};
use crate::diagnostics::pointer_push;

/// Follows an RFC 6901 pointer to a mutable value.
fn resolve<'v>(root: &'v mut Value, pointer: &str) -> Option<&'v mut Value> {
    root.pointer_mut(pointer)
}

/// `GET /a/{b}` or an operationId -> the operation's pointer.
fn find_operation(spec: &Value, selector: &str) -> Option<String> {
    let paths = spec.get("paths")?.as_object()?;
    if let Some((method, path)) = selector.split_once(' ') {
        let method = method.to_ascii_lowercase();
        if METHODS.contains(&method.as_str()) {
            return paths
                .get(path)
                .and_then(|item| item.get(&method))
                .map(|_| pointer_push(&pointer_push("/paths", path), &method));
        }
    }
    for (path, item) in paths {
        for method in METHODS {
            if item
                .get(*method)
                .and_then(|op| op.get("operationId"))
                .and_then(Value::as_str)
                == Some(selector)
            {
                return Some(pointer_push(&pointer_push("/paths", path), method));
            }
        }
    }
    None
}

fn operations_under(spec: &Value, prefix: &str) -> Vec<String> {
    let mut found = Vec::new();
    if let Some(paths) = spec.get("paths").and_then(Value::as_object) {
        for (path, item) in paths.iter().filter(|(path, _)| path.starts_with(prefix)) {
            for method in METHODS {
                if item.get(*method).is_some() {
                    found.push(pointer_push(&pointer_push("/paths", path), method));
                }
            }
        }
    }
    found
}

/// What the override changed: the number of places, or why it is stale.
type Applied = Result<(), String>;

/// Applies every entry of `file` to the raw spec `spec_path`. Returns how many applied.
pub fn apply(
    file: &OverrideFile,
    spec_path: &str,
    spec: &mut Value,
) -> Result<usize, OverrideError> {
    // Every entry is tried, so one run names all the stale ones of a file, not just the first.
    let mut stale: Vec<(usize, String)> = Vec::new();
    for entry in &file.entries {
        if let Err(message) = apply_entry(entry, spec) {
            stale.push((
                entry.line,
                format!(
                    "stale or broken override ({}) on {} in {spec_path}: {message}",
                    entry.reason, entry.target
                ),
            ));
        }
    }
    match stale.len() {
        0 => Ok(file.entries.len()),
        1 => {
            let (line, message) = stale.remove(0);
            Err(OverrideError {
                file: file.display.clone(),
                line,
                message,
            })
        }
        count => {
            let first = stale[0].0;
            let listed: Vec<String> = stale
                .iter()
                .map(|(line, message)| format!("\n  {}:{line}: {message}", file.display))
                .collect();
            Err(OverrideError {
                file: file.display.clone(),
                line: first,
                message: format!("{count} stale or broken overrides:{}", listed.concat()),
            })
        }
    }
}

fn apply_entry(entry: &Entry, spec: &mut Value) -> Applied {
    match (&entry.target, &entry.action) {
        (Target::Spec, Action::Define(schemas)) => define(spec, schemas),
        (Target::Paths(prefix), action) => {
            let operations = operations_under(spec, prefix);
            if operations.is_empty() {
                return Err(format!(
                    "no operation's path starts with `{prefix}`; delete the entry or fix the prefix"
                ));
            }
            let mut changed = false;
            for pointer in operations {
                match apply_to_operation(spec, &pointer, action) {
                    Ok(()) => changed = true,
                    Err(message) if message.starts_with(ALREADY) => {}
                    Err(message) => return Err(message),
                }
            }
            if changed {
                Ok(())
            } else {
                Err(format!(
                    "{ALREADY} on every operation under `{prefix}`; delete the entry"
                ))
            }
        }
        (Target::Operation { selector, param }, action) => {
            let pointer = find_operation(spec, selector)
                .ok_or_else(|| format!("no operation `{selector}` (give `METHOD /path` or an operationId); delete or retarget the entry"))?;
            match param {
                None => apply_to_operation(spec, &pointer, action),
                Some(param) => apply_to_param(spec, &pointer, param, action),
            }
        }
        (Target::Schema { name, property }, action) => {
            let mut pointer = pointer_push("/components/schemas", name);
            if spec.pointer(&pointer).is_none() {
                return Err(format!("no schema `{name}`; delete or retarget the entry"));
            }
            if let Action::Rename(new) = action {
                return rename_schema(spec, name, new);
            }
            if let Some(property) = property {
                pointer = pointer_push(&pointer_push(&pointer, "properties"), property);
                if spec.pointer(&pointer).is_none() {
                    if matches!(action, Action::Replace(_)) {
                        // Adding a property the spec forgot is a replace of nothing.
                        return set_new(spec, &pointer, action);
                    }
                    return Err(format!(
                        "schema `{name}` has no property `{property}`; delete or retarget the entry"
                    ));
                }
            }
            apply_to_schema(spec, &pointer, action)
        }
        (Target::Pointer(pointer), action) => {
            if spec.pointer(pointer).is_none() {
                return Err(format!(
                    "nothing at `{pointer}`; delete or retarget the entry"
                ));
            }
            apply_to_schema(spec, pointer, action)
        }
        (Target::Spec, _) => Err("only `define` applies to the whole spec".to_owned()),
    }
}

const ALREADY: &str = "the spec already says this";

fn set_new(spec: &mut Value, pointer: &str, action: &Action) -> Applied {
    let Action::Replace(value) = action else {
        return Err("nothing to add".to_owned());
    };
    let (parent, key) = pointer.rsplit_once('/').ok_or("bad pointer")?;
    let key = key.replace("~1", "/").replace("~0", "~");
    let parent = resolve(spec, parent)
        .and_then(Value::as_object_mut)
        .ok_or("the parent is not an object")?;
    parent.insert(key, value.clone());
    Ok(())
}

fn define(spec: &mut Value, schemas: &Map<String, Value>) -> Applied {
    let components = spec
        .as_object_mut()
        .ok_or("the spec is not an object")?
        .entry("components")
        .or_insert_with(|| Value::Object(Map::new()));
    let existing = components
        .as_object_mut()
        .ok_or("`components` is not an object")?
        .entry("schemas")
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()
        .ok_or("`components.schemas` is not an object")?;
    for (name, schema) in schemas {
        if existing.contains_key(name) {
            return Err(format!(
                "schema `{name}` already exists; use `replace` on it, or pick another name"
            ));
        }
        existing.insert(name.clone(), schema.clone());
    }
    Ok(())
}

/// Adds `note` as a paragraph of the `description` of the object at `pointer`.
fn add_note(spec: &mut Value, pointer: &str, note: &str) -> Applied {
    let target = resolve(spec, pointer)
        .and_then(Value::as_object_mut)
        .ok_or("the target is not an object")?;
    if target.contains_key("$ref") {
        return Err(
            "the target is a `$ref`, whose description the generator does not read: note the referenced schema"
                .to_owned(),
        );
    }
    let description = match target.get("description") {
        Some(Value::String(text)) if text.contains(note) => {
            return Err(format!(
                "{ALREADY} (the description has the note); delete the entry"
            ));
        }
        Some(Value::String(text)) if !text.trim().is_empty() => {
            format!("{}\n\n{note}", text.trim_end())
        }
        _ => note.to_owned(),
    };
    target.insert("description".to_owned(), Value::String(description));
    Ok(())
}

fn apply_to_schema(spec: &mut Value, pointer: &str, action: &Action) -> Applied {
    match action {
        Action::Note(note) => add_note(spec, pointer, note),
        Action::Remove => remove_at(spec, pointer),
        Action::Replace(value) => {
            let target = resolve(spec, pointer).ok_or("target vanished")?;
            if target == value {
                return Err(format!("{ALREADY}; delete the entry"));
            }
            *target = value.clone();
            Ok(())
        }
        Action::Merge(keys) => {
            let target = resolve(spec, pointer)
                .and_then(Value::as_object_mut)
                .ok_or("the target is not an object")?;
            if target.contains_key("$ref") {
                return Err(
                    "the target is a `$ref`: retarget the referenced schema, or use `replace`"
                        .to_owned(),
                );
            }
            if keys
                .iter()
                .all(|(key, value)| target.get(key) == Some(value))
            {
                return Err(format!("{ALREADY}; delete the entry"));
            }
            for (key, value) in keys {
                target.insert(key.clone(), value.clone());
            }
            Ok(())
        }
        Action::Required { add, drop } => {
            let target = resolve(spec, pointer)
                .and_then(Value::as_object_mut)
                .ok_or("the target is not an object")?;
            let properties: Vec<String> = target
                .get("properties")
                .and_then(Value::as_object)
                .map(|properties| properties.keys().cloned().collect())
                .unwrap_or_default();
            let required = target
                .entry("required")
                .or_insert_with(|| Value::Array(Vec::new()));
            let list = required.as_array_mut().ok_or("`required` is not a list")?;
            let mut changed = false;
            for name in add {
                if !properties.contains(name) {
                    return Err(format!(
                        "cannot require `{name}`: the schema has no such property"
                    ));
                }
                if !list.iter().any(|item| item == name) {
                    list.push(Value::String(name.clone()));
                    changed = true;
                }
            }
            for name in drop {
                let before = list.len();
                list.retain(|item| item != name);
                changed |= list.len() != before;
            }
            if changed {
                Ok(())
            } else {
                Err(format!(
                    "{ALREADY} (required list unchanged); delete the entry"
                ))
            }
        }
        other => Err(format!("`{}` does not apply to a schema", other.name())),
    }
}

fn remove_at(spec: &mut Value, pointer: &str) -> Applied {
    let (parent_pointer, key) = pointer.rsplit_once('/').ok_or("bad pointer")?;
    let key = key.replace("~1", "/").replace("~0", "~");
    let parent = resolve(spec, parent_pointer).ok_or("the parent vanished")?;
    let removed = match parent {
        Value::Object(map) => map.remove(&key).is_some(),
        Value::Array(items) => match key.parse::<usize>() {
            Ok(index) if index < items.len() => {
                items.remove(index);
                true
            }
            _ => false,
        },
        _ => false,
    };
    if !removed {
        return Err(format!("{ALREADY} (nothing to remove); delete the entry"));
    }
    // A removed property is not required any more either.
    if let Some(properties_parent) = parent_pointer.strip_suffix("/properties") {
        if let Some(required) = resolve(spec, properties_parent)
            .and_then(|schema| schema.get_mut("required"))
            .and_then(Value::as_array_mut)
        {
            required.retain(|item| item.as_str() != Some(key.as_str()));
        }
    }
    Ok(())
}

fn apply_to_param(spec: &mut Value, operation: &str, param: &str, action: &Action) -> Applied {
    let parameters = resolve(spec, &pointer_push(operation, "parameters"))
        .and_then(Value::as_array_mut)
        .ok_or("the operation has no parameters")?;
    let index = parameters
        .iter()
        .position(|candidate| candidate.get("name").and_then(Value::as_str) == Some(param))
        .ok_or_else(|| {
            format!("the operation has no parameter `{param}`; delete or retarget the entry")
        })?;
    let parameter = pointer_push(&pointer_push(operation, "parameters"), &index.to_string());
    match action {
        Action::Remove => remove_at(spec, &parameter),
        Action::Note(note) => add_note(spec, &parameter, note),
        _ => apply_to_schema(spec, &pointer_push(&parameter, "schema"), action),
    }
}

/// Renames the schema `old` to `new` and points every reference to it (and into it) at the
/// new name. A spec that fixes the name no longer has `old`: the entry is then stale.
fn rename_schema(spec: &mut Value, old: &str, new: &str) -> Applied {
    let schemas = resolve(spec, "/components/schemas")
        .and_then(Value::as_object_mut)
        .ok_or("`components.schemas` is not an object")?;
    if schemas.contains_key(new) {
        return Err(format!(
            "schema `{new}` already exists: pick another name, or drop the entry if the spec now names `{old}` so"
        ));
    }
    if !schemas.contains_key(old) {
        return Err(format!("no schema `{old}`; delete or retarget the entry"));
    }
    // Same place in the map, so the generated order of types does not move; the spec's own
    // name stays on the schema, for docs that point into the published file.
    *schemas = std::mem::take(schemas)
        .into_iter()
        .map(|(name, mut schema)| {
            if name != old {
                return (name, schema);
            }
            if let Some(object) = schema.as_object_mut().filter(|o| !o.contains_key("$ref")) {
                object.insert(EXT_SPEC_NAME.to_owned(), Value::String(old.to_owned()));
            }
            (new.to_owned(), schema)
        })
        .collect();
    let from = pointer_push("/components/schemas", old);
    let to = pointer_push("/components/schemas", new);
    retarget_refs(spec, &format!("#{from}"), &format!("#{to}"));
    Ok(())
}

/// Every string that is `from`, or a pointer below it, now says `to` instead: `$ref`s and
/// discriminator mappings alike.
fn retarget_refs(value: &mut Value, from: &str, to: &str) {
    match value {
        Value::String(text) => {
            if let Some(rest) = text.strip_prefix(from) {
                if rest.is_empty() || rest.starts_with('/') {
                    *text = format!("{to}{rest}");
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                retarget_refs(item, from, to);
            }
        }
        Value::Object(map) => {
            for item in map.values_mut() {
                retarget_refs(item, from, to);
            }
        }
        _ => {}
    }
}

fn apply_to_operation(spec: &mut Value, pointer: &str, action: &Action) -> Applied {
    match action {
        Action::Remove => return remove_at(spec, pointer),
        Action::Note(note) => return add_note(spec, pointer, note),
        _ => {}
    }
    let operation = resolve(spec, pointer)
        .and_then(Value::as_object_mut)
        .ok_or("the operation is not an object")?;
    match action {
        Action::Rename(name) => {
            if operation.get("operationId").and_then(Value::as_str) == Some(name.as_str()) {
                return Err(format!(
                    "{ALREADY} (operationId `{name}`); delete the entry"
                ));
            }
            operation.insert("operationId".to_owned(), Value::String(name.clone()));
            Ok(())
        }
        Action::Version(version) => {
            let parameters = operation
                .entry("parameters")
                .or_insert_with(|| Value::Array(Vec::new()));
            let list = parameters
                .as_array_mut()
                .ok_or("`parameters` is not a list")?;
            let wanted = serde_json::json!({"type": "string", "enum": [version]});
            let existing = list.iter_mut().find(|parameter| {
                parameter.get("in").and_then(Value::as_str) == Some("header")
                    && parameter
                        .get("name")
                        .and_then(Value::as_str)
                        .is_some_and(|name| name.eq_ignore_ascii_case("version"))
            });
            match existing {
                Some(parameter) => {
                    let declared = parameter.pointer("/schema/enum/0").and_then(Value::as_str);
                    if declared == Some(version.as_str()) {
                        return Err(format!("{ALREADY} (Version {version}); delete the entry"));
                    }
                    parameter["schema"] = wanted;
                }
                None => list.push(serde_json::json!({
                    "name": "Version", "in": "header", "required": true, "schema": wanted,
                })),
            }
            Ok(())
        }
        Action::Header { name, value } => {
            let headers = operation
                .entry(EXT_HEADERS)
                .or_insert_with(|| Value::Object(Map::new()));
            let headers = headers
                .as_object_mut()
                .ok_or("headers extension is not a map")?;
            if headers.get(name).and_then(Value::as_str) == Some(value) {
                return Err(format!("{ALREADY}; delete the entry"));
            }
            headers.insert(name.clone(), Value::String(value.clone()));
            Ok(())
        }
        Action::Request(schema) => {
            let body = operation
                .entry("requestBody")
                .or_insert_with(|| serde_json::json!({"required": true, "content": {}}));
            let body = body
                .as_object_mut()
                .ok_or("`requestBody` is not an object")?;
            set_json_schema(body, "`requestBody.content`", schema)
        }
        Action::Response(schema) => {
            let responses = operation
                .entry("responses")
                .or_insert_with(|| Value::Object(Map::new()))
                .as_object_mut()
                .ok_or("`responses` is not an object")?;
            let code = responses
                .keys()
                .filter(|code| code.starts_with('2'))
                .min()
                .cloned()
                .unwrap_or_else(|| "200".to_owned());
            let response = responses
                .entry(code)
                .or_insert_with(|| serde_json::json!({"description": "Successful response"}));
            let response = response
                .as_object_mut()
                .ok_or("the response is not an object")?;
            set_json_schema(response, "the response content", schema)
        }
        Action::WithoutAuth => {
            if operation.get(EXT_WITHOUT_AUTH) == Some(&Value::Bool(true)) {
                return Err(format!("{ALREADY}; delete the entry"));
            }
            operation.insert(EXT_WITHOUT_AUTH.to_owned(), Value::Bool(true));
            Ok(())
        }
        Action::Paging(paging) => {
            let paging = Value::Object(paging.clone());
            if operation.get(EXT_PAGING) == Some(&paging) {
                return Err(format!("{ALREADY}; delete the entry"));
            }
            operation.insert(EXT_PAGING.to_owned(), paging);
            Ok(())
        }
        Action::Unwrap(inner) => {
            if !inner.starts_with('/') {
                return Err(format!(
                    "`unwrap` takes a JSON pointer into the response body, like `/results/post`, not `{inner}`"
                ));
            }
            operation.insert(EXT_UNWRAP.to_owned(), Value::String(inner.clone()));
            Ok(())
        }
        other => Err(format!("`{}` does not apply to an operation", other.name())),
    }
}

/// Sets the `application/json` schema of a request body or response (`holder`), creating
/// `content` as needed; `what` names `content` in the error when it is not an object.
fn set_json_schema(
    holder: &mut Map<String, Value>,
    what: &str,
    schema: &Value,
) -> Result<(), String> {
    let content = holder
        .entry("content")
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()
        .ok_or(format!("{what} is not an object"))?;
    let media = content
        .entry("application/json")
        .or_insert_with(|| Value::Object(Map::new()));
    if media.get("schema") == Some(schema) {
        return Err(format!("{ALREADY}; delete the entry"));
    }
    media["schema"] = schema.clone();
    Ok(())
}
