//! `aigc-host run`: one crawler over one dataset.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use anyhow::Context;
use serde::Serialize;

use super::settings;
use crate::bindings::crawler::CrawlerPre;
use crate::capabilities::{Counters, RunContext, log::LogSink};
use crate::cli::RunArgs;
use crate::manifest::Kind;
use crate::net::HttpClient;
use crate::net::client::HttpLimits;
use crate::net::record::{Recorder, Replay};
use crate::progress::Progress;
use crate::runtime::{self, Runtime};
use crate::store::Dataset;

/// The summary `--json` prints.
#[derive(Debug, Serialize)]
pub struct RunSummary {
    pub plugin: String,
    pub version: String,
    pub dataset: String,
    pub run: i64,
    pub ok: bool,
    pub items_added: u64,
    pub items_skipped: u64,
    pub requests: u64,
    pub requests_denied: u64,
    pub retries: u64,
    pub cache_hits: u64,
    pub errors: u64,
    pub bytes_downloaded: u64,
    pub duration_ms: u64,
    pub peak_memory_mib: f64,
    pub error: Option<String>,
}

pub async fn run(args: RunArgs, quiet: bool) -> anyhow::Result<ExitCode> {
    let plugin = settings::plugin_of_kind(&args.plugin, Kind::Crawler, "run")?;
    let config = settings::config(&plugin, &args.set)?;
    let (policy, policy_path) = crate::policy::Policy::load(args.policy.as_deref())?;
    if let Some(path) = &policy_path {
        tracing::info!("obeying the policy file `{}`", path.display());
    }
    let grants = settings::grants(&plugin.manifest, &args.allow_host)?.with_policy(
        policy.allow_patterns(),
        policy.deny_patterns(),
        policy.network.enabled,
    );
    let secrets = settings::secrets(&plugin, &args.secret, &args.secret_host)?;
    let limits = settings::limits(&args.limits)?;
    let http_limits = HttpLimits {
        max_body: args.max_body.min(policy.network.max_body_mib.unwrap_or(u64::MAX)) << 20,
        concurrency: args.concurrency.max(1),
        max_requests: match (args.max_requests, policy.network.max_requests) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        },
        ..HttpLimits::default()
    };
    let label = plugin.label();
    let http = match &args.replay {
        Some(path) => {
            if !secrets.is_empty() {
                tracing::info!(
                    "replaying `{}`: secrets are sent nowhere, only matched against the recorded credentials",
                    path.display()
                );
            }
            HttpClient::replay(&label, Replay::open(path)?, grants, secrets, http_limits)?
        }
        None => {
            let recorder = args.record.as_deref().map(Recorder::create).transpose()?;
            let options = settings::live_options(&args.politeness, &args.dataset)?;
            if options.contact.is_none() {
                tracing::info!(
                    "tip: `--contact EMAIL` (or AIGC_HOST_CONTACT) lets site owners reach you instead of blocking you"
                );
            }
            HttpClient::live(&label, grants, secrets, http_limits, recorder, options)?
        }
    };

    let runtime = Runtime::new()?;
    let component = runtime.compile(&plugin)?;
    let pre = runtime
        .linker(Kind::Crawler)?
        .instantiate_pre(&component)
        .and_then(CrawlerPre::new)
        .map_err(|e| crate::runtime::link_error(&plugin, e))?;

    let dataset = Arc::new(Dataset::create_or_open(&args.dataset)?);
    let args_json = serde_json::json!({ "set": config, "allow_host": args.allow_host, "replay": args.replay,
        "record": args.record, "secrets": args.secret.iter().filter_map(|s| s.split_once('=').map(|(n, _)| n)).collect::<Vec<_>>() });
    let run_id = dataset.begin_run(&settings::plugin_ref(&plugin), "run", &args_json.to_string())?;
    let ctx = Arc::new(RunContext {
        plugin: settings::plugin_info(&plugin),
        config,
        dataset: Some(Arc::clone(&dataset)),
        run_id: Some(run_id),
        http: Some(Arc::new(http)),
        submission: None,
        models: None,
        log: LogSink::new(Progress::for_terminal(&plugin.manifest.name, quiet || args.output.json)),
        counters: Counters::default(),
        images: None,
        evaluation: None,
    });

    tracing::info!("running {label} on `{}`", args.dataset.display());
    let started = Instant::now();
    let mut store = runtime.store(Arc::clone(&ctx), &limits);
    let outcome = match pre.instantiate_async(&mut store).await {
        Ok(instance) => runtime::call(&mut store, &limits, async |store| instance.call_crawl(store).await).await,
        Err(e) => Err(runtime::failure(&store, e)),
    };
    ctx.log.finish();

    let http = ctx.http.as_ref().context("run lost its HTTP client")?;
    let summary = RunSummary {
        plugin: plugin.manifest.name.clone(),
        version: plugin.manifest.version.clone(),
        dataset: args.dataset.display().to_string(),
        run: run_id,
        ok: outcome.is_ok(),
        items_added: ctx.counters.items_added.load(Ordering::Relaxed),
        items_skipped: ctx.counters.items_skipped.load(Ordering::Relaxed),
        requests: http.stats.requests.load(Ordering::Relaxed),
        requests_denied: http.stats.denied.load(Ordering::Relaxed),
        retries: http.stats.retries.load(Ordering::Relaxed),
        cache_hits: http.stats.cache_hits.load(Ordering::Relaxed),
        errors: http.stats.failed.load(Ordering::Relaxed) + ctx.counters.errors_logged.load(Ordering::Relaxed),
        bytes_downloaded: http.stats.bytes.load(Ordering::Relaxed),
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        peak_memory_mib: store.data().peak_memory() as f64 / f64::from(1u32 << 20),
        error: outcome.as_ref().err().map(ToString::to_string),
    };
    let summary_json = serde_json::to_string(&summary)?;
    let outcome_text = match &outcome {
        Ok(()) => "ok".to_string(),
        Err(e) => format!("failed: {e}"),
    };
    dataset.finish_run(run_id, &outcome_text, &summary_json)?;

    if args.output.json {
        super::print_json(&summary)?;
    } else {
        eprintln!(
            "{label}: {} items added, {} already present, {} requests ({} denied), {} errors, in {:.1} s",
            summary.items_added,
            summary.items_skipped,
            summary.requests,
            summary.requests_denied,
            summary.errors,
            summary.duration_ms as f64 / 1000.0
        );
    }
    if let Err(failure) = &outcome {
        // The crawler's own error text (capped in `runtime`), shown with its control characters escaped.
        eprintln!("error: {}", crate::plugin_text::text(&failure.to_string()));
        eprintln!(
            "the dataset `{}` is intact: items stored before the failure are kept; run the same command again to resume",
            args.dataset.display()
        );
    }
    Ok(super::exit(outcome.is_ok()))
}
