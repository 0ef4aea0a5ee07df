//! What the crawler tests share: a crawler's fixtures (`examples/<plugin>/`: its `replay` and the `expected.json`
//! the same script wrote), running a crawler with `--json`, reading back what it stored, a loopback server with the
//! usual flags, and the kill-and-resume check.
//!
//! ```ignore
//! let server = crawler_harness::serve(&example("met", "replay"));
//! let out = crawler_harness::run(plugins::MET, &ds, &crawler_harness::loopback(&server));
//! out.assert_ok();
//! assert_eq!(crawler_harness::categories(&crawler_harness::listing(&ds)), want);
//! ```

use crate::fixture_server::{FixtureServer, ServerOptions};
use crate::{Output, aigc, command, root};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

/// `examples/<plugin>/<name>`: one of a crawler's fixtures (`replay`, `expected.json`).
pub fn example(plugin: &str, name: &str) -> PathBuf {
    root().join("examples").join(plugin).join(name)
}

/// `examples/<plugin>/expected.json`: what a crawl of the replay stores and skips.
pub fn expected_json(plugin: &str) -> Value {
    let path = example(plugin, "expected.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The `items` of an `expected.json` that lists them as `KEY: {"style": S, "artist": A, ...}` (the art crawlers
/// `artic` and `met`): source key → (style, artist) of every item a default crawl stores.
pub fn expected_styles_and_artists(plugin: &str) -> BTreeMap<String, (String, Option<String>)> {
    expected_json(plugin)["items"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(key, item)| {
            let style = item["style"].as_str().unwrap().to_string();
            (key.clone(), (style, item["artist"].as_str().map(String::from)))
        })
        .collect()
}

/// The ids an `expected.json` lists under `styles.STYLE.LIST` (`stored`, `no_image`, ...), for `artic` and `met`.
pub fn expected_ids(plugin: &str, style: &str, list: &str) -> Vec<u64> {
    expected_json(plugin)["styles"][style][list].as_array().unwrap().iter().map(|id| id.as_u64().unwrap()).collect()
}

/// `["run", PLUGIN, "--dataset", DS, EXTRA..., "--json"]`.
pub fn run_args<S: AsRef<str>>(plugin: &str, ds: &Path, extra: &[S]) -> Vec<String> {
    let mut args: Vec<String> = ["run", plugin, "--dataset", ds.to_str().unwrap()].map(String::from).to_vec();
    args.extend(extra.iter().map(|arg| arg.as_ref().to_string()));
    args.push("--json".into());
    args
}

/// `aigc-host run PLUGIN --dataset DS EXTRA... --json`, to completion.
pub fn run<S: AsRef<str>>(plugin: &str, ds: &Path, extra: &[S]) -> Output {
    aigc(run_args(plugin, ds, extra))
}

/// [`run`], which must succeed; its JSON summary.
pub fn run_ok<S: AsRef<str>>(plugin: &str, ds: &Path, extra: &[S]) -> Value {
    let out = run(plugin, ds, extra);
    out.assert_ok();
    out.json()
}

/// The stored items of `ds` by source key, from `dataset ls --json`; no source key may be listed twice.
pub fn listing(ds: &Path) -> BTreeMap<String, Value> {
    let ls = aigc(["dataset", "ls", ds.to_str().unwrap(), "--json"]);
    ls.assert_ok();
    let json = ls.json();
    let items = json["items"].as_array().unwrap();
    let map: BTreeMap<String, Value> =
        items.iter().map(|item| (item["source_key"].as_str().unwrap().to_string(), item.clone())).collect();
    assert_eq!(map.len(), items.len(), "no source key twice");
    map
}

/// Source key → category of listed items (`""` for none).
pub fn categories(listing: &BTreeMap<String, Value>) -> BTreeMap<String, String> {
    listing.iter().map(|(key, item)| (key.clone(), item["category"].as_str().unwrap_or("").to_string())).collect()
}

/// (source key, category) of listed items, as a set.
pub fn keys_and_categories(listing: &BTreeMap<String, Value>) -> BTreeSet<(String, String)> {
    categories(listing).into_iter().collect()
}

/// `"id files"` of every listed item: equal for two datasets that hold the same items with the same files.
pub fn ids_and_files(listing: &BTreeMap<String, Value>) -> BTreeSet<String> {
    listing.values().map(|item| format!("{} {}", item["id"], item["files"])).collect()
}

/// A loopback server answering from `replay` (see [`FixtureServer`]).
pub fn serve(replay: &Path) -> FixtureServer {
    FixtureServer::start(replay, ServerOptions::default()).unwrap()
}

/// A loopback server answering from `replay`, each answer `delay_ms` late: slow enough to kill a crawl mid-way.
pub fn serve_slowly(replay: &Path, delay_ms: u64) -> FixtureServer {
    FixtureServer::start(replay, ServerOptions { delay: Duration::from_millis(delay_ms), ..ServerOptions::default() })
        .unwrap()
}

/// `--set base_url=<server> --allow-host 127.0.0.1:PORT --delay 0`: a crawl of the loopback server, without the
/// politeness delay.
pub fn loopback(server: &FixtureServer) -> Vec<String> {
    vec![
        "--set".into(),
        format!("base_url={}", server.base_url()),
        "--allow-host".into(),
        format!("127.0.0.1:{}", server.port()),
        "--delay".into(),
        "0".into(),
    ]
}

/// The arguments as owned strings.
pub fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|arg| arg.to_string()).collect()
}

/// Starts `aigc-host ARGS` (a crawl into `ds`) once per wait in `waits_ms` and kills it with SIGKILL after that
/// wait; after every kill, what the dataset acknowledged must be readable. At least two kills must hit the crawl
/// mid-way (still running, with some but fewer than `total` items stored). The caller then runs the crawl to its
/// end and compares.
pub fn kill_repeatedly(args: &[String], ds: &Path, waits_ms: &[u64], total: u64) {
    let mut interrupted_mid_way = Vec::new();
    for &wait_ms in waits_ms {
        let mut child = command(args).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(wait_ms));
        let alive = child.try_wait().unwrap().is_none();
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        // Whatever was acknowledged is readable after every kill.
        let items = if ds.join("manifest.sqlite").exists() {
            let stats = aigc(["dataset", "stats", ds.to_str().unwrap(), "--json"]);
            stats.assert_ok();
            stats.json()["items"].as_u64().unwrap()
        } else {
            0
        };
        if alive && items > 0 && items < total {
            interrupted_mid_way.push(items);
        }
    }
    assert!(
        interrupted_mid_way.len() >= 2,
        "the crawl must really be interrupted mid-way; items after each such kill: {interrupted_mid_way:?} of {total}"
    );
}

/// The kill-and-resume check against the loopback `server` (slow enough to be caught mid-way, see
/// [`serve_slowly`]): one uninterrupted crawl with `plugin` (the reference), then the same crawl into another dataset,
/// killed after each of `waits_ms` ([`kill_repeatedly`]) and run to its end. The listings of both datasets,
/// reference first, for the caller to compare.
pub fn reference_and_resumed(
    plugin: &str,
    server: &FixtureServer,
    waits_ms: &[u64],
) -> (BTreeMap<String, Value>, BTreeMap<String, Value>) {
    let dir = tempfile::tempdir().unwrap();
    let reference = dir.path().join("reference");
    run(plugin, &reference, &loopback(server)).assert_ok();
    let want = listing(&reference);
    let ds = dir.path().join("killed");
    let args = run_args(plugin, &ds, &loopback(server));
    kill_repeatedly(&args, &ds, waits_ms, want.len() as u64);
    aigc(&args).assert_ok();
    (want, listing(&ds))
}
