//! Proof that the diff's classes are what the compiler does to callers (`cargo xtask test`).
//!
//! A probe is a program written against one release's crates that uses all of their public
//! surface the way a caller would: every operation called with its required arguments and
//! every setter, every input built with `new` and every setter, every field read with its type
//! spelled out, every enum variant named and matched. It is written against the older release
//! (2025-10-31) and compiled twice:
//! - against the older crates themselves: it must compile (else the probe is wrong);
//! - against the pinned crates, for every crate the diff calls additive: it must compile too;
//! - for one crate the diff calls breaking, it must fail, naming an item the diff lists.
//!
//! Both releases are generated as the diff sees them: no overrides, the workspace's type-name
//! lock.

use std::path::Path;

use anyhow::{Context, bail};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::diff::{Class, Report, Status};
use crate::ir::{Api, Body, Field, Leaf, Response, Spelling, Ty, TypeKind, Wrapper};
use crate::naming;

/// Types as a caller outside the crate writes them: `ghl_blogs::types::Post`.
struct Outside<'a> {
    krate: &'a proc_macro2::Ident,
}

impl Spelling for Outside<'_> {
    type Out = TokenStream;

    fn leaf(&self, leaf: Leaf<'_>) -> TokenStream {
        let krate = self.krate;
        match leaf {
            Leaf::String => quote! { String },
            Leaf::Number => quote! { f64 },
            Leaf::Integer => quote! { i64 },
            Leaf::Boolean => quote! { bool },
            Leaf::Value => quote! { serde_json::Value },
            Leaf::File => quote! { ghl_runtime::FilePart },
            Leaf::Named(name) => {
                let name = format_ident!("{}", name);
                quote! { #krate::types::#name }
            }
            Leaf::Common(name) => {
                let name = format_ident!("{}", name);
                quote! { ghl_common::types::#name }
            }
        }
    }

    fn wrap(&self, wrapper: Wrapper, inner: TokenStream) -> TokenStream {
        match wrapper {
            Wrapper::Vec => quote! { Vec<#inner> },
            Wrapper::Map => quote! { std::collections::BTreeMap<String, #inner> },
            Wrapper::Box => quote! { Box<#inner> },
            Wrapper::Option => quote! { Option<#inner> },
        }
    }
}

/// The probe module of one crate: `pub mod ghl_blogs { ... }`.
pub fn probe(api: &Api) -> TokenStream {
    let krate = format_ident!("{}", naming::crate_ident(&api.crate_name));
    let spell = Outside { krate: &krate };
    let ty = |ty: &Ty| ty.render(&spell);
    let calls = api.operations.iter().map(|op| {
        let name = format_ident!("{}", op.fn_name);
        let mut args: Vec<TokenStream> = op
            .path_params
            .iter()
            .map(|param| {
                let ty = ty(&param.ty);
                quote! { any::<#ty>() }
            })
            .collect();
        // Required query and header parameters are named setters, like the optional ones.
        let mut setters: Vec<TokenStream> = op
            .params
            .iter()
            .map(|param| {
                let setter = format_ident!("{}", param.name);
                let ty = ty(&param.ty);
                quote! { .#setter(any::<#ty>()) }
            })
            .collect();
        let body = match &op.body {
            Some(Body::Json { ty: body, .. } | Body::Form { ty: body, .. }) => Some(ty(body)),
            Some(Body::Multipart { ty: body }) => {
                let body = format_ident!("{}", body);
                Some(quote! { #krate::types::#body })
            }
            Some(Body::MultipartRaw) => Some(quote! { ghl_runtime::Multipart }),
            Some(Body::Bytes { .. }) => Some(quote! { Vec<u8> }),
            None => None,
        };
        if let (Some(body_ty), Some(body)) = (body, &op.body) {
            if body.required() {
                args.push(quote! { any::<#body_ty>() });
            } else {
                setters.push(quote! { .body(any::<#body_ty>()) });
            }
        }
        let answer = match &op.response {
            Response::Json(answer) => ty(answer),
            Response::Empty => quote! { () },
        };
        let paginate = op.paging.as_ref().map(|paging| {
            let item = ty(&paging.item);
            quote! {
                let _: ghl_runtime::Paginator<#answer, #item> =
                    api.#name(#(#args),*) #(#setters)* .paginate();
            }
        });
        quote! {
            let _: ghl_runtime::Result<#answer> = api.#name(#(#args),*) #(#setters)* .send().await;
            #paginate
        }
    });
    let types = api
        .types
        .iter()
        .filter(|def| def.shared.is_none() || api.crate_name == crate::pipeline::COMMON_CRATE)
        .map(|def| {
            let name = format_ident!("{}", def.name);
            let path = quote! { #krate::types::#name };
            match &def.kind {
                TypeKind::Struct { fields, .. } => {
                    let reads = fields.iter().map(|field| {
                        let ident = format_ident!("{}", field.name);
                        let field_ty = field.render_ty(&spell);
                        quote! { let _: &#field_ty = &value.#ident; }
                    });
                    let built = def.input.then(|| {
                        let given = Field::given(fields);
                        let setters = fields.iter().filter(|field| field.optional()).map(|field| {
                            let ident = format_ident!("{}", field.name);
                            let inner = ty(&field.ty);
                            quote! { .#ident(any::<#inner>()) }
                        });
                        // By name, with the typestate builder, where the type has one.
                        if Field::built_by_name(fields) {
                            let named = given.iter().map(|field| {
                                let ident = format_ident!("{}", field.name);
                                let field_ty = field.render_ty(&spell);
                                quote! { .#ident(any::<#field_ty>()) }
                            });
                            quote! { let _: #path = #path::builder() #(#named)* .build() #(#setters)*; }
                        } else {
                            let required = given.iter().map(|field| {
                                let field_ty = field.render_ty(&spell);
                                quote! { any::<#field_ty>() }
                            });
                            quote! { let _: #path = #path::new(#(#required),*) #(#setters)*; }
                        }
                    });
                    quote! {
                        {
                            let value: #path = any();
                            #(#reads)*
                            #built
                        }
                    }
                }
                TypeKind::Enum { variants } => {
                    let arms = variants.iter().map(|variant| {
                        let variant = format_ident!("{}", variant.name);
                        quote! { #path::#variant => {} }
                    });
                    quote! {
                        match any::<#path>() {
                            #(#arms)*
                            #path::Unknown(_) => {}
                            _ => {}
                        }
                    }
                }
                TypeKind::Untagged { variants } => {
                    let built = variants.iter().map(|(variant, variant_ty)| {
                        let variant = format_ident!("{}", variant);
                        let variant_ty = ty(variant_ty);
                        quote! { let _: #path = #path::#variant(any::<#variant_ty>()); }
                    });
                    quote! { #(#built)* }
                }
                TypeKind::Alias(_) => quote! { let _: Option<#path> = None; },
            }
        });
    let client = format_ident!("{}", api.client_name);
    let operations = (!api.operations.is_empty()).then(|| {
        quote! {
            /// Every operation, with every input.
            pub async fn operations(api: &#krate::#client) {
                #(#calls)*
            }
        }
    });
    quote! {
        pub mod #krate {
            use super::any;

            #operations

            /// Every type: built, read and matched as a caller would.
            pub fn types() {
                #(#types)*
            }
        }
    }
}

/// A probe crate over `apis` in `dir`, depending on the crates in `crates_dir`.
fn probe_crate(dir: &Path, crates_dir: &Path, apis: &[&Api]) -> anyhow::Result<()> {
    let modules = apis.iter().map(|api| probe(api));
    let source = quote! {
        //! A compile-only caller of these crates (see xtask/src/semver.rs).
        #![allow(deprecated, unused, unreachable_code, clippy::all)]

        /// A value of any type, for a program that is compiled and never run.
        fn any<T>() -> T {
            unimplemented!("compile-only probe")
        }

        #(#modules)*
    };
    let parsed: syn::File = syn::parse2(source).context("the probe is not valid Rust")?;
    let mut dependencies = String::new();
    let mut names: Vec<&str> = apis.iter().map(|api| api.crate_name.as_str()).collect();
    names.push(crate::pipeline::COMMON_CRATE);
    names.sort_unstable();
    names.dedup();
    for name in names {
        dependencies.push_str(&format!(
            "{name} = {{ path = \"{}\" }}\n",
            crates_dir.join(name).display()
        ));
    }
    let runtime = crate::regen::workspace_root().join("crates/ghl-runtime");
    let manifest = format!(
        "[package]\nname = \"semver-probe\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[workspace]\n\n[lib]\npath = \"lib.rs\"\n\n[dependencies]\n{dependencies}ghl-runtime = {{ path = \"{}\" }}\nserde_json = \"1\"\n",
        runtime.display()
    );
    crate::safe_fs::write_atomic(&dir.join("Cargo.toml"), manifest.as_bytes())?;
    crate::safe_fs::write_atomic(
        &dir.join("lib.rs"),
        prettyplease::unparse(&parsed).as_bytes(),
    )?;
    Ok(())
}

/// What the probes found.
pub struct Outcome {
    /// Crates the diff calls additive, whose probe compiled against the new release.
    pub additive: Vec<String>,
    /// The breaking crate whose probe failed, and the item of its diff the compiler named.
    pub breaking: Option<(String, String)>,
}

/// Writes the probes under `work` and checks them against the crates generated in `old_dir`
/// and `new_dir`. `check(dir)` runs `cargo check` on the probe crate in `dir` and returns its
/// success and its diagnostics.
pub fn run(
    report: &Report,
    old: &[Api],
    dirs: (&Path, &Path),
    work: &Path,
    check: &dyn Fn(&Path) -> anyhow::Result<(bool, String)>,
) -> anyhow::Result<Outcome> {
    let (old_dir, new_dir) = dirs;
    let changed = |class: Class| -> Vec<&str> {
        report
            .crates
            .iter()
            .filter(|krate| krate.status == Status::Changed && krate.class == class)
            .map(|krate| krate.crate_name.as_str())
            .collect()
    };
    let additive = changed(Class::Additive);
    let probed: Vec<&Api> = old
        .iter()
        .filter(|api| additive.contains(&api.crate_name.as_str()))
        .collect();
    if probed.is_empty() {
        bail!("the diff calls no crate in both releases additive: nothing to prove");
    }
    for (side, crates) in [("old", old_dir), ("new", new_dir)] {
        let dir = work.join(format!("probe-{side}"));
        probe_crate(&dir, crates, &probed)?;
        let (ok, diagnostics) = check(&dir)?;
        if !ok {
            bail!(
                "the probe of the crates the diff calls additive ({}) does not compile against the {side} release:\n{diagnostics}",
                additive.join(", ")
            );
        }
    }
    // The breaking case: the first crate the diff calls breaking whose probe the compiler
    // refuses where the diff says.
    let mut breaking = None;
    for krate in report
        .crates
        .iter()
        .filter(|krate| krate.status == Status::Changed && krate.class == Class::Breaking)
    {
        let Some(api) = old.iter().find(|api| api.crate_name == krate.crate_name) else {
            continue;
        };
        let dir = work.join("probe-breaking");
        probe_crate(&dir, new_dir, &[api])?;
        let (ok, diagnostics) = check(&dir)?;
        if ok {
            bail!(
                "the diff calls {} breaking, yet a program written against its old crate compiles against the new one",
                krate.crate_name
            );
        }
        let named = krate
            .changes
            .iter()
            .filter(|change| change.class == Class::Breaking)
            .find(|change| {
                diagnostics.contains(&format!("`{}`", change.item))
                    || diagnostics.contains(&change.item)
            });
        match named {
            Some(change) => {
                breaking = Some((krate.crate_name.clone(), change.item.clone()));
                break;
            }
            None => bail!(
                "the probe of {} fails, but at nothing the diff lists as breaking:\n{diagnostics}",
                krate.crate_name
            ),
        }
    }
    Ok(Outcome {
        additive: additive.iter().map(|name| (*name).to_owned()).collect(),
        breaking,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::ir::testing::build;

    #[test]
    fn the_probe_calls_builds_reads_and_matches_everything() {
        let mut api = build(
            json!({
                "Thing": { "type": "object", "required": ["name"], "properties": {
                    "name": { "type": "string" }, "size": { "type": "integer" },
                    "kind": { "$ref": "#/components/schemas/Kind" } } },
                "Kind": { "type": "string", "enum": ["big", "small"] },
            }),
            json!({ "/things/{id}": { "put": {
                "operationId": "put-thing",
                "parameters": [
                    { "name": "id", "in": "path", "required": true, "schema": { "type": "string" } },
                    { "name": "dry", "in": "query", "schema": { "type": "boolean" } }],
                "requestBody": { "required": true, "content": { "application/json": {
                    "schema": { "$ref": "#/components/schemas/Thing" } } } },
                "responses": { "200": { "description": "ok", "content": { "application/json": {
                    "schema": { "$ref": "#/components/schemas/Thing" } } } } },
            } } }),
        );
        crate::ir::mark_inputs(std::slice::from_mut(&mut api), "ghl-common");
        let code = super::probe(&api);
        let file: syn::File = syn::parse2(code).expect("the probe parses");
        // Compared without whitespace (and the commas prettyplease adds), layout aside.
        let squeeze = |text: &str| {
            text.split_whitespace()
                .collect::<String>()
                .replace(",)", ")")
        };
        let text = squeeze(&prettyplease::unparse(&file));
        for expected in [
            "api.put_thing(any::<String>(), any::<ghl_things::types::Thing>()) .dry(any::<bool>()) .send() .await",
            "let _: &String = &value.name;",
            "let _: &Option<i64> = &value.size;",
            "ghl_things::types::Thing::new(any::<String>()) .size(any::<i64>()) .kind(any::<ghl_things::types::Kind>())",
            "ghl_things::types::Kind::Big => {}",
            "_ => {}",
        ] {
            assert!(text.contains(&squeeze(expected)), "{expected}\n{text}");
        }
    }
}
