//! Generated operations that page, at the wire: `paginate()` walks every page of a local
//! server with the operation's own style: offset and limit in the query (blogs), skip and
//! limit in a JSON body (social posts), and from `overrides/`, as api-deviations.md describes
//! them: the `meta` cursor of the deprecated contact list, `lastMessageId`/`nextPage` of
//! conversation messages, and the contact search's `searchAfter` past 10,000 records. Every
//! page keeps the operation's `Version` and forced headers.

mod common;

use common::*;
use futures_util::TryStreamExt as _;
use ghl_blogs::BlogsClient;
use ghl_contacts::ContactsClient;
use ghl_conversations::ConversationsClient;
use ghl_social_media_posting::SocialMediaPostingClient;
use ghl_social_media_posting::types::SearchPostDto;
use serde_json::{Value, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Respond, ResponseTemplate};

const LOCATION: &str = "ve9EPM428h8vShlRW1KT";

struct Pages<F>(F);

impl<F: Fn(&wiremock::Request) -> Value + Send + Sync> Respond for Pages<F> {
    fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
        ResponseTemplate::new(200).set_body_json((self.0)(request))
    }
}

/// A server answering each request with the JSON `page` computes from it.
async fn serve(page: impl Fn(&wiremock::Request) -> Value + Send + Sync + 'static) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(Pages(page))
        .mount(&server)
        .await;
    server
}

fn param(request: &wiremock::Request, name: &str) -> Option<String> {
    request
        .url
        .query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

fn number(request: &wiremock::Request, name: &str) -> usize {
    param(request, name)
        .and_then(|value| value.parse().ok())
        .unwrap_or(0)
}

fn blog_post(index: usize) -> Value {
    json!({
        "_id": format!("post{index}"), "categories": [], "archived": false,
        "title": format!("Post {index}"), "description": "", "imageUrl": "", "status": "PUBLISHED",
        "imageAltText": "", "urlSlug": format!("post-{index}"),
        "publishedAt": "2024-03-01T10:00:00.000Z", "updatedAt": "2024-03-01T10:00:00.000Z"
    })
}

/// Seven posts by three: offsets 0, 3 and 6, the last page partial; the filters, the Chrome
/// User-Agent and the Version go out with every page.
#[tokio::test]
async fn blog_posts_page_by_offset_until_a_partial_page() {
    let server = serve(|request| {
        let (offset, limit) = (number(request, "offset"), number(request, "limit"));
        let posts: Vec<Value> = (offset..(offset + limit).min(7)).map(blog_post).collect();
        json!({ "blogs": posts })
    })
    .await;
    let titles: Vec<String> = BlogsClient::new(client(&server))
        .get_blog_posts()
        .location_id(LOCATION)
        .blog_id("blog1")
        .limit(50)
        .offset(0)
        .search_term("sale")
        .paginate()
        .page_size(3)
        .items()
        .map_ok(|post| post.title)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        titles,
        (0..7)
            .map(|index| format!("Post {index}"))
            .collect::<Vec<_>>()
    );
    let requests = received(&server).await;
    let queries: Vec<String> = requests.iter().map(query).collect();
    assert_eq!(
        queries,
        [
            format!("locationId={LOCATION}&blogId=blog1&limit=3&offset=0&searchTerm=sale"),
            format!("locationId={LOCATION}&blogId=blog1&limit=3&offset=3&searchTerm=sale"),
            format!("locationId={LOCATION}&blogId=blog1&limit=3&offset=6&searchTerm=sale"),
        ]
    );
    for request in &requests {
        assert_eq!(header(request, "user-agent").as_deref(), Some(CHROME_UA));
        assert_eq!(header(request, "version").as_deref(), Some("2021-07-28"));
    }
    // The same walk collected by page, with no stream adapter: 3 + 3 + 1 posts.
    let pages = BlogsClient::new(client(&server))
        .get_blog_posts()
        .location_id(LOCATION)
        .blog_id("blog1")
        .limit(3)
        .offset(0)
        .paginate()
        .collect_pages()
        .await
        .unwrap();
    let sizes: Vec<usize> = pages.iter().map(|page| page.blogs.len()).collect();
    assert_eq!(sizes, [3, 3, 1]);
}

/// A bound the server enforces still holds when paging: the stream's only item is the error,
/// and nothing is sent.
#[tokio::test]
async fn a_page_size_over_the_bound_fails_before_any_request() {
    use futures_util::StreamExt as _;
    let server = serve(|_| json!({ "blogs": [] })).await;
    let results: Vec<_> = BlogsClient::new(client(&server))
        .get_blog_posts()
        .location_id(LOCATION)
        .blog_id("blog1")
        .limit(51)
        .offset(0)
        .paginate()
        .items()
        .collect()
        .await;
    match &results[..] {
        [Err(ghl_runtime::Error::InvalidRequest { message, .. })] => {
            assert_eq!(message, "`limit` must be at most 50")
        }
        other => panic!("expected one InvalidRequest, got {other:?}"),
    }
    assert!(received(&server).await.is_empty());
}

fn social_post(index: u64) -> Value {
    json!({ "_id": format!("p{index}"), "locationId": LOCATION, "type": "post", "summary": format!("Post {index}") })
}

/// `POST .../posts/list` pages by `skip` and `limit` in its JSON body (numbers on the wire,
/// api-deviations.md); the rest of the body goes out unchanged on every page, and
/// `max_items` trims the last request.
#[tokio::test]
async fn social_posts_page_by_skip_and_limit_in_the_body() {
    let server = serve(|request| {
        let sent: Value = serde_json::from_slice(&request.body).unwrap_or_default();
        let (skip, limit) = (
            sent["skip"].as_u64().unwrap_or(0),
            sent["limit"].as_u64().unwrap_or(0),
        );
        let posts: Vec<Value> = (skip..(skip + limit).min(100)).map(social_post).collect();
        json!({ "success": true, "statusCode": 200, "message": "ok",
                "results": { "posts": posts, "count": 100 } })
    })
    .await;
    let search = SearchPostDto::builder()
        .skip(0)
        .limit(4)
        .from_date("2026-06-01")
        .to_date("2026-06-30")
        .include_users(true)
        .build()
        .type_("all")
        .account_ids(Vec::<String>::new());
    let summaries: Vec<Option<String>> = SocialMediaPostingClient::new(client(&server))
        .get_posts(LOCATION, search)
        .paginate()
        .max_items(10)
        .items()
        .map_ok(|post| post.summary)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(summaries.len(), 10);
    assert_eq!(summaries[9].as_deref(), Some("Post 9"));
    let bodies: Vec<Value> = received(&server).await.iter().map(body).collect();
    let page = |skip: u64, limit: u64| {
        json!({ "type": "all", "accountIds": [], "skip": skip, "limit": limit,
                "fromDate": "2026-06-01", "toDate": "2026-06-30", "includeUsers": true })
    };
    assert_eq!(bodies, [page(0, 4), page(4, 4), page(8, 2)]);
}

fn contact(index: usize) -> Value {
    json!({ "id": format!("c{index}"), "email": format!("c{index}@example.com") })
}

/// The deprecated contact list pages by `meta.startAfter`/`meta.startAfterId`
/// (overrides/contacts.yaml) until `meta.total` is read.
#[tokio::test]
#[allow(deprecated)]
async fn the_contact_list_follows_the_meta_cursor() {
    let server = serve(|request| {
        let after = param(request, "startAfterId")
            .and_then(|id| id.trim_start_matches('c').parse::<usize>().ok())
            .map_or(0, |id| id + 1);
        let contacts: Vec<Value> = (after..(after + 2).min(5)).map(contact).collect();
        let last = after + contacts.len() - 1;
        json!({ "contacts": contacts, "meta": {
            "startAfter": 1_700_000_000_000_u64 + last as u64,
            "startAfterId": format!("c{last}"), "total": 5 } })
    })
    .await;
    let ids: Vec<String> = ContactsClient::new(client(&server))
        .get_contacts()
        .location_id(LOCATION)
        .limit(2)
        .paginate()
        .items()
        .map_ok(|contact| contact.id.unwrap_or_default())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, ["c0", "c1", "c2", "c3", "c4"]);
    let queries: Vec<String> = received(&server).await.iter().map(query).collect();
    assert_eq!(
        queries,
        [
            format!("locationId={LOCATION}&limit=2"),
            format!("locationId={LOCATION}&limit=2&startAfter=1700000000001&startAfterId=c1"),
            format!("locationId={LOCATION}&limit=2&startAfter=1700000000003&startAfterId=c3"),
        ]
    );
}

/// A contact of the advanced search, with its `searchAfter`: (sort key, id).
fn searched_contact(index: usize) -> Value {
    let id = format!("c{index:05}");
    json!({ "id": id, "searchAfter": [1_700_000_000_000_u64 + index as u64, id] })
}

/// How many contacts the capped search server holds: past the 10,000 page numbers reach.
const SEARCHABLE: usize = 10_250;

/// The advanced search as the live API answers it: `page` only reaches the first 10,000
/// records (a page beyond them is a 400), `searchAfter` continues after the contact it names,
/// and the two together are refused.
struct CappedSearch;

impl Respond for CappedSearch {
    fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let refuse = |status: u16, message: &str| {
            ResponseTemplate::new(status)
                .set_body_json(json!({ "statusCode": status, "message": message }))
        };
        let limit = body["pageLimit"].as_u64().unwrap_or(20) as usize;
        let start = match (body.get("page"), body.get("searchAfter")) {
            (Some(_), Some(_)) => return refuse(422, "page and searchAfter cannot be combined"),
            (Some(page), None) => {
                let start = (page.as_u64().unwrap_or(1) as usize - 1) * limit;
                if start + limit > 10_000 {
                    return refuse(400, "page beyond 10,000 records: use searchAfter");
                }
                start
            }
            (None, Some(after)) => {
                match after[1]
                    .as_str()
                    .and_then(|id| id.trim_start_matches('c').parse::<usize>().ok())
                {
                    Some(index) => index + 1,
                    None => return refuse(422, "searchAfter is not a cursor this server gave"),
                }
            }
            (None, None) => 0,
        };
        let contacts: Vec<Value> = (start..(start + limit).min(SEARCHABLE))
            .map(searched_contact)
            .collect();
        ResponseTemplate::new(200)
            .set_body_json(json!({ "contacts": contacts, "total": SEARCHABLE }))
    }
}

/// The advanced search's page numbers stop at 10,000 records; `paginate()` walks by the
/// `searchAfter` of each page's last contact (overrides/contacts.yaml) and returns every
/// contact once, in order, on a server that enforces the cap.
#[tokio::test]
async fn a_contact_search_walk_crosses_ten_thousand_records_by_search_after() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(CappedSearch)
        .mount(&server)
        .await;
    let search = ghl_contacts::types::ContactSearchBody::new(LOCATION, 500);
    let ids: Vec<String> = ContactsClient::new(client(&server))
        .search_contacts_advanced(search)
        .paginate()
        .collect_items()
        .await
        .unwrap()
        .into_iter()
        .map(|contact| contact.id.unwrap_or_default())
        .collect();
    let expected: Vec<String> = (0..SEARCHABLE)
        .map(|index| format!("c{index:05}"))
        .collect();
    assert_eq!(ids.len(), SEARCHABLE);
    assert!(ids == expected, "every contact once, in order");
    let requests = received(&server).await;
    // 21 pages of 500, and not one request more: the total says when the walk is done.
    assert_eq!(requests.len(), SEARCHABLE.div_ceil(500));
    let first = body(&requests[0]);
    assert_eq!(first, json!({ "locationId": LOCATION, "pageLimit": 500 }));
    let last = body(&requests[requests.len() - 1]);
    assert_eq!(
        last,
        json!({ "locationId": LOCATION, "pageLimit": 500,
                "searchAfter": [1_700_000_000_000_u64 + 9_999, "c09999"] })
    );
}

/// A server that keeps answering with the cursor it was sent (and full pages) is asked
/// once more, not forever.
#[tokio::test]
#[allow(deprecated)]
async fn a_repeated_contact_cursor_ends_the_walk() {
    let server = serve(|request| {
        let start = if param(request, "startAfterId").is_some() {
            2
        } else {
            0
        };
        json!({ "contacts": [contact(start), contact(start + 1)],
                "meta": { "startAfter": 1, "startAfterId": "same" } })
    })
    .await;
    let pages: Vec<_> = ContactsClient::new(client(&server))
        .get_contacts()
        .location_id(LOCATION)
        .limit(2)
        .paginate()
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 2);
    assert_eq!(received(&server).await.len(), 2);
}

fn message(index: usize) -> Value {
    json!({
        "id": format!("m{index}"), "type": 2, "messageType": "TYPE_SMS", "locationId": LOCATION,
        "contactId": "mTkSCb1UBjb5tk4OvB69", "conversationId": "conv1",
        "dateAdded": "2024-03-01T10:00:00.000Z", "body": format!("Message {index}"),
        "direction": "inbound", "contentType": "text/plain"
    })
}

/// Conversation messages page by `lastMessageId` while `messages.nextPage` is true, the list
/// nested under `messages` (overrides/conversations.yaml); every page sends `Version:
/// 2021-04-15`.
#[tokio::test]
async fn conversation_messages_page_until_next_page_is_false() {
    let server = serve(|request| {
        let after = param(request, "lastMessageId")
            .and_then(|id| id.trim_start_matches('m').parse::<usize>().ok())
            .map_or(0, |id| id + 1);
        let messages: Vec<Value> = (after..after + 3).map(message).collect();
        json!({ "messages": { "messages": messages, "lastMessageId": format!("m{}", after + 2),
                              "nextPage": after + 3 < 9 }, "traceId": "t" })
    })
    .await;
    let ids: Vec<String> = ConversationsClient::new(client(&server))
        .get_messages("conv1")
        .limit(3)
        .paginate()
        .items()
        .map_ok(|message| message.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        ids,
        (0..9).map(|index| format!("m{index}")).collect::<Vec<_>>()
    );
    let requests = received(&server).await;
    let cursors: Vec<Option<String>> = requests
        .iter()
        .map(|request| param(request, "lastMessageId"))
        .collect();
    assert_eq!(
        cursors,
        [None, Some("m2".to_owned()), Some("m5".to_owned())]
    );
    for request in &requests {
        assert_call(
            request,
            "GET",
            "/conversations/conv1/messages",
            &query(request),
            "2021-04-15",
        );
    }
}
