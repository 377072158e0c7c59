//! [`Request`]: one HTTP call as a generated operation describes it, and what comes back
//! ([`Response`]). The query serializer is in `query`, multipart bodies in `multipart`, the
//! answer with its status and headers in `response`.

use std::fmt;

use bytes::Bytes;
use serde::Serialize;

use crate::error::CallFacts;
use crate::{Error, Method};

mod multipart;
mod query;
mod response;

pub use multipart::{FilePart, Multipart};
pub use query::encode_path_segment;
pub(crate) use query::push_scalars;
pub use response::Response;

/// The body of a request, kept in a form that can be sent again on a retry.
#[derive(Clone)]
pub(crate) enum Body {
    None,
    Json(Bytes),
    Form(Bytes),
    /// Boxed: a multipart body is rare, and would otherwise widen every request.
    Multipart(Box<Multipart>),
    /// Bytes with their `Content-Type` (boxed for the same reason).
    Bytes(Box<(&'static str, Bytes)>),
}

/// Which kinds of token a route accepts, as its spec's `security` says: a sub-account
/// (location) token, an agency (company) token, or either.
///
/// Set on a [`Request`] by generated code with [`Request::token_kinds`]; a request that
/// does not set it makes no claim. It decides when an HTTP 401/403 is reported as
/// [`Error::AgencyTokenRequired`]: only on a route that accepts agency tokens and not
/// location tokens.
///
/// ```
/// use ghl_runtime::TokenKinds;
/// assert!(TokenKinds::ANY.accepts_location() && TokenKinds::ANY.accepts_agency());
/// assert!(TokenKinds::AGENCY.accepts_agency() && !TokenKinds::AGENCY.accepts_location());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenKinds {
    location: bool,
    agency: bool,
}

impl TokenKinds {
    /// Only sub-account (location) tokens (spec security `Location-Access` alone).
    pub const LOCATION: TokenKinds = TokenKinds {
        location: true,
        agency: false,
    };
    /// Only agency (company) tokens (spec security `Agency-Access-Only`, or
    /// `Agency-Access` alone).
    pub const AGENCY: TokenKinds = TokenKinds {
        location: false,
        agency: true,
    };
    /// Location or agency tokens (spec security `Location-Access` and `Agency-Access`).
    pub const ANY: TokenKinds = TokenKinds {
        location: true,
        agency: true,
    };

    /// True when a sub-account (location) token may call the route.
    pub fn accepts_location(self) -> bool {
        self.location
    }

    /// True when an agency (company) token may call the route.
    pub fn accepts_agency(self) -> bool {
        self.agency
    }

    /// True for a route only an agency token may call.
    pub(crate) fn agency_only(self) -> bool {
        self.agency && !self.location
    }
}

/// One HTTP call as a generated operation describes it.
///
/// Built by generated code and sent with [`Client::send`](crate::Client::send) or
/// [`Client::send_with_response`](crate::Client::send_with_response). Errors while building (a parameter
/// that cannot be serialized) are kept and returned by `send`, so the builder methods
/// never fail.
#[must_use = "a Request does nothing until it is sent with Client::send"]
pub struct Request {
    pub(crate) method: Method,
    pub(crate) path_template: &'static str,
    pub(crate) path: String,
    pub(crate) version: &'static str,
    pub(crate) query: Vec<(&'static str, String)>,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) forced_headers: Vec<(&'static str, &'static str)>,
    pub(crate) body: Body,
    /// The OAuth scopes the route requires, any one of which suffices (empty: unknown or
    /// none).
    pub(crate) scopes: &'static [&'static str],
    pub(crate) auth: bool,
    /// The kinds of token the route accepts (`None`: unknown).
    pub(crate) token_kinds: Option<TokenKinds>,
    /// Boxed: the request is held in every call's future, and errors are rare.
    pub(crate) error: Option<Box<Error>>,
    /// Decode only the value at this JSON pointer of a 2xx body.
    pub(crate) unwrap_at: Option<&'static str>,
    /// Decode nothing of a 2xx body (beside `auth`: no room taken).
    pub(crate) ignore_body: bool,
}

/// What of a 2xx body a request decodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Answer {
    /// The whole body.
    Body,
    /// The value at this JSON pointer (the payload of an envelope).
    At(&'static str),
    /// Nothing: the body is ignored and decodes as JSON `null` (so `()`).
    Ignored,
}

impl Request {
    /// A new request.
    ///
    /// `path_template` is the spec path (e.g. `"/blogs/posts/{postId}"`), used in traces
    /// and errors; `path` is the filled-in path, already percent-encoded (see
    /// [`encode_path_segment`]); `version` is the value of the mandatory `Version` header
    /// for this endpoint.
    pub fn new(
        method: Method,
        path_template: &'static str,
        path: String,
        version: &'static str,
    ) -> Request {
        Request {
            method,
            path_template,
            path,
            version,
            query: Vec::new(),
            headers: Vec::new(),
            forced_headers: Vec::new(),
            body: Body::None,
            scopes: &[],
            auth: true,
            token_kinds: None,
            error: None,
            unwrap_at: None,
            ignore_body: false,
        }
    }

    /// Decodes only the value at the JSON pointer `at` of a 2xx body (e.g. `/results/post`),
    /// for endpoints that wrap their payload in an envelope the caller has no use for. A
    /// missing value decodes as JSON `null`; a decode failure names the full JSON path from
    /// the body's root (e.g. `results.post.media[0].type`).
    pub fn unwrap_at(mut self, at: &'static str) -> Request {
        self.unwrap_at = Some(at);
        self
    }

    /// Ignores a 2xx body: the answer decodes as JSON `null`, so as `()`.
    pub fn ignore_body(mut self) -> Request {
        self.ignore_body = true;
        self
    }

    /// A new request to the spec path `path_template` (e.g. `"/blogs/posts/{postId}"`), with
    /// `version` as its `Version` header. Fill in each `{name}` of the path with
    /// [`path_param`](Self::path_param).
    ///
    /// ```
    /// use ghl_runtime::{Method, Request};
    ///
    /// let request = Request::to(Method::GET, "/blogs/posts/{postId}", "2021-07-28")
    ///     .path_param("postId", &"a b");
    /// # let _ = request;
    /// ```
    pub fn to(method: Method, path_template: &'static str, version: &'static str) -> Request {
        Request::new(method, path_template, path_template.to_owned(), version)
    }

    /// [`Request::to`] with `GET`: `Request::get("/contacts/{contactId}", "2021-07-28")`.
    pub fn get(path_template: &'static str, version: &'static str) -> Request {
        Request::to(Method::GET, path_template, version)
    }

    /// [`Request::to`] with `POST`.
    pub fn post(path_template: &'static str, version: &'static str) -> Request {
        Request::to(Method::POST, path_template, version)
    }

    /// [`Request::to`] with `PUT`.
    pub fn put(path_template: &'static str, version: &'static str) -> Request {
        Request::to(Method::PUT, path_template, version)
    }

    /// [`Request::to`] with `PATCH`.
    pub fn patch(path_template: &'static str, version: &'static str) -> Request {
        Request::to(Method::PATCH, path_template, version)
    }

    /// [`Request::to`] with `DELETE`.
    pub fn delete(path_template: &'static str, version: &'static str) -> Request {
        Request::to(Method::DELETE, path_template, version)
    }

    /// [`Request::to`] with `HEAD`.
    pub fn head(path_template: &'static str, version: &'static str) -> Request {
        Request::to(Method::HEAD, path_template, version)
    }

    /// Fills the `{name}` part of the path with `value`, percent-encoded as one segment (see
    /// [`encode_path_segment`]). A path without that part makes `send` return
    /// [`Error::InvalidRequest`].
    pub fn path_param(mut self, name: &str, value: &dyn fmt::Display) -> Request {
        let found = self.path.match_indices('{').find_map(|(open, _)| {
            let rest = &self.path[open + 1..];
            (rest.starts_with(name) && rest[name.len()..].starts_with('}'))
                .then_some(open..open + name.len() + 2)
        });
        match found {
            Some(range) => self.path.replace_range(range, &encode_path_segment(value)),
            None => self.fail(format!("the path has no `{{{name}}}` to fill in")),
        }
        self
    }

    fn fail(&mut self, message: String) {
        if self.error.is_none() {
            self.error = Some(Box::new(Error::invalid_request(
                self.path_template,
                message,
            )));
        }
    }

    /// Adds a query parameter. Strings are sent as they are, numbers as numbers (an
    /// integral `f64` without `.0`: `50.0` → `50`), booleans as `true`/`false`, sequences
    /// as the key repeated once per element, enums through their `Serialize`; `None` sends
    /// nothing. A value that cannot be rendered makes `send` return
    /// [`Error::InvalidRequest`].
    pub fn query<T: Serialize + ?Sized>(mut self, name: &'static str, value: &T) -> Request {
        if let Err(e) = push_scalars(&mut self.query, name, value, |v| v) {
            self.fail(format!("query parameter `{name}`: {e}"));
        }
        self
    }

    /// Adds a query parameter when `value` is `Some`; `None` sends nothing.
    pub fn query_opt<T: Serialize>(self, name: &'static str, value: Option<&T>) -> Request {
        match value {
            Some(v) => self.query(name, v),
            None => self,
        }
    }

    /// Adds a query parameter in OpenAPI's `form` style without `explode` (a spec's
    /// `explode: false`): a sequence is sent as one comma-separated value, `name=a,b,c`,
    /// instead of `name=a&name=b&name=c` ([`query`](Request::query), `explode: true`, the
    /// default); a scalar is sent as by `query`, and an empty sequence sends nothing.
    ///
    /// ```
    /// use ghl_runtime::Request;
    /// let request = Request::get("/ad-publishing/facebook/reporting", "2021-07-28")
    ///     .query_joined("fields", &["impressions", "clicks"]);
    /// # let _ = request;
    /// ```
    pub fn query_joined<T: Serialize + ?Sized>(mut self, name: &'static str, value: &T) -> Request {
        let mut values = Vec::new();
        match push_scalars(&mut values, name, value, |v| v) {
            Ok(()) if values.is_empty() => {}
            Ok(()) => {
                let joined: Vec<String> = values.into_iter().map(|(_, v)| v).collect();
                self.query.push((name, joined.join(",")));
            }
            Err(e) => self.fail(format!("query parameter `{name}`: {e}")),
        }
        self
    }

    /// [`query_joined`](Request::query_joined) when `value` is `Some`; `None` sends nothing.
    pub fn query_joined_opt<T: Serialize>(self, name: &'static str, value: Option<&T>) -> Request {
        match value {
            Some(v) => self.query_joined(name, v),
            None => self,
        }
    }

    /// Adds one of the operation's own header parameters.
    ///
    /// The client's own headers (`Authorization`, `Version`, `Accept`, `User-Agent`) are
    /// set by the client; an `Authorization` or `Version` given here is ignored, since the
    /// client owns them.
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Request {
        self.headers.push((name, value.into()));
        self
    }

    /// Sets a header that wins over anything the client configuration sets, e.g. the
    /// Chrome `User-Agent` every `/blogs/*` call needs even when the caller configured
    /// another one.
    pub fn force_header(mut self, name: &'static str, value: &'static str) -> Request {
        self.forced_headers.push((name, value));
        self
    }

    /// Sets a JSON body (`Content-Type: application/json`).
    pub fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Request {
        match serde_json::to_vec(body) {
            Ok(bytes) => self.body = Body::Json(Bytes::from(bytes)),
            Err(e) => self.fail(format!("the JSON body cannot be serialized: {e}")),
        }
        self
    }

    /// Sets a body of any other media type: `bytes` as they are, sent with `content_type`
    /// (for operations whose spec takes, say, `application/xml` or `text/csv`).
    pub fn bytes(mut self, content_type: &'static str, bytes: impl Into<Bytes>) -> Request {
        self.body = Body::Bytes(Box::new((content_type, bytes.into())));
        self
    }

    /// Sets an `application/x-www-form-urlencoded` body.
    pub fn form<T: Serialize + ?Sized>(mut self, body: &T) -> Request {
        match serde_urlencoded::to_string(body) {
            Ok(text) => self.body = Body::Form(Bytes::from(text)),
            Err(e) => self.fail(format!("the form body cannot be serialized: {e}")),
        }
        self
    }

    /// Sets a `multipart/form-data` body.
    ///
    /// A file part larger than the cap registered for its content type with
    /// [`Multipart::max_file_size`] makes `send` return [`Error::FileTooLarge`] without
    /// sending anything.
    pub fn multipart(mut self, form: Multipart) -> Request {
        if let Some(e) = form.error.clone() {
            self.fail(e);
        }
        if self.error.is_none() {
            if let Some(over) = form.first_over_cap() {
                self.error = Some(Box::new(Error::FileTooLarge {
                    method: self.method.clone(),
                    path: self.path_template,
                    field: over.field,
                    size: Some(over.size),
                    limit: over.limit,
                    message: None,
                }));
            }
        }
        self.body = Body::Multipart(Box::new(form));
        self
    }

    /// Sends no `Authorization` header (e.g. `POST /oauth/token`).
    pub fn without_auth(mut self) -> Request {
        self.auth = false;
        self
    }

    /// The OAuth scopes the route requires, from its spec; any one of them suffices. Named
    /// by [`Error::Forbidden`] when the server answers 403. Set by generated code.
    pub fn scopes(mut self, scopes: &'static [&'static str]) -> Request {
        self.scopes = scopes;
        self
    }

    /// The kinds of token the route accepts, from its spec. Set by generated code; a
    /// request that does not set it makes no claim (see [`TokenKinds`]).
    pub fn token_kinds(mut self, kinds: TokenKinds) -> Request {
        self.token_kinds = Some(kinds);
        self
    }

    /// The OAuth scopes the route requires (set with [`Request::scopes`]; empty when
    /// unknown or none).
    pub fn required_scopes(&self) -> &'static [&'static str] {
        self.scopes
    }

    /// The kinds of token the route accepts (set with [`Request::token_kinds`]; `None`
    /// when unknown).
    pub fn accepted_token_kinds(&self) -> Option<TokenKinds> {
        self.token_kinds
    }

    /// The HTTP method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The spec path template, e.g. `/blogs/posts/{postId}`.
    pub fn path_template(&self) -> &'static str {
        self.path_template
    }

    /// The filled-in, percent-encoded path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The `Version` header value.
    pub fn version(&self) -> &'static str {
        self.version
    }

    /// True for methods that may be retried safely without the caller's opt-in.
    pub(crate) fn is_idempotent(&self) -> bool {
        matches!(
            self.method,
            Method::GET | Method::HEAD | Method::OPTIONS | Method::PUT | Method::DELETE
        )
    }

    /// Responses of these carry tokens: never show their bodies.
    /// A copy to send again (a paginator's next page). A deferred error is not copied: a
    /// request that holds one is never sent.
    pub(crate) fn duplicate(&self) -> Request {
        Request {
            method: self.method.clone(),
            path_template: self.path_template,
            path: self.path.clone(),
            version: self.version,
            query: self.query.clone(),
            headers: self.headers.clone(),
            forced_headers: self.forced_headers.clone(),
            body: self.body.clone(),
            scopes: self.scopes,
            auth: self.auth,
            token_kinds: self.token_kinds,
            error: None,
            unwrap_at: self.unwrap_at,
            ignore_body: self.ignore_body,
        }
    }

    /// What of a 2xx body to decode.
    pub(crate) fn answer(&self) -> Answer {
        match (self.ignore_body, self.unwrap_at) {
            (true, _) => Answer::Ignored,
            (false, Some(at)) => Answer::At(at),
            (false, None) => Answer::Body,
        }
    }

    pub(crate) fn sensitive_response(&self) -> bool {
        self.path_template.starts_with("/oauth/")
    }

    /// What classifying this call's answer needs of it ([`crate::error::CallFacts`]).
    pub(crate) fn answer_facts(&self) -> CallFacts {
        CallFacts {
            method: self.method.clone(),
            path: self.path_template,
            agency_only: self.token_kinds.is_some_and(TokenKinds::agency_only),
            redact: self.sensitive_response(),
            largest_file: match &self.body {
                Body::Multipart(form) => form.largest_file(),
                _ => None,
            },
            scopes: self.scopes,
        }
    }
}

impl fmt::Debug for Request {
    /// Shows the call's shape; header values of sensitive headers and bodies are not shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let body = match &self.body {
            Body::None => "none".to_owned(),
            Body::Json(b) => format!("json ({} bytes)", b.len()),
            Body::Form(b) => format!("form ({} bytes)", b.len()),
            Body::Multipart(m) => format!("multipart ({} parts)", m.parts.len()),
            Body::Bytes(raw) => format!("{} ({} bytes)", raw.0, raw.1.len()),
        };
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, v)| {
                if is_sensitive_header(n) {
                    (*n, "<redacted>")
                } else {
                    (*n, v.as_str())
                }
            })
            .collect();
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("path_template", &self.path_template)
            .field("path", &self.path)
            .field("version", &self.version)
            .field("query", &self.query)
            .field("headers", &headers)
            .field("forced_headers", &self.forced_headers)
            .field("body", &body)
            .field("scopes", &self.scopes)
            .field("auth", &self.auth)
            .field("token_kinds", &self.token_kinds)
            .finish()
    }
}

pub(crate) fn is_sensitive_header(name: &str) -> bool {
    name.eq_ignore_ascii_case("authorization")
        || name.eq_ignore_ascii_case("cookie")
        || name.eq_ignore_ascii_case("x-api-key")
}

#[cfg(test)]
mod tests;
