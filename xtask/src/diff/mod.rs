//! `cargo xtask diff`: what a new release of the specs changes for users of the generated crates.
//!
//! Both releases go through the generator's own pipeline ([`crate::pipeline::build_apis`], without
//! overrides: the overrides describe one release, the diff is about what HighLevel published), and
//! the two [`Api`](crate::ir::Api) models are compared crate by crate. Every change is classed by
//! what it does to the generated Rust API: [`Class::Breaking`] when code written against the old
//! crate may stop compiling or lose data (a removed operation, field or variant, a re-typed field
//! or parameter, a new required field in a request), [`Class::Additive`] otherwise (new
//! operations, types, optional fields and variants, and wire-level changes such as a new path or
//! `Version` header that the generated methods absorb).
//!
//! [`compare`] (operations) and [`types`] (types, and which are sent in requests) find the
//! changes, [`render`] writes the report as Markdown, [`cli`] is the command and its bench.

pub mod cli;
mod compare;
mod render;
#[cfg(test)]
mod tests;
mod types;

use anyhow::Context;
use serde::Serialize;

pub use cli::{DiffArgs, bench, run};
pub use compare::{build, compare, diff_sets};
pub use render::{crate_markdown, markdown};

/// The crate the common schemas become.
const COMMON_CRATE: &str = "ghl-common";

/// What a change does to code written against the old crate. Ordered: the worst is the largest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Class {
    /// Compiles and behaves as before (or better): a patch release on 0.x.
    Additive,
    /// May stop compiling or lose data: a minor release on 0.x.
    Breaking,
}

impl Class {
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Additive => "additive",
            Class::Breaking => "breaking",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Added,
    Removed,
    Changed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    Crate,
    Operation,
    Type,
}

/// One change, on one operation, type or the whole crate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub class: Class,
    pub scope: Scope,
    pub kind: Kind,
    /// The operation's function, the type's name or the crate's name.
    pub item: String,
    /// `METHOD /path` of an operation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// What changed, one line of Markdown.
    pub detail: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Added,
    Removed,
    Changed,
}

/// The changes to one crate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CrateDiff {
    pub crate_name: String,
    pub spec_path: String,
    pub status: Status,
    /// The worst of the changes.
    pub class: Class,
    pub changes: Vec<Change>,
}

/// The whole comparison of two releases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub old: String,
    pub new: String,
    /// Crates of resources only the new release has.
    pub resources_added: Vec<String>,
    /// Crates of resources only the old release has.
    pub resources_removed: Vec<String>,
    /// Every crate with at least one change, by name.
    pub crates: Vec<CrateDiff>,
    /// Crates in both releases with no change to their API.
    pub unchanged: Vec<String>,
}

impl Report {
    pub fn crate_diff(&self, crate_name: &str) -> Option<&CrateDiff> {
        self.crates
            .iter()
            .find(|diff| diff.crate_name == crate_name)
    }

    pub fn to_json(&self) -> anyhow::Result<String> {
        serde_json::to_string_pretty(self).context("serializing the diff report")
    }
}

/// The next version of a crate for a change of this class (0.x: breaking -> minor, additive ->
/// patch; from 1.0: breaking -> major, additive -> minor).
pub fn bump(version: &str, class: Class) -> anyhow::Result<String> {
    let parts: Vec<u64> = version
        .split('.')
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()
        .filter(|parts: &Vec<u64>| parts.len() == 3)
        .with_context(|| format!("version `{version}` is not MAJOR.MINOR.PATCH"))?;
    let (major, minor, patch) = (parts[0], parts[1], parts[2]);
    Ok(match (major, class) {
        (0, Class::Breaking) => format!("0.{}.0", minor + 1),
        (0, Class::Additive) => format!("0.{minor}.{}", patch + 1),
        (_, Class::Breaking) => format!("{}.0.0", major + 1),
        (_, Class::Additive) => format!("{major}.{}.0", minor + 1),
    })
}
