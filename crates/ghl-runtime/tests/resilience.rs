//! Retries, backoff, rate limits and timeouts against a misbehaving local server.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use ghl_runtime::ratelimit::{RateLimitConfig, RateLimiter};
use ghl_runtime::{Client, Error, Method, Request, RetryPolicy};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_retries: 3,
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
        max_retry_after: Duration::from_secs(2),
        ..RetryPolicy::default()
    }
}

fn client_with(server: &MockServer, policy: RetryPolicy) -> Client {
    Client::builder()
        .token("pit-x")
        .base_url(server.uri())
        .retry_policy(policy)
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

fn post() -> Request {
    Request::new(
        Method::POST,
        "/contacts/",
        "/contacts/".to_owned(),
        "2021-07-28",
    )
    .json(&serde_json::json!({"email": "a@b.c"}))
}

/// Answers 503 to every 5th request, 200 otherwise.
fn every_fifth_fails(counter: Arc<AtomicUsize>) -> impl Fn(&wiremock::Request) -> ResponseTemplate {
    move |_req: &wiremock::Request| {
        let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
        if n % 5 == 0 {
            ResponseTemplate::new(503).set_body_string("upstream unavailable")
        } else {
            ResponseTemplate::new(200).set_body_json(serde_json::json!({"n": n}))
        }
    }
}

#[tokio::test]
async fn gets_survive_a_503_on_every_fifth_request() {
    let server = MockServer::start().await;
    let counter = Arc::new(AtomicUsize::new(0));
    Mock::given(method("GET"))
        .respond_with(every_fifth_fails(counter.clone()))
        .mount(&server)
        .await;
    let client = client_with(&server, fast_retries());
    for _ in 0..40 {
        let v: serde_json::Value = client.send(get()).await.unwrap();
        assert!(v["n"].as_u64().unwrap() % 5 != 0);
    }
    // 40 successes + the 9 503s among the first 49 requests, each retried.
    assert_eq!(counter.load(Ordering::SeqCst), 49);
}

#[tokio::test]
async fn posts_are_not_retried_on_5xx_unless_opted_in() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let client = client_with(&server, fast_retries());
    let err = client.send_empty(post()).await.unwrap_err();
    assert!(matches!(err, Error::Http { status: 503, .. }), "{err:?}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);

    server.reset().await;
    let counter = Arc::new(AtomicUsize::new(4)); // the first request is the 5th: 503
    Mock::given(method("POST"))
        .respond_with(every_fifth_fails(counter))
        .mount(&server)
        .await;
    let opted_in = Client::builder()
        .token("pit-x")
        .base_url(server.uri())
        .retry_policy(fast_retries())
        .retry_non_idempotent(true)
        .build()
        .unwrap();
    opted_in.send_empty(post()).await.unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn burst_of_429_with_retry_after_is_honoured() {
    let server = MockServer::start().await;
    let counter = Arc::new(AtomicUsize::new(0));
    let c = counter.clone();
    Mock::given(method("POST"))
        .respond_with(move |_: &wiremock::Request| {
            if c.fetch_add(1, Ordering::SeqCst) < 2 {
                ResponseTemplate::new(429)
                    .insert_header("Retry-After", "1")
                    .set_body_json(serde_json::json!({"message": "Too many requests"}))
            } else {
                ResponseTemplate::new(201).set_body_json(serde_json::json!({"id": "x"}))
            }
        })
        .mount(&server)
        .await;
    let client = client_with(&server, fast_retries());
    let start = Instant::now();
    // A 429 means the server did not act: POST is retried too.
    let v: serde_json::Value = client.send(post()).await.unwrap();
    assert_eq!(v["id"], "x");
    let waited = start.elapsed();
    assert!(waited >= Duration::from_millis(1900), "waited {waited:?}");
    assert!(waited < Duration::from_secs(5), "waited {waited:?}");
    assert_eq!(counter.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn burst_of_429_without_retry_after_backs_off_then_gives_up() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429))
        .mount(&server)
        .await;
    let client = client_with(&server, fast_retries());
    let err = client.send_empty(get()).await.unwrap_err();
    match &err {
        Error::RateLimited {
            retry_after, daily, ..
        } => {
            assert_eq!(*retry_after, None);
            assert!(!daily);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.to_string().contains("GET /contacts/{contactId}"));
    assert_eq!(server.received_requests().await.unwrap().len(), 4);
}

#[tokio::test]
async fn retry_after_beyond_the_limit_fails_at_once() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "3600"))
        .mount(&server)
        .await;
    let client = client_with(&server, fast_retries());
    let err = client.send_empty(get()).await.unwrap_err();
    assert!(
        matches!(err, Error::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(3600)),
        "{err:?}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn slow_responses_time_out_and_are_retried_for_gets() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    let client = Client::builder()
        .token("pit-x")
        .base_url(server.uri())
        .timeout(Duration::from_millis(150))
        .retry_policy(RetryPolicy {
            max_retries: 1,
            ..fast_retries()
        })
        .build()
        .unwrap();
    let start = Instant::now();
    let err = client.send_empty(get()).await.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(err.is_retryable());
    assert!(start.elapsed() < Duration::from_secs(2));
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
    assert!(err.to_string().contains("0.1s") || err.to_string().contains("0.2s"));
}

#[tokio::test]
async fn connection_refused_is_a_transport_error_after_retries() {
    // A port on loopback with nothing listening.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let client = Client::builder()
        .token("pit-SECRET")
        .base_url(format!("http://127.0.0.1:{port}"))
        .retry_policy(fast_retries())
        .build()
        .unwrap();
    let err = client.send_empty(post()).await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("POST /contacts/"), "{text}");
    assert!(!text.contains("SECRET"));
}

#[tokio::test]
async fn retry_budget_stops_hammering_a_dead_server() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let client = client_with(
        &server,
        RetryPolicy {
            budget: 4.0,
            budget_refill_per_second: 0.0,
            ..fast_retries()
        },
    );
    for _ in 0..5 {
        let err = client.send_empty(get()).await.unwrap_err();
        assert!(matches!(err, Error::Http { status: 500, .. }));
    }
    // 5 first attempts + 4 retries from the budget, not 5 * 4 = 20 requests.
    assert_eq!(server.received_requests().await.unwrap().len(), 9);
}

#[tokio::test]
async fn rate_limit_headers_are_readable_and_pace_requests() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("X-RateLimit-Max", "100")
                .insert_header("X-RateLimit-Remaining", "0")
                .insert_header("X-RateLimit-Interval-Milliseconds", "300")
                .insert_header("X-RateLimit-Limit-Daily", "200000")
                .insert_header("X-RateLimit-Daily-Remaining", "199000"),
        )
        .mount(&server)
        .await;
    let client = Client::builder()
        .token("pit-x")
        .base_url(server.uri())
        .rate_limit_owner("loc-1")
        .build()
        .unwrap();
    assert!(client.rate_limits().is_none());
    client.send_empty(get()).await.unwrap();
    let snap = client.rate_limits().unwrap();
    assert_eq!(snap.remaining, Some(0));
    assert_eq!(snap.max, Some(100));
    assert_eq!(snap.daily_limit, Some(200_000));
    assert_eq!(snap.daily_remaining, Some(199_000));
    assert_eq!(snap.interval, Some(Duration::from_millis(300)));
    // Remaining 0: the next call waits for the interval.
    let start = Instant::now();
    client.send_empty(get()).await.unwrap();
    assert!(
        start.elapsed() >= Duration::from_millis(250),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test]
async fn a_shared_limiter_paces_per_owner_across_clients() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("X-RateLimit-Remaining", "0")
                .insert_header("X-RateLimit-Interval-Milliseconds", "300"),
        )
        .mount(&server)
        .await;
    let limiter = RateLimiter::default();
    let client_for = |token: &str, owner: &str| {
        Client::builder()
            .token(token)
            .base_url(server.uri())
            .rate_limiter(limiter.clone())
            .rate_limit_owner(owner)
            .build()
            .unwrap()
    };
    // Two tokens of one location share its quota; another location has its own.
    let first = client_for("pit-a", "loc-1");
    let second = client_for("pit-b", "loc-1");
    let other = client_for("pit-c", "loc-2");
    first.send_empty(get()).await.unwrap();
    assert_eq!(second.rate_limits().and_then(|s| s.remaining), Some(0));
    assert!(other.rate_limits().is_none());

    let start = Instant::now();
    other.send_empty(get()).await.unwrap();
    assert!(
        start.elapsed() < Duration::from_millis(200),
        "{:?}",
        start.elapsed()
    );
    let start = Instant::now();
    second.send_empty(get()).await.unwrap();
    assert!(
        start.elapsed() >= Duration::from_millis(250),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test]
async fn local_limiter_caps_the_request_rate() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let client = Client::builder()
        .token("pit-x")
        .base_url(server.uri())
        .rate_limit(RateLimitConfig {
            max_requests: 10,
            interval: Duration::from_millis(500),
        })
        .build()
        .unwrap();
    let start = Instant::now();
    for _ in 0..15 {
        client.send_empty(get()).await.unwrap();
    }
    // 10 at once, then 5 more at one per 50 ms.
    let elapsed = start.elapsed();
    assert!(elapsed >= Duration::from_millis(200), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
}

#[tokio::test]
async fn daily_quota_exhaustion_fails_fast() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).insert_header("X-RateLimit-Daily-Remaining", "0"))
        .mount(&server)
        .await;
    let client = client_with(&server, fast_retries());
    client.send_empty(get()).await.unwrap();
    let err = client.send_empty(get()).await.unwrap_err();
    assert!(
        matches!(err, Error::RateLimited { daily: true, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("daily"));
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

/// `X-RateLimit-Daily-Reset` says when the daily quota returns: calls are refused until
/// then (not retried after a minute's guess), and the error says how long.
#[tokio::test]
async fn the_daily_reset_header_says_when_calls_resume() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("X-RateLimit-Daily-Remaining", "0")
                .insert_header("X-RateLimit-Daily-Reset", "5400"),
        )
        .mount(&server)
        .await;
    let client = client_with(&server, fast_retries());
    client.send_empty(get()).await.unwrap();
    let err = client.send_empty(get()).await.unwrap_err();
    match &err {
        Error::RateLimited {
            daily: true,
            retry_after: Some(left),
            ..
        } => assert!(
            *left > Duration::from_secs(5390) && *left <= Duration::from_secs(5400),
            "{left:?}"
        ),
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("it resets in 1h 29m"), "{err}");
    let snap = client.rate_limits().unwrap();
    assert!(snap.daily_reset.is_some());
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}
