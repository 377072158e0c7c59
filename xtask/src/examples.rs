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

struct Collector<'a> {
    /// crate name -> type name -> definition.
    types: BTreeMap<&'a str, BTreeMap<&'a str, &'a TypeDef>>,
    common_crate: Option<&'a str>,
    memo: BTreeMap<(String, String), Option<Value>>,
    in_progress: BTreeSet<(String, String)>,
    counted: BTreeSet<(String, String)>,
    stats: ExampleStats,
}

impl<'a> Collector<'a> {
    fn lookup(&self, krate: &str, ty: &Ty) -> Option<(&'a str, &'a TypeDef)> {
        let (krate, name) = match ty {
            Ty::Named(name) => (krate, name.as_str()),
            Ty::Common(name) => (self.common_crate?, name.as_str()),
            _ => return None,
        };
        let (krate, types) = self.types.get_key_value(krate)?;
        types.get(name).map(|def| (*krate, *def))
    }

    /// Whether `value` deserializes into `ty` as generated and, keys the types do not name being
    /// dropped on the way, serializes back to itself only when it has none of those.
    fn fits(&self, krate: &str, value: &Value, ty: &Ty, depth: usize) -> bool {
        if depth > MAX_DEPTH {
            return false;
        }
        match ty {
            Ty::Value => true,
            Ty::String => value.is_string(),
            Ty::Number => value.is_number(),
            Ty::Integer => value.is_i64() || value.is_u64(),
            Ty::Boolean => value.is_boolean(),
            Ty::File => false,
            Ty::Array(item) => value
                .as_array()
                .is_some_and(|items| items.iter().all(|v| self.fits(krate, v, item, depth + 1))),
            Ty::Map(inner) => value
                .as_object()
                .is_some_and(|map| map.values().all(|v| self.fits(krate, v, inner, depth + 1))),
            Ty::Named(_) | Ty::Common(_) => {
                let Some((krate, def)) = self.lookup(krate, ty) else {
                    return false;
                };
                match &def.kind {
                    TypeKind::Enum { .. } => value.is_string(),
                    TypeKind::Alias(inner) => self.fits(krate, value, inner, depth + 1),
                    TypeKind::Untagged { variants } => variants
                        .iter()
                        .any(|(_, inner)| self.fits(krate, value, inner, depth + 1)),
                    TypeKind::Struct { fields, additional } => {
                        let Some(object) = value.as_object() else {
                            return false;
                        };
                        let known: BTreeSet<&str> =
                            fields.iter().map(|f| f.wire.as_str()).collect();
                        fields.iter().all(|field| match object.get(&field.wire) {
                            None => field.optional(),
                            Some(Value::Null) => field.optional(),
                            Some(present) => self.fits(krate, present, &field.ty, depth + 1),
                        }) && object
                            .iter()
                            .filter(|(key, _)| !known.contains(key.as_str()))
                            .all(|(_, v)| {
                                additional
                                    .as_ref()
                                    .is_some_and(|extra| self.fits(krate, v, extra, depth + 1))
                            })
                    }
                }
            }
        }
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
        types: apis
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
