//! The contract generated crates rely on, checked on the wire against a local server.

use std::time::Duration;

use ghl_runtime::{
    Client, DEFAULT_USER_AGENT, Error, FilePart, Method, Multipart, Request, RetryPolicy,
    encode_path_segment,
};
use serde::{Deserialize, Serialize};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "pit-TEST-TOKEN-123";

fn client(server: &MockServer) -> Client {
    Client::builder()
        .token(TOKEN)
        .base_url(server.uri())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
}

async fn only_request(server: &MockServer) -> wiremock::Request {
    let mut received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 1, "expected exactly one request");
    received.remove(0)
}

fn header<'a>(req: &'a wiremock::Request, name: &str) -> Option<&'a str> {
    req.headers.get(name).and_then(|v| v.to_str().ok())
}

#[derive(Serialize)]
#[serde(rename_all = "UPPERCASE")]
enum Status {
    Draft,
}

#[tokio::test]
async fn get_sends_method_path_query_and_headers() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/blogs/posts/all"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"blogs": []})))
        .mount(&server)
        .await;
    let req = Request::new(
        Method::GET,
        "/blogs/posts/all",
        "/blogs/posts/all".to_owned(),
        "2021-07-28",
    )
    .query("locationId", "loc 1&x")
    .query("limit", &50.0_f64)
    .query("offset", &0_u32)
    .query("archived", &false)
    .query("tags", &["a", "b"])
    .query("status", &Status::Draft)
    .query_opt("blogId", None::<&String>)
    .query_opt("search", Some(&"hello"));
    let v: serde_json::Value = client(&server).send(req).await.unwrap();
    assert_eq!(v, serde_json::json!({"blogs": []}));

    let r = only_request(&server).await;
    assert_eq!(r.method.as_str(), "GET");
    let pairs: Vec<(String, String)> = r.url.query_pairs().into_owned().collect();
    let expect: Vec<(String, String)> = [
        ("locationId", "loc 1&x"),
        ("limit", "50"),
        ("offset", "0"),
        ("archived", "false"),
        ("tags", "a"),
        ("tags", "b"),
        ("status", "DRAFT"),
        ("search", "hello"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(pairs, expect);
    assert_eq!(
        header(&r, "authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(header(&r, "version"), Some("2021-07-28"));
    assert_eq!(header(&r, "accept"), Some("application/json"));
    assert_eq!(header(&r, "user-agent"), Some(DEFAULT_USER_AGENT));
}

#[tokio::test]
async fn path_segments_are_encoded_and_version_is_per_request() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(serde_json::json!({"succeeded": true})),
        )
        .mount(&server)
        .await;
    let p = format!("/calendars/events/{}", encode_path_segment(&"a/b c?d"));
    client(&server)
        .send_empty(Request::new(
            Method::DELETE,
            "/calendars/events/{eventId}",
            p,
            "2021-04-15",
        ))
        .await
        .unwrap();
    let r = only_request(&server).await;
    assert_eq!(r.url.path(), "/calendars/events/a%2Fb%20c%3Fd");
    assert_eq!(header(&r, "version"), Some("2021-04-15"));
}

#[tokio::test]
async fn json_body_and_custom_header_are_sent() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/social-media-posting/loc1/posts/p1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"ok": true})))
        .mount(&server)
        .await;
    #[derive(Serialize)]
    struct Body<'a> {
        summary: &'a str,
        media: Vec<u8>,
    }
    #[derive(Deserialize, Debug, PartialEq)]
    struct Resp {
        ok: bool,
    }
    let resp: Resp = client(&server)
        .send(
            Request::new(
                Method::PUT,
                "/social-media-posting/{locationId}/posts/{id}",
                "/social-media-posting/loc1/posts/p1".to_owned(),
                "2021-07-28",
            )
            .header("X-Custom", "v1")
            .json(&Body {
                summary: "hi",
                media: vec![],
            }),
        )
        .await
        .unwrap();
    assert_eq!(resp, Resp { ok: true });
    let r = only_request(&server).await;
    assert_eq!(header(&r, "content-type"), Some("application/json"));
    assert_eq!(header(&r, "x-custom"), Some("v1"));
    let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(body, serde_json::json!({"summary": "hi", "media": []}));
}

#[tokio::test]
async fn form_body_without_auth() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(serde_json::json!({"access_token": "x"})),
        )
        .mount(&server)
        .await;
    let _: serde_json::Value = client(&server)
        .send(
            Request::new(
                Method::POST,
                "/oauth/token",
                "/oauth/token".to_owned(),
                "2021-07-28",
            )
            .form(&[("grant_type", "refresh_token"), ("client_id", "a b")])
            .without_auth(),
        )
        .await
        .unwrap();
    let r = only_request(&server).await;
    assert!(r.headers.get("authorization").is_none());
    assert_eq!(
        header(&r, "content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        std::str::from_utf8(&r.body).unwrap(),
        "grant_type=refresh_token&client_id=a+b"
    );
    assert_eq!(header(&r, "version"), Some("2021-07-28"));
}

/// A body of any other media type goes out as the caller's bytes with that `Content-Type`.
#[tokio::test]
async fn a_bytes_body_is_sent_as_is_with_its_content_type() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let xml = b"<import><row id=\"1\"/></import>".to_vec();
    client(&server)
        .send_empty(
            Request::new(Method::POST, "/import", "/import".to_owned(), "2021-07-28")
                .bytes("application/xml", xml.clone()),
        )
        .await
        .unwrap();
    let r = only_request(&server).await;
    assert_eq!(header(&r, "content-type"), Some("application/xml"));
    assert_eq!(r.body, xml);
}

/// A content type that cannot be a header fails before sending, not with a panic.
#[tokio::test]
async fn a_bytes_body_with_an_invalid_content_type_is_refused() {
    let server = MockServer::start().await;
    let err = client(&server)
        .send_empty(
            Request::new(Method::POST, "/import", "/import".to_owned(), "2021-07-28")
                .bytes("text/plain\n", b"x".to_vec()),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest { .. }), "{err:?}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn user_agent_default_configured_and_forced() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let custom = Client::builder()
        .token(TOKEN)
        .base_url(format!("{}/", server.uri()))
        .user_agent("my-app/1.0")
        .build()
        .unwrap();
    let get = |p: &'static str| Request::new(Method::GET, p, p.to_owned(), "2021-07-28");
    custom.send_empty(get("/contacts/x")).await.unwrap();
    custom
        .send_empty(get("/blogs/authors").force_header("User-Agent", DEFAULT_USER_AGENT))
        .await
        .unwrap();
    client(&server)
        .send_empty(get("/locations/x"))
        .await
        .unwrap();
    let received = server.received_requests().await.unwrap();
    let uas: Vec<_> = received
        .iter()
        .map(|r| header(r, "user-agent").unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        uas,
        vec!["my-app/1.0", DEFAULT_USER_AGENT, DEFAULT_USER_AGENT]
    );
    assert_eq!(received[0].url.path(), "/contacts/x");
}

#[tokio::test]
async fn empty_2xx_body_decodes_as_null() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201))
        .mount(&server)
        .await;
    let req = || Request::new(Method::POST, "/x", "/x".to_owned(), "2021-07-28");
    let v: serde_json::Value = client(&server).send(req()).await.unwrap();
    assert_eq!(v, serde_json::Value::Null);
    let o: Option<Vec<u8>> = client(&server).send(req()).await.unwrap();
    assert_eq!(o, None);
    client(&server).send_empty(req()).await.unwrap();
}

#[tokio::test]
async fn validation_422_with_message_array() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(422).set_body_json(serde_json::json!({
            "statusCode": 422,
            "message": ["property summary should not exist", "media must be an array"],
            "error": "Unprocessable Entity",
            "traceId": "trace-1"
        })))
        .mount(&server)
        .await;
    let err = client(&server)
        .send_empty(Request::new(
            Method::PUT,
            "/social-media-posting/{locationId}/posts/{id}",
            "/social-media-posting/l/posts/p".to_owned(),
            "2021-07-28",
        ))
        .await
        .unwrap_err();
    match &err {
        Error::Validation {
            messages,
            status,
            trace_id,
            ..
        } => {
            assert_eq!(*status, 422);
            assert_eq!(
                messages,
                &vec![
                    "property summary should not exist".to_owned(),
                    "media must be an array".to_owned()
                ]
            );
            assert_eq!(trace_id.as_deref(), Some("trace-1"));
        }
        other => panic!("unexpected {other:?}"),
    }
    let text = err.to_string();
    assert!(
        text.contains("PUT /social-media-posting/{locationId}/posts/{id}"),
        "{text}"
    );
    assert!(text.contains("property summary should not exist"), "{text}");
}

#[tokio::test]
async fn validation_422_with_single_message() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(422).set_body_json(serde_json::json!({
            "statusCode": 422,
            "message": "property blogId should not exist"
        })))
        .mount(&server)
        .await;
    let err = client(&server)
        .send_empty(Request::new(
            Method::GET,
            "/blogs/posts/url-slug-exists",
            "/blogs/posts/url-slug-exists".to_owned(),
            "2021-07-28",
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Validation { messages, .. } if messages == &vec!["property blogId should not exist".to_owned()]),
        "{err:?}"
    );
}

#[tokio::test]
async fn multipart_parts_are_sent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/medias/upload-file"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"fileId": "f1"})))
        .mount(&server)
        .await;
    let file = FilePart::new(b"PNGDATA".to_vec(), "pic.png", "image/png");
    let form = Multipart::new()
        .text("hosted", &false)
        .text("size", &12.0_f64)
        .text_opt("fileUrl", None::<&String>)
        .text_opt("name", Some(&"pic"))
        .file("file", &file)
        .file_opt("other", None);
    let v: serde_json::Value = client(&server)
        .send(
            Request::new(
                Method::POST,
                "/medias/upload-file",
                "/medias/upload-file".to_owned(),
                "2021-07-28",
            )
            .multipart(form),
        )
        .await
        .unwrap();
    assert_eq!(v["fileId"], "f1");
    let r = only_request(&server).await;
    let ct = header(&r, "content-type").unwrap().to_owned();
    assert!(ct.starts_with("multipart/form-data; boundary="), "{ct}");
    let body = String::from_utf8_lossy(&r.body);
    assert!(body.contains("name=\"hosted\"\r\n\r\nfalse\r\n"), "{body}");
    assert!(body.contains("name=\"size\"\r\n\r\n12\r\n"), "{body}");
    assert!(body.contains("name=\"name\"\r\n\r\npic\r\n"), "{body}");
    assert!(!body.contains("fileUrl"), "{body}");
    assert!(
        body.contains(
            "name=\"file\"; filename=\"pic.png\"\r\nContent-Type: image/png\r\n\r\nPNGDATA\r\n"
        ),
        "{body}"
    );
}

/// A file part over its cap fails before anything is sent; the longest matching content
/// type prefix picks the cap.
#[tokio::test]
async fn oversized_file_is_refused_before_sending() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"fileId": "f1"})))
        .mount(&server)
        .await;
    let c = client(&server);
    let upload = |form: Multipart| {
        Request::new(
            Method::POST,
            "/medias/upload-file",
            "/medias/upload-file".to_owned(),
            "2021-07-28",
        )
        .multipart(form)
    };
    let caps = |form: Multipart| {
        form.max_file_size("", 100)
            .max_file_size("image/", 50)
            .max_file_size("image/png", 20)
    };
    // 30 bytes of PNG: over the `image/png` cap (20) though under the `image/` one (50).
    let form = caps(
        Multipart::new()
            .text("hosted", &false)
            .file(
                "doc",
                &FilePart::new(vec![1; 90], "a.pdf", "application/pdf"),
            )
            .file("file", &FilePart::new(vec![2; 30], "b.png", "IMAGE/PNG")),
    );
    let err = c.send_empty(upload(form)).await.unwrap_err();
    match &err {
        Error::FileTooLarge {
            method: m,
            path: p,
            field,
            size,
            limit,
            message,
        } => {
            assert_eq!(*m, Method::POST);
            assert_eq!(*p, "/medias/upload-file");
            assert_eq!(*field, "file");
            assert_eq!(*size, Some(30));
            assert_eq!(*limit, Some(20));
            assert_eq!(*message, None);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(err.status(), None);
    assert_eq!(
        err.to_string(),
        "POST /medias/upload-file: file `file` is too large, not sent: it is 30 bytes, over the \
         20 bytes limit; send a smaller file (compress or resize it, or split it), or host it \
         elsewhere and pass its URL where the endpoint accepts one"
    );
    assert!(server.received_requests().await.unwrap().is_empty());

    // The catch-all cap applies to a part without a content type (sent as
    // application/octet-stream).
    let bare = FilePart {
        bytes: vec![0; 101],
        file_name: None,
        content_type: None,
    };
    let err = c
        .send_empty(upload(caps(Multipart::new().file("file", &bare))))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::FileTooLarge {
                size: Some(101),
                limit: Some(100),
                ..
            }
        ),
        "{err:?}"
    );
    assert!(server.received_requests().await.unwrap().is_empty());

    // At their caps, the same parts go out; a later cap for a prefix replaces the earlier.
    let form = caps(
        Multipart::new()
            .file(
                "doc",
                &FilePart::new(vec![1; 100], "a.pdf", "application/pdf"),
            )
            .file("file", &FilePart::new(vec![2; 30], "b.png", "image/png")),
    )
    .max_file_size("image/png", 30);
    c.send_empty(upload(form)).await.unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn invalid_request_is_not_sent() {
    let server = MockServer::start().await;
    let c = client(&server);
    let err = c
        .send_empty(
            Request::new(Method::GET, "/x", "/x".to_owned(), "2021-07-28")
                .query("q", &serde_json::json!({"nested": 1})),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest { .. }), "{err:?}");
    let err = Error::invalid_request("GET /blogs/posts/all", "limit must be at most 50");
    assert_eq!(
        err.to_string(),
        "GET /blogs/posts/all: invalid request, not sent: limit must be at most 50; fix the argument"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn debug_output_redacts_the_token() {
    let server = MockServer::start().await;
    let c = client(&server);
    let dbg = format!("{c:?}");
    assert!(!dbg.contains(TOKEN), "{dbg}");
    let b = Client::builder().token(TOKEN);
    assert!(!format!("{b:?}").contains(TOKEN));
    let r = Request::new(Method::GET, "/x", "/x".to_owned(), "v").header("Authorization", TOKEN);
    assert!(!format!("{r:?}").contains(TOKEN));
}

#[tokio::test]
async fn clones_share_one_client() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(1)))
        .mount(&server)
        .await;
    let c = client(&server);
    let c2 = c.clone();
    let req = || Request::new(Method::GET, "/x", "/x".to_owned(), "2021-07-28");
    c.send_empty(req()).await.unwrap();
    c2.send_empty(req()).await.unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn send_at_unwraps_an_envelope_and_reports_full_paths() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "success": true,
            "results": {"post": {"_id": "p1", "media": [{"url": "u", "type": 7}]}},
            "traceId": "t"
        })))
        .mount(&server)
        .await;
    #[derive(Deserialize, Debug)]
    struct Id {
        #[serde(rename = "_id")]
        id: String,
    }
    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Media {
        #[serde(rename = "type")]
        kind: String,
    }
    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Post {
        media: Vec<Media>,
    }
    let req = || {
        Request::new(
            Method::GET,
            "/social-media-posting/{locationId}/posts/{id}",
            "/social-media-posting/l/posts/p1".to_owned(),
            "2021-07-28",
        )
    };
    let c = client(&server);
    let id: Id = c.send_at(req(), "/results/post").await.unwrap();
    assert_eq!(id.id, "p1");
    let missing: Option<Id> = c.send_at(req(), "/results/nothing").await.unwrap();
    assert!(missing.is_none());
    let err = c.send_at::<Post>(req(), "/results/post").await.unwrap_err();
    match &err {
        Error::Decode {
            json_path,
            body_excerpt,
            ..
        } => {
            assert_eq!(json_path, "results.post.media[0].type");
            assert!(body_excerpt.contains("\"success\""), "{body_excerpt}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn public_types_are_thread_safe() {
    fn assert_send_sync<T: Send + Sync + 'static>() {}
    assert_send_sync::<Client>();
    assert_send_sync::<Error>();
    assert_send_sync::<Request>();
    assert_send_sync::<Multipart>();
    assert_send_sync::<FilePart>();
    assert_send_sync::<ghl_runtime::ratelimit::RateLimiter>();
    #[cfg(feature = "webhooks")]
    assert_send_sync::<ghl_runtime::webhooks::WebhookVerifier>();
}

#[test]
fn call_futures_are_send() {
    fn assert_send<T: Send>(_: &T) {}
    let client = Client::builder().token("t").build().unwrap();
    let request = || Request::new(Method::GET, "/x", "/x".to_owned(), "2021-07-28");
    assert_send(&client.send::<serde_json::Value>(request()));
    assert_send(&client.send_at::<serde_json::Value>(request(), "/a"));
    assert_send(&client.send_empty(request()));
}

#[tokio::test]
async fn base_url_may_carry_a_path_prefix() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let c = Client::builder()
        .token(TOKEN)
        .base_url(format!("{}/proxy/ghl/", server.uri()))
        .build()
        .unwrap();
    c.send_empty(
        Request::new(
            Method::GET,
            "/contacts/{contactId}",
            format!("/contacts/{}", encode_path_segment(&"a b")),
            "2021-07-28",
        )
        .query("q", "x y"),
    )
    .await
    .unwrap();
    let r = only_request(&server).await;
    assert_eq!(r.url.path(), "/proxy/ghl/contacts/a%20b");
    assert_eq!(r.url.query(), Some("q=x+y"));
}
