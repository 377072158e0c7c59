//! Errors and notes that point into a spec: every problem names the file and the JSON pointer,
//! and says what to do about it.

use std::fmt;

/// A problem the generator cannot absorb on its own.
#[derive(Debug)]
pub struct SpecError {
    pub file: String,
    pub pointer: String,
    pub message: String,
    pub hint: &'static str,
}

impl SpecError {
    pub fn new(file: &str, pointer: &str, message: impl Into<String>, hint: &'static str) -> Self {
        Self {
            file: file.to_owned(),
            pointer: pointer.to_owned(),
            message: message.into(),
            hint,
        }
    }
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}#{}: {}", self.file, self.pointer, self.message)?;
        if !self.hint.is_empty() {
            write!(f, "\n  help: {}", self.hint)?;
        }
        Ok(())
    }
}

impl std::error::Error for SpecError {}

pub const HINT_OVERRIDE: &str =
    "add an entry for this place to overrides/ (see overrides/README.md), or fix the spec upstream";

/// Appends one segment to a JSON pointer, escaping `~` and `/` as RFC 6901 requires.
pub fn pointer_push(pointer: &str, segment: &str) -> String {
    let escaped = segment.replace('~', "~0").replace('/', "~1");
    format!("{pointer}/{escaped}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_escape_slashes_and_tildes() {
        assert_eq!(
            pointer_push("/paths", "/blogs/{id}"),
            "/paths/~1blogs~1{id}"
        );
        assert_eq!(pointer_push("", "a~b"), "/a~0b");
    }

    #[test]
    fn errors_name_file_pointer_and_remedy() {
        let error = SpecError::new("apps/x.json", "/paths/~1a/get", "broken", HINT_OVERRIDE);
        let text = error.to_string();
        assert!(text.starts_with("apps/x.json#/paths/~1a/get: broken"));
        assert!(text.contains("overrides/"));
    }
}
