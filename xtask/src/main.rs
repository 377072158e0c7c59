//! `cargo xtask`: see the library docs for the pipeline.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    about = "Generate and maintain the GoHighLevel API crates"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Regenerate `crates/` from the pinned specs.
    Regen(xtask::regen::RegenArgs),
    /// Run every test: the downstream build, the older release's crates, then `cargo test`.
    Test,
    /// Time full regenerations (in memory, nothing written) and print the figures.
    Bench {
        /// Directory holding `apps/*.json` and `common/common-schemas.json`.
        #[arg(long)]
        specs: Option<PathBuf>,
        /// Timed runs after one warm-up.
        #[arg(long, default_value_t = 10)]
        runs: usize,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Regen(args) => xtask::regen::run(&args),
        Command::Test => xtask::suite::run(),
        Command::Bench { specs, runs } => xtask::regen::bench(specs.as_deref(), runs),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
