//! `cargo xtask diff`: what a new release of the specs changes for users of the generated crates.
//!
//! Both releases go through the generator's own pipeline ([`regen::build_apis`], without
//! overrides: the overrides describe one release, the diff is about what HighLevel published), and
//! the two [`Api`] models are compared crate by crate. Every change is classed by what it does to
//! the generated Rust API: [`Class::Breaking`] when code written against the old crate may stop
//! compiling or lose data (a removed operation, field or variant, a re-typed field or parameter, a
//! new required field in a request), [`Class::Additive`] otherwise (new operations, types, optional
//! fields and variants, and wire-level changes such as a new path or `Version` header that the
//! generated methods absorb).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, anyhow};
use serde::Serialize;

use crate::ir::{Api, Body, Field, Operation, Param, ParamLocation, Response, Short, Ty, TypeKind};
use crate::regen;
use crate::specs::{self, SpecSet};

/// The crate the common schemas become.
const COMMON_CRATE: &str = "ghl-common";

#[derive(clap::Args, Debug)]
pub struct DiffArgs {
    /// The older release (a directory holding `apps/*.json` and `common/common-schemas.json`).
    /// Given alone, it is the newer release and the older one is the locked specs.
    #[arg(value_name = "OLD")]
    pub first: PathBuf,
    /// The newer release.
    #[arg(value_name = "NEW")]
    pub second: Option<PathBuf>,
    /// Print the report as JSON instead of Markdown.
    #[arg(long)]
    pub json: bool,
}

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

/// The model of every crate of a release, as published (no overrides).
pub fn build(set: &SpecSet) -> anyhow::Result<Vec<Api>> {
    Ok(regen::build_apis(set, &[])
        .with_context(|| format!("building the API model of {}", set.origin))?
        .apis)
}

/// Builds both releases (in parallel) and compares them.
pub fn diff_sets(
    old_label: &str,
    old: &SpecSet,
    new_label: &str,
    new: &SpecSet,
) -> anyhow::Result<Report> {
    let (old_apis, new_apis) = std::thread::scope(|scope| {
        let old_side = scope.spawn(|| build(old));
        let new_apis = build(new);
        let old_apis = old_side
            .join()
            .map_err(|_| anyhow!("building {} panicked", old.origin))?;
        anyhow::Ok((old_apis?, new_apis?))
    })?;
    Ok(compare(old_label, &old_apis, new_label, &new_apis))
}

/// Compares two releases' crates.
pub fn compare(old_label: &str, old: &[Api], new_label: &str, new: &[Api]) -> Report {
    let old_by_name: BTreeMap<&str, &Api> = old
        .iter()
        .map(|api| (api.crate_name.as_str(), api))
        .collect();
    let new_by_name: BTreeMap<&str, &Api> = new
        .iter()
        .map(|api| (api.crate_name.as_str(), api))
        .collect();
    let inputs = input_types(new);
    let no_inputs = BTreeSet::new();
    let names: BTreeSet<&str> = old_by_name
        .keys()
        .chain(new_by_name.keys())
        .copied()
        .collect();
    let mut report = Report {
        old: old_label.to_owned(),
        new: new_label.to_owned(),
        resources_added: Vec::new(),
        resources_removed: Vec::new(),
        crates: Vec::new(),
        unchanged: Vec::new(),
    };
    for name in names {
        let diff = match (old_by_name.get(name), new_by_name.get(name)) {
            (None, Some(api)) => {
                report.resources_added.push(name.to_owned());
                CrateDiff {
                    crate_name: name.to_owned(),
                    spec_path: api.spec_path.clone(),
                    status: Status::Added,
                    class: Class::Additive,
                    changes: vec![crate_change(
                        Class::Additive,
                        Kind::Added,
                        name,
                        format!(
                            "new resource `{}`: {} operations, {} types",
                            api.spec_path,
                            api.operations.len(),
                            api.types.len()
                        ),
                    )],
                }
            }
            (Some(api), None) => {
                report.resources_removed.push(name.to_owned());
                CrateDiff {
                    crate_name: name.to_owned(),
                    spec_path: api.spec_path.clone(),
                    status: Status::Removed,
                    class: Class::Breaking,
                    changes: vec![crate_change(
                        Class::Breaking,
                        Kind::Removed,
                        name,
                        format!(
                            "resource `{}` is no longer published: the crate is removed ({} operations, {} types)",
                            api.spec_path,
                            api.operations.len(),
                            api.types.len()
                        ),
                    )],
                }
            }
            (Some(old_api), Some(new_api)) => {
                let inputs = inputs.get(name).unwrap_or(&no_inputs);
                let mut changes = Vec::new();
                diff_operations(old_api, new_api, &mut changes);
                diff_types(old_api, new_api, inputs, &mut changes);
                let Some(class) = changes.iter().map(|change| change.class).max() else {
                    report.unchanged.push(name.to_owned());
                    continue;
                };
                CrateDiff {
                    crate_name: name.to_owned(),
                    spec_path: new_api.spec_path.clone(),
                    status: Status::Changed,
                    class,
                    changes,
                }
            }
            (None, None) => continue,
        };
        report.crates.push(diff);
    }
    report
}

fn crate_change(class: Class, kind: Kind, name: &str, detail: String) -> Change {
    Change {
        class,
        scope: Scope::Crate,
        kind,
        item: name.to_owned(),
        endpoint: None,
        detail,
    }
}

fn endpoint(op: &Operation) -> String {
    format!("{} {}", op.method.as_str(), op.path)
}

fn diff_operations(old: &Api, new: &Api, out: &mut Vec<Change>) {
    let old_ops: BTreeMap<&str, &Operation> = old
        .operations
        .iter()
        .map(|op| (op.fn_name.as_str(), op))
        .collect();
    let new_ops: BTreeMap<&str, &Operation> = new
        .operations
        .iter()
        .map(|op| (op.fn_name.as_str(), op))
        .collect();
    let names: BTreeSet<&str> = old_ops.keys().chain(new_ops.keys()).copied().collect();
    for name in names {
        let mut push = |class, kind, op: &Operation, detail: String| {
            out.push(Change {
                class,
                scope: Scope::Operation,
                kind,
                item: name.to_owned(),
                endpoint: Some(endpoint(op)),
                detail,
            });
        };
        match (old_ops.get(name), new_ops.get(name)) {
            (None, Some(op)) => push(Class::Additive, Kind::Added, op, "new operation".into()),
            (Some(op), None) => push(
                Class::Breaking,
                Kind::Removed,
                op,
                "operation removed".into(),
            ),
            (Some(old_op), Some(new_op)) => {
                for (class, detail) in operation_changes(old_op, new_op) {
                    push(class, Kind::Changed, new_op, detail);
                }
            }
            (None, None) => {}
        }
    }
}

fn param_ty(param: &Param) -> String {
    param.render_ty(&Short)
}

fn location(param: &Param) -> &'static str {
    match param.location {
        ParamLocation::Path => "path",
        ParamLocation::Query => "query",
        ParamLocation::Header => "header",
    }
}

fn body_text(body: Option<&Body>) -> String {
    match body {
        None => "none".to_owned(),
        Some(Body::Json { ty, required }) => {
            format!("json {ty}{}", if *required { "" } else { " (optional)" })
        }
        Some(Body::Form { ty, required }) => {
            format!("form {ty}{}", if *required { "" } else { " (optional)" })
        }
        Some(Body::Multipart { ty }) => format!("multipart {ty}"),
        Some(Body::MultipartRaw) => "multipart (built by the caller)".to_owned(),
    }
}

fn response_text(response: &Response) -> String {
    match response {
        Response::Json(ty) => ty.to_string(),
        Response::Empty => "()".to_owned(),
    }
}

fn bounds(param: &Param) -> String {
    let show = |bound: Option<f64>| bound.map_or("-".to_owned(), |value| value.to_string());
    format!("{}..{}", show(param.minimum), show(param.maximum))
}

/// What changed between two versions of one operation (same function name).
fn operation_changes(old: &Operation, new: &Operation) -> Vec<(Class, String)> {
    let mut changes = Vec::new();
    if old.method != new.method || old.path != new.path {
        changes.push((
            Class::Additive,
            format!("now calls `{}` (was `{}`)", endpoint(new), endpoint(old)),
        ));
    }
    if old.version != new.version {
        changes.push((
            Class::Additive,
            format!("sends `Version: {}` (was `{}`)", new.version, old.version),
        ));
    }
    if old.deprecated != new.deprecated {
        changes.push((
            Class::Additive,
            if new.deprecated {
                "deprecated".to_owned()
            } else {
                "no longer deprecated".to_owned()
            },
        ));
    }
    let path_params = |op: &Operation| {
        op.path_params
            .iter()
            .map(|param| format!("{}: {}", param.name, param.ty))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (old_path, new_path) = (path_params(old), path_params(new));
    if old_path != new_path {
        changes.push((
            Class::Breaking,
            format!("path parameters `({new_path})` (were `({old_path})`)"),
        ));
    }
    match (&old.params_type, &new.params_type) {
        (None, Some(ty)) => changes.push((Class::Breaking, format!("now takes parameters `{ty}`"))),
        (Some(ty), None) => changes.push((
            Class::Breaking,
            format!("no longer takes parameters `{ty}`"),
        )),
        (Some(old_ty), Some(new_ty)) if old_ty != new_ty => changes.push((
            Class::Breaking,
            format!("parameters struct renamed `{old_ty}` -> `{new_ty}`"),
        )),
        _ => {}
    }
    let old_params: BTreeMap<&str, &Param> = old
        .params
        .iter()
        .map(|param| (param.name.as_str(), param))
        .collect();
    let new_params: BTreeMap<&str, &Param> = new
        .params
        .iter()
        .map(|param| (param.name.as_str(), param))
        .collect();
    let names: BTreeSet<&str> = old_params
        .keys()
        .chain(new_params.keys())
        .copied()
        .collect();
    for name in names {
        match (old_params.get(name), new_params.get(name)) {
            (None, Some(param)) => changes.push((
                if param.required {
                    Class::Breaking
                } else {
                    Class::Additive
                },
                format!(
                    "new {} {} parameter `{name}: {}`",
                    if param.required {
                        "required"
                    } else {
                        "optional"
                    },
                    location(param),
                    param_ty(param)
                ),
            )),
            (Some(param), None) => changes.push((
                Class::Breaking,
                format!("{} parameter `{name}` removed", location(param)),
            )),
            (Some(old_param), Some(new_param)) => {
                if param_ty(old_param) != param_ty(new_param) {
                    changes.push((
                        Class::Breaking,
                        format!(
                            "{} parameter `{name}`: `{}` (was `{}`)",
                            location(new_param),
                            param_ty(new_param),
                            param_ty(old_param)
                        ),
                    ));
                }
                if old_param.location != new_param.location || old_param.wire != new_param.wire {
                    changes.push((
                        Class::Additive,
                        format!(
                            "parameter `{name}` is sent as {} `{}` (was {} `{}`)",
                            location(new_param),
                            new_param.wire,
                            location(old_param),
                            old_param.wire
                        ),
                    ));
                }
                if bounds(old_param) != bounds(new_param) {
                    changes.push((
                        Class::Additive,
                        format!(
                            "parameter `{name}` is checked against `{}` (was `{}`)",
                            bounds(new_param),
                            bounds(old_param)
                        ),
                    ));
                }
            }
            (None, None) => {}
        }
    }
    let (old_body, new_body) = (body_text(old.body.as_ref()), body_text(new.body.as_ref()));
    if old_body != new_body {
        changes.push((
            Class::Breaking,
            format!("request body `{new_body}` (was `{old_body}`)"),
        ));
    }
    let (old_response, new_response) = (response_text(&old.response), response_text(&new.response));
    if old_response != new_response || old.unwrap != new.unwrap {
        changes.push((
            Class::Breaking,
            format!("returns `{new_response}` (was `{old_response}`)"),
        ));
    }
    if old.forced_headers != new.forced_headers {
        let names = |op: &Operation| {
            op.forced_headers
                .iter()
                .map(|(name, _)| name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        changes.push((
            Class::Additive,
            format!(
                "forced headers `[{}]` (were `[{}]`)",
                names(new),
                names(old)
            ),
        ));
    }
    changes
}

/// A field's Rust type as users see it.
fn field_ty(field: &Field) -> String {
    field.render_ty(&Short)
}

fn kind_name(kind: &TypeKind) -> &'static str {
    match kind {
        TypeKind::Struct { .. } => "struct",
        TypeKind::Enum { .. } => "enum",
        TypeKind::Untagged { .. } => "untagged enum",
        TypeKind::Alias(_) => "type alias",
    }
}

fn diff_types(old: &Api, new: &Api, inputs: &BTreeSet<String>, out: &mut Vec<Change>) {
    let old_types: BTreeMap<&str, &TypeKind> = old
        .types
        .iter()
        .map(|def| (def.name.as_str(), &def.kind))
        .collect();
    let new_types: BTreeMap<&str, &TypeKind> = new
        .types
        .iter()
        .map(|def| (def.name.as_str(), &def.kind))
        .collect();
    let names: BTreeSet<&str> = old_types.keys().chain(new_types.keys()).copied().collect();
    for name in names {
        let mut push = |class, kind, detail: String| {
            out.push(Change {
                class,
                scope: Scope::Type,
                kind,
                item: name.to_owned(),
                endpoint: None,
                detail,
            });
        };
        match (old_types.get(name), new_types.get(name)) {
            (None, Some(kind)) => push(
                Class::Additive,
                Kind::Added,
                format!("new {}", kind_name(kind)),
            ),
            (Some(kind), None) => push(
                Class::Breaking,
                Kind::Removed,
                format!("{} removed", kind_name(kind)),
            ),
            (Some(old_kind), Some(new_kind)) => {
                for (class, detail) in type_changes(old_kind, new_kind, inputs.contains(name)) {
                    push(class, Kind::Changed, detail);
                }
            }
            (None, None) => {}
        }
    }
}

/// What changed between two versions of one type (same name). `input`: users build values of
/// it for requests, so a new required field breaks their code.
fn type_changes(old: &TypeKind, new: &TypeKind, input: bool) -> Vec<(Class, String)> {
    let mut changes = Vec::new();
    match (old, new) {
        (
            TypeKind::Struct {
                fields: old_fields,
                additional: old_extra,
            },
            TypeKind::Struct {
                fields: new_fields,
                additional: new_extra,
            },
        ) => {
            let old_by: BTreeMap<&str, &Field> = old_fields
                .iter()
                .map(|field| (field.name.as_str(), field))
                .collect();
            let new_by: BTreeMap<&str, &Field> = new_fields
                .iter()
                .map(|field| (field.name.as_str(), field))
                .collect();
            // Fields in declaration order of the new type, then the removed ones.
            let mut names: Vec<&str> = new_fields.iter().map(|field| field.name.as_str()).collect();
            names.extend(
                old_fields
                    .iter()
                    .map(|field| field.name.as_str())
                    .filter(|name| !new_by.contains_key(name)),
            );
            for name in names {
                match (old_by.get(name), new_by.get(name)) {
                    (None, Some(field)) if !field.optional() && input => changes.push((
                        Class::Breaking,
                        format!(
                            "new required field `{name}: {}` (the type is sent in requests)",
                            field_ty(field)
                        ),
                    )),
                    (None, Some(field)) => changes.push((
                        Class::Additive,
                        format!("new field `{name}: {}`", field_ty(field)),
                    )),
                    (Some(_), None) => {
                        changes.push((Class::Breaking, format!("field `{name}` removed")));
                    }
                    (Some(old_field), Some(new_field)) => {
                        if field_ty(old_field) != field_ty(new_field) {
                            changes.push((
                                Class::Breaking,
                                format!(
                                    "field `{name}`: `{}` (was `{}`)",
                                    field_ty(new_field),
                                    field_ty(old_field)
                                ),
                            ));
                        }
                        if old_field.wire != new_field.wire {
                            changes.push((
                                Class::Additive,
                                format!(
                                    "field `{name}` is `\"{}\"` on the wire (was `\"{}\"`)",
                                    new_field.wire, old_field.wire
                                ),
                            ));
                        }
                    }
                    (None, None) => {}
                }
            }
            match (old_extra, new_extra) {
                (None, Some(ty)) => changes.push((
                    Class::Additive,
                    format!("now keeps other keys as `Map<String, {ty}>`"),
                )),
                (Some(_), None) => {
                    changes.push((Class::Breaking, "no longer keeps other keys".to_owned()))
                }
                (Some(old_ty), Some(new_ty)) if old_ty != new_ty => changes.push((
                    Class::Breaking,
                    format!(
                        "other keys are `Map<String, {new_ty}>` (were `Map<String, {old_ty}>`)"
                    ),
                )),
                _ => {}
            }
        }
        (TypeKind::Enum { variants: old_vs }, TypeKind::Enum { variants: new_vs }) => {
            let old_by: BTreeMap<&str, &str> = old_vs
                .iter()
                .map(|variant| (variant.wire.as_str(), variant.name.as_str()))
                .collect();
            let new_by: BTreeMap<&str, &str> = new_vs
                .iter()
                .map(|variant| (variant.wire.as_str(), variant.name.as_str()))
                .collect();
            for variant in new_vs {
                match old_by.get(variant.wire.as_str()) {
                    None => changes.push((
                        Class::Additive,
                        format!("new variant `{}` (`\"{}\"`)", variant.name, variant.wire),
                    )),
                    Some(old_name) if *old_name != variant.name => changes.push((
                        Class::Breaking,
                        format!(
                            "variant `{old_name}` renamed `{}` (`\"{}\"`)",
                            variant.name, variant.wire
                        ),
                    )),
                    Some(_) => {}
                }
            }
            for variant in old_vs {
                if !new_by.contains_key(variant.wire.as_str()) {
                    changes.push((
                        Class::Breaking,
                        format!(
                            "variant `{}` (`\"{}\"`) removed",
                            variant.name, variant.wire
                        ),
                    ));
                }
            }
        }
        (TypeKind::Untagged { variants: old_vs }, TypeKind::Untagged { variants: new_vs }) => {
            let old_by: BTreeMap<&str, &Ty> = old_vs
                .iter()
                .map(|(name, ty)| (name.as_str(), ty))
                .collect();
            let new_by: BTreeMap<&str, &Ty> = new_vs
                .iter()
                .map(|(name, ty)| (name.as_str(), ty))
                .collect();
            for (name, ty) in new_vs {
                match old_by.get(name.as_str()) {
                    None => changes.push((Class::Additive, format!("new variant `{name}({ty})`"))),
                    Some(old_ty) if *old_ty != ty => changes.push((
                        Class::Breaking,
                        format!("variant `{name}({ty})` (was `{name}({old_ty})`)"),
                    )),
                    Some(_) => {}
                }
            }
            for (name, ty) in old_vs {
                if !new_by.contains_key(name.as_str()) {
                    changes.push((Class::Breaking, format!("variant `{name}({ty})` removed")));
                }
            }
        }
        (TypeKind::Alias(old_ty), TypeKind::Alias(new_ty)) => {
            if old_ty != new_ty {
                changes.push((Class::Breaking, format!("`= {new_ty}` (was `= {old_ty}`)")));
            }
        }
        (old, new) => changes.push((
            Class::Breaking,
            format!("now a {} (was a {})", kind_name(new), kind_name(old)),
        )),
    }
    changes
}

/// Per crate, the types users build for requests: everything reachable from a request body or a
/// parameter. The common crate's types count when any crate's requests reach them.
fn input_types(apis: &[Api]) -> BTreeMap<String, BTreeSet<String>> {
    let by_name: BTreeMap<&str, &Api> = apis
        .iter()
        .map(|api| (api.crate_name.as_str(), api))
        .collect();
    let mut reached: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut queue: Vec<(String, String)> = Vec::new();
    fn enqueue(ty: &Ty, crate_name: &str, queue: &mut Vec<(String, String)>) {
        match ty {
            Ty::Named(name) => queue.push((crate_name.to_owned(), name.clone())),
            Ty::Common(name) => queue.push((COMMON_CRATE.to_owned(), name.clone())),
            Ty::Array(inner) | Ty::Map(inner) => enqueue(inner, crate_name, queue),
            _ => {}
        }
    }
    for api in apis {
        for op in &api.operations {
            for param in op.path_params.iter().chain(&op.params) {
                enqueue(&param.ty, &api.crate_name, &mut queue);
            }
            match &op.body {
                Some(Body::Json { ty, .. } | Body::Form { ty, .. }) => {
                    enqueue(ty, &api.crate_name, &mut queue);
                }
                Some(Body::Multipart { ty }) => {
                    queue.push((api.crate_name.clone(), ty.clone()));
                }
                Some(Body::MultipartRaw) | None => {}
            }
        }
    }
    while let Some((crate_name, name)) = queue.pop() {
        if !reached
            .entry(crate_name.clone())
            .or_default()
            .insert(name.clone())
        {
            continue;
        }
        let Some(def) = by_name
            .get(crate_name.as_str())
            .and_then(|api| api.types.iter().find(|def| def.name == name))
        else {
            continue;
        };
        match &def.kind {
            TypeKind::Struct { fields, additional } => {
                for field in fields {
                    enqueue(&field.ty, &crate_name, &mut queue);
                }
                if let Some(ty) = additional {
                    enqueue(ty, &crate_name, &mut queue);
                }
            }
            TypeKind::Untagged { variants } => {
                for (_, ty) in variants {
                    enqueue(ty, &crate_name, &mut queue);
                }
            }
            TypeKind::Alias(ty) => enqueue(ty, &crate_name, &mut queue),
            TypeKind::Enum { .. } => {}
        }
    }
    reached
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

/// One Markdown bullet: `` `item` (`GET /path`): detail ``.
fn bullet(change: &Change) -> String {
    let item = match change.scope {
        Scope::Crate => format!("crate `{}`", change.item),
        Scope::Operation => match &change.endpoint {
            Some(endpoint) => format!("`{}()` (`{endpoint}`)", change.item),
            None => format!("`{}()`", change.item),
        },
        Scope::Type => format!("`{}`", change.item),
    };
    format!("- {item}: {}\n", change.detail)
}

/// A crate's changes as Markdown sections, headed at `level` (`###`): breaking first.
pub fn crate_markdown(diff: &CrateDiff, level: &str) -> String {
    let mut out = String::new();
    for (class, title) in [(Class::Breaking, "Breaking"), (Class::Additive, "Additive")] {
        let lines: Vec<String> = diff
            .changes
            .iter()
            .filter(|change| change.class == class)
            .map(bullet)
            .collect();
        if lines.is_empty() {
            continue;
        }
        let _ = write!(out, "{level} {title} ({})\n\n", lines.len());
        for line in lines {
            out.push_str(&line);
        }
        out.push('\n');
    }
    out
}

fn counts(diff: &CrateDiff, scope: Scope) -> String {
    let count = |kind| {
        diff.changes
            .iter()
            .filter(|change| change.scope == scope && change.kind == kind)
            .map(|change| (change.item.as_str(), change.kind as u8))
            .collect::<BTreeSet<_>>()
            .len()
    };
    format!(
        "+{} -{} ~{}",
        count(Kind::Added),
        count(Kind::Removed),
        count(Kind::Changed)
    )
}

/// The report as Markdown: a summary table, then each changed crate's changes.
pub fn markdown(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# API changes: {} -> {}\n", report.old, report.new);
    let breaking = report
        .crates
        .iter()
        .filter(|diff| diff.class == Class::Breaking && diff.status == Status::Changed)
        .count();
    let additive = report
        .crates
        .iter()
        .filter(|diff| diff.class == Class::Additive && diff.status == Status::Changed)
        .count();
    let _ = writeln!(
        out,
        "{} resources added, {} removed; {} crates with breaking changes, {} with additive changes only, {} unchanged.\n",
        report.resources_added.len(),
        report.resources_removed.len(),
        breaking,
        additive,
        report.unchanged.len()
    );
    let _ = writeln!(
        out,
        "Breaking: code written against the old crate may stop compiling or lose data (0.x: minor bump). \
         Additive: new items, or wire changes the generated methods absorb (0.x: patch bump).\n"
    );
    if !report.crates.is_empty() {
        out.push_str(
            "| crate | status | class | operations (+ - ~) | types (+ - ~) |\n| --- | --- | --- | --- | --- |\n",
        );
        for diff in &report.crates {
            let status = match diff.status {
                Status::Added => "added",
                Status::Removed => "removed",
                Status::Changed => "changed",
            };
            let _ = writeln!(
                out,
                "| `{}` | {status} | {} | {} | {} |",
                diff.crate_name,
                diff.class.as_str(),
                counts(diff, Scope::Operation),
                counts(diff, Scope::Type)
            );
        }
        out.push('\n');
    }
    for diff in &report.crates {
        let _ = writeln!(
            out,
            "## `{}` ({}): {}\n",
            diff.crate_name,
            diff.spec_path,
            diff.class.as_str()
        );
        out.push_str(&crate_markdown(diff, "###"));
    }
    out
}

/// How a side of the diff is named in the report: the directory as given, or the lock's commit.
fn label_dir(dir: &Path) -> String {
    dir.display().to_string()
}

/// The locked specs, labelled by commit.
fn locked(root: &Path) -> anyhow::Result<(String, SpecSet)> {
    let set = specs::load_locked(root, None)?;
    let commit = set.commit.clone().unwrap_or_default();
    Ok((
        format!("the lock (commit {})", &commit[..commit.len().min(7)]),
        set,
    ))
}

/// `cargo xtask diff OLD NEW` / `cargo xtask diff NEW` (against the lock).
pub fn run(args: &DiffArgs) -> anyhow::Result<ExitCode> {
    let root = regen::workspace_root();
    let ((old_label, old), (new_label, new)) = match &args.second {
        Some(new) => (
            (label_dir(&args.first), specs::load_unlocked(&args.first)?),
            (label_dir(new), specs::load_unlocked(new)?),
        ),
        None => (
            locked(&root)?,
            (label_dir(&args.first), specs::load_unlocked(&args.first)?),
        ),
    };
    let report = diff_sets(&old_label, &old, &new_label, &new)?;
    let text = if args.json {
        format!("{}\n", report.to_json()?)
    } else {
        markdown(&report)
    };
    // `cargo xtask diff ... | head` closes the pipe early: that is not an error.
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(error).context("writing the report to stdout")
        }
        _ => Ok(ExitCode::SUCCESS),
    }
}

/// `cargo xtask bench --diff OLD`: the whole diff of two releases (read, build both models,
/// compare, render), timed.
pub fn bench(old_dir: &Path, new_dir: Option<&Path>, runs: usize) -> anyhow::Result<ExitCode> {
    let root = regen::workspace_root();
    let new_dir = match new_dir {
        Some(dir) => dir.to_path_buf(),
        None => std::env::var_os(specs::SPECS_DIR_ENV)
            .filter(|dir| !dir.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("../shared/specs/highlevel-api-docs")),
    };
    let once = || -> anyhow::Result<(Report, usize)> {
        let old = specs::load_unlocked(old_dir)?;
        let new = specs::load_unlocked(&new_dir)?;
        let report = diff_sets(&label_dir(old_dir), &old, &label_dir(&new_dir), &new)?;
        let text = markdown(&report);
        Ok((report, text.len()))
    };
    let (report, _) = once()?;
    let figures = crate::bench::measure(runs, once)?;
    let changes: usize = report.crates.iter().map(|diff| diff.changes.len()).sum();
    println!(
        "bench: diff {} -> {} ({} crates changed, {changes} changes), {figures}",
        old_dir.display(),
        new_dir.display(),
        report.crates.len(),
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::specs::SpecFile;

    /// One resource crate, `ghl-things`, from an inline spec run through the real pipeline.
    fn things(schemas: serde_json::Value, paths: serde_json::Value) -> Api {
        let spec = serde_json::json!({
            "openapi": "3.0.0",
            "info": { "title": "Things", "version": "1.0" },
            "paths": paths,
            "components": { "schemas": schemas },
        });
        let file = SpecFile {
            path: "apps/things.json".into(),
            bytes: serde_json::to_vec(&spec).unwrap(),
        };
        let loaded = crate::load::load(&file, None).unwrap();
        let mut api = crate::ir::build(&loaded, None).unwrap();
        api.crate_name = "ghl-things".into();
        api
    }

    fn create_thing(request: &str, response: &str) -> serde_json::Value {
        serde_json::json!({
            "/things": { "post": {
                "operationId": "create-thing",
                "requestBody": { "required": true, "content": { "application/json": {
                    "schema": { "$ref": format!("#/components/schemas/{request}") } } } },
                "responses": { "201": { "description": "ok", "content": { "application/json": {
                    "schema": { "$ref": format!("#/components/schemas/{response}") } } } } }
            } }
        })
    }

    fn details(report: &Report) -> Vec<String> {
        report
            .crates
            .iter()
            .flat_map(|diff| &diff.changes)
            .map(|change| {
                format!(
                    "{} {}: {}",
                    change.class.as_str(),
                    change.item,
                    change.detail
                )
            })
            .collect()
    }

    #[test]
    fn required_fields_break_requests_but_not_responses() {
        let old = things(
            serde_json::json!({
                "ThingIn": { "type": "object", "properties": { "name": { "type": "string" } } },
                "ThingOut": { "type": "object", "properties": { "id": { "type": "string" } } },
            }),
            create_thing("ThingIn", "ThingOut"),
        );
        let new = things(
            serde_json::json!({
                "ThingIn": { "type": "object", "required": ["kind"], "properties": {
                    "name": { "type": "string" }, "kind": { "type": "string" },
                    "note": { "type": "string" } } },
                "ThingOut": { "type": "object", "required": ["kind"], "properties": {
                    "id": { "type": "string" }, "kind": { "type": "string" } } },
            }),
            create_thing("ThingIn", "ThingOut"),
        );
        let report = compare("old", &[old], "new", &[new]);
        assert_eq!(
            details(&report),
            vec![
                "breaking ThingIn: new required field `kind: String` (the type is sent in requests)",
                "additive ThingIn: new field `note: Option<String>`",
                "additive ThingOut: new field `kind: String`",
            ]
        );
        assert_eq!(report.crates[0].class, Class::Breaking);
    }

    #[test]
    fn removed_and_retyped_fields_and_variants_break_new_variants_do_not() {
        let old = things(
            serde_json::json!({
                "ThingIn": { "type": "object", "properties": {
                    "name": { "type": "string" }, "size": { "type": "string" },
                    "gone": { "type": "string" } } },
                "ThingOut": { "type": "object", "properties": { "status": { "$ref": "#/components/schemas/Status" } } },
                "Status": { "type": "string", "enum": ["open", "closed"] },
            }),
            create_thing("ThingIn", "ThingOut"),
        );
        let new = things(
            serde_json::json!({
                "ThingIn": { "type": "object", "properties": {
                    "name": { "type": "string" }, "size": { "type": "integer" } } },
                "ThingOut": { "type": "object", "properties": { "status": { "$ref": "#/components/schemas/Status" } } },
                "Status": { "type": "string", "enum": ["open", "archived"] },
            }),
            create_thing("ThingIn", "ThingOut"),
        );
        let report = compare("old", &[old], "new", &[new]);
        assert_eq!(
            details(&report),
            vec![
                "additive Status: new variant `Archived` (`\"archived\"`)",
                "breaking Status: variant `Closed` (`\"closed\"`) removed",
                "breaking ThingIn: field `size`: `Option<i64>` (was `Option<String>`)",
                "breaking ThingIn: field `gone` removed",
            ]
        );
    }

    #[test]
    fn operations_added_removed_and_changed() {
        let schemas = serde_json::json!({
            "ThingIn": { "type": "object", "properties": { "name": { "type": "string" } } },
            "ThingOut": { "type": "object", "properties": { "id": { "type": "string" } } },
        });
        let old = things(schemas.clone(), create_thing("ThingIn", "ThingOut"));
        let mut paths = create_thing("ThingIn", "ThingIn");
        paths["/things"]["post"]["parameters"] = serde_json::json!([
            { "name": "Version", "in": "header", "required": true,
              "schema": { "type": "string", "enum": ["2021-04-15"] } },
            { "name": "dryRun", "in": "query", "schema": { "type": "boolean" } },
        ]);
        paths["/things/{id}"] = serde_json::json!({ "get": {
            "operationId": "get-thing",
            "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }],
            "responses": { "200": { "description": "ok" } }
        } });
        let new = things(schemas, paths);
        let report = compare("old", &[old], "new", &[new]);
        let mut found = details(&report);
        found.sort();
        assert_eq!(
            found,
            vec![
                "additive create_thing: new optional query parameter `dry_run: Option<bool>`",
                "additive create_thing: sends `Version: 2021-04-15` (was `2021-07-28`)",
                "additive get_thing: new operation",
                "breaking create_thing: now takes parameters `CreateThingParams`",
                "breaking create_thing: returns `ThingIn` (was `ThingOut`)",
            ]
        );
        // No change at all: the crate is listed as unchanged.
        let same = compare("a", &report_apis().0, "b", &report_apis().1);
        assert!(same.crates.is_empty());
        assert_eq!(same.unchanged, vec!["ghl-things"]);
    }

    fn report_apis() -> (Vec<Api>, Vec<Api>) {
        let schemas = serde_json::json!({
            "ThingIn": { "type": "object", "properties": { "name": { "type": "string" } } },
        });
        (
            vec![things(schemas.clone(), create_thing("ThingIn", "ThingIn"))],
            vec![things(schemas, create_thing("ThingIn", "ThingIn"))],
        )
    }

    #[test]
    fn crates_added_and_removed() {
        let schemas = serde_json::json!({
            "ThingIn": { "type": "object", "properties": { "name": { "type": "string" } } },
        });
        let mut gone = things(schemas.clone(), create_thing("ThingIn", "ThingIn"));
        gone.crate_name = "ghl-gone".into();
        let mut fresh = things(schemas, create_thing("ThingIn", "ThingIn"));
        fresh.crate_name = "ghl-fresh".into();
        let report = compare("old", &[gone], "new", &[fresh]);
        assert_eq!(report.resources_added, vec!["ghl-fresh"]);
        assert_eq!(report.resources_removed, vec!["ghl-gone"]);
        assert_eq!(
            report.crate_diff("ghl-gone").unwrap().class,
            Class::Breaking
        );
        assert_eq!(
            report.crate_diff("ghl-fresh").unwrap().class,
            Class::Additive
        );
        let json: serde_json::Value = serde_json::from_str(&report.to_json().unwrap()).unwrap();
        assert_eq!(json["crates"][0]["status"], "added");
        assert_eq!(json["crates"][1]["changes"][0]["class"], "breaking");
    }

    #[test]
    fn bumps_follow_semver_for_0x_and_1x() {
        assert_eq!(bump("0.1.0", Class::Breaking).unwrap(), "0.2.0");
        assert_eq!(bump("0.1.3", Class::Additive).unwrap(), "0.1.4");
        assert_eq!(bump("1.2.3", Class::Breaking).unwrap(), "2.0.0");
        assert_eq!(bump("1.2.3", Class::Additive).unwrap(), "1.3.0");
        assert!(bump("0.1", Class::Additive).is_err());
    }
}
