//! The workspace README's examples, compiled (not run) as this crate's doctests by
//! `cargo xtask test`: each `rust,no_run` block must build with the README's `[dependencies]`
//! block and nothing else, exactly as a reader copies it.

#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeExamples;
