//! `App`: many owners' tokens in one `OwnerTokenStore`, a cheap client per owner.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use ghl_runtime::auth::{OAuthConfig, TokenSet};
use ghl_runtime::store::{DirTokenStore, MemoryOwnerStore, OwnerTokenStore};
use ghl_runtime::{App, Client, Error, Method, Request, RetryPolicy};
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &str = "client-SECRET-value";
/// The marketplace app under test: its client id is `{APP_ID}-{suffix}`.
const APP_ID: &str = "66a0419a0dffa47fb5f8b22f";

fn config() -> OAuthConfig {
    OAuthConfig::new(format!("{APP_ID}-lx4k2m1p"), SECRET).redirect_uri("https://app.example/cb")
}

fn app(server: &MockServer, store: Arc<dyn OwnerTokenStore>) -> App {
    App::builder(config(), store)
        .client(
            Client::builder()
                .base_url(server.uri())
                .retry_policy(RetryPolicy::none()),
        )
        .build()
        .unwrap()
}

fn get() -> Request {
    Request::new(
        Method::GET,
        "/contacts/{contactId}",
        "/contacts/c1".to_owned(),
        "2021-07-28",
    )
}

/// A token set that must be refreshed now.
fn stale(access: &str, refresh: &str, location: &str) -> TokenSet {
    let mut t = TokenSet::new(access, Duration::from_secs(60)).with_refresh_token(refresh);
    t.expires_in = Some(86_399);
    t.location_id = Some(location.to_owned());
    t
}

fn fresh(access: &str, refresh: &str, location: &str) -> TokenSet {
    let mut t = TokenSet::new(access, Duration::from_secs(86_399)).with_refresh_token(refresh);
    t.location_id = Some(location.to_owned());
    t
}

fn token_body(access: &str, refresh: &str, location: &str) -> serde_json::Value {
    serde_json::json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": 86399,
        "refresh_token": refresh,
        "userType": "Location",
        "locationId": location,
        "companyId": "comp-1"
    })
}

/// Each location's client sends its own token, rate limited as that location, and one
/// refresh serves all concurrent callers of a location.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_location_gets_its_own_tokens_and_one_refresh() {
    let server = MockServer::start().await;
    let refreshes = Arc::new(AtomicUsize::new(0));
    let r = refreshes.clone();
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(body_string_contains("refresh_token=rt-a1"))
        .respond_with(move |_: &wiremock::Request| {
            r.fetch_add(1, Ordering::SeqCst);
            ResponseTemplate::new(200)
                .set_body_json(token_body("at-a2", "rt-a2", "loc-a"))
                .set_delay(Duration::from_millis(100))
        })
        .mount(&server)
        .await;
    for token in ["at-a2", "at-b1"] {
        Mock::given(method("GET"))
            .and(header("authorization", format!("Bearer {token}").as_str()))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"t": token})))
            .mount(&server)
            .await;
    }
    let store = Arc::new(MemoryOwnerStore::new());
    store.insert("loc-a", stale("at-a1", "rt-a1", "loc-a"));
    store.insert("loc-b", fresh("at-b1", "rt-b1", "loc-b"));
    let app = app(&server, store.clone());
    let mut tasks = Vec::new();
    for i in 0..40 {
        // A new client per call: they still share the owner's token state.
        let client = app.location(if i % 2 == 0 { "loc-a" } else { "loc-b" });
        tasks.push(tokio::spawn(async move {
            client.send::<serde_json::Value>(get()).await
        }));
    }
    for (i, t) in tasks.into_iter().enumerate() {
        let v = t.await.unwrap().unwrap();
        assert_eq!(v["t"], if i % 2 == 0 { "at-a2" } else { "at-b1" });
    }
    assert_eq!(refreshes.load(Ordering::SeqCst), 1);
    let a = store.get("loc-a").unwrap();
    assert_eq!(a.refresh_token.unwrap().expose(), "rt-a2");
    assert_eq!(store.get("loc-b").unwrap().access_token.expose(), "at-b1");
}

/// Another process refreshed first: the stored tokens are taken, not refreshed again.
#[tokio::test]
async fn tokens_refreshed_elsewhere_are_loaded_not_refreshed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer at-2"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/contacts/c1"))
        .and(header("authorization", "Bearer at-1"))
        .respond_with(ResponseTemplate::new(401).set_body_json(serde_json::json!({
            "statusCode": 401, "message": "Invalid JWT"
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/ping"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let store = Arc::new(MemoryOwnerStore::new());
    store.insert("loc-a", fresh("at-1", "rt-1", "loc-a"));
    let app = app(&server, store.clone());
    let client = app.location("loc-a");
    let ping = || Request::new(Method::GET, "/ping", "/ping".to_owned(), "2021-07-28");
    client.send_empty(ping()).await.unwrap();
    assert_eq!(client.tokens().unwrap().access_token.expose(), "at-1");
    // Another process refreshes; the server now refuses at-1.
    store.insert("loc-a", fresh("at-2", "rt-2", "loc-a"));
    client.send_empty(get()).await.unwrap();
    assert_eq!(client.tokens().unwrap().access_token.expose(), "at-2");
    assert_eq!(client.refresh_count(), 0);
}

/// The fencing check: a refresh whose spent token is no longer stored does not overwrite
/// the stored set.
#[tokio::test]
async fn a_refresh_never_overwrites_newer_stored_tokens() {
    let server = MockServer::start().await;
    let store = Arc::new(MemoryOwnerStore::new());
    store.insert("loc-a", stale("at-1", "rt-1", "loc-a"));
    let s = store.clone();
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(move |_: &wiremock::Request| {
            // A reinstall lands while the refresh is in flight.
            s.insert("loc-a", fresh("at-re", "rt-re", "loc-a"));
            ResponseTemplate::new(200).set_body_json(token_body("at-2", "rt-2", "loc-a"))
        })
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer at-re"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let app = app(&server, store.clone());
    app.location("loc-a").send_empty(get()).await.unwrap();
    assert_eq!(store.get("loc-a").unwrap().access_token.expose(), "at-re");
}

/// Install stores the new installation under its location; uninstall deletes it; a
/// client of an owner without tokens says so.
#[tokio::test]
async fn install_and_uninstall_go_through_the_store() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(body_string_contains("grant_type=authorization_code"))
        .and(body_string_contains("user_type=Location"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body("at-9", "rt-9", "loc-9")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer at-9"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(DirTokenStore::new(dir.path()));
    let app = app(&server, store.clone());
    let tokens = app.install("code-1").await.unwrap();
    assert_eq!(tokens.owner(), Some("loc-9"));
    assert_eq!(store.owners().await.unwrap(), vec!["loc-9".to_owned()]);
    app.location("loc-9").send_empty(get()).await.unwrap();
    assert!(app.uninstall("loc-9").await.unwrap());
    let err = App::builder(config(), store.clone())
        .client(Client::builder().base_url(server.uri()))
        .build()
        .unwrap()
        .location("loc-9")
        .send_empty(get())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
    assert!(err.to_string().contains("loc-9"), "{err}");
    // A client with credentials is refused as the app's template.
    assert!(
        App::builder(config(), store)
            .client(Client::builder().token("pit"))
            .build()
            .is_err()
    );
}

/// A location token minted from the agency token has no refresh token: when it expires,
/// the app mints a new one with the company's token.
#[tokio::test]
async fn an_expired_location_token_is_minted_again_from_the_agency_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/locationToken"))
        .and(header("authorization", "Bearer agency-at"))
        .and(body_string_contains("companyId=comp-1"))
        .and(body_string_contains("locationId=loc-7"))
        .respond_with(ResponseTemplate::new(201).set_body_json(serde_json::json!({
            "access_token": "loc-at-2",
            "token_type": "Bearer",
            "expires_in": 86399,
            "locationId": "loc-7",
            "userType": "Location"
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer loc-at-2"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let store = Arc::new(MemoryOwnerStore::new());
    let mut agency =
        TokenSet::new("agency-at", Duration::from_secs(86_399)).with_refresh_token("agency-rt");
    agency.company_id = Some("comp-1".to_owned());
    agency.user_type = Some("Company".to_owned());
    store.insert("comp-1", agency);
    let mut expired = TokenSet::new("loc-at-1", Duration::from_secs(0));
    expired.location_id = Some("loc-7".to_owned());
    expired.company_id = Some("comp-1".to_owned());
    store.insert("loc-7", expired);
    let app = app(&server, store.clone());
    let client = app.location("loc-7");
    for _ in 0..3 {
        client.send_empty(get()).await.unwrap();
    }
    let stored = store.get("loc-7").unwrap();
    assert_eq!(stored.access_token.expose(), "loc-at-2");
    assert_eq!(stored.company_id.as_deref(), Some("comp-1"));
}

/// A location whose refresh is refused (revoked, or spent by a process that crashed
/// before saving) is minted again from the agency token, once, and the call goes through;
/// when the agency token cannot mint either, the error names both causes.
#[tokio::test]
async fn a_refused_location_refresh_falls_back_to_the_agency_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(body_string_contains("refresh_token=rt-dead"))
        .respond_with(ResponseTemplate::new(401).set_body_json(serde_json::json!({
            "error": "invalid_grant", "error_description": "Invalid grant: refresh token is invalid"
        })))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/locationToken"))
        .and(header("authorization", "Bearer agency-at"))
        .and(body_string_contains("locationId=loc-7"))
        .respond_with(ResponseTemplate::new(201).set_body_json(serde_json::json!({
            "access_token": "loc-at-2", "expires_in": 86399, "locationId": "loc-7"
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer loc-at-2"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let store = Arc::new(MemoryOwnerStore::new());
    let mut agency = TokenSet::new("agency-at", Duration::from_secs(86_399));
    agency.company_id = Some("comp-1".to_owned());
    store.insert("comp-1", agency);
    let mut dead = stale("loc-at-1", "rt-dead", "loc-7");
    dead.company_id = Some("comp-1".to_owned());
    store.insert("loc-7", dead.clone());
    let app = app(&server, store.clone());
    let client = app.location("loc-7");
    for _ in 0..3 {
        client.send_empty(get()).await.unwrap();
    }
    let stored = store.get("loc-7").unwrap();
    assert_eq!(stored.access_token.expose(), "loc-at-2");
    assert_eq!(stored.company_id.as_deref(), Some("comp-1"));

    // No agency token stored for the company: both causes are named, no secret.
    let mut orphan = dead;
    orphan.company_id = Some("comp-gone".to_owned());
    store.insert("loc-8", orphan);
    let err = app.location("loc-8").send_empty(get()).await.unwrap_err();
    let text = err.to_string();
    assert!(text.contains("its refresh was refused"), "{text}");
    assert!(text.contains("POST /oauth/token"), "{text}");
    assert!(text.contains("comp-gone"), "{text}");
    assert!(text.contains("authorize the app again"), "{text}");
    assert!(
        !text.contains("rt-dead") && !text.contains(SECRET),
        "{text}"
    );
}

/// Bulk minting stores a token per location and reports the failures.
#[tokio::test]
async fn location_tokens_are_minted_in_bulk() {
    let server = MockServer::start().await;
    for loc in ["loc-1", "loc-2"] {
        Mock::given(method("POST"))
            .and(path("/oauth/locationToken"))
            .and(body_string_contains(format!("locationId={loc}").as_str()))
            .respond_with(ResponseTemplate::new(201).set_body_json(serde_json::json!({
                "access_token": format!("at-{loc}"),
                "expires_in": 86399,
                "locationId": loc,
            })))
            .mount(&server)
            .await;
    }
    Mock::given(method("POST"))
        .and(path("/oauth/locationToken"))
        .respond_with(ResponseTemplate::new(400).set_body_json(serde_json::json!({
            "statusCode": 400, "message": "location not installed"
        })))
        .mount(&server)
        .await;
    let store = Arc::new(MemoryOwnerStore::new());
    let mut agency = TokenSet::new("agency-at", Duration::from_secs(86_399));
    agency.company_id = Some("comp-1".to_owned());
    store.insert("comp-1", agency);
    let app = app(&server, store.clone());
    let failed = app
        .mint_locations("comp-1", &["loc-1", "loc-2", "loc-3"])
        .await;
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].0, "loc-3");
    assert_eq!(
        store.get("loc-2").unwrap().access_token.expose(),
        "at-loc-2"
    );
    assert_eq!(
        store.get("loc-2").unwrap().company_id.as_deref(),
        Some("comp-1")
    );
    assert!(store.get("loc-3").is_none());
}

/// Every installed location, read page by page with the agency token, gets its token minted:
/// pages of 100 until a short one, `skip` advancing by what was read.
#[tokio::test]
async fn installed_locations_are_listed_page_by_page_and_minted() {
    let server = MockServer::start().await;
    let location = |i: usize| serde_json::json!({ "_id": format!("loc-{i:03}"), "name": "x", "isInstalled": true });
    for (skip, range) in [("0", 0..100), ("100", 100..200), ("200", 200..230)] {
        Mock::given(method("GET"))
            .and(path("/oauth/installedLocations"))
            .and(wiremock::matchers::query_param("skip", skip))
            .and(wiremock::matchers::query_param("limit", "100"))
            .and(wiremock::matchers::query_param("companyId", "comp-1"))
            .and(wiremock::matchers::query_param("appId", "app-1"))
            .and(wiremock::matchers::query_param("isInstalled", "true"))
            .and(header("authorization", "Bearer agency-at"))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "locations": range.map(location).collect::<Vec<_>>(),
                "count": 230,
                "installToFutureLocations": true
            })))
            .mount(&server)
            .await;
    }
    Mock::given(method("POST"))
        .and(path("/oauth/locationToken"))
        .respond_with(|request: &wiremock::Request| {
            let body = String::from_utf8_lossy(&request.body).into_owned();
            let location = body
                .split('&')
                .find_map(|pair| pair.strip_prefix("locationId="))
                .unwrap_or_default()
                .to_owned();
            ResponseTemplate::new(201).set_body_json(serde_json::json!({
                "access_token": format!("at-{location}"),
                "expires_in": 86399,
                "locationId": location,
            }))
        })
        .mount(&server)
        .await;
    let store = Arc::new(MemoryOwnerStore::new());
    let mut agency = TokenSet::new("agency-at", Duration::from_secs(86_399));
    agency.company_id = Some("comp-1".to_owned());
    store.insert("comp-1", agency);
    // 233 calls: unpaced here (the limiter's pacing has tests of its own).
    let app = App::builder(config(), store.clone())
        .client(
            Client::builder()
                .base_url(server.uri())
                .retry_policy(RetryPolicy::none())
                .no_rate_limit(),
        )
        .build()
        .unwrap();
    let failed = app
        .mint_installed_locations("comp-1", "app-1")
        .await
        .unwrap();
    assert!(failed.is_empty(), "{failed:?}");
    for i in [0, 99, 100, 229] {
        let id = format!("loc-{i:03}");
        assert_eq!(
            store.get(&id).unwrap().access_token.expose(),
            format!("at-{id}")
        );
    }
    let received = server.received_requests().await.unwrap();
    let pages = received
        .iter()
        .filter(|r| r.url.path() == "/oauth/installedLocations")
        .count();
    assert_eq!(pages, 3);
    assert_eq!(received.len(), 3 + 230);
}

/// The webhook helper keeps the store in step: an UNINSTALL deletes the location's
/// tokens, an INSTALL of a location under a stored agency mints and stores its token, and
/// a forged delivery or another app's install event changes nothing.
#[tokio::test]
async fn install_webhooks_update_the_store() {
    use ed25519_dalek::Signer as _;
    use ghl_runtime::webhooks::{HeaderMap, WebhookVerifier};
    let key = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
    let b64 = |b: &[u8]| {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(b)
    };
    let mut spki = vec![
        0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
    ];
    spki.extend_from_slice(key.verifying_key().as_bytes());
    let verifier = WebhookVerifier::new()
        .ed25519_public_key(&b64(&spki))
        .unwrap();
    let deliver = |value: serde_json::Value, key: &ed25519_dalek::SigningKey| {
        let body = serde_json::to_vec(&value).unwrap();
        let mut h = HeaderMap::new();
        h.insert(
            "x-ghl-signature",
            b64(&key.sign(&body).to_bytes()).parse().unwrap(),
        );
        (h, body)
    };

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/locationToken"))
        .and(body_string_contains("locationId=loc-new"))
        .respond_with(ResponseTemplate::new(201).set_body_json(serde_json::json!({
            "access_token": "at-new", "expires_in": 86399, "locationId": "loc-new"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let store = Arc::new(MemoryOwnerStore::new());
    let mut agency = TokenSet::new("agency-at", Duration::from_secs(86_399));
    agency.company_id = Some("comp-1".to_owned());
    store.insert("comp-1", agency);
    store.insert("loc-old", fresh("at-old", "rt-old", "loc-old"));
    let app = app(&server, store.clone());

    let forged = ed25519_dalek::SigningKey::from_bytes(&[9u8; 32]);
    let uninstall = serde_json::json!({
        "type": "UNINSTALL", "appId": APP_ID, "locationId": "loc-old", "companyId": "comp-1"
    });
    let (h, body) = deliver(uninstall.clone(), &forged);
    assert!(app.verify_webhook(&verifier, &h, &body).await.is_err());
    assert!(store.get("loc-old").is_some());
    // HighLevel signs every app's deliveries with the same key: another app's genuine
    // UNINSTALL of the same location (or one naming no app) must not touch our tokens.
    for other in [
        serde_json::json!({
            "type": "UNINSTALL", "appId": "77b0419a0dffa47fb5f8b999",
            "locationId": "loc-old", "companyId": "comp-1"
        }),
        serde_json::json!({"type": "UNINSTALL", "locationId": "loc-old", "companyId": "comp-1"}),
        serde_json::json!({"type": "UNINSTALL", "appId": "", "companyId": "comp-1"}),
    ] {
        let (h, body) = deliver(other, &key);
        let delivery = app.verify_webhook(&verifier, &h, &body).await.unwrap();
        assert!(matches!(
            delivery.event,
            ghl_runtime::webhooks::WebhookEvent::AppUninstall(_)
        ));
        assert!(store.get("loc-old").is_some());
        assert!(store.get("comp-1").is_some());
    }
    let (h, body) = deliver(
        serde_json::json!({
            "type": "INSTALL", "appId": "77b0419a0dffa47fb5f8b999", "installType": "Location",
            "locationId": "loc-other", "companyId": "comp-1"
        }),
        &key,
    );
    app.verify_webhook(&verifier, &h, &body).await.unwrap();
    assert!(store.get("loc-other").is_none());
    let (h, body) = deliver(uninstall, &key);
    app.verify_webhook(&verifier, &h, &body).await.unwrap();
    assert!(store.get("loc-old").is_none());

    let (h, body) = deliver(
        serde_json::json!({
            "type": "INSTALL", "appId": APP_ID, "installType": "Location",
            "locationId": "loc-new", "companyId": "comp-1"
        }),
        &key,
    );
    app.verify_webhook(&verifier, &h, &body).await.unwrap();
    let minted = store.get("loc-new").unwrap();
    assert_eq!(minted.access_token.expose(), "at-new");
    assert_eq!(minted.company_id.as_deref(), Some("comp-1"));
}
