//! [`App`]: one OAuth app installed in many locations and companies, served by any
//! number of processes.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use crate::auth::{LocationMinter, OAuthConfig, OAuthSession, SharedStore, TokenSet, UserType};
use crate::store::{OwnerTokenStore, StoreFuture};
use crate::{Client, ClientBuilder, Error, Result};

/// An OAuth app's clients for every owner (location or company) it is installed in, on
/// one connection pool, rate limiter and retry budget, with the token sets in an
/// [`OwnerTokenStore`]. Cheap to clone.
///
/// [`App::location`] and [`App::company`] return a [`Client`] for one owner in
/// microseconds (no I/O): its token set is loaded from the store on the first call, and
/// refreshed through the store's lock, once for all the processes sharing it. Clients of
/// one owner made by one `App` share their token state.
///
/// ```no_run
/// use std::sync::Arc;
/// use ghl_runtime::App;
/// use ghl_runtime::auth::OAuthConfig;
/// use ghl_runtime::store::DirTokenStore;
///
/// # async fn run() -> ghl_runtime::Result<()> {
/// let app = App::builder(
///     OAuthConfig::new("client-id", "client-secret").redirect_uri("https://example.com/cb"),
///     Arc::new(DirTokenStore::new("/var/lib/my-app/tokens")),
/// )
/// .build()?;
/// // In the OAuth callback: store the new installation under its location or company.
/// app.install("code-from-callback").await?;
/// // Anywhere, in any process sharing the store:
/// let client = app.location("ve9EPM428h8vShlRW1KT");
/// let blogs: serde_json::Value = client
///     .send(ghl_runtime::Request::new(
///         ghl_runtime::Method::GET,
///         "/blogs/authors",
///         "/blogs/authors".to_owned(),
///         "2021-07-28",
///     ))
///     .await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct App {
    inner: Arc<AppInner>,
}

/// The live sessions by owner (and whether it is a company), so that the clients of one
/// owner made by one app share their token state and in-process single flight.
type Sessions = HashMap<(Arc<str>, bool), Weak<OAuthSession>>;

struct AppInner {
    config: OAuthConfig,
    store: Arc<dyn OwnerTokenStore>,
    /// A client without credentials: its pool, settings, limiter and retry budget are
    /// shared by every owner's client.
    base: Client,
    sessions: Mutex<Sessions>,
    lock_ttl: Duration,
    lock_wait: Duration,
}

impl fmt::Debug for App {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("App")
            .field("config", &self.inner.config)
            .field("base", &self.inner.base)
            .field("lock_ttl", &self.inner.lock_ttl)
            .finish_non_exhaustive()
    }
}

/// Configures an [`App`].
pub struct AppBuilder {
    config: OAuthConfig,
    store: Arc<dyn OwnerTokenStore>,
    client: ClientBuilder,
    lock_ttl: Duration,
    lock_wait: Option<Duration>,
}

impl fmt::Debug for AppBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppBuilder")
            .field("config", &self.config)
            .field("client", &self.client)
            .field("lock_ttl", &self.lock_ttl)
            .field("lock_wait", &self.lock_wait)
            .finish_non_exhaustive()
    }
}

impl AppBuilder {
    /// The settings of every owner's client: base URL, timeouts, retries, rate limits, an
    /// existing `reqwest::Client`... (default [`Client::builder`]). It must carry no token
    /// and no OAuth credentials: the app provides them.
    pub fn client(mut self, client: ClientBuilder) -> AppBuilder {
        self.client = client;
        self
    }

    /// How long a refresh lock is held at most (default 20 s): a process that crashes
    /// while refreshing blocks the others' refreshes for at most this long. A refresh
    /// that outlives its lock is still safe: the store's fencing check refuses to replace
    /// tokens another process stored meanwhile.
    pub fn refresh_lock_ttl(mut self, ttl: Duration) -> AppBuilder {
        self.lock_ttl = ttl;
        self
    }

    /// How long a call waits for another process's refresh before failing (default twice
    /// the lock's time to live plus 5 s).
    pub fn refresh_wait(mut self, wait: Duration) -> AppBuilder {
        self.lock_wait = Some(wait);
        self
    }

    /// Builds the app. Fails when the client settings are invalid or carry credentials.
    pub fn build(self) -> Result<App> {
        let base = self.client.build()?;
        if base.has_credentials() {
            return Err(Error::config(
                "App::builder(...).client(...) takes settings only; the app provides each owner's tokens",
            ));
        }
        Ok(App {
            inner: Arc::new(AppInner {
                config: self.config,
                store: self.store,
                base,
                sessions: Mutex::new(HashMap::new()),
                lock_ttl: self.lock_ttl,
                lock_wait: self
                    .lock_wait
                    .unwrap_or_else(|| SharedStore::default_lock_wait(self.lock_ttl)),
            }),
        })
    }
}

/// Mints through a weak handle: sessions live in the app's map, which must not keep the
/// app alive.
struct AppMinter(Weak<AppInner>);

impl LocationMinter for AppMinter {
    fn mint<'a>(&'a self, company_id: &'a str, location_id: &'a str) -> StoreFuture<'a, TokenSet> {
        Box::pin(async move {
            let Some(inner) = self.0.upgrade() else {
                return Err(Error::config("the App was dropped"));
            };
            let app = App { inner };
            let tokens = app
                .company(company_id)
                .location_token(company_id, location_id)
                .await?;
            tracing::info!(
                company_id,
                location_id,
                "ghl: location token minted from the agency token"
            );
            Ok(tokens)
        })
    }
}

impl App {
    /// An app with its OAuth credentials and the store of its installations' tokens.
    pub fn builder(config: OAuthConfig, store: Arc<dyn OwnerTokenStore>) -> AppBuilder {
        AppBuilder {
            config,
            store,
            client: Client::builder(),
            lock_ttl: SharedStore::DEFAULT_LOCK_TTL,
            lock_wait: None,
        }
    }

    /// The client of a location (sub-account), rate limited as that location. Its token
    /// set is the store's entry for `location_id`. When that token set expires without a
    /// refresh token (minted from an agency token), or its refresh is refused (revoked,
    /// spent elsewhere), a location token is minted again, once, from the agency token
    /// stored for its company; when that fails too, the error names both causes.
    pub fn location(&self, location_id: &str) -> Client {
        self.client_for(location_id, false)
    }

    /// The client of a company (agency), rate limited as that company, with the store's
    /// entry for `company_id`.
    pub fn company(&self, company_id: &str) -> Client {
        self.client_for(company_id, true)
    }

    fn client_for(&self, owner: &str, company: bool) -> Client {
        let inner = &self.inner;
        let mut sessions = match inner.sessions.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        let key: (Arc<str>, bool) = (Arc::from(owner), company);
        if let Some(session) = sessions.get(&key).and_then(Weak::upgrade) {
            return inner.base.with_session(session, key.0);
        }
        // Forget the sessions of owners no client uses any more.
        if sessions.len() >= 64 && sessions.len().is_power_of_two() {
            sessions.retain(|_, s| s.strong_count() > 0);
        }
        let user_type = if company {
            UserType::Company
        } else {
            UserType::Location
        };
        let mut session = OAuthSession::new(
            inner.config.clone().user_type(user_type),
            SharedStore {
                lock_ttl: inner.lock_ttl,
                lock_wait: inner.lock_wait,
                ..SharedStore::new(inner.store.clone(), key.0.clone())
            },
            None,
        );
        if !company {
            session.minter = Some(Arc::new(AppMinter(Arc::downgrade(&self.inner))));
        }
        let session = Arc::new(session);
        sessions.insert(key.clone(), Arc::downgrade(&session));
        inner.base.with_session(session, key.0)
    }

    /// Exchanges an authorization code (from the OAuth redirect) and stores the new
    /// installation's token set under its location, or its company for an agency-level
    /// installation. Returns the token set; its [`owner`](TokenSet::owner) says whose it
    /// is.
    pub async fn install(&self, code: &str) -> Result<TokenSet> {
        let inner = &self.inner;
        let tokens = inner.base.exchange_with(&inner.config, code).await?;
        let owner = match (tokens.user_type.as_deref(), &tokens.company_id) {
            (Some("Company"), Some(company)) => company.clone(),
            _ => match tokens.owner() {
                Some(owner) => owner.to_owned(),
                None => {
                    return Err(Error::config(
                        "the token answer names no location or company to store it under",
                    ));
                }
            },
        };
        inner.store.save(&owner, &tokens).await?;
        tracing::info!(owner = %owner, "ghl: installation stored");
        Ok(tokens)
    }

    /// Stores a token set for `owner` (tokens obtained elsewhere, or a migration from a
    /// client's [`FileTokenStore`](crate::store::FileTokenStore)).
    pub async fn store_tokens(&self, owner: &str, tokens: &TokenSet) -> Result<()> {
        self.inner.store.save(owner, tokens).await
    }

    /// Deletes `owner`'s token set (after an uninstallation: its tokens are dead).
    /// `Ok(true)` when there was one.
    pub async fn uninstall(&self, owner: &str) -> Result<bool> {
        self.inner.store.delete(owner).await
    }

    /// Agency → every location: mints and stores a location token, with the agency token
    /// stored for `company_id`, for each of `location_ids`, one after the other (the
    /// limiter paces them as the company's calls). Returns the locations that failed with
    /// their errors; the others are stored.
    pub async fn mint_locations(
        &self,
        company_id: &str,
        location_ids: &[&str],
    ) -> Vec<(String, Error)> {
        let agency = self.company(company_id);
        let mut failed = Vec::new();
        for location_id in location_ids {
            let minted = async {
                let mut tokens = agency.location_token(company_id, location_id).await?;
                if tokens.company_id.is_none() {
                    tokens.company_id = Some(company_id.to_owned());
                }
                self.inner.store.save(location_id, &tokens).await
            };
            if let Err(e) = minted.await {
                failed.push(((*location_id).to_owned(), e));
            }
        }
        failed
    }

    /// The ids of every location of `company_id` that has the app `app_id` installed
    /// (`GET /oauth/installedLocations`, read page by page with the agency token stored for
    /// the company; the limiter paces the pages as the company's calls).
    pub async fn installed_locations(&self, company_id: &str, app_id: &str) -> Result<Vec<String>> {
        /// One page of `GET /oauth/installedLocations`.
        #[derive(serde::Deserialize)]
        struct Page {
            #[serde(default)]
            locations: Vec<Installed>,
            #[serde(default)]
            count: Option<u64>,
        }
        #[derive(serde::Deserialize)]
        struct Installed {
            #[serde(rename = "_id")]
            id: String,
        }
        const PAGE: usize = 100;
        let agency = self.company(company_id);
        let mut ids: Vec<String> = Vec::new();
        loop {
            let request = crate::Request::new(
                crate::Method::GET,
                "/oauth/installedLocations",
                "/oauth/installedLocations".to_owned(),
                crate::DEFAULT_API_VERSION,
            )
            .query("companyId", &company_id)
            .query("appId", &app_id)
            .query("isInstalled", &true)
            .query("skip", &ids.len())
            .query("limit", &PAGE)
            .scopes(&["oauth.readonly"])
            .token_kinds(crate::TokenKinds::AGENCY);
            let page: Page = agency.send(request).await?;
            let read = page.locations.len();
            ids.extend(page.locations.into_iter().map(|location| location.id));
            // A short page is the last; a total, when given, ends it as soon as it is reached
            // (and an empty page always does, so a server that repeats itself cannot loop).
            if read < PAGE || read == 0 || page.count.is_some_and(|total| ids.len() as u64 >= total)
            {
                break;
            }
        }
        ids.sort();
        ids.dedup();
        Ok(ids)
    }

    /// [`App::mint_locations`] for every location [`App::installed_locations`] lists: after
    /// an agency-level installation, one call gives every location its stored token. Returns
    /// the locations that failed with their errors.
    pub async fn mint_installed_locations(
        &self,
        company_id: &str,
        app_id: &str,
    ) -> Result<Vec<(String, Error)>> {
        let ids = self.installed_locations(company_id, app_id).await?;
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        Ok(self.mint_locations(company_id, &ids).await)
    }

    /// Keeps the store in step with an `INSTALL` or `UNINSTALL` webhook of this app: an
    /// uninstalled location's or company's tokens are deleted (they are dead); a location
    /// installed through an agency whose token is stored gets a location token minted and
    /// stored. Other installations bring their tokens through the OAuth redirect
    /// ([`App::install`]).
    ///
    /// Install events of other apps are ignored (logged at debug): HighLevel signs every
    /// app's deliveries with the same key, so a webhook URL shared by several apps receives
    /// them all, and only the event's `appId` tells them apart. It must be this app's
    /// ([`OAuthConfig::app_id`]); an event without one is ignored too.
    #[cfg(feature = "webhooks")]
    pub async fn apply_install_event(&self, event: &crate::webhooks::WebhookEvent) -> Result<()> {
        use crate::webhooks::{InstallTarget, WebhookEvent};
        let app_id = self.inner.config.app_id();
        if let Some((event_app_id, for_this_app)) = event.install_app(app_id) {
            if !for_this_app {
                tracing::debug!(
                    event_app_id = event_app_id.unwrap_or(""),
                    app_id,
                    "ghl: install event of another app ignored"
                );
                return Ok(());
            }
        }
        match event {
            WebhookEvent::AppUninstall(e) => {
                if let Some(InstallTarget::Location(id) | InstallTarget::Company(id)) = e.target() {
                    let deleted = self.uninstall(id).await?;
                    tracing::info!(owner = id, deleted, "ghl: uninstalled, tokens deleted");
                }
                Ok(())
            }
            WebhookEvent::AppInstall(e) => {
                let (Some(InstallTarget::Location(location)), Some(company)) =
                    (e.target(), e.company_id.as_deref())
                else {
                    return Ok(());
                };
                if self.inner.store.load(location).await?.is_some()
                    || self.inner.store.load(company).await?.is_none()
                {
                    return Ok(());
                }
                match self.mint_locations(company, &[location]).await.pop() {
                    Some((_, e)) => Err(e),
                    None => Ok(()),
                }
            }
            _ => Ok(()),
        }
    }

    /// Verifies a webhook delivery with `verifier` and, for a genuine `INSTALL` or
    /// `UNINSTALL`, applies it to the store ([`App::apply_install_event`]) before
    /// returning it. When that fails, the delivery's id is released from the verifier's
    /// dedupe store so that HighLevel's redelivery runs it again: answer with a 5xx.
    #[cfg(feature = "webhooks")]
    pub async fn verify_webhook(
        &self,
        verifier: &crate::webhooks::WebhookVerifier,
        headers: &crate::webhooks::HeaderMap,
        body: &[u8],
    ) -> std::result::Result<crate::webhooks::VerifiedWebhook, crate::webhooks::VerifyWithHookError>
    {
        let delivery = verifier
            .verify(headers, body)
            .await
            .map_err(crate::webhooks::VerifyWithHookError::Rejected)?;
        match self.apply_install_event(&delivery.event).await {
            Ok(()) => Ok(delivery),
            Err(source) => {
                if let Err(e) = verifier.release(&delivery).await {
                    tracing::warn!(error = %e, "ghl: a delivery whose install event failed could not be released");
                }
                Err(crate::webhooks::VerifyWithHookError::Hook {
                    delivery: Box::new(delivery),
                    source: Box::new(source),
                })
            }
        }
    }

    /// The store of the installations' token sets.
    pub fn store(&self) -> &Arc<dyn OwnerTokenStore> {
        &self.inner.store
    }

    /// The app's OAuth credentials and settings.
    pub fn config(&self) -> &OAuthConfig {
        &self.inner.config
    }

    /// The client without credentials whose pool, settings, limiter and retry budget
    /// every owner's client shares.
    pub fn base_client(&self) -> &Client {
        &self.inner.base
    }
}
