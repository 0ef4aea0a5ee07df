//! The submission a grader is grading: its files, read-only.

use crate::Result;
use crate::bindings::aigc::plugin::submission as raw;

pub use raw::Entry;

/// The submission's name (its file or folder name).
pub fn name() -> String {
    raw::name()
}

/// Every file and folder in the submission.
pub fn entries() -> Vec<Entry> {
    raw::entries()
}

/// The entry at `path`.
pub fn stat(path: &str) -> Result<Entry> {
    Ok(raw::stat(path)?)
}

/// The bytes of the file at `path`.
pub fn read(path: &str) -> Result<Vec<u8>> {
    Ok(raw::read(path)?)
}

/// The first `length` bytes of the file at `path` from `offset` (fewer at its end): enough to check a file's
/// magic bytes without reading all of it.
pub fn read_range(path: &str, offset: u64, length: u32) -> Result<Vec<u8>> {
    Ok(raw::read_range(path, offset, length)?)
}
