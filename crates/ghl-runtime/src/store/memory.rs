//! Token stores in memory: [`MemoryOwnerStore`] (many owners, bounded) and
//! [`MemoryTokenStore`] (one token set).

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::{OwnerTokenStore, RefreshLock, StoreFuture};
use crate::token::{Secret, TokenSet};

/// An [`OwnerTokenStore`] in memory: for one process (its clients then share tokens and
/// refreshes) and for tests. Bounded: past its capacity (100,000 owners by default) the
/// owner used least recently is dropped (logged at warn), in `O(log n)`; refresh locks are
/// dropped when they expire.
pub struct MemoryOwnerStore {
    state: Mutex<MemoryState>,
    capacity: usize,
}

#[derive(Default)]
struct MemoryState {
    /// Each owner's token set and the sequence number of its last use.
    tokens: HashMap<String, (TokenSet, u64)>,
    /// The owners by last use, oldest first.
    by_use: BTreeMap<u64, String>,
    locks: HashMap<String, (RefreshLock, Instant)>,
    /// The locks by expiry, so that expired ones are dropped without a scan.
    lock_expiry: BTreeMap<(Instant, u64), String>,
    next: u64,
    saves: u64,
}

impl MemoryState {
    fn tick(&mut self) -> u64 {
        self.next += 1;
        self.next
    }

    /// Marks `owner` as used now; false when it holds no token set.
    fn touch(&mut self, owner: &str) -> bool {
        let seq = self.tick();
        let Some((_, used)) = self.tokens.get_mut(owner) else {
            return false;
        };
        let old = std::mem::replace(used, seq);
        self.by_use.remove(&old);
        self.by_use.insert(seq, owner.to_owned());
        true
    }

    fn put(&mut self, owner: &str, tokens: TokenSet, capacity: usize) {
        let seq = self.tick();
        if let Some((_, old)) = self.tokens.insert(owner.to_owned(), (tokens, seq)) {
            self.by_use.remove(&old);
        }
        self.by_use.insert(seq, owner.to_owned());
        self.saves += 1;
        while self.tokens.len() > capacity {
            let Some((_, evicted)) = self.by_use.pop_first() else {
                break;
            };
            self.tokens.remove(&evicted);
            tracing::warn!(
                owner = %evicted,
                capacity,
                "ghl: memory token store full, the least recently used token set was dropped"
            );
        }
    }

    fn remove(&mut self, owner: &str) -> bool {
        match self.tokens.remove(owner) {
            Some((_, seq)) => {
                self.by_use.remove(&seq);
                true
            }
            None => false,
        }
    }

    fn drop_expired_locks(&mut self, now: Instant) {
        while let Some(entry) = self.lock_expiry.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let owner = entry.remove();
            if self
                .locks
                .get(&owner)
                .is_some_and(|(_, until)| *until <= now)
            {
                self.locks.remove(&owner);
            }
        }
    }
}

impl Default for MemoryOwnerStore {
    fn default() -> Self {
        MemoryOwnerStore::with_capacity(100_000)
    }
}

impl fmt::Debug for MemoryOwnerStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let owners = self.state().tokens.len();
        f.debug_struct("MemoryOwnerStore")
            .field("owners", &owners)
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}

impl MemoryOwnerStore {
    /// An empty store with room for 100,000 owners.
    pub fn new() -> MemoryOwnerStore {
        MemoryOwnerStore::default()
    }

    /// An empty store with room for `capacity` owners (at least 1).
    pub fn with_capacity(capacity: usize) -> MemoryOwnerStore {
        MemoryOwnerStore {
            state: Mutex::new(MemoryState::default()),
            capacity: capacity.max(1),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, MemoryState> {
        match self.state.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// The token set stored for `owner` (synchronous, for tests).
    pub fn get(&self, owner: &str) -> Option<TokenSet> {
        let mut s = self.state();
        s.touch(owner);
        s.tokens.get(owner).map(|(t, _)| t.clone())
    }

    /// Stores `tokens` for `owner` (synchronous, for setting up).
    pub fn insert(&self, owner: &str, tokens: TokenSet) {
        self.state().put(owner, tokens, self.capacity);
    }

    /// How many owners have a token set stored.
    pub fn len(&self) -> usize {
        self.state().tokens.len()
    }

    /// True when no token set is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many token sets were stored ([`save`](OwnerTokenStore::save), successful
    /// [`replace`](OwnerTokenStore::replace) and [`insert`](MemoryOwnerStore::insert)).
    pub fn save_count(&self) -> u64 {
        self.state().saves
    }
}

impl OwnerTokenStore for MemoryOwnerStore {
    fn load<'a>(&'a self, owner: &'a str) -> StoreFuture<'a, Option<TokenSet>> {
        let found = self.get(owner);
        Box::pin(async move { Ok(found) })
    }

    fn save<'a>(&'a self, owner: &'a str, tokens: &'a TokenSet) -> StoreFuture<'a, ()> {
        self.insert(owner, tokens.clone());
        Box::pin(async { Ok(()) })
    }

    fn replace<'a>(
        &'a self,
        owner: &'a str,
        spent: &'a Secret,
        tokens: &'a TokenSet,
    ) -> StoreFuture<'a, bool> {
        let mut s = self.state();
        let matches = s
            .tokens
            .get(owner)
            .is_some_and(|(t, _)| t.fencing_token() == spent);
        if matches {
            s.put(owner, tokens.clone(), self.capacity);
        }
        Box::pin(async move { Ok(matches) })
    }

    fn delete<'a>(&'a self, owner: &'a str) -> StoreFuture<'a, bool> {
        let removed = self.state().remove(owner);
        Box::pin(async move { Ok(removed) })
    }

    fn owners(&self) -> StoreFuture<'_, Vec<String>> {
        let mut owners: Vec<String> = self.state().tokens.keys().cloned().collect();
        owners.sort();
        Box::pin(async move { Ok(owners) })
    }

    fn try_lock<'a>(
        &'a self,
        owner: &'a str,
        ttl: Duration,
    ) -> StoreFuture<'a, Option<RefreshLock>> {
        let now = Instant::now();
        let mut s = self.state();
        s.drop_expired_locks(now);
        let taken = match s.locks.get(owner) {
            Some((_, until)) if *until > now => None,
            _ => {
                let lock = RefreshLock::random();
                let seq = s.tick();
                s.locks.insert(owner.to_owned(), (lock.clone(), now + ttl));
                s.lock_expiry.insert((now + ttl, seq), owner.to_owned());
                Some(lock)
            }
        };
        Box::pin(async move { Ok(taken) })
    }

    fn unlock<'a>(&'a self, owner: &'a str, lock: &'a RefreshLock) -> StoreFuture<'a, ()> {
        let mut s = self.state();
        if s.locks.get(owner).is_some_and(|(held, _)| held == lock) {
            s.locks.remove(owner);
        }
        Box::pin(async { Ok(()) })
    }
}

/// One token set in memory (lost at exit): the store of a client with one OAuth
/// installation, for tests and short-lived processes. It holds one owner's tokens,
/// whatever owner it is asked for.
#[derive(Default)]
pub struct MemoryTokenStore {
    inner: MemoryOwnerStore,
    saves: AtomicU64,
}

impl fmt::Debug for MemoryTokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryTokenStore")
            .field("tokens", &self.current())
            .finish_non_exhaustive()
    }
}

/// The one key a [`MemoryTokenStore`] keeps its token set under.
const ONE: &str = "tokens";

impl MemoryTokenStore {
    /// An empty store.
    pub fn new() -> MemoryTokenStore {
        MemoryTokenStore::default()
    }

    /// A store holding `tokens`.
    pub fn with_tokens(tokens: TokenSet) -> MemoryTokenStore {
        let store = MemoryTokenStore::default();
        store.inner.insert(ONE, tokens);
        store
    }

    /// The stored token set.
    pub fn current(&self) -> Option<TokenSet> {
        self.inner.get(ONE)
    }

    /// How many token sets were stored since it was made (saves and refreshes).
    pub fn save_count(&self) -> u64 {
        self.saves.load(Ordering::SeqCst)
    }
}

impl OwnerTokenStore for MemoryTokenStore {
    fn load<'a>(&'a self, _owner: &'a str) -> StoreFuture<'a, Option<TokenSet>> {
        self.inner.load(ONE)
    }

    fn save<'a>(&'a self, _owner: &'a str, tokens: &'a TokenSet) -> StoreFuture<'a, ()> {
        self.saves.fetch_add(1, Ordering::SeqCst);
        self.inner.save(ONE, tokens)
    }

    fn replace<'a>(
        &'a self,
        _owner: &'a str,
        spent: &'a Secret,
        tokens: &'a TokenSet,
    ) -> StoreFuture<'a, bool> {
        let replaced = self.inner.replace(ONE, spent, tokens);
        Box::pin(async move {
            let replaced = replaced.await?;
            if replaced {
                self.saves.fetch_add(1, Ordering::SeqCst);
            }
            Ok(replaced)
        })
    }

    fn delete<'a>(&'a self, _owner: &'a str) -> StoreFuture<'a, bool> {
        self.inner.delete(ONE)
    }

    /// The one owner of the stored token set (its location or company), when there is one.
    fn owners(&self) -> StoreFuture<'_, Vec<String>> {
        let owner = self.current().and_then(|t| t.owner().map(str::to_owned));
        Box::pin(async move { Ok(owner.into_iter().collect()) })
    }

    fn try_lock<'a>(
        &'a self,
        _owner: &'a str,
        ttl: Duration,
    ) -> StoreFuture<'a, Option<RefreshLock>> {
        self.inner.try_lock(ONE, ttl)
    }

    fn unlock<'a>(&'a self, _owner: &'a str, lock: &'a RefreshLock) -> StoreFuture<'a, ()> {
        self.inner.unlock(ONE, lock)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(access: &str, refresh: &str) -> TokenSet {
        TokenSet::new(access, Duration::from_secs(60)).with_refresh_token(refresh)
    }

    #[tokio::test]
    async fn memory_store_fences_and_locks() {
        let store = MemoryOwnerStore::new();
        assert!(store.load("loc").await.unwrap().is_none());
        assert!(
            !store
                .replace("loc", &Secret::new("rt-0"), &set("a1", "rt-1"))
                .await
                .unwrap()
        );
        store.save("loc", &set("a1", "rt-1")).await.unwrap();
        // Spending a token that is no longer stored changes nothing.
        assert!(
            !store
                .replace("loc", &Secret::new("rt-0"), &set("a2", "rt-2"))
                .await
                .unwrap()
        );
        assert!(
            store
                .replace("loc", &Secret::new("rt-1"), &set("a2", "rt-2"))
                .await
                .unwrap()
        );
        assert_eq!(
            store.get("loc").unwrap().refresh_token,
            Some(Secret::new("rt-2"))
        );

        super::super::tests::lock_contract(&store).await;
        assert_eq!(store.owners().await.unwrap(), vec!["loc".to_owned()]);
        assert!(store.delete("loc").await.unwrap());
        assert!(!store.delete("loc").await.unwrap());
    }

    #[tokio::test]
    async fn bounded_least_recently_used_goes_first() {
        let store = MemoryOwnerStore::with_capacity(3);
        for owner in ["a", "b", "c"] {
            store.insert(owner, set(owner, owner));
        }
        // `a` is used, so `b` is now the least recently used.
        assert!(store.load("a").await.unwrap().is_some());
        store.insert("d", set("d", "d"));
        assert_eq!(store.len(), 3);
        assert!(store.get("b").is_none());
        assert!(store.get("a").is_some() && store.get("c").is_some() && store.get("d").is_some());
        // A refresh counts as a use.
        assert!(
            store
                .replace("c", &Secret::new("c"), &set("c2", "c2"))
                .await
                .unwrap()
        );
        store.insert("e", set("e", "e"));
        assert!(
            store.get("a").is_none(),
            "a was used before c, d and the refresh"
        );
        let s = store.state();
        assert_eq!(s.tokens.len(), s.by_use.len());
    }

    #[tokio::test]
    async fn expired_locks_are_dropped() {
        let store = MemoryOwnerStore::new();
        for i in 0..1000 {
            store
                .try_lock(&format!("loc-{i}"), Duration::from_millis(1))
                .await
                .unwrap()
                .unwrap();
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
        store
            .try_lock("last", Duration::from_secs(5))
            .await
            .unwrap()
            .unwrap();
        let s = store.state();
        assert_eq!(s.locks.len(), 1);
        assert_eq!(s.lock_expiry.len(), 1);
    }

    #[tokio::test]
    async fn one_token_set_whatever_the_owner() {
        let store = MemoryTokenStore::with_tokens(set("a1", "r1"));
        assert_eq!(store.save_count(), 0);
        assert_eq!(
            store
                .load("anyone")
                .await
                .unwrap()
                .unwrap()
                .access_token
                .expose(),
            "a1"
        );
        assert!(
            store
                .replace("someone", &Secret::new("r1"), &set("a2", "r2"))
                .await
                .unwrap()
        );
        assert_eq!(store.save_count(), 1);
        assert_eq!(store.current().unwrap().access_token.expose(), "a2");
        let lock = store.try_lock("x", Duration::from_secs(5)).await.unwrap();
        assert!(lock.is_some());
        assert!(
            store
                .try_lock("y", Duration::from_secs(5))
                .await
                .unwrap()
                .is_none()
        );
    }
}
