//! Which app an `INSTALL` or `UNINSTALL` is about, and whose installation: the rules the
//! generated [`AppInstall`] and [`AppUninstall`] payloads do not carry themselves.

use std::collections::BTreeMap;

use serde_json::Value;

use super::events::{AppInstall, AppUninstall, WebhookEvent};

/// Whose installation an install event is about: OAuth tokens are kept per location
/// (sub-account) or per company (agency).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstallTarget<'a> {
    /// A location (sub-account) install: the location's token.
    Location(&'a str),
    /// A company (agency) install: the company's token.
    Company(&'a str),
}

/// True when `event_app_id` names the app `app_id` (which may be given as its OAuth client id).
fn is_for(event_app_id: Option<&str>, app_id: &str) -> bool {
    let want = crate::auth::app_id_of(app_id);
    !want.is_empty() && event_app_id.is_some_and(|id| id.trim() == want)
}

/// The location for a location install, the company for an agency install (`installType`
/// `Company`, or only a `companyId`).
fn target_of<'a>(
    location: Option<&'a str>,
    company: Option<&'a str>,
    unknown_keys: &BTreeMap<String, Value>,
) -> Option<InstallTarget<'a>> {
    let company_level = unknown_keys
        .get("installType")
        .and_then(Value::as_str)
        .is_some_and(|t| t.eq_ignore_ascii_case("company") || t.eq_ignore_ascii_case("agency"));
    match (location, company) {
        (_, Some(company)) if company_level => Some(InstallTarget::Company(company)),
        (Some(location), _) => Some(InstallTarget::Location(location)),
        (None, Some(company)) => Some(InstallTarget::Company(company)),
        (None, None) => None,
    }
}

/// `is_for_app` and `target` for an install event type (both carry `appId`, `locationId`,
/// `companyId` and keep `installType` among their unknown keys).
macro_rules! install_event {
    ($event:ty, $whose:literal) => {
        impl $event {
            /// True when this event is about the app `app_id`: its `appId` equals `app_id`,
            /// which may also be given as the app's OAuth client id (see
            /// [`app_id_of`](crate::auth::app_id_of)). An event without an `appId` belongs to
            /// no app known here: false.
            ///
            /// HighLevel signs every app's deliveries with the same key, so a webhook URL
            /// shared by several apps receives their installs and uninstalls alike: act on
            /// this app's only.
            pub fn is_for_app(&self, app_id: &str) -> bool {
                is_for(self.app_id.as_deref(), app_id)
            }

            #[doc = $whose]
            /// the location for a location install, the company for an agency install
            /// (`installType` `Company`, or only a `companyId`). `None` when the payload names
            /// neither.
            pub fn target(&self) -> Option<InstallTarget<'_>> {
                target_of(
                    self.location_id.as_deref(),
                    self.company_id.as_deref(),
                    &self.additional_properties,
                )
            }
        }
    };
}

install_event!(AppInstall, "Whose installation this is:");
install_event!(
    AppUninstall,
    "Whose installation ended (its stored tokens are dead):"
);

impl WebhookEvent {
    /// For an `INSTALL` or `UNINSTALL`: the event's `appId` and whether it is the app
    /// `app_id`'s. `None` for every other event.
    pub(crate) fn install_app(&self, app_id: &str) -> Option<(Option<&str>, bool)> {
        match self {
            WebhookEvent::AppInstall(event) => {
                Some((event.app_id.as_deref(), event.is_for_app(app_id)))
            }
            WebhookEvent::AppUninstall(event) => {
                Some((event.app_id.as_deref(), event.is_for_app(app_id)))
            }
            _ => None,
        }
    }
}
