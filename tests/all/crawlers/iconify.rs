//! The `iconify` crawler end to end: offline from its replay, against a loopback server that follows the real
//! Iconify API's shapes, and resumed with a larger `per_category`. What the crawl must store (keys, categories,
//! licences, authors, the view box and SHA-256 of each SVG) comes from `examples/iconify/expected.json`, written by
//! the same script as the replay.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use aigc_tests::crawler_harness::{self as harness, expected_json, listing, loopback, run_ok, serve};
use aigc_tests::plugins;

fn example(name: &str) -> PathBuf {
    harness::example("iconify", name)
}

/// One icon the fixtures say a default crawl stores.
struct Want {
    category: String,
    licence: String,
    author: String,
    view_box: String,
    sha256: String,
}

struct Expected {
    /// Source key → what is stored under it.
    items: BTreeMap<String, Want>,
    /// Prefixes of the sets whose licence the default configuration refuses.
    skipped_sets: Vec<String>,
    /// Keys listed by a search but missing from the icon data.
    not_found: Vec<String>,
    /// Keys of icons that are aliases.
    aliases: Vec<String>,
}

fn expected() -> Expected {
    let json = expected_json("iconify");
    let strings = |value: &serde_json::Value| -> Vec<String> {
        value.as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect()
    };
    let mut out = Expected {
        items: BTreeMap::new(),
        skipped_sets: strings(&json["skipped_sets"]),
        not_found: Vec::new(),
        aliases: Vec::new(),
    };
    for (category, info) in json["categories"].as_object().unwrap() {
        for icon in info["stored"].as_array().unwrap() {
            let text = |key: &str| icon[key].as_str().unwrap().to_string();
            let want = Want {
                category: category.clone(),
                licence: text("licence"),
                author: text("author"),
                view_box: text("view_box"),
                sha256: text("sha256"),
            };
            assert!(out.items.insert(text("key"), want).is_none(), "a key is stored once");
        }
        out.not_found.extend(strings(&info["not_found"]));
        out.aliases.extend(strings(&info["alias"]));
    }
    out
}

/// `aigc-host run iconify --dataset DS EXTRA... --json`, which must succeed; its summary.
fn run<S: AsRef<str>>(ds: &Path, extra: &[S]) -> serde_json::Value {
    run_ok(plugins::ICONIFY, ds, extra)
}

/// Every file under the dataset's `blobs/`, by file name: blobs are stored under their SHA-256.
fn blobs(ds: &Path) -> HashMap<String, PathBuf> {
    let mut out = HashMap::new();
    let mut dirs = vec![ds.join("blobs")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                out.insert(path.file_name().unwrap().to_string_lossy().into_owned(), path);
            }
        }
    }
    out
}

/// Checks that `svg` is one well-formed `<svg>` element (tags balanced, one root) with this view box.
fn check_svg(svg: &str, view_box: &str) {
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""), "{svg}");
    assert!(svg.ends_with("</svg>"), "{svg}");
    assert!(svg.contains(&format!(" viewBox=\"{view_box}\"")), "viewBox {view_box}: {svg}");
    let [_, _, width, height] = view_box.split(' ').collect::<Vec<_>>()[..] else { panic!("{view_box}") };
    assert!(svg.contains(&format!(" width=\"{width}\" height=\"{height}\"")), "{svg}");
    if svg.contains("xlink:") {
        assert!(svg.contains("xmlns:xlink=\"http://www.w3.org/1999/xlink\""), "{svg}");
    }
    let mut stack: Vec<&str> = Vec::new();
    let mut roots = 0;
    let mut rest = svg;
    while let Some(open) = rest.find('<') {
        assert!(!stack.is_empty() || rest[..open].trim().is_empty(), "text outside the root: {svg}");
        let close = rest[open..].find('>').map(|c| open + c).unwrap_or_else(|| panic!("unclosed tag: {svg}"));
        let tag = &rest[open + 1..close];
        let name = tag.trim_start_matches('/').split([' ', '/', '\n', '\t']).next().unwrap();
        assert!(!name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == ':'), "tag `{tag}`");
        assert_eq!(tag.matches('"').count() % 2, 0, "unbalanced quotes in `{tag}`");
        if let Some(closing) = tag.strip_prefix('/') {
            assert_eq!(stack.pop(), Some(closing.trim()), "mismatched </{closing}>: {svg}");
        } else if !tag.ends_with('/') {
            if stack.is_empty() {
                roots += 1;
            }
            stack.push(name);
        } else if stack.is_empty() {
            roots += 1;
        }
        rest = &rest[close + 1..];
    }
    assert!(stack.is_empty() && rest.is_empty(), "unclosed elements {stack:?}: {svg}");
    assert_eq!(roots, 1, "one root element: {svg}");
}

#[test]
fn replay_stores_every_expected_icon_as_a_standalone_svg_with_its_licence() {
    let want = expected();
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    let replay = example("replay");
    let summary = run(&ds, &["--replay", replay.to_str().unwrap()]);
    assert_eq!(summary["items_added"].as_u64().unwrap() as usize, want.items.len());

    let items = listing(&ds);
    assert_eq!(items.keys().collect::<BTreeSet<_>>(), want.items.keys().collect::<BTreeSet<_>>());
    let categories: BTreeSet<&str> = items.values().map(|i| i["category"].as_str().unwrap()).collect();
    assert_eq!(categories, ["animal", "building", "clothing", "food", "plant", "vehicle"].into());
    let files = blobs(&ds);
    for (key, item) in &items {
        let w = &want.items[key];
        assert_eq!(item["category"], w.category.as_str(), "{key}");
        assert_eq!(item["licence"], w.licence.as_str(), "every icon has its set's SPDX licence: {key}");
        assert_eq!(item["author"], w.author.as_str(), "and the set's author: {key}");
        let (prefix, name) = key.strip_prefix("iconify:").unwrap().split_once(':').unwrap();
        assert_eq!(item["source"], format!("https://icon-sets.iconify.design/{prefix}/{name}/"));
        assert_eq!(item["files"], serde_json::json!(["icon.svg"]));
        let path = files.get(&w.sha256).unwrap_or_else(|| panic!("{key}: the SVG the fixtures expect is stored"));
        check_svg(&std::fs::read_to_string(path).unwrap(), &w.view_box);
    }
    // Sets whose licence is not allowed, and icons the set does not have, are skipped.
    for prefix in &want.skipped_sets {
        assert!(!items.keys().any(|k| k.starts_with(&format!("iconify:{prefix}:"))), "{prefix} is skipped");
    }
    assert_eq!(want.skipped_sets, ["icomoon-free", "wpf"]);
    assert!(!want.not_found.is_empty() && want.not_found.iter().all(|k| !items.contains_key(k)));
    // Aliases are built from their parent with their own transformations and box.
    assert!(want.aliases.iter().all(|k| items.contains_key(k)) && want.aliases.len() >= 4);
    let svg = |key: &str| std::fs::read_to_string(&files[&want.items[key].sha256]).unwrap();
    assert!(svg("iconify:fa6-solid:truck-left").contains("<g transform=\"translate("), "hFlip alias");
    assert!(svg("iconify:tabler:leaf-turned").contains("<g transform=\"rotate(90 "), "rotated alias");
    assert!(svg("iconify:ph:car-wide").contains("viewBox=\"-16 0 288 256\""), "alias with its own box");

    // Running it again adds nothing and asks for nothing: every category is done.
    let again = run(&ds, &["--replay", replay.to_str().unwrap()]);
    assert_eq!(again["items_added"], 0);
    assert_eq!(again["requests"], 0);
}

#[test]
fn crawls_a_loopback_server_that_follows_the_real_api() {
    let server = serve(&example("replay"));
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    run(&ds, &loopback(&server));
    let items = listing(&ds);
    let want = expected();
    let got: BTreeMap<&str, &str> = items.iter().map(|(k, i)| (k.as_str(), i["category"].as_str().unwrap())).collect();
    let wanted: BTreeMap<&str, &str> = want.items.iter().map(|(k, w)| (k.as_str(), w.category.as_str())).collect();
    assert_eq!(got, wanted);
    let requests = server.requests();
    assert_eq!(requests.iter().filter(|r| *r == "/collections").count(), 1, "{requests:?}");
    assert!(requests.iter().any(|r| r == "/search?query=animal&limit=128&start=64"), "second pages: {requests:?}");
    assert!(requests.iter().any(|r| r.starts_with("/mdi.json?icons=")), "{requests:?}");
    for prefix in &want.skipped_sets {
        assert!(!requests.iter().any(|r| r.starts_with(&format!("/{prefix}.json"))), "no data of {prefix} is fetched");
    }
    // One request per set and batch, never one per icon.
    let data_requests = requests.iter().filter(|r| r.contains(".json?icons=")).count();
    assert!(data_requests * 3 < want.items.len(), "{data_requests} icon data requests for {} icons", want.items.len());
}

#[test]
fn a_larger_per_category_goes_on_where_a_smaller_one_stopped() {
    let want = expected();
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    let replay = example("replay");
    let first = run(&ds, &["--replay", replay.to_str().unwrap(), "--set", "per_category=10"]);
    assert_eq!(first["items_added"], 60);
    let mut per_category: BTreeMap<String, usize> = BTreeMap::new();
    for item in listing(&ds).values() {
        *per_category.entry(item["category"].as_str().unwrap().to_string()).or_default() += 1;
    }
    assert!(per_category.values().all(|&n| n == 10), "{per_category:?}");
    // The target was reached inside each category's first page: the default target goes on from there. (An icon
    // found in two categories may now be stored under the other one; it is still stored once.)
    let second = run(&ds, &["--replay", replay.to_str().unwrap()]);
    assert_eq!(second["items_added"].as_u64().unwrap() as usize, want.items.len() - 60);
    assert_eq!(listing(&ds).keys().collect::<BTreeSet<_>>(), want.items.keys().collect::<BTreeSet<_>>());
}
