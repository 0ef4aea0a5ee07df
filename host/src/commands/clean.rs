//! `aigc-host clean`: every item of a dataset judged by each rule; verdicts stored beside the items.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use serde::Serialize;
use tokio::sync::Mutex;

use super::settings;
use crate::bindings::cleaner::CleanerPre;
use crate::capabilities::{Counters, RunContext, log::LogSink};
use crate::cli::CleanArgs;
use crate::manifest::{Kind, PluginFile};
use crate::progress::Progress;
use crate::runtime::{self, HostState, Limits, Runtime};
use crate::store::{Dataset, Item, Verdict};

#[derive(Debug, Default, Serialize)]
pub struct CleanSummary {
    pub dataset: String,
    pub rules: Vec<String>,
    pub checked: u64,
    pub kept: u64,
    pub dropped: u64,
    /// Items a rule could not judge (its error or crash); they keep their earlier status.
    pub errors: u64,
    /// Why items were dropped: reason -> count (an item dropped by two rules counts under both).
    pub by_reason: BTreeMap<String, u64>,
    pub duration_ms: u64,
    pub failures: Vec<String>,
}

struct Rule {
    plugin: PluginFile,
    pre: CleanerPre<HostState>,
    ctx: Arc<RunContext>,
}

pub async fn clean(args: CleanArgs, quiet: bool) -> anyhow::Result<ExitCode> {
    let dataset = Arc::new(Dataset::open(&args.dataset)?);
    let limits = settings::limits(&args.limits)?;
    let sets = settings::key_values("--set", &args.set)?;
    let runtime = Runtime::new()?;
    let mut rules = Vec::new();
    for path in &args.rules {
        let plugin = settings::plugin_of_kind(path, Kind::Cleaner, "clean")?;
        let config = settings::config_from(&plugin.manifest, &plugin.label(), &sets, true)?;
        let component = runtime.compile(&plugin)?;
        let pre = runtime
            .linker(Kind::Cleaner)?
            .instantiate_pre(&component)
            .and_then(CleanerPre::new)
            .map_err(|e| anyhow::anyhow!("`{}` does not fit the cleaner world: {e}", path.display()))?;
        let run_id = dataset.begin_run(&settings::plugin_ref(&plugin), "clean", &serde_json::to_string(&config)?)?;
        let ctx = Arc::new(RunContext {
            plugin: settings::plugin_info(&plugin),
            config,
            dataset: Some(Arc::clone(&dataset)),
            run_id: Some(run_id),
            http: None,
            submission: None,
            log: LogSink::new(None),
            counters: Counters::default(),
        });
        rules.push(Rule { plugin, pre, ctx });
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
    let progress = Progress::for_terminal("clean", quiet || args.output.json);
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
            worker(&items, &next, &rules, &summary, &runtime, &dataset, &limits, progress.as_ref()).await
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
    for rule in rules.iter() {
        if let Some(run) = rule.ctx.run_id {
            dataset.finish_run(run, "ok", &serde_json::to_string(&summary)?)?;
        }
    }
    if args.output.json {
        super::print_json(&summary)?;
    } else {
        eprintln!(
            "checked {} items with {} rule(s): {} kept, {} dropped, {} not judged, in {:.1} s",
            summary.checked,
            rules.len(),
            summary.kept,
            summary.dropped,
            summary.errors,
            summary.duration_ms as f64 / 1000.0
        );
        for (reason, count) in &summary.by_reason {
            eprintln!("  {count:>6}  {reason}");
        }
        for failure in summary.failures.iter().take(10) {
            eprintln!("error: {failure}");
        }
    }
    Ok(super::exit(summary.errors == 0))
}

/// One worker: an instance of every rule, reused across items and rebuilt after a crash.
#[allow(clippy::too_many_arguments)]
async fn worker(
    items: &[Item],
    next: &AtomicUsize,
    rules: &[Rule],
    summary: &Mutex<CleanSummary>,
    runtime: &Runtime,
    dataset: &Dataset,
    limits: &Limits,
    progress: Option<&Progress>,
) -> anyhow::Result<()> {
    let mut instances: Vec<Option<_>> = rules.iter().map(|_| None).collect();
    loop {
        let index = next.fetch_add(1, Ordering::Relaxed);
        let Some(item) = items.get(index) else { return Ok(()) };
        let mut dropped_by = Vec::new();
        let mut judged_all = true;
        for (rule, slot) in rules.iter().zip(instances.iter_mut()) {
            if slot.is_none() {
                let mut store = runtime.store(Arc::clone(&rule.ctx), limits);
                match rule.pre.instantiate_async(&mut store).await {
                    Ok(instance) => *slot = Some((store, instance)),
                    Err(e) => {
                        let failure = runtime::failure(&store, e);
                        summary.lock().await.failures.push(failure.to_string());
                        judged_all = false;
                        continue;
                    }
                }
            }
            let Some((store, instance)) = slot.as_mut() else { continue };
            let wit_item = crate::bindings::dataset::Item::from(item.clone());
            let result = runtime::call(store, limits, async |store| instance.call_check(store, &wit_item).await).await;
            match result {
                Ok(v) => {
                    let verdict = Verdict {
                        rule: rule.plugin.manifest.name.clone(),
                        keep: v.keep,
                        reason: v.reason,
                        score: v.score,
                    };
                    dataset.put_verdict(&item.id, &verdict, rule.ctx.run_id)?;
                    if !verdict.keep {
                        dropped_by.push(verdict.reason);
                    }
                }
                Err(failure) => {
                    judged_all = false;
                    if !matches!(failure, runtime::PluginFailure::Returned { .. }) {
                        *slot = None; // a crashed instance is not reused
                    }
                    summary.lock().await.failures.push(format!("item {}: {failure}", item.id));
                }
            }
        }
        let mut s = summary.lock().await;
        s.checked += 1;
        if !judged_all {
            s.errors += 1;
        } else if dropped_by.is_empty() {
            s.kept += 1;
        } else {
            s.dropped += 1;
        }
        for reason in dropped_by {
            *s.by_reason.entry(reason).or_default() += 1;
        }
        drop(s);
        if let Some(bar) = progress {
            bar.inc(1);
        }
    }
}
