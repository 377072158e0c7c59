//! The one error type returned by every call.

use std::fmt;
use std::time::Duration;

use crate::Method;

/// How many characters of a response body an error keeps.
pub(crate) const BODY_EXCERPT_CHARS: usize = 512;

/// Everything that can go wrong when calling the API.
///
/// Each variant carries what a caller needs to act on it, and its [`Display`](fmt::Display)
/// says what happened and what to do, naming the HTTP method and the spec path template
/// (for example `GET /blogs/posts/all`). No variant ever contains an access token, a
/// refresh token, a client secret or a request body.
#[non_exhaustive]
#[derive(Debug)]
pub enum Error {
    /// HTTP 422 (or a 400 with a `message` list): the server rejected the request body or
    /// parameters. `messages` holds the server's `message` field (an array of strings, or a
    /// single string turned into a one-element list).
    Validation {
        /// HTTP method of the call.
        method: Method,
        /// Spec path template of the call, e.g. `/blogs/posts/{postId}`.
        path: &'static str,
        /// HTTP status (usually 422).
        status: u16,
        /// The server's validation messages, e.g. `property summary should not exist`.
        messages: Vec<String>,
        /// The server's `traceId`, when present.
        trace_id: Option<String>,
    },
    /// HTTP 429 (after retries were exhausted or not allowed), or the client-side daily
    /// budget reported by the server is used up.
    RateLimited {
        /// HTTP method of the call.
        method: Method,
        /// Spec path template of the call.
        path: &'static str,
        /// How long the server asked to wait (`Retry-After`), when it said.
        retry_after: Option<Duration>,
        /// True when the daily quota (`X-RateLimit-Daily-Remaining: 0`) is exhausted.
        daily: bool,
    },
    /// HTTP 401: the token is missing, expired, revoked or lacks the scope for this route.
    Unauthorized {
        /// HTTP method of the call.
        method: Method,
        /// Spec path template of the call.
        path: &'static str,
        /// The server's message, when present.
        message: Option<String>,
        /// The server's `traceId`, when present.
        trace_id: Option<String>,
    },
    /// HTTP 401 `This route is not yet supported by the IAM Service`: the route does not
    /// exist in the public API. Not a token problem.
    RouteNotSupported {
        /// HTTP method of the call.
        method: Method,
        /// Spec path template of the call.
        path: &'static str,
    },
    /// HTTP 401/403 on an agency (company-level) route called with a sub-account
    /// (location) token, or a location route needing a location token.
    AgencyTokenRequired {
        /// HTTP method of the call.
        method: Method,
        /// Spec path template of the call.
        path: &'static str,
        /// HTTP status (401 or 403).
        status: u16,
        /// The server's message, when present.
        message: Option<String>,
    },
    /// HTTP 403 with body `error code: 1010`: Cloudflare refused the request based on its
    /// browser signature (usually the `User-Agent`). Not an auth failure.
    CloudflareBlocked {
        /// HTTP method of the call.
        method: Method,
        /// Spec path template of the call.
        path: &'static str,
    },
    /// HTTP 404.
    NotFound {
        /// HTTP method of the call.
        method: Method,
        /// Spec path template of the call.
        path: &'static str,
        /// The server's message, when present.
        message: Option<String>,
        /// The server's `traceId`, when present.
        trace_id: Option<String>,
    },
    /// Any other non-2xx status.
    Http {
        /// HTTP method of the call.
        method: Method,
        /// Spec path template of the call.
        path: &'static str,
        /// HTTP status code.
        status: u16,
        /// The server's `message`, when the body is JSON and has one.
        message: Option<String>,
        /// The first characters of the response body.
        body_excerpt: String,
        /// The server's `traceId`, when present.
        trace_id: Option<String>,
    },
    /// A 2xx response whose body did not match the expected type.
    Decode {
        /// HTTP method of the call.
        method: Method,
        /// Spec path template of the call.
        path: &'static str,
        /// JSON path of the failing field, e.g. `results.post.media[0].type`.
        json_path: String,
        /// The first characters of the body (redacted for OAuth token responses).
        body_excerpt: String,
        /// The underlying serde error.
        source: serde_json::Error,
    },
    /// The request could not be sent or the response could not be read (DNS, TCP, TLS,
    /// connection reset).
    Transport {
        /// HTTP method of the call.
        method: Method,
        /// Spec path template of the call.
        path: &'static str,
        /// The underlying HTTP client error.
        source: reqwest::Error,
    },
    /// The request took longer than the configured timeout.
    Timeout {
        /// HTTP method of the call.
        method: Method,
        /// Spec path template of the call.
        path: &'static str,
        /// The configured total timeout, when known.
        timeout: Option<Duration>,
    },
    /// The request was refused before sending: a client-side validation failed or a
    /// parameter could not be serialized.
    InvalidRequest {
        /// The operation (or spec path template) concerned.
        operation: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The client is misconfigured (no token, bad base URL, TLS setup failed, ...).
    Config {
        /// What is wrong.
        message: String,
    },
    /// A [`TokenStore`](crate::auth::TokenStore) failed to load or save tokens.
    TokenStore {
        /// What the store was doing.
        message: String,
        /// The underlying error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl Error {
    /// A client-side validation failure detected before sending, e.g.
    /// `Error::invalid_request("GET /blogs/posts/all", "limit must be at most 50")`.
    pub fn invalid_request(operation: &'static str, message: impl Into<String>) -> Error {
        Error::InvalidRequest {
            operation,
            message: message.into(),
        }
    }

    pub(crate) fn config(message: impl Into<String>) -> Error {
        Error::Config {
            message: message.into(),
        }
    }

    /// The HTTP status of the response that caused this error, if there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Validation { status, .. }
            | Error::AgencyTokenRequired { status, .. }
            | Error::Http { status, .. } => Some(*status),
            Error::RateLimited { daily: false, .. } => Some(429),
            Error::Unauthorized { .. } | Error::RouteNotSupported { .. } => Some(401),
            Error::CloudflareBlocked { .. } => Some(403),
            Error::NotFound { .. } => Some(404),
            _ => None,
        }
    }

    /// The server's `traceId`, when the error response carried one.
    pub fn trace_id(&self) -> Option<&str> {
        match self {
            Error::Validation { trace_id, .. }
            | Error::Unauthorized { trace_id, .. }
            | Error::NotFound { trace_id, .. }
            | Error::Http { trace_id, .. } => trace_id.as_deref(),
            _ => None,
        }
    }

    /// True when retrying the same call later may succeed (rate limit, 5xx, timeout,
    /// transport failure).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::RateLimited { daily, .. } => !daily,
            Error::Http { status, .. } => *status >= 500,
            Error::Timeout { .. } | Error::Transport { .. } => true,
            _ => false,
        }
    }
}

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
                "{method} {path}: the server rejected the request ({status}): {}{}; fix the listed fields (a PUT usually needs the full object, not a partial one)",
                if messages.is_empty() {
                    "no details given".to_owned()
                } else {
                    messages.join("; ")
                },
                trace_suffix(trace_id)
            ),
            Error::RateLimited {
                method,
                path,
                retry_after,
                daily,
            } => {
                if *daily {
                    write!(
                        f,
                        "{method} {path}: the daily request quota for this location/company is used up; wait until it resets (midnight) or spread calls over time"
                    )
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
                "{method} {path}: access denied ({status}){}; this route needs an agency (company) token, or a location token minted with POST /oauth/locationToken, not the token used",
                message_suffix(message)
            ),
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
                redact_url(source)
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

/// A reqwest error's text without the query string of its URL (a query never carries
/// a secret here, but keep errors short).
fn redact_url(err: &reqwest::Error) -> String {
    let mut s = err.to_string();
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

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Decode { source, .. } => Some(source),
            Error::Transport { source, .. } => Some(source),
            Error::TokenStore { source, .. } => Some(source.as_ref()),
            _ => None,
        }
    }
}

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

/// Classify a non-2xx response into an [`Error`].
pub(crate) fn from_response(
    method: &Method,
    path: &'static str,
    status: u16,
    retry_after: Option<Duration>,
    body: &[u8],
    redact_body: bool,
) -> Error {
    let method = method.clone();
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
        401 if lower_all.contains("not yet supported by the iam service") => {
            Error::RouteNotSupported { method, path }
        }
        401 | 403 if mentions_agency_scope(&lower_all) || is_agency_route(path) => {
            Error::AgencyTokenRequired {
                method,
                path,
                status,
                message: first,
            }
        }
        403 if text.contains("error code: 1010") => Error::CloudflareBlocked { method, path },
        401 => Error::Unauthorized {
            method,
            path,
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
            body_excerpt: if redact_body {
                "<redacted>".to_owned()
            } else {
                excerpt(body)
            },
            trace_id,
        },
    }
}

fn mentions_agency_scope(lower: &str) -> bool {
    lower.contains("agency")
        || lower.contains("company")
        || lower.contains("location token")
        || lower.contains("locationtoken")
        || lower.contains("token type")
        || lower.contains("sub-account")
        || lower.contains("does not have access to this location")
}

/// Routes that only an agency (company) token may call.
fn is_agency_route(path: &str) -> bool {
    const AGENCY_PREFIXES: &[&str] = &[
        "/locations/search",
        "/saas-api/",
        "/snapshots",
        "/companies/",
        "/oauth/locationToken",
        "/oauth/installedLocations",
    ];
    AGENCY_PREFIXES.iter().any(|p| path.starts_with(p))
}
