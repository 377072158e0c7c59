//! Token values: a [`Secret`], a [`TokenSet`] as HighLevel issues and rotates it, and the clock
//! it expires by. The lowest layer of auth: stores keep these, `auth` refreshes them (both
//! depend on this module, never on each other). Re-exported from [`crate::auth`].

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// A secret string (token, client secret). Its `Debug` shows `<redacted>`, it has no
/// `Display`, and it serializes as the plain string (for token stores).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The secret itself. Take care where it goes.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(value.to_owned())
    }
}

/// Which kind of token an OAuth exchange asks for (`user_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum UserType {
    /// A sub-account (location) token.
    #[default]
    Location,
    /// An agency (company) token.
    Company,
}

impl UserType {
    /// The wire value, `Location` or `Company`.
    pub fn as_str(self) -> &'static str {
        match self {
            UserType::Location => "Location",
            UserType::Company => "Company",
        }
    }
}

/// An OAuth token set with its absolute expiry, as kept by a token store.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenSet {
    /// The access token (sent as `Bearer`).
    pub access_token: Secret,
    /// The refresh token; replaced on every refresh.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<Secret>,
    /// When the access token expires, in seconds since the Unix epoch.
    pub expires_at: u64,
    /// `token_type` (usually `Bearer`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
    /// Granted scopes, space separated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The location the token is for (sub-account tokens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    /// The company (agency) the token belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_id: Option<String>,
    /// `Location` or `Company`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_type: Option<String>,
    /// The user who authorized the app, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The access token's lifetime in seconds as granted (`expires_in`), when known; caps
    /// how early it is refreshed (see [`TokenSet::refresh_margin`]). Absent from token
    /// sets stored by earlier versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<u64>,
}

impl TokenSet {
    /// A token set from an access token valid for `expires_in` from now.
    pub fn new(access_token: impl Into<String>, expires_in: Duration) -> TokenSet {
        TokenSet {
            access_token: Secret::new(access_token),
            refresh_token: None,
            expires_at: unix_now().saturating_add(expires_in.as_secs()),
            token_type: Some("Bearer".to_owned()),
            scope: None,
            location_id: None,
            company_id: None,
            user_type: None,
            user_id: None,
            expires_in: Some(expires_in.as_secs()),
        }
    }

    /// Sets the refresh token.
    pub fn with_refresh_token(mut self, refresh_token: impl Into<String>) -> TokenSet {
        self.refresh_token = Some(Secret::new(refresh_token));
        self
    }

    /// The absolute expiry.
    pub fn expires_at(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(self.expires_at)
    }

    /// True when the access token is still valid `margin` from now.
    pub fn is_fresh(&self, margin: Duration) -> bool {
        self.is_fresh_at(unix_now(), margin)
    }

    /// [`TokenSet::is_fresh`] at `now` (seconds since the Unix epoch).
    pub(crate) fn is_fresh_at(&self, now: u64, margin: Duration) -> bool {
        now.saturating_add(margin.as_secs()) < self.expires_at
    }

    /// How long before expiry this token is refreshed, given the configured
    /// [`OAuthConfig::refresh_ahead`](crate::auth::OAuthConfig::refresh_ahead): `refresh_ahead`, but at most half the token's
    /// lifetime ([`TokenSet::expires_in`]), so a token living less than twice
    /// `refresh_ahead` is used for half its life instead of being refreshed on every call.
    /// Without a known lifetime, `refresh_ahead`.
    pub fn refresh_margin(&self, refresh_ahead: Duration) -> Duration {
        match self.expires_in {
            Some(lifetime) => refresh_ahead.min(Duration::from_secs(lifetime) / 2),
            None => refresh_ahead,
        }
    }

    /// What proves which token set this is, for a store's compare-and-set
    /// ([`OwnerTokenStore::replace`](crate::store::OwnerTokenStore::replace)): the refresh
    /// token, which HighLevel replaces on every refresh, else the access token.
    pub fn fencing_token(&self) -> &Secret {
        self.refresh_token.as_ref().unwrap_or(&self.access_token)
    }

    /// The id rate limits are counted against: the location, else the company.
    pub fn owner(&self) -> Option<&str> {
        self.location_id.as_deref().or(self.company_id.as_deref())
    }

    pub(crate) fn from_response(resp: TokenResponse) -> TokenSet {
        TokenSet {
            access_token: Secret(resp.access_token),
            refresh_token: resp.refresh_token.map(Secret),
            expires_at: unix_now().saturating_add(resp.expires_in.unwrap_or(86_399)),
            token_type: resp.token_type,
            scope: resp.scope,
            location_id: resp.location_id,
            company_id: resp.company_id,
            user_type: resp.user_type,
            user_id: resp.user_id,
            expires_in: resp.expires_in,
        }
    }
}

/// The body of `POST /oauth/token` and `POST /oauth/locationToken` answers.
#[derive(Deserialize)]
pub(crate) struct TokenResponse {
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
    #[serde(default)]
    token_type: Option<String>,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default, rename = "locationId")]
    location_id: Option<String>,
    #[serde(default, rename = "companyId")]
    company_id: Option<String>,
    #[serde(default, rename = "userType")]
    user_type: Option<String>,
    #[serde(default, rename = "userId")]
    user_id: Option<String>,
}

pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// A random 128-bit id in hex: a refresh lock's, or a rate-limit admission's in Redis.
pub(crate) fn random_id() -> String {
    format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..))
}
