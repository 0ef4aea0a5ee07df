//! Messages and progress for the person running the plugin.

use crate::bindings::aigc::plugin::log as raw;

pub use raw::Level;

/// Writes `message` at `level` to the run's log.
pub fn log(level: Level, message: &str) {
    raw::log(level, message);
}

/// Writes a debug message (shown with `-v`).
pub fn debug(message: &str) {
    raw::log(Level::Debug, message);
}

/// Writes an informational message.
pub fn info(message: &str) {
    raw::log(Level::Info, message);
}

/// Writes a warning: something was skipped or looks wrong, and the run goes on.
pub fn warn(message: &str) {
    raw::log(Level::Warn, message);
}

/// Writes an error message; the run goes on unless the plugin returns an error.
pub fn error(message: &str) {
    raw::log(Level::Error, message);
}

/// Reports progress: `done` of `total` units (`None` when unknown), with a short status line. The host shows a
/// progress bar on a terminal.
pub fn progress(done: u64, total: Option<u64>, message: &str) {
    raw::progress(done, total, message);
}
