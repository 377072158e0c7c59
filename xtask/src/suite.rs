//! `cargo xtask test`: every test the project has, in one command. Besides `cargo test`, two
//! checks need cargo itself and so cannot run inside a test: the downstream crate that depends on
//! one resource crate alone, and the crates generated from an older release with `--out`.

use std::path::Path;
use std::process::{Command, ExitCode};

use anyhow::{Context, bail};

use crate::regen::{self, RegenArgs};

/// The earlier release kept beside the pinned one, to prove `--unlocked --out` builds.
const OLDER_RELEASE: &str = "../shared/specs/highlevel-api-docs-2025-10-31";

fn cargo(root: &Path, args: &[&str]) -> anyhow::Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    println!("\n==> cargo {}", args.join(" "));
    let status = Command::new(&cargo)
        .args(args)
        .current_dir(root)
        // Share one target directory with the workspace, so nothing is compiled twice.
        .env("CARGO_TARGET_DIR", root.join("target"))
        .status()
        .with_context(|| format!("running {cargo}"))?;
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
    cargo(&root, &["test", "--workspace", "--locked"])?;
    Ok(ExitCode::SUCCESS)
}
