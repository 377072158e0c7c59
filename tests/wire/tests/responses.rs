//! What a caller gets beside the decoded body: `send_with_response()` keeps the status, the
//! headers, the body's `traceId` and that answer's rate-limit headers, for an operation that
//! decodes the whole body, one that decodes part of it (an unwrapped envelope) and one that
//! decodes none of it.

mod common;

use common::*;
use ghl_blogs::BlogsClient;
use ghl_contacts::ContactsClient;
use ghl_social_media_posting::SocialMediaPostingClient;
use serde_json::json;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

const LOCATION: &str = "ve9EPM428h8vShlRW1KT";

async fn server_with_headers(status: u16, body: serde_json::Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(status)
                .set_body_json(body)
                .insert_header("X-RateLimit-Max", "100")
                .insert_header("X-RateLimit-Remaining", "97")
                .insert_header("X-RateLimit-Interval-Milliseconds", "10000")
                .insert_header("X-Request-Label", "label-1"),
        )
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn the_whole_body_comes_with_status_headers_and_trace_id() {
    let server = server_with_headers(201, json!({ "authors": [], "traceId": "trace-7" })).await;
    let answer = BlogsClient::new(client(&server))
        .get_all_blog_authors_by_location()
        .location_id(LOCATION)
        .limit(5)
        .offset(0)
        .send_with_response()
        .await
        .unwrap();
    assert_eq!(answer.status(), 201);
    assert_eq!(answer.trace_id(), Some("trace-7"));
    assert_eq!(answer.header("x-request-label"), Some("label-1"));
    let limits = answer.rate_limits().expect("rate-limit headers");
    assert_eq!((limits.max, limits.remaining), (Some(100), Some(97)));
    assert!(answer.body().authors.is_empty());
    // The same call through `send` decodes the same body.
    let body = BlogsClient::new(client(&server))
        .get_all_blog_authors_by_location()
        .location_id(LOCATION)
        .limit(5)
        .offset(0)
        .send()
        .await
        .unwrap();
    assert_eq!(&body, answer.body());
    let all = received(&server).await;
    assert_eq!(all.len(), 2);
    for req in &all {
        assert_call(
            req,
            "GET",
            "/blogs/authors",
            &format!("locationId={LOCATION}&limit=5&offset=0"),
            "2021-07-28",
        );
    }
}

/// `get_post` decodes only `results.post` (overrides/social-media-posting.yaml); the trace id
/// sits at the envelope's top level and is still found.
#[tokio::test]
async fn an_unwrapped_envelope_keeps_its_trace_id() {
    let server = server_with_headers(
        200,
        json!({
            "success": true,
            "statusCode": 200,
            "message": "ok",
            "results": { "post": { "_id": "p1", "locationId": LOCATION, "type": "post", "summary": "Hello" } },
            "traceId": "trace-8"
        }),
    )
    .await;
    let answer = SocialMediaPostingClient::new(client(&server))
        .get_post(LOCATION, "p1")
        .send_with_response()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.trace_id(), Some("trace-8"));
    let post = answer.into_body();
    assert_eq!(post.summary.as_deref(), Some("Hello"));
}

/// An operation whose spec documents no response body ignores what the server sends and still
/// reports the status, headers and trace id.
#[tokio::test]
async fn an_ignored_body_still_has_status_headers_and_trace_id() {
    let server = server_with_headers(200, json!({ "contact": null, "traceId": "trace-9" })).await;
    let answer = ContactsClient::new(client(&server))
        .get_duplicate_contact()
        .location_id(LOCATION)
        .send_with_response()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.trace_id(), Some("trace-9"));
    assert_eq!(
        answer.rate_limits().and_then(|limits| limits.remaining),
        Some(97)
    );
    let () = answer.into_body();
}
