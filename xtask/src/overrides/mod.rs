//! Stage 2b: where the live API differs from its specs, the hand-written files in `overrides/`
//! patch the spec before it is parsed, so the generated crates are right without anyone editing
//! generated code. The format is documented in `overrides/README.md`.
//!
//! Every entry must still be needed: an override whose target no longer exists, or whose change
//! the spec already makes, fails `regen` with the entry's file and line. That is what keeps the
//! overrides honest when HighLevel republishes the specs.
//!
//! Changes the OpenAPI model cannot express travel to the IR as vendor extensions on the
//! operation: [`EXT_HEADERS`], [`EXT_UNWRAP`], [`EXT_PAGING`] and [`EXT_WITHOUT_AUTH`].
//!
//! [`format`] reads the YAML files, [`apply`] patches a spec with them.

mod apply;
mod format;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fmt;

use serde_json::{Map, Value};

pub use apply::apply;
pub use format::load_dir;

/// Operation extension: request headers forced on every call, `{name: value}`.
pub const EXT_HEADERS: &str = "x-ghl-headers";
/// Operation extension: a JSON pointer into the 2xx body; the method returns what is there.
pub const EXT_UNWRAP: &str = "x-ghl-unwrap";
/// Operation extension: how the operation pages (see `ir::paging`), with `origin`: the entry.
pub const EXT_PAGING: &str = "x-ghl-paging";
/// Operation extension: `true` when the call must go without the `Authorization` header.
pub const EXT_WITHOUT_AUTH: &str = "x-ghl-without-auth";
/// On a schema an override renamed: the name the published spec gives it (see
/// [`crate::ir`]'s origins, which point into the published file).
pub const EXT_SPEC_NAME: &str = "x-ghl-spec-name";
/// Property extension, set with `merge`: the wire name of a required field of the same struct
/// whose value this one always carries (the constructor takes it once).
pub const EXT_MIRROR: &str = "x-ghl-mirror";

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
    Header {
        name: String,
        value: String,
    },
    Remove,
    Replace(Value),
    Merge(Map<String, Value>),
    Required {
        add: Vec<String>,
        drop: Vec<String>,
    },
    Request(Value),
    Response(Value),
    Unwrap(String),
    /// How the operation pages (`ir::paging` reads it), with `origin` (file:line) added.
    Paging(Map<String, Value>),
    WithoutAuth,
    Define(Map<String, Value>),
    /// A new name: a schema's (every `$ref` to it follows) or an operation's `operationId`.
    Rename(String),
    /// A paragraph added to the target's `description`, so the generated docs say it.
    Note(String),
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
            Action::Paging(_) => "paging",
            Action::WithoutAuth => "without_auth",
            Action::Define(_) => "define",
            Action::Rename(_) => "rename",
            Action::Note(_) => "note",
        }
    }
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

/// How many overrides applied, per resource, for the regen report.
pub fn report(applied: &BTreeMap<String, usize>) -> String {
    let total: usize = applied.values().sum();
    let parts: Vec<String> = applied
        .iter()
        .map(|(resource, count)| format!("{resource} {count}"))
        .collect();
    format!("overrides applied: {total} ({})", parts.join(", "))
}
