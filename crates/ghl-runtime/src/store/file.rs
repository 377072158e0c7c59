//! Token sets in files: the blocking primitives both file stores share (atomic writes,
//! token files, lock files), and [`FileTokenStore`], one token set in one file.
//!
//! The primitives block; the stores run them on tokio's blocking pool
//! ([`blocking`]), never on an async worker: an fsync can take tens of milliseconds.

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{OwnerTokenStore, RefreshLock, StoreFuture};
use crate::token::{Secret, TokenSet};
use crate::{Error, Result};

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Runs blocking file work on tokio's blocking pool.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result,
        Err(e) => Err(Error::TokenStore {
            message: "the file store's worker failed".to_owned(),
            source: Box::new(e),
        }),
    }
}

/// An [`Error::TokenStore`] naming `path`.
pub(crate) fn file_error(
    what: &str,
    path: &Path,
    e: impl std::error::Error + Send + Sync + 'static,
) -> Error {
    Error::TokenStore {
        message: format!("{what} {}", path.display()),
        source: Box::new(e),
    }
}

/// Writes `bytes` to `path` atomically: to a new temporary file `.{name}.{pid}.{n}.tmp` in
/// `dir` (mode 0600 on Unix), synced, renamed over `path`, then the directory synced where
/// the platform allows it. The temporary file is removed on failure.
pub(crate) fn write_atomically(
    dir: &Path,
    name: &str,
    path: &Path,
    bytes: &[u8],
) -> std::io::Result<()> {
    let tmp = dir.join(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let write = || -> std::io::Result<()> {
        let mut file = create_private(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&tmp, path)?;
        // Make the rename durable where the platform allows syncing a directory.
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    };
    write().inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// Creates a new file readable only by its owner (on Unix); fails if it exists.
fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    options.open(path)
}

/// The token set in `path`; `None` when the file does not exist.
pub(crate) fn read_tokens(path: &Path) -> Result<Option<TokenSet>> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(file_error("cannot read", path, e)),
    };
    // serde's error never quotes the input, so no token can leak into it.
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| file_error("cannot parse", path, e))
}

/// Writes `tokens` to `path` (in `dir`) atomically, creating `dir` (0700) when missing.
pub(crate) fn write_tokens(dir: &Path, path: &Path, tokens: &TokenSet) -> Result<()> {
    let json =
        serde_json::to_vec_pretty(tokens).map_err(|e| file_error("cannot encode", path, e))?;
    ensure_dir(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "tokens".to_owned());
    write_atomically(dir, &name, path, &json).map_err(|e| file_error("cannot write", path, e))
}

/// Deletes `path`; `Ok(true)` when it existed.
pub(crate) fn delete_file(path: &Path) -> Result<bool> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(file_error("cannot delete", path, e)),
    }
}

/// Creates `dir` (mode 0700 on Unix) and its parents when missing.
pub(crate) fn ensure_dir(dir: &Path) -> Result<()> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .map_err(|e| file_error("cannot create", dir, e))
}

/// Takes the lock file `path` (in `dir`) for `ttl` unless a live one exists: created
/// exclusively, holding its id and expiry; an expired one is broken.
pub(crate) fn take_lock(dir: &Path, path: &Path, ttl: Duration) -> Result<Option<RefreshLock>> {
    ensure_dir(dir)?;
    // Two rounds: the second after breaking an expired lock.
    for _ in 0..2 {
        let lock = RefreshLock::random();
        let until = unix_millis().saturating_add(ttl.as_millis() as u64);
        match create_private(path) {
            Ok(mut file) => {
                file.write_all(format!("{} {until}", lock.id()).as_bytes())
                    .map_err(|e| file_error("cannot write", path, e))?;
                return Ok(Some(lock));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(file_error("cannot create", path, e)),
        }
        let Some(seen) = read_small(path) else {
            // Released meanwhile: try again.
            continue;
        };
        let expired = parse_lock(&seen).is_none_or(|(_, until)| until <= unix_millis());
        if !expired {
            return Ok(None);
        }
        // Break it: move it aside first, so that a lock taken by another process between
        // our read and now is recognised and put back.
        let aside = dir.join(format!(
            ".{}.{}.{}.stale",
            path.file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default(),
            std::process::id(),
            TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        if std::fs::rename(path, &aside).is_err() {
            continue;
        }
        if read_small(&aside).is_some_and(|moved| moved != seen) {
            // A live lock: put it back unless yet another one exists, and give up.
            let _ = std::fs::hard_link(&aside, path);
            let _ = std::fs::remove_file(&aside);
            return Ok(None);
        }
        let _ = std::fs::remove_file(&aside);
    }
    Ok(None)
}

/// Removes the lock file `path` if `lock` still holds it.
pub(crate) fn release_lock(path: &Path, lock: &RefreshLock) -> Result<()> {
    if read_small(path)
        .and_then(|seen| parse_lock(&seen).map(|(id, _)| id == lock.id()))
        .unwrap_or(false)
    {
        delete_file(path)?;
    }
    Ok(())
}

/// Stores `tokens` in `path` only if the stored set's fencing token is `spent`.
pub(crate) fn replace_tokens(
    dir: &Path,
    path: &Path,
    spent: &Secret,
    tokens: &TokenSet,
) -> Result<bool> {
    match read_tokens(path)? {
        Some(stored) if stored.fencing_token() == spent => {
            write_tokens(dir, path, tokens)?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

fn unix_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// A lock file's content (a few dozen bytes); `None` when it cannot be read.
pub(crate) fn read_small(path: &Path) -> Option<String> {
    let mut s = String::new();
    std::fs::File::open(path)
        .ok()?
        .take(256)
        .read_to_string(&mut s)
        .ok()?;
    Some(s)
}

/// `"{id} {until_unix_millis}"`.
pub(crate) fn parse_lock(content: &str) -> Option<(&str, u64)> {
    let (id, until) = content.trim().split_once(' ')?;
    Some((id, until.parse().ok()?))
}

/// One token set in one JSON file: the store of a client with one OAuth installation
/// ([`ClientBuilder::oauth`](crate::ClientBuilder::oauth)). It holds one owner's tokens,
/// whatever owner it is asked for.
///
/// The file is replaced atomically (a temporary file in the same directory, synced, then
/// renamed over the old one) and readable only by its owner on Unix; the refresh lock is
/// the file `{path}.lock` beside it, so processes of one machine sharing the file refresh
/// one at a time. File work runs on tokio's blocking pool, never on an async worker.
#[derive(Debug, Clone)]
pub struct FileTokenStore {
    path: PathBuf,
}

impl FileTokenStore {
    /// A store at `path` (the file need not exist yet; its directory is created when
    /// missing).
    pub fn new(path: impl Into<PathBuf>) -> FileTokenStore {
        FileTokenStore { path: path.into() }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The stored token set, if any.
    pub async fn current(&self) -> Result<Option<TokenSet>> {
        let path = self.path.clone();
        blocking(move || read_tokens(&path)).await
    }

    fn dir(&self) -> PathBuf {
        match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }

    fn lock_path(&self) -> PathBuf {
        let mut name = self.path.as_os_str().to_owned();
        name.push(".lock");
        PathBuf::from(name)
    }
}

impl OwnerTokenStore for FileTokenStore {
    fn load<'a>(&'a self, _owner: &'a str) -> StoreFuture<'a, Option<TokenSet>> {
        Box::pin(self.current())
    }

    fn save<'a>(&'a self, _owner: &'a str, tokens: &'a TokenSet) -> StoreFuture<'a, ()> {
        let (dir, path, tokens) = (self.dir(), self.path.clone(), tokens.clone());
        Box::pin(blocking(move || write_tokens(&dir, &path, &tokens)))
    }

    fn replace<'a>(
        &'a self,
        _owner: &'a str,
        spent: &'a Secret,
        tokens: &'a TokenSet,
    ) -> StoreFuture<'a, bool> {
        let (dir, path) = (self.dir(), self.path.clone());
        let (spent, tokens) = (spent.clone(), tokens.clone());
        Box::pin(blocking(move || {
            replace_tokens(&dir, &path, &spent, &tokens)
        }))
    }

    fn delete<'a>(&'a self, _owner: &'a str) -> StoreFuture<'a, bool> {
        let path = self.path.clone();
        Box::pin(blocking(move || delete_file(&path)))
    }

    /// The one owner of the stored token set (its location or company), when there is one.
    fn owners(&self) -> StoreFuture<'_, Vec<String>> {
        Box::pin(async move {
            Ok(self
                .current()
                .await?
                .and_then(|t| t.owner().map(str::to_owned))
                .into_iter()
                .collect())
        })
    }

    fn try_lock<'a>(
        &'a self,
        _owner: &'a str,
        ttl: Duration,
    ) -> StoreFuture<'a, Option<RefreshLock>> {
        let (dir, path) = (self.dir(), self.lock_path());
        Box::pin(blocking(move || take_lock(&dir, &path, ttl)))
    }

    fn unlock<'a>(&'a self, _owner: &'a str, lock: &'a RefreshLock) -> StoreFuture<'a, ()> {
        let (path, lock) = (self.lock_path(), lock.clone());
        Box::pin(blocking(move || release_lock(&path, &lock)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn file_store_roundtrip_is_atomic_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.json");
        let store = FileTokenStore::new(&path);
        assert!(store.current().await.unwrap().is_none());
        let t = TokenSet::new("a1", Duration::from_secs(60)).with_refresh_token("r1");
        store.save("any", &t).await.unwrap();
        let t2 = TokenSet::new("a2", Duration::from_secs(60)).with_refresh_token("r2");
        // The fencing check: only the stored refresh token may be spent.
        assert!(!store.replace("any", &Secret::new("r0"), &t2).await.unwrap());
        assert!(
            store
                .replace("other", &Secret::new("r1"), &t2)
                .await
                .unwrap()
        );
        assert_eq!(store.load("x").await.unwrap(), Some(t2));
        // No temporary files are left behind.
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // One lock for the one owner, whatever it is called; expiring; not released by a
        // holder whose lock expired.
        let first = store
            .try_lock("a", Duration::from_millis(50))
            .await
            .unwrap()
            .expect("a free lock is taken");
        assert!(
            store
                .try_lock("b", Duration::from_secs(5))
                .await
                .unwrap()
                .is_none()
        );
        tokio::time::sleep(Duration::from_millis(80)).await;
        let second = store
            .try_lock("a", Duration::from_secs(5))
            .await
            .unwrap()
            .expect("an expired lock is taken again");
        store.unlock("a", &first).await.unwrap();
        assert!(
            store
                .try_lock("a", Duration::from_secs(5))
                .await
                .unwrap()
                .is_none()
        );
        store.unlock("a", &second).await.unwrap();
        assert!(
            store
                .try_lock("a", Duration::from_secs(5))
                .await
                .unwrap()
                .is_some()
        );
        assert!(store.delete("any").await.unwrap());
        assert!(!store.delete("any").await.unwrap());
    }

    #[tokio::test]
    async fn bad_file_does_not_leak_tokens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.json");
        std::fs::write(&path, "{\"accessToken\": \"at-SECRET\"").unwrap();
        let err = FileTokenStore::new(&path).current().await.unwrap_err();
        assert!(!err.to_string().contains("SECRET"), "{err}");
    }
}
