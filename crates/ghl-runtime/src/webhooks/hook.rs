//! [`InstallHook`]: a genuine `INSTALL` or `UNINSTALL` of this app, handed to the app's
//! own records of its installations.

use std::fmt;
use std::future::Future;

use super::{
    AppInstall, AppUninstall, GHL_SIGNATURE_HEADER, HeaderMap, StatusCode, VerifiedWebhook,
    WH_SIGNATURE_HEADER, WebhookError, WebhookEvent, WebhookVerifier,
};

/// Reacts to genuine `INSTALL` and `UNINSTALL` deliveries of this app, for
/// [`WebhookVerifier::verify_with_hook`].
///
/// On **`UNINSTALL`** the OAuth tokens stored for that location or company
/// ([`AppUninstall::target`]) are dead: HighLevel has withdrawn the app's access, they
/// can neither be used nor refreshed, and they should be deleted (along with anything
/// else kept for that installation). On **`INSTALL`**, record the new installation; the
/// tokens themselves come from the OAuth code exchange, not from the webhook.
///
/// Implement the methods as `async fn`s; they should be idempotent (HighLevel may
/// deliver an event again). A storage failure can be returned as
/// [`Error::TokenStore`](crate::Error::TokenStore).
pub trait InstallHook: Send + Sync {
    /// The app was installed for `event.target()`.
    fn on_install(&self, event: &AppInstall) -> impl Future<Output = crate::Result<()>> + Send;
    /// The app was uninstalled from `event.target()`: its stored tokens are dead; delete
    /// them.
    fn on_uninstall(&self, event: &AppUninstall) -> impl Future<Output = crate::Result<()>> + Send;
}

/// Why [`WebhookVerifier::verify_with_hook`] failed.
#[non_exhaustive]
#[derive(Debug)]
pub enum VerifyWithHookError {
    /// The delivery was rejected; the hook was not called. Answer 401, or 200 for a
    /// [`WebhookError::Duplicate`].
    Rejected(WebhookError),
    /// The delivery is genuine but the [`InstallHook`] failed. Its `webhookId` was
    /// released from the dedupe store (see [`WebhookVerifier::release`]) so that a
    /// redelivery is accepted and runs the hook again: answer with a 5xx.
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
    /// Verifies and parses a delivery like [`verify`](Self::verify), then awaits `hook`
    /// once for a genuine `INSTALL` ([`InstallHook::on_install`]) or `UNINSTALL`
    /// ([`InstallHook::on_uninstall`]) of this app ([`app_id`](Self::app_id)) before
    /// returning the event.
    ///
    /// The hook is never called for a rejected delivery (bad or missing signature, stale
    /// timestamp, duplicate `webhookId`), for another app's install events, nor for other
    /// events. When it fails, see [`VerifyWithHookError::Hook`].
    pub async fn verify_with_hook<H: InstallHook>(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        hook: &H,
    ) -> Result<VerifiedWebhook, VerifyWithHookError> {
        let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        self.verify_parts_with_hook(
            get(GHL_SIGNATURE_HEADER),
            get(WH_SIGNATURE_HEADER),
            body,
            hook,
        )
        .await
    }

    /// [`verify_with_hook`](Self::verify_with_hook) given the values of the signature
    /// headers (when present), like [`verify_parts`](Self::verify_parts).
    pub async fn verify_parts_with_hook<H: InstallHook>(
        &self,
        ghl_signature: Option<&str>,
        wh_signature: Option<&str>,
        body: &[u8],
        hook: &H,
    ) -> Result<VerifiedWebhook, VerifyWithHookError> {
        let delivery = self.verify_parts(ghl_signature, wh_signature, body).await?;
        if let Some(app) = self.app() {
            if let Some((event_app_id, false)) = delivery.event.install_app(app) {
                tracing::debug!(
                    event_app_id = event_app_id.unwrap_or(""),
                    app_id = %app,
                    "ghl: install event of another app; the hook is not called"
                );
                return Ok(delivery);
            }
        }
        let outcome = match &delivery.event {
            WebhookEvent::AppInstall(event) => hook.on_install(event).await,
            WebhookEvent::AppUninstall(event) => hook.on_uninstall(event).await,
            _ => return Ok(delivery),
        };
        match outcome {
            Ok(()) => Ok(delivery),
            Err(source) => {
                if let Err(e) = self.release(&delivery).await {
                    tracing::warn!(error = %e, "ghl: a delivery whose install hook failed could not be released");
                }
                Err(VerifyWithHookError::Hook {
                    delivery: Box::new(delivery),
                    source: Box::new(source),
                })
            }
        }
    }
}
