//! Spec-required request fields the live API does not need (api-deviations.md, "Found since the
//! first release": `POST /conversations/messages` without `subType` and `status`), found as a
//! class across the specs: a field required although it only applies to one value of a sibling
//! enum. Each body below leaves those fields out and goes out exactly as written.

mod common;

use common::*;
use ghl_emails::EmailsClient;
use ghl_emails::types::{SaveBuilderDataDto, SaveBuilderDataDtoEditorType};
use ghl_invoices::InvoicesClient;
use ghl_invoices::types::{RecordPaymentDto, AltType, RecordPaymentDtoMode};
use serde_json::json;

const LOCATION: &str = "ve9EPM428h8vShlRW1KT";

/// `card` and `cheque` are the details of the modes of the same names: a cash payment has
/// neither.
#[tokio::test]
async fn a_cash_payment_is_recorded_without_card_or_cheque_details() {
    let server = server_answering(200, json!({ "success": true, "invoice": {} })).await;
    let body = RecordPaymentDto {
        alt_id: LOCATION.to_owned(),
        alt_type: AltType::Location,
        mode: RecordPaymentDtoMode::Cash,
        card: None,
        cheque: None,
        notes: "Paid at the front desk".to_owned(),
        amount: Some(120.0),
        meta: None,
        payment_schedule_ids: None,
        fulfilled_at: None,
    };
    let _ = InvoicesClient::new(client(&server))
        .record_invoice("inv1", &body)
        .await;
    let req = only_request(&server).await;
    assert_call(
        &req,
        "POST",
        "/invoices/inv1/record-payment",
        "",
        "2021-07-28",
    );
    assert_json_body(
        &req,
        &json!({
            "altId": LOCATION,
            "altType": "location",
            "mode": "cash",
            "notes": "Paid at the front desk",
            "amount": 120.0
        }),
    );
}

/// `html` is the content of the `html` editor and `dnd` the document of the `builder` one: an
/// html template is saved without a drag-and-drop document.
#[tokio::test]
async fn an_html_template_is_saved_without_a_builder_document() {
    let server = server_answering(200, json!({ "ok": true })).await;
    let body = SaveBuilderDataDto {
        location_id: LOCATION.to_owned(),
        template_id: "tpl1".to_owned(),
        updated_by: "user1".to_owned(),
        dnd: None,
        html: Some("<p>Hello</p>".to_owned()),
        editor_type: SaveBuilderDataDtoEditorType::Html,
        preview_text: None,
        is_plain_text: None,
    };
    let _ = EmailsClient::new(client(&server))
        .update_template(&body)
        .await;
    let req = only_request(&server).await;
    assert_call(&req, "POST", "/emails/builder/data", "", "2021-07-28");
    assert_json_body(
        &req,
        &json!({
            "locationId": LOCATION,
            "templateId": "tpl1",
            "updatedBy": "user1",
            "html": "<p>Hello</p>",
            "editorType": "html"
        }),
    );
}
