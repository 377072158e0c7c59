// Copied by `cargo xtask regen` from overrides/social-media-posting.ext.rs. Edit it there, not here.

//! Turning a post read from the server into the full body `edit_post` needs.
//!
//! The social planner has no partial update: `PUT .../posts/{id}` takes the whole create-shaped
//! body ([`CreatePostDto`](crate::types::CreatePostDto)) and answers a partial one with 422
//! `property summary should not exist`, saving nothing. A read returns media as
//! `{url, type: "image", thumbnail, id}`, which the write side refuses with 422
//! `Invalid media format type`.
//! [`CreatePostDto::from_read`](crate::types::CreatePostDto::from_read) keeps every field the
//! read carries, normalises media to `{url, type}` with a real MIME type and drops what writes
//! refuse; change what you mean to on the result, then send it.
//!
//! ```no_run
//! # async fn example(api: ghl_social_media_posting::SocialMediaPostingClient) -> ghl_runtime::Result<()> {
//! use ghl_social_media_posting::types::CreatePostDto;
//! let post = api.get_post("location-id", "post-id").send().await?;
//! let mut body = CreatePostDto::from_read(&post, "fallback-user-id");
//! body.summary = "Edited text".to_owned();
//! api.edit_post("location-id", "post-id", body).send().await?;
//! # Ok(()) }
//! ```

use std::time::{Duration, SystemTime};

pub use ghl_runtime::media::mime_type;
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
    /// Every writable field of the read goes back out unchanged, including keys this client
    /// does not know yet (kept in `additional_properties` on both sides); the read-only ones,
    /// typed on the read side only (`_id`, `insights`, `createdAt`, ... and the expanded
    /// approver), stay behind. `userId` and
    /// `createdBy` carry the same user, the post's `userId`, else its `createdBy`, else
    /// `fallback_user_id`. The body always has a `scheduleDate`: the post's own (its
    /// `scheduleDate`; its `displayDate` is no planned date), or
    /// [`SCHEDULE_LEAD`] from now when it has none, or when it is `scheduled` and its date is no
    /// longer in the future.
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
        let additional_properties = post.additional_properties.clone();
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
            tiktok_post_details: post.tiktok_post_details.clone(),
            gmb_post_details: post.gmb_post_details.clone(),
            instagram_post_details: post.instagram_post_details.clone(),
            user_id: user,
            additional_properties,
        }
    }
}

impl SocialPostMediaWrite {
    /// A read media item as the write side takes it: `thumbnail` and `id` dropped, `type` a MIME
    /// type (see [`mime_type`]).
    pub fn from_read(media: &PostMediaSchema) -> SocialPostMediaWrite {
        SocialPostMediaWrite {
            url: media.url.clone(),
            type_: mime_type(&media.url, media.type_.as_deref()),
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
