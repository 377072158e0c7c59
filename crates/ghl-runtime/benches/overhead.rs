//! Overhead of sending a `Request` through `Client` compared with a plain reqwest call
//! against the same local HTTP/1.1 server (loopback, keep-alive, fixed JSON answer).
//!
//! All sides share one reqwest connection pool, send the same request (same URL, same
//! headers) and decode the body into `serde_json::Value`. Two plain baselines: the URL
//! built once up front (`plain_reqwest`, the floor), and the URL built per call from the
//! id and query parameters as a hand-written client does (`plain_reqwest_built_url`). The
//! `Client` side does what a generated operation does (encode the path segment, render the
//! query parameters) and runs the rate limiter (with a quota too large to wait), retry
//! bookkeeping, tracing span and status mapping. The server sends no `X-RateLimit-*`
//! headers: with them the limiter would (rightly) pace the loop to the server's quota.
//!
//! `overhead_ratio` interleaves the three calls in one loop, timing each, and prints the
//! medians of the per-sample times and ratios (run it alone with
//! `cargo bench -p ghl-runtime --bench overhead -- overhead_ratio`): on a shared machine
//! that is far steadier than comparing separate runs.

use std::cell::RefCell;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use ghl_runtime::ratelimit::RateLimitConfig;
use ghl_runtime::{Client, DEFAULT_USER_AGENT, Request};
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

const CONTACT_ID: &str = "c1";
const LOCATION_ID: &str = "loc-1";

/// A plain reqwest GET with the headers the runtime sends. (Both plain calls build their
/// request here but await it themselves: an async helper would add a future level the
/// client side does not have.)
fn plain_request(plain: &reqwest::Client, url: impl reqwest::IntoUrl) -> reqwest::RequestBuilder {
    plain
        .get(url)
        .header("authorization", "Bearer pit-bench")
        .header("version", "2021-07-28")
        .header("accept", "application/json")
        .header("user-agent", DEFAULT_USER_AGENT)
}

/// One plain reqwest call to a URL built once, up front: the same headers the runtime
/// sends, the same decoding. The cheapest a call can be.
async fn plain_call(plain: &reqwest::Client, url: &str) -> serde_json::Value {
    let resp = plain_request(plain, url).send().await.expect("send");
    assert!(resp.status().is_success());
    let bytes = resp.bytes().await.expect("body");
    serde_json::from_slice(&bytes).expect("json")
}

/// The same plain reqwest call as a hand-written client makes it: the URL built per call
/// from the id and the query parameters (what reqwest's `query` does), then as
/// [`plain_call`].
async fn plain_built_call(plain: &reqwest::Client, base: &str) -> serde_json::Value {
    let mut url = url::Url::parse(&format!("{base}/contacts/{CONTACT_ID}")).expect("url");
    url.query_pairs_mut()
        .append_pair("locationId", LOCATION_ID)
        .append_pair("limit", &50.to_string());
    let resp = plain_request(plain, url).send().await.expect("send");
    assert!(resp.status().is_success());
    let bytes = resp.bytes().await.expect("body");
    serde_json::from_slice(&bytes).expect("json")
}

/// The same call as a generated operation makes it (path segment encoded, query
/// parameters rendered from their types).
async fn ghl_call(ghl: &Client) -> serde_json::Value {
    ghl.send(
        Request::get("/contacts/{contactId}", "2021-07-28")
            .path_param("contactId", &CONTACT_ID)
            .query("locationId", LOCATION_ID)
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

/// One sample of the interleaved run: iterations, then the time spent in the plain call
/// (URL built once), the plain call (URL built per call) and the client call.
type Sample = (u64, [Duration; 3]);

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

    let url = format!("{base}/contacts/{CONTACT_ID}?locationId={LOCATION_ID}&limit=50");
    let mut group = c.benchmark_group("get_contact");
    group.measurement_time(Duration::from_secs(8));
    group.sample_size(SAMPLES);
    group.bench_function("plain_reqwest", |b| {
        b.to_async(&rt)
            .iter(|| async { std::hint::black_box(plain_call(&plain, &url).await) })
    });
    group.bench_function("plain_reqwest_built_url", |b| {
        b.to_async(&rt)
            .iter(|| async { std::hint::black_box(plain_built_call(&plain, &base).await) })
    });
    group.bench_function("ghl_client", |b| {
        b.to_async(&rt)
            .iter(|| async { std::hint::black_box(ghl_call(&ghl).await) })
    });

    // Interleaved A/B: every iteration makes the three calls (rotating which goes first),
    // each timed on its own, so all see the same machine load. Criterion reports the
    // client call's time; the paired summary printed after the group gives per-sample
    // medians of each and of the ratios.
    let samples: RefCell<Vec<Sample>> = RefCell::new(Vec::new());
    group.bench_function("overhead_ratio", |b| {
        b.to_async(&rt).iter_custom(|iters| {
            let (plain, ghl, url, base, samples) = (&plain, &ghl, &url, &base, &samples);
            async move {
                let mut spent = [Duration::ZERO; 3];
                for i in 0..iters {
                    for k in 0..3 {
                        let which = (i as usize + k) % 3;
                        let t = Instant::now();
                        match which {
                            0 => {
                                std::hint::black_box(plain_call(plain, url).await);
                            }
                            1 => {
                                std::hint::black_box(plain_built_call(plain, base).await);
                            }
                            _ => {
                                std::hint::black_box(ghl_call(ghl).await);
                            }
                        }
                        spent[which] += t.elapsed();
                    }
                }
                samples.borrow_mut().push((iters, spent));
                spent[2]
            }
        })
    });
    group.finish();

    // The measured samples are the last `SAMPLES` calls (the earlier ones are warm-up).
    let samples = samples.into_inner();
    let kept = &samples[samples.len().saturating_sub(SAMPLES)..];
    if kept.is_empty() {
        return;
    }
    let per_call = |s: &Sample, k: usize| s.1[k].as_secs_f64() * 1e6 / s.0 as f64;
    let med = |f: &dyn Fn(&Sample) -> f64| median(&mut kept.iter().map(f).collect::<Vec<_>>());
    let pooled = |k: usize| {
        kept.iter().map(|s| s.1[2].as_secs_f64()).sum::<f64>()
            / kept.iter().map(|s| s.1[k].as_secs_f64()).sum::<f64>()
    };
    println!(
        "overhead_ratio: {} samples; median per call: plain {:.2} us, plain (URL built per call) \
         {:.2} us, client {:.2} us",
        kept.len(),
        med(&|s| per_call(s, 0)),
        med(&|s| per_call(s, 1)),
        med(&|s| per_call(s, 2)),
    );
    for (k, name) in [(0, "plain"), (1, "plain (URL built per call)")] {
        let ratio = med(&|s| s.1[2].as_secs_f64() / s.1[k].as_secs_f64());
        println!(
            "overhead_ratio: client vs {name}: median overhead {:.2} us, median ratio {:.4} \
             ({:+.2} %), pooled ratio {:.4}",
            med(&|s| per_call(s, 2) - per_call(s, k)),
            ratio,
            (ratio - 1.0) * 100.0,
            pooled(k),
        );
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
