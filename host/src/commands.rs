//! What each subcommand does. Each one resolves its arguments into settings, does its work through the library,
//! and prints text for people or one JSON document with `--json` (logs always go to stderr).

mod authoring;
mod clean;
mod dataset;
mod doctor;
pub(crate) mod evaluate;
mod grade;
mod inspect;
mod models;
mod render;
mod report;
mod run;
mod settings;

use std::io::IsTerminal;
use std::process::ExitCode;

use serde::Serialize;
use tracing_subscriber::EnvFilter;

use crate::cli::{Cli, Command, DatasetCommand, GlobalArgs};

/// Logs go to stderr; `-v`/`-q` pick the level unless `RUST_LOG` says otherwise.
pub fn init_logging(global: &GlobalArgs) {
    let default = match (global.quiet, global.verbose) {
        (true, _) => "error",
        (false, 0) => "info",
        (false, 1) => "debug",
        (false, _) => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none())
        .without_time()
        .try_init();
}

/// Runs the parsed command; the exit code says whether the work succeeded (0) or failed (1).
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let quiet = cli.global.quiet;
    match cli.command {
        Command::Inspect(args) => inspect::inspect(&args),
        Command::Run(args) => block_on(run::run(args, quiet)),
        Command::Clean(args) => block_on(clean::clean(args, quiet)),
        Command::Annotate(args) => block_on(clean::annotate(args, quiet)),
        Command::Models(command) => models::models(command),
        Command::Grade(args) => block_on(grade::grade(args)),
        Command::Evaluate(args) => block_on(evaluate::evaluate(args, quiet)),
        Command::Render(args) => render::render(&args, quiet),
        Command::Dataset(DatasetCommand::Stats { dir, output }) => dataset::stats(&dir, output.json),
        Command::Dataset(DatasetCommand::Ls { dir, output }) => dataset::ls(&dir, output.json),
        Command::Dataset(DatasetCommand::Show { dir, id, output }) => dataset::show(&dir, &id, output.json),
        Command::Dataset(DatasetCommand::Cat { dir, id, file, out }) => dataset::cat(&dir, &id, &file, out.as_deref()),
        Command::Dataset(DatasetCommand::Import { dir, paths, category, licence, output }) => {
            dataset::import(&dir, &paths, category.as_deref(), licence.as_deref(), output.json, quiet)
        }
        Command::Dataset(DatasetCommand::Export(args)) => dataset::export(&args, quiet),
        Command::Doctor(output) => doctor::doctor(output.json),
        Command::New(args) => authoring::new(&args),
        Command::Build(args) => authoring::build(&args),
        Command::Compile(args) => authoring::compile(&args),
        Command::Manifest(command) => authoring::manifest(&command),
    }
}

fn block_on<F: Future<Output = anyhow::Result<ExitCode>>>(work: F) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let outcome = runtime.block_on(work);
    // Dropping a runtime waits for every blocking task, and work a stopped plugin asked for may still be running
    // there: give in-flight writes a moment (each is a transaction, so a cut one leaves nothing behind), then
    // leave the rest, so the process exits promptly after a limit.
    runtime.shutdown_timeout(SHUTDOWN_GRACE);
    outcome
}

/// How long the end of a command waits for host work that no one awaits any more.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(1);

/// Prints one JSON document on stdout, with plugin text's terminal controls as `\uXXXX` escapes (see
/// [`crate::plugin_text::json_pretty`]).
fn print_json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    println!("{}", crate::plugin_text::json_pretty(value)?);
    Ok(())
}

fn exit(ok: bool) -> ExitCode {
    if ok { ExitCode::SUCCESS } else { ExitCode::from(1) }
}
