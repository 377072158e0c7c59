//! [`WebhookVerifier`]: signature, timestamp window and replay checks, then the typed
//! event; [`WebhookVerifier::handle`] runs a handler once per delivery across a fleet.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use serde_json::Value;

use super::{
    DedupeStore, GHL_SIGNATURE_HEADER, HIGHLEVEL_ED25519_PUBLIC_KEY, HeaderMap, MemoryDedupeStore,
    StatusCode, WH_SIGNATURE_HEADER, WebhookError, WebhookEvent, parse_ed25519_public_key,
};

/// Which signature a delivery was accepted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureKind {
    /// `X-GHL-Signature` (Ed25519).
    Ed25519,
    /// `X-WH-Signature` (legacy RSA-SHA256).
    LegacyRsa,
}

/// A verified delivery.
#[derive(Debug, Clone)]
pub struct VerifiedWebhook {
    /// The parsed event.
    pub event: WebhookEvent,
    /// The signature it was accepted on.
    pub signature: SignatureKind,
    /// Its `webhookId`, when present.
    pub webhook_id: Option<String>,
    /// Its `timestamp`, when present and parseable.
    pub timestamp: Option<SystemTime>,
}

/// What [`WebhookVerifier::handle`] did with a delivery, and so what to answer HighLevel
/// ([`status`](Handled::status)).
#[must_use = "answer HighLevel with its status()"]
#[derive(Debug)]
pub enum Handled<E> {
    /// Verified, and the handler succeeded: answer 200.
    Done,
    /// Not handled: a duplicate (answered 200, so that HighLevel stops resending it), a
    /// forgery or a replay (401), a failed dedupe store (500), ... See
    /// [`WebhookError::status`].
    Rejected(WebhookError),
    /// Verified, but the handler failed with this error: the delivery was released, so
    /// HighLevel's redelivery (which a 500 asks for) runs the handler again.
    Failed(E),
}

impl<E> Handled<E> {
    /// The HTTP status to answer HighLevel with: `200 OK` when handled or a duplicate,
    /// the rejection's status ([`WebhookError::status`]), `500 Internal Server Error` when
    /// the handler failed.
    pub fn status(&self) -> StatusCode {
        match self {
            Handled::Done => StatusCode::OK,
            Handled::Rejected(e) => e.status(),
            Handled::Failed(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// True when the handler ran and succeeded.
    pub fn is_done(&self) -> bool {
        matches!(self, Handled::Done)
    }
}

impl<E: fmt::Display> Handled<E> {
    /// Why the delivery was not handled, to log; `None` when it was.
    pub fn reason(&self) -> Option<String> {
        match self {
            Handled::Done => None,
            Handled::Rejected(e) => Some(e.to_string()),
            Handled::Failed(e) => Some(format!("the webhook handler failed: {e}")),
        }
    }
}

/// Verifies webhook deliveries. Build once and share (it is `Send + Sync`).
#[derive(Clone)]
pub struct WebhookVerifier {
    ed25519: Vec<ed25519_dalek::VerifyingKey>,
    rsa: Vec<rsa::pkcs1v15::VerifyingKey<sha2::Sha256>>,
    max_age: Duration,
    max_future_skew: Duration,
    require_timestamp: bool,
    require_webhook_id: bool,
    dedupe: Option<Arc<dyn DedupeStore>>,
    /// The app whose install events the hook of `verify_with_hook` sees.
    app_id: Option<String>,
}

impl fmt::Debug for WebhookVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookVerifier")
            .field("ed25519_keys", &self.ed25519.len())
            .field("rsa_keys", &self.rsa.len())
            .field("max_age", &self.max_age)
            .field("max_future_skew", &self.max_future_skew)
            .field("require_timestamp", &self.require_timestamp)
            .field("require_webhook_id", &self.require_webhook_id)
            .field("dedupe", &self.dedupe.is_some())
            .field("app_id", &self.app_id)
            .finish()
    }
}

impl Default for WebhookVerifier {
    fn default() -> Self {
        WebhookVerifier::new()
    }
}

impl WebhookVerifier {
    /// A verifier with HighLevel's published Ed25519 key, no legacy RSA key, a 5-minute
    /// timestamp window (1 minute of clock skew into the future) and an in-memory dedupe
    /// store.
    pub fn new() -> WebhookVerifier {
        let ed25519 = parse_ed25519_public_key(HIGHLEVEL_ED25519_PUBLIC_KEY)
            .map(|k| vec![k])
            .unwrap_or_default();
        WebhookVerifier {
            ed25519,
            rsa: Vec::new(),
            max_age: Duration::from_secs(300),
            max_future_skew: Duration::from_secs(60),
            require_timestamp: false,
            require_webhook_id: false,
            dedupe: Some(Arc::new(MemoryDedupeStore::new())),
            app_id: None,
        }
    }

    /// This app's id (or its OAuth client id, `{appId}-{suffix}`): the hook of
    /// [`verify_with_hook`](Self::verify_with_hook) then sees only this app's `INSTALL` and
    /// `UNINSTALL` deliveries; another app's (or one naming no app) are returned without
    /// calling it, and logged at debug.
    ///
    /// Set it whenever a hook deletes or mints tokens: HighLevel signs every app's
    /// deliveries with the same key, so a webhook URL shared by several apps receives all
    /// their uninstalls, and only the `appId` tells them apart. Without it the hook sees
    /// every app's install events and must check
    /// [`AppInstall::is_for_app`](super::AppInstall::is_for_app) itself. [`App::verify_webhook`](crate::App::verify_webhook)
    /// always checks, with the app's own id.
    pub fn app_id(mut self, app_id: impl Into<String>) -> WebhookVerifier {
        self.app_id = Some(crate::auth::app_id_of(&app_id.into()).to_owned());
        self
    }

    /// Replaces the Ed25519 keys with this one (base64 SPKI, base64 raw, or PEM).
    pub fn ed25519_public_key(mut self, key: &str) -> Result<WebhookVerifier, WebhookError> {
        self.ed25519 = vec![parse_ed25519_public_key(key)?];
        Ok(self)
    }

    /// Adds an Ed25519 key next to the existing ones (during a key rotation).
    pub fn add_ed25519_public_key(mut self, key: &str) -> Result<WebhookVerifier, WebhookError> {
        self.ed25519.push(parse_ed25519_public_key(key)?);
        Ok(self)
    }

    /// Adds the legacy RSA public key (PEM, `BEGIN PUBLIC KEY` or `BEGIN RSA PUBLIC KEY`)
    /// used for `X-WH-Signature`.
    pub fn legacy_rsa_public_key_pem(mut self, pem: &str) -> Result<WebhookVerifier, WebhookError> {
        use rsa::pkcs1::DecodeRsaPublicKey as _;
        use rsa::pkcs8::DecodePublicKey as _;
        let key = rsa::RsaPublicKey::from_public_key_pem(pem)
            .or_else(|_| rsa::RsaPublicKey::from_pkcs1_pem(pem))
            .map_err(|e| WebhookError::InvalidKey {
                reason: format!("not an RSA public key PEM: {e}"),
            })?;
        self.rsa.push(rsa::pkcs1v15::VerifyingKey::new(key));
        Ok(self)
    }

    /// How old a `timestamp` may be (default 5 minutes), and how far in the future
    /// (default 1 minute).
    pub fn timestamp_window(
        mut self,
        max_age: Duration,
        max_future_skew: Duration,
    ) -> WebhookVerifier {
        self.max_age = max_age;
        self.max_future_skew = max_future_skew;
        self
    }

    /// Rejects deliveries without a `timestamp` (default: accepted, the window applies
    /// when present).
    pub fn require_timestamp(mut self, yes: bool) -> WebhookVerifier {
        self.require_timestamp = yes;
        self
    }

    /// Rejects deliveries without a `webhookId` (default: accepted, dedupe applies when
    /// present).
    pub fn require_webhook_id(mut self, yes: bool) -> WebhookVerifier {
        self.require_webhook_id = yes;
        self
    }

    /// Uses this dedupe store (e.g. one backed by Redis shared by several instances).
    pub fn dedupe_store(mut self, store: Arc<dyn DedupeStore>) -> WebhookVerifier {
        self.dedupe = Some(store);
        self
    }

    /// Turns duplicate detection off (the caller dedupes).
    pub fn without_dedupe(mut self) -> WebhookVerifier {
        self.dedupe = None;
        self
    }

    /// Verifies a delivery given its headers and raw body, then parses it, and claims its
    /// `webhookId` in the dedupe store: a second delivery of the same id, to this process
    /// or (with a shared store) any other, is a [`WebhookError::Duplicate`].
    ///
    /// When handling the delivery then fails, [`release`](Self::release) it so that
    /// HighLevel's redelivery is accepted, or let [`handle`](Self::handle) do all of it.
    pub async fn verify(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<VerifiedWebhook, WebhookError> {
        let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        self.verify_parts(get(GHL_SIGNATURE_HEADER), get(WH_SIGNATURE_HEADER), body)
            .await
    }

    /// [`verify`](Self::verify) given the values of the `X-GHL-Signature` and
    /// `X-WH-Signature` headers (when present) and the raw body.
    pub async fn verify_parts(
        &self,
        ghl_signature: Option<&str>,
        wh_signature: Option<&str>,
        body: &[u8],
    ) -> Result<VerifiedWebhook, WebhookError> {
        let delivery = self.check(ghl_signature, wh_signature, body)?;
        if let (Some(id), Some(store)) = (&delivery.webhook_id, &self.dedupe) {
            // Keep ids at least as long as a delivery can be accepted.
            let keep = (self.max_age + self.max_future_skew).max(Duration::from_secs(3600));
            if !store.claim(id, keep).await? {
                return Err(WebhookError::Duplicate {
                    webhook_id: id.clone(),
                });
            }
        }
        Ok(delivery)
    }

    /// Forgets that `delivery` was accepted, so that HighLevel's redelivery of it is
    /// accepted again: call it when handling a verified delivery failed (and answer 5xx).
    /// Nothing to do for a delivery without a `webhookId` or without a dedupe store.
    pub async fn release(&self, delivery: &VerifiedWebhook) -> Result<(), WebhookError> {
        self.release_id(delivery.webhook_id.as_deref()).await
    }

    /// [`release`](Self::release) by the delivery's `webhookId`.
    async fn release_id(&self, webhook_id: Option<&str>) -> Result<(), WebhookError> {
        match (webhook_id, &self.dedupe) {
            (Some(id), Some(store)) => store.release(id).await,
            _ => Ok(()),
        }
    }

    /// Verifies a delivery ([`verify`](Self::verify)), runs `handler` on it once, and says
    /// what to answer HighLevel ([`Handled::status`]). When the handler fails, the
    /// delivery is released so that HighLevel's redelivery runs it again.
    ///
    /// With a dedupe store shared by every worker (`RedisDedupeStore`), a delivery that
    /// HighLevel sends to several workers, or again after a timeout, runs the handler
    /// once in all. A worker killed while handling keeps its claim until it expires
    /// (an hour by default), and redeliveries in that time are answered as duplicates.
    ///
    /// ```no_run
    /// use ghl_runtime::webhooks::{HeaderMap, StatusCode, WebhookEvent, WebhookVerifier};
    ///
    /// /// The webhook route: verify, handle once, answer what `handle` says.
    /// async fn webhook(verifier: &WebhookVerifier, headers: &HeaderMap, body: &[u8]) -> StatusCode {
    ///     let handled = verifier
    ///         .handle(headers, body, |delivery| async move {
    ///             if let WebhookEvent::ContactCreate(contact) = delivery.event {
    ///                 println!("new contact {}", contact.id.as_deref().unwrap_or("?"));
    ///             }
    ///             Ok::<(), std::io::Error>(())
    ///         })
    ///         .await;
    ///     if let Some(reason) = handled.reason() {
    ///         eprintln!("webhook not handled: {reason}");
    ///     }
    ///     handled.status()
    /// }
    /// ```
    pub async fn handle<F, Fut, E>(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        handler: F,
    ) -> Handled<E>
    where
        F: FnOnce(VerifiedWebhook) -> Fut,
        Fut: Future<Output = Result<(), E>>,
    {
        let delivery = match self.verify(headers, body).await {
            Ok(delivery) => delivery,
            Err(e) => return Handled::Rejected(e),
        };
        let webhook_id = delivery.webhook_id.clone();
        match handler(delivery).await {
            Ok(()) => Handled::Done,
            Err(e) => {
                if let Err(release) = self.release_id(webhook_id.as_deref()).await {
                    tracing::warn!(
                        webhook_id = webhook_id.as_deref().unwrap_or(""),
                        error = %release,
                        "ghl: a failed webhook could not be released; its redelivery is refused until the claim expires"
                    );
                }
                Handled::Failed(e)
            }
        }
    }

    /// Checks signature, body, timestamp and the `webhookId` requirement (no dedupe).
    fn check(
        &self,
        ghl_signature: Option<&str>,
        wh_signature: Option<&str>,
        body: &[u8],
    ) -> Result<VerifiedWebhook, WebhookError> {
        let signature = self.verify_signature(ghl_signature, wh_signature, body)?;
        let json: Value = serde_json::from_slice(body).map_err(|e| WebhookError::InvalidBody {
            reason: format!(
                "{:?} error at line {} column {}",
                e.classify(),
                e.line(),
                e.column()
            ),
        })?;
        let Value::Object(obj) = json else {
            return Err(WebhookError::InvalidBody {
                reason: "not an object".to_owned(),
            });
        };
        let now = SystemTime::now();
        let timestamp = obj.get("timestamp").and_then(parse_timestamp);
        match timestamp {
            Some(ts) => match now.duration_since(ts) {
                Ok(past) if past > self.max_age => {
                    return Err(WebhookError::StaleTimestamp {
                        age_secs: past.as_secs() as i64,
                    });
                }
                Err(ahead) if ahead.duration() > self.max_future_skew => {
                    return Err(WebhookError::StaleTimestamp {
                        age_secs: -(ahead.duration().as_secs() as i64),
                    });
                }
                _ => {}
            },
            None if self.require_timestamp => return Err(WebhookError::MissingTimestamp),
            None => {}
        }
        let webhook_id = obj
            .get("webhookId")
            .and_then(|v| v.as_str())
            .map(str::to_owned);
        if webhook_id.is_none() && self.require_webhook_id {
            return Err(WebhookError::MissingWebhookId);
        }
        Ok(VerifiedWebhook {
            event: WebhookEvent::from_object(obj),
            signature,
            webhook_id,
            timestamp,
        })
    }

    /// The app set with [`app_id`](Self::app_id).
    pub(crate) fn app(&self) -> Option<&str> {
        self.app_id.as_deref()
    }

    /// Checks the signature only (no parsing, timestamp or dedupe).
    pub fn verify_signature(
        &self,
        ghl_signature: Option<&str>,
        wh_signature: Option<&str>,
        body: &[u8],
    ) -> Result<SignatureKind, WebhookError> {
        let b64 = base64::engine::general_purpose::STANDARD;
        if let Some(sig) = ghl_signature {
            let header = "X-GHL-Signature";
            let bytes = b64
                .decode(sig.trim().as_bytes())
                .map_err(|_| WebhookError::MalformedSignature { header })?;
            let sig = ed25519_dalek::Signature::from_slice(&bytes)
                .map_err(|_| WebhookError::MalformedSignature { header })?;
            return if self
                .ed25519
                .iter()
                .any(|k| k.verify_strict(body, &sig).is_ok())
            {
                Ok(SignatureKind::Ed25519)
            } else {
                Err(WebhookError::BadSignature { header })
            };
        }
        if let Some(sig) = wh_signature {
            use rsa::signature::Verifier as _;
            let header = "X-WH-Signature";
            if self.rsa.is_empty() {
                return Err(WebhookError::NoLegacyKey);
            }
            let bytes = b64
                .decode(sig.trim().as_bytes())
                .map_err(|_| WebhookError::MalformedSignature { header })?;
            let sig = rsa::pkcs1v15::Signature::try_from(bytes.as_slice())
                .map_err(|_| WebhookError::MalformedSignature { header })?;
            return if self.rsa.iter().any(|k| k.verify(body, &sig).is_ok()) {
                Ok(SignatureKind::LegacyRsa)
            } else {
                Err(WebhookError::BadSignature { header })
            };
        }
        Err(WebhookError::MissingSignature)
    }
}

/// A `timestamp` as HighLevel sends it: an RFC 3339 string, or a number of seconds or
/// milliseconds since the epoch.
fn parse_timestamp(value: &Value) -> Option<SystemTime> {
    match value {
        Value::Number(n) => {
            let v = n.as_f64()?;
            if !v.is_finite() || v < 0.0 {
                return None;
            }
            // Values past ~2001-09 in milliseconds are above 1e12; seconds stay below.
            let secs = if v > 1e11 { v / 1000.0 } else { v };
            Some(UNIX_EPOCH + Duration::from_secs_f64(secs))
        }
        Value::String(s) => {
            if let Ok(n) = s.parse::<f64>() {
                return parse_timestamp(&Value::from(n));
            }
            crate::timestamp::parse_timestamp(s)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_key_parses() {
        assert_eq!(WebhookVerifier::new().ed25519.len(), 1);
    }

    #[test]
    fn rfc3339_timestamps() {
        let t = parse_timestamp(&Value::from("2025-01-28T14:35:00Z")).unwrap();
        assert_eq!(
            t.duration_since(UNIX_EPOCH).unwrap().as_secs(),
            1_738_074_900
        );
        let t = parse_timestamp(&Value::from("2025-01-28T16:35:00.250+02:00")).unwrap();
        assert_eq!(
            t.duration_since(UNIX_EPOCH).unwrap().as_millis(),
            1_738_074_900_250
        );
        assert!(parse_timestamp(&Value::from("2025-13-28T14:35:00Z")).is_none());
        assert!(parse_timestamp(&Value::from("yesterday")).is_none());
        let ms = parse_timestamp(&Value::from(1_738_074_900_000u64)).unwrap();
        assert_eq!(
            ms.duration_since(UNIX_EPOCH).unwrap().as_secs(),
            1_738_074_900
        );
        let s = parse_timestamp(&Value::from(1_738_074_900u64)).unwrap();
        assert_eq!(s, ms);
    }
}
