//! `ghl-opportunities` on the wire: "`UpsertOpportunityDto.monetaryValue` (and the opportunity
//! create/update bodies) is a number, although the spec declares an object"
//! (`shared/docs/api-deviations.md`, encoded in `overrides/opportunities.yaml`).

mod common;

use common::*;
use ghl_opportunities::OpportunitiesClient;
use ghl_opportunities::types::{
    CreateOpportunityDto, Status, UpdateOpportunityDto, UpsertOpportunityDto,
    UpsertOpportunityDtoFollowersActionType,
};
use serde_json::json;

const LOCATION: &str = "ve9EPM428h8vShlRW1KT";
const PIPELINE: &str = "VDm7RPYC2GLUvdpKmBfC";
const OPPORTUNITY: &str = "yWQobCRIhRguQtD2llvk";

fn api(server: &wiremock::MockServer) -> OpportunitiesClient {
    OpportunitiesClient::new(client(server))
}

fn opportunity(monetary_value: serde_json::Value) -> serde_json::Value {
    json!({
        "id": OPPORTUNITY,
        "name": "First Opps",
        "monetaryValue": monetary_value,
        "pipelineId": PIPELINE,
        "pipelineStageId": "7915dedc-8f18-44d5-8bc3-77c04e994a10",
        "assignedTo": "082goXVW3lIExEQPOnd3",
        "status": "open",
        "source": "api",
        "contactId": "mTkSCb1UBjb5tk4OvB69",
        "locationId": LOCATION,
        "createdAt": "2024-03-01T10:00:00.000Z",
        "updatedAt": "2024-03-02T10:00:00.000Z"
    })
}

/// The upsert body carries `monetaryValue` as a JSON number (the spec's `type: object` would
/// have made callers build a JSON object).
#[tokio::test]
async fn upsert_sends_monetary_value_as_a_number() {
    let server = server_answering(
        200,
        json!({ "opportunity": opportunity(json!(220.5)), "new": true }),
    )
    .await;
    let answer = api(&server)
        .upsert_opportunity(
            UpsertOpportunityDto::builder()
                .pipeline_id(PIPELINE)
                .location_id(LOCATION)
                .followers(vec![])
                .is_remove_all_followers(false)
                .followers_action_type(UpsertOpportunityDtoFollowersActionType::Add)
                .build()
                .name("First Opps")
                .status(Status::Open)
                .monetary_value(220.5),
        )
        .send()
        .await
        .unwrap();
    assert!(answer.new);
    assert_eq!(answer.opportunity["monetaryValue"], json!(220.5));
    let req = only_request(&server).await;
    assert_call(&req, "POST", "/opportunities/upsert", "", "2021-07-28");
    assert_json_body(
        &req,
        &json!({
            "pipelineId": PIPELINE,
            "locationId": LOCATION,
            "followers": [],
            "isRemoveAllFollowers": false,
            "followersActionType": "add",
            "name": "First Opps",
            "status": "open",
            "monetaryValue": 220.5
        }),
    );
}

/// Create and update bodies: `monetaryValue` a number too; whole amounts parse from the
/// integer the server sends back.
#[tokio::test]
async fn create_and_update_send_monetary_value_as_a_number() {
    let server = server_answering(200, json!({ "opportunity": opportunity(json!(500)) })).await;
    let api = api(&server);
    let created = api
        .create_opportunity(
            CreateOpportunityDto::builder()
                .pipeline_id(PIPELINE)
                .location_id(LOCATION)
                .name("First Opps")
                .status(Status::Open)
                .contact_id("mTkSCb1UBjb5tk4OvB69")
                .build()
                .monetary_value(500.0),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(created.opportunity.unwrap().monetary_value, Some(500.0));
    let updated = api
        .update_opportunity(
            OPPORTUNITY,
            UpdateOpportunityDto::new()
                .status(Status::Won)
                .monetary_value(1234.56),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        updated.opportunity.unwrap().id.as_deref(),
        Some(OPPORTUNITY)
    );

    let all = received(&server).await;
    assert_eq!(all.len(), 2);
    assert_call(&all[0], "POST", "/opportunities/", "", "2021-07-28");
    let create = body(&all[0]);
    assert!(create["monetaryValue"].is_number(), "{create}");
    assert_eq!(create["monetaryValue"].as_f64(), Some(500.0));
    assert_eq!(create["status"], json!("open"));
    assert_call(
        &all[1],
        "PUT",
        &format!("/opportunities/{OPPORTUNITY}"),
        "",
        "2021-07-28",
    );
    assert_json_body(
        &all[1],
        &json!({ "status": "won", "monetaryValue": 1234.56 }),
    );
}

/// A read parses `monetaryValue` as a number, integral or not.
#[tokio::test]
async fn a_read_parses_monetary_value_as_a_number() {
    let server = server_answering(200, json!({ "opportunity": opportunity(json!(99.99)) })).await;
    let read = api(&server)
        .get_opportunity(OPPORTUNITY)
        .send()
        .await
        .unwrap();
    assert_eq!(read.opportunity.unwrap().monetary_value, Some(99.99));
    let req = only_request(&server).await;
    assert_call(
        &req,
        "GET",
        &format!("/opportunities/{OPPORTUNITY}"),
        "",
        "2021-07-28",
    );
}
