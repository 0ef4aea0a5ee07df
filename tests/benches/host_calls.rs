//! What the sandbox costs: instantiating a plugin, and one near-empty host call, next to what users would do
//! otherwise (start a Python process per task; call a Python function). Prints a table.
//!
//! `make bench` (or `cargo bench -p aigc-tests --bench host_calls` with the Makefile's environment).

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aigc_host::bindings::crawler::CrawlerPre;
use aigc_host::capabilities::{Counters, PluginInfo, RunContext, log::LogSink};
use aigc_host::manifest::{Kind, PluginFile};
use aigc_host::runtime::{self, Limits, Runtime};

fn ctx(calls: u64) -> Arc<RunContext> {
    Arc::new(RunContext {
        plugin: PluginInfo {
            name: "bench-calls".into(),
            version: "0.1.0".into(),
            sha256: String::new(),
            label: "bench-calls@0.1.0".into(),
        },
        config: BTreeMap::from([("calls".to_string(), calls.to_string())]),
        dataset: None,
        run_id: None,
        http: None,
        submission: None,
        models: None,
        log: LogSink::new(None),
        counters: Counters::default(),
        images: None,
        evaluation: None,
    })
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() -> anyhow::Result<()> {
    let tokio = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let runtime = Runtime::new()?;
    let plugin = PluginFile::read(std::path::Path::new(aigc_tests::plugins::BENCH_CALLS))?;
    let t = Instant::now();
    let component = runtime.compile(&plugin)?;
    let compile = t.elapsed();
    let pre = CrawlerPre::new(runtime.linker(Kind::Crawler)?.instantiate_pre(&component)?)?;
    let limits = Limits::default();

    tokio.block_on(async {
        // Instantiation: a fresh store and instance, as every run (and every crashed cleaner) gets.
        let mut samples = Vec::new();
        for _ in 0..500 {
            let mut store = runtime.store(ctx(0), &limits);
            let t = Instant::now();
            let instance = pre.instantiate_async(&mut store).await?;
            samples.push(t.elapsed());
            std::hint::black_box(instance);
        }
        samples.sort();
        let inst_p50 = percentile(&samples, 0.5);
        let inst_p99 = percentile(&samples, 0.99);

        // Host calls: the same export with N calls and with none; the difference per call.
        let mut per_call = Vec::new();
        const N: u64 = 200_000;
        for _ in 0..7 {
            let run = async |calls: u64| -> anyhow::Result<Duration> {
                let mut store = runtime.store(ctx(calls), &limits);
                let instance = pre.instantiate_async(&mut store).await?;
                let t = Instant::now();
                runtime::call(&mut store, &limits, async |s| instance.call_crawl(s).await).await?;
                Ok(t.elapsed())
            };
            let with = run(N).await?;
            let without = run(0).await?;
            per_call.push(with.saturating_sub(without) / N as u32);
        }
        per_call.sort();
        let call_p50 = percentile(&per_call, 0.5);

        // Baselines, same machine, same run.
        let py = python_baselines();
        println!("| what | aigc-host | baseline | baseline is |");
        println!("|---|---|---|---|");
        println!("| compile plugin (first run; cached after) | {compile:.2?} | | |");
        match &py {
            Some((spawn, _)) => println!(
                "| start a plugin instance (p50 / p99) | {inst_p50:.2?} / {inst_p99:.2?} | {spawn:.2?} | `python3 -c pass` process start ({:.0}x slower) |",
                spawn.as_secs_f64() / inst_p50.as_secs_f64()
            ),
            None => println!("| start a plugin instance (p50 / p99) | {inst_p50:.2?} / {inst_p99:.2?} | n/a | python3 missing |"),
        }
        match &py {
            Some((_, call)) => println!(
                "| near-empty host call (config lookup) | {call_p50:.0?} | {call:.0?} | Python dict lookup via a function call ({:.1}x) |",
                call_p50.as_secs_f64() / call.as_secs_f64()
            ),
            None => println!("| near-empty host call (config lookup) | {call_p50:.0?} | n/a | |"),
        }
        anyhow::Ok(())
    })?;
    Ok(())
}

/// (process start, one function call doing a dict lookup) measured in Python 3.
fn python_baselines() -> Option<(Duration, Duration)> {
    let mut spawns = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        let ok = Command::new("python3").args(["-c", "pass"]).status().ok()?.success();
        if !ok {
            return None;
        }
        spawns.push(t.elapsed());
    }
    spawns.sort();
    let script = "import time\nconf={'calls':'0'}\ndef get(k): return conf.get(k)\nn=1000000\nt=time.perf_counter()\nfor _ in range(n): get('calls')\nprint((time.perf_counter()-t)/n)";
    let out = Command::new("python3").args(["-c", script]).output().ok()?;
    let per_call: f64 = String::from_utf8_lossy(&out.stdout).trim().parse().ok()?;
    Some((percentile(&spawns, 0.5), Duration::from_secs_f64(per_call)))
}
