//! What the specs say about who may call an operation, at the wire: its scopes and token kinds
//! travel with every generated call, so a refusal says what is missing (api-deviations.md,
//! "Found since the first release": "403 means the token lacks the scope the route needs (the
//! error should say which scope the route requires)"; "Response and request shapes": agency
//! routes answer 401 to a sub-account token).

mod common;

use common::*;
use ghl_contacts::ContactsClient;
use ghl_locations::LocationsClient;
use ghl_runtime::Error;
use serde_json::json;

/// A 403 names the scope the spec says the route requires.
#[tokio::test]
async fn a_403_names_the_scope_the_route_requires() {
    let server = server_answering(
        403,
        json!({ "statusCode": 403, "message": "Forbidden resource" }),
    )
    .await;
    let err = ContactsClient::new(client(&server))
        .get_contact("c1")
        .send()
        .await
        .unwrap_err();
    match &err {
        Error::Forbidden {
            required_scopes,
            message,
            ..
        } => {
            assert_eq!(*required_scopes, ["contacts.readonly"]);
            assert_eq!(message.as_deref(), Some("Forbidden resource"));
        }
        other => panic!("expected Forbidden, got {other:?}"),
    }
    assert_eq!(err.status(), Some(403));
    assert!(err.to_string().contains("contacts.readonly"), "{err}");
    let req = only_request(&server).await;
    assert_call(&req, "GET", "/contacts/c1", "", "2021-07-28");
}

/// `GET /locations/search` takes only agency tokens (the spec also lists sub-account tokens;
/// `overrides/locations.yaml` corrects it): its 401 says an agency token is needed.
#[tokio::test]
async fn a_401_on_an_agency_route_asks_for_an_agency_token() {
    let server =
        server_answering(401, json!({ "statusCode": 401, "message": "Invalid JWT" })).await;
    let err = LocationsClient::new(client(&server))
        .search_locations()
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::AgencyTokenRequired { status: 401, .. }),
        "expected AgencyTokenRequired, got {err:?}"
    );
    let req = only_request(&server).await;
    assert_call(&req, "GET", "/locations/search", "", "2021-07-28");
}

/// The same 401 on a sub-account route is a plain token problem, not a wrong token kind.
#[tokio::test]
async fn a_401_on_a_location_route_is_unauthorized() {
    let server =
        server_answering(401, json!({ "statusCode": 401, "message": "Invalid JWT" })).await;
    let err = ContactsClient::new(client(&server))
        .get_contact("c1")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Unauthorized { .. }),
        "expected Unauthorized, got {err:?}"
    );
}
