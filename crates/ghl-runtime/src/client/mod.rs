//! [`Client`] and [`ClientBuilder`]: transport, auth, limits, retries.

use std::fmt;
use std::hash::{Hash as _, Hasher as _};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::future::Either;
use reqwest::header::{self, HeaderMap, HeaderName, HeaderValue};
use serde::de::DeserializeOwned;
use tracing::Instrument as _;

use crate::auth::{
    ActiveTokens, Grant, OAuthConfig, OAuthSession, Secret, SharedStore, TokenResponse, TokenSet,
};
use crate::error::{self, excerpt};
use crate::ratelimit::{OwnerSlot, RateLimitConfig, RateLimitSnapshot, RateLimiter, Refusal};
use crate::request::Response;
use crate::request::{Answer, Body, TokenKinds, is_sensitive_header};
use crate::retry::{Attempt, RetryAction, RetryBudget, RetryPolicy, classify};
use crate::store::OwnerTokenStore;
use crate::{
    DEFAULT_API_VERSION, DEFAULT_BASE_URL, DEFAULT_USER_AGENT, Error, Method, Request, Result,
};

mod attempt;
mod builder;
mod decode;
mod oauth;

pub use builder::ClientBuilder;
pub(crate) use builder::ring_provider;
use decode::{CallInfo, decode, decode_error, pointer_to_path};

/// Default total timeout of one attempt (connect, send, read the whole body).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default TCP + TLS connect timeout.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

enum Credentials {
    None,
    /// A static token: its `Authorization` value (built once, marked sensitive) and the
    /// rate-limit key derived from it.
    Static {
        bearer: HeaderValue,
        owner: Arc<str>,
    },
    OAuth(Arc<OAuthSession>),
}

/// The `Authorization` value of one call.
#[derive(Clone)]
enum Bearer {
    /// No token (a client without credentials, or a call without auth).
    None,
    /// `Bearer <token>`, marked sensitive.
    Valid(HeaderValue),
    /// The token holds characters a header cannot carry.
    Invalid,
}

impl Bearer {
    fn of(header: &Option<HeaderValue>) -> Bearer {
        match header {
            Some(v) => Bearer::Valid(v.clone()),
            None => Bearer::Invalid,
        }
    }
}

/// Rate-limit owner keys used when nothing more specific is known.
const ANONYMOUS_OWNER: &str = "anonymous";
const OAUTH_OWNER: &str = SharedStore::SINGLE_OWNER;

struct Inner {
    http: reqwest::Client,
    base_url: String,
    /// `base_url` parsed once; each request only sets its path and query.
    base: url::Url,
    /// The base URL's path without its trailing `/` (`""` for most base URLs).
    base_path: String,
    /// The base URL carries `user:password@`: requests go through `RequestBuilder`, which
    /// turns them into basic auth.
    base_userinfo: bool,
    user_agent: HeaderValue,
    timeout: Duration,
    auth: Credentials,
    retry: RetryPolicy,
    budget: Arc<RetryBudget>,
    limiter: Option<RateLimiter>,
    owner_override: Option<Arc<str>>,
    /// The rate-limit key when there is no override (and, for OAuth, no token owner).
    default_owner: Arc<str>,
    /// The limiter's slot for this client when its owner does not depend on the token
    /// (an override, a static token, no token): reached without a lookup per call.
    fixed_slot: Option<Arc<OwnerSlot>>,
}

impl Inner {
    /// Completes the fields derived from the others.
    fn new(mut inner: Inner) -> Inner {
        let fixed_owner = match (&inner.owner_override, &inner.auth) {
            (Some(owner), _) => Some(owner),
            (None, Credentials::OAuth(_)) => None,
            (None, _) => Some(&inner.default_owner),
        };
        inner.fixed_slot = match (&inner.limiter, fixed_owner) {
            (Some(limiter), Some(owner)) => Some(limiter.slot(owner)),
            _ => None,
        };
        inner
    }
}

/// The future a generated call's `send()` returns: `.await` it for the decoded answer or an
/// [`Error`](crate::Error). It owns everything it needs, so it can also be spawned
/// (`Send + 'static`). Every such future implements this trait; there is nothing to implement.
///
/// ```
/// # async fn run(client: ghl_runtime::Client) -> ghl_runtime::Result<()> {
/// use ghl_runtime::{CallFuture, Client, Request};
///
/// fn list(client: &Client) -> impl CallFuture<serde_json::Value> {
///     Client::send_prepared(Ok((client.clone(), Request::get("/blogs/authors", "2021-07-28"))))
/// }
///
/// let authors = tokio::spawn(list(&client)).await.expect("the task ran")?;
/// # let _ = authors;
/// # Ok(())
/// # }
/// ```
pub trait CallFuture<T>: Future<Output = crate::Result<T>> + Send + 'static {}

impl<T, F> CallFuture<T> for F where F: Future<Output = crate::Result<T>> + Send + 'static {}

/// The API client: cheap to clone (clones share one connection pool, token state, rate
/// limiter and retry budget).
///
/// Every request carries `Authorization: Bearer <token>` (unless
/// [`Request::without_auth`]), the request's `Version`, `Accept: application/json` and the
/// configured `User-Agent` ([`DEFAULT_USER_AGENT`] unless set otherwise; a
/// [`Request::force_header`] wins over it).
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let auth = match &self.inner.auth {
            Credentials::None => "none",
            Credentials::Static { .. } => "bearer token (redacted)",
            Credentials::OAuth(_) => "oauth (redacted)",
        };
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("user_agent", &self.inner.user_agent)
            .field("timeout", &self.inner.timeout)
            .field("auth", &auth)
            .field("retry", &self.inner.retry)
            .field("rate_limited", &self.inner.limiter.is_some())
            .finish()
    }
}

/// A response read in full.
struct Raw {
    status: u16,
    headers: HeaderMap,
    body: Bytes,
}

/// One page of a paged call, as [`Client::send_page`] reads it.
pub(crate) struct Page<P, I> {
    pub(crate) page: P,
    pub(crate) items: Vec<I>,
    /// The page (after any unwrapping) as JSON.
    pub(crate) json: serde_json::Value,
    /// Its items as JSON (an empty array when absent).
    pub(crate) items_json: serde_json::Value,
}

/// Sends `$request` through `$client` and reads the answer: a `Result<Raw>`, except that
/// a request holding a deferred error returns it from the enclosing function.
///
/// A macro rather than an `async fn` so the request future is stored once, in the caller's
/// own future, instead of once more per level (and moved from one to the next); the OAuth
/// path, which may refresh first, is boxed.
///
/// `$request` is a local: it is only borrowed, then moved (a borrowed local of its own would
/// stay in the caller's future).
macro_rules! execute {
    ($client:expr, $request:ident) => {{
        if $client.is_oauth_call(&$request) {
            Box::pin($client.execute_oauth($request)).await
        } else {
            if let Some(e) = $request.error.take() {
                return Err(*e);
            }
            $client.start(&$request).await
        }
    }};
}

impl Client {
    /// A builder with the defaults.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client with default settings for a Private Integration Token or an OAuth access
    /// token.
    pub fn with_token(token: impl Into<String>) -> Result<Client> {
        Client::builder().token(token).build()
    }

    /// Sends `request`; on a 2xx answer decodes the JSON body into `T` (an empty body is
    /// JSON `null`; see [`Request::unwrap_at`] and [`Request::ignore_body`] for decoding
    /// part of it or none), otherwise returns the matching [`Error`]. A decode failure
    /// names the JSON path of the offending value.
    ///
    /// (The `send*` methods return their futures from plain functions: an `async fn` would
    /// keep the request twice in its future, as the argument and as a local.)
    #[expect(
        clippy::manual_async_fn,
        reason = "an async fn would hold the request twice in its future"
    )]
    pub fn send<T: DeserializeOwned>(
        &self,
        mut request: Request,
    ) -> impl Future<Output = Result<T>> + '_ {
        async move {
            let call = CallInfo::of(&request);
            let raw = execute!(self, request)?;
            call.decode(&raw.body)
        }
    }

    /// [`Client::send`], keeping the status, the headers and the body's `traceId` beside
    /// the decoded body.
    ///
    /// Only the decoding is generic: the call itself is one future shared by every `T`, so
    /// offering this next to `send` for every operation adds little to what dependents
    /// compile.
    pub fn send_with_response<T: DeserializeOwned>(
        &self,
        request: Request,
    ) -> impl Future<Output = Result<Response<T>>> + '_ {
        let answer = self.send_raw(request);
        async move {
            let (call, raw) = answer.await?;
            let body = call.decode(&raw.body)?;
            Ok(Response::new(raw.status, raw.headers, &raw.body, body))
        }
    }

    /// Sends `request` and returns the 2xx answer undecoded, with what decoding it needs.
    #[expect(
        clippy::manual_async_fn,
        reason = "an async fn would hold the request twice in its future"
    )]
    fn send_raw(&self, mut request: Request) -> impl Future<Output = Result<(CallInfo, Raw)>> + '_ {
        async move {
            let call = CallInfo::of(&request);
            let raw = execute!(self, request)?;
            Ok((call, raw))
        }
    }

    /// [`Client::send`] for a call a generated builder prepared: the client it goes through
    /// and its request, or why the request could not be built. The future owns both, so
    /// a builder's `send()` is this one future, with no second state machine around it.
    #[expect(
        clippy::manual_async_fn,
        reason = "an async fn would hold the request twice in its future"
    )]
    pub fn send_prepared<T: DeserializeOwned>(
        call: Result<(Client, Request)>,
    ) -> impl Future<Output = Result<T>> + Send + 'static {
        async move {
            let (client, mut request) = call?;
            let info = CallInfo::of(&request);
            let raw = execute!(client, request)?;
            info.decode(&raw.body)
        }
    }

    /// [`Client::send_with_response`] for a call a generated builder prepared (see
    /// [`Client::send_prepared`]).
    #[expect(
        clippy::manual_async_fn,
        reason = "the signature states what generated code relies on: Send and 'static"
    )]
    pub fn send_prepared_with_response<T: DeserializeOwned>(
        call: Result<(Client, Request)>,
    ) -> impl Future<Output = Result<Response<T>>> + Send + 'static {
        async move {
            let (client, request) = call?;
            client.send_with_response(request).await
        }
    }

    /// [`Client::send`] of `request.unwrap_at(at)`: decodes the value at the JSON pointer
    /// `at` of the body.
    pub fn send_at<T: DeserializeOwned>(
        &self,
        request: Request,
        at: &'static str,
    ) -> impl Future<Output = Result<T>> + '_ {
        self.send(request.unwrap_at(at))
    }

    /// [`Client::send`] of `request.ignore_body()`: on a 2xx answer ignores the body,
    /// otherwise returns the matching [`Error`].
    pub fn send_empty(&self, request: Request) -> impl Future<Output = Result<()>> + '_ {
        self.send(request.ignore_body())
    }

    /// Sends one page's request of a [`Paginator`](crate::Paginator): the page decoded as
    /// [`Client::send`] would, its items (at the JSON pointer `items` of the page) and the
    /// page as JSON, to read the total and the next cursor from.
    pub(crate) async fn send_page<P: DeserializeOwned, I: DeserializeOwned>(
        &self,
        request: Request,
        items: &'static str,
    ) -> Result<Page<P, I>> {
        let (call, raw) = self.send_raw(request).await?;
        let page = call.decode(&raw.body)?;
        let body: serde_json::Value = decode(&call.method, call.path, &raw.body, call.redact)?;
        let json = match call.answer {
            Answer::At(at) => body.pointer(at).cloned().unwrap_or_default(),
            _ => body,
        };
        let items_json = match json.pointer(items) {
            Some(serde_json::Value::Null) | None => serde_json::Value::Array(Vec::new()),
            Some(found) => found.clone(),
        };
        let decoded = serde_path_to_error::deserialize(items_json.clone()).map_err(|e| {
            let prefix = pointer_to_path(items);
            let json_path = match e.path().to_string().as_str() {
                "." => prefix,
                rest if rest.starts_with('[') => format!("{prefix}{rest}"),
                rest => format!("{prefix}.{rest}"),
            };
            decode_error(
                &call.method,
                call.path,
                json_path,
                &raw.body,
                call.redact,
                e.into_inner(),
            )
        })?;
        Ok(Page {
            page,
            items: decoded,
            json,
            items_json,
        })
    }

    /// The limits the server last reported for this client's token owner.
    pub fn rate_limits(&self) -> Option<RateLimitSnapshot> {
        let limiter = self.inner.limiter.as_ref()?;
        limiter.snapshot(&self.owner_key())
    }

    /// The rate limiter, if enabled (shared by clones).
    pub fn rate_limiter(&self) -> Option<&RateLimiter> {
        self.inner.limiter.as_ref()
    }

    /// The underlying `reqwest::Client` (its pool is shared by all clones of this client;
    /// pass it to [`ClientBuilder::http_client`] to share it with other clients).
    pub fn http_client(&self) -> &reqwest::Client {
        &self.inner.http
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The OAuth token set currently in use: `None` without OAuth, and before the first
    /// call, [`load_tokens`](Client::load_tokens) or code exchange. Its `Debug` redacts
    /// the tokens.
    pub fn tokens(&self) -> Option<TokenSet> {
        match &self.inner.auth {
            Credentials::OAuth(s) => s.current(),
            _ => None,
        }
    }

    /// OAuth: the token set stored for this client, which it then uses (unless it already
    /// uses a newer one); `None` when the store has none yet (exchange the code from the
    /// OAuth redirect with [`exchange_code`](Client::exchange_code)).
    ///
    /// ```no_run
    /// # async fn run(client: ghl_runtime::Client) -> ghl_runtime::Result<()> {
    /// if client.load_tokens().await?.is_none() {
    ///     client.exchange_code("code-from-callback").await?;
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn load_tokens(&self) -> Result<Option<TokenSet>> {
        let session = self.session()?;
        let shared = &session.store;
        let stored = shared.store.load(&shared.owner).await?;
        if let Some(tokens) = &stored {
            let newer = session.active().is_none_or(|a| {
                a.tokens.access_token != tokens.access_token
                    && tokens.expires_at >= a.tokens.expires_at
            });
            if newer {
                session.set(tokens.clone());
            }
        }
        Ok(stored)
    }

    /// How many OAuth refreshes this client (and its clones) performed.
    pub fn refresh_count(&self) -> u64 {
        match &self.inner.auth {
            Credentials::OAuth(s) => s.refreshes.load(Ordering::SeqCst),
            _ => 0,
        }
    }

    fn owner_key(&self) -> Arc<str> {
        if let Some(o) = &self.inner.owner_override {
            return o.clone();
        }
        match &self.inner.auth {
            Credentials::None | Credentials::Static { .. } => self.inner.default_owner.clone(),
            Credentials::OAuth(s) => s
                .active()
                .and_then(|a| a.owner.clone())
                .unwrap_or_else(|| self.inner.default_owner.clone()),
        }
    }

    fn session(&self) -> Result<&Arc<OAuthSession>> {
        match &self.inner.auth {
            Credentials::OAuth(s) => Ok(s),
            _ => Err(Error::config(
                "this client has no OAuth configuration; build it with ClientBuilder::oauth",
            )),
        }
    }

    /// A client with this one's pool, settings, limiter and retry budget, sending the
    /// tokens of `session`, rate limited as `owner`.
    pub(crate) fn with_session(&self, session: Arc<OAuthSession>, owner: Arc<str>) -> Client {
        let inner = &self.inner;
        Client {
            inner: Arc::new(Inner::new(Inner {
                http: inner.http.clone(),
                base_url: inner.base_url.clone(),
                base: inner.base.clone(),
                base_path: inner.base_path.clone(),
                base_userinfo: inner.base_userinfo,
                user_agent: inner.user_agent.clone(),
                timeout: inner.timeout,
                auth: Credentials::OAuth(session),
                retry: inner.retry.clone(),
                budget: inner.budget.clone(),
                limiter: inner.limiter.clone(),
                owner_override: Some(owner),
                default_owner: Arc::from(OAUTH_OWNER),
                fixed_slot: None,
            })),
        }
    }

    /// True when the client was built with a token or OAuth credentials.
    pub(crate) fn has_credentials(&self) -> bool {
        !matches!(self.inner.auth, Credentials::None)
    }

    /// The rate-limit slot of a call sent with a token owned by `token_owner` (`None` when
    /// the client does not rate limit).
    fn slot(&self, token_owner: Option<&Arc<str>>) -> Option<Arc<OwnerSlot>> {
        let inner = &self.inner;
        if let Some(slot) = &inner.fixed_slot {
            return Some(slot.clone());
        }
        let limiter = inner.limiter.as_ref()?;
        let owner = match (&inner.owner_override, token_owner) {
            (Some(o), _) | (None, Some(o)) => o,
            (None, None) => &inner.default_owner,
        };
        Some(limiter.slot(owner))
    }

    /// True when `request` is sent with an OAuth token (see [`Client::execute_oauth`]).
    fn is_oauth_call(&self, request: &Request) -> bool {
        request.auth && matches!(self.inner.auth, Credentials::OAuth(_))
    }

    /// Prepares a checked call with a static token or none: picks its credentials and gives
    /// back the future that sends it.
    fn start<'a>(&'a self, request: &'a Request) -> impl Future<Output = Result<Raw>> + 'a {
        let bearer = match (&self.inner.auth, request.auth) {
            (Credentials::Static { bearer, .. }, true) => Bearer::Valid(bearer.clone()),
            _ => Bearer::None,
        };
        let slot = if request.auth { self.slot(None) } else { None };
        self.execute_with(request, bearer, slot)
    }

    /// Sends a call and reads the answer.
    async fn execute(&self, mut request: Request) -> Result<Raw> {
        execute!(self, request)
    }
}
