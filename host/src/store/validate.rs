//! Input checks, run before anything touches disk so a rejected item leaves no trace.
//!
//! Plugins are untrusted and their output lands here, so limits are enforced rather than assumed: every text
//! field has a size limit (a 64 MiB title is refused, not stored and printed), and file names are recorded in
//! their portable form ([`crate::names`]).

use std::collections::HashSet;
use std::path::Path;

use super::{NewItem, StoreError, Verdict};

/// Source keys are usually URLs or API ids; 1 KiB leaves room for long URLs while keeping the unique index small.
pub(super) const MAX_SOURCE_KEY_BYTES: usize = 1024;

/// The common file-system limit for one path component, so an exported file name always fits on disk.
pub(super) const MAX_FILE_NAME_BYTES: usize = crate::names::MAX_NAME_BYTES;

/// Limits on an item's text fields, in bytes: generous for real sources (Sketchfab's longest titles and API
/// metadata fit many times over), small next to what a hostile plugin could send.
const TEXT_LIMITS: TextLimits = TextLimits {
    category: 256,
    title: 2048,
    licence: 256,
    author: 1024,
    url: 8192,
    media_type: 255,
    metadata: 1 << 20,
};

struct TextLimits {
    category: usize,
    title: usize,
    licence: usize,
    author: usize,
    url: usize,
    media_type: usize,
    metadata: usize,
}

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
    text_fields(dir, item)?;
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
        if file.media_type.len() > TEXT_LIMITS.media_type {
            return Err(StoreError::invalid(
                dir,
                format!(
                    "file `{}` of item `{key}` has a media type of {} bytes, over the limit of {}",
                    file.name.escape_debug(),
                    file.media_type.len(),
                    TEXT_LIMITS.media_type
                ),
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

/// Each text field within its limit in [`TEXT_LIMITS`]; the message names the field and the limit.
fn text_fields(dir: &Path, item: &NewItem) -> Result<(), StoreError> {
    let p = &item.provenance;
    let l = &TEXT_LIMITS;
    let fields = [
        ("category", item.category.as_deref(), l.category),
        ("title", item.title.as_deref(), l.title),
        ("source URL", Some(p.source_url.as_str()), l.url),
        ("licence", p.licence.as_deref(), l.licence),
        ("licence URL", p.licence_url.as_deref(), l.url),
        ("author", p.author.as_deref(), l.author),
        ("author URL", p.author_url.as_deref(), l.url),
        ("metadata", Some(item.metadata.as_str()), l.metadata),
    ];
    for (field, value, limit) in fields {
        if let Some(value) = value.filter(|v| v.len() > limit) {
            return Err(StoreError::invalid(
                dir,
                format!(
                    "the {field} of item `{}` is {} bytes, over the limit of {limit}; shorten it",
                    item.source_key,
                    value.len()
                ),
            ));
        }
    }
    Ok(())
}

/// The names an item's files are recorded under: each in its portable form, distinct even where letter case
/// and Unicode normalisation do not count (`A.png` and `a.png` become `A.png` and `a (2).png`). Names that are
/// portable and distinct already, which is every ordinary name, are kept as given.
pub(super) fn recorded_file_names(item: &NewItem) -> Vec<String> {
    crate::names::unique(item.files.iter().map(|f| f.name.as_str()))
}

/// File names become path components on export, so a name that tries to be a path — empty, `.`, `..`, with a
/// separator or NUL — is refused here as the plugin's mistake. Anything else is recorded in its portable form
/// (see [`recorded_file_names`]); `..` inside a name (`v1..2.png`) is an ordinary name.
fn file_name(dir: &Path, key: &str, name: &str) -> Result<(), StoreError> {
    let problem = if name.is_empty() {
        Some("is empty")
    } else if name == "." {
        Some("is `.`")
    } else if name == ".." {
        Some("is `..`")
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
            format!(
                "file name {:?} of item `{key}` {problem}; use a plain file name such as `image.jpg`",
                crate::plugin_text::cap(name, 100)
            ),
        )),
    }
}

/// Longest rule name and reason a verdict may carry: `clean` caps a plugin's reason far below this
/// ([`crate::plugin_text::REASON_CAP`]); the store refuses what slipped past a cap rather than keep it.
const MAX_RULE_BYTES: usize = 256;
const MAX_REASON_BYTES: usize = 1024;

pub(super) fn verdict(dir: &Path, item_id: &str, verdict: &Verdict) -> Result<(), StoreError> {
    if verdict.rule.is_empty() {
        return Err(StoreError::invalid(
            dir,
            format!("a verdict on item `{item_id}` has no rule name; name the rule that decided it"),
        ));
    }
    if verdict.rule.len() > MAX_RULE_BYTES || verdict.reason.len() > MAX_REASON_BYTES {
        return Err(StoreError::invalid(
            dir,
            format!(
                "a verdict on item `{item_id}` has a rule name of {} bytes or a reason of {} bytes, over the limits \
                 of {MAX_RULE_BYTES} and {MAX_REASON_BYTES}",
                verdict.rule.len(),
                verdict.reason.len()
            ),
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
