//! What each [`Error`] says: what happened, naming the call, and what to do.

use std::fmt;
use std::time::Duration;

use super::Error;
use crate::Method;

fn trace_suffix(trace_id: &Option<String>) -> String {
    match trace_id {
        Some(t) => format!(" (traceId {t})"),
        None => String::new(),
    }
}

fn message_suffix(message: &Option<String>) -> String {
    match message {
        Some(m) => format!(": {m}"),
        None => String::new(),
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Validation {
                method,
                path,
                status,
                messages,
                trace_id,
            } => write!(
                f,
                "{method} {path}: the server rejected the request ({status}): {}{}; fix the listed fields{}",
                if messages.is_empty() {
                    "no details given".to_owned()
                } else {
                    messages.join("; ")
                },
                trace_suffix(trace_id),
                if *method == Method::PUT {
                    " (a PUT usually needs the full object, not a partial one)"
                } else {
                    ""
                }
            ),
            Error::RateLimited {
                method,
                path,
                retry_after,
                daily,
            } => {
                if *daily {
                    match retry_after {
                        Some(d) => write!(
                            f,
                            "{method} {path}: the daily request quota for this location/company is used up; it resets in {}; spread calls over the day",
                            humantime::format_duration(Duration::from_secs(d.as_secs()))
                        ),
                        None => write!(
                            f,
                            "{method} {path}: the daily request quota for this location/company is used up; wait until it resets (midnight) or spread calls over time"
                        ),
                    }
                } else {
                    match retry_after {
                        Some(d) => write!(
                            f,
                            "{method} {path}: rate limited (429); retry after {:.1}s and slow down (the limit is 100 requests per 10 s per location/company)",
                            d.as_secs_f64()
                        ),
                        None => write!(
                            f,
                            "{method} {path}: rate limited (429); slow down and retry later (the limit is 100 requests per 10 s per location/company)"
                        ),
                    }
                }
            }
            Error::Unauthorized {
                method,
                path,
                message,
                trace_id,
            } => write!(
                f,
                "{method} {path}: unauthorized (401){}{}; check that the token is valid, not expired and has the scope for this route",
                message_suffix(message),
                trace_suffix(trace_id)
            ),
            Error::RouteNotSupported { method, path } => write!(
                f,
                "{method} {path}: the server answered 401 \"This route is not yet supported by the IAM Service\": this route does not exist in the public API (not a token problem); use another endpoint"
            ),
            Error::AgencyTokenRequired {
                method,
                path,
                status,
                message,
            } => write!(
                f,
                "{method} {path}: access denied ({status}){}; only an agency (company) token may call this route: send an agency token (OAuth user_type Company, or an agency Private Integration Token), not a sub-account (location) token; if it already is one, it may be expired or revoked, or lack the route's scope",
                message_suffix(message)
            ),
            Error::Forbidden {
                method,
                path,
                required_scopes,
                message,
                trace_id,
            } => {
                write!(
                    f,
                    "{method} {path}: forbidden (403){}{}; ",
                    message_suffix(message),
                    trace_suffix(trace_id)
                )?;
                let other_location = message.as_deref().is_some_and(|m| {
                    m.to_ascii_lowercase()
                        .contains("does not have access to this location")
                });
                if other_location {
                    write!(
                        f,
                        "the token is not for the location named in the request: send that location's token (an agency can mint one with Client::location_token), or fix the location id; "
                    )?;
                }
                match required_scopes {
                    [] => write!(
                        f,
                        "the token may lack a scope this route requires, but the spec names none: check the app's scopes in the marketplace, and that the ids in the request belong to the token's location or company"
                    ),
                    [one] => write!(
                        f,
                        "the token may lack the scope this route requires: it needs scope {one}; add it to the app's scopes and have the location reinstall the app (a token keeps the scopes it was installed with)"
                    ),
                    many => write!(
                        f,
                        "the token may lack the scope this route requires: it needs one of the scopes {}; add one to the app's scopes and have the location reinstall the app (a token keeps the scopes it was installed with)",
                        many.join(", ")
                    ),
                }
            }
            Error::CloudflareBlocked { method, path } => write!(
                f,
                "{method} {path}: blocked by Cloudflare (403, error code 1010) because of the request's browser signature; this is not an auth failure: send a browser User-Agent (the default ghl_runtime::DEFAULT_USER_AGENT)"
            ),
            Error::NotFound {
                method,
                path,
                message,
                trace_id,
            } => write!(
                f,
                "{method} {path}: not found (404){}{}; check the ids in the path and that they belong to this location",
                message_suffix(message),
                trace_suffix(trace_id)
            ),
            Error::FileTooLarge {
                method,
                path,
                field,
                size,
                limit,
                message,
            } => {
                let file = if field.is_empty() {
                    "the upload".to_owned()
                } else {
                    format!("file `{field}`")
                };
                match message {
                    None => write!(f, "{method} {path}: {file} is too large, not sent")?,
                    Some(m) => write!(
                        f,
                        "{method} {path}: the server refused {file} as too large (413: {m})"
                    )?,
                }
                match (size, limit) {
                    (Some(size), Some(limit)) => write!(
                        f,
                        ": it is {}, over the {} limit",
                        human_bytes(*size),
                        human_bytes(*limit)
                    )?,
                    (Some(size), None) => write!(f, ": it is {}", human_bytes(*size))?,
                    (None, Some(limit)) => write!(f, ": the limit is {}", human_bytes(*limit))?,
                    (None, None) => {}
                }
                write!(
                    f,
                    "; send a smaller file (compress or resize it, or split it), or host it elsewhere and pass its URL where the endpoint accepts one"
                )
            }
            Error::Http {
                method,
                path,
                status,
                message,
                body_excerpt,
                trace_id,
            } => {
                write!(f, "{method} {path}: HTTP {status}")?;
                match message {
                    Some(m) => write!(f, ": {m}")?,
                    None if !body_excerpt.is_empty() => write!(f, ": {body_excerpt}")?,
                    None => {}
                }
                write!(f, "{}", trace_suffix(trace_id))?;
                if *status >= 500 {
                    write!(f, "; a server-side failure, retry later")
                } else if *status == 400 {
                    write!(
                        f,
                        "; check the parameters (a wrong Version header is a common cause)"
                    )
                } else {
                    Ok(())
                }
            }
            Error::Decode {
                method,
                path,
                json_path,
                body_excerpt,
                source,
            } => write!(
                f,
                "{method} {path}: the response did not match the expected type at `{json_path}`: {source}; body starts with: {body_excerpt}; the API may have changed shape: report it or decode into serde_json::Value"
            ),
            Error::Transport {
                method,
                path,
                source,
            } => write!(
                f,
                "{method} {path}: the request failed in transport ({}); check network access to the API and retry",
                transport_text(source)
            ),
            Error::Timeout {
                method,
                path,
                timeout,
            } => match timeout {
                Some(t) => write!(
                    f,
                    "{method} {path}: no complete response within {:.1}s; retry, or raise the timeout with ClientBuilder::timeout",
                    t.as_secs_f64()
                ),
                None => write!(
                    f,
                    "{method} {path}: timed out; retry, or raise the timeout with ClientBuilder::timeout"
                ),
            },
            Error::InvalidRequest { operation, message } => write!(
                f,
                "{operation}: invalid request, not sent: {message}; fix the argument"
            ),
            Error::Config { message } => {
                write!(f, "client configuration error: {message}")
            }
            Error::TokenStore { message, source } => write!(
                f,
                "token store error: {message}: {source}; check the store's location and permissions (an unsaved refresh token locks the integration out)"
            ),
        }
    }
}

/// `31457280 bytes (30.0 MiB)`; small sizes in bytes only.
pub(super) fn human_bytes(bytes: u64) -> String {
    const KIB: f64 = 1024.0;
    const MIB: f64 = 1024.0 * 1024.0;
    let b = bytes as f64;
    if b >= MIB {
        format!("{bytes} bytes ({:.1} MiB)", b / MIB)
    } else if b >= KIB {
        format!("{bytes} bytes ({:.1} KiB)", b / KIB)
    } else {
        format!("{bytes} bytes")
    }
}

/// The error and its causes (`error sending request: client error (Connect): tcp connect
/// error: Connection refused (os error 111)`): reqwest's own text names none of them. A
/// cause already contained in the text so far is not repeated; a URL query (where
/// secrets can be) is cut off.
fn transport_text(err: &reqwest::Error) -> String {
    let mut s = err.to_string();
    let mut cause = std::error::Error::source(err);
    while let Some(e) = cause {
        let text = e.to_string();
        if !text.is_empty() && !s.contains(&text) {
            s.push_str(": ");
            s.push_str(&text);
        }
        cause = e.source();
    }
    if let Some(url) = err.url() {
        let full = url.as_str();
        if url.query().is_some() {
            let mut short = url.clone();
            short.set_query(None);
            s = s.replace(full, short.as_str());
        }
    }
    s
}
