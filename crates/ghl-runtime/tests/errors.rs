//! Each error variant from a real-shaped response, and secrets kept out of errors and traces.

use ghl_runtime::{Client, Error, FilePart, Method, Multipart, Request, RetryPolicy, TokenKinds};
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
    for status in [401, 403] {
        let err = answer(
            ResponseTemplate::new(status).set_body_json(serde_json::json!({
                "statusCode": status,
                "message": "The token is not authorized for this scope."
            })),
            get("/locations/search", "/locations/search").token_kinds(TokenKinds::AGENCY),
        )
        .await;
        assert!(
            matches!(err, Error::AgencyTokenRequired { status: s, .. } if s == status),
            "{err:?}"
        );
        assert_eq!(err.status(), Some(status));
        assert!(err.to_string().contains("only an agency"), "{err}");
    }
}

/// The agency verdict comes from the spec, not from the path: an unmarked route, or one
/// that accepts location tokens, gets the plain 401/403 errors.
#[tokio::test]
async fn agency_routes_are_read_from_the_spec_not_guessed() {
    for kinds in [None, Some(TokenKinds::ANY), Some(TokenKinds::LOCATION)] {
        let mut req = get("/locations/search", "/locations/search");
        if let Some(k) = kinds {
            req = req.token_kinds(k);
        }
        let err = answer(
            ResponseTemplate::new(401).set_body_json(serde_json::json!({
                "statusCode": 401,
                "message": "Invalid JWT"
            })),
            req,
        )
        .await;
        assert!(
            matches!(err, Error::Unauthorized { .. }),
            "{kinds:?}: {err:?}"
        );

        let mut req = get("/companies/{companyId}", "/companies/c1");
        if let Some(k) = kinds {
            req = req.token_kinds(k);
        }
        let err = answer(
            ResponseTemplate::new(403).set_body_json(serde_json::json!({
                "statusCode": 403,
                "message": "The company does not have access to this sub-account"
            })),
            req,
        )
        .await;
        assert!(matches!(err, Error::Forbidden { .. }), "{kinds:?}: {err:?}");
    }
}

#[tokio::test]
async fn forbidden_names_the_required_scope() {
    let err = answer(
        ResponseTemplate::new(403).set_body_json(serde_json::json!({
            "statusCode": 403,
            "message": "Forbidden resource",
            "traceId": "t-403"
        })),
        Request::new(
            Method::POST,
            "/invoices/template",
            "/invoices/template".to_owned(),
            "2021-07-28",
        )
        .scopes(&["invoices/template.write"])
        .token_kinds(TokenKinds::ANY),
    )
    .await;
    match &err {
        Error::Forbidden {
            required_scopes,
            message,
            trace_id,
            ..
        } => {
            assert_eq!(*required_scopes, &["invoices/template.write"][..]);
            assert_eq!(message.as_deref(), Some("Forbidden resource"));
            assert_eq!(trace_id.as_deref(), Some("t-403"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(err.status(), Some(403));
    assert_eq!(err.trace_id(), Some("t-403"));
    assert_eq!(
        err.to_string(),
        "POST /invoices/template: forbidden (403): Forbidden resource (traceId t-403); the token \
         may lack the scope this route requires: it needs scope invoices/template.write; add it \
         to the app's scopes and have the location reinstall the app (a token keeps the scopes \
         it was installed with)"
    );
}

#[tokio::test]
async fn forbidden_with_several_or_no_scopes() {
    let err = answer(
        ResponseTemplate::new(403),
        get("/contacts/{contactId}", "/contacts/c")
            .scopes(&["contacts.readonly", "contacts.write"]),
    )
    .await;
    let text = err.to_string();
    assert!(
        text.contains("one of the scopes contacts.readonly, contacts.write"),
        "{text}"
    );
    let err = answer(
        ResponseTemplate::new(403).set_body_json(serde_json::json!({
            "statusCode": 403,
            "message": "The token does not have access to this location"
        })),
        get("/contacts/{contactId}", "/contacts/c"),
    )
    .await;
    assert!(
        matches!(
            &err,
            Error::Forbidden {
                required_scopes: [],
                ..
            }
        ),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(text.contains("the spec names none"), "{text}");
    assert!(
        text.contains("not for the location named in the request"),
        "{text}"
    );
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
        ResponseTemplate::new(409).set_body_json(serde_json::json!({
            "statusCode": 409,
            "message": "DUPLICATE_SLUG",
            "traceId": "t-409"
        })),
        Request::new(
            Method::POST,
            "/blogs/posts",
            "/blogs/posts".to_owned(),
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
            assert_eq!(*status, 409);
            assert_eq!(message.as_deref(), Some("DUPLICATE_SLUG"));
            assert!(body_excerpt.contains("DUPLICATE_SLUG"));
            assert_eq!(trace_id.as_deref(), Some("t-409"));
        }
        other => panic!("{other:?}"),
    }
    let text = err.to_string();
    assert!(text.contains("POST /blogs/posts: HTTP 409"), "{text}");
    assert!(text.contains("t-409"), "{text}");
}

/// A 413 names the largest file part, its size and its cap, and the server's message.
#[tokio::test]
async fn payload_too_large_is_file_too_large() {
    let form = Multipart::new()
        .text("hosted", &false)
        .file("small", &FilePart::new(vec![0; 10], "a.png", "image/png"))
        .file("file", &FilePart::new(vec![0; 3000], "b.mp4", "video/mp4"))
        .max_file_size("video/", 1 << 20);
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
        )
        .multipart(form),
    )
    .await;
    match &err {
        Error::FileTooLarge {
            field,
            size,
            limit,
            message,
            ..
        } => {
            assert_eq!(*field, "file");
            assert_eq!(*size, Some(3000));
            assert_eq!(*limit, Some(1 << 20));
            assert_eq!(message.as_deref(), Some("FILE_SIZE_EXCEEDED"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(err.status(), Some(413));
    assert!(!err.is_retryable());
    let text = err.to_string();
    assert!(
        text.starts_with(
            "POST /medias/upload-file: the server refused file `file` as too large (413: FILE_SIZE_EXCEEDED): it is 3000 bytes (2.9 KiB), over the 1048576 bytes (1.0 MiB) limit; send a smaller file"
        ),
        "{text}"
    );

    // Without a multipart body or a message, what is known is said.
    let err = answer(
        ResponseTemplate::new(413).set_body_string("request entity too large"),
        Request::new(
            Method::POST,
            "/medias/upload-file",
            "/medias/upload-file".to_owned(),
            "2021-07-28",
        ),
    )
    .await;
    assert!(
        matches!(
            &err,
            Error::FileTooLarge { field: "", size: None, limit: None, message: Some(m), .. }
                if m == "request entity too large"
        ),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("refused the upload as too large"),
        "{err}"
    );
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
