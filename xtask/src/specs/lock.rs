//! The lock file: which upstream commit the crates come from and the sha256 of every spec
//! file the generator reads.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use anyhow::{Context, Result, anyhow, ensure};
use sha2::{Digest, Sha256};

use super::list_input_files;
use crate::safe_fs::{is_safe_component, is_safe_rel_path, write_atomic};

const LOCK_HEADER: &str = "\
# Pinned input of the generator: the GoHighLevel OpenAPI specs (v2: apps/*.json plus
# common/common-schemas.json; v3: apps/v3/*.json plus apps/v3/common/common-schemas.json), the
# webhook event pages (docs/webhook events/*.md) and the OAuth scope table
# (docs/oauth/Scopes.md) at one upstream commit, with the sha256 of every file.
# The spec files are data and are not committed; `cargo xtask regen` fetches or finds them
# and refuses to run if any byte differs from this lock.
# Generated: `cargo xtask specs update` rewrites this file. Do not edit by hand.
";

/// The pinned upstream commit and the hash of every file the generator reads.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lock {
    /// GitHub repository, `owner/name`.
    pub upstream: String,
    /// Full 40-hex commit id the files were taken from.
    pub commit: String,
    /// Every file the generator reads, sorted by path.
    pub files: Vec<LockedFile>,
}

/// One locked file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockedFile {
    /// Path relative to the upstream repository root, with forward slashes.
    pub path: String,
    /// Lowercase hex sha256 of the file's bytes.
    pub sha256: String,
}

impl Lock {
    /// Reads and validates a lock file.
    ///
    /// Errors name the file: a lock that fails to parse or holds an unusable commit, path or
    /// hash is reported rather than silently trusted, because its paths and commit end up in
    /// URLs and cache directories.
    pub fn read(path: &Path) -> Result<Lock> {
        let text = fs::read_to_string(path)
            .with_context(|| format!("cannot read spec lock {}", path.display()))?;
        let lock: Lock = toml::from_str(&text)
            .map_err(|error| anyhow!("{} is not a valid spec lock: {error}", path.display()))?;
        lock.validate()
            .with_context(|| format!("{} is not a valid spec lock", path.display()))?;
        Ok(lock)
    }

    /// Writes the lock with its comment header, files sorted by path, so the same lock always
    /// produces the same bytes. The file is replaced atomically (temp file + rename): an
    /// interrupted write never leaves a truncated lock behind.
    #[allow(
        dead_code,
        reason = "for `cargo xtask specs update`, which is not wired up yet"
    )]
    pub fn write(&self, path: &Path) -> Result<()> {
        self.validate()
            .context("refusing to write an invalid spec lock")?;
        write_atomic(path, self.to_toml()?.as_bytes())
            .with_context(|| format!("cannot write spec lock {}", path.display()))
    }

    /// Hashes the input files ([`super::is_input`]: v2 and v3 specs and their shared schemas) of a checkout of
    /// `upstream` at `commit`.
    #[allow(
        dead_code,
        reason = "for `cargo xtask specs update --from DIR`, which is not wired up yet"
    )]
    pub fn from_dir(upstream: &str, commit: &str, dir: &Path) -> Result<Lock> {
        let mut files = Vec::new();
        for (rel, full) in list_input_files(dir)? {
            let bytes =
                fs::read(&full).with_context(|| format!("cannot read {}", full.display()))?;
            files.push(LockedFile {
                path: rel,
                sha256: sha256_hex(&bytes),
            });
        }
        let lock = Lock {
            upstream: upstream.to_owned(),
            commit: commit.to_owned(),
            files,
        };
        lock.validate()?;
        Ok(lock)
    }

    pub(super) fn to_toml(&self) -> Result<String> {
        let mut sorted = self.clone();
        sorted.files.sort_by(|a, b| a.path.cmp(&b.path));
        let body = toml::to_string(&sorted).context("cannot serialize the spec lock")?;
        Ok(format!("{LOCK_HEADER}\n{body}"))
    }

    /// The lock's files sorted by path (the order every [`SpecSet`] uses).
    pub(super) fn sorted_files(&self) -> Vec<&LockedFile> {
        let mut files: Vec<&LockedFile> = self.files.iter().collect();
        files.sort_by(|a, b| a.path.cmp(&b.path));
        files
    }

    fn validate(&self) -> Result<()> {
        let mut parts = self.upstream.split('/');
        let well_formed = matches!(
            (parts.next(), parts.next(), parts.next()),
            (Some(owner), Some(name), None) if is_safe_component(owner) && is_safe_component(name)
        );
        ensure!(
            well_formed,
            "upstream `{}` is not a GitHub `owner/name`",
            self.upstream
        );
        // The commit becomes a cache directory name and part of a URL: full hex only.
        ensure!(
            is_lower_hex(&self.commit, 40),
            "commit `{}` is not a full 40-character lowercase hex commit id",
            self.commit
        );
        ensure!(!self.files.is_empty(), "the lock lists no files");
        let mut seen = BTreeSet::new();
        for file in &self.files {
            ensure!(
                is_safe_rel_path(&file.path),
                "file path `{}` is not a plain relative path (letters, digits, `.`, `_`, `-` and single inner spaces, separated by `/`)",
                file.path
            );
            ensure!(
                is_lower_hex(&file.sha256, 64),
                "sha256 `{}` of {} is not 64 lowercase hex digits",
                file.sha256,
                file.path
            );
            ensure!(
                seen.insert(file.path.as_str()),
                "file {} is listed twice",
                file.path
            );
        }
        Ok(())
    }
}

pub(super) fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for byte in digest.iter() {
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

fn is_lower_hex(text: &str, len: usize) -> bool {
    text.len() == len && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}
