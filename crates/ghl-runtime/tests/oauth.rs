//! OAuth: code exchange, refresh ahead of expiry, single flight, rotated refresh tokens.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use ghl_runtime::auth::{
    FileTokenStore, MemoryTokenStore, OAuthConfig, TokenSet, TokenStore, UserType,
};
use ghl_runtime::{Client, Error, Method, Request, RetryPolicy};
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &str = "client-SECRET-value";

fn config() -> OAuthConfig {
    OAuthConfig::new("client-1", SECRET)
        .redirect_uri("https://app.example/cb")
        .user_type(UserType::Location)
}

fn token_body(access: &str, refresh: &str) -> serde_json::Value {
    serde_json::json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": 86399,
        "refresh_token": refresh,
        "scope": "contacts.readonly",
        "userType": "Location",
        "locationId": "loc-1",
        "companyId": "comp-1"
    })
}

fn get() -> Request {
    Request::new(
        Method::GET,
        "/contacts/{contactId}",
        "/contacts/c1".to_owned(),
        "2021-07-28",
    )
}

fn form(req: &wiremock::Request) -> Vec<(String, String)> {
    url::form_urlencoded::parse(&req.body)
        .into_owned()
        .collect()
}

/// A token set that is inside the refresh margin (expires in 60 s, margin 5 min).
fn stale(access: &str, refresh: &str) -> TokenSet {
    let mut t = TokenSet::new(access, Duration::from_secs(60)).with_refresh_token(refresh);
    t.location_id = Some("loc-1".to_owned());
    t
}

#[tokio::test]
async fn code_exchange_posts_the_documented_form_and_saves() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body("at-1", "rt-1")))
        .mount(&server)
        .await;
    let store = Arc::new(MemoryTokenStore::new());
    let client = Client::builder()
        .oauth(config(), store.clone())
        .base_url(server.uri())
        .build()
        .unwrap();
    assert!(client.tokens().is_none());
    let tokens = client.exchange_code("code-xyz").await.unwrap();
    assert_eq!(tokens.access_token.expose(), "at-1");
    assert_eq!(tokens.location_id.as_deref(), Some("loc-1"));
    assert!(tokens.is_fresh(Duration::from_secs(86_000)));
    assert_eq!(store.current(), Some(tokens));

    let received = server.received_requests().await.unwrap();
    let r = &received[0];
    assert!(r.headers.get("authorization").is_none());
    assert_eq!(
        r.headers.get("content-type").unwrap(),
        "application/x-www-form-urlencoded"
    );
    let f = form(r);
    let get = |k: &str| f.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    assert_eq!(get("client_id"), Some("client-1"));
    assert_eq!(get("client_secret"), Some(SECRET));
    assert_eq!(get("grant_type"), Some("authorization_code"));
    assert_eq!(get("code"), Some("code-xyz"));
    assert_eq!(get("redirect_uri"), Some("https://app.example/cb"));
    assert_eq!(get("user_type"), Some("Location"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundred_concurrent_calls_across_expiry_refresh_once() {
    let server = MockServer::start().await;
    let refreshes = Arc::new(AtomicUsize::new(0));
    let r = refreshes.clone();
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(body_string_contains("grant_type=refresh_token"))
        .and(body_string_contains("refresh_token=rt-old"))
        .respond_with(move |_: &wiremock::Request| {
            r.fetch_add(1, Ordering::SeqCst);
            ResponseTemplate::new(200)
                .set_body_json(token_body("at-new", "rt-new"))
                .set_delay(Duration::from_millis(100))
        })
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/contacts/c1"))
        .and(header("authorization", "Bearer at-new"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"id": "c1"})))
        .mount(&server)
        .await;

    let store = Arc::new(MemoryTokenStore::with_tokens(stale("at-old", "rt-old")));
    let client = Client::builder()
        .oauth(config(), store.clone())
        .base_url(server.uri())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let mut tasks = Vec::new();
    for _ in 0..100 {
        let c = client.clone();
        tasks.push(tokio::spawn(async move {
            c.send::<serde_json::Value>(get()).await
        }));
    }
    for t in tasks {
        let v = t.await.unwrap().unwrap();
        assert_eq!(v["id"], "c1");
    }
    assert_eq!(refreshes.load(Ordering::SeqCst), 1);
    assert_eq!(client.refresh_count(), 1);
    let stored = store.current().unwrap();
    assert_eq!(stored.refresh_token.as_ref().unwrap().expose(), "rt-new");
    assert_eq!(stored.access_token.expose(), "at-new");
    assert_eq!(store.save_count(), 1);
}

/// A store that records the order of saves relative to API calls.
struct OrderedStore {
    inner: MemoryTokenStore,
    server_calls_at_save: std::sync::Mutex<Vec<usize>>,
    api_calls: Arc<AtomicUsize>,
}

impl TokenStore for OrderedStore {
    fn load(&self) -> ghl_runtime::Result<Option<TokenSet>> {
        self.inner.load()
    }
    fn save(&self, tokens: &TokenSet) -> ghl_runtime::Result<()> {
        self.server_calls_at_save
            .lock()
            .unwrap()
            .push(self.api_calls.load(Ordering::SeqCst));
        self.inner.save(tokens)
    }
}

#[tokio::test]
async fn rotated_refresh_token_is_saved_before_the_new_access_token_is_used() {
    let server = MockServer::start().await;
    let api_calls = Arc::new(AtomicUsize::new(0));
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body("at-new", "rt-new")))
        .mount(&server)
        .await;
    let a = api_calls.clone();
    Mock::given(method("GET"))
        .respond_with(move |_: &wiremock::Request| {
            a.fetch_add(1, Ordering::SeqCst);
            ResponseTemplate::new(200)
        })
        .mount(&server)
        .await;
    let store = Arc::new(OrderedStore {
        inner: MemoryTokenStore::with_tokens(stale("at-old", "rt-old")),
        server_calls_at_save: Default::default(),
        api_calls: api_calls.clone(),
    });
    let client = Client::builder()
        .oauth(config(), store.clone())
        .base_url(server.uri())
        .build()
        .unwrap();
    client.send_empty(get()).await.unwrap();
    assert_eq!(*store.server_calls_at_save.lock().unwrap(), vec![0]);
    assert_eq!(api_calls.load(Ordering::SeqCst), 1);
}

/// A store whose save always fails: the new token must not be used.
struct BrokenStore(MemoryTokenStore);

impl TokenStore for BrokenStore {
    fn load(&self) -> ghl_runtime::Result<Option<TokenSet>> {
        self.0.load()
    }
    fn save(&self, _: &TokenSet) -> ghl_runtime::Result<()> {
        Err(Error::TokenStore {
            message: "disk full".to_owned(),
            source: Box::new(std::io::Error::other("no space")),
        })
    }
}

#[tokio::test]
async fn a_failed_save_stops_the_call() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body("at-new", "rt-new")))
        .mount(&server)
        .await;
    let client = Client::builder()
        .oauth(
            config(),
            Arc::new(BrokenStore(MemoryTokenStore::with_tokens(stale(
                "at-old", "rt-old",
            )))),
        )
        .base_url(server.uri())
        .build()
        .unwrap();
    let err = client.send_empty(get()).await.unwrap_err();
    assert!(matches!(err, Error::TokenStore { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        !text.contains("at-new") && !text.contains("rt-new"),
        "{text}"
    );
    // Only the refresh went out, no API call with an unsaved token.
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn restart_resumes_from_the_file_store() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ghl-tokens.json");
    FileTokenStore::new(&file)
        .save(&stale("at-1", "rt-1"))
        .unwrap();

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(body_string_contains("refresh_token=rt-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body("at-2", "rt-2")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(body_string_contains("refresh_token=rt-2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body("at-3", "rt-3")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;

    // First process: refreshes with rt-1, persists rt-2.
    {
        let client = Client::builder()
            .oauth(config(), Arc::new(FileTokenStore::new(&file)))
            .base_url(server.uri())
            .build()
            .unwrap();
        client.send_empty(get()).await.unwrap();
    }
    let saved = FileTokenStore::new(&file).load().unwrap().unwrap();
    assert_eq!(saved.refresh_token.as_ref().unwrap().expose(), "rt-2");

    // Second process: starts from the file, the fresh at-2 is used without a refresh.
    let client = Client::builder()
        .oauth(config(), Arc::new(FileTokenStore::new(&file)))
        .base_url(server.uri())
        .build()
        .unwrap();
    client.send_empty(get()).await.unwrap();
    assert_eq!(client.refresh_count(), 0);
    let last = server.received_requests().await.unwrap();
    assert_eq!(
        last.last().unwrap().headers.get("authorization").unwrap(),
        "Bearer at-2"
    );
    // And the next refresh uses the rotated rt-2.
    client.refresh_now().await.unwrap();
    let saved = FileTokenStore::new(&file).load().unwrap().unwrap();
    assert_eq!(saved.refresh_token.as_ref().unwrap().expose(), "rt-3");
}

#[tokio::test]
async fn a_401_with_a_fresh_token_refreshes_once_and_retries() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body("at-new", "rt-new")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer at-revoked"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(serde_json::json!({"statusCode": 401, "message": "Invalid JWT"})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer at-new"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let fresh = TokenSet::new("at-revoked", Duration::from_secs(80_000)).with_refresh_token("rt");
    let client = Client::builder()
        .oauth(config(), Arc::new(MemoryTokenStore::with_tokens(fresh)))
        .base_url(server.uri())
        .build()
        .unwrap();
    client.send_empty(get()).await.unwrap();
    assert_eq!(client.refresh_count(), 1);
}

#[tokio::test]
async fn agency_token_mints_a_location_client() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/locationToken"))
        .and(header("authorization", "Bearer agency-at"))
        .and(body_string_contains("companyId=comp-1"))
        .and(body_string_contains("locationId=loc-9"))
        .respond_with(ResponseTemplate::new(201).set_body_json(serde_json::json!({
            "access_token": "loc-at",
            "token_type": "Bearer",
            "expires_in": 86399,
            "scope": "contacts.readonly",
            "locationId": "loc-9",
            "userType": "Location"
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer loc-at"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let agency = Client::builder()
        .oauth(
            config().user_type(UserType::Company),
            Arc::new(MemoryTokenStore::with_tokens(
                TokenSet::new("agency-at", Duration::from_secs(80_000)).with_refresh_token("rt"),
            )),
        )
        .base_url(server.uri())
        .build()
        .unwrap();
    let store = Arc::new(MemoryTokenStore::new());
    let location = agency
        .location_client("comp-1", "loc-9", store.clone())
        .await
        .unwrap();
    location.send_empty(get()).await.unwrap();
    assert_eq!(
        store.current().unwrap().location_id.as_deref(),
        Some("loc-9")
    );
}

#[tokio::test]
async fn failed_refresh_reports_without_secrets() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(401).set_body_json(serde_json::json!({
            "error": "invalid_grant",
            "error_description": "refresh token rt-old is invalid"
        })))
        .mount(&server)
        .await;
    let client = Client::builder()
        .oauth(
            config(),
            Arc::new(MemoryTokenStore::with_tokens(stale("at-old", "rt-old"))),
        )
        .base_url(server.uri())
        .build()
        .unwrap();
    let err = client.send_empty(get()).await.unwrap_err();
    assert!(matches!(err, Error::Unauthorized { .. }), "{err:?}");
    let text = format!("{err} {err:?}");
    assert!(!text.contains(SECRET));
    assert!(!text.contains("at-old"));
    assert!(text.contains("POST /oauth/token"), "{text}");
}
