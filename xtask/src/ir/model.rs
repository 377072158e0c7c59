//! The model of one generated crate: its types and operations, as the emitter walks them.

use std::collections::BTreeMap;

use serde_json::Value;

use super::access::Access;

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
    /// The crate of the same resource on the other surface (v2 <-> v3), if HighLevel publishes
    /// one (set by [`super::pair_surfaces`]).
    pub sibling: Option<String>,
    /// A hand-written module from overrides/, added as `src/ext.rs`: (origin, source).
    pub extension: Option<(String, String)>,
    pub stats: Stats,
}

impl Api {
    /// The API surface the crate's spec belongs to: `"v2"` or `"v3"`.
    pub fn surface(&self) -> &'static str {
        super::surfaces::surface_of(&self.spec_path)
    }
}

#[derive(Debug, Default, Clone)]
pub struct Stats {
    /// Places typed `serde_json::Value` because the spec says nothing usable, by reason.
    pub value_fallbacks: BTreeMap<&'static str, usize>,
    /// Defects absorbed, by kind (pre-pass repairs included).
    pub repairs: BTreeMap<&'static str, usize>,
    /// Types not emitted because an identical one is (see `dedup`).
    pub merged_types: usize,
    /// Operations that take an offset or page number but are not paged: their answer holds no
    /// single list and no override says which (see `paging`).
    pub unpaged_lists: usize,
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
        self.merged_types += other.merged_types;
        self.unpaged_lists += other.unpaged_lists;
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct TypeDef {
    pub name: String,
    pub doc: Option<String>,
    /// Where the type comes from: `file#pointer`.
    pub origin: String,
    /// Other places whose schemas were identical and became this one type, sorted.
    pub also: Vec<String>,
    /// How an inline schema is named: the named schema, operation or parameter it sits in, then
    /// the properties leading to it (`["Post", "Author"]`, lists and maps glued on:
    /// `["Post", "TagsItem"]`); one path per merged place. Empty for a component schema: the
    /// spec names those.
    pub paths: Vec<Vec<String>>,
    /// Defined once in the common crate under this name (identical in several crates, see
    /// `share`): here only a re-export under [`TypeDef::name`].
    pub shared: Option<String>,
    /// Reachable from a request (see [`super::mark_inputs`]): callers build it, so it gets a
    /// constructor and setters.
    pub input: bool,
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
    /// A string the spec formats as `date-time`: its setter also takes a time value
    /// (`ghl_runtime::Timestamp`).
    pub date_time: bool,
    /// The (Rust) name of a required field of the same struct whose value this one always
    /// carries: the constructor takes it once (an override's `x-ghl-mirror`).
    pub mirror: Option<String>,
    /// A file's size caps by content type (`x-max-bytes`, from overrides): `(prefix, bytes)`,
    /// the prefix `""` for any type, `"video/"` for `video/*`.
    pub max_bytes: Vec<(String, u64)>,
}

impl Field {
    /// Absent or null on the wire: an `Option`.
    pub fn optional(&self) -> bool {
        !self.required || self.nullable
    }

    /// The fields a value of an input type is given when built (a mirror is set from its
    /// source): `new`'s arguments, or the builder's setters.
    pub fn given(fields: &[Field]) -> Vec<&Field> {
        fields
            .iter()
            .filter(|field| !field.optional() && field.mirror.is_none())
            .collect()
    }

    /// Whether an input type with these fields is built by name (`builder()`, a typestate
    /// builder) rather than with `new(...)`: when it is given four fields or more, or two of
    /// one type, which positional arguments would let a caller swap unnoticed.
    pub fn built_by_name(fields: &[Field]) -> bool {
        let given = Field::given(fields);
        given.len() >= 4
            || given
                .iter()
                .enumerate()
                .any(|(index, field)| given[..index].iter().any(|other| other.ty == field.ty))
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

    pub(super) fn parse(method: &str) -> Option<Method> {
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
    /// Query and header parameters.
    pub params: Vec<Param>,
    /// The type that collects the inputs and sends the call (`GetPost`): the client's method
    /// takes the required ones, setters the rest.
    pub builder: String,
    /// The spec's first tag of the operation (`Calendar Events`): what groups the builders.
    pub tag: Option<String>,
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
    /// How it pages, when it does (see [`super::paging`]).
    pub paging: Option<Paging>,
}

/// How an operation pages: what `ghl_runtime::Paging` says at run time, plus the item type.
#[derive(Debug, Clone, PartialEq)]
pub struct Paging {
    pub style: PageStyle,
    /// The page-size input.
    pub limit: Option<Slot>,
    /// JSON pointer to the items in the page (the decoded answer); `""` when the page is the list.
    pub items: String,
    /// JSON pointer to the total number of items, when the page reports it.
    pub total: Option<String>,
    /// The type of one item.
    pub item: Ty,
    /// The override entry that says how it pages (`overrides/x.yaml:12`); `None`: read from the
    /// spec.
    pub origin: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PageStyle {
    /// Skip that many items (`skip`, `offset`).
    Offset { offset: Slot },
    /// A page number counted from `first` (`page`).
    Page { page: Slot, first: u64 },
    /// Inputs of the next request taken from the answer, and a "more pages" flag.
    Cursor {
        next: Vec<(Slot, Source)>,
        more: Option<String>,
    },
}

/// Where a paging input goes, by wire name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Slot {
    Query(String),
    Body(String),
}

/// Where a cursor value comes from: a JSON pointer into the page or into its last item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Page(String),
    LastItem(String),
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
    /// A query parameter in `form` style without `explode` (`explode: false`): a sequence
    /// goes as one comma-separated value instead of the key repeated.
    pub joined: bool,
    /// A string the spec formats as `date-time` (see [`Field::date_time`]).
    pub date_time: bool,
}

impl Param {
    /// A required query or header parameter: the builder takes it by name (a setter `send`
    /// waits for), not the client's method as an argument, which path parameters are.
    pub fn by_name(&self) -> bool {
        self.required && self.location != ParamLocation::Path
    }
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
    /// Any other media type (`application/xml`, `text/csv`, ...): the caller's bytes, sent
    /// with this `Content-Type`.
    Bytes {
        content_type: String,
        required: bool,
    },
}

impl Body {
    /// The caller must give a body (the method takes it), rather than may (a setter).
    pub fn required(&self) -> bool {
        match self {
            Body::Json { required, .. }
            | Body::Form { required, .. }
            | Body::Bytes { required, .. } => *required,
            Body::Multipart { .. } | Body::MultipartRaw => true,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Response {
    Json(Ty),
    /// A 2xx without a body.
    Empty,
}

impl TypeDef {
    /// Every place (`file#pointer`) this type stands for: its origin, then the merged ones.
    pub fn places(&self) -> impl Iterator<Item = &String> {
        std::iter::once(&self.origin).chain(&self.also)
    }
}

/// An enum's wire values, sorted: the same values in another order are the same enum.
pub fn sorted_values(variants: &[Variant]) -> Vec<&str> {
    let mut values: Vec<&str> = variants
        .iter()
        .map(|variant| variant.wire.as_str())
        .collect();
    values.sort_unstable();
    values
}

impl Ty {
    /// Every leaf of this type, mutably (the type inside lists and maps included).
    pub fn leaves_mut(&mut self, f: &mut impl FnMut(&mut Ty)) {
        match self {
            Ty::Array(inner) | Ty::Map(inner) => inner.leaves_mut(f),
            leaf => f(leaf),
        }
    }
}

/// Calls `f` on every type leaf the types and operations of a crate use.
pub fn for_each_ty_mut(
    types: &mut [TypeDef],
    operations: &mut [Operation],
    mut f: impl FnMut(&mut Ty),
) {
    for def in types {
        match &mut def.kind {
            TypeKind::Struct { fields, additional } => {
                for field in fields {
                    field.ty.leaves_mut(&mut f);
                }
                if let Some(ty) = additional {
                    ty.leaves_mut(&mut f);
                }
            }
            TypeKind::Enum { .. } => {}
            TypeKind::Untagged { variants } => {
                for (_, ty) in variants {
                    ty.leaves_mut(&mut f);
                }
            }
            TypeKind::Alias(ty) => ty.leaves_mut(&mut f),
        }
    }
    for operation in operations {
        for param in operation
            .path_params
            .iter_mut()
            .chain(&mut operation.params)
        {
            param.ty.leaves_mut(&mut f);
        }
        match &mut operation.body {
            Some(Body::Json { ty, .. } | Body::Form { ty, .. }) => ty.leaves_mut(&mut f),
            Some(Body::Multipart { ty }) => {
                let mut named = Ty::Named(std::mem::take(ty));
                f(&mut named);
                if let Ty::Named(name) = named {
                    *ty = name;
                }
            }
            Some(Body::MultipartRaw | Body::Bytes { .. }) | None => {}
        }
        if let Response::Json(ty) = &mut operation.response {
            ty.leaves_mut(&mut f);
        }
        for error in &mut operation.errors {
            if let Some(ty) = &mut error.body {
                ty.leaves_mut(&mut f);
            }
        }
    }
}

/// Points every use of a renamed type of this crate at its new name.
pub fn rename_types(
    types: &mut [TypeDef],
    operations: &mut [Operation],
    renamed: &BTreeMap<String, String>,
) {
    if renamed.is_empty() {
        return;
    }
    for def in types.iter_mut() {
        if let Some(new) = renamed.get(&def.name) {
            def.name = new.clone();
        }
    }
    for_each_ty_mut(types, operations, |ty| {
        if let Ty::Named(name) = ty {
            if let Some(new) = renamed.get(name) {
                *name = new.clone();
            }
        }
    });
}
