//! File-system safety, in one place: every file the xtask writes goes through here.
//!
//! - [`write_atomic`] replaces one file through a synced temporary file and a rename, so an
//!   interrupted run leaves the old file or the new one, never a truncated one.
//! - [`Staging`] is a private directory that removes itself unless it is published, so a failed
//!   multi-file write (a download, a regeneration) leaves nothing half-done behind.
//! - [`is_safe_component`], [`is_safe_rel_path`] and [`join_rel`] keep paths that come from data
//!   (a lock file, a GitHub tree, a generated file list) inside the directory they are joined to.

use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, ensure};

/// A path component that is safe in a file path (and, spaces percent-encoded, in a URL):
/// letters, digits, `.`, `_`, `-` and single spaces between them (HighLevel keeps its event
/// pages in `docs/webhook events/`), and not `.` or `..`.
pub fn is_safe_component(part: &str) -> bool {
    !part.is_empty()
        && part != "."
        && part != ".."
        && !part.starts_with(' ')
        && !part.ends_with(' ')
        && !part.contains("  ")
        && part
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b' '))
}

/// A relative path of safe components separated by `/`.
pub fn is_safe_rel_path(path: &str) -> bool {
    path.split('/').all(is_safe_component)
}

/// Joins a forward-slash relative path onto a directory, component by component, so the result
/// uses the platform's separator.
pub fn join_rel(dir: &Path, rel: &str) -> PathBuf {
    rel.split('/')
        .fold(dir.to_path_buf(), |path, part| path.join(part))
}

/// Refuses a relative path from data that could leave the directory it is joined to.
pub fn ensure_safe_rel_path(path: &str) -> Result<()> {
    ensure!(
        is_safe_rel_path(path),
        "refusing the unusual file path `{path}` (letters, digits, `.`, `_`, `-` and single inner spaces, separated by `/`)"
    );
    Ok(())
}

/// Creates `path` and writes `bytes` to it, synced to disk before returning.
fn write_synced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = fs::File::create(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Best effort: makes a rename in `dir` durable. Not every platform can open a directory.
fn sync_dir(dir: &Path) {
    if let Ok(handle) = fs::File::open(dir) {
        let _ = handle.sync_all();
    }
}

/// Replaces `path` with `bytes` atomically: a synced temporary file next to it, then a rename.
/// Missing parent directories are created.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    // `tempfile` removes the temporary file unless it is persisted (renamed over `path`).
    let write = || -> io::Result<()> {
        let mut tmp = tempfile::Builder::new()
            .prefix(".")
            .suffix(".tmp")
            .tempfile_in(parent)?;
        tmp.write_all(bytes)?;
        tmp.as_file().sync_all()?;
        tmp.persist(path).map_err(|e| e.error)?;
        Ok(())
    };
    write().with_context(|| format!("cannot write {}", path.display()))?;
    sync_dir(parent);
    Ok(())
}

/// A staging directory that removes itself unless [`Staging::disarm`]ed or
/// [`Staging::publish`]ed, so every early return of a multi-file write cleans up.
#[derive(Debug)]
pub struct Staging {
    path: PathBuf,
    armed: bool,
}

impl Staging {
    /// A new directory `.<label>-<random>` in `parent` (created if missing), private to this
    /// run (`tempfile`: created exclusively, mode 0700 on Unix).
    pub fn unique(parent: &Path, label: &str) -> Result<Staging> {
        fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
        let path = tempfile::Builder::new()
            .prefix(&format!(".{label}-"))
            .tempdir_in(parent)
            .with_context(|| format!("cannot create a staging directory in {}", parent.display()))?
            .keep();
        Ok(Staging { path, armed: true })
    }

    /// The directory `path`, emptied of whatever an interrupted earlier run left there.
    pub fn fresh(path: PathBuf) -> Result<Staging> {
        if path.exists() {
            fs::remove_dir_all(&path).with_context(|| {
                format!("removing a leftover staging directory {}", path.display())
            })?;
        }
        fs::create_dir_all(&path).with_context(|| format!("creating {}", path.display()))?;
        Ok(Staging { path, armed: true })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `bytes` to the relative path `rel` inside the staging directory, synced.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<PathBuf> {
        ensure_safe_rel_path(rel)?;
        let dest = join_rel(&self.path, rel);
        if let Some(parent) = dest.parent() {
            fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        write_synced(&dest, bytes).with_context(|| format!("cannot write {}", dest.display()))?;
        Ok(dest)
    }

    /// [`Staging::write`] of many files. Each is synced; the syncs run on several threads, so
    /// the file system can commit them together instead of one by one.
    pub fn write_all(&self, files: &[(&str, &[u8])]) -> Result<()> {
        const WRITERS: usize = 8;
        let per_writer = files.len().div_ceil(WRITERS).max(1);
        std::thread::scope(|scope| {
            let writers: Vec<_> = files
                .chunks(per_writer)
                .map(|chunk| {
                    scope.spawn(move || {
                        chunk
                            .iter()
                            .try_for_each(|(rel, bytes)| self.write(rel, bytes).map(drop))
                    })
                })
                .collect();
            writers.into_iter().try_for_each(|writer| {
                writer
                    .join()
                    .unwrap_or_else(|_| Err(anyhow!("a staging writer panicked")))
            })
        })
    }

    /// Moves the whole staging directory to `dest`, replacing what is there.
    pub fn publish(self, dest: &Path) -> Result<()> {
        if dest.exists() {
            fs::remove_dir_all(dest)
                .with_context(|| format!("removing the old copy {}", dest.display()))?;
        }
        fs::rename(&self.path, dest)
            .with_context(|| format!("moving {} into place", dest.display()))?;
        self.disarm();
        if let Some(parent) = dest.parent() {
            sync_dir(parent);
        }
        Ok(())
    }

    /// Keeps the directory: it was moved into place, or is someone else's now.
    pub fn disarm(mut self) {
        self.armed = false;
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if self.armed {
            // Best effort: a leftover hidden directory is harmless, a panic in drop is not.
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_paths_stay_inside() {
        assert!(is_safe_rel_path("apps/blogs.json"));
        assert!(is_safe_rel_path("ghl-a/src/lib.rs"));
        assert!(is_safe_rel_path("docs/webhook events/ContactCreate.md"));
        for bad in [
            "../x.json",
            "a//b",
            "/abs",
            "a/./b",
            " a",
            "a /b",
            "a  b",
            "a\\b",
            "a\tb",
            "",
        ] {
            assert!(!is_safe_rel_path(bad), "{bad}");
        }
        assert_eq!(
            join_rel(Path::new("/d"), "a/b.json"),
            Path::new("/d").join("a").join("b.json")
        );
    }

    #[test]
    fn atomic_writes_replace_and_leave_no_temp_files() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("sub/file.txt");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = fs::read_dir(tmp.path().join("sub"))
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(names, ["file.txt"]);
    }

    #[test]
    fn staging_cleans_up_unless_published() {
        let tmp = tempfile::tempdir().unwrap();
        let staging = Staging::unique(tmp.path(), "partial-x").unwrap();
        staging.write("a/b.txt", b"b").unwrap();
        assert!(staging.write("../escape", b"x").is_err());
        drop(staging);
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 0);

        let staging = Staging::unique(tmp.path(), "partial-x").unwrap();
        let many: Vec<(String, Vec<u8>)> = (0..20)
            .map(|i| (format!("a/{i}.txt"), vec![b'x'; i]))
            .collect();
        let many: Vec<(&str, &[u8])> = many
            .iter()
            .map(|(rel, bytes)| (rel.as_str(), bytes.as_slice()))
            .collect();
        staging.write_all(&many).unwrap();
        staging.write("a/b.txt", b"b").unwrap();
        let dest = tmp.path().join("final");
        fs::create_dir(&dest).unwrap();
        fs::write(dest.join("old"), "old").unwrap();
        staging.publish(&dest).unwrap();
        assert_eq!(fs::read(dest.join("a/b.txt")).unwrap(), b"b");
        assert_eq!(fs::read(dest.join("a/19.txt")).unwrap().len(), 19);
        assert!(!dest.join("old").exists());
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1);

        let fixed = tmp.path().join(".fixed");
        fs::create_dir(&fixed).unwrap();
        fs::write(fixed.join("leftover"), "x").unwrap();
        let staging = Staging::fresh(fixed.clone()).unwrap();
        assert!(!fixed.join("leftover").exists());
        drop(staging);
        assert!(!fixed.exists());
    }
}
