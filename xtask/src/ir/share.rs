//! Types identical across crates live once, in the common crate: an enum with the same values in
//! two or more crates (countries, states, currencies, time zones, `altType`) moves to
//! `ghl-common`, named after what its places share. Each crate keeps its own name for it, now a
//! re-export of the common type ([`TypeDef::shared`]), so nothing a caller wrote breaks and values
//! pass between crates.
//!
//! Only enums move: a value list is the same thing wherever it appears, while two structs with
//! the same fields in two resources are usually two things that may grow apart.

use std::collections::{BTreeMap, BTreeSet};

use super::{Api, TypeDef, TypeKind, dedup, names, sorted_values};

/// Moves enums found in two or more crates of `apis` into `apis[common]`. `locked`: place ->
/// name, the common crate's [`super::TypeNames`] entry. Returns how many types moved.
pub fn share_enums(apis: &mut [Api], common: usize, locked: &BTreeMap<String, String>) -> usize {
    // Value list -> (crate, type name), common's own enums included.
    let mut groups: BTreeMap<Vec<String>, Vec<(usize, String)>> = BTreeMap::new();
    for (index, api) in apis.iter().enumerate() {
        for def in &api.types {
            if let TypeKind::Enum { variants } = &def.kind {
                let values: Vec<String> = sorted_values(variants)
                    .into_iter()
                    .map(str::to_owned)
                    .collect();
                groups
                    .entry(values)
                    .or_default()
                    .push((index, def.name.clone()));
            }
        }
    }
    let mut moved = 0;
    // (crate, type) -> provisional name of the common type standing for it.
    let mut standing: Vec<(usize, String, String)> = Vec::new();
    let mut provisional = 0;
    for members in groups.into_values() {
        let crates: BTreeSet<usize> = members.iter().map(|(index, _)| *index).collect();
        if crates.len() < 2 {
            continue;
        }
        let target = match members.iter().find(|(index, _)| *index == common) {
            Some((_, name)) => name.clone(),
            None => {
                provisional += 1;
                let name = format!("SharedEnum{provisional}");
                let mut shared: Option<TypeDef> = None;
                for (index, member) in &members {
                    let Some(def) = apis[*index].types.iter().find(|def| &def.name == member)
                    else {
                        continue;
                    };
                    let mut def = def.clone();
                    // A named schema's place is named after it.
                    if def.paths.is_empty() {
                        def.paths = vec![vec![member.clone()]];
                    }
                    match &mut shared {
                        None => {
                            def.name = name.clone();
                            shared = Some(def);
                        }
                        Some(shared) => dedup::absorb(shared, &def),
                    }
                }
                let Some(shared) = shared else { continue };
                apis[common].types.push(shared);
                name
            }
        };
        for (index, member) in members {
            if index != common {
                standing.push((index, member, target.clone()));
                moved += 1;
            }
        }
    }
    if moved == 0 {
        return 0;
    }
    let common_api = &mut apis[common];
    let renamed =
        names::name_inline_types(&mut common_api.types, &mut common_api.operations, locked);
    common_api.types.sort_by(|a, b| a.name.cmp(&b.name));
    for (index, member, target) in standing {
        let target = renamed.get(&target).cloned().unwrap_or(target);
        let api = &mut apis[index];
        if let Some(def) = api.types.iter_mut().find(|def| def.name == member) {
            def.shared = Some(target);
        }
        api.uses_common = true;
    }
    moved
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use super::share_enums;
    use crate::ir::testing::{build, def};
    use crate::ir::{Api, TypeKind};

    fn named(mut api: Api, crate_name: &str) -> Api {
        api.crate_name = crate_name.to_owned();
        api
    }

    #[test]
    fn an_enum_in_two_crates_lives_once_in_common_and_each_keeps_its_name() {
        let country = json!({ "type": "string", "enum": ["US", "CA"] });
        let shop = build(
            json!({ "Shop": { "type": "object", "properties": {
                "country": country.clone(),
                "mode": { "type": "string", "enum": ["live", "test"] },
            } } }),
            json!({}),
        );
        // The same values in another order are the same enum.
        let contact = build(
            json!({ "Contact": { "type": "object", "properties": {
                "country": { "type": "string", "enum": ["CA", "US"] },
            } } }),
            json!({}),
        );
        let common = build(json!({}), json!({}));
        let mut apis = vec![
            named(common, "ghl-common"),
            named(shop, "ghl-shop"),
            named(contact, "ghl-contacts"),
        ];
        assert_eq!(share_enums(&mut apis, 0, &BTreeMap::new()), 2);
        let shared = def(&apis[0], "Country");
        assert!(matches!(shared.kind, TypeKind::Enum { .. }));
        assert_eq!(shared.also.len(), 1);
        assert_eq!(
            def(&apis[1], "ShopCountry").shared.as_deref(),
            Some("Country")
        );
        assert_eq!(
            def(&apis[2], "ContactCountry").shared.as_deref(),
            Some("Country")
        );
        assert!(apis[1].uses_common && apis[2].uses_common);
        // Only in one crate: stays there.
        assert_eq!(def(&apis[1], "ShopMode").shared, None);
    }
}
