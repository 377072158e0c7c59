//! Attribute macros for the typed GoHighLevel client. Use them through `ghl-runtime`, which
//! re-exports them: `#[ghl_runtime::skip_serializing_none]`.
#![deny(missing_docs)]

use proc_macro::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};

/// Leaves out of the JSON every `Option` field that is `None`, instead of sending `null`.
///
/// Put it above `#[derive(Serialize)]` on a struct with named fields: each field whose type is
/// `Option<..>` (also spelled `std::option::Option` or `core::option::Option`) gets
/// `#[serde(default, skip_serializing_if = "Option::is_none")]`, unless it already has a
/// `skip_serializing_if` of its own. Mark a field `#[serialize_always]` to send its `null`
/// anyway (the attribute is removed). A missing field reads as `None` either way; `default`
/// says so without the per-field `missing_field` code serde would otherwise generate, which
/// keeps crates with thousands of optional fields as quick to build as before.
///
/// This matters for an API that reads `null` as "clear this value": a field the caller did not
/// set must not be sent at all.
///
/// ```
/// #[ghl_runtime_macros::skip_serializing_none]
/// #[derive(serde::Serialize)]
/// struct Update {
///     name: Option<String>,
///     #[serialize_always]
///     business_id: Option<String>,
/// }
///
/// let json = serde_json::to_string(&Update { name: None, business_id: None }).unwrap();
/// assert_eq!(json, r#"{"business_id":null}"#);
/// ```
///
/// Anything but a struct with named fields is an error:
///
/// ```compile_fail
/// #[ghl_runtime_macros::skip_serializing_none]
/// #[derive(serde::Serialize)]
/// struct Pair(Option<u8>, u8);
/// ```
///
/// So is `#[serialize_always]` on a field that is not an `Option`, or beside the field's own
/// `skip_serializing_if`:
///
/// ```compile_fail
/// #[ghl_runtime_macros::skip_serializing_none]
/// #[derive(serde::Serialize)]
/// struct Named {
///     #[serialize_always]
///     name: String,
/// }
/// ```
///
/// ```compile_fail
/// #[ghl_runtime_macros::skip_serializing_none]
/// #[derive(serde::Serialize)]
/// struct Named {
///     #[serialize_always]
///     #[serde(skip_serializing_if = "Option::is_none")]
///     name: Option<String>,
/// }
/// ```
#[proc_macro_attribute]
pub fn skip_serializing_none(args: TokenStream, item: TokenStream) -> TokenStream {
    if let Some(arg) = args.into_iter().next() {
        return error(arg.span(), "`skip_serializing_none` takes no arguments");
    }
    let mut tokens: Vec<TokenTree> = item.into_iter().collect();
    let Some((body, group)) = named_fields(&tokens) else {
        return error(
            Span::call_site(),
            "`skip_serializing_none` applies to a struct with named fields",
        );
    };
    let fields = match rewrite_fields(group.stream()) {
        Ok(fields) => fields,
        Err((span, message)) => return error(span, message),
    };
    let mut replaced = Group::new(Delimiter::Brace, fields);
    replaced.set_span(group.span());
    tokens[body] = TokenTree::Group(replaced);
    tokens.into_iter().collect()
}

/// The brace group holding a struct's named fields, and its index, if the item is such a
/// struct: the first group or `;` after `struct` decides (a tuple struct has parentheses, a
/// unit struct a `;`).
fn named_fields(tokens: &[TokenTree]) -> Option<(usize, Group)> {
    let start = tokens.iter().position(
        |token| matches!(token, TokenTree::Ident(ident) if ident.to_string() == "struct"),
    )?;
    tokens
        .iter()
        .enumerate()
        .skip(start)
        .find_map(|(index, token)| match token {
            TokenTree::Group(group) if group.delimiter() == Delimiter::Brace => {
                Some(Some((index, group.clone())))
            }
            TokenTree::Group(group) if group.delimiter() == Delimiter::Parenthesis => Some(None),
            TokenTree::Punct(punct) if punct.as_char() == ';' => Some(None),
            _ => None,
        })
        .flatten()
}

/// The fields again, each `Option` one with its `skip_serializing_if`.
fn rewrite_fields(fields: TokenStream) -> Result<TokenStream, (Span, &'static str)> {
    // Collected first and made a stream once: each `extend` of a stream is a round trip to
    // the compiler.
    let mut out: Vec<TokenTree> = Vec::new();
    for field in split_fields(fields) {
        let (attrs, rest) = leading_attributes(&field);
        let always = attrs
            .iter()
            .any(|attr| attribute_is(attr, "serialize_always"));
        let has_own_skip = attrs.iter().any(|attr| {
            attribute_is(attr, "serde") && attr[1].to_string().contains("skip_serializing_if")
        });
        let option = is_option(field_type(rest));
        if always && !option {
            return Err((
                span_of(&field),
                "`serialize_always` applies only to `Option` fields",
            ));
        }
        if always && has_own_skip {
            return Err((
                span_of(&field),
                "`serialize_always` and a `skip_serializing_if` of the field's own contradict each other",
            ));
        }
        for attr in attrs
            .iter()
            .filter(|attr| !attribute_is(attr, "serialize_always"))
        {
            out.extend(attr.iter().cloned());
        }
        if option && !always && !has_own_skip {
            out.extend(skip_attribute());
        }
        out.extend(rest.iter().cloned());
        out.push(TokenTree::Punct(Punct::new(',', Spacing::Alone)));
    }
    Ok(out.into_iter().collect())
}

/// The fields of a brace group, split at the commas between them (not those inside a type's
/// angle brackets).
fn split_fields(fields: TokenStream) -> Vec<Vec<TokenTree>> {
    let mut out = Vec::new();
    let mut current = Vec::new();
    let mut depth = 0usize;
    let mut after_dash = false;
    for token in fields {
        if let TokenTree::Punct(punct) = &token {
            match punct.as_char() {
                '<' => depth += 1,
                // `->` in a function pointer type is not a closing bracket.
                '>' if !after_dash => depth = depth.saturating_sub(1),
                ',' if depth == 0 => {
                    out.push(std::mem::take(&mut current));
                    after_dash = false;
                    continue;
                }
                _ => {}
            }
            after_dash = punct.as_char() == '-' && punct.spacing() == Spacing::Joint;
        } else {
            after_dash = false;
        }
        current.push(token);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// A field's outer attributes (`#` and its bracket group, each), and the rest of the field.
fn leading_attributes(field: &[TokenTree]) -> (Vec<&[TokenTree]>, &[TokenTree]) {
    let mut attrs = Vec::new();
    let mut rest = field;
    while let [TokenTree::Punct(hash), TokenTree::Group(group), tail @ ..] = rest {
        if hash.as_char() != '#' || group.delimiter() != Delimiter::Bracket {
            break;
        }
        attrs.push(&rest[..2]);
        rest = tail;
    }
    (attrs, rest)
}

/// Whether an attribute (`#`, `[...]`) is `#[name ...]`.
fn attribute_is(attr: &[TokenTree], name: &str) -> bool {
    match attr.get(1) {
        Some(TokenTree::Group(group)) => matches!(
            group.stream().into_iter().next(),
            Some(TokenTree::Ident(ident)) if ident.to_string() == name
        ),
        _ => false,
    }
}

/// The tokens after the field's `name:`.
fn field_type(rest: &[TokenTree]) -> &[TokenTree] {
    rest.iter()
        .position(|token| matches!(token, TokenTree::Punct(punct) if punct.as_char() == ':'))
        .map_or(&[], |colon| &rest[colon + 1..])
}

/// Whether a type is `Option<..>`, `std::option::Option<..>` or `core::option::Option<..>`,
/// with or without a leading `::`.
fn is_option(ty: &[TokenTree]) -> bool {
    let path: Vec<String> = ty
        .iter()
        .take_while(|token| !matches!(token, TokenTree::Punct(punct) if punct.as_char() == '<'))
        .filter_map(|token| match token {
            TokenTree::Ident(ident) => Some(ident.to_string()),
            _ => None,
        })
        .collect();
    let bracket = ty
        .iter()
        .any(|token| matches!(token, TokenTree::Punct(punct) if punct.as_char() == '<'));
    bracket
        && matches!(
            path.iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .as_slice(),
            ["Option"] | ["std" | "core", "option", "Option"]
        )
}

/// `#[serde(default, skip_serializing_if = "::core::option::Option::is_none")]`
fn skip_attribute() -> [TokenTree; 2] {
    let inner: TokenStream = [
        TokenTree::Ident(Ident::new("serde", Span::call_site())),
        TokenTree::Group(Group::new(
            Delimiter::Parenthesis,
            [
                TokenTree::Ident(Ident::new("default", Span::call_site())),
                TokenTree::Punct(Punct::new(',', Spacing::Alone)),
                TokenTree::Ident(Ident::new("skip_serializing_if", Span::call_site())),
                TokenTree::Punct(Punct::new('=', Spacing::Alone)),
                TokenTree::Literal(Literal::string("::core::option::Option::is_none")),
            ]
            .into_iter()
            .collect(),
        )),
    ]
    .into_iter()
    .collect();
    [
        TokenTree::Punct(Punct::new('#', Spacing::Alone)),
        TokenTree::Group(Group::new(Delimiter::Bracket, inner)),
    ]
}

fn span_of(field: &[TokenTree]) -> Span {
    field.first().map_or_else(Span::call_site, TokenTree::span)
}

/// `compile_error!("message")` at `span`.
fn error(span: Span, message: &str) -> TokenStream {
    let mut literal = Literal::string(message);
    literal.set_span(span);
    let mut group = Group::new(Delimiter::Parenthesis, TokenTree::Literal(literal).into());
    group.set_span(span);
    let mut bang = Punct::new('!', Spacing::Alone);
    bang.set_span(span);
    [
        TokenTree::Ident(Ident::new("compile_error", span)),
        TokenTree::Punct(bang),
        TokenTree::Group(group),
        TokenTree::Punct(Punct::new(';', Spacing::Alone)),
    ]
    .into_iter()
    .collect()
}
