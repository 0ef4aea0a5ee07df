//! Adding items to the dataset, and crawl state for resuming.

use crate::Result;
use crate::bindings::aigc::plugin::collect as raw;

pub use raw::{NewFile, NewItem, PutResult};

/// Stores `item` durably; a second put with the same source key stores nothing and returns `created: false`.
pub fn put(item: &NewItem) -> Result<PutResult> {
    Ok(raw::put(item)?)
}

/// Stores many items at once (one disk round trip for all of them), with one outcome per item in order; prefer
/// it to a `put` per item when a page of a crawl is ready.
pub fn put_many(items: &[NewItem]) -> Vec<Result<PutResult>> {
    raw::put_many(items).into_iter().map(|r| r.map_err(Into::into)).collect()
}

/// The value this plugin saved under `key` in this dataset.
pub fn state(key: &str) -> Option<String> {
    raw::state_get(key)
}

/// Saves a small value (64 KiB at most) for the next run of this plugin on this dataset.
pub fn set_state(key: &str, value: &str) -> Result<()> {
    Ok(raw::state_set(key, value)?)
}

impl NewFile {
    /// A file named `name` of type `media_type`.
    pub fn new(name: impl Into<String>, media_type: impl Into<String>, data: Vec<u8>) -> Self {
        Self { name: name.into(), media_type: media_type.into(), data }
    }
}
