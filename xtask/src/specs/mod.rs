//! Find the pinned GoHighLevel spec files and prove they are the ones the project expects.
//!
//! The specs are data, not source: the repository only records, in [`LOCK_FILE`], which
//! upstream commit it was generated from and the sha256 of every file the generator reads.
//! The files themselves come from a local checkout (`--specs`, `GHL_SPECS_DIR`, or the shared
//! checkout next to the workspace) or, failing those, from a download of the locked commit into
//! `target/spec-cache/<commit>/`. Whatever the source, every byte is checked against the lock
//! before the generator sees it, so two machines that generate successfully generate from the
//! same input.

//!
//! The stage is three files: this one finds and reads a release, [`lock`] is the lock file's
//! model and checks, [`fetch`] downloads a locked commit into the cache.

mod fetch;
mod lock;
#[cfg(test)]
mod tests;

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, ensure};

use fetch::fetch_into_cache;
pub(crate) use fetch::{download, http_agent_for, url_path};
use lock::sha256_hex;
pub use lock::{Lock, LockedFile};

use crate::safe_fs::join_rel;

/// The lock file, relative to the workspace root.
pub const LOCK_FILE: &str = "specs/highlevel-api-docs.lock.toml";

/// The upstream repository the specs are published in (`owner/name` on GitHub).
#[allow(
    dead_code,
    reason = "for `cargo xtask specs update`, which is not wired up yet"
)]
pub const UPSTREAM: &str = "GoHighLevel/highlevel-api-docs";

/// Environment variable naming a spec directory; used when `--specs` is not given.
pub const SPECS_DIR_ENV: &str = "GHL_SPECS_DIR";

/// Environment variable overriding [`DEFAULT_BASE_URL`] (tests and mirrors).
pub const BASE_URL_ENV: &str = "GHL_SPECS_BASE_URL";

/// Where pinned files are downloaded from: `<base>/<upstream>/<commit>/<path>`.
pub const DEFAULT_BASE_URL: &str = "https://raw.githubusercontent.com";

/// The one shared schema file the v2 specs reference as `../common/common-schemas.json`.
const COMMON_SCHEMAS: &str = "common/common-schemas.json";

/// Where the v3 specs are in a release (the v2 specs are in `apps/`).
pub const V3_DIR: &str = "apps/v3/";

/// The v3 specs' shared schema file (they reference it as `../common/common-schemas.json` too).
pub const V3_COMMON_SCHEMAS: &str = "apps/v3/common/common-schemas.json";

/// The shared schema file a spec's `../common/common-schemas.json` names: its own surface's.
pub fn common_file_of(spec: &str) -> &'static str {
    if spec.starts_with(V3_DIR) {
        V3_COMMON_SCHEMAS
    } else {
        COMMON_SCHEMAS
    }
}

/// Whether `path` is one of the two shared schema files (v2 and v3), which hold components only.
pub fn is_common(path: &str) -> bool {
    path == COMMON_SCHEMAS || path == V3_COMMON_SCHEMAS
}

/// Whether the generator reads the release file at `path` (forward slashes, relative to the
/// release root): the v2 specs `apps/*.json`, the v3 specs `apps/v3/*.json`, each surface's
/// shared schema file, the webhook event pages `docs/webhook events/*.md` and the OAuth scope
/// table `docs/oauth/Scopes.md`. Everything else
/// in the repository (other docs, examples, other folders) is not its input. The one rule for
/// listing a checkout, a download and a commit's tree.
pub fn is_input(path: &str) -> bool {
    let spec_in = |dir: &str| {
        path.strip_prefix(dir)
            .is_some_and(|name| name.ends_with(".json") && name.len() > 5 && !name.contains('/'))
    };
    spec_in(V3_DIR)
        || spec_in("apps/")
        || path == COMMON_SCHEMAS
        || path == V3_COMMON_SCHEMAS
        || crate::events::is_page(path)
        || path == crate::scopes::SCOPES_PAGE
}

/// Whether the input file at `path` is an OpenAPI document (a resource spec or a shared schema
/// file), not one of HighLevel's docs pages the generator also reads.
pub fn is_spec(path: &str) -> bool {
    is_input(path) && path.ends_with(".json")
}

/// The checkout that sits next to the workspace on development machines, relative to the root.
const SHARED_CHECKOUT: &str = "../shared/specs/highlevel-api-docs";

/// Download cache, relative to the workspace root; inside `target/` so `cargo clean` clears it.
const CACHE_DIR: &str = "target/spec-cache";

/// Upper bound for one downloaded file. The largest spec is ~350 KB; this only stops a
/// misbehaving server from filling memory.
const MAX_SPEC_BYTES: u64 = 64 * 1024 * 1024;

/// One spec file's bytes, path relative to the upstream repo root with forward slashes
/// (`"apps/blogs.json"`).
#[derive(Debug, Clone)]
pub struct SpecFile {
    /// Path relative to the upstream repository root, forward slashes.
    pub path: String,
    /// The file's exact bytes.
    pub bytes: Vec<u8>,
}

/// The files the generator reads, sorted by path, and where they came from.
#[derive(Debug, Clone)]
pub struct SpecSet {
    /// Human-readable source: the directory, or `download of <commit>`.
    pub origin: String,
    /// `Some(lock commit)` when verified against the lock, `None` when unlocked.
    pub commit: Option<String>,
    /// The files, sorted by path.
    pub files: Vec<SpecFile>,
}

/// Loads the locked spec files and verifies every one against [`LOCK_FILE`].
///
/// Where the specs come from, first match wins: `explicit` (`--specs DIR`), env
/// `GHL_SPECS_DIR`, `<workspace_root>/../shared/specs/highlevel-api-docs` when it exists,
/// otherwise a download of the locked commit into `<workspace_root>/target/spec-cache/<commit>/`
/// (reused when already there and valid). A missing file or hash mismatch is an error naming the
/// file, both hashes and the way out. Files the lock doesn't list are ignored.
pub fn load_locked(workspace_root: &Path, explicit: Option<&Path>) -> Result<SpecSet> {
    let lock = Lock::read(&workspace_root.join(LOCK_FILE))?;
    let env_dir = std::env::var_os(SPECS_DIR_ENV);
    match locate(workspace_root, explicit, env_dir.as_deref()) {
        Source::Dir { dir, from } => {
            ensure!(
                dir.is_dir(),
                "spec directory {} (from {from}) does not exist or is not a directory",
                dir.display()
            );
            let files = verify_dir(&lock, &dir)?;
            Ok(SpecSet {
                origin: format!("{} (from {from})", dir.display()),
                commit: Some(lock.commit.clone()),
                files,
            })
        }
        Source::Download => {
            let base_url = std::env::var(BASE_URL_ENV)
                .ok()
                .filter(|url| !url.is_empty())
                .unwrap_or_else(|| DEFAULT_BASE_URL.to_owned());
            let files = fetch_into_cache(&lock, &base_url, &workspace_root.join(CACHE_DIR))?;
            Ok(SpecSet {
                origin: format!("download of {}", lock.commit),
                commit: Some(lock.commit.clone()),
                files,
            })
        }
    }
}

/// All input files of any release dir ([`is_input`]), unverified: for
/// `regen --specs DIR --unlocked`.
pub fn load_unlocked(dir: &Path) -> Result<SpecSet> {
    let mut files = Vec::new();
    for (rel, full) in list_input_files(dir)? {
        let bytes = fs::read(&full).with_context(|| format!("cannot read {}", full.display()))?;
        files.push(SpecFile { path: rel, bytes });
    }
    Ok(SpecSet {
        origin: format!("{} (unlocked)", dir.display()),
        commit: None,
        files,
    })
}

/// Where [`load_locked`] takes the files from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    /// A local directory, and which setting chose it (for messages).
    Dir { dir: PathBuf, from: &'static str },
    /// Download the locked commit (or reuse the cache).
    Download,
}

/// The locating order, with the environment passed in so it can be tested without touching
/// process-global state (tests run in parallel).
fn locate(workspace_root: &Path, explicit: Option<&Path>, env_dir: Option<&OsStr>) -> Source {
    if let Some(dir) = explicit {
        return Source::Dir {
            dir: dir.to_path_buf(),
            from: "--specs",
        };
    }
    // An empty variable is how shells "unset" inline (`GHL_SPECS_DIR= cargo xtask ...`).
    if let Some(dir) = env_dir.filter(|dir| !dir.is_empty()) {
        return Source::Dir {
            dir: PathBuf::from(dir),
            from: SPECS_DIR_ENV,
        };
    }
    let shared = workspace_root.join(SHARED_CHECKOUT);
    if shared.is_dir() {
        // Canonical so messages don't show `.../main/../shared/...`.
        let dir = fs::canonicalize(&shared).unwrap_or(shared);
        return Source::Dir {
            dir,
            from: "the shared checkout next to the workspace",
        };
    }
    Source::Download
}

/// Reads every locked file from `dir` and checks its hash. Reports all problems at once so a
/// wrong directory is diagnosed in one run, not one file per run.
fn verify_dir(lock: &Lock, dir: &Path) -> Result<Vec<SpecFile>> {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    let mut missing = 0usize;
    for locked in lock.sorted_files() {
        let full = join_rel(dir, &locked.path);
        match fs::read(&full) {
            Ok(bytes) => {
                let actual = sha256_hex(&bytes);
                if actual == locked.sha256 {
                    files.push(SpecFile {
                        path: locked.path.clone(),
                        bytes,
                    });
                } else {
                    problems.push(format!(
                        "{}: hash mismatch\n      expected sha256 {}\n      actual   sha256 {actual}",
                        locked.path, locked.sha256
                    ));
                }
            }
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                missing += 1;
                problems.push(format!(
                    "{}: missing (expected sha256 {}, actual: no such file)",
                    locked.path, locked.sha256
                ));
            }
            Err(error) => {
                return Err(error).with_context(|| format!("cannot read {}", full.display()));
            }
        }
    }
    if problems.is_empty() {
        return Ok(files);
    }

    let mut message = format!(
        "{} of {} spec files in {} do not match {LOCK_FILE} ({} at commit {}):\n",
        problems.len(),
        lock.files.len(),
        dir.display(),
        lock.upstream,
        lock.commit
    );
    // A whole other release mismatches in dozens of files; the first few make the point.
    const SHOWN: usize = 10;
    for problem in problems.iter().take(SHOWN) {
        let _ = writeln!(message, "  - {problem}");
    }
    if problems.len() > SHOWN {
        let _ = writeln!(message, "  - ... and {} more", problems.len() - SHOWN);
    }
    // Files the lock doesn't know about are ignored for loading, but they are the best hint
    // that the directory is simply another release of the specs.
    let locked: BTreeSet<&str> = lock.files.iter().map(|file| file.path.as_str()).collect();
    let extra: Vec<String> = list_input_files(dir)
        .map(|present| {
            present
                .into_iter()
                .map(|(rel, _)| rel)
                .filter(|rel| !locked.contains(rel.as_str()))
                .collect()
        })
        .unwrap_or_default();
    if !extra.is_empty() || missing > 0 || problems.len() > 1 {
        let _ = write!(
            message,
            "This directory looks like a different release of the specs than the pinned one \
             ({missing} locked file(s) missing, {} changed",
            problems.len() - missing
        );
        if extra.is_empty() {
            message.push_str(").\n");
        } else {
            let _ = writeln!(
                message,
                ", {} file(s) not in the lock, e.g. {}).",
                extra.len(),
                extra.iter().take(3).cloned().collect::<Vec<_>>().join(", ")
            );
        }
    }
    let _ = write!(
        message,
        "To generate from these files, re-pin with `cargo xtask specs update` and regenerate \
         (or try them with `cargo xtask regen --specs DIR --unlocked`). To stay on the pinned \
         release, point --specs (or {SPECS_DIR_ENV}) at a checkout of {} at commit {}, or leave \
         both unset to use the shared checkout or a verified download of that commit.",
        lock.upstream, lock.commit
    );
    Err(anyhow!(message))
}

/// The input files ([`is_input`]) of a release directory, sorted by repository path:
/// `apps/*.json`, `apps/v3/*.json` (regular files only) and each surface's shared schema file.
/// A release without `apps/v3/` (the older ones) has only the v2 surface.
fn list_input_files(dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    // Links are followed (a checkout may use them), but only to files inside the release.
    let root = fs::canonicalize(dir).with_context(|| format!("cannot open {}", dir.display()))?;
    let inside = |rel: &str, full: &Path| -> Result<()> {
        let target =
            fs::canonicalize(full).with_context(|| format!("cannot open {}", full.display()))?;
        ensure!(
            target.starts_with(&root),
            "{rel} resolves to {}, outside the spec directory {}: copy the file into the release instead of linking to it",
            target.display(),
            root.display()
        );
        Ok(())
    };
    let mut files = Vec::new();
    // Each surface: its folder, whether a release must have it, the shared schemas its specs use.
    let surfaces = [
        ("apps/", true, COMMON_SCHEMAS),
        (V3_DIR, false, V3_COMMON_SCHEMAS),
    ];
    for (folder, required, common) in surfaces {
        let listed = join_rel(dir, folder.trim_end_matches('/'));
        if !required && !listed.is_dir() {
            continue;
        }
        let entries = fs::read_dir(&listed).with_context(|| {
            format!(
                "cannot list {}: is {} a checkout of {}?",
                listed.display(),
                dir.display(),
                "GoHighLevel/highlevel-api-docs"
            )
        })?;
        let before = files.len();
        for entry in entries {
            let entry = entry.with_context(|| format!("cannot list {}", listed.display()))?;
            let full = entry.path();
            // `is_file` follows symlinks, which a checkout may use.
            if !full.is_file() {
                continue;
            }
            let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            let rel = format!("{folder}{name}");
            if is_input(&rel) {
                inside(&rel, &full)?;
                files.push((rel, full));
            }
        }
        ensure!(
            files.len() > before || !required,
            "{} holds no *.json specs",
            listed.display()
        );
        // A surface's specs need its shared schema file.
        let common_full = join_rel(dir, common);
        if files.len() > before {
            ensure!(
                common_full.is_file(),
                "{} is missing (the specs in {folder} reference it)",
                common_full.display()
            );
            inside(common, &common_full)?;
            files.push((common.to_owned(), common_full));
        }
    }
    // The webhook event pages, when the release publishes them.
    let pages = join_rel(dir, crate::events::EVENTS_DIR.trim_end_matches('/'));
    if pages.is_dir() {
        let entries =
            fs::read_dir(&pages).with_context(|| format!("cannot list {}", pages.display()))?;
        for entry in entries {
            let entry = entry.with_context(|| format!("cannot list {}", pages.display()))?;
            let full = entry.path();
            let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            let rel = format!("{}{name}", crate::events::EVENTS_DIR);
            if full.is_file() && is_input(&rel) {
                inside(&rel, &full)?;
                files.push((rel, full));
            }
        }
    }
    // The OAuth scope table, when the release publishes it.
    let scopes = join_rel(dir, crate::scopes::SCOPES_PAGE);
    if scopes.is_file() {
        inside(crate::scopes::SCOPES_PAGE, &scopes)?;
        files.push((crate::scopes::SCOPES_PAGE.to_owned(), scopes));
    }
    files.sort();
    Ok(files)
}
