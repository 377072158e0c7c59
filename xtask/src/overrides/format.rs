//! The YAML format of `overrides/<resource>.yaml`: files read, entries checked (one target,
//! one action that fits it) and given their line numbers for messages.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::{Action, Entry, OverrideError, OverrideFile, Target};

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
    paging: Option<Map<String, Value>>,
    without_auth: Option<bool>,
    define: Option<Map<String, Value>>,
    rename: Option<String>,
    note: Option<String>,
}

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
    if let Some(mut paging) = raw.paging {
        // The generator checks the entry against the operation's types; its errors name it.
        paging.insert(
            "origin".to_owned(),
            Value::String(format!("{display}:{line}")),
        );
        actions.push(Action::Paging(paging));
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
    if let Some(name) = raw.rename {
        if name.trim().is_empty() || name.contains(['/', '~', ' ']) {
            return Err(error(format!(
                "`rename` takes a schema name or an operationId (no spaces, `/` or `~`), not `{name}`"
            )));
        }
        actions.push(Action::Rename(name));
    }
    if let Some(note) = raw.note {
        if note.trim().is_empty() {
            return Err(error(
                "`note` is empty; write the paragraph or delete the key".to_owned(),
            ));
        }
        actions.push(Action::Note(note.trim().to_owned()));
    }
    let action = match actions.len() {
        1 => actions.remove(0),
        0 => return Err(error("no action: give one of version, header, remove, replace, merge, required, request, response, unwrap, paging, without_auth, define, rename, note".to_owned())),
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
        (
            Target::Schema { property: None, .. } | Target::Operation { param: None, .. },
            Action::Rename(_),
        ) => true,
        (_, Action::Rename(_)) => false,
        (Target::Paths(_) | Target::Spec, Action::Note(_)) => false,
        (_, Action::Note(_)) => true,
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

pub(super) fn load_file(path: &Path, dir_name: &str) -> anyhow::Result<OverrideFile> {
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

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// `yaml` read as `overrides/test.yaml`.
    pub(in crate::overrides) fn file(yaml: &str) -> Result<OverrideFile, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let path = dir.path().join("test.yaml");
        std::fs::write(&path, yaml).map_err(|e| e.to_string())?;
        load_file(&path, "overrides").map_err(|error| error.to_string())
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
