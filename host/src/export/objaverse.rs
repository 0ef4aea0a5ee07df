//! Metadata keyed by uid, shaped like Objaverse's annotations (`objaverse.load_annotations()`), so scripts
//! written for Objaverse can filter by licence, counts and tags:
//!
//! ```text
//! <out>/metadata.json            {"<uid>": {"uid", "name", "uri", "license", "licenseUrl", "user", ...}, ...}
//! <out>/models/<uid>.<ext>       with --with-files: the model file
//! ```
//!
//! Licences are the SPDX ids the crawlers record (`CC-BY-4.0`, `CC0-1.0`); `attribution` is a ready-made credit
//! line. Face and vertex counts are the source's where it reports them, else the host measures the model
//! (`countsFrom` says which). Models a rule dropped are left out.

use std::fs::{self, File};
use std::io::BufWriter;

use serde_json::{Map, Value, json};

use super::category::{COURSE, CategoryMap};
use super::output::{self, Staged};
use super::{Collection, ExportError, Model, Options, Result, Summary, copy_blob, extension};
use crate::mesh::{self, Limits};
use crate::progress::Progress;
use crate::store::Dataset;

pub fn write(
    dataset: &Dataset,
    collection: &Collection,
    options: &Options,
    progress: Option<&Progress>,
) -> Result<Summary> {
    if collection.models.is_empty() {
        return Err(ExportError::Refused(format!(
            "`{}` holds no 3D models (items with a .glb, .gltf, .zip, .obj, ... file); crawl or import some first",
            dataset.root().display()
        )));
    }
    let map = CategoryMap::new(&options.category_map)?;
    output::check_target(&options.out, options.force)?;
    let mut summary = Summary::new(options.format, &options.out);
    let staged = Staged::dir(&options.out)?;
    if options.with_files {
        let models = staged.tmp.join("models");
        fs::create_dir(&models).map_err(ExportError::io("creating", &models))?;
    }
    if let Some(bar) = progress {
        bar.update(0, Some(collection.models.len() as u64), "");
    }
    let mut all = Map::new();
    let mut unlicensed = 0;
    for model in &collection.models {
        if let Some(bar) = progress {
            bar.inc(1);
        }
        let id = &model.item.id;
        if let Some(reason) = model.dropped_because() {
            summary.skip(id, reason);
            continue;
        }
        let mut entry = annotation(model, collection, &map);
        if entry["faceCount"].is_null() || entry["vertexCount"].is_null() {
            measure(dataset, model, &mut entry);
        }
        if model.item.provenance.licence.is_none() {
            unlicensed += 1;
        }
        if options.with_files {
            let relative = format!("models/{id}.{}", extension(&model.file().name));
            let path = staged.tmp.join(&relative);
            let mut out = BufWriter::new(File::create(&path).map_err(ExportError::io("creating", &path))?);
            summary.bytes += copy_blob(dataset, model.file(), &mut out, &path)?;
            out.into_inner().map_err(|e| ExportError::Io {
                action: "writing",
                path: path.clone(),
                source: e.into_error(),
            })?;
            summary.files += 1;
            entry["archives"][extension(&model.file().name)]["path"] = Value::from(relative);
        }
        all.insert(id.clone(), entry);
        summary.items += 1;
    }
    if unlicensed > 0 {
        summary.warnings.push(format!(
            "{unlicensed} models have no licence recorded (`license` is null): check their terms before sharing them"
        ));
    }
    let path = staged.tmp.join("metadata.json");
    let json = serde_json::to_vec_pretty(&Value::Object(all))
        .map_err(|e| ExportError::Refused(format!("cannot write metadata.json: {e}")))?;
    fs::write(&path, &json).map_err(ExportError::io("writing", &path))?;
    summary.files += 1;
    summary.bytes += json.len() as u64;
    staged.commit()?;
    Ok(summary)
}

/// Counts the host measures itself (see [`crate::mesh::Facts`]) when the source did not report them; a model the
/// host cannot read keeps null counts and says why in `countsError`.
fn measure(dataset: &Dataset, model: &Model, entry: &mut Value) {
    let limits = Limits::default();
    match mesh::item_bundle(dataset, &model.item, &limits).and_then(|bundle| mesh::facts(&bundle, &limits)) {
        Ok(facts) => {
            entry["faceCount"] = Value::from(facts.faces);
            entry["vertexCount"] = Value::from(facts.vertices);
            entry["countsFrom"] = Value::from("aigc-host");
            entry["textured"] = Value::from(facts.textured);
            entry["animationCount"] = Value::from(facts.animations);
        }
        Err(error) => entry["countsError"] = Value::from(error.to_string()),
    }
}

/// One model's entry. Counts come from the source's own metadata (Sketchfab's `faceCount`, `vertexCount`) when
/// it has them, else from [`measure`].
fn annotation(model: &Model, collection: &Collection, map: &CategoryMap) -> Value {
    let item = &model.item;
    let p = &item.provenance;
    let file = model.file();
    let source: Value = serde_json::from_str(&item.metadata).unwrap_or(Value::Null);
    let count = |key: &str| source.get(key).and_then(Value::as_u64);
    let tags: Vec<Value> = source
        .get("tags")
        .and_then(Value::as_array)
        .map(|tags| {
            tags.iter()
                .filter_map(|t| t.as_str().or_else(|| t.get("name").and_then(Value::as_str)))
                .map(|name| json!({"name": name}))
                .collect()
        })
        .unwrap_or_default();
    let renders: Map<String, Value> = collection
        .renders
        .get(&item.id)
        .map(|sets| sets.iter().map(|(set, views)| (set.clone(), Value::from(views.len()))).collect())
        .unwrap_or_default();
    let name = item.title.clone().unwrap_or_else(|| item.id.clone());
    let attribution = match (&p.author, &p.licence) {
        (Some(author), Some(licence)) => format!("\"{name}\" by {author}, {licence}, {}", p.source_url),
        (None, Some(licence)) => format!("\"{name}\", {licence}, {}", p.source_url),
        (Some(author), None) => format!("\"{name}\" by {author}, licence unknown, {}", p.source_url),
        (None, None) => format!("\"{name}\", licence unknown, {}", p.source_url),
    };
    json!({
        "uid": item.id,
        "name": name,
        "uri": p.source_url,
        "viewerUrl": p.source_url,
        "source": item.source_key.split(':').next().unwrap_or(""),
        "sourceKey": item.source_key,
        "license": p.licence,
        "licenseUrl": p.licence_url,
        "user": {"displayName": p.author, "profileUrl": p.author_url},
        "attribution": attribution,
        "category": item.category,
        "courseCategory": map.course(item.category.as_deref()).map(|c| COURSE[c].1),
        "categories": item.category.iter().map(|c| json!({"name": c})).collect::<Vec<_>>(),
        "tags": tags,
        "faceCount": count("faceCount"),
        "vertexCount": count("vertexCount"),
        "countsFrom": (count("faceCount").is_some() && count("vertexCount").is_some()).then_some("source"),
        "archives": {extension(&file.name): {"size": file.size, "sha256": file.sha256, "mediaType": file.media_type}},
        "renders": renders,
        "status": model.status,
        "createdAt": item.created_at,
    })
}
