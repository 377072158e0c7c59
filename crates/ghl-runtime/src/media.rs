//! Media items on write: the social planner's write side takes a real MIME type per item,
//! while its reads say `image` or `video` (or nothing).

/// A real MIME type for a media item: `declared` when it already is one (`image/png`),
/// otherwise derived from the URL's extension, with the declared kind (`image` or `video`)
/// deciding when the extension says nothing.
///
/// ```
/// use ghl_runtime::media::mime_type;
///
/// assert_eq!(mime_type("https://x/banner.PNG?w=100", Some("image")), "image/png");
/// assert_eq!(mime_type("https://x/clip", Some("video")), "video/mp4");
/// assert_eq!(mime_type("https://x/file.bin", Some("image/webp")), "image/webp");
/// ```
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
