//! What `skip_serializing_none` does to real serde output.

use ghl_runtime_macros::skip_serializing_none;
use serde::{Deserialize, Serialize};
use serde_json::json;

#[skip_serializing_none]
#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Contact {
    /// Required: always sent.
    location_id: String,
    first_name: Option<String>,
    #[serde(rename = "_id")]
    id: Option<String>,
    tags: Option<Vec<Option<String>>>,
    meta: std::collections::BTreeMap<String, Option<u8>>,
    /// `->` inside a type does not end its angle brackets.
    marker: std::marker::PhantomData<fn(u8) -> Option<u8>>,
    full: ::std::option::Option<u32>,
    core: core::option::Option<bool>,
    /// `null` clears the business: it is sent.
    #[serialize_always]
    business_id: Option<String>,
    /// A field's own rule wins.
    #[serde(skip_serializing_if = "is_zero")]
    count: Option<u32>,
}

fn is_zero(value: &Option<u32>) -> bool {
    *value == Some(0)
}

#[test]
fn none_fields_are_left_out_and_marked_ones_sent_as_null() {
    let contact = Contact {
        location_id: "loc".into(),
        count: Some(0),
        ..Contact::default()
    };
    assert_eq!(
        serde_json::to_value(&contact).unwrap(),
        json!({ "locationId": "loc", "meta": {}, "marker": null, "businessId": null })
    );
}

#[test]
fn set_fields_are_sent_under_their_wire_names() {
    let contact = Contact {
        location_id: "loc".into(),
        first_name: Some("Ada".into()),
        id: Some("c1".into()),
        tags: Some(vec![None, Some("vip".into())]),
        full: Some(3),
        core: Some(false),
        business_id: Some("b1".into()),
        count: Some(2),
        ..Contact::default()
    };
    assert_eq!(
        serde_json::to_value(&contact).unwrap(),
        json!({
            "locationId": "loc", "firstName": "Ada", "_id": "c1", "tags": [null, "vip"],
            "meta": {}, "marker": null, "full": 3, "core": false, "businessId": "b1", "count": 2,
        })
    );
}

#[test]
fn reading_is_unchanged_missing_options_are_none() {
    let read: Contact =
        serde_json::from_value(json!({ "locationId": "loc", "meta": {}, "marker": null })).unwrap();
    assert_eq!(
        read,
        Contact {
            location_id: "loc".into(),
            ..Contact::default()
        }
    );
    let missing =
        serde_json::from_value::<Contact>(json!({ "meta": {}, "marker": null })).unwrap_err();
    assert!(missing.to_string().contains("locationId"), "{missing}");
}
