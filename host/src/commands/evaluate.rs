//! `aigc-host evaluate`: metric plugins over a generated set and a reference set. Each metric runs once, in a
//! sandbox with no network, no files and no dataset: it sees the two sets only through `evaluation` (names,
//! media, prompts, pairs) and asks the host for features, statistics and comparisons, which the host computes and
//! meters. The report names each score's convention as the plugin states it.

mod sets;

pub use sets::parse_media;

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use serde::Serialize;

use super::settings;
use crate::bindings::metric::MetricPre;
use crate::capabilities::evaluation::Sets;
use crate::capabilities::{Counters, RunContext, log::LogSink};
use crate::cli::EvaluateArgs;
use crate::manifest::Kind;
use crate::plugin_text;
use crate::runtime::{self, Runtime};

/// Most scores one metric may report, and most values in one score's per-item list.
const MAX_SCORES: usize = 200;
const MAX_PER_ITEM: usize = 2_000_000;
/// Host work a metric may have done per sample of the two sets, on top of `--host-work`: decoding, features and
/// comparisons grow with the sets.
const WORK_PER_SAMPLE_SECONDS: u64 = 1;

#[derive(Debug, Serialize)]
pub struct Score {
    pub name: String,
    /// None when the plugin reported a value that is not a finite number.
    pub value: Option<f64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub per_item: Vec<Option<f64>>,
    pub interval: Option<(f64, f64)>,
    pub higher_is_better: bool,
    pub convention: String,
}

#[derive(Debug, Serialize)]
pub struct MetricResult {
    pub metric: String,
    pub sha256: String,
    pub scores: Vec<Score>,
    pub error: Option<String>,
    /// The models the metric was lent: its manifest's name -> the registered model and how it was made, so a
    /// report says which network (Inception weights, LPIPS backbone) gave the numbers.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub models: std::collections::BTreeMap<String, ModelUsed>,
}

#[derive(Debug, Serialize)]
pub struct ModelUsed {
    pub registered: String,
    pub source: String,
}

/// The registered model behind each of a metric's model names.
fn models_used(
    grants: Option<&crate::capabilities::model::ModelGrants>,
) -> std::collections::BTreeMap<String, ModelUsed> {
    let Some(grants) = grants else { return Default::default() };
    grants
        .names
        .iter()
        .map(|(name, registered)| {
            let source = grants.engine.model(registered).map(|m| m.registered.spec.source.clone()).unwrap_or_default();
            (name.clone(), ModelUsed { registered: registered.clone(), source })
        })
        .collect()
}

#[derive(Debug, Serialize)]
pub struct SetSummary {
    pub folder: String,
    pub samples: usize,
    pub with_prompts: usize,
}

#[derive(Debug, Serialize)]
pub struct EvaluationReport {
    pub generated: SetSummary,
    pub reference: SetSummary,
    /// (generated name, reference name) of every pair, in the order per-item pair values follow.
    pub pairs: Vec<(String, String)>,
    pub metrics: Vec<MetricResult>,
    /// Per-item values stored as annotations on the generated dataset's items (0 when that side is a folder).
    pub stored_annotations: usize,
}

fn summary(folder: Option<&std::path::Path>, samples: &[crate::capabilities::evaluation::SampleFile]) -> SetSummary {
    SetSummary {
        folder: folder.map(|f| f.display().to_string()).unwrap_or_default(),
        samples: samples.len(),
        with_prompts: samples.iter().filter(|s| s.prompt.is_some()).count(),
    }
}

pub async fn evaluate(args: EvaluateArgs, quiet: bool) -> anyhow::Result<ExitCode> {
    let filter = sets::Filter { media: args.media, category: args.category.clone() };
    let mut evaluation = Sets {
        generated: sets::scan(&args.generated, "generated", &filter)?,
        reference: match &args.reference {
            Some(folder) => sets::scan(folder, "reference", &filter)?,
            None => Vec::new(),
        },
        pairs: Vec::new(),
        progress: crate::progress::Progress::for_terminal("evaluate", quiet || args.output.json),
    };
    evaluation.pairs = match &args.pairs {
        Some(path) => sets::read_pairs(path, &evaluation)?,
        None => sets::same_name_pairs(&evaluation),
    };
    if let Some(path) = &args.prompts {
        sets::read_prompts(path, &mut evaluation)?;
    }
    let samples = evaluation.generated.len() + evaluation.reference.len();
    let evaluation = Arc::new(evaluation);

    let mut limits = settings::limits(&args.limits)?;
    let allowance = std::time::Duration::from_secs(WORK_PER_SAMPLE_SECONDS.saturating_mul(samples as u64));
    limits.work.plugin_work =
        limits.work.plugin_work.saturating_add(u64::try_from(allowance.as_nanos()).unwrap_or(u64::MAX));
    // One host call may be the whole evaluation (the statistics of every feature), so it may use the whole
    // budget, and its wall-clock backstop grows with it.
    limits.work.call_work = limits.work.plugin_work;
    limits.work.call_time = limits.work.call_time.max(allowance);
    let runtime = Arc::new(Runtime::new()?);
    // A metric keeps several feature batches in flight (see `image-features`), so the model gets a worker per
    // core, each pass on one thread, as a run with as many jobs would.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let engine = settings::model_engine(&args.models, cores)?;
    let mut results = Vec::new();
    for path in &args.metrics {
        let plugin = settings::plugin_of_kind(path, Kind::Metric, "evaluate")?;
        let config = settings::config(&plugin, &args.set)?;
        let models = settings::model_grants(&plugin, &engine, &args.models)?;
        let used = models_used(models.as_deref());
        let component = runtime.compile(&plugin)?;
        let pre = runtime
            .linker(Kind::Metric)?
            .instantiate_pre(&component)
            .and_then(MetricPre::new)
            .map_err(|e| crate::runtime::link_error(&plugin, e))?;
        let ctx = Arc::new(RunContext {
            plugin: settings::plugin_info(&plugin),
            config,
            dataset: None,
            run_id: None,
            http: None,
            submission: None,
            models,
            log: LogSink::new(None),
            counters: Counters::default(),
            images: None,
            evaluation: Some(Arc::clone(&evaluation)),
        });
        tracing::info!(
            "evaluating with {} ({} + {} samples)",
            plugin.label(),
            evaluation.generated.len(),
            evaluation.reference.len()
        );
        let mut store = runtime.store(ctx, &limits);
        let outcome = match pre.instantiate_async(&mut store).await {
            Ok(instance) => runtime::call(&mut store, &limits, async |s| instance.call_evaluate(s).await).await,
            Err(e) => Err(runtime::failure(&store, e)),
        };
        let (scores, error) = match outcome {
            Ok(scores) if scores.len() > MAX_SCORES => {
                (Vec::new(), Some(format!("the metric reported {} scores; the limit is {MAX_SCORES}", scores.len())))
            }
            Ok(scores) => (scores.into_iter().map(sanitize).collect(), None),
            Err(failure) => (Vec::new(), Some(failure.to_string())),
        };
        results.push(MetricResult {
            metric: plugin.label(),
            sha256: plugin.sha256.clone(),
            scores,
            error,
            models: used,
        });
    }

    let names = |side: &[crate::capabilities::evaluation::SampleFile], i: u32| {
        side.get(i as usize).map(|s| s.name.clone()).unwrap_or_default()
    };
    let report = EvaluationReport {
        generated: summary(Some(&args.generated), &evaluation.generated),
        reference: summary(args.reference.as_deref(), &evaluation.reference),
        pairs: evaluation
            .pairs
            .iter()
            .map(|&(g, r)| (names(&evaluation.generated, g), names(&evaluation.reference, r)))
            .collect(),
        metrics: results,
        stored_annotations: 0,
    };
    let mut report = report;
    if args.generated.join(crate::store::MANIFEST).is_file() {
        report.stored_annotations = store_per_item(&args.generated, &evaluation, &report.metrics)?;
    }
    if let Some(path) = &args.html {
        std::fs::write(path, html(&report, &evaluation))
            .with_context(|| format!("cannot write `{}`", path.display()))?;
    }
    if let Some(progress) = &evaluation.progress {
        progress.finish();
    }
    if args.output.json {
        super::print_json(&report)?;
    } else {
        print_text(&report);
    }
    Ok(super::exit(report.metrics.iter().all(|m| m.error.is_none())))
}

/// A score held to the rules: bounded text, finite numbers or none, a bounded per-item list.
fn sanitize(score: crate::bindings::evaluation::Score) -> Score {
    let finite = |v: f64| v.is_finite().then_some(v);
    Score {
        name: plugin_text::cap_name(score.name),
        value: finite(score.value),
        per_item: score.per_item.into_iter().take(MAX_PER_ITEM).map(finite).collect(),
        interval: score.interval.filter(|(a, b)| a.is_finite() && b.is_finite()),
        higher_is_better: score.higher_is_better,
        convention: plugin_text::cap_message(score.convention),
    }
}

fn print_text(report: &EvaluationReport) {
    println!(
        "generated: {} samples ({}), reference: {} samples ({}), {} pairs",
        report.generated.samples,
        report.generated.folder,
        report.reference.samples,
        report.reference.folder,
        report.pairs.len()
    );
    if report.stored_annotations > 0 {
        println!(
            "stored {} per-item values as `{ANNOTATION_PREFIX}*` annotations in {}",
            report.stored_annotations, report.generated.folder
        );
    }
    for metric in &report.metrics {
        println!("{}", plugin_text::line(&metric.metric));
        if let Some(error) = &metric.error {
            println!("  error: {}", plugin_text::text(error));
        }
        for (name, used) in &metric.models {
            println!("  model `{name}`: {} ({})", used.registered, plugin_text::line(&used.source));
        }
        for score in &metric.scores {
            let value = score.value.map_or("not a number".to_string(), |v| format!("{v:.6}"));
            let interval = score.interval.map(|(a, b)| format!(" [{a:.6}, {b:.6}]")).unwrap_or_default();
            let better = if score.higher_is_better { "higher is better" } else { "lower is better" };
            println!("  {}: {value}{interval} ({better})", plugin_text::line(&score.name));
            println!("    {}", plugin_text::line(&score.convention));
        }
    }
}

/// A small self-contained HTML page: each metric's scores and conventions, and per-item values as a histogram.
fn html(report: &EvaluationReport, sets: &Sets) -> String {
    let escape = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
    let mut out = String::from(
        "<!doctype html><meta charset=utf-8><title>aigc-host evaluation</title><style>body{font:14px system-ui;\
         margin:2em;max-width:60em}td,th{padding:.2em .6em;text-align:left}.bar{background:#4a7;height:1em}\
         .convention{color:#555}figure{display:inline-block;margin:.3em;font-size:12px;text-align:center}\
         figure img{display:block;max-width:128px;max-height:128px;margin:auto}</style><h1>Evaluation</h1>",
    );
    out.push_str(&format!(
        "<p>Generated: {} samples ({}). Reference: {} samples ({}). {} pairs.</p>",
        report.generated.samples,
        escape(&report.generated.folder),
        report.reference.samples,
        escape(&report.reference.folder),
        report.pairs.len()
    ));
    let thumbnails = Thumbnails::default();
    for metric in &report.metrics {
        out.push_str(&format!("<h2>{}</h2>", escape(&metric.metric)));
        if let Some(error) = &metric.error {
            out.push_str(&format!("<p><b>Error:</b> {}</p>", escape(error)));
        }
        for (name, used) in &metric.models {
            out.push_str(&format!(
                "<p class=convention>Model <code>{}</code>: {} ({})</p>",
                escape(name),
                escape(&used.registered),
                escape(&used.source)
            ));
        }
        for score in &metric.scores {
            let value = score.value.map_or("not a number".to_string(), |v| format!("{v:.6}"));
            out.push_str(&format!(
                "<h3>{} = {value}</h3><p class=convention>{} ({})</p>",
                escape(&score.name),
                escape(&score.convention),
                if score.higher_is_better { "higher is better" } else { "lower is better" }
            ));
            out.push_str(&histogram(&score.per_item));
            out.push_str(&worst_items(score, sets, &escape, &thumbnails));
        }
    }
    out
}

/// The annotation key prefix of evaluation results (reserved: plugins cannot write it).
pub const ANNOTATION_PREFIX: &str = "metric:";

/// Stores each score's per-item values on the generated dataset's items, as annotations `metric:SCORE` by the
/// metric (`name@version`), value = the convention (and the reference sample, per pair), score = the value; a
/// later evaluation by the same metric replaces them. Returns how many were stored.
fn store_per_item(dataset: &std::path::Path, sets: &Sets, metrics: &[MetricResult]) -> anyhow::Result<usize> {
    let store = crate::store::Dataset::open(dataset)?;
    let item_of = |sample: usize| sets.generated.get(sample).and_then(|s| s.name.split('/').next()).map(str::to_string);
    let mut stored = 0;
    for metric in metrics.iter().filter(|m| m.error.is_none()) {
        for score in &metric.scores {
            let per_pair = !sets.pairs.is_empty() && score.per_item.len() == sets.pairs.len();
            if !per_pair && score.per_item.len() != sets.generated.len() {
                continue;
            }
            for (index, value) in score.per_item.iter().enumerate() {
                let Some(value) = value else { continue };
                let (sample, against) = if per_pair {
                    let (g, r) = sets.pairs[index];
                    (g as usize, sets.reference.get(r as usize).map(|s| s.name.as_str()))
                } else {
                    (index, None)
                };
                let Some(item) = item_of(sample) else { continue };
                let text = match against {
                    Some(reference) => format!("{} (against `{reference}`)", score.convention),
                    None => score.convention.clone(),
                };
                let annotation = crate::store::Annotation {
                    key: format!("{ANNOTATION_PREFIX}{}", score.name),
                    plugin: metric.metric.clone(),
                    value: plugin_text::cap_tail(&text, 4096).to_string(),
                    score: Some(*value),
                };
                store.put_annotation(&item, &annotation, None)?;
                stored += 1;
            }
        }
    }
    Ok(stored)
}

/// Thumbnails made once per sample, however many scores show it.
#[derive(Default)]
struct Thumbnails(std::cell::RefCell<std::collections::HashMap<std::path::PathBuf, Option<String>>>);

impl Thumbnails {
    fn of(&self, sample: &crate::capabilities::evaluation::SampleFile) -> Option<String> {
        let mut made = self.0.borrow_mut();
        made.entry(sample.path.clone()).or_insert_with(|| crate::runtime::HostState::thumbnail(sample, 128)).clone()
    }
}

/// How many of the worst items a report shows per score.
const WORST_SHOWN: usize = 6;

/// The worst items of a score with per-item values, with thumbnails: per pair when there is one value per pair,
/// else per generated sample when there is one per sample; nothing when the values follow neither.
fn worst_items(score: &Score, sets: &Sets, escape: &dyn Fn(&str) -> String, thumbnails: &Thumbnails) -> String {
    use crate::capabilities::evaluation::SampleFile;
    let items: Vec<Vec<&SampleFile>> = if !sets.pairs.is_empty() && score.per_item.len() == sets.pairs.len() {
        sets.pairs
            .iter()
            .map(|&(g, r)| {
                [sets.generated.get(g as usize), sets.reference.get(r as usize)].into_iter().flatten().collect()
            })
            .collect()
    } else if score.per_item.len() == sets.generated.len() {
        sets.generated.iter().map(|s| vec![s]).collect()
    } else {
        return String::new();
    };
    let mut ranked: Vec<(usize, f64)> =
        score.per_item.iter().enumerate().filter_map(|(i, v)| v.map(|v| (i, v))).collect();
    if ranked.len() < 2 {
        return String::new();
    }
    ranked.sort_by(|a, b| if score.higher_is_better { a.1.total_cmp(&b.1) } else { b.1.total_cmp(&a.1) });
    let mut out = format!("<p>Worst {}:</p><div>", ranked.len().min(WORST_SHOWN));
    for &(index, value) in ranked.iter().take(WORST_SHOWN) {
        out.push_str("<figure>");
        for sample in &items[index] {
            match thumbnails.of(sample) {
                Some(uri) => out.push_str(&format!("<img src=\"{uri}\" alt=\"{}\">", escape(&sample.name))),
                None => out.push_str("<div>(no preview)</div>"),
            }
        }
        let names: Vec<String> = items[index].iter().map(|s| escape(&s.name)).collect();
        out.push_str(&format!("<figcaption>{} = {value:.4}</figcaption></figure>", names.join(" vs ")));
    }
    out.push_str("</div>");
    out
}

/// Per-item values as a 20-bin histogram table.
fn histogram(values: &[Option<f64>]) -> String {
    let finite: Vec<f64> = values.iter().flatten().copied().collect();
    if finite.len() < 2 {
        return String::new();
    }
    let (low, high) = finite.iter().fold((f64::MAX, f64::MIN), |(l, h), &v| (l.min(v), h.max(v)));
    let bins = 20usize;
    let width = if high > low { (high - low) / bins as f64 } else { 1.0 };
    let mut counts = vec![0usize; bins];
    for v in &finite {
        let bin = (((v - low) / width) as usize).min(bins - 1);
        counts[bin] += 1;
    }
    let most = counts.iter().copied().max().unwrap_or(1).max(1);
    let mut out = String::from("<table><tr><th>from</th><th>count</th><th></th></tr>");
    for (i, count) in counts.iter().enumerate() {
        out.push_str(&format!(
            "<tr><td>{:.4}</td><td>{count}</td><td><div class=bar style=\"width:{}em\"></div></td></tr>",
            low + width * i as f64,
            20.0 * *count as f64 / most as f64
        ));
    }
    out.push_str("</table>");
    out
}
