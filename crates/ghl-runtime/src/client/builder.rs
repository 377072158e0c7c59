//! [`ClientBuilder`]: a [`Client`]'s configuration, and the HTTP client it builds.

use super::*;

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
pub(super) fn token_owner_key(token: &Secret) -> String {
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
pub(super) fn build_http(timeout: Duration, connect_timeout: Duration) -> Result<reqwest::Client> {
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
