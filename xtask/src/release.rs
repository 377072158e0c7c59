//! `cargo xtask release`: publish what changed, in dependency order, with one `cargo publish`.
//!
//! The plan: every publishable workspace crate (or those named with `-p`, with the workspace
//! crates they depend on), less those whose version crates.io already has. Cargo publishes a
//! set of workspace packages in dependency order and, in a dry run, verifies each against the
//! others as packaged (no upload): so `ghl-blogs` is checked against the `ghl-runtime` it would
//! be published with, before either is on crates.io.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use serde::Deserialize;

/// `cargo xtask release`.
#[derive(clap::Args, Debug)]
pub struct ReleaseArgs {
    /// Package and verify everything, upload nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Only these crates (and the workspace crates they depend on); default: every publishable
    /// crate.
    #[arg(short = 'p', long = "package", value_name = "CRATE")]
    pub packages: Vec<String>,
}

/// One workspace package, as `cargo metadata` describes it.
#[derive(Debug, Clone, Deserialize)]
pub struct Package {
    pub name: String,
    pub version: String,
    /// `None`: any registry; `Some([])`: `publish = false`.
    pub publish: Option<Vec<String>>,
    pub dependencies: Vec<Dependency>,
}

/// A dependency of a [`Package`]; `path` is set for workspace (path) dependencies.
#[derive(Debug, Clone, Deserialize)]
pub struct Dependency {
    pub name: String,
    pub path: Option<String>,
    /// `None` for normal dependencies, `dev` or `build` otherwise.
    pub kind: Option<String>,
}

impl Package {
    fn publishable(&self) -> bool {
        self.publish
            .as_ref()
            .is_none_or(|registries| !registries.is_empty())
    }

    /// The workspace crates this one needs published first (dev-dependencies are not
    /// published with it).
    fn path_dependencies(&self) -> impl Iterator<Item = &str> {
        self.dependencies
            .iter()
            .filter(|dependency| {
                dependency.path.is_some() && dependency.kind.as_deref() != Some("dev")
            })
            .map(|dependency| dependency.name.as_str())
    }
}

#[derive(Deserialize)]
struct Metadata {
    packages: Vec<Package>,
}

/// What crates.io already has: whether `name` is published at `version`.
pub trait Registry {
    fn has(&self, name: &str, version: &str) -> anyhow::Result<bool>;
}

/// crates.io as cargo reaches it (`cargo info NAME@VERSION`, run outside the workspace so that
/// it asks the registry, through whatever mirror or proxy cargo is configured with).
pub struct CratesIo;

impl Registry for CratesIo {
    fn has(&self, name: &str, version: &str) -> anyhow::Result<bool> {
        let spec = format!("{name}@{version}");
        let output = crate::cargo::cargo()
            .args(["info", "--quiet", &spec])
            .current_dir(std::env::temp_dir())
            .output()
            .with_context(|| format!("running cargo info {spec}"))?;
        if output.status.success() {
            return Ok(true);
        }
        let stderr = String::from_utf8_lossy(&output.stderr);
        if stderr.contains(&format!("could not find `{spec}`")) {
            return Ok(false);
        }
        bail!("cargo info {spec} failed: {}", stderr.trim())
    }
}

/// The crates to publish, in dependency order: `wanted` (every publishable one when empty) and
/// the workspace crates they depend on, less those `registry` already has at their version.
pub fn plan(
    packages: &[Package],
    wanted: &[String],
    registry: &dyn Registry,
) -> anyhow::Result<Vec<Package>> {
    let by_name: BTreeMap<&str, &Package> = packages
        .iter()
        .map(|package| (package.name.as_str(), package))
        .collect();
    let mut chosen: BTreeSet<&str> = BTreeSet::new();
    let mut todo: Vec<&str> = if wanted.is_empty() {
        packages
            .iter()
            .filter(|package| package.publishable())
            .map(|package| package.name.as_str())
            .collect()
    } else {
        wanted.iter().map(String::as_str).collect()
    };
    while let Some(name) = todo.pop() {
        let Some(package) = by_name.get(name) else {
            bail!("`{name}` is not a crate of this workspace (see `cargo metadata`)");
        };
        if !package.publishable() {
            bail!("`{name}` has `publish = false`: it is not released");
        }
        if chosen.insert(name) {
            todo.extend(package.path_dependencies());
        }
    }
    // Dependencies first, in layers: each round takes, by name, every crate whose chosen
    // dependencies the rounds before placed.
    let mut ordered: Vec<&Package> = Vec::new();
    let mut placed: BTreeSet<&str> = BTreeSet::new();
    while ordered.len() < chosen.len() {
        let ready: Vec<&str> = chosen
            .iter()
            .copied()
            .filter(|name| !placed.contains(name))
            .filter(|name| {
                by_name[name]
                    .path_dependencies()
                    .all(|dependency| placed.contains(dependency) || !chosen.contains(dependency))
            })
            .collect();
        if ready.is_empty() {
            bail!("the workspace's path dependencies form a cycle among {chosen:?}");
        }
        for name in ready {
            ordered.push(by_name[name]);
            placed.insert(name);
        }
    }
    let mut plan = Vec::new();
    for package in ordered {
        if !registry.has(&package.name, &package.version)? {
            plan.push(package.clone());
        }
    }
    Ok(plan)
}

pub fn run(args: &ReleaseArgs) -> anyhow::Result<ExitCode> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .context("xtask has no parent directory")?
        .to_path_buf();
    let output = crate::cargo::cargo()
        .args(["metadata", "--no-deps", "--format-version", "1", "--locked"])
        .current_dir(&root)
        .output()
        .context("running cargo metadata")?;
    if !output.status.success() {
        bail!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let metadata: Metadata =
        serde_json::from_slice(&output.stdout).context("reading cargo metadata's output")?;
    let plan = plan(&metadata.packages, &args.packages, &CratesIo)
        .context("deciding what to publish asks crates.io which versions it has (cargo info)")?;
    if plan.is_empty() {
        println!("release: every chosen crate is on crates.io at its version; nothing to publish");
        return Ok(ExitCode::SUCCESS);
    }
    let listed: Vec<String> = plan
        .iter()
        .map(|package| format!("{} {}", package.name, package.version))
        .collect();
    println!(
        "release: {} {} crate(s), in this order: {}",
        if args.dry_run {
            "checking"
        } else {
            "publishing"
        },
        plan.len(),
        listed.join(", ")
    );
    // Cargo verifies a crate against the others as packaged, through a local registry, and
    // takes a registry crate as immutable: the sources it unpacked from an earlier run's
    // package of ghl-runtime 0.1.0 (into CARGO_HOME) and their build would stand in for
    // today's, same version, other code. Remove both first.
    forget_unpacked(&plan)?;
    let mut clean = crate::cargo::cargo();
    clean.args(["clean", "--quiet"]).current_dir(&root);
    for package in &plan {
        clean.args(["-p", &package.name]);
    }
    let status = clean.status().context("running cargo clean")?;
    if !status.success() {
        bail!("cargo clean of the crates to verify failed ({status})");
    }
    let mut command = crate::cargo::cargo();
    command.args(["publish", "--locked"]).current_dir(&root);
    if args.dry_run {
        command.arg("--dry-run");
    }
    for package in &plan {
        command.args(["-p", &package.name]);
    }
    let status = command.status().context("running cargo publish")?;
    if !status.success() {
        bail!(
            "cargo publish failed ({status}); crates published before the failure stay published"
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Removes the sources cargo unpacked from earlier packages of the planned crates: under
/// `CARGO_HOME/registry/src/`, the directories of local registries (their names start with
/// `-`, having no host) hold `name-version/` copies that cargo never refreshes.
fn forget_unpacked(plan: &[Package]) -> anyhow::Result<()> {
    let home = match std::env::var_os("CARGO_HOME") {
        Some(home) => std::path::PathBuf::from(home),
        None => match std::env::var_os("HOME") {
            Some(home) => std::path::PathBuf::from(home).join(".cargo"),
            None => return Ok(()),
        },
    };
    let sources = home.join("registry").join("src");
    let Ok(entries) = std::fs::read_dir(&sources) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        if !entry.file_name().to_string_lossy().starts_with('-') {
            continue;
        }
        for package in plan {
            let unpacked = entry
                .path()
                .join(format!("{}-{}", package.name, package.version));
            if unpacked.is_dir() {
                std::fs::remove_dir_all(&unpacked)
                    .with_context(|| format!("removing {}", unpacked.display()))?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Has(&'static [(&'static str, &'static str)]);

    impl Registry for Has {
        fn has(&self, name: &str, version: &str) -> anyhow::Result<bool> {
            Ok(self.0.contains(&(name, version)))
        }
    }

    fn package(name: &str, version: &str, deps: &[&str], publish: bool) -> Package {
        Package {
            name: name.to_owned(),
            version: version.to_owned(),
            publish: (!publish).then(Vec::new),
            dependencies: deps
                .iter()
                .map(|dep| Dependency {
                    name: (*dep).to_owned(),
                    path: Some(format!("../{dep}")),
                    kind: None,
                })
                .chain([Dependency {
                    name: "serde".to_owned(),
                    path: None,
                    kind: None,
                }])
                .collect(),
        }
    }

    fn workspace() -> Vec<Package> {
        vec![
            package("ghl-blogs", "0.1.0", &["ghl-runtime", "ghl-common"], true),
            package("ghl-common", "0.1.1", &["ghl-runtime"], true),
            package("ghl-runtime", "0.1.0", &["ghl-runtime-macros"], true),
            package("ghl-runtime-macros", "0.1.0", &[], true),
            package(
                "ghl-contacts",
                "0.2.0",
                &["ghl-runtime", "ghl-common"],
                true,
            ),
            package("xtask", "0.1.0", &[], false),
        ]
    }

    fn names(plan: &[Package]) -> Vec<&str> {
        plan.iter().map(|package| package.name.as_str()).collect()
    }

    #[test]
    fn a_crate_comes_with_what_it_depends_on_dependencies_first() {
        let plan = plan(&workspace(), &["ghl-blogs".to_owned()], &Has(&[])).unwrap();
        assert_eq!(
            names(&plan),
            [
                "ghl-runtime-macros",
                "ghl-runtime",
                "ghl-common",
                "ghl-blogs"
            ]
        );
    }

    #[test]
    fn what_crates_io_has_at_its_version_is_left_out() {
        let published = Has(&[
            ("ghl-runtime-macros", "0.1.0"),
            ("ghl-runtime", "0.1.0"),
            ("ghl-common", "0.1.1"),
            ("ghl-contacts", "0.1.0"),
        ]);
        let plan = plan(&workspace(), &[], &published).unwrap();
        // ghl-contacts changed (0.2.0 is new); xtask is never published.
        assert_eq!(names(&plan), ["ghl-blogs", "ghl-contacts"]);
    }

    #[test]
    fn unknown_and_unpublishable_crates_are_refused() {
        let error = plan(&workspace(), &["ghl-nope".to_owned()], &Has(&[])).unwrap_err();
        assert!(error.to_string().contains("not a crate of this workspace"));
        let error = plan(&workspace(), &["xtask".to_owned()], &Has(&[])).unwrap_err();
        assert!(error.to_string().contains("publish = false"));
    }
}
