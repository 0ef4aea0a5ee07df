//! A cleaner as a plugin author built it against `aigc:plugin@0.1.0`, before 0.1.1 existed: raw wit-bindgen
//! bindings of the frozen WIT in `tests/wit-0.1.0`, no SDK. It keeps items whose title is longer than
//! `min_title` characters, asking the host for its config and logging through 0.1.0's interfaces, so running it
//! exercises imports, exports and a record type across the version boundary.

// wit-bindgen's generated glue is the unsafe FFI every component has; the SDK hides the same behind its macro.
#![allow(unsafe_code)]

wit_bindgen::generate!({
    path: "../../wit-0.1.0",
    world: "aigc:plugin/cleaner@0.1.0",
    generate_all,
});

// The world's `use` statements already bring `Item` and `Verdict` in.
use aigc::plugin::{config, log};

// The manifest as the 0.1.0 SDK wrote it: a JSON custom section naming WIT 0.1.0.
const MANIFEST_TEXT: &str = concat!(
    "{\"name\":\"legacy-cleaner\",\"version\":\"",
    env!("CARGO_PKG_VERSION"),
    "\",\"wit\":\"aigc:plugin@0.1.0\",\"plugin\":{\"kind\":\"cleaner\",",
    "\"config\":{\"min_title\":{\"default\":\"3\",\"help\":\"shortest title kept\"}}}}"
);

const fn bytes<const N: usize>(text: &str) -> [u8; N] {
    let src = text.as_bytes();
    let mut out = [0u8; N];
    let mut i = 0;
    while i < N {
        out[i] = src[i];
        i += 1;
    }
    out
}

// A custom section is the manifest's only carrier; `link_section` is how Rust writes one.
#[allow(unsafe_code)]
#[unsafe(link_section = "aigc:manifest")]
#[used]
static MANIFEST: [u8; MANIFEST_TEXT.len()] = bytes(MANIFEST_TEXT);

struct Legacy;

impl Guest for Legacy {
    fn check(item: Item) -> Result<Verdict, String> {
        let min: usize = config::get("min_title").and_then(|v| v.parse().ok()).unwrap_or(3);
        let title = item.title.unwrap_or_default();
        log::log(log::Level::Info, &format!("legacy rule saw `{title}`"));
        let keep = title.chars().count() > min;
        Ok(Verdict {
            keep,
            reason: if keep { "long-title" } else { "short-title" }.into(),
            score: Some(title.len() as f64),
        })
    }
}

export!(Legacy);
