//! `cargo xtask test`: every test the project has, in one command. Besides `cargo test`, two
//! checks need cargo itself and so cannot run inside a test: the downstream crate that depends on
//! one resource crate alone, and the crates generated from an older release with `--out`.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};

use anyhow::{Context, bail};

use crate::regen::{self, RegenArgs};

/// The earlier release kept beside the pinned one, to prove `--unlocked --out` builds.
const OLDER_RELEASE: &str = "../shared/specs/highlevel-api-docs-2025-10-31";

fn cargo_command(root: &Path, args: &[&str]) -> Command {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    println!("\n==> cargo {}", args.join(" "));
    let mut command = Command::new(cargo);
    command
        .args(args)
        .current_dir(root)
        // Share one target directory with the workspace, so nothing is compiled twice.
        .env("CARGO_TARGET_DIR", root.join("target"));
    command
}

fn cargo(root: &Path, args: &[&str]) -> anyhow::Result<()> {
    let status = cargo_command(root, args)
        .status()
        .context("running cargo")?;
    if !status.success() {
        bail!("`cargo {}` failed ({status})", args.join(" "));
    }
    Ok(())
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

/// `cargo test`, its output passed through, ending with one line that adds up every test
/// binary's results (the last binary alone often has no tests, e.g. a crate's doc-tests).
fn cargo_test(root: &Path, args: &[&str]) -> anyhow::Result<()> {
    let mut child = cargo_command(root, args)
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

pub fn run() -> anyhow::Result<ExitCode> {
    let root = regen::workspace_root();

    cargo(
        &root,
        &[
            "build",
            "--quiet",
            "--manifest-path",
            "tests/downstream/Cargo.toml",
        ],
    )?;
    println!("downstream crate builds against ghl-blogs alone");

    let older = root.join(OLDER_RELEASE);
    if older.is_dir() {
        let out = root.join("target").join("release-2025-10-31");
        println!(
            "\n==> cargo xtask regen --specs {OLDER_RELEASE} --unlocked --no-overrides --out {}",
            out.display()
        );
        let args = RegenArgs {
            specs: Some(older),
            unlocked: true,
            out: Some(out.clone()),
            check: false,
            overrides: None,
            // The overrides describe the pinned release; an older one generates as published.
            no_overrides: true,
        };
        if regen::run(&args)? != ExitCode::SUCCESS {
            bail!("regenerating the older release failed");
        }
        let manifest = out.join("Cargo.toml");
        cargo(
            &root,
            &[
                "check",
                "--quiet",
                "--manifest-path",
                &manifest.to_string_lossy(),
            ],
        )?;
        println!("crates generated from the 2025-10-31 release compile");
    } else {
        println!(
            "skipped: {OLDER_RELEASE} is not here, so the --out build of the older release is not checked"
        );
    }

    // Last, so its summary closes the output.
    cargo_test(&root, &["test", "--workspace", "--locked"])?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_result_lines_are_counted() {
        let line = "test result: ok. 52 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.16s";
        assert_eq!(test_counts(line), Some((52, 1)));
        assert_eq!(test_counts("running 3 tests"), None);
    }
}
