//! Final names of the types the generator invents (inline schemas), once identical ones have
//! merged: no longer than [`naming::MAX_TYPE_NAME`], after what they are, and stable from one
//! spec release to the next.
//!
//! While building, an inline type gets its whole path as a provisional name. Here the spec's own
//! names (components) and the `*Params` structs are fixed first. A type then keeps the name
//! [`TypeNames`] (`crates/type-names.json`, written by every regen) gave its places before, so
//! a new release renames nothing it did not touch, even when a new identical schema joins the
//! type. A new type from a single place is named after its path (shortened when too long); one
//! merged from several places after what they share (`AltType`, `Country`), bigger groups first.

use std::collections::BTreeMap;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use super::{Api, Operation, TypeDef, rename_types};
use crate::naming::{self, Scope};

/// The names inline types were given, by crate: name -> the places (`file#pointer`) it covers.
/// Regen reads it from the output directory and writes it back, so names outlive the spec
/// release that introduced them.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TypeNames(pub BTreeMap<String, BTreeMap<String, Vec<String>>>);

impl TypeNames {
    /// The file in the output directory (`crates/`).
    pub const FILE: &'static str = "type-names.json";

    /// Parses the file's text; `display` names it in errors.
    pub fn parse(text: &str, display: &str) -> anyhow::Result<TypeNames> {
        serde_json::from_str(text).with_context(|| {
            format!("{display}: not a type-name lock ({{crate: {{name: [places]}}}}); delete it to name every inline type afresh")
        })
    }

    /// Place -> name, for one crate.
    pub fn places(&self, crate_name: &str) -> BTreeMap<String, String> {
        self.0
            .get(crate_name)
            .into_iter()
            .flat_map(|names| names.iter())
            .flat_map(|(name, places)| {
                places
                    .iter()
                    .map(move |place| (place.clone(), name.clone()))
            })
            .collect()
    }

    /// What the models named: every inline type with all its places.
    pub fn of<'a>(apis: impl IntoIterator<Item = &'a Api>) -> TypeNames {
        let mut all = BTreeMap::new();
        for api in apis {
            let names: BTreeMap<String, Vec<String>> = api
                .types
                .iter()
                .filter(|def| !def.paths.is_empty())
                .map(|def| {
                    let mut places: Vec<String> = def.places().cloned().collect();
                    places.sort();
                    (def.name.clone(), places)
                })
                .collect();
            if !names.is_empty() {
                all.insert(api.crate_name.clone(), names);
            }
        }
        TypeNames(all)
    }

    /// The file's text: pretty, sorted, one place per line, so reviews show what moved.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(&self.0).unwrap_or_default();
        text.push('\n');
        text
    }
}

/// Gives every inline type its final name and repoints its uses. `locked`: place -> the name
/// the previous generation gave it. Returns old name -> new name.
pub(super) fn name_inline_types(
    types: &mut [TypeDef],
    operations: &mut [Operation],
    locked: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut scope = Scope::new();
    for def in types.iter().filter(|def| def.paths.is_empty()) {
        scope.claim(&def.name);
    }
    let mut order: Vec<usize> = (0..types.len())
        .filter(|&index| !types[index].paths.is_empty())
        .collect();
    // Single places first (they keep the names they always had), then bigger groups first.
    order.sort_by(|&a, &b| {
        let (a, b) = (&types[a], &types[b]);
        let rank = |def: &TypeDef| (def.paths.len() > 1, std::cmp::Reverse(def.paths.len()));
        rank(a).cmp(&rank(b)).then_with(|| a.name.cmp(&b.name))
    });
    // Types whose places had names keep the name most of their places had; the type holding
    // more of a name's places wins it.
    let mut locked_names: Vec<(usize, usize, &String)> = order
        .iter()
        .filter_map(|&index| {
            let mut counts: BTreeMap<&String, usize> = BTreeMap::new();
            for place in types[index].places() {
                if let Some(name) = locked.get(place) {
                    *counts.entry(name).or_default() += 1;
                }
            }
            let (name, count) = counts
                .into_iter()
                .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(a.0)))?;
            Some((index, count, name))
        })
        .collect();
    locked_names.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then_with(|| types[a.0].name.cmp(&types[b.0].name))
    });
    let mut renamed = BTreeMap::new();
    let mut named = vec![false; types.len()];
    for (index, _, name) in locked_names {
        if scope.contains(name) {
            continue;
        }
        let name = scope.claim(name);
        named[index] = true;
        if name != types[index].name {
            renamed.insert(types[index].name.clone(), name);
        }
    }
    for index in order {
        if named[index] {
            continue;
        }
        let def = &types[index];
        let mut candidates = if def.paths.len() > 1 {
            naming::shared_candidates(&def.paths)
        } else {
            Vec::new()
        };
        if let Some(first) = def.paths.first() {
            candidates.extend(naming::path_candidates(first));
        }
        let name = match candidates.iter().find(|name| !scope.contains(name)) {
            Some(free) => scope.claim(free),
            None => {
                let last = candidates
                    .last()
                    .cloned()
                    .unwrap_or_else(|| def.name.clone());
                scope.claim(&last)
            }
        };
        if name != def.name {
            renamed.insert(def.name.clone(), name);
        }
    }
    rename_types(types, operations, &renamed);
    renamed
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use std::collections::BTreeMap;

    use crate::ir::testing::{build, build_locked, fields};

    #[test]
    fn merged_inline_types_take_the_name_their_places_share() {
        let alt = json!({ "type": "string", "enum": ["location"] });
        let api = build(
            json!({
                "CreateInvoice": { "type": "object", "properties": { "altType": alt.clone() } },
                "UpdateInvoice": { "type": "object", "properties": {
                    "altType": alt, "id": { "type": "string" },
                } },
                "Single": { "type": "object", "properties": {
                    "status": { "type": "string", "enum": ["a"] },
                    "kind": { "type": "string", "enum": ["z"] },
                } },
            }),
            json!({}),
        );
        assert_eq!(fields(&api, "CreateInvoice")[0].2, "Option<AltType>");
        assert_eq!(fields(&api, "UpdateInvoice")[0].2, "Option<AltType>");
        assert_eq!(fields(&api, "Single")[0].2, "Option<SingleStatus>");
    }

    #[test]
    fn a_new_release_keeps_the_names_places_had_even_when_new_copies_join() {
        let alt = json!({ "type": "string", "enum": ["location"] });
        let schemas = |extra: bool| {
            let mut schemas = json!({
                "Invoice": { "type": "object", "properties": { "altType": alt.clone() } },
                "Zeta": { "type": "object", "properties": { "altType": alt.clone(), "id": { "type": "string" } } },
            });
            if extra {
                // Sorts first and would otherwise name the merged type.
                schemas["Aaa"] = json!({ "type": "object", "properties": {
                    "kind": alt.clone(), "x": { "type": "integer" },
                } });
            }
            schemas
        };
        let first = build(schemas(false), json!({}));
        assert_eq!(fields(&first, "Invoice")[0].2, "Option<AltType>");
        // Pretend the first release named it differently; the lock decides.
        let mut locked = BTreeMap::new();
        for def in first.types.iter().filter(|def| !def.paths.is_empty()) {
            for place in def.places() {
                locked.insert(place.clone(), "InvoiceAltType".to_owned());
            }
        }
        let next = build_locked(schemas(true), json!({}), &locked);
        assert_eq!(fields(&next, "Invoice")[0].2, "Option<InvoiceAltType>");
        assert_eq!(fields(&next, "Aaa")[0].2, "Option<InvoiceAltType>");
        let fresh = build(schemas(true), json!({}));
        assert_eq!(fields(&fresh, "Aaa")[0].2, "Option<AltType>");
    }

    #[test]
    fn the_lock_round_trips_and_bad_text_names_the_file() {
        let api = build(
            json!({ "Post": { "type": "object", "properties": { "tags": { "type": "array", "items": { "type": "string", "enum": ["a"] } } } } }),
            json!({}),
        );
        let names = super::TypeNames::of(std::slice::from_ref(&api));
        let text = names.to_json();
        assert!(text.contains("\"PostTagsItem\""), "{text}");
        assert_eq!(super::TypeNames::parse(&text, "x").unwrap(), names);
        assert_eq!(
            names.places(&api.crate_name).values().collect::<Vec<_>>(),
            ["PostTagsItem"]
        );
        let error = super::TypeNames::parse("[1]", "crates/type-names.json").unwrap_err();
        assert!(
            format!("{error:#}").starts_with("crates/type-names.json: "),
            "{error:#}"
        );
    }

    #[test]
    fn long_inline_names_are_shortened_and_stay_unique() {
        let deep = |leaf: &str| {
            json!({ "type": "object", "properties": { "results": { "type": "object", "properties": {
                "breakdowns": { "type": "object", "properties": {
                    "impressionsAndMore": { "type": "object", "properties": { leaf: { "type": "string" } } },
                    "reachAndMore": { "type": "object", "properties": { "other": { "type": "integer" } } },
                } } } } } })
        };
        let api = build(
            json!({ "GetSocialMediaStatisticsResponse": deep("total") }),
            json!({}),
        );
        let names: Vec<&str> = api.types.iter().map(|def| def.name.as_str()).collect();
        assert!(names.iter().all(|name| name.len() <= 48), "{names:?}");
        assert!(
            names.contains(&"GetSocialMediaStatisticsResponseReachAndMore"),
            "{names:?}"
        );
        assert!(
            names.contains(&"GetSocialMediaStatisticsResponseResults"),
            "{names:?}"
        );
        let unique: std::collections::BTreeSet<&&str> = names.iter().collect();
        assert_eq!(unique.len(), names.len());
    }
}
