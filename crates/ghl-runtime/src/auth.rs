//! Tokens: Private Integration Tokens, OAuth token sets and where they are kept.
//!
//! A PIT or a fixed access token is given with
//! [`ClientBuilder::token`](crate::ClientBuilder::token). For OAuth, give the app's
//! credentials and a token store with [`ClientBuilder::oauth`](crate::ClientBuilder::oauth):
//! the client then loads the token set from the store, refreshes the access token a few
//! minutes before it expires (one refresh for all concurrent callers), and saves every new
//! token set — HighLevel rotates the refresh token on every refresh — to the store
//! *before* the new access token is used, so a crash can never lose the only valid refresh
//! token. The store is an [`OwnerTokenStore`](crate::store::OwnerTokenStore), as for an
//! [`App`](crate::App): [`FileTokenStore`] and [`MemoryTokenStore`] hold the one token set
//! of such a client; processes sharing a `FileTokenStore` refresh one at a time.
//!
//! ```no_run
//! use std::sync::Arc;
//! use ghl_runtime::Client;
//! use ghl_runtime::auth::{OAuthConfig, UserType};
//! use ghl_runtime::store::FileTokenStore;
//!
//! # async fn run() -> ghl_runtime::Result<()> {
//! let store = Arc::new(FileTokenStore::new("/var/lib/my-app/ghl-tokens.json"));
//! let client = Client::builder()
//!     .oauth(
//!         OAuthConfig::new("my-client-id", "my-client-secret")
//!             .redirect_uri("https://example.com/oauth/callback")
//!             .user_type(UserType::Location),
//!         store,
//!     )
//!     .build()?;
//! // First run only: exchange the code HighLevel sent to the redirect URI.
//! if client.load_tokens().await?.is_none() {
//!     client.exchange_code("code-from-callback").await?;
//! }
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use crate::{Error, Result};

pub(crate) use crate::token::TokenResponse;
pub use crate::token::{Secret, TokenSet, UserType};

/// The single-installation stores, at their home in [`store`](crate::store) since 0.2;
/// kept here so that `ghl_runtime::auth::FileTokenStore` still resolves.
pub use crate::store::{FileTokenStore, MemoryTokenStore};

/// The marketplace where a location (or agency) installs an app: the base of
/// [`OAuthConfig::install_url`] unless [`OAuthConfig::marketplace_url`] sets a white-label
/// one.
pub const DEFAULT_MARKETPLACE_URL: &str = "https://marketplace.gohighlevel.com";

/// The scopes an install URL asks for.
fn scope_names<S: Clone + Into<crate::Scope>>(scopes: &[S]) -> Vec<crate::Scope> {
    scopes.iter().cloned().map(Into::into).collect()
}

/// The marketplace page that asks the user to choose a location and grant the scopes.
const CHOOSE_LOCATION_PATH: &str = "/oauth/chooselocation";

/// What is left as it is in a query parameter of the install URL: RFC 3986 unreserved
/// characters. Everything else (`:`, `/`, `?`, `&`, `=`, spaces, ...) is percent-encoded,
/// spaces as `%20`.
const QUERY_VALUE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The marketplace app id of an OAuth client id: its part before the first `-` (a client
/// id is `{appId}-{suffix}`); the whole id when it has no `-`, so an app id passed here
/// is returned unchanged.
///
/// HighLevel signs every app's webhooks with the same key, so the `appId` of an `INSTALL`
/// or `UNINSTALL` delivery is what tells this app's installations from another app's.
pub fn app_id_of(client_id: &str) -> &str {
    let id = client_id.trim();
    id.split_once('-').map_or(id, |(app, _)| app)
}

/// An OAuth app's credentials and refresh settings.
#[derive(Clone)]
pub struct OAuthConfig {
    pub(crate) client_id: String,
    pub(crate) client_secret: Secret,
    pub(crate) redirect_uri: Option<String>,
    pub(crate) user_type: UserType,
    pub(crate) refresh_ahead: Duration,
    pub(crate) marketplace_url: String,
}

impl fmt::Debug for OAuthConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthConfig")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("redirect_uri", &self.redirect_uri)
            .field("user_type", &self.user_type)
            .field("refresh_ahead", &self.refresh_ahead)
            .field("marketplace_url", &self.marketplace_url)
            .finish()
    }
}

impl OAuthConfig {
    /// The app's client id and secret. Defaults: no redirect URI, `user_type` `Location`,
    /// refresh 5 minutes before expiry.
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<String>) -> OAuthConfig {
        OAuthConfig {
            client_id: client_id.into(),
            client_secret: Secret::new(client_secret),
            redirect_uri: None,
            user_type: UserType::Location,
            refresh_ahead: Duration::from_secs(300),
            marketplace_url: DEFAULT_MARKETPLACE_URL.to_owned(),
        }
    }

    /// The redirect URI registered for the app (sent with code exchanges and refreshes).
    pub fn redirect_uri(mut self, uri: impl Into<String>) -> OAuthConfig {
        self.redirect_uri = Some(uri.into());
        self
    }

    /// The `user_type` asked for.
    pub fn user_type(mut self, user_type: UserType) -> OAuthConfig {
        self.user_type = user_type;
        self
    }

    /// How long before expiry the access token is refreshed (default 5 minutes). A token
    /// living less than twice this long is refreshed once half its lifetime has passed
    /// instead (see [`TokenSet::refresh_margin`]).
    pub fn refresh_ahead(mut self, margin: Duration) -> OAuthConfig {
        self.refresh_ahead = margin;
        self
    }

    /// The client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The marketplace app this client id belongs to: the `appId` HighLevel puts in the
    /// app's `INSTALL` and `UNINSTALL` webhooks (see [`app_id_of`]).
    ///
    /// ```
    /// use ghl_runtime::auth::OAuthConfig;
    /// let config = OAuthConfig::new("66a0419a0dffa47fb5f8b22f-lz3k9d8q", "secret");
    /// assert_eq!(config.app_id(), "66a0419a0dffa47fb5f8b22f");
    /// ```
    pub fn app_id(&self) -> &str {
        app_id_of(&self.client_id)
    }

    /// The marketplace [`install_url`](OAuthConfig::install_url) points to: its scheme and
    /// host, e.g. a white-label `https://marketplace.leadconnectorhq.com` (default
    /// [`DEFAULT_MARKETPLACE_URL`]). A trailing `/` or `/oauth/chooselocation` is ignored.
    pub fn marketplace_url(mut self, url: impl Into<String>) -> OAuthConfig {
        self.marketplace_url = url.into();
        self
    }

    /// The URL that starts the app's installation: the marketplace page where the user
    /// picks a location (or agency) and grants `scopes`, which then redirects to the
    /// [`redirect_uri`](OAuthConfig::redirect_uri) with the code for
    /// [`Client::exchange_code`](crate::Client::exchange_code):
    ///
    /// `{marketplace}/oauth/chooselocation?response_type=code&redirect_uri=...&client_id=...&scope=...`
    ///
    /// with the scopes space-separated and every value percent-encoded (spaces as `%20`).
    ///
    /// Fails with [`Error::Config`] when no redirect URI is set, no scope is given, or the
    /// marketplace URL is not an `http(s)` URL.
    ///
    /// The scopes are [`Scope`](crate::Scope)s, or their names (`"contacts.readonly"`): each
    /// operation's docs link the scope it requires.
    ///
    /// ```
    /// use ghl_runtime::{Scope, auth::OAuthConfig};
    /// let url = OAuthConfig::new("app-id", "secret")
    ///     .redirect_uri("https://example.com/cb")
    ///     .install_url(&[Scope::ContactsReadonly, Scope::InvoicesTemplateWrite])?;
    /// assert_eq!(
    ///     url,
    ///     "https://marketplace.gohighlevel.com/oauth/chooselocation?response_type=code\
    ///      &redirect_uri=https%3A%2F%2Fexample.com%2Fcb&client_id=app-id\
    ///      &scope=contacts.readonly%20invoices%2Ftemplate.write"
    /// );
    /// # Ok::<(), ghl_runtime::Error>(())
    /// ```
    pub fn install_url<S: Clone + Into<crate::Scope>>(&self, scopes: &[S]) -> Result<String> {
        self.build_install_url(&scope_names(scopes), None)
    }

    /// [`install_url`](OAuthConfig::install_url) with a `state` parameter, which the
    /// marketplace hands back to the redirect URI unchanged: a value bound to the user's
    /// session lets the callback check that it answers an installation it started.
    pub fn install_url_with_state<S: Clone + Into<crate::Scope>>(
        &self,
        scopes: &[S],
        state: &str,
    ) -> Result<String> {
        self.build_install_url(&scope_names(scopes), Some(state))
    }

    fn build_install_url(&self, scopes: &[crate::Scope], state: Option<&str>) -> Result<String> {
        let Some(redirect_uri) = self.redirect_uri.as_deref() else {
            return Err(Error::config(
                "the install URL needs the app's redirect URI: set it with OAuthConfig::redirect_uri (the one registered for the app in the marketplace)",
            ));
        };
        let scopes: Vec<&str> = scopes
            .iter()
            .map(|s| s.as_str().trim())
            .filter(|s| !s.is_empty())
            .collect();
        if scopes.is_empty() {
            return Err(Error::config(
                "the install URL needs at least one scope, e.g. contacts.readonly",
            ));
        }
        // The page's own URL is accepted too.
        let base = self.marketplace_url.trim_end_matches('/');
        let base = base.strip_suffix(CHOOSE_LOCATION_PATH).unwrap_or(base);
        let parsed = url::Url::parse(base)
            .map_err(|e| Error::config(format!("invalid marketplace URL {base:?}: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https")
            || parsed.query().is_some()
            || parsed.fragment().is_some()
        {
            return Err(Error::config(format!(
                "invalid marketplace URL {base:?}: give an http(s) scheme and host, without a query"
            )));
        }
        let enc = |v: &str| percent_encoding::utf8_percent_encode(v, QUERY_VALUE).to_string();
        let mut out = format!(
            "{base}{CHOOSE_LOCATION_PATH}?response_type=code&redirect_uri={}&client_id={}&scope={}",
            enc(redirect_uri),
            enc(&self.client_id),
            enc(&scopes.join(" "))
        );
        if let Some(state) = state {
            out.push_str("&state=");
            out.push_str(&enc(state));
        }
        Ok(out)
    }

    /// The form fields of a `POST /oauth/token` call.
    pub(crate) fn token_form(&self, grant: Grant<'_>) -> Vec<(&'static str, String)> {
        let mut form = vec![
            ("client_id", self.client_id.clone()),
            ("client_secret", self.client_secret.expose().to_owned()),
        ];
        match grant {
            Grant::Code(code) => {
                form.push(("grant_type", "authorization_code".to_owned()));
                form.push(("code", code.to_owned()));
            }
            Grant::Refresh(token) => {
                form.push(("grant_type", "refresh_token".to_owned()));
                form.push(("refresh_token", token.to_owned()));
            }
        }
        if let Some(uri) = &self.redirect_uri {
            form.push(("redirect_uri", uri.clone()));
        }
        form.push(("user_type", self.user_type.as_str().to_owned()));
        form
    }
}

/// What a `POST /oauth/token` call trades in.
pub(crate) enum Grant<'a> {
    Code(&'a str),
    Refresh(&'a str),
}

/// `Authorization: Bearer <token>`, marked sensitive (never shown by `Debug`); `None` when
/// the token holds characters a header cannot carry.
pub(crate) fn bearer_header(token: &Secret) -> Option<reqwest::header::HeaderValue> {
    let mut value =
        reqwest::header::HeaderValue::from_str(&format!("Bearer {}", token.expose())).ok()?;
    value.set_sensitive(true);
    Some(value)
}

/// The token set in use, with what every call needs from it computed once per token.
pub(crate) struct ActiveTokens {
    pub(crate) tokens: TokenSet,
    /// See [`bearer_header`].
    pub(crate) bearer: Option<reqwest::header::HeaderValue>,
    /// [`TokenSet::owner`].
    pub(crate) owner: Option<std::sync::Arc<str>>,
}

impl ActiveTokens {
    pub(crate) fn new(tokens: TokenSet) -> ActiveTokens {
        ActiveTokens {
            bearer: bearer_header(&tokens.access_token),
            owner: tokens.owner().map(std::sync::Arc::from),
            tokens,
        }
    }

    /// True when the access token need not be refreshed yet.
    pub(crate) fn fresh(&self, refresh_ahead: Duration) -> bool {
        self.tokens
            .is_fresh(self.tokens.refresh_margin(refresh_ahead))
    }
}

/// Where an OAuth session keeps its token set: an owner's place in an
/// [`OwnerTokenStore`](crate::store::OwnerTokenStore), and how long to hold and wait for
/// its refresh lock.
pub(crate) struct SharedStore {
    pub(crate) store: std::sync::Arc<dyn crate::store::OwnerTokenStore>,
    pub(crate) owner: std::sync::Arc<str>,
    pub(crate) lock_ttl: Duration,
    pub(crate) lock_wait: Duration,
}

impl SharedStore {
    /// How long a refresh lock is held at most: a process that crashed holding it blocks
    /// the others this long.
    pub(crate) const DEFAULT_LOCK_TTL: Duration = Duration::from_secs(20);

    /// The owner the one installation of [`ClientBuilder::oauth`](crate::ClientBuilder::oauth)
    /// is kept under (no location or company id is known before the code exchange).
    pub(crate) const SINGLE_OWNER: &'static str = "oauth";

    /// How long a call waits for another process's refresh by default, for a lock held at
    /// most `ttl`: twice that, plus 5 s.
    pub(crate) fn default_lock_wait(ttl: Duration) -> Duration {
        ttl * 2 + Duration::from_secs(5)
    }

    /// `owner`'s place in `store`, with the default lock times.
    pub(crate) fn new(
        store: std::sync::Arc<dyn crate::store::OwnerTokenStore>,
        owner: std::sync::Arc<str>,
    ) -> SharedStore {
        SharedStore {
            store,
            owner,
            lock_ttl: SharedStore::DEFAULT_LOCK_TTL,
            lock_wait: SharedStore::default_lock_wait(SharedStore::DEFAULT_LOCK_TTL),
        }
    }

    /// True when the owner is the location or company the tokens must belong to (an
    /// [`App`](crate::App)'s owner, a location client's location), not the one
    /// installation of [`ClientBuilder::oauth`](crate::ClientBuilder::oauth).
    pub(crate) fn pinned(&self) -> bool {
        &*self.owner != SharedStore::SINGLE_OWNER
    }
}

/// Mints a location token from the agency's (`POST /oauth/locationToken`): how a location
/// session whose token expired without a refresh token, or whose refresh was refused,
/// gets a new one.
pub(crate) trait LocationMinter: Send + Sync {
    fn mint<'a>(
        &'a self,
        company_id: &'a str,
        location_id: &'a str,
    ) -> crate::store::StoreFuture<'a, TokenSet>;
}

/// The OAuth state one client (and its clones) share.
pub(crate) struct OAuthSession {
    pub(crate) config: OAuthConfig,
    pub(crate) store: SharedStore,
    current: std::sync::RwLock<Option<std::sync::Arc<ActiveTokens>>>,
    pub(crate) refresh_lock: tokio::sync::Mutex<()>,
    pub(crate) refreshes: AtomicU64,
    /// For a location session: mints its token again from the agency's (see
    /// [`LocationMinter`]).
    pub(crate) minter: Option<std::sync::Arc<dyn LocationMinter>>,
}

impl OAuthSession {
    pub(crate) fn new(
        config: OAuthConfig,
        store: SharedStore,
        initial: Option<TokenSet>,
    ) -> OAuthSession {
        OAuthSession {
            config,
            store,
            current: std::sync::RwLock::new(
                initial.map(|t| std::sync::Arc::new(ActiveTokens::new(t))),
            ),
            refresh_lock: tokio::sync::Mutex::new(()),
            refreshes: AtomicU64::new(0),
            minter: None,
        }
    }

    /// The token set in use, with its precomputed header.
    pub(crate) fn active(&self) -> Option<std::sync::Arc<ActiveTokens>> {
        match self.current.read() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    pub(crate) fn current(&self) -> Option<TokenSet> {
        self.active().map(|a| a.tokens.clone())
    }

    pub(crate) fn set(&self, tokens: TokenSet) {
        let active = Some(std::sync::Arc::new(ActiveTokens::new(tokens)));
        match self.current.write() {
            Ok(mut g) => *g = active,
            Err(p) => *p.into_inner() = active,
        }
    }

    /// The token set in use when its access token is fresh.
    pub(crate) fn fresh(&self) -> Option<std::sync::Arc<ActiveTokens>> {
        self.active().filter(|a| a.fresh(self.config.refresh_ahead))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted_in_debug() {
        let t = TokenSet::new("at-SECRET", Duration::from_secs(60)).with_refresh_token("rt-SECRET");
        let dbg = format!("{t:?}");
        assert!(!dbg.contains("SECRET"), "{dbg}");
        let c = OAuthConfig::new("id", "cs-SECRET");
        assert!(!format!("{c:?}").contains("SECRET"));
    }

    /// A 60 s token with the default 300 s margin: fresh for its first 30 s, whatever the
    /// number of calls, then refreshed.
    #[test]
    fn refresh_margin_is_capped_by_half_the_lifetime() {
        let ahead = Duration::from_secs(300);
        let mut t = TokenSet::new("a", Duration::from_secs(60));
        t.expires_at = 1_000_060;
        assert_eq!(t.refresh_margin(ahead), Duration::from_secs(30));
        let issued = 1_000_000;
        for elapsed in 0..30 {
            assert!(
                t.is_fresh_at(issued + elapsed, t.refresh_margin(ahead)),
                "{elapsed}"
            );
        }
        for elapsed in 30..70 {
            assert!(
                !t.is_fresh_at(issued + elapsed, t.refresh_margin(ahead)),
                "{elapsed}"
            );
        }
        // A long-lived token keeps the configured margin.
        let day = TokenSet::new("a", Duration::from_secs(86_399));
        assert_eq!(day.refresh_margin(ahead), ahead);
        assert_eq!(
            day.refresh_margin(Duration::from_secs(60)),
            Duration::from_secs(60)
        );
        // Unknown lifetime (a set stored by an earlier version): the configured margin.
        let mut old = TokenSet::new("a", Duration::from_secs(60));
        old.expires_in = None;
        assert_eq!(old.refresh_margin(ahead), ahead);
    }

    /// Token sets stored before `expiresIn` existed still load, and one without a lifetime
    /// is written as before.
    #[test]
    fn stored_format_stays_compatible() {
        let old = r#"{"accessToken":"a","refreshToken":"r","expiresAt":1700000000,"tokenType":"Bearer","locationId":"l"}"#;
        let t: TokenSet = serde_json::from_str(old).unwrap();
        assert_eq!(t.expires_in, None);
        assert_eq!(t.location_id.as_deref(), Some("l"));
        assert_eq!(serde_json::to_string(&t).unwrap(), old);
        let mut t = t;
        t.expires_in = Some(86_399);
        let json = serde_json::to_value(&t).unwrap();
        assert_eq!(json["expiresIn"], 86_399);
    }
}
