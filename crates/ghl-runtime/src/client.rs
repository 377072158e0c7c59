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
use crate::request::{Answer, Body, TokenKinds, is_sensitive_header};
use crate::response::Response;
use crate::retry::{Attempt, RetryAction, RetryBudget, RetryPolicy, classify};
use crate::store::OwnerTokenStore;
use crate::{
    DEFAULT_API_VERSION, DEFAULT_BASE_URL, DEFAULT_USER_AGENT, Error, Method, Request, Result,
};

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

/// Configures a [`Client`].
pub struct ClientBuilder {
    token: Option<Secret>,
    oauth: Option<(OAuthConfig, Arc<dyn OwnerTokenStore>)>,
    base_url: String,
    user_agent: String,
    timeout: Duration,
    connect_timeout: Duration,
    retry: RetryPolicy,
    rate_limit: Option<RateLimitConfig>,
    limiter: Option<RateLimiter>,
    owner: Option<String>,
    http: Option<reqwest::Client>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("oauth", &self.oauth.as_ref().map(|(c, _)| c))
            .field("base_url", &self.base_url)
            .field("user_agent", &self.user_agent)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("retry", &self.retry)
            .field("rate_limit", &self.rate_limit)
            .field("owner", &self.owner)
            .finish_non_exhaustive()
    }
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            token: None,
            oauth: None,
            base_url: DEFAULT_BASE_URL.to_owned(),
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            retry: RetryPolicy::default(),
            rate_limit: Some(RateLimitConfig::default()),
            limiter: None,
            owner: None,
            http: None,
        }
    }
}

impl ClientBuilder {
    /// A Private Integration Token or an OAuth access token, sent as `Bearer`.
    pub fn token(mut self, token: impl Into<String>) -> ClientBuilder {
        self.token = Some(Secret::new(token));
        self
    }

    /// OAuth: the app's credentials and the store of its one installation's token set
    /// ([`FileTokenStore`](crate::store::FileTokenStore) or
    /// [`MemoryTokenStore`](crate::store::MemoryTokenStore); a store of many owners keeps it
    /// under the owner `oauth`). The token set is loaded from the store on the first call
    /// (or [`Client::load_tokens`]), refreshed ahead of expiry, and every new token set is
    /// saved to the store before use.
    ///
    /// For many installations, use an [`App`](crate::App).
    pub fn oauth(mut self, config: OAuthConfig, store: Arc<dyn OwnerTokenStore>) -> ClientBuilder {
        self.oauth = Some((config, store));
        self
    }

    /// The base URL (default [`DEFAULT_BASE_URL`]); a trailing `/` is ignored.
    pub fn base_url(mut self, base_url: impl Into<String>) -> ClientBuilder {
        self.base_url = base_url.into();
        self
    }

    /// The `User-Agent` (default [`DEFAULT_USER_AGENT`], a browser one that Cloudflare
    /// lets through). `/blogs/*` operations force the browser one regardless.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> ClientBuilder {
        self.user_agent = user_agent.into();
        self
    }

    /// Total timeout of one attempt, from connecting to the end of the body (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> ClientBuilder {
        self.timeout = timeout;
        self
    }

    /// Connect (TCP + TLS) timeout (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> ClientBuilder {
        self.connect_timeout = timeout;
        self
    }

    /// The retry policy (default [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> ClientBuilder {
        self.retry = policy;
        self
    }

    /// Retries `POST`/`PATCH` on 5xx and timeouts too (they may then run twice).
    pub fn retry_non_idempotent(mut self, yes: bool) -> ClientBuilder {
        self.retry.retry_non_idempotent = yes;
        self
    }

    /// The local rate limit quota (default 100 requests per 10 s per owner).
    pub fn rate_limit(mut self, config: RateLimitConfig) -> ClientBuilder {
        self.rate_limit = Some(config);
        self
    }

    /// Turns the client-side rate limiter off (the server's 429s are still retried).
    pub fn no_rate_limit(mut self) -> ClientBuilder {
        self.rate_limit = None;
        self.limiter = None;
        self
    }

    /// Shares a rate limiter with other clients (e.g. several tokens of one location).
    pub fn rate_limiter(mut self, limiter: RateLimiter) -> ClientBuilder {
        self.limiter = Some(limiter);
        self
    }

    /// The id rate limits are counted against (a location or company id). Defaults to the
    /// OAuth token's location/company, or a key derived from the token for a PIT.
    pub fn rate_limit_owner(mut self, owner: impl Into<String>) -> ClientBuilder {
        self.owner = Some(owner.into());
        self
    }

    /// Uses an existing `reqwest::Client` (and its connection pool) instead of building one.
    /// Its timeouts and TLS settings are then its own.
    pub fn http_client(mut self, http: reqwest::Client) -> ClientBuilder {
        self.http = Some(http);
        self
    }

    /// Builds the client. Fails on a bad base URL or user agent, a TLS setup failure, an
    /// unreadable token store, or when both a token and OAuth are given.
    pub fn build(self) -> Result<Client> {
        let base_url = self.base_url.trim_end_matches('/').to_owned();
        let mut parsed = url::Url::parse(&base_url)
            .map_err(|e| Error::config(format!("invalid base URL {base_url:?}: {e}")))?;
        parsed.set_query(None);
        parsed.set_fragment(None);
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(Error::config(format!(
                "invalid base URL {base_url:?}: the scheme must be http or https"
            )));
        }
        let user_agent = HeaderValue::from_str(&self.user_agent)
            .map_err(|_| Error::config("the user agent contains invalid header characters"))?;
        let http = match self.http {
            Some(h) => h,
            None => build_http(self.timeout, self.connect_timeout)?,
        };
        let auth = match (self.token, self.oauth) {
            (Some(_), Some(_)) => {
                return Err(Error::config(
                    "both a token and OAuth credentials were given; use one",
                ));
            }
            (Some(token), None) => {
                let Some(bearer) = crate::auth::bearer_header(&token) else {
                    return Err(Error::config(
                        "the token contains invalid header characters",
                    ));
                };
                let owner = Arc::from(token_owner_key(&token));
                Credentials::Static { bearer, owner }
            }
            (None, Some((config, store))) => Credentials::OAuth(Arc::new(OAuthSession::new(
                config,
                SharedStore::new(store, Arc::from(OAUTH_OWNER)),
                None,
            ))),
            (None, None) => Credentials::None,
        };
        let limiter = match (self.limiter, self.rate_limit) {
            (Some(l), _) => Some(l),
            (None, Some(c)) => Some(RateLimiter::new(c)),
            (None, None) => None,
        };
        let budget = Arc::new(RetryBudget::new(&self.retry));
        let default_owner = match &auth {
            Credentials::None => Arc::from(ANONYMOUS_OWNER),
            Credentials::Static { owner, .. } => owner.clone(),
            Credentials::OAuth(_) => Arc::from(OAUTH_OWNER),
        };
        Ok(Client {
            inner: Arc::new(Inner::new(Inner {
                http,
                base_path: parsed.path().trim_end_matches('/').to_owned(),
                base_userinfo: !parsed.username().is_empty() || parsed.password().is_some(),
                base: parsed,
                base_url,
                user_agent,
                timeout: self.timeout,
                auth,
                retry: self.retry,
                budget,
                limiter,
                owner_override: self.owner.map(Arc::from),
                default_owner,
                fixed_slot: None,
            })),
        })
    }
}

/// A rate-limit key for a static token that does not reveal it.
fn token_owner_key(token: &Secret) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    token.expose().hash(&mut h);
    format!("token-{:016x}", h.finish())
}

/// rustls' `ring` crypto provider, the one this crate uses.
///
/// rustls 0.23.48 deprecated it ("no support for post-quantum algorithms": its key
/// exchange has no ML-KEM hybrid) in favour of `aws-lc-rs`, whose C build costs every
/// user's first build about a minute of CPU. `ring` stays for now, on purpose: the
/// deprecation is acknowledged here, once, rather than printed in every user's build.
#[allow(deprecated)]
pub(crate) fn ring_provider() -> rustls::crypto::CryptoProvider {
    rustls::crypto::ring::default_provider()
}

/// The reqwest client: rustls with the ring provider and the platform verifier, HTTP/2
/// via ALPN, one pool.
fn build_http(timeout: Duration, connect_timeout: Duration) -> Result<reqwest::Client> {
    let provider = Arc::new(ring_provider());
    let verifier = rustls_platform_verifier::Verifier::new(provider.clone())
        .map_err(|e| Error::config(format!("TLS setup failed: {e}")))?;
    let mut tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::config(format!("TLS setup failed: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .timeout(timeout)
        .connect_timeout(connect_timeout)
        .pool_idle_timeout(Duration::from_secs(90))
        .tcp_nodelay(true)
        .build()
        .map_err(|e| Error::config(format!("HTTP client setup failed: {e}")))
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

/// What decoding an answer needs to know of its call, taken before the request is sent
/// (the OAuth path moves the request).
struct CallInfo {
    method: Method,
    path: &'static str,
    /// The answer may carry tokens: errors must not quote it.
    redact: bool,
    /// What of the body to decode.
    answer: Answer,
}

impl CallInfo {
    fn of(request: &Request) -> CallInfo {
        CallInfo {
            method: request.method.clone(),
            path: request.path_template,
            redact: request.sensitive_response(),
            answer: request.answer(),
        }
    }

    /// Decodes what the request asked for of a 2xx body.
    fn decode<T: DeserializeOwned>(&self, body: &[u8]) -> Result<T> {
        match self.answer {
            Answer::Body => decode(&self.method, self.path, body, self.redact),
            Answer::Ignored => {
                serde_path_to_error::deserialize(serde_json::Value::Null).map_err(|e| {
                    decode_error(
                        &self.method,
                        self.path,
                        ".".to_owned(),
                        b"",
                        false,
                        e.into_inner(),
                    )
                })
            }
            Answer::At(at) => {
                let mut envelope: serde_json::Value =
                    decode(&self.method, self.path, body, self.redact)?;
                let inner = envelope
                    .pointer_mut(at)
                    .map(serde_json::Value::take)
                    .unwrap_or_default();
                serde_path_to_error::deserialize(inner).map_err(|e| {
                    let prefix = pointer_to_path(at);
                    let rest = e.path().to_string();
                    let json_path = match (prefix.is_empty(), rest.as_str()) {
                        (true, _) => rest,
                        (false, ".") => prefix,
                        (false, r) if r.starts_with('[') => format!("{prefix}{r}"),
                        (false, r) => format!("{prefix}.{r}"),
                    };
                    decode_error(
                        &self.method,
                        self.path,
                        json_path,
                        body,
                        self.redact,
                        e.into_inner(),
                    )
                })
            }
        }
    }
}

/// What one attempt ended with.
enum Outcome {
    Response(Raw),
    Failed(Error, FailureKind),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum FailureKind {
    /// The request never reached the server (connect failure): always safe to retry.
    Connect,
    /// Timeout or failure mid-request: the server may have acted.
    Other,
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

    /// OAuth: exchanges an authorization code (from the redirect) for a token set, saves it
    /// to the store, and uses it from then on.
    pub async fn exchange_code(&self, code: &str) -> Result<TokenSet> {
        let session = self.session()?;
        let _guard = session.refresh_lock.lock().await;
        let tokens = self
            .token_call(&session.config.token_form(Grant::Code(code)))
            .await?;
        let shared = &session.store;
        if shared.pinned() && tokens.owner().is_some_and(|o| o != &*shared.owner) {
            return Err(Error::config(format!(
                "the code was granted for {}, not for this client's {}; use App::install",
                tokens.owner().unwrap_or_default(),
                shared.owner
            )));
        }
        shared.store.save(&shared.owner, &tokens).await?;
        session.set(tokens.clone());
        Ok(tokens)
    }

    /// OAuth: refreshes the access token now (normally done automatically ahead of expiry).
    pub async fn refresh_now(&self) -> Result<TokenSet> {
        let session = self.session()?;
        let _guard = session.refresh_lock.lock().await;
        self.refresh_locked(session).await
    }

    /// Adopts `stored` when it is fresh and not the token set this session already uses
    /// (which is stale, or was just refused): another process refreshed it.
    fn adopt(&self, session: &OAuthSession, stored: &Option<TokenSet>) -> Option<TokenSet> {
        let stored = stored.as_ref()?;
        let fresh = stored.is_fresh(stored.refresh_margin(session.config.refresh_ahead));
        let new = session
            .active()
            .is_none_or(|a| a.tokens.access_token != stored.access_token);
        if fresh && new {
            session.set(stored.clone());
            Some(stored.clone())
        } else {
            None
        }
    }

    /// Refreshes the session's token set in its store, which other processes may share;
    /// the caller holds `refresh_lock` (single flight within the process). Across
    /// processes: whoever takes the store's refresh lock refreshes; the others poll the
    /// store until the winner's tokens appear (or the lock expires, and one of them takes
    /// it).
    async fn refresh_locked(&self, session: &OAuthSession) -> Result<TokenSet> {
        let shared = &session.store;
        let owner = &*shared.owner;
        let started = Instant::now();
        loop {
            let stored = shared.store.load(owner).await?;
            if let Some(tokens) = self.adopt(session, &stored) {
                return Ok(tokens);
            }
            if stored.is_none() {
                return Err(not_installed(owner));
            }
            if let Some(lock) = shared.store.try_lock(owner, shared.lock_ttl).await? {
                let result = self.refresh_holding_lock(session).await;
                if let Err(e) = shared.store.unlock(owner, &lock).await {
                    tracing::warn!(owner, error = %e, "ghl: cannot release the refresh lock; it expires on its own");
                }
                return result;
            }
            if started.elapsed() > shared.lock_wait {
                return Err(Error::config(format!(
                    "the OAuth tokens of {owner} were not refreshed: another process has held their refresh lock for {:.1}s; it expires on its own, try again",
                    started.elapsed().as_secs_f64()
                )));
            }
            // Another process refreshes: look again shortly (jittered, so waiting
            // processes do not poll in step).
            tokio::time::sleep(Duration::from_millis(25 + fastrand::u64(0..50))).await;
        }
    }

    /// Refreshes while holding the owner's refresh lock in the shared store.
    async fn refresh_holding_lock(&self, session: &OAuthSession) -> Result<TokenSet> {
        let shared = &session.store;
        let owner = &*shared.owner;
        // The previous holder may have saved between our look and our lock.
        let stored = shared.store.load(owner).await?;
        if let Some(tokens) = self.adopt(session, &stored) {
            return Ok(tokens);
        }
        let Some(current) = stored else {
            return Err(not_installed(owner));
        };
        let spent = current.fencing_token().clone();
        let mut tokens = match self.refresh_grant(session, &current).await {
            Some(Ok(tokens)) => tokens,
            Some(Err(e)) => {
                // Refused because another holder (after our lock expired) spent it first?
                // Then the store has the winner's tokens.
                if let Ok(Some(now)) = shared.store.load(owner).await {
                    if now.fencing_token() != &spent {
                        session.set(now.clone());
                        return Ok(now);
                    }
                }
                if !is_refusal(&e) {
                    return Err(e);
                }
                self.mint_again(session, owner, &current, Some(e)).await?
            }
            None => self.mint_again(session, owner, &current, None).await?,
        };
        if tokens.location_id.is_none() && tokens.company_id.is_none() {
            tokens.location_id = current.location_id.clone();
            tokens.company_id = current.company_id.clone();
        }
        if tokens.company_id.is_none() {
            tokens.company_id = current.company_id.clone();
        }
        // Persist the rotated refresh token before the new access token is used, only if
        // the spent one is still the stored one. A store error is retried briefly: the
        // new refresh token is the only valid one now.
        let mut attempt = 0;
        let replaced = loop {
            match shared.store.replace(owner, &spent, &tokens).await {
                Ok(replaced) => break replaced,
                Err(e) if attempt < 3 => {
                    attempt += 1;
                    tracing::warn!(owner, attempt, error = %e, "ghl: cannot save refreshed tokens, retrying");
                    tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
                }
                Err(e) => return Err(e),
            }
        };
        if !replaced {
            // Another token set was stored meanwhile (a new installation, or a holder that
            // took the lock after ours expired): it wins.
            tracing::warn!(
                owner,
                "ghl: the stored OAuth tokens changed during a refresh; using the stored ones"
            );
            return match shared.store.load(owner).await? {
                Some(now) => {
                    session.set(now.clone());
                    Ok(now)
                }
                None => Err(not_installed(owner)),
            };
        }
        session.set(tokens.clone());
        session.refreshes.fetch_add(1, Ordering::SeqCst);
        tracing::info!(
            owner,
            expires_at = tokens.expires_at,
            "ghl: OAuth access token refreshed"
        );
        Ok(tokens)
    }

    /// Trades `current`'s refresh token for a new token set (keeping the refresh token
    /// when the answer brings none); `None` when it has no refresh token.
    async fn refresh_grant(
        &self,
        session: &OAuthSession,
        current: &TokenSet,
    ) -> Option<Result<TokenSet>> {
        let refresh_token = current.refresh_token.clone()?;
        let answer = self
            .token_call(
                &session
                    .config
                    .token_form(Grant::Refresh(refresh_token.expose())),
            )
            .await;
        Some(answer.map(|mut tokens| {
            if tokens.refresh_token.is_none() {
                tokens.refresh_token = Some(refresh_token);
            }
            tokens
        }))
    }

    /// A location's token minted again from its company's agency token, once: after its
    /// refresh was `refused`, or when it expired without a refresh token (`None`). Fails
    /// naming both causes when that is not possible or fails too.
    async fn mint_again(
        &self,
        session: &OAuthSession,
        owner: &str,
        current: &TokenSet,
        refused: Option<Error>,
    ) -> Result<TokenSet> {
        let why = match &refused {
            Some(e) => format!("its refresh was refused ({e})"),
            None => "it expired and there is no refresh token".to_owned(),
        };
        let target = (
            &session.minter,
            current.company_id.as_deref(),
            current.location_id.as_deref(),
        );
        let (Some(minter), Some(company_id), Some(location_id)) = target else {
            return match refused {
                Some(e) => Err(e),
                None => Err(Error::config(format!(
                    "the OAuth access token of {owner} expired and there is no refresh token; authorize the app again"
                ))),
            };
        };
        match minter.mint(company_id, location_id).await {
            Ok(mut tokens) => {
                tracing::info!(
                    owner,
                    company_id,
                    "ghl: location token minted again from the agency token ({})",
                    if refused.is_some() {
                        "refresh refused"
                    } else {
                        "no refresh token"
                    }
                );
                if tokens.company_id.is_none() {
                    tokens.company_id = Some(company_id.to_owned());
                }
                Ok(tokens)
            }
            Err(mint) => Err(Error::config(format!(
                "the OAuth tokens of {owner} could not be renewed: {why}, and minting a location token from company {company_id}'s agency token failed too ({mint}); have the location (or the agency) authorize the app again"
            ))),
        }
    }

    /// `POST /oauth/token` with a form; no Authorization header.
    async fn token_call(&self, form: &[(&'static str, String)]) -> Result<TokenSet> {
        let request = Request::new(
            Method::POST,
            "/oauth/token",
            "/oauth/token".to_owned(),
            DEFAULT_API_VERSION,
        )
        .form(form)
        .without_auth();
        let mut request = request;
        if let Some(e) = request.error.take() {
            return Err(*e);
        }
        let raw = self.execute_with(&request, Bearer::None, None).await?;
        let resp: TokenResponse = decode(&Method::POST, "/oauth/token", &raw.body, true)?;
        Ok(TokenSet::from_response(resp))
    }

    /// Agency → location: mints a sub-account token with `POST /oauth/locationToken`
    /// using this client's (agency) token.
    pub async fn location_token(&self, company_id: &str, location_id: &str) -> Result<TokenSet> {
        let request = Request::new(
            Method::POST,
            "/oauth/locationToken",
            "/oauth/locationToken".to_owned(),
            DEFAULT_API_VERSION,
        )
        .form(&[("companyId", company_id), ("locationId", location_id)])
        .scopes(&["oauth.write"])
        .token_kinds(TokenKinds::AGENCY);
        let raw = self.execute(request).await?;
        let resp: TokenResponse = decode(&Method::POST, "/oauth/locationToken", &raw.body, true)?;
        let mut tokens = TokenSet::from_response(resp);
        if tokens.location_id.is_none() {
            tokens.location_id = Some(location_id.to_owned());
        }
        Ok(tokens)
    }

    /// Agency → location: a client for one location, sharing this client's connection
    /// pool, rate limiter and settings. The location token set is kept in `store` and
    /// refreshed with this client's OAuth app credentials when it has a refresh token;
    /// when it has none, or its refresh is refused, a new one is minted with this
    /// (agency) client's token, so the location client keeps working as long as the
    /// agency's installation does.
    pub async fn location_client(
        &self,
        company_id: &str,
        location_id: &str,
        store: Arc<dyn OwnerTokenStore>,
    ) -> Result<Client> {
        let mut tokens = self.location_token(company_id, location_id).await?;
        if tokens.company_id.is_none() {
            tokens.company_id = Some(company_id.to_owned());
        }
        store.save(location_id, &tokens).await?;
        let config = match &self.inner.auth {
            Credentials::OAuth(s) => s.config.clone().user_type(crate::auth::UserType::Location),
            _ => OAuthConfig::new("", "").user_type(crate::auth::UserType::Location),
        };
        let mut session = OAuthSession::new(
            config,
            SharedStore::new(store, Arc::from(location_id)),
            Some(tokens),
        );
        session.minter = Some(Arc::new(AgencyMinter(self.clone())));
        Ok(self.with_session(Arc::new(session), Arc::from(location_id)))
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

    /// `POST /oauth/token` trading an authorization code (for [`App::install`](crate::App::install)).
    pub(crate) async fn exchange_with(&self, config: &OAuthConfig, code: &str) -> Result<TokenSet> {
        self.token_call(&config.token_form(Grant::Code(code))).await
    }

    /// The OAuth token set to send (refreshing first when needed).
    async fn oauth_tokens(&self, session: &OAuthSession) -> Result<Arc<ActiveTokens>> {
        if let Some(active) = session.fresh() {
            return Ok(active);
        }
        // Single flight: the first caller refreshes, the others wait on the lock and then
        // find a fresh token.
        let _guard = session.refresh_lock.lock().await;
        if let Some(active) = session.fresh() {
            return Ok(active);
        }
        let tokens = self.refresh_locked(session).await?;
        Ok(Arc::new(ActiveTokens::new(tokens)))
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

    /// Sends with the OAuth token (refreshing it first when needed). On a first 401 (an
    /// [`Error::Unauthorized`], or an [`Error::AgencyTokenRequired`] with status 401: an
    /// expired agency token looks the same), refreshes once unless another call already
    /// replaced the token (single flight), and tries again; only the retry's answer is
    /// reported.
    async fn execute_oauth(&self, mut request: Request) -> Result<Raw> {
        if let Some(e) = request.error.take() {
            return Err(*e);
        }
        let Credentials::OAuth(session) = &self.inner.auth else {
            return Err(Error::config("internal: OAuth session missing"));
        };
        let used = self.oauth_tokens(session).await?;
        let slot = self.slot(used.owner.as_ref());
        match self
            .execute_with(&request, Bearer::of(&used.bearer), slot)
            .await
        {
            Err(
                first @ (Error::Unauthorized { .. }
                | Error::AgencyTokenRequired { status: 401, .. }),
            ) => {
                {
                    let _guard = session.refresh_lock.lock().await;
                    let changed = session
                        .active()
                        .is_none_or(|c| c.tokens.access_token != used.tokens.access_token);
                    if !changed {
                        match self.refresh_locked(session).await {
                            Ok(_) => {}
                            // No refresh token (or no tokens): the route's own answer says
                            // more than "cannot refresh" when it is about the token kind.
                            Err(Error::Config { .. })
                                if matches!(first, Error::AgencyTokenRequired { .. }) =>
                            {
                                return Err(first);
                            }
                            Err(e) => return Err(e),
                        }
                    }
                }
                let active = self.oauth_tokens(session).await?;
                let slot = self.slot(active.owner.as_ref());
                self.execute_with(&request, Bearer::of(&active.bearer), slot)
                    .await
            }
            other => other,
        }
    }

    /// Returns the future that sends a call with retries, rate limiting and tracing.
    /// `slot` is the rate-limit slot of the call's owner (`None`: not rate limited, as
    /// token calls are).
    ///
    /// A plain function returning one future, not an `async fn` wrapping it: each level of
    /// `async fn` would store (and copy) the whole request future once more. Only the
    /// reqwest futures are held across an await, one at a time, so the future stays small.
    ///
    /// `request` must have been checked (its deferred error taken).
    fn execute_with<'a>(
        &'a self,
        request: &'a Request,
        bearer: Bearer,
        slot: Option<Arc<OwnerSlot>>,
    ) -> impl Future<Output = Result<Raw>> + 'a {
        let inner = &self.inner;
        let span = tracing::info_span!(
            "ghl.request",
            method = %request.method,
            path = request.path_template,
            status = tracing::field::Empty,
            attempt = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        );
        // A handle to record into (a disabled span when no subscriber wants it: free).
        let recorder = span.clone();
        let call = async move {
            let mut retries = 0u32;
            loop {
                let attempt = retries + 1;
                if let Some(slot) = &slot {
                    // Nearly always admitted at once; only a wait needs the (boxed) future.
                    let admitted = match slot.try_acquire() {
                        Some(admitted) => admitted,
                        None => Box::pin(slot.acquire()).await,
                    };
                    if let Err(Refusal::Daily(retry_after)) = admitted {
                        return Err(daily_quota_exhausted(request, retry_after));
                    }
                }
                // Built for every attempt (retries are rare, and wait far longer than
                // building takes), after any wait so it is not held across one.
                let http_request = self.http_request(request, &bearer)?;
                // The clock is only read for a subscriber that records the latency.
                let started = (!recorder.is_disabled()).then(Instant::now);
                let outcome = 'attempt: {
                    let (status, headers, response) = match inner.http.execute(http_request).await {
                        Ok(response) => split_response(response),
                        Err(e) => break 'attempt self.transport_failure(request, e),
                    };
                    match response.bytes().await {
                        Ok(body) => Outcome::Response(Raw {
                            status,
                            headers,
                            body,
                        }),
                        Err(e) => self.transport_failure(request, e),
                    }
                };
                let latency_ms = started.map_or(0, |t| t.elapsed().as_millis() as u64);
                recorder.record("attempt", attempt);
                recorder.record("latency_ms", latency_ms);
                let (delay, last) = match outcome {
                    Outcome::Response(raw) => {
                        recorder.record("status", raw.status);
                        if let Some(slot) = &slot {
                            slot.observe(&raw.headers);
                        }
                        tracing::debug!(status = raw.status, attempt, latency_ms, "ghl: response");
                        if (200..300).contains(&raw.status) {
                            if retries == 0 {
                                inner.budget.record_success();
                            }
                            return Ok(raw);
                        }
                        self.after_error_response(request, raw, attempt, slot.as_deref())?
                    }
                    Outcome::Failed(err, kind) => {
                        self.after_failure(request, err, kind, attempt, latency_ms)?
                    }
                };
                if retries >= inner.retry.max_retries {
                    return Err(last);
                }
                if !inner.budget.try_spend() {
                    tracing::warn!(attempt, "ghl: retry budget exhausted, not retrying");
                    return Err(last);
                }
                retries += 1;
                tracing::debug!(
                    attempt,
                    delay_ms = delay.as_millis() as u64,
                    "ghl: retrying"
                );
                tokio::time::sleep(delay).await;
            }
        };
        // Entered on every poll only when a subscriber wants the span.
        if span.is_disabled() {
            Either::Right(call)
        } else {
            Either::Left(call.instrument(span))
        }
    }

    /// A non-2xx answer: the error, and the delay before trying again when the call may be
    /// retried (`Err`: give up with the error now). Out of line: the success path stays
    /// small.
    #[cold]
    #[inline(never)]
    fn after_error_response(
        &self,
        request: &Request,
        raw: Raw,
        attempt: u32,
        slot: Option<&OwnerSlot>,
    ) -> Result<(Duration, Error)> {
        let inner = &self.inner;
        let retry_after = retry_after(&raw.headers);
        let err = error::from_response(request, raw.status, retry_after, &raw.body);
        let answered = Attempt::Answered {
            status: raw.status,
            retry_after,
        };
        match classify(&inner.retry, request.is_idempotent(), answered) {
            RetryAction::Fail => Err(err),
            RetryAction::Backoff => Ok((inner.retry.backoff(attempt), err)),
            RetryAction::After(delay) => {
                if let Some(slot) = slot {
                    slot.pause(delay);
                }
                Ok((delay, err))
            }
        }
    }

    /// A failed attempt (no answer): like [`Client::after_error_response`].
    #[cold]
    #[inline(never)]
    fn after_failure(
        &self,
        request: &Request,
        err: Error,
        kind: FailureKind,
        attempt: u32,
        latency_ms: u64,
    ) -> Result<(Duration, Error)> {
        tracing::debug!(attempt, latency_ms, error = %err, "ghl: request failed");
        let failed = match (&err, kind) {
            (Error::InvalidRequest { .. }, _) => Attempt::Refused,
            (_, FailureKind::Connect) => Attempt::NotSent,
            (_, FailureKind::Other) => Attempt::Interrupted,
        };
        let inner = &self.inner;
        match classify(&inner.retry, request.is_idempotent(), failed) {
            RetryAction::Fail => Err(err),
            RetryAction::Backoff | RetryAction::After(_) => Ok((inner.retry.backoff(attempt), err)),
        }
    }

    /// The reqwest request of one attempt: URL, headers and body.
    fn http_request(&self, request: &Request, bearer: &Bearer) -> Result<reqwest::Request> {
        let inner = &self.inner;
        let url = self.url(request)?;
        let mut headers = self.headers(request, bearer)?;
        let body = match &request.body {
            Body::None | Body::Multipart(_) => None,
            Body::Json(b) => {
                headers.append(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
                Some(b.clone())
            }
            Body::Form(b) => {
                headers.append(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/x-www-form-urlencoded"),
                );
                Some(b.clone())
            }
            Body::Bytes(raw) => {
                let (content_type, bytes) = &**raw;
                let value = HeaderValue::from_str(content_type).map_err(|_| {
                    Error::invalid_request(
                        request.path_template,
                        format!("`{content_type}` is not a valid Content-Type"),
                    )
                })?;
                headers.append(header::CONTENT_TYPE, value);
                Some(bytes.clone())
            }
        };
        if !inner.base_userinfo && !matches!(request.body, Body::Multipart(_)) {
            let mut http_request = reqwest::Request::new(request.method.clone(), url);
            *http_request.headers_mut() = headers;
            *http_request.body_mut() = body.map(reqwest::Body::from);
            return Ok(http_request);
        }
        // Through the builder: it turns URL credentials into basic auth and sets the
        // multipart content type and length.
        let mut builder = inner
            .http
            .request(request.method.clone(), url)
            .headers(headers);
        builder = match (&request.body, body) {
            (Body::Multipart(m), _) => builder.multipart(
                m.to_form()
                    .map_err(|message| Error::invalid_request(request.path_template, message))?,
            ),
            (_, Some(b)) => builder.body(b),
            (_, None) => builder,
        };
        builder.build().map_err(|e| Error::Transport {
            method: request.method.clone(),
            path: request.path_template,
            source: e.without_url(),
        })
    }

    fn transport_failure(&self, request: &Request, e: reqwest::Error) -> Outcome {
        let method = request.method.clone();
        let path = request.path_template;
        if e.is_timeout() {
            Outcome::Failed(
                Error::Timeout {
                    method,
                    path,
                    timeout: Some(self.inner.timeout),
                },
                FailureKind::Other,
            )
        } else {
            let kind = if e.is_connect() {
                FailureKind::Connect
            } else {
                FailureKind::Other
            };
            // Drop the URL from the error: keep errors free of anything but the path.
            Outcome::Failed(
                Error::Transport {
                    method,
                    path,
                    source: e.without_url(),
                },
                kind,
            )
        }
    }

    fn url(&self, request: &Request) -> Result<url::Url> {
        let path = &request.path;
        let mut url = self.inner.base.clone();
        let prefix = self.inner.base_path.as_str();
        if prefix.is_empty() && path.starts_with('/') {
            url.set_path(path);
        } else {
            let sep = if path.starts_with('/') { "" } else { "/" };
            url.set_path(&format!("{prefix}{sep}{path}"));
        }
        if !request.query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (name, value) in &request.query {
                pairs.append_pair(name, value);
            }
        }
        Ok(url)
    }

    fn headers(&self, request: &Request, bearer: &Bearer) -> Result<HeaderMap> {
        let bad = |name: &str| {
            Error::invalid_request(
                request.path_template,
                format!("header `{name}` has a value that is not a valid header value"),
            )
        };
        let mut headers =
            HeaderMap::with_capacity(6 + request.headers.len() + request.forced_headers.len());
        headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(header::USER_AGENT, self.inner.user_agent.clone());
        let version = if request.version.is_empty() {
            DEFAULT_API_VERSION
        } else {
            request.version
        };
        headers.insert(
            HeaderName::from_static("version"),
            static_value(version).ok_or_else(|| bad("Version"))?,
        );
        if request.auth {
            match bearer {
                Bearer::Valid(value) => {
                    headers.insert(header::AUTHORIZATION, value.clone());
                }
                Bearer::Invalid => return Err(bad("Authorization")),
                Bearer::None if !matches!(self.inner.auth, Credentials::None) => {
                    return Err(Error::config("no access token available"));
                }
                Bearer::None => {}
            }
        }
        for (name, value) in &request.headers {
            if name.eq_ignore_ascii_case("authorization") || name.eq_ignore_ascii_case("version") {
                continue;
            }
            let n = HeaderName::from_bytes(name.as_bytes()).map_err(|_| bad(name))?;
            let mut v = HeaderValue::from_str(value).map_err(|_| bad(name))?;
            if is_sensitive_header(name) {
                v.set_sensitive(true);
            }
            headers.append(n, v);
        }
        for (name, value) in &request.forced_headers {
            let n = HeaderName::from_bytes(name.as_bytes()).map_err(|_| bad(name))?;
            let v = static_value(value).ok_or_else(|| bad(name))?;
            headers.insert(n, v);
        }
        Ok(headers)
    }
}

/// Status and headers taken out of a response whose body is still to be read. A function
/// of its own so the response is not borrowed in the request future, which would keep a
/// copy of it there while the body is read.
fn split_response(mut response: reqwest::Response) -> (u16, HeaderMap, reqwest::Response) {
    let status = response.status().as_u16();
    let headers = std::mem::take(response.headers_mut());
    (status, headers, response)
}

/// No token set is stored for `owner`.
#[cold]
/// True when the token endpoint refused a grant (`invalid_grant`: a refresh token spent,
/// revoked or unknown), as opposed to failing to answer.
fn is_refusal(e: &Error) -> bool {
    matches!(e.status(), Some(400 | 401 | 403 | 422))
}

/// Mints a location's token with an agency client's token (for
/// [`Client::location_client`]).
struct AgencyMinter(Client);

impl crate::auth::LocationMinter for AgencyMinter {
    fn mint<'a>(
        &'a self,
        company_id: &'a str,
        location_id: &'a str,
    ) -> crate::store::StoreFuture<'a, TokenSet> {
        Box::pin(self.0.location_token(company_id, location_id))
    }
}

fn not_installed(owner: &str) -> Error {
    if owner == OAUTH_OWNER {
        return Error::config(
            "no OAuth tokens yet: call Client::exchange_code with the authorization code first",
        );
    }
    Error::config(format!(
        "no OAuth tokens are stored for {owner}: the app is not installed there (App::install), or was uninstalled"
    ))
}

/// The daily quota of the call's owner is used up.
#[cold]
#[inline(never)]
fn daily_quota_exhausted(request: &Request, retry_after: Option<Duration>) -> Error {
    Error::RateLimited {
        method: request.method.clone(),
        path: request.path_template,
        retry_after,
        daily: true,
    }
}

/// A header value for a `'static` string: not copied when it is visible ASCII (the
/// common case), else checked and copied like `HeaderValue::from_str`.
fn static_value(value: &'static str) -> Option<HeaderValue> {
    if value.bytes().all(|b| (32..127).contains(&b) || b == b'\t') {
        Some(HeaderValue::from_static(value))
    } else {
        HeaderValue::from_str(value).ok()
    }
}

/// `Retry-After` in seconds (an HTTP date is not used by this API).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    value
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64)
}

/// Decodes a 2xx body into `T`; an empty body is JSON `null`.
fn decode<T: DeserializeOwned>(
    method: &Method,
    path: &'static str,
    body: &[u8],
    redact: bool,
) -> Result<T> {
    let trimmed = body.iter().all(u8::is_ascii_whitespace);
    let data: &[u8] = if trimmed { b"null" } else { body };
    // Fast path: plain serde_json. Only a failure pays for path tracking (a second pass).
    let first = match serde_json::from_slice::<T>(data) {
        Ok(v) => return Ok(v),
        Err(e) => e,
    };
    // The path comes from a second pass over the parsed value (not the bytes): every type's
    // `Deserialize` is then compiled for two deserializers instead of four, as the other
    // failure paths (`Answer::At`, `Answer::Ignored`, page items) read owned values too.
    let value: serde_json::Value = match serde_json::from_slice(data) {
        Ok(value) => value,
        Err(_) => {
            return Err(decode_error(
                method,
                path,
                ".".to_owned(),
                body,
                redact,
                first,
            ));
        }
    };
    let result: std::result::Result<T, _> = serde_path_to_error::deserialize(value);
    let (json_path, source) = match result {
        Ok(_) => (String::from("."), first),
        Err(e) => (e.path().to_string(), e.into_inner()),
    };
    Err(decode_error(method, path, json_path, body, redact, source))
}

/// Builds an [`Error::Decode`], redacting OAuth token responses.
fn decode_error(
    method: &Method,
    path: &'static str,
    json_path: String,
    body: &[u8],
    redact: bool,
    source: serde_json::Error,
) -> Error {
    let (body_excerpt, source) = if redact {
        // serde's messages can quote values; a token response must not leak any.
        let category = format!("{:?}", source.classify());
        (
            "<redacted: OAuth token response>".to_owned(),
            <serde_json::Error as serde::de::Error>::custom(format!(
                "{category} error (details redacted)"
            )),
        )
    } else {
        (excerpt(body), source)
    };
    Error::Decode {
        method: method.clone(),
        path,
        json_path,
        body_excerpt,
        source,
    }
}

/// `/results/post` -> `results.post`; `/items/0` -> `items[0]` (RFC 6901 escapes undone).
fn pointer_to_path(pointer: &str) -> String {
    let mut out = String::new();
    for token in pointer.split('/').skip(1) {
        let token = token.replace("~1", "/").replace("~0", "~");
        if !token.is_empty() && token.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&format!("[{token}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&token);
        }
    }
    out
}
