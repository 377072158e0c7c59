//! [`Request`]: one HTTP call as a generated operation describes it.

use std::fmt;

use base64::Engine as _;
use bytes::Bytes;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;

use crate::{Error, Method};

/// Characters left as they are in a path segment: RFC 3986 unreserved characters.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes one path segment: everything but RFC 3986 unreserved characters
/// (`A-Z a-z 0-9 - . _ ~`) is encoded, so `/`, `?`, `#`, `%` and spaces cannot change the
/// shape of the URL. Numbers print as [`Display`](fmt::Display) prints them, so an integral
/// `f64` such as `50.0` becomes `50`.
///
/// ```
/// assert_eq!(ghl_runtime::encode_path_segment(&"a b/c?d"), "a%20b%2Fc%3Fd");
/// assert_eq!(ghl_runtime::encode_path_segment(&50.0_f64), "50");
/// ```
pub fn encode_path_segment(value: &dyn fmt::Display) -> String {
    utf8_percent_encode(&value.to_string(), PATH_SEGMENT).to_string()
}

/// Renders a serializable value as the list of strings a query parameter or a multipart
/// text field carries: scalars give one string, sequences one per element, `None`/unit
/// give nothing. Objects are refused.
pub(crate) fn render_scalars<T: Serialize + ?Sized>(value: &T) -> Result<Vec<String>, String> {
    let json = serde_json::to_value(value).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    render_json(&json, &mut out, 0)?;
    Ok(out)
}

fn render_json(value: &serde_json::Value, out: &mut Vec<String>, depth: u8) -> Result<(), String> {
    use serde_json::Value;
    match value {
        Value::Null => {}
        Value::Bool(b) => out.push(if *b { "true" } else { "false" }.to_owned()),
        Value::Number(n) => out.push(render_number(n)),
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) if depth == 0 => {
            for item in items {
                render_json(item, out, depth + 1)?;
            }
        }
        Value::Array(_) => return Err("nested arrays cannot be sent as a parameter".to_owned()),
        Value::Object(_) => {
            return Err("objects cannot be sent as a query or form-field parameter".to_owned());
        }
    }
    Ok(())
}

fn render_number(n: &serde_json::Number) -> String {
    if n.is_f64() {
        if let Some(f) = n.as_f64() {
            // Integral values print without ".0"; 2^53 bounds the exactly representable ints.
            if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 {
                return format!("{}", f as i64);
            }
            return format!("{f}");
        }
    }
    n.to_string()
}

/// The body of a request, kept in a form that can be sent again on a retry.
#[derive(Clone)]
pub(crate) enum Body {
    None,
    Json(Bytes),
    Form(Bytes),
    Multipart(Multipart),
}

/// One HTTP call as a generated operation describes it.
///
/// Built by generated code and sent with [`Client::send`](crate::Client::send) or
/// [`Client::send_empty`](crate::Client::send_empty). Errors while building (a parameter
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
    pub(crate) auth: bool,
    pub(crate) error: Option<Error>,
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
            auth: true,
            error: None,
        }
    }

    fn fail(&mut self, message: String) {
        if self.error.is_none() {
            self.error = Some(Error::invalid_request(self.path_template, message));
        }
    }

    /// Adds a query parameter. Strings are sent as they are, numbers as numbers (an
    /// integral `f64` without `.0`: `50.0` → `50`), booleans as `true`/`false`, sequences
    /// as the key repeated once per element, enums through their `Serialize`; `None` sends
    /// nothing. A value that cannot be rendered makes `send` return
    /// [`Error::InvalidRequest`].
    pub fn query<T: Serialize + ?Sized>(mut self, name: &'static str, value: &T) -> Request {
        match render_scalars(value) {
            Ok(values) => self.query.extend(values.into_iter().map(|v| (name, v))),
            Err(e) => self.fail(format!("query parameter `{name}`: {e}")),
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

    /// Sets an `application/x-www-form-urlencoded` body.
    pub fn form<T: Serialize + ?Sized>(mut self, body: &T) -> Request {
        match serde_urlencoded::to_string(body) {
            Ok(text) => self.body = Body::Form(Bytes::from(text)),
            Err(e) => self.fail(format!("the form body cannot be serialized: {e}")),
        }
        self
    }

    /// Sets a `multipart/form-data` body.
    pub fn multipart(mut self, form: Multipart) -> Request {
        if let Some(e) = form.error.clone() {
            self.fail(e);
        }
        self.body = Body::Multipart(form);
        self
    }

    /// Sends no `Authorization` header (e.g. `POST /oauth/token`).
    pub fn without_auth(mut self) -> Request {
        self.auth = false;
        self
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

    /// A copy for sending again (the deferred error is not copied: it was checked).
    pub(crate) fn clone_for_retry(&self) -> Request {
        Request {
            method: self.method.clone(),
            path_template: self.path_template,
            path: self.path.clone(),
            version: self.version,
            query: self.query.clone(),
            headers: self.headers.clone(),
            forced_headers: self.forced_headers.clone(),
            body: self.body.clone(),
            auth: self.auth,
            error: None,
        }
    }

    /// True for methods that may be retried safely without the caller's opt-in.
    pub(crate) fn is_idempotent(&self) -> bool {
        matches!(
            self.method,
            Method::GET | Method::HEAD | Method::OPTIONS | Method::PUT | Method::DELETE
        )
    }

    /// Responses of these carry tokens: never show their bodies.
    pub(crate) fn sensitive_response(&self) -> bool {
        self.path_template.starts_with("/oauth/")
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
            .field("auth", &self.auth)
            .finish()
    }
}

pub(crate) fn is_sensitive_header(name: &str) -> bool {
    name.eq_ignore_ascii_case("authorization")
        || name.eq_ignore_ascii_case("cookie")
        || name.eq_ignore_ascii_case("x-api-key")
}

/// One part of a [`Multipart`] body.
#[derive(Clone, Debug)]
pub(crate) enum Part {
    Text(String),
    File {
        bytes: Bytes,
        file_name: Option<String>,
        content_type: Option<String>,
    },
}

/// A `multipart/form-data` body.
///
/// Kept as plain data so a retry can send it again.
#[derive(Clone, Debug, Default)]
pub struct Multipart {
    pub(crate) parts: Vec<(&'static str, Part)>,
    pub(crate) error: Option<String>,
}

impl Multipart {
    /// An empty form.
    pub fn new() -> Multipart {
        Multipart::default()
    }

    /// Adds a text field, rendered like a query parameter (sequences give one part per
    /// element, `None` gives none).
    pub fn text<T: Serialize + ?Sized>(mut self, name: &'static str, value: &T) -> Multipart {
        match render_scalars(value) {
            Ok(values) => self
                .parts
                .extend(values.into_iter().map(|v| (name, Part::Text(v)))),
            Err(e) => {
                if self.error.is_none() {
                    self.error = Some(format!("multipart field `{name}`: {e}"));
                }
            }
        }
        self
    }

    /// Adds a text field when `value` is `Some`.
    pub fn text_opt<T: Serialize>(self, name: &'static str, value: Option<&T>) -> Multipart {
        match value {
            Some(v) => self.text(name, v),
            None => self,
        }
    }

    /// Adds a file part.
    pub fn file(mut self, name: &'static str, file: &FilePart) -> Multipart {
        self.parts.push((
            name,
            Part::File {
                bytes: Bytes::from(file.bytes.clone()),
                file_name: file.file_name.clone(),
                content_type: file.content_type.clone(),
            },
        ));
        self
    }

    /// Adds a file part when `file` is `Some`.
    pub fn file_opt(self, name: &'static str, file: Option<&FilePart>) -> Multipart {
        match file {
            Some(f) => self.file(name, f),
            None => self,
        }
    }

    /// Builds the reqwest form for one attempt.
    pub(crate) fn to_form(&self) -> Result<reqwest::multipart::Form, String> {
        let mut form = reqwest::multipart::Form::new();
        for (name, part) in &self.parts {
            let p = match part {
                Part::Text(t) => reqwest::multipart::Part::text(t.clone()),
                Part::File {
                    bytes,
                    file_name,
                    content_type,
                } => {
                    let len = bytes.len() as u64;
                    let mut p = reqwest::multipart::Part::stream_with_length(
                        reqwest::Body::from(bytes.clone()),
                        len,
                    );
                    p = p.file_name(file_name.clone().unwrap_or_else(|| (*name).to_owned()));
                    let mime = content_type
                        .clone()
                        .unwrap_or_else(|| "application/octet-stream".to_owned());
                    p.mime_str(&mime)
                        .map_err(|e| format!("file part `{name}`: bad content type: {e}"))?
                }
            };
            form = form.part(*name, p);
        }
        Ok(form)
    }
}

/// A file to upload in a multipart body.
///
/// Generated request structs derive `Serialize`/`Deserialize`, so this type does too: it
/// serializes as the base64 (standard alphabet, padded) string of its bytes; the file name
/// and content type are not serialized, and deserializing a base64 string gives a part
/// with neither.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct FilePart {
    /// The file's content.
    pub bytes: Vec<u8>,
    /// The file name sent in the part's `Content-Disposition` (defaults to the field name).
    pub file_name: Option<String>,
    /// The part's `Content-Type` (defaults to `application/octet-stream`).
    pub content_type: Option<String>,
}

impl FilePart {
    /// A file part with a name and content type.
    pub fn new(
        bytes: impl Into<Vec<u8>>,
        file_name: impl Into<String>,
        content_type: impl Into<String>,
    ) -> FilePart {
        FilePart {
            bytes: bytes.into(),
            file_name: Some(file_name.into()),
            content_type: Some(content_type.into()),
        }
    }
}

impl Serialize for FilePart {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&base64::engine::general_purpose::STANDARD.encode(&self.bytes))
    }
}

impl<'de> serde::Deserialize<'de> for FilePart {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text.as_bytes())
            .map_err(serde::de::Error::custom)?;
        Ok(FilePart {
            bytes,
            file_name: None,
            content_type: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_render() {
        assert_eq!(render_scalars(&50.0_f64).unwrap(), vec!["50"]);
        assert_eq!(render_scalars(&2.5_f64).unwrap(), vec!["2.5"]);
        assert_eq!(render_scalars(&-3_i64).unwrap(), vec!["-3"]);
        assert_eq!(render_scalars(&true).unwrap(), vec!["true"]);
        assert_eq!(render_scalars("a b").unwrap(), vec!["a b"]);
        assert_eq!(render_scalars(&["x", "y"]).unwrap(), vec!["x", "y"]);
        assert_eq!(render_scalars(&vec![1.0, 2.0]).unwrap(), vec!["1", "2"]);
        assert!(render_scalars(&None::<u8>).unwrap().is_empty());
        assert!(render_scalars(&serde_json::json!({"a": 1})).is_err());
        assert!(render_scalars(&serde_json::json!([[1]])).is_err());
    }

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(encode_path_segment(&"a/b?c#d%e f"), "a%2Fb%3Fc%23d%25e%20f");
        assert_eq!(encode_path_segment(&"abc-DEF_1.2~"), "abc-DEF_1.2~");
        assert_eq!(encode_path_segment(&50.0_f64), "50");
        assert_eq!(encode_path_segment(&"é"), "%C3%A9");
    }

    #[test]
    fn file_part_serde_roundtrip() {
        let f = FilePart::new(b"hello".to_vec(), "a.txt", "text/plain");
        let json = serde_json::to_string(&f).unwrap();
        assert_eq!(json, "\"aGVsbG8=\"");
        let back: FilePart = serde_json::from_str(&json).unwrap();
        assert_eq!(back.bytes, b"hello");
    }

    #[test]
    fn bad_query_is_deferred() {
        let r = Request::new(Method::GET, "/x", "/x".into(), "2021-07-28")
            .query("q", &serde_json::json!({"a": 1}));
        assert!(matches!(r.error, Some(Error::InvalidRequest { .. })));
    }
}
