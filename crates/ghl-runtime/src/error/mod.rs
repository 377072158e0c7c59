//! The one error type returned by every call.

use std::time::Duration;

use crate::Method;

/// How many characters of a response body an error keeps.
pub(crate) const BODY_EXCERPT_CHARS: usize = 512;

/// Everything that can go wrong when calling the API.
///
/// Each variant carries what a caller needs to act on it, and its [`Display`](std::fmt::Display)
/// says what happened and what to do, naming the HTTP method and the spec path template
/// (for example `GET /blogs/posts/all`). No variant ever contains an access token, a
/// refresh token, a client secret or a request body.
///
/// # Statuses
///
/// The status of a failed answer decides the variant:
///
/// | Status | Variant |
/// | --- | --- |
/// | `400` | [`Validation`](Error::Validation) when the server lists several messages, else [`Http`](Error::Http) |
/// | `401` | [`Unauthorized`](Error::Unauthorized), or [`AgencyTokenRequired`](Error::AgencyTokenRequired) or [`RouteNotSupported`](Error::RouteNotSupported) when the answer says so |
/// | `403` | [`Forbidden`](Error::Forbidden), or [`AgencyTokenRequired`](Error::AgencyTokenRequired) or [`CloudflareBlocked`](Error::CloudflareBlocked) when the answer says so |
/// | `404` | [`NotFound`](Error::NotFound) |
/// | `413` | [`FileTooLarge`](Error::FileTooLarge) |
/// | `422` | [`Validation`](Error::Validation) |
/// | `429` | [`RateLimited`](Error::RateLimited), once retries are used up or not allowed |
/// | any other | [`Http`](Error::Http) |
///
/// A call to an agency-only route with a sub-account token gives
/// [`AgencyTokenRequired`](Error::AgencyTokenRequired) on `401` and `403` alike.
#[non_exhaustive]
#[derive(Debug)]
pub enum Error {
    /// HTTP 422 (or a 400 with a `message` list): the server rejected the request body or
    /// parameters. `messages` holds the server's `message` field (an array of strings, or a
    /// single string turned into a one-element list).
    Validation {
        /// HTTP method of the call.
        method: Method,
        /// Spec path template of the call, e.g. `/blogs/posts/{postId}`.
        path: &'static str,
        /// HTTP status (usually 422).
        status: u16,
        /// The server's validation messages, e.g. `property summary should not exist`.
        messages: Vec<String>,
        /// The server's `traceId`, when present.
        trace_id: Option<String>,
    },
    /// HTTP 429 (after retries were exhausted or not allowed), or the client-side daily
    /// budget reported by the server is used up.
    RateLimited {
        /// HTTP method of the call.
        method: Method,
        /// Spec path template of the call.
        path: &'static str,
        /// How long the server asked to wait (`Retry-After`), or with `daily`, how long
        /// until the daily quota returns (`X-RateLimit-Daily-Reset`), when it said.
        retry_after: Option<Duration>,
        /// True when the daily quota (`X-RateLimit-Daily-Remaining: 0`) is exhausted.
        daily: bool,
    },
    /// HTTP 401: the token is missing, expired, revoked or lacks the scope for this route.
    Unauthorized {
        /// HTTP method of the call.
        method: Method,
        /// Spec path template of the call.
        path: &'static str,
        /// The server's message, when present.
        message: Option<String>,
        /// The server's `traceId`, when present.
        trace_id: Option<String>,
    },
    /// HTTP 401 `This route is not yet supported by the IAM Service`: the route does not
    /// exist in the public API. Not a token problem.
    RouteNotSupported {
        /// HTTP method of the call.
        method: Method,
        /// Spec path template of the call.
        path: &'static str,
    },
    /// HTTP 401/403 on a route only an agency (company) token may call: its spec accepts
    /// agency tokens and not sub-account (location) tokens (see
    /// [`Request::token_kinds`](crate::Request::token_kinds)), or the server's message says
    /// outright that an agency token is needed (it contains `agency token`, `agency access
    /// token`, `agency-level token`, `requires an agency`, `company token` or `company
    /// access token`, in any case).
    ///
    /// With OAuth, a first 401 is not reported: the token is refreshed once and the call
    /// tried again (an expired agency token looks the same); only the retry's answer is.
    AgencyTokenRequired {
        /// HTTP method of the call.
        method: Method,
        /// Spec path template of the call.
        path: &'static str,
        /// HTTP status (401 or 403).
        status: u16,
        /// The server's message, when present.
        message: Option<String>,
    },
    /// HTTP 403 (other than a Cloudflare block): the token may not call this route, usually
    /// because the app was not granted a scope the route requires, or because the ids in
    /// the request belong to another location than the token's.
    Forbidden {
        /// HTTP method of the call.
        method: Method,
        /// Spec path template of the call.
        path: &'static str,
        /// The scopes the route requires according to its spec (any one suffices); empty
        /// when the spec names none (see [`Request::scopes`](crate::Request::scopes)).
        required_scopes: &'static [&'static str],
        /// The server's message, when present.
        message: Option<String>,
        /// The server's `traceId`, when present.
        trace_id: Option<String>,
    },
    /// HTTP 403 with body `error code: 1010`: Cloudflare refused the request based on its
    /// browser signature (usually the `User-Agent`). Not an auth failure.
    CloudflareBlocked {
        /// HTTP method of the call.
        method: Method,
        /// Spec path template of the call.
        path: &'static str,
    },
    /// HTTP 404.
    NotFound {
        /// HTTP method of the call.
        method: Method,
        /// Spec path template of the call.
        path: &'static str,
        /// The server's message, when present.
        message: Option<String>,
        /// The server's `traceId`, when present.
        trace_id: Option<String>,
    },
    /// A file to upload is too large: either larger than the cap registered for it with
    /// [`Multipart::max_file_size`](crate::Multipart::max_file_size), found before
    /// anything was sent (`message` is `None`), or refused by the server with HTTP 413
    /// (`message` is `Some`).
    FileTooLarge {
        /// HTTP method of the call.
        method: Method,
        /// Spec path template of the call.
        path: &'static str,
        /// The multipart field of the file: the one over its cap, or after a 413 the
        /// largest file part; empty when the request has no file part.
        field: &'static str,
        /// The file's size in bytes, when known.
        size: Option<u64>,
        /// The cap that applies to the file, in bytes, when one is registered.
        limit: Option<u64>,
        /// After a 413, the server's message (e.g. `FILE_SIZE_EXCEEDED`) or the start of
        /// its body; `None` when the file was refused before sending.
        message: Option<String>,
    },
    /// Any other non-2xx status.
    Http {
        /// HTTP method of the call.
        method: Method,
        /// Spec path template of the call.
        path: &'static str,
        /// HTTP status code.
        status: u16,
        /// The server's `message`, when the body is JSON and has one.
        message: Option<String>,
        /// The first characters of the response body.
        body_excerpt: String,
        /// The server's `traceId`, when present.
        trace_id: Option<String>,
    },
    /// A 2xx response whose body did not match the expected type.
    Decode {
        /// HTTP method of the call.
        method: Method,
        /// Spec path template of the call.
        path: &'static str,
        /// JSON path of the failing field, e.g. `results.post.media[0].type`.
        json_path: String,
        /// The first characters of the body (redacted for OAuth token responses).
        body_excerpt: String,
        /// The underlying serde error.
        source: serde_json::Error,
    },
    /// The request could not be sent or the response could not be read (DNS, TCP, TLS,
    /// connection reset).
    Transport {
        /// HTTP method of the call.
        method: Method,
        /// Spec path template of the call.
        path: &'static str,
        /// The underlying HTTP client error.
        source: reqwest::Error,
    },
    /// The request took longer than the configured timeout.
    Timeout {
        /// HTTP method of the call.
        method: Method,
        /// Spec path template of the call.
        path: &'static str,
        /// The configured total timeout, when known.
        timeout: Option<Duration>,
    },
    /// The request was refused before sending: a client-side validation failed or a
    /// parameter could not be serialized.
    InvalidRequest {
        /// The operation (or spec path template) concerned.
        operation: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The client is misconfigured (no token, bad base URL, TLS setup failed, ...).
    Config {
        /// What is wrong.
        message: String,
    },
    /// A token store ([`OwnerTokenStore`](crate::store::OwnerTokenStore)) failed to load or
    /// save tokens.
    TokenStore {
        /// What the store was doing.
        message: String,
        /// The underlying error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl Error {
    /// A client-side validation failure detected before sending, e.g.
    /// `Error::invalid_request("GET /blogs/posts/all", "limit must be at most 50")`.
    pub fn invalid_request(operation: &'static str, message: impl Into<String>) -> Error {
        Error::InvalidRequest {
            operation,
            message: message.into(),
        }
    }

    pub(crate) fn config(message: impl Into<String>) -> Error {
        Error::Config {
            message: message.into(),
        }
    }

    /// The HTTP status of the response that caused this error, if there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Validation { status, .. }
            | Error::AgencyTokenRequired { status, .. }
            | Error::Http { status, .. } => Some(*status),
            Error::RateLimited { daily: false, .. } => Some(429),
            Error::Unauthorized { .. } | Error::RouteNotSupported { .. } => Some(401),
            Error::CloudflareBlocked { .. } | Error::Forbidden { .. } => Some(403),
            Error::FileTooLarge {
                message: Some(_), ..
            } => Some(413),
            Error::NotFound { .. } => Some(404),
            _ => None,
        }
    }

    /// For [`Forbidden`](Error::Forbidden): the scopes the route requires (any one suffices),
    /// as [`Scope`](crate::Scope)s to add to the app's install URL. Empty for other errors and
    /// when the spec names none.
    ///
    /// ```
    /// use ghl_runtime::{Error, Method, Scope};
    /// let error = Error::Forbidden {
    ///     method: Method::GET,
    ///     path: "/contacts/{contactId}",
    ///     required_scopes: &["contacts.readonly"],
    ///     message: None,
    ///     trace_id: None,
    /// };
    /// assert_eq!(error.required_scopes(), [Scope::ContactsReadonly]);
    /// ```
    pub fn required_scopes(&self) -> Vec<crate::Scope> {
        match self {
            Error::Forbidden {
                required_scopes, ..
            } => required_scopes
                .iter()
                .map(|name| crate::Scope::from(*name))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The server's `traceId`, when the error response carried one.
    pub fn trace_id(&self) -> Option<&str> {
        match self {
            Error::Validation { trace_id, .. }
            | Error::Unauthorized { trace_id, .. }
            | Error::Forbidden { trace_id, .. }
            | Error::NotFound { trace_id, .. }
            | Error::Http { trace_id, .. } => trace_id.as_deref(),
            _ => None,
        }
    }

    /// True when retrying the same call later may succeed (rate limit, 5xx, timeout,
    /// transport failure).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::RateLimited { daily, .. } => !daily,
            Error::Http { status, .. } => *status >= 500,
            Error::Timeout { .. } | Error::Transport { .. } => true,
            _ => false,
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Decode { source, .. } => Some(source),
            Error::Transport { source, .. } => Some(source),
            Error::TokenStore { source, .. } => Some(source.as_ref()),
            _ => None,
        }
    }
}

mod classify;
mod display;
#[cfg(feature = "redis")]
mod redis;
#[cfg(test)]
mod tests;

pub(crate) use classify::{CallFacts, FileSize, excerpt, from_response};
#[cfg(all(feature = "redis", feature = "webhooks"))]
pub(crate) use redis::RedisFailure;
#[cfg(feature = "redis")]
pub(crate) use redis::redis_error;
