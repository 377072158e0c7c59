//! `src/lib.rs` and `src/client.rs` of a generated crate: the crate root, the resource client
//! with one method per operation, and the builder each method returns (the request it sends
//! is [`super::request`]'s).

use std::collections::BTreeMap;

use super::docs::{english_list, spec_markdown};
use super::request::into_request_fn;
use super::text::{self, CodeText, Expr, Source};
use super::{Conversion, date_time_arg, mentions_local, setter_arg, state_param};
use crate::ir::{
    Access, Api, Body, ErrorResponse, Operation, PageStyle, Paging, Param, ParamLocation, Response,
    Slot, Source as PageSource, Ty,
};

pub fn lib_rs(api: &Api) -> Source {
    let description = api
        .description
        .as_deref()
        .map(|text| spec_markdown(text.trim()))
        .unwrap_or_default();
    let text = if api.operations.is_empty() {
        format!(
            "# {crate_name}\n\n{title}: schemas shared by the GoHighLevel API crates, generated from `{spec}`.\n\n{description}",
            crate_name = api.crate_name,
            title = api.title,
            spec = api.spec_path,
        )
    } else {
        format!(
            "# {crate_name}\n\nTyped client for the GoHighLevel **{title}** API (LeadConnector API {surface}), generated from `{spec}`.{sibling}\n\n{description}\n\n\
             Start from [`{client_name}`]: one method per operation, each taking the operation's required inputs and returning a builder; \
             set optional inputs on it, then `.send().await`. Every call sends the `Version` header its endpoint needs; callers never pass `Version` or `Authorization`. \
             The request and response types are in [`types`], the builders in [`builders`]; [`runtime`] is the runtime the calls run on (auth and OAuth, `App`, paging, errors, and with the crate's features, webhooks and Redis stores).\n\n\
             ```no_run\n{program}```",
            crate_name = api.crate_name,
            title = api.title,
            surface = api.surface(),
            sibling = sibling_sentence(api, |name| format!("[`{name}`](https://docs.rs/{name})")),
            spec = api.spec_path,
            client_name = api.client_name,
            program = super::first_call::program(api),
        )
    };
    let mut out = String::new();
    text::inner_doc(&mut out, 0, &text);
    out.push_str(
        "#![warn(missing_docs)]\n#![allow(\n    clippy::large_enum_variant,\n    clippy::enum_variant_names,\n    clippy::too_many_arguments,\n    clippy::type_complexity\n)]\npub mod types;\n",
    );
    if !api.operations.is_empty() {
        out.push_str(&format!(
            "pub mod builders;\nmod client;\npub use client::{};\npub use ghl_runtime::{{Client, Error, Result}};\n",
            api.client_name
        ));
        out.push_str(
            "/// The runtime these calls run on, so that one dependency reaches it all: auth and\n/// OAuth, [`App`](ghl_runtime::App), paging, errors, and with this crate's\n/// features, webhooks and Redis stores.\npub use ghl_runtime as runtime;\n",
        );
    }
    if let Some((origin, _)) = &api.extension {
        text::doc(
            &mut out,
            0,
            &format!("Hand-written helpers for what the spec cannot say (from `{origin}`)."),
        );
        out.push_str("pub mod ext;\n");
    }
    if api.uses_common {
        out.push_str(
            "/// The shared schemas (error bodies and the like) this API refers to.\npub use ghl_common as common;\n",
        );
    }
    let mut source = Source::default();
    source.text(out);
    source
}

/// " HighLevel publishes this resource on v2 and v3: ..." (with a leading space), naming the
/// crate of the other surface with `link`; empty when there is none.
pub(super) fn sibling_sentence(api: &Api, link: impl Fn(&str) -> String) -> String {
    let Some(sibling) = &api.sibling else {
        return String::new();
    };
    let other = if api.surface() == "v3" { "v2" } else { "v3" };
    format!(
        " HighLevel publishes this resource on two surfaces, which take different `Version` headers: \
         this crate is the {} one, {} the {other} one.",
        api.surface(),
        link(sibling)
    )
}

/// Whether the inputs of `op` (only the client method's arguments, path parameters and a
/// required body, with `arguments_only`), or with `answer` its answer, name a type of the
/// crate's `types` module.
fn mentions_types(op: &Operation, arguments_only: bool, answer: bool) -> bool {
    op.path_params
        .iter()
        .chain(op.params.iter().filter(|_| !arguments_only))
        .any(|param| mentions_local(&param.ty))
        || match &op.body {
            Some(Body::Json { ty, required } | Body::Form { ty, required }) => {
                (!arguments_only || *required) && mentions_local(ty)
            }
            Some(Body::Multipart { .. }) => true,
            _ => false,
        }
        || (answer && matches!(&op.response, Response::Json(ty) if mentions_local(ty)))
}

/// `scopes`: OAuth scope -> its variant of `ghl_runtime::Scope`, for links (may be empty).
pub fn client_rs(api: &Api, scopes: &BTreeMap<String, String>) -> Source {
    let client = &api.client_name;
    let mut head =
        "//! The resource client: one method per operation, each returning its builder.\n"
            .to_owned();
    if any_named(api) {
        head.push_str("use std::marker::PhantomData;\n");
    }
    head.push_str("use ghl_runtime::Client;\nuse crate::builders;\n");
    if api
        .operations
        .iter()
        .any(|op| mentions_types(op, true, false))
    {
        head.push_str("use crate::types;\n");
    }
    text::doc(
        &mut head,
        0,
        &format!(
            "Client for the {} API: one method per operation of `{}`.\n\nEach method takes the operation's required inputs and returns a builder (from [`builders`](crate::builders)): set optional inputs on it, then `.send().await`.\n\nCheap to clone; clones share the connection pool, auth and rate limits of the [`ghl_runtime::Client`] they wrap.",
            api.title, api.spec_path
        ),
    );
    head.push_str(&format!(
        "#[derive(Clone, Debug)]\npub struct {client} {{\n    client: Client,\n}}\n"
    ));
    let mut source = Source::default();
    source.text(head);
    source.open(&format!("impl {client}"), 0);
    source.text_at(
        "    /// Wraps a configured [`ghl_runtime::Client`].\n    pub fn new(client: Client) -> Self {\n        Self { client }\n    }\n    /// The underlying runtime client.\n    pub fn client(&self) -> &Client {\n        &self.client\n    }\n"
            .to_owned(),
        1,
    );
    let groups = Groups::of(api);
    for (index, op) in api.operations.iter().enumerate() {
        let module = groups.as_ref().and_then(|groups| groups.module_of(index));
        source.text_at(method(op, module, scopes), 1);
    }
    source.close();
    source
}

/// Whether some operation of `api` has a required input its builder takes by name.
fn any_named(api: &Api) -> bool {
    api.operations.iter().any(has_named)
}

fn has_named(op: &Operation) -> bool {
    op.params.iter().any(Param::by_name)
}

/// The modules of `builders` when the spec tags its operations two ways or more: one per tag,
/// in the spec's order of first use, named after it (`Calendar Events` -> `calendar_events`),
/// `other` for untagged operations. `None`: one flat module.
pub(super) struct Groups {
    /// Module name, the tag it stands for, the operations (by index).
    modules: Vec<(String, Option<String>, Vec<usize>)>,
}

impl Groups {
    pub(super) fn of(api: &Api) -> Option<Groups> {
        let mut modules: Vec<(String, Option<String>, Vec<usize>)> = Vec::new();
        for (index, op) in api.operations.iter().enumerate() {
            match modules.iter_mut().find(|(_, tag, _)| *tag == op.tag) {
                Some((_, _, ops)) => ops.push(index),
                None => modules.push((String::new(), op.tag.clone(), vec![index])),
            }
        }
        if modules.iter().filter(|(_, tag, _)| tag.is_some()).count() < 2 {
            return None;
        }
        let mut scope = crate::naming::Scope::new();
        // Builders are re-exported beside the modules: a module may not take a builder's name
        // (they are UpperCamelCase, modules snake_case: they cannot clash).
        for (name, tag, _) in &mut modules {
            let base = match tag {
                Some(tag) => module_name(tag),
                None => "other".to_owned(),
            };
            *name = scope.claim(&base);
        }
        Some(Groups { modules })
    }

    /// The module holding the builder of operation `index`.
    pub(super) fn module_of(&self, index: usize) -> Option<&str> {
        self.modules
            .iter()
            .find(|(_, _, ops)| ops.contains(&index))
            .map(|(name, _, _)| name.as_str())
    }
}

/// `Calendar Resources: Rooms & Equipments` -> `calendar_resources_rooms_equipments`; a name
/// Rust reserves gets `_operations` after it, one that starts with a digit `tag_` before it.
fn module_name(tag: &str) -> String {
    let words: String = tag
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect();
    let snake = heck::ToSnakeCase::to_snake_case(words.trim());
    if snake.is_empty() {
        "operations".to_owned()
    } else if snake.starts_with(|c: char| c.is_ascii_digit()) {
        format!("tag_{snake}")
    } else if crate::naming::is_keyword(&snake) {
        format!("{snake}_operations")
    } else {
        snake
    }
}

/// The builders of `ops`, with the imports they use, at `depth`.
fn builder_items(source: &mut Source, api: &Api, ops: &[&Operation], depth: usize) {
    let mut imports = String::new();
    let mut import = |line: &str| {
        text::indent(&mut imports, depth);
        imports.push_str(line);
        imports.push('\n');
    };
    if ops.iter().any(|op| has_named(op)) {
        import("use std::marker::PhantomData;");
        import("use ghl_runtime::typestate::{IsSet, Set, Unset};");
    }
    import("use ghl_runtime::{CallFuture, Client, Request, Result};");
    if ops.iter().any(|op| mentions_types(op, false, true)) {
        import("use crate::types;");
    }
    source.text_at(imports, depth);
    for op in ops {
        builder(source, api, op, depth);
    }
}

/// `src/builders.rs`: the builder each client method returns, in a module per spec tag where
/// the spec tags its operations two ways or more (each re-exported here too, so that a builder's
/// path does not move when the spec re-tags its operation).
pub fn builders_rs(api: &Api) -> Source {
    let client = &api.client_name;
    let mut source = Source::default();
    let mut head = String::new();
    let Some(groups) = Groups::of(api) else {
        text::inner_doc(
            &mut head,
            0,
            &format!(
                "The builder each [`{client}`](crate::{client}) method returns, one per operation: \
                 set its required inputs and any optional ones on it, then `.send().await` (or \
                 `.paginate()`, where the operation pages)."
            ),
        );
        source.text(head);
        let ops: Vec<&Operation> = api.operations.iter().collect();
        builder_items(&mut source, api, &ops, 0);
        return source;
    };
    text::inner_doc(
        &mut head,
        0,
        &format!(
            "The builder each [`{client}`](crate::{client}) method returns, one per operation, in \
             a module per tag of the spec: set its required inputs and any optional ones on it, \
             then `.send().await` (or `.paginate()`, where the operation pages). Every builder is \
             also here, at `builders::Name`: that path stays when the spec moves an operation to \
             another tag."
        ),
    );
    for (name, _, _) in &groups.modules {
        head.push_str(&format!("#[doc(no_inline)]\npub use {name}::*;\n"));
    }
    source.text(head);
    for (name, tag, indices) in &groups.modules {
        let ops: Vec<&Operation> = indices
            .iter()
            .map(|&index| &api.operations[index])
            .collect();
        source.open(&format!("pub mod {name}"), 0);
        let mut doc = String::new();
        text::inner_doc(
            &mut doc,
            1,
            &match tag {
                Some(tag) => format!("The builders of the operations the spec tags `{tag}`."),
                None => "The builders of the operations the spec does not tag.".to_owned(),
            },
        );
        source.text_at(doc, 1);
        builder_items(&mut source, api, &ops, 1);
        source.close();
    }
    source
}

/// One input of an operation's builder: a path, query or header parameter, or the body.
struct Input {
    name: String,
    /// The type it is kept as in the builder.
    stored: String,
    /// Required (a method argument, or a setter `send` waits for) or optional (a setter).
    required: bool,
    /// A required input the builder takes by name, not as a method argument: a required query
    /// or header parameter. The builder has a type parameter (`state`) per such input, which
    /// its setter turns from `Unset` to `Set` (see `ghl_runtime::typestate`).
    named: bool,
    /// The type parameter of a named input: its name in UpperCamelCase.
    state: Option<String>,
    /// Required: the argument's type and how it becomes the stored value (`None`: as it is).
    /// Optional: the setter's argument type and how it becomes the stored value (`Some(...)`
    /// added).
    arg: String,
    convert: Option<String>,
    doc: String,
}

impl Input {
    /// The stored value, from the argument of the same name.
    fn value(&self) -> String {
        self.convert.clone().unwrap_or_else(|| self.name.clone())
    }
}

/// Required: `impl Into<String>` for strings, `T` otherwise. Optional: see [`setter_arg`].
fn input_arg(ty: &Ty, date_time: bool, required: bool, name: &str) -> (String, Option<String>) {
    if date_time {
        let (arg, conversion) = date_time_arg();
        return (arg, Some(conversion.apply(name)));
    }
    if required && *ty != Ty::String {
        return (ty.render(&CodeText::OUTSIDE_TYPES), None);
    }
    let (arg, conversion) = setter_arg(ty, false);
    (
        arg,
        (conversion != Conversion::AsIs).then(|| conversion.apply(name)),
    )
}

/// Names the builders' code uses, which a named input's type parameter must not shadow.
const BUILDER_SCOPE: &[&str] = &[
    "Box",
    "CallFuture",
    "Client",
    "Err",
    "Into",
    "IntoIterator",
    "IsSet",
    "Iterator",
    "None",
    "Ok",
    "Option",
    "PhantomData",
    "Request",
    "Result",
    "Self",
    "Set",
    "Some",
    "String",
    "Unset",
    "Vec",
];

fn inputs(op: &Operation) -> Vec<Input> {
    let mut inputs = Vec::new();
    for param in op.path_params.iter().chain(&op.params) {
        let required = param.required;
        let (arg, convert) = input_arg(&param.ty, param.date_time, required, &param.name);
        let where_ = match param.location {
            ParamLocation::Path => "path",
            ParamLocation::Header => "header",
            ParamLocation::Query => "query",
        };
        let doc = match &param.doc {
            Some(doc) => format!("{} (`{}`, {where_})", spec_markdown(doc.trim()), param.wire),
            None => format!("The `{}` {where_} parameter.", param.wire),
        };
        let named = param.by_name();
        let stored = param.render_ty(&CodeText::OUTSIDE_TYPES);
        inputs.push(Input {
            stored: if named {
                format!("Option<{stored}>")
            } else {
                stored
            },
            state: named.then(|| {
                state_param(&param.name, "Input", |name| BUILDER_SCOPE.contains(&name)).to_string()
            }),
            name: param.name.clone(),
            required,
            named,
            arg,
            convert,
            doc,
        });
    }
    let body = match &op.body {
        Some(Body::Json { ty, required } | Body::Form { ty, required }) => {
            Some((ty.render(&CodeText::OUTSIDE_TYPES), *required))
        }
        Some(Body::Multipart { ty }) => Some((format!("types::{ty}"), true)),
        Some(Body::MultipartRaw) => Some(("ghl_runtime::Multipart".to_owned(), true)),
        Some(Body::Bytes { required, .. }) => Some(("Vec<u8>".to_owned(), *required)),
        None => None,
    };
    if let Some((ty, required)) = body {
        let (stored, arg, convert) = if required {
            (ty.clone(), ty, None)
        } else {
            (
                format!("Option<{ty}>"),
                format!("impl Into<{ty}>"),
                Some("body.into()".to_owned()),
            )
        };
        inputs.push(Input {
            name: "body".to_owned(),
            stored,
            required,
            named: false,
            state: None,
            arg,
            convert,
            doc: "The request body.".to_owned(),
        });
    }
    inputs
}

/// The client's method: takes the required inputs, returns the builder.
/// `module`: the module of `builders` holding the operation's builder, where they are grouped.
fn method(op: &Operation, module: Option<&str>, scopes: &BTreeMap<String, String>) -> String {
    let path = match module {
        Some(module) => format!("builders::{module}::{}", op.builder),
        None => format!("builders::{}", op.builder),
    };
    let mut item = String::new();
    text::doc(&mut item, 1, &method_doc(op, &path, scopes));
    if op.deprecated {
        item.push_str("    #[deprecated(note = \"deprecated in the spec\")]\n");
    }
    let inputs = inputs(op);
    let mut params = vec!["&self".to_owned()];
    params.extend(
        inputs
            .iter()
            .filter(|input| input.required && !input.named)
            .map(|input| format!("{}: {}", input.name, input.arg)),
    );
    let mut values = vec!["client: self.client.clone()".to_owned()];
    values.extend(inputs.iter().map(|input| {
        if !input.required || input.named {
            format!("{}: None", input.name)
        } else if let Some(convert) = &input.convert {
            format!("{}: {convert}", input.name)
        } else {
            input.name.clone()
        }
    }));
    if inputs.iter().any(|input| input.named) {
        values.push("state: PhantomData".to_owned());
    }
    text::signature(
        &mut item,
        1,
        &format!("pub fn {}", op.fn_name),
        &params,
        &format!("-> {path}"),
        &[],
    );
    item.push_str(&format!(
        "        {}\n    }}\n",
        text::struct_expr(&path, &values, 2)
    ));
    item
}

/// The builder of one operation, at `depth`: its inputs, a setter per optional one, and `send`.
fn builder(source: &mut Source, api: &Api, op: &Operation, depth: usize) {
    let name = &op.builder;
    let inputs = inputs(op);
    let call = format!(
        "A [`{client}::{method}`](crate::{client}::{method}) call",
        client = api.client_name,
        method = op.fn_name
    );
    let named: Vec<&Input> = inputs.iter().filter(|input| input.named).collect();
    let mut item = String::new();
    text::doc(
        &mut item,
        depth,
        &if !named.is_empty() {
            let listed: Vec<String> = named
                .iter()
                .map(|input| format!("[`{0}`]({name}::{0})", input.name))
                .collect();
            format!(
                "{call}: set its required inputs ({}) and any optional ones, then [`send`]({name}::send) it. \
                 It cannot be sent before every required input is set.",
                listed.join(", ")
            )
        } else if inputs.iter().any(|input| !input.required) {
            format!("{call}: set optional inputs, then [`send`]({name}::send) it.")
        } else {
            format!("{call}, ready to [`send`]({name}::send).")
        },
    );
    let line = |item: &mut String, extra: usize, text: &str| {
        text::indent(item, depth + extra);
        item.push_str(text);
        item.push('\n');
    };
    line(&mut item, 0, "#[derive(Debug, Clone)]");
    line(
        &mut item,
        0,
        "#[must_use = \"a call does nothing until it is sent\"]",
    );
    let states: Vec<&str> = named
        .iter()
        .filter_map(|input| input.state.as_deref())
        .collect();
    if named.is_empty() {
        line(&mut item, 0, &format!("pub struct {name} {{"));
    } else {
        let defaults: Vec<String> = states
            .iter()
            .map(|state| format!("{state} = Unset"))
            .collect();
        let defaults: Vec<&str> = defaults.iter().map(String::as_str).collect();
        text::generic_header(
            &mut item,
            depth,
            &format!("pub struct {name}"),
            &defaults,
            " {",
        );
    }
    line(&mut item, 1, "pub(crate) client: Client,");
    for input in &inputs {
        line(
            &mut item,
            1,
            &format!("pub(crate) {}: {},", input.name, input.stored),
        );
    }
    if !named.is_empty() {
        line(
            &mut item,
            1,
            &format!("pub(crate) state: PhantomData<{}>,", text::tuple(&states)),
        );
    }
    line(&mut item, 0, "}");
    source.text_at(item, depth);
    // Each named input's setter: only while its state is `Unset`, turning it `Set`.
    for (index, input) in named.iter().enumerate() {
        let with = |replacement: &str| -> String {
            let list: Vec<&str> = states
                .iter()
                .enumerate()
                .map(|(at, state)| if at == index { replacement } else { state })
                .collect();
            list.join(", ")
        };
        let others: Vec<&str> = states
            .iter()
            .enumerate()
            .filter(|(other, _)| *other != index)
            .map(|(_, state)| *state)
            .collect();
        let mut item = String::new();
        text::generic_header(
            &mut item,
            depth,
            "impl",
            &others,
            &format!(" {name}<{}> {{", with("Unset")),
        );
        text::doc(
            &mut item,
            depth + 1,
            &format!("{}. Required.", input.doc.trim_end_matches('.')),
        );
        text::signature(
            &mut item,
            depth + 1,
            &format!("pub fn {}", input.name),
            &["self".to_owned(), format!("{}: {}", input.name, input.arg)],
            &format!("-> {name}<{}>", with("Set")),
            &[],
        );
        let mut moved = vec!["client: self.client".to_owned()];
        moved.extend(inputs.iter().map(|other| {
            if other.name == input.name {
                format!("{}: Some({})", other.name, input.value())
            } else {
                format!("{0}: self.{0}", other.name)
            }
        }));
        moved.push("state: PhantomData".to_owned());
        line(&mut item, 2, &text::struct_expr(name, &moved, depth + 2));
        line(&mut item, 1, "}");
        line(&mut item, 0, "}");
        source.text_at(item, depth);
    }
    if named.is_empty() {
        source.open(&format!("impl {name}"), depth);
    } else {
        let states = states.join(", ");
        source.open(&format!("impl<{states}> {name}<{states}>"), depth);
    }
    for input in inputs.iter().filter(|input| !input.required) {
        let mut item = String::new();
        text::doc(&mut item, depth + 1, &input.doc);
        text::signature(
            &mut item,
            depth + 1,
            &format!("pub fn {}", input.name),
            &[
                "mut self".to_owned(),
                format!("{}: {}", input.name, input.arg),
            ],
            "-> Self",
            &[],
        );
        line(
            &mut item,
            2,
            &format!("self.{} = Some({});", input.name, input.value()),
        );
        line(&mut item, 2, "self");
        line(&mut item, 1, "}");
        source.text_at(item, depth + 1);
    }
    let ret = match &op.response {
        Response::Json(ty) => ty.render(&CodeText::OUTSIDE_TYPES),
        Response::Empty => "()".to_owned(),
    };
    // With named inputs, each sending method waits for all of them: a `where` clause per method
    // (not a bounded `impl`), so that a call missing one is told which (E0277 names the bound).
    let bounds: Vec<String> = states
        .iter()
        .map(|state| format!("{state}: IsSet"))
        .collect();
    for (doc, name, ret, call) in [
        (
            "Sends the call and decodes the answer.",
            "send",
            format!("impl CallFuture<{ret}>"),
            "Client::send_prepared",
        ),
        (
            "Like [`send`](Self::send), with the answer's status, headers and `traceId`.",
            "send_with_response",
            format!("impl CallFuture<ghl_runtime::Response<{ret}>>"),
            "Client::send_prepared_with_response",
        ),
    ] {
        let mut item = String::new();
        text::doc(&mut item, depth + 1, doc);
        text::signature(
            &mut item,
            depth + 1,
            &format!("pub fn {name}"),
            &["self".to_owned()],
            &format!("-> {ret}"),
            &bounds,
        );
        line(&mut item, 2, &format!("{call}(self.into_request())"));
        line(&mut item, 1, "}");
        source.text_at(item, depth + 1);
    }
    if let Some(paging) = &op.paging {
        source.text_at(paginate(op, paging, &bounds, depth + 1), depth + 1);
    }
    let fields: Vec<&str> = inputs.iter().map(|input| input.name.as_str()).collect();
    let named: Vec<&str> = named.iter().map(|input| input.name.as_str()).collect();
    into_request_fn(source, api, op, &fields, &named, &bounds, depth + 1);
    source.close();
}

/// `paginate()`: every page, or every item, as a stream (see `ghl_runtime::Paginator`).
/// `ready`: the `where` clause that waits for the builder's named inputs, if it has any.
fn paginate(op: &Operation, paging: &Paging, bounds: &[String], depth: usize) -> String {
    let page = match &op.response {
        Response::Json(ty) => ty.render(&CodeText::OUTSIDE_TYPES),
        Response::Empty => "()".to_owned(),
    };
    let item = paging.item.render(&CodeText::OUTSIDE_TYPES);
    let atom = |text: String| Expr::Atom(text);
    let literal = |text: &str| Expr::Atom(text::string_literal(text));
    let slot = |slot: &Slot| match slot {
        Slot::Query(name) => Expr::call("ghl_runtime::paging::Slot::Query", vec![literal(name)]),
        Slot::Body(name) => Expr::call("ghl_runtime::paging::Slot::Body", vec![literal(name)]),
    };
    let input = |slot: &Slot| match slot {
        Slot::Query(name) => format!("query parameter `{name}`"),
        Slot::Body(name) => format!("body field `{name}`"),
    };
    let some = |value: Expr| Expr::call("Some", vec![value]);
    let (style, how) = match &paging.style {
        PageStyle::Offset { offset } => (
            Expr::Struct {
                path: "ghl_runtime::paging::Style::Offset".to_owned(),
                fields: vec![("offset".to_owned(), slot(offset))],
            },
            format!("skips items with the {}", input(offset)),
        ),
        PageStyle::Page { page, first } => (
            Expr::Struct {
                path: "ghl_runtime::paging::Style::Page".to_owned(),
                fields: vec![
                    ("page".to_owned(), slot(page)),
                    (
                        "first".to_owned(),
                        atom(proc_macro2::Literal::u64_suffixed(*first).to_string()),
                    ),
                ],
            },
            format!("numbers pages with the {} (from {first})", input(page)),
        ),
        PageStyle::Cursor { next, more } => {
            let pairs = next
                .iter()
                .map(|(to, from)| {
                    let from = match from {
                        PageSource::Page(pointer) => {
                            Expr::call("ghl_runtime::paging::Source::Page", vec![literal(pointer)])
                        }
                        PageSource::LastItem(pointer) => Expr::call(
                            "ghl_runtime::paging::Source::LastItem",
                            vec![literal(pointer)],
                        ),
                    };
                    Expr::Tuple(vec![slot(to), from])
                })
                .collect();
            let sources: Vec<String> = next
                .iter()
                .map(|(to, from)| match from {
                    PageSource::Page(pointer) => format!("{} from `{pointer}`", input(to)),
                    PageSource::LastItem(pointer) => {
                        format!("{} from the last item's `{pointer}`", input(to))
                    }
                })
                .collect();
            (
                Expr::Struct {
                    path: "ghl_runtime::paging::Style::Cursor".to_owned(),
                    fields: vec![
                        ("next".to_owned(), Expr::RefArray(pairs)),
                        (
                            "more".to_owned(),
                            match more {
                                Some(more) => some(literal(more)),
                                None => atom("None".to_owned()),
                            },
                        ),
                    ],
                },
                format!("sends the {} with the next request", sources.join(" and ")),
            )
        }
    };
    let limit = match &paging.limit {
        Some(limit) => some(slot(limit)),
        None => atom("None".to_owned()),
    };
    let total = match &paging.total {
        Some(total) => some(literal(total)),
        None => atom("None".to_owned()),
    };
    let mut doc = format!(
        "Every page, or every item, from this call's position on: `.collect_items().await` gathers the items in a `Vec`, `.items()` reads them one at a time (`while let Some(item) = items.next().await`), `.max_items(n)` stops after `n`; see [`ghl_runtime::Paginator`].\n\nThis operation {how}"
    );
    if let Some(limit) = &paging.limit {
        doc.push_str(&format!("; the page size is the {}", input(limit)));
    }
    doc.push_str(&match &paging.items[..] {
        "" => "; the answer is the list".to_owned(),
        items => format!("; the items are at `{items}`"),
    });
    if let Some(total) = &paging.total {
        doc.push_str(&format!(" and the total at `{total}`"));
    }
    doc.push('.');
    if let Some(origin) = &paging.origin {
        // The file, not the line: moving an entry must not change the generated code.
        let file = origin
            .rsplit_once(':')
            .map_or(origin.as_str(), |(file, _)| file);
        doc.push_str(&format!(" (From `{file}`: the spec does not say.)"));
    }
    let mut out = String::new();
    text::doc(&mut out, depth, &doc);
    text::signature(
        &mut out,
        depth,
        "pub fn paginate",
        &["self".to_owned()],
        &format!("-> ghl_runtime::Paginator<{page}, {item}>"),
        bounds,
    );
    let paging = Expr::Struct {
        path: "ghl_runtime::Paging".to_owned(),
        fields: vec![
            ("style".to_owned(), style),
            ("limit".to_owned(), limit),
            ("items".to_owned(), literal(&paging.items)),
            ("total".to_owned(), total),
        ],
    };
    let head = "static PAGING: ghl_runtime::Paging = ";
    text::indent(&mut out, depth + 1);
    out.push_str(head);
    out.push_str(&paging.layout((depth + 1) * 4 + head.len(), 1, depth + 1));
    out.push_str(";\n");
    text::indent(&mut out, depth + 1);
    out.push_str("ghl_runtime::Paginator::new(self.into_request(), &PAGING)\n");
    text::indent(&mut out, depth);
    out.push_str("}\n");
    out
}

/// `path`: the builder's path from the crate root (`builders::events::GetEvents`).
fn method_doc(op: &Operation, path: &str, scopes: &BTreeMap<String, String>) -> String {
    let mut text = String::new();
    if let Some(summary) = &op.summary {
        text.push_str(&spec_markdown(summary.trim()));
        text.push_str("\n\n");
    }
    if let Some(description) = &op.description {
        let description = without_summary(description.trim(), op.summary.as_deref());
        if !description.is_empty() {
            text.push_str(&spec_markdown(description));
            text.push_str("\n\n");
        }
    }
    text.push_str(&format!(
        "`{} {}` (operation `{}`, API version `{}`).",
        op.method.as_str(),
        op.path,
        op.operation_id,
        op.version
    ));
    // The method's arguments: the path parameters (a required body speaks for itself).
    let documented: Vec<String> = op
        .path_params
        .iter()
        .filter_map(|param| {
            param
                .doc
                .as_ref()
                .map(|doc| format!("- `{}`: {}", param.name, spec_markdown(&one_line(doc))))
        })
        .collect();
    let optional: Vec<String> = op
        .params
        .iter()
        .filter(|param| !param.required)
        .map(|param| format!("[`{name}`]({path}::{name})", name = param.name,))
        .chain(
            op.body
                .as_ref()
                .filter(|body| !body.required())
                .map(|_| format!("[`body`]({path}::body)")),
        )
        .collect();
    // Where the call goes, what it needs and what it returns: one paragraph.
    if let Some(access) = access_doc(&op.access, scopes) {
        text.push(' ');
        text.push_str(&access);
    }
    let named: Vec<String> = op
        .params
        .iter()
        .filter(|param| param.by_name())
        .map(|param| format!("[`{name}`]({path}::{name})", name = param.name,))
        .collect();
    if !named.is_empty() {
        text.push_str(&format!(
            " Set the required {named} on the returned [`{builder}`]({path}){optional}, then `.send().await` it (it cannot be sent before).",
            named = english_list(&named),
            builder = op.builder,
            optional = if optional.is_empty() {
                String::new()
            } else {
                format!(" and any optional inputs ({})", optional.join(", "))
            },
        ));
    } else if !optional.is_empty() {
        text.push_str(&format!(
            " Set optional inputs on the returned [`{builder}`]({path}) ({optional}), then `.send().await` it.",
            builder = op.builder,
            optional = optional.join(", ")
        ));
    }
    if !documented.is_empty() {
        text.push_str("\n\n# Arguments\n\n");
        text.push_str(&documented.join("\n"));
    }
    if !op.errors.is_empty() {
        // The runtime classifies a failure by its status and keeps the server's message and
        // trace id, not the body: the docs name what a caller gets, not the spec's body schema.
        // Which variant a status becomes is the same for every call: the runtime documents it.
        let statuses: Vec<String> = op
            .errors
            .iter()
            .map(|ErrorResponse { status, .. }| format!("`{status}`"))
            .collect();
        text.push_str(&format!(
            "\n\n# Errors\n\nFails with [`ghl_runtime::Error`] ([variant by status](ghl_runtime::Error#statuses)); the spec documents {}.",
            english_list(&statuses)
        ));
    }
    text
}

/// A description without its first line when that line only repeats the summary.
fn without_summary<'a>(description: &'a str, summary: Option<&str>) -> &'a str {
    let Some(summary) = summary.map(str::trim).filter(|summary| !summary.is_empty()) else {
        return description;
    };
    match description.strip_prefix(summary) {
        Some(rest) if rest.is_empty() || rest.starts_with('\n') => rest.trim_start(),
        _ => description,
    }
}

/// "Requires scope `x` (or `y`). Takes a sub-account (location) or agency token.", each scope
/// a link to its `ghl_runtime::Scope` variant when `scopes` names one.
fn access_doc(access: &Access, scopes: &BTreeMap<String, String>) -> Option<String> {
    let mut sentences = Vec::new();
    let scope = |name: &String| match scopes.get(name) {
        Some(variant) => format!("[`{name}`](ghl_runtime::Scope::{variant})"),
        None => format!("`{name}`"),
    };
    if let Some((first, rest)) = access.scopes.split_first() {
        let others: String = rest
            .iter()
            .map(|name| format!(" or {}", scope(name)))
            .collect();
        sentences.push(format!("Requires scope {}{others}.", scope(first)));
    }
    let tokens = match (access.location, access.agency) {
        (true, true) => Some("a sub-account (location) or agency token"),
        (true, false) => Some("a sub-account (location) token"),
        (false, true) => Some("an agency (company) token"),
        (false, false) => None,
    };
    sentences.extend(tokens.map(|tokens| format!("Takes {tokens}.")));
    (!sentences.is_empty()).then(|| sentences.join(" "))
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::{module_name, without_summary};

    #[test]
    fn tag_modules_are_snake_case_identifiers_and_never_keywords() {
        assert_eq!(module_name("Calendar Events"), "calendar_events");
        assert_eq!(
            module_name("Calendar Resources: Rooms & Equipments"),
            "calendar_resources_rooms_equipments"
        );
        assert_eq!(module_name("Search"), "search");
        assert_eq!(module_name("Type"), "type_operations");
        assert_eq!(module_name("2FA"), "tag_2fa");
        assert_eq!(module_name("  "), "operations");
    }

    #[test]
    fn a_description_does_not_repeat_its_summary() {
        let summary = Some("Get Contacts");
        assert_eq!(
            without_summary("Get Contacts\n\n**Note:** old", summary),
            "**Note:** old"
        );
        assert_eq!(without_summary("Get Contacts", summary), "");
        // Only a whole first line is a repeat.
        assert_eq!(
            without_summary("Get Contacts by id", summary),
            "Get Contacts by id"
        );
        assert_eq!(without_summary("Lists contacts", None), "Lists contacts");
    }
}
