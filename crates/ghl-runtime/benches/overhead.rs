//! Overhead of sending a `Request` through `Client` compared with a plain reqwest call
//! against the same local HTTP/1.1 server (loopback, keep-alive, fixed JSON answer).
//!
//! Both sides share one reqwest connection pool, send the same headers and decode the
//! body into `serde_json::Value`; the `Client` side also builds the URL from the path and
//! query parameters and runs its rate limiter (with a quota too large to wait), retry
//! bookkeeping, tracing span and status mapping. The server sends no `X-RateLimit-*`
//! headers: with them the limiter would (rightly) pace the loop to the server's quota.

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use ghl_runtime::ratelimit::RateLimitConfig;
use ghl_runtime::{Client, DEFAULT_USER_AGENT, Method, Request};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

const BODY: &str = r#"{"contact":{"id":"c1","locationId":"loc-1","email":"jane@example.com","firstName":"Jane","lastName":"Doe","tags":["vip","lead"],"customFields":[{"id":"f1","value":"x"}]},"traceId":"t-1"}"#;

/// A minimal keep-alive HTTP/1.1 server on loopback answering every request with `BODY`.
fn start_server() -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("server runtime");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind loopback");
            tx.send(listener.local_addr().expect("addr"))
                .expect("send addr");
            let response = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{BODY}",
                BODY.len()
            );
            loop {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                let response = response.clone();
                tokio::spawn(async move {
                    let _ = socket.set_nodelay(true);
                    let mut buf = vec![0u8; 16 * 1024];
                    let mut filled = 0;
                    loop {
                        let Ok(n) = socket.read(&mut buf[filled..]).await else {
                            return;
                        };
                        if n == 0 {
                            return;
                        }
                        filled += n;
                        // Answer each complete request head (the bench sends GETs only).
                        while let Some(end) =
                            buf[..filled].windows(4).position(|w| w == b"\r\n\r\n")
                        {
                            let consumed = end + 4;
                            buf.copy_within(consumed..filled, 0);
                            filled -= consumed;
                            if socket.write_all(response.as_bytes()).await.is_err() {
                                return;
                            }
                        }
                        if filled == buf.len() {
                            return;
                        }
                    }
                });
            }
        });
    });
    let addr = rx.recv().expect("server address");
    format!("http://{addr}")
}

fn bench(c: &mut Criterion) {
    let base = start_server();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");

    let ghl = Client::builder()
        .token("pit-bench")
        .base_url(&base)
        .rate_limit(RateLimitConfig {
            max_requests: u32::MAX,
            interval: Duration::from_secs(1),
        })
        .build()
        .expect("ghl client");
    // The same reqwest client (pool, TLS, timeouts) without the runtime around it.
    let plain = ghl.http_client().clone();

    let url = format!("{base}/contacts/c1?locationId=loc-1&limit=50");
    let mut group = c.benchmark_group("get_contact");
    group.measurement_time(Duration::from_secs(8));
    group.bench_function("plain_reqwest", |b| {
        b.to_async(&rt).iter(|| async {
            let resp = plain
                .get(&url)
                .header("authorization", "Bearer pit-bench")
                .header("version", "2021-07-28")
                .header("accept", "application/json")
                .header("user-agent", DEFAULT_USER_AGENT)
                .send()
                .await
                .expect("send");
            assert!(resp.status().is_success());
            let bytes = resp.bytes().await.expect("body");
            let v: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
            std::hint::black_box(v);
        })
    });
    group.bench_function("ghl_client", |b| {
        b.to_async(&rt).iter(|| async {
            let v: serde_json::Value = ghl
                .send(
                    Request::new(
                        Method::GET,
                        "/contacts/{contactId}",
                        "/contacts/c1".to_owned(),
                        "2021-07-28",
                    )
                    .query("locationId", "loc-1")
                    .query("limit", &50.0),
                )
                .await
                .expect("send");
            std::hint::black_box(v);
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
