use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = aigc_host::cli::Cli::parse();
    aigc_host::commands::init_logging(&cli.global);
    match aigc_host::commands::run(cli) {
        Ok(code) => code,
        Err(error) => {
            // The cause chain, one line each, in the style of ripgrep and Spin.
            let mut said = error.to_string();
            eprintln!("error: {said}");
            for cause in error.chain().skip(1) {
                // Some messages already quote their cause; do not say it twice.
                let text = cause.to_string();
                if !said.contains(&text) {
                    eprintln!("  caused by: {text}");
                    said.push_str(&text);
                }
            }
            ExitCode::from(1)
        }
    }
}
