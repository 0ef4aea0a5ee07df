//! 3D models: loading glTF 2.0 (`.gltf` + buffers, `.glb`), OBJ (+ MTL) and the zip archives Sketchfab delivers
//! into one triangle [`Scene`], and the [`Facts`] a cleaner judges a model by.
//!
//! A model is read only from its item's own files (or the archive among them): a `.gltf` that names
//! `../../etc/passwd` or `https://...` gets "not found", never the file system or the network. Every count has a
//! cap ([`Limits`]) and every broken file a typed [`MeshError`]; nothing a model contains can panic the host.
//!
//! Reading is metered host work ([`crate::budget`]): every stage (reading the files, inflating archive entries,
//! parsing the glTF JSON or scanning the OBJ text, reading the geometry, decoding each texture, computing facts)
//! is estimated from what the headers declare and charged to a [`Work`] *before* it allocates, so a 2 KB glTF
//! that declares 500 million indices, or an OBJ of ten million faces, is refused with a [`MeshError::Limit`]
//! before anything is collected. The `*_with` functions take the caller's [`Work`] (a plugin's host call, one
//! model of `aigc-host render`); the others meter themselves with the default caps.

pub mod bundle;
mod cost;
pub mod facts;
mod gltf_check;
mod gltf_file;
mod obj_file;
mod obj_scan;
pub mod scene;
mod textures;
mod zip_directory;

use std::panic::AssertUnwindSafe;

use crate::budget::{Meter, Work, WorkError, WorkLimits};
pub use bundle::Bundle;
pub use facts::Facts;
pub use scene::{AlphaMode, Material, Primitive, Scene, Texture, Wrap};

/// Caps on what one model may make the host read and hold.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Entries in one zip archive.
    pub archive_entries: usize,
    /// Uncompressed bytes of one file read from an archive or an item.
    pub file_bytes: u64,
    /// Uncompressed bytes of everything read for one model.
    pub total_bytes: u64,
    /// Vertices over all primitives.
    pub vertices: usize,
    /// Triangles over all primitives.
    pub faces: usize,
    /// Pixels of one decoded texture.
    pub texture_pixels: u64,
    /// Textures are downscaled to at most this many pixels on a side: renders are 512 px, so more is wasted memory.
    pub texture_side: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            archive_entries: 10_000,
            file_bytes: 1 << 30,
            total_bytes: 2 << 30,
            vertices: 20_000_000,
            faces: 20_000_000,
            texture_pixels: 8192 * 8192,
            texture_side: 2048,
        }
    }
}

/// Why a model could not be read. Messages name the file and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MeshError {
    /// The item has no file in a format this host reads.
    #[error("no model file: {0}")]
    NoModel(String),
    /// A file the model refers to is not among the item's files (or inside its archive).
    #[error("missing file: {0}")]
    Missing(String),
    /// The file ends before its own header says it does.
    #[error("truncated: {0}")]
    Truncated(String),
    /// The bytes are not what the format says (bad JSON, bad GLB chunks, out-of-range indices).
    #[error("malformed: {0}")]
    Malformed(String),
    /// Valid, but uses something this host does not read (Draco compression, point or line primitives only).
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// A cap in [`Limits`] or in the host-work budget was reached; the message names it.
    #[error("too large: {0}")]
    Limit(String),
    /// The dataset could not hand over the item's files.
    #[error("{0}")]
    Store(String),
}

impl MeshError {
    /// A short, stable word for summaries and cleaner reasons.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::NoModel(_) => "no-model",
            Self::Missing(_) => "missing-file",
            Self::Truncated(_) => "truncated",
            Self::Malformed(_) => "malformed",
            Self::Unsupported(_) => "unsupported",
            Self::Limit(_) => "too-large",
            Self::Store(_) => "store",
        }
    }

    /// The message without the kind.
    pub fn message(&self) -> &str {
        match self {
            Self::NoModel(m)
            | Self::Missing(m)
            | Self::Truncated(m)
            | Self::Malformed(m)
            | Self::Unsupported(m)
            | Self::Limit(m)
            | Self::Store(m) => m,
        }
    }
}

impl From<WorkError> for MeshError {
    /// Every refusal of the budget is a limit: over a per-call cap, out of time, or out of the plugin call's
    /// budget (the runtime then stops the plugin on its own, from the meter).
    fn from(error: WorkError) -> Self {
        Self::Limit(error.to_string())
    }
}

/// Work metered on its own, with the default caps, for callers that bring none (tests, fuzzing, exports).
fn standalone(what: &str) -> Work {
    Meter::new(WorkLimits::default()).start(what)
}

/// The formats [`load`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Gltf,
    Glb,
    Obj,
}

impl Format {
    /// The format a file name says, by extension.
    pub fn of(name: &str) -> Option<Self> {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".glb") {
            Some(Self::Glb)
        } else if lower.ends_with(".gltf") {
            Some(Self::Gltf)
        } else if lower.ends_with(".obj") {
            Some(Self::Obj)
        } else {
            None
        }
    }
}

/// True when a file of an item may hold a model: a model file itself or an archive that may contain one.
pub fn is_model_file(name: &str) -> bool {
    Format::of(name).is_some() || name.to_ascii_lowercase().ends_with(".zip")
}

/// True when a stored item holds a model (and is not itself a render of one).
pub fn is_model_item(item: &crate::store::Item) -> bool {
    !item.source_key.starts_with("render:") && item.files.iter().any(|f| is_model_file(&f.name))
}

/// The bundle of a stored item's files: all of them, since a `.gltf` may name any of them.
pub fn item_bundle(
    dataset: &crate::store::Dataset,
    item: &crate::store::Item,
    limits: &Limits,
) -> Result<Bundle, MeshError> {
    item_bundle_with(dataset, item, limits, &mut standalone(&format!("the model of item `{}`", item.id)))
}

/// [`item_bundle`], charging the read (the sizes the store lists) to `work` before reading.
pub fn item_bundle_with(
    dataset: &crate::store::Dataset,
    item: &crate::store::Item,
    limits: &Limits,
    work: &mut Work,
) -> Result<Bundle, MeshError> {
    let total = item.files.iter().fold(0u64, |sum, f| sum.saturating_add(f.size));
    if total > limits.total_bytes {
        return Err(MeshError::Limit(format!(
            "the item's files add up to {total} bytes; the limit is {}",
            limits.total_bytes
        )));
    }
    cost::charge(work, || format!("reading the {} files of item `{}`", item.files.len(), item.id), cost::read(total))?;
    let mut files = Vec::with_capacity(item.files.len());
    for file in &item.files {
        let data =
            dataset.read_file(&item.id, &file.name).map_err(|e| MeshError::Store(e.to_string()))?.ok_or_else(|| {
                MeshError::Missing(format!("item `{}` lists `{}` but has no such file", item.id, file.name))
            })?;
        files.push((file.name.clone(), data));
    }
    work.check()?;
    Bundle::new_with(files, limits, work)
}

/// Loads the model among `bundle`'s files (see [`Bundle::find_model`]).
pub fn load(bundle: &Bundle, limits: &Limits) -> Result<Scene, MeshError> {
    load_with(bundle, limits, &mut standalone("the model"))
}

/// [`load`], charging each stage to `work` before it runs.
pub fn load_with(bundle: &Bundle, limits: &Limits, work: &mut Work) -> Result<Scene, MeshError> {
    let (path, format) = bundle.find_model()?;
    // The parsers index into buffers the file describes; a bug there must cost this model, not the process.
    let loaded = std::panic::catch_unwind(AssertUnwindSafe(|| match format {
        Format::Gltf | Format::Glb => gltf_file::load(bundle, &path, format, limits, work),
        Format::Obj => obj_file::load(bundle, &path, limits, work),
    }));
    loaded.unwrap_or_else(|_| Err(MeshError::Malformed(format!("`{path}` could not be parsed"))))
}

/// Loads a model and computes its facts in one step.
pub fn facts(bundle: &Bundle, limits: &Limits) -> Result<Facts, MeshError> {
    facts_with(bundle, limits, &mut standalone("the model"))
}

/// [`facts`], charging each stage to `work` before it runs.
pub fn facts_with(bundle: &Bundle, limits: &Limits, work: &mut Work) -> Result<Facts, MeshError> {
    let scene = load_with(bundle, limits, work)?;
    let (vertices, faces) = (scene.vertex_count() as u64, scene.face_count() as u64);
    cost::charge(
        work,
        || format!("measuring `{}` ({vertices} vertices, {faces} faces)", scene.model_path),
        cost::facts(vertices, faces),
    )?;
    Ok(Facts::of(&scene))
}
