//! `aigc-host grade`: a grader over submissions, each in a fresh sandbox with no network and no dataset.

use std::process::ExitCode;
use std::sync::Arc;

use serde::Serialize;

use super::settings;
use crate::bindings::grader::GraderPre;
use crate::capabilities::submission::FolderSubmission;
use crate::capabilities::{Counters, RunContext, log::LogSink};
use crate::cli::GradeArgs;
use crate::manifest::Kind;
use crate::runtime::{self, Runtime};

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
    pub submissions: Vec<Graded>,
}

pub async fn grade(args: GradeArgs) -> anyhow::Result<ExitCode> {
    let plugin = settings::plugin_of_kind(&args.grader, Kind::Grader, "grade")?;
    let config = settings::config(&plugin, &args.set)?;
    let limits = settings::limits(&args.limits)?;
    let runtime = Runtime::new()?;
    let component = runtime.compile(&plugin)?;
    let pre = runtime
        .linker(Kind::Grader)?
        .instantiate_pre(&component)
        .and_then(GraderPre::new)
        .map_err(|e| anyhow::anyhow!("`{}` does not fit the grader world: {e}", args.grader.display()))?;

    let mut report = GradeReport { grader: plugin.label(), submissions: Vec::new() };
    for path in &args.submissions {
        let name = path.display().to_string();
        let submission = match FolderSubmission::open(path) {
            Ok(s) if path.is_dir() => s,
            Ok(_) => {
                report.submissions.push(failed(name, format!("`{}` is not a folder", path.display())));
                continue;
            }
            Err(e) => {
                report.submissions.push(failed(name, format!("cannot read `{}`: {e}", path.display())));
                continue;
            }
        };
        let ctx = Arc::new(RunContext {
            plugin: settings::plugin_info(&plugin),
            config: config.clone(),
            dataset: None,
            run_id: None,
            http: None,
            submission: Some(Arc::new(submission)),
            log: LogSink::new(None),
            counters: Counters::default(),
        });
        let mut store = runtime.store(ctx, &limits);
        let outcome = match pre.instantiate_async(&mut store).await {
            Ok(instance) => runtime::call(&mut store, &limits, async |store| instance.call_grade(store).await).await,
            Err(e) => Err(runtime::failure(&store, e)),
        };
        report.submissions.push(match outcome {
            Ok(r) => {
                let checks: Vec<Check> = r
                    .checks
                    .into_iter()
                    .map(|c| Check {
                        name: c.name,
                        passed: c.passed,
                        points: c.points.clamp(0.0, c.max_points.max(0.0)),
                        max_points: c.max_points.max(0.0),
                        message: c.message,
                    })
                    .collect();
                Graded {
                    submission: name,
                    score: checks.iter().map(|c| c.points).sum(),
                    max_score: checks.iter().map(|c| c.max_points).sum(),
                    checks,
                    error: None,
                }
            }
            Err(failure) => failed(name, failure.to_string()),
        });
    }
    let ok = report.submissions.iter().all(|s| s.error.is_none());
    if args.output.json {
        super::print_json(&report)?;
    } else {
        for s in &report.submissions {
            match &s.error {
                None => println!("{}: {:.1} / {:.1}", s.submission, s.score, s.max_score),
                Some(e) => println!("{}: not graded: {e}", s.submission),
            }
            for c in &s.checks {
                println!(
                    "  [{}] {} {:.1}/{:.1} {}",
                    if c.passed { "x" } else { " " },
                    c.name,
                    c.points,
                    c.max_points,
                    c.message
                );
            }
        }
    }
    Ok(super::exit(ok))
}

fn failed(submission: String, error: String) -> Graded {
    Graded { submission, score: 0.0, max_score: 0.0, checks: Vec::new(), error: Some(error) }
}
