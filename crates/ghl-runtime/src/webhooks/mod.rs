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
//! outside the allowed window, or when its `webhookId` was already accepted (HighLevel
//! retries deliveries). Only then is the body parsed into a [`WebhookEvent`], by its `type`:
//! every event HighLevel publishes a page for has a variant and a payload type in [`events`],
//! generated from the pages (contacts, messages, opportunities, appointments, invoices,
//! orders, products and prices, tasks, notes, locations, users, custom objects and records,
//! app installs, ...); any other type is kept whole as [`WebhookEvent::Unknown`]. Every
//! payload type keeps the keys it does not name, and a value that does not fit its field,
//! in its `additional_properties` map: nothing a delivery says is dropped.
//!
//! Verify the raw request bytes as received: never re-serialize the JSON first. Answer
//! HighLevel quickly, with the status the outcome names: [`Handled::status`] and
//! [`WebhookError::status`] say 200 for a duplicate (any other answer makes HighLevel send
//! it again), 401 for a forgery or a replay, 500 when handling failed (so that it does).
//!
//! [`WebhookVerifier::handle`] does it all: verify, run the handler once, release the
//! delivery when the handler fails so that HighLevel's redelivery runs it again, and say
//! what to answer:
//!
//! ```no_run
//! use ghl_runtime::webhooks::{HeaderMap, StatusCode, WebhookEvent, WebhookVerifier};
//!
//! async fn webhook(verifier: &WebhookVerifier, headers: &HeaderMap, body: &[u8]) -> StatusCode {
//!     let handled = verifier
//!         .handle(headers, body, |delivery| async move {
//!             match delivery.event {
//!                 WebhookEvent::ContactCreate(contact) => {
//!                     println!("new contact {}", contact.id.as_deref().unwrap_or("?"))
//!                 }
//!                 other => println!("event {}", other.event_type().unwrap_or("?")),
//!             }
//!             Ok::<(), std::io::Error>(())
//!         })
//!         .await;
//!     if let Some(reason) = handled.reason() {
//!         eprintln!("webhook not handled: {reason}");
//!     }
//!     handled.status()
//! }
//! ```
//!
//! # Across processes
//!
//! Replay protection is as wide as the [`DedupeStore`]: the default
//! [`MemoryDedupeStore`] knows this process's deliveries only. When several workers
//! receive an app's webhooks, share a `RedisDedupeStore` (feature `redis`), so that a
//! delivery HighLevel sends again, to whichever worker, runs once in all.
//!
//! # Installs and uninstalls
//!
//! HighLevel signs every app's deliveries with the same key, so a webhook URL shared by
//! several apps receives all their `INSTALL`s and `UNINSTALL`s: only the event's `appId`
//! tells them apart ([`AppInstall::is_for_app`]). [`App::verify_webhook`](crate::App::verify_webhook)
//! applies this app's to its token store. [`WebhookVerifier::verify_with_hook`] calls an
//! [`InstallHook`] for a genuine `INSTALL` or `UNINSTALL` of the app set with
//! [`WebhookVerifier::app_id`], before returning the event. On `UNINSTALL` the OAuth
//! tokens stored for that location or company are dead: delete them.
//!
//! ```no_run
//! use ghl_runtime::webhooks::{
//!     AppInstall, AppUninstall, InstallHook, InstallTarget, WebhookVerifier,
//! };
//!
//! /// The app's record of installations and their OAuth tokens.
//! struct Installations;
//!
//! impl InstallHook for Installations {
//!     async fn on_install(&self, event: &AppInstall) -> ghl_runtime::Result<()> {
//!         println!("installed for {:?}", event.target());
//!         Ok(())
//!     }
//!
//!     async fn on_uninstall(&self, event: &AppUninstall) -> ghl_runtime::Result<()> {
//!         match event.target() {
//!             Some(InstallTarget::Location(id)) => println!("delete the tokens of location {id}"),
//!             Some(InstallTarget::Company(id)) => println!("delete the tokens of company {id}"),
//!             _ => {}
//!         }
//!         Ok(())
//!     }
//! }
//!
//! # async fn handle(headers: &ghl_runtime::webhooks::HeaderMap, body: &[u8]) -> ghl_runtime::webhooks::StatusCode {
//! // Only this app's installs reach the hook: another app's UNINSTALL must not delete
//! // this app's tokens.
//! let verifier = WebhookVerifier::new().app_id("66a0419a0dffa47fb5f8b22f-lz3k9d8q");
//! match verifier.verify_with_hook(headers, body, &Installations).await {
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
//! Neither errors nor the `Debug` output of a [`WebhookEvent`] or a [`VerifiedWebhook`] contain
//! the webhook body (they show the event's `type`); a payload type's own `Debug` shows its
//! fields, like the API's types: log the event, not the payload.

use std::fmt;

mod dedupe;
// Generated by `cargo xtask regen` from HighLevel's event pages, formatted by the generator
// and guarded by `regen --check`.
#[rustfmt::skip]
pub mod events;
#[cfg(test)]
#[rustfmt::skip]
mod examples;
mod hook;
mod install;
mod keys;
mod payload;
mod verifier;
pub use dedupe::*;
pub use events::{AppInstall, AppUninstall, WebhookEvent};
pub use hook::*;
pub use install::InstallTarget;
pub use keys::parse_ed25519_public_key;
pub use verifier::*;

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
    /// The [`DedupeStore`] failed (Redis unreachable, ...): whether the delivery was
    /// already handled is unknown, so it is not handled now.
    DedupeStore {
        /// What failed (never a body).
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
            WebhookError::DedupeStore { reason } => write!(
                f,
                "webhook not handled: the dedupe store failed ({reason}); answer 5xx so that HighLevel delivers it again"
            ),
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
    /// - `500 Internal Server Error` for an [`InvalidKey`](WebhookError::InvalidKey) or a
    ///   failed [`DedupeStore`](WebhookError::DedupeStore): the receiver is at fault, not
    ///   the delivery; HighLevel delivers it again later.
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
            WebhookError::InvalidKey { .. } | WebhookError::DedupeStore { .. } => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Which variant an error is; exhaustive, so a new variant does not compile until it
    /// has a sample below.
    fn variant(e: &WebhookError) -> &'static str {
        match e {
            WebhookError::MissingSignature => "MissingSignature",
            WebhookError::NoLegacyKey => "NoLegacyKey",
            WebhookError::MalformedSignature { .. } => "MalformedSignature",
            WebhookError::BadSignature { .. } => "BadSignature",
            WebhookError::InvalidBody { .. } => "InvalidBody",
            WebhookError::StaleTimestamp { .. } => "StaleTimestamp",
            WebhookError::MissingTimestamp => "MissingTimestamp",
            WebhookError::MissingWebhookId => "MissingWebhookId",
            WebhookError::Duplicate { .. } => "Duplicate",
            WebhookError::InvalidKey { .. } => "InvalidKey",
            WebhookError::DedupeStore { .. } => "DedupeStore",
        }
    }

    #[test]
    fn every_variant_says_what_happened_and_what_to_answer() {
        let header = "X-GHL-Signature";
        let samples: Vec<(WebhookError, &str, u16)> = vec![
            (
                WebhookError::MissingSignature,
                "unsigned deliveries are never accepted",
                401,
            ),
            (WebhookError::NoLegacyKey, "legacy_rsa_public_key_pem", 401),
            (
                WebhookError::MalformedSignature { header },
                "X-GHL-Signature header is not a base64 signature",
                401,
            ),
            (
                WebhookError::BadSignature { header },
                "does not match the body",
                401,
            ),
            (
                WebhookError::InvalidBody {
                    reason: "not an object".to_owned(),
                },
                "not a JSON object (not an object)",
                400,
            ),
            (
                WebhookError::StaleTimestamp { age_secs: 900 },
                "900s away from now",
                401,
            ),
            (WebhookError::MissingTimestamp, "no timestamp", 401),
            (WebhookError::MissingWebhookId, "no webhookId", 401),
            (
                WebhookError::Duplicate {
                    webhook_id: "wh-1".to_owned(),
                },
                "wh-1 already processed",
                200,
            ),
            (
                WebhookError::InvalidKey {
                    reason: "not base64".to_owned(),
                },
                "invalid webhook public key: not base64",
                500,
            ),
            (
                WebhookError::DedupeStore {
                    reason: "redis: refused".to_owned(),
                },
                "dedupe store failed (redis: refused); answer 5xx",
                500,
            ),
        ];
        let mut seen = std::collections::BTreeSet::new();
        for (error, text, status) in &samples {
            seen.insert(variant(error));
            assert!(
                error.to_string().contains(text),
                "{}: {error}",
                variant(error)
            );
            assert_eq!(error.status().as_u16(), *status, "{}", variant(error));
        }
        assert_eq!(seen.len(), samples.len(), "one sample per variant");
        assert_eq!(seen.len(), 11, "a variant has no sample: {seen:?}");
    }
}
