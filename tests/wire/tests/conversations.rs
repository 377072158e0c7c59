//! `ghl-conversations` on the wire: "Response and request shapes that differ from the specs"
//! of `shared/docs/api-deviations.md` (encoded in `overrides/conversations.yaml`), and the
//! `2021-04-15` Version every conversations operation needs ("Everywhere").

mod common;

use common::*;
use ghl_conversations::types::GetMessagesType;
use ghl_conversations::{ConversationsClient, GetMessagesParams};
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
        .get_messages(
            CONVERSATION,
            &GetMessagesParams {
                last_message_id: Some("m0".to_owned()),
                limit: Some(20),
                type_: Some(GetMessagesType::TypeSms),
            },
        )
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
        .get_messages(CONVERSATION, &GetMessagesParams::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, ghl_runtime::Error::Decode { .. }),
        "expected Decode, got {err:?}"
    );
}
