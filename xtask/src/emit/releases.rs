//! What `specs/versions.toml` and `specs/changelog/` say about each generated crate: read here
//! for the emitter, written by `cargo xtask specs update`.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use anyhow::{Context, anyhow, ensure};

use super::Releases;

/// Crate name -> version, relative to the workspace root.
pub const VERSIONS_FILE: &str = "specs/versions.toml";

/// One `<crate>.md` per generated crate that has a history, relative to the workspace root.
pub const CHANGELOG_DIR: &str = "specs/changelog";

/// What `specs/versions.toml` and `specs/changelog/` hold, for the emitter.
pub fn releases(root: &Path) -> anyhow::Result<Releases> {
    let versions = read_versions(root)?;
    let mut changelogs = BTreeMap::new();
    let dir = root.join(CHANGELOG_DIR);
    match fs::read_dir(&dir) {
        Ok(entries) => {
            for entry in entries {
                let entry = entry.with_context(|| format!("listing {}", dir.display()))?;
                let path = entry.path();
                let Some(name) = path
                    .file_name()
                    .and_then(|name| name.to_str())
                    .and_then(|name| name.strip_suffix(".md"))
                else {
                    continue;
                };
                let text = fs::read_to_string(&path)
                    .with_context(|| format!("reading changelog {}", path.display()))?;
                changelogs.insert(name.to_owned(), text);
            }
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
        Err(error) => return Err(error).with_context(|| format!("listing {}", dir.display())),
    }
    Ok(Releases {
        versions,
        changelogs,
    })
}

#[derive(serde::Serialize, serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct VersionsFile {
    #[serde(default)]
    pub versions: BTreeMap<String, String>,
}

fn is_version(text: &str) -> bool {
    let parts: Vec<&str> = text.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
}

/// `specs/versions.toml`; missing means every crate has the workspace version.
pub fn read_versions(root: &Path) -> anyhow::Result<BTreeMap<String, String>> {
    let path = root.join(VERSIONS_FILE);
    let text = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(error) => return Err(error).with_context(|| format!("reading {}", path.display())),
    };
    let file: VersionsFile = toml::from_str(&text).map_err(|error| {
        anyhow!(
            "{} is not a valid versions file ([versions] with `crate = \"MAJOR.MINOR.PATCH\"`): {error}",
            path.display()
        )
    })?;
    for (name, version) in &file.versions {
        ensure!(
            is_version(version),
            "{}: version `{version}` of {name} is not MAJOR.MINOR.PATCH; fix it by hand",
            path.display()
        );
    }
    Ok(file.versions)
}
