//! Schemas to types: references resolved (locally, then in the common schemas), inline schemas
//! named after where they sit, structs, enums, untagged unions, scalars, lists and maps.

use std::collections::{BTreeMap, BTreeSet};

use heck::ToUpperCamelCase;
use openapiv3::{OpenAPI, ReferenceOr, Schema};
use serde_json::Value;

use super::shape::{Additional, SchemaRef, Shape, max_bytes, max_items, shape};
use super::{COMMON_FILE, CommonTypes, Field, Stats, Ty, TypeDef, TypeKind, Variant};
use crate::diagnostics::{HINT_OVERRIDE, SpecError, pointer_push};
use crate::naming::{self, Scope};

pub(super) struct Builder<'a> {
    pub(super) file: &'a str,
    pub(super) document: &'a OpenAPI,
    pub(super) common: Option<&'a CommonTypes>,
    /// Component schema name -> Rust type name.
    pub(super) local_names: BTreeMap<String, String>,
    pub(super) scope: Scope,
    pub(super) types: Vec<TypeDef>,
    pub(super) stats: Stats,
    pub(super) uses_common: bool,
    /// Function name -> the `x-ghl-paging` an override gave the operation, and its pointer.
    pub(super) paging_overrides: BTreeMap<String, (Value, String)>,
    /// Component schema name -> the name the published spec gives it, where an override
    /// renamed it.
    pub(super) spec_names: BTreeMap<String, String>,
}

/// Where a schema sits, for naming the types it may need and for error messages.
pub(super) struct Site<'p> {
    /// How to name an inline type defined here: the named schema, operation or parameter it
    /// sits in, then the properties leading to it (see [`TypeDef::path`]).
    pub(super) path: Vec<String>,
    pub(super) pointer: &'p str,
}

pub(super) enum Resolved<'a> {
    Local {
        name: String,
        schema: Option<&'a Schema>,
    },
    Common {
        name: String,
        schema: Option<&'a Schema>,
    },
}

impl<'a> Builder<'a> {
    pub(super) fn repair(&mut self, kind: &'static str) {
        *self.stats.repairs.entry(kind).or_default() += 1;
    }

    pub(super) fn fallback(&mut self, reason: &'static str) -> Ty {
        *self.stats.value_fallbacks.entry(reason).or_default() += 1;
        Ty::Value
    }

    pub(super) fn error(&self, pointer: &str, message: impl Into<String>) -> SpecError {
        SpecError::new(self.file, pointer, message, HINT_OVERRIDE)
    }

    pub(super) fn resolve(
        &mut self,
        reference: &str,
        pointer: &str,
    ) -> Result<Resolved<'a>, SpecError> {
        let (file, name) = match reference.split_once('#') {
            Some((file, fragment)) => match fragment.strip_prefix("/components/schemas/") {
                Some(name) => (file, name),
                None => {
                    return Err(self.error(pointer, format!("unsupported reference `{reference}`")));
                }
            },
            None => return Err(self.error(pointer, format!("unsupported reference `{reference}`"))),
        };
        let document = self.document;
        if file.is_empty() {
            if let Some(local) = self.local_names.get(name) {
                let schema = document
                    .components
                    .as_ref()
                    .and_then(|components| components.schemas.get(name))
                    .and_then(|schema| schema.as_item());
                return Ok(Resolved::Local {
                    name: local.clone(),
                    schema,
                });
            }
        } else if file != COMMON_FILE {
            return Err(self.error(
                pointer,
                format!("reference to an unknown file `{reference}`"),
            ));
        }
        // A dangling local reference whose name the shared schemas define is taken to mean those.
        let common = self.common;
        let own_file = crate::specs::common_file_of(self.file);
        if let Some(other) = common
            .and_then(|common| common.only_in.get(name))
            .filter(|&&defined_in| defined_in != own_file)
        {
            return Err(self.error(
                pointer,
                format!(
                    "reference `{reference}` points nowhere: {own_file} has no schema `{name}` (only \
                     {other}, the other surface's shared file, defines it)"
                ),
            ));
        }
        if let Some((rust, schema)) = common.and_then(|common| {
            common
                .names
                .get(name)
                .map(|rust| (rust.clone(), common.schemas.get(name)))
        }) {
            if file.is_empty() {
                self.repair("dangling local reference resolved in common schemas");
            }
            self.uses_common = true;
            return Ok(Resolved::Common { name: rust, schema });
        }
        Err(self.error(
            pointer,
            format!("reference `{reference}` points nowhere (no schema `{name}` here or in common-schemas.json)"),
        ))
    }

    /// `file#pointer` of a place in the published spec: a schema an override renamed is
    /// named as the spec names it, so the pointer can be followed in the file.
    pub(super) fn origin(&self, pointer: &str) -> String {
        const SCHEMAS: &str = "/components/schemas/";
        let spec_pointer = pointer.strip_prefix(SCHEMAS).and_then(|rest| {
            let (name, below) = rest
                .split_once('/')
                .map_or((rest, ""), |(name, below)| (name, below));
            let name = name.replace("~1", "/").replace("~0", "~");
            let spec_name = self.spec_names.get(&name)?;
            let mut pointer = crate::diagnostics::pointer_push("/components/schemas", spec_name);
            if !below.is_empty() {
                pointer.push('/');
                pointer.push_str(below);
            }
            Some(pointer)
        });
        format!(
            "{}#{}",
            self.file,
            spec_pointer.as_deref().unwrap_or(pointer)
        )
    }

    pub(super) fn claim_type_name(&mut self, hint: &str) -> String {
        self.scope.claim(&naming::type_name(hint))
    }

    pub(super) fn define_component(
        &mut self,
        name: &str,
        schema: &'a ReferenceOr<Schema>,
        pointer: &str,
    ) -> Result<(), SpecError> {
        let site = Site {
            path: vec![name.to_owned()],
            pointer,
        };
        let origin = self.origin(pointer);
        let (kind, doc) = match schema {
            ReferenceOr::Reference { reference } => {
                let ty = self.ty_of(SchemaRef::Ref(reference), &site)?;
                (TypeKind::Alias(ty), None)
            }
            ReferenceOr::Item(schema) => {
                let doc = description(&schema.schema_data);
                (self.kind_of(schema, &site)?, doc)
            }
        };
        let example = schema
            .as_item()
            .and_then(|schema| schema.schema_data.example.clone());
        self.types.push(TypeDef {
            name: name.to_owned(),
            doc,
            origin,
            also: Vec::new(),
            paths: Vec::new(),
            shared: None,
            input: false,
            kind,
            example,
        });
        Ok(())
    }

    /// The definition a named type gets for `schema` (components are always named).
    fn kind_of(&mut self, schema: &'a Schema, site: &Site<'_>) -> Result<TypeKind, SpecError> {
        let view = shape(schema);
        if let Some(kind) = self.compound_kind(&view, site)? {
            return Ok(kind);
        }
        Ok(TypeKind::Alias(self.plain_ty(&view, site)?))
    }

    /// Kinds that need a definition of their own: structs, enums, untagged unions.
    fn compound_kind(
        &mut self,
        view: &Shape<'a>,
        site: &Site<'_>,
    ) -> Result<Option<TypeKind>, SpecError> {
        if view.all_of.len() > 1 || (!view.all_of.is_empty() && !view.properties.is_empty()) {
            return self.merged_struct(view, site).map(Some);
        }
        if view.one_of.len() > 1 {
            let mut variants = Vec::new();
            let mut scope = Scope::new();
            for (index, member) in view.one_of.iter().enumerate() {
                let member_pointer = pointer_push(
                    &pointer_push(site.pointer, view.one_of_key),
                    &index.to_string(),
                );
                let label = match member {
                    ReferenceOr::Reference { reference } => {
                        naming::type_name(reference.rsplit('/').next().unwrap_or("Variant"))
                    }
                    ReferenceOr::Item(_) => format!("Variant{}", index + 1),
                };
                let member_site = Site {
                    path: glued(&site.path, &label),
                    pointer: &member_pointer,
                };
                let ty = self.ty_of(member.into(), &member_site)?;
                let label = match (&ty, member) {
                    (_, ReferenceOr::Reference { .. }) => label,
                    (Ty::String, _) => "String".to_owned(),
                    (Ty::Number, _) => "Number".to_owned(),
                    (Ty::Integer, _) => "Integer".to_owned(),
                    (Ty::Boolean, _) => "Boolean".to_owned(),
                    (Ty::Array(_), _) => "List".to_owned(),
                    (Ty::Map(_), _) => "Map".to_owned(),
                    _ => label,
                };
                variants.push((scope.claim(&label), ty));
            }
            return Ok(Some(TypeKind::Untagged { variants }));
        }
        if !view.enum_strings.is_empty()
            && matches!(view.kind, None | Some("string") | Some("object"))
        {
            return Ok(Some(self.enum_kind(view)));
        }
        if !view.properties.is_empty() && matches!(view.kind, None | Some("object")) {
            let fields = self.fields(&view.properties, view.required, site)?;
            let additional = self.additional_ty(&view.additional, site)?;
            return Ok(Some(TypeKind::Struct { fields, additional }));
        }
        Ok(None)
    }

    fn enum_kind(&mut self, view: &Shape<'a>) -> TypeKind {
        let mut scope = Scope::new();
        let mut seen = BTreeSet::new();
        let mut variants = Vec::new();
        for wire in &view.enum_strings {
            if !seen.insert(wire.as_str()) {
                self.repair("duplicate enum value dropped");
                continue;
            }
            // `Unknown` is the catch-all the emitter adds.
            let mut name = naming::variant_name(wire);
            if name == "Unknown" {
                name = "UnknownValue".to_owned();
            }
            variants.push(Variant {
                name: scope.claim(&name),
                wire: wire.clone(),
            });
        }
        TypeKind::Enum { variants }
    }

    fn additional_ty(
        &mut self,
        additional: &Additional<'a>,
        site: &Site<'_>,
    ) -> Result<Option<Ty>, SpecError> {
        Ok(match additional {
            Additional::None => None,
            Additional::Any => Some(Ty::Value),
            Additional::Schema(schema) => {
                let pointer = pointer_push(site.pointer, "additionalProperties");
                let inner = Site {
                    path: glued(&site.path, "Value"),
                    pointer: &pointer,
                };
                Some(self.ty_of(*schema, &inner)?)
            }
        })
    }

    /// Whether a string schema is a date-time (see [`super::shape::date_time`]); one known only
    /// from its example is a counted repair.
    pub(super) fn date_time(&mut self, schema: &Schema) -> bool {
        match super::shape::date_time(schema) {
            super::shape::DateTime::No => false,
            super::shape::DateTime::Formatted => true,
            super::shape::DateTime::ByExample => {
                self.repair("date-time string without `format`, read from its example");
                true
            }
        }
    }

    pub(super) fn fields(
        &mut self,
        properties: &[(&'a str, SchemaRef<'a>)],
        required: &[String],
        site: &Site<'_>,
    ) -> Result<Vec<Field>, SpecError> {
        // Plain names first, so `id` keeps `id` and `_id` becomes `underscore_id`.
        let mut names: Vec<Option<String>> = vec![None; properties.len()];
        let mut scope = Scope::new();
        for (index, (wire, _)) in properties.iter().enumerate() {
            if !wire.starts_with('_') {
                names[index] = Some(scope.claim(&naming::field_name(wire)));
            }
        }
        for (index, (wire, _)) in properties.iter().enumerate() {
            if names[index].is_none() {
                let plain = naming::field_name(wire);
                let name = if scope.contains(&plain) {
                    self.repair("field names differing only by underscores");
                    scope.claim(&format!("underscore_{plain}"))
                } else {
                    scope.claim(&plain)
                };
                names[index] = Some(name);
            }
        }
        let properties_pointer = pointer_push(site.pointer, "properties");
        let mut fields = Vec::with_capacity(properties.len());
        // Field index -> the wire name its `x-ghl-mirror` names, and where it is.
        let mut mirrors: Vec<(usize, String, String)> = Vec::new();
        for ((wire, schema), name) in properties.iter().zip(names) {
            let name = name.unwrap_or_default();
            let pointer = pointer_push(&properties_pointer, wire);
            let mut path = site.path.clone();
            path.push(wire.to_upper_camel_case());
            let field_site = Site {
                path,
                pointer: &pointer,
            };
            let ty = self.ty_of(*schema, &field_site)?;
            let date_time = match schema {
                SchemaRef::Inline(schema) if ty == Ty::String => self.date_time(schema),
                _ => false,
            };
            if let SchemaRef::Inline(schema) = schema {
                if let Some(source) = schema
                    .schema_data
                    .extensions
                    .get(crate::overrides::EXT_MIRROR)
                {
                    let source = source.as_str().ok_or_else(|| {
                        self.error(&pointer, "`x-ghl-mirror` must name a field (its wire name)")
                    })?;
                    mirrors.push((fields.len(), source.to_owned(), pointer.clone()));
                }
            }
            let (nullable, doc, example, max_items, max_bytes) = match schema {
                SchemaRef::Inline(schema) => (
                    schema.schema_data.nullable,
                    doc_with_example(&schema.schema_data),
                    schema.schema_data.example.clone(),
                    max_items(schema),
                    max_bytes(&schema.schema_data)
                        .map_err(|message| self.error(&pointer, message))?,
                ),
                SchemaRef::Ref(_) => (false, None, None, None, Vec::new()),
            };
            fields.push(Field {
                name,
                wire: (*wire).to_owned(),
                ty,
                required: required.iter().any(|r| r == wire),
                nullable,
                boxed: false,
                doc,
                example,
                max_items,
                max_bytes,
                date_time,
                mirror: None,
            });
        }
        for (index, source, pointer) in mirrors {
            let found = fields.iter().find(|field| field.wire == source);
            let fits = found.is_some_and(|found| {
                found.required && found.mirror.is_none() && found.ty == fields[index].ty
            }) && fields[index].required;
            let Some(found) = found.filter(|_| fits) else {
                return Err(self.error(
                    &pointer,
                    format!(
                        "`x-ghl-mirror: {source}` must name another required field of this object, \
                         of the same type, and sit on a required field"
                    ),
                ));
            };
            let name = found.name.clone();
            fields[index].mirror = Some(name);
        }
        Ok(fields)
    }

    /// The type to use at `site`, defining a named type there when the schema needs one.
    pub(super) fn ty_of(
        &mut self,
        schema: SchemaRef<'a>,
        site: &Site<'_>,
    ) -> Result<Ty, SpecError> {
        let schema = match schema {
            SchemaRef::Ref(reference) => {
                return Ok(match self.resolve(reference, site.pointer)? {
                    Resolved::Local { name, .. } => Ty::Named(name),
                    Resolved::Common { name, .. } => Ty::Common(name),
                });
            }
            SchemaRef::Inline(schema) => schema,
        };
        let view = shape(schema);
        // `allOf: [X]` with a description next to it: just X.
        if view.all_of.len() == 1 && view.properties.is_empty() {
            let pointer = pointer_push(&pointer_push(site.pointer, "allOf"), "0");
            return self.ty_of(
                (&view.all_of[0]).into(),
                &Site {
                    path: site.path.clone(),
                    pointer: &pointer,
                },
            );
        }
        if view.one_of.len() == 1 {
            let pointer = pointer_push(&pointer_push(site.pointer, view.one_of_key), "0");
            return self.ty_of(
                (&view.one_of[0]).into(),
                &Site {
                    path: site.path.clone(),
                    pointer: &pointer,
                },
            );
        }
        let name = self.claim_type_name(&site.path.concat());
        if let Some(kind) = self.compound_kind(&view, site)? {
            self.types.push(TypeDef {
                name: name.clone(),
                doc: description(&schema.schema_data),
                origin: self.origin(site.pointer),
                also: Vec::new(),
                paths: vec![site.path.clone()],
                shared: None,
                input: false,
                kind,
                example: schema.schema_data.example.clone(),
            });
            return Ok(Ty::Named(name));
        }
        // No definition needed: give the name back so numbering stays dense.
        self.scope.release(&name);
        self.plain_ty(&view, site)
    }

    /// Scalars, arrays and maps: types that need no definition.
    fn plain_ty(&mut self, view: &Shape<'a>, site: &Site<'_>) -> Result<Ty, SpecError> {
        Ok(match view.kind {
            Some("string") if view.binary => Ty::File,
            Some("string") => Ty::String,
            Some("number") => Ty::Number,
            Some("integer") => Ty::Integer,
            Some("boolean") => Ty::Boolean,
            Some("array") => match view.items {
                Some(items) => {
                    let pointer = pointer_push(site.pointer, "items");
                    let item = self.ty_of(
                        items,
                        &Site {
                            path: glued(&site.path, "Item"),
                            pointer: &pointer,
                        },
                    )?;
                    Ty::Array(Box::new(item))
                }
                None => Ty::Array(Box::new(self.fallback("array without items"))),
            },
            _ => match self.additional_ty(&view.additional, site)? {
                Some(value) => Ty::Map(Box::new(value)),
                None if view.kind == Some("object") => self.fallback("object without properties"),
                None => self.fallback("schema without type"),
            },
        })
    }
}

/// `path` with `suffix` added to its last segment: a list's items and a map's values are named
/// after the property that holds them (`TagsItem`), never on their own.
pub(super) fn glued(path: &[String], suffix: &str) -> Vec<String> {
    let mut path = path.to_vec();
    match path.last_mut() {
        Some(last) => last.push_str(suffix),
        None => path.push(suffix.to_owned()),
    }
    path
}

/// What a schema says about itself: its `description`, else its `title`.
fn description(data: &openapiv3::SchemaData) -> Option<String> {
    [&data.description, &data.title]
        .into_iter()
        .flatten()
        .map(|text| text.trim())
        .find(|text| !text.is_empty())
        .map(str::to_owned)
}

fn doc_with_example(data: &openapiv3::SchemaData) -> Option<String> {
    let description = description(data);
    let description = description.as_deref();
    let example = data.example.as_ref().and_then(|example| match example {
        Value::String(text)
            if !text.is_empty()
                && text.len() <= 120
                && !text.contains('`')
                && !text.contains('\n') =>
        {
            Some(format!("`{text}`"))
        }
        Value::Number(number) => Some(format!("`{number}`")),
        Value::Bool(flag) => Some(format!("`{flag}`")),
        _ => None,
    });
    match (description, example) {
        (None, None) => None,
        (Some(text), None) => Some(text.to_owned()),
        (None, Some(example)) => Some(format!("Example: {example}")),
        // A one-line description takes the example as its last sentence, so a field's doc
        // stays one paragraph; longer prose keeps it apart.
        (Some(text), Some(example)) if !text.contains('\n') => {
            let text = text.trim_end_matches([',', ';', ':']);
            Some(match text.chars().last() {
                Some('.' | '!' | '?') => format!("{text} Example: {example}."),
                _ => format!("{text}. Example: {example}."),
            })
        }
        (Some(text), Some(example)) => Some(format!("{text}\n\nExample: {example}")),
    }
}

#[cfg(test)]
mod tests {
    use super::doc_with_example;

    fn doc(description: Option<&str>, example: serde_json::Value) -> Option<String> {
        let data = openapiv3::SchemaData {
            description: description.map(str::to_owned),
            example: Some(example),
            ..Default::default()
        };
        doc_with_example(&data)
    }

    #[test]
    fn a_one_line_description_takes_the_example_as_its_last_sentence() {
        assert_eq!(
            doc(Some("Location Id"), "abc".into()).unwrap(),
            "Location Id. Example: `abc`."
        );
        assert_eq!(
            doc(Some("The total."), 3.into()).unwrap(),
            "The total. Example: `3`."
        );
        assert_eq!(
            doc(Some("Sorted by:"), true.into()).unwrap(),
            "Sorted by. Example: `true`."
        );
        assert_eq!(doc(None, "x".into()).unwrap(), "Example: `x`");
        // Longer prose keeps the example in a paragraph of its own.
        assert_eq!(
            doc(Some("One.\n\nTwo"), 1.into()).unwrap(),
            "One.\n\nTwo\n\nExample: `1`"
        );
        // Examples that would not read as one code span are left out.
        assert_eq!(doc(Some("Notes"), "a`b".into()).unwrap(), "Notes");
    }
}
