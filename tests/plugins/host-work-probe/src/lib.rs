//! A cleaner that makes one host call with a hostile input, chosen by `mode`, and reports what came back in its
//! verdict's reason: `ok ...` or `<error kind>: <message>`. The inputs the host must bound are built here (a few
//! hundred bytes of SVG filters, a 32 MiB text) or read from the item (a large image the test generated), so the
//! test measures the host's time and memory for exactly one call.

use aigc_sdk::bindings::aigc::plugin::model as raw_model;
use aigc_sdk::bindings::aigc::plugin::types::Error as HostError;
use aigc_sdk::dataset::Item;
use aigc_sdk::image::{self, Encoding};
use aigc_sdk::{Cleaner, Error, Result, Verdict, config, svg};

aigc_sdk::manifest!({
    "kind": "cleaner",
    "description": "Test rule: one host call with a hostile input per mode",
    "models": ["clip"],
    "config": {
        "mode": { "default": "svg-icon", "help": "svg-icon, svg-morphology, svg-turbulence, svg-blurs, svg-layers, svg-convolve, svg-loop, image-resize, image-measure, model-image, model-text, model-text-short" },
        "size": { "default": "256", "help": "raster size for the svg modes" }
    }
});

/// A normal icon: a few shapes, a gradient, a group with opacity.
const ICON: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">
<defs><linearGradient id="g"><stop offset="0" stop-color="#f80"/><stop offset="1" stop-color="#08f"/></linearGradient></defs>
<circle cx="32" cy="32" r="28" fill="url(#g)"/>
<g opacity="0.8"><rect x="16" y="16" width="32" height="32" rx="4" fill="#fff" stroke="#222" stroke-width="2"/></g>
<path d="M20 40 L32 20 L44 40 Z" fill="#c00"/>
</svg>"##;

/// An SVG whose one shape carries `filter` (the primitives inside `<filter id="f">`).
fn filtered(primitives: &str) -> String {
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><filter id="f" x="-1" y="-1" width="3" height="3">{primitives}</filter><rect x="8" y="8" width="48" height="48" fill="#08f" filter="url(#f)"/></svg>"##
    )
}

/// Groups nested `depth` deep, each with opacity (so each is a layer) and a large shape (so each layer is as large
/// as resvg allows, 5 x 5 canvases; the shape stays within the rasterizer's safe range up to 512 px).
fn layers(depth: usize) -> String {
    let open =
        r##"<g opacity="0.9"><rect x="-4000" y="-4000" width="8000" height="8000" fill="#0a0" fill-opacity="0.01"/>"##;
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">{}{}</svg>"##,
        open.repeat(depth),
        "</g>".repeat(depth)
    )
}

fn hostile_svg(mode: &str) -> Option<String> {
    Some(match mode {
        "svg-icon" | "svg-loop" => ICON.to_string(),
        "svg-morphology" => filtered(r#"<feMorphology operator="dilate" radius="1000000"/>"#),
        "svg-turbulence" => filtered(r#"<feTurbulence baseFrequency="0.05" numOctaves="1000000"/>"#),
        "svg-blurs" => filtered(&r#"<feGaussianBlur stdDeviation="1"/>"#.repeat(5000)),
        "svg-convolve" => {
            let order = 300;
            let kernel = vec!["1"; order * order].join(" ");
            filtered(&format!(r#"<feConvolveMatrix order="{order}" kernelMatrix="{kernel}"/>"#))
        }
        "svg-layers" => layers(90),
        _ => return None,
    })
}

fn kind(error: &HostError) -> (&'static str, &str) {
    match error {
        HostError::NotFound(m) => ("not-found", m),
        HostError::Denied(m) => ("denied", m),
        HostError::Invalid(m) => ("invalid", m),
        HostError::Limit(m) => ("limit", m),
        HostError::Other(m) => ("other", m),
    }
}

/// The verdict for one call's outcome; messages cut so the reason stays short.
fn report<T>(outcome: std::result::Result<T, HostError>, ok: impl FnOnce(T) -> String) -> Result<Verdict> {
    let reason = match outcome {
        Ok(value) => format!("ok {}", ok(value)),
        Err(e) => {
            let (kind, message) = kind(&e);
            let cut: String = message.chars().take(240).collect();
            format!("{kind}: {cut}")
        }
    };
    Ok(Verdict { keep: reason.starts_with("ok"), reason, score: None })
}

struct Probe;

impl Cleaner for Probe {
    fn check(item: Item) -> Result<Verdict> {
        let mode = config::get_or("mode", "svg-icon");
        let size: u32 = config::get_or("size", "256").parse().map_err(|e| Error::msg(format!("size: {e}")))?;
        if mode == "svg-loop" {
            // Until the host says no: a limit error comes back, or the plugin is stopped.
            let mut calls = 0u64;
            loop {
                match svg::rasterize(ICON.as_bytes(), size, None) {
                    Ok(_) => calls += 1,
                    Err(e) => {
                        return report::<()>(Err(e), |_| String::new()).map(|mut v| {
                            v.reason = format!("after {calls} calls: {}", v.reason);
                            v
                        });
                    }
                }
            }
        }
        if let Some(text) = hostile_svg(&mode) {
            return report(svg::rasterize(text.as_bytes(), size, None), |png| format!("{} bytes of PNG", png.len()));
        }
        let first = || item.files.first().map(|f| f.name.clone()).ok_or_else(|| Error::msg("the item has no file"));
        match mode.as_str() {
            "image-resize" => {
                let bytes = item.read(&first()?)?;
                report(image::resize(&bytes, 4000, 4000, Encoding::Png), |png| format!("{} bytes of PNG", png.len()))
            }
            "image-measure" => {
                report(image::measure_file(&item.id, &first()?), |f| format!("{}x{}", f.width, f.height))
            }
            "model-image" => {
                let bytes = item.read(&first()?)?;
                report(raw_model::embed_images("clip", &[bytes]), |e| format!("{} embedding(s)", e.len()))
            }
            "model-text" | "model-text-short" => {
                let text = if mode == "model-text" {
                    "a photo of a cat sitting on a mat. ".repeat((32 << 20) / 35)
                } else {
                    "a photo of a cat sitting on a mat. ".to_string()
                };
                report(raw_model::embed_texts("clip", &[text]), |e| format!("{} embedding(s)", e.len()))
            }
            other => Err(Error::msg(format!("unknown mode `{other}`"))),
        }
    }
}

aigc_sdk::export_cleaner!(Probe);
