//! `ghl-social-media-posting` on the wire: the "Social planner posts" section of
//! `shared/docs/api-deviations.md` (encoded in `overrides/social-media-posting.yaml` and
//! `overrides/social-media-posting.ext.rs`), checked against a local server.

mod common;

use common::*;
use ghl_runtime::Error;
use ghl_social_media_posting::SocialMediaPostingClient;
use ghl_social_media_posting::types::{
    CreatePostDto, DeletePostsDto, GetPostFormattedSchema, SearchPostDto, SocialPostMediaWrite,
    SocialPostStatus, SocialPostType,
};
use serde_json::json;

const LOCATION: &str = "ve9EPM428h8vShlRW1KT";
const POST: &str = "65f1a2b3c4d5e6f708192a3b";
const ACCOUNT: &str = "660a83fc29deacac50033e2b_ve9EPM428h8vShlRW1KT_17841465964543589";
const USER: &str = "Lx1EI6YIgQYMQi0ytFXv";

fn api(server: &wiremock::MockServer) -> SocialMediaPostingClient {
    SocialMediaPostingClient::new(client(server))
}

/// The envelope every post read and write answers with (api-deviations.md: "Reads are
/// wrapped: `{success, statusCode, message, results: {post: {...}}, traceId}`").
fn envelope(status_code: u16, message: &str, results: serde_json::Value) -> serde_json::Value {
    json!({
        "success": true,
        "statusCode": status_code,
        "message": message,
        "results": results,
        "traceId": "8f2c51a7-5d0e-4b7e-9a53-2f1c0d9e4b11"
    })
}

/// A post as a read returns it: media in the read shape `{url, type: "image", thumbnail, id}`.
fn read_post(status: &str) -> serde_json::Value {
    json!({
        "_id": POST,
        "source": "composer",
        "locationId": LOCATION,
        "platform": "instagram",
        "accountId": ACCOUNT,
        "accountIds": [ACCOUNT],
        "summary": "Spring sale starts today",
        "media": [
            {
                "url": "https://storage.googleapis.com/msgsndr/loc/media/banner.png",
                "type": "image",
                "thumbnail": "https://storage.googleapis.com/msgsndr/loc/media/banner_thumb.png",
                "id": "Edf3323fsfsdsd"
            },
            {
                "url": "https://cdn.example.com/clips/teaser",
                "type": "video",
                "thumbnail": "https://cdn.example.com/clips/teaser.jpg",
                "id": "Vid0001"
            }
        ],
        "status": status,
        "type": "post",
        "error": "",
        "createdBy": "OriginalAuthor01",
        "tags": ["spring"],
        "scheduleDate": "2030-03-01T10:00:00.000Z",
        "displayDate": "2030-03-01T10:00:00.000Z",
        "createdAt": "2024-02-20T08:00:00.000Z",
        "updatedAt": "2024-02-21T08:00:00.000Z",
        "deleted": false
    })
}

/// `createdBy` is not an argument: it mirrors `userId` (the server refuses the two apart).
fn text_draft() -> CreatePostDto {
    CreatePostDto::builder()
        .account_ids(vec![ACCOUNT.to_owned()])
        .summary("Hello World")
        .media(Vec::new())
        .status(SocialPostStatus::Draft)
        .type_(SocialPostType::Post)
        .user_id(USER)
        .build()
}

// --- Create ---------------------------------------------------------------------------------

/// Deviation: create requires `accountIds`, `userId`, `createdBy`, `media` (`[]` for a
/// text-only draft), `summary`, `type`, `status`; status and type are plain strings. Create
/// answers 201 with the new post at `results.post`.
#[tokio::test]
async fn create_text_draft_sends_every_required_key_and_unwraps_results_post() {
    let server = server_answering(
        201,
        envelope(201, "Created Post", json!({ "post": read_post("draft") })),
    )
    .await;
    let created = api(&server)
        .create_post(LOCATION, text_draft())
        .send()
        .await
        .unwrap();
    let req = only_request(&server).await;
    assert_call(
        &req,
        "POST",
        &format!("/social-media-posting/{LOCATION}/posts"),
        "",
        "2021-07-28",
    );
    assert_json_body(
        &req,
        &json!({
            "accountIds": [ACCOUNT],
            "summary": "Hello World",
            "media": [],
            "status": "draft",
            "createdBy": USER,
            "type": "post",
            "userId": USER
        }),
    );
    assert_eq!(created.id.as_deref(), Some(POST));
    assert_eq!(created.status, Some(SocialPostStatus::Draft));
    assert_eq!(created.type_, SocialPostType::Post);
}

/// Deviation: media on write is `{url, type}` with a real MIME type; `scheduleDate` goes with
/// `scheduled`; `followUpComment` is accepted on create.
#[tokio::test]
async fn create_scheduled_post_sends_media_as_url_and_mime_type() {
    let server = server_answering(
        201,
        envelope(
            201,
            "Created Post",
            json!({ "post": read_post("scheduled") }),
        ),
    )
    .await;
    let mut body = text_draft()
        .schedule_date("2030-03-01T10:00:00.000Z")
        .follow_up_comment("Link in bio");
    body.status = SocialPostStatus::Scheduled;
    body.type_ = SocialPostType::Reel;
    body.media = vec![
        SocialPostMediaWrite::builder()
            .url("https://cdn.example.com/a.jpg")
            .type_("image/jpeg")
            .build(),
        SocialPostMediaWrite::builder()
            .url("https://cdn.example.com/b.mov")
            .type_("video/quicktime")
            .build()
            .caption("Behind the scenes"),
    ];
    let created = api(&server)
        .create_post(LOCATION, body)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status, Some(SocialPostStatus::Scheduled));
    assert_json_body(
        &only_request(&server).await,
        &json!({
            "accountIds": [ACCOUNT],
            "summary": "Hello World",
            "media": [
                { "url": "https://cdn.example.com/a.jpg", "type": "image/jpeg" },
                { "url": "https://cdn.example.com/b.mov", "type": "video/quicktime", "caption": "Behind the scenes" }
            ],
            "status": "scheduled",
            "scheduleDate": "2030-03-01T10:00:00.000Z",
            "createdBy": USER,
            "followUpComment": "Link in bio",
            "type": "reel",
            "userId": USER
        }),
    );
}

// --- Read -----------------------------------------------------------------------------------

/// Deviation: `GET .../posts/{id}` returns `{success, statusCode, message, results: {post},
/// traceId}`; the method returns the post. Read media is `{url, type: "image", thumbnail, id}`.
#[tokio::test]
async fn get_post_unwraps_results_post_and_parses_read_media() {
    let server = server_answering(
        200,
        envelope(
            200,
            "Fetched Post",
            json!({ "post": read_post("published") }),
        ),
    )
    .await;
    let post = api(&server).get_post(LOCATION, POST).send().await.unwrap();
    let req = only_request(&server).await;
    assert_call(
        &req,
        "GET",
        &format!("/social-media-posting/{LOCATION}/posts/{POST}"),
        "",
        "2021-07-28",
    );
    assert_no_body(&req);
    assert_eq!(post.id.as_deref(), Some(POST));
    assert_eq!(post.location_id, LOCATION);
    assert_eq!(post.status, Some(SocialPostStatus::Published));
    assert_eq!(post.type_, SocialPostType::Post);
    let media = post.media.as_ref().unwrap();
    assert_eq!(media.len(), 2);
    assert_eq!(media[0].type_.as_deref(), Some("image"));
    assert_eq!(media[0].id.as_deref(), Some("Edf3323fsfsdsd"));
    assert!(media[0].thumbnail.is_some());
}

/// Every status and type the doc lists comes and goes as the lower-case string; a value the
/// crate does not know is kept as `Unknown(..)`.
#[tokio::test]
async fn status_and_type_are_plain_lower_case_strings() {
    let statuses = [
        (SocialPostStatus::Draft, "draft"),
        (SocialPostStatus::Scheduled, "scheduled"),
        (SocialPostStatus::Published, "published"),
        (SocialPostStatus::InReview, "in_review"),
        (SocialPostStatus::InProgress, "in_progress"),
        (SocialPostStatus::Failed, "failed"),
        (SocialPostStatus::Deleted, "deleted"),
        (SocialPostStatus::NotificationSent, "notification_sent"),
    ];
    for (status, wire) in statuses {
        assert_eq!(serde_json::to_value(&status).unwrap(), json!(wire));
        let back: SocialPostStatus = serde_json::from_value(json!(wire)).unwrap();
        assert_eq!(back, status);
    }
    for (kind, wire) in [
        (SocialPostType::Post, "post"),
        (SocialPostType::Story, "story"),
        (SocialPostType::Reel, "reel"),
    ] {
        assert_eq!(serde_json::to_value(&kind).unwrap(), json!(wire));
        let back: SocialPostType = serde_json::from_value(json!(wire)).unwrap();
        assert_eq!(back, kind);
    }

    let mut odd = read_post("queued");
    odd["type"] = json!("carousel");
    let server = server_answering(200, envelope(200, "Fetched Post", json!({ "post": odd }))).await;
    let post = api(&server).get_post(LOCATION, POST).send().await.unwrap();
    assert_eq!(
        post.status,
        Some(SocialPostStatus::Unknown("queued".to_owned()))
    );
    assert_eq!(post.type_, SocialPostType::Unknown("carousel".to_owned()));
}

// --- Update ---------------------------------------------------------------------------------

/// Deviation: "There is no partial update. Update is `PUT .../posts/{id}` with the FULL body,
/// the same shape as create" (PATCH or a partial body gets 422 and saves nothing).
#[tokio::test]
async fn edit_post_is_a_put_of_the_full_create_body() {
    let server = server_answering(
        200,
        json!({ "success": true, "statusCode": 200, "message": "Updated Post" }),
    )
    .await;
    let mut body = text_draft();
    body.summary = "Edited".to_owned();
    let answer = api(&server)
        .edit_post(LOCATION, POST, body)
        .send()
        .await
        .unwrap();
    assert!(answer.success);
    assert_eq!(answer.message, "Updated Post");
    let req = only_request(&server).await;
    assert_call(
        &req,
        "PUT",
        &format!("/social-media-posting/{LOCATION}/posts/{POST}"),
        "",
        "2021-07-28",
    );
    assert_json_body(
        &req,
        &json!({
            "accountIds": [ACCOUNT],
            "summary": "Edited",
            "media": [],
            "status": "draft",
            "createdBy": USER,
            "type": "post",
            "userId": USER
        }),
    );
}

/// Deviation: no PATCH on posts. The only operations on `posts/{id}` are DELETE, GET and PUT
/// (the crate's one PATCH is the CSV finalize), and no partial-update body type exists.
#[test]
fn there_is_no_patch_on_posts() {
    let crate_dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../crates/ghl-social-media-posting"
    );
    let readme = std::fs::read_to_string(format!("{crate_dir}/README.md")).unwrap();
    let post_rows: Vec<&str> = readme
        .lines()
        .filter(|l| l.contains("`/social-media-posting/{locationId}/posts/{id}`"))
        .collect();
    let methods: Vec<&str> = post_rows
        .iter()
        .map(|l| l.trim_start_matches("| ").split(' ').next().unwrap())
        .collect();
    assert_eq!(methods, ["DELETE", "GET", "PUT"], "{post_rows:#?}");
    let patches: Vec<&str> = readme
        .lines()
        .filter(|l| l.starts_with("| PATCH |"))
        .collect();
    assert_eq!(
        patches,
        [
            "| PATCH | `/social-media-posting/{locationId}/csv/{id}` | `start_csv_finalize` | `2021-07-28` |  |"
        ]
    );
    let types_rs = std::fs::read_to_string(format!("{crate_dir}/src/types.rs")).unwrap();
    assert!(
        !types_rs.contains("pub struct PostCreateRequest "),
        "the partial update body must not be offered"
    );
}

/// Deviation: "The right update is: read the post, keep its fields, change what you mean to,
/// normalize media, send the whole object back". A read's media (`type: "image"`, `thumbnail`,
/// `id`) is refused on write with 422 `Invalid media format type`, so `from_read` sends
/// `{url, type: <MIME>}` only.
#[tokio::test]
async fn read_then_full_update_normalises_media_to_mime_types() {
    let server = server_answering(
        200,
        envelope(
            200,
            "Fetched Post",
            json!({ "post": read_post("scheduled") }),
        ),
    )
    .await;
    let api = api(&server);
    let post: GetPostFormattedSchema = api.get_post(LOCATION, POST).send().await.unwrap();
    let mut body = CreatePostDto::from_read(&post, USER);
    body.summary = "Spring sale extended".to_owned();
    let _ = api.edit_post(LOCATION, POST, body).send().await; // the answer (an envelope) is not the point

    let all = received(&server).await;
    assert_eq!(all.len(), 2);
    assert_call(
        &all[1],
        "PUT",
        &format!("/social-media-posting/{LOCATION}/posts/{POST}"),
        "",
        "2021-07-28",
    );
    assert_json_body(
        &all[1],
        &json!({
            "accountIds": [ACCOUNT],
            "summary": "Spring sale extended",
            "media": [
                { "url": "https://storage.googleapis.com/msgsndr/loc/media/banner.png", "type": "image/png" },
                { "url": "https://cdn.example.com/clips/teaser", "type": "video/mp4" }
            ],
            "status": "scheduled",
            "scheduleDate": "2030-03-01T10:00:00.000Z",
            "createdBy": "OriginalAuthor01",
            "type": "post",
            "tags": ["spring"],
            "userId": "OriginalAuthor01"
        }),
    );
}

/// The MIME types the doc lists, derived from the URL's extension.
#[test]
fn mime_types_come_from_the_extension() {
    use ghl_social_media_posting::ext::mime_type;
    for (url, declared, mime) in [
        ("https://x/a.JPG", Some("image"), "image/jpeg"),
        ("https://x/a.jpeg?w=100", None, "image/jpeg"),
        ("https://x/a.png#frag", Some("image"), "image/png"),
        ("https://x/a.gif", None, "image/gif"),
        ("https://x/a.webp", None, "image/webp"),
        ("https://x/a.mp4", Some("video"), "video/mp4"),
        ("https://x/a.mov", Some("video"), "video/quicktime"),
        ("https://x/a", Some("video"), "video/mp4"),
        ("https://x/a.bin", Some("image/png"), "image/png"),
    ] {
        assert_eq!(mime_type(url, declared), mime, "{url} {declared:?}");
    }
}

/// The server's 422 for a partial body surfaces its messages.
#[tokio::test]
async fn a_rejected_update_surfaces_the_validation_messages() {
    let server = server_answering(
        422,
        json!({
            "statusCode": 422,
            "message": ["property summary should not exist", "property scheduleDate should not exist"],
            "error": "Unprocessable Entity"
        }),
    )
    .await;
    let err = api(&server)
        .edit_post(LOCATION, POST, text_draft())
        .send()
        .await
        .unwrap_err();
    match err {
        Error::Validation {
            status, messages, ..
        } => {
            assert_eq!(status, 422);
            assert_eq!(
                messages,
                [
                    "property summary should not exist",
                    "property scheduleDate should not exist"
                ]
            );
        }
        other => panic!("expected Validation, got {other:?}"),
    }
}

// --- List and delete ------------------------------------------------------------------------

/// Deviation: `POST .../posts/list` (a POST, not a GET) takes `skip` and `limit` as JSON
/// numbers (the spec says strings), `accountIds` as an array and `includeUsers` as a boolean
/// (the spec says `accounts` and `includeUsers` strings), and answers `results.posts[]` and a
/// count.
#[tokio::test]
async fn list_is_a_post_with_numeric_skip_and_limit_and_unwraps_results() {
    let server = server_answering(
        200,
        envelope(
            200,
            "Fetched Posts",
            json!({ "posts": [read_post("published"), read_post("draft")], "count": 2 }),
        ),
    )
    .await;
    let list = api(&server)
        .get_posts(
            LOCATION,
            SearchPostDto::builder()
                .skip(20)
                .limit(10)
                .from_date("2024-01-22T05:32:49.463Z")
                .to_date("2024-03-20T05:32:49.463Z")
                .include_users(true)
                .build()
                .type_("all")
                .account_ids([ACCOUNT])
                .post_type(SocialPostType::Post),
        )
        .send()
        .await
        .unwrap();
    let req = only_request(&server).await;
    assert_call(
        &req,
        "POST",
        &format!("/social-media-posting/{LOCATION}/posts/list"),
        "",
        "2021-07-28",
    );
    let sent = body(&req);
    assert_eq!(sent["skip"], json!(20));
    assert_eq!(sent["limit"], json!(10));
    assert!(sent["skip"].is_u64() && sent["limit"].is_u64(), "{sent}");
    assert_eq!(
        sent,
        json!({
            "type": "all",
            "accountIds": [ACCOUNT],
            "skip": 20,
            "limit": 10,
            "fromDate": "2024-01-22T05:32:49.463Z",
            "toDate": "2024-03-20T05:32:49.463Z",
            "includeUsers": true,
            "postType": "post"
        })
    );
    assert_eq!(list.count, Some(2));
    let posts = list.posts.unwrap();
    assert_eq!(posts.len(), 2);
    assert_eq!(posts[1].status, Some(SocialPostStatus::Draft));
}

/// Delete is a soft delete answering 200.
#[tokio::test]
async fn delete_post_is_a_delete_on_the_post() {
    let server = server_answering(
        200,
        envelope(200, "Deleted Post", json!({ "postId": POST })),
    )
    .await;
    let answer = api(&server)
        .delete_post(LOCATION, POST)
        .send()
        .await
        .unwrap();
    assert!(answer.success);
    assert_eq!(
        answer.results.and_then(|r| r.post_id).as_deref(),
        Some(POST)
    );
    let req = only_request(&server).await;
    assert_call(
        &req,
        "DELETE",
        &format!("/social-media-posting/{LOCATION}/posts/{POST}"),
        "",
        "2021-07-28",
    );
    assert_no_body(&req);
}

// --- Round two: the full post, read-modify-write, list body, bulk delete ----------------------

/// A post exactly as a live `results.post` carries it (api-deviations.md, "Found since the
/// first release"), plus keys this client does not know yet (`linkedinPostDetails`,
/// `mediaOptimization`, and unknown keys inside the per-platform objects).
fn live_post(status: &str, schedule_date: Option<&str>) -> serde_json::Value {
    let mut post = json!({
        "_id": POST,
        "locationId": LOCATION,
        "platform": "instagram",
        "accountIds": [ACCOUNT],
        "summary": "Spring sale starts today",
        "media": [
            { "url": "https://storage.googleapis.com/msgsndr/loc/media/reel.mp4", "type": "video", "id": "Vid0001" }
        ],
        "status": status,
        "displayDate": "2030-03-01T10:00:00.000Z",
        "followUpComment": "Link in bio",
        "type": "reel",
        "tags": ["spring", "sale"],
        "categoryId": "cat-42",
        "source": "composer",
        "channel": "social",
        "parentPostId": "65f1a2b3c4d5e6f708190000",
        "isCommentSyncing": false,
        "createdBy": "Author000000000000001",
        "user": {
            "id": "Author000000000000001", "title": "Ms", "firstName": "Ada", "lastName": "Lovelace",
            "profilePhoto": "https://x/ada.png", "phone": "+15550100", "email": "ada@example.com"
        },
        "insights": { "like": 12, "share": 3, "comment": 5 },
        "ogTagsDetails": { "metaImage": "https://x/og.png", "metaLink": "https://x/sale" },
        "postApprovalDetails": {
            "approvalStatus": "approved",
            "approverUser": {
                "id": "Approver0000000000001", "title": "Mr", "firstName": "Alan", "lastName": "Turing",
                "profilePhoto": "https://x/alan.png", "phone": "+15550101", "email": "alan@example.com"
            }
        },
        "gmbPostDetails": { "postType": "STANDARD", "ctaType": "LEARN_MORE", "ctaUrl": "https://x/sale" },
        "tiktokPostDetails": {
            "privacyLevel": "PUBLIC_TO_EVERYONE", "enableDuet": false, "enableStitch": true, "enableComment": true
        },
        "instagramPostDetails": {
            "type": "reel",
            "collaborators": { ACCOUNT: ["partner_shop"] },
            "userTags": [{ "username": "partner_shop", "x": 0.5, "y": 0.25 }],
            "coverPhoto": { "url": "https://x/cover.jpg", "offsetMs": 1200 },
            "showOnFeed": true,
            "trialReel": { "graduationStrategy": "MANUAL" }
        },
        "linkedinPostDetails": { "postAsPdf": true, "pdfTitle": "Spring catalogue" },
        "mediaOptimization": true,
        "deleted": false,
        "createdAt": "2024-02-20T08:00:00.000Z",
        "updatedAt": "2024-02-21T08:00:00.000Z"
    });
    if let Some(date) = schedule_date {
        post["scheduleDate"] = json!(date);
    }
    post
}

/// What a full update of `live_post` must send back when the caller changed only the summary:
/// every writable field unchanged, unknown keys included; nothing read-only.
fn live_post_update(status: &str, schedule_date: &str) -> serde_json::Value {
    json!({
        "accountIds": [ACCOUNT],
        "summary": "Spring sale extended",
        "media": [{ "url": "https://storage.googleapis.com/msgsndr/loc/media/reel.mp4", "type": "video/mp4" }],
        "status": status,
        "scheduleDate": schedule_date,
        "followUpComment": "Link in bio",
        "type": "reel",
        "tags": ["spring", "sale"],
        "categoryId": "cat-42",
        "createdBy": "Author000000000000001",
        "userId": "Author000000000000001",
        "ogTagsDetails": { "metaImage": "https://x/og.png", "metaLink": "https://x/sale" },
        "postApprovalDetails": { "approvalStatus": "approved" },
        "gmbPostDetails": { "postType": "STANDARD", "ctaType": "LEARN_MORE", "ctaUrl": "https://x/sale" },
        "tiktokPostDetails": {
            "privacyLevel": "PUBLIC_TO_EVERYONE", "enableDuet": false, "enableStitch": true, "enableComment": true
        },
        "instagramPostDetails": {
            "type": "reel",
            "collaborators": { ACCOUNT: ["partner_shop"] },
            "userTags": [{ "username": "partner_shop", "x": 0.5, "y": 0.25 }],
            "coverPhoto": { "url": "https://x/cover.jpg", "offsetMs": 1200 },
            "showOnFeed": true,
            "trialReel": { "graduationStrategy": "MANUAL" }
        },
        "linkedinPostDetails": { "postAsPdf": true, "pdfTitle": "Spring catalogue" },
        "mediaOptimization": true
    })
}

/// Reads a live post through `get_post`, changes the summary, sends `edit_post`; returns the PUT.
async fn read_modify_write(
    post: serde_json::Value,
    now: std::time::SystemTime,
) -> serde_json::Value {
    let server =
        server_answering(200, envelope(200, "Fetched Post", json!({ "post": post }))).await;
    let api = api(&server);
    let read = api.get_post(LOCATION, POST).send().await.unwrap();
    let mut update = CreatePostDto::from_read_at(&read, USER, now);
    update.summary = "Spring sale extended".to_owned();
    let _ = api.edit_post(LOCATION, POST, update).send().await;
    let all = received(&server).await;
    assert_eq!(all.len(), 2);
    assert_call(
        &all[1],
        "PUT",
        &format!("/social-media-posting/{LOCATION}/posts/{POST}"),
        "",
        "2021-07-28",
    );
    body(&all[1])
}

/// 2026-06-01T10:00:00Z: before the live post's dates, after the past one below.
fn june_first() -> std::time::SystemTime {
    std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_780_308_000)
}

/// Deviation: a read-modify-write must carry every writable field of the read post into the
/// PUT (an Instagram cover photo, collaborators, a GMB call to action, keys the client does not
/// know yet), and `createdBy` and `userId` carry the same user.
#[tokio::test]
async fn full_update_of_a_live_post_loses_nothing() {
    let sent = read_modify_write(
        live_post("scheduled", Some("2030-03-01T10:00:00.000Z")),
        june_first(),
    )
    .await;
    assert_eq!(
        sent,
        live_post_update("scheduled", "2030-03-01T10:00:00.000Z")
    );
}

/// Deviation: the update always sends a `scheduleDate`: a draft without one gets a future time
/// (it would otherwise lose its place in the planner). Its `displayDate` is no planned date
/// (here its creation time, in the past) and is not sent as one.
#[tokio::test]
async fn a_draft_without_a_date_is_given_one_in_the_future() {
    let mut post = live_post("draft", None);
    post["displayDate"] = json!("2026-01-15T08:00:00.000Z");
    let sent = read_modify_write(post, june_first()).await;
    // SCHEDULE_LEAD (10 minutes) after the clock given.
    assert_eq!(sent, live_post_update("draft", "2026-06-01T10:10:00.000Z"));
}

/// Deviation: a draft keeps its planned date unchanged.
#[tokio::test]
async fn a_draft_keeps_its_planned_date() {
    let sent = read_modify_write(
        live_post("draft", Some("2026-07-04T09:30:00.000Z")),
        june_first(),
    )
    .await;
    assert_eq!(sent, live_post_update("draft", "2026-07-04T09:30:00.000Z"));
}

/// Deviation: a `scheduled` post whose date has passed is clamped into the future (the server
/// refuses a past date for `scheduled`).
#[tokio::test]
async fn a_scheduled_post_in_the_past_is_clamped_into_the_future() {
    let sent = read_modify_write(
        live_post("scheduled", Some("2026-05-01T10:00:00.000Z")),
        june_first(),
    )
    .await;
    assert_eq!(
        sent,
        live_post_update("scheduled", "2026-06-01T10:10:00.000Z")
    );
}

/// The user the server wants: the post's `userId` when the read has one, for both keys.
#[tokio::test]
async fn user_id_and_created_by_are_the_posts_user() {
    let mut post = live_post("published", Some("2026-05-01T10:00:00.000Z"));
    post["userId"] = json!("Publisher000000000001");
    let sent = read_modify_write(post, june_first()).await;
    assert_eq!(sent["userId"], json!("Publisher000000000001"));
    assert_eq!(sent["createdBy"], json!("Publisher000000000001"));
    // A published post keeps its own (past) date: only `scheduled` is clamped.
    assert_eq!(sent["scheduleDate"], json!("2026-05-01T10:00:00.000Z"));
}

/// The typed read: every field of a live `results.post`, unknown keys kept.
#[tokio::test]
async fn a_live_post_reads_into_typed_fields() {
    let server = server_answering(
        200,
        envelope(
            200,
            "Fetched Post",
            json!({ "post": live_post("scheduled", Some("2030-03-01T10:00:00.000Z")) }),
        ),
    )
    .await;
    let post = api(&server).get_post(LOCATION, POST).send().await.unwrap();
    assert_eq!(
        post.schedule_date.as_deref(),
        Some("2030-03-01T10:00:00.000Z")
    );
    assert_eq!(post.channel.as_deref(), Some("social"));
    assert_eq!(
        post.parent_post_id.as_deref(),
        Some("65f1a2b3c4d5e6f708190000")
    );
    assert_eq!(post.is_comment_syncing, Some(false));
    let insights = post.insights.clone().unwrap();
    assert_eq!(
        (insights.like, insights.share, insights.comment),
        (Some(12), Some(3), Some(5))
    );
    let instagram = post.instagram_post_details.clone().unwrap();
    assert_eq!(instagram.type_, Some(SocialPostType::Reel));
    assert_eq!(
        instagram.collaborators.unwrap()[ACCOUNT],
        vec!["partner_shop".to_owned()]
    );
    assert!(instagram.additional_properties.contains_key("trialReel"));
    assert_eq!(
        post.additional_properties.keys().collect::<Vec<_>>(),
        ["linkedinPostDetails", "mediaOptimization"]
    );
}

/// Deviation: bulk delete takes at most 50 post ids; 51 fail before anything is sent.
#[tokio::test]
async fn bulk_delete_over_fifty_ids_fails_before_sending() {
    let server = server_answering(200, json!({})).await;
    let ids: Vec<String> = (0..51).map(|i| format!("post{i:02}")).collect();
    let err = api(&server)
        .bulk_delete_social_planner_posts(LOCATION, DeletePostsDto::new().post_ids(ids))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidRequest { .. }),
        "expected InvalidRequest, got {err:?}"
    );
    assert!(err.to_string().contains("at most 50"), "{err}");
    assert!(received(&server).await.is_empty());
}

/// Fifty ids is the limit, not over it: the call goes out with all of them.
#[tokio::test]
async fn bulk_delete_of_fifty_ids_is_sent() {
    let server =
        server_answering(200, envelope(200, "Deleted", json!({ "deletedCount": 50 }))).await;
    let ids: Vec<String> = (0..50).map(|i| format!("post{i:02}")).collect();
    let _ = api(&server)
        .bulk_delete_social_planner_posts(LOCATION, DeletePostsDto::new().post_ids(ids.clone()))
        .send()
        .await;
    let req = only_request(&server).await;
    assert_eq!(body(&req), json!({ "postIds": ids }));
}

/// A map setter takes literal pairs (and values that convert): no `BTreeMap` to build first.
#[test]
fn map_setters_take_literal_pairs() {
    let details = ghl_social_media_posting::types::SocialInstagramPostDetails::new()
        .collaborators([(ACCOUNT, vec!["anna.designs".to_owned()])]);
    assert_eq!(
        serde_json::to_value(&details).expect("serializes"),
        json!({ "collaborators": { ACCOUNT: ["anna.designs"] } })
    );
    let mut existing = std::collections::BTreeMap::new();
    existing.insert(ACCOUNT.to_owned(), vec!["bo".to_owned()]);
    let details = details.collaborators(existing);
    assert_eq!(
        details.collaborators.expect("set")[ACCOUNT],
        vec!["bo".to_owned()]
    );
}

/// `scheduleDate` takes a time value (sent in the API's own ISO 8601 UTC format) or text as
/// written; reads keep the text the server sent.
#[test]
fn schedule_date_takes_a_time_value_or_text() {
    use std::time::{Duration, UNIX_EPOCH};
    let christmas = UNIX_EPOCH + Duration::from_secs(1_766_566_800);
    let body = text_draft().schedule_date(christmas);
    assert_eq!(
        serde_json::to_value(&body).expect("serializes")["scheduleDate"],
        "2025-12-24T09:00:00.000Z"
    );
    let body = text_draft().schedule_date("2025-12-24T10:00:00+01:00");
    assert_eq!(
        body.schedule_date.as_deref(),
        Some("2025-12-24T10:00:00+01:00")
    );
    let read: GetPostFormattedSchema =
        serde_json::from_value(read_post("scheduled")).expect("reads");
    assert_eq!(
        read.schedule_date.as_deref(),
        read_post("scheduled")["scheduleDate"].as_str()
    );
}
