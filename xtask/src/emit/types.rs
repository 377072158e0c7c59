//! `src/types.rs` of a generated crate: one Rust type per schema.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use std::collections::BTreeMap;

use super::docs::{spec_markdown, usage_sentence, usages};
use super::{
    Code, date_time_arg, doc_attrs, inner_doc, setter_arg, state_param, states_with, ty_tokens,
};
use crate::ir::{Api, Field, Ty, TypeDef, TypeKind, Variant};
use crate::naming::Scope;

pub fn types_rs(api: &Api) -> TokenStream {
    let module_doc = inner_doc(&format!(
        "Request and response types of the {} API, one per schema of `{}`.",
        api.title, api.spec_path
    ));
    let items = type_items(api);
    quote! {
        #module_doc
        #items
    }
}

/// The types of `api` with the imports they need, without a module doc.
pub(super) fn type_items(api: &Api) -> TokenStream {
    // String enums get serde from the runtime's `string_enum!`.
    let uses_serde = api.types.iter().any(|def| {
        def.shared.is_none()
            && matches!(
                def.kind,
                TypeKind::Struct { .. } | TypeKind::Untagged { .. }
            )
    });
    let imports = uses_serde.then(|| quote! { use serde::{Deserialize, Serialize}; });
    let typestate =
        any_builder(api).then(|| quote! { use ghl_runtime::typestate::{Given, Unset}; });
    let usages = usages(api);
    let items = api.types.iter().map(|def| type_def(api, def, &usages));
    quote! {
        #typestate
        #imports
        #(#items)*
    }
}

/// The spec's description, else where the type is used, then where it comes from.
fn type_doc(def: &TypeDef, usages: &BTreeMap<String, Vec<String>>) -> TokenStream {
    let summary = match &def.doc {
        Some(doc) if !doc.trim().is_empty() => spec_markdown(doc.trim()),
        _ => usages
            .get(def.name.as_str())
            .and_then(|phrases| usage_sentence(phrases))
            .unwrap_or_else(|| format!("The `{}` schema.", schema_name(&def.origin))),
    };
    let places = match def.also.len() {
        0 => String::new(),
        1 => format!(" and 1 identical schema (`{}`)", def.also[0]),
        more => format!(" and {more} identical schemas"),
    };
    doc_attrs(&format!("{summary}\n\nSchema: `{}`{places}", def.origin))
}

/// The last segment of a JSON pointer, unescaped: the schema's name in its spec.
fn schema_name(origin: &str) -> String {
    let segment = origin.rsplit('/').next().unwrap_or(origin);
    segment.replace("~1", "/").replace("~0", "~")
}

fn type_def(api: &Api, def: &TypeDef, usages: &BTreeMap<String, Vec<String>>) -> TokenStream {
    let name = format_ident!("{}", def.name);
    if let Some(shared) = &def.shared {
        // Identical in several crates: defined once in the common crate, its docs come along.
        let shared = format_ident!("{}", shared);
        return if shared == name {
            quote! { pub use ghl_common::types::#name; }
        } else {
            quote! { pub use ghl_common::types::#shared as #name; }
        };
    }
    let doc = type_doc(def, usages);
    match &def.kind {
        TypeKind::Struct { fields, additional } => {
            let builder = builder_name(api, def);
            struct_def(
                &doc,
                &name,
                fields,
                additional.as_ref(),
                def.input,
                builder.as_ref(),
            )
        }
        TypeKind::Enum { variants } => enum_def(&doc, &name, variants),
        TypeKind::Untagged { variants } => untagged_def(api, &doc, &name, variants),
        TypeKind::Alias(ty) => {
            let ty = ty_tokens(ty, true);
            quote! { #doc pub type #name = #ty; }
        }
    }
}

/// The wire names a variant's struct declares (none for scalars, lists and foreign types).
fn variant_fields<'a>(api: &'a Api, ty: &Ty) -> Option<Vec<&'a str>> {
    let Ty::Named(name) = ty else { return None };
    match &api.types.iter().find(|def| &def.name == name)?.kind {
        TypeKind::Struct { fields, .. } => {
            Some(fields.iter().map(|field| field.wire.as_str()).collect())
        }
        _ => None,
    }
}

/// `ty` with this crate's type aliases followed to the type they name.
fn unaliased(api: &Api, ty: &Ty) -> Ty {
    let mut ty = ty.clone();
    // Bounded: a chain of aliases is never longer than the crate's list of types.
    for _ in 0..=api.types.len() {
        let Ty::Named(name) = &ty else { break };
        match api
            .types
            .iter()
            .find(|def| &def.name == name)
            .map(|def| &def.kind)
        {
            Some(TypeKind::Alias(target)) => ty = target.clone(),
            _ => break,
        }
    }
    ty
}

/// `oneOf`/`anyOf`. serde's untagged enums take the first variant that deserializes, so a
/// variant whose fields are all optional would swallow objects meant for a later one. When two
/// or more variants are structs, they are tried in order of how many of the object's keys they
/// name (ties keep the spec's order).
fn untagged_def(
    api: &Api,
    doc: &TokenStream,
    name: &proc_macro2::Ident,
    variants: &[(String, Ty)],
) -> TokenStream {
    let idents: Vec<_> = variants
        .iter()
        .map(|(variant, _)| format_ident!("{}", variant))
        .collect();
    let tys: Vec<_> = variants.iter().map(|(_, ty)| ty_tokens(ty, true)).collect();
    let docs: Vec<_> = variants
        .iter()
        .map(|(_, ty)| doc_attrs(&untagged_variant_doc(ty)))
        .collect();
    let fields: Vec<Option<Vec<&str>>> = variants
        .iter()
        .map(|(_, ty)| variant_fields(api, ty))
        .collect();
    let conversions = variant_conversions(api, name, variants);
    if fields.iter().filter(|fields| fields.is_some()).count() < 2 {
        return quote! {
            #doc
            #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
            #[serde(untagged)]
            #[non_exhaustive]
            pub enum #name { #( #docs #idents(#tys), )* }

            #conversions
        };
    }
    let field_lists = fields.iter().map(|fields| {
        let fields = fields.clone().unwrap_or_default();
        quote! { &[#(#fields),*] }
    });
    let count = proc_macro2::Literal::usize_unsuffixed(variants.len());
    let indices = (0..variants.len()).map(proc_macro2::Literal::usize_unsuffixed);
    let message = format!("the value matches no variant of {name}");
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq, Serialize)]
        #[serde(untagged)]
        #[non_exhaustive]
        pub enum #name { #( #docs #idents(#tys), )* }

        impl<'de> Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                const FIELDS: [&[&str]; #count] = [#(#field_lists),*];
                let value = serde_json::Value::deserialize(deserializer)?;
                let named = |fields: &[&str]| {
                    value.as_object().map_or(0, |object| object.keys().filter(|key| fields.contains(&key.as_str())).count())
                };
                let mut order: Vec<(usize, usize)> = FIELDS.iter().enumerate().map(|(index, fields)| (named(fields), index)).collect();
                order.sort_by_key(|&(named, _)| std::cmp::Reverse(named));
                for (_, index) in order {
                    let parsed = match index {
                        #( #indices => serde_json::from_value(value.clone()).map(Self::#idents), )*
                        _ => continue,
                    };
                    if let Ok(parsed) = parsed {
                        return Ok(parsed);
                    }
                }
                Err(serde::de::Error::custom(#message))
            }
        }

        #conversions
    }
}

/// `From` each variant's value, so a caller writes `condition.into()` where the one-of is
/// expected. A type two variants hold (two shapes the spec names apart) gets none: which
/// variant it means is the caller's to say.
fn variant_conversions(
    api: &Api,
    name: &proc_macro2::Ident,
    variants: &[(String, Ty)],
) -> TokenStream {
    // Through aliases (identical schemas merged into one type): `TextField` may be
    // `LargeTextField`, and one type cannot convert into two variants.
    let resolved: Vec<Ty> = variants.iter().map(|(_, ty)| unaliased(api, ty)).collect();
    let impls = variants
        .iter()
        .zip(&resolved)
        .filter(|(_, ty)| resolved.iter().filter(|other| other == ty).count() == 1)
        .map(|((variant, ty), _)| {
            let ident = format_ident!("{}", variant);
            let ty_tokens = ty_tokens(ty, true);
            let doc = doc_attrs(&format!("The [`{name}::{variant}`] variant."));
            quote! {
                impl From<#ty_tokens> for #name {
                    #doc
                    fn from(value: #ty_tokens) -> Self {
                        Self::#ident(value)
                    }
                }
            }
        });
    quote! { #(#impls)* }
}

/// One line for a variant of a `oneOf`/`anyOf`: what it holds.
fn untagged_variant_doc(ty: &Ty) -> String {
    match ty {
        Ty::Named(name) => format!("A [`{name}`]."),
        Ty::Common(name) => format!("A [`ghl_common::types::{name}`]."),
        other => format!("A `{other}` value."),
    }
}

/// A struct. `#[non_exhaustive]`, so a field the spec adds later breaks no caller; a type sent
/// in requests (`input`) gets a constructor taking its required fields and a setter per optional
/// one, since callers cannot write it as a literal. Other structs do not derive `Default`: one
/// that gains a required field would silently lose it.
fn struct_def(
    doc: &TokenStream,
    name: &proc_macro2::Ident,
    fields: &[Field],
    additional: Option<&Ty>,
    input: bool,
    builder: Option<&BuilderNames>,
) -> TokenStream {
    // `rename_all = "camelCase"` when it leaves fewer fields to rename one by one, as a person
    // would write it: most wire names are camelCase.
    let renamed_plain = fields
        .iter()
        .filter(|field| field.name != field.wire)
        .count();
    let renamed_camel = fields
        .iter()
        .filter(|field| camel_case(&field.name) != field.wire)
        .count();
    let camel = renamed_camel < renamed_plain;
    // A field that may be absent reads as `None` when it is, and is not sent when `None`: one
    // attribute on the struct gives each such field serde's `default` and `skip_serializing_if`.
    let skips_none = fields
        .iter()
        .any(|field| field.optional() && !field.required);
    let skip_none = skips_none.then(|| quote! { #[ghl_runtime::skip_serializing_none] });
    let rename_all = camel.then(|| quote! { #[serde(rename_all = "camelCase")] });
    let rendered = fields.iter().map(|field| {
        let doc = doc_attrs(&match field.doc.as_deref().map(str::trim) {
            Some(doc) if !doc.is_empty() => spec_markdown(doc),
            _ => format!("The `{}` field.", field.wire),
        });
        let ident = format_ident!("{}", field.name);
        let ty = field.render_ty(&Code::IN_TYPES);
        let wire = &field.wire;
        let implied = if camel {
            camel_case(&field.name)
        } else {
            field.name.clone()
        };
        let rename = (implied != field.wire).then(|| quote! { #[serde(rename = #wire)] });
        // `skip_serializing_none` leaves every `None` out; a required field that may be `null`
        // is sent as `null` (it means "clear").
        let always = (skips_none && field.optional() && field.required)
            .then(|| quote! { #[serialize_always] });
        quote! { #doc #rename #always pub #ident: #ty, }
    });
    let extra_ident = additional.map(|_| format_ident!("{}", extra_field_name(fields)));
    let extra = additional.zip(extra_ident.as_ref()).map(|(ty, ident)| {
        let ty = ty_tokens(ty, true);
        quote! {
            /// Keys the schema does not name.
            #[serde(flatten)]
            pub #ident: std::collections::BTreeMap<String, #ty>,
        }
    });
    let constructor = input.then(|| constructor(name, fields, extra_ident.as_ref(), builder));
    // An input with nothing required starts empty: `new()`, and `Default` beside it. (A
    // required field added later changes `new`'s arguments anyway: the diff calls it breaking.)
    let default = (input && fields.iter().all(Field::optional)).then(|| quote! { Default, });
    quote! {
        #doc
        #skip_none
        #[derive(Debug, Clone, PartialEq, #default Serialize, Deserialize)]
        #rename_all
        #[non_exhaustive]
        pub struct #name {
            #(#rendered)*
            #extra
        }

        #constructor
    }
}

/// The name of the field that keeps a struct's unknown keys (`additional_properties`, unless a
/// field of the schema has that name).
pub(super) fn extra_field_name(fields: &[Field]) -> String {
    let mut scope = Scope::with_reserved(&["new"]);
    for field in fields {
        scope.claim(&field.name);
    }
    scope.claim("additional_properties")
}

/// The wire name serde's `rename_all = "camelCase"` gives a field (its rule for fields: drop
/// each `_` and capitalize what follows it, then lowercase the first character).
fn camel_case(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    let mut capitalize = false;
    for ch in field.chars() {
        if ch == '_' {
            capitalize = !out.is_empty();
        } else if capitalize {
            out.push(ch.to_ascii_uppercase());
            capitalize = false;
        } else if out.is_empty() {
            out.push(ch.to_ascii_lowercase());
        } else {
            out.push(ch);
        }
    }
    out
}

/// The names of an input struct's typestate builder (see [`constructor`]).
struct BuilderNames {
    /// `{Name}Builder`, or `{Name}FieldsBuilder` where the crate has a type of that name.
    builder: proc_macro2::Ident,
    /// One type parameter per required field, in [`Field::given`] order: the field's name in
    /// UpperCamelCase, `Field` appended while that names something `types.rs` has in scope.
    states: Vec<proc_macro2::Ident>,
}

/// Whether `def` is built by name: an input struct [`Field::built_by_name`], defined here (a
/// type shared with the common crate is built there).
fn has_builder(def: &TypeDef) -> bool {
    matches!(&def.kind, TypeKind::Struct { fields, .. }
        if def.input && def.shared.is_none() && Field::built_by_name(fields))
}

/// The names of `def`'s builder, if it has one ([`has_builder`]).
fn builder_name(api: &Api, def: &TypeDef) -> Option<BuilderNames> {
    let TypeKind::Struct { fields, .. } = &def.kind else {
        return None;
    };
    if !has_builder(def) {
        return None;
    }
    const IN_SCOPE: &[&str] = &[
        "Box",
        "Deserialize",
        "Err",
        "Given",
        "None",
        "Ok",
        "Option",
        "Result",
        "Self",
        "Serialize",
        "Some",
        "String",
        "Unset",
        "Vec",
    ];
    let taken = |candidate: &str| {
        IN_SCOPE.contains(&candidate) || api.types.iter().any(|other| other.name == candidate)
    };
    let mut builder = format!("{}Builder", def.name);
    while taken(&builder) {
        builder.push_str("Fields");
    }
    Some(BuilderNames {
        builder: format_ident!("{builder}"),
        states: Field::given(fields)
            .iter()
            .map(|field| state_param(&field.name, "Field", taken))
            .collect(),
    })
}

/// Whether a struct of `api` has a typestate builder (and `types.rs` imports its states).
fn any_builder(api: &Api) -> bool {
    api.types.iter().any(has_builder)
}

/// How a required field is taken, in `new` or a builder's setter: its argument's type, and the
/// expression that turns the argument (named after the field) into the stored value (`None`:
/// as it is).
fn required_arg(field: &Field) -> (TokenStream, Option<TokenStream>) {
    let ident = format_ident!("{}", field.name);
    if field.date_time {
        let (arg, conversion) = date_time_arg();
        (arg, Some(conversion.apply(&ident)))
    } else if field.ty == Ty::String && !field.boxed {
        (quote! { impl Into<String> }, Some(quote! { #ident.into() }))
    } else {
        (field.render_ty(&Code::IN_TYPES), None)
    }
}

/// `new(required...)` and a setter per optional field; for a type [`Field::built_by_name`]
/// (`builder`), `builder()` instead of `new`: a typestate builder with a setter per required
/// field and `build()` once each is given, so that no two values of one type can be swapped.
fn constructor(
    name: &proc_macro2::Ident,
    fields: &[Field],
    extra: Option<&proc_macro2::Ident>,
    builder: Option<&BuilderNames>,
) -> TokenStream {
    let required: Vec<&Field> = Field::given(fields);
    let args = required.iter().map(|field| {
        let ident = format_ident!("{}", field.name);
        let (arg, _) = required_arg(field);
        quote! { #ident: #arg }
    });
    let converted = |field: &Field| required_arg(field).1;
    // Fields another one mirrors: converted once, up front, then copied.
    let mirrored: Vec<&Field> = fields
        .iter()
        .filter(|field| {
            fields
                .iter()
                .any(|other| other.mirror.as_deref() == Some(field.name.as_str()))
        })
        .collect();
    let bindings = mirrored.iter().map(|field| {
        let ident = format_ident!("{}", field.name);
        let ty = field.render_ty(&Code::IN_TYPES);
        let value = converted(field).unwrap_or_else(|| quote! { #ident });
        quote! { let #ident: #ty = #value; }
    });
    let values = fields.iter().map(|field| {
        let ident = format_ident!("{}", field.name);
        if field.optional() {
            quote! { #ident: None }
        } else if let Some(source) = &field.mirror {
            let source = format_ident!("{}", source);
            quote! { #ident: #source.clone() }
        } else if let Some(value) =
            converted(field).filter(|_| !mirrored.iter().any(|source| source.name == field.name))
        {
            quote! { #ident: #value }
        } else {
            quote! { #ident }
        }
    });
    let extra = extra.map(|ident| quote! { #ident: std::collections::BTreeMap::new(), });
    let setters = fields.iter().filter(|field| field.optional()).map(|field| {
        let ident = format_ident!("{}", field.name);
        let (arg, conversion) = if field.date_time {
            date_time_arg()
        } else {
            setter_arg(&field.ty, true)
        };
        let value = conversion.apply(&ident);
        let value = if field.boxed {
            quote! { Box::new(#value) }
        } else {
            value
        };
        let doc = doc_attrs(&format!("Sets [`{}`](Self::{}).", field.name, field.name));
        quote! {
            #doc
            pub fn #ident(mut self, #ident: #arg) -> Self {
                self.#ident = Some(#value);
                self
            }
        }
    });
    let new_doc = doc_attrs(&if required.is_empty() {
        format!("An empty `{name}`: set what you need with the setters.")
    } else {
        let listed: Vec<String> = required
            .iter()
            .map(|field| format!("`{}`", field.name))
            .collect();
        format!(
            "A `{name}` with its required fields ({}); set the others with the setters.{}",
            listed.join(", "),
            mirror_sentences(fields)
        )
    });
    let Some(builder) = builder else {
        return quote! {
            impl #name {
                #new_doc
                pub fn new(#(#args),*) -> Self {
                    #(#bindings)*
                    Self { #(#values,)* #extra }
                }

                #(#setters)*
            }
        };
    };
    typestate_builder(name, builder, fields, &required, extra, setters.collect())
}

/// " `created_by` is set to `user_id` (...)." for each field that mirrors another.
fn mirror_sentences(fields: &[Field]) -> String {
    fields
        .iter()
        .filter_map(|field| {
            let source = field.mirror.as_ref()?;
            Some(format!(
                " `{}` is set to `{source}` (the server wants them equal).",
                field.name
            ))
        })
        .collect()
}

/// `builder()` on `name`, and `builder`: one type parameter per required field, `Unset` until
/// its setter stores the value there, and `build()` where each holds its value ([`Given`]).
fn typestate_builder(
    name: &proc_macro2::Ident,
    names: &BuilderNames,
    fields: &[Field],
    required: &[&Field],
    extra: Option<TokenStream>,
    setters: Vec<TokenStream>,
) -> TokenStream {
    let builder = &names.builder;
    let states = &names.states;
    let idents: Vec<proc_macro2::Ident> = required
        .iter()
        .map(|field| format_ident!("{}", field.name))
        .collect();
    let setters_of_builder = required.iter().enumerate().map(|(index, field)| {
        let ident = &idents[index];
        let (arg, value) = required_arg(field);
        let others = states
            .iter()
            .enumerate()
            .filter(|(other, _)| *other != index)
            .map(|(_, state)| state);
        let before = states_with(states, index, &quote! { Unset });
        let after = states_with(states, index, &field.render_ty(&Code::IN_TYPES));
        let moved = idents.iter().map(|other| match (other == ident, &value) {
            (true, Some(value)) => quote! { #other: #value },
            (true, None) => quote! { #other },
            (false, _) => quote! { #other: self.#other },
        });
        let doc = doc_attrs(&format!("Sets [`{0}`]({name}::{0}).", field.name));
        quote! {
            impl<#(#others),*> #builder<#(#before),*> {
                #doc
                pub fn #ident(self, #ident: #arg) -> #builder<#(#after),*> {
                    #builder { #(#moved),* }
                }
            }
        }
    });
    let bounds = required.iter().zip(states).map(|(field, state)| {
        let stored = field.render_ty(&Code::IN_TYPES);
        quote! { #state: Given<#stored> }
    });
    let values = fields.iter().map(|field| {
        let ident = format_ident!("{}", field.name);
        if field.optional() {
            quote! { #ident: None }
        } else if let Some(source) = &field.mirror {
            let source = format_ident!("{}", source);
            quote! { #ident: #source.clone() }
        } else {
            quote! { #ident }
        }
    });
    let listed: Vec<String> = required
        .iter()
        .map(|field| format!("[`{0}`]({builder}::{0})", field.name))
        .collect();
    let builder_fn_doc = doc_attrs(&format!(
        "A `{name}`, built by name: set its required fields ({}) on the returned [`{builder}`], \
         then [`build`]({builder}::build) it, and set the others with the setters.{}",
        listed.join(", "),
        mirror_sentences(fields)
    ));
    let builder_doc = doc_attrs(&format!(
        "Builds a [`{name}`] from its required fields, each set by name; `build` exists once \
         every one is."
    ));
    quote! {
        impl #name {
            #builder_fn_doc
            pub fn builder() -> #builder {
                #builder { #(#idents: Unset),* }
            }

            #(#setters)*
        }

        #builder_doc
        #[derive(Debug, Clone)]
        #[must_use = "a builder makes nothing until it is built"]
        pub struct #builder<#(#states = Unset),*> {
            #(#idents: #states,)*
        }

        #(#setters_of_builder)*

        impl<#(#states),*> #builder<#(#states),*> {
            /// The value, once every required field is set.
            pub fn build(self) -> #name where #(#bounds),* {
                #( let #idents = self.#idents.given(); )*
                #name { #(#values,)* #extra }
            }
        }
    }
}

/// A string enum, written as `ghl_runtime::string_enum! { pub enum X { A = "a", ... } }`: the
/// runtime's macro adds `Unknown(String)`, `as_str`, the conversions and serde, the same for
/// every enum. prettyplease does not lay out macro bodies, so the enum goes through it as a
/// plain item marked `#[string_enum]`, and [`super::wrap_string_enums`] puts it in the macro.
fn enum_def(doc: &TokenStream, name: &proc_macro2::Ident, variants: &[Variant]) -> TokenStream {
    let idents = variants
        .iter()
        .map(|variant| format_ident!("{}", variant.name));
    let wires = variants.iter().map(|variant| variant.wire.as_str());
    // Each variant's doc, its wire value, comes from the macro.
    quote! {
        #doc
        #[string_enum]
        pub enum #name {
            #( #idents = #wires, )*
        }
    }
}

#[cfg(test)]
mod tests {
    use super::camel_case;

    /// The names serde itself gives these fields under `rename_all = "camelCase"`: the emitted
    /// per-field renames are computed against `camel_case`, so the two must agree.
    #[test]
    fn camel_case_matches_serde() {
        #[derive(serde::Serialize, Default)]
        #[serde(rename_all = "camelCase")]
        #[allow(non_snake_case, dead_code)]
        struct Names {
            location_id: u8,
            type_: u8,
            address_1: u8,
            _id: u8,
            a__b: u8,
            x_y_z: u8,
            Upper: u8,
            utm_source_2b: u8,
        }
        let json = serde_json::to_value(Names::default()).unwrap();
        let keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let ours: Vec<String> = [
            "location_id",
            "type_",
            "address_1",
            "_id",
            "a__b",
            "x_y_z",
            "Upper",
            "utm_source_2b",
        ]
        .iter()
        .map(|name| camel_case(name))
        .collect();
        assert_eq!(keys, ours);
    }
}
