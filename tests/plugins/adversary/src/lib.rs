//! A crawler that tries to break one sandbox rule per run, chosen with `--set mode=...`. The tests run it and
//! check that the host stops it, names the plugin and the rule, and keeps the dataset intact.

use aigc_sdk::collect::{self, NewFile, NewItem};
use aigc_sdk::dataset::Provenance;
use aigc_sdk::{Crawler, Error, Result, config, http, log};

aigc_sdk::manifest!({
    "kind": "crawler",
    "description": "Test plugin: misbehaves in the way `mode` names",
    "hosts": ["example.org", "localhost"],
    "secrets": { "token": { "hosts": ["example.org"], "header": "Authorization", "prefix": "Token " } },
    "config": {
        "mode": { "default": "ok", "help": "ok | loop | memory | fetch | fetch-many | panic | log-flood | put-then-loop | escape" },
        "url": { "default": "http://example.org/", "help": "what mode=fetch fetches" },
        "count": { "default": "3", "help": "items mode=ok and mode=put-then-loop put first" }
    }
});

struct Adversary;

impl Crawler for Adversary {
    fn crawl() -> Result<()> {
        let mode = config::get_or("mode", "ok");
        match mode.as_str() {
            "ok" => put_items(),
            "loop" => spin(),
            "put-then-loop" => {
                put_items()?;
                spin()
            }
            "memory" => {
                // Grow in 1 MiB steps and touch every page, so the memory is really committed.
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(vec![7u8; 1 << 20]);
                    log::debug(&format!("holding {} MiB", hoard.len()));
                }
            }
            "fetch" => {
                let url = config::get_or("url", "http://example.org/");
                let response = http::get(&url).map_err(|e| Error::msg(format!("fetch {url}: {e:?}")))?;
                log::info(&format!(
                    "fetched {url}: HTTP {} from {}: {}",
                    response.status,
                    response.final_url,
                    response.text()
                ));
                Ok(())
            }
            "panic" => panic!("the adversary panics on purpose"),
            "escape" => escape(),
            "fetch-many" => {
                // Queue every request at once; the host decides when each goes out.
                let url = config::get_or("url", "http://example.org/");
                let count: usize = config::parse_or("count", 3)?;
                let requests: Vec<http::Request> =
                    (0..count).map(|i| http::Request::get(format!("{url}?i={i}"))).collect();
                let results = http::fetch_all(&requests);
                let ok = results.iter().filter(|r| r.as_ref().is_ok_and(|r| r.is_success())).count();
                log::info(&format!("fetched {ok} of {count}"));
                for result in results {
                    match result {
                        Ok(r) => log::info(&format!("HTTP {} from {}: {}", r.status, r.final_url, r.text())),
                        Err(e) => log::warn(&format!("failed: {e:?}")),
                    }
                }
                Ok(())
            }
            "log-flood" => {
                let line = "x".repeat(1000);
                for _ in 0..1_000_000 {
                    log::info(&line);
                }
                Ok(())
            }
            other => Err(Error::msg(format!("unknown mode `{other}`"))),
        }
    }
}

fn put_items() -> Result<()> {
    let count: u32 = config::parse_or("count", 3)?;
    // The first half one at a time, the rest in one batch: both paths, the same items.
    let item = |i: u32| NewItem {
        source_key: format!("adversary:{i}"),
        category: Some("test".into()),
        title: Some(format!("item {i}")),
        provenance: Provenance {
            source_url: format!("http://example.org/{i}"),
            licence: Some("CC0-1.0".into()),
            licence_url: None,
            author: None,
            author_url: None,
        },
        metadata: format!("{{\"i\":{i}}}"),
        files: vec![NewFile::new("data.txt", "text/plain", format!("item {i}").into_bytes())],
        parent: None,
    };
    for i in 0..count / 2 {
        collect::put(&item(i))?;
    }
    let batch: Vec<NewItem> = (count / 2..count).map(item).collect();
    for outcome in collect::put_many(&batch) {
        outcome?;
    }
    log::info(&format!("put {count} items"));
    Ok(())
}

/// Tries every ambient authority WASI could carry; succeeds only if the host granted none of it.
fn escape() -> Result<()> {
    let mut escaped = Vec::new();
    let vars: Vec<(String, String)> = std::env::vars().collect();
    if !vars.is_empty() {
        escaped.push(format!("environment: {vars:?}"));
    }
    for path in ["/etc/passwd", ".", "/"] {
        if std::fs::read(path).is_ok() || std::fs::read_dir(path).is_ok() {
            escaped.push(format!("filesystem: {path}"));
        }
    }
    let target = config::get_or("url", "127.0.0.1:9").trim_start_matches("http://").trim_end_matches('/').to_string();
    if std::net::TcpStream::connect(target.as_str()).is_ok() {
        escaped.push(format!("socket: {target}"));
    }
    if std::net::UdpSocket::bind("0.0.0.0:0").is_ok() {
        escaped.push("udp socket".into());
    }
    if escaped.is_empty() {
        log::info("no ambient authority: environment, files and sockets are all closed");
        Ok(())
    } else {
        Err(Error::msg(format!("escaped the sandbox: {}", escaped.join("; "))))
    }
}

fn spin() -> Result<()> {
    let mut x: u64 = 1;
    loop {
        x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
    }
}

aigc_sdk::export_crawler!(Adversary);
