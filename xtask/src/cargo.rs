//! The cargo processes xtask starts: one way to start them.

use std::ffi::OsStr;
use std::process::Command;

/// `cargo` (the one that runs xtask, when it says which), without the variables `cargo run` sets
/// for xtask itself. A build script may track one of them: ring's reads `CARGO_MANIFEST_DIR`, so
/// it saw `.../xtask` under `cargo xtask test` and nothing under a `cargo` started by a shell,
/// and every CI run built ring, rustls and what sits on them twice more than it needed to.
pub fn cargo() -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    for (name, _) in std::env::vars_os() {
        if set_for_the_running_crate(&name) {
            command.env_remove(name);
        }
    }
    command
}

/// Whether cargo sets `name` for the crate it runs (not for the build it was asked for).
fn set_for_the_running_crate(name: &OsStr) -> bool {
    let Some(name) = name.to_str() else {
        return false;
    };
    matches!(
        name,
        "CARGO_MANIFEST_DIR"
            | "CARGO_MANIFEST_PATH"
            | "CARGO_CRATE_NAME"
            | "CARGO_BIN_NAME"
            | "CARGO_PRIMARY_PACKAGE"
    ) || name.starts_with("CARGO_PKG_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_cargo_run_sets_for_xtask_is_left_out() {
        for name in [
            "CARGO_MANIFEST_DIR",
            "CARGO_PKG_NAME",
            "CARGO_PKG_VERSION_MAJOR",
        ] {
            assert!(set_for_the_running_crate(OsStr::new(name)), "{name}");
        }
        for name in [
            "CARGO",
            "CARGO_HOME",
            "CARGO_TARGET_DIR",
            "CARGO_INCREMENTAL",
            "PATH",
        ] {
            assert!(!set_for_the_running_crate(OsStr::new(name)), "{name}");
        }
        // Under `cargo test` this process has CARGO_MANIFEST_DIR: the child must not.
        let command = cargo();
        let removed: Vec<_> = command
            .get_envs()
            .filter(|(_, value)| value.is_none())
            .map(|(name, _)| name.to_owned())
            .collect();
        assert!(
            removed.iter().any(|name| name == "CARGO_MANIFEST_DIR"),
            "{removed:?}"
        );
    }
}
