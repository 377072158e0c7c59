//! Redis failures as [`Error`]s (feature `redis`): shared by the token store, the rate-limit
//! quota and the webhook dedupe store.

use std::fmt;

use super::Error;

/// A Redis failure without anything Redis sent back that could quote a stored value.
#[derive(Debug)]
pub(crate) struct RedisFailure(String);

impl fmt::Display for RedisFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RedisFailure {}

impl RedisFailure {
    pub(crate) fn of(e: &redis::RedisError) -> RedisFailure {
        // Connection-level errors carry the OS error; others (type or server errors) may
        // quote a value, so only their kind is kept.
        if e.is_io_error() || e.is_connection_refusal() || e.is_timeout() {
            RedisFailure(e.to_string())
        } else {
            RedisFailure(format!("redis error ({:?})", e.kind()))
        }
    }
}

/// An [`Error::TokenStore`] for a failed Redis command: `what` it was doing, and the failure
/// without anything that could quote a stored value.
pub(crate) fn redis_error(what: &str, e: &redis::RedisError) -> Error {
    Error::TokenStore {
        message: format!("redis: {what}"),
        source: Box::new(RedisFailure::of(e)),
    }
}
