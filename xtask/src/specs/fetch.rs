//! Downloading a locked commit's spec files into `target/spec-cache/`, verified before use.

use std::fs;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail, ensure};

use super::{LOCK_FILE, Lock, MAX_SPEC_BYTES, SpecFile, sha256_hex, verify_dir};
use crate::safe_fs::Staging;

/// Returns the locked files from `<cache_root>/<commit>/`, downloading them first unless a
/// valid copy is already there.
///
/// Every file is downloaded into a private staging directory under `cache_root` and checked
/// against the lock; only when all of them match is the staging directory renamed into place.
/// A tampered, truncated or partial download therefore never becomes the cache.
pub(super) fn fetch_into_cache(
    lock: &Lock,
    base_url: &str,
    cache_root: &Path,
) -> Result<Vec<SpecFile>> {
    let final_dir = cache_root.join(&lock.commit);
    if final_dir.is_dir() {
        // A cache that no longer verifies (edited by hand, or the lock was re-pinned to the
        // same commit with different files) is simply replaced below.
        if let Ok(files) = verify_dir(lock, &final_dir) {
            return Ok(files);
        }
    }
    fs::create_dir_all(cache_root)
        .with_context(|| format!("cannot create spec cache {}", cache_root.display()))?;
    let staging = Staging::unique(cache_root, &format!("partial-{}", lock.commit))?;
    let agent = http_agent_for(base_url);

    let mut files = Vec::new();
    for locked in lock.sorted_files() {
        let url = file_url(base_url, lock, &locked.path);
        let bytes = download(&agent, &url)
            .with_context(|| format!("cannot download spec file {}", locked.path))?;
        let actual = sha256_hex(&bytes);
        if actual != locked.sha256 {
            bail!(
                "downloaded spec file {} does not match {LOCK_FILE}\n  url: {url}\n  \
                 expected sha256 {}\n  actual   sha256 {actual}\n\
                 Nothing was cached. Either the lock is wrong (re-pin it with \
                 `cargo xtask specs update`) or the server returned something other than \
                 commit {} of {}.",
                locked.path,
                locked.sha256,
                lock.commit,
                lock.upstream
            );
        }
        staging.write(&locked.path, &bytes)?;
        files.push(SpecFile {
            path: locked.path.clone(),
            bytes,
        });
    }

    // Everything verified: publish. The commit is validated hex, so this only ever removes
    // `target/spec-cache/<commit>`.
    if final_dir.exists() {
        // Another run may have published a good copy while we downloaded: keep it.
        if verify_dir(lock, &final_dir).is_ok() {
            return Ok(files);
        }
        fs::remove_dir_all(&final_dir)
            .with_context(|| format!("cannot remove stale spec cache {}", final_dir.display()))?;
    }
    match fs::rename(staging.path(), &final_dir) {
        Ok(()) => staging.disarm(),
        // Another run may have published the same commit in the meantime; its copy was
        // verified the same way, so ours (still removed by the guard) is not needed.
        Err(_) if final_dir.is_dir() => {}
        Err(error) => {
            return Err(error).with_context(|| {
                format!(
                    "cannot move downloaded specs into the cache {}",
                    final_dir.display()
                )
            });
        }
    }
    Ok(files)
}

/// `<base>/<owner>/<name>/<commit>/<path>`, the raw.githubusercontent.com layout; the path's
/// spaces (`docs/webhook events/`) percent-encoded.
fn file_url(base_url: &str, lock: &Lock, path: &str) -> String {
    format!(
        "{}/{}/{}/{}",
        base_url.trim_end_matches('/'),
        lock.upstream,
        lock.commit,
        url_path(path)
    )
}

/// A release path as a URL path: every byte outside the unreserved set and `/`
/// percent-encoded (`webhook events` -> `webhook%20events`).
pub(crate) fn url_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// An HTTP client for downloads from `base_url` (also used by `specs update`).
pub(crate) fn http_agent_for(base_url: &str) -> ureq::Agent {
    http_agent(!is_loopback(base_url))
}

fn http_agent(use_env_proxy: bool) -> ureq::Agent {
    let mut config = ureq::Agent::config_builder()
        // Non-2xx responses are handled below, where the URL and status go into the error.
        .http_status_as_error(false)
        .timeout_connect(Some(Duration::from_secs(15)))
        // Per request, including the body; generous for ~350 KB on a slow link.
        .timeout_global(Some(Duration::from_secs(120)))
        .user_agent(concat!("ghl-rs-xtask/", env!("CARGO_PKG_VERSION")));
    if !use_env_proxy {
        config = config.proxy(None);
    }
    config.build().into()
}

/// A proxy from the environment must never intercept requests to a local test server.
pub(super) fn is_loopback(base_url: &str) -> bool {
    let rest = base_url
        .strip_prefix("http://")
        .or_else(|| base_url.strip_prefix("https://"))
        .unwrap_or(base_url);
    ["127.0.0.1", "localhost", "[::1]"].iter().any(|host| {
        rest.strip_prefix(host)
            .is_some_and(|after| after.is_empty() || after.starts_with([':', '/']))
    })
}

/// GET `url`: the body of a 2xx answer, or an error naming the URL and the status.
pub(crate) fn download(agent: &ureq::Agent, url: &str) -> Result<Vec<u8>> {
    let mut response = agent
        .get(url)
        .call()
        .map_err(|error| anyhow!("GET {url} failed: {error}"))?;
    let status = response.status();
    ensure!(status.is_success(), "GET {url} returned HTTP {status}");
    response
        .body_mut()
        .with_config()
        .limit(MAX_SPEC_BYTES)
        .read_to_vec()
        .map_err(|error| anyhow!("GET {url}: cannot read the response body: {error}"))
}
