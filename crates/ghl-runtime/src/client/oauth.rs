//! The OAuth token lifecycle of a [`Client`]: exchanging a code, refreshing (single flight,
//! through the token store's lock and fencing), minting location tokens, and the call path that
//! refreshes once on a 401.

use super::*;

/// No token set is stored for `owner`.
#[cold]
/// True when the token endpoint refused a grant (`invalid_grant`: a refresh token spent,
/// revoked or unknown), as opposed to failing to answer.
pub(super) fn is_refusal(e: &Error) -> bool {
    matches!(e.status(), Some(400 | 401 | 403 | 422))
}

/// Mints a location's token with an agency client's token (for
/// [`Client::location_client`]).
pub(super) struct AgencyMinter(Client);

impl crate::auth::LocationMinter for AgencyMinter {
    fn mint<'a>(
        &'a self,
        company_id: &'a str,
        location_id: &'a str,
    ) -> crate::store::StoreFuture<'a, TokenSet> {
        Box::pin(self.0.location_token(company_id, location_id))
    }
}

pub(super) fn not_installed(owner: &str) -> Error {
    if owner == OAUTH_OWNER {
        return Error::config(
            "no OAuth tokens yet: call Client::exchange_code with the authorization code first",
        );
    }
    Error::config(format!(
        "no OAuth tokens are stored for {owner}: the app is not installed there (App::install), or was uninstalled"
    ))
}

impl Client {
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
    pub(super) fn adopt(
        &self,
        session: &OAuthSession,
        stored: &Option<TokenSet>,
    ) -> Option<TokenSet> {
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
    pub(super) async fn refresh_locked(&self, session: &OAuthSession) -> Result<TokenSet> {
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
    pub(super) async fn refresh_holding_lock(&self, session: &OAuthSession) -> Result<TokenSet> {
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
    pub(super) async fn refresh_grant(
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
    pub(super) async fn mint_again(
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
    pub(super) async fn token_call(&self, form: &[(&'static str, String)]) -> Result<TokenSet> {
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

    /// `POST /oauth/token` trading an authorization code (for [`App::install`](crate::App::install)).
    pub(crate) async fn exchange_with(&self, config: &OAuthConfig, code: &str) -> Result<TokenSet> {
        self.token_call(&config.token_form(Grant::Code(code))).await
    }

    /// The OAuth token set to send (refreshing first when needed).
    pub(super) async fn oauth_tokens(&self, session: &OAuthSession) -> Result<Arc<ActiveTokens>> {
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

    /// Sends with the OAuth token (refreshing it first when needed). On a first 401 (an
    /// [`Error::Unauthorized`], or an [`Error::AgencyTokenRequired`] with status 401: an
    /// expired agency token looks the same), refreshes once unless another call already
    /// replaced the token (single flight), and tries again; only the retry's answer is
    /// reported.
    pub(super) async fn execute_oauth(&self, mut request: Request) -> Result<Raw> {
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
}
