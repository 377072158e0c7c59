//! [`DirTokenStore`]: one JSON file per owner in one directory.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::file::{
    blocking, delete_file, file_error, read_tokens, release_lock, replace_tokens, take_lock,
    write_tokens,
};
use super::{OwnerTokenStore, RefreshLock, StoreFuture};
use crate::token::{Secret, TokenSet};
use crate::{Error, Result};

/// The longest owner id a [`DirTokenStore`] takes (encoded names stay well below the
/// 255-byte limit of common file systems).
const MAX_OWNER_LEN: usize = 64;

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

    fn list(&self) -> Result<Vec<String>> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(file_error("cannot list", &self.dir, e)),
        };
        let mut owners = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| file_error("cannot list", &self.dir, e))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if let Some(owner) = name.strip_suffix(".json").and_then(decode_owner) {
                owners.push(owner);
            }
        }
        owners.sort();
        Ok(owners)
    }

    fn lock_path(&self, owner: &str) -> Result<PathBuf> {
        Ok(self.dir.join(format!("{}.lock", self.stem(owner)?)))
    }
}

impl OwnerTokenStore for DirTokenStore {
    fn load<'a>(&'a self, owner: &'a str) -> StoreFuture<'a, Option<TokenSet>> {
        Box::pin(async move {
            let path = self.path_of(owner)?;
            blocking(move || read_tokens(&path)).await
        })
    }

    fn save<'a>(&'a self, owner: &'a str, tokens: &'a TokenSet) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let (dir, path, tokens) = (self.dir.clone(), self.path_of(owner)?, tokens.clone());
            blocking(move || write_tokens(&dir, &path, &tokens)).await
        })
    }

    fn replace<'a>(
        &'a self,
        owner: &'a str,
        spent: &'a Secret,
        tokens: &'a TokenSet,
    ) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let (dir, path) = (self.dir.clone(), self.path_of(owner)?);
            let (spent, tokens) = (spent.clone(), tokens.clone());
            blocking(move || replace_tokens(&dir, &path, &spent, &tokens)).await
        })
    }

    fn delete<'a>(&'a self, owner: &'a str) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let path = self.path_of(owner)?;
            blocking(move || delete_file(&path)).await
        })
    }

    fn owners(&self) -> StoreFuture<'_, Vec<String>> {
        let store = self.clone();
        Box::pin(blocking(move || store.list()))
    }

    fn try_lock<'a>(
        &'a self,
        owner: &'a str,
        ttl: Duration,
    ) -> StoreFuture<'a, Option<RefreshLock>> {
        Box::pin(async move {
            let (dir, path) = (self.dir.clone(), self.lock_path(owner)?);
            blocking(move || take_lock(&dir, &path, ttl)).await
        })
    }

    fn unlock<'a>(&'a self, owner: &'a str, lock: &'a RefreshLock) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let (path, lock) = (self.lock_path(owner)?, lock.clone());
            blocking(move || release_lock(&path, &lock)).await
        })
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
