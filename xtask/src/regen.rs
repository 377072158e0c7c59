//! `cargo xtask regen`: the pipeline ([`crate::pipeline`]) from the specs to files on disk, and
//! `cargo xtask bench`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;

use crate::emit::{self, EmitOptions, GeneratedFile};
use crate::examples::ExampleStats;
use crate::ir::{Api, Stats, TypeNames};
use crate::overrides;
use crate::pipeline::generate;
use crate::specs::{self, SpecSet};
use crate::summary::counts;
use crate::{bench, spec_tests, write};

#[derive(clap::Args, Debug)]
pub struct RegenArgs {
    /// Directory holding `apps/*.json` and `common/common-schemas.json` (default: `GHL_SPECS_DIR`,
    /// then `../shared/specs/highlevel-api-docs`, then a verified download of the locked commit).
    #[arg(long)]
    pub specs: Option<PathBuf>,
    /// Generate from whatever release `--specs` holds, without checking it against the lock.
    #[arg(long, requires = "specs")]
    pub unlocked: bool,
    /// Write the crates here instead of `crates/` (with a workspace manifest, so they build).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Generate in memory and fail, listing the files, when the output differs from what is on disk.
    #[arg(long)]
    pub check: bool,
    /// Directory of override files (default: `overrides/`).
    #[arg(long, conflicts_with = "no_overrides")]
    pub overrides: Option<PathBuf>,
    /// Generate from the specs exactly as published (e.g. an older release the overrides do not fit).
    #[arg(long)]
    pub no_overrides: bool,
    /// Also lay out every item the generator writes as text with prettyplease, and fail where the
    /// two differ (slower; CI runs it over the real specs).
    #[arg(long)]
    pub verify_layout: bool,
}

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn load_specs(args: &RegenArgs, root: &Path) -> anyhow::Result<SpecSet> {
    match (&args.specs, args.unlocked) {
        (Some(dir), true) => specs::load_unlocked(dir),
        (explicit, _) => specs::load_locked(root, explicit.as_deref()),
    }
}

/// Relative path from `from` to `to`, when both are absolute; `to` itself otherwise.
fn relative_path(from: &Path, to: &Path) -> String {
    let from: Vec<_> = from.components().collect();
    let to_parts: Vec<_> = to.components().collect();
    let common = from
        .iter()
        .zip(&to_parts)
        .take_while(|(a, b)| a == b)
        .count();
    if common == 0 {
        return to.to_string_lossy().replace('\\', "/");
    }
    let mut parts: Vec<String> = vec!["..".to_owned(); from.len() - common];
    parts.extend(
        to_parts[common..]
            .iter()
            .map(|part| part.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

fn absolute(path: &Path) -> anyhow::Result<PathBuf> {
    if path.is_absolute() {
        return Ok(path.to_path_buf());
    }
    Ok(std::env::current_dir()
        .context("reading the current directory")?
        .join(path))
}

pub fn run(args: &RegenArgs) -> anyhow::Result<ExitCode> {
    run_in(&workspace_root(), args)
}

/// The names the last regen into `out_dir` gave inline types ([`TypeNames::FILE`] there); none
/// for a fresh directory.
pub fn type_names(out_dir: &Path) -> anyhow::Result<TypeNames> {
    let path = out_dir.join(TypeNames::FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => TypeNames::parse(&text, &path.display().to_string()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(TypeNames::default()),
        Err(error) => Err(error).with_context(|| format!("reading {}", path.display())),
    }
}

/// [`run`] for the workspace at `root` (its `Cargo.toml`, `specs/`, `overrides/`, `crates/`).
pub fn run_in(root: &Path, args: &RegenArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    emit::verify_layout(args.verify_layout);
    let root = root.to_path_buf();
    let default_out = root.join("crates");
    let out_dir = match &args.out {
        Some(out) => absolute(out)?,
        None => default_out.clone(),
    };
    write::ensure_output_dir(&out_dir)?;
    let set = load_specs(args, &root)?;
    // Each crate reaches the runtime from `<out>/<crate>/`.
    let runtime = root.join("crates").join("ghl-runtime");
    let options = EmitOptions {
        runtime_path: relative_path(&out_dir.join("crate"), &runtime),
        source: match &set.commit {
            Some(commit) => format!("highlevel-api-docs@{}", &commit[..commit.len().min(7)]),
            None => "unlocked specs".to_owned(),
        },
        metadata: emit::workspace_metadata(&root)?,
        releases: emit::releases(&root)?,
        type_names: type_names(&out_dir)?,
        test_crate: out_dir == default_out,
        scope_variants: Default::default(),
    };
    let override_files = if args.no_overrides {
        Vec::new()
    } else {
        overrides::load_dir(
            &args
                .overrides
                .clone()
                .unwrap_or_else(|| root.join("overrides")),
        )?
    };
    let mut generation = generate(&set, &override_files, &options)?;
    if out_dir != default_out {
        generation
            .files
            .push(out_workspace_manifest(&generation.apis));
    }
    let summary = |what: String| {
        format!(
            "regen: {} specs, {} operations, {} types, {} Value fallbacks, {:.2} s; {what}",
            generation.resource_count(),
            generation.operation_count(),
            generation.type_count(),
            generation.stats.fallback_count(),
            started.elapsed().as_secs_f64(),
        )
    };
    // The example tests belong to this workspace's crates, not to crates generated elsewhere.
    let mut outputs = vec![(out_dir.clone(), &generation.files)];
    if out_dir == default_out {
        outputs.push((
            root.join(spec_tests::TEST_CRATE_PARENT),
            &generation.test_files,
        ));
    }
    if args.check {
        let mut drift = write::Drift::default();
        for (dir, files) in &outputs {
            let found = write::check(dir, files)?;
            let prefix = |paths: Vec<String>| {
                paths
                    .into_iter()
                    .map(|path| dir.join(path).display().to_string())
            };
            drift.changed.extend(prefix(found.changed));
            drift.missing.extend(prefix(found.missing));
            drift.extra.extend(prefix(found.extra));
        }
        if drift.is_clean() {
            println!(
                "{}",
                summary(format!("{} is up to date", out_dir.display()))
            );
            return Ok(ExitCode::SUCCESS);
        }
        for (label, paths) in [
            ("differs", &drift.changed),
            ("missing", &drift.missing),
            ("not generated", &drift.extra),
        ] {
            for path in paths {
                eprintln!("  {label}: {path}");
            }
        }
        eprintln!(
            "{}",
            summary(format!(
                "{} is NOT what the generator makes",
                out_dir.display()
            ))
        );
        eprintln!("help: run `cargo xtask regen` and commit the result");
        return Ok(ExitCode::FAILURE);
    }
    let mut outcome = write::Outcome::default();
    for (dir, files) in &outputs {
        let written = write::write(dir, files)?;
        outcome.written += written.written;
        outcome.removed += written.removed;
        outcome.unchanged += written.unchanged;
    }
    print_report(&generation.stats, &generation.example_stats);
    if let Some(model) = &generation.events {
        println!("{}", crate::events::report(model));
    }
    if let Some((table, agreement)) = &generation.scopes {
        println!("{}", crate::scopes::report(table, agreement));
    }
    println!("{}", paging_report(&generation.apis, &generation.stats));
    if !generation.overrides_applied.is_empty() {
        println!("{}", overrides::report(&generation.overrides_applied));
    }
    println!(
        "{}",
        summary(format!(
            "{} files written, {} removed, {} unchanged in {}",
            outcome.written,
            outcome.removed,
            outcome.unchanged,
            out_dir.display()
        ))
    );
    Ok(ExitCode::SUCCESS)
}

/// What the generator absorbed and where it fell back to `Value`, one line each.
fn print_report(stats: &Stats, examples: &ExampleStats) {
    if !stats.repairs.is_empty() {
        println!("absorbed spec defects: {}", counts(&stats.repairs));
    }
    if !stats.value_fallbacks.is_empty() {
        println!(
            "serde_json::Value where the spec says nothing usable: {}",
            counts(&stats.value_fallbacks)
        );
    }
    println!(
        "spec examples: {} match their schema and are tested, {} contradict it",
        examples.matching, examples.mismatched
    );
}

/// How many operations page, by style and by where that was learnt; and how many take an
/// offset or page number without saying where their list is.
fn paging_report(apis: &[Api], stats: &Stats) -> String {
    let paged: Vec<&crate::ir::Paging> = apis
        .iter()
        .flat_map(|api| &api.operations)
        .filter_map(|op| op.paging.as_ref())
        .collect();
    let count = |style: fn(&crate::ir::PageStyle) -> bool| {
        paged.iter().filter(|paging| style(&paging.style)).count()
    };
    format!(
        "paged operations: {} ({} by offset, {} by page number, {} by cursor; {} from overrides); {} take an offset or page number but answer no single list",
        paged.len(),
        count(|style| matches!(style, crate::ir::PageStyle::Offset { .. })),
        count(|style| matches!(style, crate::ir::PageStyle::Page { .. })),
        count(|style| matches!(style, crate::ir::PageStyle::Cursor { .. })),
        paged
            .iter()
            .filter(|paging| paging.origin.is_some())
            .count(),
        stats.unpaged_lists,
    )
}

/// Crates generated outside `crates/` get a workspace of their own so `cargo build` works there.
fn out_workspace_manifest(apis: &[Api]) -> GeneratedFile {
    let members: Vec<String> = apis
        .iter()
        .map(|api| format!("    \"{}\",", api.crate_name))
        .collect();
    GeneratedFile {
        path: "Cargo.toml".to_owned(),
        contents: format!(
            "# @generated by `cargo xtask regen --out`: a workspace for crates generated outside crates/.\n[workspace]\nresolver = \"3\"\nmembers = [\n{}\n]\n",
            members.join("\n")
        ),
    }
}

/// `cargo xtask bench`: full in-memory regenerations of the locked specs, timed.
pub fn bench(specs_dir: Option<&Path>, runs: usize) -> anyhow::Result<ExitCode> {
    let root = workspace_root();
    let set = specs::load_locked(&root, specs_dir)?;
    let options = EmitOptions {
        runtime_path: "../ghl-runtime".to_owned(),
        source: "bench".to_owned(),
        metadata: emit::workspace_metadata(&root)?,
        releases: emit::releases(&root)?,
        type_names: type_names(&root.join("crates"))?,
        test_crate: true,
        scope_variants: Default::default(),
    };
    let override_files = overrides::load_dir(&root.join("overrides"))?;
    let figures = bench::measure(runs, || generate(&set, &override_files, &options))?;
    println!(
        "bench: full regen of {} spec files in memory, {figures}",
        set.files.len()
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_walk_up_and_down() {
        assert_eq!(
            relative_path(Path::new("/w/crates/x"), Path::new("/w/crates/ghl-runtime")),
            "../ghl-runtime"
        );
        assert_eq!(
            relative_path(Path::new("/tmp/out/x"), Path::new("/w/crates/ghl-runtime")),
            "../../../w/crates/ghl-runtime"
        );
    }
}
