// Copied by `cargo xtask regen` from overrides/social-planner-v3.ext.rs. Edit it there, not here.

//! Turning a post read from the server into the full body `edit_post` needs (API v3).
//!
//! As on v2, `PUT .../posts/{id}` replaces the whole post: it takes the create-shaped body
//! ([`CreatePostDto`](crate::types::CreatePostDto)), and whatever the body leaves out is gone
//! after the update. A read carries media as `{url, type, thumbnail, id, originalUrl, ...}`,
//! while the write side takes `{url, type}` with a real MIME type.
//! [`CreatePostDto::from_read`](crate::types::CreatePostDto::from_read) keeps every field the
//! read carries that a write takes (the per-platform details of Facebook, Instagram, LinkedIn,
//! Pinterest, TikTok, Google Business and YouTube among them), normalises media and drops what
//! writes do not take; change what you mean to on the result, then send it.
//!
//! ```no_run
//! # async fn example(api: ghl_social_planner_v3::SocialPlannerV3Client) -> ghl_runtime::Result<()> {
//! use ghl_social_planner_v3::types::CreatePostDto;
//! let post = api.get_post("location-id", "post-id").send().await?;
//! let mut body = CreatePostDto::from_read(&post, "fallback-user-id");
//! body.summary = "Edited text".to_owned();
//! api.edit_post("location-id", "post-id", body).send().await?;
//! # Ok(()) }
//! ```

use std::time::{Duration, SystemTime};

use ghl_runtime::media::mime_type;
use ghl_runtime::timestamp::keep_or_ahead;

use crate::types::{
    CreatePostDto, FormattedApprovalDetails, GetPostFormattedSchema, PostApprovalSchema,
    PostMediaSchema, SocialPostMediaWrite, SocialPostStatus,
};

/// How far ahead of now a post that must be in the future is put: a draft without a date, or a
/// scheduled post whose date has passed.
pub const SCHEDULE_LEAD: Duration = Duration::from_secs(10 * 60);

impl CreatePostDto {
    /// The full update body for `post`, as the server wants it.
    ///
    /// Every field of the read that the write side takes goes back out unchanged, including keys
    /// this client does not know yet (kept in `additional_properties` on both sides). What only
    /// reads carry stays behind: `_id`, `insights`, `createdAt` and the other server-kept
    /// fields, the expanded approver, `mediaOptimization`, and `blueskyPostDetails` (the v3 write
    /// body has no such field). `applyWatermark`, `selectedBestTime` and `scheduleTimeUpdated`
    /// are not on the read: they are left unset unless the read carried them as unknown keys.
    /// `userId` and `createdBy` carry the same user, the post's `userId`, else its `createdBy`,
    /// else `fallback_user_id`. The body always has a `scheduleDate`: the post's own (its
    /// `scheduleDate`; its `displayDate` is no planned date), or [`SCHEDULE_LEAD`] from now when it has none,
    /// or when it is `scheduled` and its date is no longer in the future.
    pub fn from_read(post: &GetPostFormattedSchema, fallback_user_id: &str) -> CreatePostDto {
        CreatePostDto::from_read_at(post, fallback_user_id, SystemTime::now())
    }

    /// [`CreatePostDto::from_read`] with the clock given, for tests and replays.
    pub fn from_read_at(
        post: &GetPostFormattedSchema,
        fallback_user_id: &str,
        now: SystemTime,
    ) -> CreatePostDto {
        let account_ids = match (&post.account_ids, &post.account_id) {
            (Some(ids), _) if !ids.is_empty() => ids.clone(),
            (_, Some(id)) => vec![id.clone()],
            _ => Vec::new(),
        };
        let status = post.status.clone().unwrap_or(SocialPostStatus::Draft);
        let user = post
            .user_id
            .as_deref()
            .or(post.created_by.as_deref())
            .filter(|user| !user.is_empty())
            .unwrap_or(fallback_user_id)
            .to_owned();
        CreatePostDto {
            account_ids,
            summary: post.summary.clone().unwrap_or_default(),
            media: post
                .media
                .iter()
                .flatten()
                .map(SocialPostMediaWrite::from_read)
                .collect(),
            schedule_date: Some(keep_or_ahead(
                // Not the `displayDate`: a dateless draft's is no planned date (it can be
                // its creation time, in the past).
                &[post.schedule_date.as_deref()],
                status == SocialPostStatus::Scheduled,
                now,
                SCHEDULE_LEAD,
            )),
            status,
            selected_best_time: None,
            created_by: user.clone(),
            follow_up_comment: post.follow_up_comment.clone(),
            og_tags_details: post.og_tags_details.clone(),
            type_: post.type_.clone(),
            post_approval_details: post
                .post_approval_details
                .as_ref()
                .map(PostApprovalSchema::from_read),
            schedule_time_updated: None,
            tags: post.tags.clone(),
            category_id: post.category_id.clone(),
            apply_watermark: None,
            tiktok_post_details: post.tiktok_post_details.clone(),
            gmb_post_details: post.gmb_post_details.clone(),
            user_id: user,
            linkedin_post_details: post.linkedin_post_details.clone(),
            pinterest_post_details: post.pinterest_post_details.clone(),
            facebook_post_details: post.facebook_post_details.clone(),
            instagram_post_details: post.instagram_post_details.clone(),
            youtube_post_details: post.youtube_post_details.clone(),
            additional_properties: post.additional_properties.clone(),
        }
    }
}

impl SocialPostMediaWrite {
    /// A read media item as the write side takes it: `url`, `type` as a MIME type (the read's
    /// when it is one, else from the URL: see [`ghl_runtime::media::mime_type`]) and `caption`;
    /// `thumbnail`, `id` and the derived URLs (`originalUrl`, `watermarkedUrl`,
    /// `optimizedUrl`) stay behind.
    pub fn from_read(media: &PostMediaSchema) -> SocialPostMediaWrite {
        SocialPostMediaWrite {
            url: media.url.clone(),
            type_: mime_type(&media.url, Some(media.type_.as_str())),
            caption: media.caption.clone(),
        }
    }
}

impl PostApprovalSchema {
    /// The approval details of a read, without the expanded approver the write side does not take.
    pub fn from_read(details: &FormattedApprovalDetails) -> PostApprovalSchema {
        PostApprovalSchema {
            approver: details.approver.clone(),
            requester_note: details.requester_note.clone(),
            approver_note: details.approver_note.clone(),
            approval_status: details.approval_status.clone(),
        }
    }
}
