//! Multipart bodies: text and file parts, kept so that a retry can send them again, with the
//! size checks a 413 would otherwise report.

use base64::Engine as _;
use bytes::Bytes;
use serde::Serialize;

use super::query::push_scalars;
use crate::error::FileSize;

/// One part of a [`Multipart`] body.
#[derive(Clone, Debug)]
pub(crate) enum Part {
    Text(String),
    File {
        bytes: Bytes,
        file_name: Option<String>,
        content_type: Option<String>,
    },
}

/// A `multipart/form-data` body.
///
/// Kept as plain data so a retry can send it again.
#[derive(Clone, Debug, Default)]
pub struct Multipart {
    pub(crate) parts: Vec<(&'static str, Part)>,
    pub(crate) error: Option<String>,
    /// Size caps of file parts: (content type prefix, bytes), see
    /// [`Multipart::max_file_size`].
    pub(crate) caps: Vec<(&'static str, u64)>,
}

/// The content type a file part is sent with.
fn effective_content_type(content_type: &Option<String>) -> &str {
    content_type
        .as_deref()
        .unwrap_or("application/octet-stream")
}

impl Multipart {
    /// An empty form.
    pub fn new() -> Multipart {
        Multipart::default()
    }

    /// Adds a text field, rendered like a query parameter (sequences give one part per
    /// element, `None` gives none).
    pub fn text<T: Serialize + ?Sized>(mut self, name: &'static str, value: &T) -> Multipart {
        if let Err(e) = push_scalars(&mut self.parts, name, value, Part::Text) {
            if self.error.is_none() {
                self.error = Some(format!("multipart field `{name}`: {e}"));
            }
        }
        self
    }

    /// Adds a text field when `value` is `Some`.
    pub fn text_opt<T: Serialize>(self, name: &'static str, value: Option<&T>) -> Multipart {
        match value {
            Some(v) => self.text(name, v),
            None => self,
        }
    }

    /// Adds a file part.
    pub fn file(mut self, name: &'static str, file: &FilePart) -> Multipart {
        self.parts.push((
            name,
            Part::File {
                bytes: Bytes::from(file.bytes.clone()),
                file_name: file.file_name.clone(),
                content_type: file.content_type.clone(),
            },
        ));
        self
    }

    /// Adds a file part when `file` is `Some`.
    pub fn file_opt(self, name: &'static str, file: Option<&FilePart>) -> Multipart {
        match file {
            Some(f) => self.file(name, f),
            None => self,
        }
    }

    /// Caps the size of file parts whose content type starts with `content_type_prefix`
    /// (compared without regard to case; `""` matches every file part) at `bytes`. When
    /// several prefixes match a part, the longest wins; registering a prefix again replaces
    /// its cap. A file part over its cap makes the request fail with
    /// [`Error::FileTooLarge`](crate::Error::FileTooLarge) before anything is sent. Set by generated code from the
    /// limits the API documents, e.g. `.max_file_size("image/", 25 * 1024 * 1024)`.
    pub fn max_file_size(mut self, content_type_prefix: &'static str, bytes: u64) -> Multipart {
        match self
            .caps
            .iter_mut()
            .find(|(prefix, _)| prefix.eq_ignore_ascii_case(content_type_prefix))
        {
            Some(cap) => cap.1 = bytes,
            None => self.caps.push((content_type_prefix, bytes)),
        }
        self
    }

    /// The cap for a file part of this content type: the one with the longest matching
    /// prefix.
    fn cap_for(&self, content_type: &str) -> Option<u64> {
        self.caps
            .iter()
            .filter(|(prefix, _)| {
                content_type
                    .get(..prefix.len())
                    .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
            })
            .max_by_key(|(prefix, _)| prefix.len())
            .map(|(_, bytes)| *bytes)
    }

    /// The file parts, in order, with their sizes and caps.
    fn file_sizes(&self) -> impl Iterator<Item = FileSize> + '_ {
        self.parts.iter().filter_map(|(name, part)| match part {
            Part::Text(_) => None,
            Part::File {
                bytes,
                content_type,
                ..
            } => Some(FileSize {
                field: name,
                size: bytes.len() as u64,
                limit: self.cap_for(effective_content_type(content_type)),
            }),
        })
    }

    /// The first file part larger than its cap.
    pub(crate) fn first_over_cap(&self) -> Option<FileSize> {
        self.file_sizes()
            .find(|f| f.limit.is_some_and(|limit| f.size > limit))
    }

    /// The largest file part (the first of equals), the likely cause of a 413.
    pub(crate) fn largest_file(&self) -> Option<FileSize> {
        self.file_sizes()
            .fold(None, |best: Option<FileSize>, f| match best {
                Some(b) if b.size >= f.size => Some(b),
                _ => Some(f),
            })
    }

    /// Builds the reqwest form for one attempt.
    pub(crate) fn to_form(&self) -> Result<reqwest::multipart::Form, String> {
        let mut form = reqwest::multipart::Form::new();
        for (name, part) in &self.parts {
            let p = match part {
                Part::Text(t) => reqwest::multipart::Part::text(t.clone()),
                Part::File {
                    bytes,
                    file_name,
                    content_type,
                } => {
                    let len = bytes.len() as u64;
                    let mut p = reqwest::multipart::Part::stream_with_length(
                        reqwest::Body::from(bytes.clone()),
                        len,
                    );
                    p = p.file_name(file_name.clone().unwrap_or_else(|| (*name).to_owned()));
                    p.mime_str(effective_content_type(content_type))
                        .map_err(|e| format!("file part `{name}`: bad content type: {e}"))?
                }
            };
            form = form.part(*name, p);
        }
        Ok(form)
    }
}

/// A file to upload in a multipart body.
///
/// Generated request structs derive `Serialize`/`Deserialize`, so this type does too: it
/// serializes as the base64 (standard alphabet, padded) string of its bytes; the file name
/// and content type are not serialized, and deserializing a base64 string gives a part
/// with neither.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct FilePart {
    /// The file's content.
    pub bytes: Vec<u8>,
    /// The file name sent in the part's `Content-Disposition` (defaults to the field name).
    pub file_name: Option<String>,
    /// The part's `Content-Type` (defaults to `application/octet-stream`).
    pub content_type: Option<String>,
}

impl FilePart {
    /// A file part with a name and content type.
    pub fn new(
        bytes: impl Into<Vec<u8>>,
        file_name: impl Into<String>,
        content_type: impl Into<String>,
    ) -> FilePart {
        FilePart {
            bytes: bytes.into(),
            file_name: Some(file_name.into()),
            content_type: Some(content_type.into()),
        }
    }
}

impl Serialize for FilePart {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&base64::engine::general_purpose::STANDARD.encode(&self.bytes))
    }
}

impl<'de> serde::Deserialize<'de> for FilePart {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text.as_bytes())
            .map_err(serde::de::Error::custom)?;
        Ok(FilePart {
            bytes,
            file_name: None,
            content_type: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_part_serde_roundtrip() {
        let f = FilePart::new(b"hello".to_vec(), "a.txt", "text/plain");
        let json = serde_json::to_string(&f).unwrap();
        assert_eq!(json, "\"aGVsbG8=\"");
        let back: FilePart = serde_json::from_str(&json).unwrap();
        assert_eq!(back.bytes, b"hello");
    }

    #[test]
    fn longest_matching_prefix_caps_a_file() {
        let form = Multipart::new()
            .max_file_size("", 1000)
            .max_file_size("image/", 500)
            .max_file_size("image/png", 100)
            .max_file_size("IMAGE/PNG", 200);
        assert_eq!(form.cap_for("image/png"), Some(200));
        assert_eq!(form.cap_for("Image/PNG; charset=x"), Some(200));
        assert_eq!(form.cap_for("image/jpeg"), Some(500));
        assert_eq!(form.cap_for("video/mp4"), Some(1000));
        assert_eq!(Multipart::new().cap_for("video/mp4"), None);
        assert_eq!(
            Multipart::new()
                .max_file_size("video/", 5)
                .cap_for("application/octet-stream"),
            None
        );
    }

    #[test]
    fn largest_file_is_the_first_of_equals() {
        let form = Multipart::new()
            .text("t", "x")
            .file("a", &FilePart::new(vec![0; 3], "a", "image/png"))
            .file("b", &FilePart::new(vec![0; 5], "b", "image/png"))
            .file("c", &FilePart::new(vec![0; 5], "c", "image/png"))
            .max_file_size("image/", 4);
        assert_eq!(
            form.largest_file(),
            Some(FileSize {
                field: "b",
                size: 5,
                limit: Some(4)
            })
        );
        assert_eq!(form.first_over_cap().map(|f| f.field), Some("b"));
        assert_eq!(Multipart::new().text("t", "x").largest_file(), None);
    }
}
