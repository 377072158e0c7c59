//! Each error variant from a real-shaped response, and secrets kept out of errors and traces.

use ghl_runtime::{Client, Error, Method, Request, RetryPolicy};
use serde::Deserialize;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "pit-VERY-SECRET-TOKEN";

async fn answer(template: ResponseTemplate, req: Request) -> Error {
    let server = MockServer::start().await;
    Mock::given(method(req.method().as_str()))
        .respond_with(template)
        .mount(&server)
        .await;
    let client = Client::builder()
        .token(TOKEN)
        .base_url(server.uri())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let err = client.send_empty(req).await.unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(!text.contains(TOKEN), "token leaked: {text}");
    err
}

fn get(template: &'static str, path: &str) -> Request {
    Request::new(Method::GET, template, path.to_owned(), "2021-07-28")
}

#[tokio::test]
async fn route_not_supported() {
    let err = answer(
        ResponseTemplate::new(401).set_body_json(serde_json::json!({
            "statusCode": 401,
            "message": "This route is not yet supported by the IAM Service"
        })),
        get("/blogs/posts/{postId}", "/blogs/posts/p1"),
    )
    .await;
    assert!(matches!(err, Error::RouteNotSupported { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("GET /blogs/posts/{postId}"), "{text}");
    assert!(text.contains("not a token problem"), "{text}");
    assert_eq!(err.status(), Some(401));
}

#[tokio::test]
async fn agency_token_required_on_agency_route() {
    let err = answer(
        ResponseTemplate::new(401).set_body_json(serde_json::json!({
            "statusCode": 401,
            "message": "The token is not authorized for this scope."
        })),
        get("/locations/search", "/locations/search"),
    )
    .await;
    assert!(
        matches!(err, Error::AgencyTokenRequired { status: 401, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("agency"), "{err}");
}

#[tokio::test]
async fn agency_token_required_from_message() {
    let err = answer(
        ResponseTemplate::new(403).set_body_json(serde_json::json!({
            "statusCode": 403,
            "message": "This route requires an Agency access token"
        })),
        get("/some/route", "/some/route"),
    )
    .await;
    assert!(
        matches!(err, Error::AgencyTokenRequired { status: 403, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn plain_unauthorized() {
    let err = answer(
        ResponseTemplate::new(401).set_body_json(serde_json::json!({
            "statusCode": 401,
            "message": "Invalid JWT",
            "traceId": "t-401"
        })),
        get("/contacts/{contactId}", "/contacts/c"),
    )
    .await;
    match &err {
        Error::Unauthorized {
            message, trace_id, ..
        } => {
            assert_eq!(message.as_deref(), Some("Invalid JWT"));
            assert_eq!(trace_id.as_deref(), Some("t-401"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(err.trace_id(), Some("t-401"));
}

#[tokio::test]
async fn cloudflare_block() {
    let err = answer(
        ResponseTemplate::new(403).set_body_string("error code: 1010"),
        get("/blogs/authors", "/blogs/authors"),
    )
    .await;
    assert!(matches!(err, Error::CloudflareBlocked { .. }), "{err:?}");
    assert!(err.to_string().contains("User-Agent"), "{err}");
}

#[tokio::test]
async fn not_found() {
    let err = answer(
        ResponseTemplate::new(404).set_body_json(serde_json::json!({
            "statusCode": 404,
            "message": "Contact not found",
            "traceId": "t-404"
        })),
        get("/contacts/{contactId}", "/contacts/missing"),
    )
    .await;
    assert!(
        matches!(&err, Error::NotFound { message: Some(m), .. } if m == "Contact not found"),
        "{err:?}"
    );
}

#[tokio::test]
async fn other_status_keeps_excerpt_and_trace_id() {
    let err = answer(
        ResponseTemplate::new(413).set_body_json(serde_json::json!({
            "statusCode": 413,
            "message": "FILE_SIZE_EXCEEDED",
            "traceId": "t-413"
        })),
        Request::new(
            Method::POST,
            "/medias/upload-file",
            "/medias/upload-file".to_owned(),
            "2021-07-28",
        ),
    )
    .await;
    match &err {
        Error::Http {
            status,
            message,
            body_excerpt,
            trace_id,
            ..
        } => {
            assert_eq!(*status, 413);
            assert_eq!(message.as_deref(), Some("FILE_SIZE_EXCEEDED"));
            assert!(body_excerpt.contains("FILE_SIZE_EXCEEDED"));
            assert_eq!(trace_id.as_deref(), Some("t-413"));
        }
        other => panic!("{other:?}"),
    }
    let text = err.to_string();
    assert!(
        text.contains("POST /medias/upload-file: HTTP 413"),
        "{text}"
    );
    assert!(text.contains("t-413"), "{text}");
}

#[tokio::test]
async fn server_error_text_body() {
    let long = "x".repeat(5000);
    let err = answer(
        ResponseTemplate::new(500).set_body_string(long),
        get("/contacts/{contactId}", "/contacts/c"),
    )
    .await;
    match &err {
        Error::Http {
            status: 500,
            body_excerpt,
            ..
        } => assert!(body_excerpt.chars().count() <= 513),
        other => panic!("{other:?}"),
    }
    assert!(err.is_retryable());
}

#[tokio::test]
async fn decode_failure_names_the_json_path() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "results": {"post": {"media": [{"url": "u", "type": 7}]}},
            "traceId": "t"
        })))
        .mount(&server)
        .await;
    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Media {
        url: String,
        #[serde(rename = "type")]
        kind: String,
    }
    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Post {
        media: Vec<Media>,
    }
    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Results {
        post: Post,
    }
    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Resp {
        results: Results,
    }
    let client = Client::builder()
        .token(TOKEN)
        .base_url(server.uri())
        .build()
        .unwrap();
    let err = client
        .send::<Resp>(get(
            "/social-media-posting/{locationId}/posts/{id}",
            "/social-media-posting/l/posts/p",
        ))
        .await
        .unwrap_err();
    match &err {
        Error::Decode {
            json_path,
            body_excerpt,
            ..
        } => {
            assert_eq!(json_path, "results.post.media[0].type");
            assert!(body_excerpt.starts_with("{\"results\""), "{body_excerpt}");
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("results.post.media[0].type"));
}
