//! [`DirTokenStore`]: one JSON file per owner in one directory.

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{OwnerTokenStore, RefreshLock, StoreFuture};
use crate::auth::{Secret, TokenSet};
use crate::{Error, Result};

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// The longest owner id a [`DirTokenStore`] takes (encoded names stay well below the
/// 255-byte limit of common file systems).
const MAX_OWNER_LEN: usize = 64;

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

/// The file name stem of `owner`: `[a-z0-9-]` kept, an upper-case letter written `_` and
/// its lower case (so ids differing only in case stay apart on case-insensitive file
/// systems), every other byte `%XX`. No separator, `.` or `..` can come out of it.
pub(crate) fn encode_owner(owner: &str) -> Option<String> {
    if owner.is_empty() || owner.len() > MAX_OWNER_LEN {
        return None;
    }
    let mut out = String::with_capacity(owner.len() + 8);
    for b in owner.bytes() {
        match b {
            b'a'..=b'z' | b'0'..=b'9' | b'-' => out.push(b as char),
            b'A'..=b'Z' => {
                out.push('_');
                out.push(b.to_ascii_lowercase() as char);
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    Some(out)
}

/// The inverse of [`encode_owner`]; `None` for a name it cannot have produced.
pub(crate) fn decode_owner(stem: &str) -> Option<String> {
    let bytes = stem.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'a'..=b'z' | b'0'..=b'9' | b'-' => {
                out.push(bytes[i]);
                i += 1;
            }
            b'_' => {
                let c = *bytes.get(i + 1)?;
                if !c.is_ascii_lowercase() {
                    return None;
                }
                out.push(c.to_ascii_uppercase());
                i += 2;
            }
            b'%' => {
                let hex = stem.get(i + 1..i + 3)?;
                if hex.bytes().any(|c| c.is_ascii_lowercase()) {
                    return None;
                }
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            _ => return None,
        }
    }
    String::from_utf8(out).ok()
}

/// An [`OwnerTokenStore`] in one directory: a JSON file per owner (`{owner}.json`, the id
/// encoded into a safe file name, never a path), each replaced atomically (temporary
/// file, fsync, rename) and readable only by its owner on Unix. For the processes of one
/// machine.
///
/// The refresh lock is a file `{owner}.lock` created exclusively, holding its id and
/// expiry; an expired one is broken by the next process. The fencing check of
/// [`replace`](OwnerTokenStore::replace) reads, compares and renames: it is atomic against
/// other refreshes (which hold the lock) but not against a concurrent
/// [`save`](OwnerTokenStore::save). Across machines use `RedisTokenStore`.
#[derive(Debug, Clone)]
pub struct DirTokenStore {
    dir: PathBuf,
}

impl DirTokenStore {
    /// A store in `dir`, created (mode 0700 on Unix) on the first save if missing.
    pub fn new(dir: impl Into<PathBuf>) -> DirTokenStore {
        DirTokenStore { dir: dir.into() }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file holding `owner`'s token set. Fails with [`Error::Config`] for an empty
    /// owner id or one longer than 64 bytes.
    pub fn path_of(&self, owner: &str) -> Result<PathBuf> {
        Ok(self.dir.join(format!("{}.json", self.stem(owner)?)))
    }

    fn stem(&self, owner: &str) -> Result<String> {
        encode_owner(owner).ok_or_else(|| {
            Error::config(format!(
                "invalid owner id for a token store: {} bytes (1 to {MAX_OWNER_LEN} expected)",
                owner.len()
            ))
        })
    }

    fn error(
        &self,
        what: &str,
        path: &Path,
        e: impl std::error::Error + Send + Sync + 'static,
    ) -> Error {
        Error::TokenStore {
            message: format!("{what} {}", path.display()),
            source: Box::new(e),
        }
    }

    fn read(&self, owner: &str) -> Result<Option<TokenSet>> {
        let path = self.path_of(owner)?;
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.error("cannot read", &path, e)),
        };
        // serde's error never quotes the input, so no token can leak into it.
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| self.error("cannot parse", &path, e))
    }

    fn write(&self, owner: &str, tokens: &TokenSet) -> Result<()> {
        let stem = self.stem(owner)?;
        let path = self.dir.join(format!("{stem}.json"));
        let json =
            serde_json::to_vec_pretty(tokens).map_err(|e| self.error("cannot encode", &path, e))?;
        self.ensure_dir()?;
        write_atomically(&self.dir, &format!("{stem}.json"), &path, &json)
            .map_err(|e| self.error("cannot write", &path, e))
    }

    fn ensure_dir(&self) -> Result<()> {
        if self.dir.is_dir() {
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
            .create(&self.dir)
            .map_err(|e| self.error("cannot create", &self.dir, e))
    }

    fn lock_path(&self, owner: &str) -> Result<PathBuf> {
        Ok(self.dir.join(format!("{}.lock", self.stem(owner)?)))
    }

    fn lock(&self, owner: &str, ttl: Duration) -> Result<Option<RefreshLock>> {
        let path = self.lock_path(owner)?;
        self.ensure_dir()?;
        // Two rounds: the second after breaking an expired lock.
        for _ in 0..2 {
            let lock = RefreshLock::random();
            let until = unix_millis().saturating_add(ttl.as_millis() as u64);
            match create_private(&path) {
                Ok(mut file) => {
                    file.write_all(format!("{} {until}", lock.id()).as_bytes())
                        .map_err(|e| self.error("cannot write", &path, e))?;
                    return Ok(Some(lock));
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(self.error("cannot create", &path, e)),
            }
            let Some(seen) = read_small(&path) else {
                // Released meanwhile: try again.
                continue;
            };
            let expired = parse_lock(&seen).is_none_or(|(_, until)| until <= unix_millis());
            if !expired {
                return Ok(None);
            }
            // Break it: move it aside first, so that a lock taken by another process
            // between our read and now is recognised and put back.
            let aside = self.dir.join(format!(
                ".{}.{}.{}.stale",
                path.file_name()
                    .map(|n| n.to_string_lossy())
                    .unwrap_or_default(),
                std::process::id(),
                TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
            ));
            if std::fs::rename(&path, &aside).is_err() {
                continue;
            }
            if read_small(&aside).is_some_and(|moved| moved != seen) {
                // A live lock: put it back unless yet another one exists, and give up.
                let _ = std::fs::hard_link(&aside, &path);
                let _ = std::fs::remove_file(&aside);
                return Ok(None);
            }
            let _ = std::fs::remove_file(&aside);
        }
        Ok(None)
    }

    fn release(&self, owner: &str, lock: &RefreshLock) -> Result<()> {
        let path = self.lock_path(owner)?;
        if read_small(&path)
            .and_then(|seen| parse_lock(&seen).map(|(id, _)| id == lock.id()))
            .unwrap_or(false)
        {
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(self.error("cannot remove", &path, e)),
            }
        }
        Ok(())
    }

    fn list(&self) -> Result<Vec<String>> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(self.error("cannot list", &self.dir, e)),
        };
        let mut owners = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| self.error("cannot list", &self.dir, e))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if let Some(owner) = name.strip_suffix(".json").and_then(decode_owner) {
                owners.push(owner);
            }
        }
        owners.sort();
        Ok(owners)
    }
}

fn unix_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// A lock file's content (a few dozen bytes); `None` when it cannot be read.
fn read_small(path: &Path) -> Option<String> {
    let mut s = String::new();
    std::fs::File::open(path)
        .ok()?
        .take(256)
        .read_to_string(&mut s)
        .ok()?;
    Some(s)
}

/// `"{id} {until_unix_millis}"`.
fn parse_lock(content: &str) -> Option<(&str, u64)> {
    let (id, until) = content.trim().split_once(' ')?;
    Some((id, until.parse().ok()?))
}

impl OwnerTokenStore for DirTokenStore {
    fn load<'a>(&'a self, owner: &'a str) -> StoreFuture<'a, Option<TokenSet>> {
        Box::pin(async move { self.read(owner) })
    }

    fn save<'a>(&'a self, owner: &'a str, tokens: &'a TokenSet) -> StoreFuture<'a, ()> {
        Box::pin(async move { self.write(owner, tokens) })
    }

    fn replace<'a>(
        &'a self,
        owner: &'a str,
        spent: &'a Secret,
        tokens: &'a TokenSet,
    ) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            match self.read(owner)? {
                Some(stored) if stored.fencing_token() == spent => {
                    self.write(owner, tokens)?;
                    Ok(true)
                }
                _ => Ok(false),
            }
        })
    }

    fn delete<'a>(&'a self, owner: &'a str) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let path = self.path_of(owner)?;
            match std::fs::remove_file(&path) {
                Ok(()) => Ok(true),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
                Err(e) => Err(self.error("cannot delete", &path, e)),
            }
        })
    }

    fn owners(&self) -> StoreFuture<'_, Vec<String>> {
        Box::pin(async move { self.list() })
    }

    fn try_lock<'a>(
        &'a self,
        owner: &'a str,
        ttl: Duration,
    ) -> StoreFuture<'a, Option<RefreshLock>> {
        Box::pin(async move { self.lock(owner, ttl) })
    }

    fn unlock<'a>(&'a self, owner: &'a str, lock: &'a RefreshLock) -> StoreFuture<'a, ()> {
        Box::pin(async move { self.release(owner, lock) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_names_are_safe_and_reversible() {
        for owner in [
            "ve9EPM428h8vShlRW1KT",
            "../etc/passwd",
            "..",
            ".",
            "a/b\\c",
            "a b%_c",
            "Ünïcode",
            "-",
        ] {
            let stem = encode_owner(owner).unwrap();
            assert!(
                stem.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_%".contains(&b)),
                "{stem}"
            );
            assert_eq!(decode_owner(&stem).as_deref(), Some(owner), "{stem}");
        }
        // Ids differing in case get names differing ignoring case.
        let a = encode_owner("abc").unwrap();
        let b = encode_owner("ABC").unwrap();
        assert_ne!(a.to_lowercase(), b.to_lowercase());
        assert!(encode_owner("").is_none());
        assert!(encode_owner(&"x".repeat(65)).is_none());
        assert!(decode_owner("a.json").is_none());
        assert!(decode_owner("%2f").is_none());
    }

    #[tokio::test]
    async fn dir_store_keeps_one_file_per_owner() {
        let dir = tempfile::tempdir().unwrap();
        let store = DirTokenStore::new(dir.path().join("tokens"));
        assert!(store.load("loc-A").await.unwrap().is_none());
        assert!(store.owners().await.unwrap().is_empty());
        let t = TokenSet::new("a1", Duration::from_secs(60)).with_refresh_token("r1");
        store.save("loc-A", &t).await.unwrap();
        store.save("../escape", &t).await.unwrap();
        assert_eq!(store.load("loc-A").await.unwrap(), Some(t.clone()));
        assert!(store.load("loc-a").await.unwrap().is_none());
        assert_eq!(
            store.owners().await.unwrap(),
            vec!["../escape".to_owned(), "loc-A".to_owned()]
        );
        // Nothing outside the directory, no temporary files left.
        assert!(!dir.path().join("escape.json").exists());
        let names: Vec<_> = std::fs::read_dir(dir.path().join("tokens"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
        let t2 = TokenSet::new("a2", Duration::from_secs(60)).with_refresh_token("r2");
        assert!(
            !store
                .replace("loc-A", &Secret::new("r0"), &t2)
                .await
                .unwrap()
        );
        assert!(
            store
                .replace("loc-A", &Secret::new("r1"), &t2)
                .await
                .unwrap()
        );
        assert_eq!(store.load("loc-A").await.unwrap(), Some(t2));
        assert!(store.delete("loc-A").await.unwrap());
        assert!(!store.delete("loc-A").await.unwrap());
        assert!(store.save("", &t).await.is_err());
    }

    #[tokio::test]
    async fn dir_lock_expires_and_is_not_released_by_a_stale_holder() {
        let dir = tempfile::tempdir().unwrap();
        let store = DirTokenStore::new(dir.path());
        crate::store::tests::lock_contract(&store).await;
        // Lock files are not owners.
        assert!(store.owners().await.unwrap().is_empty());
    }
}
