//! Image and SVG items as training data, for the art and SVG-logo projects (and any image set):
//!
//! - `webdataset`: tar shards of bounded size, each sample `{id}.{ext}` (the file), `{id}.json` (provenance,
//!   category, caption and its score) and `{id}.txt` (the caption), as the `webdataset` package iterates them;
//! - `hf-imagefolder`: `{split}/{id}.{ext}` images with `{split}/metadata.jsonl` (`file_name`, `text`, category,
//!   licence, author, source), as `datasets.load_dataset("imagefolder", data_dir=...)` loads them;
//! - `textual-inversion`: one flat folder of RGB images per style (the item's category), exactly what diffusers'
//!   `textual_inversion.py --train_data_dir` reads, and `concepts.json` naming each style's tokens and count;
//! - `dreamstyler`: per style the layout of DreamStyler's `images/` (`01.png`, ... and `prompt_blip2.txt` lines
//!   `01.png, A painting of ... in the style of {}` from the captions), and `dreamstyler.json` with a training
//!   command per image (DreamStyler learns a style from one image and its context prompt).
//!
//! Both take the kept items (no rule dropped them) that hold an image (or, for webdataset, an SVG), leave out an
//! item whose licence forbids training or is unknown unless `--include-restricted` is given, split train / test
//! by a seeded draw within each category, and write `ATTRIBUTION.md` and `attribution.json` listing every
//! exported item's licence, author and source. Files are named by item id, so no stored name reaches the path.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::output::{Staged, check_target};
use super::{ExportError, Options, Result, Summary};
use crate::progress::Progress;
use crate::store::{Dataset, FileInfo, Item, Status};

/// Extensions of the raster images the exports copy as they are.
const IMAGE_EXTENSIONS: &[&str] = &["png", "jpg", "jpeg", "webp", "gif"];

/// One exported item: its file and caption.
#[derive(Debug, Clone)]
pub struct Sample {
    pub item: Item,
    pub file: FileInfo,
    /// Lowercase extension of `file`, from the allow-list.
    pub ext: &'static str,
    /// The caption annotation's text and score.
    pub caption: Option<(String, Option<f64>)>,
    pub split: Split,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Split {
    Train,
    Test,
}

impl Split {
    pub fn name(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Test => "test",
        }
    }
}

/// Why a licence keeps an item out of training data by default, or None when it allows it. Unknown is not free.
pub fn licence_problem(licence: Option<&str>) -> Option<&'static str> {
    let Some(licence) = licence.map(str::trim).filter(|l| !l.is_empty()) else {
        return Some("licence unknown");
    };
    let lower = licence.to_ascii_lowercase();
    if lower == "unknown" || lower == "none" {
        Some("licence unknown")
    } else if lower.contains("noai") || lower.contains("no-ai") || lower.contains("no ai") {
        Some("the licence forbids AI training (NoAI)")
    } else if lower.contains("-nd") || lower.contains("noderiv") || lower.contains("no derivatives") {
        Some("the licence allows no derivatives (ND)")
    } else if lower.contains("all rights reserved")
        || lower.contains("research only")
        || lower.contains("research-only")
    {
        Some("all rights reserved")
    } else {
        None
    }
}

/// The extension of a file the export can write, or None.
fn usable_ext(name: &str, svg: bool) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    let ext = lower.rsplit_once('.').map(|(_, e)| e)?;
    if svg && ext == "svg" {
        return Some("svg");
    }
    IMAGE_EXTENSIONS.iter().copied().find(|known| *known == ext)
}

/// The kept items with a usable file, each with its caption and split; what is left out goes to `summary.skipped`.
pub fn collect(dataset: &Dataset, options: &Options, svg: bool, summary: &mut Summary) -> Result<Vec<Sample>> {
    let mut samples = Vec::new();
    for listing in dataset.listings()? {
        let item = listing.item;
        if listing.status == Status::Dropped {
            let reasons: Vec<String> =
                listing.verdicts.iter().filter(|v| !v.keep).map(|v| format!("{}: {}", v.rule, v.reason)).collect();
            summary.skip(&item.id, format!("dropped by {}", reasons.join("; ")));
            continue;
        }
        let Some((file, ext)) = item.files.iter().find_map(|f| usable_ext(&f.name, svg).map(|ext| (f.clone(), ext)))
        else {
            let has_svg = item.files.iter().any(|f| usable_ext(&f.name, true) == Some("svg"));
            let reason = match (svg, has_svg) {
                (false, true) => "no image but an SVG, which PIL cannot read: export SVGs with --format webdataset",
                (false, false) => "no image (png, jpg, webp, gif)",
                (true, _) => "no image (png, jpg, webp, gif) or SVG",
            };
            summary.skip(&item.id, reason);
            continue;
        };
        if let Some(problem) = licence_problem(item.provenance.licence.as_deref()) {
            if !options.include_restricted {
                summary.skip(&item.id, format!("{problem}; --include-restricted exports it anyway"));
                continue;
            }
            summary.warnings.push(format!("item {} exported although {problem}", item.id));
        }
        let caption = dataset
            .annotations(&item.id, Some("caption"))?
            .into_iter()
            .next()
            .map(|annotation| (annotation.value, annotation.score));
        samples.push(Sample { item, file, ext, caption, split: Split::Train });
    }
    assign_splits(&mut samples, options.test_share, options.seed);
    Ok(samples)
}

/// Within each category, the items whose seeded hash of the id comes first go to test: `round(share · n)` of
/// them, so every category is in both splits in proportion, and the same seed gives the same split.
fn assign_splits(samples: &mut [Sample], share: f64, seed: u64) {
    let mut by_category: BTreeMap<Option<String>, Vec<usize>> = BTreeMap::new();
    for (index, sample) in samples.iter().enumerate() {
        by_category.entry(sample.item.category.clone()).or_default().push(index);
    }
    for indices in by_category.values_mut() {
        let draw = |id: &str| Sha256::digest(format!("{seed}:{id}").as_bytes());
        indices.sort_by_cached_key(|&i| draw(&samples[i].item.id));
        let tests = (share.clamp(0.0, 1.0) * indices.len() as f64).round() as usize;
        for &i in indices.iter().take(tests) {
            samples[i].split = Split::Test;
        }
    }
}

/// One row of `attribution.json` and `metadata.jsonl`: what a person needs to credit and check an item.
#[derive(Debug, Serialize)]
struct Record<'a> {
    item_id: &'a str,
    file_name: String,
    split: Split,
    title: Option<&'a str>,
    category: Option<&'a str>,
    /// The caption (Hugging Face's `text` column in metadata.jsonl).
    text: Option<&'a str>,
    caption_score: Option<f64>,
    licence: Option<&'a str>,
    licence_url: Option<&'a str>,
    author: Option<&'a str>,
    author_url: Option<&'a str>,
    source_url: &'a str,
}

impl Sample {
    fn record(&self, file_name: String) -> Record<'_> {
        let p = &self.item.provenance;
        Record {
            item_id: &self.item.id,
            file_name,
            split: self.split,
            title: self.item.title.as_deref(),
            category: self.item.category.as_deref(),
            text: self.caption.as_ref().map(|(text, _)| text.as_str()),
            caption_score: self.caption.as_ref().and_then(|(_, score)| *score),
            licence: p.licence.as_deref(),
            licence_url: p.licence_url.as_deref(),
            author: p.author.as_deref(),
            author_url: p.author_url.as_deref(),
            source_url: &p.source_url,
        }
    }

    fn file_name(&self) -> String {
        format!("{}.{}", self.item.id, self.ext)
    }
}

/// `webdataset`: `{split}-{NNNNNN}.tar` shards of at most `options.shard_bytes` each (a sample larger than that
/// gets a shard of its own).
pub fn write_webdataset(dataset: &Dataset, options: &Options, progress: Option<&Progress>) -> Result<Summary> {
    check_target(&options.out, options.force)?;
    let mut summary = Summary::new(options.format, &options.out);
    let samples = collect(dataset, options, true, &mut summary)?;
    refuse_empty(&samples, &summary)?;
    let staged = Staged::dir(&options.out)?;
    for split in [Split::Train, Split::Test] {
        let mut shards = Shards { dir: &staged.tmp, split, index: 0, bytes: 0, builder: None };
        for sample in samples.iter().filter(|s| s.split == split) {
            let data = read_blob(dataset, &sample.file)?;
            let json = serde_json::to_vec_pretty(&sample.record(sample.file_name())).map_err(to_io)?;
            let caption = sample.caption.as_ref().map(|(text, _)| text.as_bytes().to_vec());
            let size = data.len() + json.len() + caption.as_ref().map_or(0, Vec::len) + 3 * 1024;
            let tar = shards.for_sample(size as u64, options.shard_bytes, &mut summary)?;
            let key = &sample.item.id;
            append(tar, &format!("{key}.{}", sample.ext), &data)?;
            append(tar, &format!("{key}.json"), &json)?;
            summary.files += 2;
            summary.bytes += (data.len() + json.len()) as u64;
            if let Some(caption) = caption {
                append(tar, &format!("{key}.txt"), &caption)?;
                summary.files += 1;
                summary.bytes += caption.len() as u64;
            }
            summary.items += 1;
            report(progress, summary.items, samples.len());
        }
        shards.finish()?;
    }
    write_attribution(&staged.tmp, &samples)?;
    staged.commit()?;
    Ok(summary)
}

/// The shards of one split being written.
struct Shards<'a> {
    dir: &'a Path,
    split: Split,
    index: usize,
    bytes: u64,
    builder: Option<tar::Builder<BufWriter<File>>>,
}

impl Shards<'_> {
    /// The shard the next sample of `size` bytes goes in: the open one while it stays under `limit`.
    fn for_sample(
        &mut self,
        size: u64,
        limit: u64,
        summary: &mut Summary,
    ) -> Result<&mut tar::Builder<BufWriter<File>>> {
        if self.builder.is_some() && self.bytes + size > limit {
            self.finish()?;
            self.index += 1;
        }
        if self.builder.is_none() {
            let path = self.dir.join(format!("{}-{:06}.tar", self.split.name(), self.index));
            let file = File::create(&path).map_err(ExportError::io("creating", &path))?;
            self.builder = Some(tar::Builder::new(BufWriter::new(file)));
            self.bytes = 0;
            summary.files += 1;
        }
        self.bytes += size;
        self.builder.as_mut().ok_or_else(|| ExportError::Refused("no open shard".into()))
    }

    fn finish(&mut self) -> Result<()> {
        if let Some(builder) = self.builder.take() {
            let mut writer = builder.into_inner().map_err(to_io)?;
            writer.flush().map_err(to_io)?;
            writer.get_ref().sync_all().map_err(to_io)?;
        }
        Ok(())
    }
}

/// One tar member with fixed ownership, mode and time, so the same dataset gives the same bytes.
fn append(tar: &mut tar::Builder<BufWriter<File>>, name: &str, data: &[u8]) -> Result<()> {
    let mut header = tar::Header::new_gnu();
    header.set_size(data.len() as u64);
    header.set_mode(0o644);
    header.set_mtime(0);
    header.set_entry_type(tar::EntryType::Regular);
    tar.append_data(&mut header, name, data).map_err(to_io)
}

/// `hf-imagefolder`: `{split}/{id}.{ext}` and `{split}/metadata.jsonl`, images only (an SVG item is left out:
/// `datasets` decodes images with PIL, which reads no SVG).
pub fn write_imagefolder(dataset: &Dataset, options: &Options, progress: Option<&Progress>) -> Result<Summary> {
    check_target(&options.out, options.force)?;
    let mut summary = Summary::new(options.format, &options.out);
    let samples = collect(dataset, options, false, &mut summary)?;
    refuse_empty(&samples, &summary)?;
    let staged = Staged::dir(&options.out)?;
    for split in [Split::Train, Split::Test] {
        let members: Vec<&Sample> = samples.iter().filter(|s| s.split == split).collect();
        if members.is_empty() {
            continue;
        }
        let folder = staged.tmp.join(split.name());
        std::fs::create_dir(&folder).map_err(ExportError::io("creating", &folder))?;
        let metadata_path = folder.join("metadata.jsonl");
        let metadata = File::create(&metadata_path).map_err(ExportError::io("creating", &metadata_path))?;
        let mut metadata = BufWriter::new(metadata);
        for sample in members {
            let name = sample.file_name();
            let target = folder.join(&name);
            let copied = std::fs::copy(dataset.blob_path(&sample.file.sha256), &target)
                .map_err(ExportError::io("copying into", &target))?;
            serde_json::to_writer(&mut metadata, &sample.record(name)).map_err(to_io)?;
            metadata.write_all(b"\n").map_err(ExportError::io("writing", &metadata_path))?;
            summary.items += 1;
            summary.files += 1;
            summary.bytes += copied;
            report(progress, summary.items, samples.len());
        }
        metadata.flush().map_err(ExportError::io("writing", &metadata_path))?;
        summary.files += 1;
    }
    write_attribution(&staged.tmp, &samples)?;
    staged.commit()?;
    Ok(summary)
}

/// The kept images by style (their category); an item without one is left out with the reason.
fn by_style(dataset: &Dataset, options: &Options, summary: &mut Summary) -> Result<BTreeMap<String, Vec<Sample>>> {
    let mut styles: BTreeMap<String, Vec<Sample>> = BTreeMap::new();
    for sample in collect(dataset, options, false, summary)? {
        match sample.item.category.clone().filter(|c| !c.trim().is_empty()) {
            Some(style) => styles.entry(style).or_default().push(sample),
            None => summary.skip(&sample.item.id, "no category, which names the style: import with --category"),
        }
    }
    Ok(styles)
}

/// A sample's image as RGB for a trainer that opens it with PIL ([`crate::image::rgb_for_training`]), or None
/// (the item left out with the reason) when it does not decode.
fn training_image(
    dataset: &Dataset,
    sample: &Sample,
    summary: &mut Summary,
) -> Result<Option<(Vec<u8>, &'static str)>> {
    let data = read_blob(dataset, &sample.file)?;
    match crate::image::rgb_for_training(&data) {
        // An RGB JPEG goes out as it was read, without a copy.
        Ok((std::borrow::Cow::Borrowed(_), ext)) => Ok(Some((data, ext))),
        Ok((std::borrow::Cow::Owned(rgb), ext)) => Ok(Some((rgb, ext))),
        Err(e) => {
            summary.skip(&sample.item.id, format!("the image does not decode: {e}"));
            Ok(None)
        }
    }
}

/// One style of a textual-inversion export, as `concepts.json` lists it.
#[derive(Debug, Serialize)]
struct Concept {
    style: String,
    folder: String,
    placeholder_token: String,
    initializer_token: String,
    learnable_property: &'static str,
    images: usize,
    /// The training command for diffusers' examples/textual_inversion/textual_inversion.py.
    train: String,
}

/// `textual-inversion`: `{style}/{id}.{png|jpg}` (RGB only, nothing else in the folder) per category with at least
/// `options.min_per_style` images, and `concepts.json`. Every kept image goes in; the split does not apply.
pub fn write_textual_inversion(dataset: &Dataset, options: &Options, progress: Option<&Progress>) -> Result<Summary> {
    check_target(&options.out, options.force)?;
    let mut summary = Summary::new(options.format, &options.out);
    let mut styles = by_style(dataset, options, &mut summary)?;
    styles.retain(|style, samples| {
        if samples.len() >= options.min_per_style {
            return true;
        }
        for sample in samples.iter() {
            summary.skip(
                &sample.item.id,
                format!(
                    "style `{style}` has {} image(s), fewer than --min-per-style {}",
                    samples.len(),
                    options.min_per_style
                ),
            );
        }
        false
    });
    let total: usize = styles.values().map(Vec::len).sum();
    if total == 0 {
        refuse_empty(&[], &summary)?;
    }
    let staged = Staged::dir(&options.out)?;
    let mut concepts = Vec::new();
    let mut folders = std::collections::BTreeSet::new();
    let mut exported = Vec::new();
    for (style, samples) in styles {
        let folder = unique_folder(&style, &mut folders);
        let dir = staged.tmp.join(&folder);
        std::fs::create_dir(&dir).map_err(ExportError::io("creating", &dir))?;
        for sample in &samples {
            let Some((rgb, ext)) = training_image(dataset, sample, &mut summary)? else { continue };
            let target = dir.join(format!("{}.{ext}", sample.item.id));
            std::fs::write(&target, &rgb).map_err(ExportError::io("writing", &target))?;
            summary.items += 1;
            summary.files += 1;
            summary.bytes += rgb.len() as u64;
            report(progress, summary.items, total);
            let mut sample = sample.clone();
            sample.ext = ext;
            exported.push((folder.clone(), sample));
        }
        let images = exported.iter().filter(|(f, _)| *f == folder).count();
        let placeholder = format!("<{folder}>");
        concepts.push(Concept {
            train: format!(
                "accelerate launch textual_inversion.py --pretrained_model_name_or_path stable-diffusion-v1-5/stable-diffusion-v1-5 \
                 --train_data_dir {folder} --learnable_property style --placeholder_token \"{placeholder}\" \
                 --initializer_token {} --resolution 512 --train_batch_size 1 --gradient_accumulation_steps 4 \
                 --max_train_steps 3000 --learning_rate 5e-4 --scale_lr --output_dir ti-{folder}",
                options.initializer_token
            ),
            style,
            folder,
            placeholder_token: placeholder,
            initializer_token: options.initializer_token.clone(),
            learnable_property: "style",
            images,
        });
    }
    let concepts_path = staged.tmp.join("concepts.json");
    let json = serde_json::to_vec_pretty(&concepts).map_err(to_io)?;
    std::fs::write(&concepts_path, json).map_err(ExportError::io("writing", &concepts_path))?;
    // Attribution beside the style folders, never inside one: the trainer opens every file in a style folder.
    let samples: Vec<Sample> = exported.into_iter().map(|(_, sample)| sample).collect();
    write_attribution(&staged.tmp, &samples)?;
    staged.commit()?;
    Ok(summary)
}

/// One image of a DreamStyler export, as `dreamstyler.json` lists it.
#[derive(Debug, Serialize)]
struct StyleImage {
    style: String,
    image: String,
    context_prompt: String,
    placeholder_token: String,
    train: String,
}

/// A caption as DreamStyler's context prompt: capitalised, without a final full stop, ending `in the style of {}`;
/// without a caption, the style alone.
pub fn context_prompt(caption: Option<&str>) -> String {
    let caption = caption.map(|c| c.trim().trim_end_matches('.').trim()).filter(|c| !c.is_empty());
    match caption {
        Some(text) => {
            let mut chars = text.chars();
            let first = chars.next().map(|c| c.to_uppercase().collect::<String>()).unwrap_or_default();
            format!("{first}{} in the style of {{}}", chars.as_str())
        }
        None => "A painting in the style of {}".to_string(),
    }
}

/// `dreamstyler`: `{style}/images/{NN}.{png|jpg}` (RGB) with `{style}/images/prompt_blip2.txt`, and
/// `dreamstyler.json`. Every kept image of a categorised item goes in; an image without a caption gets the style
/// alone as its context prompt (warned about).
pub fn write_dreamstyler(dataset: &Dataset, options: &Options, progress: Option<&Progress>) -> Result<Summary> {
    check_target(&options.out, options.force)?;
    let mut summary = Summary::new(options.format, &options.out);
    let styles = by_style(dataset, options, &mut summary)?;
    let total: usize = styles.values().map(Vec::len).sum();
    if total == 0 {
        refuse_empty(&[], &summary)?;
    }
    let staged = Staged::dir(&options.out)?;
    let (mut listed, mut folders, mut exported) = (Vec::new(), std::collections::BTreeSet::new(), Vec::new());
    for (style, samples) in styles {
        let folder = unique_folder(&style, &mut folders);
        let images = staged.tmp.join(&folder).join("images");
        std::fs::create_dir_all(&images).map_err(ExportError::io("creating", &images))?;
        let mut prompts = String::new();
        for sample in samples {
            let Some((rgb, ext)) = training_image(dataset, &sample, &mut summary)? else { continue };
            let number = listed.iter().filter(|i: &&StyleImage| i.style == style).count() + 1;
            let name = format!("{number:02}.{ext}");
            let target = images.join(&name);
            std::fs::write(&target, &rgb).map_err(ExportError::io("writing", &target))?;
            let caption = sample.caption.as_ref().map(|(text, _)| text.as_str());
            if caption.is_none() {
                summary
                    .warnings
                    .push(format!("item {} has no caption: its context prompt names the style alone", sample.item.id));
            }
            let prompt = context_prompt(caption);
            prompts.push_str(&format!("{name}, {}\n", prompt.replace(['\n', '\r'], " ")));
            let placeholder = format!("<{folder}-{number:02}>");
            listed.push(StyleImage {
                train: format!(
                    "accelerate launch dreamstyler/train.py --num_stages 6 --train_image_path \"{folder}/images/{name}\" \
                     --context_prompt \"{}\" --placeholder_token \"{placeholder}\" --output_dir \"outputs/{folder}-{number:02}\" \
                     --learnable_property style --initializer_token {} \
                     --pretrained_model_name_or_path stable-diffusion-v1-5/stable-diffusion-v1-5 --resolution 512 \
                     --train_batch_size 8 --max_train_steps 500 --learning_rate 0.002 --lr_scheduler constant --lr_warmup_steps 0",
                    prompt.replace('"', "'"),
                    options.initializer_token
                ),
                style: style.clone(),
                image: format!("{folder}/images/{name}"),
                context_prompt: prompt,
                placeholder_token: placeholder,
            });
            summary.items += 1;
            summary.files += 1;
            summary.bytes += rgb.len() as u64;
            report(progress, summary.items, total);
            let mut sample = sample;
            sample.ext = ext;
            exported.push(sample);
        }
        let prompts_path = images.join("prompt_blip2.txt");
        std::fs::write(&prompts_path, prompts).map_err(ExportError::io("writing", &prompts_path))?;
        summary.files += 1;
    }
    let list_path = staged.tmp.join("dreamstyler.json");
    let json = serde_json::to_vec_pretty(&listed).map_err(to_io)?;
    std::fs::write(&list_path, json).map_err(ExportError::io("writing", &list_path))?;
    write_attribution(&staged.tmp, &exported)?;
    staged.commit()?;
    Ok(summary)
}

/// A folder (and token) name for a style: ASCII letters, digits and `-`, lowercase, unique among `taken`.
fn unique_folder(style: &str, taken: &mut std::collections::BTreeSet<String>) -> String {
    let mut slug: String = style
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    slug.truncate(60);
    if slug.is_empty() {
        slug = "style".into();
    }
    let mut candidate = slug.clone();
    let mut n = 2;
    while !taken.insert(candidate.clone()) {
        candidate = format!("{slug}-{n}");
        n += 1;
    }
    candidate
}

fn refuse_empty(samples: &[Sample], summary: &Summary) -> Result<()> {
    if !samples.is_empty() {
        return Ok(());
    }
    let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
    for skipped in &summary.skipped {
        *reasons.entry(skipped.reason.as_str()).or_default() += 1;
    }
    let why: Vec<String> = reasons.iter().map(|(reason, n)| format!("{n} × {reason}")).collect();
    Err(ExportError::Refused(format!(
        "no item to export{}",
        if why.is_empty() { ": the dataset is empty".to_string() } else { format!(": {}", why.join(", ")) }
    )))
}

fn read_blob(dataset: &Dataset, file: &FileInfo) -> Result<Vec<u8>> {
    let path = dataset.blob_path(&file.sha256);
    std::fs::read(&path).map_err(ExportError::io("reading", &path))
}

fn to_io(error: impl std::fmt::Display) -> ExportError {
    ExportError::Refused(format!("writing the export failed: {error}"))
}

fn report(progress: Option<&Progress>, done: u64, total: usize) {
    if let Some(progress) = progress {
        progress.update(done, Some(total as u64), "items exported");
    }
}

/// `ATTRIBUTION.md` (for people) and `attribution.json` (for tools): every exported item's licence, author and
/// source, by licence.
fn write_attribution(dir: &Path, samples: &[Sample]) -> Result<()> {
    let records: Vec<Record<'_>> = samples.iter().map(|s| s.record(s.file_name())).collect();
    let json_path = dir.join("attribution.json");
    let json = serde_json::to_vec_pretty(&records).map_err(to_io)?;
    std::fs::write(&json_path, json).map_err(ExportError::io("writing", &json_path))?;

    let cell = |text: Option<&str>| text.unwrap_or("unknown").replace('|', "\\|").replace(['\n', '\r'], " ");
    let mut by_licence: BTreeMap<String, Vec<&Record<'_>>> = BTreeMap::new();
    for record in &records {
        by_licence.entry(cell(record.licence)).or_default().push(record);
    }
    let mut text = format!(
        "# Attribution\n\n{} items, from the sources below under the licences named. Credit each author as the \
         licence asks; the source link is where the item was taken from.\n",
        records.len()
    );
    for (licence, records) in by_licence {
        text.push_str(&format!(
            "\n## {licence} ({} items)\n\n| file | title | author | source |\n| --- | --- | --- | --- |\n",
            records.len()
        ));
        for record in records {
            text.push_str(&format!(
                "| {}/{} | {} | {} | <{}> |\n",
                record.split.name(),
                record.file_name,
                cell(record.title),
                cell(record.author),
                record.source_url.replace(['<', '>', '\n', '\r'], "")
            ));
        }
    }
    let md_path = dir.join("ATTRIBUTION.md");
    std::fs::write(&md_path, text).map_err(ExportError::io("writing", &md_path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn licences_that_forbid_training_or_are_unknown_are_named() {
        for free in ["CC0-1.0", "CC-BY-4.0", "CC-BY-SA-4.0", "MIT", "Public Domain Mark 1.0", "Apache-2.0"] {
            assert_eq!(licence_problem(Some(free)), None, "{free}");
        }
        assert_eq!(licence_problem(None), Some("licence unknown"));
        assert_eq!(licence_problem(Some("  ")), Some("licence unknown"));
        assert!(licence_problem(Some("CC-BY-NC-ND-4.0")).unwrap().contains("no derivatives"));
        assert!(licence_problem(Some("CC-BY-4.0; NoAI")).unwrap().contains("NoAI"));
        assert_eq!(licence_problem(Some("All rights reserved (shop images)")), Some("all rights reserved"));
    }

    #[test]
    fn captions_become_dreamstyler_context_prompts() {
        assert_eq!(
            context_prompt(Some("a painting of pears and apples on a cloth.")),
            "A painting of pears and apples on a cloth in the style of {}"
        );
        assert_eq!(context_prompt(Some("  ")), "A painting in the style of {}");
        assert_eq!(context_prompt(None), "A painting in the style of {}");
    }

    #[test]
    fn style_folders_are_plain_unique_names() {
        let mut taken = std::collections::BTreeSet::new();
        assert_eq!(unique_folder("Impressionism", &mut taken), "impressionism");
        assert_eq!(unique_folder("impressionism!", &mut taken), "impressionism-2");
        assert_eq!(unique_folder("../../Ukiyo-e 浮世絵", &mut taken), "ukiyo-e");
        assert_eq!(unique_folder("浮世絵", &mut taken), "style");
    }

    #[test]
    fn usable_files_come_from_the_allow_list() {
        assert_eq!(usable_ext("photo.JPG", false), Some("jpg"));
        assert_eq!(usable_ext("logo.svg", false), None);
        assert_eq!(usable_ext("logo.svg", true), Some("svg"));
        assert_eq!(usable_ext("../../etc/passwd", true), None);
    }
}
