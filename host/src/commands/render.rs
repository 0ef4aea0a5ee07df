//! `aigc-host render DIR`: draws every model item of a dataset from Zero123's random cameras (and, with `--rings`,
//! One-2-3-45's evaluation rings) and stores each view as an item of its own.
//!
//! The render item contract (exports read it):
//! - `parent` = the model item's id; `category` = the model's; provenance = the model's (a render carries the
//!   model's licence and author);
//! - `source_key` = `render:<model-id>:<set>:<NNN>`, set `random`, `ring30` or `ring0`, NNN the view index;
//! - one file `view.png` (RGBA PNG, transparent background);
//! - metadata `{"set", "view", "seed", "size", "camera": {"rt", "k", "fov_deg", "radius", "elevation_deg",
//!   "azimuth_deg"}}`, `rt` the 3x4 world->camera matrix in Blender's convention (see [`crate::render::camera`]).
//!
//! Views whose source key is stored are not drawn again, so a run can be stopped and resumed; the store never
//! replaces an item, so views already stored stay as they are.

use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use rayon::prelude::*;
use serde::Serialize;
use serde_json::json;

use crate::cli::RenderArgs;
use crate::mesh::{self, Limits};
use crate::progress::Progress;
use crate::render::{self, Normalised, View, ViewSet, camera};
use crate::store::{Dataset, Item, NewFile, NewItem};

/// Most random views per model.
const MAX_VIEWS: u32 = 1000;

#[derive(Debug, Serialize)]
struct Summary {
    dataset: String,
    /// Model items considered.
    models: u64,
    /// Models that got new views in this run.
    rendered: u64,
    /// Models whose views were all stored already.
    skipped: u64,
    /// Views stored in this run.
    views: u64,
    failed: u64,
    seconds: f64,
    views_per_second: f64,
    errors: Vec<ModelError>,
}

#[derive(Debug, Serialize)]
struct ModelError {
    item: String,
    title: Option<String>,
    /// A short stable word: truncated, malformed, missing-file, unsupported, too-large, no-model, no-faces, ...
    kind: String,
    error: String,
}

enum Outcome {
    Skipped,
    Rendered(u64),
    Failed(ModelError),
}

pub fn render(args: &RenderArgs, quiet: bool) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(args.views <= MAX_VIEWS, "--views {} is more than {MAX_VIEWS}", args.views);
    anyhow::ensure!((16..=4096).contains(&args.size), "--size {} is outside 16..=4096", args.size);
    let dataset = Dataset::open(&args.dataset)?;
    let models = model_items(&dataset, args.category.as_deref())?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.jobs.max(1))
        .build()
        .context("cannot start the render threads")?;
    let progress = Progress::for_terminal("render", quiet || args.output.json);
    if let Some(bar) = &progress {
        bar.update(0, Some(models.len() as u64), "");
    }
    let limits = Limits::default();
    let started = Instant::now();
    let outcomes: Vec<Outcome> = pool.install(|| {
        models
            .par_iter()
            .map(|item| {
                let outcome = render_model(&dataset, item, args, &limits);
                if let Some(bar) = &progress {
                    bar.inc(1);
                }
                outcome
            })
            .collect()
    });
    if let Some(bar) = &progress {
        bar.finish();
    }
    let seconds = started.elapsed().as_secs_f64();
    let mut summary = Summary {
        dataset: args.dataset.display().to_string(),
        models: models.len() as u64,
        rendered: 0,
        skipped: 0,
        views: 0,
        failed: 0,
        seconds,
        views_per_second: 0.0,
        errors: Vec::new(),
    };
    for outcome in outcomes {
        match outcome {
            Outcome::Skipped => summary.skipped += 1,
            Outcome::Rendered(views) => {
                summary.rendered += 1;
                summary.views += views;
            }
            Outcome::Failed(error) => {
                summary.failed += 1;
                summary.errors.push(error);
            }
        }
    }
    summary.views_per_second = if seconds > 0.0 { summary.views as f64 / seconds } else { 0.0 };
    if args.output.json {
        super::print_json(&summary)?;
    } else {
        for e in &summary.errors {
            eprintln!("model {} ({}): {}", e.item, e.title.as_deref().unwrap_or("untitled"), e.error);
        }
        eprintln!(
            "rendered {} views of {} models in {:.1}s ({:.1} views/s); {} already rendered, {} failed",
            summary.views, summary.rendered, seconds, summary.views_per_second, summary.skipped, summary.failed
        );
    }
    Ok(super::exit(summary.failed == 0))
}

/// Every item holding a model, in id order.
fn model_items(dataset: &Dataset, category: Option<&str>) -> anyhow::Result<Vec<Item>> {
    let mut models = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = dataset.items(category, after.as_deref(), 1000)?;
        let Some(last) = page.last() else { break };
        after = Some(last.id.clone());
        models.extend(page.into_iter().filter(mesh::is_model_item));
    }
    Ok(models)
}

/// The views `args` asks for of one model.
pub fn wanted_views(model_id: &str, args: &RenderArgs) -> Vec<View> {
    let mut views = render::random_views(args.views, camera::model_seed(args.seed, model_id));
    if args.rings {
        views.extend(render::ring_views(ViewSet::Ring30));
        views.extend(render::ring_views(ViewSet::Ring0));
    }
    views
}

/// The source key of a view of a model: `render:<model-id>:<set>:<NNN>`.
pub fn source_key(model_id: &str, view: &View) -> String {
    format!("render:{model_id}:{}:{:03}", view.set.as_str(), view.index)
}

fn render_model(dataset: &Dataset, item: &Item, args: &RenderArgs, limits: &Limits) -> Outcome {
    let failed = |kind: &str, error: String| {
        Outcome::Failed(ModelError { item: item.id.clone(), title: item.title.clone(), kind: kind.to_string(), error })
    };
    let mut missing = Vec::new();
    for view in wanted_views(&item.id, args) {
        match dataset.seen(&source_key(&item.id, &view)) {
            Ok(Some(_)) => {}
            Ok(None) => missing.push(view),
            Err(e) => return failed("store", e.to_string()),
        }
    }
    if missing.is_empty() {
        return Outcome::Skipped;
    }
    let scene = match mesh::item_bundle(dataset, item, limits).and_then(|bundle| mesh::load(&bundle, limits)) {
        Ok(scene) => scene,
        Err(e) => return failed(e.kind(), e.to_string()),
    };
    let normalised = match Normalised::new(&scene) {
        Ok(n) => n,
        Err(e) => return failed("no-faces", e.to_string()),
    };
    drop(scene);
    let drawn: Result<Vec<NewItem>, render::RenderError> =
        missing.par_iter().map(|view| render_item(item, &normalised, view, args)).collect();
    let items = match drawn {
        Ok(items) => items,
        Err(e) => return failed("render", e.to_string()),
    };
    match dataset.put_items(None, &items) {
        Ok(outcomes) => {
            let mut created = 0;
            for outcome in outcomes {
                match outcome {
                    Ok(o) if o.created => created += 1,
                    Ok(_) => {}
                    Err(e) => return failed("store", e.to_string()),
                }
            }
            Outcome::Rendered(created)
        }
        Err(e) => failed("store", e.to_string()),
    }
}

fn render_item(
    model: &Item,
    scene: &Normalised,
    view: &View,
    args: &RenderArgs,
) -> Result<NewItem, render::RenderError> {
    let png = render::render_png(scene, view, args.size)?;
    let metadata = json!({
        "set": view.set.as_str(),
        "view": view.index,
        "seed": args.seed,
        "size": args.size,
        "camera": {
            "rt": view.rt(),
            "k": render::intrinsics(args.size),
            "fov_deg": camera::fov_deg(),
            "radius": view.radius,
            "elevation_deg": view.elevation_deg,
            "azimuth_deg": view.azimuth_deg,
        },
    });
    let title = model.title.as_deref().unwrap_or(&model.id);
    Ok(NewItem {
        source_key: source_key(&model.id, view),
        category: model.category.clone(),
        title: Some(format!("{title} ({} view {:03})", view.set.as_str(), view.index)),
        provenance: model.provenance.clone(),
        metadata: metadata.to_string(),
        files: vec![NewFile { name: "view.png".into(), media_type: "image/png".into(), data: png }],
        parent: Some(model.id.clone()),
    })
}
