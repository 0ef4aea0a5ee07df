//! The estimate against hostile SVGs (refused before rendering, quickly), ordinary ones (far below the caps),
//! and, in the ignored `calibrate` test, against measured render times on this machine.

use std::time::{Duration, Instant};

use super::*;
use crate::budget::{Meter, WorkLimits};
use crate::svg::{self, Limits, SvgError};

/// An SVG whose one shape carries a filter made of `primitives` (a region three times the shape's box).
fn filtered(primitives: &str) -> String {
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><filter id="f" x="-1" y="-1" width="3" height="3">{primitives}</filter><rect x="8" y="8" width="48" height="48" fill="#08f" filter="url(#f)"/></svg>"##
    )
}

fn svg(body: &str) -> String {
    format!(r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">{body}</svg>"##)
}

const ICON: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">
<defs><linearGradient id="g"><stop offset="0" stop-color="#f80"/><stop offset="1" stop-color="#08f"/></linearGradient></defs>
<circle cx="32" cy="32" r="28" fill="url(#g)"/>
<g opacity="0.8"><rect x="16" y="16" width="32" height="32" rx="4" fill="#fff" stroke="#222" stroke-width="2"/></g>
<path d="M20 40 L32 20 L44 40 Z" fill="#c00"/>
</svg>"##;

/// Groups nested `depth` deep, each a layer (opacity) holding a shape as large as the rasterizer's safe range
/// allows at 512 px (so each layer is as large as resvg makes one: 5 x 5 canvases).
fn layers(depth: usize) -> String {
    let open =
        r##"<g opacity="0.9"><rect x="-4000" y="-4000" width="8000" height="8000" fill="#0a0" fill-opacity="0.01"/>"##;
    svg(&format!("{}{}", open.repeat(depth), "</g>".repeat(depth)))
}

/// The estimate for rendering `text` at `size`, through the same parse the host does.
fn estimate(text: &str, size: u32) -> Cost {
    let meter = Meter::new(WorkLimits {
        call_work: u64::MAX,
        call_bytes: u64::MAX,
        plugin_work: u64::MAX,
        ..WorkLimits::default()
    });
    let parsed = crate::svg::parse::parse(text.as_bytes(), &Limits::default(), &mut meter.start("test")).unwrap();
    render(&parsed.tree, size, crate::svg::fit(&parsed.tree, size)).cost
}

/// The hostile inputs of issue #11 and relatives: each asks resvg for minutes or gigabytes.
fn hostile() -> Vec<(&'static str, String)> {
    let order = 300;
    let kernel = vec!["1"; order * order].join(" ");
    vec![
        ("feMorphology radius 1e6", filtered(r#"<feMorphology operator="dilate" radius="1000000"/>"#)),
        ("feTurbulence numOctaves 1e6", filtered(r#"<feTurbulence baseFrequency="0.05" numOctaves="1000000"/>"#)),
        ("5,000 chained blurs", filtered(&r#"<feGaussianBlur stdDeviation="1"/>"#.repeat(5000))),
        (
            "feConvolveMatrix order 300",
            filtered(&format!(r#"<feConvolveMatrix order="{order}" kernelMatrix="{kernel}"/>"#)),
        ),
        ("90 nested layers (at 512 px)", layers(90)),
        (
            "a pattern tile of 10^5 x 10^5 px",
            svg(
                r##"<pattern id="p" width="100000" height="100000" patternUnits="userSpaceOnUse"><rect width="10" height="10" fill="red"/></pattern><rect width="64" height="64" fill="url(#p)"/>"##,
            ),
        ),
        (
            "a million dashes per path, 2,000 paths",
            svg(&r##"<path d="M0 0 L64 64 L0 64 L64 0 Z" stroke="#000" stroke-dasharray="0.0002" fill="none"/>"##
                .repeat(2000)),
        ),
        (
            "20,000 full-canvas gradient rects",
            svg(&format!(
                r##"<linearGradient id="g"><stop offset="0" stop-color="#f80"/><stop offset="1" stop-color="#08f"/></linearGradient>{}"##,
                r##"<rect width="64" height="64" fill="url(#g)"/>"##.repeat(20_000)
            )),
        ),
    ]
}

#[test]
fn hostile_svgs_are_refused_with_a_limit_before_rendering_and_quickly() {
    for (name, text) in hostile() {
        // The analysis size, and the largest raster; the layers at 512 px, where their shape is still within the
        // rasterizer's safe range (refused for its memory, not its reach); 20,000 gradient fills of a 256 px
        // canvas are merely slow (allowed).
        let sizes: &[u32] = match name {
            n if n.contains("layers") => &[512],
            n if n.contains("rects") => &[2048],
            _ => &[256, 2048],
        };
        for &size in sizes {
            let started = Instant::now();
            let refused = match svg::rasterize(text.as_bytes(), size, None, &Limits::default()) {
                Ok(png) => panic!("{name} at {size} px: rendered, {} bytes of PNG", png.len()),
                Err(e) => e,
            };
            let took = started.elapsed();
            let over = |m: &str| m.contains("of host work") || m.contains("MiB of host memory");
            assert!(matches!(&refused, SvgError::Limit(m) if over(m)), "{name} at {size} px: {refused:?}");
            // Parsing and estimating only: a refused render costs about what parsing costs.
            assert!(took < Duration::from_secs(2), "{name} at {size} px: refused after {took:?}");
        }
    }
}

#[test]
fn ordinary_icons_cost_a_tiny_fraction_of_the_caps_and_the_same_every_time() {
    let caps = WorkLimits::default();
    for size in [64, 256, 2048] {
        let cost = estimate(ICON, size);
        assert!(cost.work < caps.call_work / 100, "{size} px: {cost:?}");
        assert!(cost.bytes < caps.call_bytes / 10, "{size} px: {cost:?}");
        assert_eq!(estimate(ICON, size), cost, "deterministic");
    }
    // The analysis raster the SVG rules use, end to end under the default caps.
    let analysis = svg::analyze(ICON.as_bytes(), &svg::AnalysisOptions::default(), &Limits::default());
    assert!(analysis.is_ok(), "{analysis:?}");
}

#[test]
fn the_estimate_grows_with_what_resvg_does() {
    let morphology = |r: u32| estimate(&filtered(&format!(r#"<feMorphology radius="{r}"/>"#)), 256).work;
    assert!(morphology(20) > 10 * morphology(2), "the window grows with the radius squared");
    let octaves = |n: u32| estimate(&filtered(&format!(r#"<feTurbulence numOctaves="{n}"/>"#)), 256).work;
    assert!(octaves(40) > 5 * octaves(4));
    let blurs = |n: usize| estimate(&filtered(&r#"<feGaussianBlur stdDeviation="2"/>"#.repeat(n)), 256);
    assert!(blurs(100).bytes > 50 * estimate(ICON, 256).bytes / 2, "every primitive's result is kept");
    assert!(
        estimate(&layers(20), 256).bytes > 10 * estimate(&layers(1), 256).bytes / 2,
        "nested layers are held at once"
    );
    assert!(estimate(ICON, 1024).work > 10 * estimate(ICON, 256).work, "work follows the raster's area");
}

/// Every SVG under `AIGC_SVG_CORPUS` (for example `bench/svg/work/corpus`, or any folder of icons): the largest
/// estimates at the analysis size, which must stay far below the caps, and none refused.
#[test]
#[ignore = "needs AIGC_SVG_CORPUS"]
fn a_corpus_of_real_svgs_stays_far_below_the_caps() {
    let Some(dir) = std::env::var_os("AIGC_SVG_CORPUS") else { return };
    let caps = WorkLimits::default();
    let mut costs = Vec::new();
    for entry in walkdir::WalkDir::new(dir).into_iter().filter_map(Result::ok) {
        if entry.path().extension().is_none_or(|e| e != "svg") {
            continue;
        }
        let Ok(bytes) = std::fs::read(entry.path()) else { continue };
        let meter = Meter::new(caps.clone());
        let mut work = meter.start("corpus");
        let Ok(parsed) = crate::svg::parse::parse(&bytes, &Limits::default(), &mut work) else { continue };
        let parse = work.charged();
        let cost = render(&parsed.tree, 256, crate::svg::fit(&parsed.tree, 256)).cost;
        costs.push((parse + cost.work, cost.bytes, entry.path().display().to_string()));
    }
    costs.sort();
    let n = costs.len();
    assert!(n > 0, "no SVGs found");
    let at = |q: f64| &costs[((n - 1) as f64 * q) as usize];
    for (label, q) in [("median", 0.5), ("p99", 0.99), ("max", 1.0)] {
        let (w, b, path) = at(q);
        println!("{label}: {:.3} ms, {:.1} MiB  {path}", *w as f64 / 1e6, *b as f64 / 1048576.0);
    }
    let (w, b, path) = at(1.0);
    assert!(*w < caps.call_work / 20 && *b < caps.call_bytes / 4, "{path}: {w} units, {b} bytes");
    println!("{n} SVGs");
}

/// Parse time against element count, to see whether usvg's conversion is linear.
#[test]
#[ignore = "calibration"]
fn parse_scaling() {
    let gradient = r##"<linearGradient id="g"><stop offset="0" stop-color="#f80"/><stop offset="1" stop-color="#08f"/></linearGradient>"##;
    for n in [2_000usize, 8_000, 32_000] {
        for (label, body) in [
            ("gradient", format!("{gradient}{}", r##"<rect width="64" height="64" fill="url(#g)"/>"##.repeat(n))),
            ("solid", r##"<rect width="64" height="64" fill="#0a0"/>"##.repeat(n)),
            ("groups", r##"<g opacity="0.5"><rect width="64" height="64" fill="#0a0"/></g>"##.repeat(n)),
            ("paths", r##"<path d="M0 0 L64 64 L0 64 Z" fill="#0a0"/>"##.repeat(n)),
            // objectBoundingBox gradients are copied per use and collected in quadratic time: charged per pair.
            (
                "gradient uses",
                format!("{gradient}{}", r##"<rect width="1" height="1" fill="url(#g)"/>"##.repeat(n * 3)),
            ),
        ] {
            let text = svg(&body);
            let meter = Meter::new(WorkLimits {
                call_work: u64::MAX,
                call_bytes: u64::MAX,
                plugin_work: u64::MAX,
                ..WorkLimits::default()
            });
            let mut work = meter.start("scaling");
            let started = Instant::now();
            let parsed = crate::svg::parse::parse(text.as_bytes(), &Limits::default(), &mut work).unwrap();
            let took = started.elapsed();
            let estimate = work.charged();
            let started = Instant::now();
            let cost = render(&parsed.tree, 256, crate::svg::fit(&parsed.tree, 256)).cost;
            let walk = started.elapsed();
            println!(
                "{label:<9} {n:>6}: parse {:>9.3} ms (estimate {:>9.3} ms), walk {:>7.3} ms, render estimate {:>9.3} ms",
                took.as_secs_f64() * 1e3,
                estimate as f64 / 1e6,
                walk.as_secs_f64() * 1e3,
                cost.work as f64 / 1e6
            );
        }
    }
}

/// Estimates against measured renders on this machine: prints one line per case (estimate, measured, ratio).
/// The prices in `cost.rs` were set from these numbers; run it again after changing them or resvg.
#[test]
#[ignore = "calibration: prints estimates against timings"]
fn calibrate() {
    let rects = |n: usize, fill: &str| svg(&format!(r##"<rect width="64" height="64" fill="{fill}"/>"##).repeat(n));
    let gradient = r##"<linearGradient id="g"><stop offset="0" stop-color="#f80"/><stop offset="1" stop-color="#08f"/></linearGradient>"##;
    let cases: Vec<(String, String, u32)> = vec![
        ("icon 256".into(), ICON.into(), 256),
        ("icon 2048".into(), ICON.into(), 2048),
        ("200 solid rects 1024".into(), rects(200, "#0a0"), 1024),
        ("200 gradient rects 1024".into(), svg(&format!("{gradient}{}", r##"<rect width="64" height="64" fill="url(#g)"/>"##.repeat(200))), 1024),
        ("20 layers 256".into(), layers(20), 256),
        ("morphology r2 256".into(), filtered(r#"<feMorphology radius="2"/>"#), 256),
        ("morphology r8 256".into(), filtered(r#"<feMorphology radius="8"/>"#), 256),
        ("turbulence 4 256".into(), filtered(r#"<feTurbulence numOctaves="4"/>"#), 256),
        ("turbulence 30 256".into(), filtered(r#"<feTurbulence numOctaves="30"/>"#), 256),
        ("50 blurs 256".into(), filtered(&r#"<feGaussianBlur stdDeviation="3"/>"#.repeat(50)), 256),
        ("blur 30 1024".into(), filtered(r#"<feGaussianBlur stdDeviation="30"/>"#), 1024),
        ("convolve 9 256".into(), filtered(&format!(r#"<feConvolveMatrix order="9" kernelMatrix="{}"/>"#, vec!["1"; 81].join(" "))), 256),
        ("lighting 512".into(), filtered(r#"<feDiffuseLighting><feDistantLight azimuth="45" elevation="30"/></feDiffuseLighting>"#), 512),
        ("20 offsets+composites 512".into(), filtered(&r#"<feOffset dx="2" dy="2"/><feComposite operator="over" in2="SourceGraphic"/>"#.repeat(10)), 512),
        ("tile 512".into(), filtered(r#"<feFlood flood-color="red" x="0" y="0" width="10" height="10"/><feTile/>"#), 512),
        ("pattern 512".into(), svg(r##"<pattern id="p" width="8" height="8" patternUnits="userSpaceOnUse"><circle cx="4" cy="4" r="3" fill="red"/></pattern><rect width="64" height="64" fill="url(#p)"/>"##), 512),
        ("masks 512".into(), svg(&r##"<mask id="m"><rect width="64" height="64" fill="#fff"/></mask><g mask="url(#m)"><circle cx="32" cy="32" r="30"/></g>"##.repeat(10)), 512),
        ("clips 512".into(), svg(&r##"<clipPath id="c"><circle cx="32" cy="32" r="20"/></clipPath><rect width="64" height="64" clip-path="url(#c)"/>"##.repeat(10)), 512),
        ("dashes 256".into(), svg(&r##"<path d="M0 0 L64 64 L0 64 L64 0 Z" stroke="#000" stroke-dasharray="0.05" fill="none"/>"##.repeat(20)), 256),
        ("strokes 512".into(), svg(&r##"<path d="M0 0 C 10 60 50 4 64 64 S 0 30 10 10" stroke="#000" stroke-width="3" fill="none"/>"##.repeat(200)), 512),
        ("text 256".into(), svg(&format!(r##"<text x="2" y="30" font-size="4">{}</text>"##, "Hello world, text. ".repeat(100))), 256),
    ];
    println!("{:<28} {:>12} {:>12} {:>7}", "case", "estimate ms", "measured ms", "ratio");
    for (name, text, size) in cases {
        // Parse (charged as estimated) and render, each timed apart; the best of three runs.
        let mut best_parse = Duration::MAX;
        let mut best_render = Duration::MAX;
        let mut parse_estimate = 0;
        let mut render_estimate = 0;
        for _ in 0..3 {
            let meter = Meter::new(WorkLimits {
                call_work: u64::MAX,
                call_bytes: u64::MAX,
                plugin_work: u64::MAX,
                ..WorkLimits::default()
            });
            let mut work = meter.start("calibrate");
            let started = Instant::now();
            let parsed = crate::svg::parse::parse(text.as_bytes(), &Limits::default(), &mut work).unwrap();
            best_parse = best_parse.min(started.elapsed());
            parse_estimate = work.charged();
            let before = work.charged();
            let started = Instant::now();
            crate::svg::png(&parsed.tree, size, None, &Limits::default(), &mut work).unwrap();
            best_render = best_render.min(started.elapsed());
            render_estimate = work.charged() - before;
        }
        for (part, estimate, measured) in
            [("parse", parse_estimate, best_parse), ("render", render_estimate, best_render)]
        {
            let measured_ns = measured.as_nanos() as f64;
            println!(
                "{:<28} {:>12.3} {:>12.3} {:>7.2}",
                format!("{name} {part}"),
                estimate as f64 / 1e6,
                measured_ns / 1e6,
                estimate as f64 / measured_ns.max(1.0)
            );
        }
    }
}

/// Peak resident memory of this process so far, KiB (Linux `VmHWM`).
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status.lines().find_map(|l| l.strip_prefix("VmHWM:")?.trim().strip_suffix("kB")?.trim().parse().ok()).unwrap_or(0)
}

/// What the hostile SVGs cost without the estimate, on scaled-down versions rendered straight with resvg (the full
/// ones take minutes or gigabytes); each line says how the full case scales from the one measured. Run alone,
/// in increasing order of memory, so each peak-RSS step is that case's.
#[test]
#[ignore = "measurement: renders costly SVGs without the estimate"]
fn before() {
    let cases: Vec<(&str, String, u32, &str)> = vec![
        (
            "feMorphology radius 1e6",
            filtered(r#"<feMorphology operator="dilate" radius="1000000"/>"#),
            64,
            "x (576/144)^4 = 256 at 256 px",
        ),
        (
            "feTurbulence numOctaves 1000",
            filtered(r#"<feTurbulence baseFrequency="0.05" numOctaves="1000"/>"#),
            256,
            "x 1000 for 1e6 octaves",
        ),
        (
            "200 chained blurs",
            filtered(&r#"<feGaussianBlur stdDeviation="1"/>"#.repeat(200)),
            256,
            "x 25 for 5,000 (time and memory)",
        ),
    ];
    for (name, text, size, scale) in cases {
        let tree = resvg::usvg::Tree::from_str(&text, &resvg::usvg::Options::default()).unwrap();
        let mut pixmap = resvg::tiny_skia::Pixmap::new(size, size).unwrap();
        let before = peak_rss_kib();
        let started = Instant::now();
        resvg::render(&tree, crate::svg::fit(&tree, size), &mut pixmap.as_mut());
        let took = started.elapsed();
        let estimate = render(&tree, size, crate::svg::fit(&tree, size)).cost;
        println!(
            "{name} at {size} px: {:.2} s, peak RSS +{} MiB (estimate {:.2} s, {} MiB); full case {scale}",
            took.as_secs_f64(),
            peak_rss_kib().saturating_sub(before) / 1024,
            estimate.work as f64 / 1e9,
            estimate.bytes >> 20
        );
    }
}

#[test]
fn shapes_reaching_beyond_the_rasterizers_range_are_refused_and_near_ones_drawn() {
    // The fuzzer's 82-byte SVG that aborted the process inside tiny-skia, and the same shape through a transform,
    // a stroke and a pattern tile.
    let far = [
        include_str!("../../../../fuzz/regressions/svg/abort-tiny-skia-far-vertex.svg").to_string(),
        svg(r#"<g transform="scale(1e6)"><rect width="1" height="1"/></g>"#),
        svg(r#"<path d="M0 0 L1 1" stroke="black" stroke-width="1e9"/>"#),
        svg(r##"<defs><pattern id="p" width="10" height="10"><path d="M0 0 L5 -1e9 L10 0z"/></pattern></defs>
               <rect width="20" height="20" fill="url(#p)"/>"##),
    ];
    for text in &far {
        for size in [64, 256, 1024] {
            let error = svg::rasterize(text.as_bytes(), size, None, &Limits::default()).unwrap_err();
            assert!(
                matches!(&error, SvgError::Limit(m) if m.contains("beyond the host's safe range")),
                "{size} px: {error:?}\n{text}"
            );
        }
    }
    // Off the canvas but within reach: drawn (clipped) as before.
    let near = svg(r#"<path d="M3 .1 .6 -900 4 0"/><circle cx="12" cy="12" r="8"/>"#);
    assert!(svg::rasterize(near.as_bytes(), 256, None, &Limits::default()).is_ok());
}

#[test]
fn arcs_that_kurbo_would_cut_into_millions_of_cubics_are_refused_before_usvg_parses_them() {
    // The fuzzer's 79-byte SVG: an arc of radius 1e38 parsed for minutes inside usvg (svgtypes drains its cubics
    // one at a time from the front of a vector).
    let hang = include_str!("../../../../fuzz/regressions/svg/hang-svgtypes-huge-arc-radius.svg");
    let tiny_radius_far_end = svg(r#"<path d="M0 0 A0.001 0.001 0 0 1 1e36 0"/>"#);
    // An arc allowed once (about 4 s of parsing) but instantiated ten times through <use>.
    let used = svg(&format!(
        r##"<defs><path id="p" d="M0 0 a4 1e30 0 0 1 4 -4"/></defs>{}"##,
        r##"<use href="#p"/>"##.repeat(10)
    ));
    for text in [hang.to_string(), tiny_radius_far_end, used] {
        let started = Instant::now();
        let refused = svg::facts(text.as_bytes(), &Limits::default());
        assert!(matches!(&refused, Err(SvgError::Limit(m)) if m.contains("of host work")), "{refused:?}\n{text}");
        assert!(started.elapsed() < Duration::from_secs(1), "{:?}", started.elapsed());
    }
    // Ordinary arcs (rounded corners, circles drawn with arcs, relative and implicit segments) cost next to nothing.
    let ordinary = r#"M10 0 h44 a10 10 0 0 1 10 10 v44 a10 10 0 0 1 -10 10 H10 A10 10 0 0 1 0 54 V10 a10,10 0 0,1 10-10z
                      M32 8 a24 24 0 1 0 0.001 0 24 24 0 1 1 -0.001 0"#;
    let counts = super::arc_cubics(ordinary);
    assert_eq!(counts.len(), 6);
    assert!(counts.iter().all(|&n| n <= 6.0), "{counts:?}");
    assert!(svg::facts(svg(&format!(r#"<path d="{ordinary}"/>"#)).as_bytes(), &Limits::default()).is_ok());
}
