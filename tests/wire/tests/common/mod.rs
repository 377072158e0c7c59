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
