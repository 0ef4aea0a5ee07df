use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = aigc_host::cli::Cli::parse();
    aigc_host::commands::init_logging(&cli.global);
    match aigc_host::commands::run(cli) {
        Ok(code) => code,
        Err(error) => {
            // The cause chain, one line each, in the style of ripgrep and Spin.
            eprintln!("error: {error}");
            for cause in error.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::from(1)
        }
    }
}
