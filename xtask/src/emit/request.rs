//! The HTTP request an operation sends: the builder's private `into_request`, with the
//! client-side checks, path parameters, query and header parameters, body and access
//! metadata the runtime needs.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::ir::{Access, Api, Body, Method, Operation, ParamLocation, Response, Ty, TypeKind};

/// The body of `into_request`: checks, then the request with its parameters, headers, access
/// and body. The inputs are locals of the same names.
pub(super) fn into_request(api: &Api, op: &Operation) -> TokenStream {
    let template = &op.path;
    let version = &op.version;
    let mut chain = path_params(op);
    let mut optional_headers = Vec::new();
    for param in &op.params {
        let wire = &param.wire;
        let ident = format_ident!("{}", param.name);
        match (param.location, param.required) {
            (ParamLocation::Header, true) => {
                chain.push(quote! { .header(#wire, #ident.to_string()) })
            }
            (ParamLocation::Header, false) => optional_headers.push(quote! {
                let request = match &#ident {
                    Some(value) => request.header(#wire, value.to_string()),
                    None => request,
                };
            }),
            (_, true) if param.joined => chain.push(quote! { .query_joined(#wire, &#ident) }),
            (_, false) if param.joined => {
                chain.push(quote! { .query_joined_opt(#wire, #ident.as_ref()) })
            }
            (_, true) => chain.push(quote! { .query(#wire, &#ident) }),
            (_, false) => chain.push(quote! { .query_opt(#wire, #ident.as_ref()) }),
        }
    }
    let body = match &op.body {
        Some(Body::Json { required: true, .. }) => quote! { let request = request.json(&body); },
        Some(Body::Form { required: true, .. }) => quote! { let request = request.form(&body); },
        Some(Body::Json {
            required: false, ..
        }) => quote! {
            let request = match &body { Some(body) => request.json(body), None => request };
        },
        Some(Body::Form {
            required: false, ..
        }) => quote! {
            let request = match &body { Some(body) => request.form(body), None => request };
        },
        Some(Body::Multipart { ty }) => {
            let (parts, file_lists) = multipart_parts(api, ty);
            let binding = if file_lists.is_empty() {
                quote! { let form }
            } else {
                quote! { let mut form }
            };
            quote! {
                #binding = ghl_runtime::Multipart::new() #(#parts)*;
                #(#file_lists)*
                let request = request.multipart(form);
            }
        }
        Some(Body::MultipartRaw) => quote! { let request = request.multipart(body); },
        Some(Body::Bytes {
            content_type,
            required: true,
        }) => quote! { let request = request.bytes(#content_type, body); },
        Some(Body::Bytes {
            content_type,
            required: false,
        }) => quote! {
            let request = match body { Some(body) => request.bytes(#content_type, body), None => request };
        },
        None => quote! {},
    };
    match (&op.response, &op.unwrap) {
        (Response::Json(_), Some(inner)) => chain.push(quote! { .unwrap_at(#inner) }),
        (Response::Json(_), None) => {}
        (Response::Empty, _) => chain.push(quote! { .ignore_body() }),
    }
    for (name, value) in &op.forced_headers {
        chain.push(quote! { .force_header(#name, #value) });
    }
    if op.without_auth {
        chain.push(quote! { .without_auth() });
    } else {
        chain.extend(access_calls(&op.access));
    }
    // `Request::get(..)` and the like, as a person would write it; `to` for the rest.
    let constructor = match op.method {
        Method::Options => {
            quote! { Request::to(ghl_runtime::Method::OPTIONS, #template, #version) }
        }
        method => {
            let name = format_ident!("{}", method.as_str().to_ascii_lowercase());
            quote! { Request::#name(#template, #version) }
        }
    };
    let mut checks = bound_checks(op);
    checks.extend(body_item_checks(api, op));
    quote! {
        #(#checks)*
        let request = #constructor #(#chain)*;
        #(#optional_headers)*
        #body
    }
}

/// Client-side checks of the bounds the server enforces, so a bad value fails before it is sent.
fn bound_checks(op: &Operation) -> Vec<TokenStream> {
    let mut checks = Vec::new();
    let fn_name = &op.fn_name;
    for param in op.path_params.iter().chain(&op.params) {
        let value = format_ident!("{}", param.name);
        for (bound, violated, word) in [
            (param.minimum, quote! { < }, "least"),
            (param.maximum, quote! { > }, "most"),
        ] {
            let Some(bound) = bound else { continue };
            let literal = match param.ty {
                Ty::Integer => {
                    let bound = bound as i64;
                    quote! { #bound }
                }
                Ty::Number => quote! { #bound },
                _ => continue,
            };
            let message = format!("`{}` must be at {word} {bound}", param.wire);
            let test = if param.required {
                quote! { #value #violated #literal }
            } else {
                quote! { #value.is_some_and(|value| value #violated #literal) }
            };
            checks.push(quote! {
                if #test {
                    return Err(ghl_runtime::Error::invalid_request(#fn_name, #message));
                }
            });
        }
    }
    checks
}

/// Client-side checks of the body's array lengths (`maxItems`) the server enforces.
fn body_item_checks(api: &Api, op: &Operation) -> Vec<TokenStream> {
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
        return Vec::new();
    };
    let Some(TypeKind::Struct { fields, .. }) = api
        .types
        .iter()
        .find(|def| &def.name == name)
        .map(|def| &def.kind)
    else {
        return Vec::new();
    };
    let fn_name = &op.fn_name;
    fields
        .iter()
        .filter_map(|field| {
            let max = field.max_items?;
            let ident = format_ident!("{}", field.name);
            let message = format!("`{}` takes at most {max} items", field.wire);
            let len = if field.optional() {
                quote! { body.#ident.as_ref().map_or(0, |items| items.len()) }
            } else {
                quote! { body.#ident.len() }
            };
            let limit = proc_macro2::Literal::usize_unsuffixed(max);
            let check = quote! {
                if #len > #limit {
                    return Err(ghl_runtime::Error::invalid_request(#fn_name, #message));
                }
            };
            Some(if *required {
                check
            } else {
                quote! { if let Some(body) = &body { #check } }
            })
        })
        .collect()
}

/// `.scopes(...)` and `.token_kinds(...)`: what the runtime needs to say why a call was refused.
fn access_calls(access: &Access) -> Vec<TokenStream> {
    let mut calls = Vec::new();
    if !access.scopes.is_empty() {
        let scopes = &access.scopes;
        calls.push(quote! { .scopes(&[#(#scopes),*]) });
    }
    let kinds = match (access.location, access.agency) {
        (true, true) => Some(quote! { ANY }),
        (true, false) => Some(quote! { LOCATION }),
        (false, true) => Some(quote! { AGENCY }),
        (false, false) => None,
    };
    calls.extend(kinds.map(|kinds| quote! { .token_kinds(ghl_runtime::TokenKinds::#kinds) }));
    calls
}

/// `.path_param("postId", &post_id)` for each `{postId}` of the path template, in order; the
/// runtime fills it in, percent-encoded. A part no parameter names stays as it is.
fn path_params(op: &Operation) -> Vec<TokenStream> {
    let mut calls = Vec::new();
    let mut rest = op.path.as_str();
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|close| open + close) else {
            break;
        };
        let wire = &rest[open + 1..close];
        if let Some(param) = op.path_params.iter().find(|param| param.wire == wire) {
            let ident = format_ident!("{}", param.name);
            calls.push(quote! { .path_param(#wire, &#ident) });
        }
        rest = &rest[close + 1..];
    }
    calls
}

/// The chained text and file parts, and loops for lists of files.
fn multipart_parts(api: &Api, ty: &str) -> (Vec<TokenStream>, Vec<TokenStream>) {
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
        let wire = &field.wire;
        let ident = format_ident!("{}", field.name);
        for (prefix, bytes) in &field.max_bytes {
            let bytes = proc_macro2::Literal::u64_unsuffixed(*bytes);
            parts.push(quote! { .max_file_size(#prefix, #bytes) });
        }
        match (&field.ty, field.optional()) {
            (Ty::File, false) => parts.push(quote! { .file(#wire, &body.#ident) }),
            (Ty::File, true) => parts.push(quote! { .file_opt(#wire, body.#ident.as_ref()) }),
            (Ty::Array(item), optional) if **item == Ty::File => {
                let files = if optional {
                    quote! { body.#ident.iter().flatten() }
                } else {
                    quote! { &body.#ident }
                };
                file_lists.push(quote! {
                    for file in #files {
                        form = form.file(#wire, file);
                    }
                });
            }
            (_, false) => parts.push(quote! { .text(#wire, &body.#ident) }),
            (_, true) => parts.push(quote! { .text_opt(#wire, body.#ident.as_ref()) }),
        }
    }
    (parts, file_lists)
}
