//! `aigc-host dataset export`: writes a dataset in the layouts other tools read: its 3D models and their renders
//! (below), or its images and SVGs as training data ([`media`]: webdataset shards, Hugging Face imagefolder).
//!
//! - [`course_zip`]: the course's submission zip (`下载数据 / 清洗后的数据 / 渲染结果`), checked by
//!   `plugins/course-submission`;
//! - [`zero123`]: Zero-1-to-3's training layout (`<uid>/NNN.png` + `NNN.npy` + `valid_paths.json`);
//! - [`objaverse`]: one `metadata.json` keyed by uid, like Objaverse's annotations, with licences.
//!
//! Every format reads the same [`Collection`]: the model items (items without a parent that hold a model file)
//! and the render items `aigc-host render` stored under them. Outputs are written beside their final place and
//! renamed into it at the end, so an interrupted export never leaves a half-written zip or folder under the name
//! a person asked for.

pub mod category;
pub mod course_zip;
pub mod media;
mod npy;
pub mod objaverse;
mod output;
pub mod zero123;

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::progress::Progress;
use crate::store::{Dataset, FileInfo, Item, Status, StoreError, Verdict};

pub use npy::write_npy_f32;

/// Extensions of model files; the same list the course grader counts items by.
pub const MODEL_EXTENSIONS: &[&str] =
    &["glb", "gltf", "zip", "obj", "fbx", "stl", "ply", "dae", "3ds", "blend", "usdz", "3mf"];

/// The render sets `aigc-host render` writes: random views (Zero123) and the two evaluation rings.
pub const RENDER_SETS: &[&str] = &["random", "ring30", "ring0"];

/// What went wrong; every message says what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{action} `{}` failed: {source}", .path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("writing the zip `{}` failed: {source}", .path.display())]
    Zip {
        path: PathBuf,
        #[source]
        source: zip::result::ZipError,
    },
    /// The options or the dataset do not allow the export; the message says why and what to do.
    #[error("{0}")]
    Refused(String),
}

impl ExportError {
    fn io(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> Self {
        let path = path.to_path_buf();
        move |source| Self::Io { action, path, source }
    }
}

pub type Result<T, E = ExportError> = std::result::Result<T, E>;

/// The export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// The course's submission zip `<group>_<leader>.zip`
    CourseZip,
    /// Zero-1-to-3 training folders: `<uid>/NNN.png`, `NNN.npy`, `valid_paths.json`
    Zero123,
    /// `metadata.json` keyed by uid, like Objaverse's annotations (`--with-files` adds the model files)
    ObjaverseLike,
    /// Image and SVG items as `webdataset` tar shards: `{id}.{ext}`, `{id}.json`, `{id}.txt` (the caption)
    Webdataset,
    /// Image items as Hugging Face `imagefolder`: `{split}/{id}.{ext}` with `{split}/metadata.jsonl`
    HfImagefolder,
    /// A flat folder of RGB images per style (category) for diffusers' textual_inversion.py, and `concepts.json`
    TextualInversion,
    /// DreamStyler's `images/` layout per style (`01.png`, `prompt_blip2.txt`), and `dreamstyler.json`
    Dreamstyler,
}

/// Everything an export needs besides the dataset.
#[derive(Debug, Clone)]
pub struct Options {
    pub format: Format,
    pub out: PathBuf,
    pub force: bool,
    /// Course zip: the group number and the leader's student id.
    pub group: Option<String>,
    pub leader: Option<String>,
    /// `dataset category → course category` pairs, from `--category-map FROM=TO`.
    pub category_map: Vec<(String, String)>,
    /// The render set exported (`random` by default).
    pub set: String,
    /// Renders each model needs (Zero123: exactly these views `0..views`; course zip: at least this many).
    pub views: usize,
    /// Objaverse-like: copy the model files too.
    pub with_files: bool,
    /// Image exports: also export items whose licence forbids training or is unknown (each warned about).
    pub include_restricted: bool,
    /// Image exports: the share of each category that goes to the test split.
    pub test_share: f64,
    /// Image exports: which items the split draws.
    pub seed: u64,
    /// webdataset: most bytes per shard.
    pub shard_bytes: u64,
    /// textual-inversion: styles with fewer images are left out.
    pub min_per_style: usize,
    /// textual-inversion: the word each style's placeholder starts from.
    pub initializer_token: String,
}

/// One item left out, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    pub id: String,
    pub reason: String,
}

/// What an export wrote; `--json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub format: Format,
    pub out: String,
    /// Model items exported.
    pub items: u64,
    /// Files written (zip entries for the course zip).
    pub files: u64,
    /// Bytes of those files, uncompressed.
    pub bytes: u64,
    pub skipped: Vec<Skipped>,
    /// Things exported that a checker will likely object to (a cleaned item without renders, a zip name the
    /// grader rejects).
    pub warnings: Vec<String>,
}

impl Summary {
    fn new(format: Format, out: &Path) -> Self {
        Self {
            format,
            out: out.display().to_string(),
            items: 0,
            files: 0,
            bytes: 0,
            skipped: Vec::new(),
            warnings: Vec::new(),
        }
    }

    fn skip(&mut self, id: &str, reason: impl Into<String>) {
        self.skipped.push(Skipped { id: id.to_string(), reason: reason.into() });
    }
}

/// Runs one export.
pub fn export(dataset: &Dataset, options: &Options, progress: Option<&Progress>) -> Result<Summary> {
    match options.format {
        Format::Webdataset => return media::write_webdataset(dataset, options, progress),
        Format::HfImagefolder => return media::write_imagefolder(dataset, options, progress),
        Format::TextualInversion => return media::write_textual_inversion(dataset, options, progress),
        Format::Dreamstyler => return media::write_dreamstyler(dataset, options, progress),
        Format::CourseZip | Format::Zero123 | Format::ObjaverseLike => {}
    }
    if !RENDER_SETS.contains(&options.set.as_str()) {
        return Err(ExportError::Refused(format!(
            "unknown render set `{}`; the sets are {}",
            options.set,
            RENDER_SETS.join(", ")
        )));
    }
    if options.views == 0 {
        return Err(ExportError::Refused("--views must be at least 1".into()));
    }
    let collection = Collection::load(dataset)?;
    match options.format {
        Format::CourseZip => course_zip::write(dataset, &collection, options, progress),
        Format::Zero123 => zero123::write(dataset, &collection, options, progress),
        Format::ObjaverseLike => objaverse::write(dataset, &collection, options, progress),
        Format::Webdataset | Format::HfImagefolder | Format::TextualInversion | Format::Dreamstyler => {
            unreachable!("image formats return above")
        }
    }
}

/// A model item: an item without a parent that holds a model file.
#[derive(Debug, Clone)]
pub struct Model {
    pub item: Item,
    pub status: Status,
    pub verdicts: Vec<Verdict>,
    /// Index into `item.files` of the model file.
    pub model_file: usize,
}

impl Model {
    pub fn file(&self) -> &FileInfo {
        &self.item.files[self.model_file]
    }

    /// Why the verdicts drop it, or None when it is kept (or not judged yet: an item is kept unless a rule drops
    /// it).
    pub fn dropped_because(&self) -> Option<String> {
        (self.status == Status::Dropped).then(|| {
            let reasons: Vec<String> =
                self.verdicts.iter().filter(|v| !v.keep).map(|v| format!("{}: {}", v.rule, v.reason)).collect();
            format!("dropped by {}", reasons.join("; "))
        })
    }
}

/// One stored render view.
#[derive(Debug, Clone)]
pub struct Render {
    pub id: String,
    pub view: usize,
    /// The PNG.
    pub file: FileInfo,
    /// The 3x4 world-to-camera matrix (Blender camera convention), row-major.
    pub rt: [[f32; 4]; 3],
    /// The metadata as stored.
    pub metadata: Value,
}

/// The dataset's models and their renders, read once.
#[derive(Debug, Default)]
pub struct Collection {
    /// In id order.
    pub models: Vec<Model>,
    /// Model id → set → view → render. Renders a rule dropped are left out.
    pub renders: BTreeMap<String, BTreeMap<String, BTreeMap<usize, Render>>>,
    /// Render items that could not be read (bad metadata), with why.
    pub bad_renders: Vec<Skipped>,
}

impl Collection {
    pub fn load(dataset: &Dataset) -> Result<Self> {
        let mut this = Self::default();
        for listing in dataset.listings()? {
            let item = listing.item;
            if let Some(key) = item.source_key.strip_prefix("render:") {
                if listing.status == Status::Dropped {
                    continue;
                }
                // `aigc-host render` stores views outside any plugin run; a `render:` item a plugin run stored
                // (possible before such keys were reserved) is a crawler's picture, not a render.
                if item.run_id.is_some() {
                    let reason = "stored by a plugin run, not by aigc-host render".to_string();
                    this.bad_renders.push(Skipped { id: item.id.clone(), reason });
                    continue;
                }
                match render_of(&item, key) {
                    Ok((model, set, render)) => {
                        this.renders.entry(model).or_default().entry(set).or_default().insert(render.view, render);
                    }
                    Err(reason) => this.bad_renders.push(Skipped { id: item.id.clone(), reason }),
                }
                continue;
            }
            if item.parent.is_some() {
                continue;
            }
            let Some(model_file) = item.files.iter().position(|f| is_model_file(&f.name)) else { continue };
            this.models.push(Model { item, status: listing.status, verdicts: listing.verdicts, model_file });
        }
        Ok(this)
    }

    /// The renders of `model` in `set`, by view.
    pub fn views(&self, model: &str, set: &str) -> Option<&BTreeMap<usize, Render>> {
        self.renders.get(model).and_then(|sets| sets.get(set))
    }

    /// An error when nothing was rendered at all: every format needs renders or says so up front.
    fn require_renders(&self, dataset: &Dataset, set: &str) -> Result<()> {
        if self.models.is_empty() {
            return Err(ExportError::Refused(format!(
                "`{}` holds no 3D models (items with a .glb, .gltf, .zip, .obj, ... file); crawl or import some first",
                dataset.root().display()
            )));
        }
        if !self.renders.values().any(|sets| sets.contains_key(set)) {
            return Err(ExportError::Refused(format!(
                "`{dir}` has no `{set}` renders yet; run `aigc-host render {dir}` first",
                dir = dataset.root().display()
            )));
        }
        Ok(())
    }
}

/// `name.GLB` is a model file.
pub fn is_model_file(name: &str) -> bool {
    MODEL_EXTENSIONS.contains(&extension(name).as_str())
}

/// The lowercase extension, or "" when there is none.
pub fn extension(name: &str) -> String {
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => ext.to_ascii_lowercase(),
        _ => String::new(),
    }
}

/// Reads a render item: `key` is its source key after `render:`, `<model-id>:<set>:<NNN>`.
fn render_of(item: &Item, key: &str) -> std::result::Result<(String, String, Render), String> {
    let mut parts = key.splitn(3, ':');
    let (Some(model), Some(set), Some(view)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(format!("source key `{}` is not render:<model>:<set>:<NNN>", item.source_key));
    };
    let view: usize =
        view.parse().map_err(|_| format!("source key `{}`: the view is not a number", item.source_key))?;
    if item.parent.as_deref() != Some(model) {
        return Err(format!("source key `{}` names model `{model}` but the item's parent differs", item.source_key));
    }
    let file = item
        .files
        .iter()
        .find(|f| f.name == "view.png")
        .or_else(|| item.files.iter().find(|f| extension(&f.name) == "png"))
        .ok_or("the render has no PNG file")?
        .clone();
    let metadata: Value = serde_json::from_str(&item.metadata).map_err(|e| format!("metadata is not JSON: {e}"))?;
    let rt = rt_of(&metadata).ok_or("metadata has no camera.rt 3x4 matrix of numbers")?;
    Ok((model.to_string(), set.to_string(), Render { id: item.id.clone(), view, file, rt, metadata }))
}

fn rt_of(metadata: &Value) -> Option<[[f32; 4]; 3]> {
    let rows = metadata.get("camera")?.get("rt")?.as_array()?;
    if rows.len() != 3 {
        return None;
    }
    let mut rt = [[0f32; 4]; 3];
    for (r, row) in rows.iter().enumerate() {
        let row = row.as_array().filter(|row| row.len() == 4)?;
        for (c, value) in row.iter().enumerate() {
            let value = value.as_f64().filter(|v| v.is_finite())?;
            rt[r][c] = value as f32;
        }
    }
    Some(rt)
}

/// Copies a stored file to `out` without holding it in memory, checking its hash on the way: a damaged blob
/// fails the export instead of landing in a submission. Returns the bytes copied.
pub fn copy_blob(dataset: &Dataset, file: &FileInfo, out: &mut impl Write, out_path: &Path) -> Result<u64> {
    let path = dataset.blob_path(&file.sha256);
    let corrupt = |problem: String| {
        ExportError::Store(StoreError::CorruptBlob { dir: dataset.root().to_path_buf(), path: path.clone(), problem })
    };
    let mut blob = File::open(&path).map_err(|e| corrupt(format!("cannot open it: {e}")))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    let mut copied = 0u64;
    loop {
        let n = match blob.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(corrupt(format!("cannot read it: {e}"))),
        };
        hasher.update(&buffer[..n]);
        out.write_all(&buffer[..n]).map_err(ExportError::io("writing", out_path))?;
        copied += n as u64;
    }
    if hex::encode(hasher.finalize()) != file.sha256 || copied != file.size {
        return Err(corrupt("its bytes do not match its sha256".into()));
    }
    Ok(copied)
}

/// A readable, portable file name for an item: its title (without extension) made safe, then its id, so names
/// are unique and the same item has the same name in every export (`Duck_3fa2b1c4d5e6f708`). The title is
/// NFC-normalised first, so `é` written decomposed stays a letter, and the result passes [`crate::names`].
pub fn item_name(item: &Item) -> String {
    let title: String = unicode_normalization::UnicodeNormalization::nfc(item.title.as_deref().unwrap_or("")).collect();
    let stem = match title.rsplit_once('.') {
        Some((stem, ext)) if MODEL_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()) => stem,
        _ => title.as_str(),
    };
    let mut safe = String::new();
    for c in stem.chars() {
        let c = if c.is_alphanumeric() || c == '-' { c } else { '_' };
        if c == '_' && (safe.is_empty() || safe.ends_with('_')) {
            continue;
        }
        safe.push(c);
        if safe.chars().count() >= 40 {
            break;
        }
    }
    let safe = safe.trim_end_matches('_');
    let name = if safe.is_empty() { item.id.clone() } else { format!("{safe}_{}", item.id) };
    // Letters, digits, `-` and `_` only, so this never changes it; it is the guarantee every export relies on.
    crate::names::portable(&name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Provenance;

    fn item(title: Option<&str>) -> Item {
        Item {
            id: "0123456789abcdef".into(),
            source_key: "k".into(),
            category: None,
            title: title.map(String::from),
            provenance: Provenance {
                source_url: "u".into(),
                licence: None,
                licence_url: None,
                author: None,
                author_url: None,
            },
            metadata: "{}".into(),
            files: vec![],
            parent: None,
            run_id: None,
            created_at: String::new(),
        }
    }

    #[test]
    fn item_names_are_safe_unique_and_readable() {
        assert_eq!(item_name(&item(Some("duck.glb"))), "duck_0123456789abcdef");
        assert_eq!(item_name(&item(Some("A cat / on a mat!"))), "A_cat_on_a_mat_0123456789abcdef");
        assert_eq!(item_name(&item(Some("青铜鼎.zip"))), "青铜鼎_0123456789abcdef");
        assert_eq!(item_name(&item(Some("../.."))), "0123456789abcdef");
        // Decomposed and composed spellings of one title give one name; devices and controls never show.
        assert_eq!(item_name(&item(Some("cafe\u{301}.glb"))), "caf\u{e9}_0123456789abcdef");
        assert_eq!(item_name(&item(Some("CON.glb"))), "CON_0123456789abcdef");
        assert_eq!(item_name(&item(Some("a\x1b[2J\u{202e}b"))), "a_2J_b_0123456789abcdef");
        assert!(crate::names::is_portable(&item_name(&item(Some("CON")))));
        assert_eq!(item_name(&item(None)), "0123456789abcdef");
        let long = "x".repeat(100);
        assert_eq!(item_name(&item(Some(&long))).len(), 40 + 17);
    }

    #[test]
    fn model_files_are_told_by_extension() {
        assert!(is_model_file("model.GLB") && is_model_file("a.b.zip") && is_model_file("x.obj"));
        assert!(!is_model_file("thumbnail.jpeg") && !is_model_file(".glb") && !is_model_file("glb"));
    }

    #[test]
    fn camera_matrices_must_be_3x4_numbers() {
        let good = serde_json::json!({"camera": {"rt": [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, -1.5]]}});
        assert_eq!(rt_of(&good).unwrap()[2][3], -1.5);
        for bad in [
            serde_json::json!({"camera": {"rt": [[1, 0, 0, 0], [0, 1, 0, 0]]}}),
            serde_json::json!({"camera": {"rt": [[1, 0, 0], [0, 1, 0], [0, 0, 1]]}}),
            serde_json::json!({"camera": {"rt": [[1, 0, 0, "x"], [0, 1, 0, 0], [0, 0, 1, 0]]}}),
            serde_json::json!({}),
        ] {
            assert!(rt_of(&bad).is_none(), "{bad}");
        }
    }
}
