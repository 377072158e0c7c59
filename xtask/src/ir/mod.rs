//! Stage 3: resolve a parsed spec into a Rust-shaped model of one crate: named types and
//! operations. Everything the emitter needs is decided here (names, optionality, which schema
//! becomes which type), so emitting is a plain walk over this model.
//!
//! One generic path serves every spec. Defects that have a single sensible reading are absorbed
//! and counted in [`Stats::repairs`]; anything else is a [`SpecError`] naming the place.

mod render;

use std::collections::{BTreeMap, BTreeSet};

use heck::ToUpperCamelCase;
use openapiv3::{
    AdditionalProperties, OpenAPI, Parameter, ParameterSchemaOrContent, ReferenceOr, Schema,
    SchemaKind, StatusCode, StringFormat, Type, VariantOrUnknownOrEmpty,
};
use serde_json::Value;

use crate::access::{self, Access};
use crate::diagnostics::{HINT_OVERRIDE, SpecError, pointer_push};
use crate::load::LoadedSpec;
use crate::naming::{self, Scope};
use crate::overrides;

pub use render::{Leaf, Short, Spelling, Wrapper};

/// The `Version` header value for operations whose spec declares none.
pub const DEFAULT_VERSION: &str = "2021-07-28";

const COMMON_FILE: &str = "../common/common-schemas.json";

/// One generated crate.
#[derive(Debug)]
pub struct Api {
    pub resource: String,
    pub crate_name: String,
    pub spec_path: String,
    pub title: String,
    pub description: Option<String>,
    pub client_name: String,
    /// Sorted by name.
    pub types: Vec<TypeDef>,
    /// Sorted by path, then method.
    pub operations: Vec<Operation>,
    /// The crate refers to the shared common-types crate.
    pub uses_common: bool,
    /// A hand-written module from overrides/, added as `src/ext.rs`: (origin, source).
    pub extension: Option<(String, String)>,
    pub stats: Stats,
}

#[derive(Debug, Default, Clone)]
pub struct Stats {
    /// Places typed `serde_json::Value` because the spec says nothing usable, by reason.
    pub value_fallbacks: BTreeMap<&'static str, usize>,
    /// Defects absorbed, by kind (pre-pass repairs included).
    pub repairs: BTreeMap<&'static str, usize>,
}

impl Stats {
    pub fn fallback_count(&self) -> usize {
        self.value_fallbacks.values().sum()
    }

    pub fn add(&mut self, other: &Stats) {
        for (kind, count) in &other.value_fallbacks {
            *self.value_fallbacks.entry(kind).or_default() += count;
        }
        for (kind, count) in &other.repairs {
            *self.repairs.entry(kind).or_default() += count;
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct TypeDef {
    pub name: String,
    pub doc: Option<String>,
    /// Where the type comes from: `file#pointer`.
    pub origin: String,
    pub kind: TypeKind,
    /// The schema's own `example`, if it gives one.
    pub example: Option<Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TypeKind {
    Struct {
        fields: Vec<Field>,
        additional: Option<Ty>,
    },
    /// A string enum; the emitter adds an `Unknown(String)` catch-all.
    Enum {
        variants: Vec<Variant>,
    },
    /// `oneOf` / `anyOf`: the first variant that deserializes wins.
    Untagged {
        variants: Vec<(String, Ty)>,
    },
    Alias(Ty),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: String,
    pub wire: String,
    pub ty: Ty,
    pub required: bool,
    pub nullable: bool,
    /// The field's type contains its own struct directly: it must be boxed.
    pub boxed: bool,
    pub doc: Option<String>,
    /// The property's `example`, if it gives one.
    pub example: Option<Value>,
    /// An array's `maxItems`: the server refuses more, so more fail before sending.
    pub max_items: Option<usize>,
    /// A file's size caps by content type (`x-max-bytes`, from overrides): `(prefix, bytes)`,
    /// the prefix `""` for any type, `"video/"` for `video/*`.
    pub max_bytes: Vec<(String, u64)>,
}

impl Field {
    /// Absent or null on the wire: an `Option`.
    pub fn optional(&self) -> bool {
        !self.required || self.nullable
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    pub name: String,
    pub wire: String,
}

/// A type as used in a field, parameter, body or response.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Ty {
    String,
    Number,
    Integer,
    Boolean,
    /// `serde_json::Value`: the spec says nothing usable.
    Value,
    /// A binary upload (`format: binary`).
    File,
    Array(Box<Ty>),
    Map(Box<Ty>),
    /// A type of this crate.
    Named(String),
    /// A type of the shared common-types crate.
    Common(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Put,
    Post,
    Delete,
    Patch,
    Head,
    Options,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Delete => "DELETE",
            Method::Patch => "PATCH",
            Method::Head => "HEAD",
            Method::Options => "OPTIONS",
        }
    }

    fn parse(method: &str) -> Option<Method> {
        Some(match method {
            "get" => Method::Get,
            "put" => Method::Put,
            "post" => Method::Post,
            "delete" => Method::Delete,
            "patch" => Method::Patch,
            "head" => Method::Head,
            "options" => Method::Options,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    pub fn_name: String,
    pub operation_id: String,
    pub method: Method,
    pub path: String,
    pub version: String,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub deprecated: bool,
    /// In the order they appear in the path template.
    pub path_params: Vec<Param>,
    /// Query and header parameters, gathered in a generated `*Params` struct.
    pub params: Vec<Param>,
    pub params_type: Option<String>,
    pub body: Option<Body>,
    pub response: Response,
    /// Non-2xx responses the spec documents.
    pub errors: Vec<ErrorResponse>,
    /// Headers sent on every call whatever the client is configured with (from overrides).
    pub forced_headers: Vec<(String, String)>,
    /// The method returns the value at this JSON pointer of the 2xx body (from overrides).
    pub unwrap: Option<String>,
    /// Sent without the `Authorization` header (from overrides: the token exchange itself).
    pub without_auth: bool,
    /// The scopes and token kinds its `security` names.
    pub access: Access,
}

/// A failure the spec documents: its status and, when it names one, the type of its body.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorResponse {
    pub status: String,
    pub body: Option<Ty>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamLocation {
    Path,
    Query,
    Header,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub name: String,
    pub wire: String,
    pub location: ParamLocation,
    pub ty: Ty,
    pub required: bool,
    pub doc: Option<String>,
    /// Bounds the server enforces, checked before the request goes out.
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    Json {
        ty: Ty,
        required: bool,
    },
    Form {
        ty: Ty,
        required: bool,
    },
    /// Multipart with a known shape: the fields of this crate's struct `ty`.
    Multipart {
        ty: String,
    },
    /// Multipart the spec does not describe: the caller builds the form.
    MultipartRaw,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Response {
    Json(Ty),
    /// A 2xx without a body.
    Empty,
}

/// The shared common-types crate's schema names, as generated.
#[derive(Debug, Default, Clone)]
pub struct CommonTypes {
    /// Schema name in common-schemas.json -> Rust type name.
    names: BTreeMap<String, String>,
    schemas: BTreeMap<String, Schema>,
}

impl CommonTypes {
    /// Names the common schemas exactly as [`build`] names them in the common crate.
    pub fn new(spec: &LoadedSpec) -> CommonTypes {
        let mut common = CommonTypes {
            names: component_names(&spec.document, &mut Scope::new()),
            ..CommonTypes::default()
        };
        for (raw, schema) in sorted_schemas(&spec.document) {
            if let ReferenceOr::Item(schema) = schema {
                common.schemas.insert(raw.to_owned(), schema.clone());
            }
        }
        common
    }
}

/// Rust names for the component schemas, claimed in `scope` in name order: the first of two
/// names that collide after case conversion keeps the plain name.
fn component_names(document: &OpenAPI, scope: &mut Scope) -> BTreeMap<String, String> {
    sorted_schemas(document)
        .into_iter()
        .map(|(raw, _)| (raw.to_owned(), scope.claim(&naming::type_name(raw))))
        .collect()
}

fn sorted_schemas(document: &OpenAPI) -> Vec<(&str, &ReferenceOr<Schema>)> {
    let mut schemas: Vec<_> = document
        .components
        .iter()
        .flat_map(|components| components.schemas.iter())
        .map(|(name, schema)| (name.as_str(), schema))
        .collect();
    schemas.sort_by(|a, b| a.0.cmp(b.0));
    schemas
}

/// Builds the model of one crate. `common` is `None` while building the common crate itself.
pub fn build(spec: &LoadedSpec, common: Option<&CommonTypes>) -> Result<Api, SpecError> {
    let mut builder = Builder {
        file: &spec.path,
        document: &spec.document,
        common,
        local_names: BTreeMap::new(),
        scope: Scope::new(),
        types: Vec::new(),
        stats: Stats::default(),
        uses_common: false,
    };
    builder.stats.repairs = spec.repairs.clone();
    builder.local_names = component_names(&spec.document, &mut builder.scope);
    let collisions = builder
        .local_names
        .iter()
        .filter(|(raw, name)| **name != naming::type_name(raw))
        .count();
    for _ in 0..collisions {
        builder.repair("schema name collision after case conversion");
    }
    for (raw, schema) in sorted_schemas(&spec.document) {
        let name = builder.local_names[raw].clone();
        let pointer = pointer_push("/components/schemas", raw);
        builder.define_component(&name, schema, &pointer)?;
    }
    let operations = builder.operations()?;
    let mut types = std::mem::take(&mut builder.types);
    mark_boxed_fields(&mut types);
    types.sort_by(|a, b| a.name.cmp(&b.name));
    let info = &spec.document.info;
    Ok(Api {
        resource: spec.resource.clone(),
        crate_name: naming::crate_name(&spec.resource),
        spec_path: spec.path.clone(),
        // Titles read "Blogs API"; the docs add "API" where they need it.
        title: info.title.trim().trim_end_matches(" API").to_owned(),
        description: info
            .description
            .clone()
            .filter(|text| !text.trim().is_empty()),
        client_name: naming::client_type_name(&spec.resource),
        types,
        operations,
        uses_common: builder.uses_common,
        extension: spec.extension.clone(),
        stats: builder.stats,
    })
}

/// A schema position: a reference or an inline schema, whichever box it came in.
#[derive(Clone, Copy)]
enum SchemaRef<'a> {
    Ref(&'a str),
    Inline(&'a Schema),
}

impl<'a> From<&'a ReferenceOr<Schema>> for SchemaRef<'a> {
    fn from(value: &'a ReferenceOr<Schema>) -> Self {
        match value {
            ReferenceOr::Reference { reference } => SchemaRef::Ref(reference),
            ReferenceOr::Item(schema) => SchemaRef::Inline(schema),
        }
    }
}

impl<'a> From<&'a ReferenceOr<Box<Schema>>> for SchemaRef<'a> {
    fn from(value: &'a ReferenceOr<Box<Schema>>) -> Self {
        match value {
            ReferenceOr::Reference { reference } => SchemaRef::Ref(reference),
            ReferenceOr::Item(schema) => SchemaRef::Inline(schema),
        }
    }
}

enum Additional<'a> {
    None,
    Any,
    Schema(SchemaRef<'a>),
}

/// Every schema, whatever `openapiv3` variant it parsed into, seen through the same fields.
struct Shape<'a> {
    kind: Option<&'a str>,
    binary: bool,
    enum_strings: Vec<String>,
    properties: Vec<(&'a str, SchemaRef<'a>)>,
    required: &'a [String],
    additional: Additional<'a>,
    items: Option<SchemaRef<'a>>,
    one_of: &'a [ReferenceOr<Schema>],
    /// `oneOf` or `anyOf`, whichever `one_of` came from (for pointers).
    one_of_key: &'static str,
    all_of: &'a [ReferenceOr<Schema>],
}

fn additional(value: &Option<AdditionalProperties>) -> Additional<'_> {
    match value {
        None | Some(AdditionalProperties::Any(false)) => Additional::None,
        Some(AdditionalProperties::Any(true)) => Additional::Any,
        Some(AdditionalProperties::Schema(schema)) => Additional::Schema((&**schema).into()),
    }
}

/// An array schema's `maxItems`, whichever `openapiv3` variant it parsed into.
fn max_items(schema: &Schema) -> Option<usize> {
    match &schema.schema_kind {
        SchemaKind::Type(Type::Array(array)) => array.max_items,
        SchemaKind::Any(any) => any.max_items,
        _ => None,
    }
}

/// The size caps of a file property: `x-max-bytes: {"*": 26214400, "video/*": 524288000}`
/// maps MIME patterns (`*`, `type/*` or an exact type) to the most bytes the server takes.
fn max_bytes(data: &openapiv3::SchemaData) -> Result<Vec<(String, u64)>, String> {
    let Some(caps) = data.extensions.get("x-max-bytes") else {
        return Ok(Vec::new());
    };
    let caps = caps
        .as_object()
        .ok_or("`x-max-bytes` must map MIME patterns (`*`, `video/*`) to byte counts")?;
    caps.iter()
        .map(|(pattern, bytes)| {
            let bytes = bytes.as_u64().ok_or_else(|| {
                format!("`x-max-bytes` of `{pattern}` must be a whole number of bytes")
            })?;
            let prefix = match pattern.as_str() {
                "*" => "",
                pattern => pattern.strip_suffix('*').unwrap_or(pattern),
            };
            Ok((prefix.to_owned(), bytes))
        })
        .collect()
}

fn shape(schema: &Schema) -> Shape<'_> {
    let mut shape = Shape {
        kind: None,
        binary: false,
        enum_strings: Vec::new(),
        properties: Vec::new(),
        required: &[],
        additional: Additional::None,
        items: None,
        one_of: &[],
        one_of_key: "oneOf",
        all_of: &[],
    };
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(string)) => {
            shape.kind = Some("string");
            shape.binary = matches!(
                string.format,
                VariantOrUnknownOrEmpty::Item(StringFormat::Binary)
            );
            shape.enum_strings = string.enumeration.iter().flatten().cloned().collect();
        }
        SchemaKind::Type(Type::Number(_)) => shape.kind = Some("number"),
        SchemaKind::Type(Type::Integer(_)) => shape.kind = Some("integer"),
        SchemaKind::Type(Type::Boolean(_)) => shape.kind = Some("boolean"),
        SchemaKind::Type(Type::Array(array)) => {
            shape.kind = Some("array");
            shape.items = array.items.as_ref().map(SchemaRef::from);
        }
        SchemaKind::Type(Type::Object(object)) => {
            shape.kind = Some("object");
            shape.properties = object
                .properties
                .iter()
                .map(|(k, v)| (k.as_str(), v.into()))
                .collect();
            shape.required = &object.required;
            shape.additional = additional(&object.additional_properties);
        }
        SchemaKind::OneOf { one_of } => shape.one_of = one_of,
        SchemaKind::AnyOf { any_of } => {
            shape.one_of = any_of;
            shape.one_of_key = "anyOf";
        }
        SchemaKind::AllOf { all_of } => shape.all_of = all_of,
        // `not` constrains without describing: nothing to generate from it.
        SchemaKind::Not { .. } => {}
        SchemaKind::Any(any) => {
            shape.kind = any.typ.as_deref();
            shape.binary = any.format.as_deref() == Some("binary");
            shape.enum_strings = any
                .enumeration
                .iter()
                .filter_map(|value| value.as_str().map(str::to_owned))
                .collect();
            shape.properties = any
                .properties
                .iter()
                .map(|(k, v)| (k.as_str(), v.into()))
                .collect();
            shape.required = &any.required;
            shape.additional = additional(&any.additional_properties);
            shape.items = any.items.as_ref().map(SchemaRef::from);
            if any.one_of.is_empty() {
                shape.one_of = &any.any_of;
                shape.one_of_key = "anyOf";
            } else {
                shape.one_of = &any.one_of;
            }
            shape.all_of = &any.all_of;
        }
    }
    shape
}

struct Builder<'a> {
    file: &'a str,
    document: &'a OpenAPI,
    common: Option<&'a CommonTypes>,
    /// Component schema name -> Rust type name.
    local_names: BTreeMap<String, String>,
    scope: Scope,
    types: Vec<TypeDef>,
    stats: Stats,
    uses_common: bool,
}

/// Where a schema sits, for naming the types it may need and for error messages.
struct Site<'p> {
    /// Name for an inline type defined here.
    hint: String,
    pointer: &'p str,
}

enum Resolved<'a> {
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
    fn repair(&mut self, kind: &'static str) {
        *self.stats.repairs.entry(kind).or_default() += 1;
    }

    fn fallback(&mut self, reason: &'static str) -> Ty {
        *self.stats.value_fallbacks.entry(reason).or_default() += 1;
        Ty::Value
    }

    fn error(&self, pointer: &str, message: impl Into<String>) -> SpecError {
        SpecError::new(self.file, pointer, message, HINT_OVERRIDE)
    }

    fn resolve(&mut self, reference: &str, pointer: &str) -> Result<Resolved<'a>, SpecError> {
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

    fn claim_type_name(&mut self, hint: &str) -> String {
        self.scope.claim(&naming::type_name(hint))
    }

    fn define_component(
        &mut self,
        name: &str,
        schema: &'a ReferenceOr<Schema>,
        pointer: &str,
    ) -> Result<(), SpecError> {
        let site = Site {
            hint: name.to_owned(),
            pointer,
        };
        let origin = format!("{}#{pointer}", self.file);
        let (kind, doc) = match schema {
            ReferenceOr::Reference { reference } => {
                let ty = self.ty_of(SchemaRef::Ref(reference), &site)?;
                (TypeKind::Alias(ty), None)
            }
            ReferenceOr::Item(schema) => {
                let doc = schema.schema_data.description.clone();
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
                    hint: format!("{}{label}", site.hint),
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
                    hint: format!("{}Value", site.hint),
                    pointer: &pointer,
                };
                Some(self.ty_of(*schema, &inner)?)
            }
        })
    }

    /// `allOf`: the members' properties and required lists, merged in order.
    fn merged_struct(&mut self, view: &Shape<'a>, site: &Site<'_>) -> Result<TypeKind, SpecError> {
        let mut properties: Vec<(&'a str, SchemaRef<'a>)> = Vec::new();
        let mut required: Vec<String> = view.required.to_vec();
        let mut additional = None;
        let mut pending: Vec<(SchemaRef<'a>, String)> = view
            .all_of
            .iter()
            .enumerate()
            .map(|(index, member)| {
                (
                    member.into(),
                    pointer_push(&pointer_push(site.pointer, "allOf"), &index.to_string()),
                )
            })
            .collect();
        pending.reverse();
        let mut depth = 0;
        while let Some((member, pointer)) = pending.pop() {
            depth += 1;
            if depth > 64 {
                return Err(self.error(&pointer, "allOf nests too deep (a cycle?)"));
            }
            let schema = match member {
                SchemaRef::Inline(schema) => schema,
                SchemaRef::Ref(reference) => match self.resolve(reference, &pointer)? {
                    Resolved::Local {
                        schema: Some(schema),
                        ..
                    }
                    | Resolved::Common {
                        schema: Some(schema),
                        ..
                    } => schema,
                    _ => {
                        return Err(self.error(
                            &pointer,
                            format!("allOf member `{reference}` is not an inline schema"),
                        ));
                    }
                },
            };
            let member_view = shape(schema);
            if member_view.properties.is_empty()
                && member_view.all_of.is_empty()
                && !matches!(member_view.additional, Additional::None | Additional::Any)
            {
                return Err(self.error(
                    &pointer,
                    "allOf member is a map; cannot merge it into a struct",
                ));
            }
            if member_view.properties.is_empty()
                && member_view.all_of.is_empty()
                && member_view.kind.is_some_and(|kind| kind != "object")
            {
                return Err(self.error(
                    &pointer,
                    "allOf member is not an object; cannot merge it into a struct",
                ));
            }
            for nested in member_view.all_of.iter().rev() {
                pending.push((nested.into(), pointer.clone()));
            }
            for (name, property) in member_view.properties {
                if let Some(slot) = properties
                    .iter_mut()
                    .find(|(existing, _)| *existing == name)
                {
                    slot.1 = property;
                } else {
                    properties.push((name, property));
                }
            }
            required.extend(member_view.required.iter().cloned());
            if matches!(member_view.additional, Additional::Any) {
                additional = Some(Ty::Value);
            }
        }
        for (name, property) in &view.properties {
            if let Some(slot) = properties.iter_mut().find(|(existing, _)| existing == name) {
                slot.1 = *property;
            } else {
                properties.push((name, *property));
            }
        }
        let fields = self.fields(&properties, &required, site)?;
        Ok(TypeKind::Struct { fields, additional })
    }

    fn fields(
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
        for ((wire, schema), name) in properties.iter().zip(names) {
            let name = name.unwrap_or_default();
            let pointer = pointer_push(&properties_pointer, wire);
            let field_site = Site {
                hint: format!("{}{}", site.hint, wire.to_upper_camel_case()),
                pointer: &pointer,
            };
            let ty = self.ty_of(*schema, &field_site)?;
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
            });
        }
        Ok(fields)
    }

    /// The type to use at `site`, defining a named type there when the schema needs one.
    fn ty_of(&mut self, schema: SchemaRef<'a>, site: &Site<'_>) -> Result<Ty, SpecError> {
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
                    hint: site.hint.clone(),
                    pointer: &pointer,
                },
            );
        }
        if view.one_of.len() == 1 {
            let pointer = pointer_push(&pointer_push(site.pointer, view.one_of_key), "0");
            return self.ty_of(
                (&view.one_of[0]).into(),
                &Site {
                    hint: site.hint.clone(),
                    pointer: &pointer,
                },
            );
        }
        let name = self.claim_type_name(&site.hint);
        if let Some(kind) = self.compound_kind(
            &view,
            &Site {
                hint: name.clone(),
                pointer: site.pointer,
            },
        )? {
            self.types.push(TypeDef {
                name: name.clone(),
                doc: schema.schema_data.description.clone(),
                origin: format!("{}#{}", self.file, site.pointer),
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
                            hint: format!("{}Item", site.hint),
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

    fn operations(&mut self) -> Result<Vec<Operation>, SpecError> {
        let document = self.document;
        let mut found = Vec::new();
        for (path, item) in &document.paths.paths {
            let item_pointer = pointer_push("/paths", path);
            let ReferenceOr::Item(item) = item else {
                return Err(self.error(&item_pointer, "path item references are not supported"));
            };
            for (method, operation) in item.iter() {
                let Some(parsed) = Method::parse(method) else {
                    continue;
                };
                found.push((
                    path.as_str(),
                    parsed,
                    method,
                    item,
                    operation,
                    pointer_push(&item_pointer, method),
                ));
            }
        }
        found.sort_by(|a, b| (a.0, a.1.as_str()).cmp(&(b.0, b.1.as_str())));
        let mut scope = Scope::with_reserved(&["new", "client"]);
        let mut operations = Vec::with_capacity(found.len());
        for (path, method, raw_method, item, operation, pointer) in found {
            let operation_id = operation
                .operation_id
                .clone()
                .unwrap_or_else(|| format!("{raw_method} {path}"));
            let fn_name = scope.claim(&naming::function_name(&operation_id));
            let camel = fn_name.to_upper_camel_case();
            let mut version = None;
            let mut path_params = Vec::new();
            let mut params = Vec::new();
            let mut param_scope = Scope::with_reserved(&["params", "body"]);
            for (index, parameter) in item
                .parameters
                .iter()
                .chain(&operation.parameters)
                .enumerate()
            {
                let parameter_pointer =
                    pointer_push(&pointer_push(&pointer, "parameters"), &index.to_string());
                let ReferenceOr::Item(parameter) = parameter else {
                    return Err(
                        self.error(&parameter_pointer, "parameter references are not supported")
                    );
                };
                let data = parameter.parameter_data_ref();
                let location = match parameter {
                    Parameter::Query { .. } => ParamLocation::Query,
                    Parameter::Header { .. } => ParamLocation::Header,
                    Parameter::Path { .. } => ParamLocation::Path,
                    Parameter::Cookie { .. } => {
                        return Err(self.error(
                            &parameter_pointer,
                            format!("cookie parameter `{}` is not supported", data.name),
                        ));
                    }
                };
                if location == ParamLocation::Header && data.name.eq_ignore_ascii_case("version") {
                    version = version_of(data);
                    continue;
                }
                if location == ParamLocation::Header
                    && data.name.eq_ignore_ascii_case("authorization")
                {
                    // The client's auth, never an argument.
                    self.repair("Authorization header parameter dropped");
                    continue;
                }
                if location == ParamLocation::Path && !path.contains(&format!("{{{}}}", data.name))
                {
                    self.repair("path parameter not in the path template dropped");
                    continue;
                }
                let schema_pointer = pointer_push(&parameter_pointer, "schema");
                let site = Site {
                    hint: format!("{camel}{}", data.name.to_upper_camel_case()),
                    pointer: &schema_pointer,
                };
                let ty = match &data.format {
                    ParameterSchemaOrContent::Schema(schema) => self.ty_of(schema.into(), &site)?,
                    ParameterSchemaOrContent::Content(_) => self.fallback("parameter with content"),
                };
                let param = Param {
                    name: param_scope.claim(&naming::field_name(&data.name)),
                    wire: data.name.clone(),
                    location,
                    ty,
                    required: data.required || location == ParamLocation::Path,
                    doc: data
                        .description
                        .clone()
                        .filter(|text| !text.trim().is_empty()),
                    minimum: bound(&data.format, Bound::Minimum),
                    maximum: bound(&data.format, Bound::Maximum),
                };
                if location == ParamLocation::Path {
                    path_params.push(param);
                } else {
                    params.push(param);
                }
            }
            // Template variables the spec forgot to declare are still path parameters.
            let mut ordered = Vec::new();
            for variable in template_variables(path) {
                match path_params
                    .iter()
                    .position(|param: &Param| param.wire == variable)
                {
                    Some(position) => ordered.push(path_params.remove(position)),
                    None => {
                        self.repair("undeclared path variable added as a parameter");
                        ordered.push(Param {
                            name: param_scope.claim(&naming::field_name(variable)),
                            wire: variable.to_owned(),
                            location: ParamLocation::Path,
                            ty: Ty::String,
                            required: true,
                            doc: None,
                            minimum: None,
                            maximum: None,
                        });
                    }
                }
            }
            let params_type =
                (!params.is_empty()).then(|| self.claim_type_name(&format!("{camel}Params")));
            let body = match &operation.request_body {
                None => None,
                Some(ReferenceOr::Reference { .. }) => {
                    return Err(self.error(
                        &pointer_push(&pointer, "requestBody"),
                        "request body references are not supported",
                    ));
                }
                Some(ReferenceOr::Item(body)) => {
                    self.body(body, &camel, &pointer_push(&pointer, "requestBody"))?
                }
            };
            let unwrap = operation
                .extensions
                .get(overrides::EXT_UNWRAP)
                .and_then(Value::as_str)
                .map(str::to_owned);
            let (response, errors) = self.responses(
                &operation.responses,
                &camel,
                &pointer_push(&pointer, "responses"),
                unwrap.as_deref(),
            )?;
            let forced_headers = operation
                .extensions
                .get(overrides::EXT_HEADERS)
                .and_then(Value::as_object)
                .map(|headers| {
                    headers
                        .iter()
                        .filter_map(|(name, value)| {
                            Some((name.clone(), value.as_str()?.to_owned()))
                        })
                        .collect()
                })
                .unwrap_or_default();
            operations.push(Operation {
                fn_name,
                operation_id,
                method,
                path: path.to_owned(),
                version: version.unwrap_or_else(|| {
                    self.repair("operation without Version uses the default");
                    DEFAULT_VERSION.to_owned()
                }),
                summary: operation
                    .summary
                    .clone()
                    .filter(|text| !text.trim().is_empty()),
                description: operation
                    .description
                    .clone()
                    .filter(|text| !text.trim().is_empty()),
                deprecated: operation.deprecated,
                path_params: ordered,
                params,
                params_type,
                body,
                response,
                errors,
                forced_headers,
                unwrap,
                without_auth: operation.extensions.get(overrides::EXT_WITHOUT_AUTH)
                    == Some(&Value::Bool(true)),
                access: access::access(self.document, operation.security.as_ref()),
            });
        }
        Ok(operations)
    }

    fn body(
        &mut self,
        body: &'a openapiv3::RequestBody,
        camel: &str,
        pointer: &str,
    ) -> Result<Option<Body>, SpecError> {
        let hint = format!("{camel}Body");
        let content_pointer = pointer_push(pointer, "content");
        let pick =
            |wanted: &dyn Fn(&str) -> bool| body.content.iter().find(|(media, _)| wanted(media));
        if let Some((media, content)) =
            pick(&|media| media == "application/json" || media.ends_with("+json"))
        {
            let (ty, _) = self.media_ty(content, &content_pointer, media, &hint)?;
            let ty = ty.unwrap_or_else(|| self.fallback("body without schema"));
            return Ok(Some(Body::Json {
                ty,
                required: body.required,
            }));
        }
        if let Some((media, content)) = pick(&|media| media == "multipart/form-data") {
            return Ok(Some(
                match self.media_ty(content, &content_pointer, media, &hint)? {
                    (None, _) => Body::MultipartRaw,
                    (Some(Ty::Named(name)), _) if self.is_struct(&name) => {
                        Body::Multipart { ty: name }
                    }
                    (Some(_), schema_pointer) => {
                        return Err(self.error(
                            &schema_pointer,
                            "a multipart body must be an object with properties",
                        ));
                    }
                },
            ));
        }
        if let Some((media, content)) = pick(&|media| media == "application/x-www-form-urlencoded")
        {
            let (ty, _) = self.media_ty(content, &content_pointer, media, &hint)?;
            let ty = ty.unwrap_or_else(|| self.fallback("body without schema"));
            return Ok(Some(Body::Form {
                ty,
                required: body.required,
            }));
        }
        match body.content.keys().next() {
            None => Ok(None),
            Some(media) => Err(self.error(
                &content_pointer,
                format!("unsupported request media type `{media}`"),
            )),
        }
    }

    /// The type of one media type's schema (`None` when it has none), and the schema's pointer.
    fn media_ty(
        &mut self,
        content: &'a openapiv3::MediaType,
        content_pointer: &str,
        media: &str,
        hint: &str,
    ) -> Result<(Option<Ty>, String), SpecError> {
        let schema_pointer = pointer_push(&pointer_push(content_pointer, media), "schema");
        let ty = match &content.schema {
            Some(schema) => Some(self.ty_of(
                schema.into(),
                &Site {
                    hint: hint.to_owned(),
                    pointer: &schema_pointer,
                },
            )?),
            None => None,
        };
        Ok((ty, schema_pointer))
    }

    fn is_struct(&self, name: &str) -> bool {
        self.types
            .iter()
            .any(|def| def.name == name && matches!(def.kind, TypeKind::Struct { .. }))
    }

    /// The schema at `inner` (a JSON pointer into a value of `schema`, e.g. `/results/post`),
    /// following references and single-member `allOf`s.
    fn schema_at(
        &mut self,
        schema: SchemaRef<'a>,
        inner: &str,
        pointer: &str,
    ) -> Result<(SchemaRef<'a>, String), SpecError> {
        let mut current = schema;
        let mut current_pointer = pointer.to_owned();
        for segment in inner.split('/').skip(1) {
            let segment = segment.replace("~1", "/").replace("~0", "~");
            let mut resolved = current;
            for _ in 0..16 {
                match resolved {
                    SchemaRef::Ref(reference) => match self.resolve(reference, &current_pointer)? {
                        Resolved::Local {
                            schema: Some(schema),
                            name,
                        }
                        | Resolved::Common {
                            schema: Some(schema),
                            name,
                        } => {
                            current_pointer = format!("/components/schemas/{name}");
                            resolved = SchemaRef::Inline(schema);
                        }
                        _ => {
                            return Err(self.error(
                                &current_pointer,
                                format!("cannot unwrap `{inner}`: `{reference}` is not a schema"),
                            ));
                        }
                    },
                    SchemaRef::Inline(schema) => {
                        let view = shape(schema);
                        if view.all_of.len() == 1 && view.properties.is_empty() {
                            resolved = (&view.all_of[0]).into();
                        } else {
                            break;
                        }
                    }
                }
            }
            let SchemaRef::Inline(schema) = resolved else {
                return Err(self.error(
                    &current_pointer,
                    format!("cannot unwrap `{inner}`: reference chain too long"),
                ));
            };
            let view = shape(schema);
            let Some((_, property)) = view.properties.iter().find(|(name, _)| *name == segment)
            else {
                return Err(SpecError::new(
                    self.file,
                    &current_pointer,
                    format!("the response has no property `{segment}` to unwrap `{inner}` from"),
                    "fix the `unwrap` pointer in overrides/, or give the response the right schema with a `response` override",
                ));
            };
            current_pointer = pointer_push(&pointer_push(&current_pointer, "properties"), &segment);
            current = *property;
        }
        Ok((current, current_pointer))
    }

    fn responses(
        &mut self,
        responses: &'a openapiv3::Responses,
        camel: &str,
        pointer: &str,
        unwrap: Option<&str>,
    ) -> Result<(Response, Vec<ErrorResponse>), SpecError> {
        let mut codes: Vec<(u16, String, &ReferenceOr<openapiv3::Response>)> = responses
            .responses
            .iter()
            .map(|(code, response)| match code {
                StatusCode::Code(code) => (*code, code.to_string(), response),
                StatusCode::Range(range) => (range * 100, format!("{range}XX"), response),
            })
            .collect();
        codes.sort_by_key(|(code, _, _)| *code);
        let mut success = None;
        let mut saw_success = false;
        let mut errors = Vec::new();
        for (code, label, response) in codes {
            let response_pointer = pointer_push(pointer, &label);
            let ReferenceOr::Item(response) = response else {
                return Err(self.error(&response_pointer, "response references are not supported"));
            };
            let json = response
                .content
                .iter()
                .find(|(media, _)| *media == "application/json" || media.ends_with("+json"));
            if (200..300).contains(&code) {
                saw_success = true;
                if success.is_some() {
                    continue;
                }
                if let Some((media, content)) = json {
                    let schema_pointer = pointer_push(
                        &pointer_push(&pointer_push(&response_pointer, "content"), media),
                        "schema",
                    );
                    let ty = match (&content.schema, unwrap) {
                        (Some(schema), None) => self.ty_of(
                            schema.into(),
                            &Site {
                                hint: format!("{camel}Response"),
                                pointer: &schema_pointer,
                            },
                        )?,
                        (Some(schema), Some(inner)) => {
                            let (inner_schema, inner_pointer) =
                                self.schema_at(schema.into(), inner, &schema_pointer)?;
                            self.ty_of(
                                inner_schema,
                                &Site {
                                    hint: format!("{camel}Response"),
                                    pointer: &inner_pointer,
                                },
                            )?
                        }
                        (None, _) => self.fallback("response without schema"),
                    };
                    success = Some(Response::Json(ty));
                }
            } else {
                // Error bodies are documented, not generated: the runtime's error type carries them.
                let ty = match json.and_then(|(_, content)| content.schema.as_ref()) {
                    Some(ReferenceOr::Reference { reference }) => {
                        match self.resolve(reference, &response_pointer)? {
                            Resolved::Local { name, .. } => Some(Ty::Named(name)),
                            Resolved::Common { name, .. } => Some(Ty::Common(name)),
                        }
                    }
                    _ => None,
                };
                errors.push(ErrorResponse {
                    status: label,
                    body: ty,
                });
            }
        }
        let response = match success {
            Some(response) => response,
            None if saw_success => Response::Empty,
            None => Response::Json(self.fallback("no success response documented")),
        };
        Ok((response, errors))
    }
}

#[derive(Clone, Copy)]
enum Bound {
    Minimum,
    Maximum,
}

/// A numeric parameter's declared minimum or maximum.
fn bound(format: &ParameterSchemaOrContent, which: Bound) -> Option<f64> {
    let ParameterSchemaOrContent::Schema(ReferenceOr::Item(schema)) = format else {
        return None;
    };
    match (&schema.schema_kind, which) {
        (SchemaKind::Type(Type::Number(number)), Bound::Minimum) => number.minimum,
        (SchemaKind::Type(Type::Number(number)), Bound::Maximum) => number.maximum,
        (SchemaKind::Type(Type::Integer(integer)), Bound::Minimum) => {
            integer.minimum.map(|v| v as f64)
        }
        (SchemaKind::Type(Type::Integer(integer)), Bound::Maximum) => {
            integer.maximum.map(|v| v as f64)
        }
        (SchemaKind::Any(any), Bound::Minimum) => any.minimum,
        (SchemaKind::Any(any), Bound::Maximum) => any.maximum,
        _ => None,
    }
}

fn version_of(data: &openapiv3::ParameterData) -> Option<String> {
    let ParameterSchemaOrContent::Schema(ReferenceOr::Item(schema)) = &data.format else {
        return None;
    };
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(string)) => {
            string.enumeration.iter().flatten().next().cloned()
        }
        SchemaKind::Any(any) => any
            .enumeration
            .iter()
            .find_map(|value| value.as_str().map(str::to_owned)),
        _ => None,
    }
    .or_else(|| {
        schema
            .schema_data
            .default
            .as_ref()
            .and_then(Value::as_str)
            .map(str::to_owned)
    })
}

/// `/a/{x}/b/{y}` -> `["x", "y"]`.
pub fn template_variables(path: &str) -> Vec<&str> {
    path.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .collect()
}

fn doc_with_example(data: &openapiv3::SchemaData) -> Option<String> {
    let description = data
        .description
        .as_deref()
        .map(str::trim)
        .filter(|text| !text.is_empty());
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
        (Some(text), Some(example)) => Some(format!("{text}\n\nExample: {example}")),
    }
}

/// A struct that contains itself (directly or through other structs, not through a `Vec` or a
/// map) would have infinite size: those fields are boxed.
fn mark_boxed_fields(types: &mut [TypeDef]) {
    let index: BTreeMap<String, usize> = types
        .iter()
        .enumerate()
        .map(|(i, def)| (def.name.clone(), i))
        .collect();
    let direct = |def: &TypeDef| -> Vec<String> {
        match &def.kind {
            TypeKind::Struct { fields, .. } => fields
                .iter()
                .filter_map(|field| match &field.ty {
                    Ty::Named(name) => Some(name.clone()),
                    _ => None,
                })
                .collect(),
            TypeKind::Untagged { variants } => variants
                .iter()
                .filter_map(|(_, ty)| match ty {
                    Ty::Named(name) => Some(name.clone()),
                    _ => None,
                })
                .collect(),
            TypeKind::Alias(Ty::Named(name)) => vec![name.clone()],
            _ => Vec::new(),
        }
    };
    let edges: Vec<Vec<String>> = types.iter().map(direct).collect();
    let reaches = |from: &str, target: &str| -> bool {
        let mut stack = vec![from.to_owned()];
        let mut seen = BTreeSet::new();
        while let Some(current) = stack.pop() {
            if current == target {
                return true;
            }
            if !seen.insert(current.clone()) {
                continue;
            }
            if let Some(&i) = index.get(&current) {
                stack.extend(edges[i].iter().cloned());
            }
        }
        false
    };
    let mut to_box = Vec::new();
    for (i, def) in types.iter().enumerate() {
        if let TypeKind::Struct { fields, .. } = &def.kind {
            for (f, field) in fields.iter().enumerate() {
                if let Ty::Named(target) = &field.ty {
                    if reaches(target, &def.name) {
                        to_box.push((i, f));
                    }
                }
            }
        }
    }
    for (i, f) in to_box {
        if let TypeKind::Struct { fields, .. } = &mut types[i].kind {
            fields[f].boxed = true;
        }
    }
}
