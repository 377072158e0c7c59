//! Recursive types: a struct that reaches itself by value gets its field boxed.

use std::collections::{BTreeMap, BTreeSet};

use super::{Ty, TypeDef, TypeKind};

/// A struct that contains itself (directly or through other structs, not through a `Vec` or a
/// map) would have infinite size: those fields are boxed.
pub(super) fn mark_boxed_fields(types: &mut [TypeDef]) {
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::ir::testing::{build, fields};

    #[test]
    fn only_fields_that_reach_their_own_struct_by_value_are_boxed() {
        let api = build(
            json!({
                "Node": { "type": "object", "properties": {
                    "next": { "$ref": "#/components/schemas/Node" },
                    "children": { "type": "array", "items": { "$ref": "#/components/schemas/Node" } },
                    "index": { "type": "object", "additionalProperties": { "$ref": "#/components/schemas/Node" } },
                    "leaf": { "$ref": "#/components/schemas/Leaf" },
                } },
                "Leaf": { "type": "object", "properties": { "v": { "type": "string" } } },
            }),
            json!({}),
        );
        let tys: Vec<String> = fields(&api, "Node").into_iter().map(|f| f.2).collect();
        assert_eq!(
            tys,
            [
                "Option<Box<Node>>",
                "Option<Vec<Node>>",
                "Option<Map<String, Node>>",
                "Option<Leaf>",
            ]
        );
    }

    #[test]
    fn mutual_recursion_boxes_both_sides_and_passes_through_aliases_and_unions() {
        let api = build(
            json!({
                "A": { "type": "object", "required": ["b"], "properties": { "b": { "$ref": "#/components/schemas/B" } } },
                "B": { "type": "object", "properties": { "a": { "$ref": "#/components/schemas/AliasOfA" } } },
                "AliasOfA": { "$ref": "#/components/schemas/A" },
                "C": { "type": "object", "properties": { "either": { "$ref": "#/components/schemas/Either" } } },
                "Either": { "oneOf": [ { "$ref": "#/components/schemas/C" }, { "type": "string" } ] },
            }),
            json!({}),
        );
        assert_eq!(fields(&api, "A")[0].2, "Box<B>");
        assert_eq!(fields(&api, "B")[0].2, "Option<Box<AliasOfA>>");
        assert_eq!(fields(&api, "C")[0].2, "Option<Box<Either>>");
    }
}
