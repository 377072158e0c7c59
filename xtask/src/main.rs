//! `cargo xtask`: see the library docs for the pipeline.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The generator allocates millions of small strings and nodes; mimalloc makes `regen --check`
/// about 0.75x the wall time of glibc's allocator (BENCHMARKS.md). Without transparent huge
/// pages (`no_thp`): with them the kernel compacted memory on some runs, and peak memory doubled.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    Test(xtask::suite::TestArgs),
    /// Maintain the pinned specs.
    Specs {
        #[command(subcommand)]
        command: SpecsCommand,
    },
    /// Report what a new release of the specs changes in the generated API (Markdown or JSON).
    Diff(xtask::diff::DiffArgs),
    /// Publish the crates crates.io does not have at their versions, in dependency order.
    Release(xtask::release::ReleaseArgs),
    /// Time full regenerations (in memory, nothing written) and print the figures.
    Bench {
        /// Directory holding `apps/*.json` and `common/common-schemas.json`.
        #[arg(long)]
        specs: Option<PathBuf>,
        /// Timed runs after one warm-up.
        #[arg(long, default_value_t = 10)]
        runs: usize,
        /// Time `cargo xtask diff OLD NEW` instead, from this older release to `--specs` (default:
        /// GHL_SPECS_DIR, then ../shared/specs/highlevel-api-docs).
        #[arg(long, value_name = "OLD")]
        diff: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum SpecsCommand {
    /// Re-pin the specs to a new upstream commit; bump crate versions and changelogs by the diff.
    Update(xtask::update::UpdateArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Specs are walked recursively at every stage; this thread, like the generator's, has the
    // stack for the deepest document `validate` lets through.
    let run = std::thread::Builder::new()
        .stack_size(xtask::pipeline::STACK_SIZE)
        .spawn(move || dispatch(cli));
    match run.map(|thread| thread.join()) {
        Ok(Ok(code)) => code,
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(error) => {
            eprintln!("error: starting the command's thread: {error}");
            ExitCode::FAILURE
        }
    }
}

fn dispatch(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Command::Regen(args) => xtask::regen::run(&args),
        Command::Test(args) => xtask::suite::run(&args),
        Command::Specs {
            command: SpecsCommand::Update(args),
        } => xtask::update::run(&args),
        Command::Diff(args) => xtask::diff::run(&args),
        Command::Release(args) => xtask::release::run(&args),
        Command::Bench {
            specs,
            runs,
            diff: Some(old),
        } => xtask::diff::bench(&old, specs.as_deref(), runs),
        Command::Bench {
            specs,
            runs,
            diff: None,
        } => xtask::regen::bench(specs.as_deref(), runs),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
