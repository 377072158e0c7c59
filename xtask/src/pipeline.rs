//! The pipeline end to end, in memory: specs in, the models of every crate ([`build_apis`]),
//! then their files ([`generate`]); nothing here touches the disk. Commands (`regen`, `diff`,
//! `bench`, `update`) sit on top of it.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, bail};

use crate::emit::{self, EmitOptions, GeneratedFile};
use crate::examples::{self, ExampleStats};
use crate::ir::{self, Api, CommonTypes, Stats, TypeNames};
use crate::overrides::OverrideFile;
use crate::specs::{SpecFile, SpecSet};
use crate::{events, load, scopes, spec_tests};

/// The file every v2 spec refers to for shared schemas.
pub const COMMON_SPEC: &str = "common/common-schemas.json";

/// The v3 specs' shared schemas; merged into [`COMMON_CRATE`] with [`COMMON_SPEC`].
pub const V3_COMMON_SPEC: &str = crate::specs::V3_COMMON_SCHEMAS;

/// The crate generated from [`COMMON_SPEC`].
pub const COMMON_CRATE: &str = "ghl-common";

/// The generated files and what it took to make them.
pub struct Generation {
    /// The crates, relative to the output directory (`crates/`).
    pub files: Vec<GeneratedFile>,
    /// The test crate checking the crates against the specs, relative to `tests/` (empty
    /// unless [`EmitOptions::test_crate`]).
    pub test_files: Vec<GeneratedFile>,
    pub apis: Vec<Api>,
    /// The webhook events, when the release publishes their pages.
    pub events: Option<events::Model>,
    /// The OAuth scopes, when the release publishes their table.
    pub scopes: Option<(scopes::Table, scopes::Agreement)>,
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

/// The model of every crate a spec set makes (the common crate first), overrides applied.
pub struct Built {
    pub apis: Vec<Api>,
    /// The webhook events, when the release publishes their pages.
    pub events: Option<events::Model>,
    /// The OAuth scope table with the scopes only the specs name, and how it agrees with the
    /// specs, when the release publishes it.
    pub scopes: Option<(scopes::Table, scopes::Agreement)>,
    /// Resource -> how many overrides applied to it.
    pub overrides_applied: BTreeMap<String, usize>,
}

/// What one job of [`build_apis`] makes: a resource's model (with its name and how many
/// overrides applied), or the webhook events'.
enum Piece {
    Api(String, usize, Box<Api>),
    Events(Box<events::Model>, usize),
}

/// How heavy building the webhook events is, in spec bytes: about a mid-sized spec's work.
const EVENTS_WEIGHT: usize = 150_000;

/// Specs in, models out: load (repairs, overrides) and [`ir::build`] every spec, no emitting.
///
/// Every resource spec is tried, so that after a spec update all the stale overrides are
/// reported in one run, not one per run.
/// Inline types keep the names `names` gave their places (see [`TypeNames`]).
pub fn build_apis(
    set: &SpecSet,
    overrides: &[OverrideFile],
    names: &TypeNames,
) -> anyhow::Result<Built> {
    let pages = events::read(set)?;
    let mut spec_resources: BTreeSet<&str> = set
        .files
        .iter()
        .filter(|file| crate::specs::is_spec(&file.path))
        .map(|file| load::resource_of(&file.path))
        .collect();
    if pages.is_some() {
        spec_resources.insert(load::resource_of(events::EVENTS_SPEC));
    }
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
    let (common_file, only_in) = common_of_both_surfaces(set)?;
    let common_spec = load::load(&common_file, overrides_for(&common_file.path))?;
    if common_spec.overrides_applied > 0 {
        overrides_applied.insert(common_spec.resource.clone(), common_spec.overrides_applied);
    }
    let common_types = CommonTypes::new(&common_spec).defined_only_in(only_in);
    let mut common_api = ir::build(&common_spec, None, &names.places(COMMON_CRATE))?;
    common_api.crate_name = COMMON_CRATE.to_owned();
    common_api.title = "Common Schemas".to_owned();

    let resources: Vec<_> = set
        .files
        .iter()
        .filter(|file| crate::specs::is_spec(&file.path) && !crate::specs::is_common(&file.path))
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
    // The resources, and the webhook events beside them (they need none of the resources).
    let jobs: Vec<Option<&SpecFile>> = resources
        .iter()
        .map(|file| Some(*file))
        .chain(pages.as_ref().map(|_| None))
        .collect();
    let built = parallel_map(
        &jobs,
        |job| job.map_or(EVENTS_WEIGHT, |file| file.bytes.len()),
        |job| match job {
            Some(file) => {
                let spec = load::load(file, overrides_for(&file.path))?;
                let locked = names.places(&crate::naming::crate_name(&spec.resource));
                let api = ir::build(&spec, Some(&common_types), &locked)?;
                Ok(Piece::Api(
                    spec.resource,
                    spec.overrides_applied,
                    Box::new(api),
                ))
            }
            None => match &pages {
                Some(pages) => {
                    let locked = names.places(events::EVENTS_CRATE);
                    let (model, applied) =
                        events::build(pages, overrides_for(events::EVENTS_SPEC), &locked)?;
                    Ok(Piece::Events(Box::new(model), applied))
                }
                None => bail!("webhook events built without their pages"),
            },
        },
    );
    let mut events = None;
    for result in built {
        match result {
            Ok(Piece::Api(resource, applied, api)) => {
                if applied > 0 {
                    overrides_applied.insert(resource, applied);
                }
                apis.push(*api);
            }
            Ok(Piece::Events(model, applied)) => {
                if applied > 0 {
                    let resource = load::resource_of(events::EVENTS_SPEC);
                    overrides_applied.insert(resource.to_owned(), applied);
                }
                events = Some(*model);
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
    ir::share_enums(&mut apis, 0, &names.places(COMMON_CRATE));
    ir::mark_inputs(&mut apis, COMMON_CRATE);
    ir::pair_surfaces(&mut apis);
    let scopes = match set
        .files
        .iter()
        .find(|file| file.path == scopes::SCOPES_PAGE)
    {
        Some(file) => {
            let text = std::str::from_utf8(&file.bytes)
                .with_context(|| format!("{}: the page is not UTF-8 text", file.path))?;
            let mut table = scopes::read(&file.path, text)?;
            let mut agreement = scopes::reconcile(&mut table, &mut apis);
            if let Some(model) = &events {
                let types = model
                    .events
                    .iter()
                    .map(|event| (event.stem.clone(), event.event_type.clone()))
                    .collect();
                scopes::name_events(&mut table, &types, &mut agreement);
            }
            Some((table, agreement))
        }
        None => None,
    };
    Ok(Built {
        apis,
        events,
        scopes,
        overrides_applied,
    })
}

/// The shared schemas of both surfaces as one document, named [`COMMON_SPEC`]: the v2 file, plus
/// the schemas only the v3 file ([`V3_COMMON_SPEC`]) has. Both surfaces' shared types then live
/// once, in [`COMMON_CRATE`], and a v3 crate's `ForbiddenDTO` is the v2 crates' type too. A schema
/// both files define must be the same in both: one name cannot be two types in one crate. With
/// it, each name only one of the two files defines, and that file: a spec may only refer to its
/// own surface's.
fn common_of_both_surfaces(
    set: &SpecSet,
) -> anyhow::Result<(SpecFile, BTreeMap<String, &'static str>)> {
    let file = |path: &str| set.files.iter().find(|file| file.path == path);
    let common = file(COMMON_SPEC).with_context(|| {
        format!(
            "{} has no {COMMON_SPEC}; every v2 spec refers to it",
            set.origin
        )
    })?;
    let Some(v3) = file(V3_COMMON_SPEC) else {
        return Ok((common.clone(), BTreeMap::new()));
    };
    // On its own first, so a defect in it is reported against its own file.
    load::load(v3, None)?;
    let mut merged = crate::validate::parse(&common.path, &common.bytes)?;
    let extra = crate::validate::parse(&v3.path, &v3.bytes)?;
    let pointer = "/components/schemas";
    let mut added = serde_json::Map::new();
    let schemas = |document: &serde_json::Value| {
        document
            .pointer(pointer)
            .and_then(serde_json::Value::as_object)
            .cloned()
            .unwrap_or_default()
    };
    let (known, extra) = (schemas(&merged), schemas(&extra));
    // Names only the v2 file defines; the loop below adds those only the v3 file does.
    let mut only_in: BTreeMap<String, &'static str> = known
        .keys()
        .filter(|name| !extra.contains_key(*name))
        .map(|name| (name.clone(), COMMON_SPEC))
        .collect();
    for (name, schema) in &extra {
        match known.get(name) {
            Some(same) if same == schema => {}
            Some(_) => bail!(
                "{V3_COMMON_SPEC}#{} differs from the schema of that name in {COMMON_SPEC}: the \
                 shared schemas of both surfaces are generated once, into {COMMON_CRATE}, and one \
                 name cannot be two types there. Stay on the pinned release until the two files \
                 agree again (`cargo xtask specs update` re-pins)",
                crate::diagnostics::pointer_push(pointer, name)
            ),
            None => {
                only_in.insert(name.clone(), V3_COMMON_SPEC);
                added.insert(name.clone(), schema.clone());
            }
        }
    }
    if added.is_empty() {
        return Ok((common.clone(), only_in));
    }
    match merged
        .pointer_mut(pointer)
        .and_then(serde_json::Value::as_object_mut)
    {
        Some(schemas) => schemas.extend(added),
        // The published v2 file always has schemas (the error bodies); one without is not it.
        None => bail!("{COMMON_SPEC}#{pointer} is missing or not an object"),
    }
    let file = SpecFile {
        path: COMMON_SPEC.to_owned(),
        bytes: serde_json::to_vec(&merged).context("cannot serialize the merged common schemas")?,
    };
    Ok((file, only_in))
}

/// The stack of every thread that reads or generates a spec: schemas nest as deep as
/// [`crate::validate::MAX_DEPTH`] allows, and every stage walks them recursively. Only the
/// pages a thread touches are ever committed.
pub const STACK_SIZE: usize = 256 << 20;

/// `f` over `items` on every available core, results in the order of `items` (so output does not
/// depend on scheduling). Each call builds and consumes its own token streams: they are not `Send`.
///
/// The heaviest items (by `weight`) start first and each worker takes the next item when it is
/// done with one, so no core idles while the other still has a queue.
pub(crate) fn parallel_map<T: Sync, R: Send>(
    items: &[T],
    weight: impl Fn(&T) -> usize,
    f: impl Fn(&T) -> anyhow::Result<R> + Sync,
) -> Vec<anyhow::Result<R>> {
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(items.len())
        .max(1);
    let mut order: Vec<usize> = (0..items.len()).collect();
    // Stable: equal weights keep the order of `items`.
    order.sort_by_key(|&index| std::cmp::Reverse(weight(&items[index])));
    let next = AtomicUsize::new(0);
    let mut slots: Vec<Option<anyhow::Result<R>>> = (0..items.len()).map(|_| None).collect();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let (f, order, next) = (&f, &order, &next);
                std::thread::Builder::new()
                    .stack_size(STACK_SIZE)
                    .spawn_scoped(scope, move || {
                        let mut done = Vec::new();
                        while let Some(&index) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
                            done.push((index, f(&items[index])));
                        }
                        done
                    })
            })
            .collect();
        for worker in workers {
            // A thread that could not start leaves its items to the others; one that no thread
            // took is reported below.
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

/// One piece of [`generate`]'s work: a crate, one file of the test crate, or the runtime's
/// generated webhook events or scopes.
enum Job<'a> {
    Crate(&'a Api),
    Tests(spec_tests::Part),
    Events(&'a events::Model),
    Scopes(&'a scopes::Table),
}

/// Specs in, files out, all in memory: nothing here touches the output directory.
pub fn generate(
    set: &SpecSet,
    overrides: &[OverrideFile],
    options: &EmitOptions,
) -> anyhow::Result<Generation> {
    let Built {
        apis,
        events,
        scopes,
        overrides_applied,
    } = build_apis(set, overrides, &options.type_names)?;
    // In this workspace, operation docs link the runtime's `Scope` variants.
    let linked;
    let options = match scopes.as_ref().filter(|_| options.test_crate) {
        Some((table, _)) => {
            linked = EmitOptions {
                scope_variants: emit::scope_variant_names(table),
                ..options.clone()
            };
            &linked
        }
        None => options,
    };
    let mut files = vec![GeneratedFile {
        path: TypeNames::FILE.to_owned(),
        contents: TypeNames::of(apis.iter().chain(events.as_ref().map(|model| &model.api)))
            .to_json(),
    }];
    let mut stats = Stats::default();
    for api in &apis {
        stats.add(&api.stats);
    }
    let (cases, example_stats) = examples::collect(&apis);
    // The crates and the test crate's files, in one pool: the test crate's two big files
    // format while the last crates do.
    let test_parts: &[spec_tests::Part] = if options.test_crate {
        &spec_tests::Part::ALL
    } else {
        &[]
    };
    // The events and scopes belong to this workspace's runtime, not to crates generated
    // elsewhere.
    let runtime_jobs = [
        events
            .as_ref()
            .filter(|_| options.test_crate)
            .map(Job::Events),
        scopes
            .as_ref()
            .filter(|_| options.test_crate)
            .map(|(table, _)| Job::Scopes(table)),
    ];
    let jobs: Vec<Job> = apis
        .iter()
        .map(Job::Crate)
        .chain(test_parts.iter().copied().map(Job::Tests))
        .chain(runtime_jobs.into_iter().flatten())
        .collect();
    let weight = |job: &Job| match job {
        Job::Crate(api) => emit::emit_weight(api),
        Job::Tests(part) => part.weight(&apis, &cases),
        Job::Events(model) => emit::emit_weight(&model.api) * 4,
        Job::Scopes(table) => table.scopes.len() * 10,
    };
    let emitted = parallel_map(&jobs, weight, |job| match job {
        Job::Crate(api) => emit::emit_crate(api, options),
        Job::Tests(part) => Ok(vec![spec_tests::emit_part(
            *part,
            &apis,
            &cases,
            &example_stats,
            &options.metadata,
        )?]),
        Job::Events(model) => emit::events_files(model, &options.source),
        Job::Scopes(table) => Ok(vec![emit::scope_file(table, &options.source)?]),
    });
    let mut test_files = Vec::new();
    for (job, result) in jobs.iter().zip(emitted) {
        match job {
            Job::Tests(_) => test_files.extend(result?),
            Job::Crate(_) | Job::Events(_) | Job::Scopes(_) => files.extend(result?),
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    test_files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Generation {
        files,
        test_files,
        apis,
        events,
        scopes,
        stats,
        example_stats,
        overrides_applied,
    })
}

#[cfg(test)]
mod tests {
    use super::parallel_map;

    #[test]
    fn parallel_map_returns_results_in_the_order_of_the_items_whatever_their_weight() {
        let items: Vec<usize> = (0..40).collect();
        // The lightest items first in `items`, so scheduling order is the reverse of it.
        let results = parallel_map(
            &items,
            |&item| item,
            |&item| {
                anyhow::ensure!(item != 7, "item 7 fails");
                Ok(item * 10)
            },
        );
        assert_eq!(results.len(), 40);
        for (item, result) in items.iter().zip(&results) {
            match result {
                Ok(value) => assert_eq!(*value, item * 10),
                Err(error) => {
                    assert_eq!(*item, 7);
                    assert_eq!(error.to_string(), "item 7 fails");
                }
            }
        }
        assert!(parallel_map(&[] as &[usize], |_| 0, |_| Ok(())).is_empty());
    }
}
