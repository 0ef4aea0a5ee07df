//! A grader that spends the host's work instead of its own: its own code does next to nothing, so fuel and CPU
//! limits never stop it. The tests check that the host-work budget does, at the same call on every run, and that
//! a wall-clock limit ends the process promptly even while the host is still rendering for it.

use aigc_sdk::{Check, Grader, Report, Result, config, log, svg};

aigc_sdk::manifest!({
    "kind": "grader",
    "description": "Test grader: makes the host rasterize SVGs for it",
    "config": {
        "mode": { "default": "rasterize-loop", "help": "rasterize-loop (forever, a small icon) or slow-render (one costly but allowed render)" },
        "size": { "default": "256", "help": "raster size in pixels" }
    }
});

/// An ordinary icon: a circle and a square.
const ICON: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><circle cx="8" cy="8" r="6" fill="#c33"/><rect x="12" y="12" width="10" height="10" fill="#36c"/></svg>"##;

/// A drawing whose render is slow but within every cap: a few blurred shapes at the largest raster size.
fn slow_svg() -> String {
    let mut svg = String::from(r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100"><defs>"##);
    for i in 0..12 {
        svg.push_str(&format!(r##"<filter id="b{i}"><feGaussianBlur stdDeviation="{}"/></filter>"##, 2 + i));
    }
    svg.push_str("</defs>");
    for i in 0..12 {
        svg.push_str(&format!(
            r##"<circle cx="50" cy="50" r="{}" fill="#{:02x}3366" filter="url(#b{i})"/>"##,
            45 - 3 * i,
            20 * i
        ));
    }
    svg.push_str("</svg>");
    svg
}

struct HostHog;

impl Grader for HostHog {
    fn grade() -> Result<Report> {
        let size: u32 = config::get_or("size", "256").parse().unwrap_or(256);
        match config::get_or("mode", "rasterize-loop").as_str() {
            "slow-render" => {
                let svg = slow_svg();
                let mut drawn = 0;
                // Enough renders that the wall-clock limit, not the work, ends the call.
                for _ in 0..1000 {
                    match svg::rasterize(svg.as_bytes(), size, None) {
                        Ok(_) => drawn += 1,
                        Err(e) => log::warn(&format!("render refused: {e:?}")),
                    }
                    log::info(&format!("render {drawn} done"));
                }
                Ok(Report {
                    checks: vec![Check {
                        name: "drawn".into(),
                        passed: true,
                        points: drawn as f64,
                        max_points: 1000.0,
                        message: String::new(),
                    }],
                })
            }
            _ => {
                let mut calls: u64 = 0;
                loop {
                    calls += 1;
                    if let Err(e) = svg::rasterize(ICON.as_bytes(), size, None) {
                        log::warn(&format!("rasterize failed on call {calls}: {e:?}"));
                    }
                    // One line per call, so a test can see exactly where the budget stopped it.
                    log::info(&format!("call {calls}"));
                }
            }
        }
    }
}

aigc_sdk::export_grader!(HostHog);
