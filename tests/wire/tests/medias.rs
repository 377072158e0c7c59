//! `ghl-medias` on the wire: "Upload: multipart `POST /medias/upload-file` with either `file`
//! (binary, `hosted=false`) or `fileUrl` (`hosted=true`); answers with the file id and a CDN
//! URL. Oversized files are refused with 413 `FILE_SIZE_EXCEEDED`."
//! (`shared/docs/api-deviations.md`, "Media library"; the spec already declares the multipart
//! body, so no override is needed.)

mod common;

use common::*;
use ghl_medias::MediasClient;
use ghl_medias::types::UploadMediaContentBody;
use ghl_runtime::{Error, FilePart};
use serde_json::json;

fn uploaded() -> serde_json::Value {
    json!({
        "fileId": "6707a1c2b5f3e4d2a1c0b9a8",
        "url": "https://storage.googleapis.com/msgsndr/ve9EPM428h8vShlRW1KT/media/6707a1c2b5f3e4d2a1c0b9a8.png",
        "traceId": "aa11bb22-cc33-dd44-ee55-ff6677889900"
    })
}

/// A binary upload: a `file` part with its name and MIME type, and `hosted=false`.
#[tokio::test]
async fn upload_a_file_is_multipart_with_file_and_hosted_false() {
    let server = server_answering(200, uploaded()).await;
    let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR-not-really".to_vec();
    let answer = MediasClient::new(client(&server))
        .upload_media_content(&UploadMediaContentBody {
            file: Some(FilePart::new(png.clone(), "banner.png", "image/png")),
            hosted: Some(false),
            file_url: None,
            name: Some("Spring banner".to_owned()),
            parent_id: Some("folder123".to_owned()),
        })
        .await
        .unwrap();
    assert_eq!(answer.file_id, "6707a1c2b5f3e4d2a1c0b9a8");
    assert!(answer.url.starts_with("https://storage.googleapis.com/"));

    let req = only_request(&server).await;
    assert_call(&req, "POST", "/medias/upload-file", "", "2021-07-28");
    let parts = multipart_parts(&req);
    let file = parts
        .iter()
        .find(|p| p.name == "file")
        .expect("a file part");
    assert_eq!(file.file_name.as_deref(), Some("banner.png"));
    assert_eq!(file.content_type.as_deref(), Some("image/png"));
    assert_eq!(file.bytes, png, "the bytes go out untouched");
    assert_eq!(
        multipart_texts(&parts),
        [
            ("hosted".to_owned(), "false".to_owned()),
            ("name".to_owned(), "Spring banner".to_owned()),
            ("parentId".to_owned(), "folder123".to_owned()),
        ]
    );
    assert!(!parts.iter().any(|p| p.name == "fileUrl"));
}

/// A hosted upload: `fileUrl` and `hosted=true`, no file part.
#[tokio::test]
async fn upload_by_url_is_multipart_with_file_url_and_hosted_true() {
    let server = server_answering(200, uploaded()).await;
    MediasClient::new(client(&server))
        .upload_media_content(&UploadMediaContentBody {
            file: None,
            hosted: Some(true),
            file_url: Some("https://cdn.example.com/banner.png".to_owned()),
            name: None,
            parent_id: None,
        })
        .await
        .unwrap();
    let req = only_request(&server).await;
    assert_call(&req, "POST", "/medias/upload-file", "", "2021-07-28");
    let parts = multipart_parts(&req);
    assert!(
        parts.iter().all(|p| p.file_name.is_none()),
        "no file part: {parts:?}"
    );
    assert_eq!(
        multipart_texts(&parts),
        [
            ("hosted".to_owned(), "true".to_owned()),
            (
                "fileUrl".to_owned(),
                "https://cdn.example.com/banner.png".to_owned()
            ),
        ]
    );
}

/// 413 `FILE_SIZE_EXCEEDED` surfaces as an HTTP error with the status and the server's message.
#[tokio::test]
async fn an_oversized_file_is_a_413_error() {
    let server = server_answering(
        413,
        json!({ "statusCode": 413, "message": "FILE_SIZE_EXCEEDED" }),
    )
    .await;
    let err = MediasClient::new(client(&server))
        .upload_media_content(&UploadMediaContentBody {
            file: Some(FilePart::new(vec![0_u8; 1024], "big.mp4", "video/mp4")),
            hosted: Some(false),
            ..UploadMediaContentBody::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(413));
    assert!(!err.is_retryable());
    match &err {
        Error::Http { message, .. } => {
            assert_eq!(message.as_deref(), Some("FILE_SIZE_EXCEEDED"));
        }
        other => panic!("expected Http, got {other:?}"),
    }
    assert_eq!(received(&server).await.len(), 1, "a 413 is not retried");
}
