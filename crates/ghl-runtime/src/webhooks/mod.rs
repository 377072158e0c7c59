//! Verifying and parsing HighLevel webhook deliveries (feature `webhooks`).
//!
//! HighLevel signs developer webhooks with its **public** keys, not with an HMAC of the
//! client secret:
//!
//! - `X-GHL-Signature`: base64 Ed25519 signature of the raw body (current). Verified with
//!   [`HIGHLEVEL_ED25519_PUBLIC_KEY`] by default; keys rotate, so it can be replaced or
//!   extended.
//! - `X-WH-Signature`: base64 RSA-SHA256 (PKCS#1 v1.5) signature of the raw body (legacy,
//!   deprecated from July 1, 2026). Used only when it is the only signature header, and
//!   only with a key the caller supplies.
//!
//! [`WebhookVerifier::verify`] rejects a delivery when no signature header is present,
//! when the signature does not verify (forged or altered body), when its `timestamp` is
//! outside the allowed window, or when its `webhookId` was already seen (HighLevel retries
//! deliveries). Only then is the body parsed into a [`WebhookEvent`], by its `type`:
//! contact, message, opportunity, appointment, invoice, order, task, note, form submission,
//! survey submission and app install events are typed; any other type (or a payload that
//! does not fit its typed struct) is kept whole as [`WebhookEvent::Unknown`]. Every typed
//! struct keeps the fields it does not name in its `other` map.
//!
//! Verify the raw request bytes as received: never re-serialize the JSON first. Answer
//! HighLevel with a 200 quickly and do slow work afterwards.
//!
//! ```no_run
//! use ghl_runtime::webhooks::{WebhookEvent, WebhookVerifier};
//!
//! # fn handle(headers: &ghl_runtime::webhooks::HeaderMap, body: &[u8]) -> ghl_runtime::webhooks::StatusCode {
//! let verifier = WebhookVerifier::new(); // HighLevel's published Ed25519 key
//! match verifier.verify(headers, body) {
//!     Ok(delivery) => match delivery.event {
//!         WebhookEvent::ContactCreate(contact) => println!("new contact {}", contact.id),
//!         other => println!("event {}", other.event_type().unwrap_or("?")),
//!     },
//!     Err(e) => {
//!         // 200 for a duplicate (answering anything else makes HighLevel send it again),
//!         // 401 for a forgery or a replay, ...
//!         eprintln!("webhook not processed: {e}");
//!         return e.status();
//!     }
//! }
//! ghl_runtime::webhooks::StatusCode::OK
//! # }
//! ```
//!
//! # Installs and uninstalls
//!
//! [`WebhookVerifier::verify_with_hook`] also calls an [`InstallHook`] for a genuine
//! `INSTALL` or `UNINSTALL`, before returning the event. On `UNINSTALL` the OAuth tokens
//! stored for that location or company are dead: delete them.
//!
//! ```no_run
//! use ghl_runtime::webhooks::{AppInstallEvent, InstallHook, InstallTarget, WebhookVerifier};
//!
//! /// The app's record of installations and their OAuth tokens.
//! struct Installations;
//!
//! impl InstallHook for Installations {
//!     fn on_install(&self, event: &AppInstallEvent) -> ghl_runtime::Result<()> {
//!         println!("installed for {:?}", event.target());
//!         Ok(())
//!     }
//!
//!     fn on_uninstall(&self, event: &AppInstallEvent) -> ghl_runtime::Result<()> {
//!         match event.target() {
//!             Some(InstallTarget::Location(id)) => println!("delete the tokens of location {id}"),
//!             Some(InstallTarget::Company(id)) => println!("delete the tokens of company {id}"),
//!             _ => {}
//!         }
//!         Ok(())
//!     }
//! }
//!
//! # fn handle(headers: &ghl_runtime::webhooks::HeaderMap, body: &[u8]) -> ghl_runtime::webhooks::StatusCode {
//! // Only this app's installs reach the hook: every app's deliveries carry the same
//! // signature, so another app's UNINSTALL must not delete this app's tokens.
//! let verifier = WebhookVerifier::new().app_id("66a0419a0dffa47fb5f8b22f-lz3k9d8q");
//! match verifier.verify_with_hook(headers, body, &Installations) {
//!     Ok(delivery) => println!("event {}", delivery.event.event_type().unwrap_or("?")),
//!     Err(e) => {
//!         eprintln!("{e}");
//!         return e.status(); // 200 for a duplicate, 401 when rejected, 500 when the hook failed
//!     }
//! }
//! ghl_runtime::webhooks::StatusCode::OK
//! # }
//! ```
//!
//! Neither errors nor `Debug` output of events contain the webhook body.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use serde_json::Value;

mod events;
pub use events::*;

/// The status code type [`WebhookError::status`] returns (the `http` crate's, which axum
/// and hyper answer with).
pub use reqwest::StatusCode;
/// The header map type [`WebhookVerifier::verify`] takes (the `http` crate's, as used by
/// axum, hyper, reqwest and most Rust web frameworks).
pub use reqwest::header::HeaderMap;

/// HighLevel's published Ed25519 webhook public key (SubjectPublicKeyInfo DER, base64: the
/// body of its `-----BEGIN PUBLIC KEY-----` PEM).
pub const HIGHLEVEL_ED25519_PUBLIC_KEY: &str =
    "MCowBQYDK2VwAyEAi2HR1srL4o18O8BRa7gVJY7G7bupbN3H9AwJrHCDiOg=";

/// The current signature header (Ed25519).
pub const GHL_SIGNATURE_HEADER: &str = "x-ghl-signature";
/// The legacy signature header (RSA-SHA256).
pub const WH_SIGNATURE_HEADER: &str = "x-wh-signature";

/// The DER prefix of an Ed25519 SubjectPublicKeyInfo (followed by the 32 key bytes).
const ED25519_SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

/// Why a webhook delivery was rejected. Never contains the body or a signature.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookError {
    /// Neither `X-GHL-Signature` nor `X-WH-Signature` is present.
    MissingSignature,
    /// Only `X-WH-Signature` is present and no RSA key was configured.
    NoLegacyKey,
    /// The signature header is not valid base64 or has the wrong length.
    MalformedSignature {
        /// The header concerned.
        header: &'static str,
    },
    /// The signature does not verify: forged, altered body, or signed with another key.
    BadSignature {
        /// The header concerned.
        header: &'static str,
    },
    /// The verified body is not a JSON object.
    InvalidBody {
        /// What is wrong (no body content).
        reason: String,
    },
    /// The `timestamp` is older than the allowed window or too far in the future.
    StaleTimestamp {
        /// How far the timestamp is from now, in seconds (negative: in the future).
        age_secs: i64,
    },
    /// The body carries no `timestamp` and the verifier requires one.
    MissingTimestamp,
    /// The body carries no `webhookId` and the verifier requires one.
    MissingWebhookId,
    /// This `webhookId` was already accepted: a retry or a replay.
    Duplicate {
        /// The webhook id.
        webhook_id: String,
    },
    /// A key given to the verifier could not be parsed.
    InvalidKey {
        /// What is wrong.
        reason: String,
    },
}

impl fmt::Display for WebhookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WebhookError::MissingSignature => f.write_str(
                "webhook rejected: no X-GHL-Signature or X-WH-Signature header; unsigned deliveries are never accepted",
            ),
            WebhookError::NoLegacyKey => f.write_str(
                "webhook rejected: only the legacy X-WH-Signature is present and no RSA public key was configured; configure it with WebhookVerifier::legacy_rsa_public_key_pem",
            ),
            WebhookError::MalformedSignature { header } => write!(
                f,
                "webhook rejected: the {header} header is not a base64 signature of the right length"
            ),
            WebhookError::BadSignature { header } => write!(
                f,
                "webhook rejected: the {header} signature does not match the body (forged, altered, or signed with a rotated key: check the configured public key)"
            ),
            WebhookError::InvalidBody { reason } => {
                write!(f, "webhook rejected: the signed body is not a JSON object ({reason})")
            }
            WebhookError::StaleTimestamp { age_secs } => write!(
                f,
                "webhook rejected: its timestamp is {age_secs}s away from now, outside the allowed window (a replay, or a clock problem)"
            ),
            WebhookError::MissingTimestamp => {
                f.write_str("webhook rejected: no timestamp in the body and one is required")
            }
            WebhookError::MissingWebhookId => {
                f.write_str("webhook rejected: no webhookId in the body and one is required")
            }
            WebhookError::Duplicate { webhook_id } => write!(
                f,
                "webhook {webhook_id} already processed: a retry or replay; answer 200 and ignore it"
            ),
            WebhookError::InvalidKey { reason } => {
                write!(f, "invalid webhook public key: {reason}")
            }
        }
    }
}

impl std::error::Error for WebhookError {}

impl WebhookError {
    /// The HTTP status to answer HighLevel with for this rejection.
    ///
    /// - `200 OK` for a [`Duplicate`](WebhookError::Duplicate): the delivery was already
    ///   accepted (by this process or, with a shared [`DedupeStore`], another one); any
    ///   other answer makes HighLevel deliver it again.
    /// - `400 Bad Request` for an [`InvalidBody`](WebhookError::InvalidBody): genuinely
    ///   signed but not a JSON object; a retry brings the same bytes.
    /// - `500 Internal Server Error` for an [`InvalidKey`](WebhookError::InvalidKey): the
    ///   receiver is misconfigured, not the delivery; HighLevel retries once it is fixed.
    /// - `401 Unauthorized` for everything else: no, malformed or wrong signature, a stale
    ///   or missing timestamp, a missing `webhookId` (forged or replayed deliveries).
    ///
    /// ```
    /// use ghl_runtime::webhooks::{StatusCode, WebhookError};
    /// let duplicate = WebhookError::Duplicate { webhook_id: "wh-1".to_owned() };
    /// assert_eq!(duplicate.status(), StatusCode::OK);
    /// assert_eq!(WebhookError::MissingSignature.status(), StatusCode::UNAUTHORIZED);
    /// ```
    pub fn status(&self) -> StatusCode {
        match self {
            WebhookError::Duplicate { .. } => StatusCode::OK,
            WebhookError::InvalidBody { .. } => StatusCode::BAD_REQUEST,
            WebhookError::InvalidKey { .. } => StatusCode::INTERNAL_SERVER_ERROR,
            WebhookError::MissingSignature
            | WebhookError::NoLegacyKey
            | WebhookError::MalformedSignature { .. }
            | WebhookError::BadSignature { .. }
            | WebhookError::StaleTimestamp { .. }
            | WebhookError::MissingTimestamp
            | WebhookError::MissingWebhookId => StatusCode::UNAUTHORIZED,
        }
    }
}

/// Remembers accepted `webhookId`s to drop duplicates and replays.
pub trait DedupeStore: Send + Sync {
    /// Records `webhook_id` until `keep_until`; returns false when it was already recorded
    /// (and has not expired).
    fn insert_if_new(&self, webhook_id: &str, keep_until: SystemTime) -> bool;

    /// Forgets `webhook_id`, so that a redelivery of it is accepted.
    ///
    /// [`WebhookVerifier::verify_with_hook`] calls it when an [`InstallHook`] fails after
    /// the id was recorded. The default does nothing: a store that keeps it rejects
    /// HighLevel's redelivery of that event as a duplicate.
    fn forget(&self, webhook_id: &str) {
        let _ = webhook_id;
    }
}

/// An in-memory [`DedupeStore`], bounded in size (oldest entries are dropped first).
#[derive(Debug)]
pub struct MemoryDedupeStore {
    seen: Mutex<HashMap<String, SystemTime>>,
    capacity: usize,
}

impl Default for MemoryDedupeStore {
    fn default() -> Self {
        MemoryDedupeStore::with_capacity(100_000)
    }
}

impl MemoryDedupeStore {
    /// A store with room for 100,000 ids.
    pub fn new() -> MemoryDedupeStore {
        MemoryDedupeStore::default()
    }

    /// A store with room for `capacity` ids.
    pub fn with_capacity(capacity: usize) -> MemoryDedupeStore {
        MemoryDedupeStore {
            seen: Mutex::new(HashMap::new()),
            capacity: capacity.max(1),
        }
    }
}

impl DedupeStore for MemoryDedupeStore {
    fn insert_if_new(&self, webhook_id: &str, keep_until: SystemTime) -> bool {
        let mut seen = match self.seen.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        let now = SystemTime::now();
        if let Some(until) = seen.get(webhook_id) {
            if *until > now {
                return false;
            }
        }
        if seen.len() >= self.capacity {
            seen.retain(|_, until| *until > now);
            while seen.len() >= self.capacity {
                let oldest = seen
                    .iter()
                    .min_by_key(|(_, until)| **until)
                    .map(|(k, _)| k.clone());
                match oldest {
                    Some(k) => {
                        seen.remove(&k);
                    }
                    None => break,
                }
            }
        }
        seen.insert(webhook_id.to_owned(), keep_until);
        true
    }

    fn forget(&self, webhook_id: &str) {
        let mut seen = match self.seen.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        seen.remove(webhook_id);
    }
}

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

/// Parses an Ed25519 public key given as PEM, base64 SubjectPublicKeyInfo DER, base64 raw
/// 32 bytes, or hex (64 digits: the raw key; 88: the SPKI DER).
///
/// ```
/// use ghl_runtime::webhooks::parse_ed25519_public_key;
/// let b64 = parse_ed25519_public_key("MCowBQYDK2VwAyEAi2HR1srL4o18O8BRa7gVJY7G7bupbN3H9AwJrHCDiOg=")?;
/// let hex = parse_ed25519_public_key(
///     "8b61d1d6cacbe28d7c3bc0516bb815258ec6edbba96cddc7f40c09ac708388e8",
/// )?;
/// assert_eq!(b64, hex);
/// # Ok::<(), ghl_runtime::webhooks::WebhookError>(())
/// ```
pub fn parse_ed25519_public_key(key: &str) -> Result<ed25519_dalek::VerifyingKey, WebhookError> {
    let body: String = key
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .join("")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let hex = (body.len() == 64 || body.len() == 88)
        .then(|| decode_hex(&body))
        .flatten();
    let der = match hex {
        Some(bytes) => bytes,
        None => base64::engine::general_purpose::STANDARD
            .decode(body.as_bytes())
            .map_err(|e| WebhookError::InvalidKey {
                reason: format!(
                    "not PEM, base64 or hex ({e}); give the key as HighLevel publishes it"
                ),
            })?,
    };
    let raw: &[u8] = if der.len() == 44 && der[..12] == ED25519_SPKI_PREFIX {
        &der[12..]
    } else if der.len() == 32 {
        &der
    } else {
        return Err(WebhookError::InvalidKey {
            reason: "not an Ed25519 SubjectPublicKeyInfo or raw 32-byte key".to_owned(),
        });
    };
    let mut bytes = [0u8; 32];
    bytes.copy_from_slice(raw);
    ed25519_dalek::VerifyingKey::from_bytes(&bytes).map_err(|e| WebhookError::InvalidKey {
        reason: format!("invalid Ed25519 point: {e}"),
    })
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
    /// [`AppInstallEvent::is_for_app`] itself. [`App::verify_webhook`](crate::App::verify_webhook)
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

    /// Verifies a delivery given its headers and raw body, then parses it.
    pub fn verify(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<VerifiedWebhook, WebhookError> {
        let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        self.verify_parts(get(GHL_SIGNATURE_HEADER), get(WH_SIGNATURE_HEADER), body)
    }

    /// Verifies a delivery given the values of its `X-GHL-Signature` and `X-WH-Signature`
    /// headers (when present) and its raw body, then parses it.
    pub fn verify_parts(
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
        match (&webhook_id, &self.dedupe) {
            (Some(id), Some(store)) => {
                // Keep ids at least as long as a delivery can be accepted.
                let keep = (self.max_age + self.max_future_skew).max(Duration::from_secs(3600));
                if !store.insert_if_new(id, now + keep) {
                    return Err(WebhookError::Duplicate {
                        webhook_id: id.clone(),
                    });
                }
            }
            (None, _) if self.require_webhook_id => return Err(WebhookError::MissingWebhookId),
            _ => {}
        }
        Ok(VerifiedWebhook {
            event: WebhookEvent::from_object(obj),
            signature,
            webhook_id,
            timestamp,
        })
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

/// The bytes of a string of hex digit pairs; `None` when it is not one.
fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if hex.len() % 2 != 0 {
        return None;
    }
    let digit = |b: u8| (b as char).to_digit(16);
    hex.as_bytes()
        .chunks_exact(2)
        .map(|pair| Some((digit(pair[0])? * 16 + digit(pair[1])?) as u8))
        .collect()
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

/// Reacts to genuine `INSTALL` and `UNINSTALL` deliveries, for
/// [`WebhookVerifier::verify_with_hook`].
///
/// On **`UNINSTALL`** the OAuth tokens stored for that location or company
/// ([`AppInstallEvent::target`]) are dead: HighLevel has withdrawn the app's access, they
/// can neither be used nor refreshed, and they should be deleted (along with anything
/// else kept for that installation). On **`INSTALL`**, record the new installation; the
/// tokens themselves come from the OAuth code exchange, not from the webhook.
///
/// The methods are synchronous, like [`TokenStore`](crate::auth::TokenStore), and should
/// be quick and idempotent: HighLevel may deliver an event again. A storage failure can be
/// returned as [`Error::TokenStore`](crate::Error::TokenStore). An app whose storage is
/// async can match [`WebhookEvent::AppInstall`] and [`WebhookEvent::AppUninstall`] after
/// [`WebhookVerifier::verify`] instead.
pub trait InstallHook: Send + Sync {
    /// The app was installed for `event.target()`.
    fn on_install(&self, event: &AppInstallEvent) -> crate::Result<()>;
    /// The app was uninstalled from `event.target()`: its stored tokens are dead; delete
    /// them.
    fn on_uninstall(&self, event: &AppInstallEvent) -> crate::Result<()>;
}

/// Why [`WebhookVerifier::verify_with_hook`] failed.
#[non_exhaustive]
#[derive(Debug)]
pub enum VerifyWithHookError {
    /// The delivery was rejected; the hook was not called. Answer 401, or 200 for a
    /// [`WebhookError::Duplicate`].
    Rejected(WebhookError),
    /// The delivery is genuine but the [`InstallHook`] failed. Its `webhookId` was
    /// released from the dedupe store (see [`DedupeStore::forget`]) so that a redelivery
    /// is accepted and runs the hook again: answer with a 5xx.
    Hook {
        /// The verified delivery.
        delivery: Box<VerifiedWebhook>,
        /// The hook's error.
        source: Box<crate::Error>,
    },
}

impl fmt::Display for VerifyWithHookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VerifyWithHookError::Rejected(e) => fmt::Display::fmt(e, f),
            VerifyWithHookError::Hook { delivery, source } => write!(
                f,
                "webhook {} verified but the install hook failed: {source}",
                delivery.event.event_type().unwrap_or("?")
            ),
        }
    }
}

impl std::error::Error for VerifyWithHookError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            VerifyWithHookError::Rejected(e) => Some(e),
            VerifyWithHookError::Hook { source, .. } => Some(source.as_ref()),
        }
    }
}

impl VerifyWithHookError {
    /// The HTTP status to answer HighLevel with: the rejection's
    /// ([`WebhookError::status`]: 200 for a duplicate, 401 for a forgery or replay, ...),
    /// or `500 Internal Server Error` when the hook failed, so that HighLevel delivers the
    /// event again (its id was released for that).
    pub fn status(&self) -> StatusCode {
        match self {
            VerifyWithHookError::Rejected(e) => e.status(),
            VerifyWithHookError::Hook { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<WebhookError> for VerifyWithHookError {
    fn from(e: WebhookError) -> Self {
        VerifyWithHookError::Rejected(e)
    }
}

impl WebhookVerifier {
    /// Verifies and parses a delivery like [`verify`](Self::verify), then calls `hook`
    /// once for a genuine `INSTALL` ([`InstallHook::on_install`]) or `UNINSTALL`
    /// ([`InstallHook::on_uninstall`]) before returning the event.
    ///
    /// The hook is never called for a rejected delivery (bad or missing signature, stale
    /// timestamp, duplicate `webhookId`) nor for other events. When it fails, see
    /// [`VerifyWithHookError::Hook`].
    pub fn verify_with_hook(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        hook: &dyn InstallHook,
    ) -> Result<VerifiedWebhook, VerifyWithHookError> {
        let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        self.verify_parts_with_hook(
            get(GHL_SIGNATURE_HEADER),
            get(WH_SIGNATURE_HEADER),
            body,
            hook,
        )
    }

    /// Releases a delivery's `webhookId` from the dedupe store, so that a redelivery is
    /// accepted (its handling failed after it was recorded).
    pub(crate) fn release(&self, delivery: &VerifiedWebhook) {
        if let (Some(id), Some(store)) = (&delivery.webhook_id, &self.dedupe) {
            store.forget(id);
        }
    }

    /// [`verify_with_hook`](Self::verify_with_hook) given the values of the signature
    /// headers (when present), like [`verify_parts`](Self::verify_parts).
    pub fn verify_parts_with_hook(
        &self,
        ghl_signature: Option<&str>,
        wh_signature: Option<&str>,
        body: &[u8],
        hook: &dyn InstallHook,
    ) -> Result<VerifiedWebhook, VerifyWithHookError> {
        let delivery = self.verify_parts(ghl_signature, wh_signature, body)?;
        if let (WebhookEvent::AppInstall(event) | WebhookEvent::AppUninstall(event), Some(app)) =
            (&delivery.event, &self.app_id)
        {
            if !event.is_for_app(app) {
                tracing::debug!(
                    event_app_id = event.app_id.as_deref().unwrap_or(""),
                    app_id = %app,
                    "ghl: install event of another app; the hook is not called"
                );
                return Ok(delivery);
            }
        }
        let outcome = match &delivery.event {
            WebhookEvent::AppInstall(event) => hook.on_install(event),
            WebhookEvent::AppUninstall(event) => hook.on_uninstall(event),
            _ => return Ok(delivery),
        };
        match outcome {
            Ok(()) => Ok(delivery),
            Err(source) => {
                if let (Some(id), Some(store)) = (&delivery.webhook_id, &self.dedupe) {
                    store.forget(id);
                }
                Err(VerifyWithHookError::Hook {
                    delivery: Box::new(delivery),
                    source: Box::new(source),
                })
            }
        }
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

    #[test]
    fn dedupe_store_is_bounded() {
        let s = MemoryDedupeStore::with_capacity(2);
        let later = SystemTime::now() + Duration::from_secs(60);
        assert!(s.insert_if_new("a", later));
        assert!(!s.insert_if_new("a", later));
        assert!(s.insert_if_new("b", later + Duration::from_secs(1)));
        assert!(s.insert_if_new("c", later + Duration::from_secs(2)));
        assert_eq!(s.seen.lock().unwrap().len(), 2);
        // An expired id may be seen again.
        assert!(s.insert_if_new("old", SystemTime::now() - Duration::from_secs(1)));
        assert!(s.insert_if_new("old", later));
    }
}
