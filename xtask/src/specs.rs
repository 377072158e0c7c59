//! Find the pinned GoHighLevel spec files and prove they are the ones the project expects.
//!
//! The specs are data, not source: the repository only records, in [`LOCK_FILE`], which
//! upstream commit it was generated from and the sha256 of every file the generator reads.
//! The files themselves come from a local checkout (`--specs`, `GHL_SPECS_DIR`, or the shared
//! checkout next to the workspace) or, failing those, from a download of the locked commit into
//! `target/spec-cache/<commit>/`. Whatever the source, every byte is checked against the lock
//! before the generator sees it, so two machines that generate successfully generate from the
//! same input.

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail, ensure};
use sha2::{Digest, Sha256};

use crate::safe_fs::{Staging, is_safe_component, is_safe_rel_path, join_rel, write_atomic};

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

/// The checkout that sits next to the workspace on development machines, relative to the root.
const SHARED_CHECKOUT: &str = "../shared/specs/highlevel-api-docs";

/// Download cache, relative to the workspace root; inside `target/` so `cargo clean` clears it.
const CACHE_DIR: &str = "target/spec-cache";

/// Upper bound for one downloaded file. The largest spec is ~350 KB; this only stops a
/// misbehaving server from filling memory.
const MAX_SPEC_BYTES: u64 = 64 * 1024 * 1024;

const LOCK_HEADER: &str = "\
# Pinned input of the generator: the GoHighLevel OpenAPI specs (v2: apps/*.json plus
# common/common-schemas.json) at one upstream commit, with the sha256 of every file.
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

    /// Hashes the v2 files (`apps/*.json`, `common/common-schemas.json`) of a checkout of
    /// `upstream` at `commit`.
    #[allow(
        dead_code,
        reason = "for `cargo xtask specs update --from DIR`, which is not wired up yet"
    )]
    pub fn from_dir(upstream: &str, commit: &str, dir: &Path) -> Result<Lock> {
        let mut files = Vec::new();
        for (rel, full) in list_v2_files(dir)? {
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

    fn to_toml(&self) -> Result<String> {
        let mut sorted = self.clone();
        sorted.files.sort_by(|a, b| a.path.cmp(&b.path));
        let body = toml::to_string(&sorted).context("cannot serialize the spec lock")?;
        Ok(format!("{LOCK_HEADER}\n{body}"))
    }

    /// The lock's files sorted by path (the order every [`SpecSet`] uses).
    fn sorted_files(&self) -> Vec<&LockedFile> {
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
                "file path `{}` is not a plain relative path (letters, digits, `.`, `_`, `-`, separated by `/`)",
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

/// All v2 files of any release dir (`apps/*.json`, not subdirectories, plus
/// `common/common-schemas.json`), unverified: for `regen --specs DIR --unlocked`.
pub fn load_unlocked(dir: &Path) -> Result<SpecSet> {
    let mut files = Vec::new();
    for (rel, full) in list_v2_files(dir)? {
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
    let extra: Vec<String> = list_v2_files(dir)
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

/// Returns the locked files from `<cache_root>/<commit>/`, downloading them first unless a
/// valid copy is already there.
///
/// Every file is downloaded into a private staging directory under `cache_root` and checked
/// against the lock; only when all of them match is the staging directory renamed into place.
/// A tampered, truncated or partial download therefore never becomes the cache.
fn fetch_into_cache(lock: &Lock, base_url: &str, cache_root: &Path) -> Result<Vec<SpecFile>> {
    let final_dir = cache_root.join(&lock.commit);
    if final_dir.is_dir() {
        // A cache that no longer verifies (edited by hand, or the lock was re-pinned to the
        // same commit with different files) is simply replaced below.
        if let Ok(files) = verify_dir(lock, &final_dir) {
            return Ok(files);
        }
    }
    fs::create_dir_all(cache_root)
        .with_context(|| format!("cannot create spec cache {}", cache_root.display()))?;
    let staging = Staging::unique(cache_root, &format!("partial-{}", lock.commit))?;
    let agent = http_agent_for(base_url);

    let mut files = Vec::new();
    for locked in lock.sorted_files() {
        let url = file_url(base_url, lock, &locked.path);
        let bytes = download(&agent, &url)
            .with_context(|| format!("cannot download spec file {}", locked.path))?;
        let actual = sha256_hex(&bytes);
        if actual != locked.sha256 {
            bail!(
                "downloaded spec file {} does not match {LOCK_FILE}\n  url: {url}\n  \
                 expected sha256 {}\n  actual   sha256 {actual}\n\
                 Nothing was cached. Either the lock is wrong (re-pin it with \
                 `cargo xtask specs update`) or the server returned something other than \
                 commit {} of {}.",
                locked.path,
                locked.sha256,
                lock.commit,
                lock.upstream
            );
        }
        staging.write(&locked.path, &bytes)?;
        files.push(SpecFile {
            path: locked.path.clone(),
            bytes,
        });
    }

    // Everything verified: publish. The commit is validated hex, so this only ever removes
    // `target/spec-cache/<commit>`.
    if final_dir.exists() {
        // Another run may have published a good copy while we downloaded: keep it.
        if verify_dir(lock, &final_dir).is_ok() {
            return Ok(files);
        }
        fs::remove_dir_all(&final_dir)
            .with_context(|| format!("cannot remove stale spec cache {}", final_dir.display()))?;
    }
    match fs::rename(staging.path(), &final_dir) {
        Ok(()) => staging.disarm(),
        // Another run may have published the same commit in the meantime; its copy was
        // verified the same way, so ours (still removed by the guard) is not needed.
        Err(_) if final_dir.is_dir() => {}
        Err(error) => {
            return Err(error).with_context(|| {
                format!(
                    "cannot move downloaded specs into the cache {}",
                    final_dir.display()
                )
            });
        }
    }
    Ok(files)
}

/// `<base>/<owner>/<name>/<commit>/<path>`, the raw.githubusercontent.com layout.
fn file_url(base_url: &str, lock: &Lock, path: &str) -> String {
    format!(
        "{}/{}/{}/{path}",
        base_url.trim_end_matches('/'),
        lock.upstream,
        lock.commit
    )
}

/// An HTTP client for downloads from `base_url` (also used by `specs update`).
pub(crate) fn http_agent_for(base_url: &str) -> ureq::Agent {
    http_agent(!is_loopback(base_url))
}

fn http_agent(use_env_proxy: bool) -> ureq::Agent {
    let mut config = ureq::Agent::config_builder()
        // Non-2xx responses are handled below, where the URL and status go into the error.
        .http_status_as_error(false)
        .timeout_connect(Some(Duration::from_secs(15)))
        // Per request, including the body; generous for ~350 KB on a slow link.
        .timeout_global(Some(Duration::from_secs(120)))
        .user_agent(concat!("ghl-rs-xtask/", env!("CARGO_PKG_VERSION")));
    if !use_env_proxy {
        config = config.proxy(None);
    }
    config.build().into()
}

/// A proxy from the environment must never intercept requests to a local test server.
fn is_loopback(base_url: &str) -> bool {
    let rest = base_url
        .strip_prefix("http://")
        .or_else(|| base_url.strip_prefix("https://"))
        .unwrap_or(base_url);
    ["127.0.0.1", "localhost", "[::1]"].iter().any(|host| {
        rest.strip_prefix(host)
            .is_some_and(|after| after.is_empty() || after.starts_with([':', '/']))
    })
}

/// GET `url`: the body of a 2xx answer, or an error naming the URL and the status.
pub(crate) fn download(agent: &ureq::Agent, url: &str) -> Result<Vec<u8>> {
    let mut response = agent
        .get(url)
        .call()
        .map_err(|error| anyhow!("GET {url} failed: {error}"))?;
    let status = response.status();
    ensure!(status.is_success(), "GET {url} returned HTTP {status}");
    response
        .body_mut()
        .with_config()
        .limit(MAX_SPEC_BYTES)
        .read_to_vec()
        .map_err(|error| anyhow!("GET {url}: cannot read the response body: {error}"))
}

/// The v2 files of a release directory, sorted by repository path: `apps/*.json` (regular
/// files only, so `apps/v3/` is skipped) and `common/common-schemas.json`.
fn list_v2_files(dir: &Path) -> Result<Vec<(String, PathBuf)>> {
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
    let apps = dir.join("apps");
    let entries = fs::read_dir(&apps).with_context(|| {
        format!(
            "cannot list {}: is {} a checkout of {}?",
            apps.display(),
            dir.display(),
            "GoHighLevel/highlevel-api-docs"
        )
    })?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot list {}", apps.display()))?;
        let full = entry.path();
        // `is_file` follows symlinks, which a checkout may use.
        if !full.is_file() {
            continue;
        }
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            continue;
        };
        if name.ends_with(".json") {
            let rel = format!("apps/{name}");
            inside(&rel, &full)?;
            files.push((rel, full));
        }
    }
    ensure!(
        !files.is_empty(),
        "{} holds no *.json specs",
        apps.display()
    );
    let common = join_rel(dir, COMMON_SCHEMAS);
    ensure!(
        common.is_file(),
        "{} is missing (the v2 specs reference it)",
        common.display()
    );
    inside(COMMON_SCHEMAS, &common)?;
    files.push((COMMON_SCHEMAS.to_owned(), common));
    files.sort();
    Ok(files)
}

fn sha256_hex(bytes: &[u8]) -> String {
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

#[cfg(test)]
mod tests {

    use super::*;

    const COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";

    /// A miniature release: two v2 specs, the common schemas, and things to ignore.
    fn fake_release(dir: &Path) {
        for (rel, body) in [
            ("apps/blogs.json", "{\"blogs\":1}"),
            ("apps/contacts.json", "{\"contacts\":2}"),
            ("common/common-schemas.json", "{\"common\":3}"),
            ("apps/v3/blogs.json", "{\"v3\":true}"),
            ("apps/README.md", "not a spec"),
        ] {
            let path = join_rel(dir, rel);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, body).unwrap();
        }
    }

    fn fake_lock(dir: &Path) -> Lock {
        Lock::from_dir("GoHighLevel/highlevel-api-docs", COMMIT, dir).unwrap()
    }

    fn paths(files: &[SpecFile]) -> Vec<&str> {
        files.iter().map(|file| file.path.as_str()).collect()
    }

    #[test]
    fn from_dir_hashes_only_v2_files_sorted() {
        let tmp = tempfile::tempdir().unwrap();
        fake_release(tmp.path());
        let lock = fake_lock(tmp.path());
        let listed: Vec<&str> = lock.files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            listed,
            [
                "apps/blogs.json",
                "apps/contacts.json",
                "common/common-schemas.json"
            ]
        );
        assert_eq!(lock.files[0].sha256, sha256_hex(b"{\"blogs\":1}"));
        // Known vector, so the hex encoding itself is checked too.
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn lock_round_trip_is_deterministic_and_sorted() {
        let tmp = tempfile::tempdir().unwrap();
        fake_release(tmp.path());
        let lock = fake_lock(tmp.path());
        let mut shuffled = lock.clone();
        shuffled.files.reverse();

        let a = tmp.path().join("out/a.lock.toml");
        let b = tmp.path().join("out/b.lock.toml");
        lock.write(&a).unwrap();
        shuffled.write(&b).unwrap();
        let text = fs::read_to_string(&a).unwrap();
        assert_eq!(text, fs::read_to_string(&b).unwrap());
        assert!(text.starts_with("# "), "{text}");
        assert!(
            text.contains("`cargo xtask specs update` rewrites"),
            "{text}"
        );
        assert_eq!(Lock::read(&a).unwrap(), lock);
        // No temp files left next to the lock.
        let names: Vec<_> = fs::read_dir(tmp.path().join("out"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }

    #[test]
    fn read_names_the_file_on_bad_toml_and_bad_values() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("bad.lock.toml");
        fs::write(&path, "upstream = [unclosed").unwrap();
        let error = format!("{:#}", Lock::read(&path).unwrap_err());
        assert!(error.contains("bad.lock.toml"), "{error}");

        // Parses, but the path would escape the cache directory.
        fs::write(
            &path,
            format!(
                "upstream = \"a/b\"\ncommit = \"{COMMIT}\"\n[[files]]\npath = \"../x.json\"\nsha256 = \"{}\"\n",
                "0".repeat(64)
            ),
        )
        .unwrap();
        let error = format!("{:#}", Lock::read(&path).unwrap_err());
        assert!(
            error.contains("bad.lock.toml") && error.contains("../x.json"),
            "{error}"
        );

        fs::write(&path, "upstream = \"a/b\"\ncommit = \"main\"\nfiles = []\n").unwrap();
        let error = format!("{:#}", Lock::read(&path).unwrap_err());
        assert!(error.contains("commit `main`"), "{error}");
    }

    #[test]
    fn locate_order_explicit_then_env_then_shared_then_download() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("main");
        fs::create_dir_all(&root).unwrap();
        let explicit = Path::new("/explicit");
        let env = OsStr::new("/from-env");

        assert_eq!(locate(&root, None, None), Source::Download);
        assert_eq!(locate(&root, None, Some(OsStr::new(""))), Source::Download);

        let shared = tmp.path().join("shared/specs/highlevel-api-docs");
        fs::create_dir_all(&shared).unwrap();
        let Source::Dir { dir, .. } = locate(&root, None, None) else {
            panic!("shared checkout not found");
        };
        assert_eq!(dir, fs::canonicalize(&shared).unwrap());

        let Source::Dir { dir, from } = locate(&root, None, Some(env)) else {
            panic!("env ignored");
        };
        assert_eq!(
            (dir.as_path(), from),
            (Path::new("/from-env"), SPECS_DIR_ENV)
        );

        let Source::Dir { dir, from } = locate(&root, Some(explicit), Some(env)) else {
            panic!("explicit ignored");
        };
        assert_eq!((dir.as_path(), from), (explicit, "--specs"));
    }

    #[test]
    fn verify_accepts_matching_files_and_ignores_unlisted_ones() {
        let tmp = tempfile::tempdir().unwrap();
        fake_release(tmp.path());
        let mut lock = fake_lock(tmp.path());
        lock.files.retain(|file| file.path != "apps/contacts.json");
        let files = verify_dir(&lock, tmp.path()).unwrap();
        assert_eq!(
            paths(&files),
            ["apps/blogs.json", "common/common-schemas.json"]
        );
        assert_eq!(files[0].bytes, b"{\"blogs\":1}");
    }

    #[test]
    fn verify_reports_missing_file() {
        let tmp = tempfile::tempdir().unwrap();
        fake_release(tmp.path());
        let lock = fake_lock(tmp.path());
        fs::remove_file(tmp.path().join("apps/contacts.json")).unwrap();
        let error = verify_dir(&lock, tmp.path()).unwrap_err().to_string();
        assert!(error.contains("apps/contacts.json: missing"), "{error}");
        assert!(error.contains(&lock.files[1].sha256), "{error}");
        assert!(error.contains("different release"), "{error}");
        assert!(error.contains("cargo xtask specs update"), "{error}");
    }

    #[test]
    fn verify_reports_tampered_file_with_both_hashes() {
        let tmp = tempfile::tempdir().unwrap();
        fake_release(tmp.path());
        let lock = fake_lock(tmp.path());
        fs::write(tmp.path().join("apps/blogs.json"), "{\"blogs\":666}").unwrap();
        let error = verify_dir(&lock, tmp.path()).unwrap_err().to_string();
        assert!(error.contains("apps/blogs.json"), "{error}");
        assert!(error.contains(&lock.files[0].sha256), "{error}");
        assert!(error.contains(&sha256_hex(b"{\"blogs\":666}")), "{error}");
        assert!(error.contains(COMMIT), "{error}");
        // One changed file and nothing else: not worth calling it another release.
        assert!(!error.contains("different release"), "{error}");

        // A new spec the lock doesn't know, plus a change: that is what a newer release looks like.
        fs::write(tmp.path().join("apps/new-thing.json"), "{}").unwrap();
        let error = verify_dir(&lock, tmp.path()).unwrap_err().to_string();
        assert!(error.contains("different release"), "{error}");
        assert!(error.contains("apps/new-thing.json"), "{error}");
    }

    #[test]
    fn load_unlocked_reads_all_v2_files() {
        let tmp = tempfile::tempdir().unwrap();
        fake_release(tmp.path());
        let set = load_unlocked(tmp.path()).unwrap();
        assert_eq!(set.commit, None);
        assert_eq!(
            paths(&set.files),
            [
                "apps/blogs.json",
                "apps/contacts.json",
                "common/common-schemas.json"
            ]
        );
        let error = format!("{:#}", load_unlocked(&tmp.path().join("nope")).unwrap_err());
        assert!(error.contains("nope"), "{error}");
    }

    #[test]
    fn load_locked_with_explicit_dir() {
        let tmp = tempfile::tempdir().unwrap();
        let specs = tmp.path().join("specs-dir");
        fake_release(&specs);
        let root = tmp.path().join("ws");
        fake_lock(&specs).write(&root.join(LOCK_FILE)).unwrap();
        let set = load_locked(&root, Some(&specs)).unwrap();
        assert_eq!(set.commit.as_deref(), Some(COMMIT));
        assert_eq!(set.files.len(), 3);
        assert!(set.origin.contains("specs-dir"), "{}", set.origin);

        let error = format!(
            "{:#}",
            load_locked(&root, Some(&tmp.path().join("absent"))).unwrap_err()
        );
        assert!(
            error.contains("absent") && error.contains("--specs"),
            "{error}"
        );
    }

    /// The committed lock describes the shared checkout exactly, and agrees with its
    /// SHA256SUMS. Skipped where the checkout isn't present.
    #[test]
    fn committed_lock_matches_shared_checkout() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let shared = root.join(SHARED_CHECKOUT);
        if !shared.is_dir() {
            eprintln!("skipped: no shared checkout at {}", shared.display());
            return;
        }
        let lock = Lock::read(&root.join(LOCK_FILE)).unwrap();
        assert_eq!(lock.upstream, UPSTREAM);
        assert_eq!(
            lock,
            Lock::from_dir(&lock.upstream, &lock.commit, &shared).unwrap()
        );
        assert_eq!(lock.files.len(), 42);
        let sums = fs::read_to_string(shared.join("SHA256SUMS")).unwrap();
        for file in &lock.files {
            let line = format!("{}  ./{}", file.sha256, file.path);
            assert!(sums.lines().any(|l| l == line), "{line} not in SHA256SUMS");
        }
        // And the committed lock is exactly what `write` produces.
        assert_eq!(
            fs::read_to_string(root.join(LOCK_FILE)).unwrap(),
            lock.to_toml().unwrap()
        );
    }

    /// Serves files below `root` over plain HTTP on loopback. Returns the base URL.
    fn serve(root: PathBuf, max_requests: usize) -> String {
        crate::test_http::serve(max_requests, move |target| {
            fs::read(join_rel(&root, target.trim_matches('/'))).ok()
        })
    }

    /// A server root laid out like raw.githubusercontent.com for [`COMMIT`], and the lock.
    fn served_release(tmp: &Path) -> (PathBuf, Lock) {
        let release = tmp.join("www/GoHighLevel/highlevel-api-docs").join(COMMIT);
        fake_release(&release);
        let lock = fake_lock(&release);
        (release, lock)
    }

    /// Everything in the cache root, so tests can assert nothing partial was left.
    fn cache_entries(cache: &Path) -> Vec<String> {
        match fs::read_dir(cache) {
            Ok(entries) => entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    #[test]
    fn download_fills_cache_then_reuses_it() {
        let tmp = tempfile::tempdir().unwrap();
        let (_, lock) = served_release(tmp.path());
        let base = serve(tmp.path().join("www"), 3);
        let cache = tmp.path().join("target/spec-cache");

        let files = fetch_into_cache(&lock, &format!("{base}/"), &cache).unwrap();
        assert_eq!(files.len(), 3);
        assert_eq!(cache_entries(&cache), [COMMIT]);
        assert!(verify_dir(&lock, &cache.join(COMMIT)).is_ok());

        // The server has served its 3 requests; a second run must come from the cache alone.
        let again = fetch_into_cache(&lock, "http://127.0.0.1:9", &cache).unwrap();
        assert_eq!(paths(&again), paths(&files));

        // A damaged cache is not trusted: it is downloaded again and replaced.
        fs::write(cache.join(COMMIT).join("apps/blogs.json"), "junk").unwrap();
        let base = serve(tmp.path().join("www"), 3);
        fetch_into_cache(&lock, &base, &cache).unwrap();
        assert!(verify_dir(&lock, &cache.join(COMMIT)).is_ok());
        assert_eq!(cache_entries(&cache), [COMMIT]);
    }

    #[test]
    fn tampered_download_fails_and_caches_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let (release, lock) = served_release(tmp.path());
        fs::write(release.join("apps/contacts.json"), "{\"evil\":1}").unwrap();
        let base = serve(tmp.path().join("www"), 3);
        let cache = tmp.path().join("target/spec-cache");

        let error = format!("{:#}", fetch_into_cache(&lock, &base, &cache).unwrap_err());
        assert!(error.contains("apps/contacts.json"), "{error}");
        assert!(error.contains(&lock.files[1].sha256), "{error}");
        assert!(error.contains(&sha256_hex(b"{\"evil\":1}")), "{error}");
        assert!(
            error.contains(&format!(
                "{base}/GoHighLevel/highlevel-api-docs/{COMMIT}/apps/contacts.json"
            )),
            "{error}"
        );
        assert!(
            cache_entries(&cache).is_empty(),
            "{:?}",
            cache_entries(&cache)
        );
    }

    #[test]
    fn missing_download_fails_with_url_and_status() {
        let tmp = tempfile::tempdir().unwrap();
        let (release, lock) = served_release(tmp.path());
        fs::remove_file(release.join("common/common-schemas.json")).unwrap();
        let base = serve(tmp.path().join("www"), 3);
        let cache = tmp.path().join("target/spec-cache");

        let error = format!("{:#}", fetch_into_cache(&lock, &base, &cache).unwrap_err());
        let url =
            format!("{base}/GoHighLevel/highlevel-api-docs/{COMMIT}/common/common-schemas.json");
        assert!(error.contains(&url), "{error}");
        assert!(error.contains("404"), "{error}");
        assert!(error.contains("common/common-schemas.json"), "{error}");
        assert!(
            cache_entries(&cache).is_empty(),
            "{:?}",
            cache_entries(&cache)
        );
    }

    #[test]
    fn loopback_detection() {
        assert!(is_loopback("http://127.0.0.1:8080"));
        assert!(is_loopback("http://localhost/"));
        assert!(is_loopback("http://[::1]:1"));
        assert!(!is_loopback("https://raw.githubusercontent.com"));
        assert!(!is_loopback("http://localhost.example.com"));
    }
}
