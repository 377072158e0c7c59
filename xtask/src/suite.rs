//! `cargo xtask test`: every test the project has, in one command. Besides `cargo test`, two
//! checks need cargo itself and so cannot run inside a test: the downstream crate that depends on
//! one resource crate alone, and the crates generated from an older release with `--out`.
//! `--clippy` lints what `cargo test` compiles in the same build (CI's way of running clippy).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use anyhow::{Context, bail};

use crate::regen::{self, RegenArgs};

/// The earlier release kept beside the pinned one, to prove `--unlocked --out` builds.
const OLDER_RELEASE: &str = "../shared/specs/highlevel-api-docs-2025-10-31";

/// The project's own small specs, one feature each, kept flat (`common.json` plays
/// `common/common-schemas.json`).
const FIXTURE_SPECS: &str = "tests/fixtures/specs";

/// Where the workspace's builds go: `CARGO_TARGET_DIR` when set (CI keeps one outside the
/// clone), otherwise `target/`.
fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .filter(|dir| !dir.is_empty())
        .map(|dir| root.join(dir))
        .unwrap_or_else(|| root.join("target"))
}

fn cargo_command(root: &Path, args: &[&str]) -> Command {
    println!("\n==> cargo {}", args.join(" "));
    let mut command = crate::cargo::cargo();
    command
        .args(args)
        .current_dir(root)
        // Share one target directory with the workspace, so nothing is compiled twice (the
        // crates generated below live in `target/`, their builds wherever the workspace's go).
        .env("CARGO_TARGET_DIR", target_dir(root));
    command
}

fn cargo(root: &Path, args: &[&str]) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let status = cargo_command(root, args)
        .status()
        .context("running cargo")?;
    println!("    ({:.0} s)", started.elapsed().as_secs_f64());
    if !status.success() {
        bail!("`cargo {}` failed ({status})", args.join(" "));
    }
    Ok(())
}

/// `cargo {command...} --quiet --message-format short --manifest-path {manifest}`, its
/// diagnostics captured: whether it succeeded, and what it printed on stderr.
fn cargo_quiet(root: &Path, command: &[&str], manifest: &str) -> anyhow::Result<(bool, String)> {
    let mut args = command.to_vec();
    args.extend([
        "--quiet",
        "--message-format",
        "short",
        "--manifest-path",
        manifest,
    ]);
    let output = cargo_command(root, &args)
        .output()
        .with_context(|| format!("running cargo {}", command.join(" ")))?;
    Ok((
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    ))
}

/// Passed and failed counts of one `test result: ok. 3 passed; 0 failed; ...` line.
fn test_counts(line: &str) -> Option<(u64, u64)> {
    let rest = line.trim().strip_prefix("test result: ")?;
    let count = |word: &str| {
        rest.split(['.', ';'])
            .map(str::trim)
            .find_map(|part| part.strip_suffix(word)?.trim().parse::<u64>().ok())
    };
    Some((count(" passed")?, count(" failed")?))
}

/// `cargo test` with `envs` set, its output passed through, ending with one line that adds up
/// every test binary's results (the last binary alone often has no tests, e.g. a crate's
/// doc-tests).
fn cargo_test(root: &Path, args: &[&str], envs: &[(&str, &str)]) -> anyhow::Result<()> {
    let mut child = cargo_command(root, args)
        .envs(envs.iter().copied())
        .stdout(Stdio::piped())
        .spawn()
        .context("running cargo test")?;
    let (mut passed, mut failed) = (0, 0);
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines() {
            let line = line.context("reading cargo test output")?;
            println!("{line}");
            if let Some((p, f)) = test_counts(&line) {
                passed += p;
                failed += f;
            }
        }
    }
    let status = child.wait().context("waiting for cargo test")?;
    println!("\nall tests: {passed} passed, {failed} failed");
    if !status.success() {
        bail!("`cargo {}` failed ({status})", args.join(" "));
    }
    Ok(())
}

/// Options of `cargo xtask test`.
#[derive(Debug, Default, clap::Args)]
pub struct TestArgs {
    /// Also lint every target `cargo test` builds with clippy, warnings denied, in the same
    /// compile (CI runs this: one build of the workspace instead of a clippy check and a build).
    #[arg(long)]
    pub clippy: bool,
}

/// The environment that makes a build run clippy on the workspace's own crates: cargo hands
/// each of them to `clippy-driver` (rustc with clippy's lints; dependencies go to plain rustc),
/// the way `cargo clippy` does for a check. `CLIPPY_ARGS` is how `cargo clippy` passes its
/// arguments to the driver, each followed by `__CLIPPY_HACKERY__`; the driver tracks it, so
/// cargo rebuilds when it changes.
fn clippy_build_env() -> anyhow::Result<Vec<(&'static str, String)>> {
    let driver = Command::new("clippy-driver")
        .arg("--version")
        .output()
        .ok()
        .filter(|output| output.status.success());
    if driver.is_none() {
        bail!("`clippy-driver` does not run: install clippy with `rustup component add clippy`");
    }
    Ok(vec![
        ("RUSTC_WORKSPACE_WRAPPER", "clippy-driver".to_owned()),
        (
            "CLIPPY_ARGS",
            "-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__".to_owned(),
        ),
    ])
}

pub fn run(args: &TestArgs) -> anyhow::Result<ExitCode> {
    let root = regen::workspace_root();
    let clippy = if args.clippy {
        clippy_build_env()?
    } else {
        Vec::new()
    };

    downstream_build(&root)?;
    println!(
        "downstream crate builds against ghl-blogs alone, dependencies resolved afresh, without a warning"
    );

    // The fixture specs' crates are snapshotted by the tests; here they must also compile.
    let fixtures = root.join("target").join("fixture-specs");
    fixture_release(&root.join(FIXTURE_SPECS), &fixtures)?;
    regen_and_check(
        &root,
        &fixtures,
        &root.join("target").join("fixture-crates"),
        FIXTURE_SPECS,
    )?;
    println!("crates generated from the fixture specs compile");

    let older = root.join(OLDER_RELEASE);
    if older.is_dir() {
        let old_out = root.join("target").join("release-2025-10-31");
        // Named with the workspace's lock, as `cargo xtask diff` names both releases.
        seed_type_names(&root, &old_out)?;
        regen_and_check(&root, &older, &old_out, OLDER_RELEASE)?;
        println!("crates generated from the 2025-10-31 release compile");
        semver_probes(&root, &older, &old_out)?;
    } else {
        println!(
            "skipped: {OLDER_RELEASE} is not here, so the --out build of the older release is not checked"
        );
    }

    // The Redis-backed tests use the server GHL_TEST_REDIS_URL names (`.ci/run` starts one).
    // Without it, one is started here when `redis-server` is installed, and stopped after,
    // so this one command runs every test wherever Redis is installed.
    let redis = match std::env::var_os(REDIS_URL_VAR) {
        Some(_) => None,
        None => match RedisServer::start() {
            Ok(server) => {
                println!(
                    "\n==> redis-server on {} for the Redis-backed tests",
                    server.url
                );
                Some(server)
            }
            Err(why) => {
                println!(
                    "\nno redis-server ({why:#}): the Redis-backed tests say they are skipped; install the redis-server package to run them"
                );
                None
            }
        },
    };
    let envs: Vec<(&str, &str)> = redis
        .iter()
        .map(|server| (REDIS_URL_VAR, server.url.as_str()))
        .chain(clippy.iter().map(|(name, value)| (*name, value.as_str())))
        .collect();
    // Last, so its summary closes the output.
    cargo_test(&root, &["test", "--workspace", "--locked"], &envs)?;
    Ok(ExitCode::SUCCESS)
}

/// A new user's first build: `tests/downstream` (a program depending on `ghl-blogs` alone)
/// copied to `target/downstream-fresh`, its dependencies resolved afresh as `cargo add`
/// would (the newest compatible releases, not the workspace's lock), then built. Fails when
/// the build prints a warning: what a new user's build prints is what this sees.
fn downstream_build(root: &Path) -> anyhow::Result<()> {
    let from = root.join("tests").join("downstream");
    // Two levels below the root, like the original, so its relative path dependency holds.
    let dir = root.join("target").join("downstream-fresh");
    if dir.exists() {
        std::fs::remove_dir_all(&dir).with_context(|| format!("clearing {}", dir.display()))?;
    }
    copy_tree(&from.join("src"), &dir.join("src"))?;
    std::fs::copy(from.join("Cargo.toml"), dir.join("Cargo.toml"))
        .with_context(|| format!("copying {}", from.join("Cargo.toml").display()))?;
    let manifest = dir.join("Cargo.toml");
    let manifest = manifest.to_string_lossy();
    cargo(
        root,
        &["generate-lockfile", "--quiet", "--manifest-path", &manifest],
    )
    .context(
        "resolving tests/downstream's dependencies afresh needs the crates.io index (network access to the registry)",
    )?;
    let (success, stderr) = cargo_quiet(root, &["build"], &manifest)?;
    eprint!("{stderr}");
    if !success {
        bail!("tests/downstream does not build with freshly resolved dependencies");
    }
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|line| line.contains("warning"))
        .collect();
    if !warnings.is_empty() {
        bail!(
            "a new user's build of tests/downstream (dependencies resolved afresh) prints {} warning line(s), first: {}",
            warnings.len(),
            warnings[0]
        );
    }
    // The README's examples, as its doctests (tests/downstream/src/lib.rs): compiled with the
    // same fresh dependencies, not run (they are `no_run`: they need a token and the network).
    let (success, stderr) = cargo_quiet(root, &["test", "--doc"], &manifest)?;
    if !success {
        eprint!("{stderr}");
        bail!(
            "the README's examples do not compile with its [dependencies] block (tests/downstream's doctests)"
        );
    }
    Ok(())
}

/// Copies the files under `from` into `to`, creating directories as needed.
fn copy_tree(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
    for entry in std::fs::read_dir(from).with_context(|| format!("listing {}", from.display()))? {
        let entry = entry.with_context(|| format!("listing {}", from.display()))?;
        let (path, target) = (entry.path(), to.join(entry.file_name()));
        if path.is_dir() {
            copy_tree(&path, &target)?;
        } else {
            std::fs::copy(&path, &target)
                .with_context(|| format!("copying {} to {}", path.display(), target.display()))?;
        }
    }
    Ok(())
}

/// `regen --unlocked --no-overrides` of the release in `specs` into `out`, then `cargo check`
/// of what it wrote (`label` names the release in the output).
fn regen_and_check(root: &Path, specs: &Path, out: &Path, label: &str) -> anyhow::Result<()> {
    println!(
        "\n==> cargo xtask regen --specs {label} --unlocked --no-overrides --out {}",
        out.display()
    );
    let args = RegenArgs {
        specs: Some(specs.to_path_buf()),
        unlocked: true,
        out: Some(out.to_path_buf()),
        check: false,
        overrides: None,
        // The overrides describe the pinned release; other specs generate as written.
        no_overrides: true,
        verify_layout: false,
    };
    if regen::run(&args)? != ExitCode::SUCCESS {
        bail!("regenerating {label} failed");
    }
    let manifest = out.join("Cargo.toml");
    let manifest = manifest.to_string_lossy();
    // Cargo names a path package's artifacts by its place relative to its workspace, so the
    // `ghl-common` of two `--out` workspaces share artifacts in the shared target directory and
    // the second would be taken as up to date. Clean this workspace's crates first.
    let mut members: Vec<String> = std::fs::read_dir(out)
        .with_context(|| format!("listing {}", out.display()))?
        .filter_map(Result::ok)
        .filter(|entry| entry.path().join("Cargo.toml").is_file())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    members.sort();
    let mut clean = vec!["clean", "--quiet", "--manifest-path", &manifest];
    for member in &members {
        clean.extend(["-p", member.as_str()]);
    }
    cargo(root, &clean)?;
    cargo(root, &["check", "--quiet", "--manifest-path", &manifest])
}

/// Copies the workspace's type-name lock (`crates/type-names.json`) into `out`, so a regen
/// there names types as the diff does.
fn seed_type_names(root: &Path, out: &Path) -> anyhow::Result<()> {
    let lock = root.join("crates").join(crate::ir::TypeNames::FILE);
    let text = std::fs::read(&lock).with_context(|| format!("reading {}", lock.display()))?;
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    crate::safe_fs::write_atomic(&out.join(crate::ir::TypeNames::FILE), &text)
}

/// The diff's classes against the compiler (see [`crate::semver`]): the pinned release is
/// generated as the diff sees it (no overrides, the workspace's names) next to the older one.
fn semver_probes(root: &Path, older: &Path, old_out: &Path) -> anyhow::Result<()> {
    let new_out = root.join("target").join("semver").join("pinned");
    seed_type_names(root, &new_out)?;
    println!(
        "\n==> cargo xtask regen --no-overrides --out {}",
        new_out.display()
    );
    let args = RegenArgs {
        specs: None,
        unlocked: false,
        out: Some(new_out.clone()),
        check: false,
        overrides: None,
        no_overrides: true,
        verify_layout: false,
    };
    if regen::run(&args)? != ExitCode::SUCCESS {
        bail!("regenerating the pinned release without overrides failed");
    }
    let names = regen::type_names(&root.join("crates"))?;
    let old_set = crate::specs::load_unlocked(older)?;
    let new_set = crate::specs::load_locked(root, None)?;
    let report = crate::diff::diff_sets(OLDER_RELEASE, &old_set, "pinned", &new_set, &names)?;
    let old_apis = crate::diff::build(&old_set, &names)?;
    let check = |dir: &Path| -> anyhow::Result<(bool, String)> {
        cargo_quiet(root, &["check"], &dir.join("Cargo.toml").to_string_lossy())
    };
    let outcome = crate::semver::run(
        &report,
        &old_apis,
        (old_out, &new_out),
        &root.join("target").join("semver"),
        &check,
    )?;
    println!(
        "a program using all of {} as of 2025-10-31 compiles unchanged against the pinned release (the diff calls them additive)",
        outcome.additive.join(", ")
    );
    match outcome.breaking {
        Some((krate, item)) => println!(
            "the same program over {krate} (breaking) fails at `{item}`, where the diff says"
        ),
        None => println!("no crate in both releases is breaking: nothing to refuse"),
    }
    Ok(())
}

/// Lays the flat fixture specs out as a release (`apps/<name>.json`,
/// `common/common-schemas.json`) in `to`, replacing what was there.
fn fixture_release(from: &Path, to: &Path) -> anyhow::Result<()> {
    if to.exists() {
        std::fs::remove_dir_all(to).with_context(|| format!("clearing {}", to.display()))?;
    }
    for dir in ["apps", "common"] {
        std::fs::create_dir_all(to.join(dir))
            .with_context(|| format!("creating {}", to.join(dir).display()))?;
    }
    for entry in std::fs::read_dir(from).with_context(|| format!("listing {}", from.display()))? {
        let path = entry.context("listing the fixture specs")?.path();
        let Some(name) = path.file_name().and_then(|name| name.to_str()) else {
            continue;
        };
        if !name.ends_with(".json") {
            continue;
        }
        let target = if name == "common.json" {
            to.join("common/common-schemas.json")
        } else {
            to.join("apps").join(name)
        };
        std::fs::copy(&path, &target)
            .with_context(|| format!("copying {} to {}", path.display(), target.display()))?;
    }
    Ok(())
}

/// Where the Redis-backed tests find their server.
const REDIS_URL_VAR: &str = "GHL_TEST_REDIS_URL";

/// A throwaway `redis-server` on a free loopback port, stopped when dropped.
struct RedisServer {
    child: std::process::Child,
    dir: std::path::PathBuf,
    url: String,
}

impl RedisServer {
    fn start() -> anyhow::Result<RedisServer> {
        let mut last = anyhow::anyhow!("no attempt");
        // Another process may take the port between finding it free and the bind: retry.
        for _ in 0..5 {
            let port = std::net::TcpListener::bind(("127.0.0.1", 0))
                .and_then(|listener| listener.local_addr())
                .context("finding a free local port")?
                .port();
            let dir =
                std::env::temp_dir().join(format!("ghl-test-redis-{}-{port}", std::process::id()));
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            let child = Command::new("redis-server")
                .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
                .args(["--save", "", "--appendonly", "no"])
                .arg("--dir")
                .arg(&dir)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .context("running redis-server")?;
            let mut server = RedisServer {
                child,
                dir,
                url: format!("redis://127.0.0.1:{port}/"),
            };
            match server.wait_ready(port) {
                Ok(()) => return Ok(server),
                Err(error) => {
                    server.stop();
                    last = error;
                }
            }
        }
        Err(last)
    }

    /// Waits (up to 5 s) until the server answers `PING` with `PONG`.
    fn wait_ready(&mut self, port: u16) -> anyhow::Result<()> {
        use std::io::{Read, Write};
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while std::time::Instant::now() < deadline {
            if let Some(status) = self.child.try_wait()? {
                bail!("redis-server exited at start ({status})");
            }
            if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) {
                let mut answer = [0u8; 7];
                if stream.write_all(b"PING\r\n").is_ok()
                    && stream.read_exact(&mut answer).is_ok()
                    && &answer == b"+PONG\r\n"
                {
                    return Ok(());
                }
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        bail!("redis-server did not answer on port {port} within 5 s")
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The server `cargo xtask test` starts answers, and is gone once dropped. Needs
    /// `redis-server` (CI installs it; elsewhere the test says it is skipped).
    #[test]
    fn a_throwaway_redis_server_starts_and_stops() {
        let which = Command::new("redis-server").arg("--version").output();
        if which.is_err() {
            assert!(std::env::var_os("CI").is_none(), "CI installs redis-server");
            eprintln!("skipped: redis-server is not installed");
            return;
        }
        let server = RedisServer::start().expect("redis-server starts");
        let port: u16 = server
            .url
            .trim_start_matches("redis://127.0.0.1:")
            .trim_end_matches('/')
            .parse()
            .expect("a port in the URL");
        let dir = server.dir.clone();
        assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
        drop(server);
        assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
        assert!(!dir.exists());
    }

    #[test]
    fn test_result_lines_are_counted() {
        let line = "test result: ok. 52 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.16s";
        assert_eq!(test_counts(line), Some((52, 1)));
        assert_eq!(test_counts("running 3 tests"), None);
    }
}
