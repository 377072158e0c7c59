//! Overhead of sending a `Request` through `Client` compared with a plain reqwest call
//! against the same local HTTP/1.1 server (loopback, keep-alive, fixed JSON answer).
//!
//! Both sides share one reqwest connection pool, send the same headers and decode the
//! body into `serde_json::Value`; the `Client` side also builds the URL from the path and
//! query parameters and runs its rate limiter (with a quota too large to wait), retry
//! bookkeeping, tracing span and status mapping. The server sends no `X-RateLimit-*`
//! headers: with them the limiter would (rightly) pace the loop to the server's quota.

use std::cell::RefCell;
use std::time::{Duration, Instant};

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

/// One plain reqwest call: the same headers the runtime sends, the same decoding.
async fn plain_call(plain: &reqwest::Client, url: &str) -> serde_json::Value {
    let resp = plain
        .get(url)
        .header("authorization", "Bearer pit-bench")
        .header("version", "2021-07-28")
        .header("accept", "application/json")
        .header("user-agent", DEFAULT_USER_AGENT)
        .send()
        .await
        .expect("send");
    assert!(resp.status().is_success());
    let bytes = resp.bytes().await.expect("body");
    serde_json::from_slice(&bytes).expect("json")
}

/// The same call as a generated operation makes it.
async fn ghl_call(ghl: &Client) -> serde_json::Value {
    ghl.send(
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
    .expect("send")
}

/// Criterion samples per benchmark.
const SAMPLES: usize = 100;

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
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
    group.sample_size(SAMPLES);
    group.bench_function("plain_reqwest", |b| {
        b.to_async(&rt)
            .iter(|| async { std::hint::black_box(plain_call(&plain, &url).await) })
    });
    group.bench_function("ghl_client", |b| {
        b.to_async(&rt)
            .iter(|| async { std::hint::black_box(ghl_call(&ghl).await) })
    });

    // Interleaved A/B: every iteration makes one plain and one client call (alternating
    // which goes first), each timed on its own, so both sides see the same machine load.
    // Criterion reports the client side's time per call; the paired summary printed after
    // the group gives per-sample medians of both sides and of their ratio.
    let samples: RefCell<Vec<(u64, Duration, Duration)>> = RefCell::new(Vec::new());
    group.bench_function("overhead_ratio", |b| {
        b.to_async(&rt).iter_custom(|iters| {
            let (plain, ghl, url, samples) = (&plain, &ghl, &url, &samples);
            async move {
                let mut t_plain = Duration::ZERO;
                let mut t_ghl = Duration::ZERO;
                for i in 0..iters {
                    if i % 2 == 0 {
                        let t = Instant::now();
                        std::hint::black_box(plain_call(plain, url).await);
                        t_plain += t.elapsed();
                        let t = Instant::now();
                        std::hint::black_box(ghl_call(ghl).await);
                        t_ghl += t.elapsed();
                    } else {
                        let t = Instant::now();
                        std::hint::black_box(ghl_call(ghl).await);
                        t_ghl += t.elapsed();
                        let t = Instant::now();
                        std::hint::black_box(plain_call(plain, url).await);
                        t_plain += t.elapsed();
                    }
                }
                samples.borrow_mut().push((iters, t_plain, t_ghl));
                t_ghl
            }
        })
    });
    group.finish();

    // The measured samples are the last `SAMPLES` calls (the earlier ones are warm-up).
    let samples = samples.into_inner();
    let kept = &samples[samples.len().saturating_sub(SAMPLES)..];
    if !kept.is_empty() {
        let per_call = |d: Duration, n: u64| d.as_secs_f64() * 1e6 / n as f64;
        let mut plain_us: Vec<f64> = kept.iter().map(|s| per_call(s.1, s.0)).collect();
        let mut ghl_us: Vec<f64> = kept.iter().map(|s| per_call(s.2, s.0)).collect();
        let mut diff_us: Vec<f64> = kept
            .iter()
            .map(|s| per_call(s.2, s.0) - per_call(s.1, s.0))
            .collect();
        let mut ratio: Vec<f64> = kept
            .iter()
            .map(|s| s.2.as_secs_f64() / s.1.as_secs_f64())
            .collect();
        println!(
            "overhead_ratio: {} samples; median per call: plain {:.2} us, client {:.2} us, \
             overhead {:.2} us; median ratio client/plain {:.4} ({:+.2} %); pooled ratio {:.4}",
            kept.len(),
            median(&mut plain_us),
            median(&mut ghl_us),
            median(&mut diff_us),
            median(&mut ratio.clone()),
            (median(&mut ratio) - 1.0) * 100.0,
            kept.iter().map(|s| s.2.as_secs_f64()).sum::<f64>()
                / kept.iter().map(|s| s.1.as_secs_f64()).sum::<f64>(),
        );
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
