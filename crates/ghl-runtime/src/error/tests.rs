//! Every variant says what happened and what to do: the texts, checked against samples.

use super::display::human_bytes;
use super::*;

/// Which variant an error is; exhaustive, so a new variant does not compile until it
/// is named here, and then [`every_variant_says_what_happened_and_what_to_do`] fails
/// until it has a sample.
fn variant(e: &Error) -> &'static str {
    match e {
        Error::Validation { .. } => "Validation",
        Error::RateLimited { .. } => "RateLimited",
        Error::Unauthorized { .. } => "Unauthorized",
        Error::RouteNotSupported { .. } => "RouteNotSupported",
        Error::AgencyTokenRequired { .. } => "AgencyTokenRequired",
        Error::Forbidden { .. } => "Forbidden",
        Error::CloudflareBlocked { .. } => "CloudflareBlocked",
        Error::NotFound { .. } => "NotFound",
        Error::FileTooLarge { .. } => "FileTooLarge",
        Error::Http { .. } => "Http",
        Error::Decode { .. } => "Decode",
        Error::Transport { .. } => "Transport",
        Error::Timeout { .. } => "Timeout",
        Error::InvalidRequest { .. } => "InvalidRequest",
        Error::Config { .. } => "Config",
        Error::TokenStore { .. } => "TokenStore",
    }
}

const VARIANTS: usize = 16;

/// A real transport failure: a connection to a loopback port nothing listens on.
async fn connection_refused() -> reqwest::Error {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    crate::install_default_crypto_provider();
    reqwest::Client::builder()
        .build()
        .unwrap()
        .get(format!("http://127.0.0.1:{port}/contacts/?secret=s3cr3t"))
        .send()
        .await
        .unwrap_err()
}

#[tokio::test]
async fn every_variant_says_what_happened_and_what_to_do() {
    let get = || Method::GET;
    let samples: Vec<(Error, &[&str], &[&str])> = vec![
        (
            Error::Validation {
                method: Method::PUT,
                path: "/contacts/{contactId}",
                status: 422,
                messages: vec!["email must be an email".to_owned(), "x".to_owned()],
                trace_id: Some("t-1".to_owned()),
            },
            &[
                "PUT /contacts/{contactId}: the server rejected the request (422): email must be an email; x (traceId t-1); fix the listed fields (a PUT usually needs the full object",
            ],
            &[],
        ),
        (
            Error::Validation {
                method: Method::POST,
                path: "/contacts/",
                status: 422,
                messages: vec![],
                trace_id: None,
            },
            &[
                "POST /contacts/: the server rejected the request (422): no details given; fix the listed fields",
            ],
            &["PUT", "full object"],
        ),
        (
            Error::RateLimited {
                method: get(),
                path: "/contacts/",
                retry_after: Some(Duration::from_millis(1500)),
                daily: false,
            },
            &[
                "rate limited (429); retry after 1.5s",
                "100 requests per 10 s",
            ],
            &[],
        ),
        (
            Error::RateLimited {
                method: get(),
                path: "/contacts/",
                retry_after: None,
                daily: true,
            },
            &["daily request quota", "wait until it resets"],
            &[],
        ),
        (
            Error::RateLimited {
                method: get(),
                path: "/contacts/",
                retry_after: Some(Duration::from_millis(7_200_400)),
                daily: true,
            },
            &["daily request quota", "it resets in 2h"],
            &["midnight"],
        ),
        (
            Error::Unauthorized {
                method: get(),
                path: "/contacts/",
                message: Some("Invalid JWT".to_owned()),
                trace_id: None,
            },
            &["unauthorized (401): Invalid JWT; check that the token is valid"],
            &[],
        ),
        (
            Error::RouteNotSupported {
                method: get(),
                path: "/blogs/posts/{postId}",
            },
            &["does not exist in the public API (not a token problem)"],
            &[],
        ),
        (
            Error::AgencyTokenRequired {
                method: get(),
                path: "/locations/search",
                status: 403,
                message: None,
            },
            &["access denied (403)", "send an agency token"],
            &[],
        ),
        (
            Error::Forbidden {
                method: get(),
                path: "/contacts/",
                required_scopes: &["contacts.readonly"],
                message: None,
                trace_id: None,
            },
            &[
                "forbidden (403)",
                "it needs scope contacts.readonly",
                "reinstall",
            ],
            &[],
        ),
        (
            Error::CloudflareBlocked {
                method: get(),
                path: "/blogs/authors",
            },
            &["blocked by Cloudflare", "send a browser User-Agent"],
            &[],
        ),
        (
            Error::NotFound {
                method: get(),
                path: "/contacts/{contactId}",
                message: Some("Contact not found".to_owned()),
                trace_id: None,
            },
            &["not found (404): Contact not found; check the ids in the path"],
            &[],
        ),
        (
            Error::FileTooLarge {
                method: Method::POST,
                path: "/medias/upload-file",
                field: "file",
                size: Some(31_457_280),
                limit: Some(26_214_400),
                message: None,
            },
            &[
                "file `file` is too large, not sent: it is 31457280 bytes (30.0 MiB), over the 26214400 bytes (25.0 MiB) limit; send a smaller file",
            ],
            &[],
        ),
        (
            Error::Http {
                method: get(),
                path: "/contacts/",
                status: 502,
                message: None,
                body_excerpt: "Bad Gateway".to_owned(),
                trace_id: None,
            },
            &["HTTP 502: Bad Gateway; a server-side failure, retry later"],
            &[],
        ),
        (
            Error::Decode {
                method: get(),
                path: "/contacts/",
                json_path: "contacts[0].id".to_owned(),
                body_excerpt: "{\"contacts\"".to_owned(),
                source: serde_json::from_str::<u8>("\"x\"").unwrap_err(),
            },
            &[
                "did not match the expected type at `contacts[0].id`",
                "decode into serde_json::Value",
            ],
            &[],
        ),
        (
            Error::Transport {
                method: get(),
                path: "/contacts/",
                source: connection_refused().await.without_url(),
            },
            // The cause, which reqwest's own text leaves out, and no URL.
            &[
                "failed in transport (error sending request",
                "refused",
                "check network access",
            ],
            &["s3cr3t", "127.0.0.1"],
        ),
        (
            Error::Transport {
                method: get(),
                path: "/contacts/",
                source: connection_refused().await,
            },
            // Even with the URL kept, its query is cut off.
            &["refused"],
            &["s3cr3t"],
        ),
        (
            Error::Timeout {
                method: get(),
                path: "/contacts/",
                timeout: Some(Duration::from_secs(30)),
            },
            &[
                "no complete response within 30.0s",
                "ClientBuilder::timeout",
            ],
            &[],
        ),
        (
            Error::invalid_request("GET /blogs/posts/all", "limit must be at most 50"),
            &[
                "GET /blogs/posts/all: invalid request, not sent: limit must be at most 50; fix the argument",
            ],
            &[],
        ),
        (
            Error::config("no token"),
            &["client configuration error: no token"],
            &[],
        ),
        (
            Error::TokenStore {
                message: "cannot write ghl-tokens.json".to_owned(),
                source: Box::new(std::io::Error::from(std::io::ErrorKind::PermissionDenied)),
            },
            &[
                "token store error: cannot write ghl-tokens.json: permission denied",
                "permissions",
            ],
            &[],
        ),
    ];
    let mut seen = std::collections::BTreeSet::new();
    for (error, wants, never) in &samples {
        seen.insert(variant(error));
        let text = error.to_string();
        for want in *wants {
            assert!(
                text.contains(want),
                "{}: {text:?} lacks {want:?}",
                variant(error)
            );
        }
        for not in *never {
            assert!(
                !text.contains(not),
                "{}: {text:?} has {not:?}",
                variant(error)
            );
        }
    }
    assert_eq!(seen.len(), VARIANTS, "a variant has no sample: {seen:?}");
}

#[test]
fn sizes_read_well() {
    assert_eq!(human_bytes(12), "12 bytes");
    assert_eq!(human_bytes(2048), "2048 bytes (2.0 KiB)");
    assert_eq!(human_bytes(31_457_280), "31457280 bytes (30.0 MiB)");
}
