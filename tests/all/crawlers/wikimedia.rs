//! The `wikimedia` crawler end to end: offline from its replay, against a loopback server that follows the
//! MediaWiki Action API's shapes (both commons.wikimedia.org and upload.wikimedia.org rewritten to it), resumed with
//! a larger `per_category`, and killed with SIGKILL mid-crawl then resumed. What the crawl must store and skip comes
//! from `examples/wikimedia/expected.json`, written by the same script as the replay.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use aigc_tests::crawler_harness::{
    self as harness, expected_json, keys_and_categories as keys, kill_repeatedly, listing, loopback, run_args, run_ok,
    serve, serve_slowly,
};
use aigc_tests::{aigc, plugins};

fn example(name: &str) -> PathBuf {
    harness::example("wikimedia", name)
}

/// One file the fixtures say a default crawl stores.
struct Want {
    style: String,
    licence: String,
    author: String,
    file: String,
    title: String,
}

struct Expected {
    items: BTreeMap<String, Want>,
    /// Why → source keys of the files a default crawl skips.
    skipped: BTreeMap<String, Vec<String>>,
}

fn expected() -> Expected {
    let json = expected_json("wikimedia");
    let mut out = Expected { items: BTreeMap::new(), skipped: BTreeMap::new() };
    for (style, info) in json["styles"].as_object().unwrap() {
        for file in info["stored"].as_array().unwrap() {
            let text = |key: &str| file[key].as_str().unwrap().to_string();
            let want = Want {
                style: style.clone(),
                licence: text("licence"),
                author: text("author"),
                file: text("file"),
                title: text("title"),
            };
            assert!(out.items.insert(text("key"), want).is_none(), "a file is stored once");
        }
        for (why, keys) in info["skipped"].as_object().unwrap() {
            let keys = keys.as_array().unwrap().iter().map(|k| k.as_str().unwrap().to_string());
            out.skipped.entry(why.clone()).or_default().extend(keys);
        }
    }
    out
}

/// `aigc-host run wikimedia --dataset DS EXTRA... --json`, which must succeed; its summary.
fn run(ds: &Path, extra: &[&str]) -> serde_json::Value {
    run_ok(plugins::WIKIMEDIA, ds, extra)
}

fn wanted_keys(want: &Expected) -> BTreeSet<(String, String)> {
    want.items.iter().map(|(k, w)| (k.clone(), w.style.clone())).collect()
}

#[test]
fn replay_stores_every_expected_image_with_licence_and_artist() {
    let want = expected();
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    let replay = example("replay");
    let summary = run(&ds, &["--replay", replay.to_str().unwrap()]);
    assert_eq!(summary["items_added"].as_u64().unwrap() as usize, want.items.len());

    let items = listing(&ds);
    assert_eq!(keys(&items), wanted_keys(&want));
    let styles: BTreeSet<&str> = items.values().map(|i| i["category"].as_str().unwrap()).collect();
    assert_eq!(styles, ["baroque", "impressionism", "pointillism", "ukiyo-e"].into());
    for (key, item) in &items {
        let w = &want.items[key];
        assert_eq!(item["licence"], w.licence.as_str(), "{key}");
        assert_eq!(item["author"], w.author.as_str(), "the artist, without HTML: {key}");
        assert_eq!(item["title"], w.title.as_str(), "{key}");
        assert_eq!(item["files"], serde_json::json!([w.file]), "{key}");
        assert!(item["source"].as_str().unwrap().starts_with("https://commons.wikimedia.org/wiki/File:"), "{item}");
    }
    let licences: BTreeSet<&str> = items.values().map(|i| i["licence"].as_str().unwrap()).collect();
    for refused in ["GFDL", "CC-BY-NC-SA-2.0", "CC-BY-ND-4.0"] {
        assert!(!licences.contains(refused), "{refused} is not allowed by default: {licences:?}");
    }
    assert!(licences.contains("Public domain") && licences.contains("CC-BY-SA-4.0"), "{licences:?}");
    assert!(items.values().any(|i| i["files"] == serde_json::json!(["image.png"])), "PNG thumbnails keep their type");
    // Every reason to skip a file occurs in the fixtures, and none of those files is stored.
    for why in ["licence", "too_small", "not_image", "missing", "image_404", "off_origin"] {
        let skipped = &want.skipped[why];
        assert!(!skipped.is_empty(), "the fixtures have a file skipped for {why}");
        assert!(skipped.iter().all(|k| !items.contains_key(k)), "{why}: {skipped:?}");
    }

    // Running it again adds nothing and asks for nothing: every style is done.
    let again = run(&ds, &["--replay", replay.to_str().unwrap()]);
    assert_eq!(again["items_added"], 0);
    assert_eq!(again["requests"], 0);
}

#[test]
fn crawls_a_loopback_server_that_follows_the_real_api() {
    let server = serve(&example("replay"));
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    let out = harness::run(plugins::WIKIMEDIA, &ds, &loopback(&server));
    out.assert_ok();
    assert_eq!(keys(&listing(&ds)), wanted_keys(&expected()));
    let requests = server.requests();
    let api: Vec<&String> = requests.iter().filter(|r| r.starts_with("/w/api.php?")).collect();
    assert!(api.iter().all(|r| r.contains("format=json&formatversion=2") && r.contains("maxlag=5")), "{api:?}");
    assert!(api.iter().any(|r| r.contains("list=categorymembers") && r.contains("cmcontinue=")), "continues: {api:?}");
    assert!(
        api.iter().any(|r| r.contains("cmtitle=Category%3AUkiyo-e%20prints%20by%20Utagawa%20Hiroshige")),
        "subcategories"
    );
    assert!(api.iter().any(|r| r.contains("prop=imageinfo") && r.contains("iiurlwidth=1024")), "{api:?}");
    assert!(requests.iter().any(|r| r.starts_with("/wikipedia/commons/thumb/")), "scaled images: {requests:?}");
    assert!(out.stderr.contains("evil.example.org"), "the off-origin image URL is refused with a warning");
}

#[test]
fn a_larger_per_category_goes_on_where_a_smaller_one_stopped() {
    let want = expected();
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    let replay = example("replay");
    let first = run(&ds, &["--replay", replay.to_str().unwrap(), "--set", "per_category=20"]);
    assert_eq!(first["items_added"], 80);
    let second = run(&ds, &["--replay", replay.to_str().unwrap()]);
    assert_eq!(second["items_added"].as_u64().unwrap() as usize, want.items.len() - 80);
    assert_eq!(keys(&listing(&ds)), wanted_keys(&want));
}

#[test]
fn killed_crawls_resume_to_the_same_dataset() {
    let server = serve_slowly(&example("replay"), 20);
    let want = wanted_keys(&expected());
    let total = want.len() as u64;

    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("killed");
    let args = run_args(plugins::WIKIMEDIA, &ds, &loopback(&server));
    kill_repeatedly(&args, &ds, &[400, 800, 1200, 1600, 2000, 2400], total);
    let last = aigc(&args);
    last.assert_ok();
    assert_eq!(keys(&listing(&ds)), want, "same items, none twice, none lost");
}
