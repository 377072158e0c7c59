//! Replay protection across processes: three OS processes serve one app's webhook URL
//! with a `RedisDedupeStore` on a real `redis-server`, and a delivery posted to all three
//! runs the handler once; after a failing handler, HighLevel's redelivery runs it once more.
//!
//! The processes are this test binary run again in a child mode (`webhook_child`, selected
//! by `GHL_WH_CHILD`): each serves HTTP on a loopback port it prints, verifies with
//! `WebhookVerifier::handle`, and answers the status it returns. The handler counts its
//! runs in Redis, and fails when told to through a Redis key.
#![cfg(feature = "webhooks")]

use std::io::{BufRead as _, BufReader as StdBufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use ed25519_dalek::Signer as _;
use ghl_runtime::store::RedisTokenStore;
use ghl_runtime::webhooks::{
    DedupeStore, HeaderMap, RedisDedupeStore, StatusCode, WebhookVerifier,
};
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::TcpListener;

mod support;
use support::{child_runtime, redis_url, unique_prefix};

fn key() -> ed25519_dalek::SigningKey {
    ed25519_dalek::SigningKey::from_bytes(&[7u8; 32])
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

async fn redis(url: &str) -> redis::aio::ConnectionManager {
    redis::aio::ConnectionManager::new(redis::Client::open(url).unwrap())
        .await
        .unwrap()
}

/// The child mode: a webhook server until its parent kills it. Does nothing in a normal
/// test run.
#[test]
fn webhook_child() {
    let (Ok(url), Ok(prefix)) = (
        std::env::var("GHL_WH_CHILD"),
        std::env::var("GHL_WH_PREFIX"),
    ) else {
        return;
    };
    child_runtime().block_on(async move {
        let store = RedisTokenStore::connect(&url)
            .await
            .unwrap()
            .prefix(&prefix);
        let hex: String = key()
            .verifying_key()
            .as_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let verifier = Arc::new(
            WebhookVerifier::new()
                .ed25519_public_key(&hex)
                .unwrap()
                .dedupe_store(Arc::new(RedisDedupeStore::from_store(&store))),
        );
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        println!("PORT {}", listener.local_addr().unwrap().port());
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let verifier = verifier.clone();
            let mut conn = store.connection().clone();
            let prefix = prefix.clone();
            tokio::spawn(async move {
                let mut stream = BufReader::new(stream);
                let mut headers = HeaderMap::new();
                let mut length = 0usize;
                let mut line = String::new();
                loop {
                    line.clear();
                    if stream.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some((name, value)) = line.split_once(':') {
                        let name = name.trim().to_ascii_lowercase();
                        let value = value.trim();
                        if name == "content-length" {
                            length = value.parse().unwrap_or(0);
                        }
                        if let (Ok(name), Ok(value)) = (
                            reqwest::header::HeaderName::from_bytes(name.as_bytes()),
                            value.parse(),
                        ) {
                            headers.insert(name, value);
                        }
                    }
                }
                let mut body = vec![0; length];
                if stream.read_exact(&mut body).await.is_err() {
                    return;
                }
                let handled = verifier
                    .handle(&headers, &body, |delivery| async move {
                        let id = delivery.webhook_id.unwrap_or_default();
                        // Long enough for the same delivery to reach the other workers
                        // while this one handles it.
                        tokio::time::sleep(Duration::from_millis(300)).await;
                        let _: i64 = redis::cmd("INCR")
                            .arg(format!("{prefix}:runs:{id}"))
                            .query_async(&mut conn)
                            .await
                            .map_err(|e| e.to_string())?;
                        let fail: Option<String> = redis::cmd("GETDEL")
                            .arg(format!("{prefix}:fail-once:{id}"))
                            .query_async(&mut conn)
                            .await
                            .map_err(|e| e.to_string())?;
                        match fail {
                            Some(_) => Err("told to fail".to_owned()),
                            None => Ok(()),
                        }
                    })
                    .await;
                let status = handled.status();
                let answer = format!(
                    "HTTP/1.1 {} {}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                    status.as_u16(),
                    status.canonical_reason().unwrap_or("")
                );
                let _ = stream.get_mut().write_all(answer.as_bytes()).await;
            });
        }
    });
}

/// A running child and its port; killed (`SIGKILL`) when dropped.
struct Worker {
    child: Child,
    port: u16,
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn_worker(url: &str, prefix: &str) -> Worker {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "webhook_child",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("GHL_WH_CHILD", url)
        .env("GHL_WH_PREFIX", prefix)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    // The port, read on a thread so that a child that never prints it fails the test
    // instead of hanging it.
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in StdBufReader::new(stdout).lines().map_while(Result::ok) {
            // The harness writes `test webhook_child ... ` before it on the same line.
            if let Some((_, p)) = line.split_once("PORT ") {
                let _ = tx.send(p.trim().parse::<u16>().ok());
                return;
            }
        }
        let _ = tx.send(None);
    });
    match rx.recv_timeout(Duration::from_secs(30)) {
        Ok(Some(port)) => Worker { child, port },
        other => {
            let _ = child.kill();
            panic!("the worker printed no port within 30 s: {other:?}");
        }
    }
}

/// Posts a signed delivery to each worker at once; the statuses in worker order.
async fn post_to_all(workers: &[&Worker], body: &[u8]) -> Vec<StatusCode> {
    let signature = b64(&key().sign(body).to_bytes());
    let http = reqwest::Client::new();
    let posts = workers.iter().map(|w| {
        http.post(format!("http://127.0.0.1:{}/webhooks", w.port))
            .header("x-ghl-signature", &signature)
            .header("content-type", "application/json")
            .body(body.to_vec())
            .send()
    });
    futures_util::future::join_all(posts)
        .await
        .into_iter()
        .map(|r| r.unwrap().status())
        .collect()
}

async fn runs(conn: &mut redis::aio::ConnectionManager, prefix: &str, id: &str) -> i64 {
    let n: Option<i64> = redis::cmd("GET")
        .arg(format!("{prefix}:runs:{id}"))
        .query_async(conn)
        .await
        .unwrap();
    n.unwrap_or(0)
}

fn delivery(id: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "type": "ContactCreate",
        "locationId": "loc-1",
        "id": "contact-1",
        "webhookId": id,
    }))
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_to_three_processes_runs_once_and_a_failed_one_runs_again() {
    let Some(url) = redis_url() else { return };
    ghl_runtime::install_default_crypto_provider();
    let prefix = unique_prefix("webhook-fleet");
    let workers: Vec<Worker> = (0..3).map(|_| spawn_worker(&url, &prefix)).collect();
    let all: Vec<&Worker> = workers.iter().collect();
    let mut conn = redis(&url).await;

    // The same delivery to every worker at once: one handles it, the others answer 200
    // for a duplicate, so that HighLevel stops sending it.
    let statuses = post_to_all(&all, &delivery("wh-once")).await;
    assert_eq!(statuses, vec![StatusCode::OK; 3]);
    assert_eq!(runs(&mut conn, &prefix, "wh-once").await, 1);
    // Sent again later, to any of them: still once.
    let statuses = post_to_all(&all, &delivery("wh-once")).await;
    assert_eq!(statuses, vec![StatusCode::OK; 3]);
    assert_eq!(runs(&mut conn, &prefix, "wh-once").await, 1);

    // The handler fails once: that worker answers 500 and releases the delivery.
    let _: () = redis::cmd("SET")
        .arg(format!("{prefix}:fail-once:wh-retry"))
        .arg(1)
        .query_async(&mut conn)
        .await
        .unwrap();
    let statuses = post_to_all(&all, &delivery("wh-retry")).await;
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::INTERNAL_SERVER_ERROR)
            .count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        2,
        "{statuses:?}"
    );
    assert_eq!(runs(&mut conn, &prefix, "wh-retry").await, 1);
    // HighLevel's redelivery (to another worker than the one that failed) runs it once.
    let failed = statuses
        .iter()
        .position(|s| *s == StatusCode::INTERNAL_SERVER_ERROR)
        .unwrap();
    let other = all[(failed + 1) % 3];
    assert_eq!(
        post_to_all(&[other], &delivery("wh-retry")).await,
        vec![StatusCode::OK]
    );
    assert_eq!(runs(&mut conn, &prefix, "wh-retry").await, 2);
    assert_eq!(
        post_to_all(&all, &delivery("wh-retry")).await,
        vec![StatusCode::OK; 3]
    );
    assert_eq!(runs(&mut conn, &prefix, "wh-retry").await, 2);

    // A forged delivery is refused by every worker and never runs.
    let body = delivery("wh-forged");
    let forged = b64(&ed25519_dalek::SigningKey::from_bytes(&[9u8; 32])
        .sign(&body)
        .to_bytes());
    let http = reqwest::Client::new();
    let status = http
        .post(format!("http://127.0.0.1:{}/webhooks", all[0].port))
        .header("x-ghl-signature", forged)
        .body(body)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(runs(&mut conn, &prefix, "wh-forged").await, 0);
}

/// The store's own contract: one claim wins, a release or the expiry frees the id, and
/// keys carry the prefix.
#[tokio::test]
async fn redis_dedupe_store_claims_once_until_released_or_expired() {
    let Some(url) = redis_url() else { return };
    let prefix = unique_prefix("webhook-dedupe");
    let store = RedisDedupeStore::new(redis(&url).await).prefix(&prefix);
    assert_eq!(store.key("wh-1"), format!("{prefix}:webhook:wh-1"));
    let ttl = Duration::from_secs(60);
    // Concurrent claims of one id: exactly one wins.
    let claims = futures_util::future::join_all((0..8).map(|_| store.claim("wh-1", ttl))).await;
    assert_eq!(
        claims.into_iter().filter(|c| *c.as_ref().unwrap()).count(),
        1
    );
    assert!(store.claim("wh-2", ttl).await.unwrap());
    store.release("wh-1").await.unwrap();
    assert!(store.claim("wh-1", ttl).await.unwrap());
    assert!(!store.claim("wh-2", ttl).await.unwrap());
    // An expired claim is claimed again.
    assert!(
        store
            .claim("wh-3", Duration::from_millis(50))
            .await
            .unwrap()
    );
    tokio::time::sleep(Duration::from_millis(120)).await;
    assert!(store.claim("wh-3", ttl).await.unwrap());
    // Releasing what is not claimed is harmless.
    store.release("wh-never").await.unwrap();
}
