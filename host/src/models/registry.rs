//! The model registry: a folder per model under the user's data directory (or `AIGC_HOST_MODELS`), each with a
//! `model.json` describing it (the format is specified in `models/README.md`). `add` copies a folder in after
//! checking it; `pull` downloads a zipped folder and checks its sha256 first.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What a model is for; decides which methods its TorchScript file must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Task {
    /// `encode_image` and `encode_text`.
    Clip,
    /// `caption`.
    Captioner,
    /// `classify`: one logit per label of a fixed label list (`labels`); no tokenizer.
    Classifier,
    /// `encode_image` only, whose raw rows are features for metrics (Inception pool3 for FID and KID, DINOv2
    /// mean-pooled tokens); no tokenizer.
    Features,
    /// `distance(x, y)`: one learned distance per image pair (LPIPS); no tokenizer. Its `image_size` is 0: the
    /// images go in at their own size, which LPIPS is made for.
    Distance,
}

/// `model.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModelSpec {
    pub name: String,
    pub task: Task,
    #[serde(default = "one")]
    pub format: u32,
    pub image_size: i64,
    pub mean: [f64; 3],
    pub std: [f64; 3],
    #[serde(default)]
    pub embed_dim: Option<i64>,
    #[serde(default = "hundred")]
    pub logit_scale: f64,
    #[serde(default = "seventy_seven")]
    pub context_length: usize,
    #[serde(default)]
    pub pad_id: u32,
    #[serde(default)]
    pub max_tokens: Option<usize>,
    /// File name of the tokenizer; clip and captioner models need one, classifiers have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokenizer: Option<String>,
    pub weights: String,
    /// A TorchScript file rewritten for the CPU (frozen, oneDNN layouts: `models/export_features.py`), used
    /// instead of `weights` when the model runs on the CPU; `weights` stays the portable one, for GPUs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weights_cpu: Option<String>,
    /// A classifier's labels, in the order of its logits.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    /// File name -> lowercase hex sha256, checked when the model is added.
    #[serde(default)]
    pub sha256: BTreeMap<String, String>,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub licence: String,
}

impl ModelSpec {
    /// The files besides model.json: the weights, and the tokenizer when there is one.
    pub fn files(&self) -> Vec<&str> {
        std::iter::once(self.weights.as_str())
            .chain(self.weights_cpu.as_deref())
            .chain(self.tokenizer.as_deref())
            .collect()
    }
}

/// A classifier needs at least two labels, each named once, so that a plugin can ask for them by name.
fn check_labels(labels: &[String]) -> Result<(), String> {
    if labels.len() < 2 {
        return Err("a classifier needs `labels`: at least two names, in the order of its logits".into());
    }
    let mut seen = std::collections::BTreeSet::new();
    for label in labels {
        if label.trim().is_empty() || !seen.insert(label.as_str()) {
            return Err(format!("label `{label}` is empty or listed twice"));
        }
    }
    Ok(())
}

fn one() -> u32 {
    1
}
fn hundred() -> f64 {
    100.0
}
fn seventy_seven() -> usize {
    77
}

/// Why a model cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error(
        "no model `{name}` is registered in `{dir}`; see `aigc-host models list`, or add one with `aigc-host models add FOLDER`"
    )]
    NotRegistered { name: String, dir: PathBuf },
    #[error("model folder `{path}`: {reason}")]
    Invalid { path: PathBuf, reason: String },
    #[error("{0}")]
    Io(String),
}

/// A registered model: its folder and description.
#[derive(Debug, Clone, Serialize)]
pub struct Registered {
    pub name: String,
    pub dir: PathBuf,
    pub spec: ModelSpec,
}

impl Registered {
    pub fn weights(&self) -> PathBuf {
        self.dir.join(&self.spec.weights)
    }
    /// The TorchScript file to load on `device`: the CPU graph on the CPU when there is one.
    pub fn weights_for(&self, device: tch::Device) -> PathBuf {
        match (&self.spec.weights_cpu, device) {
            (Some(cpu), tch::Device::Cpu) => self.dir.join(cpu),
            _ => self.weights(),
        }
    }
    pub fn tokenizer(&self) -> Option<PathBuf> {
        self.spec.tokenizer.as_ref().map(|file| self.dir.join(file))
    }
}

/// The registry folder.
#[derive(Debug, Clone)]
pub struct Registry {
    dir: PathBuf,
}

impl Registry {
    /// `AIGC_HOST_MODELS`, else `<data dir>/models`.
    pub fn default_location() -> Self {
        let dir = std::env::var_os("AIGC_HOST_MODELS").map(PathBuf::from).unwrap_or_else(|| {
            directories::ProjectDirs::from("", "", "aigc-host")
                .map_or_else(|| PathBuf::from(".aigc-host-models"), |d| d.data_dir().join("models"))
        });
        Self { dir }
    }

    pub fn at(dir: &Path) -> Self {
        Self { dir: dir.to_path_buf() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Every registered model, by name.
    pub fn list(&self) -> Vec<Registered> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else { return Vec::new() };
        let mut out: Vec<Registered> = entries
            .filter_map(Result::ok)
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                read_spec(&e.path()).ok().map(|spec| Registered { name, dir: e.path(), spec })
            })
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }

    pub fn get(&self, name: &str) -> Result<Registered, ModelError> {
        let dir = self.dir.join(name);
        if !valid_name(name) || !dir.join("model.json").exists() {
            return Err(ModelError::NotRegistered { name: name.to_string(), dir: self.dir.clone() });
        }
        Ok(Registered { name: name.to_string(), spec: read_spec(&dir)?, dir })
    }

    /// Checks a model folder (format, files, sha256s) and copies it in under `name` (default: its own name).
    pub fn add(&self, folder: &Path, name: Option<&str>) -> Result<Registered, ModelError> {
        let spec = check_folder(folder)?;
        let name = name.unwrap_or(&spec.name).to_string();
        if !valid_name(&name) {
            return Err(ModelError::Invalid {
                path: folder.to_path_buf(),
                reason: format!("`{name}` is not a usable model name (letters, digits, '-', '_', '.')"),
            });
        }
        let io = |e: std::io::Error| ModelError::Io(format!("registering `{name}` in `{}`: {e}", self.dir.display()));
        std::fs::create_dir_all(&self.dir).map_err(io)?;
        // Copy into a temporary folder first, then rename: a crash never leaves a half-copied model registered.
        let staging = tempfile::tempdir_in(&self.dir).map_err(io)?;
        for file in spec.files().into_iter().chain(["model.json"]) {
            std::fs::copy(folder.join(file), staging.path().join(file)).map_err(io)?;
        }
        let target = self.dir.join(&name);
        if target.exists() {
            std::fs::remove_dir_all(&target).map_err(io)?;
        }
        std::fs::rename(staging.keep(), &target).map_err(io)?;
        self.get(&name)
    }

    pub fn remove(&self, name: &str) -> Result<(), ModelError> {
        let registered = self.get(name)?;
        std::fs::remove_dir_all(&registered.dir)
            .map_err(|e| ModelError::Io(format!("removing `{}`: {e}", registered.dir.display())))
    }
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 100
        && !name.starts_with('.')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn read_spec(dir: &Path) -> Result<ModelSpec, ModelError> {
    let path = dir.join("model.json");
    let invalid = |reason: String| ModelError::Invalid { path: dir.to_path_buf(), reason };
    let text = std::fs::read(&path).map_err(|e| invalid(format!("cannot read model.json: {e}")))?;
    let spec: ModelSpec = serde_json::from_slice(&text).map_err(|e| invalid(format!("model.json: {e}")))?;
    if spec.format != 1 {
        return Err(invalid(format!("format {} is newer than this host understands (1)", spec.format)));
    }
    if spec.std.iter().any(|s| *s <= 0.0) {
        return Err(invalid("std must be positive".into()));
    }
    match spec.task {
        Task::Distance if spec.image_size != 0 => {
            return Err(invalid(
                "a distance model takes each pair at its own size: its image_size must be 0 (a metric resizes \
                 pairs itself when asked)"
                    .into(),
            ));
        }
        Task::Distance => {}
        _ if !(8..=2048).contains(&spec.image_size) => {
            return Err(invalid(format!("image_size must be 8..2048, not {}", spec.image_size)));
        }
        _ => {}
    }
    match (spec.task, &spec.tokenizer) {
        (Task::Clip | Task::Captioner, None) => {
            return Err(invalid(format!("a {:?} model needs a `tokenizer` file", spec.task)));
        }
        (Task::Classifier, _) => check_labels(&spec.labels).map_err(invalid)?,
        _ => {}
    }
    for file in spec.files() {
        if file.contains('/') || file.contains('\\') || file.starts_with('.') {
            return Err(invalid(format!("`{file}` must be a plain file name inside the folder")));
        }
    }
    Ok(spec)
}

/// A folder's model.json plus the checks `add` needs: files present and matching their sha256s.
pub fn check_folder(folder: &Path) -> Result<ModelSpec, ModelError> {
    let spec = read_spec(folder)?;
    let invalid = |reason: String| ModelError::Invalid { path: folder.to_path_buf(), reason };
    for file in spec.files() {
        let bytes = std::fs::read(folder.join(file)).map_err(|e| invalid(format!("cannot read `{file}`: {e}")))?;
        if let Some(want) = spec.sha256.get(file) {
            let got = hex::encode(Sha256::digest(&bytes));
            if !got.eq_ignore_ascii_case(want) {
                return Err(invalid(format!("`{file}` has sha256 {got}, but model.json says {want}")));
            }
        }
    }
    if let Some(tokenizer) = &spec.tokenizer {
        tokenizers::Tokenizer::from_file(folder.join(tokenizer))
            .map_err(|e| invalid(format!("`{tokenizer}` is not a tokenizers JSON file: {e}")))?;
    }
    Ok(spec)
}
