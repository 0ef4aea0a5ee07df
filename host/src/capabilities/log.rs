//! `aigc:plugin/log`: messages go to the host's log tagged with the plugin, progress to a bar on a terminal.
//! A run may log at most [`LOG_CAP`] bytes; past that, messages are dropped with one warning, so a chatty or
//! hostile plugin cannot fill the operator's disk or terminal.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::bindings::log::{Host, Level};
use crate::progress::Progress;
use crate::runtime::HostState;

/// Bytes of log messages one run may write.
pub const LOG_CAP: u64 = 1 << 20;
/// Longest single message kept; longer ones are cut.
const MESSAGE_CAP: usize = 4096;

/// Where a run's plugin messages go.
pub struct LogSink {
    written: AtomicU64,
    capped: AtomicBool,
    progress: Mutex<Option<Progress>>,
}

impl LogSink {
    pub fn new(progress: Option<Progress>) -> Self {
        Self { written: AtomicU64::new(0), capped: AtomicBool::new(false), progress: Mutex::new(progress) }
    }

    /// Ends the progress bar, if one is shown.
    pub fn finish(&self) {
        if let Some(bar) = self.progress.lock().unwrap_or_else(|p| p.into_inner()).take() {
            bar.finish();
        }
    }

    fn write(&self, plugin: &str, level: Level, message: &str) {
        let total = self.written.fetch_add(message.len() as u64, Ordering::Relaxed) + message.len() as u64;
        if total > LOG_CAP {
            if !self.capped.swap(true, Ordering::Relaxed) {
                tracing::warn!(plugin, "plugin log cap of {} KiB reached; further messages are dropped", LOG_CAP >> 10);
            }
            return;
        }
        let message = cut(message, MESSAGE_CAP);
        let guard = self.progress.lock().unwrap_or_else(|p| p.into_inner());
        let emit = || match level {
            Level::Trace => tracing::trace!(plugin, "{message}"),
            Level::Debug => tracing::debug!(plugin, "{message}"),
            Level::Info => tracing::info!(plugin, "{message}"),
            Level::Warn => tracing::warn!(plugin, "{message}"),
            Level::Error => tracing::error!(plugin, "{message}"),
        };
        match guard.as_ref() {
            Some(bar) => bar.suspend(emit),
            None => emit(),
        }
    }

    fn progress(&self, done: u64, total: Option<u64>, message: &str) {
        if let Some(bar) = self.progress.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            bar.update(done, total, cut(message, 200));
        }
    }
}

fn cut(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

impl Host for HostState {
    async fn log(&mut self, level: Level, message: String) -> wasmtime::Result<()> {
        if level == Level::Error {
            self.ctx.counters.errors_logged.fetch_add(1, Ordering::Relaxed);
        }
        self.ctx.log.write(&self.ctx.plugin.label, level, &message);
        Ok(())
    }

    async fn progress(&mut self, done: u64, total: Option<u64>, message: String) -> wasmtime::Result<()> {
        self.ctx.log.progress(done, total, &message);
        Ok(())
    }
}
