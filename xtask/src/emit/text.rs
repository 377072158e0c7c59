//! Generated Rust written directly as text, in the layout prettyplease gives the same code.
//!
//! Building tokens with `quote`, parsing them into a `syn::File` and printing that with
//! prettyplease was most of `regen`'s time. An item whose shape is fixed (a struct with a field
//! per line, a setter) is written here as the text prettyplease would print for it; prettyplease
//! only decides where to break a line that is too long, so an item with a line longer than its
//! margin goes through it after all ([`Source`] does that), and the output stays what it was.
//! `regen --verify-layout` sends every item through prettyplease and fails on any difference:
//! CI runs it over the real specs.

use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context;
use proc_macro2::TokenStream;
use quote::quote;

use crate::ir::{Leaf, Spelling, Wrapper};

/// prettyplease's margin: a line longer than this may be broken, a shorter one never is (its
/// `MARGIN`; it counts bytes).
pub(super) const MARGIN: usize = 89;

/// The widest struct expression prettyplease keeps on one line, closing brace included (its
/// limit is 34 before the brace).
const STRUCT_ON_ONE_LINE: usize = 35;

/// Set by `regen --verify-layout`: every text item is laid out by prettyplease too, and a
/// difference is an error.
static VERIFY: AtomicBool = AtomicBool::new(false);

/// Makes every later [`Source::format`] check its text items against prettyplease.
pub fn verify_layout(on: bool) {
    VERIFY.store(on, Ordering::Relaxed);
}

/// The code of a generated file, in order: items written as text, and tokens.
#[derive(Default)]
pub(crate) struct Source {
    parts: Vec<Part>,
}

enum Part {
    /// Whole items at nesting `depth`, indented for it, in prettyplease's layout when each line
    /// fits its margin.
    Text {
        text: String,
        depth: usize,
        /// Laid out as prettyplease would whatever the width: its long lines are ones
        /// prettyplease cannot break (a string literal, a path).
        exact: bool,
    },
    /// Items as tokens, for prettyplease to lay out at nesting `depth`.
    Tokens { tokens: TokenStream, depth: usize },
    /// The line that opens a block of items (`impl X {`, `pub mod x {`) at nesting `depth`,
    /// indented, with its brace.
    Open { header: String, depth: usize },
    /// The end of the innermost open block.
    Close,
}

impl From<TokenStream> for Source {
    fn from(tokens: TokenStream) -> Self {
        let mut source = Source::default();
        source.tokens(tokens);
        source
    }
}

impl Source {
    /// Items written as text at the top level (see [`Source::text_at`]).
    pub fn text(&mut self, text: String) {
        self.text_at(text, 0);
    }

    /// Items written as text at nesting `depth` (each line indented by four spaces a level, no
    /// blank lines: those come later, from `space_items`).
    pub fn text_at(&mut self, text: String, depth: usize) {
        self.push_text(text, depth, false);
    }

    /// Items written as text at the top level in the layout prettyplease gives them even where
    /// a line is longer than its margin: the writer has broken every line that prettyplease
    /// would break, and what stays long cannot be broken (`regen --verify-layout` checks it).
    pub fn exact_text(&mut self, text: String) {
        self.exact_text_at(text, 0);
    }

    /// [`Source::exact_text`] at nesting `depth`.
    pub fn exact_text_at(&mut self, text: String, depth: usize) {
        self.push_text(text, depth, true);
    }

    fn push_text(&mut self, text: String, depth: usize, exact: bool) {
        if !text.is_empty() {
            self.parts.push(Part::Text { text, depth, exact });
        }
    }

    /// Items as tokens at the top level.
    pub fn tokens(&mut self, tokens: TokenStream) {
        self.tokens_at(tokens, 0);
    }

    /// Items as tokens at nesting `depth`; joined with the tokens just before at the same depth.
    pub fn tokens_at(&mut self, tokens: TokenStream, depth: usize) {
        if tokens.is_empty() {
            return;
        }
        if let Some(Part::Tokens {
            tokens: last,
            depth: last_depth,
        }) = self.parts.last_mut()
            && *last_depth == depth
        {
            last.extend(tokens);
            return;
        }
        self.parts.push(Part::Tokens { tokens, depth });
    }

    /// Opens a block of items at `depth`: `header` is its first line without indentation or
    /// brace (`impl<A> X<A>`). Items inside go at `depth + 1`; [`Source::close`] ends it. A
    /// header too long for the margin is laid out by prettyplease (see [`open_line`]).
    pub fn open(&mut self, header: &str, depth: usize) {
        let mut line = String::new();
        indent(&mut line, depth);
        line.push_str(header);
        line.push_str(" {");
        self.parts.push(Part::Open {
            header: line,
            depth,
        });
    }

    /// Ends the block [`Source::open`] began.
    pub fn close(&mut self) {
        self.parts.push(Part::Close);
    }

    /// Everything of `other`, after what is here.
    pub fn append(&mut self, other: Source) {
        for part in other.parts {
            match part {
                Part::Tokens { tokens, depth } => self.tokens_at(tokens, depth),
                part => self.parts.push(part),
            }
        }
    }

    /// The laid-out code. `what` names the output in errors.
    pub fn format(self, what: &str) -> anyhow::Result<String> {
        self.format_checked(what, VERIFY.load(Ordering::Relaxed))
    }

    /// [`Source::format`]; with `verify`, every text item and block is compared with
    /// prettyplease's layout.
    fn format_checked(self, what: &str, verify: bool) -> anyhow::Result<String> {
        let mut parts = self.parts.into_iter();
        let code = format_parts(&mut parts, what, verify)?;
        match parts.next() {
            None => Ok(code),
            Some(_) => {
                anyhow::bail!("{what}: a block is closed that was never opened (generator bug)")
            }
        }
    }
}

/// Lays out `parts` up to the end of the block they are in (a [`Part::Close`], consumed) or
/// their end.
fn format_parts(
    parts: &mut std::vec::IntoIter<Part>,
    what: &str,
    verify: bool,
) -> anyhow::Result<String> {
    let mut code = String::new();
    while let Some(part) = parts.next() {
        match part {
            Part::Close => return Ok(code),
            Part::Tokens { tokens, depth } => {
                code.push_str(&pretty(nest(tokens, depth), depth, what)?);
            }
            Part::Text { text, depth, exact } => {
                code.push_str(&checked(text, depth, exact, what, verify)?);
            }
            Part::Open { header, depth } => {
                let mut block = open_line(header, depth, what)?;
                block.push_str(&format_parts(parts, what, verify)?);
                indent(&mut block, depth);
                block.push_str("}\n");
                if verify {
                    same_layout(&block, &relaid(&block, depth, what)?, what)?;
                }
                code.push_str(&block);
            }
        }
    }
    Ok(code)
}

/// A block's first line (`header`, ending in `{`), with its newline: as it is when it fits, else
/// as prettyplease breaks it. Only the header goes through prettyplease, in a block with one
/// small item: what the block holds does not change how its first line breaks.
fn open_line(header: String, depth: usize, what: &str) -> anyhow::Result<String> {
    if fits(&header) {
        return Ok(header + "\n");
    }
    let mut probe = header;
    probe.push('\n');
    indent(&mut probe, depth + 1);
    probe.push_str("fn probe() {}\n");
    indent(&mut probe, depth);
    probe.push_str("}\n");
    let laid_out = relaid(&probe, depth, what)?;
    let lines: Vec<&str> = laid_out.lines().collect();
    let mut out = String::with_capacity(laid_out.len());
    for line in lines
        .get(..lines.len().saturating_sub(2))
        .unwrap_or_default()
    {
        out.push_str(line);
        out.push('\n');
    }
    Ok(out)
}

/// prettyplease's layout of `text`, items at `depth`.
fn relaid(text: &str, depth: usize, what: &str) -> anyhow::Result<String> {
    let tokens: TokenStream = text.parse().map_err(|error| {
        anyhow::anyhow!("{what}: generated text does not lex as Rust (generator bug): {error}")
    })?;
    pretty(nest(tokens, depth), depth, what)
}

/// `text` (items at `depth`) as prettyplease lays it out: as it is when every line fits or it is
/// `exact` (with `verify`, once prettyplease agrees), else prettyplease's layout.
fn checked(
    text: String,
    depth: usize,
    exact: bool,
    what: &str,
    verify: bool,
) -> anyhow::Result<String> {
    let fits = exact || fits(&text);
    if fits && !verify {
        return Ok(text);
    }
    let laid_out = relaid(&text, depth, what)?;
    if fits {
        same_layout(&text, &laid_out, what)?;
    }
    Ok(laid_out)
}

/// An error naming the first differing line unless the generator's `written` text is what
/// prettyplease made of it.
fn same_layout(written: &str, laid_out: &str, what: &str) -> anyhow::Result<()> {
    if written == laid_out {
        return Ok(());
    }
    anyhow::bail!(
        "{what}: the generator wrote text prettyplease lays out differently (generator bug):\n{}",
        first_difference(written, laid_out)
    )
}

/// Whether no line of `text` is longer than prettyplease's margin (doc comments aside: it never
/// breaks them).
fn fits(text: &str) -> bool {
    text.lines().all(|line| {
        line.len() <= MARGIN || {
            let line = line.trim_start();
            line.starts_with("///") || line.starts_with("//!")
        }
    })
}

/// `tokens` inside `depth` modules, so that prettyplease lays them out where they will stand.
fn nest(tokens: TokenStream, depth: usize) -> TokenStream {
    (0..depth).fold(tokens, |inner, _| quote! { mod nest { #inner } })
}

/// prettyplease's layout of `tokens`, without the `depth` wrapping lines [`nest`] added.
fn pretty(tokens: TokenStream, depth: usize, what: &str) -> anyhow::Result<String> {
    // A parse failure here is a generator bug, not a spec problem: say which output broke.
    let parsed: syn::File = syn::parse2(tokens)
        .with_context(|| format!("generated {what} is not valid Rust (generator bug)"))?;
    let printed = prettyplease::unparse(&parsed);
    if depth == 0 {
        return Ok(printed);
    }
    let lines: Vec<&str> = printed.lines().collect();
    let inner = lines
        .get(depth..lines.len().saturating_sub(depth))
        .unwrap_or_default();
    let mut out = String::with_capacity(printed.len());
    for line in inner {
        out.push_str(line);
        out.push('\n');
    }
    Ok(out)
}

/// The first line where `written` and `laid_out` differ, both versions, for the error.
fn first_difference(written: &str, laid_out: &str) -> String {
    let mut written_lines = written.lines();
    let mut laid_out_lines = laid_out.lines();
    let mut number = 1;
    loop {
        match (written_lines.next(), laid_out_lines.next()) {
            (Some(a), Some(b)) if a == b => number += 1,
            (a, b) => {
                return format!(
                    "line {number} of the item:\n  written:     {}\n  prettyplease: {}",
                    a.unwrap_or("(end)"),
                    b.unwrap_or("(end)")
                );
            }
        }
    }
}

/// `///` lines of `text` (see [`super::doc_lines`]) at `depth`, as prettyplease prints
/// `#[doc = " line"]` attributes.
pub(super) fn doc(out: &mut String, depth: usize, text: &str) {
    comment(out, depth, "///", text);
}

/// `//!` lines of `text` at `depth`: a module's docs.
pub(super) fn inner_doc(out: &mut String, depth: usize, text: &str) {
    comment(out, depth, "//!", text);
}

fn comment(out: &mut String, depth: usize, marker: &str, text: &str) {
    for line in super::doc_lines(text) {
        indent(out, depth);
        out.push_str(marker);
        out.push_str(&line);
        out.push('\n');
    }
}

/// Each of `items` on a line of its own at `depth`, a comma after it: a list prettyplease broke.
pub(super) fn elements(out: &mut String, depth: usize, items: &[impl AsRef<str>]) {
    for item in items {
        indent(out, depth);
        out.push_str(item.as_ref());
        out.push_str(",\n");
    }
}

/// Four spaces a level.
pub(super) fn indent(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str("    ");
    }
}

/// A function's signature at `depth`, through its opening brace: `head` (`pub fn name`), the
/// parameters, `ret` (`-> T`, or empty) and the `where` bounds. On one line when that fits the
/// margin, else a parameter per line, as prettyplease breaks it. (A line still too long sends
/// the item through prettyplease: see [`Source`].)
pub(super) fn signature(
    out: &mut String,
    depth: usize,
    head: &str,
    params: &[String],
    ret: &str,
    bounds: &[String],
) {
    let ret = if ret.is_empty() {
        String::new()
    } else {
        format!(" {ret}")
    };
    let open = if bounds.is_empty() { " {" } else { "" };
    let one_line = format!("{head}({}){ret}{open}", params.join(", "));
    indent(out, depth);
    if depth * 4 + one_line.len() <= MARGIN || params.is_empty() {
        out.push_str(&one_line);
    } else {
        out.push_str(head);
        out.push_str("(\n");
        elements(out, depth + 1, params);
        indent(out, depth);
        out.push(')');
        match generic_args(&ret) {
            // prettyplease breaks the return type's type arguments next, one a line.
            Some((head, args)) if depth * 4 + 1 + ret.len() + open.len() > MARGIN => {
                type_arguments(out, depth, head, &args);
            }
            _ => out.push_str(&ret),
        }
        out.push_str(open);
    }
    out.push('\n');
    if !bounds.is_empty() {
        indent(out, depth);
        out.push_str("where\n");
        elements(out, depth + 1, bounds);
        indent(out, depth);
        out.push_str("{\n");
    }
}

/// The first line of an item with generic parameters at `depth`: `{before}<{params}>{after}`
/// (`impl<A, B> X<A, B> {`, `pub struct X<A = Unset> {`), without `<>` when there are none. On
/// one line when it fits the margin, else a parameter per line, as prettyplease breaks it.
pub(super) fn generic_header(
    out: &mut String,
    depth: usize,
    before: &str,
    params: &[&str],
    after: &str,
) {
    indent(out, depth);
    out.push_str(before);
    if params.is_empty() {
        out.push_str(after);
    } else if depth * 4 + before.len() + params.join(", ").len() + 2 + after.len() <= MARGIN {
        out.push('<');
        out.push_str(&params.join(", "));
        out.push('>');
        out.push_str(after);
    } else {
        type_arguments(out, depth, "", params);
        // `> Self<..> {` still too long: the self type's arguments break too.
        let self_ty = after.strip_suffix(" {").map(str::trim_start);
        match self_ty.and_then(generic_args) {
            Some((head, args)) if depth * 4 + 1 + after.len() > MARGIN => {
                out.push(' ');
                type_arguments(out, depth, head, &args);
                out.push_str(" {");
            }
            _ => out.push_str(after),
        }
    }
    out.push('\n');
}

/// `{head}<`, then `args` a line each one level in, then `>`: type arguments or generic
/// parameters as prettyplease breaks them.
fn type_arguments(out: &mut String, depth: usize, head: &str, args: &[&str]) {
    out.push_str(head);
    out.push_str("<\n");
    elements(out, depth + 1, args);
    indent(out, depth);
    out.push('>');
}

/// `(a,)` for one element, `(a, b)` for more: a tuple as prettyplease prints it on one line.
pub(super) fn tuple(items: &[impl AsRef<str>]) -> String {
    match items {
        [one] => format!("({},)", one.as_ref()),
        more => {
            let items: Vec<&str> = more.iter().map(AsRef::as_ref).collect();
            format!("({})", items.join(", "))
        }
    }
}

/// A type that ends in type arguments, split there: `Name<A, B<C>>` -> (`Name`, [`A`, `B<C>`]).
fn generic_args(ty: &str) -> Option<(&str, Vec<&str>)> {
    let inner = ty.strip_suffix('>')?;
    let open = inner.find('<')?;
    let (head, args) = (&inner[..open], &inner[open + 1..]);
    let mut split = Vec::new();
    let (mut depth, mut start) = (0usize, 0);
    for (at, ch) in args.char_indices() {
        match ch {
            '<' | '(' => depth += 1,
            '>' | ')' => depth = depth.checked_sub(1)?,
            ',' if depth == 0 => {
                split.push(args[start..at].trim());
                start = at + 1;
            }
            _ => {}
        }
    }
    (depth == 0).then_some(())?;
    split.push(args[start..].trim());
    Some((head, split))
}

/// A struct expression, `path { fields }`, its first line not indented and the others for
/// `depth`, laid out as prettyplease lays it out: on one line when at most
/// [`STRUCT_ON_ONE_LINE`] wide, else a field per line.
pub(super) fn struct_expr(path: &str, fields: &[String], depth: usize) -> String {
    if fields.is_empty() {
        return format!("{path} {{}}");
    }
    let one_line = format!("{path} {{ {} }}", fields.join(", "));
    if one_line.len() <= STRUCT_ON_ONE_LINE {
        return one_line;
    }
    let mut out = format!("{path} {{\n");
    elements(&mut out, depth + 1, fields);
    indent(&mut out, depth);
    out.push('}');
    out
}

/// An expression of the generated tests' calls, for [`statement`] to lay out.
#[derive(Debug, Clone)]
pub(crate) enum Expr {
    /// Written as it is, never broken: a literal, a path, a short call.
    Atom(String),
    /// `callee(args)`, with `::<ty>` when `turbofish` names one.
    Call {
        callee: String,
        turbofish: Option<String>,
        args: Vec<Expr>,
    },
    /// `&[items]`.
    RefArray(Vec<Expr>),
    /// `(items)`.
    Tuple(Vec<Expr>),
    /// `path { name: value, .. }`.
    Struct {
        path: String,
        fields: Vec<(String, Expr)>,
    },
}

impl Expr {
    /// `callee(args)`.
    pub(crate) fn call(callee: impl Into<String>, args: Vec<Expr>) -> Expr {
        Expr::Call {
            callee: callee.into(),
            turbofish: None,
            args,
        }
    }

    /// The expression on one line.
    fn flat(&self) -> String {
        let list = |items: &[Expr]| items.iter().map(Expr::flat).collect::<Vec<_>>().join(", ");
        match self {
            Expr::Atom(text) => text.clone(),
            Expr::Call {
                callee,
                turbofish,
                args,
            } => match turbofish {
                Some(ty) => format!("{callee}::<{ty}>({})", list(args)),
                None => format!("{callee}({})", list(args)),
            },
            Expr::RefArray(items) => format!("&[{}]", list(items)),
            Expr::Tuple(items) => format!("({})", list(items)),
            Expr::Struct { path, fields } if fields.is_empty() => format!("{path} {{}}"),
            Expr::Struct { path, fields } => {
                let fields: Vec<String> = fields
                    .iter()
                    .map(|(name, value)| format!("{name}: {}", value.flat()))
                    .collect();
                format!("{path} {{ {} }}", fields.join(", "))
            }
        }
    }

    /// The expression starting at column `column` of a line at nesting `depth`, followed on
    /// that line by `trail` more bytes before prettyplease's next break: on one line when that
    /// fits the margin, else with its arguments or items a line each, as prettyplease breaks
    /// them (a call with a type argument breaks that first).
    pub(crate) fn layout(&self, column: usize, trail: usize, depth: usize) -> String {
        let flat = self.flat();
        let narrow = !matches!(self, Expr::Struct { .. }) || flat.len() <= STRUCT_ON_ONE_LINE;
        if column + flat.len() + trail <= MARGIN && narrow {
            return flat;
        }
        let broken = |open: &str, items: &[Expr], close: &str| {
            let mut out = format!("{open}\n");
            for item in items {
                indent(&mut out, depth + 1);
                out.push_str(&item.layout((depth + 1) * 4, 0, depth + 1));
                out.push_str(",\n");
            }
            indent(&mut out, depth);
            out.push_str(close);
            out
        };
        match self {
            Expr::Atom(text) => text.clone(),
            Expr::Call {
                callee,
                turbofish: None,
                args,
            } => broken(&format!("{callee}("), args, ")"),
            Expr::Call {
                callee,
                turbofish: Some(ty),
                args,
            } => {
                let mut out = format!("{callee}::<\n");
                indent(&mut out, depth + 1);
                out.push_str(ty);
                out.push_str(",\n");
                indent(&mut out, depth);
                let rest = Expr::Call {
                    callee: ">".to_owned(),
                    turbofish: None,
                    args: args.clone(),
                };
                out.push_str(&rest.layout(depth * 4, trail, depth));
                out
            }
            Expr::RefArray(items) => broken("&[", items, "]"),
            Expr::Tuple(items) => broken("(", items, ")"),
            Expr::Struct { path, fields } => {
                let mut out = format!("{path} {{\n");
                for (name, value) in fields {
                    indent(&mut out, depth + 1);
                    out.push_str(name);
                    out.push_str(": ");
                    let column = (depth + 1) * 4 + name.len() + 2;
                    out.push_str(&value.layout(column, 0, depth + 1));
                    out.push_str(",\n");
                }
                indent(&mut out, depth);
                out.push('}');
                out
            }
        }
    }
}

/// A statement at `depth`: `head` (`let _ = `, or nothing), then `receiver` and each of
/// `calls` (method calls, or `await`), then `;`. On one line when it fits, else the receiver
/// on the first line and a call a line, each call's arguments broken as [`Expr`] breaks them.
pub(crate) fn statement(depth: usize, head: &str, receiver: &str, calls: &[Expr]) -> String {
    let dotted = |call: &Expr| format!(".{}", call.flat());
    let one_line = format!(
        "{head}{receiver}{};",
        calls.iter().map(dotted).collect::<String>()
    );
    let mut out = String::new();
    indent(&mut out, depth);
    if depth * 4 + one_line.len() <= MARGIN || calls.is_empty() {
        out.push_str(&one_line);
        out.push('\n');
        return out;
    }
    out.push_str(head);
    out.push_str(receiver);
    out.push('\n');
    for (index, call) in calls.iter().enumerate() {
        indent(&mut out, depth + 1);
        out.push('.');
        out.push_str(&call.layout((depth + 1) * 4 + 1, 0, depth + 1));
        if index + 1 == calls.len() {
            out.push(';');
        }
        out.push('\n');
    }
    out
}

/// `value` as a Rust string literal, escaped as `quote` escapes it.
pub(crate) fn string_literal(value: &str) -> String {
    proc_macro2::Literal::string(value).to_string()
}

/// How generated code writes a type: with full paths, the crate's own types through `types::`
/// unless the code is in the `types` module itself, spaced as prettyplease prints them.
#[derive(Debug, Clone, Copy)]
pub(super) struct CodeText {
    in_types_module: bool,
}

impl CodeText {
    pub(super) const IN_TYPES: CodeText = CodeText {
        in_types_module: true,
    };
    pub(super) const OUTSIDE_TYPES: CodeText = CodeText {
        in_types_module: false,
    };
}

impl Spelling for CodeText {
    type Out = String;

    fn leaf(&self, leaf: Leaf<'_>) -> String {
        match leaf {
            Leaf::String => "String".to_owned(),
            Leaf::Number => "f64".to_owned(),
            Leaf::Integer => "i64".to_owned(),
            Leaf::Boolean => "bool".to_owned(),
            Leaf::Value => "serde_json::Value".to_owned(),
            Leaf::File => "ghl_runtime::FilePart".to_owned(),
            Leaf::Named(name) if self.in_types_module => name.to_owned(),
            Leaf::Named(name) => format!("types::{name}"),
            Leaf::Common(name) => format!("ghl_common::types::{name}"),
        }
    }

    fn wrap(&self, wrapper: Wrapper, inner: String) -> String {
        match wrapper {
            Wrapper::Vec => format!("Vec<{inner}>"),
            Wrapper::Map => format!("std::collections::BTreeMap<String, {inner}>"),
            Wrapper::Box => format!("Box<{inner}>"),
            Wrapper::Option => format!("Option<{inner}>"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::Ty;

    fn laid_out(text: &str, depth: usize) -> String {
        let tokens: TokenStream = text.parse().unwrap();
        pretty(nest(tokens, depth), depth, "a test").unwrap()
    }

    #[test]
    fn text_that_fits_is_what_prettyplease_prints() {
        let text = "/// A thing.\n#[derive(Debug)]\npub struct A {\n    /// The `b` field.\n    pub b: Option<Vec<String>>,\n}\n";
        assert!(fits(text));
        assert_eq!(laid_out(text, 0), text);
        let nested =
            "    /// A thing.\n    pub type A = std::collections::BTreeMap<String, i64>;\n";
        assert_eq!(laid_out(nested, 1), nested);
    }

    #[test]
    fn a_line_past_the_margin_goes_to_prettyplease() {
        let long = format!(
            "pub fn f(self, first_argument: {0}, second_argument: {0}) -> Self {{\n    self\n}}\n",
            "impl Into<String>"
        );
        assert!(!fits(&long));
        let mut source = Source::default();
        source.text(long);
        let code = source.format("a test").unwrap();
        assert!(code.starts_with("pub fn f(\n    self,\n    first_argument: impl Into<String>,"));
        // Long doc lines are never broken.
        assert!(fits(&format!("/// {}\n", "word ".repeat(40))));
    }

    #[test]
    fn a_block_whose_header_is_too_long_goes_to_prettyplease() {
        let params: Vec<String> = (0..12).map(|n| format!("Parameter{n}")).collect();
        let header = format!("impl<{0}> Thing<{0}>", params.join(", "));
        let mut source = Source::default();
        source.open(&header, 0);
        source.text_at(
            "    pub fn f(self) -> Self {\n        self\n    }\n".to_owned(),
            1,
        );
        source.tokens_at(quote! { fn g(&self) {} }, 1);
        source.close();
        let code = source.format_checked("a test", true).unwrap();
        assert!(code.starts_with("impl<\n    Parameter0,\n"), "{code}");
        assert!(
            code.contains(
                "    pub fn f(self) -> Self {\n        self\n    }\n    fn g(&self) {}\n}\n"
            ),
            "{code}"
        );
    }

    #[test]
    fn verification_names_the_first_difference() {
        let mut source = Source::default();
        source.text("pub struct A { pub b: u8 }\n".to_owned());
        let error = source
            .format_checked("a test", true)
            .unwrap_err()
            .to_string();
        assert!(error.contains("line 1"), "{error}");
        assert!(error.contains("prettyplease: pub struct A {"), "{error}");
    }

    #[test]
    fn tokens_and_text_keep_their_order() {
        let mut source = Source::from(quote! { pub struct A; });
        source.text("pub struct B;\n".to_owned());
        source.tokens(quote! { pub struct C; });
        source.open("mod d", 0);
        source.tokens_at(quote! { pub struct E; }, 1);
        source.close();
        assert_eq!(
            source.format("a test").unwrap(),
            "pub struct A;\npub struct B;\npub struct C;\nmod d {\n    pub struct E;\n}\n"
        );
    }

    #[test]
    fn docs_and_types_read_as_prettyplease_prints_them() {
        let mut out = String::new();
        doc(&mut out, 1, "First.\n\nSecond  ");
        assert_eq!(out, "    /// First.\n    ///\n    /// Second\n");
        let ty = Ty::Array(Box::new(Ty::Map(Box::new(Ty::Named("Post".into())))));
        assert_eq!(
            ty.render(&CodeText::OUTSIDE_TYPES),
            "Vec<std::collections::BTreeMap<String, types::Post>>"
        );
        assert_eq!(string_literal("a \"b\"\n"), "\"a \\\"b\\\"\\n\"");
    }

    #[test]
    fn signatures_break_a_parameter_a_line() {
        let params = ["self".to_owned(), "value: impl Into<String>".to_owned()];
        let mut short = String::new();
        signature(&mut short, 0, "pub fn f", &params, "-> Self", &[]);
        assert_eq!(
            short,
            "pub fn f(self, value: impl Into<String>) -> Self {\n"
        );
        let item = format!("{short}    self\n}}\n");
        assert_eq!(laid_out(&item, 0), item);
        let mut long = String::new();
        let name = format!("pub fn {}", "f".repeat(50));
        signature(
            &mut long,
            1,
            &name,
            &params,
            "-> Self",
            &["A: IsSet".to_owned()],
        );
        let item = format!("{long}        self\n    }}\n");
        assert!(item.contains("(\n        self,\n        value: impl Into<String>,\n    ) -> Self\n    where\n        A: IsSet,\n    {\n"));
        assert_eq!(laid_out(&item, 1), item);
    }

    #[test]
    fn long_return_types_break_their_type_arguments() {
        let mut item = String::new();
        let ret = format!(
            "-> impl CallFuture<ghl_runtime::Response<types::{}>>",
            "Long".repeat(10)
        );
        signature(
            &mut item,
            1,
            "pub fn send_with_response",
            &["self".to_owned()],
            &ret,
            &["A: IsSet".to_owned()],
        );
        item.push_str("        todo!()\n    }\n");
        assert!(
            item.contains(") -> impl CallFuture<\n        ghl_runtime::Response<types::"),
            "{item}"
        );
        assert_eq!(laid_out(&item, 1), item);
        assert_eq!(
            generic_args("A<B, C<D, E>>"),
            Some(("A", vec!["B", "C<D, E>"]))
        );
        assert_eq!(generic_args("Self"), None);
    }

    #[test]
    fn long_generic_headers_break_a_parameter_a_line() {
        let params: Vec<String> = (0..6).map(|n| format!("Parameter{n}")).collect();
        let params: Vec<&str> = params.iter().map(String::as_str).collect();
        let mut item = String::new();
        let after = format!(" Thing<Unset, {}> {{", params[1..].join(", "));
        generic_header(&mut item, 0, "impl", &params[1..], &after);
        item.push_str("    fn f() {}\n}\n");
        assert!(item.starts_with("impl<\n    Parameter1,\n"), "{item}");
        assert_eq!(laid_out(&item, 0), item);
        let many: Vec<String> = (0..12).map(|n| format!("Parameter{n}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        let mut item = String::new();
        let after = format!(" Thing<Unset, {}> {{", many[1..].join(", "));
        generic_header(&mut item, 0, "impl", &many[1..], &after);
        item.push_str("    fn f() {}\n}\n");
        assert!(item.contains("> Thing<\n    Unset,\n"), "{item}");
        assert_eq!(laid_out(&item, 0), item);
        let mut short = String::new();
        generic_header(&mut short, 1, "pub struct Thing", &params[..2], " {");
        assert_eq!(short, "    pub struct Thing<Parameter0, Parameter1> {\n");
        let defaults: Vec<String> = params.iter().map(|p| format!("{p} = Unset")).collect();
        let defaults: Vec<&str> = defaults.iter().map(String::as_str).collect();
        let mut item = String::new();
        generic_header(&mut item, 0, "pub struct Thing", &defaults, " {");
        item.push_str("    a: Parameter0,\n}\n");
        assert!(
            item.starts_with("pub struct Thing<\n    Parameter0 = Unset,\n"),
            "{item}"
        );
        assert_eq!(laid_out(&item, 0), item);
    }

    #[test]
    fn call_chains_break_a_call_a_line_and_long_arguments_an_argument_a_line() {
        let json = format!("\"{}\"", "x".repeat(100));
        let calls = [
            Expr::call(
                "create",
                vec![Expr::call("value", vec![Expr::Atom(json.clone())])],
            ),
            Expr::call(
                "body",
                vec![Expr::Call {
                    callee: "value".to_owned(),
                    turbofish: Some("some_crate::types::SomeRatherLongTypeName".to_owned()),
                    args: vec![Expr::Atom(json)],
                }],
            ),
            Expr::call(
                "headers",
                vec![Expr::RefArray(vec![Expr::Tuple(vec![
                    Expr::Atom("\"User-Agent\"".to_owned()),
                    Expr::Atom(format!("\"{}\"", "Mozilla ".repeat(10))),
                ])])],
            ),
            Expr::call("send", Vec::new()),
            Expr::Atom("await".to_owned()),
        ];
        let body = text_statement_fn(&statement(1, "let _ = ", "api", &calls));
        assert!(
            body.contains("    let _ = api\n        .create(\n            value(\n"),
            "{body}"
        );
        assert_eq!(laid_out(&body, 0), body);
        let short = [
            Expr::call("send", Vec::new()),
            Expr::Atom("await".to_owned()),
        ];
        let body = text_statement_fn(&statement(1, "let _ = ", "api", &short));
        assert!(body.contains("    let _ = api.send().await;\n"), "{body}");
        assert_eq!(laid_out(&body, 0), body);
    }

    /// `statements` in an async function, as a file.
    fn text_statement_fn(statements: &str) -> String {
        format!("async fn f() {{\n{statements}}}\n")
    }

    #[test]
    fn struct_expressions_break_past_prettyplease_width() {
        let short = vec!["a: 1".to_owned(), "b".to_owned()];
        assert_eq!(struct_expr("Self", &short, 2), "Self { a: 1, b }");
        let body = format!("fn f() -> S {{\n    {}\n}}\n", struct_expr("S", &short, 1));
        assert_eq!(laid_out(&body, 0), body);
        let long: Vec<String> = ["first: 1", "second: 2", "third: 3", "d"]
            .map(str::to_owned)
            .to_vec();
        let broken = struct_expr("Self", &long, 1);
        assert_eq!(
            broken,
            "Self {\n        first: 1,\n        second: 2,\n        third: 3,\n        d,\n    }"
        );
        let body = format!("fn f() -> S {{\n    {broken}\n}}\n");
        assert_eq!(laid_out(&body, 0), body);
        // 35 wide stays on one line, 36 does not.
        let edge = |name: &str| struct_expr("Self", &[format!("{name}: 1")], 1);
        let at = edge(&"x".repeat(35 - "Self {  }: 1".len()));
        assert_eq!(at.len(), 35);
        let at_body = format!("fn f() -> S {{\n    {at}\n}}\n");
        assert_eq!(laid_out(&at_body, 0), at_body);
        let past = edge(&"x".repeat(36 - "Self {  }: 1".len()));
        assert!(past.contains('\n'));
        let past_body = format!("fn f() -> S {{\n    {past}\n}}\n");
        assert_eq!(laid_out(&past_body, 0), past_body);
    }
}
