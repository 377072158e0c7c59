//! Which [`Error`] a non-2xx answer becomes: from its status, the server's messages and what
//! the call says of itself ([`CallFacts`]).

use std::time::Duration;

use super::{BODY_EXCERPT_CHARS, Error};
use crate::Method;

/// Keep at most [`BODY_EXCERPT_CHARS`] characters of a body.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    let mut out: String = text.chars().take(BODY_EXCERPT_CHARS).collect();
    if text.chars().count() > BODY_EXCERPT_CHARS {
        out.push('…');
    }
    out
}

/// Extract `message` (string or array of strings) from a JSON error body.
pub(crate) fn server_messages(json: &serde_json::Value) -> Vec<String> {
    let Some(obj) = json.as_object() else {
        return Vec::new();
    };
    let field = obj.get("message").or_else(|| obj.get("error"));
    match field {
        Some(serde_json::Value::String(s)) => vec![s.clone()],
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .map(|v| match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect(),
        Some(serde_json::Value::Object(o)) => o
            .get("message")
            .and_then(|m| m.as_str())
            .map(|m| vec![m.to_owned()])
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// What classifying an answer needs to know of its call, taken from the
/// [`Request`](crate::Request) (`Request::answer_facts`): this module reads no requests.
pub(crate) struct CallFacts {
    pub(crate) method: Method,
    pub(crate) path: &'static str,
    /// The route takes agency tokens only (its spec's security).
    pub(crate) agency_only: bool,
    /// The answer may hold secrets (the token routes): never quoted in an error.
    pub(crate) redact: bool,
    /// The largest file the request uploads, the likely cause of a 413.
    pub(crate) largest_file: Option<FileSize>,
    /// The scopes the route requires, named by `Forbidden`.
    pub(crate) scopes: &'static [&'static str],
}

/// A file part with its size and the cap that applies to it, as a 413 names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FileSize {
    pub(crate) field: &'static str,
    pub(crate) size: u64,
    pub(crate) limit: Option<u64>,
}

/// Classify a non-2xx answer to the call `request` describes into an [`Error`].
pub(crate) fn from_response(
    request: &CallFacts,
    status: u16,
    retry_after: Option<Duration>,
    body: &[u8],
) -> Error {
    let method = request.method.clone();
    let path = request.path;
    let json: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let messages = json.as_ref().map(server_messages).unwrap_or_default();
    let trace_id = json
        .as_ref()
        .and_then(|j| j.get("traceId"))
        .and_then(|t| t.as_str())
        .map(str::to_owned);
    let first = messages.first().cloned();
    let text = String::from_utf8_lossy(body);
    let lower_all = format!("{} {}", messages.join(" "), text).to_ascii_lowercase();
    let agency_only = request.agency_only;
    let redact = request.redact;
    match status {
        422 => Error::Validation {
            method,
            path,
            status,
            messages,
            trace_id,
        },
        429 => Error::RateLimited {
            method,
            path,
            retry_after,
            daily: false,
        },
        413 => {
            let largest = request.largest_file;
            let message = match first {
                Some(m) => m,
                None if !redact && !text.trim().is_empty() => excerpt(body),
                None => "Payload Too Large".to_owned(),
            };
            Error::FileTooLarge {
                method,
                path,
                field: largest.map_or("", |f| f.field),
                size: largest.map(|f| f.size),
                limit: largest.and_then(|f| f.limit),
                message: Some(message),
            }
        }
        403 if text.contains("error code: 1010") => Error::CloudflareBlocked { method, path },
        401 if lower_all.contains("not yet supported by the iam service") => {
            Error::RouteNotSupported { method, path }
        }
        401 | 403 if agency_only || says_agency_token_needed(&lower_all) => {
            Error::AgencyTokenRequired {
                method,
                path,
                status,
                message: first,
            }
        }
        401 => Error::Unauthorized {
            method,
            path,
            message: first,
            trace_id,
        },
        403 => Error::Forbidden {
            method,
            path,
            required_scopes: request.scopes,
            message: first,
            trace_id,
        },
        404 => Error::NotFound {
            method,
            path,
            message: first,
            trace_id,
        },
        400 if messages.len() > 1 => Error::Validation {
            method,
            path,
            status,
            messages,
            trace_id,
        },
        _ => Error::Http {
            method,
            path,
            status,
            message: first,
            body_excerpt: if redact {
                "<redacted>".to_owned()
            } else {
                excerpt(body)
            },
            trace_id,
        },
    }
}

/// True when the server's (lowercased) answer says in so many words that the route needs
/// an agency token. Vaguer words (`company`, `sub-account`, `location token`, `does not
/// have access to this location`) also appear in scope and location mismatches, so they
/// do not count: the route's [`TokenKinds`] from the spec decide those.
fn says_agency_token_needed(lower: &str) -> bool {
    const PHRASES: &[&str] = &[
        "agency token",
        "agency access token",
        "agency-level token",
        "requires an agency",
        "company token",
        "company access token",
    ];
    PHRASES.iter().any(|p| lower.contains(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_agency_messages_only() {
        assert!(says_agency_token_needed(
            "this route requires an agency access token"
        ));
        assert!(says_agency_token_needed("use a company token"));
        for vague in [
            "the token does not have access to this location",
            "company not found",
            "invalid sub-account",
            "the token is not authorized for this scope.",
            "this authclass type is not allowed to access this scope.",
        ] {
            assert!(!says_agency_token_needed(vague), "{vague}");
        }
    }
}
