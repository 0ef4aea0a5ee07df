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
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use rayon::prelude::*;
use serde::Serialize;
use serde_json::json;

use crate::budget::{Cost, Meter, Work, WorkLimits};
use crate::cli::RenderArgs;
use crate::mesh::{self, Limits};
use crate::progress::Progress;
use crate::render::{self, Normalised, View, ViewSet, camera};
use crate::store::{Dataset, Item, NewFile, NewItem};

/// Most random views per model.
const MAX_VIEWS: u32 = 1000;
/// Views of a model drawn, then stored, together: their PNGs are held until they are stored.
const BATCH: usize = 16;

/// The host-work limits of the command. Models come from crawls, so reading one is held to the caps a plugin's
/// `mesh.facts` is; each view is a host call of its own under the same caps. The user chooses how many views
/// and how large, so there is no budget over all of them, and the frame buffers of a batch at the chosen size
/// come on top of the per-call memory cap (the process-wide pool still bounds them all).
fn work_limits(args: &RenderArgs) -> WorkLimits {
    let defaults = WorkLimits::default();
    let frames = render::cost::frame_bytes(args.size) * args.jobs.clamp(1, BATCH) as u64
        + render::cost::png_bytes(args.size) * BATCH as u64;
    WorkLimits { plugin_work: u64::MAX, call_bytes: defaults.call_bytes.saturating_add(frames), ..defaults }
}

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
    let meter = Meter::new(work_limits(args));
    let started = Instant::now();
    let outcomes: Vec<Outcome> = pool.install(|| {
        models
            .par_iter()
            .map(|item| {
                let outcome = render_model(&dataset, item, args, &limits, &meter);
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
            // Titles and the file names inside errors come from crawlers: escaped.
            let title = crate::plugin_text::line(e.title.as_deref().unwrap_or("untitled"));
            eprintln!("model {} ({title}): {}", e.item, crate::plugin_text::text(&e.error));
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

fn render_model(dataset: &Dataset, item: &Item, args: &RenderArgs, limits: &Limits, meter: &Arc<Meter>) -> Outcome {
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
    // One host call for the model: reading and normalising it, and the memory its batches of views hold.
    let mut work = meter.start(format!("the model of item `{}`", item.id));
    let normalised = match prepare(dataset, item, limits, &missing, args, &mut work) {
        Ok(normalised) => normalised,
        Err((kind, error)) => return failed(kind, error),
    };
    let mut created = 0;
    for batch in missing.chunks(BATCH) {
        let drawn: Result<Vec<NewItem>, render::RenderError> = batch
            .par_iter()
            .map(|view| {
                // Each view is a host call of its own: charged, and given up past the time limit.
                let mut view_work =
                    meter.start(format!("view {} {:03} of item `{}`", view.set.as_str(), view.index, item.id));
                let cost = render::cost::view(&normalised, view, args.size);
                view_work.charge(Cost::work(cost.work)).map_err(|e| render::RenderError::Limit(e.to_string()))?;
                render_item(item, &normalised, view, args, &view_work)
            })
            .collect();
        let items = match drawn {
            Ok(items) => items,
            Err(e @ render::RenderError::Limit(_)) => return failed("too-large", e.to_string()),
            Err(e) => return failed("render", e.to_string()),
        };
        match dataset.put_items(None, &items) {
            Ok(outcomes) => {
                for outcome in outcomes {
                    match outcome {
                        Ok(o) if o.created => created += 1,
                        Ok(_) => {}
                        Err(e) => return failed("store", e.to_string()),
                    }
                }
            }
            Err(e) => return failed("store", e.to_string()),
        }
    }
    drop(work);
    Outcome::Rendered(created)
}

/// The model read and normalised, every stage charged to `work` first, with the memory of a batch of views
/// reserved and every view's cost checked against the per-call cap before any is drawn. Err: (kind, message).
fn prepare(
    dataset: &Dataset,
    item: &Item,
    limits: &Limits,
    views: &[View],
    args: &RenderArgs,
    work: &mut Work,
) -> Result<Normalised, (&'static str, String)> {
    let too_large = |e: crate::budget::WorkError| ("too-large", format!("too large: {e}"));
    let scene = mesh::item_bundle_with(dataset, item, limits, work)
        .and_then(|bundle| mesh::load_with(&bundle, limits, work))
        .map_err(|e| (e.kind(), e.to_string()))?;
    work.charge(render::cost::normalise(scene.vertex_count() as u64, scene.face_count() as u64)).map_err(too_large)?;
    let normalised = Normalised::new(&scene).map_err(|e| ("no-faces", e.to_string()))?;
    drop(scene);
    let batch = views.len().min(BATCH) as u64;
    let parallel = batch.min(args.jobs.max(1) as u64);
    let held = render::cost::frame_bytes(args.size) * parallel + render::cost::png_bytes(args.size) * batch;
    work.charge(Cost::new(0, held)).map_err(too_large)?;
    let limit = work_limits(args).call_work;
    if let Some(worst) = views.iter().map(|v| render::cost::view(&normalised, v, args.size).work).max()
        && worst > limit
    {
        return Err((
            "too-large",
            format!(
                "too large: drawing a view of {} triangles would take about {:.1} s of host work; the host's limit \
                 per call is {:.1} s",
                normalised.triangles,
                worst as f64 / crate::budget::UNITS_PER_SECOND as f64,
                limit as f64 / crate::budget::UNITS_PER_SECOND as f64
            ),
        ));
    }
    Ok(normalised)
}

fn render_item(
    model: &Item,
    scene: &Normalised,
    view: &View,
    args: &RenderArgs,
    work: &Work,
) -> Result<NewItem, render::RenderError> {
    let png = render::render_png_with(scene, view, args.size, work)?;
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
    // Cut so the view's title stays within the store's title limit whatever the model's title.
    let title = crate::plugin_text::cap(model.title.as_deref().unwrap_or(&model.id), 1024);
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
