//! Stage 3: resolve a parsed spec into a Rust-shaped model of one crate: named types and
//! operations. Everything the emitter needs is decided here (names, optionality, which schema
//! becomes which type), so emitting is a plain walk over this model.
//!
//! One generic path serves every spec. Defects that have a single sensible reading are absorbed
//! and counted in [`Stats::repairs`]; anything else is a [`SpecError`] naming the place.
//!
//! The stage reads in this order: [`model`] (what it produces), [`shape`] (one view of every
//! schema variant), [`schema`] (schemas to types), [`merge`] (`allOf`), [`operations`] (paths to
//! operations) and [`responses`] (their answers), [`cycles`] (boxing recursive fields),
//! [`access`] (scopes and token kinds) and [`render`] (the one way a type is written out).

pub mod access;
mod cycles;
mod dedup;
mod inputs;
mod merge;
pub mod model;
mod names;
mod operations;
mod paging;
mod render;
mod responses;
mod schema;
mod shape;
mod share;
mod surfaces;

use std::collections::BTreeMap;

use openapiv3::{OpenAPI, ReferenceOr, Schema};

use crate::diagnostics::{SpecError, pointer_push};
use crate::load::LoadedSpec;
use crate::naming::{self, Scope};

pub use access::Access;
pub use inputs::{input_types, mark_inputs};
pub use model::*;
pub use names::TypeNames;
pub use render::{Leaf, Short, Spelling, Wrapper};
use schema::Builder;
pub use share::share_enums;
pub use surfaces::pair_surfaces;

/// The `Version` header value for operations whose spec declares none.
pub const DEFAULT_VERSION: &str = "2021-07-28";

const COMMON_FILE: &str = "../common/common-schemas.json";

/// The shared common-types crate's schema names, as generated.
#[derive(Debug, Default, Clone)]
pub struct CommonTypes {
    /// Schema name in common-schemas.json -> Rust type name.
    pub(super) names: BTreeMap<String, String>,
    pub(super) schemas: BTreeMap<String, Schema>,
    /// Schema name -> the one of the two surfaces' shared files that defines it, for the names
    /// only one of them does (see [`CommonTypes::defined_only_in`]).
    pub(super) only_in: BTreeMap<String, &'static str>,
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

    /// Records which names only one surface's shared file defines (`common/common-schemas.json`
    /// or `apps/v3/common/common-schemas.json`): the two are generated as one crate, but a spec
    /// refers to its own surface's file, and a name only the other defines dangles there.
    pub fn defined_only_in(mut self, only_in: BTreeMap<String, &'static str>) -> CommonTypes {
        self.only_in = only_in;
        self
    }
}

/// Rust names for the component schemas, claimed in `scope` in name order: the first of two
/// names that collide after case conversion keeps the plain name.
fn component_names(document: &OpenAPI, scope: &mut Scope) -> BTreeMap<String, String> {
    sorted_schemas(document)
        .into_iter()
        .map(|(raw, _)| (raw.to_owned(), scope.claim(&naming::schema_type_name(raw))))
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
///
/// `locked` maps places (`file#pointer`) to the names earlier generations gave the inline types
/// there (see [`TypeNames`]).
pub fn build(
    spec: &LoadedSpec,
    common: Option<&CommonTypes>,
    locked: &BTreeMap<String, String>,
) -> Result<Api, SpecError> {
    let mut builder = Builder {
        file: &spec.path,
        document: &spec.document,
        common,
        local_names: BTreeMap::new(),
        scope: Scope::new(),
        types: Vec::new(),
        stats: Stats::default(),
        uses_common: false,
        paging_overrides: BTreeMap::new(),
        spec_names: sorted_schemas(&spec.document)
            .into_iter()
            .filter_map(|(name, schema)| {
                let spec_name = schema
                    .as_item()?
                    .schema_data
                    .extensions
                    .get(crate::overrides::EXT_SPEC_NAME)?
                    .as_str()?;
                Some((name.to_owned(), spec_name.to_owned()))
            })
            .collect(),
    };
    builder.stats.repairs = spec.repairs.clone();
    builder.local_names = component_names(&spec.document, &mut builder.scope);
    let collisions = builder
        .local_names
        .iter()
        .filter(|(raw, name)| **name != naming::schema_type_name(raw))
        .count();
    for _ in 0..collisions {
        builder.repair("schema name collision after case conversion");
    }
    for (raw, schema) in sorted_schemas(&spec.document) {
        let name = builder.local_names[raw].clone();
        let pointer = pointer_push("/components/schemas", raw);
        builder.define_component(&name, schema, &pointer)?;
    }
    let client_name = naming::client_type_name(&spec.resource);
    let mut operations = builder.operations(&client_name)?;
    let mut types = std::mem::take(&mut builder.types);
    builder.stats.merged_types = dedup::merge_identical(&mut types, &mut operations);
    names::name_inline_types(&mut types, &mut operations, locked);
    cycles::mark_boxed_fields(&mut types);
    paging::resolve(
        &spec.path,
        &types,
        &mut operations,
        &builder.paging_overrides,
        &mut builder.stats,
    )?;
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
        client_name,
        types,
        operations,
        uses_common: builder.uses_common,
        sibling: None,
        extension: spec.extension.clone(),
        stats: builder.stats,
    })
}

/// Models of small inline specs, for the unit tests of each concern.
#[cfg(test)]
pub(crate) mod testing {
    use std::collections::BTreeMap;

    use serde_json::{Value, json};

    use super::{Api, CommonTypes};
    use crate::specs::SpecFile;

    fn loaded(path: &str, schemas: Value, paths: Value) -> Result<crate::load::LoadedSpec, String> {
        let spec = json!({
            "openapi": "3.0.0",
            "info": { "title": "Things API", "version": "1.0" },
            "paths": paths,
            "components": { "schemas": schemas },
        });
        let file = SpecFile {
            path: path.to_owned(),
            bytes: serde_json::to_vec(&spec).map_err(|error| error.to_string())?,
        };
        crate::load::load(&file, None).map_err(|error| format!("{error:#}"))
    }

    /// `apps/things.json` with these schemas and paths, built without a common crate.
    pub fn try_build(schemas: Value, paths: Value) -> Result<Api, String> {
        let spec = loaded("apps/things.json", schemas, paths)?;
        super::build(&spec, None, &BTreeMap::new()).map_err(|error| error.to_string())
    }

    /// [`build`] with the names an earlier generation gave (place -> name).
    pub fn build_locked(schemas: Value, paths: Value, locked: &BTreeMap<String, String>) -> Api {
        let spec =
            loaded("apps/things.json", schemas, paths).unwrap_or_else(|error| panic!("{error}"));
        super::build(&spec, None, locked)
            .unwrap_or_else(|error| panic!("the spec should build: {error}"))
    }

    /// [`try_build`] that must succeed.
    pub fn build(schemas: Value, paths: Value) -> Api {
        try_build(schemas, paths).unwrap_or_else(|error| panic!("the spec should build: {error}"))
    }

    /// `apps/things.json` built against a common crate made of `common` schemas.
    pub fn build_with_common(common: Value, schemas: Value, paths: Value) -> Result<Api, String> {
        let common = loaded("common/common-schemas.json", common, json!({}))?;
        let spec = loaded("apps/things.json", schemas, paths)?;
        super::build(&spec, Some(&CommonTypes::new(&common)), &BTreeMap::new())
            .map_err(|error| error.to_string())
    }

    /// The named type of `api`.
    pub fn def<'a>(api: &'a Api, name: &str) -> &'a super::TypeDef {
        api.types
            .iter()
            .find(|def| def.name == name)
            .unwrap_or_else(|| panic!("no type {name}"))
    }

    /// The fields of the named struct: (name, wire, rendered type).
    pub fn fields(api: &Api, name: &str) -> Vec<(String, String, String)> {
        match &def(api, name).kind {
            super::TypeKind::Struct { fields, .. } => fields
                .iter()
                .map(|field| {
                    (
                        field.name.clone(),
                        field.wire.clone(),
                        field.render_ty(&super::Short),
                    )
                })
                .collect(),
            other => panic!("{name} is not a struct: {other:?}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::testing::{build, build_with_common, fields, try_build};
    use super::{Ty, TypeKind};

    #[test]
    fn schema_names_that_collide_after_case_conversion_are_numbered_and_counted() {
        let api = build(
            json!({
                "blog-post": { "type": "object", "properties": { "a": { "type": "string" } } },
                "BlogPost": { "type": "object", "properties": { "b": { "type": "string" } } },
            }),
            json!({}),
        );
        let names: Vec<&str> = api.types.iter().map(|def| def.name.as_str()).collect();
        assert_eq!(names, ["BlogPost", "BlogPost2"]);
        // Claimed in schema-name order: `BlogPost` sorts before `blog-post`.
        assert_eq!(fields(&api, "BlogPost")[0].1, "b");
        assert_eq!(
            api.stats.repairs["schema name collision after case conversion"],
            1
        );
    }

    #[test]
    fn inline_schemas_are_named_after_where_they_sit_without_stealing_component_names() {
        let api = build(
            json!({
                "Post": { "type": "object", "properties": {
                    "author": { "type": "object", "properties": { "name": { "type": "string" } } },
                    "tags": { "type": "array", "items": { "type": "string", "enum": ["a", "b"] } },
                } },
                "PostAuthor": { "type": "object", "properties": { "id": { "type": "string" } } },
            }),
            json!({}),
        );
        assert_eq!(
            fields(&api, "Post"),
            [
                ("author".into(), "author".into(), "Option<Author>".into()),
                (
                    "tags".into(),
                    "tags".into(),
                    "Option<Vec<PostTagsItem>>".into()
                ),
            ]
        );
        assert!(matches!(
            super::testing::def(&api, "PostTagsItem").kind,
            TypeKind::Enum { .. }
        ));
    }

    #[test]
    fn field_names_differing_only_by_underscores_keep_the_plain_one_plain() {
        let api = build(
            json!({ "Doc": { "type": "object", "properties": {
                "_id": { "type": "string" }, "id": { "type": "string" }, "type": { "type": "string" },
            } } }),
            json!({}),
        );
        let names: Vec<String> = fields(&api, "Doc").into_iter().map(|f| f.0).collect();
        assert_eq!(names, ["underscore_id", "id", "type_"]);
        assert_eq!(
            api.stats.repairs["field names differing only by underscores"],
            1
        );
    }

    #[test]
    fn references_resolve_locally_then_in_the_common_schemas() {
        let common =
            json!({ "Problem": { "type": "object", "properties": { "m": { "type": "string" } } } });
        let schemas = json!({ "Thing": { "type": "object", "properties": {
            "local": { "$ref": "#/components/schemas/Thing" },
            "shared": { "$ref": "../common/common-schemas.json#/components/schemas/Problem" },
            "dangling": { "$ref": "#/components/schemas/Problem" },
        } } });
        let api = build_with_common(common, schemas.clone(), json!({})).unwrap();
        let tys: Vec<String> = fields(&api, "Thing").into_iter().map(|f| f.2).collect();
        assert_eq!(
            tys,
            [
                "Option<Box<Thing>>",
                "Option<common::Problem>",
                "Option<common::Problem>"
            ]
        );
        assert!(api.uses_common);
        assert_eq!(
            api.stats.repairs["dangling local reference resolved in common schemas"],
            1
        );
        // Without the common schemas the dangling reference is an error naming its place.
        let error = try_build(schemas, json!({})).unwrap_err();
        assert!(
            error.starts_with("apps/things.json#/components/schemas/Thing/properties/shared: "),
            "{error}"
        );
    }

    #[test]
    fn untagged_variants_are_named_by_reference_or_by_kind() {
        let api = build(
            json!({
                "Cat": { "type": "object", "properties": { "meow": { "type": "string" } } },
                "Pet": { "oneOf": [
                    { "$ref": "#/components/schemas/Cat" },
                    { "type": "string" },
                    { "type": "array", "items": { "type": "integer" } },
                ] },
            }),
            json!({}),
        );
        let TypeKind::Untagged { variants } = &super::testing::def(&api, "Pet").kind else {
            panic!("Pet is not untagged");
        };
        assert_eq!(
            variants,
            &[
                ("Cat".to_owned(), Ty::Named("Cat".into())),
                ("String".to_owned(), Ty::String),
                ("List".to_owned(), Ty::Array(Box::new(Ty::Integer))),
            ]
        );
    }
}
