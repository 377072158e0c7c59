//! Webhook public keys: Ed25519 as HighLevel publishes it (PEM, base64 SPKI) or as other
//! tools print it (base64 or hex, raw or SPKI).

use base64::Engine as _;

use super::WebhookError;

/// The DER prefix of an Ed25519 SubjectPublicKeyInfo (followed by the 32 key bytes).
const ED25519_SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

/// Parses an Ed25519 public key given as PEM, base64 SubjectPublicKeyInfo DER, base64 raw
/// 32 bytes, or hex (64 digits: the raw key; 88: the SPKI DER).
///
/// ```
/// use ghl_runtime::webhooks::parse_ed25519_public_key;
/// let b64 = parse_ed25519_public_key("MCowBQYDK2VwAyEAi2HR1srL4o18O8BRa7gVJY7G7bupbN3H9AwJrHCDiOg=")?;
/// let hex = parse_ed25519_public_key(
///     "8b61d1d6cacbe28d7c3bc0516bb815258ec6edbba96cddc7f40c09ac708388e8",
/// )?;
/// assert_eq!(b64, hex);
/// # Ok::<(), ghl_runtime::webhooks::WebhookError>(())
/// ```
pub fn parse_ed25519_public_key(key: &str) -> Result<ed25519_dalek::VerifyingKey, WebhookError> {
    let body: String = key
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .join("")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let hex = (body.len() == 64 || body.len() == 88)
        .then(|| decode_hex(&body))
        .flatten();
    let der = match hex {
        Some(bytes) => bytes,
        None => base64::engine::general_purpose::STANDARD
            .decode(body.as_bytes())
            .map_err(|e| WebhookError::InvalidKey {
                reason: format!(
                    "not PEM, base64 or hex ({e}); give the key as HighLevel publishes it"
                ),
            })?,
    };
    let raw: &[u8] = if der.len() == 44 && der[..12] == ED25519_SPKI_PREFIX {
        &der[12..]
    } else if der.len() == 32 {
        &der
    } else {
        return Err(WebhookError::InvalidKey {
            reason: "not an Ed25519 SubjectPublicKeyInfo or raw 32-byte key".to_owned(),
        });
    };
    let mut bytes = [0u8; 32];
    bytes.copy_from_slice(raw);
    ed25519_dalek::VerifyingKey::from_bytes(&bytes).map_err(|e| WebhookError::InvalidKey {
        reason: format!("invalid Ed25519 point: {e}"),
    })
}

/// The bytes of a string of hex digit pairs; `None` when it is not one.
fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if hex.len() % 2 != 0 {
        return None;
    }
    let digit = |b: u8| (b as char).to_digit(16);
    hex.as_bytes()
        .chunks_exact(2)
        .map(|pair| Some((digit(pair[0])? * 16 + digit(pair[1])?) as u8))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_pairs() {
        assert_eq!(decode_hex("00ff7A"), Some(vec![0, 255, 122]));
        assert_eq!(decode_hex("0"), None);
        assert_eq!(decode_hex("0g"), None);
        assert_eq!(decode_hex(""), Some(vec![]));
    }
}
