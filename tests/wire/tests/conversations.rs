//! `ghl-conversations` on the wire: "Response and request shapes that differ from the specs"
//! of `shared/docs/api-deviations.md` (encoded in `overrides/conversations.yaml`), and the
//! `2021-04-15` Version every conversations operation needs ("Everywhere").

mod common;

use common::*;
use ghl_conversations::ConversationsClient;
use ghl_conversations::types::{GetMessagesType, SendMessageBodyDto};
use serde_json::json;

const CONVERSATION: &str = "tDtDnQdgm2LXpyiqYvZ6";

fn message(id: &str, direction: &str) -> serde_json::Value {
    json!({
        "id": id,
        "type": 2,
        "messageType": "TYPE_SMS",
        "locationId": "ve9EPM428h8vShlRW1KT",
        "contactId": "mTkSCb1UBjb5tk4OvB69",
        "conversationId": CONVERSATION,
        "dateAdded": "2024-03-01T10:00:00.000Z",
        "body": "See you at 5",
        "direction": direction,
        "status": "delivered",
        "contentType": "text/plain",
        "attachments": [],
        "source": "app",
        "userId": "082goXVW3lIExEQPOnd3"
    })
}

/// Deviation: "`GET /conversations/{conversationId}/messages`: the list is nested one level
/// deeper than the spec says, under `messages: {lastMessageId, nextPage, messages: [...]}`."
#[tokio::test]
async fn messages_come_nested_under_messages_messages() {
    let server = server_answering(
        200,
        json!({
            "messages": {
                "lastMessageId": "m2",
                "nextPage": true,
                "messages": [message("m1", "inbound"), message("m2", "outbound")]
            },
            "traceId": "1d3c5b7a-0000-4000-8000-123456789abc"
        }),
    )
    .await;
    let page = ConversationsClient::new(client(&server))
        .get_messages(CONVERSATION)
        .last_message_id("m0")
        .limit(20)
        .type_(GetMessagesType::TypeSms)
        .send()
        .await
        .unwrap();
    let req = only_request(&server).await;
    assert_call(
        &req,
        "GET",
        &format!("/conversations/{CONVERSATION}/messages"),
        "lastMessageId=m0&limit=20&type=TYPE_SMS",
        "2021-04-15",
    );
    assert_no_body(&req);
    assert_eq!(
        page.trace_id.as_deref(),
        Some("1d3c5b7a-0000-4000-8000-123456789abc")
    );
    let inner = page.messages;
    assert_eq!(inner.last_message_id, "m2");
    assert!(inner.next_page);
    assert_eq!(inner.messages.len(), 2);
    assert_eq!(inner.messages[0].id, "m1");
    assert_eq!(inner.messages[1].body.as_deref(), Some("See you at 5"));
}

/// The flat shape the spec declares (`{lastMessageId, nextPage, messages: [...]}` at the top)
/// is not what the server sends; the client says so with a decode error instead of returning
/// an empty page.
#[tokio::test]
async fn the_flat_spec_shape_is_refused_with_a_decode_error() {
    let server = server_answering(
        200,
        json!({ "lastMessageId": "m1", "nextPage": false, "messages": [message("m1", "inbound")] }),
    )
    .await;
    let err = ConversationsClient::new(client(&server))
        .get_messages(CONVERSATION)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, ghl_runtime::Error::Decode { .. }),
        "expected Decode, got {err:?}"
    );
}

// --- Round two: sending a message, and the Version of the email routes -----------------------

/// Deviation: `POST /conversations/messages` takes `{"type": "SMS", "contactId": ..., "message":
/// ...}`; no working example sends `subType` or `status` (the spec marks both required), so a
/// body without them is a complete value and goes out exactly as written.
#[tokio::test]
async fn an_sms_is_sent_with_type_contact_and_message_only() {
    let server = server_answering(
        201,
        json!({ "conversationId": CONVERSATION, "messageId": "m9", "msg": "Message queued successfully.", "status": "pending" }),
    )
    .await;
    let sent =
        json!({ "type": "SMS", "contactId": "mTkSCb1UBjb5tk4OvB69", "message": "See you at 5" });
    let body: SendMessageBodyDto = serde_json::from_value(sent.clone()).unwrap();
    // Optional in the type: nobody has to invent them.
    let (sub_type, status): (Option<String>, Option<_>) =
        (body.sub_type.clone(), body.status.clone());
    assert_eq!((sub_type, status), (None, None));
    let answer = ConversationsClient::new(client(&server))
        .send_a_new_message(body)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.message_id, "m9");
    let req = only_request(&server).await;
    assert_call(&req, "POST", "/conversations/messages", "", "2021-04-15");
    assert_json_body(&req, &sent);
}

/// Deviation: an email adds `subject` and `html`; still no `subType` or `status`.
#[tokio::test]
async fn an_email_adds_subject_and_html() {
    let server = server_answering(
        201,
        json!({ "conversationId": CONVERSATION, "messageId": "m10" }),
    )
    .await;
    let sent = json!({
        "type": "Email",
        "contactId": "mTkSCb1UBjb5tk4OvB69",
        "subject": "Your appointment",
        "html": "<p>See you at 5</p>"
    });
    let body: SendMessageBodyDto = serde_json::from_value(sent.clone()).unwrap();
    let _ = ConversationsClient::new(client(&server))
        .send_a_new_message(body)
        .send()
        .await;
    let req = only_request(&server).await;
    assert_call(&req, "POST", "/conversations/messages", "", "2021-04-15");
    assert_json_body(&req, &sent);
}

/// Deviation: every `/conversations/*` route takes `Version: 2021-04-15`, the two email-message
/// routes included (their spec declares none, and the default is 2021-07-28).
#[tokio::test]
async fn the_email_message_routes_send_2021_04_15() {
    let server = server_answering(200, json!({})).await;
    let api = ConversationsClient::new(client(&server));
    let _ = api.get_email_by_id("em1").send().await;
    let _ = api.cancel_scheduled_email_message("em2").send().await;
    let all = received(&server).await;
    assert_eq!(all.len(), 2);
    assert_call(
        &all[0],
        "GET",
        "/conversations/messages/email/em1",
        "",
        "2021-04-15",
    );
    assert_call(
        &all[1],
        "DELETE",
        "/conversations/messages/email/em2/schedule",
        "",
        "2021-04-15",
    );
}
