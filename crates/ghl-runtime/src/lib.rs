//! Runtime for the typed GoHighLevel (LeadConnector) API v2 client.
//!
//! The resource crates (generated from HighLevel's OpenAPI specs) build a [`Request`] per
//! operation and send it through a [`Client`]. This crate does everything the live API
//! needs and the specs don't say:
//!
//! - **Transport**: rustls (ring provider, no OpenSSL), one shared connection pool per
//!   [`Client`] (clones share it), connect and total timeouts, the browser
//!   [`DEFAULT_USER_AGENT`] that Cloudflare lets through, `Accept: application/json`, the
//!   per-endpoint `Version` header.
//! - **Auth** ([`auth`]): Private Integration Tokens and OAuth access tokens (both
//!   `Bearer`); the app's install URL
//!   ([`OAuthConfig::install_url`](auth::OAuthConfig::install_url)), OAuth code exchange,
//!   refresh ahead of expiry with single-flight (and once more on a 401), rotated refresh
//!   tokens persisted through a token store ([`store`]: one async model for one
//!   installation or many, in memory, files or Redis) before use, agency → location
//!   tokens minted again when they expire or their refresh is refused.
//! - **Rate limits and retries** ([`ratelimit`], [`RetryPolicy`]): 100 requests per 10 s
//!   per location/company on the client side, adapting to the `X-RateLimit-*` headers;
//!   exponential backoff with jitter on 429, 5xx and connection errors, with a retry budget.
//! - **Errors** ([`Error`]): one type whose variants say what to do (validation messages,
//!   rate limited, unauthorized, forbidden naming the scopes the route needs, route not
//!   supported, agency token needed, file too large, Cloudflare block, not found, decode
//!   failures with the JSON path, ...).
//! - **Route metadata** from the specs, set by generated code: the OAuth scopes a route
//!   requires ([`Request::scopes`]) and the kinds of token it accepts
//!   ([`Request::token_kinds`], [`TokenKinds`]), which errors use to say what is wrong;
//!   file size caps of uploads ([`Multipart::max_file_size`]), checked before sending.
//! - **Webhooks** (`webhooks`, feature `webhooks`, off by default): Ed25519
//!   `X-GHL-Signature` verification with HighLevel's published key, legacy RSA
//!   `X-WH-Signature`, replay and duplicate protection, typed events.
//!
//! Secrets (access and refresh tokens, client secrets, webhook bodies) never appear in
//! `Debug`, `Display`, errors or traces.
//!
//! # Example: a Private Integration Token
//!
//! ```no_run
//! use ghl_runtime::{Client, Request};
//!
//! # async fn run() -> ghl_runtime::Result<()> {
//! let client = Client::with_token(std::env::var("GHL_PIT").unwrap_or_default())?;
//!
//! let request = Request::get("/blogs/posts/all", "2021-07-28")
//!     .query("locationId", "ve9EPM428h8vShlRW1KT")
//!     .query("blogId", "blog_1")
//!     .query("limit", &20)
//!     .query("offset", &0);
//!
//! let posts: serde_json::Value = client.send(request).await?;
//! println!("{posts}");
//!
//! // The runtime fills in the path template and percent-encodes the value.
//! let delete = Request::delete("/contacts/{contactId}", "2021-07-28")
//!     .path_param("contactId", &"abc 123");
//! client.send_empty(delete).await?;
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]
#![warn(rust_2018_idioms)]

// The generated webhook events name the runtime's items as every generated crate does
// (`ghl_runtime::skip_serializing_none`); this makes those paths resolve inside the runtime.
#[cfg(feature = "webhooks")]
extern crate self as ghl_runtime;

mod app;
pub mod auth;
mod client;
mod error;
pub mod media;
pub mod paging;
pub mod ratelimit;
mod request;
mod response;
mod retry;
pub mod store;
mod string_enum;
pub mod timestamp;
mod token;
pub mod typestate;
#[cfg(feature = "webhooks")]
pub mod webhooks;

pub use app::{App, AppBuilder};
pub use client::{CallFuture, Client, ClientBuilder};
pub use error::Error;
/// Leaves `None` fields out of a struct's JSON instead of sending `null` (which this API reads
/// as "clear this value"); `#[serialize_always]` opts a field out. Generated types put it on
/// every struct with optional fields.
pub use ghl_runtime_macros::skip_serializing_none;
pub use paging::{PagedStream, Paginator, Paging};
pub use request::{FilePart, Multipart, Request, TokenKinds, encode_path_segment};
pub use reqwest::Method;
pub use response::Response;
pub use retry::RetryPolicy;
pub use timestamp::Timestamp;

/// Installs rustls' `ring` crypto provider as the process default, if none is installed.
///
/// [`Client`] does not need this: it configures its own TLS with `ring`. It is for code in
/// the same process that builds other `reqwest` clients with the `rustls-no-provider`
/// feature (reqwest panics without a provider). Calling it more than once is harmless.
pub fn install_default_crypto_provider() {
    let _ = client::ring_provider().install_default();
}

/// The README's examples, compiled as doctests so they keep up with the API.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// What [`string_enum!`] expands to refers to, so that a crate using it needs no `serde`
/// import of its own. Not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use serde;
}

/// `Result` with this crate's [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The API's base URL (no `/v2/` prefix).
pub const DEFAULT_BASE_URL: &str = "https://services.leadconnectorhq.com";

/// The `User-Agent` sent by default: a Chrome one, since Cloudflare in front of the API can
/// refuse library user agents (HTTP 403 `error code: 1010`), and `/blogs/*` always needs it.
pub const DEFAULT_USER_AGENT: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36";

/// The `Version` header value most endpoints use, and the one sent where a spec declares
/// none.
pub const DEFAULT_API_VERSION: &str = "2021-07-28";
