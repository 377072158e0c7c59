//! `cargo xtask regen`: the whole pipeline, specs to files on disk, and `cargo xtask bench`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail};

use crate::emit::{self, EmitOptions, GeneratedFile};
use crate::examples::{self, ExampleStats};
use crate::ir::{self, Api, CommonTypes, Stats};
use crate::overrides::{self, OverrideFile};
use crate::specs::{self, SpecSet};
use crate::{bench, load, spec_tests, write};

/// The file every v2 spec refers to for shared schemas.
pub const COMMON_SPEC: &str = "common/common-schemas.json";

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
}

/// The generated files and what it took to make them.
pub struct Generation {
    /// The crates, relative to the output directory (`crates/`).
    pub files: Vec<GeneratedFile>,
    /// The test crate checking the crates against the specs, relative to `tests/`.
    pub test_files: Vec<GeneratedFile>,
    pub apis: Vec<Api>,
    pub stats: Stats,
    pub example_stats: ExampleStats,
    /// Resource -> how many overrides applied to it.
    pub overrides_applied: BTreeMap<String, usize>,
}

impl Generation {
    pub fn operation_count(&self) -> usize {
        self.apis.iter().map(|api| api.operations.len()).sum()
    }

    pub fn type_count(&self) -> usize {
        self.apis.iter().map(|api| api.types.len()).sum()
    }

    pub fn resource_count(&self) -> usize {
        self.apis
            .iter()
            .filter(|api| !api.operations.is_empty() || api.spec_path != COMMON_SPEC)
            .count()
    }
}

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// The model of every crate a spec set makes (the common crate first), overrides applied.
pub struct Built {
    pub apis: Vec<Api>,
    /// Resource -> how many overrides applied to it.
    pub overrides_applied: BTreeMap<String, usize>,
}

/// Specs in, models out: load (repairs, overrides) and [`ir::build`] every spec, no emitting.
///
/// Every resource spec is tried, so that after a spec update all the stale overrides are
/// reported in one run, not one per run.
pub fn build_apis(set: &SpecSet, overrides: &[OverrideFile]) -> anyhow::Result<Built> {
    let spec_resources: BTreeSet<&str> = set
        .files
        .iter()
        .map(|file| load::resource_of(&file.path))
        .collect();
    if let Some(orphan) = overrides
        .iter()
        .find(|file| !spec_resources.contains(file.resource.as_str()))
    {
        bail!(
            "{}: stale override file: there is no spec `{}.json` in {} any more; delete the file or rename it after the spec it patches",
            orphan.display,
            orphan.resource,
            set.origin
        );
    }
    let overrides_for = |path: &str| {
        let resource = load::resource_of(path);
        overrides.iter().find(|file| file.resource == resource)
    };
    let mut overrides_applied = BTreeMap::new();
    let common_file = set
        .files
        .iter()
        .find(|file| file.path == COMMON_SPEC)
        .with_context(|| {
            format!(
                "{} has no {COMMON_SPEC}; every v2 spec refers to it",
                set.origin
            )
        })?;
    let common_spec = load::load(common_file, overrides_for(&common_file.path))?;
    if common_spec.overrides_applied > 0 {
        overrides_applied.insert(common_spec.resource.clone(), common_spec.overrides_applied);
    }
    let common_types = CommonTypes::new(&common_spec);
    let mut common_api = ir::build(&common_spec, None)?;
    common_api.crate_name = "ghl-common".to_owned();
    common_api.title = "Common Schemas".to_owned();

    let resources: Vec<_> = set
        .files
        .iter()
        .filter(|file| file.path != COMMON_SPEC)
        .collect();
    if resources.is_empty() {
        bail!("{} holds no resource specs (apps/*.json)", set.origin);
    }
    // Two files that name one crate would write over each other.
    let mut crates: BTreeMap<String, &str> = BTreeMap::new();
    crates.insert(common_api.crate_name.clone(), COMMON_SPEC);
    for file in &resources {
        let krate = crate::naming::crate_name(load::resource_of(&file.path));
        if let Some(other) = crates.insert(krate.clone(), &file.path) {
            bail!(
                "{other} and {} both become the crate `{krate}` in {}: keep one of the two files",
                file.path,
                set.origin
            );
        }
    }
    let mut apis = vec![common_api];
    let mut failures: Vec<anyhow::Error> = Vec::new();
    let built = parallel_map(&resources, |file| {
        let spec = load::load(file, overrides_for(&file.path))?;
        let api = ir::build(&spec, Some(&common_types))?;
        Ok((spec.resource, spec.overrides_applied, api))
    });
    for result in built {
        match result {
            Ok((resource, applied, api)) => {
                if applied > 0 {
                    overrides_applied.insert(resource, applied);
                }
                apis.push(api);
            }
            Err(error) => failures.push(error),
        }
    }
    if failures.len() == 1 {
        if let Some(error) = failures.pop() {
            return Err(error);
        }
    }
    if !failures.is_empty() {
        let listed: Vec<String> = failures
            .iter()
            .map(|error| format!("  - {error:#}"))
            .collect();
        bail!(
            "{} of the spec files in {} failed:\n{}",
            failures.len(),
            set.origin,
            listed.join("\n")
        );
    }
    Ok(Built {
        apis,
        overrides_applied,
    })
}

/// The stack of every thread that reads or generates a spec: schemas nest as deep as
/// [`crate::validate::MAX_DEPTH`] allows, and every stage walks them recursively. Only the
/// pages a thread touches are ever committed.
pub const STACK_SIZE: usize = 256 << 20;

/// `f` over `items` on every available core, results in the order of `items` (so output does not
/// depend on scheduling). Each call builds and consumes its own token streams: they are not `Send`.
fn parallel_map<T: Sync, R: Send>(
    items: &[T],
    f: impl Fn(&T) -> anyhow::Result<R> + Sync,
) -> Vec<anyhow::Result<R>> {
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(items.len())
        .max(1);
    let mut slots: Vec<Option<anyhow::Result<R>>> = (0..items.len()).map(|_| None).collect();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|worker| {
                let f = &f;
                // Every `threads`-th item, so big and small specs spread evenly.
                std::thread::Builder::new()
                    .stack_size(STACK_SIZE)
                    .spawn_scoped(scope, move || {
                        items
                            .iter()
                            .enumerate()
                            .skip(worker)
                            .step_by(threads)
                            .map(|(index, item)| (index, f(item)))
                            .collect::<Vec<_>>()
                    })
            })
            .collect();
        for worker in workers {
            // A thread that could not start leaves its slots empty: reported below.
            let Ok(worker) = worker else { continue };
            match worker.join() {
                Ok(results) => {
                    for (index, result) in results {
                        slots[index] = Some(result);
                    }
                }
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
    });
    slots
        .into_iter()
        .map(|slot| {
            slot.unwrap_or_else(|| Err(anyhow::anyhow!("a generator thread produced no result")))
        })
        .collect()
}

/// Specs in, files out, all in memory: nothing here touches the output directory.
pub fn generate(
    set: &SpecSet,
    overrides: &[OverrideFile],
    options: &EmitOptions,
) -> anyhow::Result<Generation> {
    let Built {
        apis,
        overrides_applied,
    } = build_apis(set, overrides)?;
    let mut files = Vec::new();
    let mut stats = Stats::default();
    for (api, emitted) in apis
        .iter()
        .zip(parallel_map(&apis, |api| emit::emit_crate(api, options)))
    {
        files.extend(emitted?);
        stats.add(&api.stats);
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let (cases, example_stats) = examples::collect(&apis);
    let test_files = spec_tests::emit(&apis, &cases, &example_stats, &options.metadata)?;
    Ok(Generation {
        files,
        test_files,
        apis,
        stats,
        example_stats,
        overrides_applied,
    })
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

/// [`run`] for the workspace at `root` (its `Cargo.toml`, `specs/`, `overrides/`, `crates/`).
pub fn run_in(root: &Path, args: &RegenArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
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
        let repairs: Vec<String> = stats
            .repairs
            .iter()
            .map(|(kind, count)| format!("{kind} ({count})"))
            .collect();
        println!("absorbed spec defects: {}", repairs.join(", "));
    }
    if !stats.value_fallbacks.is_empty() {
        let fallbacks: Vec<String> = stats
            .value_fallbacks
            .iter()
            .map(|(kind, count)| format!("{kind} ({count})"))
            .collect();
        println!(
            "serde_json::Value where the spec says nothing usable: {}",
            fallbacks.join(", ")
        );
    }
    println!(
        "spec examples: {} match their schema and are tested, {} contradict it",
        examples.matching, examples.mismatched
    );
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
