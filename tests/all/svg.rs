//! The `svg` capability and the three SVG rules: the host's analysis on hand-made SVGs (library level), each rule
//! through `aigc-host clean` on cases for both outcomes, and hostile SVGs (malformed, truncated, huge, deeply
//! nested, external references, entity and `<use>` bombs) that must each end as a recorded verdict with a clear
//! message, never a crash or a read outside the item.

use std::path::Path;

use aigc_host::svg::{self, AnalysisOptions, Limits, SvgError};
use aigc_tests::{aigc, command, plugins};

const NS: &str = "xmlns='http://www.w3.org/2000/svg'";

fn doc(body: &str) -> String {
    format!("<svg {NS} viewBox='0 0 100 100' width='100' height='100'>{body}</svg>")
}

/// A red disc: one plain object, no text, no sign.
fn plain() -> String {
    doc("<circle cx='50' cy='50' r='40' fill='#e33'/>")
}

fn text() -> String {
    doc("<text x='8' y='62' font-size='40' font-family='DejaVu Sans'>Hi!</text>")
}

/// "HEH" drawn as stroked paths: letters without `<text>`.
fn outlined_letters() -> String {
    doc("<g fill='none' stroke='#000' stroke-width='4'>\
         <path d='M8 30 V70 M8 50 H28 M28 30 V70'/>\
         <path d='M40 30 V70 H58 M40 30 H58 M40 50 H55'/>\
         <path d='M70 30 V70 M70 50 H90 M90 30 V70'/></g>")
}

/// A four-legged animal-like shape.
fn animal() -> &'static str {
    "<g fill='#333'><ellipse cx='50' cy='52' rx='22' ry='12'/><circle cx='74' cy='40' r='8'/>\
     <rect x='32' y='58' width='5' height='18'/><rect x='40' y='58' width='5' height='18'/>\
     <rect x='56' y='58' width='5' height='18'/><rect x='63' y='58' width='5' height='18'/></g>"
}

fn animal_alone() -> String {
    doc(animal())
}

/// The animal under a red circle-slash.
fn forbidden_animal() -> String {
    doc(&format!(
        "{}<circle cx='50' cy='50' r='42' fill='none' stroke='#d00' stroke-width='8'/>\
         <line x1='20.3' y1='20.3' x2='79.7' y2='79.7' stroke='#d00' stroke-width='8'/>",
        animal()
    ))
}

/// A red disc with a white bar: no entry.
fn no_entry() -> String {
    doc("<circle cx='50' cy='50' r='45' fill='#d00'/><rect x='20' y='42' width='60' height='16' fill='#fff'/>")
}

fn four_shapes() -> String {
    doc("<rect x='5' y='5' width='30' height='30' fill='#36c'/><circle cx='80' cy='20' r='15' fill='#3a3'/>\
         <path d='M5 95 L20 65 L35 95 Z' fill='#c33'/><rect x='65' y='65' width='30' height='30' rx='8' fill='#fa0'/>")
}

/// A flower with a little grass at its foot.
fn flower_with_grass() -> String {
    doc("<rect x='48' y='45' width='4' height='45' fill='#2a2'/>\
         <g fill='#f6c'><circle cx='50' cy='18' r='11'/><circle cx='67' cy='30' r='11'/><circle cx='61' cy='48' r='11'/>\
         <circle cx='39' cy='48' r='11'/><circle cx='33' cy='30' r='11'/></g><circle cx='50' cy='33' r='9' fill='#fc0'/>\
         <path d='M20 95 L24 84 L28 95 Z M72 95 L76 85 L80 95 Z' fill='#2a2'/>")
}

fn analyze(svg: &str) -> svg::Analysis {
    svg::analyze(svg.as_bytes(), &AnalysisOptions::default(), &Limits::default()).unwrap()
}

#[test]
fn facts_report_text_elements_colours_and_bounds() {
    let facts = svg::facts(text().as_bytes(), &Limits::default()).unwrap();
    assert_eq!(facts.texts.len(), 1);
    assert_eq!(facts.texts[0].content, "Hi!");
    assert_eq!(facts.texts[0].font_families, vec!["DejaVu Sans".to_string()]);
    assert_eq!(facts.view_box.map(|v| v.width), Some(100.0));
    assert!(facts.elements.iter().any(|(tag, n)| tag == "text" && *n == 1), "{:?}", facts.elements);
    if facts.fonts_available {
        assert!(facts.texts[0].bbox.is_some() && facts.paths > 0, "text is laid out when fonts exist: {facts:?}");
    }
    let plain = svg::facts(plain().as_bytes(), &Limits::default()).unwrap();
    assert_eq!(plain.colours.len(), 1);
    assert_eq!((plain.colours[0].0.r, plain.colours[0].0.g, plain.colours[0].0.b), (0xee, 0x33, 0x33));
    let bbox = plain.content_bbox.unwrap();
    assert!((bbox.x - 10.0).abs() < 0.01 && (bbox.width - 80.0).abs() < 0.01, "{bbox:?}");
}

#[test]
fn rasterize_gives_a_png_of_the_asked_size_and_background() {
    let png =
        svg::rasterize(plain().as_bytes(), 64, Some(svg::Rgba { r: 255, g: 255, b: 255, a: 255 }), &Limits::default())
            .unwrap();
    assert_eq!(&png[1..4], b"PNG");
    assert_eq!(u32::from_be_bytes(png[16..20].try_into().unwrap()), 64, "IHDR width");
    let too_big = svg::rasterize(plain().as_bytes(), 100_000, None, &Limits::default()).unwrap_err();
    assert!(matches!(too_big, SvgError::Limit(ref m) if m.contains("raster")), "{too_big:?}");
}

#[test]
fn shape_stats_count_parts_holes_and_colour_regions() {
    let four = analyze(&four_shapes());
    assert_eq!(four.stats.component_count, 4, "{:?}", four.stats.components);
    let sizes: Vec<u32> = four.stats.components.iter().map(|c| c.area).collect();
    assert!(sizes.windows(2).all(|w| w[0] >= w[1]), "largest first: {sizes:?}");

    let sign = analyze(&forbidden_animal());
    let red = sign.stats.regions.iter().find(|r| r.colour.r > 180 && r.colour.g < 60).expect("a red region");
    assert!(red.holes.len() >= 2, "the slash splits the ring's inside in two: {red:?}");
    assert!(red.encloses >= 1, "the animal's parts lie inside the ring: {red:?}");

    let disc = analyze(&plain());
    assert_eq!(disc.stats.component_count, 1);
    assert!(disc.stats.components[0].holes.is_empty());
    assert!((disc.stats.fill_ratio - std::f32::consts::FRAC_PI_4).abs() < 0.03, "{}", disc.stats.fill_ratio);
}

#[test]
fn external_references_are_never_followed() {
    let dir = tempfile::tempdir().unwrap();
    // A file that would draw a big black square if the parser ever loaded it.
    let outside = dir.path().join("outside.svg");
    std::fs::write(&outside, doc("<rect width='100' height='100'/>")).unwrap();
    let hostile = doc(&format!(
        "<image href='file://{0}' width='100' height='100'/><image href='{0}' width='100' height='100'/>\
         <image href='http://127.0.0.1:9/x.png' width='100' height='100'/>\
         <image href='file:///etc/passwd' width='100' height='100'/>",
        outside.display()
    ));
    let a = analyze(&hostile);
    assert_eq!(a.stats.drawn, 0, "nothing outside the SVG was drawn");
    assert_eq!(a.facts.external_refs, 4);
    assert_eq!(a.facts.images, 4);
    // A nested SVG in a data URL would be parsed without the caps: refused (ignored) too.
    let nested = doc(
        "<image href='data:image/svg+xml;utf8,&lt;svg xmlns=\"http://www.w3.org/2000/svg\"&gt;&lt;rect width=\"9\" height=\"9\"/&gt;&lt;/svg&gt;' width='100' height='100'/>",
    );
    assert_eq!(analyze(&nested).stats.drawn, 0);
}

/// The hostile inputs of the clean test, by file name, with the verdict reason each must get.
fn hostile() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    let mut nested = String::from("<svg xmlns='http://www.w3.org/2000/svg'>");
    nested.push_str(&"<g>".repeat(5000));
    nested.push_str("<circle r='5'/>");
    nested.push_str(&"</g>".repeat(5000));
    nested.push_str("</svg>");
    let laughs = format!(
        "<?xml version='1.0'?><!DOCTYPE svg [<!ENTITY lol 'lol'>{}]><svg {NS}><text>&lol9;</text></svg>",
        (1..10)
            .map(|i| format!(
                "<!ENTITY lol{i} '{}'>",
                format!("&lol{};", if i == 1 { String::new() } else { (i - 1).to_string() }).repeat(10)
            ))
            .collect::<String>()
    );
    let mut uses = format!("<svg {NS} xmlns:xlink='http://www.w3.org/1999/xlink'><defs><circle id='u0' r='1'/>");
    for i in 1..=12 {
        uses.push_str(&format!("<g id='u{i}'>{}</g>", format!("<use href='#u{}'/>", i - 1).repeat(10)));
    }
    uses.push_str("</defs><use href='#u12'/></svg>");
    let valid = forbidden_animal();
    let mut huge = doc("<circle r='5'/>").into_bytes();
    huge.extend(std::iter::repeat_n(b' ', 9 << 20));
    vec![
        ("malformed.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><g><circle r='4'></svg>".to_vec(), "invalid-svg"),
        ("truncated.svg", valid.as_bytes()[..valid.len() / 2].to_vec(), "invalid-svg"),
        ("not-svg.svg", b"<html><body>hello</body></html>".to_vec(), "invalid-svg"),
        ("nested.svg", nested.into_bytes(), "svg-over-limit"),
        ("laughs.svg", laughs.into_bytes(), "svg-over-limit"),
        ("use-bomb.svg", uses.into_bytes(), "svg-over-limit"),
        ("huge.svg", huge, "svg-over-limit"),
    ]
}

#[test]
fn hostile_svgs_are_clear_errors_in_the_library() {
    for (name, bytes, reason) in hostile() {
        let error = svg::analyze(&bytes, &AnalysisOptions::default(), &Limits::default()).unwrap_err();
        let expected = if reason == "invalid-svg" { "Invalid" } else { "Limit" };
        assert!(format!("{error:?}").starts_with(expected), "{name}: {error:?}");
        assert!(error.to_string().len() > 20, "{name}: the message says what is wrong: {error}");
    }
}

fn import(dir: &Path, files: &[(&str, Vec<u8>)]) -> std::path::PathBuf {
    let src = dir.join("src");
    std::fs::create_dir_all(&src).unwrap();
    for (name, bytes) in files {
        std::fs::write(src.join(name), bytes).unwrap();
    }
    let ds = dir.join("ds");
    aigc(["dataset", "import", ds.to_str().unwrap(), src.to_str().unwrap()]).assert_ok();
    ds
}

/// `aigc-host clean` with the given rules, with an empty model registry (so svg-no-text judges by shape).
fn clean(ds: &Path, models: &Path, rules: &[&str]) -> aigc_tests::Output {
    let mut args = vec!["clean".to_string(), ds.display().to_string(), "--json".into(), "-j".into(), "2".into()];
    for rule in rules {
        args.extend(["--rule".to_string(), rule.to_string()]);
    }
    let out = command(&args).env("AIGC_HOST_MODELS", models).output().unwrap();
    aigc_tests::Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Verdict reasons by item title, per rule name.
fn verdicts(ds: &Path) -> std::collections::BTreeMap<(String, String), (bool, String)> {
    let ls = aigc(["dataset", "ls", ds.to_str().unwrap(), "--json"]).json();
    let mut out = std::collections::BTreeMap::new();
    for item in ls["items"].as_array().unwrap() {
        for v in item["verdicts"].as_array().unwrap() {
            let key = (item["title"].as_str().unwrap().to_string(), v["rule"].as_str().unwrap().to_string());
            out.insert(key, (v["keep"].as_bool().unwrap(), v["reason"].as_str().unwrap().to_string()));
        }
    }
    out
}

#[test]
fn the_three_rules_judge_hand_made_svgs_both_ways() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("plain.svg", plain()),
        ("text.svg", text()),
        ("letters.svg", outlined_letters()),
        ("animal.svg", animal_alone()),
        ("forbidden.svg", forbidden_animal()),
        ("no-entry.svg", no_entry()),
        ("four.svg", four_shapes()),
        ("flower.svg", flower_with_grass()),
    ];
    let files: Vec<(&str, Vec<u8>)> = cases.iter().map(|(n, s)| (*n, s.clone().into_bytes())).collect();
    let ds = import(dir.path(), &files);
    let models = dir.path().join("models");
    let out = clean(&ds, &models, &[plugins::SVG_NO_TEXT, plugins::SVG_NO_PROHIBITION, plugins::SVG_SINGLE_OBJECT]);
    out.assert_ok();
    let summary = out.json();
    assert_eq!(summary["checked"], 8, "{summary}");
    assert_eq!(summary["errors"], 0, "{summary}");

    let v = verdicts(&ds);
    let reason = |title: &str, rule: &str| v[&(title.to_string(), rule.to_string())].1.clone();
    let expected = [
        ("plain.svg", "svg-no-text", "no-text"),
        ("plain.svg", "svg-no-prohibition", "no-sign"),
        ("plain.svg", "svg-single-object", "one-object"),
        ("text.svg", "svg-no-text", "has-text"),
        ("letters.svg", "svg-no-text", "has-text"),
        ("animal.svg", "svg-no-text", "no-text"),
        ("animal.svg", "svg-no-prohibition", "no-sign"),
        ("animal.svg", "svg-single-object", "one-object"),
        ("forbidden.svg", "svg-no-prohibition", "prohibition-sign"),
        ("no-entry.svg", "svg-no-prohibition", "prohibition-sign"),
        ("four.svg", "svg-single-object", "several-objects"),
        ("four.svg", "svg-no-prohibition", "no-sign"),
        ("flower.svg", "svg-single-object", "one-object"),
        ("flower.svg", "svg-no-prohibition", "no-sign"),
        ("flower.svg", "svg-no-text", "no-text"),
    ];
    let wrong: Vec<String> = expected
        .iter()
        .filter(|(t, r, want)| reason(t, r) != *want)
        .map(|(t, r, want)| format!("{t} by {r}: {} (expected {want})", reason(t, r)))
        .collect();
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn hostile_svgs_get_recorded_verdicts_and_the_rest_go_on() {
    let dir = tempfile::tempdir().unwrap();
    let mut files: Vec<(&str, Vec<u8>)> = hostile().into_iter().map(|(n, b, _)| (n, b)).collect();
    files.push((
        "external.svg",
        doc("<image href='file:///etc/passwd' width='90' height='90'/><circle cx='50' cy='50' r='30'/>").into_bytes(),
    ));
    files.push(("plain.svg", plain().into_bytes()));
    files.push(("four.svg", four_shapes().into_bytes()));
    let ds = import(dir.path(), &files);
    let models = dir.path().join("models");
    let out = clean(&ds, &models, &[plugins::SVG_NO_TEXT, plugins::SVG_NO_PROHIBITION, plugins::SVG_SINGLE_OBJECT]);
    out.assert_ok();
    let summary = out.json();
    assert_eq!(summary["checked"], files.len(), "{summary}");
    assert_eq!(summary["errors"], 0, "every item got a verdict from every rule: {summary}");

    let v = verdicts(&ds);
    for (name, _, reason) in hostile() {
        for rule in ["svg-no-text", "svg-no-prohibition", "svg-single-object"] {
            let (keep, got) = &v[&(name.to_string(), rule.to_string())];
            assert!(!keep && got == reason, "{name} by {rule}: {got} (expected {reason})");
        }
    }
    assert_eq!(v[&("external.svg".into(), "svg-single-object".into())].1, "one-object");
    assert_eq!(v[&("four.svg".into(), "svg-single-object".into())].1, "several-objects");
    assert_eq!(v[&("plain.svg".into(), "svg-no-text".into())], (true, "no-text".to_string()));

    // The host's message names the problem, per item, in the run's log output.
    assert!(out.stderr.contains("nested.svg dropped as svg-over-limit"), "{}", out.stderr);
    assert!(out.stderr.contains("deeper than"), "{}", out.stderr);

    // Nothing of /etc/passwd shows up anywhere: output, listings, the dataset's files.
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let marker = passwd.lines().next().unwrap_or("root:x:0:0").to_string();
    let ls = aigc(["dataset", "ls", ds.to_str().unwrap(), "--json"]);
    for text in [&out.stdout, &out.stderr, &ls.stdout] {
        assert!(!text.contains(&marker), "/etc/passwd content leaked");
    }
    for entry in walk(&ds) {
        let bytes = std::fs::read(&entry).unwrap();
        assert!(!String::from_utf8_lossy(&bytes).contains(&marker), "{} holds /etc/passwd content", entry.display());
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() { out.extend(walk(&path)) } else { out.push(path) }
    }
    out
}
