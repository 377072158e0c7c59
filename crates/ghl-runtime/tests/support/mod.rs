//! What the Redis-backed test binaries share: where the server is, and keys of their own.

use std::io::Write as _;

/// The Redis URL from `GHL_TEST_REDIS_URL`, or `None` (with a message) when the tests are
/// to be skipped; under `CI=true` a missing server fails instead.
pub fn redis_url() -> Option<String> {
    match std::env::var("GHL_TEST_REDIS_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => panic!(
            "GHL_TEST_REDIS_URL is not set under CI=true: .ci/run starts redis-server and sets it; the Redis-backed tests cannot run"
        ),
        _ => {
            // Past the harness's capture, so that the skip is seen.
            let _ = writeln!(
                std::io::stderr(),
                "skipped: set GHL_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/) to run the Redis-backed tests"
            );
            None
        }
    }
}

/// A key prefix no other test or run uses.
pub fn unique_prefix(test: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("ghl-test:{test}:{}:{nanos}", std::process::id())
}

/// The runtime a child process of a fleet test runs on: two workers, like the machine.
pub fn child_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}
