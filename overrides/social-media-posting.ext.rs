//! Turning a post read from the server into the full body `edit_post` needs.
//!
//! The social planner has no partial update: `PUT .../posts/{id}` takes the whole create-shaped
//! body ([`CreatePostDto`]) and answers a partial one with 422 `property summary should not
//! exist`, saving nothing. A read returns media as `{url, type: "image", thumbnail, id}`, which
//! the write side refuses with 422 `Invalid media format type`. [`CreatePostDto::from_read`]
//! keeps every field the read carries, normalises media to `{url, type}` with a real MIME type
//! and drops what writes refuse; change what you mean to on the result, then send it.
//!
//! ```no_run
//! # async fn example(api: ghl_social_media_posting::SocialMediaPostingClient) -> ghl_runtime::Result<()> {
//! use ghl_social_media_posting::types::CreatePostDto;
//! let post = api.get_post("location-id", "post-id").await?;
//! let mut body = CreatePostDto::from_read(&post, "user-id");
//! body.summary = "Edited text".to_owned();
//! api.edit_post("location-id", "post-id", &body).await?;
//! # Ok(()) }
//! ```

use crate::types::{
    CreatePostDto, FormatedApprovalDetails, GetPostFormattedSchema, PostApprovalSchema,
    PostMediaSchema, SocialPostMediaWrite, SocialPostStatus,
};

impl CreatePostDto {
    /// The full update body for `post`, edited by `user_id` (the server requires `userId`;
    /// `createdBy` keeps the post's creator, or `user_id` when the read names none).
    pub fn from_read(post: &GetPostFormattedSchema, user_id: &str) -> CreatePostDto {
        let account_ids = match (&post.account_ids, &post.account_id) {
            (Some(ids), _) if !ids.is_empty() => ids.clone(),
            (_, Some(id)) => vec![id.clone()],
            _ => Vec::new(),
        };
        let status = post.status.clone().unwrap_or(SocialPostStatus::Draft);
        // A scheduled post keeps its date; the server requires one in the future for `scheduled`.
        let schedule_date = match status {
            SocialPostStatus::Scheduled => post.display_date.clone(),
            _ => None,
        };
        CreatePostDto {
            account_ids,
            summary: post.summary.clone().unwrap_or_default(),
            media: post
                .media
                .iter()
                .flatten()
                .map(SocialPostMediaWrite::from_read)
                .collect(),
            status,
            schedule_date,
            created_by: post
                .created_by
                .clone()
                .unwrap_or_else(|| user_id.to_owned()),
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
            user_id: user_id.to_owned(),
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
    pub fn from_read(details: &FormatedApprovalDetails) -> PostApprovalSchema {
        PostApprovalSchema {
            approver: details.approver.clone(),
            requester_note: details.requester_note.clone(),
            approver_note: details.approver_note.clone(),
            approval_status: details.approval_status.clone(),
        }
    }
}

/// A real MIME type for a media item: `declared` when it already is one (`image/png`),
/// otherwise derived from the URL's extension, with the declared kind (`image` or `video`)
/// deciding when the extension says nothing.
pub fn mime_type(url: &str, declared: Option<&str>) -> String {
    if let Some(declared) = declared.filter(|declared| declared.contains('/')) {
        return declared.to_owned();
    }
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let file = path.rsplit('/').next().unwrap_or(path);
    let extension = file
        .rsplit_once('.')
        .map(|(_, extension)| extension.to_ascii_lowercase());
    let mime = match extension.as_deref() {
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("png") => "image/png",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("mp4" | "m4v") => "video/mp4",
        Some("mov") => "video/quicktime",
        _ if declared == Some("video") => "video/mp4",
        _ => "image/jpeg",
    };
    mime.to_owned()
}
