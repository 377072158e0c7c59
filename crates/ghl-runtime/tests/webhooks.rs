//! Webhook verification: genuine deliveries accepted, forged/altered/replayed/unsigned
//! ones rejected. Keys are generated for the test (Ed25519 from a fixed seed, an RSA key
//! made once with openssl for the legacy header).
#![cfg(feature = "webhooks")]

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use ed25519_dalek::Signer as _;
use ghl_runtime::webhooks::{
    HIGHLEVEL_ED25519_PUBLIC_KEY, HeaderMap, MemoryDedupeStore, SignatureKind, WebhookError,
    WebhookEvent, WebhookVerifier,
};

const RSA_PRIVATE_PEM: &str = "-----BEGIN PRIVATE KEY-----\n\
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCtK4k1fhL9bWnf\n\
uWTei9ZurVRXqI0g4F020Qgnd+qZbsLVThjdHcAtPKX4qUNkgNoVULzY4Zn0zcvq\n\
Y43waHCeciIfU1/kMITGkfDpq1/QLh0OAqBHAQJgV4MWQiBnnu/K0acMKp+72JmT\n\
e1mnuW+93XvKV/YvdXi3btU4njIQLVxzjFm8kRVTPkg2rR3Ry8zQMmibDwC6klHu\n\
nr9A/3HGChvpFR+cEt8mRq7A/mZgL+gJH5OIO6BRzCMCOQAksfaocrHl2mOrL62L\n\
urMmjiks5D1EGgw52cM9kHZH87t4pdDJZTU+HFnRs0cmR3JYzLbOZ5CQ7xV/Fnci\n\
G3P0HW8FAgMBAAECggEAEfW69EZQF+KaIW7r7Dzaj34Ailrb0DYU1NOXIejI9wLK\n\
yC6iW4RzYv2wRPrhF3JZq+5Et8WmHwKdDIEovm9GhthVe6Q9BMCXdLS8JK/2bvPp\n\
ZYOWNeb/5RgOa2eOTtDoE8PsrFFbYbMUMnyPjtqnoSxwY0r+KGvpijS/fnDBxnWS\n\
JGcnD7BYttxi5J0oWB8HWHYlaCNaE+yRvxhRXdsAq/7gIAg7fNWJUsAuW2BNbeSR\n\
7khrRHXZNhdyc/1sIdOrzJ0QFVjmOw4CeQxmAR61AoEnfGvqra02l/p6b505/R1q\n\
wIy8YRLqVu7EFDZy8tH2iPF6tQZ13CiqSGPjJI8t3QKBgQDhJSTjHU4DyJt//ZmF\n\
9UIC2slpt5ggQTtrZ6vYLvDvMbG8L3noGY3MGZXYdwm9nbOq5D0IZOlFwawtOHZV\n\
QhawCM6+6F60BJuHxbrzZ8HuhWAXt2FSFNjoJZ34HyUVKcYcruJ6nOnNd9vSBiRa\n\
YeFgVcZ+3au3FebFP5JYE8HaawKBgQDE5u5RywMGbEZwp6e53HyNJqfcfaslWbcb\n\
Hkdwr+Qn/5c65Le/DxRqm1d+qYVyGjQ7h7OEvVycU3Ym2PGN3/CZIk0IZ8VL/o1P\n\
gKpAHwoRZ5hCaoH/f6n0n07Kdmg4KqnswEAHgibIF1x8NQVCBlO6ZX7YlUbM7jHT\n\
NxWJYrMYTwKBgDc9td9DwXCMOBsfThvgIWIx7FlUAq9nUfz4YuGYIuWNe96Ah5i7\n\
LF93p5yFGI69suerOI5mtBW5f1VZFS+2F3r5rkCJIzNoLgESMtymCJ9NelZXWDmb\n\
g9zx3eCTQ7X9me5PuqH6/iK71eOiPiku+u14Hkvid89kQEsFXhLeRiIhAoGAIRKo\n\
9RQkbe/B5SpEAfQG966Gg4KYPK3VE7kCRutEZ3OG8113f6AIzd9J0vymbYP5QgaJ\n\
IMKty5Q5RE0sRahXwWEBj2feu+UF11TFQ//ysPm1mXJKY6AN7AjWMyuwVb7Uy+9+\n\
0cQKv5Es96/wMibd6XEi3T41pjZcKB4Yf/sUGgECgYEAsRKnbUV8eqUsViBN3VzS\n\
SUN8ost3SGGLO6IfYRdQUT7YpJSTrCBCW24r+dImv0qRqcjoveZyV7IGUnsUHg0m\n\
EWhvPYJ8nFdj7okq9NB8fEA/80xUmelFTm2uctVdV4EMsWgngTGdkPw4EfZ2ZIAw\n\
hk19nzb3VU9Yij+856KapRQ=\n\
-----END PRIVATE KEY-----";
const RSA_PUBLIC_PEM: &str = "-----BEGIN PUBLIC KEY-----\n\
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEArSuJNX4S/W1p37lk3ovW\n\
bq1UV6iNIOBdNtEIJ3fqmW7C1U4Y3R3ALTyl+KlDZIDaFVC82OGZ9M3L6mON8Ghw\n\
nnIiH1Nf5DCExpHw6atf0C4dDgKgRwECYFeDFkIgZ57vytGnDCqfu9iZk3tZp7lv\n\
vd17ylf2L3V4t27VOJ4yEC1cc4xZvJEVUz5INq0d0cvM0DJomw8AupJR7p6/QP9x\n\
xgob6RUfnBLfJkauwP5mYC/oCR+TiDugUcwjAjkAJLH2qHKx5dpjqy+ti7qzJo4p\n\
LOQ9RBoMOdnDPZB2R/O7eKXQyWU1PhxZ0bNHJkdyWMy2zmeQkO8VfxZ3Ihtz9B1v\n\
BQIDAQAB\n\
-----END PUBLIC KEY-----";

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn ed_key() -> ed25519_dalek::SigningKey {
    ed25519_dalek::SigningKey::from_bytes(&[7u8; 32])
}

/// The test key's public half as base64 SubjectPublicKeyInfo, like HighLevel publishes.
fn ed_public_spki() -> String {
    let mut der = vec![
        0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
    ];
    der.extend_from_slice(ed_key().verifying_key().as_bytes());
    b64(&der)
}

fn verifier() -> WebhookVerifier {
    WebhookVerifier::new()
        .ed25519_public_key(&ed_public_spki())
        .unwrap()
        .legacy_rsa_public_key_pem(RSA_PUBLIC_PEM)
        .unwrap()
}

fn ed_sign(body: &[u8]) -> String {
    b64(&ed_key().sign(body).to_bytes())
}

fn rsa_sign(body: &[u8]) -> String {
    use rsa::pkcs8::DecodePrivateKey as _;
    use rsa::signature::{SignatureEncoding as _, Signer as _};
    let key = rsa::RsaPrivateKey::from_pkcs8_pem(RSA_PRIVATE_PEM).unwrap();
    let signer = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(key);
    b64(&signer.sign(body).to_bytes())
}

fn now_rfc3339_offset(secs: i64) -> String {
    let t = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
        + secs;
    // Format as epoch milliseconds string-free RFC 3339 via days arithmetic.
    let days = t.div_euclid(86_400);
    let rem = t.rem_euclid(86_400);
    let (h, m, s) = (rem / 3600, (rem % 3600) / 60, rem % 60);
    // Civil from days (Howard Hinnant).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let mo = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if mo <= 2 { y + 1 } else { y };
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{m:02}:{s:02}.000Z")
}

fn contact_body(webhook_id: &str, offset_secs: i64) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "type": "ContactCreate",
        "locationId": "loc-1",
        "id": "contact-1",
        "email": "jane@example.com",
        "firstName": "Jane",
        "tags": ["vip"],
        "customFields": [],
        "webhookId": webhook_id,
        "timestamp": now_rfc3339_offset(offset_secs)
    }))
    .unwrap()
}

fn headers(pairs: &[(&'static str, String)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.insert(*k, v.parse().unwrap());
    }
    h
}

#[test]
fn genuine_ed25519_delivery_is_accepted_and_typed() {
    let body = contact_body("wh-1", -5);
    let h = headers(&[("x-ghl-signature", ed_sign(&body))]);
    let v = verifier().verify(&h, &body).unwrap();
    assert_eq!(v.signature, SignatureKind::Ed25519);
    assert_eq!(v.webhook_id.as_deref(), Some("wh-1"));
    assert!(v.timestamp.is_some());
    match &v.event {
        WebhookEvent::ContactCreate(c) => {
            assert_eq!(c.id, "contact-1");
            assert_eq!(c.location_id.as_deref(), Some("loc-1"));
            assert_eq!(c.tags, vec!["vip".to_owned()]);
            assert!(c.other.contains_key("customFields"));
        }
        other => panic!("{other:?}"),
    }
    // Debug never shows the payload.
    let dbg = format!("{v:?}");
    assert!(!dbg.contains("jane@example.com"), "{dbg}");
}

#[test]
fn genuine_legacy_rsa_delivery_is_accepted_when_alone() {
    let body = contact_body("wh-rsa", -5);
    let h = headers(&[("x-wh-signature", rsa_sign(&body))]);
    let v = verifier().verify(&h, &body).unwrap();
    assert_eq!(v.signature, SignatureKind::LegacyRsa);
}

#[test]
fn a_bad_ed25519_signature_does_not_fall_back_to_rsa() {
    let body = contact_body("wh-2", -5);
    let forged = b64(&ed25519_dalek::SigningKey::from_bytes(&[9u8; 32])
        .sign(&body)
        .to_bytes());
    let h = headers(&[
        ("x-ghl-signature", forged),
        ("x-wh-signature", rsa_sign(&body)),
    ]);
    let err = verifier().verify(&h, &body).unwrap_err();
    assert_eq!(
        err,
        WebhookError::BadSignature {
            header: "X-GHL-Signature"
        }
    );
}

#[test]
fn forged_signature_is_rejected() {
    let body = contact_body("wh-3", -5);
    let forged = b64(&ed25519_dalek::SigningKey::from_bytes(&[9u8; 32])
        .sign(&body)
        .to_bytes());
    let err = verifier()
        .verify(&headers(&[("x-ghl-signature", forged)]), &body)
        .unwrap_err();
    assert!(matches!(err, WebhookError::BadSignature { .. }), "{err:?}");
    // The production verifier (HighLevel's key) rejects a body signed by anyone else.
    let err = WebhookVerifier::new()
        .verify(&headers(&[("x-ghl-signature", ed_sign(&body))]), &body)
        .unwrap_err();
    assert!(matches!(err, WebhookError::BadSignature { .. }), "{err:?}");
}

#[test]
fn altered_body_is_rejected_for_both_schemes() {
    let body = contact_body("wh-4", -5);
    let mut altered = body.clone();
    let pos = altered.iter().position(|b| *b == b'J').unwrap();
    altered[pos] = b'K';
    let err = verifier()
        .verify(&headers(&[("x-ghl-signature", ed_sign(&body))]), &altered)
        .unwrap_err();
    assert!(matches!(err, WebhookError::BadSignature { .. }));
    let err = verifier()
        .verify(&headers(&[("x-wh-signature", rsa_sign(&body))]), &altered)
        .unwrap_err();
    assert!(matches!(
        err,
        WebhookError::BadSignature {
            header: "X-WH-Signature"
        }
    ));
    // Re-serialized JSON (same data, other bytes) is not the signed body either.
    let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let reserialized = serde_json::to_vec_pretty(&value).unwrap();
    assert!(
        verifier()
            .verify(
                &headers(&[("x-ghl-signature", ed_sign(&body))]),
                &reserialized
            )
            .is_err()
    );
}

#[test]
fn unsigned_and_malformed_are_rejected() {
    let body = contact_body("wh-5", -5);
    let err = verifier().verify(&HeaderMap::new(), &body).unwrap_err();
    assert_eq!(err, WebhookError::MissingSignature);
    let err = verifier()
        .verify(
            &headers(&[("x-ghl-signature", "not base64!".to_owned())]),
            &body,
        )
        .unwrap_err();
    assert!(matches!(err, WebhookError::MalformedSignature { .. }));
    let err = verifier()
        .verify(&headers(&[("x-ghl-signature", b64(b"short"))]), &body)
        .unwrap_err();
    assert!(matches!(err, WebhookError::MalformedSignature { .. }));
    // Legacy header with no RSA key configured.
    let err = WebhookVerifier::new()
        .verify(&headers(&[("x-wh-signature", rsa_sign(&body))]), &body)
        .unwrap_err();
    assert_eq!(err, WebhookError::NoLegacyKey);
}

#[test]
fn replayed_delivery_is_rejected() {
    let v = verifier();
    let body = contact_body("wh-6", -5);
    let h = headers(&[("x-ghl-signature", ed_sign(&body))]);
    v.verify(&h, &body).unwrap();
    let err = v.verify(&h, &body).unwrap_err();
    assert_eq!(
        err,
        WebhookError::Duplicate {
            webhook_id: "wh-6".to_owned()
        }
    );
    // A shared store catches replays across verifier instances.
    let store = Arc::new(MemoryDedupeStore::new());
    let a = verifier().dedupe_store(store.clone());
    let b = verifier().dedupe_store(store);
    a.verify(&h, &body).unwrap();
    assert!(matches!(
        b.verify(&h, &body),
        Err(WebhookError::Duplicate { .. })
    ));
}

#[test]
fn a_forged_delivery_does_not_poison_the_dedupe_store() {
    let v = verifier();
    let body = contact_body("wh-7", -5);
    let forged = b64(&ed25519_dalek::SigningKey::from_bytes(&[9u8; 32])
        .sign(&body)
        .to_bytes());
    assert!(
        v.verify(&headers(&[("x-ghl-signature", forged)]), &body)
            .is_err()
    );
    v.verify(&headers(&[("x-ghl-signature", ed_sign(&body))]), &body)
        .unwrap();
}

#[test]
fn timestamps_outside_the_window_are_rejected() {
    let v = verifier().timestamp_window(Duration::from_secs(60), Duration::from_secs(10));
    let old = contact_body("wh-8", -600);
    let err = v
        .verify(&headers(&[("x-ghl-signature", ed_sign(&old))]), &old)
        .unwrap_err();
    assert!(
        matches!(err, WebhookError::StaleTimestamp { age_secs } if age_secs >= 599),
        "{err:?}"
    );
    let future = contact_body("wh-9", 600);
    let err = v
        .verify(&headers(&[("x-ghl-signature", ed_sign(&future))]), &future)
        .unwrap_err();
    assert!(
        matches!(err, WebhookError::StaleTimestamp { age_secs } if age_secs < 0),
        "{err:?}"
    );
}

#[test]
fn missing_id_or_timestamp_can_be_required() {
    let body = serde_json::to_vec(&serde_json::json!({"type": "NoteCreate", "id": "n1"})).unwrap();
    let h = headers(&[("x-ghl-signature", ed_sign(&body))]);
    // Accepted by default, as an unknown event holding the JSON.
    let ok = verifier().verify(&h, &body).unwrap();
    match ok.event {
        WebhookEvent::Unknown {
            event_type,
            payload,
        } => {
            assert_eq!(event_type.as_deref(), Some("NoteCreate"));
            assert_eq!(payload["id"], "n1");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        verifier()
            .require_webhook_id(true)
            .verify(&h, &body)
            .unwrap_err(),
        WebhookError::MissingWebhookId
    );
    assert_eq!(
        verifier()
            .require_timestamp(true)
            .verify(&h, &body)
            .unwrap_err(),
        WebhookError::MissingTimestamp
    );
}

#[test]
fn errors_never_contain_the_body() {
    let body = contact_body("wh-10", -5);
    let errs = [
        verifier().verify(&HeaderMap::new(), &body).unwrap_err(),
        verifier()
            .verify(&headers(&[("x-ghl-signature", ed_sign(b"other"))]), &body)
            .unwrap_err(),
    ];
    for e in errs {
        let text = format!("{e} {e:?}");
        assert!(!text.contains("jane"), "{text}");
    }
    let garbage = b"jane-secret-not-json".to_vec();
    let e = verifier()
        .verify(
            &headers(&[("x-ghl-signature", ed_sign(&garbage))]),
            &garbage,
        )
        .unwrap_err();
    assert!(matches!(e, WebhookError::InvalidBody { .. }));
    assert!(!format!("{e} {e:?}").contains("jane"));
}

#[test]
fn published_key_is_the_default_and_keys_can_rotate() {
    let default = WebhookVerifier::new();
    assert!(format!("{default:?}").contains("ed25519_keys: 1"));
    // Adding a key keeps the published one.
    let rotated = WebhookVerifier::new()
        .add_ed25519_public_key(&ed_public_spki())
        .unwrap();
    let body = contact_body("wh-11", -5);
    rotated
        .verify(&headers(&[("x-ghl-signature", ed_sign(&body))]), &body)
        .unwrap();
    // PEM and raw forms are accepted too.
    let pem = format!(
        "-----BEGIN PUBLIC KEY-----\n{HIGHLEVEL_ED25519_PUBLIC_KEY}\n-----END PUBLIC KEY-----\n"
    );
    assert!(WebhookVerifier::new().ed25519_public_key(&pem).is_ok());
    assert!(
        WebhookVerifier::new()
            .ed25519_public_key(&b64(ed_key().verifying_key().as_bytes()))
            .is_ok()
    );
    assert!(WebhookVerifier::new().ed25519_public_key("AAAA").is_err());
}
