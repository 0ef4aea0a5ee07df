//! What the plugin boundary costs the SVG rules: the same decisions (the `svg-rules` crate) on the same SVGs,
//! once natively — the host library's `svg::analyze` called directly, the three rules, verdicts stored — and
//! once as `aigc-host clean` with the three rule plugins (`svg-no-text` without its classifier, so both sides do
//! the same work). Prints a table with SVGs per second both ways and the overhead, plus what one analysis costs.
//!
//! ```text
//! cargo bench -p aigc-tests --bench svg_rules -- [DIR] [--jobs N] [--runs N] [--count N]
//! ```
//! Measured 25 Nov 2026 on the 6,000-SVG corpus of bench/svg/run.py (5,943 distinct; Twemoji, OpenMoji, MDI), 2
//! shared cores under a load average of 4 from other builds: one analysis at 256 px 1.8 ms mean (2.1 ms p90).
//! `--jobs 1`: native 328 SVGs/s, plugins in-process 314 (+4.6 %), `aigc-host clean` +5.8 % over native with
//! stored verdicts. `--jobs 2 --runs 3`: native 834, plugins 592 (+41 %), clean +39 %: with two jobs the plugin
//! path runs more threads (async workers, blocking pool, epoch ticker) than there are free cores, so the number
//! measures contention as much as the boundary; rerun on an idle machine before quoting it.
//! 6 Dec 2026, after the faster shape statistics and batched verdicts (native verdicts now stored in batches of
//! 128, as `clean` does), load average 1-2: one analysis 2.2 ms mean; `--jobs 1`: native 492 SVGs/s, plugins
//! in-process 360 (+36.8 %), clean +27.0 %; `--jobs 2`: native 1,003, plugins 570 (+75.9 %), clean +62.0 %.
//!
//! DIR: an absolute path to a folder of SVGs (searched recursively; e.g. the corpus `bench/svg/run.py --setup` writes to
//! bench/svg/work/corpus). Without it, `--count` (default 2,000) generated SVGs are used.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use std::sync::Arc;

use aigc_host::bindings::cleaner::CleanerPre;
use aigc_host::capabilities::{Counters, PluginInfo, RunContext, log::LogSink};
use aigc_host::manifest::{Kind, PluginFile};
use aigc_host::runtime::{self, Runtime};
use aigc_host::store::{Dataset, Item, Verdict};
use aigc_host::svg::{self, AnalysisOptions};
use aigc_tests::plugins;
type Limits = aigc_host::runtime::Limits;
type SvgLimits = aigc_host::svg::Limits;
use svg_rules::{NoTextConfig, ProhibitionConfig, SingleObjectConfig};

struct Args {
    dir: Option<PathBuf>,
    jobs: usize,
    runs: usize,
    count: usize,
}

fn args() -> anyhow::Result<Args> {
    let mut out = Args { dir: None, jobs: 2, runs: 3, count: 2000 };
    let mut it = std::env::args().skip(1).filter(|a| a != "--bench");
    while let Some(a) = it.next() {
        let mut value = |name: &str| -> anyhow::Result<usize> {
            it.next().and_then(|v| v.parse().ok()).ok_or_else(|| anyhow::anyhow!("{name} needs a number"))
        };
        match a.as_str() {
            "--jobs" => out.jobs = value("--jobs")?.max(1),
            "--runs" => out.runs = value("--runs")?.max(1),
            "--count" => out.count = value("--count")?.max(1),
            dir => out.dir = Some(PathBuf::from(dir)),
        }
    }
    Ok(out)
}

/// A deterministic corpus: icons of one to four shapes, some with a `<text>`, some under a circle-slash.
fn generate(dir: &Path, count: usize) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    for i in 0..count {
        let mut body = String::new();
        for _ in 0..1 + next(4) {
            let (x, y, r) = (15 + next(70), 15 + next(70), 6 + next(14));
            let colour = ["#e33", "#36c", "#3a3", "#fa0", "#333"][next(5) as usize];
            body.push_str(&match next(3) {
                0 => format!("<circle cx='{x}' cy='{y}' r='{r}' fill='{colour}'/>"),
                1 => format!(
                    "<rect x='{}' y='{}' width='{}' height='{}' rx='3' fill='{colour}'/>",
                    x - r,
                    y - r,
                    2 * r,
                    r + 4
                ),
                _ => format!(
                    "<path d='M{x} {} L{} {} L{} {} Z' fill='{colour}' stroke='#000' stroke-width='1.5'/>",
                    y - r,
                    x + r,
                    y + r,
                    x - r,
                    y + r
                ),
            });
        }
        match next(6) {
            0 => body.push_str("<text x='10' y='90' font-size='18' font-family='DejaVu Sans'>Abc</text>"),
            1 => body.push_str("<circle cx='50' cy='50' r='42' fill='none' stroke='#d00' stroke-width='8'/><line x1='20' y1='20' x2='80' y2='80' stroke='#d00' stroke-width='8'/>"),
            _ => {}
        }
        let svg = format!("<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 100 100'>{body}</svg>");
        std::fs::write(dir.join(format!("icon-{i:05}.svg")), svg)?;
    }
    Ok(())
}

fn svg_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            svg_files(&path, out);
        } else if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("svg")) {
            out.push(path);
        }
    }
}

fn host(args: &[&str], models: &Path) -> anyhow::Result<String> {
    let out = Command::new(aigc_tests::host_binary())
        .args(args)
        .env("AIGC_HOST_MODELS", models)
        .env("NO_COLOR", "1")
        .output()?;
    anyhow::ensure!(out.status.success(), "aigc-host {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn items(dataset: &Dataset) -> anyhow::Result<Vec<Item>> {
    let mut all = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = dataset.items(None, after.as_deref(), 1000)?;
        let Some(last) = page.last() else { break };
        after = Some(last.id.clone());
        all.extend(page);
    }
    Ok(all)
}

/// The analysis mapped onto the rules' types, as the plugins' glue does.
fn to_rules(a: svg::Analysis) -> svg_rules::Analysis {
    let rect = |r: svg::Rect| svg_rules::Rect { x: r.x, y: r.y, width: r.width, height: r.height };
    let shape = |s: svg::Shape| svg_rules::Shape {
        area: s.area,
        bbox: rect(s.bbox),
        cx: s.cx,
        cy: s.cy,
        perimeter: s.perimeter,
        colour: svg_rules::Rgba { r: s.colour.r, g: s.colour.g, b: s.colour.b, a: s.colour.a },
        holes: s.holes.into_iter().map(|h| svg_rules::Hole { area: h.area, bbox: rect(h.bbox) }).collect(),
        encloses: s.encloses,
    };
    svg_rules::Analysis {
        texts: a.facts.texts.into_iter().map(|t| t.content).collect(),
        size: a.stats.size,
        drawn: a.stats.drawn,
        drawn_bbox: a.stats.drawn_bbox.map(rect),
        components: a.stats.components.into_iter().map(shape).collect(),
        component_count: a.stats.component_count,
        regions: a.stats.regions.into_iter().map(shape).collect(),
        region_count: a.stats.region_count,
    }
}

/// The three rules natively over every item with `jobs` threads, verdicts stored like `clean` stores them.
static STORE_NS: AtomicUsize = AtomicUsize::new(0);

fn native(dataset: &Dataset, items: &[Item], jobs: usize, store: bool) -> anyhow::Result<Duration> {
    let none = |_: &str| None;
    let (text, sign, single) = (
        NoTextConfig::from_lookup(&none).map_err(anyhow::Error::msg)?,
        ProhibitionConfig::from_lookup(&none).map_err(anyhow::Error::msg)?,
        SingleObjectConfig::from_lookup(&none).map_err(anyhow::Error::msg)?,
    );
    let next = AtomicUsize::new(0);
    let started = Instant::now();
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let workers: Vec<_> = (0..jobs)
            .map(|_| {
                scope.spawn(|| -> anyhow::Result<()> {
                    // Stored in batches of 128 verdicts, as `clean` stores them.
                    let mut batch = Vec::new();
                    while let Some(item) = items.get(next.fetch_add(1, Ordering::Relaxed)) {
                        let Some(file) = item.files.first() else { continue };
                        let bytes = dataset.read_file(&item.id, &file.name)?.unwrap_or_default();
                        let decisions = match svg::analyze(&bytes, &AnalysisOptions::default(), &SvgLimits::default()) {
                            Ok(a) => {
                                let a = to_rules(a);
                                vec![
                                    ("svg-no-text", svg_rules::no_text(&a, &text, None)),
                                    ("svg-no-prohibition", svg_rules::no_prohibition(&a, &sign)),
                                    ("svg-single-object", svg_rules::single_object(&a, &single, None)),
                                ]
                            }
                            Err(_) => Vec::new(),
                        };
                        std::hint::black_box(&decisions);
                        let t = Instant::now();
                        for (rule, d) in decisions.into_iter().filter(|_| store) {
                            let verdict = Verdict {
                                rule: rule.into(),
                                keep: d.keep,
                                reason: d.reason.into(),
                                score: Some(d.score),
                            };
                            batch.push((item.id.clone(), verdict, None));
                        }
                        if batch.len() >= 128 {
                            dataset.put_verdicts(&batch)?;
                            batch.clear();
                        }
                        STORE_NS.fetch_add(t.elapsed().as_nanos() as usize, Ordering::Relaxed);
                    }
                    dataset.put_verdicts(&batch)?;
                    Ok(())
                })
            })
            .collect();
        for w in workers {
            w.join().map_err(|_| anyhow::anyhow!("a native worker panicked"))??;
        }
        Ok(())
    })?;
    Ok(started.elapsed())
}

fn ctx(plugin: &PluginFile, dataset: &Arc<Dataset>) -> Arc<RunContext> {
    Arc::new(RunContext {
        plugin: PluginInfo {
            name: plugin.manifest.name.clone(),
            version: plugin.manifest.version.clone(),
            sha256: plugin.sha256.clone(),
            label: plugin.label(),
        },
        // Every key at its default, as `clean` resolves them from the manifest.
        config: plugin
            .manifest
            .plugin
            .config
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.default.clone()?)))
            .collect(),
        dataset: Some(Arc::clone(dataset)),
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

/// The three plugins in this process, `jobs` workers each with its own instances, nothing stored: the native
/// path's work plus the boundary (instantiation, host calls, copying the analysis into the guest).
fn in_process(dataset: &Arc<Dataset>, items: &Arc<Vec<Item>>, jobs: usize) -> anyhow::Result<Duration> {
    let tokio = tokio::runtime::Builder::new_multi_thread().worker_threads(jobs).enable_all().build()?;
    let runtime = Arc::new(Runtime::new()?);
    let mut rules = Vec::new();
    for path in [plugins::SVG_NO_TEXT, plugins::SVG_NO_PROHIBITION, plugins::SVG_SINGLE_OBJECT] {
        let plugin = PluginFile::read(Path::new(path))?;
        let component = runtime.compile(&plugin)?;
        let pre = CleanerPre::new(runtime.linker(Kind::Cleaner)?.instantiate_pre(&component)?)?;
        rules.push((pre, ctx(&plugin, dataset)));
    }
    let rules = Arc::new(rules);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    tokio.block_on(async {
        let mut workers = tokio::task::JoinSet::new();
        for _ in 0..jobs {
            let (rules, runtime, items, next) =
                (Arc::clone(&rules), Arc::clone(&runtime), Arc::clone(items), Arc::clone(&next));
            workers.spawn(async move {
                let limits = Limits::default();
                let mut instances = Vec::new();
                for (pre, ctx) in rules.iter() {
                    let mut store = runtime.store(Arc::clone(ctx), &limits);
                    let instance = pre.instantiate_async(&mut store).await?;
                    instances.push((store, instance));
                }
                while let Some(item) = items.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let wit_item = aigc_host::bindings::dataset::Item::from(item.clone());
                    for (store, instance) in instances.iter_mut() {
                        let verdict =
                            runtime::call(store, &limits, async |s| instance.call_check(s, &wit_item).await).await;
                        std::hint::black_box(verdict.map_err(|e| anyhow::anyhow!("{e}"))?);
                    }
                }
                anyhow::Ok(())
            });
        }
        while let Some(done) = workers.join_next().await {
            done??;
        }
        anyhow::Ok(())
    })?;
    Ok(started.elapsed())
}

/// `aigc-host clean` with the three plugins; its own measured duration (after plugin compilation and listing).
fn plugin(ds: &Path, models: &Path, jobs: usize) -> anyhow::Result<Duration> {
    let jobs = jobs.to_string();
    let (a, b, c) = (
        aigc_tests::plugins::SVG_NO_TEXT,
        aigc_tests::plugins::SVG_NO_PROHIBITION,
        aigc_tests::plugins::SVG_SINGLE_OBJECT,
    );
    let ds = ds.to_str().unwrap_or_default();
    let out = host(&["clean", ds, "--rule", a, "--rule", b, "--rule", c, "-j", &jobs, "--force", "--json"], models)?;
    let summary: serde_json::Value = serde_json::from_str(&out)?;
    Ok(Duration::from_millis(summary["duration_ms"].as_u64().unwrap_or(0)))
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() -> anyhow::Result<()> {
    let args = args()?;
    let work = tempfile::tempdir()?;
    let src = match &args.dir {
        Some(dir) => dir.clone(),
        None => {
            let dir = work.path().join("corpus");
            generate(&dir, args.count)?;
            dir
        }
    };
    let mut files = Vec::new();
    svg_files(&src, &mut files);
    files.sort();
    anyhow::ensure!(
        !files.is_empty(),
        "no .svg files under {} (cargo bench runs in tests/: pass an absolute path)",
        src.display()
    );

    // Per-SVG cost of one analysis (parse, render at 256 px, statistics) and of a 256 px PNG, one thread.
    let (mut analyse, mut raster) = (Vec::new(), Vec::new());
    for path in files.iter().take(1000) {
        let bytes = std::fs::read(path)?;
        let t = Instant::now();
        let _ = std::hint::black_box(svg::analyze(&bytes, &AnalysisOptions::default(), &SvgLimits::default()));
        analyse.push(t.elapsed());
        let t = Instant::now();
        let _ = std::hint::black_box(svg::rasterize(&bytes, 256, None, &SvgLimits::default()));
        raster.push(t.elapsed());
    }
    let ms = |v: &[Duration]| v.iter().map(Duration::as_secs_f64).sum::<f64>() * 1000.0 / v.len() as f64;
    let p90 = |mut v: Vec<Duration>| {
        v.sort();
        v[(v.len() - 1) * 9 / 10].as_secs_f64() * 1000.0
    };
    println!("one SVG at 256 px, one thread, {} SVGs:", analyse.len());
    println!(
        "  analyze (facts + render + shape statistics): mean {:.2} ms, p90 {:.2} ms",
        ms(&analyse),
        p90(analyse.clone())
    );
    println!(
        "  rasterize to PNG:                            mean {:.2} ms, p90 {:.2} ms",
        ms(&raster),
        p90(raster.clone())
    );

    let ds = work.path().join("ds");
    let models = work.path().join("no-models");
    host(&["dataset", "import", ds.to_str().unwrap_or_default(), src.to_str().unwrap_or_default(), "--json"], &models)?;
    let dataset = Arc::new(Dataset::open(&ds)?);
    let items = Arc::new(items(&dataset)?);
    let n = items.len() as f64;

    // One untimed pass each warms the plugin compilation cache and the page cache.
    plugin(&ds, &models, args.jobs)?;
    native(&dataset, &items, args.jobs, false)?;
    in_process(&dataset, &items, args.jobs)?;
    let mut times: [Vec<Duration>; 4] = Default::default();
    for _ in 0..args.runs {
        times[0].push(native(&dataset, &items, args.jobs, false)?);
        times[1].push(in_process(&dataset, &items, args.jobs)?);
        times[2].push(native(&dataset, &items, args.jobs, true)?);
        times[3].push(plugin(&ds, &models, args.jobs)?);
    }
    let [bare, inproc, stored, clean] = times.map(median);
    let rate = |d: Duration| n / d.as_secs_f64().max(1e-9);
    let overhead = |plugin: Duration, native: Duration| (plugin.as_secs_f64() / native.as_secs_f64() - 1.0) * 100.0;
    let source = args.dir.as_ref().map_or("a generated corpus".into(), |d| d.display().to_string());
    println!();
    println!(
        "{} SVGs from {source}, {} jobs, 256 px, median of {} runs (native and plugin runs alternate):",
        items.len(),
        args.jobs,
        args.runs
    );
    println!("| path | seconds | SVGs/s | overhead |");
    println!("|---|---:|---:|---:|");
    println!(
        "| native: host library `svg::analyze` + `svg-rules`, nothing stored | {:.2} | {:.0} | |",
        bare.as_secs_f64(),
        rate(bare)
    );
    println!(
        "| plugins in this process (instances, host calls, nothing stored) | {:.2} | {:.0} | {:+.1} % |",
        inproc.as_secs_f64(),
        rate(inproc),
        overhead(inproc, bare)
    );
    println!(
        "| native, verdicts stored in batches like `clean` | {:.2} | {:.0} | |",
        stored.as_secs_f64(),
        rate(stored)
    );
    println!(
        "| `aigc-host clean --force` with the 3 plugins (its duration_ms) | {:.2} | {:.0} | {:+.1} % |",
        clean.as_secs_f64(),
        rate(clean),
        overhead(clean, stored)
    );
    eprintln!(
        "native time storing verdicts, all runs and threads: {:.2} s",
        STORE_NS.load(Ordering::Relaxed) as f64 / 1e9
    );
    Ok(())
}
