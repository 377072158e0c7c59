//! `cargo xtask specs update`: re-pin the specs to a new upstream commit, and record what that
//! does to each generated crate.
//!
//! The lock ([`specs::LOCK_FILE`]) gets the new commit, file list and hashes. Before it is
//! rewritten, the old locked release and the new one are compared ([`crate::diff`]); each crate's
//! version in [`VERSIONS_FILE`] is bumped by the class of its change (0.x: breaking -> minor,
//! additive -> patch) and a dated entry goes on top of [`CHANGELOG_DIR`]`/<crate>.md`. `regen`
//! then writes those versions into the crates' manifests and copies the changelogs in as
//! `CHANGELOG.md` ([`emit::releases`]), so regenerating stays a pure function of what is committed.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::SystemTime;

use anyhow::{Context, bail, ensure};

use crate::diff::{self, Class, Report, Status};
use crate::emit::{self, VersionsFile};
pub use crate::emit::{CHANGELOG_DIR, VERSIONS_FILE, read_versions};
use crate::pipeline;
use crate::regen;
use crate::safe_fs::{self, Staging};
use crate::specs::{self, Lock};

/// Where the GitHub API is (the tree of a commit lists its files); overridable for tests.
pub const GITHUB_API_ENV: &str = "GHL_GITHUB_API_URL";
const DEFAULT_GITHUB_API: &str = "https://api.github.com";

/// Where each update's full diff report is kept, relative to the workspace root.
const REPORT_DIR: &str = "target/specs-update";

const VERSIONS_HEADER: &str = "\
# The version of each generated crate. `cargo xtask specs update` bumps them from the API diff of
# the old and new specs (0.x: breaking -> minor, additive -> patch); `cargo xtask regen` writes
# them into crates/<crate>/Cargo.toml. A crate not listed has the workspace version. Crates whose
# spec vanished upstream stay listed, so that a return continues from their last version.
";

#[derive(clap::Args, Debug, Clone, Default)]
pub struct UpdateArgs {
    /// The upstream commit to pin (40 hex digits). Without --from, its files are downloaded
    /// (GitHub API for the file list, raw.githubusercontent.com for the files).
    #[arg(long)]
    pub commit: Option<String>,
    /// A local copy of the upstream repository at the new commit (needs --commit unless it is a
    /// git checkout).
    #[arg(long)]
    pub from: Option<PathBuf>,
    /// Where the currently locked specs are, to compare with (default: found as `regen` finds
    /// them: GHL_SPECS_DIR, ../shared/specs/highlevel-api-docs, or a download of the locked commit).
    #[arg(long)]
    pub old_specs: Option<PathBuf>,
    /// Date of the changelog entries, YYYY-MM-DD (default: today, UTC).
    #[arg(long)]
    pub date: Option<String>,
}

/// What an update did.
#[derive(Debug)]
pub struct Updated {
    pub old_commit: String,
    pub new_commit: String,
    pub files_added: Vec<String>,
    pub files_removed: Vec<String>,
    pub files_changed: Vec<String>,
    pub report: Report,
    /// Crate -> (old version, new version), for every crate whose version moved.
    pub bumps: BTreeMap<String, (String, String)>,
    /// The full diff report, in Markdown.
    pub report_path: PathBuf,
}

fn write_versions(root: &Path, versions: &BTreeMap<String, String>) -> anyhow::Result<()> {
    let path = root.join(VERSIONS_FILE);
    let body = toml::to_string(&VersionsFile {
        versions: versions.clone(),
    })
    .context("serializing the versions")?;
    write_file(&path, &format!("{VERSIONS_HEADER}\n{body}"))
}

/// Writes through a synced temporary file and a rename, so an interrupted run leaves the old file.
fn write_file(path: &Path, text: &str) -> anyhow::Result<()> {
    safe_fs::write_atomic(path, text.as_bytes())
}

/// Today in UTC as YYYY-MM-DD.
fn today() -> String {
    utc_date(SystemTime::now())
}

/// The UTC date of a moment as YYYY-MM-DD: the date part of its RFC 3339 timestamp.
fn utc_date(moment: SystemTime) -> String {
    let stamp = humantime::format_rfc3339_seconds(moment).to_string();
    match stamp.split_once('T') {
        Some((date, _)) => date.to_owned(),
        None => stamp,
    }
}

fn short(commit: &str) -> &str {
    &commit[..commit.len().min(7)]
}

/// The changelog entry of one crate for this update.
fn changelog_entry(
    diff: &diff::CrateDiff,
    spec_changed: bool,
    version: &str,
    date: &str,
    old_commit: &str,
    new_commit: &str,
) -> String {
    let mut entry = String::new();
    let source = format!(
        "`highlevel-api-docs` {} -> {}",
        short(old_commit),
        short(new_commit)
    );
    match diff.status {
        Status::Added => {
            let _ = write!(
                entry,
                "## {version} ({date})\n\nFirst generated, from `{}` as published at {}.\n\n",
                diff.spec_path,
                short(new_commit)
            );
        }
        Status::Removed => {
            let _ = write!(
                entry,
                "## Removed ({date})\n\nHighLevel no longer publishes `{}` ({source}); the crate is no longer generated. Its last version was {version}.\n\n",
                diff.spec_path
            );
        }
        Status::Changed => {
            // The common crate also holds what other specs share, so it changes with them.
            let cause = if spec_changed {
                format!("HighLevel republished `{}` ({source})", diff.spec_path)
            } else {
                format!(
                    "`{}` is unchanged, but other specs of the release changed what this crate holds ({source})",
                    diff.spec_path
                )
            };
            let _ = write!(
                entry,
                "## {version} ({date})\n\n{cause}: {} change(s).\n\n",
                diff.class.as_str()
            );
            entry.push_str(&diff::crate_markdown(diff, "###"));
        }
    }
    entry
}

/// Puts `entry` on top of the crate's changelog, below its title.
fn prepend_changelog(root: &Path, crate_name: &str, entry: &str) -> anyhow::Result<()> {
    let path = root.join(CHANGELOG_DIR).join(format!("{crate_name}.md"));
    let title = format!("# Changelog of `{crate_name}`\n\n");
    let existing = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => title.clone(),
        Err(error) => return Err(error).with_context(|| format!("reading {}", path.display())),
    };
    let rest = existing.strip_prefix(&title).unwrap_or(&existing);
    let text = format!("{title}{}\n{}", entry.trim_end(), {
        if rest.trim().is_empty() {
            String::new()
        } else {
            format!("\n{rest}")
        }
    });
    write_file(&path, &text)
}

/// The commit of a git checkout, for `--from DIR` without `--commit`.
fn checkout_commit(dir: &Path) -> anyhow::Result<String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["rev-parse", "HEAD"])
        .output()
        .with_context(|| {
            format!(
                "{} has no commit I can read (running git failed); pass --commit SHA",
                dir.display()
            )
        })?;
    ensure!(
        output.status.success(),
        "{} is not a git checkout; pass --commit SHA naming the upstream commit it holds",
        dir.display()
    );
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

fn validate_commit(commit: &str) -> anyhow::Result<String> {
    let commit = commit.trim().to_ascii_lowercase();
    ensure!(
        commit.len() == 40 && commit.bytes().all(|b| b.is_ascii_hexdigit()),
        "commit `{commit}` is not a full 40-hex commit id (copy it from the upstream history)"
    );
    Ok(commit)
}

/// The generator's input files of the commit's tree ([`specs::is_input`]).
fn input_paths(tree: &serde_json::Value, url: &str) -> anyhow::Result<Vec<String>> {
    ensure!(
        tree.get("truncated") != Some(&serde_json::Value::Bool(true)),
        "{url}: GitHub truncated the file list; download the commit and use --from DIR"
    );
    let entries = tree
        .get("tree")
        .and_then(serde_json::Value::as_array)
        .with_context(|| format!("{url}: the answer has no `tree` list"))?;
    let mut paths: Vec<String> = entries
        .iter()
        .filter(|entry| entry.get("type").and_then(serde_json::Value::as_str) == Some("blob"))
        .filter_map(|entry| entry.get("path").and_then(serde_json::Value::as_str))
        .filter(|path| specs::is_input(path))
        .map(str::to_owned)
        .collect();
    for path in &paths {
        ensure!(
            safe_fs::is_safe_rel_path(path),
            "{url}: refusing the unusual file path `{path}`"
        );
    }
    paths.sort();
    ensure!(
        paths.iter().any(|path| path == pipeline::COMMON_SPEC),
        "{url}: the commit has no {}; is it a commit of the specs repository?",
        pipeline::COMMON_SPEC
    );
    Ok(paths)
}

/// Downloads the input files ([`specs::is_input`]) of `upstream` at `commit` into `target/spec-cache/<commit>/`. Nothing
/// can be verified yet (there is no lock for it): the hashes of what arrived become the lock.
fn download(root: &Path, upstream: &str, commit: &str) -> anyhow::Result<PathBuf> {
    let env_or = |name: &str, default: &str| {
        std::env::var(name)
            .ok()
            .filter(|url| !url.is_empty())
            .unwrap_or_else(|| default.to_owned())
    };
    download_from(
        root,
        upstream,
        commit,
        &env_or(GITHUB_API_ENV, DEFAULT_GITHUB_API),
        &env_or(specs::BASE_URL_ENV, specs::DEFAULT_BASE_URL),
    )
}

/// [`download`] with the GitHub API and raw-file base URLs given.
fn download_from(
    root: &Path,
    upstream: &str,
    commit: &str,
    api: &str,
    raw: &str,
) -> anyhow::Result<PathBuf> {
    let agent = specs::http_agent_for(api);
    let tree_url = format!(
        "{}/repos/{upstream}/git/trees/{commit}?recursive=1",
        api.trim_end_matches('/')
    );
    let tree: serde_json::Value = serde_json::from_slice(&specs::download(&agent, &tree_url)?)
        .with_context(|| format!("{tree_url}: the answer is not JSON"))?;
    let paths = input_paths(&tree, &tree_url)?;
    let cache = root.join("target/spec-cache");
    let final_dir = cache.join(commit);
    let staging = Staging::unique(&cache, &format!("update-{commit}"))?;
    for path in &paths {
        let url = format!(
            "{}/{upstream}/{commit}/{}",
            raw.trim_end_matches('/'),
            specs::url_path(path)
        );
        let bytes = specs::download(&agent, &url)?;
        staging.write(path, &bytes)?;
    }
    staging.publish(&final_dir)?;
    println!(
        "downloaded {} files of {upstream} at {commit} into {}",
        paths.len(),
        final_dir.display()
    );
    Ok(final_dir)
}

/// `cargo xtask specs update`.
pub fn run(args: &UpdateArgs) -> anyhow::Result<ExitCode> {
    let updated = update(&regen::workspace_root(), args)?;
    let Some(updated) = updated else {
        return Ok(ExitCode::SUCCESS);
    };
    let list = |files: &[String]| {
        if files.is_empty() {
            "none".to_owned()
        } else {
            files.join(", ")
        }
    };
    println!(
        "specs update: {} -> {}",
        short(&updated.old_commit),
        short(&updated.new_commit)
    );
    println!("  new specs: {}", list(&updated.files_added));
    println!("  vanished specs: {}", list(&updated.files_removed));
    println!("  changed specs: {}", updated.files_changed.len());
    for diff in &updated.report.crates {
        let version = match updated.bumps.get(&diff.crate_name) {
            Some((old, new)) => format!("{old} -> {new}"),
            None => "version unchanged".to_owned(),
        };
        let status = match diff.status {
            Status::Added => "new crate",
            Status::Removed => "crate removed",
            Status::Changed => diff.class.as_str(),
        };
        println!("  {}: {status}, {version}", diff.crate_name);
    }
    println!(
        "wrote {}, {}, {}/; full report: {}",
        specs::LOCK_FILE,
        VERSIONS_FILE,
        CHANGELOG_DIR,
        updated.report_path.display()
    );
    println!(
        "next: `cargo xtask regen` (it reports overrides the new specs made stale), then review and commit"
    );
    Ok(ExitCode::SUCCESS)
}

/// Re-pins the workspace at `root` to a new release. `None` when it is pinned there already.
pub fn update(root: &Path, args: &UpdateArgs) -> anyhow::Result<Option<Updated>> {
    let lock_path = root.join(specs::LOCK_FILE);
    let old_lock = Lock::read(&lock_path)?;
    let commit = match (&args.commit, &args.from) {
        (Some(commit), _) => validate_commit(commit)?,
        (None, Some(dir)) => validate_commit(&checkout_commit(dir)?)?,
        (None, None) => bail!(
            "say which release to pin: --commit SHA (downloaded) or --from DIR (a local copy)"
        ),
    };
    let new_dir = match &args.from {
        Some(dir) => dir.clone(),
        None => download(root, &old_lock.upstream, &commit)?,
    };
    let new_lock = Lock::from_dir(&old_lock.upstream, &commit, &new_dir)?;
    if new_lock == old_lock {
        println!(
            "specs update: {} is already pinned at {commit} with these files; nothing to do",
            specs::LOCK_FILE
        );
        return Ok(None);
    }
    let date = match &args.date {
        Some(date) => date.clone(),
        None => today(),
    };

    let old_set = specs::load_locked(root, args.old_specs.as_deref()).with_context(|| {
        format!(
            "the specs locked now (commit {}) are needed to compare with the new ones; pass --old-specs DIR (a copy of that commit)",
            old_lock.commit
        )
    })?;
    let new_set = specs::load_unlocked(&new_dir)?;
    let report = diff::diff_sets(
        &format!("highlevel-api-docs@{}", short(&old_lock.commit)),
        &old_set,
        &format!("highlevel-api-docs@{}", short(&commit)),
        &new_set,
        &crate::regen::type_names(&root.join("crates"))?,
    )?;

    let old_files: BTreeMap<&str, &str> = old_lock
        .files
        .iter()
        .map(|file| (file.path.as_str(), file.sha256.as_str()))
        .collect();
    let new_files: BTreeMap<&str, &str> = new_lock
        .files
        .iter()
        .map(|file| (file.path.as_str(), file.sha256.as_str()))
        .collect();
    let default_version = emit::workspace_metadata(root)?.version;
    let mut versions = read_versions(root)?;
    let mut bumps = BTreeMap::new();
    let mut entries = Vec::new();
    for diff in &report.crates {
        // The events live in the hand-written runtime, whose version is the workspace's: the
        // report says what changed, the runtime's release is bumped by hand.
        if diff.crate_name == crate::events::EVENTS_CRATE {
            continue;
        }
        let current = versions
            .get(&diff.crate_name)
            .cloned()
            .unwrap_or_else(|| default_version.clone());
        let next = match diff.status {
            Status::Removed => current.clone(),
            // A resource that comes back continues above its last version.
            Status::Added if versions.contains_key(&diff.crate_name) => {
                diff::bump(&current, Class::Breaking)?
            }
            Status::Added => current.clone(),
            Status::Changed => diff::bump(&current, diff.class)?,
        };
        if next != current {
            bumps.insert(diff.crate_name.clone(), (current, next.clone()));
        }
        entries.push((
            diff.crate_name.clone(),
            changelog_entry(
                diff,
                old_files.get(diff.spec_path.as_str()) != new_files.get(diff.spec_path.as_str()),
                &next,
                &date,
                &old_lock.commit,
                &commit,
            ),
        ));
        versions.insert(diff.crate_name.clone(), next);
    }
    for name in report
        .unchanged
        .iter()
        .filter(|name| *name != crate::events::EVENTS_CRATE)
    {
        versions
            .entry(name.clone())
            .or_insert_with(|| default_version.clone());
    }

    let paths: BTreeSet<&str> = old_files.keys().chain(new_files.keys()).copied().collect();
    let (mut files_added, mut files_removed, mut files_changed) = (vec![], vec![], vec![]);
    for path in paths {
        match (old_files.get(path), new_files.get(path)) {
            (None, Some(_)) => files_added.push(path.to_owned()),
            (Some(_), None) => files_removed.push(path.to_owned()),
            (Some(old), Some(new)) if old != new => files_changed.push(path.to_owned()),
            _ => {}
        }
    }

    let report_path =
        root.join(REPORT_DIR)
            .join(format!("{}-{}.md", short(&old_lock.commit), short(&commit)));
    write_file(&report_path, &diff::markdown(&report))?;
    write_versions(root, &versions)?;
    for (crate_name, entry) in &entries {
        prepend_changelog(root, crate_name, entry)?;
    }
    // Last: until the lock moves, running the update again redoes all of the above.
    new_lock.write(&lock_path)?;
    Ok(Some(Updated {
        old_commit: old_lock.commit,
        new_commit: commit,
        files_added,
        files_removed,
        files_changed,
        report,
        bumps,
        report_path,
    }))
}

#[cfg(test)]
mod tests {

    use super::*;

    #[test]
    fn today_is_a_plausible_date() {
        let date = today();
        assert_eq!(date.len(), 10);
        assert!(date.as_str() > "2025-01-01", "{date}");
        let leap_day = std::time::UNIX_EPOCH + std::time::Duration::from_secs(19_782 * 86_400);
        assert_eq!(utc_date(leap_day), "2024-02-29");
        assert_eq!(
            utc_date(leap_day + std::time::Duration::from_secs(86_399)),
            "2024-02-29"
        );
    }

    #[test]
    fn versions_round_trip_and_reject_nonsense() {
        let tmp = tempfile::tempdir().unwrap();
        assert!(read_versions(tmp.path()).unwrap().is_empty());
        let versions = BTreeMap::from([
            ("ghl-blogs".to_owned(), "0.2.0".to_owned()),
            ("ghl-common".to_owned(), "0.1.1".to_owned()),
        ]);
        write_versions(tmp.path(), &versions).unwrap();
        assert_eq!(read_versions(tmp.path()).unwrap(), versions);
        fs::write(
            tmp.path().join(VERSIONS_FILE),
            "[versions]\nghl-blogs = \"two\"\n",
        )
        .unwrap();
        let error = read_versions(tmp.path()).unwrap_err().to_string();
        assert!(
            error.contains("versions.toml") && error.contains("two"),
            "{error}"
        );
    }

    #[test]
    fn committed_versions_file_is_in_the_written_format() {
        let root = regen::workspace_root();
        let versions = read_versions(&root).unwrap();
        let tmp = tempfile::tempdir().unwrap();
        write_versions(tmp.path(), &versions).unwrap();
        assert_eq!(
            fs::read_to_string(tmp.path().join(VERSIONS_FILE)).unwrap(),
            fs::read_to_string(root.join(VERSIONS_FILE)).unwrap()
        );
    }

    #[test]
    fn changelog_entries_go_on_top() {
        let tmp = tempfile::tempdir().unwrap();
        prepend_changelog(tmp.path(), "ghl-x", "## 0.1.1 (2026-01-01)\n\nfirst\n").unwrap();
        prepend_changelog(tmp.path(), "ghl-x", "## 0.2.0 (2026-02-01)\n\nsecond\n").unwrap();
        let text = fs::read_to_string(tmp.path().join(CHANGELOG_DIR).join("ghl-x.md")).unwrap();
        assert_eq!(
            text,
            "# Changelog of `ghl-x`\n\n## 0.2.0 (2026-02-01)\n\nsecond\n\n## 0.1.1 (2026-01-01)\n\nfirst\n"
        );
    }

    #[test]
    fn commits_must_be_full_hex() {
        assert!(validate_commit("0af86a4").is_err());
        assert_eq!(validate_commit(&"AB".repeat(20)).unwrap(), "ab".repeat(20));
    }

    /// Serves `routes` (path and query -> body) on loopback, one connection per request.
    fn serve(routes: BTreeMap<String, Vec<u8>>, max_requests: usize) -> String {
        crate::test_http::serve(max_requests, move |target| routes.get(target).cloned())
    }

    #[test]
    fn download_lists_the_tree_and_fetches_only_input_files() {
        let commit = "1".repeat(40);
        let tree = serde_json::json!({ "truncated": false, "tree": [
            { "path": "apps", "type": "tree" },
            { "path": "apps/blogs.json", "type": "blob" },
            { "path": "apps/v3/blogs-v3.json", "type": "blob" },
            { "path": "apps/v3/common/common-schemas.json", "type": "blob" },
            { "path": "apps/v3/examples/post.json", "type": "blob" },
            { "path": "common/common-schemas.json", "type": "blob" },
            { "path": "docs/oauth/Scopes.md", "type": "blob" },
            { "path": "docs/oauth/Other.md", "type": "blob" },
            { "path": "docs/webhook events/NoteCreate.md", "type": "blob" },
            { "path": "README.md", "type": "blob" },
        ] });
        let routes = BTreeMap::from([
            (
                format!("/repos/o/r/git/trees/{commit}?recursive=1"),
                serde_json::to_vec(&tree).unwrap(),
            ),
            (format!("/o/r/{commit}/apps/blogs.json"), b"{}".to_vec()),
            (
                format!("/o/r/{commit}/apps/v3/blogs-v3.json"),
                b"{\"v\":3}".to_vec(),
            ),
            (
                format!("/o/r/{commit}/apps/v3/common/common-schemas.json"),
                b"{\"c\":3}".to_vec(),
            ),
            (
                format!("/o/r/{commit}/common/common-schemas.json"),
                b"{\"c\":1}".to_vec(),
            ),
            (
                format!("/o/r/{commit}/docs/oauth/Scopes.md"),
                b"| S |".to_vec(),
            ),
            // The space in the folder's name is percent-encoded in the URL.
            (
                format!("/o/r/{commit}/docs/webhook%20events/NoteCreate.md"),
                b"# Note".to_vec(),
            ),
        ]);
        let base = serve(routes, 7);
        let paths = input_paths(&tree, "tree").unwrap();
        assert_eq!(
            paths,
            vec![
                "apps/blogs.json",
                "apps/v3/blogs-v3.json",
                "apps/v3/common/common-schemas.json",
                "common/common-schemas.json",
                "docs/oauth/Scopes.md",
                "docs/webhook events/NoteCreate.md"
            ]
        );
        let tmp = tempfile::tempdir().unwrap();
        let dir = download_from(tmp.path(), "o/r", &commit, &base, &base).unwrap();
        assert_eq!(fs::read(dir.join("apps/blogs.json")).unwrap(), b"{}");
        assert_eq!(
            fs::read(dir.join("apps/v3/blogs-v3.json")).unwrap(),
            b"{\"v\":3}"
        );
        assert!(!dir.join("apps/v3/examples").exists());
        assert_eq!(
            fs::read(dir.join("docs/webhook events/NoteCreate.md")).unwrap(),
            b"# Note"
        );
        let lock = Lock::from_dir("o/r", &commit, &dir).unwrap();
        assert_eq!(lock.files.len(), 6);
    }
}
