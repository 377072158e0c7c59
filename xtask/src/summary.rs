//! A readable digest of a generated crate's public API: its operations and its types with their
//! fields. Snapshot tests keep one per resource, so that a spec change shows up as a reviewable
//! diff of what users see, not of thousands of generated lines.

use std::fmt::Write as _;

use crate::ir::{Api, Body, Field, Operation, ParamLocation, Response, Short, TypeKind};

/// Counts by kind as one line: `trailing comma (1), Date type (2)`, or `none`.
pub fn counts(by_kind: &std::collections::BTreeMap<&str, usize>) -> String {
    if by_kind.is_empty() {
        return "none".to_owned();
    }
    let parts: Vec<String> = by_kind
        .iter()
        .map(|(kind, count)| format!("{kind} ({count})"))
        .collect();
    parts.join(", ")
}

fn field_line(field: &Field) -> String {
    let ty = field.render_ty(&Short);
    let wire = if field.wire == field.name {
        String::new()
    } else {
        format!("  (\"{}\")", field.wire)
    };
    format!("  {}: {ty}{wire}", field.name)
}

fn operation(out: &mut String, op: &Operation) {
    let _ = writeln!(
        out,
        "{} {}  ->  {}  [Version {}]",
        op.method.as_str(),
        op.path,
        op.fn_name,
        op.version
    );
    for param in &op.path_params {
        let _ = writeln!(
            out,
            "  path {}: {}  (\"{}\")",
            param.name, param.ty, param.wire
        );
    }
    for param in &op.params {
        let place = if param.location == ParamLocation::Header {
            "header"
        } else {
            "query"
        };
        let ty = param.render_ty(&Short);
        let _ = writeln!(out, "  {place} {}: {ty}  (\"{}\")", param.name, param.wire);
    }
    match &op.body {
        Some(Body::Json { ty, required }) => {
            let _ = writeln!(
                out,
                "  body json: {ty}{}",
                if *required { "" } else { " (optional)" }
            );
        }
        Some(Body::Form { ty, required }) => {
            let _ = writeln!(
                out,
                "  body form: {ty}{}",
                if *required { "" } else { " (optional)" }
            );
        }
        Some(Body::Multipart { ty }) => {
            let _ = writeln!(out, "  body multipart: {ty}");
        }
        Some(Body::MultipartRaw) => {
            let _ = writeln!(out, "  body multipart: (built by the caller)");
        }
        Some(Body::Bytes {
            content_type,
            required,
        }) => {
            let _ = writeln!(
                out,
                "  body bytes: {content_type}{}",
                if *required { "" } else { " (optional)" }
            );
        }
        None => {}
    }
    match &op.response {
        Response::Json(ty) => {
            let _ = writeln!(out, "  returns {ty}");
        }
        Response::Empty => {
            let _ = writeln!(out, "  returns ()");
        }
    }
}

pub fn api_summary(api: &Api) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {} ({})\n", api.crate_name, api.spec_path);
    if !api.operations.is_empty() {
        let _ = writeln!(out, "## Operations ({})\n", api.operations.len());
        for op in &api.operations {
            operation(&mut out, op);
        }
        out.push('\n');
    }
    let _ = writeln!(out, "## Types ({})\n", api.types.len());
    for def in &api.types {
        match &def.kind {
            TypeKind::Struct { fields, additional } => {
                let _ = writeln!(out, "struct {}", def.name);
                for field in fields {
                    let _ = writeln!(out, "{}", field_line(field));
                }
                if let Some(extra) = additional {
                    let _ = writeln!(out, "  ..: Map<String, {extra}>");
                }
            }
            TypeKind::Enum { variants } => {
                let wires: Vec<&str> = variants
                    .iter()
                    .map(|variant| variant.wire.as_str())
                    .collect();
                let _ = writeln!(out, "enum {} = {} | ..", def.name, wires.join(" | "));
            }
            TypeKind::Untagged { variants } => {
                let rendered: Vec<String> = variants
                    .iter()
                    .map(|(name, ty)| format!("{name}({ty})"))
                    .collect();
                let _ = writeln!(out, "untagged {} = {}", def.name, rendered.join(" | "));
            }
            TypeKind::Alias(ty) => {
                let _ = writeln!(out, "type {} = {ty}", def.name);
            }
        }
    }
    out
}
