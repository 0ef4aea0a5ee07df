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

/// The bytes of the file at `path`.
pub fn read(path: &str) -> Result<Vec<u8>> {
    Ok(raw::read(path)?)
}
