//! The two sets of an evaluation, read from folders (every image, SVG and 3D model under each, hidden files and
//! anything that is not a regular file skipped, in name order) or datasets (each kept item's first sample file, in
//! id order); pairs from a pair file or by equal names; prompts from a JSON Lines file.
//!
//! Formats (README, "Evaluation"):
//! - pair file: one pair per line, `generated-name,reference-name` (a tab works too); names are paths relative to
//!   each folder with `/`; blank lines and lines starting with `#` are skipped.
//! - prompt file: JSON Lines, `{"file_name": "cat/1.png", "text": "a photo of a cat"}` per line (the layout of
//!   Hugging Face `imagefolder` metadata; `prompt` or `caption` may stand for `text`); a name may be a generated or a
//!   reference sample's.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use anyhow::{Context, bail};

use crate::bindings::evaluation::Media;
use crate::capabilities::evaluation::{SampleFile, Sets};

/// Most samples on one side.
const MAX_SAMPLES: usize = 1_000_000;

/// What kind of sample a file is, from its extension.
fn media_of(name: &str) -> Option<Media> {
    let lower = name.to_ascii_lowercase();
    let ext = lower.rsplit_once('.').map(|(_, e)| e)?;
    match ext {
        "png" | "jpg" | "jpeg" | "webp" | "gif" => Some(Media::Image),
        "svg" => Some(Media::Svg),
        "glb" | "gltf" | "obj" | "zip" => Some(Media::Mesh),
        _ => None,
    }
}

/// Which samples of a side are evaluated.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    /// Only samples of this kind (a 3D dataset holds its models and their renders side by side).
    pub media: Option<Media>,
    /// Only a dataset's items of this category.
    pub category: Option<String>,
}

impl Filter {
    fn admits(&self, media: Media) -> bool {
        self.media.is_none_or(|want| want == media)
    }

    /// What was asked for, for an error saying nothing matched.
    fn describe(&self) -> String {
        let media = self.media.map(|m| format!(" of media {}", media_name(m))).unwrap_or_default();
        let category = self.category.as_ref().map(|c| format!(" in category `{c}`")).unwrap_or_default();
        format!("{media}{category}")
    }
}

pub fn media_name(media: Media) -> &'static str {
    match media {
        Media::Image => "image",
        Media::Svg => "svg",
        Media::Mesh => "mesh",
    }
}

/// `--media`'s values.
pub fn parse_media(text: &str) -> Result<Media, String> {
    match text {
        "image" => Ok(Media::Image),
        "svg" => Ok(Media::Svg),
        "mesh" => Ok(Media::Mesh),
        other => Err(format!("`{other}` is not a media: use image, svg or mesh")),
    }
}

/// Every sample of a side: a dataset's items (when `root` holds a `manifest.sqlite`) or the files under a folder.
pub fn scan(root: &Path, side: &str, filter: &Filter) -> anyhow::Result<Vec<SampleFile>> {
    if root.join(crate::store::MANIFEST).is_file() {
        return scan_dataset(root, side, filter);
    }
    if filter.category.is_some() {
        bail!("--category picks items of a dataset, but the {side} set `{}` is a folder", root.display());
    }
    scan_folder(root, side, filter)
}

/// The samples of a dataset: for each item no rule dropped, in id order, its first image, SVG or self-contained
/// model file (GLB or zip; a glTF or OBJ needs the files beside it, which a dataset does not keep beside it),
/// named `ITEM-ID/FILE-NAME` and read from its blob. The dataset is only read.
fn scan_dataset(root: &Path, side: &str, filter: &Filter) -> anyhow::Result<Vec<SampleFile>> {
    use crate::store::{Dataset, Status};
    let dataset = Dataset::open(root).with_context(|| format!("the {side} dataset `{}`", root.display()))?;
    let listings = dataset.listings().with_context(|| format!("listing the {side} dataset `{}`", root.display()))?;
    let (mut samples, mut dropped, mut without) = (Vec::new(), 0usize, 0usize);
    for listing in listings {
        if listing.status == Status::Dropped {
            dropped += 1;
            continue;
        }
        if filter.category.as_ref().is_some_and(|want| listing.item.category.as_ref() != Some(want)) {
            continue;
        }
        let usable = listing.item.files.iter().find_map(|file| match media_of(&file.name) {
            Some(Media::Mesh) if !is_self_contained_model(&file.name) => None,
            Some(media) if filter.admits(media) => Some((file, media)),
            _ => None,
        });
        let Some((file, media)) = usable else {
            without += 1;
            continue;
        };
        samples.push(SampleFile {
            name: format!("{}/{}", listing.item.id, file.name),
            media,
            path: dataset.blob_path(&file.sha256),
            prompt: None,
        });
        if samples.len() > MAX_SAMPLES {
            bail!("the {side} dataset has more than {MAX_SAMPLES} samples; evaluate a subset");
        }
    }
    if dropped + without > 0 {
        tracing::info!(
            "the {side} dataset `{}`: {} samples; left out {dropped} item(s) a rule dropped and {without} without an \
             image, SVG, GLB or zip{}",
            root.display(),
            samples.len(),
            filter.describe()
        );
    }
    if samples.is_empty() {
        bail!(
            "the {side} dataset `{}` has no kept item{} with an image, SVG or self-contained 3D model (glb, zip)",
            root.display(),
            filter.describe()
        );
    }
    Ok(samples)
}

/// A model file that loads on its own (no buffers or materials beside it).
fn is_self_contained_model(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".glb") || lower.ends_with(".zip")
}

/// Every sample under a folder, sorted by name.
fn scan_folder(root: &Path, side: &str, filter: &Filter) -> anyhow::Result<Vec<SampleFile>> {
    let meta = std::fs::metadata(root).with_context(|| format!("the {side} folder `{}`", root.display()))?;
    if !meta.is_dir() {
        bail!("the {side} set `{}` is not a folder: give a folder of images, SVGs or 3D models", root.display());
    }
    let mut samples = Vec::new();
    let walker = walkdir::WalkDir::new(root).follow_links(false).sort_by_file_name().into_iter();
    for entry in walker.filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.')) {
        let entry = entry.with_context(|| format!("reading the {side} folder `{}`", root.display()))?;
        if !entry.file_type().is_file() {
            continue;
        }
        let Ok(relative) = entry.path().strip_prefix(root) else { continue };
        let name = relative.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
        let Some(media) = media_of(&name).filter(|m| filter.admits(*m)) else { continue };
        // A .gltf's buffers and a model's textures sit beside it: only model files themselves are samples.
        samples.push(SampleFile { name, media, path: entry.path().to_path_buf(), prompt: None });
        if samples.len() > MAX_SAMPLES {
            bail!("the {side} folder has more than {MAX_SAMPLES} samples; evaluate a subset");
        }
    }
    if samples.is_empty() {
        bail!(
            "the {side} folder `{}` holds no images (png, jpg, webp, gif), SVGs or 3D models (glb, gltf, obj, zip){}",
            root.display(),
            filter.describe()
        );
    }
    Ok(samples)
}

/// Pairs from a pair file, by the names in each set.
pub fn read_pairs(path: &Path, sets: &Sets) -> anyhow::Result<Vec<(u32, u32)>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read the pair file `{}`", path.display()))?;
    let index = |samples: &[SampleFile]| -> HashMap<String, u32> {
        samples.iter().enumerate().map(|(i, s)| (s.name.clone(), i as u32)).collect()
    };
    let (generated, reference) = (index(&sets.generated), index(&sets.reference));
    let mut pairs = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((g, r)) = line.split_once('\t').or_else(|| line.split_once(',')) else {
            bail!("{}:{}: `{line}` is not `generated-name,reference-name`", path.display(), number + 1);
        };
        let (g, r) = (g.trim(), r.trim());
        let found = |names: &HashMap<String, u32>, name: &str, side: &str| {
            names.get(name).copied().with_context(|| {
                format!(
                    "{}:{}: no {side} sample named `{name}` (names are paths inside the folder)",
                    path.display(),
                    number + 1
                )
            })
        };
        pairs.push((found(&generated, g, "generated")?, found(&reference, r, "reference")?));
    }
    if pairs.is_empty() {
        bail!("the pair file `{}` names no pairs", path.display());
    }
    Ok(pairs)
}

/// Pairs of samples with the same name on both sides, in generated order.
pub fn same_name_pairs(sets: &Sets) -> Vec<(u32, u32)> {
    let reference: HashMap<&str, u32> =
        sets.reference.iter().enumerate().map(|(i, s)| (s.name.as_str(), i as u32)).collect();
    sets.generated
        .iter()
        .enumerate()
        .filter_map(|(i, s)| reference.get(s.name.as_str()).map(|&j| (i as u32, j)))
        .collect()
}

/// Attaches the prompts of a JSON Lines file to the samples they name; a name neither set has is an error.
pub fn read_prompts(path: &Path, sets: &mut Sets) -> anyhow::Result<usize> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read the prompt file `{}`", path.display()))?;
    let mut prompts = BTreeMap::new();
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let value: serde_json::Value = serde_json::from_str(line)
            .with_context(|| format!("{}:{}: not a JSON object", path.display(), number + 1))?;
        let name = value.get("file_name").and_then(|v| v.as_str());
        let prompt = ["text", "prompt", "caption"].iter().find_map(|k| value.get(*k).and_then(|v| v.as_str()));
        let (Some(name), Some(prompt)) = (name, prompt) else {
            bail!("{}:{}: give `file_name` and `text` (or `prompt`, `caption`)", path.display(), number + 1);
        };
        prompts.insert(name.to_string(), prompt.to_string());
    }
    let mut attached = 0;
    for sample in sets.generated.iter_mut().chain(sets.reference.iter_mut()) {
        if let Some(prompt) = prompts.get(&sample.name) {
            sample.prompt = Some(prompt.clone());
            attached += 1;
        }
    }
    let known: std::collections::HashSet<&str> =
        sets.generated.iter().chain(sets.reference.iter()).map(|s| s.name.as_str()).collect();
    if let Some(unknown) = prompts.keys().find(|name| !known.contains(name.as_str())) {
        bail!("the prompt file `{}` names `{unknown}`, which neither set has", path.display());
    }
    Ok(attached)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, files: &[&str]) {
        for file in files {
            let path = root.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, b"x").unwrap();
        }
    }

    #[test]
    fn a_folder_gives_its_samples_in_name_order_without_hidden_or_foreign_files() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), &["b.png", "a/2.svg", "a/1.jpg", ".hidden.png", "notes.txt", "m/model.glb", ".git/x.png"]);
        let names: Vec<String> =
            scan(dir.path(), "generated", &Filter::default()).unwrap().into_iter().map(|s| s.name).collect();
        assert_eq!(names, ["a/1.jpg", "a/2.svg", "b.png", "m/model.glb"]);
        let empty = tempfile::tempdir().unwrap();
        let error = scan(empty.path(), "reference", &Filter::default()).unwrap_err().to_string();
        assert!(error.contains("reference folder") && error.contains("holds no images"), "{error}");
    }

    #[test]
    fn pairs_come_from_the_pair_file_or_equal_names() {
        let (g, r) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        write(g.path(), &["1.png", "2.png", "3.png"]);
        write(r.path(), &["2.png", "3.png", "x.png"]);
        let sets = Sets {
            generated: scan(g.path(), "generated", &Filter::default()).unwrap(),
            reference: scan(r.path(), "reference", &Filter::default()).unwrap(),
            pairs: Vec::new(),
            progress: None,
        };
        assert_eq!(same_name_pairs(&sets), [(1, 0), (2, 1)]);
        let file = g.path().join("pairs.csv");
        std::fs::write(&file, "# generated,reference\n1.png,x.png\n3.png\t2.png\n").unwrap();
        assert_eq!(read_pairs(&file, &sets).unwrap(), [(0, 2), (2, 0)]);
        std::fs::write(&file, "1.png,nope.png\n").unwrap();
        let error = read_pairs(&file, &sets).unwrap_err().to_string();
        assert!(error.contains(":1:") && error.contains("no reference sample named `nope.png`"), "{error}");
    }

    #[test]
    fn prompts_attach_by_file_name_and_unknown_names_are_errors() {
        let (g, r) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        write(g.path(), &["cat.png"]);
        write(r.path(), &["dog.png"]);
        let mut sets = Sets {
            generated: scan(g.path(), "generated", &Filter::default()).unwrap(),
            reference: scan(r.path(), "reference", &Filter::default()).unwrap(),
            pairs: Vec::new(),
            progress: None,
        };
        let file = g.path().join("prompts.jsonl");
        std::fs::write(
            &file,
            "{\"file_name\": \"cat.png\", \"text\": \"a cat\"}\n{\"file_name\": \"dog.png\", \"prompt\": \"a dog\"}\n",
        )
        .unwrap();
        assert_eq!(read_prompts(&file, &mut sets).unwrap(), 2);
        assert_eq!(sets.generated[0].prompt.as_deref(), Some("a cat"));
        assert_eq!(sets.reference[0].prompt.as_deref(), Some("a dog"));
        std::fs::write(&file, "{\"file_name\": \"cow.png\", \"text\": \"a cow\"}\n").unwrap();
        assert!(read_prompts(&file, &mut sets).unwrap_err().to_string().contains("`cow.png`"));
    }
}
