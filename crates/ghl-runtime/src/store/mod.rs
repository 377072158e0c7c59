//! Token sets of many installations, keyed by owner (a location id or a company id), shared
//! by every process of an app.
//!
//! An app installed in hundreds of sub-accounts and served by several workers keeps one
//! token set per owner in an [`OwnerTokenStore`]: [`MemoryOwnerStore`] (one process),
//! [`DirTokenStore`] (one directory, processes of one machine) or `RedisTokenStore`
//! (feature `redis`: any number of processes and machines). An [`App`](crate::App) hands out
//! a cheap [`Client`](crate::Client) per owner on top of it.
//!
//! A client with one installation ([`ClientBuilder::oauth`](crate::ClientBuilder::oauth))
//! uses the same trait, with a store that holds one token set whatever owner it is asked
//! for: [`FileTokenStore`] (one file) or [`MemoryTokenStore`]. Refreshes take the same
//! path either way.
//!
//! Refresh tokens rotate on every refresh and a spent one is refused (`invalid_grant`), so
//! two processes must never refresh the same installation at once. The store coordinates
//! them:
//!
//! 1. [`try_lock`](OwnerTokenStore::try_lock): one process takes the owner's refresh lock,
//!    which expires on its own (a crashed holder blocks the others for at most its
//!    time to live); the others wait and load the winner's tokens.
//! 2. [`replace`](OwnerTokenStore::replace): the new token set is saved only if the stored
//!    one still holds the refresh token that was spent (the fencing check), before the new
//!    access token is used. A holder whose lock expired mid-refresh cannot overwrite
//!    newer tokens.
//!
//! A crash between the server's answer and the save loses that answer, but the store
//! then still holds the previous refresh token, which the server did not see spent unless
//! it answered; nothing the store holds is ever replaced by tokens that were not
//! obtained with it.

use std::fmt;
use std::time::Duration;

use crate::Result;
use crate::token::{Secret, TokenSet};

pub(crate) mod dir;
pub(crate) mod file;
mod memory;
#[cfg(feature = "redis")]
mod redis_store;

pub use dir::DirTokenStore;
pub use file::FileTokenStore;
pub use memory::{MemoryOwnerStore, MemoryTokenStore};
/// For the Redis dedupe store of `webhooks`.
#[cfg(feature = "redis")]
pub use redis_store::RedisTokenStore;

/// Moved to [`ratelimit::RedisRateLimit`](crate::ratelimit::RedisRateLimit), beside the
/// limiter it serves.
#[cfg(feature = "redis")]
#[deprecated(since = "0.1.1", note = "use ghl_runtime::ratelimit::RedisRateLimit")]
pub type RedisRateLimit = crate::ratelimit::RedisRateLimit;

/// The future an [`OwnerTokenStore`] method returns (boxed: the trait is used as
/// `dyn OwnerTokenStore`): `futures`' `BoxFuture` of a [`Result`].
pub type StoreFuture<'a, T> = futures_util::future::BoxFuture<'a, Result<T>>;

/// Proof of holding an owner's refresh lock, given by [`OwnerTokenStore::try_lock`] and
/// handed back to [`OwnerTokenStore::unlock`]: a random id, so that a holder whose lock
/// expired cannot release the next holder's.
#[derive(Clone, PartialEq, Eq)]
pub struct RefreshLock {
    id: String,
}

impl RefreshLock {
    /// A new random lock id (128 bits).
    pub fn random() -> RefreshLock {
        RefreshLock {
            id: crate::token::random_id(),
        }
    }

    /// A lock id read back from a store.
    pub fn from_id(id: impl Into<String>) -> RefreshLock {
        RefreshLock { id: id.into() }
    }

    /// The id.
    pub fn id(&self) -> &str {
        &self.id
    }
}

impl fmt::Debug for RefreshLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RefreshLock").field(&self.id).finish()
    }
}

/// Where the token sets of many owners (location or company ids) are kept, and how the
/// processes sharing them agree on who refreshes (see the [module docs](self)).
///
/// Methods are asynchronous and return boxed futures so the trait can be used as
/// `Arc<dyn OwnerTokenStore>`. Errors are [`Error::TokenStore`](crate::Error::TokenStore)
/// and never quote a token.
pub trait OwnerTokenStore: Send + Sync {
    /// The token set stored for `owner`, if any.
    fn load<'a>(&'a self, owner: &'a str) -> StoreFuture<'a, Option<TokenSet>>;

    /// Stores `tokens` for `owner`, whatever was there (a new installation, a code
    /// exchange).
    fn save<'a>(&'a self, owner: &'a str, tokens: &'a TokenSet) -> StoreFuture<'a, ()>;

    /// Stores `tokens` for `owner` only if the stored set's
    /// [`fencing_token`](TokenSet::fencing_token) is `spent` (the refresh token just
    /// traded in); atomically. `Ok(false)`, storing nothing, when another token set was
    /// stored meanwhile or none is stored.
    fn replace<'a>(
        &'a self,
        owner: &'a str,
        spent: &'a Secret,
        tokens: &'a TokenSet,
    ) -> StoreFuture<'a, bool>;

    /// Deletes `owner`'s token set (an uninstallation); `Ok(true)` when there was one.
    fn delete<'a>(&'a self, owner: &'a str) -> StoreFuture<'a, bool>;

    /// The owners that have a token set stored.
    fn owners(&self) -> StoreFuture<'_, Vec<String>>;

    /// Takes `owner`'s refresh lock for at most `ttl` unless someone else holds it
    /// (`Ok(None)`). The lock expires on its own after `ttl`.
    fn try_lock<'a>(
        &'a self,
        owner: &'a str,
        ttl: Duration,
    ) -> StoreFuture<'a, Option<RefreshLock>>;

    /// Releases `owner`'s refresh lock if `lock` still holds it (an expired lock taken by
    /// another process since is left alone).
    fn unlock<'a>(&'a self, owner: &'a str, lock: &'a RefreshLock) -> StoreFuture<'a, ()>;
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// What every backend's lock promises: exclusive per owner, other owners free, expired
    /// after its time to live, and never released by a holder whose lock has expired.
    pub(crate) async fn lock_contract(store: &dyn OwnerTokenStore) {
        let ttl = Duration::from_secs(5);
        let first = store
            .try_lock("loc", Duration::from_millis(50))
            .await
            .unwrap()
            .expect("a free lock is taken");
        assert!(store.try_lock("loc", ttl).await.unwrap().is_none());
        assert!(store.try_lock("other", ttl).await.unwrap().is_some());
        tokio::time::sleep(Duration::from_millis(80)).await;
        let second = store
            .try_lock("loc", ttl)
            .await
            .unwrap()
            .expect("an expired lock is taken again");
        store.unlock("loc", &first).await.unwrap();
        assert!(store.try_lock("loc", ttl).await.unwrap().is_none());
        store.unlock("loc", &second).await.unwrap();
        assert!(store.try_lock("loc", ttl).await.unwrap().is_some());
    }
}
