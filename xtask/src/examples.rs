//! Instances of the generated types, for tests: from the specs' own examples, or placeholders.
//!
//! HighLevel gives thousands of `example` values, mostly one per property. For every generated
//! type this assembles an instance from them (placeholders fill required fields that have none)
//! and keeps the examples that match the schema; the generated spec tests turn them into
//! deserialization round trips. Examples that do not match their own schema are counted, not
//! tested: they document the spec, not the server. [`Instances::placeholder`] gives any type a
//! value it deserializes from, for calling every operation in the wire tests.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use crate::diagnostics::pointer_push;
use crate::ir::{Api, Field, Ty, TypeDef, TypeKind};

/// Nesting deeper than this is not assembled (and cycles end here).
const MAX_DEPTH: usize = 8;

/// One instance to check against one generated type.
#[derive(Debug, Clone, PartialEq)]
pub struct ExampleCase {
    pub crate_name: String,
    pub type_name: String,
    pub origin: String,
    pub value: Value,
    /// Assembled from property examples, so it must serialize back to itself; a schema-level
    /// example may carry keys the type ignores, so it only has to parse.
    pub round_trip: bool,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ExampleStats {
    /// Property and schema examples that match their schema.
    pub matching: usize,
    /// Examples that contradict their own schema (e.g. a string example on a number).
    pub mismatched: usize,
}

/// How an example's `null` counts when it is held against a type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nulls {
    /// It reads as `None`: fine wherever the field may be absent (the example has to parse).
    Parse,
    /// It has to come back: only a required field that may be null serializes one (the example
    /// has to survive a round trip).
    RoundTrip,
}

/// Where a value sits in the example, rendered as a JSON pointer only for a misfit.
#[derive(Clone, Copy)]
enum At<'p> {
    Root,
    Key(&'p At<'p>, &'p str),
    Index(&'p At<'p>, usize),
}

impl At<'_> {
    fn pointer(&self) -> String {
        match self {
            At::Root => String::new(),
            At::Key(parent, key) => pointer_push(&parent.pointer(), key),
            At::Index(parent, index) => pointer_push(&parent.pointer(), &index.to_string()),
        }
    }
}

/// The generated types of some crates, by crate and name: what examples are held against.
pub struct Types<'a> {
    /// crate name -> type name -> definition.
    by_crate: BTreeMap<&'a str, BTreeMap<&'a str, &'a TypeDef>>,
    common_crate: Option<&'a str>,
}

impl<'a> Types<'a> {
    /// The types of `apis`; the one without operations is the common crate.
    pub fn of(apis: &'a [Api]) -> Types<'a> {
        Types {
            by_crate: apis
                .iter()
                .map(|api| {
                    let types = api
                        .types
                        .iter()
                        .map(|def| (def.name.as_str(), def))
                        .collect();
                    (api.crate_name.as_str(), types)
                })
                .collect(),
            common_crate: apis
                .iter()
                .find(|api| api.operations.is_empty())
                .map(|api| api.crate_name.as_str()),
        }
    }

    fn lookup(&self, krate: &str, ty: &Ty) -> Option<(&'a str, &'a TypeDef)> {
        let (krate, name) = match ty {
            Ty::Named(name) => (krate, name.as_str()),
            Ty::Common(name) => (self.common_crate?, name.as_str()),
            _ => return None,
        };
        let (krate, types) = self.by_crate.get_key_value(krate)?;
        types.get(name).map(|def| (*krate, *def))
    }

    /// Where `value` does not fit `ty` of crate `krate` as generated: JSON pointers into
    /// `value`, each with what was expected; empty when it deserializes (and, keys the types do
    /// not name being kept only where a struct keeps them, serializes back to itself).
    pub fn misfits(&self, krate: &str, value: &Value, ty: &Ty, nulls: Nulls) -> Vec<String> {
        let mut out = Vec::new();
        self.walk(krate, value, ty, At::Root, 0, nulls, &mut out);
        out
    }

    /// Whether `value` fits `ty` (see [`Types::misfits`]), counting from `depth`.
    fn fits(&self, krate: &str, value: &Value, ty: &Ty, depth: usize) -> bool {
        let mut out = Vec::new();
        self.walk(krate, value, ty, At::Root, depth, Nulls::Parse, &mut out);
        out.is_empty()
    }

    #[allow(
        clippy::too_many_arguments,
        reason = "one recursive walk; its state is its arguments"
    )]
    fn walk(
        &self,
        krate: &str,
        value: &Value,
        ty: &Ty,
        at: At<'_>,
        depth: usize,
        nulls: Nulls,
        out: &mut Vec<String>,
    ) {
        let mut miss = |expected: &str| {
            let pointer = at.pointer();
            let pointer = if pointer.is_empty() {
                "/".to_owned()
            } else {
                pointer
            };
            out.push(format!(
                "{pointer}: {expected} expected, the example has {value}"
            ));
        };
        if depth > MAX_DEPTH {
            miss("less nesting");
            return;
        }
        match ty {
            Ty::Value => {}
            Ty::String if !value.is_string() => miss("a string"),
            Ty::Number if !value.is_number() => miss("a number"),
            Ty::Integer if !(value.is_i64() || value.is_u64()) => miss("an integer"),
            Ty::Boolean if !value.is_boolean() => miss("a boolean"),
            Ty::String | Ty::Number | Ty::Integer | Ty::Boolean => {}
            Ty::File => miss("a file"),
            Ty::Array(item) => match value.as_array() {
                Some(items) => {
                    for (index, entry) in items.iter().enumerate() {
                        let at = At::Index(&at, index);
                        self.walk(krate, entry, item, at, depth + 1, nulls, out);
                    }
                }
                None => miss("a list"),
            },
            Ty::Map(inner) => match value.as_object() {
                Some(map) => {
                    for (key, entry) in map {
                        let at = At::Key(&at, key);
                        self.walk(krate, entry, inner, at, depth + 1, nulls, out);
                    }
                }
                None => miss("an object"),
            },
            Ty::Named(_) | Ty::Common(_) => {
                let Some((krate, def)) = self.lookup(krate, ty) else {
                    miss("a type this crate does not define");
                    return;
                };
                match &def.kind {
                    TypeKind::Enum { .. } if !value.is_string() => miss("a string"),
                    TypeKind::Enum { .. } => {}
                    TypeKind::Alias(inner) => {
                        self.walk(krate, value, inner, at, depth + 1, nulls, out)
                    }
                    TypeKind::Untagged { variants } => {
                        let fits_one = variants.iter().any(|(_, inner)| {
                            let mut none = Vec::new();
                            self.walk(krate, value, inner, at, depth + 1, nulls, &mut none);
                            none.is_empty()
                        });
                        if !fits_one {
                            miss("one of the variants");
                        }
                    }
                    TypeKind::Struct { fields, additional } => {
                        let Some(object) = value.as_object() else {
                            miss("an object");
                            return;
                        };
                        for field in fields {
                            let present = object.get(&field.wire);
                            let at = At::Key(&at, &field.wire);
                            let problem = match present {
                                None if !field.optional() => Some("a required field is absent"),
                                Some(Value::Null) if !field.optional() => {
                                    Some("null where a value is required")
                                }
                                // A required field that may be null is sent as null; any other
                                // null reads as `None` and is not sent back.
                                Some(Value::Null)
                                    if nulls == Nulls::RoundTrip && !field.required =>
                                {
                                    Some("null reads as `None` and is not sent back")
                                }
                                None | Some(Value::Null) => None,
                                Some(present) => {
                                    self.walk(krate, present, &field.ty, at, depth + 1, nulls, out);
                                    None
                                }
                            };
                            if let Some(problem) = problem {
                                let pointer = at.pointer();
                                out.push(format!("{pointer}: {problem}"));
                            }
                        }
                        for (key, entry) in object {
                            if fields.iter().any(|field| &field.wire == key) {
                                continue;
                            }
                            let at = At::Key(&at, key);
                            match additional {
                                Some(extra) => {
                                    self.walk(krate, entry, extra, at, depth + 1, nulls, out)
                                }
                                None => out.push(format!(
                                    "{}: a key the type does not name, and it keeps no others",
                                    at.pointer()
                                )),
                            }
                        }
                    }
                }
            }
        }
    }
}

struct Collector<'a> {
    types: Types<'a>,
    memo: BTreeMap<(String, String), Option<Value>>,
    in_progress: BTreeSet<(String, String)>,
    counted: BTreeSet<(String, String)>,
    stats: ExampleStats,
}

impl<'a> Collector<'a> {
    fn lookup(&self, krate: &str, ty: &Ty) -> Option<(&'a str, &'a TypeDef)> {
        self.types.lookup(krate, ty)
    }

    fn fits(&self, krate: &str, value: &Value, ty: &Ty, depth: usize) -> bool {
        self.types.fits(krate, value, ty, depth)
    }

    /// A value for `ty` built from spec examples, if any example contributes to it.
    fn compose(&mut self, krate: &str, ty: &Ty, depth: usize) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        match ty {
            Ty::Array(item) => self
                .compose(krate, item, depth + 1)
                .map(|v| Value::Array(vec![v])),
            Ty::Map(inner) => self.compose(krate, inner, depth + 1).map(|v| {
                let mut map = Map::new();
                map.insert("key".to_owned(), v);
                Value::Object(map)
            }),
            Ty::Named(_) | Ty::Common(_) => {
                let (krate, def) = self.lookup(krate, ty)?;
                self.compose_def(krate, def, depth)
            }
            _ => None,
        }
    }

    fn compose_def(&mut self, krate: &'a str, def: &'a TypeDef, depth: usize) -> Option<Value> {
        let key = (krate.to_owned(), def.name.clone());
        if let Some(done) = self.memo.get(&key) {
            return done.clone();
        }
        if !self.in_progress.insert(key.clone()) {
            return None;
        }
        let counting = self.counted.insert(key.clone());
        let composed = match &def.kind {
            TypeKind::Struct { fields, .. } => self.compose_struct(krate, fields, depth, counting),
            TypeKind::Alias(inner) => self.compose(krate, inner, depth + 1),
            TypeKind::Untagged { variants } => variants
                .iter()
                .find_map(|(_, inner)| self.compose(krate, inner, depth + 1)),
            TypeKind::Enum { .. } => None,
        };
        self.in_progress.remove(&key);
        self.memo.insert(key, composed.clone());
        composed
    }

    fn compose_struct(
        &mut self,
        krate: &'a str,
        fields: &'a [Field],
        depth: usize,
        counting: bool,
    ) -> Option<Value> {
        let mut object = Map::new();
        let mut from_spec = false;
        for field in fields {
            let mut value = None;
            if let Some(example) = &field.example {
                if self.fits(krate, example, &field.ty, depth + 1) {
                    if counting {
                        self.stats.matching += 1;
                    }
                    value = Some(example.clone());
                } else if counting {
                    self.stats.mismatched += 1;
                }
            }
            if value.is_none() {
                value = self.compose(krate, &field.ty, depth + 1);
            }
            if value.is_some() {
                from_spec = true;
            } else if !field.optional() {
                value = Some(self.placeholder(krate, &field.ty, depth + 1)?);
            } else if field.required && field.nullable {
                value = Some(Value::Null);
            }
            if let Some(value) = value {
                object.insert(field.wire.clone(), value);
            }
        }
        from_spec.then_some(Value::Object(object))
    }

    /// A value that deserializes into `ty`, for required fields the spec gives no example for.
    fn placeholder(&mut self, krate: &'a str, ty: &Ty, depth: usize) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        Some(match ty {
            Ty::String => Value::String("example".to_owned()),
            Ty::Number | Ty::Integer => Value::from(0),
            Ty::Boolean => Value::Bool(false),
            Ty::Value => Value::Null,
            // A file part deserializes from base64; empty is valid.
            Ty::File => Value::String(String::new()),
            Ty::Array(_) => Value::Array(Vec::new()),
            Ty::Map(_) => Value::Object(Map::new()),
            Ty::Named(_) | Ty::Common(_) => {
                let (krate, def) = self.lookup(krate, ty)?;
                match &def.kind {
                    TypeKind::Enum { variants } => Value::String(variants.first()?.wire.clone()),
                    TypeKind::Alias(inner) => self.placeholder(krate, inner, depth + 1)?,
                    TypeKind::Untagged { variants } => {
                        let (_, inner) = variants.first()?;
                        self.placeholder(krate, inner, depth + 1)?
                    }
                    TypeKind::Struct { fields, .. } => {
                        if let Some(composed) = self.compose_def(krate, def, depth) {
                            return Some(composed);
                        }
                        let mut object = Map::new();
                        for field in fields.iter().filter(|field| !field.optional()) {
                            object.insert(
                                field.wire.clone(),
                                self.placeholder(krate, &field.ty, depth + 1)?,
                            );
                        }
                        Value::Object(object)
                    }
                }
            }
        })
    }
}

fn has_file(ty: &Ty) -> bool {
    match ty {
        Ty::File => true,
        Ty::Array(inner) | Ty::Map(inner) => has_file(inner),
        _ => false,
    }
}

/// Builds instances of the types of a set of generated crates.
pub struct Instances<'a> {
    collector: Collector<'a>,
}

impl<'a> Instances<'a> {
    pub fn new(apis: &'a [Api]) -> Instances<'a> {
        Instances {
            collector: collector(apis),
        }
    }

    /// JSON that deserializes into `ty` of crate `krate` (spec examples where there are some).
    pub fn placeholder(&mut self, krate: &'a str, ty: &Ty) -> Option<Value> {
        self.collector.placeholder(krate, ty, 0)
    }
}

fn collector(apis: &[Api]) -> Collector<'_> {
    Collector {
        types: Types::of(apis),
        memo: BTreeMap::new(),
        in_progress: BTreeSet::new(),
        counted: BTreeSet::new(),
        stats: ExampleStats::default(),
    }
}

/// Every instance worth checking, in crate and type order.
pub fn collect(apis: &[Api]) -> (Vec<ExampleCase>, ExampleStats) {
    let mut collector = collector(apis);
    let mut cases = Vec::new();
    for api in apis {
        for def in &api.types {
            // Upload bodies carry bytes, not JSON.
            if let TypeKind::Struct { fields, .. } = &def.kind {
                if fields.iter().any(|field| has_file(&field.ty)) {
                    continue;
                }
            }
            let named = Ty::Named(def.name.clone());
            if let Some(example) = &def.example {
                if example.is_object() && collector.fits(&api.crate_name, example, &named, 0) {
                    collector.stats.matching += 1;
                    cases.push(case(api, def, example.clone(), false));
                } else {
                    collector.stats.mismatched += 1;
                }
            }
            if matches!(def.kind, TypeKind::Struct { .. }) {
                if let Some(value) = collector.compose_def(&api.crate_name, def, 0) {
                    cases.push(case(api, def, value, true));
                }
            }
        }
    }
    (cases, collector.stats)
}

fn case(api: &Api, def: &TypeDef, value: Value, round_trip: bool) -> ExampleCase {
    ExampleCase {
        crate_name: api.crate_name.clone(),
        type_name: def.name.clone(),
        origin: def.origin.clone(),
        value,
        round_trip,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{Nulls, Types};
    use crate::ir::Ty;
    use crate::ir::testing::build;

    #[test]
    fn misfits_name_the_place_and_nulls_count_by_the_policy() {
        let mut api = build(
            json!({
                "Thing": { "type": "object", "required": ["id"], "properties": {
                    "id": { "type": "string" },
                    "size": { "type": "number" },
                    "tags": { "type": "array", "items": { "type": "string" } },
                    "note": { "type": "string" }
                }}
            }),
            json!({}),
        );
        api.crate_name = "ghl-things".to_owned();
        let apis = [api];
        let types = Types::of(&apis);
        let thing = Ty::Named("Thing".to_owned());
        let check =
            |value: serde_json::Value, nulls| types.misfits("ghl-things", &value, &thing, nulls);
        assert!(check(json!({"id": "a", "size": 2, "tags": ["x"]}), Nulls::Parse).is_empty());
        assert_eq!(
            check(
                json!({"id": "a", "size": "2", "tags": ["x", 3]}),
                Nulls::Parse
            ),
            vec![
                "/size: a number expected, the example has \"2\"",
                "/tags/1: a string expected, the example has 3",
            ]
        );
        assert_eq!(
            check(json!({"size": 1}), Nulls::Parse),
            vec!["/id: a required field is absent"]
        );
        // A null for an optional field parses, but does not come back.
        assert!(check(json!({"id": "a", "note": null}), Nulls::Parse).is_empty());
        assert_eq!(
            check(json!({"id": "a", "note": null}), Nulls::RoundTrip),
            vec!["/note: null reads as `None` and is not sent back"]
        );
        assert_eq!(
            check(json!({"id": null}), Nulls::Parse),
            vec!["/id: null where a value is required"]
        );
    }
}
