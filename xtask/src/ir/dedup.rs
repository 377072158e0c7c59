//! One type for one thing: schemas of one crate that became structurally identical types (the
//! same fields, variants or members, whatever their docs) are emitted once.
//!
//! Identity is decided bottom up: two structs are identical when their fields are, with the types
//! they refer to already merged, so the pass repeats until nothing merges any more.
//!
//! - Inline schemas merge into one type; [`super::names`] names it after what its copies have in
//!   common (`AltType`, `Country`).
//! - An inline copy of a component schema becomes that schema.
//! - Two component schemas the spec names differently stay two names: the later one (in name
//!   order) becomes an alias of the first, so neither name breaks.

use std::collections::{BTreeMap, BTreeSet};

use super::{Field, Operation, TypeDef, TypeKind, rename_types, sorted_values};

/// Merges identical types and repoints their uses; returns how many types were merged away.
pub(super) fn merge_identical(types: &mut Vec<TypeDef>, operations: &mut [Operation]) -> usize {
    let mut merged = 0;
    loop {
        let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (index, def) in types.iter().enumerate() {
            if let Some(key) = structure_key(&def.kind) {
                groups.entry(key).or_default().push(index);
            }
        }
        let mut renamed = BTreeMap::new();
        let mut removed = BTreeSet::new();
        let mut aliased = Vec::new();
        for members in groups.into_values().filter(|members| members.len() > 1) {
            // Components first, then by name: the first is the one that stays.
            let mut members = members;
            members
                .sort_by_key(|&index| (!types[index].paths.is_empty(), types[index].name.clone()));
            let keep = members[0];
            for &other in &members[1..] {
                if types[other].paths.is_empty() {
                    aliased.push((other, types[keep].name.clone()));
                } else {
                    renamed.insert(types[other].name.clone(), types[keep].name.clone());
                    removed.insert(other);
                    let other = types[other].clone();
                    absorb(&mut types[keep], &other);
                }
            }
        }
        if renamed.is_empty() && aliased.is_empty() {
            return merged;
        }
        for (index, target) in aliased {
            types[index].kind = TypeKind::Alias(super::Ty::Named(target));
        }
        merged += removed.len();
        let mut index = 0;
        types.retain(|_| {
            index += 1;
            !removed.contains(&(index - 1))
        });
        rename_types(types, operations, &renamed);
    }
}

/// Moves what `other` (identical to `keep`) knows about itself into `keep`: its places, its
/// naming paths (unless `keep` is named by the spec), and docs or an example `keep` lacks.
pub(super) fn absorb(keep: &mut TypeDef, other: &TypeDef) {
    keep.also.extend(other.places().cloned());
    keep.also.sort();
    if !keep.paths.is_empty() {
        keep.paths.extend(other.paths.iter().cloned());
        keep.paths.sort();
    }
    if keep.doc.is_none() {
        keep.doc.clone_from(&other.doc);
    }
    if keep.example.is_none() {
        keep.example.clone_from(&other.example);
    }
    if let (TypeKind::Struct { fields, .. }, TypeKind::Struct { fields: theirs, .. }) =
        (&mut keep.kind, &other.kind)
    {
        for (field, their) in fields.iter_mut().zip(theirs) {
            if field.doc.is_none() {
                field.doc.clone_from(&their.doc);
            }
            if field.example.is_none() {
                field.example.clone_from(&their.example);
            }
        }
    }
}

/// What makes two types one: everything but names, docs, examples and places. Aliases are never
/// merged (they are names, not structure).
fn structure_key(kind: &TypeKind) -> Option<String> {
    match kind {
        TypeKind::Struct { fields, additional } => {
            let fields: Vec<_> = fields.iter().map(field_key).collect();
            Some(format!("struct {fields:?} {additional:?}"))
        }
        // The same values in another order are the same enum.
        TypeKind::Enum { variants } => Some(format!("enum {:?}", sorted_values(variants))),
        TypeKind::Untagged { variants } => Some(format!("untagged {variants:?}")),
        TypeKind::Alias(_) => None,
    }
}

fn field_key(field: &Field) -> String {
    format!(
        "{} {} {:?} {} {} {} {:?} {:?}",
        field.name,
        field.wire,
        field.ty,
        field.required,
        field.nullable,
        field.boxed,
        field.max_items,
        field.max_bytes
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::ir::testing::{build, def, fields};
    use crate::ir::{Ty, TypeKind};

    #[test]
    fn identical_inline_schemas_become_one_type_whatever_their_docs() {
        let alt = |doc: &str| json!({ "type": "string", "enum": ["location"], "description": doc });
        let api = build(
            json!({
                "CreateInvoice": { "type": "object", "properties": { "altType": alt("a") } },
                "UpdateInvoice": { "type": "object", "properties": {
                    "altType": alt("b"), "id": { "type": "string" },
                } },
            }),
            json!({}),
        );
        let alt_types: Vec<_> = api
            .types
            .iter()
            .filter(|def| matches!(def.kind, TypeKind::Enum { .. }))
            .collect();
        assert_eq!(alt_types.len(), 1);
        assert_eq!(alt_types[0].also.len(), 1);
        let name = alt_types[0].name.clone();
        assert_eq!(
            fields(&api, "CreateInvoice")[0].2,
            format!("Option<{name}>")
        );
        assert_eq!(
            fields(&api, "UpdateInvoice")[0].2,
            format!("Option<{name}>")
        );
    }

    #[test]
    fn structs_merge_once_the_types_they_hold_have_merged() {
        let address = json!({ "type": "object", "properties": {
            "country": { "type": "string", "enum": ["US", "CA"] },
        } });
        let api = build(
            json!({
                "Business": { "type": "object", "properties": { "address": address.clone() } },
                "Contact": { "type": "object", "properties": {
                    "address": address, "email": { "type": "string" },
                } },
            }),
            json!({}),
        );
        assert_eq!(api.types.len(), 4, "{:?}", api.types);
        assert_eq!(fields(&api, "Business")[0].2, fields(&api, "Contact")[0].2);
    }

    #[test]
    fn an_inline_copy_of_a_component_is_the_component_and_twin_components_alias() {
        let body = json!({ "type": "object", "properties": { "name": { "type": "string" } } });
        let api = build(
            json!({
                "Tag": body.clone(),
                "TagCopy": body.clone(),
                "Holder": { "type": "object", "properties": { "tag": body } },
            }),
            json!({}),
        );
        assert_eq!(fields(&api, "Holder")[0].2, "Option<Tag>");
        assert_eq!(
            def(&api, "TagCopy").kind,
            TypeKind::Alias(Ty::Named("Tag".into()))
        );
        assert!(
            def(&api, "Tag")
                .also
                .iter()
                .any(|o| o.ends_with("/Holder/properties/tag"))
        );
    }

    #[test]
    fn different_required_fields_or_values_keep_types_apart() {
        let api = build(
            json!({
                "A": { "type": "object", "required": ["x"], "properties": { "x": { "type": "string" } } },
                "B": { "type": "object", "properties": { "x": { "type": "string" } } },
                "C": { "type": "string", "enum": ["a"] },
                "D": { "type": "string", "enum": ["b"] },
            }),
            json!({}),
        );
        assert!(
            api.types
                .iter()
                .all(|def| !matches!(def.kind, TypeKind::Alias(_)))
        );
    }
}
