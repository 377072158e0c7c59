//! Stage 2b: where the live API differs from its specs, the hand-written files in `overrides/`
//! patch the spec before it is parsed, so the generated crates are right without anyone editing
//! generated code. The format is documented in `overrides/README.md`.
//!
//! Every entry must still be needed: an override whose target no longer exists, or whose change
//! the spec already makes, fails `regen` with the entry's file and line. That is what keeps the
//! overrides honest when HighLevel republishes the specs.
//!
//! Changes the OpenAPI model cannot express travel to the IR as vendor extensions on the
//! operation: [`EXT_HEADERS`] and [`EXT_UNWRAP`].

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::diagnostics::pointer_push;

/// Operation extension: request headers forced on every call, `{name: value}`.
pub const EXT_HEADERS: &str = "x-ghl-headers";
/// Operation extension: a JSON pointer into the 2xx body; the method returns what is there.
pub const EXT_UNWRAP: &str = "x-ghl-unwrap";
/// Operation extension: `true` when the call must go without the `Authorization` header.
pub const EXT_WITHOUT_AUTH: &str = "x-ghl-without-auth";

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// One `overrides/<resource>.yaml`.
#[derive(Debug, Clone)]
pub struct OverrideFile {
    /// As shown in messages, e.g. `overrides/blogs.yaml`.
    pub display: String,
    /// The spec stem it patches: `blogs` for `apps/blogs.json`.
    pub resource: String,
    /// A hand-written module added to the crate as `src/ext.rs`, and where it came from.
    pub extension: Option<(String, String)>,
    pub entries: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// 1-based line of the entry in its file.
    pub line: usize,
    pub reason: String,
    pub target: Target,
    pub action: Action,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    Schema {
        name: String,
        property: Option<String>,
    },
    Operation {
        selector: String,
        param: Option<String>,
    },
    Pointer(String),
    /// Every operation whose path starts with this prefix.
    Paths(String),
    /// The spec as a whole (`define`).
    Spec,
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Schema {
                name,
                property: None,
            } => write!(f, "schema `{name}`"),
            Target::Schema {
                name,
                property: Some(property),
            } => write!(f, "property `{name}.{property}`"),
            Target::Operation {
                selector,
                param: None,
            } => write!(f, "operation `{selector}`"),
            Target::Operation {
                selector,
                param: Some(param),
            } => {
                write!(f, "parameter `{param}` of operation `{selector}`")
            }
            Target::Pointer(pointer) => write!(f, "pointer `{pointer}`"),
            Target::Paths(prefix) => write!(f, "operations under `{prefix}`"),
            Target::Spec => f.write_str("the spec"),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Version(String),
    Header { name: String, value: String },
    Remove,
    Replace(Value),
    Merge(Map<String, Value>),
    Required { add: Vec<String>, drop: Vec<String> },
    Request(Value),
    Response(Value),
    Unwrap(String),
    WithoutAuth,
    Define(Map<String, Value>),
}

impl Action {
    fn name(&self) -> &'static str {
        match self {
            Action::Version(_) => "version",
            Action::Header { .. } => "header",
            Action::Remove => "remove",
            Action::Replace(_) => "replace",
            Action::Merge(_) => "merge",
            Action::Required { .. } => "required",
            Action::Request(_) => "request",
            Action::Response(_) => "response",
            Action::Unwrap(_) => "unwrap",
            Action::WithoutAuth => "without_auth",
            Action::Define(_) => "define",
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    extension: Option<String>,
    #[serde(default)]
    overrides: Vec<RawEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeader {
    name: String,
    value: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRequired {
    #[serde(default)]
    add: Vec<String>,
    #[serde(default)]
    drop: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    reason: String,
    schema: Option<String>,
    property: Option<String>,
    operation: Option<String>,
    param: Option<String>,
    pointer: Option<String>,
    paths: Option<String>,
    version: Option<String>,
    header: Option<RawHeader>,
    remove: Option<bool>,
    replace: Option<Value>,
    merge: Option<Map<String, Value>>,
    required: Option<RawRequired>,
    request: Option<Value>,
    response: Option<Value>,
    unwrap: Option<String>,
    without_auth: Option<bool>,
    define: Option<Map<String, Value>>,
}

/// A problem with one override entry: where it is written, and what went wrong.
#[derive(Debug)]
pub struct OverrideError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for OverrideError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

impl std::error::Error for OverrideError {}

/// Lines where the entries of the top-level `overrides:` list start, in order.
fn entry_lines(text: &str) -> Vec<usize> {
    let mut in_list = false;
    let mut indent = None;
    let mut lines = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if !line.starts_with([' ', '-']) && !trimmed.is_empty() && !trimmed.starts_with('#') {
            in_list = line.starts_with("overrides:");
            continue;
        }
        if in_list && trimmed.starts_with("- ") {
            let this = line.len() - trimmed.len();
            if *indent.get_or_insert(this) == this {
                lines.push(index + 1);
            }
        }
    }
    lines
}

fn parse_entry(raw: RawEntry, line: usize, display: &str) -> Result<Entry, OverrideError> {
    let error = |message: String| OverrideError {
        file: display.to_owned(),
        line,
        message,
    };
    if raw.reason.trim().is_empty() || raw.reason.contains('\n') {
        return Err(error(
            "`reason` must be one line naming the deviation".to_owned(),
        ));
    }
    let mut targets = Vec::new();
    if let Some(name) = raw.schema {
        targets.push(Target::Schema {
            name,
            property: raw.property.clone(),
        });
    } else if raw.property.is_some() {
        return Err(error("`property` needs `schema`".to_owned()));
    }
    if let Some(selector) = raw.operation {
        targets.push(Target::Operation {
            selector,
            param: raw.param.clone(),
        });
    } else if raw.param.is_some() {
        return Err(error("`param` needs `operation`".to_owned()));
    }
    if let Some(pointer) = raw.pointer {
        if !pointer.starts_with('/') {
            return Err(error(format!(
                "`pointer` must be a JSON pointer starting with `/`, not `{pointer}`"
            )));
        }
        targets.push(Target::Pointer(pointer));
    }
    if let Some(prefix) = raw.paths {
        targets.push(Target::Paths(prefix));
    }
    let mut actions = Vec::new();
    if let Some(version) = raw.version {
        actions.push(Action::Version(version));
    }
    if let Some(header) = raw.header {
        actions.push(Action::Header {
            name: header.name,
            value: header.value,
        });
    }
    match raw.remove {
        Some(true) => actions.push(Action::Remove),
        Some(false) => {
            return Err(error(
                "`remove: false` does nothing; delete the key".to_owned(),
            ));
        }
        None => {}
    }
    if let Some(value) = raw.replace {
        actions.push(Action::Replace(value));
    }
    if let Some(keys) = raw.merge {
        actions.push(Action::Merge(keys));
    }
    if let Some(required) = raw.required {
        actions.push(Action::Required {
            add: required.add,
            drop: required.drop,
        });
    }
    if let Some(value) = raw.request {
        actions.push(Action::Request(value));
    }
    if let Some(value) = raw.response {
        actions.push(Action::Response(value));
    }
    if let Some(pointer) = raw.unwrap {
        actions.push(Action::Unwrap(pointer));
    }
    match raw.without_auth {
        Some(true) => actions.push(Action::WithoutAuth),
        Some(false) => {
            return Err(error(
                "`without_auth: false` does nothing; delete the key".to_owned(),
            ));
        }
        None => {}
    }
    if let Some(schemas) = raw.define {
        actions.push(Action::Define(schemas));
    }
    let action = match actions.len() {
        1 => actions.remove(0),
        0 => return Err(error("no action: give one of version, header, remove, replace, merge, required, request, response, unwrap, without_auth, define".to_owned())),
        _ => {
            let names: Vec<&str> = actions.iter().map(Action::name).collect();
            return Err(error(format!("one action per entry, found {}", names.join(", "))));
        }
    };
    let target = match (targets.len(), &action) {
        (0, Action::Define(_)) => Target::Spec,
        (_, Action::Define(_)) => return Err(error("`define` takes no target".to_owned())),
        (1, _) => targets.remove(0),
        (0, _) => {
            return Err(error(
                "no target: give one of schema, operation, pointer, paths".to_owned(),
            ));
        }
        _ => {
            return Err(error(
                "one target per entry (schema, operation, pointer or paths)".to_owned(),
            ));
        }
    };
    let fits = match (&target, &action) {
        (Target::Paths(_), Action::Header { .. } | Action::Version(_)) => true,
        (Target::Paths(_), _) => false,
        (Target::Operation { param: None, .. }, _) => !matches!(action, Action::Required { .. }),
        (Target::Operation { param: Some(_), .. }, action) => {
            matches!(
                action,
                Action::Remove | Action::Replace(_) | Action::Merge(_)
            )
        }
        (Target::Schema { .. } | Target::Pointer(_), action) => matches!(
            action,
            Action::Remove | Action::Replace(_) | Action::Merge(_) | Action::Required { .. }
        ),
        (Target::Spec, _) => true,
    };
    if !fits {
        return Err(error(format!(
            "`{}` does not apply to {target}",
            action.name()
        )));
    }
    Ok(Entry {
        line,
        reason: raw.reason,
        target,
        action,
    })
}

/// Reads every `*.yaml` in `dir`, sorted by name. A missing directory means no overrides.
pub fn load_dir(dir: &Path) -> anyhow::Result<Vec<OverrideFile>> {
    let mut paths: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| {
                path.extension()
                    .is_some_and(|ext| ext == "yaml" || ext == "yml")
            })
            .collect(),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(error).with_context(|| format!("listing {}", dir.display())),
    };
    paths.sort();
    let dir_name = dir
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    paths
        .iter()
        .map(|path| load_file(path, &dir_name))
        .collect()
}

fn load_file(path: &Path, dir_name: &str) -> anyhow::Result<OverrideFile> {
    let file_name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let display = format!("{dir_name}/{file_name}");
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let raw: RawFile = serde_yaml::from_str(&text).map_err(|error| {
        let line = error.location().map_or(0, |location| location.line());
        OverrideError {
            file: display.clone(),
            line,
            message: format!("not a valid overrides file: {error}"),
        }
    })?;
    let lines = entry_lines(&text);
    let mut entries = Vec::with_capacity(raw.overrides.len());
    for (index, entry) in raw.overrides.into_iter().enumerate() {
        let line = lines.get(index).copied().unwrap_or(0);
        entries.push(parse_entry(entry, line, &display)?);
    }
    let extension = match raw.extension {
        None => None,
        Some(name) => {
            let source_path = path.with_file_name(&name);
            let source = std::fs::read_to_string(&source_path).map_err(|error| OverrideError {
                file: display.clone(),
                line: 1,
                message: format!(
                    "extension `{name}` cannot be read from {}: {error}",
                    source_path.display()
                ),
            })?;
            Some((format!("{dir_name}/{name}"), source))
        }
    };
    let resource = file_name
        .trim_end_matches(".yaml")
        .trim_end_matches(".yml")
        .to_owned();
    Ok(OverrideFile {
        display,
        resource,
        extension,
        entries,
    })
}

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

fn apply_to_schema(spec: &mut Value, pointer: &str, action: &Action) -> Applied {
    match action {
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
        _ => apply_to_schema(spec, &pointer_push(&parameter, "schema"), action),
    }
}

fn apply_to_operation(spec: &mut Value, pointer: &str, action: &Action) -> Applied {
    if matches!(action, Action::Remove) {
        return remove_at(spec, pointer);
    }
    let operation = resolve(spec, pointer)
        .and_then(Value::as_object_mut)
        .ok_or("the operation is not an object")?;
    match action {
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

/// How many overrides applied, per resource, for the regen report.
pub fn report(applied: &BTreeMap<String, usize>) -> String {
    let total: usize = applied.values().sum();
    let parts: Vec<String> = applied
        .iter()
        .map(|(resource, count)| format!("{resource} {count}"))
        .collect();
    format!("overrides applied: {total} ({})", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(yaml: &str) -> Result<OverrideFile, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let path = dir.path().join("test.yaml");
        std::fs::write(&path, yaml).map_err(|e| e.to_string())?;
        load_file(&path, "overrides").map_err(|error| error.to_string())
    }

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
    fn entries_know_their_lines() {
        let file = file(
            "# comment\noverrides:\n  - reason: one\n    schema: Post\n    remove: true\n\n  - reason: two\n    paths: /blogs\n    header: {name: User-Agent, value: x}\n",
        )
        .unwrap();
        assert_eq!(
            file.entries
                .iter()
                .map(|entry| entry.line)
                .collect::<Vec<_>>(),
            vec![3, 7]
        );
        assert_eq!(file.resource, "test");
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
    fn malformed_entries_are_refused_with_their_line() {
        let cases = [
            ("schema: Post", "no action"),
            ("merge: {type: string}", "no target"),
            (
                "schema: Post\n    operation: x\n    remove: true",
                "one target per entry",
            ),
            (
                "schema: Post\n    remove: true\n    merge: {a: 1}",
                "one action per entry",
            ),
            ("paths: /blogs\n    remove: true", "does not apply"),
            ("schema: Post\n    unwrap: /a", "does not apply"),
            ("schema: Post\n    bogus: 1", "unknown field"),
        ];
        for (body, expected) in cases {
            let yaml = format!("overrides:\n  - reason: test\n    {body}\n");
            let error = file(&yaml).map(|_| ()).unwrap_err();
            assert!(error.contains("overrides/test.yaml:"), "{error}");
            assert!(error.contains(expected), "{body}: {error}");
        }
    }
}
