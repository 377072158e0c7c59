//! `ghl-social-planner-v3` on the wire: a read-modify-write of a post through
//! `overrides/social-planner-v3.ext.rs`. The v3 `PUT .../posts/{id}` replaces the whole post,
//! so whatever the update body leaves out is lost: `CreatePostDto::from_read` must carry every
//! field the write side takes, including the v3-only per-platform details.

mod common;

use common::*;
use ghl_social_planner_v3::SocialPlannerV3Client;
use ghl_social_planner_v3::types::{CreatePostDto, SocialPostStatus};
use serde_json::json;

const LOCATION: &str = "ve9EPM428h8vShlRW1KT";
const POST: &str = "65f1a2b3c4d5e6f708192a3b";
const ACCOUNT: &str = "660a83fc29deacac50033e2b_ve9EPM428h8vShlRW1KT_17841465964543589";
const USER: &str = "Lx1EI6YIgQYMQi0ytFXv";

/// 2026-06-01T10:00:00Z: before the post's own date below.
fn june_first() -> std::time::SystemTime {
    std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_780_308_000)
}

/// A post as a v3 read returns it, inside the envelope: every per-platform detail the write
/// side takes, read-only fields, a field only Bluesky reads carry, and a key the spec does not
/// name.
fn read_answer(status: &str, schedule_date: Option<&str>) -> serde_json::Value {
    let mut post = json!({
        "_id": POST,
        "source": "composer",
        "locationId": LOCATION,
        "platform": "youtube",
        "accountId": ACCOUNT,
        "accountIds": [ACCOUNT],
        "summary": "Spring sale starts today",
        "media": [
            {
                "url": "https://storage.googleapis.com/msgsndr/loc/media/banner.png",
                "type": "image/png",
                "caption": "The banner",
                "thumbnail": "https://storage.googleapis.com/msgsndr/loc/media/banner_thumb.png",
                "id": "Edf3323fsfsdsd",
                "originalUrl": "https://storage.googleapis.com/msgsndr/loc/media/banner-original.png",
                "optimizedUrl": "https://storage.googleapis.com/msgsndr/loc/media/banner-small.png"
            },
            {
                "url": "https://cdn.example.com/clips/teaser",
                "type": "video",
                "id": "Vid0001"
            }
        ],
        "status": status,
        "displayDate": "2030-03-01T10:00:00.000Z",
        "createdAt": "2026-05-20T08:00:00.000Z",
        "updatedAt": "2026-05-21T08:00:00.000Z",
        "createdBy": "Author000000000000001",
        "userId": "Author000000000000001",
        "type": "post",
        "tags": ["spring"],
        "categoryId": "cat-1",
        "followUpComment": "Link in bio",
        "ogTagsDetails": { "metaImage": "https://x/og.png", "metaLink": "https://x/sale" },
        "postApprovalDetails": {
            "approver": "Approver0000000000001",
            "approvalStatus": "approved",
            "approverUser": {
                "id": "Approver0000000000001", "title": "Owner", "firstName": "Ada",
                "lastName": "Lovelace", "profilePhoto": "", "phone": "", "email": "ada@example.com"
            }
        },
        "youtubePostDetails": { "title": "Spring teaser", "privacyLevel": "unlisted", "type": "short" },
        "pinterestPostDetails": { "title": "Spring", "link": "https://x/sale", "boardIds": { ACCOUNT: "board-1" } },
        "facebookPostDetails": { "type": "reel" },
        "instagramPostDetails": { "type": "reel", "collaborators": { ACCOUNT: ["partner_shop"] }, "showOnFeed": true },
        "linkedinPostDetails": { "postAsPdf": true, "pdfTitle": "Spring catalogue" },
        "tiktokPostDetails": { "privacyLevel": "PUBLIC_TO_EVERYONE", "enableDuet": false },
        "gmbPostDetails": { "gmbEventType": "STANDARD", "actionType": "learn_more", "url": "https://x/sale" },
        "blueskyPostDetails": { "language": "en" },
        "mediaOptimization": true,
        "deleted": false,
        "firstCommentPinned": true
    });
    if let Some(date) = schedule_date {
        post["scheduleDate"] = json!(date);
    }
    json!({
        "success": true,
        "statusCode": 200,
        "message": "Fetched Post",
        "results": { "post": post },
        "traceId": "8f2c51a7-5d0e-4b7e-9a53-2f1c0d9e4b11"
    })
}

/// The PUT body a faithful update of [`read_answer`] sends, with the summary changed.
fn expected_update(status: &str, schedule_date: &str) -> serde_json::Value {
    json!({
        "accountIds": [ACCOUNT],
        "summary": "Spring sale extended",
        "media": [
            {
                "url": "https://storage.googleapis.com/msgsndr/loc/media/banner.png",
                "type": "image/png",
                "caption": "The banner"
            },
            { "url": "https://cdn.example.com/clips/teaser", "type": "video/mp4" }
        ],
        "status": status,
        "scheduleDate": schedule_date,
        "createdBy": "Author000000000000001",
        "userId": "Author000000000000001",
        "type": "post",
        "tags": ["spring"],
        "categoryId": "cat-1",
        "followUpComment": "Link in bio",
        "ogTagsDetails": { "metaImage": "https://x/og.png", "metaLink": "https://x/sale" },
        "postApprovalDetails": { "approver": "Approver0000000000001", "approvalStatus": "approved" },
        "youtubePostDetails": { "title": "Spring teaser", "privacyLevel": "unlisted", "type": "short" },
        "pinterestPostDetails": { "title": "Spring", "link": "https://x/sale", "boardIds": { ACCOUNT: "board-1" } },
        "facebookPostDetails": { "type": "reel" },
        "instagramPostDetails": { "type": "reel", "collaborators": { ACCOUNT: ["partner_shop"] }, "showOnFeed": true },
        "linkedinPostDetails": { "postAsPdf": true, "pdfTitle": "Spring catalogue" },
        "tiktokPostDetails": { "privacyLevel": "PUBLIC_TO_EVERYONE", "enableDuet": false },
        "gmbPostDetails": { "gmbEventType": "STANDARD", "actionType": "learn_more", "url": "https://x/sale" },
        "firstCommentPinned": true
    })
}

/// Reads the post through `get_post`, changes the summary, sends `edit_post`; returns the PUT.
async fn read_modify_write(answer: serde_json::Value) -> serde_json::Value {
    let server = server_answering(200, answer).await;
    let api = SocialPlannerV3Client::new(client(&server));
    let read = api.get_post(LOCATION, POST).send().await.unwrap();
    let mut update = CreatePostDto::from_read_at(&read, USER, june_first());
    update.summary = "Spring sale extended".to_owned();
    let _ = api.edit_post(LOCATION, POST, update).send().await; // the answer is not the point
    let all = received(&server).await;
    assert_eq!(all.len(), 2);
    assert_call(
        &all[0],
        "GET",
        &format!("/social-media-posting/{LOCATION}/posts/{POST}"),
        "",
        "v3",
    );
    assert_call(
        &all[1],
        "PUT",
        &format!("/social-media-posting/{LOCATION}/posts/{POST}"),
        "",
        "v3",
    );
    body(&all[1])
}

/// Every writable field of the read goes back, the per-platform details of the v3 body among
/// them; media become `{url, type: <MIME>, caption}`; what only reads carry stays behind.
#[tokio::test]
async fn full_update_of_a_v3_post_loses_nothing() {
    let sent = read_modify_write(read_answer("scheduled", Some("2030-03-01T10:00:00.000Z"))).await;
    assert_eq!(
        sent,
        expected_update("scheduled", "2030-03-01T10:00:00.000Z")
    );
}

/// A post with no date of its own, or a scheduled one whose date has passed, is given one
/// `SCHEDULE_LEAD` after the clock.
#[tokio::test]
async fn a_passed_schedule_date_moves_into_the_future() {
    let mut answer = read_answer("scheduled", Some("2026-01-01T10:00:00.000Z"));
    answer["results"]["post"]
        .as_object_mut()
        .unwrap()
        .remove("displayDate");
    let sent = read_modify_write(answer).await;
    assert_eq!(
        sent,
        expected_update("scheduled", "2026-06-01T10:10:00.000Z")
    );
}

/// A dateless draft is given a future `scheduleDate`, not its `displayDate` (no planned date:
/// here its creation time, in the past); a draft's own planned date is kept.
#[tokio::test]
async fn a_dateless_draft_is_not_given_its_display_date() {
    let mut answer = read_answer("draft", None);
    answer["results"]["post"]["displayDate"] = json!("2026-05-20T08:00:00.000Z");
    let sent = read_modify_write(answer).await;
    assert_eq!(sent, expected_update("draft", "2026-06-01T10:10:00.000Z"));
    let sent = read_modify_write(read_answer("draft", Some("2026-07-04T09:30:00.000Z"))).await;
    assert_eq!(sent, expected_update("draft", "2026-07-04T09:30:00.000Z"));
}

/// A read without a status, user or account list still gives a body the server takes: a
/// draft, the fallback user in both user fields, the single `accountId`.
#[test]
fn a_sparse_read_is_completed() {
    let read: ghl_social_planner_v3::types::GetPostFormattedSchema =
        serde_json::from_value(json!({
            "locationId": LOCATION,
            "accountId": ACCOUNT,
            "type": "post",
            "scheduleDate": "2030-03-01T10:00:00.000Z"
        }))
        .unwrap();
    let update = CreatePostDto::from_read_at(&read, USER, june_first());
    assert_eq!(update.status, SocialPostStatus::Draft);
    assert_eq!(update.account_ids, [ACCOUNT]);
    assert_eq!(
        (update.user_id.as_str(), update.created_by.as_str()),
        (USER, USER)
    );
    assert!(update.media.is_empty());
    assert_eq!(
        update.schedule_date.as_deref(),
        Some("2030-03-01T10:00:00.000Z")
    );
}
