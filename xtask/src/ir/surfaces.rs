//! HighLevel publishes two surfaces of its API: v2 (`apps/*.json`) and v3 (`apps/v3/*.json`),
//! one crate per spec on each. Most v3 specs cover a v2 resource again (the same paths, another
//! `Version`), under a file name that does not always match (`saas-v3` is `saas-api` on v2). This
//! pass pairs each v3 crate with the v2 crate of the same resource, so their docs can point at
//! each other.

use std::collections::{BTreeMap, BTreeSet};

use super::Api;

/// Which surface a spec file belongs to, by its place in the release.
pub fn surface_of(spec_path: &str) -> &'static str {
    if spec_path.starts_with(crate::specs::V3_DIR) {
        "v3"
    } else {
        "v2"
    }
}

/// Sets [`Api::sibling`] on both crates of every v2/v3 pair: a v3 crate's sibling is the v2 crate
/// that shares the most operations (method and path) with it; a v2 crate's is the v3 crate that
/// shares the most with it among those that chose it. Ties go to the first crate by name.
pub fn pair_surfaces(apis: &mut [Api]) {
    let operations = |api: &Api| -> BTreeSet<(String, String)> {
        api.operations
            .iter()
            .map(|op| (op.method.as_str().to_owned(), op.path.clone()))
            .collect()
    };
    let v2: Vec<(usize, BTreeSet<(String, String)>)> = apis
        .iter()
        .enumerate()
        .filter(|(_, api)| api.surface() == "v2" && !api.operations.is_empty())
        .map(|(index, api)| (index, operations(api)))
        .collect();
    // v2 index -> (shared operations, v3 index), the best v3 crate that chose it.
    let mut chosen: BTreeMap<usize, (usize, usize)> = BTreeMap::new();
    for (index, api) in apis.iter().enumerate() {
        if api.surface() != "v3" {
            continue;
        }
        let own = operations(api);
        let best = v2
            .iter()
            .map(|(other, ops)| (own.intersection(ops).count(), *other))
            .filter(|(shared, _)| *shared > 0)
            .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        if let Some((shared, other)) = best {
            let entry = chosen.entry(other).or_insert((shared, index));
            if shared > entry.0 {
                *entry = (shared, index);
            }
        }
    }
    for (v2_index, (_, v3_index)) in chosen {
        apis[v3_index].sibling = Some(apis[v2_index].crate_name.clone());
        apis[v2_index].sibling = Some(apis[v3_index].crate_name.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(spec_path: &str, crate_name: &str, paths: &[&str]) -> Api {
        let spec = serde_json::json!({
            "openapi": "3.0.0",
            "info": { "title": "T", "version": "1" },
            "paths": paths.iter().map(|path| ((*path).to_owned(), serde_json::json!({
                "get": { "responses": { "200": { "description": "ok" } } }
            }))).collect::<serde_json::Map<_, _>>(),
        });
        let file = crate::specs::SpecFile {
            path: spec_path.into(),
            bytes: serde_json::to_vec(&spec).unwrap(),
        };
        let loaded = crate::load::load(&file, None).unwrap();
        let mut api = crate::ir::build(&loaded, None, &Default::default()).unwrap();
        api.crate_name = crate_name.into();
        api
    }

    #[test]
    fn v3_crates_pair_with_the_v2_crate_sharing_most_paths() {
        let mut apis = vec![
            api(
                "apps/saas-api.json",
                "ghl-saas-api",
                &["/saas/a", "/saas/b"],
            ),
            api(
                "apps/locations.json",
                "ghl-locations",
                &["/locations/a", "/saas/a"],
            ),
            api(
                "apps/v3/saas-v3.json",
                "ghl-saas-v3",
                &["/saas/a", "/saas/b", "/saas/c"],
            ),
            api(
                "apps/v3/chat-widget-v3.json",
                "ghl-chat-widget-v3",
                &["/chat"],
            ),
        ];
        pair_surfaces(&mut apis);
        let siblings: Vec<Option<&str>> = apis.iter().map(|api| api.sibling.as_deref()).collect();
        assert_eq!(
            siblings,
            vec![Some("ghl-saas-v3"), None, Some("ghl-saas-api"), None]
        );
        assert_eq!(apis[2].surface(), "v3");
        assert_eq!(apis[0].surface(), "v2");
    }
}
