//! `aigc:plugin/log`: messages go to the host's log tagged with the plugin, progress to a bar on a terminal.
//! A run may log at most [`LOG_CAP`] bytes; past that, messages are dropped with one warning, so a chatty or
//! hostile plugin cannot fill the operator's disk or terminal. Each message is capped and shown on one line with
//! its control characters escaped ([`crate::plugin_text`]), so it cannot drive the terminal or fake other lines.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::bindings::log::{Host, Level};
use crate::plugin_text;
use crate::progress::Progress;
use crate::runtime::HostState;

/// Bytes of log messages one run may write.
pub const LOG_CAP: u64 = 1 << 20;
/// Longest progress status line kept.
const STATUS_CAP: usize = 200;

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

    /// A line the plugin printed on its WASI stdout or stderr (`stream`), shown at debug level under the same caps
    /// and escaping as its log messages (see [`crate::runtime::output`]).
    pub fn output(&self, plugin: &str, stream: &str, line: &str) {
        self.write_tagged(plugin, Level::Debug, Some(stream), line);
    }

    fn write(&self, plugin: &str, level: Level, message: &str) {
        self.write_tagged(plugin, level, None, message);
    }

    fn write_tagged(&self, plugin: &str, level: Level, stream: Option<&str>, message: &str) {
        // Cut first, and count what is written: one 64 MiB message costs a cut message's share of the cap.
        let capped = plugin_text::cap(message, plugin_text::MESSAGE_CAP);
        let total = self.written.fetch_add(capped.len() as u64, Ordering::Relaxed) + capped.len() as u64;
        if total > LOG_CAP {
            if !self.capped.swap(true, Ordering::Relaxed) {
                tracing::warn!(plugin, "plugin log cap of {} KiB reached; further messages are dropped", LOG_CAP >> 10);
            }
            return;
        }
        let message = plugin_text::line(&capped);
        let guard = self.progress.lock().unwrap_or_else(|p| p.into_inner());
        let emit = || match (level, stream) {
            (Level::Debug, Some(stream)) => tracing::debug!(plugin, stream, "{message}"),
            (Level::Trace, _) => tracing::trace!(plugin, "{message}"),
            (Level::Debug, None) => tracing::debug!(plugin, "{message}"),
            (Level::Info, _) => tracing::info!(plugin, "{message}"),
            (Level::Warn, _) => tracing::warn!(plugin, "{message}"),
            (Level::Error, _) => tracing::error!(plugin, "{message}"),
        };
        match guard.as_ref() {
            Some(bar) => bar.suspend(emit),
            None => emit(),
        }
    }

    fn progress(&self, done: u64, total: Option<u64>, message: &str) {
        if let Some(bar) = self.progress.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            bar.update(done, total, &plugin_text::line(&plugin_text::cap(message, STATUS_CAP)).to_string());
        }
    }
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
