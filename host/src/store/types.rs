//! The records the store takes in and hands out.
//!
//! Output types derive `Serialize` with the field names the CLI's `--json` documents, so the CLI can print them as
//! they are.

use std::collections::BTreeMap;

use serde::Serialize;

/// Identifies a row in the runs table, which records which plugin made which items.
pub type RunId = i64;

/// The plugin a run executes, pinned by hash because a name and version can be rebuilt with other code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PluginRef {
    pub name: String,
    pub version: String,
    /// Lowercase hex sha256 of the `.wasm` file.
    pub sha256: String,
}

/// Where an item came from and under which terms, kept so every exported item can be attributed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Provenance {
    /// The page or API URL the item was taken from, so a person can check it.
    pub source_url: String,
    /// An SPDX id where the source gives one (`CC-BY-4.0`), else its wording; `None` means unknown, not free.
    pub licence: Option<String>,
    pub licence_url: Option<String>,
    pub author: Option<String>,
    pub author_url: Option<String>,
}

/// A file to store with a new item; its bytes go to a content-addressed blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFile {
    pub name: String,
    pub media_type: String,
    pub data: Vec<u8>,
}

/// An item as a crawler or importer hands it over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewItem {
    /// Names the item at its source; the item's id derives from it, so re-crawling the same thing is a no-op.
    pub source_key: String,
    pub category: Option<String>,
    pub title: Option<String>,
    pub provenance: Provenance,
    /// Text of a JSON object.
    pub metadata: String,
    pub files: Vec<NewFile>,
    /// Id of the item this one was derived from (a crop, a transcript); it must already be stored.
    pub parent: Option<String>,
}

/// A stored file; its bytes live at [`Dataset::blob_path`](super::Dataset::blob_path)`(sha256)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileInfo {
    pub name: String,
    pub media_type: String,
    /// Bytes.
    pub size: u64,
    /// Lowercase hex; also the blob's file name.
    pub sha256: String,
}

/// A stored item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Item {
    pub id: String,
    pub source_key: String,
    pub category: Option<String>,
    pub title: Option<String>,
    pub provenance: Provenance,
    /// Text of a JSON object; serialized as that object, not as a string, so `--json` output nests it.
    #[serde(serialize_with = "json_text")]
    pub metadata: String,
    pub files: Vec<FileInfo>,
    pub parent: Option<String>,
    /// The run that stored the item; `None` for items stored outside a plugin run.
    pub run_id: Option<RunId>,
    /// RFC 3339, UTC.
    pub created_at: String,
}

/// The result of [`Dataset::put_item`](super::Dataset::put_item).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PutOutcome {
    pub id: String,
    /// False when the source key was already stored; a resumed crawl counts these as skipped.
    pub created: bool,
}

/// One rule's decision about one item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// Names the rule; one verdict per rule and item, so re-running a rule replaces its verdict.
    pub rule: String,
    pub keep: bool,
    /// Short and stable wording (`"too small"`, not `"412x300 is too small"`): `clean` counts drops by reason.
    pub reason: String,
    /// The rule's measurement, when it has one; its scale is the rule's own.
    pub score: Option<f64>,
}

/// Whether an item is in the cleaned dataset, derived from its verdicts rather than stored, so re-running or
/// replacing one rule never leaves a stale status behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// No rule has looked at the item yet.
    Pending,
    /// Every rule that looked at it kept it.
    Kept,
    /// At least one rule dropped it; one objection is enough.
    Dropped,
}

impl Status {
    /// One dropping verdict outweighs any number of keeps, so adding a rule can only make a dataset stricter.
    pub fn from_verdicts(verdicts: &[Verdict]) -> Self {
        if verdicts.is_empty() {
            Self::Pending
        } else if verdicts.iter().any(|v| !v.keep) {
            Self::Dropped
        } else {
            Self::Kept
        }
    }

    /// The name used in JSON output and in [`Stats::by_status`].
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Kept => "kept",
            Self::Dropped => "dropped",
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Counts for `aigc-host dataset stats`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stats {
    pub items: u64,
    /// Items per category; items without one count under `"(none)"`.
    pub by_category: BTreeMap<String, u64>,
    /// Items per [`Status`]; every status is present, with 0 where none, so scripts need not special-case it.
    pub by_status: BTreeMap<String, u64>,
    /// File entries over all items.
    pub files: u64,
    /// Sum of those files' sizes; identical files are counted each time although stored once.
    pub bytes: u64,
    /// What each cleaning rule decided, by rule name.
    pub by_rule: BTreeMap<String, RuleStats>,
}

/// One rule's verdicts over the dataset, for `dataset stats`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RuleStats {
    pub kept: u64,
    pub dropped: u64,
    /// Items the rule could not judge in its last attempt (see [`CLEAN_ERROR_KEY`]).
    pub errors: u64,
    /// Verdicts by reason, kept and dropped alike.
    pub by_reason: BTreeMap<String, u64>,
}

/// Source-key namespaces only the host writes: `render:` (the views `aigc-host render` draws, which every export
/// takes for renders), `import:` (files `dataset import` stored, keyed by their content) and `aigc-host:` (kept
/// for what the host makes next). A plugin's put under one of them, in any letter case, is refused, so a crawler
/// cannot pass its own images off as renders or take an imported file's place. The host's own writers call the
/// store directly; only plugins go through [`is_host_key`]'s check.
pub const HOST_KEY_PREFIXES: &[&str] = &["render:", "import:", "aigc-host:"];

/// The reserved namespace `key` falls in, if any (see [`HOST_KEY_PREFIXES`]).
pub fn is_host_key(key: &str) -> Option<&'static str> {
    HOST_KEY_PREFIXES
        .iter()
        .copied()
        .find(|prefix| key.get(..prefix.len()).is_some_and(|start| start.eq_ignore_ascii_case(prefix)))
}

/// The annotation key under which `aigc-host clean` records why a rule could not judge an item (its error or
/// crash), with the rule's name as the annotation's plugin; a later verdict from the rule removes it.
pub const CLEAN_ERROR_KEY: &str = "clean-error";

/// An item with its verdicts, for `aigc-host dataset ls`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Listing {
    pub item: Item,
    pub status: Status,
    /// Ordered by rule name.
    pub verdicts: Vec<Verdict>,
}

/// Emits stored JSON text as JSON rather than as a quoted string. Text that does not parse (only possible if the
/// manifest was edited by hand) falls back to a string so output never fails.
fn json_text<S: serde::Serializer>(text: &str, serializer: S) -> Result<S::Ok, S::Error> {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(value) => value.serialize(serializer),
        Err(_) => serializer.serialize_str(text),
    }
}

/// A fact about an item (a caption, a score) that a plugin stored beside it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Annotation {
    pub key: String,
    /// The plugin that wrote it.
    pub plugin: String,
    pub value: String,
    pub score: Option<f64>,
}
