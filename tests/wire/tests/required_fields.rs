//! Spec-required request fields the live API does not need (api-deviations.md, "Found since the
//! first release": `POST /conversations/messages` without `subType` and `status`), found as a
//! class across the specs: a field required although it only applies to one value of a sibling
//! enum. Each body below leaves those fields out and goes out exactly as written.

mod common;

use common::*;
use ghl_emails::EmailsClient;
use ghl_emails::types::{SaveBuilderDataDto, SaveBuilderDataDtoEditorType};
use ghl_invoices::InvoicesClient;
use ghl_invoices::types::{AltType, RecordPaymentDto, RecordPaymentDtoMode};
use serde_json::json;

const LOCATION: &str = "ve9EPM428h8vShlRW1KT";

/// `card` and `cheque` are the details of the modes of the same names: a cash payment has
/// neither.
#[tokio::test]
async fn a_cash_payment_is_recorded_without_card_or_cheque_details() {
    let server = server_answering(200, json!({ "success": true, "invoice": {} })).await;
    let body = RecordPaymentDto::builder()
        .alt_id(LOCATION)
        .alt_type(AltType::Location)
        .mode(RecordPaymentDtoMode::Cash)
        .notes("Paid at the front desk")
        .build()
        .amount(120.0);
    let _ = InvoicesClient::new(client(&server))
        .record_invoice("inv1", body)
        .send()
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
    let body = SaveBuilderDataDto::builder()
        .location_id(LOCATION)
        .template_id("tpl1")
        .updated_by("user1")
        .editor_type(SaveBuilderDataDtoEditorType::Html)
        .build()
        .html("<p>Hello</p>");
    let _ = EmailsClient::new(client(&server))
        .update_template(body)
        .send()
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
