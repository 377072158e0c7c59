//! The generator that turns GoHighLevel's OpenAPI specs into one typed crate per
//! API resource, and the maintenance commands around it.
//!
//! The pipeline reads top to bottom, one module or folder a stage:
//! [`specs`] (find and verify the pinned files: `lock`, `fetch`) -> [`validate`] (strict JSON,
//! OpenAPI 3.0, before any repair) -> [`load`] (absorb spec defects, apply
//! [`overrides`], parse; `overrides/` holds the model, `format` (the YAML files) and `apply`) ->
//! [`ir`] (resolve schemas and operations into a Rust-shaped model, named by [`naming`]; one file
//! a concern: `model`, `shape`, `schema`, `merge`, `operations`, `cycles`, `access`, `render`) ->
//! [`events`] (the webhook event pages, `docs/webhook events/*.md`, read into one document of
//! schemas that takes the same path through `load` and `ir`; [`scopes`], the OAuth scope table
//! held against the specs' `security`) ->
//! [`emit`] (tokens, formatted; [`examples`] and [`spec_tests`] make the generated test crate) ->
//! [`write`](mod@write) (staged write, or `--check`). [`pipeline`] runs the stages end to end in memory.
//!
//! Beside the stages: [`diagnostics`] (errors naming the file and JSON pointer) and [`safe_fs`]
//! (the one place files are written: atomic synced writes, staging, safe relative paths).
//!
//! The commands sit on top and import only downward: [`regen`], [`diff`] (what a new release
//! changes: `compare`, `types`, `render`, `cli`), [`update`] (re-pin the specs and bump each
//! crate by its diff), [`bench`](mod@bench) and [`suite`] (`cargo xtask test`). [`summary`] writes the API
//! digests the snapshot tests keep.

// The module map above links the stages, private ones included: the generator is read from
// its source and `cargo doc --document-private-items`, not as a published library.
#![allow(rustdoc::private_intra_doc_links)]
pub mod bench;
pub mod cargo;
pub mod diagnostics;
pub mod diff;
pub mod emit;
pub mod events;
pub mod examples;
pub mod ir;
pub mod load;
pub mod naming;
pub mod overrides;
pub mod pipeline;
pub mod regen;
pub mod release;
pub mod safe_fs;
pub mod scopes;
pub mod semver;
pub mod spec_tests;
pub mod specs;
pub mod suite;
pub mod summary;
#[cfg(test)]
mod test_http;
pub mod update;
pub mod validate;
pub mod write;
