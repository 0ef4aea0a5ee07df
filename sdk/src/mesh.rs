//! Facts about the 3D model in an item (glTF, GLB, OBJ, or a zip holding one), measured by the host: the model's
//! bytes never reach the plugin.
//!
//! ```ignore
//! match aigc_sdk::mesh::facts(&item.id) {
//!     Ok(facts) if facts.faces < 500 => Verdict { keep: false, reason: "too-few-faces".into(), score: Some(facts.faces as f64) },
//!     Ok(_) => Verdict { keep: true, reason: "ok".into(), score: None },
//!     Err(FactsError::Unreadable(why)) => Verdict { keep: false, reason: "unreadable".into(), score: None },
//!     Err(e) => return Err(e.into()),
//! }
//! ```

use std::fmt;

use crate::bindings::aigc::plugin::mesh as raw;
use crate::bindings::aigc::plugin::types::Error as WitError;

pub use raw::{Bounds, ModelFacts as Facts, TextureInfo};

/// Why there are no facts.
#[derive(Debug)]
pub enum FactsError {
    /// No such item, or it holds no model file.
    NoModel(String),
    /// The model is broken or larger than the host reads; the message starts with a stable word
    /// ("truncated", "malformed", "missing-file", "unsupported", "too-large").
    Unreadable(String),
    /// Anything else (the host could not read the dataset, the run lends no dataset).
    Other(String),
}

impl fmt::Display for FactsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoModel(m) | Self::Unreadable(m) | Self::Other(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for FactsError {}

/// The facts of the model in item `item_id`.
pub fn facts(item_id: &str) -> Result<Facts, FactsError> {
    raw::facts(item_id).map_err(|e| match e {
        WitError::NotFound(m) => FactsError::NoModel(m),
        WitError::Invalid(m) => FactsError::Unreadable(m),
        WitError::Limit(m) => FactsError::Unreadable(format!("too-large: {m}")),
        WitError::Denied(m) | WitError::Other(m) => FactsError::Other(m),
    })
}

/// True when a file name says it may hold a model (`.glb`, `.gltf`, `.obj`, or a `.zip` archive).
pub fn is_model_file(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".glb", ".gltf", ".obj", ".zip"].iter().any(|ext| lower.ends_with(ext))
}
