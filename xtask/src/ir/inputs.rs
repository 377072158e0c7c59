//! Which types callers build for requests: everything reachable from a request body or a
//! parameter. The emitter gives those constructors and setters; the diff knows a new required
//! field breaks only them.

use std::collections::{BTreeMap, BTreeSet};

use super::{Api, Body, Ty, TypeKind};

/// Sets [`TypeDef::input`](super::TypeDef::input) on every type [`input_types`] reaches.
pub fn mark_inputs(apis: &mut [Api], common_crate: &str) {
    let reached = input_types(apis, common_crate);
    for api in apis.iter_mut() {
        let Some(names) = reached.get(&api.crate_name) else {
            continue;
        };
        for def in &mut api.types {
            def.input = names.contains(&def.name);
        }
    }
}

/// Per crate, the types users build for requests: everything reachable from a request body or a
/// parameter. The common crate's types count when any crate's requests reach them.
pub fn input_types(apis: &[Api], common_crate: &str) -> BTreeMap<String, BTreeSet<String>> {
    let by_name: BTreeMap<&str, &Api> = apis
        .iter()
        .map(|api| (api.crate_name.as_str(), api))
        .collect();
    let mut reached: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut queue: Vec<(String, String)> = Vec::new();
    let enqueue = |ty: &Ty, crate_name: &str, queue: &mut Vec<(String, String)>| {
        let mut stack = vec![ty];
        while let Some(ty) = stack.pop() {
            match ty {
                Ty::Named(name) => queue.push((crate_name.to_owned(), name.clone())),
                Ty::Common(name) => queue.push((common_crate.to_owned(), name.clone())),
                Ty::Array(inner) | Ty::Map(inner) => stack.push(inner),
                _ => {}
            }
        }
    };
    for api in apis {
        for op in &api.operations {
            for param in op.path_params.iter().chain(&op.params) {
                enqueue(&param.ty, &api.crate_name, &mut queue);
            }
            match &op.body {
                Some(Body::Json { ty, .. } | Body::Form { ty, .. }) => {
                    enqueue(ty, &api.crate_name, &mut queue);
                }
                Some(Body::Multipart { ty }) => {
                    queue.push((api.crate_name.clone(), ty.clone()));
                }
                Some(Body::MultipartRaw | Body::Bytes { .. }) | None => {}
            }
        }
    }
    while let Some((crate_name, name)) = queue.pop() {
        if !reached
            .entry(crate_name.clone())
            .or_default()
            .insert(name.clone())
        {
            continue;
        }
        let Some(def) = by_name
            .get(crate_name.as_str())
            .and_then(|api| api.types.iter().find(|def| def.name == name))
        else {
            continue;
        };
        match &def.kind {
            TypeKind::Struct { fields, additional } => {
                for field in fields {
                    enqueue(&field.ty, &crate_name, &mut queue);
                }
                if let Some(ty) = additional {
                    enqueue(ty, &crate_name, &mut queue);
                }
            }
            TypeKind::Untagged { variants } => {
                for (_, ty) in variants {
                    enqueue(ty, &crate_name, &mut queue);
                }
            }
            TypeKind::Alias(ty) => enqueue(ty, &crate_name, &mut queue),
            TypeKind::Enum { .. } => {}
        }
    }
    reached
}
