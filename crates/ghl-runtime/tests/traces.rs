//! Traces carry method, path template, status, attempt and latency, and never a secret.
//!
//! Alone in its own test binary: tracing caches per-callsite interest globally, so a
//! thread-local subscriber is only reliable without other tests running in parallel.

use std::io::Write;
use std::sync::{Arc, Mutex};

use ghl_runtime::{Client, Method, Request, RetryPolicy};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

fn get(template: &'static str, path: &str) -> Request {
    Request::new(Method::GET, template, path.to_owned(), "2021-07-28")
}

/// A writer collecting everything tracing prints.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test]
async fn traces_carry_request_facts_but_no_secrets() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(captured.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "access_token": "at-NEW-SECRET",
            "refresh_token": "rt-NEW-SECRET",
            "expires_in": 86399
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let store = Arc::new(ghl_runtime::auth::MemoryTokenStore::with_tokens(
        ghl_runtime::auth::TokenSet::new("at-OLD-SECRET", std::time::Duration::from_secs(1))
            .with_refresh_token("rt-OLD-SECRET"),
    ));
    let client = Client::builder()
        .oauth(
            ghl_runtime::auth::OAuthConfig::new("cid", "cs-CLIENT-SECRET"),
            store,
        )
        .base_url(server.uri())
        .retry_policy(RetryPolicy {
            max_retries: 1,
            initial_backoff: std::time::Duration::from_millis(1),
            ..RetryPolicy::default()
        })
        .build()
        .unwrap();
    let err = client
        .send_empty(get("/contacts/{contactId}", "/contacts/c1"))
        .await
        .unwrap_err();
    drop(_guard);
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("ghl.request"), "{logs}");
    assert!(logs.contains("path=\"/contacts/{contactId}\""), "{logs}");
    assert!(logs.contains("status=503"), "{logs}");
    assert!(logs.contains("attempt=2"), "{logs}");
    assert!(logs.contains("latency_ms="), "{logs}");
    let everything = format!("{logs} {err} {err:?} {client:?}");
    assert!(!everything.contains("SECRET"), "{everything}");
}
