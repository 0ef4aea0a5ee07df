//! `aigc-host clean` and `aigc-host annotate`: every item of a dataset passed through each plugin — cleaners
//! store verdicts beside the items, annotators store annotations — by a pool of instances (`--jobs`), each reused
//! across items and rebuilt after a crash.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use serde::Serialize;
use tokio::sync::Mutex;

use super::settings;
use crate::bindings::annotator::{Annotator, AnnotatorPre};
use crate::bindings::cleaner::{Cleaner, CleanerPre};
use crate::capabilities::{Counters, RunContext, log::LogSink};
use crate::cli::{AnnotateArgs, CleanArgs, LimitArgs, ModelArgs};
use crate::manifest::{Kind, PluginFile};
use crate::plugin_text;
use crate::progress::Progress;
use crate::runtime::{self, HostState, Limits, Runtime};
use crate::store::{Annotation, CLEAN_ERROR_KEY, Dataset, Item, Verdict};

#[derive(Debug, Default, Serialize)]
pub struct CleanSummary {
    pub dataset: String,
    pub rules: Vec<String>,
    pub checked: u64,
    /// Items every rule had already judged with the same plugin build and configuration (a resumed or repeated
    /// run); they are not judged again unless `--force` is given, and not counted in `checked`.
    pub skipped: u64,
    pub kept: u64,
    pub dropped: u64,
    /// Items every annotator annotated (annotate runs).
    pub annotated: u64,
    /// Items a rule could not judge (its error or crash); they keep their earlier status, and the error is stored
    /// as the item's `clean-error` annotation from that rule until the rule judges it.
    pub errors: u64,
    /// Why items were dropped: reason -> count (an item dropped by two rules counts under both). At most the 100
    /// most frequent reasons are listed; the rest are counted under `(other reasons)` (see
    /// [`plugin_text::ReasonCounts`]).
    pub by_reason: BTreeMap<String, u64>,
    /// Counted as items are judged, bounded however many distinct reasons the rules return; `by_reason` is its
    /// report.
    #[serde(skip)]
    reasons: plugin_text::ReasonCounts,
    /// The distribution of each rule's verdict scores (and each annotator's annotation scores).
    pub scores: BTreeMap<String, ScoreStats>,
    pub duration_ms: u64,
    /// The first [`LISTED_FAILURES`] failures, one line each ("item ID: plugin ... failed: ...").
    pub failures: Vec<String>,
    /// Failures beyond those listed, counted only.
    pub failures_not_listed: u64,
}

/// Failures a summary lists; every failure is also stored beside its item (`clean-error`).
const LISTED_FAILURES: usize = 100;

impl CleanSummary {
    fn failed(&mut self, item: &str, failure: &runtime::PluginFailure) {
        if self.failures.len() < LISTED_FAILURES {
            self.failures.push(format!("item {item}: {failure}"));
        } else {
            self.failures_not_listed += 1;
        }
    }
}

/// Summary statistics of scores.
#[derive(Debug, Default, Serialize)]
pub struct ScoreStats {
    pub count: usize,
    pub min: f64,
    pub p10: f64,
    pub median: f64,
    pub p90: f64,
    pub max: f64,
}

impl ScoreStats {
    fn of(mut values: Vec<f64>) -> Self {
        values.sort_by(f64::total_cmp);
        let at = |q: f64| values[((values.len() - 1) as f64 * q).round() as usize];
        if values.is_empty() {
            return Self::default();
        }
        Self { count: values.len(), min: at(0.0), p10: at(0.1), median: at(0.5), p90: at(0.9), max: at(1.0) }
    }
}

enum Pre {
    Cleaner(CleanerPre<HostState>),
    Annotator(AnnotatorPre<HostState>),
}

enum Instance {
    Cleaner(Cleaner),
    Annotator(Annotator),
}

struct Rule {
    plugin: PluginFile,
    pre: Pre,
    ctx: Arc<RunContext>,
    scores: std::sync::Mutex<Vec<f64>>,
    /// Verdicts this rule already gave with the same build and configuration, by item id: skipped, not redone.
    done: std::collections::HashMap<String, Verdict>,
    /// Items whose last attempt by this rule failed, so a verdict now should clear the recorded error.
    failed_before: std::collections::HashSet<String>,
}

/// What one pass runs: cleaners or annotators, with their shared flags.
struct Pass<'a> {
    kind: Kind,
    dataset: &'a std::path::Path,
    plugins: &'a [std::path::PathBuf],
    set: &'a [String],
    models: &'a ModelArgs,
    jobs: usize,
    limits: &'a LimitArgs,
    json: bool,
    /// Judge items again even when this rule build and configuration already did.
    force: bool,
}

pub async fn clean(args: CleanArgs, quiet: bool) -> anyhow::Result<ExitCode> {
    let pass = Pass {
        kind: Kind::Cleaner,
        dataset: &args.dataset,
        plugins: &args.rules,
        set: &args.set,
        models: &args.models,
        jobs: args.jobs,
        limits: &args.limits,
        json: args.output.json,
        force: args.force,
    };
    run_pass(pass, quiet).await
}

pub async fn annotate(args: AnnotateArgs, quiet: bool) -> anyhow::Result<ExitCode> {
    let pass = Pass {
        kind: Kind::Annotator,
        dataset: &args.dataset,
        plugins: &args.plugins,
        set: &args.set,
        models: &args.models,
        jobs: args.jobs,
        limits: &args.limits,
        json: args.output.json,
        force: true,
    };
    run_pass(pass, quiet).await
}

async fn run_pass(args: Pass<'_>, quiet: bool) -> anyhow::Result<ExitCode> {
    let command = if args.kind == Kind::Cleaner { "clean" } else { "annotate" };
    let dataset = Arc::new(Dataset::open(args.dataset)?);
    let limits = settings::limits(args.limits)?;
    let sets = settings::key_values("--set", args.set)?;
    let runtime = Runtime::new()?;
    let engine = settings::model_engine(args.models, args.jobs)?;
    // One per run: every rule and instance shares image facts by blob and the duplicate groups.
    let images = Arc::new(crate::image::groups::RunImages::default());
    let mut rules = Vec::new();
    for path in args.plugins {
        let plugin = settings::plugin_of_kind(path, args.kind, command)?;
        let config = settings::config_from(&plugin.manifest, &plugin.label(), &sets, true)?;
        let models = settings::model_grants(&plugin, &engine, args.models)?;
        let component = runtime.compile(&plugin)?;
        let linked = runtime.linker(args.kind)?.instantiate_pre(&component);
        let pre = match args.kind {
            Kind::Annotator => linked.and_then(AnnotatorPre::new).map(Pre::Annotator),
            _ => linked.and_then(CleanerPre::new).map(Pre::Cleaner),
        }
        .map_err(|e| crate::runtime::link_error(&plugin, e))?;
        let config_json = serde_json::to_string(&config)?;
        let (done, failed_before) = if args.kind == Kind::Cleaner {
            let failed_before = dataset.annotated_items(CLEAN_ERROR_KEY, &plugin.manifest.name)?;
            let mut done = if args.force {
                Default::default()
            } else {
                dataset.judged(&plugin.manifest.name, &plugin.sha256, &config_json)?
            };
            // An item whose last attempt failed is tried again, even if an older attempt gave a verdict.
            done.retain(|id, _| !failed_before.contains(id));
            (done, failed_before)
        } else {
            Default::default()
        };
        let run_id = dataset.begin_run(&settings::plugin_ref(&plugin), command, &config_json)?;
        let ctx = Arc::new(RunContext {
            plugin: settings::plugin_info(&plugin),
            config,
            dataset: Some(Arc::clone(&dataset)),
            run_id: Some(run_id),
            http: None,
            submission: None,
            models,
            log: LogSink::new(None),
            counters: Counters::default(),
            images: Some(Arc::clone(&images)),
            evaluation: None,
        });
        rules.push(Rule { plugin, pre, ctx, scores: std::sync::Mutex::new(Vec::new()), done, failed_before });
    }
    let rules = Arc::new(rules);

    let mut items = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = dataset.items(None, after.as_deref(), 1000)?;
        let Some(last) = page.last() else { break };
        after = Some(last.id.clone());
        items.extend(page);
    }
    let items = Arc::new(items);
    let progress = Progress::for_terminal(command, quiet || args.json);
    if let Some(bar) = &progress {
        bar.update(0, Some(items.len() as u64), "");
    }

    let started = Instant::now();
    let next = Arc::new(AtomicUsize::new(0));
    let summary = Arc::new(Mutex::new(CleanSummary {
        dataset: args.dataset.display().to_string(),
        rules: rules.iter().map(|r| r.plugin.label()).collect(),
        ..CleanSummary::default()
    }));
    let runtime = Arc::new(runtime);
    let kind = args.kind;
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..args.jobs.clamp(1, 64).min(items.len().max(1)) {
        let (items, next, rules, summary, runtime, dataset, limits, progress) = (
            Arc::clone(&items),
            Arc::clone(&next),
            Arc::clone(&rules),
            Arc::clone(&summary),
            Arc::clone(&runtime),
            Arc::clone(&dataset),
            limits.clone(),
            progress.clone(),
        );
        workers.spawn(async move {
            let shared = Shared {
                kind,
                items: &items,
                next: &next,
                rules: &rules,
                summary: &summary,
                runtime: &runtime,
                dataset: &dataset,
                limits: &limits,
                progress: progress.as_ref(),
            };
            worker(shared).await
        });
    }
    while let Some(joined) = workers.join_next().await {
        joined??;
    }
    if let Some(bar) = &progress {
        bar.finish();
    }

    let mut summary = Arc::try_unwrap(summary).map_err(|_| anyhow::anyhow!("workers still running"))?.into_inner();
    summary.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    summary.by_reason = summary.reasons.report();
    for rule in rules.iter() {
        let scores = std::mem::take(&mut *rule.scores.lock().unwrap_or_else(|p| p.into_inner()));
        if !scores.is_empty() {
            summary.scores.insert(rule.plugin.manifest.name.clone(), ScoreStats::of(scores));
        }
    }
    for rule in rules.iter() {
        if let Some(run) = rule.ctx.run_id {
            dataset.finish_run(run, "ok", &serde_json::to_string(&summary)?)?;
        }
    }
    if args.json {
        super::print_json(&summary)?;
    } else {
        if args.kind == Kind::Cleaner {
            eprintln!(
                "checked {} items with {} rule(s): {} kept, {} dropped, {} not judged, in {:.1} s",
                summary.checked,
                rules.len(),
                summary.kept,
                summary.dropped,
                summary.errors,
                summary.duration_ms as f64 / 1000.0
            );
            if summary.skipped > 0 {
                eprintln!(
                    "skipped {} items every rule had already judged with the same build and configuration \
                     (--force judges them again)",
                    summary.skipped
                );
            }
        } else {
            eprintln!(
                "annotated {} of {} items with {} plugin(s), {} not annotated, in {:.1} s",
                summary.annotated,
                summary.checked,
                rules.len(),
                summary.errors,
                summary.duration_ms as f64 / 1000.0
            );
        }
        for (rule, s) in &summary.scores {
            eprintln!(
                "  {rule} scores: n={} min {:.3} p10 {:.3} median {:.3} p90 {:.3} max {:.3}",
                s.count, s.min, s.p10, s.median, s.p90, s.max
            );
        }
        for (reason, count) in &summary.by_reason {
            eprintln!("  {count:>6}  {}", plugin_text::line(reason));
        }
        for failure in summary.failures.iter().take(10) {
            eprintln!("error: {}", plugin_text::text(failure));
        }
    }
    Ok(super::exit(summary.errors == 0))
}

/// Verdicts waiting to be stored. They are written in one transaction per batch (at most [`BATCH_VERDICTS`], at
/// most [`BATCH_AGE`] after the first was decided, and when the worker stops), so a run pays one commit per batch
/// of items rather than one synced commit per verdict. A run killed mid-batch loses only that batch's verdicts:
/// a resumed run judges those items again.
#[derive(Default)]
struct Pending {
    verdicts: Vec<(String, Verdict, Option<crate::store::RunId>)>,
    /// (item, rule) whose recorded error from an earlier attempt the verdict clears.
    cleared: Vec<(String, String)>,
    since: Option<Instant>,
}

const BATCH_VERDICTS: usize = 128;
const BATCH_AGE: std::time::Duration = std::time::Duration::from_secs(1);

impl Pending {
    fn push(&mut self, item: &str, verdict: Verdict, run: Option<crate::store::RunId>, clears_error: bool) {
        if clears_error {
            self.cleared.push((item.to_string(), verdict.rule.clone()));
        }
        self.verdicts.push((item.to_string(), verdict, run));
        self.since.get_or_insert_with(Instant::now);
    }

    fn due(&self) -> bool {
        self.verdicts.len() >= BATCH_VERDICTS || self.since.is_some_and(|t| t.elapsed() >= BATCH_AGE)
    }

    fn flush(&mut self, dataset: &Dataset) -> anyhow::Result<()> {
        dataset.put_verdicts(&self.verdicts)?;
        self.verdicts.clear();
        self.since = None;
        for (item, rule) in self.cleared.drain(..) {
            dataset.remove_annotation(&item, CLEAN_ERROR_KEY, &rule)?;
        }
        Ok(())
    }
}

/// What every worker of a pass shares.
struct Shared<'a> {
    kind: Kind,
    items: &'a [Item],
    next: &'a AtomicUsize,
    rules: &'a [Rule],
    summary: &'a Mutex<CleanSummary>,
    runtime: &'a Runtime,
    dataset: &'a Dataset,
    limits: &'a Limits,
    progress: Option<&'a Progress>,
}

/// One worker: an instance of every rule, reused across items and rebuilt after a crash. Its verdicts are stored
/// in batches, and whatever is pending when it stops (an error included) is stored before it returns.
async fn worker(shared: Shared<'_>) -> anyhow::Result<()> {
    let mut pending = Pending::default();
    let judged = judge_items(&shared, &mut pending).await;
    let stored = pending.flush(shared.dataset);
    judged.and(stored)
}

async fn judge_items(shared: &Shared<'_>, pending: &mut Pending) -> anyhow::Result<()> {
    let Shared { kind, items, next, rules, summary, runtime, dataset, limits, progress } = *shared;
    let mut instances: Vec<Option<(wasmtime::Store<HostState>, Instance)>> = rules.iter().map(|_| None).collect();
    loop {
        let index = next.fetch_add(1, Ordering::Relaxed);
        let Some(item) = items.get(index) else { return Ok(()) };
        let mut dropped_by = Vec::new();
        let mut judged_all = true;
        let mut skipped = 0;
        for (rule, slot) in rules.iter().zip(instances.iter_mut()) {
            if let Some(earlier) = rule.done.get(&item.id) {
                skipped += 1;
                if !earlier.keep {
                    dropped_by.push(earlier.reason.clone());
                }
                continue;
            }
            if slot.is_none() {
                let mut store = runtime.store(Arc::clone(&rule.ctx), limits);
                let made = match &rule.pre {
                    Pre::Cleaner(pre) => pre.instantiate_async(&mut store).await.map(Instance::Cleaner),
                    Pre::Annotator(pre) => pre.instantiate_async(&mut store).await.map(Instance::Annotator),
                };
                match made {
                    Ok(instance) => *slot = Some((store, instance)),
                    Err(e) => {
                        let failure = runtime::failure(&store, e);
                        record_failure(kind, dataset, rule, item, &failure.to_string())?;
                        summary.lock().await.failed(&item.id, &failure);
                        judged_all = false;
                        continue;
                    }
                }
            }
            let Some((store, instance)) = slot.as_mut() else { continue };
            let wit_item = crate::bindings::dataset::Item::from(item.clone());
            let result = match instance {
                Instance::Cleaner(c) => {
                    runtime::call(store, limits, async |store| c.call_check(store, &wit_item).await).await.map(Some)
                }
                Instance::Annotator(a) => {
                    runtime::call(store, limits, async |store| a.call_annotate_item(store, &wit_item).await)
                        .await
                        .map(|()| None)
                }
            };
            match result {
                Ok(Some(v)) => {
                    // Capped before it is stored, counted or printed: a reason is a few words, not 64 MiB.
                    let verdict = Verdict {
                        rule: rule.plugin.manifest.name.clone(),
                        keep: v.keep,
                        reason: plugin_text::cap_reason(v.reason),
                        score: v.score,
                    };
                    if let Some(score) = verdict.score.filter(|s| s.is_finite()) {
                        rule.scores.lock().unwrap_or_else(|p| p.into_inner()).push(score);
                    }
                    if !verdict.keep {
                        dropped_by.push(verdict.reason.clone());
                    }
                    pending.push(&item.id, verdict, rule.ctx.run_id, rule.failed_before.contains(&item.id));
                }
                Ok(None) => {}
                Err(failure) => {
                    judged_all = false;
                    if !matches!(failure, runtime::PluginFailure::Returned { .. }) {
                        *slot = None; // a crashed instance is not reused
                    }
                    record_failure(kind, dataset, rule, item, &failure.to_string())?;
                    summary.lock().await.failed(&item.id, &failure);
                }
            }
        }
        if pending.due() {
            pending.flush(dataset)?;
        }
        let mut s = summary.lock().await;
        if skipped == rules.len() {
            s.skipped += 1;
            drop(s);
            if let Some(bar) = progress {
                bar.inc(1);
            }
            continue;
        }
        s.checked += 1;
        if !judged_all {
            s.errors += 1;
        } else if kind == Kind::Annotator {
            s.annotated += 1;
        } else if dropped_by.is_empty() {
            s.kept += 1;
        } else {
            s.dropped += 1;
        }
        for reason in dropped_by {
            s.reasons.add(&reason, 1);
        }
        drop(s);
        if let Some(bar) = progress {
            bar.inc(1);
        }
    }
}

/// Stores why a rule could not judge an item beside the item, so `dataset show` and `dataset stats` tell it apart
/// from an item never judged. Annotators' failures are only reported in the summary.
fn record_failure(kind: Kind, dataset: &Dataset, rule: &Rule, item: &Item, message: &str) -> anyhow::Result<()> {
    if kind != Kind::Cleaner {
        return Ok(());
    }
    let annotation = Annotation {
        key: CLEAN_ERROR_KEY.into(),
        plugin: rule.plugin.manifest.name.clone(),
        value: plugin_text::cap_message(message.to_string()),
        score: None,
    };
    dataset.put_annotation(&item.id, &annotation, rule.ctx.run_id)?;
    Ok(())
}
