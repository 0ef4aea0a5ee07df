//! A progress bar on a terminal (indicatif), nothing when output is piped.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A bar for long work; clones share it.
#[derive(Clone)]
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar when stderr is a terminal and `quiet` is off; None otherwise.
    pub fn for_terminal(prefix: &str, quiet: bool) -> Option<Self> {
        if quiet || !std::io::stderr().is_terminal() {
            return None;
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{prefix:.bold} {spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.set_prefix(prefix.to_string());
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
        Some(Self { bar })
    }

    pub fn update(&self, done: u64, total: Option<u64>, message: &str) {
        match total {
            Some(total) => self.bar.set_length(total),
            None => self.bar.unset_length(),
        }
        self.bar.set_position(done);
        self.bar.set_message(message.to_string());
    }

    pub fn inc(&self, n: u64) {
        self.bar.inc(n);
    }

    /// Runs `f` with the bar hidden, so log lines do not tear it.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        self.bar.suspend(f)
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
