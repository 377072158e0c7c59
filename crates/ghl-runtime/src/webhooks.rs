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
//! deliveries). Only then is the body parsed into a [`WebhookEvent`].
//!
//! Verify the raw request bytes as received: never re-serialize the JSON first. Answer
//! HighLevel with a 200 quickly and do slow work afterwards.
//!
//! ```no_run
//! use ghl_runtime::webhooks::{WebhookEvent, WebhookVerifier};
//!
//! # fn handle(headers: &ghl_runtime::webhooks::HeaderMap, body: &[u8]) {
//! let verifier = WebhookVerifier::new(); // HighLevel's published Ed25519 key
//! match verifier.verify(headers, body) {
//!     Ok(delivery) => match delivery.event {
//!         WebhookEvent::ContactCreate(contact) => println!("new contact {}", contact.id),
//!         other => println!("event {}", other.event_type().unwrap_or("?")),
//!     },
//!     Err(e) => eprintln!("rejected webhook: {e}"), // answer 401
//! }
//! # }
//! ```
//!
//! Neither errors nor `Debug` output of events contain the webhook body.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use serde::Deserialize;
use serde_json::{Map, Value};

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

/// Remembers accepted `webhookId`s to drop duplicates and replays.
pub trait DedupeStore: Send + Sync {
    /// Records `webhook_id` until `keep_until`; returns false when it was already recorded
    /// (and has not expired).
    fn insert_if_new(&self, webhook_id: &str, keep_until: SystemTime) -> bool;
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
            .finish()
    }
}

impl Default for WebhookVerifier {
    fn default() -> Self {
        WebhookVerifier::new()
    }
}

/// Parses an Ed25519 public key given as base64 SPKI DER, base64 raw 32 bytes, or PEM.
pub fn parse_ed25519_public_key(key: &str) -> Result<ed25519_dalek::VerifyingKey, WebhookError> {
    let body: String = key
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .join("")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(body.as_bytes())
        .map_err(|e| WebhookError::InvalidKey {
            reason: format!("not base64: {e}"),
        })?;
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
        }
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
            parse_rfc3339(s)
        }
        _ => None,
    }
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`.
fn parse_rfc3339(s: &str) -> Option<SystemTime> {
    let b = s.as_bytes();
    if b.len() < 20 {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        std::str::from_utf8(b.get(r)?).ok()?.parse().ok()
    };
    if b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut i = 19;
    let mut nanos: u64 = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let frac = std::str::from_utf8(&b[start..i]).ok()?;
        let digits: String = frac.chars().take(9).collect();
        if digits.is_empty() {
            return None;
        }
        nanos = digits.parse::<u64>().ok()? * 10u64.pow(9 - digits.len() as u32);
    }
    let offset_secs: i64 = match b.get(i)? {
        b'Z' | b'z' if i + 1 == b.len() => 0,
        sign @ (b'+' | b'-') if i + 6 == b.len() && b[i + 3] == b':' => {
            let h = num(i + 1..i + 3)?;
            let m = num(i + 4..i + 6)?;
            let off = h * 3600 + m * 60;
            if *sign == b'+' { off } else { -off }
        }
        _ => return None,
    };
    // Days from civil (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_secs;
    if secs < 0 {
        return None;
    }
    Some(UNIX_EPOCH + Duration::from_secs(secs as u64) + Duration::from_nanos(nanos))
}

/// A contact event (`ContactCreate`, `ContactUpdate`, `ContactDelete`, `ContactTagUpdate`,
/// `ContactDndUpdate`).
#[derive(Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ContactEvent {
    /// The contact id.
    pub id: String,
    /// The location.
    #[serde(default)]
    pub location_id: Option<String>,
    /// Email.
    #[serde(default)]
    pub email: Option<String>,
    /// Phone.
    #[serde(default)]
    pub phone: Option<String>,
    /// First name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// Tags (lower case).
    #[serde(default)]
    pub tags: Vec<String>,
    /// Every other field of the payload.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A message event (`InboundMessage`, `OutboundMessage`).
#[derive(Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MessageEvent {
    /// The location.
    #[serde(default)]
    pub location_id: Option<String>,
    /// The contact.
    #[serde(default)]
    pub contact_id: Option<String>,
    /// The conversation.
    #[serde(default)]
    pub conversation_id: Option<String>,
    /// The message id.
    #[serde(default)]
    pub message_id: Option<String>,
    /// `SMS`, `Email`, `WhatsApp`, ...
    #[serde(default)]
    pub message_type: Option<String>,
    /// `inbound` or `outbound`.
    #[serde(default)]
    pub direction: Option<String>,
    /// The text.
    #[serde(default)]
    pub body: Option<String>,
    /// Every other field of the payload.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// An opportunity event (`OpportunityCreate`, `OpportunityUpdate`, `OpportunityDelete`,
/// `OpportunityStatusUpdate`, `OpportunityStageUpdate`, ...).
#[derive(Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OpportunityEvent {
    /// The opportunity id.
    pub id: String,
    /// The location.
    #[serde(default)]
    pub location_id: Option<String>,
    /// The pipeline.
    #[serde(default)]
    pub pipeline_id: Option<String>,
    /// The stage.
    #[serde(default)]
    pub pipeline_stage_id: Option<String>,
    /// `open`, `won`, `lost`, `abandoned`.
    #[serde(default)]
    pub status: Option<String>,
    /// The monetary value (a number on the wire).
    #[serde(default)]
    pub monetary_value: Option<f64>,
    /// Every other field of the payload.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// An app install event (`INSTALL`, `UNINSTALL`).
#[derive(Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AppInstallEvent {
    /// The app.
    #[serde(default)]
    pub app_id: Option<String>,
    /// The location (for a location install).
    #[serde(default)]
    pub location_id: Option<String>,
    /// The company (agency).
    #[serde(default)]
    pub company_id: Option<String>,
    /// Every other field of the payload.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A verified webhook event, by its `type` field.
///
/// A known type whose payload does not fit the typed struct is kept as
/// [`Unknown`](WebhookEvent::Unknown) rather than rejected. `Debug` shows only the event
/// type: payloads can hold personal data.
#[non_exhaustive]
#[derive(Clone, PartialEq)]
pub enum WebhookEvent {
    /// `ContactCreate`.
    ContactCreate(ContactEvent),
    /// `ContactUpdate`.
    ContactUpdate(ContactEvent),
    /// `ContactDelete`.
    ContactDelete(ContactEvent),
    /// `ContactTagUpdate`.
    ContactTagUpdate(ContactEvent),
    /// `ContactDndUpdate`.
    ContactDndUpdate(ContactEvent),
    /// `InboundMessage`.
    InboundMessage(MessageEvent),
    /// `OutboundMessage`.
    OutboundMessage(MessageEvent),
    /// `OpportunityCreate`, `OpportunityUpdate`, `OpportunityDelete`,
    /// `OpportunityStatusUpdate`, `OpportunityStageUpdate`,
    /// `OpportunityMonetaryValueUpdate`, `OpportunityAssignedToUpdate`.
    Opportunity {
        /// The exact `type`.
        event_type: String,
        /// The payload.
        opportunity: OpportunityEvent,
    },
    /// `INSTALL`.
    AppInstall(AppInstallEvent),
    /// `UNINSTALL`.
    AppUninstall(AppInstallEvent),
    /// Any other (or unparseable) event, with its JSON.
    Unknown {
        /// The `type` field, when present.
        event_type: Option<String>,
        /// The whole payload.
        payload: Map<String, Value>,
    },
}

impl fmt::Debug for WebhookEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookEvent")
            .field("type", &self.event_type())
            .finish_non_exhaustive()
    }
}

macro_rules! redacted_debug {
    ($($t:ty),*) => {$(
        impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($t)).finish_non_exhaustive()
            }
        }
    )*};
}
redacted_debug!(
    ContactEvent,
    MessageEvent,
    OpportunityEvent,
    AppInstallEvent
);

impl WebhookEvent {
    /// Parses a (verified) payload object.
    pub fn from_object(obj: Map<String, Value>) -> WebhookEvent {
        let event_type = obj.get("type").and_then(|t| t.as_str()).map(str::to_owned);
        let Some(kind) = event_type.clone() else {
            return WebhookEvent::Unknown {
                event_type,
                payload: obj,
            };
        };
        fn typed<T: serde::de::DeserializeOwned>(obj: &Map<String, Value>) -> Option<T> {
            T::deserialize(Value::Object(obj.clone())).ok()
        }
        let parsed = match kind.as_str() {
            "ContactCreate" => typed(&obj).map(WebhookEvent::ContactCreate),
            "ContactUpdate" => typed(&obj).map(WebhookEvent::ContactUpdate),
            "ContactDelete" => typed(&obj).map(WebhookEvent::ContactDelete),
            "ContactTagUpdate" => typed(&obj).map(WebhookEvent::ContactTagUpdate),
            "ContactDndUpdate" => typed(&obj).map(WebhookEvent::ContactDndUpdate),
            "InboundMessage" => typed(&obj).map(WebhookEvent::InboundMessage),
            "OutboundMessage" => typed(&obj).map(WebhookEvent::OutboundMessage),
            k if k.starts_with("Opportunity") => {
                typed(&obj).map(|opportunity| WebhookEvent::Opportunity {
                    event_type: kind.clone(),
                    opportunity,
                })
            }
            "INSTALL" => typed(&obj).map(WebhookEvent::AppInstall),
            "UNINSTALL" => typed(&obj).map(WebhookEvent::AppUninstall),
            _ => None,
        };
        parsed.unwrap_or(WebhookEvent::Unknown {
            event_type,
            payload: obj,
        })
    }

    /// The event's `type`.
    pub fn event_type(&self) -> Option<&str> {
        Some(match self {
            WebhookEvent::ContactCreate(_) => "ContactCreate",
            WebhookEvent::ContactUpdate(_) => "ContactUpdate",
            WebhookEvent::ContactDelete(_) => "ContactDelete",
            WebhookEvent::ContactTagUpdate(_) => "ContactTagUpdate",
            WebhookEvent::ContactDndUpdate(_) => "ContactDndUpdate",
            WebhookEvent::InboundMessage(_) => "InboundMessage",
            WebhookEvent::OutboundMessage(_) => "OutboundMessage",
            WebhookEvent::Opportunity { event_type, .. } => event_type,
            WebhookEvent::AppInstall(_) => "INSTALL",
            WebhookEvent::AppUninstall(_) => "UNINSTALL",
            WebhookEvent::Unknown { event_type, .. } => return event_type.as_deref(),
        })
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
        let t = parse_rfc3339("2025-01-28T14:35:00Z").unwrap();
        assert_eq!(
            t.duration_since(UNIX_EPOCH).unwrap().as_secs(),
            1_738_074_900
        );
        let t = parse_rfc3339("2025-01-28T16:35:00.250+02:00").unwrap();
        assert_eq!(
            t.duration_since(UNIX_EPOCH).unwrap().as_millis(),
            1_738_074_900_250
        );
        assert!(parse_rfc3339("2025-13-28T14:35:00Z").is_none());
        assert!(parse_rfc3339("yesterday").is_none());
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
