//! The generator that turns GoHighLevel's OpenAPI specs into one typed crate per
//! API resource, and the maintenance commands around it.
//!
//! The pipeline reads top to bottom, one module a stage:
//! [`specs`] (find and verify the pinned files) -> [`load`] (absorb spec defects, apply
//! [`overrides`], parse) ->
//! [`ir`] (resolve schemas and operations into a Rust-shaped model, named by [`naming`]) ->
//! [`emit`] (tokens, formatted) -> [`write`] (atomic write or `--check`).
//!
//! When HighLevel republishes the specs, [`update`] re-pins them and bumps each crate's version
//! by the class of its change, which [`diff`] works out by comparing the two releases' models.

pub mod bench;
pub mod diagnostics;
pub mod diff;
pub mod emit;
pub mod examples;
pub mod ir;
pub mod load;
pub mod naming;
pub mod overrides;
pub mod regen;
pub mod safe_fs;
pub mod spec_tests;
pub mod specs;
pub mod suite;
pub mod summary;
#[cfg(test)]
mod test_http;
pub mod update;
pub mod write;
