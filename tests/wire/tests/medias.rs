//! `ghl-medias` on the wire: "Upload: multipart `POST /medias/upload-file` with either `file`
//! (binary, `hosted=false`) or `fileUrl` (`hosted=true`); answers with the file id and a CDN
//! URL. Oversized files are refused with 413 `FILE_SIZE_EXCEEDED`."
//! (`shared/docs/api-deviations.md`, "Media library"), and from "Found since the first
//! release": the upload names its sub-account (`altId` + `altType`, or `locationId`), and the
//! documented caps (25 MB, 500 MB for video) are checked before sending
//! (`overrides/medias.yaml`).

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
        .upload_media_content(
            UploadMediaContentBody::new()
                .file(FilePart::new(png.clone(), "banner.png", "image/png"))
                .hosted(false)
                .name("Spring banner")
                .parent_id("folder123"),
        )
        .send()
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
        .upload_media_content(
            UploadMediaContentBody::new()
                .hosted(true)
                .file_url("https://cdn.example.com/banner.png"),
        )
        .send()
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

/// Deviation: a 413 `FILE_SIZE_EXCEEDED` (a file under the documented cap the server still
/// refuses) surfaces as `FileTooLarge` with the server's message, the file's size and its cap.
#[tokio::test]
async fn an_oversized_file_is_a_413_file_too_large() {
    let server = server_answering(
        413,
        json!({ "statusCode": 413, "message": "FILE_SIZE_EXCEEDED" }),
    )
    .await;
    let err = MediasClient::new(client(&server))
        .upload_media_content(
            UploadMediaContentBody::new()
                .file(FilePart::new(vec![0_u8; 1024], "big.mp4", "video/mp4"))
                .hosted(false),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(413));
    assert!(!err.is_retryable());
    match &err {
        Error::FileTooLarge {
            field,
            size,
            limit,
            message,
            ..
        } => {
            assert_eq!(*field, "file");
            assert_eq!(*size, Some(1024));
            assert_eq!(*limit, Some(VIDEO_CAP));
            assert_eq!(message.as_deref(), Some("FILE_SIZE_EXCEEDED"));
        }
        other => panic!("expected FileTooLarge, got {other:?}"),
    }
    assert_eq!(received(&server).await.len(), 1, "a 413 is not retried");
}

/// The documented caps, in bytes.
const FILE_CAP: u64 = 25 * 1024 * 1024;
const VIDEO_CAP: u64 = 500 * 1024 * 1024;

/// Deviation: a file over the 25 MB cap is refused before anything is sent, with its size and
/// the cap in the error.
#[tokio::test]
async fn a_file_over_25_mb_is_refused_before_sending() {
    let server = server_answering(200, uploaded()).await;
    let bytes = vec![0_u8; FILE_CAP as usize + 1];
    let err = MediasClient::new(client(&server))
        .upload_media_content(
            UploadMediaContentBody::new()
                .file(FilePart::new(bytes, "scan.pdf", "application/pdf"))
                .alt_id("ve9EPM428h8vShlRW1KT")
                .alt_type(ghl_medias::types::AltType::Location),
        )
        .send()
        .await
        .unwrap_err();
    match &err {
        Error::FileTooLarge {
            field,
            size,
            limit,
            message,
            ..
        } => {
            assert_eq!(*field, "file");
            assert_eq!(*size, Some(FILE_CAP + 1));
            assert_eq!(*limit, Some(FILE_CAP));
            assert_eq!(*message, None);
        }
        other => panic!("expected FileTooLarge, got {other:?}"),
    }
    assert!(received(&server).await.is_empty(), "nothing was sent");
}

/// A video has the larger cap: 30 MB of video goes out (a 30 MB image would not).
#[tokio::test]
async fn a_video_over_25_mb_is_sent() {
    let server = server_answering(200, uploaded()).await;
    let bytes = vec![0_u8; 30 * 1024 * 1024];
    MediasClient::new(client(&server))
        .upload_media_content(
            UploadMediaContentBody::new()
                .file(FilePart::new(bytes, "reel.mp4", "video/mp4"))
                .location_id("ve9EPM428h8vShlRW1KT"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(received(&server).await.len(), 1);
}

/// Deviation: an upload names the sub-account it goes to with `altId` + `altType=location` form
/// fields next to `file` (agency and company tokens cannot upload otherwise).
#[tokio::test]
async fn an_upload_names_its_sub_account() {
    let server = server_answering(200, uploaded()).await;
    MediasClient::new(client(&server))
        .upload_media_content(
            UploadMediaContentBody::new()
                .file(FilePart::new(b"GIF89a".to_vec(), "dot.gif", "image/gif"))
                .alt_id("ve9EPM428h8vShlRW1KT")
                .alt_type(ghl_medias::types::AltType::Location),
        )
        .send()
        .await
        .unwrap();
    let req = only_request(&server).await;
    assert_call(&req, "POST", "/medias/upload-file", "", "2021-07-28");
    assert_eq!(
        multipart_texts(&multipart_parts(&req)),
        [
            ("altId".to_owned(), "ve9EPM428h8vShlRW1KT".to_owned()),
            ("altType".to_owned(), "location".to_owned()),
        ]
    );
}
