//! A decoded answer together with what came beside it: status, headers, `traceId`.

use bytes::Bytes;
use reqwest::header::HeaderMap;
use serde::Deserialize;

use crate::ratelimit::RateLimitSnapshot;

/// A decoded answer with its HTTP status and headers: what
/// [`Client::send_with_response`](crate::Client::send_with_response) and every generated
/// operation's `send_with_response()` return.
///
/// Most callers only need the body (`send()`); this is for logging a call's `traceId`,
/// reading the rate-limit headers of this very answer, or headers the spec does not name.
#[derive(Debug, Clone)]
pub struct Response<T> {
    status: u16,
    headers: HeaderMap,
    trace_id: Option<String>,
    body: T,
}

impl<T> Response<T> {
    pub(crate) fn new(status: u16, headers: HeaderMap, raw: &Bytes, body: T) -> Response<T> {
        Response {
            status,
            headers,
            trace_id: trace_id(raw),
            body,
        }
    }

    /// The HTTP status (always 2xx: other statuses are [`Error`](crate::Error)s).
    pub fn status(&self) -> u16 {
        self.status
    }

    /// All response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// One header's value, when it is present and valid text (`name` is case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// The `traceId` the server put in the body, which HighLevel support asks for.
    pub fn trace_id(&self) -> Option<&str> {
        self.trace_id.as_deref()
    }

    /// The `X-RateLimit-*` headers of this answer; `None` when it carried none.
    pub fn rate_limits(&self) -> Option<RateLimitSnapshot> {
        RateLimitSnapshot::from_headers(&self.headers)
    }

    /// The decoded body.
    pub fn body(&self) -> &T {
        &self.body
    }

    /// The decoded body, dropping the rest.
    pub fn into_body(self) -> T {
        self.body
    }

    /// The same answer with its body turned into something else.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Response<U> {
        Response {
            status: self.status,
            headers: self.headers,
            trace_id: self.trace_id,
            body: f(self.body),
        }
    }
}

/// The top-level `traceId` of a JSON object body. Read from the raw bytes, so it is found
/// even when the operation decodes only part of the body or none of it.
fn trace_id(raw: &Bytes) -> Option<String> {
    #[derive(Deserialize)]
    struct Trace {
        #[serde(rename = "traceId")]
        trace_id: Option<String>,
    }
    if raw.iter().find(|byte| !byte.is_ascii_whitespace()) != Some(&b'{') {
        return None;
    }
    serde_json::from_slice::<Trace>(raw).ok()?.trace_id
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(body: &'static str) -> Response<()> {
        let mut headers = HeaderMap::new();
        headers.insert("x-ratelimit-remaining", "7".parse().unwrap());
        Response::new(200, headers, &Bytes::from_static(body.as_bytes()), ())
    }

    #[test]
    fn reads_the_trace_id_of_an_object_body() {
        let answer = response(r#" {"contacts": [], "traceId": "abc-123"}"#);
        assert_eq!(answer.trace_id(), Some("abc-123"));
        assert_eq!(answer.status(), 200);
        assert_eq!(answer.header("X-RateLimit-Remaining"), Some("7"));
        assert_eq!(
            answer.rate_limits().and_then(|limits| limits.remaining),
            Some(7)
        );
    }

    #[test]
    fn no_trace_id_in_other_bodies() {
        assert_eq!(response("").trace_id(), None);
        assert_eq!(response("[1, 2]").trace_id(), None);
        assert_eq!(response(r#"{"traceId": 5}"#).trace_id(), None);
        assert_eq!(response(r#"{"id": "x"}"#).trace_id(), None);
    }
}
