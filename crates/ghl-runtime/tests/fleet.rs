//! Many processes, one Redis: OAuth refreshes single-flight across OS processes, against a
//! real `redis-server` and a loopback mock of the API whose tokens live 5 s.
//!
//! The processes are this test binary run again in a child mode (`fleet_child`, selected
//! by `GHL_FLEET_CHILD`). Redis comes from `GHL_TEST_REDIS_URL` (`.ci/run` starts one);
//! without it these tests fail under `CI=true` and are skipped with a message otherwise.

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ghl_runtime::auth::{OAuthConfig, Secret, TokenSet};
use ghl_runtime::ratelimit::RedisRateLimit;
use ghl_runtime::ratelimit::{RateLimitConfig, RateLimiter};
use ghl_runtime::store::{OwnerTokenStore, RedisTokenStore};
use ghl_runtime::{App, Client, Method, Request, RetryPolicy};
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::{TcpListener, TcpStream};

mod support;
use support::{child_runtime, redis_url, unique_prefix};

/// The token lifetime the mock grants.
const LIFETIME: Duration = Duration::from_secs(5);

/// One fleet test at a time: they measure time and count requests.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

// ---------------------------------------------------------------------------------------
// The mock API
// ---------------------------------------------------------------------------------------

#[derive(Default)]
struct OwnerState {
    /// The one refresh token the server accepts now.
    refresh: String,
    /// Issued access tokens and when they expire.
    access: HashMap<String, Instant>,
    generation: u32,
}

#[derive(Default)]
struct ServerState {
    owners: HashMap<String, OwnerState>,
    /// Successful refreshes: (owner, refresh token spent).
    refreshes: Vec<(String, String)>,
    invalid_grants: u32,
    /// API calls answered 200 / refused 401, per owner.
    ok: HashMap<String, u32>,
    unauthorized: u32,
    /// Hold the next refresh until its client goes away, without spending the token.
    stall_next_refresh: bool,
    stalled: u32,
    /// Enforce 100 API calls per 10 s per owner, answering with `X-RateLimit-*` headers.
    limit: bool,
    /// Arrival times of the API calls, per owner.
    arrivals: HashMap<String, Vec<Instant>>,
    too_many: u32,
}

#[derive(Clone, Default)]
struct MockApi {
    state: Arc<Mutex<ServerState>>,
}

impl MockApi {
    fn state(&self) -> std::sync::MutexGuard<'_, ServerState> {
        self.state.lock().unwrap()
    }

    /// Registers `owner` and returns its first token set (as the store should hold it).
    fn install(&self, owner: &str) -> TokenSet {
        self.install_for(owner, LIFETIME)
    }

    /// [`MockApi::install`] with a first access token living `lifetime`.
    fn install_for(&self, owner: &str, lifetime: Duration) -> TokenSet {
        let mut s = self.state();
        let o = s.owners.entry(owner.to_owned()).or_default();
        o.refresh = format!("rt-{owner}-0");
        let access = format!("at-{owner}-0");
        o.access.insert(access.clone(), Instant::now() + lifetime);
        let mut t = TokenSet::new(access, lifetime).with_refresh_token(o.refresh.clone());
        t.location_id = Some(owner.to_owned());
        t
    }

    async fn start(self) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let api = self.clone();
                tokio::spawn(async move {
                    let _ = api.serve(stream).await;
                });
            }
        });
        format!("http://{addr}")
    }

    /// HTTP/1.1 with keep-alive, just enough for reqwest.
    async fn serve(&self, stream: TcpStream) -> std::io::Result<()> {
        let mut reader = BufReader::new(stream);
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let mut parts = line.split_whitespace();
            let method = parts.next().unwrap_or_default().to_owned();
            let target = parts.next().unwrap_or_default().to_owned();
            let mut length = 0usize;
            let mut auth = String::new();
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).await? == 0 {
                    return Ok(());
                }
                let h = h.trim_end();
                if h.is_empty() {
                    break;
                }
                if let Some((name, value)) = h.split_once(':') {
                    match name.trim().to_ascii_lowercase().as_str() {
                        "content-length" => length = value.trim().parse().unwrap_or(0),
                        "authorization" => auth = value.trim().to_owned(),
                        _ => {}
                    }
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).await?;
            let mut extra = String::new();
            let (status, json) = if method == "POST" && target == "/oauth/token" {
                let form: HashMap<String, String> =
                    url::form_urlencoded::parse(&body).into_owned().collect();
                if self.take_stall() {
                    // Hold the answer until the client dies; the token stays unspent.
                    let mut sink = [0u8; 64];
                    while reader.read(&mut sink).await? > 0 {}
                    return Ok(());
                }
                self.refresh(form.get("refresh_token").map(String::as_str).unwrap_or(""))
            } else {
                self.call(auth.strip_prefix("Bearer ").unwrap_or(""), &mut extra)
            };
            let text = json.to_string();
            let reason = if status == 200 { "OK" } else { "Error" };
            let response = format!(
                "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n{extra}content-length: {}\r\n\r\n{text}",
                text.len()
            );
            reader.get_mut().write_all(response.as_bytes()).await?;
        }
    }

    fn take_stall(&self) -> bool {
        let mut s = self.state();
        if s.stall_next_refresh {
            s.stall_next_refresh = false;
            s.stalled += 1;
            true
        } else {
            false
        }
    }

    fn refresh(&self, spent: &str) -> (u16, serde_json::Value) {
        let mut s = self.state();
        let owner = s
            .owners
            .iter()
            .find(|(_, o)| !spent.is_empty() && o.refresh == spent)
            .map(|(k, _)| k.clone());
        let Some(owner) = owner else {
            s.invalid_grants += 1;
            return (
                400,
                serde_json::json!({"error": "invalid_grant", "error_description": "refresh token invalid or already used"}),
            );
        };
        let o = s.owners.get_mut(&owner).unwrap();
        o.generation += 1;
        o.refresh = format!("rt-{owner}-{}", o.generation);
        let access = format!("at-{owner}-{}", o.generation);
        o.access.insert(access.clone(), Instant::now() + LIFETIME);
        let refresh = o.refresh.clone();
        s.refreshes.push((owner.clone(), spent.to_owned()));
        (
            200,
            serde_json::json!({
                "access_token": access,
                "refresh_token": refresh,
                "token_type": "Bearer",
                "expires_in": LIFETIME.as_secs(),
                "userType": "Location",
                "locationId": owner,
            }),
        )
    }

    fn call(&self, token: &str, headers: &mut String) -> (u16, serde_json::Value) {
        let mut s = self.state();
        let now = Instant::now();
        if s.limit {
            // Every request counts, whoever sends it: 100 per 10 s per owner.
            let owner = s
                .owners
                .iter()
                .find(|(_, o)| o.access.contains_key(token))
                .map(|(k, _)| k.clone())
                .unwrap_or_default();
            let seen = s.arrivals.entry(owner).or_default();
            let in_window = seen
                .iter()
                .filter(|t| now.duration_since(**t) < Duration::from_secs(10))
                .count();
            if in_window >= 100 {
                s.too_many += 1;
                headers.push_str("retry-after: 1\r\n");
                return (
                    429,
                    serde_json::json!({"statusCode": 429, "message": "Too many requests"}),
                );
            }
            seen.push(now);
            headers.push_str(&format!(
                "x-ratelimit-max: 100\r\nx-ratelimit-interval-milliseconds: 10000\r\nx-ratelimit-remaining: {}\r\nx-ratelimit-limit-daily: 200000\r\nx-ratelimit-daily-remaining: 199000\r\n",
                99 - in_window
            ));
        }
        let owner = s
            .owners
            .iter()
            .find(|(_, o)| o.access.get(token).is_some_and(|until| *until > now))
            .map(|(k, _)| k.clone());
        match owner {
            Some(owner) => {
                *s.ok.entry(owner).or_default() += 1;
                (200, serde_json::json!({"contact": {"id": "c1"}}))
            }
            None => {
                s.unauthorized += 1;
                (
                    401,
                    serde_json::json!({"statusCode": 401, "message": "Invalid JWT"}),
                )
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// The child processes
// ---------------------------------------------------------------------------------------

fn config() -> OAuthConfig {
    OAuthConfig::new("client-1", "client-secret").redirect_uri("https://app.example/cb")
}

async fn child_app(
    base: &str,
    redis: &str,
    prefix: &str,
    lock_ttl: Duration,
    shared_limit: bool,
) -> App {
    let store = RedisTokenStore::connect(redis)
        .await
        .unwrap()
        .prefix(prefix);
    let settings = Client::builder().base_url(base);
    let settings = if shared_limit {
        // The default quota (100 per 10 s), counted for all processes in Redis; 429s are
        // not retried, so that any would reach the caller.
        settings
            .rate_limiter(RateLimiter::shared(
                RateLimitConfig::default(),
                Arc::new(RedisRateLimit::new(&store)),
            ))
            .retry_policy(RetryPolicy::none())
    } else {
        settings.no_rate_limit().retry_policy(RetryPolicy::none())
    };
    App::builder(config(), Arc::new(store))
        .client(settings)
        .refresh_lock_ttl(lock_ttl)
        .build()
        .unwrap()
}

fn contact() -> Request {
    Request::new(
        Method::GET,
        "/contacts/{contactId}",
        "/contacts/c1".to_owned(),
        "2021-07-28",
    )
}

/// What one child is asked to do, from its environment.
struct ChildPlan {
    mode: String,
    base: String,
    redis: String,
    prefix: String,
    owners: Vec<String>,
    run_for: Duration,
    concurrency: usize,
    lock_ttl: Duration,
}

impl ChildPlan {
    fn from_env() -> Option<ChildPlan> {
        let mode = std::env::var("GHL_FLEET_CHILD").ok()?;
        let var = |name: &str| std::env::var(name).unwrap_or_default();
        let num = |name: &str, default: u64| var(name).parse().unwrap_or(default);
        Some(ChildPlan {
            mode,
            base: var("GHL_FLEET_BASE"),
            redis: var("GHL_FLEET_REDIS"),
            prefix: var("GHL_FLEET_PREFIX"),
            owners: var("GHL_FLEET_OWNERS")
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            run_for: Duration::from_millis(num("GHL_FLEET_RUN_MS", 0)),
            concurrency: num("GHL_FLEET_CONCURRENCY", 1) as usize,
            lock_ttl: Duration::from_millis(num("GHL_FLEET_LOCK_TTL_MS", 20_000)),
        })
    }

    fn env(&self, cmd: &mut Command) {
        cmd.env("GHL_FLEET_CHILD", &self.mode)
            .env("GHL_FLEET_BASE", &self.base)
            .env("GHL_FLEET_REDIS", &self.redis)
            .env("GHL_FLEET_PREFIX", &self.prefix)
            .env("GHL_FLEET_OWNERS", self.owners.join(","))
            .env("GHL_FLEET_RUN_MS", self.run_for.as_millis().to_string())
            .env("GHL_FLEET_CONCURRENCY", self.concurrency.to_string())
            .env(
                "GHL_FLEET_LOCK_TTL_MS",
                self.lock_ttl.as_millis().to_string(),
            );
    }

    /// Starts this test binary as a child running `fleet_child` with this plan.
    fn spawn(&self) -> Child {
        let exe = std::env::current_exe().unwrap();
        let mut cmd = Command::new(exe);
        cmd.args(["fleet_child", "--exact", "--nocapture", "--test-threads=1"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        self.env(&mut cmd);
        cmd.spawn().unwrap()
    }
}

/// The child mode: does nothing in a normal test run.
#[test]
fn fleet_child() {
    let Some(plan) = ChildPlan::from_env() else {
        return;
    };
    child_runtime().block_on(async move {
        let shared_limit = plan.mode == "rate";
        let app = child_app(
            &plan.base,
            &plan.redis,
            &plan.prefix,
            plan.lock_ttl,
            shared_limit,
        )
        .await;
        let (mut ok, mut failed) = (0u32, Vec::new());
        match plan.mode.as_str() {
            // Rounds of `concurrency` simultaneous calls spread over the owners.
            "load" => {
                let until = Instant::now() + plan.run_for;
                while Instant::now() < until {
                    let mut tasks = Vec::new();
                    for i in 0..plan.concurrency {
                        let client = app.location(&plan.owners[i % plan.owners.len()]);
                        tasks.push(tokio::spawn(async move {
                            client.send::<serde_json::Value>(contact()).await
                        }));
                    }
                    for t in tasks {
                        match t.await.unwrap() {
                            Ok(_) => ok += 1,
                            Err(e) => failed.push(e.to_string()),
                        }
                    }
                    tokio::time::sleep(Duration::from_millis(150)).await;
                }
            }
            // `concurrency` calls at once on the first owner.
            "rate" => {
                let client = app.location(&plan.owners[0]);
                let mut tasks = Vec::new();
                for _ in 0..plan.concurrency {
                    let client = client.clone();
                    tasks.push(tokio::spawn(async move {
                        client.send::<serde_json::Value>(contact()).await
                    }));
                }
                for t in tasks {
                    match t.await.unwrap() {
                        Ok(_) => ok += 1,
                        Err(e) => failed.push(e.to_string()),
                    }
                }
            }
            // One call per owner.
            "once" => {
                for owner in &plan.owners {
                    match app.location(owner).send_empty(contact()).await {
                        Ok(()) => ok += 1,
                        Err(e) => failed.push(e.to_string()),
                    }
                }
            }
            other => panic!("unknown child mode {other}"),
        }
        println!("FLEET-RESULT ok={ok} failed={}", failed.len());
        for e in failed.iter().take(5) {
            println!("FLEET-ERROR {e}");
        }
        assert!(failed.is_empty(), "{} calls failed", failed.len());
    });
}

/// Waits for `child` (killing it after `limit`) and returns its success and output.
async fn finish(mut child: Child, limit: Duration) -> (bool, String) {
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            break child.wait().unwrap();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let mut out = String::new();
    if let Some(mut o) = child.stdout.take() {
        let _ = std::io::Read::read_to_string(&mut o, &mut out);
    }
    if let Some(mut e) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut e, &mut out);
    }
    (status.success(), out)
}

fn ok_calls(output: &str) -> u32 {
    output
        .lines()
        .find_map(|l| l.split_once("FLEET-RESULT ok=").map(|(_, rest)| rest))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

// ---------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------

/// The Redis store keeps tokens per owner, refuses a stale compare-and-set, and its lock
/// expires and is released only by its holder.
#[tokio::test]
async fn redis_store_fences_and_locks() {
    let Some(url) = redis_url() else { return };
    let _serial = SERIAL.lock().await;
    let store = RedisTokenStore::connect(&url)
        .await
        .unwrap()
        .prefix(unique_prefix("store"));
    let set = |a: &str, r: &str| TokenSet::new(a, LIFETIME).with_refresh_token(r);
    assert!(store.load("loc").await.unwrap().is_none());
    assert!(
        !store
            .replace("loc", &Secret::new("rt-0"), &set("a1", "rt-1"))
            .await
            .unwrap()
    );
    store.save("loc", &set("a1", "rt-1")).await.unwrap();
    assert!(
        !store
            .replace("loc", &Secret::new("rt-0"), &set("a2", "rt-2"))
            .await
            .unwrap()
    );
    assert!(
        store
            .replace("loc", &Secret::new("rt-1"), &set("a2", "rt-2"))
            .await
            .unwrap()
    );
    let stored = store.load("loc").await.unwrap().unwrap();
    assert_eq!(stored.access_token.expose(), "a2");
    assert_eq!(stored.fencing_token().expose(), "rt-2");
    assert_eq!(store.owners().await.unwrap(), vec!["loc".to_owned()]);

    let first = store
        .try_lock("loc", Duration::from_millis(100))
        .await
        .unwrap()
        .unwrap();
    assert!(
        store
            .try_lock("loc", Duration::from_secs(5))
            .await
            .unwrap()
            .is_none()
    );
    tokio::time::sleep(Duration::from_millis(150)).await;
    let second = store
        .try_lock("loc", Duration::from_secs(5))
        .await
        .unwrap()
        .unwrap();
    store.unlock("loc", &first).await.unwrap();
    assert!(
        store
            .try_lock("loc", Duration::from_secs(5))
            .await
            .unwrap()
            .is_none()
    );
    store.unlock("loc", &second).await.unwrap();
    assert!(
        store
            .try_lock("loc", Duration::from_secs(5))
            .await
            .unwrap()
            .is_some()
    );
    assert!(store.delete("loc").await.unwrap());
    assert!(store.owners().await.unwrap().is_empty());
    assert!(store.load("loc").await.unwrap().is_none());
}

/// 4 processes x 50 concurrent calls on 2 locations for 13 s (several 5 s token
/// lifetimes): each refresh token is spent exactly once (the mock refuses reuse with
/// `invalid_grant`, and saw none), every expiry got one refresh per location, and no call
/// failed or was sent with an expired token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_processes_refresh_once_per_expiry() {
    let Some(url) = redis_url() else { return };
    let _serial = SERIAL.lock().await;
    let api = MockApi::default();
    let owners = ["loc-a".to_owned(), "loc-b".to_owned()];
    let prefix = unique_prefix("refresh");
    let store = RedisTokenStore::connect(&url)
        .await
        .unwrap()
        .prefix(&prefix);
    for owner in &owners {
        store.save(owner, &api.install(owner)).await.unwrap();
    }
    let base = api.clone().start().await;
    let plan = ChildPlan {
        mode: "load".to_owned(),
        base,
        redis: url.clone(),
        prefix,
        owners: owners.to_vec(),
        run_for: Duration::from_secs(13),
        concurrency: 50,
        lock_ttl: Duration::from_secs(5),
    };
    let started = Instant::now();
    let children: Vec<Child> = (0..4).map(|_| plan.spawn()).collect();
    let mut total = 0;
    for child in children {
        let (success, output) = finish(child, Duration::from_secs(40)).await;
        assert!(success, "a child failed:\n{output}");
        total += ok_calls(&output);
    }
    let elapsed = started.elapsed();
    let mut stored = HashMap::new();
    for owner in &owners {
        stored.insert(owner, store.load(owner).await.unwrap().unwrap());
    }
    let s = api.state();
    assert_eq!(s.invalid_grants, 0, "a spent refresh token was reused");
    assert_eq!(s.unauthorized, 0, "a call was sent with an expired token");
    let mut spent: Vec<&String> = s.refreshes.iter().map(|(_, t)| t).collect();
    spent.sort();
    spent.dedup();
    assert_eq!(spent.len(), s.refreshes.len());
    for owner in &owners {
        let n = s.refreshes.iter().filter(|(o, _)| o == owner).count() as u64;
        // Refreshed at half-life (second-granular expiries: every 2 to 3 s), once each.
        let most = elapsed.as_secs() / 2 + 1;
        let least = (elapsed.as_secs() / 3).saturating_sub(1).max(3);
        assert!(
            (least..=most).contains(&n),
            "{owner}: {n} refreshes in {elapsed:?}, expected {least}..={most}"
        );
        assert_eq!(
            stored[owner].refresh_token.as_ref().map(Secret::expose),
            Some(s.owners[owner].refresh.as_str()),
            "the store holds the one valid refresh token"
        );
    }
    assert_eq!(total, s.ok.values().sum::<u32>());
    assert!(total >= 4 * 50 * 20, "{total} calls");
    eprintln!(
        "{total} calls, {} refreshes in {elapsed:?}",
        s.refreshes.len()
    );
}

/// The process holding the refresh lock is killed (SIGKILL) in the middle of its refresh:
/// the others wait, one of them refreshes once the lock has expired, and the refresh token
/// the store holds is still the valid one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_lock_holder_does_not_lose_the_token() {
    let Some(url) = redis_url() else { return };
    let _serial = SERIAL.lock().await;
    let api = MockApi::default();
    let owner = "loc-k";
    let prefix = unique_prefix("kill");
    let store = RedisTokenStore::connect(&url)
        .await
        .unwrap()
        .prefix(&prefix);
    // An expired access token: the first call refreshes.
    let mut tokens = api.install(owner);
    tokens.expires_at = 0;
    store.save(owner, &tokens).await.unwrap();
    api.state().stall_next_refresh = true;
    let base = api.clone().start().await;
    let lock_ttl = Duration::from_secs(2);
    let plan = ChildPlan {
        mode: "once".to_owned(),
        base,
        redis: url.clone(),
        prefix,
        owners: vec![owner.to_owned()],
        run_for: Duration::ZERO,
        concurrency: 1,
        lock_ttl,
    };
    let mut holder = plan.spawn();
    let waited = Instant::now();
    while api.state().stalled == 0 {
        assert!(
            waited.elapsed() < Duration::from_secs(20),
            "the first process never refreshed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let lock_key = store.lock_key(owner);
    let mut conn = store.connection().clone();
    let lock: Option<String> = redis::cmd("GET")
        .arg(&lock_key)
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(lock.is_some(), "the refreshing process holds the lock");
    let others: Vec<Child> = (0..2).map(|_| plan.spawn()).collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    holder.kill().unwrap(); // SIGKILL
    let killed_at = Instant::now();
    let status = holder.wait().unwrap();
    assert!(!status.success());
    for child in others {
        let (success, output) = finish(child, Duration::from_secs(20)).await;
        assert!(success, "a waiting process failed:\n{output}");
    }
    let recovered = killed_at.elapsed();
    let stored = store.load(owner).await.unwrap().unwrap();
    let s = api.state();
    assert_eq!(s.refreshes.len(), 1, "exactly one refresh after the kill");
    assert_eq!(s.refreshes[0].1, format!("rt-{owner}-0"));
    assert_eq!(s.invalid_grants, 0);
    assert_eq!(s.ok.get(owner).copied(), Some(2));
    assert_eq!(
        stored.refresh_token.as_ref().map(Secret::expose),
        Some(s.owners[owner].refresh.as_str())
    );
    assert!(
        recovered < lock_ttl + Duration::from_secs(3),
        "{recovered:?}"
    );
}

/// 3 processes x 100 calls on one location, all started at once: the limiter shared
/// through Redis spreads them over three 10 s windows; the server never sees more than
/// 100 in any 10 s, answers no 429, and every call succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_processes_share_one_rate_limit() {
    let Some(url) = redis_url() else { return };
    let _serial = SERIAL.lock().await;
    let api = MockApi::default();
    let owner = "loc-r";
    let prefix = unique_prefix("rate");
    let store = RedisTokenStore::connect(&url)
        .await
        .unwrap()
        .prefix(&prefix);
    // Tokens outlive the test: this one is about pacing, not refreshing.
    store
        .save(owner, &api.install_for(owner, Duration::from_secs(120)))
        .await
        .unwrap();
    api.state().limit = true;
    let base = api.clone().start().await;
    let plan = ChildPlan {
        mode: "rate".to_owned(),
        base,
        redis: url.clone(),
        prefix,
        owners: vec![owner.to_owned()],
        run_for: Duration::ZERO,
        concurrency: 100,
        lock_ttl: Duration::from_secs(5),
    };
    let started = Instant::now();
    let children: Vec<Child> = (0..3).map(|_| plan.spawn()).collect();
    let mut total = 0;
    for child in children {
        let (success, output) = finish(child, Duration::from_secs(45)).await;
        assert!(success, "a child failed:\n{output}");
        total += ok_calls(&output);
    }
    let elapsed = started.elapsed();
    let s = api.state();
    assert_eq!(s.too_many, 0, "the server answered 429");
    assert_eq!(total, 300);
    let mut arrivals = s.arrivals[owner].clone();
    arrivals.sort();
    assert_eq!(arrivals.len(), 300);
    let mut most = 0;
    let mut first = 0;
    for (last, at) in arrivals.iter().enumerate() {
        while at.duration_since(arrivals[first]) >= Duration::from_secs(10) {
            first += 1;
        }
        most = most.max(last - first + 1);
    }
    assert!(most <= 100, "{most} requests in one 10 s window");
    eprintln!("300 calls in {elapsed:?}, at most {most} in any 10 s");
}
