//! Input checks, run before anything touches disk so a rejected item leaves no trace.
//!
//! Plugins are untrusted and their output lands here, so limits are enforced rather than assumed.

use std::collections::HashSet;
use std::path::Path;

use super::{NewItem, StoreError, Verdict};

/// Source keys are usually URLs or API ids; 1 KiB leaves room for long URLs while keeping the unique index small.
pub(super) const MAX_SOURCE_KEY_BYTES: usize = 1024;

/// The common file-system limit for one path component, so an exported file name always fits on disk.
pub(super) const MAX_FILE_NAME_BYTES: usize = 255;

pub(super) fn new_item(dir: &Path, item: &NewItem) -> Result<(), StoreError> {
    let key = &item.source_key;
    if key.is_empty() {
        return Err(StoreError::invalid(
            dir,
            "an item has an empty source key; give every item a key that names it at its source",
        ));
    }
    if key.len() > MAX_SOURCE_KEY_BYTES {
        return Err(StoreError::invalid(
            dir,
            format!(
                "source key `{}…` is {} bytes, over the limit of {MAX_SOURCE_KEY_BYTES}; use a shorter key, e.g. a hash of it",
                truncate(key, 60),
                key.len()
            ),
        ));
    }
    json_object(dir, &format!("metadata of item `{key}`"), &item.metadata)?;
    let mut names = HashSet::new();
    for file in &item.files {
        file_name(dir, key, &file.name)?;
        if !names.insert(file.name.as_str()) {
            return Err(StoreError::invalid(
                dir,
                format!("item `{key}` has two files named `{}`; give each file of an item its own name", file.name),
            ));
        }
        if file.media_type.trim().is_empty() {
            return Err(StoreError::invalid(
                dir,
                format!(
                    "file `{}` of item `{key}` has no media type; set one, e.g. `application/octet-stream`",
                    file.name
                ),
            ));
        }
    }
    Ok(())
}

/// File names become path components on export, so anything that could climb out of a directory or be
/// misread as a separator on some platform is refused here.
fn file_name(dir: &Path, key: &str, name: &str) -> Result<(), StoreError> {
    let problem = if name.is_empty() {
        Some("is empty")
    } else if name == "." {
        Some("is `.`")
    } else if name.contains("..") {
        Some("contains `..`")
    } else if name.contains(['/', '\\']) {
        Some("contains a path separator")
    } else if name.contains('\0') {
        Some("contains a NUL byte")
    } else if name.len() > MAX_FILE_NAME_BYTES {
        Some("is longer than 255 bytes")
    } else {
        None
    };
    match problem {
        None => Ok(()),
        Some(problem) => Err(StoreError::invalid(
            dir,
            format!("file name {name:?} of item `{key}` {problem}; use a plain file name such as `image.jpg`"),
        )),
    }
}

pub(super) fn verdict(dir: &Path, item_id: &str, verdict: &Verdict) -> Result<(), StoreError> {
    if verdict.rule.is_empty() {
        return Err(StoreError::invalid(
            dir,
            format!("a verdict on item `{item_id}` has no rule name; name the rule that decided it"),
        ));
    }
    if verdict.score.is_some_and(|s| !s.is_finite()) {
        // SQLite stores NaN as NULL, so it would silently turn into "no score".
        return Err(StoreError::invalid(
            dir,
            format!("rule `{}` gave item `{item_id}` a non-finite score; report a finite number or none", verdict.rule),
        ));
    }
    Ok(())
}

pub(super) fn json_object(dir: &Path, what: &str, text: &str) -> Result<(), StoreError> {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(_)) => Ok(()),
        Ok(_) => {
            Err(StoreError::invalid(dir, format!("{what} is JSON but not an object; wrap it as `{{\"value\": ...}}`")))
        }
        Err(e) => {
            Err(StoreError::invalid(dir, format!("{what} is not valid JSON ({e}); pass a JSON object such as `{{}}`")))
        }
    }
}

pub(super) fn json_value(dir: &Path, what: &str, text: &str) -> Result<(), StoreError> {
    serde_json::from_str::<serde::de::IgnoredAny>(text)
        .map(drop)
        .map_err(|e| StoreError::invalid(dir, format!("{what} is not valid JSON ({e}); pass JSON text such as `{{}}`")))
}

fn truncate(s: &str, max: usize) -> &str {
    let mut end = max.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}
