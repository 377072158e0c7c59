//! Two releases' crates compared: crates added and removed, then per crate its operations
//! (here) and its types ([`super::types`]).

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, anyhow};

use super::types::diff_types;
use super::{Change, Class, CrateDiff, Kind, Report, Scope, Status};
use crate::ir::input_types;
use crate::ir::{Api, Body, Operation, Param, ParamLocation, Response, Short, TypeNames};
use crate::specs::SpecSet;
use crate::{events, pipeline};

/// The model of every crate of a release, as published (no overrides), inline types named as
/// `names` says (both releases with the same names, so an untouched type keeps its name).
/// The webhook events come along as one more model, [`events::EVENTS_CRATE`]'s, with no
/// operations: their payload types compare like any types, and [`diff_events`] adds the events.
pub fn build(set: &SpecSet, names: &TypeNames) -> anyhow::Result<Vec<Api>> {
    let built = pipeline::build_apis(set, &[], names)
        .with_context(|| format!("building the API model of {}", set.origin))?;
    let mut apis = built.apis;
    apis.extend(built.events.map(|model| model.api));
    Ok(apis)
}

/// Builds both releases (in parallel) and compares them.
pub fn diff_sets(
    old_label: &str,
    old: &SpecSet,
    new_label: &str,
    new: &SpecSet,
    names: &TypeNames,
) -> anyhow::Result<Report> {
    let (old_apis, new_apis) = std::thread::scope(|scope| {
        // As deep a stack as the generator's own threads: specs are walked recursively.
        let old_side = std::thread::Builder::new()
            .stack_size(pipeline::STACK_SIZE)
            .spawn_scoped(scope, || build(old, names))
            .context("starting a thread to build the old release")?;
        let new_apis = build(new, names);
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
    let inputs = input_types(new, super::COMMON_CRATE);
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
                diff_events(old_api, new_api, &mut changes);
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

/// The webhook events of a model: the types made from a page's schema itself (their origin is
/// the page, with no pointer into it), by name, with their page.
fn event_types(api: &Api) -> BTreeMap<&str, &str> {
    api.types
        .iter()
        .filter(|def| events::is_page(&def.origin))
        .map(|def| (def.name.as_str(), def.origin.as_str()))
        .collect()
}

/// A new event page is a new `WebhookEvent` variant (additive: the enum is non-exhaustive); a
/// page no longer published removes one (breaking).
fn diff_events(old: &Api, new: &Api, out: &mut Vec<Change>) {
    let (old_events, new_events) = (event_types(old), event_types(new));
    let names: BTreeSet<&str> = old_events
        .keys()
        .chain(new_events.keys())
        .copied()
        .collect();
    for name in names {
        let (class, kind, detail) = match (old_events.get(name), new_events.get(name)) {
            (None, Some(page)) => (
                Class::Additive,
                Kind::Added,
                format!("new webhook event, from `{page}`"),
            ),
            (Some(page), None) => (
                Class::Breaking,
                Kind::Removed,
                format!("webhook event removed: `{page}` is no longer published"),
            ),
            _ => continue,
        };
        out.push(Change {
            class,
            scope: Scope::Type,
            kind,
            item: format!("WebhookEvent::{name}"),
            endpoint: None,
            detail,
        });
    }
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
        Some(Body::Bytes {
            content_type,
            required,
        }) => format!(
            "bytes {content_type}{}",
            if *required { "" } else { " (optional)" }
        ),
    }
}

fn response_text(response: &Response) -> String {
    match response {
        Response::Json(ty) => ty.to_string(),
        Response::Empty => "()".to_owned(),
    }
}

/// `skip, limit, items /posts, total /count`: how an operation pages, in a few words.
fn paging_text(paging: &crate::ir::Paging) -> String {
    use crate::ir::{PageStyle, Slot};
    let slot = |slot: &Slot| match slot {
        Slot::Query(name) => format!("`{name}`"),
        Slot::Body(name) => format!("body `{name}`"),
    };
    let mut parts = vec![match &paging.style {
        PageStyle::Offset { offset } => format!("offset {}", slot(offset)),
        PageStyle::Page { page, .. } => format!("page {}", slot(page)),
        PageStyle::Cursor { next, .. } => {
            let inputs: Vec<String> = next.iter().map(|(to, _)| slot(to)).collect();
            format!("cursor {}", inputs.join(" + "))
        }
    }];
    parts.extend(
        paging
            .limit
            .as_ref()
            .map(|limit| format!("limit {}", slot(limit))),
    );
    parts.push(format!("items `{}`", paging.items));
    parts.extend(
        paging
            .total
            .as_ref()
            .map(|total| format!("total `{total}`")),
    );
    parts.join(", ")
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
    // `paginate()` comes and goes with paging; its stream's item type is the caller's too.
    match (&old.paging, &new.paging) {
        (None, Some(paging)) => changes.push((
            Class::Additive,
            format!("now pages: `paginate()` over `{}`", paging.item),
        )),
        (Some(_), None) => changes.push((
            Class::Breaking,
            "no longer pages: `paginate()` removed".to_owned(),
        )),
        (Some(old_paging), Some(new_paging)) if old_paging.item != new_paging.item => {
            changes.push((
                Class::Breaking,
                format!(
                    "pages over `{}` (was `{}`)",
                    new_paging.item, old_paging.item
                ),
            ))
        }
        (Some(old_paging), Some(new_paging)) if old_paging != new_paging => changes.push((
            Class::Additive,
            format!(
                "pages by {} (was {})",
                paging_text(new_paging),
                paging_text(old_paging)
            ),
        )),
        _ => {}
    }
    if old.builder != new.builder {
        changes.push((
            Class::Breaking,
            format!("builder renamed `{}` -> `{}`", old.builder, new.builder),
        ));
    }
    // Query and header parameters are the builder's named setters, required or not (the
    // required ones are typestate: `send` exists once they are set), so their order is no
    // part of the API; a required one becoming optional breaks no call, the reverse does.
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
                match (old_param.required, new_param.required) {
                    (true, false) => changes.push((
                        Class::Additive,
                        format!(
                            "{} parameter `{name}` is optional (was required)",
                            location(new_param)
                        ),
                    )),
                    (false, true) => changes.push((
                        Class::Breaking,
                        format!(
                            "{} parameter `{name}` is required (was optional): every call must set it",
                            location(new_param)
                        ),
                    )),
                    _ => {}
                }
                if old_param.ty != new_param.ty {
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
