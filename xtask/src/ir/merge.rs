//! `allOf`: the members' properties and required lists merged into one struct.

use super::schema::{Builder, Resolved, Site};
use super::shape::{Additional, SchemaRef, Shape, shape};
use super::{Ty, TypeKind};
use crate::diagnostics::{SpecError, pointer_push};

impl<'a> Builder<'a> {
    /// `allOf`: the members' properties and required lists, merged in order.
    pub(super) fn merged_struct(
        &mut self,
        view: &Shape<'a>,
        site: &Site<'_>,
    ) -> Result<TypeKind, SpecError> {
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
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::ir::testing::{build, fields, try_build};

    #[test]
    fn members_merge_in_order_later_properties_win_and_required_lists_add_up() {
        let api = build(
            json!({
                "Base": { "type": "object", "required": ["id"], "properties": {
                    "id": { "type": "string" }, "size": { "type": "string" } } },
                "Sized": { "allOf": [
                    { "$ref": "#/components/schemas/Base" },
                    { "type": "object", "required": ["size"], "properties": {
                        "size": { "type": "integer" }, "unit": { "type": "string" } } },
                ], "properties": { "note": { "type": "string" } } },
            }),
            json!({}),
        );
        assert_eq!(
            fields(&api, "Sized"),
            [
                ("id".into(), "id".into(), "String".into()),
                ("size".into(), "size".into(), "i64".into()),
                ("unit".into(), "unit".into(), "Option<String>".into()),
                ("note".into(), "note".into(), "Option<String>".into()),
            ]
        );
    }

    #[test]
    fn nested_members_are_flattened() {
        let api = build(
            json!({
                "A": { "type": "object", "properties": { "a": { "type": "string" } } },
                "B": { "allOf": [
                    { "allOf": [ { "$ref": "#/components/schemas/A" },
                                 { "type": "object", "properties": { "b": { "type": "string" } } } ] },
                    { "type": "object", "properties": { "c": { "type": "string" } } },
                ] },
            }),
            json!({}),
        );
        let names: Vec<String> = fields(&api, "B").into_iter().map(|f| f.0).collect();
        assert_eq!(names, ["a", "b", "c"]);
    }

    #[test]
    fn a_single_member_is_just_that_type() {
        let api = build(
            json!({
                "A": { "type": "object", "properties": { "a": { "type": "string" } } },
                "Holder": { "type": "object", "properties": {
                    "a": { "allOf": [ { "$ref": "#/components/schemas/A" } ], "description": "An A" } } },
            }),
            json!({}),
        );
        assert_eq!(fields(&api, "Holder")[0].2, "Option<A>");
    }

    #[test]
    fn members_that_are_not_objects_are_refused_with_their_pointer() {
        for (member, message) in [
            (json!({ "type": "string" }), "allOf member is not an object"),
            (
                json!({ "type": "object", "additionalProperties": { "type": "string" } }),
                "allOf member is a map",
            ),
        ] {
            let error = try_build(
                json!({ "Bad": { "allOf": [
                    { "type": "object", "properties": { "a": { "type": "string" } } },
                    member,
                ] } }),
                json!({}),
            )
            .unwrap_err();
            assert!(
                error.starts_with("apps/things.json#/components/schemas/Bad/allOf/1: "),
                "{error}"
            );
            assert!(error.contains(message), "{error}");
        }
    }
}
