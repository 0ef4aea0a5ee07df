//! `aigc-host grade`: an untrusted grader over many submissions. Each submission is checked on its own (see
//! [`crate::submission`]) and graded in a fresh sandbox with no network and no dataset, under deterministic
//! limits (fuel, memory, fixed clocks, seeded randomness), so the report is the same byte for byte whatever
//! `--jobs` is and however often it runs. A grader that crashes or misbehaves on one submission costs that
//! submission its grade, with a message; the others are graded normally.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use serde::Serialize;

use super::settings;
use crate::bindings::grader::GraderPre;
use crate::capabilities::{Counters, RunContext, log::LogSink};
use crate::cli::GradeArgs;
use crate::manifest::Kind;
use crate::plugin_text;
use crate::runtime::{self, HostState, Limits, Runtime};
use crate::submission::{IngestLimits, Submission};

/// Wall-clock time one submission's grading may take when `--timeout` is not given.
const GRADE_WALL_BACKSTOP: std::time::Duration = std::time::Duration::from_secs(600);

/// Most checks a grader may report, so a hostile one cannot bloat the report; each check's name and message are
/// capped by [`plugin_text`].
const MAX_CHECKS: usize = 500;

#[derive(Debug, Serialize)]
pub struct Check {
    pub name: String,
    pub passed: bool,
    pub points: f64,
    pub max_points: f64,
    pub message: String,
}

#[derive(Debug, Serialize)]
pub struct Graded {
    pub submission: String,
    pub score: f64,
    pub max_score: f64,
    pub checks: Vec<Check>,
    pub error: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct GradeReport {
    pub grader: String,
    pub grader_sha256: String,
    pub submissions: Vec<Graded>,
}

pub async fn grade(args: GradeArgs) -> anyhow::Result<ExitCode> {
    let plugin = settings::plugin_of_kind(&args.grader, Kind::Grader, "grade")?;
    let config = settings::config(&plugin, &args.set)?;
    let mut limits = settings::limits(&args.limits)?;
    limits.fuel = Some(args.fuel);
    limits.deterministic = true;
    // Fuel and the host-work budget stop a grader deterministically; the wall clock is only the backstop for a
    // grader that waits on the host in ways neither counts, so one submission can never hold the run forever.
    limits.wall.get_or_insert(GRADE_WALL_BACKSTOP);
    let ingest = IngestLimits {
        max_entries: args.max_entries,
        max_total_bytes: args.max_size.saturating_mul(1 << 20),
        ..IngestLimits::default()
    };
    let runtime = Arc::new(Runtime::deterministic()?);
    let component = runtime.compile(&plugin)?;
    let pre = runtime
        .linker(Kind::Grader)?
        .instantiate_pre(&component)
        .and_then(GraderPre::new)
        .map_err(|e| crate::runtime::link_error(&plugin, e))?;

    let info = settings::plugin_info(&plugin);
    let jobs = Arc::new(tokio::sync::Semaphore::new(args.jobs.clamp(1, 64)));
    let mut tasks = tokio::task::JoinSet::new();
    for (index, path) in args.submissions.iter().enumerate() {
        let (runtime, pre, limits, ingest, config, info, jobs, path) = (
            Arc::clone(&runtime),
            pre.clone(),
            limits.clone(),
            ingest.clone(),
            config.clone(),
            info.clone(),
            Arc::clone(&jobs),
            path.clone(),
        );
        tasks.spawn(async move {
            let _slot = jobs.acquire_owned().await;
            let name = path.display().to_string();
            let opened = tokio::task::spawn_blocking(move || Submission::open(&path, &ingest)).await;
            let graded = match opened {
                Ok(Ok(submission)) => {
                    let ctx = Arc::new(RunContext {
                        plugin: info,
                        config,
                        dataset: None,
                        run_id: None,
                        http: None,
                        submission: Some(Arc::new(submission)),
                        models: None,
                        log: LogSink::new(None),
                        counters: Counters::default(),
                        images: None,
                        evaluation: None,
                    });
                    grade_one(&runtime, &pre, ctx, &limits, name).await
                }
                Ok(Err(error)) => failed(name, format!("not graded: {error}")),
                Err(join) => failed(name, format!("not graded: {join}")),
            };
            (index, graded)
        });
    }
    let mut results: Vec<Option<Graded>> = args.submissions.iter().map(|_| None).collect();
    while let Some(joined) = tasks.join_next().await {
        let (index, graded) = joined.context("a grading task failed")?;
        results[index] = Some(graded);
    }
    let report = GradeReport {
        grader: plugin.label(),
        grader_sha256: plugin.sha256.clone(),
        submissions: results.into_iter().flatten().collect(),
    };

    if let Some(path) = &args.html {
        std::fs::write(path, super::report::html(&report))
            .with_context(|| format!("cannot write the HTML report `{}`", path.display()))?;
        tracing::info!("wrote {}", path.display());
    }
    if args.output.json {
        super::print_json(&report)?;
    } else {
        // Names, messages and errors are the grader's text (and submission paths the students'): escaped, so
        // none of it can drive the terminal.
        for s in &report.submissions {
            let submission = plugin_text::line(&s.submission);
            match &s.error {
                None => println!("{submission}: {:.1} / {:.1}", s.score, s.max_score),
                Some(e) => println!("{submission}: {}", plugin_text::text(e)),
            }
            for c in &s.checks {
                let mark = if c.passed { "x" } else { " " };
                println!(
                    "  [{mark}] {} {:.1}/{:.1}  {}",
                    plugin_text::line(&c.name),
                    c.points,
                    c.max_points,
                    plugin_text::line(&c.message)
                );
            }
        }
    }
    Ok(super::exit(report.submissions.iter().all(|s| s.error.is_none())))
}

async fn grade_one(
    runtime: &Runtime,
    pre: &GraderPre<HostState>,
    ctx: Arc<RunContext>,
    limits: &Limits,
    name: String,
) -> Graded {
    let mut store = runtime.store(ctx, limits);
    let outcome = match pre.instantiate_async(&mut store).await {
        Ok(instance) => runtime::call(&mut store, limits, async |s| instance.call_grade(s).await).await,
        Err(e) => Err(runtime::failure(&store, e)),
    };
    match outcome {
        Ok(report) => {
            let mut checks: Vec<Check> = report.checks.into_iter().take(MAX_CHECKS + 1).map(sanitize).collect();
            if checks.len() > MAX_CHECKS {
                checks.truncate(MAX_CHECKS);
                return Graded {
                    submission: name,
                    score: 0.0,
                    max_score: 0.0,
                    checks: Vec::new(),
                    error: Some(format!("the grader reported more than {MAX_CHECKS} checks; refusing its report")),
                };
            }
            Graded {
                submission: name,
                score: checks.iter().map(|c| c.points).sum(),
                max_score: checks.iter().map(|c| c.max_points).sum(),
                checks,
                error: None,
            }
        }
        Err(failure) => failed(name, failure.to_string()),
    }
}

/// A grader's check with its claims held to the rules: points within [0, max], finite numbers, bounded text.
fn sanitize(check: crate::bindings::types::Check) -> Check {
    let max_points = if check.max_points.is_finite() { check.max_points.clamp(0.0, 1e6) } else { 0.0 };
    let claimed = if check.points.is_finite() { check.points } else { 0.0 };
    let points = claimed.clamp(0.0, max_points);
    let mut message = plugin_text::cap_message(check.message);
    if points != claimed {
        message.push_str(&format!(" [the grader claimed {claimed} points; held to 0..{max_points}]"));
    }
    Check { name: plugin_text::cap_name(check.name), passed: check.passed, points, max_points, message }
}

fn failed(submission: String, error: String) -> Graded {
    Graded { submission, score: 0.0, max_score: 0.0, checks: Vec::new(), error: Some(error) }
}
