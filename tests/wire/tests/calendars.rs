//! `ghl-calendars` on the wire: the free-slots map of "Response and request shapes that differ
//! from the specs" in `shared/docs/api-deviations.md` (encoded in `overrides/calendars.yaml`),
//! and the `2021-04-15` Version all of calendars needs ("Everywhere").

mod common;

use common::*;
use ghl_calendars::CalendarsClient;
use serde_json::json;

const CALENDAR: &str = "ocQHyuzHvysMo5N5VsXc";

/// Deviation: "`GET /calendars/{calendarId}/free-slots`: the body is a map from date
/// (`YYYY-MM-DD`) to `{slots: [...]}`, and the same map also holds a `traceId` string key; a
/// strict map-of-days type must tolerate it."
#[tokio::test]
async fn free_slots_is_a_map_of_days_beside_a_trace_id() {
    let server = server_answering(
        200,
        json!({
            "2024-10-28": { "slots": ["2024-10-28T09:00:00-04:00", "2024-10-28T09:30:00-04:00"] },
            "2024-10-29": { "slots": ["2024-10-29T14:00:00-04:00"] },
            "traceId": "f3a9b8c7-6d5e-4f3a-2b1c-0d9e8f7a6b5c"
        }),
    )
    .await;
    let slots = CalendarsClient::new(client(&server))
        .get_slots(CALENDAR)
        .start_date(1_730_073_600_000.0)
        .end_date(1_730_678_400_000.0)
        .timezone("America/New_York")
        .user_ids(["u1", "u2"])
        .send()
        .await
        .unwrap();
    let req = only_request(&server).await;
    // Epoch milliseconds go out as integers, never `1730073600000.0` or `1.73e12`.
    assert_call(
        &req,
        "GET",
        &format!("/calendars/{CALENDAR}/free-slots"),
        "startDate=1730073600000&endDate=1730678400000&timezone=America%2FNew_York&userIds=u1&userIds=u2",
        "2021-04-15",
    );
    assert_no_body(&req);
    assert_eq!(
        slots.trace_id.as_deref(),
        Some("f3a9b8c7-6d5e-4f3a-2b1c-0d9e8f7a6b5c")
    );
    let days: Vec<&str> = slots
        .additional_properties
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(days, ["2024-10-28", "2024-10-29"], "traceId is not a day");
    assert_eq!(slots.additional_properties["2024-10-28"].slots.len(), 2);
    assert_eq!(
        slots.additional_properties["2024-10-29"].slots,
        ["2024-10-29T14:00:00-04:00"]
    );
}

/// No free day at all: only the trace id (or nothing).
#[tokio::test]
async fn free_slots_with_no_days_parses() {
    let server = server_answering(200, json!({ "traceId": "t" })).await;
    let slots = CalendarsClient::new(client(&server))
        .get_slots(CALENDAR)
        .start_date(1_730_073_600_000.0)
        .end_date(1_730_678_400_000.0)
        .send()
        .await
        .unwrap();
    assert!(slots.additional_properties.is_empty());
    assert_eq!(slots.trace_id.as_deref(), Some("t"));
}
