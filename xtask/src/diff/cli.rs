//! The `diff` command and `bench --diff`.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

use super::{Report, diff_sets, markdown};
use crate::regen;
use crate::specs::{self, SpecSet};

#[derive(clap::Args, Debug)]
pub struct DiffArgs {
    /// The older release (a directory holding `apps/*.json` and `common/common-schemas.json`).
    /// Given alone, it is the newer release and the older one is the locked specs.
    #[arg(value_name = "OLD")]
    pub first: PathBuf,
    /// The newer release.
    #[arg(value_name = "NEW")]
    pub second: Option<PathBuf>,
    /// Print the report as JSON instead of Markdown.
    #[arg(long)]
    pub json: bool,
}

/// How a side of the diff is named in the report: the directory as given, or the lock's commit.
fn label_dir(dir: &Path) -> String {
    dir.display().to_string()
}

/// The locked specs, labelled by commit.
fn locked(root: &Path) -> anyhow::Result<(String, SpecSet)> {
    let set = specs::load_locked(root, None)?;
    let commit = set.commit.clone().unwrap_or_default();
    Ok((
        format!("the lock (commit {})", &commit[..commit.len().min(7)]),
        set,
    ))
}

/// `cargo xtask diff OLD NEW` / `cargo xtask diff NEW` (against the lock).
pub fn run(args: &DiffArgs) -> anyhow::Result<ExitCode> {
    let root = regen::workspace_root();
    let ((old_label, old), (new_label, new)) = match &args.second {
        Some(new) => (
            (label_dir(&args.first), specs::load_unlocked(&args.first)?),
            (label_dir(new), specs::load_unlocked(new)?),
        ),
        None => (
            locked(&root)?,
            (label_dir(&args.first), specs::load_unlocked(&args.first)?),
        ),
    };
    let names = regen::type_names(&root.join("crates"))?;
    let report = diff_sets(&old_label, &old, &new_label, &new, &names)?;
    let text = if args.json {
        format!("{}\n", report.to_json()?)
    } else {
        markdown(&report)
    };
    // `cargo xtask diff ... | head` closes the pipe early: that is not an error.
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(error).context("writing the report to stdout")
        }
        _ => Ok(ExitCode::SUCCESS),
    }
}

/// `cargo xtask bench --diff OLD`: the whole diff of two releases (read, build both models,
/// compare, render), timed.
pub fn bench(old_dir: &Path, new_dir: Option<&Path>, runs: usize) -> anyhow::Result<ExitCode> {
    let root = regen::workspace_root();
    let new_dir = match new_dir {
        Some(dir) => dir.to_path_buf(),
        None => std::env::var_os(specs::SPECS_DIR_ENV)
            .filter(|dir| !dir.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("../shared/specs/highlevel-api-docs")),
    };
    let names = regen::type_names(&root.join("crates"))?;
    let once = || -> anyhow::Result<(Report, usize)> {
        let old = specs::load_unlocked(old_dir)?;
        let new = specs::load_unlocked(&new_dir)?;
        let report = diff_sets(
            &label_dir(old_dir),
            &old,
            &label_dir(&new_dir),
            &new,
            &names,
        )?;
        let text = markdown(&report);
        Ok((report, text.len()))
    };
    let (report, _) = once()?;
    let figures = crate::bench::measure(runs, once)?;
    let changes: usize = report.crates.iter().map(|diff| diff.changes.len()).sum();
    println!(
        "bench: diff {} -> {} ({} crates changed, {changes} changes), {figures}",
        old_dir.display(),
        new_dir.display(),
        report.crates.len(),
    );
    Ok(ExitCode::SUCCESS)
}
