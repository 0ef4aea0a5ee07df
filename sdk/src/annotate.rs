//! Annotations: captions, scores and other facts stored beside items.

use crate::Result;
use crate::bindings::aigc::plugin::annotate as raw;

pub use raw::Annotation;

/// Stores `value` (and an optional score) under `key` for item `id`, replacing this plugin's earlier value.
pub fn put(id: &str, key: &str, value: &str, score: Option<f64>) -> Result<()> {
    Ok(raw::put(id, key, value, score)?)
}

/// Every annotation of item `id` under `key`, from any plugin.
pub fn get(id: &str, key: &str) -> Vec<Annotation> {
    raw::get(id, key)
}
