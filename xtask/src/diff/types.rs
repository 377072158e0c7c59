//! Changes to the types of one crate, and which types users build for requests (a new
//! required field breaks only those).

use std::collections::{BTreeMap, BTreeSet};

use super::{Change, Class, Kind, Scope};
use crate::ir::{Api, Field, Short, Ty, TypeKind};

/// A field's Rust type as users see it.
fn field_ty(field: &Field) -> String {
    field.render_ty(&Short)
}

fn kind_name(kind: &TypeKind) -> &'static str {
    match kind {
        TypeKind::Struct { .. } => "struct",
        TypeKind::Enum { .. } => "enum",
        TypeKind::Untagged { .. } => "untagged enum",
        TypeKind::Alias(_) => "type alias",
    }
}

pub(super) fn diff_types(old: &Api, new: &Api, inputs: &BTreeSet<String>, out: &mut Vec<Change>) {
    let old_types: BTreeMap<&str, &TypeKind> = old
        .types
        .iter()
        .map(|def| (def.name.as_str(), &def.kind))
        .collect();
    let new_types: BTreeMap<&str, &TypeKind> = new
        .types
        .iter()
        .map(|def| (def.name.as_str(), &def.kind))
        .collect();
    // Where each new type's schemas sit: an old type whose place is now another type's was
    // merged into it (or renamed), not dropped.
    let new_places: BTreeMap<&str, &str> = new
        .types
        .iter()
        .flat_map(|def| {
            def.places()
                .map(move |place| (place.as_str(), def.name.as_str()))
        })
        .collect();
    let old_origins: BTreeMap<&str, &str> = old
        .types
        .iter()
        .map(|def| (def.name.as_str(), def.origin.as_str()))
        .collect();
    let names: BTreeSet<&str> = old_types.keys().chain(new_types.keys()).copied().collect();
    for name in names {
        let mut push = |class, kind, detail: String| {
            out.push(Change {
                class,
                scope: Scope::Type,
                kind,
                item: name.to_owned(),
                endpoint: None,
                detail,
            });
        };
        match (old_types.get(name), new_types.get(name)) {
            (None, Some(kind)) => push(
                Class::Additive,
                Kind::Added,
                format!("new {}", kind_name(kind)),
            ),
            (Some(kind), None) => {
                let now = old_origins
                    .get(name)
                    .and_then(|origin| new_places.get(origin));
                let detail = match now {
                    Some(now) => format!(
                        "{} merged into `{now}`: its schema is now identical to others, and identical schemas are one type",
                        kind_name(kind)
                    ),
                    None => format!("{} removed", kind_name(kind)),
                };
                push(Class::Breaking, Kind::Removed, detail)
            }
            (Some(old_kind), Some(new_kind)) => {
                // A type that became an alias of another type of its crate (an identical schema
                // appeared and the two are one type now) is, to code using the name, that other
                // type: compare with it, not with "an alias".
                let target = match new_kind {
                    TypeKind::Alias(Ty::Named(target))
                        if !matches!(old_kind, TypeKind::Alias(_)) =>
                    {
                        new_types.get(target.as_str()).map(|kind| (target, *kind))
                    }
                    _ => None,
                };
                let (compared, prefix) = match target {
                    Some((target, kind)) => (kind, format!("as an alias of `{target}`: ")),
                    None => (*new_kind, String::new()),
                };
                let changes = type_changes(old_kind, compared, inputs.contains(name));
                if let (true, Some((target, _))) = (changes.is_empty(), target) {
                    let same = if matches!(old_kind, TypeKind::Struct { .. }) {
                        "fields"
                    } else {
                        "variants"
                    };
                    push(
                        Class::Additive,
                        Kind::Changed,
                        format!(
                            "now an alias of `{target}`, which has the same {same}: code using the name compiles as before"
                        ),
                    );
                }
                for (class, detail) in changes {
                    push(class, Kind::Changed, format!("{prefix}{detail}"));
                }
            }
            (None, None) => {}
        }
    }
}

/// What changed between two versions of one type (same name). `input`: users build values of
/// it for requests, so a new required field breaks their code.
fn type_changes(old: &TypeKind, new: &TypeKind, input: bool) -> Vec<(Class, String)> {
    let mut changes = Vec::new();
    match (old, new) {
        (
            TypeKind::Struct {
                fields: old_fields,
                additional: old_extra,
            },
            TypeKind::Struct {
                fields: new_fields,
                additional: new_extra,
            },
        ) => {
            let old_by: BTreeMap<&str, &Field> = old_fields
                .iter()
                .map(|field| (field.name.as_str(), field))
                .collect();
            let new_by: BTreeMap<&str, &Field> = new_fields
                .iter()
                .map(|field| (field.name.as_str(), field))
                .collect();
            // Fields in declaration order of the new type, then the removed ones.
            let mut names: Vec<&str> = new_fields.iter().map(|field| field.name.as_str()).collect();
            names.extend(
                old_fields
                    .iter()
                    .map(|field| field.name.as_str())
                    .filter(|name| !new_by.contains_key(name)),
            );
            for name in names {
                match (old_by.get(name), new_by.get(name)) {
                    (None, Some(field)) if !field.optional() && input => changes.push((
                        Class::Breaking,
                        format!(
                            "new required field `{name}: {}` (the type is sent in requests)",
                            field_ty(field)
                        ),
                    )),
                    (None, Some(field)) => changes.push((
                        Class::Additive,
                        format!("new field `{name}: {}`", field_ty(field)),
                    )),
                    (Some(_), None) => {
                        changes.push((Class::Breaking, format!("field `{name}` removed")));
                    }
                    (Some(old_field), Some(new_field)) => {
                        if field_ty(old_field) != field_ty(new_field) {
                            changes.push((
                                Class::Breaking,
                                format!(
                                    "field `{name}`: `{}` (was `{}`)",
                                    field_ty(new_field),
                                    field_ty(old_field)
                                ),
                            ));
                        }
                        if old_field.wire != new_field.wire {
                            changes.push((
                                Class::Additive,
                                format!(
                                    "field `{name}` is `\"{}\"` on the wire (was `\"{}\"`)",
                                    new_field.wire, old_field.wire
                                ),
                            ));
                        }
                    }
                    (None, None) => {}
                }
            }
            match (old_extra, new_extra) {
                (None, Some(ty)) => changes.push((
                    Class::Additive,
                    format!("now keeps other keys as `Map<String, {ty}>`"),
                )),
                (Some(_), None) => {
                    changes.push((Class::Breaking, "no longer keeps other keys".to_owned()))
                }
                (Some(old_ty), Some(new_ty)) if old_ty != new_ty => changes.push((
                    Class::Breaking,
                    format!(
                        "other keys are `Map<String, {new_ty}>` (were `Map<String, {old_ty}>`)"
                    ),
                )),
                _ => {}
            }
            // `new` takes the required fields in declaration order: the same fields in another
            // order move values between arguments. A type built by name (`builder()`, for
            // four required fields or two of one type) has no order to break.
            let required = |fields: &[Field]| -> Vec<String> {
                fields
                    .iter()
                    .filter(|field| !field.optional())
                    .map(|field| field.name.clone())
                    .collect()
            };
            let (old_required, new_required) = (required(old_fields), required(new_fields));
            let set = |names: &[String]| names.iter().cloned().collect::<BTreeSet<String>>();
            let by_name = Field::built_by_name(old_fields) && Field::built_by_name(new_fields);
            if input
                && !by_name
                && old_required != new_required
                && set(&old_required) == set(&new_required)
            {
                changes.push((
                    Class::Breaking,
                    format!(
                        "`new` takes `({})` (was `({})`)",
                        new_required.join(", "),
                        old_required.join(", ")
                    ),
                ));
            }
        }
        (TypeKind::Enum { variants: old_vs }, TypeKind::Enum { variants: new_vs }) => {
            let old_by: BTreeMap<&str, &str> = old_vs
                .iter()
                .map(|variant| (variant.wire.as_str(), variant.name.as_str()))
                .collect();
            let new_by: BTreeMap<&str, &str> = new_vs
                .iter()
                .map(|variant| (variant.wire.as_str(), variant.name.as_str()))
                .collect();
            for variant in new_vs {
                match old_by.get(variant.wire.as_str()) {
                    None => changes.push((
                        Class::Additive,
                        format!("new variant `{}` (`\"{}\"`)", variant.name, variant.wire),
                    )),
                    Some(old_name) if *old_name != variant.name => changes.push((
                        Class::Breaking,
                        format!(
                            "variant `{old_name}` renamed `{}` (`\"{}\"`)",
                            variant.name, variant.wire
                        ),
                    )),
                    Some(_) => {}
                }
            }
            for variant in old_vs {
                if !new_by.contains_key(variant.wire.as_str()) {
                    changes.push((
                        Class::Breaking,
                        format!(
                            "variant `{}` (`\"{}\"`) removed",
                            variant.name, variant.wire
                        ),
                    ));
                }
            }
        }
        (TypeKind::Untagged { variants: old_vs }, TypeKind::Untagged { variants: new_vs }) => {
            let old_by: BTreeMap<&str, &Ty> = old_vs
                .iter()
                .map(|(name, ty)| (name.as_str(), ty))
                .collect();
            let new_by: BTreeMap<&str, &Ty> = new_vs
                .iter()
                .map(|(name, ty)| (name.as_str(), ty))
                .collect();
            for (name, ty) in new_vs {
                match old_by.get(name.as_str()) {
                    None => changes.push((Class::Additive, format!("new variant `{name}({ty})`"))),
                    Some(old_ty) if *old_ty != ty => changes.push((
                        Class::Breaking,
                        format!("variant `{name}({ty})` (was `{name}({old_ty})`)"),
                    )),
                    Some(_) => {}
                }
            }
            for (name, ty) in old_vs {
                if !new_by.contains_key(name.as_str()) {
                    changes.push((Class::Breaking, format!("variant `{name}({ty})` removed")));
                }
            }
        }
        (TypeKind::Alias(old_ty), TypeKind::Alias(new_ty)) => {
            if old_ty != new_ty {
                changes.push((Class::Breaking, format!("`= {new_ty}` (was `= {old_ty}`)")));
            }
        }
        (old, new) => changes.push((
            Class::Breaking,
            format!("now a {} (was a {})", kind_name(new), kind_name(old)),
        )),
    }
    changes
}
