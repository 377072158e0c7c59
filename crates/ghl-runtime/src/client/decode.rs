//! Reading an answer: the typed body, or a [`crate::Error::Decode`] naming the JSON path that
//! did not fit.

use super::*;

/// What decoding an answer needs to know of its call, taken before the request is sent
/// (the OAuth path moves the request).
pub(super) struct CallInfo {
    pub(super) method: Method,
    pub(super) path: &'static str,
    /// The answer may carry tokens: errors must not quote it.
    pub(super) redact: bool,
    /// What of the body to decode.
    pub(super) answer: Answer,
}

impl CallInfo {
    pub(super) fn of(request: &Request) -> CallInfo {
        CallInfo {
            method: request.method.clone(),
            path: request.path_template,
            redact: request.sensitive_response(),
            answer: request.answer(),
        }
    }

    /// Decodes what the request asked for of a 2xx body.
    pub(super) fn decode<T: DeserializeOwned>(&self, body: &[u8]) -> Result<T> {
        match self.answer {
            Answer::Body => decode(&self.method, self.path, body, self.redact),
            Answer::Ignored => {
                serde_path_to_error::deserialize(serde_json::Value::Null).map_err(|e| {
                    decode_error(
                        &self.method,
                        self.path,
                        ".".to_owned(),
                        b"",
                        false,
                        e.into_inner(),
                    )
                })
            }
            Answer::At(at) => {
                let mut envelope: serde_json::Value =
                    decode(&self.method, self.path, body, self.redact)?;
                let inner = envelope
                    .pointer_mut(at)
                    .map(serde_json::Value::take)
                    .unwrap_or_default();
                serde_path_to_error::deserialize(inner).map_err(|e| {
                    let prefix = pointer_to_path(at);
                    let rest = e.path().to_string();
                    let json_path = match (prefix.is_empty(), rest.as_str()) {
                        (true, _) => rest,
                        (false, ".") => prefix,
                        (false, r) if r.starts_with('[') => format!("{prefix}{r}"),
                        (false, r) => format!("{prefix}.{r}"),
                    };
                    decode_error(
                        &self.method,
                        self.path,
                        json_path,
                        body,
                        self.redact,
                        e.into_inner(),
                    )
                })
            }
        }
    }
}

/// Decodes a 2xx body into `T`; an empty body is JSON `null`.
pub(super) fn decode<T: DeserializeOwned>(
    method: &Method,
    path: &'static str,
    body: &[u8],
    redact: bool,
) -> Result<T> {
    let trimmed = body.iter().all(u8::is_ascii_whitespace);
    let data: &[u8] = if trimmed { b"null" } else { body };
    // Fast path: plain serde_json. Only a failure pays for path tracking (a second pass).
    let first = match serde_json::from_slice::<T>(data) {
        Ok(v) => return Ok(v),
        Err(e) => e,
    };
    // The path comes from a second pass over the parsed value (not the bytes): every type's
    // `Deserialize` is then compiled for two deserializers instead of four, as the other
    // failure paths (`Answer::At`, `Answer::Ignored`, page items) read owned values too.
    let value: serde_json::Value = match serde_json::from_slice(data) {
        Ok(value) => value,
        Err(_) => {
            return Err(decode_error(
                method,
                path,
                ".".to_owned(),
                body,
                redact,
                first,
            ));
        }
    };
    let result: std::result::Result<T, _> = serde_path_to_error::deserialize(value);
    let (json_path, source) = match result {
        Ok(_) => (String::from("."), first),
        Err(e) => (e.path().to_string(), e.into_inner()),
    };
    Err(decode_error(method, path, json_path, body, redact, source))
}

/// Builds an [`Error::Decode`], redacting OAuth token responses.
pub(super) fn decode_error(
    method: &Method,
    path: &'static str,
    json_path: String,
    body: &[u8],
    redact: bool,
    source: serde_json::Error,
) -> Error {
    let (body_excerpt, source) = if redact {
        // serde's messages can quote values; a token response must not leak any.
        let category = format!("{:?}", source.classify());
        (
            "<redacted: OAuth token response>".to_owned(),
            <serde_json::Error as serde::de::Error>::custom(format!(
                "{category} error (details redacted)"
            )),
        )
    } else {
        (excerpt(body), source)
    };
    Error::Decode {
        method: method.clone(),
        path,
        json_path,
        body_excerpt,
        source,
    }
}

/// `/results/post` -> `results.post`; `/items/0` -> `items[0]` (RFC 6901 escapes undone).
pub(super) fn pointer_to_path(pointer: &str) -> String {
    let mut out = String::new();
    for token in pointer.split('/').skip(1) {
        let token = token.replace("~1", "/").replace("~0", "~");
        if !token.is_empty() && token.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&format!("[{token}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&token);
        }
    }
    out
}
