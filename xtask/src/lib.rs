//! The generator that turns GoHighLevel's OpenAPI specs into one typed crate per
//! API resource, and the maintenance commands around it.
//!
//! The pipeline reads top to bottom, one module a stage:
//! [`specs`] (find and verify the pinned files) -> [`load`] (absorb spec defects, apply
//! [`overrides`], parse) ->
//! [`ir`] (resolve schemas and operations into a Rust-shaped model, named by [`naming`]) ->
//! [`emit`] (tokens, formatted) -> [`write`] (atomic write or `--check`).

pub mod diagnostics;
pub mod emit;
pub mod examples;
pub mod ir;
pub mod load;
pub mod naming;
pub mod overrides;
pub mod regen;
pub mod spec_tests;
pub mod specs;
pub mod suite;
pub mod summary;
pub mod write;
