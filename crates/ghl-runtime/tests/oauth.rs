//! OAuth: code exchange, refresh ahead of expiry, single flight, rotated refresh tokens.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use ghl_runtime::auth::{OAuthConfig, Secret, TokenSet, UserType};
use ghl_runtime::store::{
    FileTokenStore, MemoryTokenStore, OwnerTokenStore, RefreshLock, StoreFuture,
};
use ghl_runtime::{Client, Error, Method, Request, RetryPolicy, Scope, TokenKinds};
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

/// A token set that is inside the refresh margin: a day-long token with 60 s left
/// (margin 5 min).
fn stale(access: &str, refresh: &str) -> TokenSet {
    let mut t = TokenSet::new(access, Duration::from_secs(60)).with_refresh_token(refresh);
    t.expires_in = Some(86_399);
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

/// Everything but `replace` (the refresh's save) goes to the inner store.
macro_rules! delegate_but_replace {
    ($inner:tt) => {
        fn load<'a>(&'a self, owner: &'a str) -> StoreFuture<'a, Option<TokenSet>> {
            self.$inner.load(owner)
        }
        fn save<'a>(&'a self, owner: &'a str, tokens: &'a TokenSet) -> StoreFuture<'a, ()> {
            self.$inner.save(owner, tokens)
        }
        fn delete<'a>(&'a self, owner: &'a str) -> StoreFuture<'a, bool> {
            self.$inner.delete(owner)
        }
        fn owners(&self) -> StoreFuture<'_, Vec<String>> {
            self.$inner.owners()
        }
        fn try_lock<'a>(
            &'a self,
            owner: &'a str,
            ttl: Duration,
        ) -> StoreFuture<'a, Option<RefreshLock>> {
            self.$inner.try_lock(owner, ttl)
        }
        fn unlock<'a>(&'a self, owner: &'a str, lock: &'a RefreshLock) -> StoreFuture<'a, ()> {
            self.$inner.unlock(owner, lock)
        }
    };
}

impl OwnerTokenStore for OrderedStore {
    delegate_but_replace!(inner);

    fn replace<'a>(
        &'a self,
        owner: &'a str,
        spent: &'a Secret,
        tokens: &'a TokenSet,
    ) -> StoreFuture<'a, bool> {
        self.server_calls_at_save
            .lock()
            .unwrap()
            .push(self.api_calls.load(Ordering::SeqCst));
        self.inner.replace(owner, spent, tokens)
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

impl OwnerTokenStore for BrokenStore {
    delegate_but_replace!(0);

    fn replace<'a>(&'a self, _: &'a str, _: &'a Secret, _: &'a TokenSet) -> StoreFuture<'a, bool> {
        Box::pin(async {
            Err(Error::TokenStore {
                message: "disk full".to_owned(),
                source: Box::new(std::io::Error::other("no space")),
            })
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
        .save("oauth", &stale("at-1", "rt-1"))
        .await
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
    let saved = FileTokenStore::new(&file).current().await.unwrap().unwrap();
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
    let saved = FileTokenStore::new(&file).current().await.unwrap().unwrap();
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

/// `location_client` on an agency token (the README's way to reach a sub-account): when
/// the location token expires, it is minted again with the agency token, not refused with
/// "authorize the app again".
#[tokio::test]
async fn a_location_client_mints_again_when_its_token_expires() {
    let server = MockServer::start().await;
    let minted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let m = minted.clone();
    Mock::given(method("POST"))
        .and(path("/oauth/locationToken"))
        .and(header("authorization", "Bearer agency-at"))
        .and(body_string_contains("locationId=loc-9"))
        .respond_with(move |_: &wiremock::Request| {
            let n = m.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            // The first token is already stale; the second lives a day.
            ResponseTemplate::new(201).set_body_json(serde_json::json!({
                "access_token": format!("loc-at-{n}"),
                "expires_in": if n == 0 { 0 } else { 86399 },
                "locationId": "loc-9"
            }))
        })
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer loc-at-1"))
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
    for _ in 0..3 {
        location.send_empty(get()).await.unwrap();
    }
    assert_eq!(minted.load(std::sync::atomic::Ordering::SeqCst), 2);
    let saved = store.current().unwrap();
    assert_eq!(saved.access_token.expose(), "loc-at-1");
    assert_eq!(saved.company_id.as_deref(), Some("comp-1"));
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

/// An agency-only route, as generated code marks it.
fn agency_get() -> Request {
    Request::new(
        Method::GET,
        "/saas-api/public-api/locations/{companyId}",
        "/saas-api/public-api/locations/comp-1".to_owned(),
        "2021-04-15",
    )
    .scopes(&["saas/location.read"])
    .token_kinds(TokenKinds::AGENCY)
}

fn agency_client(server: &MockServer, access: &str) -> Client {
    let fresh = TokenSet::new(access, Duration::from_secs(80_000)).with_refresh_token("rt-old");
    Client::builder()
        .oauth(
            config().user_type(UserType::Company),
            Arc::new(MemoryTokenStore::with_tokens(fresh)),
        )
        .base_url(server.uri())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
}

/// An expired agency token on an agency route answers 401 like a location token would:
/// it is refreshed and the call tried again, not reported as AgencyTokenRequired.
#[tokio::test]
async fn an_expired_token_on_an_agency_route_is_refreshed_and_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(body_string_contains("refresh_token=rt-old"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body("at-new", "rt-new")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer at-expired"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(serde_json::json!({"statusCode": 401, "message": "Invalid JWT"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer at-new"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"ok": true})))
        .expect(1)
        .mount(&server)
        .await;
    let client = agency_client(&server, "at-expired");
    let v: serde_json::Value = client.send(agency_get()).await.unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(client.refresh_count(), 1);
}

/// When the refreshed token is refused too, the route really needs an agency token: that
/// is reported, after exactly one refresh.
#[tokio::test]
async fn a_second_401_on_an_agency_route_is_agency_token_required() {
    let server = MockServer::start().await;
    let refreshes = Arc::new(AtomicUsize::new(0));
    let r = refreshes.clone();
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(move |_: &wiremock::Request| {
            r.fetch_add(1, Ordering::SeqCst);
            ResponseTemplate::new(200).set_body_json(token_body("at-new", "rt-new"))
        })
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401).set_body_json(serde_json::json!({
            "statusCode": 401,
            "message": "The token is not authorized for this scope."
        })))
        .mount(&server)
        .await;
    let client = agency_client(&server, "at-location");
    let err = client.send_empty(agency_get()).await.unwrap_err();
    assert!(
        matches!(err, Error::AgencyTokenRequired { status: 401, .. }),
        "{err:?}"
    );
    assert_eq!(refreshes.load(Ordering::SeqCst), 1);
    assert_eq!(client.refresh_count(), 1);
    let gets: Vec<_> = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.method.as_str() == "GET")
        .map(|r| {
            r.headers
                .get("authorization")
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(gets, vec!["Bearer at-location", "Bearer at-new"]);
    let text = format!("{err} {err:?}");
    assert!(
        !text.contains("at-location") && !text.contains("at-new"),
        "{text}"
    );
}

/// A 403 is not a token expiry: no refresh, the error is reported at once.
#[tokio::test]
async fn a_403_is_not_refreshed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body("at-new", "rt-new")))
        .expect(0)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(403))
        .expect(1)
        .mount(&server)
        .await;
    let client = agency_client(&server, "at-1");
    let err = client
        .send_empty(get().scopes(&["contacts.readonly"]))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden { .. }), "{err:?}");
    assert_eq!(client.refresh_count(), 0);
}

/// A token living 60 s with the default 5-minute margin: used for half its life, not
/// refreshed on every call.
#[tokio::test]
async fn a_short_lived_token_is_not_refreshed_on_every_call() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body("at-new", "rt-new")))
        .expect(0)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer at-60"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let short = TokenSet::new("at-60", Duration::from_secs(60)).with_refresh_token("rt");
    assert_eq!(short.expires_in, Some(60));
    assert_eq!(
        short.refresh_margin(Duration::from_secs(300)),
        Duration::from_secs(30)
    );
    let client = Client::builder()
        .oauth(config(), Arc::new(MemoryTokenStore::with_tokens(short)))
        .base_url(server.uri())
        .build()
        .unwrap();
    for _ in 0..20 {
        client.send_empty(get()).await.unwrap();
    }
    assert_eq!(client.refresh_count(), 0);
}

/// The lifetime the server grants is kept with the token set (and in the store), so the
/// cap also applies after a restart.
#[tokio::test]
async fn the_granted_lifetime_is_stored() {
    let server = MockServer::start().await;
    let mut body = token_body("at-1", "rt-1");
    body["expires_in"] = serde_json::json!(120);
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tokens.json");
    let client = Client::builder()
        .oauth(config(), Arc::new(FileTokenStore::new(&file)))
        .base_url(server.uri())
        .build()
        .unwrap();
    let tokens = client.exchange_code("code").await.unwrap();
    assert_eq!(tokens.expires_in, Some(120));
    let saved = FileTokenStore::new(&file).current().await.unwrap().unwrap();
    assert_eq!(saved.expires_in, Some(120));
    assert_eq!(
        saved.refresh_margin(Duration::from_secs(300)),
        Duration::from_secs(60)
    );
}

#[test]
fn install_url_is_built_and_encoded() {
    let config = OAuthConfig::new("6789abcd-lq1x2y3z", SECRET)
        .redirect_uri("https://app.example/oauth/callback?src=ghl&x=a b");
    assert_eq!(
        config
            .install_url(&["contacts.readonly", "invoices/template.write"])
            .unwrap(),
        "https://marketplace.gohighlevel.com/oauth/chooselocation?response_type=code\
         &redirect_uri=https%3A%2F%2Fapp.example%2Foauth%2Fcallback%3Fsrc%3Dghl%26x%3Da%20b\
         &client_id=6789abcd-lq1x2y3z&scope=contacts.readonly%20invoices%2Ftemplate.write"
    );
    assert_eq!(
        config
            .clone()
            .marketplace_url("https://marketplace.leadconnectorhq.com/")
            .install_url_with_state(&["oauth.readonly"], "s/1+2")
            .unwrap(),
        "https://marketplace.leadconnectorhq.com/oauth/chooselocation?response_type=code\
         &redirect_uri=https%3A%2F%2Fapp.example%2Foauth%2Fcallback%3Fsrc%3Dghl%26x%3Da%20b\
         &client_id=6789abcd-lq1x2y3z&scope=oauth.readonly&state=s%2F1%2B2"
    );
    // The page's own URL as the base gives the same URL.
    assert_eq!(
        config
            .clone()
            .marketplace_url("https://marketplace.leadconnectorhq.com/oauth/chooselocation")
            .install_url(&["oauth.readonly"])
            .unwrap(),
        config
            .clone()
            .marketplace_url("https://marketplace.leadconnectorhq.com")
            .install_url(&["oauth.readonly"])
            .unwrap()
    );
    // The result parses as a URL with the values intact.
    let url = url::Url::parse(&config.install_url(&["a.b", "c/d.write"]).unwrap()).unwrap();
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    assert_eq!(
        pairs,
        vec![
            ("response_type".to_owned(), "code".to_owned()),
            (
                "redirect_uri".to_owned(),
                "https://app.example/oauth/callback?src=ghl&x=a b".to_owned()
            ),
            ("client_id".to_owned(), "6789abcd-lq1x2y3z".to_owned()),
            ("scope".to_owned(), "a.b c/d.write".to_owned()),
        ]
    );
}

#[test]
fn install_url_takes_scopes_or_their_names() {
    let typed = config()
        .install_url(&[Scope::ContactsReadonly, Scope::InvoicesTemplateWrite])
        .unwrap();
    let named = config()
        .install_url(&["contacts.readonly", "invoices/template.write"])
        .unwrap();
    assert_eq!(typed, named);
    assert!(typed.contains("&scope=contacts.readonly%20invoices%2Ftemplate.write"));
    // A scope this release does not know yet is passed as named.
    let unknown = config()
        .install_url(&[Scope::from("brand-new.readonly")])
        .unwrap();
    assert!(unknown.ends_with("&scope=brand-new.readonly"), "{unknown}");
    assert_eq!(Scope::ContactsReadonly.as_str(), "contacts.readonly");
    assert_eq!(
        Scope::ContactsReadonly.token_kinds(),
        Some(TokenKinds::LOCATION)
    );
    assert!(
        Scope::ContactsReadonly
            .webhook_events()
            .contains(&"ContactCreate")
    );
    assert!(Scope::ALL.contains(&Scope::MediasWrite));
}

#[test]
fn install_url_needs_a_redirect_uri_and_scopes() {
    let err = OAuthConfig::new("id", SECRET)
        .install_url(&["contacts.readonly"])
        .unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
    assert!(
        err.to_string().contains("OAuthConfig::redirect_uri"),
        "{err}"
    );
    let err = config().install_url::<Scope>(&[]).unwrap_err();
    assert!(err.to_string().contains("at least one scope"), "{err}");
    let err = config()
        .marketplace_url("ftp://example.com")
        .install_url(&["a"])
        .unwrap_err();
    assert!(err.to_string().contains("invalid marketplace URL"), "{err}");
    let text = format!("{err} {err:?}");
    assert!(!text.contains(SECRET), "{text}");
}

/// Without a refresh token there is nothing to retry with: the route's own answer is
/// reported, not "cannot refresh".
#[tokio::test]
async fn an_agency_route_without_a_refresh_token_reports_the_route() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401))
        .expect(1)
        .mount(&server)
        .await;
    let client = Client::builder()
        .oauth(
            config(),
            Arc::new(MemoryTokenStore::with_tokens(TokenSet::new(
                "at-loc",
                Duration::from_secs(80_000),
            ))),
        )
        .base_url(server.uri())
        .build()
        .unwrap();
    let err = client.send_empty(agency_get()).await.unwrap_err();
    assert!(
        matches!(err, Error::AgencyTokenRequired { status: 401, .. }),
        "{err:?}"
    );
    assert_eq!(client.refresh_count(), 0);
}
