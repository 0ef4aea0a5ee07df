use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    reset_sigpipe();
    let cli = aigc_host::cli::Cli::parse();
    aigc_host::commands::init_logging(&cli.global);
    match aigc_host::commands::run(cli) {
        Ok(code) => code,
        Err(error) => {
            // The cause chain, one line each, in the style of ripgrep and Spin. Messages may quote a plugin's text
            // (its error, a name it chose): control characters are shown escaped, never sent to the terminal.
            let shown = aigc_host::plugin_text::text;
            let mut said = error.to_string();
            eprintln!("error: {}", shown(&said));
            for cause in error.chain().skip(1) {
                // Some messages already quote their cause; do not say it twice.
                let text = cause.to_string();
                if !said.contains(&text) {
                    eprintln!("  caused by: {}", shown(&text));
                    said.push_str(&text);
                }
            }
            ExitCode::from(1)
        }
    }
}

/// Rust ignores SIGPIPE, so printing into a closed pipe (`aigc-host dataset ls DIR | head`) would panic; restore
/// the default so the process ends quietly, as command-line tools do.
#[cfg(unix)]
fn reset_sigpipe() {
    // SAFETY: called once at start-up, before any thread exists; SIG_DFL is a valid handler for SIGPIPE.
    #[allow(unsafe_code)]
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

#[cfg(not(unix))]
fn reset_sigpipe() {}
