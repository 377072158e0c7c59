//! Webhook verification: genuine deliveries accepted, forged/altered/replayed/unsigned
//! ones rejected. Keys are generated for the test (Ed25519 from a fixed seed, an RSA key
//! made once with openssl for the legacy header).
#![cfg(feature = "webhooks")]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use ed25519_dalek::Signer as _;
use ghl_runtime::webhooks::{
    AppInstall, AppUninstall, HIGHLEVEL_ED25519_PUBLIC_KEY, HeaderMap, InstallHook, InstallTarget,
    MemoryDedupeStore, SignatureKind, VerifyWithHookError, WebhookError, WebhookEvent,
    WebhookVerifier,
};
use serde_json::json;

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

#[tokio::test]
async fn genuine_ed25519_delivery_is_accepted_and_typed() {
    let body = contact_body("wh-1", -5);
    let h = headers(&[("x-ghl-signature", ed_sign(&body))]);
    let v = verifier().verify(&h, &body).await.unwrap();
    assert_eq!(v.signature, SignatureKind::Ed25519);
    assert_eq!(v.webhook_id.as_deref(), Some("wh-1"));
    assert!(v.timestamp.is_some());
    match &v.event {
        WebhookEvent::ContactCreate(c) => {
            assert_eq!(c.id.as_deref(), Some("contact-1"));
            assert_eq!(c.location_id.as_deref(), Some("loc-1"));
            assert_eq!(c.tags, Some(vec!["vip".to_owned()]));
            assert_eq!(c.custom_fields, Some(Vec::new()));
            assert_eq!(c.additional_properties["webhookId"], "wh-1");
        }
        other => panic!("{other:?}"),
    }
    // Debug never shows the payload.
    let dbg = format!("{v:?}");
    assert!(!dbg.contains("jane@example.com"), "{dbg}");
}

#[tokio::test]
async fn genuine_legacy_rsa_delivery_is_accepted_when_alone() {
    let body = contact_body("wh-rsa", -5);
    let h = headers(&[("x-wh-signature", rsa_sign(&body))]);
    let v = verifier().verify(&h, &body).await.unwrap();
    assert_eq!(v.signature, SignatureKind::LegacyRsa);
}

#[tokio::test]
async fn a_bad_ed25519_signature_does_not_fall_back_to_rsa() {
    let body = contact_body("wh-2", -5);
    let forged = b64(&ed25519_dalek::SigningKey::from_bytes(&[9u8; 32])
        .sign(&body)
        .to_bytes());
    let h = headers(&[
        ("x-ghl-signature", forged),
        ("x-wh-signature", rsa_sign(&body)),
    ]);
    let err = verifier().verify(&h, &body).await.unwrap_err();
    assert_eq!(
        err,
        WebhookError::BadSignature {
            header: "X-GHL-Signature"
        }
    );
}

#[tokio::test]
async fn forged_signature_is_rejected() {
    let body = contact_body("wh-3", -5);
    let forged = b64(&ed25519_dalek::SigningKey::from_bytes(&[9u8; 32])
        .sign(&body)
        .to_bytes());
    let err = verifier()
        .verify(&headers(&[("x-ghl-signature", forged)]), &body)
        .await
        .unwrap_err();
    assert!(matches!(err, WebhookError::BadSignature { .. }), "{err:?}");
    // The production verifier (HighLevel's key) rejects a body signed by anyone else.
    let err = WebhookVerifier::new()
        .verify(&headers(&[("x-ghl-signature", ed_sign(&body))]), &body)
        .await
        .unwrap_err();
    assert!(matches!(err, WebhookError::BadSignature { .. }), "{err:?}");
}

#[tokio::test]
async fn altered_body_is_rejected_for_both_schemes() {
    let body = contact_body("wh-4", -5);
    let mut altered = body.clone();
    let pos = altered.iter().position(|b| *b == b'J').unwrap();
    altered[pos] = b'K';
    let err = verifier()
        .verify(&headers(&[("x-ghl-signature", ed_sign(&body))]), &altered)
        .await
        .unwrap_err();
    assert!(matches!(err, WebhookError::BadSignature { .. }));
    let err = verifier()
        .verify(&headers(&[("x-wh-signature", rsa_sign(&body))]), &altered)
        .await
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
            .await
            .is_err()
    );
}

#[tokio::test]
async fn unsigned_and_malformed_are_rejected() {
    let body = contact_body("wh-5", -5);
    let err = verifier()
        .verify(&HeaderMap::new(), &body)
        .await
        .unwrap_err();
    assert_eq!(err, WebhookError::MissingSignature);
    let err = verifier()
        .verify(
            &headers(&[("x-ghl-signature", "not base64!".to_owned())]),
            &body,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, WebhookError::MalformedSignature { .. }));
    let err = verifier()
        .verify(&headers(&[("x-ghl-signature", b64(b"short"))]), &body)
        .await
        .unwrap_err();
    assert!(matches!(err, WebhookError::MalformedSignature { .. }));
    // Legacy header with no RSA key configured.
    let err = WebhookVerifier::new()
        .verify(&headers(&[("x-wh-signature", rsa_sign(&body))]), &body)
        .await
        .unwrap_err();
    assert_eq!(err, WebhookError::NoLegacyKey);
}

#[tokio::test]
async fn replayed_delivery_is_rejected() {
    let v = verifier();
    let body = contact_body("wh-6", -5);
    let h = headers(&[("x-ghl-signature", ed_sign(&body))]);
    v.verify(&h, &body).await.unwrap();
    let err = v.verify(&h, &body).await.unwrap_err();
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
    a.verify(&h, &body).await.unwrap();
    assert!(matches!(
        b.verify(&h, &body).await,
        Err(WebhookError::Duplicate { .. })
    ));
}

#[tokio::test]
async fn a_forged_delivery_does_not_poison_the_dedupe_store() {
    let v = verifier();
    let body = contact_body("wh-7", -5);
    let forged = b64(&ed25519_dalek::SigningKey::from_bytes(&[9u8; 32])
        .sign(&body)
        .to_bytes());
    assert!(
        v.verify(&headers(&[("x-ghl-signature", forged)]), &body)
            .await
            .is_err()
    );
    v.verify(&headers(&[("x-ghl-signature", ed_sign(&body))]), &body)
        .await
        .unwrap();
}

#[tokio::test]
async fn timestamps_outside_the_window_are_rejected() {
    let v = verifier().timestamp_window(Duration::from_secs(60), Duration::from_secs(10));
    let old = contact_body("wh-8", -600);
    let err = v
        .verify(&headers(&[("x-ghl-signature", ed_sign(&old))]), &old)
        .await
        .unwrap_err();
    assert!(
        matches!(err, WebhookError::StaleTimestamp { age_secs } if age_secs >= 599),
        "{err:?}"
    );
    let future = contact_body("wh-9", 600);
    let err = v
        .verify(&headers(&[("x-ghl-signature", ed_sign(&future))]), &future)
        .await
        .unwrap_err();
    assert!(
        matches!(err, WebhookError::StaleTimestamp { age_secs } if age_secs < 0),
        "{err:?}"
    );
}

#[tokio::test]
async fn missing_id_or_timestamp_can_be_required() {
    let body =
        serde_json::to_vec(&serde_json::json!({"type": "SurveySubmission", "id": "c1"})).unwrap();
    let h = headers(&[("x-ghl-signature", ed_sign(&body))]);
    // Accepted by default, as an unknown event holding the JSON.
    let ok = verifier().verify(&h, &body).await.unwrap();
    match ok.event {
        WebhookEvent::Unknown {
            event_type,
            payload,
        } => {
            assert_eq!(event_type.as_deref(), Some("SurveySubmission"));
            assert_eq!(payload["id"], "c1");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        verifier()
            .require_webhook_id(true)
            .verify(&h, &body)
            .await
            .unwrap_err(),
        WebhookError::MissingWebhookId
    );
    assert_eq!(
        verifier()
            .require_timestamp(true)
            .verify(&h, &body)
            .await
            .unwrap_err(),
        WebhookError::MissingTimestamp
    );
}

#[tokio::test]
async fn errors_never_contain_the_body() {
    let body = contact_body("wh-10", -5);
    let errs = [
        verifier()
            .verify(&HeaderMap::new(), &body)
            .await
            .unwrap_err(),
        verifier()
            .verify(&headers(&[("x-ghl-signature", ed_sign(b"other"))]), &body)
            .await
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
        .await
        .unwrap_err();
    assert!(matches!(e, WebhookError::InvalidBody { .. }));
    assert!(!format!("{e} {e:?}").contains("jane"));
}

#[tokio::test]
async fn published_key_is_the_default_and_keys_can_rotate() {
    let default = WebhookVerifier::new();
    assert!(format!("{default:?}").contains("ed25519_keys: 1"));
    // Adding a key keeps the published one.
    let rotated = WebhookVerifier::new()
        .add_ed25519_public_key(&ed_public_spki())
        .unwrap();
    let body = contact_body("wh-11", -5);
    rotated
        .verify(&headers(&[("x-ghl-signature", ed_sign(&body))]), &body)
        .await
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

// ---- Typed events (every page's own examples are tested in webhook_examples.rs) ----

/// Signs `value` with the test key.
fn signed(value: &serde_json::Value) -> (HeaderMap, Vec<u8>) {
    let body = serde_json::to_vec(value).unwrap();
    (headers(&[("x-ghl-signature", ed_sign(&body))]), body)
}

/// A genuine delivery of `value`, verified and parsed (outside any runtime: the
/// typed-event tests are synchronous).
fn deliver(value: serde_json::Value) -> WebhookEvent {
    let (h, body) = signed(&value);
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(verifier().verify(&h, &body))
        .unwrap()
        .event
}

fn appointment_payload(event_type: &str) -> serde_json::Value {
    json!({
        "type": event_type,
        "locationId": "0007BWpSzSwfiuSl0tR2",
        "appointment": {
            "id": "0007BWpSzSwfiuSl0tR2",
            "title": "Appointment with GHL Dev team",
            "calendarId": "BqTwX8QFwXzpegMve9EQ",
            "contactId": "9NkT25Vor1v4aQatFsv2",
            "appointmentStatus": "confirmed",
            "users": ["YlWd2wuCAZQzh2cH1fVZ", "9NkT25Vor1v4aQatFsv2"],
            "notes": "Some dummy note",
            "startTime": "2023-09-25T16:00:00+05:30"
        },
        "webhookId": format!("wh-{event_type}"),
        "timestamp": now_rfc3339_offset(-5)
    })
}

fn note_payload(event_type: &str) -> serde_json::Value {
    json!({
        "type": event_type,
        "locationId": "ve9EPM428h8vShlRW1KT",
        "id": "note-1",
        "body": "Called back, wants a quote",
        "contactId": "contact-1",
        "dateAdded": "2024-06-05T12:00:00.000Z"
    })
}

#[test]
fn each_event_type_is_its_own_variant_with_its_pages_fields() {
    for event_type in [
        "AppointmentCreate",
        "AppointmentUpdate",
        "AppointmentDelete",
    ] {
        let event = deliver(appointment_payload(event_type));
        assert_eq!(event.event_type(), Some(event_type));
        let payload = match &event {
            WebhookEvent::AppointmentCreate(e)
            | WebhookEvent::AppointmentUpdate(e)
            | WebhookEvent::AppointmentDelete(e) => e,
            other => panic!("{other:?}"),
        };
        let appointment = payload.appointment.as_ref().unwrap();
        assert_eq!(appointment.id.as_deref(), Some("0007BWpSzSwfiuSl0tR2"));
        assert_eq!(appointment.notes.as_deref(), Some("Some dummy note"));
        assert_eq!(
            appointment.users.as_deref(),
            Some(
                &[
                    "YlWd2wuCAZQzh2cH1fVZ".to_owned(),
                    "9NkT25Vor1v4aQatFsv2".to_owned()
                ][..]
            )
        );
        // The variant matches the type, not only the payload's shape.
        assert_eq!(
            matches!(event, WebhookEvent::AppointmentDelete(_)),
            event_type == "AppointmentDelete"
        );
    }
    match deliver(note_payload("NoteUpdate")) {
        WebhookEvent::NoteUpdate(note) => {
            assert_eq!(note.body.as_deref(), Some("Called back, wants a quote"))
        }
        other => panic!("{other:?}"),
    }
    match deliver(
        json!({"type": "OpportunityStatusUpdate", "id": "o1", "status": "won", "monetaryValue": 250}),
    ) {
        WebhookEvent::OpportunityStatusUpdate(opportunity) => {
            assert_eq!(opportunity.status.as_deref(), Some("won"));
            assert_eq!(opportunity.monetary_value, Some(250.0));
        }
        other => panic!("{other:?}"),
    }
    assert!(WebhookEvent::TYPES.contains(&"INSTALL"));
    assert!(WebhookEvent::TYPES.contains(&"LCEmailStats"));
    assert_eq!(WebhookEvent::TYPES.len(), 58);
}

#[test]
fn unknown_keys_and_misfit_values_are_kept_as_sent() {
    // Keys no page names, at the top and deeper down.
    let mut appointment = appointment_payload("AppointmentCreate");
    appointment["brandNewTopLevel"] = json!({"nested": [1, 2, 3]});
    appointment["appointment"]["meetingLocationType"] = json!("zoom");
    let event = deliver(appointment.clone());
    match &event {
        WebhookEvent::AppointmentCreate(e) => {
            assert_eq!(e.additional_properties["brandNewTopLevel"]["nested"][2], 3);
            assert_eq!(
                e.appointment.as_ref().unwrap().additional_properties["meetingLocationType"],
                "zoom"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(serde_json::to_value(&event).unwrap(), appointment);

    // A value of another type than the page says (an amount as a string, an object for a
    // number) and a null: the event is still typed, the field `None`, the value kept.
    let invoice = json!({
        "type": "InvoicePaid",
        "_id": "inv-1",
        "status": "paid",
        "amountPaid": "899.00",
        "total": {"value": 999},
        "amountDue": 0,
        "title": null
    });
    let event = deliver(invoice.clone());
    match &event {
        WebhookEvent::InvoicePaid(e) => {
            assert_eq!(e.status.as_deref(), Some("paid"));
            assert_eq!(e.amount_due, Some(0.0));
            assert_eq!(e.amount_paid, None);
            assert_eq!(e.total, None);
            assert_eq!(e.title, None);
            assert_eq!(e.additional_properties["amountPaid"], "899.00");
            assert_eq!(e.additional_properties["total"]["value"], 999);
            assert_eq!(e.additional_properties["title"], serde_json::Value::Null);
        }
        other => panic!("{other:?}"),
    }
    let mut back = serde_json::to_value(&event).unwrap();
    back["amountDue"] = json!(0);
    assert_eq!(back, invoice, "nothing is lost");
}

#[test]
fn types_no_page_describes_stay_unknown_with_their_payload() {
    // HighLevel publishes no page for form and survey submissions.
    let form = json!({
        "type": "FormSubmission",
        "formId": "YSWdvS4Is98wtIDGnpmI",
        "email": "jane@example.com",
        "others": {"budget": "5000"}
    });
    let event = deliver(form.clone());
    match &event {
        WebhookEvent::Unknown {
            event_type,
            payload,
        } => {
            assert_eq!(event_type.as_deref(), Some("FormSubmission"));
            assert_eq!(payload["others"]["budget"], "5000");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(serde_json::to_value(&event).unwrap(), form);
    assert!(!format!("{event:?}").contains("jane@example.com"));
    assert!(matches!(
        deliver(json!({"id": "no-type"})),
        WebhookEvent::Unknown {
            event_type: None,
            ..
        }
    ));
    // Event types are case-sensitive: `install` is not `INSTALL`.
    assert!(matches!(
        deliver(json!({"type": "install", "locationId": "l"})),
        WebhookEvent::Unknown { .. }
    ));
}

// ---- INSTALL / UNINSTALL ----

fn install_location() -> serde_json::Value {
    json!({
        "type": "INSTALL",
        "appId": "ve9EPM428h8vShlRW1KT",
        "locationId": "loc-installed",
        "companyId": "company-1",
        "userId": "user-1",
        "installType": "Location",
        "planId": "66a0419a0dffa47fb5f8b22f",
        "trial": {"onTrial": true, "trialDuration": 10, "trialStartDate": "2024-07-23T23:54:51.264Z"},
        "isWhitelabelCompany": true,
        "whitelabelDetails": {"domain": "example.com", "logoUrl": "https://example.com/logo.png"},
        "companyName": "Example Company",
        "webhookId": "wh-install",
        "timestamp": now_rfc3339_offset(-5)
    })
}

fn uninstall_location() -> serde_json::Value {
    json!({
        "type": "UNINSTALL",
        "appId": "ve9EPM428h8vShlRW1KT",
        "locationId": "loc-gone",
        "webhookId": "wh-uninstall-loc",
        "timestamp": now_rfc3339_offset(-5)
    })
}

fn uninstall_company() -> serde_json::Value {
    json!({
        "type": "UNINSTALL",
        "appId": "ve9EPM428h8vShlRW1KT",
        "companyId": "company-gone",
        "webhookId": "wh-uninstall-company",
        "timestamp": now_rfc3339_offset(-5)
    })
}

#[test]
fn install_events_are_typed_and_name_their_target() {
    match deliver(install_location()) {
        WebhookEvent::AppInstall(e) => {
            assert_eq!(e.app_id.as_deref(), Some("ve9EPM428h8vShlRW1KT"));
            assert_eq!(e.location_id.as_deref(), Some("loc-installed"));
            assert_eq!(e.company_id.as_deref(), Some("company-1"));
            assert_eq!(e.user_id.as_deref(), Some("user-1"));
            assert_eq!(e.additional_properties["installType"], "Location");
            assert_eq!(e.company_name.as_deref(), Some("Example Company"));
            assert_eq!(e.plan_id.as_deref(), Some("66a0419a0dffa47fb5f8b22f"));
            assert_eq!(e.is_whitelabel_company, Some(true));
            assert_eq!(e.trial.as_ref().unwrap().trial_duration, Some(10.0));
            assert_eq!(
                e.whitelabel_details.as_ref().unwrap().domain.as_deref(),
                Some("example.com")
            );
            assert_eq!(e.target(), Some(InstallTarget::Location("loc-installed")));
        }
        other => panic!("{other:?}"),
    }
    // Agency install: only a company id.
    let agency = deliver(json!({
        "type": "INSTALL",
        "appId": "app-1",
        "companyId": "company-1",
        "installType": "Company",
        "planId": "plan-1"
    }));
    assert!(
        matches!(&agency, WebhookEvent::AppInstall(e) if e.target() == Some(InstallTarget::Company("company-1")))
    );
    // installType Company wins over a location id.
    let both = deliver(json!({
        "type": "INSTALL", "companyId": "company-2", "locationId": "loc-2", "installType": "Company"
    }));
    assert!(
        matches!(&both, WebhookEvent::AppInstall(e) if e.target() == Some(InstallTarget::Company("company-2")))
    );
    match deliver(uninstall_location()) {
        WebhookEvent::AppUninstall(e) => {
            assert_eq!(e.target(), Some(InstallTarget::Location("loc-gone")));
            assert_eq!(e.company_id, None);
        }
        other => panic!("{other:?}"),
    }
    assert!(
        matches!(deliver(uninstall_company()), WebhookEvent::AppUninstall(e) if e.target() == Some(InstallTarget::Company("company-gone")))
    );
    // A field of an unexpected type does not demote an UNINSTALL to Unknown: it is kept
    // as sent, and the ids are still read.
    match deliver(json!({
        "type": "UNINSTALL", "locationId": "loc-3", "companyId": 42, "isWhitelabelCompany": "yes"
    })) {
        WebhookEvent::AppUninstall(e) => {
            assert_eq!(e.location_id.as_deref(), Some("loc-3"));
            assert_eq!(e.company_id, None);
            assert_eq!(e.additional_properties["companyId"], 42);
            assert_eq!(e.additional_properties["isWhitelabelCompany"], "yes");
            assert_eq!(e.target(), Some(InstallTarget::Location("loc-3")));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        deliver(json!({"type": "UNINSTALL"})).event_type(),
        Some("UNINSTALL")
    );
}

#[derive(Debug, Clone, PartialEq)]
struct HookCall {
    kind: &'static str,
    app_id: Option<String>,
    location_id: Option<String>,
    company_id: Option<String>,
    target: String,
}

/// An install hook that records its calls, failing once when asked to.
#[derive(Default)]
struct RecordingHook {
    calls: Mutex<Vec<HookCall>>,
    fail_next: AtomicBool,
}

impl RecordingHook {
    fn record(&self, call: HookCall) -> ghl_runtime::Result<()> {
        self.calls.lock().unwrap().push(call);
        if self.fail_next.swap(false, Ordering::SeqCst) {
            return Err(ghl_runtime::Error::TokenStore {
                message: "cannot delete the tokens".to_owned(),
                source: Box::new(std::io::Error::other("database unavailable")),
            });
        }
        Ok(())
    }

    fn calls(&self) -> Vec<HookCall> {
        self.calls.lock().unwrap().clone()
    }
}

impl InstallHook for RecordingHook {
    async fn on_install(&self, e: &AppInstall) -> ghl_runtime::Result<()> {
        self.record(HookCall {
            kind: "install",
            app_id: e.app_id.clone(),
            location_id: e.location_id.clone(),
            company_id: e.company_id.clone(),
            target: format!("{:?}", e.target()),
        })
    }

    async fn on_uninstall(&self, e: &AppUninstall) -> ghl_runtime::Result<()> {
        self.record(HookCall {
            kind: "uninstall",
            app_id: e.app_id.clone(),
            location_id: e.location_id.clone(),
            company_id: e.company_id.clone(),
            target: format!("{:?}", e.target()),
        })
    }
}

#[tokio::test]
async fn install_hook_runs_once_for_install_and_uninstall_only() {
    let v = verifier();
    let hook = RecordingHook::default();

    let (h, body) = signed(&install_location());
    let delivery = v.verify_with_hook(&h, &body, &hook).await.unwrap();
    assert!(matches!(delivery.event, WebhookEvent::AppInstall(_)));
    assert_eq!(
        hook.calls(),
        vec![HookCall {
            kind: "install",
            app_id: Some("ve9EPM428h8vShlRW1KT".to_owned()),
            location_id: Some("loc-installed".to_owned()),
            company_id: Some("company-1".to_owned()),
            target: "Some(Location(\"loc-installed\"))".to_owned(),
        }]
    );

    let (h, body) = signed(&uninstall_location());
    let delivery = v.verify_with_hook(&h, &body, &hook).await.unwrap();
    assert!(matches!(delivery.event, WebhookEvent::AppUninstall(_)));
    let (h, body) = signed(&uninstall_company());
    v.verify_with_hook(&h, &body, &hook).await.unwrap();
    let calls = hook.calls();
    assert_eq!(calls.len(), 3);
    assert_eq!(calls[1].kind, "uninstall");
    assert_eq!(calls[1].location_id.as_deref(), Some("loc-gone"));
    assert_eq!(calls[1].target, "Some(Location(\"loc-gone\"))");
    assert_eq!(calls[2].kind, "uninstall");
    assert_eq!(calls[2].location_id, None);
    assert_eq!(calls[2].company_id.as_deref(), Some("company-gone"));
    assert_eq!(calls[2].target, "Some(Company(\"company-gone\"))");

    // Other events pass through without calling the hook.
    for other in [
        serde_json::from_slice::<serde_json::Value>(&contact_body("wh-hook-contact", -5)).unwrap(),
        note_payload("NoteCreate"),
        json!({"type": "CampaignStatusUpdate", "id": "c1"}),
        json!({"type": "install", "locationId": "lower-case-is-not-install"}),
    ] {
        let (h, body) = signed(&other);
        let delivery = v.verify_with_hook(&h, &body, &hook).await.unwrap();
        assert!(!matches!(
            delivery.event,
            WebhookEvent::AppInstall(_) | WebhookEvent::AppUninstall(_)
        ));
    }
    assert_eq!(hook.calls().len(), 3);

    // The `_parts` form behaves the same.
    let mut again = install_location();
    again["webhookId"] = json!("wh-install-parts");
    let (_, body) = signed(&again);
    v.verify_parts_with_hook(Some(&ed_sign(&body)), None, &body, &hook)
        .await
        .unwrap();
    assert_eq!(hook.calls().len(), 4);
    assert_eq!(hook.calls()[3].kind, "install");
}

#[tokio::test]
async fn install_hook_is_not_called_for_rejected_deliveries() {
    let v = verifier().timestamp_window(Duration::from_secs(60), Duration::from_secs(10));
    let hook = RecordingHook::default();
    let body = serde_json::to_vec(&uninstall_location()).unwrap();

    // Forged.
    let forged = b64(&ed25519_dalek::SigningKey::from_bytes(&[9u8; 32])
        .sign(&body)
        .to_bytes());
    let err = v
        .verify_with_hook(&headers(&[("x-ghl-signature", forged)]), &body, &hook)
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        VerifyWithHookError::Rejected(WebhookError::BadSignature { .. })
    ));
    // Unsigned.
    let err = v
        .verify_with_hook(&HeaderMap::new(), &body, &hook)
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        VerifyWithHookError::Rejected(WebhookError::MissingSignature)
    ));
    // Altered after signing.
    let altered = String::from_utf8(body.clone())
        .unwrap()
        .replace("loc-gone", "loc-else")
        .into_bytes();
    let err = v
        .verify_with_hook(
            &headers(&[("x-ghl-signature", ed_sign(&body))]),
            &altered,
            &hook,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, VerifyWithHookError::Rejected(_)));
    // Stale.
    let mut old = uninstall_location();
    old["timestamp"] = json!(now_rfc3339_offset(-600));
    old["webhookId"] = json!("wh-old");
    let (h, old_body) = signed(&old);
    let err = v.verify_with_hook(&h, &old_body, &hook).await.unwrap_err();
    assert!(matches!(
        err,
        VerifyWithHookError::Rejected(WebhookError::StaleTimestamp { .. })
    ));
    assert!(hook.calls().is_empty());

    // The genuine delivery runs the hook once; its replay is rejected without a call.
    let h = headers(&[("x-ghl-signature", ed_sign(&body))]);
    v.verify_with_hook(&h, &body, &hook).await.unwrap();
    let err = v.verify_with_hook(&h, &body, &hook).await.unwrap_err();
    assert!(matches!(
        err,
        VerifyWithHookError::Rejected(WebhookError::Duplicate { .. })
    ));
    assert_eq!(hook.calls().len(), 1);
    assert!(err.to_string().contains("already processed"), "{err}");
}

#[tokio::test]
async fn a_failing_install_hook_lets_the_redelivery_through() {
    let v = verifier();
    let hook = RecordingHook::default();
    hook.fail_next.store(true, Ordering::SeqCst);
    let (h, body) = signed(&uninstall_location());

    let err = v.verify_with_hook(&h, &body, &hook).await.unwrap_err();
    match &err {
        VerifyWithHookError::Hook { delivery, source } => {
            assert_eq!(delivery.webhook_id.as_deref(), Some("wh-uninstall-loc"));
            assert!(matches!(delivery.event, WebhookEvent::AppUninstall(_)));
            assert!(matches!(
                source.as_ref(),
                ghl_runtime::Error::TokenStore { .. }
            ));
        }
        other => panic!("{other:?}"),
    }
    let text = format!("{err} {err:?}");
    assert!(text.contains("UNINSTALL"), "{text}");
    assert!(!text.contains("loc-gone"), "{text}");
    assert!(std::error::Error::source(&err).is_some());

    // HighLevel's redelivery (same webhookId) is accepted and runs the hook again.
    v.verify_with_hook(&h, &body, &hook).await.unwrap();
    assert_eq!(hook.calls().len(), 2);
    // After a success, the id is remembered again.
    assert!(matches!(
        v.verify_with_hook(&h, &body, &hook).await,
        Err(VerifyWithHookError::Rejected(
            WebhookError::Duplicate { .. }
        ))
    ));
    assert_eq!(hook.calls().len(), 2);
}

/// HighLevel signs every app's deliveries with the same key: with `app_id` set, another
/// app's install events (or one naming no app) reach the caller but not the hook.
#[tokio::test]
async fn install_hook_sees_only_this_apps_events() {
    // Given as the client id (`{appId}-{suffix}`) or as the app id: the same app.
    for id in ["ve9EPM428h8vShlRW1KT-lx4k2m1p", "ve9EPM428h8vShlRW1KT"] {
        let v = verifier().app_id(id);
        let hook = RecordingHook::default();
        let mut other_app = uninstall_location();
        other_app["appId"] = json!("some0ther4pp");
        other_app["webhookId"] = json!(format!("wh-other-{id}"));
        let mut no_app = uninstall_company();
        no_app.as_object_mut().unwrap().remove("appId");
        no_app["webhookId"] = json!(format!("wh-none-{id}"));
        for event in [other_app, no_app] {
            let (h, body) = signed(&event);
            let delivery = v.verify_with_hook(&h, &body, &hook).await.unwrap();
            assert!(matches!(delivery.event, WebhookEvent::AppUninstall(_)));
        }
        assert!(hook.calls().is_empty());
        let (h, body) = signed(&uninstall_location());
        v.verify_with_hook(&h, &body, &hook).await.unwrap();
        assert_eq!(hook.calls().len(), 1);
        assert_eq!(hook.calls()[0].location_id.as_deref(), Some("loc-gone"));
    }
    let (h, body) = signed(&install_location());
    let install = match verifier().verify(&h, &body).await.unwrap().event {
        WebhookEvent::AppInstall(e) => e,
        other => panic!("{other:?}"),
    };
    assert!(install.is_for_app("ve9EPM428h8vShlRW1KT"));
    assert!(install.is_for_app("ve9EPM428h8vShlRW1KT-lx4k2m1p"));
    assert!(!install.is_for_app("ve9EPM428h8vShlRW1K"));
    assert!(!install.is_for_app(""));
}

/// Each rejection says which status to answer: 200 for a duplicate (anything else makes
/// HighLevel deliver it again), 401 for forgeries and replays, 500 for a failed hook.
#[tokio::test]
async fn rejections_name_the_status_to_answer() {
    use ghl_runtime::webhooks::StatusCode;
    let v = verifier().timestamp_window(Duration::from_secs(60), Duration::from_secs(10));
    let body = contact_body("wh-status", -5);
    let h = headers(&[("x-ghl-signature", ed_sign(&body))]);
    v.verify(&h, &body).await.unwrap();
    let duplicate = v.verify(&h, &body).await.unwrap_err();
    assert_eq!(duplicate.status(), StatusCode::OK);
    assert_eq!(
        VerifyWithHookError::Rejected(duplicate).status(),
        StatusCode::OK
    );
    let forged = b64(&ed25519_dalek::SigningKey::from_bytes(&[9u8; 32])
        .sign(&body)
        .to_bytes());
    let cases: Vec<(Result<_, WebhookError>, StatusCode)> = vec![
        (
            v.verify(&HeaderMap::new(), &body).await,
            StatusCode::UNAUTHORIZED,
        ),
        (
            v.verify(&headers(&[("x-ghl-signature", forged)]), &body)
                .await,
            StatusCode::UNAUTHORIZED,
        ),
        (
            v.verify(&headers(&[("x-ghl-signature", "abc".to_owned())]), &body)
                .await,
            StatusCode::UNAUTHORIZED,
        ),
        (
            v.verify(
                &headers(&[("x-ghl-signature", ed_sign(&contact_body("wh-old", -600)))]),
                &contact_body("wh-old", -600),
            )
            .await,
            StatusCode::UNAUTHORIZED,
        ),
        (
            v.verify(&headers(&[("x-ghl-signature", ed_sign(b"[1]"))]), b"[1]")
                .await,
            StatusCode::BAD_REQUEST,
        ),
        (
            WebhookVerifier::new()
                .require_webhook_id(true)
                .ed25519_public_key(&ed_public_spki())
                .unwrap()
                .verify(&headers(&[("x-ghl-signature", ed_sign(b"{}"))]), b"{}")
                .await,
            StatusCode::UNAUTHORIZED,
        ),
    ];
    for (result, status) in cases {
        let err = result.unwrap_err();
        assert_eq!(err.status(), status, "{err}");
    }
    let bad_key = WebhookVerifier::new().ed25519_public_key("zz").unwrap_err();
    assert_eq!(bad_key.status(), StatusCode::INTERNAL_SERVER_ERROR);

    let hook = RecordingHook::default();
    hook.fail_next.store(true, Ordering::SeqCst);
    let (h, body) = signed(&uninstall_location());
    let failed = v.verify_with_hook(&h, &body, &hook).await.unwrap_err();
    assert_eq!(failed.status(), StatusCode::INTERNAL_SERVER_ERROR);
}

/// Keys given as hex, as the official SDKs accept them, beside PEM and base64.
#[tokio::test]
async fn ed25519_keys_in_hex_are_accepted() {
    let raw = ed_key().verifying_key().to_bytes();
    let hex: String = raw.iter().map(|b| format!("{b:02x}")).collect();
    let body = contact_body("wh-hex", -5);
    let h = headers(&[("x-ghl-signature", ed_sign(&body))]);
    for key in [hex.clone(), hex.to_uppercase(), format!("  {hex}\n")] {
        let v = WebhookVerifier::new().ed25519_public_key(&key).unwrap();
        assert!(
            v.verify_signature(
                h.get("x-ghl-signature").and_then(|v| v.to_str().ok()),
                None,
                &body
            )
            .is_ok()
        );
    }
    // The SPKI DER in hex (88 digits) too.
    let spki = base64::engine::general_purpose::STANDARD
        .decode(ed_public_spki())
        .unwrap();
    let spki_hex: String = spki.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(spki_hex.len(), 88);
    WebhookVerifier::new()
        .ed25519_public_key(&spki_hex)
        .unwrap()
        .verify(&h, &body)
        .await
        .unwrap();
    // HighLevel's published key, in hex.
    let published =
        ghl_runtime::webhooks::parse_ed25519_public_key(HIGHLEVEL_ED25519_PUBLIC_KEY).unwrap();
    let published_hex: String = published
        .as_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        ghl_runtime::webhooks::parse_ed25519_public_key(&published_hex).unwrap(),
        published
    );
    // 63 digits, or a non-hex digit: refused with a reason.
    for bad in [&hex[1..], &format!("{}g", &hex[1..])] {
        let err = WebhookVerifier::new().ed25519_public_key(bad).unwrap_err();
        assert!(matches!(err, WebhookError::InvalidKey { .. }), "{err}");
    }
}

/// `handle` runs the handler once per delivery, answers a duplicate with 200, and
/// releases a delivery whose handler failed so that the redelivery runs it again.
#[tokio::test]
async fn handle_runs_once_and_again_after_a_failure() {
    use ghl_runtime::webhooks::{Handled, StatusCode};
    use std::sync::atomic::AtomicUsize;
    let v = verifier();
    let runs = AtomicUsize::new(0);
    let handler = |fail: bool| {
        let runs = &runs;
        move |delivery: ghl_runtime::webhooks::VerifiedWebhook| async move {
            runs.fetch_add(1, Ordering::SeqCst);
            assert!(matches!(delivery.event, WebhookEvent::ContactCreate(_)));
            if fail { Err("database down") } else { Ok(()) }
        }
    };
    let body = contact_body("wh-handle", -5);
    let h = headers(&[("x-ghl-signature", ed_sign(&body))]);

    let failed = v.handle(&h, &body, handler(true)).await;
    assert!(matches!(failed, Handled::Failed("database down")));
    assert_eq!(failed.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        failed.reason().unwrap(),
        "the webhook handler failed: database down"
    );
    let done = v.handle(&h, &body, handler(false)).await;
    assert!(done.is_done());
    assert_eq!(done.status(), StatusCode::OK);
    assert_eq!(done.reason(), None);
    let duplicate = v.handle(&h, &body, handler(false)).await;
    assert!(matches!(
        duplicate,
        Handled::Rejected(WebhookError::Duplicate { .. })
    ));
    assert_eq!(duplicate.status(), StatusCode::OK);
    assert_eq!(runs.load(Ordering::SeqCst), 2);

    let forged = headers(&[("x-ghl-signature", ed_sign(b"{}"))]);
    let rejected = v.handle(&forged, &body, handler(false)).await;
    assert_eq!(rejected.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

/// A dedupe store that cannot answer (Redis down) refuses the delivery with a 500, so that
/// HighLevel sends it again later, rather than handling it without knowing whether it was.
#[tokio::test]
async fn a_failing_dedupe_store_refuses_with_500() {
    use ghl_runtime::webhooks::{DedupeFuture, DedupeStore, StatusCode};
    struct Down;
    impl DedupeStore for Down {
        fn claim<'a>(&'a self, _: &'a str, _: Duration) -> DedupeFuture<'a, bool> {
            Box::pin(async {
                Err(WebhookError::DedupeStore {
                    reason: "redis: connection refused".to_owned(),
                })
            })
        }
        fn release<'a>(&'a self, _: &'a str) -> DedupeFuture<'a, ()> {
            Box::pin(async { Ok(()) })
        }
    }
    let v = verifier().dedupe_store(Arc::new(Down));
    let body = contact_body("wh-down", -5);
    let h = headers(&[("x-ghl-signature", ed_sign(&body))]);
    let handled = v
        .handle(&h, &body, |_| async { Ok::<(), String>(()) })
        .await;
    assert_eq!(handled.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let text = handled.reason().unwrap();
    assert!(
        text.contains("connection refused") && text.contains("5xx"),
        "{text}"
    );
}
