//! Which operations page, and how: read from the spec where it says enough, from an override
//! (`x-ghl-paging`) where it does not.
//!
//! From the spec: an operation pages by offset when it takes `skip` or `offset`, by page number
//! when it takes `page` (in the query or as a top-level field of its JSON body), and its answer
//! holds exactly one list (or is one). The page size is `limit`, `pageLimit`, `pageSize` or
//! `perPage`; the total is a number named `total` or `totalCount` beside the list.
//!
//! Cursors (`startAfter` from `meta`, `searchAfter` from the last item, `lastMessageId` with
//! `nextPage`) and lists the answer does not single out always come from an override:
//!
//! ```yaml
//! paging:
//!   next: { startAfterId: /meta/startAfterId, searchAfter: { last_item: /searchAfter } }
//!   more: /messages/nextPage      # optional: a boolean saying whether more pages follow
//!   offset: skip                  # or `page: page` (`first: 0` when pages count from 0)
//!   limit: limit
//!   items: /messages/messages     # JSON pointer into the (unwrapped) answer
//!   total: /meta/total
//! ```
//!
//! Inputs are wire names, found among the operation's query parameters, then its JSON body's
//! fields. An override that says what the spec already says is stale, like any other.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::{
    Body, Operation, PageStyle, Paging, ParamLocation, Response, Slot, Source, Stats, Ty, TypeDef,
    TypeKind,
};
use crate::diagnostics::{HINT_OVERRIDE, SpecError, pointer_push};

const OFFSETS: &[&str] = &["skip", "offset"];
const PAGES: &[&str] = &["page"];
const LIMITS: &[&str] = &["limit", "pageLimit", "pageSize", "perPage"];
const TOTALS: &[&str] = &["total", "totalCount"];

/// Sets [`Operation::paging`] on every operation that pages.
pub(super) fn resolve(
    file: &str,
    types: &[TypeDef],
    operations: &mut [Operation],
    overrides: &BTreeMap<String, (Value, String)>,
    stats: &mut Stats,
) -> Result<(), SpecError> {
    for op in operations.iter_mut() {
        let inferred = infer(types, op);
        op.paging = match overrides.get(&op.fn_name) {
            Some((raw, pointer)) => {
                let error = |message: String| {
                    let origin = raw
                        .get("origin")
                        .and_then(Value::as_str)
                        .unwrap_or("overrides/");
                    SpecError::new(
                        file,
                        &pointer_push(pointer, crate::overrides::EXT_PAGING),
                        format!("{origin}: paging of `{}`: {message}", op.fn_name),
                        HINT_OVERRIDE,
                    )
                };
                let paging = from_override(types, op, raw).map_err(error)?;
                if inferred.as_ref().map(|found| Paging {
                    origin: paging.origin.clone(),
                    ..found.clone()
                }) == Some(paging.clone())
                {
                    return Err(error(
                        "the spec already says so; delete the entry".to_owned(),
                    ));
                }
                Some(paging)
            }
            None => inferred,
        };
        if op.paging.is_none() && has_paging_inputs(types, op) {
            stats.unpaged_lists += 1;
        }
    }
    Ok(())
}

/// The operation takes an offset or page input, yet is not paged: its answer holds no single
/// list, and no override says which.
fn has_paging_inputs(types: &[TypeDef], op: &Operation) -> bool {
    OFFSETS
        .iter()
        .chain(PAGES)
        .any(|name| slot(types, op, name).is_some())
}

/// How the spec says the operation pages, if it says enough.
fn infer(types: &[TypeDef], op: &Operation) -> Option<Paging> {
    let offset = OFFSETS.iter().find_map(|name| slot(types, op, name));
    let page = PAGES.iter().find_map(|name| slot(types, op, name));
    let style = match (offset, page) {
        (Some(offset), None) => PageStyle::Offset { offset },
        (None, Some(page)) => PageStyle::Page { page, first: 1 },
        _ => return None,
    };
    let Response::Json(answer) = &op.response else {
        return None;
    };
    let (items, item) = single_list(types, answer)?;
    let total = TOTALS.iter().find_map(|name| {
        let ty = field_ty(types, answer, name)?;
        matches!(ty, Ty::Integer | Ty::Number).then(|| format!("/{name}"))
    });
    Some(Paging {
        style,
        limit: LIMITS.iter().find_map(|name| slot(types, op, name)),
        items,
        total,
        item,
        origin: None,
    })
}

/// The one list in an answer: the answer itself, or its only list field.
fn single_list(types: &[TypeDef], answer: &Ty) -> Option<(String, Ty)> {
    if let Ty::Array(item) = answer {
        return Some((String::new(), (**item).clone()));
    }
    let fields = struct_fields(types, answer)?;
    let mut lists = fields.iter().filter_map(|field| match &field.ty {
        Ty::Array(item) => Some((format!("/{}", escape(&field.wire)), (**item).clone())),
        _ => None,
    });
    let list = lists.next()?;
    lists.next().is_none().then_some(list)
}

fn struct_fields<'a>(types: &'a [TypeDef], ty: &Ty) -> Option<&'a [super::Field]> {
    let Ty::Named(name) = ty else { return None };
    match &types.iter().find(|def| &def.name == name)?.kind {
        TypeKind::Struct { fields, .. } => Some(fields),
        TypeKind::Alias(inner) => struct_fields(types, inner),
        _ => None,
    }
}

fn field_ty<'a>(types: &'a [TypeDef], ty: &Ty, wire: &str) -> Option<&'a Ty> {
    struct_fields(types, ty)?
        .iter()
        .find(|field| field.wire == wire)
        .map(|field| &field.ty)
}

/// The type at a JSON pointer into a value of type `ty`.
fn ty_at(types: &[TypeDef], ty: &Ty, pointer: &str) -> Result<Ty, String> {
    let mut ty = ty.clone();
    if pointer.is_empty() {
        return Ok(ty);
    }
    let Some(rest) = pointer.strip_prefix('/') else {
        return Err(format!(
            "`{pointer}` is not a JSON pointer (it starts with `/`)"
        ));
    };
    for token in rest.split('/') {
        let token = token.replace("~1", "/").replace("~0", "~");
        ty = match &ty {
            Ty::Array(item) if token.bytes().all(|byte| byte.is_ascii_digit()) => (**item).clone(),
            Ty::Value => Ty::Value,
            other => field_ty(types, other, &token).cloned().ok_or_else(|| {
                format!("`{pointer}`: the answer type `{other}` has no field `{token}`")
            })?,
        };
    }
    Ok(ty)
}

/// Where the input with this wire name goes: a query parameter, else a field of the JSON body.
fn slot(types: &[TypeDef], op: &Operation, wire: &str) -> Option<Slot> {
    if op
        .params
        .iter()
        .any(|param| param.location == ParamLocation::Query && param.wire == wire)
    {
        return Some(Slot::Query(wire.to_owned()));
    }
    match &op.body {
        Some(Body::Json { ty, .. }) => struct_fields(types, ty)?
            .iter()
            .any(|field| field.wire == wire)
            .then(|| Slot::Body(wire.to_owned())),
        _ => None,
    }
}

fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// An override's `x-ghl-paging`, checked against the operation and its types.
fn from_override(types: &[TypeDef], op: &Operation, raw: &Value) -> Result<Paging, String> {
    let object = raw.as_object().ok_or("`paging` takes a map")?;
    for key in object.keys() {
        if ![
            "offset", "page", "first", "next", "more", "limit", "items", "total", "origin",
        ]
        .contains(&key.as_str())
        {
            return Err(format!(
                "unknown key `{key}` (offset, page, first, next, more, limit, items, total)"
            ));
        }
    }
    let text = |key: &str| -> Result<Option<&str>, String> {
        match object.get(key) {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(other) => Err(format!("`{key}` takes a string, not {other}")),
        }
    };
    let input = |wire: &str| {
        slot(types, op, wire).ok_or_else(|| {
            format!("the operation has no query parameter or JSON body field `{wire}`")
        })
    };
    let style = match (text("offset")?, text("page")?, object.get("next")) {
        (Some(offset), None, None) => PageStyle::Offset {
            offset: input(offset)?,
        },
        (None, Some(page), None) => PageStyle::Page {
            page: input(page)?,
            first: match object.get("first") {
                None => 1,
                Some(first) => first.as_u64().ok_or("`first` takes a whole number")?,
            },
        },
        (None, None, Some(next)) => PageStyle::Cursor {
            next: cursor(
                next.as_object()
                    .ok_or("`next` takes a map: input -> pointer")?,
                &input,
            )?,
            more: text("more")?.map(str::to_owned),
        },
        _ => return Err("give exactly one of `offset`, `page` and `next`".to_owned()),
    };
    let Response::Json(answer) = &op.response else {
        return Err("the operation's answer has no body to page through".to_owned());
    };
    let items = text("items")?.ok_or("`items` (a JSON pointer to the list) is required")?;
    let item = match ty_at(types, answer, items)? {
        Ty::Array(item) => *item,
        Ty::Value => Ty::Value,
        other => return Err(format!("`items: {items}` is a `{other}`, not a list")),
    };
    let total = text("total")?.map(str::to_owned);
    if let Some(total) = &total {
        match ty_at(types, answer, total)? {
            Ty::Integer | Ty::Number | Ty::String | Ty::Value => {}
            other => return Err(format!("`total: {total}` is a `{other}`, not a count")),
        }
    }
    if let PageStyle::Cursor { next, more } = &style {
        if let Some(more) = more {
            ty_at(types, answer, more)?;
        }
        for (_, source) in next {
            let (base, pointer) = match source {
                Source::Page(pointer) => (answer.clone(), pointer),
                Source::LastItem(pointer) => (item.clone(), pointer),
            };
            ty_at(types, &base, pointer)?;
        }
    }
    Ok(Paging {
        style,
        limit: text("limit")?.map(input).transpose()?,
        items: items.to_owned(),
        total,
        item,
        origin: object
            .get("origin")
            .and_then(Value::as_str)
            .map(str::to_owned),
    })
}

/// `next`: input -> `/pointer` into the page, or `{last_item: /pointer}`.
fn cursor(
    next: &Map<String, Value>,
    input: &impl Fn(&str) -> Result<Slot, String>,
) -> Result<Vec<(Slot, Source)>, String> {
    if next.is_empty() {
        return Err("`next` names no input".to_owned());
    }
    next.iter()
        .map(|(wire, from)| {
            let source = match from {
                Value::String(pointer) => Source::Page(pointer.clone()),
                Value::Object(object) => match object.get("last_item").and_then(Value::as_str) {
                    Some(pointer) if object.len() == 1 => Source::LastItem(pointer.to_owned()),
                    _ => {
                        return Err(format!(
                            "`next.{wire}` takes a pointer or `{{last_item: pointer}}`"
                        ));
                    }
                },
                other => return Err(format!("`next.{wire}` takes a pointer, not {other}")),
            };
            Ok((input(wire)?, source))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::ir::testing::{build, try_build};
    use crate::ir::{PageStyle, Paging, Slot, Source, Ty};

    fn schemas() -> Value {
        json!({
            "Thing": { "type": "object", "properties": { "id": { "type": "string" } } },
            "List": { "type": "object", "properties": {
                "things": { "type": "array", "items": { "$ref": "#/components/schemas/Thing" } },
                "total": { "type": "integer" },
                "next": { "type": "string" } } },
            "Two": { "type": "object", "properties": {
                "things": { "type": "array", "items": { "$ref": "#/components/schemas/Thing" } },
                "others": { "type": "array", "items": { "type": "string" } } } },
            "Search": { "type": "object", "required": ["page"], "properties": {
                "page": { "type": "integer" }, "pageLimit": { "type": "integer" } } },
        })
    }

    fn list(parameters: Value, answer: &str, extra: Value) -> Value {
        let mut operation = json!({
            "operationId": "list-things",
            "parameters": parameters,
            "responses": { "200": { "description": "ok", "content": { "application/json": {
                "schema": { "$ref": format!("#/components/schemas/{answer}") } } } } },
        });
        if let (Some(operation), Some(extra)) = (operation.as_object_mut(), extra.as_object()) {
            operation.extend(extra.clone());
        }
        json!({ "/things": { "get": operation } })
    }

    fn query(name: &str) -> Value {
        json!({ "name": name, "in": "query", "schema": { "type": "integer" } })
    }

    fn paging(paths: Value) -> Option<Paging> {
        build(schemas(), paths).operations[0].paging.clone()
    }

    #[test]
    fn skip_and_limit_over_the_one_list_page_by_offset_with_its_total() {
        let found = paging(list(
            json!([query("skip"), query("limit")]),
            "List",
            json!({}),
        ));
        assert_eq!(
            found,
            Some(Paging {
                style: PageStyle::Offset {
                    offset: Slot::Query("skip".into())
                },
                limit: Some(Slot::Query("limit".into())),
                items: "/things".into(),
                total: Some("/total".into()),
                item: Ty::Named("Thing".into()),
                origin: None,
            })
        );
    }

    #[test]
    fn a_page_number_in_the_body_pages_by_page() {
        let paths = json!({ "/things/search": { "post": {
            "operationId": "search-things",
            "requestBody": { "content": { "application/json": {
                "schema": { "$ref": "#/components/schemas/Search" } } } },
            "responses": { "200": { "description": "ok", "content": { "application/json": {
                "schema": { "$ref": "#/components/schemas/List" } } } } },
        } } });
        let found = paging(paths).expect("paged");
        assert_eq!(
            (found.style, found.limit),
            (
                PageStyle::Page {
                    page: Slot::Body("page".into()),
                    first: 1
                },
                Some(Slot::Body("pageLimit".into()))
            )
        );
    }

    #[test]
    fn two_lists_are_not_guessed_between_and_are_counted() {
        let api = build(schemas(), list(json!([query("offset")]), "Two", json!({})));
        assert_eq!(api.operations[0].paging, None);
        assert_eq!(api.stats.unpaged_lists, 1);
    }

    #[test]
    fn an_override_says_which_cursor_and_list() {
        let extra = json!({ "x-ghl-paging": {
            "next": { "cursor": "/next" }, "limit": "limit", "items": "/things",
            "origin": "overrides/things.yaml:3" } });
        let found = paging(list(
            json!([query("cursor"), query("limit")]),
            "List",
            extra,
        ));
        let found = found.expect("paged");
        assert_eq!(
            found.style,
            PageStyle::Cursor {
                next: vec![(Slot::Query("cursor".into()), Source::Page("/next".into()))],
                more: None
            }
        );
        assert_eq!(found.origin.as_deref(), Some("overrides/things.yaml:3"));
    }

    #[test]
    fn an_override_the_spec_already_makes_is_stale() {
        let extra = json!({ "x-ghl-paging": {
            "offset": "skip", "limit": "limit", "items": "/things", "total": "/total",
            "origin": "overrides/things.yaml:7" } });
        let error = try_build(
            schemas(),
            list(json!([query("skip"), query("limit")]), "List", extra),
        )
        .unwrap_err();
        assert!(error.contains("overrides/things.yaml:7"), "{error}");
        assert!(error.contains("the spec already says so"), "{error}");
    }

    #[test]
    fn an_override_naming_what_is_not_there_says_what_is_missing() {
        for (paging, expected) in [
            (
                json!({ "offset": "skip", "items": "/stuff" }),
                "has no field `stuff`",
            ),
            (
                json!({ "offset": "skip", "items": "/total" }),
                "is a `i64`, not a list",
            ),
            (
                json!({ "offset": "from", "items": "/things" }),
                "no query parameter or JSON body field `from`",
            ),
            (
                json!({ "offset": "skip", "page": "skip", "items": "/things" }),
                "exactly one of",
            ),
            (
                json!({ "next": { "skip": { "first_item": "/id" } }, "items": "/things" }),
                "takes a pointer or",
            ),
        ] {
            let extra = json!({ "x-ghl-paging": paging });
            let error =
                try_build(schemas(), list(json!([query("skip")]), "List", extra)).unwrap_err();
            assert!(error.contains(expected), "{expected}: {error}");
        }
    }
}
