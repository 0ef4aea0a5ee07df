//! 3D models: loading glTF 2.0 (`.gltf` + buffers, `.glb`), OBJ (+ MTL) and the zip archives Sketchfab delivers
//! into one triangle [`Scene`], and the [`Facts`] a cleaner judges a model by.
//!
//! A model is read only from its item's own files (or the archive among them): a `.gltf` that names
//! `../../etc/passwd` or `https://...` gets "not found", never the file system or the network. Every count has a
//! cap ([`Limits`]) and every broken file a typed [`MeshError`]; nothing a model contains can panic the host.

pub mod bundle;
pub mod facts;
mod gltf_file;
mod obj_file;
pub mod scene;

use std::panic::AssertUnwindSafe;

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
    /// A cap in [`Limits`] was reached; the message names it.
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
    let total: u64 = item.files.iter().map(|f| f.size).sum();
    if total > limits.total_bytes {
        return Err(MeshError::Limit(format!(
            "the item's files add up to {total} bytes; the limit is {}",
            limits.total_bytes
        )));
    }
    let mut files = Vec::with_capacity(item.files.len());
    for file in &item.files {
        let data =
            dataset.read_file(&item.id, &file.name).map_err(|e| MeshError::Store(e.to_string()))?.ok_or_else(|| {
                MeshError::Missing(format!("item `{}` lists `{}` but has no such file", item.id, file.name))
            })?;
        files.push((file.name.clone(), data));
    }
    Bundle::new(files, limits)
}

/// Loads the model among `bundle`'s files (see [`Bundle::find_model`]).
pub fn load(bundle: &Bundle, limits: &Limits) -> Result<Scene, MeshError> {
    let (path, format) = bundle.find_model()?;
    // The parsers index into buffers the file describes; a bug there must cost this model, not the process.
    let loaded = std::panic::catch_unwind(AssertUnwindSafe(|| match format {
        Format::Gltf | Format::Glb => gltf_file::load(bundle, &path, format, limits),
        Format::Obj => obj_file::load(bundle, &path, limits),
    }));
    loaded.unwrap_or_else(|_| Err(MeshError::Malformed(format!("`{path}` could not be parsed"))))
}

/// Loads a model and computes its facts in one step.
pub fn facts(bundle: &Bundle, limits: &Limits) -> Result<Facts, MeshError> {
    load(bundle, limits).map(|scene| Facts::of(&scene))
}
