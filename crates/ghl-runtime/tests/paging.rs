//! The paginator at the wire, every paging style against a local server that serves real pages:
//! a partial last page, an empty page, a total that changes while reading, a server that
//! repeats a cursor or ignores the offset, `max_items`, and an error half way.

use std::sync::atomic::{AtomicUsize, Ordering};

use futures_util::{StreamExt as _, TryStreamExt as _};
use ghl_runtime::paging::{Slot, Source, Style};
use ghl_runtime::{Client, Method, Paginator, Paging, Request, Result, RetryPolicy};
use serde_json::{Value, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Respond, ResponseTemplate};

/// A server whose answer is computed from each request.
struct Pages<F>(F);

impl<F: Fn(&wiremock::Request) -> ResponseTemplate + Send + Sync> Respond for Pages<F> {
    fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
        (self.0)(request)
    }
}

async fn serve(
    respond: impl Fn(&wiremock::Request) -> ResponseTemplate + Send + Sync + 'static,
) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(Pages(respond))
        .mount(&server)
        .await;
    server
}

fn client(server: &MockServer) -> Client {
    Client::builder()
        .token("test-token")
        .base_url(server.uri())
        .retry_policy(RetryPolicy::none())
        .no_rate_limit()
        .build()
        .unwrap()
}

fn query(request: &wiremock::Request, name: &str) -> Option<String> {
    request
        .url
        .query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

fn number(request: &wiremock::Request, name: &str) -> Option<usize> {
    query(request, name).and_then(|value| value.parse().ok())
}

fn body(request: &wiremock::Request) -> Value {
    serde_json::from_slice(&request.body).unwrap_or(Value::Null)
}

/// Items `0..n` as `{"id": i}`.
fn things(range: std::ops::Range<usize>) -> Vec<Value> {
    range.map(|id| json!({ "id": id })).collect()
}

fn get(path: &'static str) -> Request {
    Request::new(Method::GET, path, path.to_owned(), "2021-07-28")
}

async fn ids(paginator: Paginator<Value, Value>) -> Result<Vec<u64>> {
    let items: Vec<Value> = paginator.items().try_collect().await?;
    Ok(items
        .iter()
        .filter_map(|item| item["id"].as_u64())
        .collect())
}

fn sent(server_requests: &[wiremock::Request], name: &str) -> Vec<String> {
    server_requests
        .iter()
        .map(|request| query(request, name).unwrap_or_default())
        .collect()
}

static OFFSET: Paging = Paging {
    style: Style::Offset {
        offset: Slot::Query("offset"),
    },
    limit: Some(Slot::Query("limit")),
    items: "/things",
    total: None,
};

/// 25 items by 10: the third page has 5 and ends the walk without a fourth request.
#[tokio::test]
async fn a_partial_last_page_ends_the_walk() {
    let server = serve(|request| {
        let (offset, limit) = (
            number(request, "offset").unwrap_or(0),
            number(request, "limit").unwrap_or(10),
        );
        let end = (offset + limit).min(25);
        ResponseTemplate::new(200).set_body_json(json!({ "things": things(offset.min(end)..end) }))
    })
    .await;
    let start = get("/things").query("limit", &10).query("offset", &0);
    let found = ids(Paginator::new(Ok((client(&server), start)), &OFFSET))
        .await
        .unwrap();
    assert_eq!(found, (0..25).collect::<Vec<u64>>());
    let requests = server.received_requests().await.unwrap();
    assert_eq!(sent(&requests, "offset"), ["0", "10", "20"]);
    assert_eq!(sent(&requests, "limit"), ["10", "10", "10"]);
}

/// 20 items by 10 and no total: the third page is empty and ends the walk; `pages` does not
/// yield it.
#[tokio::test]
async fn an_empty_page_ends_the_walk_and_is_not_yielded() {
    let server = serve(|request| {
        let offset = number(request, "offset").unwrap_or(0);
        let end = (offset + 10).min(20);
        ResponseTemplate::new(200).set_body_json(json!({ "things": things(offset.min(end)..end) }))
    })
    .await;
    let start = get("/things").query("limit", &10);
    let pages: Vec<Value> = Paginator::<Value, Value>::new(Ok((client(&server), start)), &OFFSET)
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 2);
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

/// An empty first page is yielded: it is the answer ("nothing").
#[tokio::test]
async fn an_empty_first_page_is_yielded_once() {
    let server = serve(|_| ResponseTemplate::new(200).set_body_json(json!({ "things": [] }))).await;
    let pages: Vec<Value> = Paginator::<Value, Value>::new(
        Ok((client(&server), get("/things").query("limit", &10))),
        &OFFSET,
    )
    .pages()
    .try_collect()
    .await
    .unwrap();
    assert_eq!(pages, [json!({ "things": [] })]);
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

static SKIP_WITH_TOTAL: Paging = Paging {
    style: Style::Offset {
        offset: Slot::Query("skip"),
    },
    limit: Some(Slot::Query("limit")),
    items: "/things",
    total: Some("/total"),
};

/// The total is read on every page: it shrinks from 40 to 15 after the first page (items
/// deleted meanwhile), and the walk stops at 15 instead of asking for pages that are gone.
#[tokio::test]
async fn a_total_that_shrinks_while_reading_ends_the_walk_early() {
    let calls = AtomicUsize::new(0);
    let server = serve(move |request| {
        let skip = number(request, "skip").unwrap_or(0);
        let total = if calls.fetch_add(1, Ordering::SeqCst) == 0 {
            40
        } else {
            15
        };
        // The server still fills pages: only the total says there is no more.
        ResponseTemplate::new(200)
            .set_body_json(json!({ "things": things(skip..skip + 10), "total": total }))
    })
    .await;
    let found = ids(Paginator::new(
        Ok((client(&server), get("/things").query("limit", &10))),
        &SKIP_WITH_TOTAL,
    ))
    .await
    .unwrap();
    assert_eq!(found.len(), 20);
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

/// A total that grows lets the walk go on to the new end.
#[tokio::test]
async fn a_total_that_grows_while_reading_is_followed() {
    let server = serve(|request| {
        let skip = number(request, "skip").unwrap_or(0);
        let total = if skip == 0 { 10 + 1 } else { 25 };
        let end = (skip + 10).min(total);
        ResponseTemplate::new(200)
            .set_body_json(json!({ "things": things(skip..end), "total": total }))
    })
    .await;
    let found = ids(Paginator::new(
        Ok((client(&server), get("/things").query("limit", &10))),
        &SKIP_WITH_TOTAL,
    ))
    .await
    .unwrap();
    assert_eq!(found, (0..25).collect::<Vec<u64>>());
}

/// `max_items` asks the last page only for what is missing, and yields no more.
#[tokio::test]
async fn max_items_trims_the_last_request() {
    let server = serve(|request| {
        let (offset, limit) = (
            number(request, "offset").unwrap_or(0),
            number(request, "limit").unwrap_or(10),
        );
        ResponseTemplate::new(200)
            .set_body_json(json!({ "things": things(offset..offset + limit) }))
    })
    .await;
    let paginator = Paginator::new(
        Ok((client(&server), get("/things").query("limit", &50))),
        &OFFSET,
    )
    .page_size(10)
    .max_items(15);
    assert_eq!(ids(paginator).await.unwrap(), (0..15).collect::<Vec<u64>>());
    let requests = server.received_requests().await.unwrap();
    assert_eq!(sent(&requests, "limit"), ["10", "5"]);
    assert_eq!(sent(&requests, "offset"), ["", "10"]);
}

/// A server that ignores the offset serves the same full page forever; the walk notices the
/// repeat after one extra request.
#[tokio::test]
async fn a_server_that_ignores_the_offset_does_not_loop() {
    let server =
        serve(|_| ResponseTemplate::new(200).set_body_json(json!({ "things": things(0..10) })))
            .await;
    let found = ids(Paginator::new(
        Ok((client(&server), get("/things").query("limit", &10))),
        &OFFSET,
    ))
    .await
    .unwrap();
    assert_eq!(found, (0..10).collect::<Vec<u64>>());
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

/// A failing page ends the stream after the error; the items before it were yielded.
#[tokio::test]
async fn an_error_half_way_is_yielded_last() {
    let server = serve(|request| match number(request, "offset").unwrap_or(0) {
        0 => ResponseTemplate::new(200).set_body_json(json!({ "things": things(0..10) })),
        _ => ResponseTemplate::new(404).set_body_json(json!({ "message": "gone" })),
    })
    .await;
    let results: Vec<Result<Value>> = Paginator::<Value, Value>::new(
        Ok((client(&server), get("/things").query("limit", &10))),
        &OFFSET,
    )
    .items()
    .collect()
    .await;
    assert_eq!(results.len(), 11);
    assert!(results[..10].iter().all(Result::is_ok));
    assert!(
        matches!(results[10], Err(ghl_runtime::Error::NotFound { .. })),
        "{:?}",
        results[10]
    );
}

/// Read one at a time with the walk's own `next` (no stream trait, no pinning), the walk is
/// the same: every item in order, then the error, then the end.
#[tokio::test]
async fn one_at_a_time_the_walk_is_the_same() {
    let server = serve(|request| match number(request, "offset").unwrap_or(0) {
        0 => ResponseTemplate::new(200).set_body_json(json!({ "things": things(0..10) })),
        _ => ResponseTemplate::new(404).set_body_json(json!({ "message": "gone" })),
    })
    .await;
    let mut items = Paginator::<Value, Value>::new(
        Ok((client(&server), get("/things").query("limit", &10))),
        &OFFSET,
    )
    .items();
    let mut seen = Vec::new();
    let error = loop {
        match ghl_runtime::PagedStream::next(&mut items).await {
            Some(Ok(item)) => seen.push(item["id"].as_u64()),
            Some(Err(error)) => break error,
            None => panic!("the walk ended without the error"),
        }
    };
    assert_eq!(seen, (0..10).map(Some).collect::<Vec<_>>());
    assert!(
        matches!(error, ghl_runtime::Error::NotFound { .. }),
        "{error:?}"
    );
    assert!(items.next().await.is_none());
}

/// An error building the call (a bound check) is the stream's only item; nothing is sent.
#[tokio::test]
async fn a_call_that_fails_to_build_sends_nothing() {
    let server = serve(|_| ResponseTemplate::new(200)).await;
    let results: Vec<Result<Value>> = Paginator::<Value, Value>::new(
        Err(ghl_runtime::Error::invalid_request(
            "list_things",
            "`limit` must be at most 50",
        )),
        &OFFSET,
    )
    .items()
    .collect()
    .await;
    assert_eq!(results.len(), 1);
    assert!(results[0].is_err());
    assert!(server.received_requests().await.unwrap().is_empty());
}

static PAGE_IN_BODY: Paging = Paging {
    style: Style::Page {
        page: Slot::Body("page"),
        first: 1,
    },
    limit: Some(Slot::Body("pageLimit")),
    items: "/contacts",
    total: Some("/total"),
};

/// Page numbers in a JSON body (`page`, `pageLimit`), the rest of the body kept; the total
/// ends the walk on a full page.
#[tokio::test]
async fn page_numbers_go_in_the_body() {
    let server = serve(|request| {
        let sent = body(request);
        let (page, size) = (
            sent["page"].as_u64().unwrap_or(1) as usize,
            sent["pageLimit"].as_u64().unwrap_or(10) as usize,
        );
        let start = (page - 1) * size;
        ResponseTemplate::new(200).set_body_json(
            json!({ "contacts": things(start..(start + size).min(20)), "total": 20 }),
        )
    })
    .await;
    let start = Request::new(
        Method::POST,
        "/contacts/search",
        "/contacts/search".into(),
        "2021-07-28",
    )
    .json(&json!({ "locationId": "loc", "pageLimit": 10 }));
    let found = ids(Paginator::new(Ok((client(&server), start)), &PAGE_IN_BODY))
        .await
        .unwrap();
    assert_eq!(found, (0..20).collect::<Vec<u64>>());
    let bodies: Vec<Value> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(body)
        .collect();
    assert_eq!(
        bodies,
        [
            json!({ "locationId": "loc", "pageLimit": 10 }),
            json!({ "locationId": "loc", "pageLimit": 10, "page": 2 }),
        ]
    );
}

static META_CURSOR: Paging = Paging {
    style: Style::Cursor {
        next: &[
            (Slot::Query("startAfter"), Source::Page("/meta/startAfter")),
            (
                Slot::Query("startAfterId"),
                Source::Page("/meta/startAfterId"),
            ),
        ],
        more: None,
    },
    limit: Some(Slot::Query("limit")),
    items: "/contacts",
    total: Some("/meta/total"),
};

/// `startAfter`/`startAfterId` from `meta` go back as query parameters until the total is
/// read.
#[tokio::test]
async fn a_meta_cursor_is_followed_to_the_total() {
    let server = serve(|request| {
        let after: usize = query(request, "startAfterId").and_then(|id| id.trim_start_matches('c').parse().ok()).map_or(0, |id: usize| id + 1);
        let page = things(after..(after + 2).min(5));
        let last = after + page.len() - 1;
        ResponseTemplate::new(200).set_body_json(json!({
            "contacts": page,
            "meta": { "startAfter": 1_700_000_000_000_u64 + last as u64, "startAfterId": format!("c{last}"), "total": 5 }
        }))
    })
    .await;
    let found = ids(Paginator::new(
        Ok((
            client(&server),
            get("/contacts/")
                .query("locationId", "loc")
                .query("limit", &2),
        )),
        &META_CURSOR,
    ))
    .await
    .unwrap();
    assert_eq!(found, (0..5).collect::<Vec<u64>>());
    let requests = server.received_requests().await.unwrap();
    assert_eq!(sent(&requests, "startAfterId"), ["", "c1", "c3"]);
    assert_eq!(
        sent(&requests, "startAfter"),
        ["", "1700000000001", "1700000000003"]
    );
    assert!(
        requests
            .iter()
            .all(|request| query(request, "locationId").as_deref() == Some("loc"))
    );
}

/// A server that hands back the cursor it was sent (full pages, no total) is asked once more,
/// not forever.
#[tokio::test]
async fn a_repeated_cursor_ends_the_walk() {
    let calls = AtomicUsize::new(0);
    let server = serve(move |_| {
        let call = calls.fetch_add(1, Ordering::SeqCst);
        ResponseTemplate::new(200).set_body_json(json!({
            "contacts": things(call * 2..call * 2 + 2),
            "meta": { "startAfter": 1, "startAfterId": "same" }
        }))
    })
    .await;
    let found = ids(Paginator::new(
        Ok((client(&server), get("/contacts/").query("limit", &2))),
        &META_CURSOR,
    ))
    .await
    .unwrap();
    assert_eq!(found, [0, 1, 2, 3]);
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

static SEARCH_AFTER: Paging = Paging {
    style: Style::Cursor {
        next: &[(Slot::Body("searchAfter"), Source::LastItem("/searchAfter"))],
        more: None,
    },
    limit: Some(Slot::Body("pageLimit")),
    items: "/contacts",
    total: None,
};

/// `searchAfter` comes from the last item and goes back in the body; a page without items
/// ends the walk.
#[tokio::test]
async fn search_after_comes_from_the_last_item() {
    let server = serve(|request| {
        let after = body(request)["searchAfter"][1]
            .as_u64()
            .map_or(0, |id| id as usize + 1);
        let page: Vec<Value> = (after..(after + 3).min(7))
            .map(|id| json!({ "id": id, "searchAfter": [1_700_000_000_000_u64, id] }))
            .collect();
        ResponseTemplate::new(200).set_body_json(json!({ "contacts": page }))
    })
    .await;
    let start = Request::new(
        Method::POST,
        "/contacts/search",
        "/contacts/search".into(),
        "2021-07-28",
    )
    .json(&json!({ "locationId": "loc", "pageLimit": 3 }));
    let found = ids(Paginator::new(Ok((client(&server), start)), &SEARCH_AFTER))
        .await
        .unwrap();
    assert_eq!(found, (0..7).collect::<Vec<u64>>());
    let bodies: Vec<Value> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(body)
        .collect();
    assert_eq!(bodies.len(), 3, "7 items by 3: the third page is partial");
    assert_eq!(bodies[1]["searchAfter"], json!([1_700_000_000_000_u64, 2]));
    assert_eq!(bodies[2]["searchAfter"], json!([1_700_000_000_000_u64, 5]));
}

static LAST_MESSAGE: Paging = Paging {
    style: Style::Cursor {
        next: &[(
            Slot::Query("lastMessageId"),
            Source::Page("/messages/lastMessageId"),
        )],
        more: Some("/messages/nextPage"),
    },
    limit: Some(Slot::Query("limit")),
    items: "/messages/messages",
    total: None,
};

/// `lastMessageId` goes back until `nextPage` is false, even when that page is full.
#[tokio::test]
async fn next_page_false_ends_the_walk() {
    let server = serve(|request| {
        let after: usize = query(request, "lastMessageId")
            .and_then(|id| id.trim_start_matches('m').parse().ok())
            .map_or(0, |id: usize| id + 1);
        ResponseTemplate::new(200).set_body_json(json!({
            "messages": {
                "messages": things(after..after + 2),
                "lastMessageId": format!("m{}", after + 1),
                "nextPage": after + 2 < 6
            }
        }))
    })
    .await;
    let found = ids(Paginator::new(
        Ok((
            client(&server),
            get("/conversations/c1/messages").query("limit", &2),
        )),
        &LAST_MESSAGE,
    ))
    .await
    .unwrap();
    assert_eq!(found, (0..6).collect::<Vec<u64>>());
    let requests = server.received_requests().await.unwrap();
    assert_eq!(sent(&requests, "lastMessageId"), ["", "m1", "m3"]);
}

/// Items that do not decode fail with the JSON path of the bad value, from the page's root.
#[tokio::test]
async fn an_item_that_does_not_decode_names_its_path() {
    #[derive(serde::Deserialize, Debug)]
    struct Thing {
        #[allow(dead_code)]
        id: u64,
    }
    let server = serve(|_| {
        ResponseTemplate::new(200)
            .set_body_json(json!({ "things": [{ "id": 1 }, { "id": "two" }] }))
    })
    .await;
    let results: Vec<Result<Thing>> = Paginator::<Value, Thing>::new(
        Ok((client(&server), get("/things").query("limit", &10))),
        &OFFSET,
    )
    .items()
    .collect()
    .await;
    match &results[..] {
        [Err(ghl_runtime::Error::Decode { json_path, .. })] => {
            assert_eq!(json_path, "things[1].id")
        }
        other => panic!("expected one decode error, got {other:?}"),
    }
}

/// Every paging style under `max_items` yields exactly the first N items of the full walk,
/// once each, and no request asks for a slice the walk has not reached: with pages of 5 and
/// `max_items(12)`, a page-number walk asks pages 1, 2 and 3 of 5 (page 3 of 2 would be items
/// 4-5 again), offset and cursor walks ask 5, 5 and the 2 still missing.
#[tokio::test]
async fn max_items_yields_the_first_n_items_in_every_style() {
    static PAGE_IN_QUERY: Paging = Paging {
        style: Style::Page {
            page: Slot::Query("page"),
            first: 1,
        },
        limit: Some(Slot::Query("limit")),
        items: "/things",
        total: None,
    };
    static CURSOR: Paging = Paging {
        style: Style::Cursor {
            next: &[(Slot::Query("startAfter"), Source::LastItem("/id"))],
            more: None,
        },
        limit: Some(Slot::Query("limit")),
        items: "/things",
        total: None,
    };
    // 40 items; each style reads its position from the request as the real API does.
    fn forty(request: &wiremock::Request) -> ResponseTemplate {
        let limit = number(request, "limit").unwrap_or(10);
        let start = if let Some(page) = number(request, "page") {
            (page - 1) * limit
        } else if let Some(after) = number(request, "startAfter") {
            after + 1
        } else {
            number(request, "offset").unwrap_or(0)
        };
        ResponseTemplate::new(200)
            .set_body_json(json!({ "things": things(start..(start + limit).min(40)) }))
    }
    for (paging, name) in [
        (&PAGE_IN_QUERY, "page"),
        (&OFFSET, "offset"),
        (&CURSOR, "cursor"),
    ] {
        let server = serve(forty).await;
        let paginator = Paginator::new(
            Ok((client(&server), get("/things").query("limit", &5))),
            paging,
        )
        .max_items(12);
        assert_eq!(
            ids(paginator).await.unwrap(),
            (0..12).collect::<Vec<u64>>(),
            "{name}"
        );
        let requests = server.received_requests().await.unwrap();
        let limits = sent(&requests, "limit");
        match name {
            "page" => {
                assert_eq!(limits, ["5", "5", "5"], "{name}");
                assert_eq!(sent(&requests, "page"), ["", "2", "3"], "{name}");
            }
            _ => assert_eq!(limits, ["5", "5", "2"], "{name}"),
        }
    }
}
