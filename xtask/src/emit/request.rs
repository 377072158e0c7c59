//! The HTTP request an operation sends: the builder's private `into_request`, with the
//! client-side checks, path parameters, query and header parameters, body and access
//! metadata the runtime needs.

use super::text::{self, MARGIN, Source, tuple};
use crate::ir::{Access, Api, Body, Method, Operation, ParamLocation, Response, Ty, TypeKind};

/// The builder's `into_request` at `depth` (its inputs are `fields`, with `state` when
/// `named` holds its required inputs taken by name): checks, then the request with its
/// parameters, headers, access and body.
pub(super) fn into_request_fn(
    source: &mut Source,
    api: &Api,
    op: &Operation,
    fields: &[&str],
    named: &[&str],
    bounds: &[String],
    depth: usize,
) {
    let mut out = Stmts {
        text: String::new(),
        depth: depth + 1,
        unsure: false,
    };
    text::indent(&mut out.text, depth);
    out.text
        .push_str("/// Checks the inputs and builds the HTTP request.\n");
    text::signature(
        &mut out.text,
        depth,
        "fn into_request",
        &["self".to_owned()],
        "-> Result<(Client, Request)>",
        bounds,
    );
    let mut pattern: Vec<String> = vec!["client".to_owned()];
    pattern.extend(fields.iter().map(|field| (*field).to_owned()));
    if !named.is_empty() {
        pattern.push("state: _".to_owned());
    }
    // Broken where the line passes the margin through ` = `: what follows may pass it.
    out.vouched(&format!(
        "let {} = self;",
        struct_pattern("Self", &pattern, depth + 1)
    ));
    // Named inputs are `Option`s the type parameters vouch for: `send` exists once all are set.
    if !named.is_empty() {
        let somes: Vec<String> = named.iter().map(|name| format!("Some({name})")).collect();
        let names: Vec<String> = named.iter().map(|name| (*name).to_owned()).collect();
        out.let_else(&somes, &names);
        out.depth += 1;
        out.fail(&op.fn_name, "a required input is not set");
        out.depth -= 1;
        out.line("};");
    }
    bound_checks(&mut out, op);
    body_item_checks(&mut out, api, op);
    request_stmts(&mut out, api, op);
    out.line("Ok((client, request))");
    text::indent(&mut out.text, depth);
    out.text.push_str("}\n");
    if out.unsure {
        source.text_at(out.text, depth);
    } else {
        source.exact_text_at(out.text, depth);
    }
}

/// Statements written one after another at a depth, as prettyplease lays them out.
struct Stmts {
    text: String,
    depth: usize,
    /// A line is longer than the margin that prettyplease might break.
    unsure: bool,
}

impl Stmts {
    fn line(&mut self, line: &str) {
        self.unsure |= self.depth * 4 + line.len() > MARGIN;
        self.vouched(line);
    }

    /// A line written as prettyplease lays it out even when it is longer than the margin.
    fn vouched(&mut self, line: &str) {
        text::indent(&mut self.text, self.depth);
        self.text.push_str(line);
        self.text.push('\n');
    }

    /// `let (patterns) = (values) else {`: each tuple on one line when its line fits through its
    /// closing parenthesis (and ` = `, for the pattern), else an element a line.
    fn let_else(&mut self, patterns: &[String], values: &[String]) {
        let pattern = tuple(patterns);
        let value = tuple(values);
        let start = self.depth * 4 + "let ".len();
        if patterns.len() < 2 || start + pattern.len() + " = ".len() <= MARGIN {
            let column = start + pattern.len() + " = ".len();
            if column + value.len() + " else {".len() <= MARGIN {
                self.line(&format!("let {pattern} = {value} else {{"));
            } else if values.len() < 2 || column + value.len() <= MARGIN {
                // Only `else {` is past the margin: it goes on a line of its own.
                self.line(&format!("let {pattern} = {value}"));
                self.line("else {");
            } else {
                self.line(&format!("let {pattern} = ("));
                self.elements(values);
                self.line(") else {");
            }
            return;
        }
        self.line("let (");
        self.elements(patterns);
        self.line(&format!(") = {value} else {{"));
    }

    /// Tuple elements a line each, one level in.
    fn elements(&mut self, elements: &[String]) {
        self.depth += 1;
        for element in elements {
            self.line(&format!("{element},"));
        }
        self.depth -= 1;
    }

    /// `return Err(ghl_runtime::Error::invalid_request(..));`: on one line when it fits, else
    /// each call's arguments on lines of their own.
    fn fail(&mut self, fn_name: &str, message: &str) {
        let (fn_name, message) = (text::string_literal(fn_name), text::string_literal(message));
        let one_line =
            format!("return Err(ghl_runtime::Error::invalid_request({fn_name}, {message}));");
        if self.depth * 4 + one_line.len() <= MARGIN {
            self.line(&one_line);
            return;
        }
        self.line("return Err(");
        self.depth += 1;
        let call = format!("ghl_runtime::Error::invalid_request({fn_name}, {message})");
        if self.depth * 4 + call.len() <= MARGIN {
            self.line(&format!("{call},"));
        } else {
            self.line("ghl_runtime::Error::invalid_request(");
            self.depth += 1;
            self.line(&format!("{fn_name},"));
            self.line(&format!("{message},"));
            self.depth -= 1;
            self.line("),");
        }
        self.depth -= 1;
        self.line(");");
    }

    /// `if {test} { return Err(..); }`
    fn check(&mut self, test: &str, fn_name: &str, message: &str) {
        self.line(&format!("if {test} {{"));
        self.depth += 1;
        self.fail(fn_name, message);
        self.depth -= 1;
        self.line("}");
    }

    /// `{head}{callee}({args}){calls};`: on one line when it fits, else a call a line (and the
    /// first call's arguments a line each when its line is still too long).
    fn chain(&mut self, head: &str, callee: &str, args: &[String], calls: &[String]) {
        let root = format!("{callee}({})", args.join(", "));
        let one_line = format!("{head}{root}{};", calls.concat());
        if self.depth * 4 + one_line.len() <= MARGIN || calls.is_empty() {
            self.line(&one_line);
            return;
        }
        if self.depth * 4 + head.len() + root.len() <= MARGIN || args.is_empty() {
            self.line(&format!("{head}{root}"));
        } else {
            self.line(&format!("{head}{callee}("));
            self.depth += 2;
            for arg in args {
                self.line(&format!("{arg},"));
            }
            self.depth -= 1;
            self.line(")");
            self.depth -= 1;
        }
        self.depth += 1;
        for (index, call) in calls.iter().enumerate() {
            let end = if index + 1 == calls.len() { ";" } else { "" };
            self.line(&format!("{call}{end}"));
        }
        self.depth -= 1;
    }

    /// `let request = match {scrutinee} { Some({binding}) => {some}, None => request };`
    fn optional(&mut self, scrutinee: &str, binding: &str, some: &str) {
        self.line(&format!("let request = match {scrutinee} {{"));
        self.depth += 1;
        self.line(&format!("Some({binding}) => {some},"));
        self.line("None => request,");
        self.depth -= 1;
        self.line("};");
    }
}

/// A struct pattern, `path { fields }`, bound by `let`: on one line when the line fits through
/// its ` = ` (where prettyplease's next break is), else a field a line (`depth` is the
/// statement's).
fn struct_pattern(path: &str, fields: &[String], depth: usize) -> String {
    let one_line = format!("{path} {{ {} }}", fields.join(", "));
    if depth * 4 + "let ".len() + one_line.len() + " = ".len() <= MARGIN {
        return one_line;
    }
    let mut out = format!("{path} {{\n");
    text::elements(&mut out, depth + 1, fields);
    text::indent(&mut out, depth);
    out.push('}');
    out
}

/// The request with its parameters, headers, access and body.
fn request_stmts(out: &mut Stmts, api: &Api, op: &Operation) {
    let mut chain = path_params(op);
    let mut optional_headers = Vec::new();
    for param in &op.params {
        let wire = text::string_literal(&param.wire);
        let name = &param.name;
        match (param.location, param.required) {
            (ParamLocation::Header, true) => {
                chain.push(format!(".header({wire}, {name}.to_string())"));
            }
            (ParamLocation::Header, false) => optional_headers.push((name, wire)),
            (_, true) if param.joined => chain.push(format!(".query_joined({wire}, &{name})")),
            (_, false) if param.joined => {
                chain.push(format!(".query_joined_opt({wire}, {name}.as_ref())"));
            }
            (_, true) => chain.push(format!(".query({wire}, &{name})")),
            (_, false) => chain.push(format!(".query_opt({wire}, {name}.as_ref())")),
        }
    }
    match (&op.response, &op.unwrap) {
        (Response::Json(_), Some(inner)) => {
            chain.push(format!(".unwrap_at({})", text::string_literal(inner)));
        }
        (Response::Json(_), None) => {}
        (Response::Empty, _) => chain.push(".ignore_body()".to_owned()),
    }
    for (name, value) in &op.forced_headers {
        chain.push(format!(
            ".force_header({}, {})",
            text::string_literal(name),
            text::string_literal(value)
        ));
    }
    if op.without_auth {
        chain.push(".without_auth()".to_owned());
    } else {
        chain.extend(access_calls(&op.access));
    }
    // `Request::get(..)` and the like, as a person would write it; `to` for the rest.
    let (template, version) = (
        text::string_literal(&op.path),
        text::string_literal(&op.version),
    );
    let (callee, args) = match op.method {
        Method::Options => (
            "Request::to".to_owned(),
            vec!["ghl_runtime::Method::OPTIONS".to_owned(), template, version],
        ),
        method => (
            format!("Request::{}", method.as_str().to_ascii_lowercase()),
            vec![template, version],
        ),
    };
    out.chain("let request = ", &callee, &args, &chain);
    for (name, wire) in optional_headers {
        out.optional(
            &format!("&{name}"),
            "value",
            &format!("request.header({wire}, value.to_string())"),
        );
    }
    match &op.body {
        Some(Body::Json { required: true, .. }) => out.line("let request = request.json(&body);"),
        Some(Body::Form { required: true, .. }) => out.line("let request = request.form(&body);"),
        Some(Body::Json {
            required: false, ..
        }) => out.optional("&body", "body", "request.json(body)"),
        Some(Body::Form {
            required: false, ..
        }) => out.optional("&body", "body", "request.form(body)"),
        Some(Body::Multipart { ty }) => {
            let (parts, file_lists) = multipart_parts(api, ty);
            let binding = if file_lists.is_empty() {
                "let form = "
            } else {
                "let mut form = "
            };
            out.chain(binding, "ghl_runtime::Multipart::new", &[], &parts);
            for (files, wire) in file_lists {
                out.line(&format!("for file in {files} {{"));
                out.depth += 1;
                out.line(&format!("form = form.file({wire}, file);"));
                out.depth -= 1;
                out.line("}");
            }
            out.line("let request = request.multipart(form);");
        }
        Some(Body::MultipartRaw) => out.line("let request = request.multipart(body);"),
        Some(Body::Bytes {
            content_type,
            required: true,
        }) => out.line(&format!(
            "let request = request.bytes({}, body);",
            text::string_literal(content_type)
        )),
        Some(Body::Bytes {
            content_type,
            required: false,
        }) => out.optional(
            "body",
            "body",
            &format!(
                "request.bytes({}, body)",
                text::string_literal(content_type)
            ),
        ),
        None => {}
    }
}

/// Client-side checks of the bounds the server enforces, so a bad value fails before it is sent.
fn bound_checks(out: &mut Stmts, op: &Operation) {
    for param in op.path_params.iter().chain(&op.params) {
        let value = &param.name;
        for (bound, violated, word) in [(param.minimum, "<", "least"), (param.maximum, ">", "most")]
        {
            let Some(bound) = bound else { continue };
            let literal = match param.ty {
                Ty::Integer => proc_macro2::Literal::i64_suffixed(bound as i64).to_string(),
                Ty::Number => proc_macro2::Literal::f64_suffixed(bound).to_string(),
                _ => continue,
            };
            let message = format!("`{}` must be at {word} {bound}", param.wire);
            let test = if param.required {
                format!("{value} {violated} {literal}")
            } else {
                format!("{value}.is_some_and(|value| value {violated} {literal})")
            };
            out.check(&test, &op.fn_name, &message);
        }
    }
}

/// Client-side checks of the body's array lengths (`maxItems`) the server enforces.
fn body_item_checks(out: &mut Stmts, api: &Api, op: &Operation) {
    let Some(
        Body::Json {
            ty: Ty::Named(name),
            required,
        }
        | Body::Form {
            ty: Ty::Named(name),
            required,
        },
    ) = &op.body
    else {
        return;
    };
    let Some(TypeKind::Struct { fields, .. }) = api
        .types
        .iter()
        .find(|def| &def.name == name)
        .map(|def| &def.kind)
    else {
        return;
    };
    for field in fields {
        let Some(max) = field.max_items else { continue };
        let message = format!("`{}` takes at most {max} items", field.wire);
        let len = if field.optional() {
            format!(
                "body.{}.as_ref().map_or(0, |items| items.len())",
                field.name
            )
        } else {
            format!("body.{}.len()", field.name)
        };
        if *required {
            out.check(&format!("{len} > {max}"), &op.fn_name, &message);
        } else {
            out.line("if let Some(body) = &body {");
            out.depth += 1;
            out.check(&format!("{len} > {max}"), &op.fn_name, &message);
            out.depth -= 1;
            out.line("}");
        }
    }
}

/// `.scopes(...)` and `.token_kinds(...)`: what the runtime needs to say why a call was refused.
fn access_calls(access: &Access) -> Vec<String> {
    let mut calls = Vec::new();
    if !access.scopes.is_empty() {
        let scopes: Vec<String> = access
            .scopes
            .iter()
            .map(|scope| text::string_literal(scope))
            .collect();
        calls.push(format!(".scopes(&[{}])", scopes.join(", ")));
    }
    let kinds = match (access.location, access.agency) {
        (true, true) => Some("ANY"),
        (true, false) => Some("LOCATION"),
        (false, true) => Some("AGENCY"),
        (false, false) => None,
    };
    calls.extend(kinds.map(|kinds| format!(".token_kinds(ghl_runtime::TokenKinds::{kinds})")));
    calls
}

/// `.path_param("postId", &post_id)` for each `{postId}` of the path template, in order; the
/// runtime fills it in, percent-encoded. A part no parameter names stays as it is.
fn path_params(op: &Operation) -> Vec<String> {
    let mut calls = Vec::new();
    let mut rest = op.path.as_str();
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|close| open + close) else {
            break;
        };
        let wire = &rest[open + 1..close];
        if let Some(param) = op.path_params.iter().find(|param| param.wire == wire) {
            calls.push(format!(
                ".path_param({}, &{})",
                text::string_literal(wire),
                param.name
            ));
        }
        rest = &rest[close + 1..];
    }
    calls
}

/// The chained text and file parts, and the lists of files (what to iterate, the part's name)
/// that loops add.
fn multipart_parts(api: &Api, ty: &str) -> (Vec<String>, Vec<(String, String)>) {
    let Some(TypeKind::Struct { fields, .. }) = api
        .types
        .iter()
        .find(|def| def.name == ty)
        .map(|def| &def.kind)
    else {
        return (Vec::new(), Vec::new());
    };
    let mut parts = Vec::new();
    let mut file_lists = Vec::new();
    for field in fields {
        let wire = text::string_literal(&field.wire);
        let name = &field.name;
        for (prefix, bytes) in &field.max_bytes {
            parts.push(format!(
                ".max_file_size({}, {bytes})",
                text::string_literal(prefix)
            ));
        }
        match (&field.ty, field.optional()) {
            (Ty::File, false) => parts.push(format!(".file({wire}, &body.{name})")),
            (Ty::File, true) => parts.push(format!(".file_opt({wire}, body.{name}.as_ref())")),
            (Ty::Array(item), optional) if **item == Ty::File => {
                let files = if optional {
                    format!("body.{name}.iter().flatten()")
                } else {
                    format!("&body.{name}")
                };
                file_lists.push((files, wire));
            }
            (_, false) => parts.push(format!(".text({wire}, &body.{name})")),
            (_, true) => parts.push(format!(".text_opt({wire}, body.{name}.as_ref())")),
        }
    }
    (parts, file_lists)
}
