//! `ghl-contacts` on the wire: "Contacts and locations" and "Response and request shapes that
//! differ from the specs" of `shared/docs/api-deviations.md` (encoded in
//! `overrides/contacts.yaml`).

mod common;

use common::*;
use ghl_contacts::ContactsClient;
use ghl_contacts::types::{
    ContactSearchBody, ContactSearchCondition, ContactSearchFilter, ContactSearchGroup,
    ContactSearchGroupGroup, ContactSearchOperator, ContactSearchResponse, ContactSearchSort,
    ContactSearchSortDirection, ContactsSearchSuccessfulResponseDto,
};
use serde_json::json;

const LOCATION: &str = "ve9EPM428h8vShlRW1KT";

fn api(server: &wiremock::MockServer) -> ContactsClient {
    ContactsClient::new(client(server))
}

/// A contact as `GET /contacts/{contactId}` returns it (nulls where a field is unset, keys the
/// spec does not list).
fn contact(id: &str, email: &str) -> serde_json::Value {
    json!({
        "id": id,
        "locationId": LOCATION,
        "firstName": "Rubika",
        "lastName": "Deo",
        "firstNameLowerCase": "rubika",
        "lastNameLowerCase": "deo",
        "email": email,
        "emailLowerCase": email,
        "phone": "+18832327657",
        "companyName": null,
        "address1": null,
        "city": null,
        "country": "US",
        "timezone": "America/New_York",
        "type": "lead",
        "source": "public api",
        "dnd": false,
        "tags": ["vip", "newsletter"],
        "customFields": [ { "id": "MgobCB14YMVKuE4Ka8p1", "value": "blue" } ],
        "dateAdded": "2024-05-01T10:00:00.000Z",
        "dateUpdated": "2024-05-02T10:00:00.000Z",
        "assignedTo": null,
        "followers": [],
        "additionalEmails": [],
        "validEmail": true
    })
}

/// Deviation: "`POST /contacts/search`: the spec declares no typed response; the server answers
/// `{contacts: [...], total, traceId}` with contact objects like those of
/// `GET /contacts/{contactId}`."
#[tokio::test]
async fn search_is_a_post_and_parses_contacts_total_and_trace_id() {
    let server = server_answering(
        200,
        json!({
            "contacts": [contact("c1", "a@example.com"), contact("c2", "b@example.com")],
            "total": 120,
            "traceId": "0b8c0c3e-5e1c-4d39-9a0e-1f6c3b2a9d11"
        }),
    )
    .await;
    let query = json!({
        "locationId": LOCATION,
        "page": 1,
        "pageLimit": 20,
        "filters": [ { "field": "tags", "operator": "contains", "value": "vip" } ],
        "sort": [ { "field": "dateAdded", "direction": "desc" } ]
    });
    let body: ContactSearchBody = serde_json::from_value(query.clone()).unwrap();
    let found: ContactSearchResponse = api(&server)
        .search_contacts_advanced(body)
        .send()
        .await
        .unwrap();
    let req = only_request(&server).await;
    assert_call(&req, "POST", "/contacts/search", "", "2021-07-28");
    assert_json_body(&req, &query);
    assert_eq!(found.total, 120);
    assert_eq!(
        found.trace_id.as_deref(),
        Some("0b8c0c3e-5e1c-4d39-9a0e-1f6c3b2a9d11")
    );
    assert_eq!(found.contacts.len(), 2);
    let first = &found.contacts[0];
    assert_eq!(first.id.as_deref(), Some("c1"));
    assert_eq!(first.email.as_deref(), Some("a@example.com"));
    assert_eq!(first.company_name, None);
    assert_eq!(
        first.tags.as_deref(),
        Some(&["vip".to_owned(), "newsletter".to_owned()][..])
    );
}

/// An empty result still carries `total` (0); `traceId` may be absent.
#[tokio::test]
async fn an_empty_search_parses() {
    let server = server_answering(200, json!({ "contacts": [], "total": 0 })).await;
    let found = api(&server)
        .search_contacts_advanced(ContactSearchBody::new(LOCATION, 1))
        .send()
        .await
        .unwrap();
    assert!(found.contacts.is_empty());
    assert_eq!(found.total, 0);
    assert_eq!(found.trace_id, None);
}

/// A call's future is `Send + 'static` (`impl CallFuture<T>`): it runs on a spawned task, as a
/// server would run it.
#[tokio::test]
async fn calls_run_on_spawned_tasks() {
    let server = server_answering(200, json!({ "contacts": [], "total": 0 })).await;
    let contacts = api(&server);
    let search = tokio::spawn(
        contacts
            .search_contacts_advanced(ContactSearchBody::new(LOCATION, 1))
            .send(),
    );
    let with_response = tokio::spawn(
        contacts
            .search_contacts_advanced(ContactSearchBody::new(LOCATION, 2))
            .send_with_response(),
    );
    assert_eq!(search.await.unwrap().unwrap().total, 0);
    assert_eq!(with_response.await.unwrap().unwrap().status(), 200);
}

/// Deviation: "`GET /contacts/` (deprecated list): `meta` carries `startAfter`,
/// `startAfterId`, `total`, `nextPageUrl`; paging is by cursor, not by page." The cursor goes
/// back as query parameters, `startAfter` an integer (epoch milliseconds).
#[tokio::test]
#[allow(deprecated)] // `GET /contacts/` is deprecated in the spec; its wire shape still matters
async fn the_deprecated_list_pages_by_cursor_meta() {
    let next = format!(
        "https://services.leadconnectorhq.com/contacts/?locationId={LOCATION}&startAfter=1631087949919&startAfterId=yd0jdjOavGk2o6Nh5Ndb"
    );
    let server = server_answering(
        200,
        json!({
            "contacts": [
                {
                    "id": "yd0jdjOavGk2o6Nh5Ndb",
                    "locationId": LOCATION,
                    "email": "a@example.com",
                    "timezone": null,
                    "country": "US",
                    "source": null,
                    "dateAdded": "2021-09-08T07:59:09.919Z",
                    "customFields": [],
                    "tags": ["vip"],
                    "businessId": null,
                    "attributions": [],
                    "followers": []
                }
            ],
            "meta": {
                "total": 50,
                "nextPageUrl": next,
                "startAfterId": "yd0jdjOavGk2o6Nh5Ndb",
                "startAfter": 1631087949919_i64,
                "currentPage": 1,
                "nextPage": 2,
                "prevPage": null
            },
            "traceId": "6f0c1f3e-1111-2222-3333-444455556666"
        }),
    )
    .await;
    let page: ContactsSearchSuccessfulResponseDto = api(&server)
        .get_contacts()
        .location_id(LOCATION)
        .start_after_id("prevCursorId")
        .start_after(1_631_000_000_000)
        .limit(20)
        .send()
        .await
        .unwrap();
    let req = only_request(&server).await;
    assert_call(
        &req,
        "GET",
        "/contacts/",
        &format!(
            "locationId={LOCATION}&startAfterId=prevCursorId&startAfter=1631000000000&limit=20"
        ),
        "2021-07-28",
    );
    assert_no_body(&req);
    let meta = page.meta.expect("meta");
    assert_eq!(meta.start_after, Some(1_631_087_949_919));
    assert_eq!(meta.start_after_id.as_deref(), Some("yd0jdjOavGk2o6Nh5Ndb"));
    assert_eq!(meta.total, Some(50));
    assert_eq!(meta.next_page_url.as_deref(), Some(next.as_str()));
    assert_eq!(meta.prev_page, None);
    assert_eq!(
        page.contacts.unwrap()[0].id.as_deref(),
        Some("yd0jdjOavGk2o6Nh5Ndb")
    );
}

/// Deviation: the search body is the documented advanced filter (the spec's is empty): typed
/// conditions with operators, AND/OR groups nested in the filter list, sort keys, a full-text
/// query and the `searchAfter` cursor, sent exactly as the docs' sample request.
#[tokio::test]
async fn the_search_body_is_typed_filters_groups_sort_and_cursor() {
    let server = server_answering(200, json!({ "contacts": [], "total": 0 })).await;
    // Each filter is a condition or a group; `From` makes either one a filter.
    let condition = |field: &str, operator, value: serde_json::Value| -> ContactSearchFilter {
        ContactSearchCondition::new(field, operator)
            .value(value)
            .into()
    };
    let search = ContactSearchBody::new(LOCATION, 20)
        .search_after(vec![json!(1_717_000_000_000_i64), json!("c20")])
        .filters(vec![
            condition("dnd", ContactSearchOperator::Eq, json!(true)),
            ContactSearchGroup::new(
                ContactSearchGroupGroup::Or,
                vec![
                    condition(
                        "firstNameLowerCase",
                        ContactSearchOperator::Eq,
                        json!("alex"),
                    ),
                    condition(
                        "dateAdded",
                        ContactSearchOperator::Range,
                        json!({ "gte": "2024-01-01", "lte": "2024-06-30" }),
                    ),
                ],
            )
            .into(),
            ContactSearchCondition::new("email", ContactSearchOperator::Exists).into(),
        ])
        .sort(vec![ContactSearchSort::new(
            "firstNameLowerCase",
            ContactSearchSortDirection::Desc,
        )])
        .query("tom");
    api(&server)
        .search_contacts_advanced(search.clone())
        .send()
        .await
        .unwrap();
    let req = only_request(&server).await;
    assert_json_body(
        &req,
        &json!({
            "locationId": LOCATION,
            "pageLimit": 20,
            "searchAfter": [1_717_000_000_000_i64, "c20"],
            "filters": [
                { "field": "dnd", "operator": "eq", "value": true },
                {
                    "group": "OR",
                    "filters": [
                        { "field": "firstNameLowerCase", "operator": "eq", "value": "alex" },
                        { "field": "dateAdded", "operator": "range", "value": { "gte": "2024-01-01", "lte": "2024-06-30" } }
                    ]
                },
                { "field": "email", "operator": "exists" }
            ],
            "sort": [{ "field": "firstNameLowerCase", "direction": "desc" }],
            "query": "tom"
        }),
    );
    // The same JSON reads back into the same value: groups are told from conditions.
    assert_eq!(
        serde_json::from_value::<ContactSearchBody>(body(&req)).unwrap(),
        search
    );
}
