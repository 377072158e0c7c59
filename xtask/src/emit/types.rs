//! `src/types.rs` of a generated crate: one Rust type per schema.

use quote::{format_ident, quote};

use std::collections::BTreeMap;

use super::docs::{spec_markdown, usage_sentence, usages};
use super::text::{self, CodeText, Source};
use super::{date_time_arg, setter_arg, state_param};
use crate::ir::{Api, Field, Ty, TypeDef, TypeKind, Variant};
use crate::naming::Scope;

pub fn types_rs(api: &Api) -> Source {
    let mut head = String::new();
    text::inner_doc(
        &mut head,
        0,
        &format!(
            "Request and response types of the {} API, one per schema of `{}`.",
            api.title, api.spec_path
        ),
    );
    let mut source = Source::default();
    source.text(head);
    source.append(type_items(api));
    source
}

/// The types of `api` with the imports they need, without a module doc.
pub(super) fn type_items(api: &Api) -> Source {
    // String enums get serde from the runtime's `string_enum!`.
    let uses_serde = api.types.iter().any(|def| {
        def.shared.is_none()
            && matches!(
                def.kind,
                TypeKind::Struct { .. } | TypeKind::Untagged { .. }
            )
    });
    let mut imports = String::new();
    if any_builder(api) {
        imports.push_str("use ghl_runtime::typestate::{Given, Unset};\n");
    }
    if uses_serde {
        imports.push_str("use serde::{Deserialize, Serialize};\n");
    }
    let mut source = Source::default();
    source.text(imports);
    let usages = usages(api);
    for def in &api.types {
        type_def(api, def, &usages, &mut source);
    }
    source
}

/// The spec's description, else where the type is used, then where it comes from.
fn type_doc(def: &TypeDef, usages: &BTreeMap<String, Vec<String>>) -> String {
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
    format!("{summary}\n\nSchema: `{}`{places}", def.origin)
}

/// The last segment of a JSON pointer, unescaped: the schema's name in its spec.
fn schema_name(origin: &str) -> String {
    let segment = origin.rsplit('/').next().unwrap_or(origin);
    segment.replace("~1", "/").replace("~0", "~")
}

fn type_def(api: &Api, def: &TypeDef, usages: &BTreeMap<String, Vec<String>>, source: &mut Source) {
    let name = &def.name;
    if let Some(shared) = &def.shared {
        // Identical in several crates: defined once in the common crate, its docs come along.
        source.text(if shared == name {
            format!("pub use ghl_common::types::{name};\n")
        } else {
            format!("pub use ghl_common::types::{shared} as {name};\n")
        });
        return;
    }
    let mut doc = String::new();
    text::doc(&mut doc, 0, &type_doc(def, usages));
    match &def.kind {
        TypeKind::Struct { fields, additional } => {
            let builder = builder_name(api, def);
            struct_def(
                source,
                doc,
                name,
                fields,
                additional.as_ref(),
                def.input,
                builder.as_ref(),
            );
        }
        TypeKind::Enum { variants } => source.text(enum_def(doc, name, variants)),
        TypeKind::Untagged { variants } => untagged_def(source, api, doc, name, variants),
        TypeKind::Alias(ty) => {
            let ty = ty.render(&CodeText::IN_TYPES);
            source.text(format!("{doc}pub type {name} = {ty};\n"));
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
    source: &mut Source,
    api: &Api,
    mut doc: String,
    name: &str,
    variants: &[(String, Ty)],
) {
    let fields: Vec<Option<Vec<&str>>> = variants
        .iter()
        .map(|(_, ty)| variant_fields(api, ty))
        .collect();
    let picks_by_keys = fields.iter().filter(|fields| fields.is_some()).count() >= 2;
    doc.push_str(if picks_by_keys {
        "#[derive(Debug, Clone, PartialEq, Serialize)]\n"
    } else {
        "#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]\n"
    });
    doc.push_str("#[serde(untagged)]\n#[non_exhaustive]\n");
    let mut item = doc;
    item.push_str(&format!("pub enum {name} {{\n"));
    for (variant, ty) in variants {
        text::doc(&mut item, 1, &untagged_variant_doc(ty));
        let ty = ty.render(&CodeText::IN_TYPES);
        item.push_str(&format!("    {variant}({ty}),\n"));
    }
    item.push_str("}\n");
    source.text(item);
    if !picks_by_keys {
        variant_conversions(source, api, name, variants);
        return;
    }
    let idents: Vec<_> = variants
        .iter()
        .map(|(variant, _)| format_ident!("{}", variant))
        .collect();
    let field_lists = fields.iter().map(|fields| {
        let fields = fields.clone().unwrap_or_default();
        quote! { &[#(#fields),*] }
    });
    let count = proc_macro2::Literal::usize_unsuffixed(variants.len());
    let indices = (0..variants.len()).map(proc_macro2::Literal::usize_unsuffixed);
    let message = format!("the value matches no variant of {name}");
    let ident = format_ident!("{}", name);
    source.tokens(quote! {
        impl<'de> Deserialize<'de> for #ident {
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
    });
    variant_conversions(source, api, name, variants);
}

/// `From` each variant's value, so a caller writes `condition.into()` where the one-of is
/// expected. A type two variants hold (two shapes the spec names apart) gets none: which
/// variant it means is the caller's to say.
fn variant_conversions(source: &mut Source, api: &Api, name: &str, variants: &[(String, Ty)]) {
    // Through aliases (identical schemas merged into one type): `TextField` may be
    // `LargeTextField`, and one type cannot convert into two variants.
    let resolved: Vec<Ty> = variants.iter().map(|(_, ty)| unaliased(api, ty)).collect();
    for ((variant, ty), _) in variants
        .iter()
        .zip(&resolved)
        .filter(|(_, ty)| resolved.iter().filter(|other| other == ty).count() == 1)
    {
        let ty = ty.render(&CodeText::IN_TYPES);
        let mut item = format!("impl From<{ty}> for {name} {{\n");
        text::doc(&mut item, 1, &format!("The [`{name}::{variant}`] variant."));
        item.push_str(&format!(
            "    fn from(value: {ty}) -> Self {{\n        Self::{variant}(value)\n    }}\n}}\n"
        ));
        source.text(item);
    }
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
    source: &mut Source,
    mut item: String,
    name: &str,
    fields: &[Field],
    additional: Option<&Ty>,
    input: bool,
    builder: Option<&BuilderNames>,
) {
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
    if skips_none {
        item.push_str("#[ghl_runtime::skip_serializing_none]\n");
    }
    // An input with nothing required starts empty: `new()`, and `Default` beside it. (A
    // required field added later changes `new`'s arguments anyway: the diff calls it breaking.)
    item.push_str(if input && fields.iter().all(Field::optional) {
        "#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]\n"
    } else {
        "#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]\n"
    });
    if camel {
        item.push_str("#[serde(rename_all = \"camelCase\")]\n");
    }
    item.push_str("#[non_exhaustive]\n");
    let extra_name = additional.map(|_| extra_field_name(fields));
    if fields.is_empty() && extra_name.is_none() {
        item.push_str(&format!("pub struct {name} {{}}\n"));
    } else {
        item.push_str(&format!("pub struct {name} {{\n"));
    }
    for field in fields {
        text::doc(
            &mut item,
            1,
            &match field.doc.as_deref().map(str::trim) {
                Some(doc) if !doc.is_empty() => spec_markdown(doc),
                _ => format!("The `{}` field.", field.wire),
            },
        );
        let implied = if camel {
            camel_case(&field.name)
        } else {
            field.name.clone()
        };
        if implied != field.wire {
            let wire = text::string_literal(&field.wire);
            item.push_str(&format!("    #[serde(rename = {wire})]\n"));
        }
        // `skip_serializing_none` leaves every `None` out; a required field that may be `null`
        // is sent as `null` (it means "clear").
        if skips_none && field.optional() && field.required {
            item.push_str("    #[serialize_always]\n");
        }
        let ty = field.render_ty(&CodeText::IN_TYPES);
        item.push_str(&format!("    pub {}: {ty},\n", field.name));
    }
    if let (Some(ty), Some(extra)) = (additional, &extra_name) {
        let ty = ty.render(&CodeText::IN_TYPES);
        item.push_str(&format!(
            "    /// Keys the schema does not name.\n    #[serde(flatten)]\n    pub {extra}: std::collections::BTreeMap<String, {ty}>,\n"
        ));
    }
    if !(fields.is_empty() && extra_name.is_none()) {
        item.push_str("}\n");
    }
    source.text(item);
    if input {
        constructor(source, name, fields, extra_name.as_deref(), builder);
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
    builder: String,
    /// One type parameter per required field, in [`Field::given`] order: the field's name in
    /// UpperCamelCase, `Field` appended while that names something `types.rs` has in scope.
    states: Vec<String>,
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
        builder,
        states: Field::given(fields)
            .iter()
            .map(|field| state_param(&field.name, "Field", taken).to_string())
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
fn required_arg(field: &Field) -> (String, Option<String>) {
    if field.date_time {
        let (arg, conversion) = date_time_arg();
        (arg, Some(conversion.apply(&field.name)))
    } else if field.ty == Ty::String && !field.boxed {
        (
            "impl Into<String>".to_owned(),
            Some(format!("{}.into()", field.name)),
        )
    } else {
        (field.render_ty(&CodeText::IN_TYPES), None)
    }
}

/// `new(required...)` and a setter per optional field; for a type [`Field::built_by_name`]
/// (`builder`), `builder()` instead of `new`: a typestate builder with a setter per required
/// field and `build()` once each is given, so that no two values of one type can be swapped.
fn constructor(
    source: &mut Source,
    name: &str,
    fields: &[Field],
    extra: Option<&str>,
    builder: Option<&BuilderNames>,
) {
    let required: Vec<&Field> = Field::given(fields);
    let extra = extra.map(|extra| format!("{extra}: std::collections::BTreeMap::new()"));
    source.open(&format!("impl {name}"), 0);
    let Some(builder) = builder else {
        source.text_at(new_fn(name, fields, &required, extra.as_ref()), 1);
        setters(source, fields);
        source.close();
        return;
    };
    let listed: Vec<String> = required
        .iter()
        .map(|field| format!("[`{0}`]({1}::{0})", field.name, builder.builder))
        .collect();
    let mut item = String::new();
    text::doc(
        &mut item,
        1,
        &format!(
            "A `{name}`, built by name: set its required fields ({}) on the returned [`{1}`], \
             then [`build`]({1}::build) it, and set the others with the setters.{2}",
            listed.join(", "),
            builder.builder,
            mirror_sentences(fields)
        ),
    );
    let unset: Vec<String> = required
        .iter()
        .map(|field| format!("{}: Unset", field.name))
        .collect();
    item.push_str(&format!(
        "    pub fn builder() -> {0} {{\n        {1}\n    }}\n",
        builder.builder,
        text::struct_expr(&builder.builder, &unset, 2)
    ));
    source.text_at(item, 1);
    setters(source, fields);
    source.close();
    typestate_builder(source, name, builder, fields, &required, extra.as_ref());
}

/// `new`, taking the required fields (see [`constructor`]).
fn new_fn(name: &str, fields: &[Field], required: &[&Field], extra: Option<&String>) -> String {
    let mut item = String::new();
    text::doc(
        &mut item,
        1,
        &if required.is_empty() {
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
        },
    );
    let args: Vec<String> = required
        .iter()
        .map(|field| format!("{}: {}", field.name, required_arg(field).0))
        .collect();
    text::signature(&mut item, 1, "pub fn new", &args, "-> Self", &[]);
    // Fields another one mirrors: converted once, up front, then copied.
    let mirrored: Vec<&Field> = fields
        .iter()
        .filter(|field| {
            fields
                .iter()
                .any(|other| other.mirror.as_deref() == Some(field.name.as_str()))
        })
        .collect();
    for field in &mirrored {
        let ty = field.render_ty(&CodeText::IN_TYPES);
        let value = required_arg(field).1.unwrap_or_else(|| field.name.clone());
        item.push_str(&format!("        let {}: {ty} = {value};\n", field.name));
    }
    let mut values: Vec<String> = fields
        .iter()
        .map(|field| {
            let converted = required_arg(field)
                .1
                .filter(|_| !mirrored.iter().any(|source| source.name == field.name));
            initializer(field, converted)
        })
        .collect();
    values.extend(extra.cloned());
    item.push_str(&format!(
        "        {}\n    }}\n",
        text::struct_expr("Self", &values, 2)
    ));
    item
}

/// How a constructor sets `field` in the struct expression: `None` when it is optional, a copy
/// of the field it mirrors, else `value` (its argument converted) or the binding of its name.
fn initializer(field: &Field, value: Option<String>) -> String {
    if field.optional() {
        format!("{}: None", field.name)
    } else if let Some(source) = &field.mirror {
        format!("{}: {source}.clone()", field.name)
    } else if let Some(value) = value {
        format!("{}: {value}", field.name)
    } else {
        field.name.clone()
    }
}

/// A setter per optional field, each its own item in the `impl` block.
fn setters(source: &mut Source, fields: &[Field]) {
    for field in fields.iter().filter(|field| field.optional()) {
        let name = &field.name;
        let (arg, conversion) = if field.date_time {
            date_time_arg()
        } else {
            setter_arg(&field.ty, true)
        };
        let mut value = conversion.apply(name);
        if field.boxed {
            value = format!("Box::new({value})");
        }
        let mut item = String::new();
        text::doc(&mut item, 1, &format!("Sets [`{name}`](Self::{name})."));
        text::signature(
            &mut item,
            1,
            &format!("pub fn {name}"),
            &["mut self".to_owned(), format!("{name}: {arg}")],
            "-> Self",
            &[],
        );
        item.push_str(&format!(
            "        self.{name} = Some({value});\n        self\n    }}\n"
        ));
        source.text_at(item, 1);
    }
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

/// `builder`: one type parameter per required field, `Unset` until its setter stores the value
/// there, and `build()` where each holds its value ([`Given`]).
fn typestate_builder(
    source: &mut Source,
    name: &str,
    names: &BuilderNames,
    fields: &[Field],
    required: &[&Field],
    extra: Option<&String>,
) {
    let builder = &names.builder;
    let states = &names.states;
    let mut item = String::new();
    text::doc(
        &mut item,
        0,
        &format!(
            "Builds a [`{name}`] from its required fields, each set by name; `build` exists once \
             every one is."
        ),
    );
    let defaults: Vec<String> = states
        .iter()
        .map(|state| format!("{state} = Unset"))
        .collect();
    let defaults: Vec<&str> = defaults.iter().map(String::as_str).collect();
    item.push_str(
        "#[derive(Debug, Clone)]\n#[must_use = \"a builder makes nothing until it is built\"]\n",
    );
    text::generic_header(
        &mut item,
        0,
        &format!("pub struct {builder}"),
        &defaults,
        " {",
    );
    for (field, state) in required.iter().zip(states) {
        item.push_str(&format!("    {}: {state},\n", field.name));
    }
    item.push_str("}\n");
    source.text(item);
    for (index, field) in required.iter().enumerate() {
        let (arg, value) = required_arg(field);
        let others: Vec<&str> = states
            .iter()
            .enumerate()
            .filter(|(other, _)| *other != index)
            .map(|(_, state)| state.as_str())
            .collect();
        let with = |replacement: &str| -> String {
            let list: Vec<&str> = states
                .iter()
                .enumerate()
                .map(|(at, state)| {
                    if at == index {
                        replacement
                    } else {
                        state.as_str()
                    }
                })
                .collect();
            list.join(", ")
        };
        let stored = field.render_ty(&CodeText::IN_TYPES);
        let moved: Vec<String> = required
            .iter()
            .map(|other| match (other.name == field.name, &value) {
                (true, Some(value)) => format!("{}: {value}", other.name),
                (true, None) => other.name.clone(),
                (false, _) => format!("{0}: self.{0}", other.name),
            })
            .collect();
        let mut item = String::new();
        text::generic_header(
            &mut item,
            0,
            "impl",
            &others,
            &format!(" {builder}<{}> {{", with("Unset")),
        );
        text::doc(
            &mut item,
            1,
            &format!("Sets [`{0}`]({name}::{0}).", field.name),
        );
        text::signature(
            &mut item,
            1,
            &format!("pub fn {}", field.name),
            &["self".to_owned(), format!("{}: {arg}", field.name)],
            &format!("-> {builder}<{}>", with(&stored)),
            &[],
        );
        item.push_str(&format!(
            "        {}\n    }}\n}}\n",
            text::struct_expr(builder, &moved, 2)
        ));
        source.text(item);
    }
    let bounds: Vec<String> = required
        .iter()
        .zip(states)
        .map(|(field, state)| {
            format!(
                "        {state}: Given<{}>,\n",
                field.render_ty(&CodeText::IN_TYPES)
            )
        })
        .collect();
    let mut values: Vec<String> = fields
        .iter()
        .map(|field| initializer(field, None))
        .collect();
    values.extend(extra.cloned());
    let params: Vec<&str> = states.iter().map(String::as_str).collect();
    let mut item = String::new();
    text::generic_header(
        &mut item,
        0,
        "impl",
        &params,
        &format!(" {builder}<{}> {{", states.join(", ")),
    );
    item.push_str(&format!(
        "    /// The value, once every required field is set.\n    pub fn build(self) -> {name}\n    where\n{}    {{\n",
        bounds.concat()
    ));
    for field in required {
        item.push_str(&format!(
            "        let {0} = self.{0}.given();\n",
            field.name
        ));
    }
    item.push_str(&format!(
        "        {}\n    }}\n}}\n",
        text::struct_expr(name, &values, 2)
    ));
    source.text(item);
}

/// A string enum, written as `ghl_runtime::string_enum! { pub enum X { A = "a", ... } }`: the
/// runtime's macro adds `Unknown(String)`, `as_str`, the conversions and serde, the same for
/// every enum. prettyplease does not lay out macro bodies, so the enum goes through it as a
/// plain item marked `#[string_enum]`, and [`super::wrap_string_enums`] puts it in the macro.
fn enum_def(mut item: String, name: &str, variants: &[Variant]) -> String {
    // Each variant's doc, its wire value, comes from the macro.
    item.push_str(&format!("#[string_enum]\npub enum {name} {{\n"));
    for variant in variants {
        let wire = text::string_literal(&variant.wire);
        item.push_str(&format!("    {} = {wire},\n", variant.name));
    }
    item.push_str("}\n");
    item
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
