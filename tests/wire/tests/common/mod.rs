//! Shared by every wire test: a mock server that answers anything, a client pointed at it,
//! and accessors for what it received.
#![allow(dead_code)] // each test file uses a different subset

use std::time::Duration;

use ghl_runtime::{Client, RetryPolicy};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The token every test client sends.
pub const TOKEN: &str = "test-token";

/// The Chrome User-Agent Cloudflare lets through on `/blogs/*` (api-deviations.md, "Everywhere").
pub const CHROME_UA: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36";

/// A client for `server`: no retries, no client-side rate limit, short timeouts.
pub fn client(server: &MockServer) -> Client {
    builder(server).build().expect("client builds")
}

/// The builder behind [`client`], for tests that configure more.
pub fn builder(server: &MockServer) -> ghl_runtime::ClientBuilder {
    Client::builder()
        .token(TOKEN)
        .base_url(server.uri())
        .retry_policy(RetryPolicy::none())
        .no_rate_limit()
        .timeout(Duration::from_secs(5))
        .connect_timeout(Duration::from_secs(2))
}

/// A server that answers every request with `status` and the JSON `body`; the tests then
/// assert on what it received, so a wrong method or path fails with a readable diff instead
/// of a 404.
pub async fn server_answering(status: u16, body: serde_json::Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(&server)
        .await;
    server
}

/// Every request the server received.
pub async fn received(server: &MockServer) -> Vec<wiremock::Request> {
    server
        .received_requests()
        .await
        .expect("request recording is on")
}

/// The one request the server received (fails if there were none or several).
pub async fn only_request(server: &MockServer) -> wiremock::Request {
    let mut all = received(server).await;
    assert_eq!(
        all.len(),
        1,
        "expected exactly one request, got {}",
        all.len()
    );
    all.remove(0)
}

/// The single value of header `name` (fails if it was sent several times).
pub fn header(req: &wiremock::Request, name: &str) -> Option<String> {
    let values: Vec<_> = req.headers.get_all(name).iter().collect();
    assert!(
        values.len() <= 1,
        "header {name} sent {} times: {values:?}",
        values.len()
    );
    values
        .first()
        .map(|v| v.to_str().expect("ASCII header").to_owned())
}

/// The raw query string ("" when there is none).
pub fn query(req: &wiremock::Request) -> String {
    req.url.query().unwrap_or_default().to_owned()
}

/// The JSON body.
pub fn body(req: &wiremock::Request) -> serde_json::Value {
    req.body_json::<serde_json::Value>()
        .expect("the body is JSON")
}

/// Asserts method, percent-encoded path, exact query string, `Version` and `Authorization`.
pub fn assert_call(
    req: &wiremock::Request,
    method: &str,
    path: &str,
    query_string: &str,
    version: &str,
) {
    assert_eq!(req.method.as_str(), method, "method of {}", req.url);
    assert_eq!(req.url.path(), path, "path of {}", req.url);
    assert_eq!(query(req), query_string, "query of {}", req.url);
    assert_eq!(
        header(req, "version").as_deref(),
        Some(version),
        "Version of {}",
        req.url
    );
    assert_eq!(
        header(req, "authorization"),
        Some(format!("Bearer {TOKEN}")),
        "Authorization of {}",
        req.url
    );
}

/// Asserts the body is JSON, declared as such, and equal to `expected`.
pub fn assert_json_body(req: &wiremock::Request, expected: &serde_json::Value) {
    let content_type = header(req, "content-type").unwrap_or_default();
    assert!(
        content_type.starts_with("application/json"),
        "Content-Type of {}: {content_type:?}",
        req.url
    );
    assert_eq!(&body(req), expected, "JSON body of {}", req.url);
}

/// Asserts no body was sent.
pub fn assert_no_body(req: &wiremock::Request) {
    assert!(
        req.body.is_empty(),
        "unexpected body on {}: {:?}",
        req.url,
        String::from_utf8_lossy(&req.body)
    );
}

/// One part of a `multipart/form-data` body.
#[derive(Debug, Clone, PartialEq)]
pub struct FormPart {
    /// The `name` of its `Content-Disposition`.
    pub name: String,
    /// The `filename` of its `Content-Disposition`, when it is a file.
    pub file_name: Option<String>,
    /// Its `Content-Type`, when it has one.
    pub content_type: Option<String>,
    /// Its content.
    pub bytes: Vec<u8>,
}

/// The parts of a `multipart/form-data` request, in order (a small parser for test bodies:
/// the boundary from `Content-Type`, CRLF line ends).
pub fn multipart_parts(req: &wiremock::Request) -> Vec<FormPart> {
    let content_type = header(req, "content-type").expect("a Content-Type");
    assert!(
        content_type.starts_with("multipart/form-data"),
        "Content-Type of {}: {content_type}",
        req.url
    );
    let boundary = content_type
        .split(';')
        .filter_map(|p| p.trim().strip_prefix("boundary="))
        .next()
        .expect("a boundary")
        .trim_matches('"')
        .to_owned();
    let delimiter = format!("--{boundary}");
    let body = &req.body[..];
    let mut parts = Vec::new();
    let mut sections = split_bytes(body, delimiter.as_bytes());
    sections.remove(0); // the preamble
    for section in sections {
        if section.starts_with(b"--") {
            break; // the closing delimiter
        }
        let section = section
            .strip_prefix(b"\r\n")
            .expect("CRLF after the boundary");
        let split = find(section, b"\r\n\r\n").expect("a blank line after the part headers");
        let head = std::str::from_utf8(&section[..split]).expect("ASCII part headers");
        let mut content = &section[split + 4..];
        content = content.strip_suffix(b"\r\n").unwrap_or(content);
        let mut part = FormPart {
            name: String::new(),
            file_name: None,
            content_type: None,
            bytes: content.to_vec(),
        };
        for line in head.split("\r\n") {
            let (key, value) = line.split_once(':').expect("a part header");
            match key.trim().to_ascii_lowercase().as_str() {
                "content-disposition" => {
                    for attr in value.split(';').map(str::trim) {
                        if let Some(v) = attr.strip_prefix("name=") {
                            part.name = v.trim_matches('"').to_owned();
                        } else if let Some(v) = attr.strip_prefix("filename=") {
                            part.file_name = Some(v.trim_matches('"').to_owned());
                        }
                    }
                }
                "content-type" => part.content_type = Some(value.trim().to_owned()),
                _ => {}
            }
        }
        parts.push(part);
    }
    parts
}

/// The text parts of a multipart body as `(name, value)` pairs, in order.
pub fn multipart_texts(parts: &[FormPart]) -> Vec<(String, String)> {
    parts
        .iter()
        .filter(|p| p.file_name.is_none())
        .map(|p| {
            (
                p.name.clone(),
                String::from_utf8(p.bytes.clone()).expect("UTF-8 text part"),
            )
        })
        .collect()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn split_bytes<'a>(mut haystack: &'a [u8], needle: &[u8]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    while let Some(at) = find(haystack, needle) {
        out.push(&haystack[..at]);
        haystack = &haystack[at + needle.len()..];
    }
    out.push(haystack);
    out
}
