//! Ad manager at the wire: the reporting `fields` the spec declares `explode: false`.

mod common;

use common::*;
use ghl_ad_manager::AdManagerClient;
use ghl_ad_manager::types::{FbGetEntityType, FbGetReportingFieldsItem, FbGetReportingGroupBy};
use serde_json::json;

const LOCATION: &str = "ve9EPM428h8vShlRW1KT";

/// `apps/ad-manager.json` declares the Facebook and Google reporting `fields` as
/// `explode: false` ("Comma-separated reporting fields"): one `fields` value with the names
/// joined by commas, not the key repeated; the other parameters as usual.
#[tokio::test]
async fn reporting_fields_go_comma_separated() {
    let server = server_answering(200, json!({})).await;
    let api = AdManagerClient::new(client(&server));
    let _ = api
        .fb_get_reporting()
        .location_id(LOCATION)
        .group_by(FbGetReportingGroupBy::Day)
        .start_date("2026-11-01")
        .end_date("2026-11-30")
        .type_(FbGetEntityType::AdManager)
        .fields(vec![
            FbGetReportingFieldsItem::Impressions,
            FbGetReportingFieldsItem::Clicks,
            FbGetReportingFieldsItem::CostPerConversion,
        ])
        .send()
        .await;
    let req = only_request(&server).await;
    assert_eq!(req.url.path(), "/ad-publishing/facebook/reporting");
    assert_eq!(
        query_values(&req, "fields"),
        ["impressions,clicks,cost_per_conversion"]
    );
    let group_by = query_values(&req, "groupBy");
    assert_eq!(group_by, ["day"]);
}

/// Every value of the query parameter `name`, in order.
fn query_values(req: &wiremock::Request, name: &str) -> Vec<String> {
    req.url
        .query_pairs()
        .filter(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
        .collect()
}
