//! The crawl: fetch the list, then each listed URL in order, one item per URL.
//!
//! Resuming needs no cursor: the list is fetched again on every run (it may have grown), and a URL already in the
//! dataset (`dataset::seen("url:{url}")`) is skipped without a request. URLs that failed are tried again.

use crate::list::{self, Entry, Format};
use crate::media;
use aigc_sdk::collect::{self, NewFile, NewItem};
use aigc_sdk::dataset::{self, Provenance};
use aigc_sdk::http::{self, HttpError, Request, Response};
use aigc_sdk::{Error, Result, config, log, web};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

/// Everything the crawl reads from the configuration.
pub struct Settings {
    /// The list's absolute URL.
    pub list_url: String,
    /// Licence of entries that give none.
    pub default_licence: Option<String>,
    pub max_bytes: u64,
}

impl Settings {
    pub fn from_config() -> Result<Self> {
        let base = config::get_or("base_url", "").trim().trim_end_matches('/').to_string();
        if !base.is_empty() && web::origin(&base).is_none() {
            return Err(Error::msg(format!("config `base_url` = `{base}` is not an http(s) URL")));
        }
        let list = config::get_or("list_url", "").trim().to_string();
        if list.is_empty() {
            return Err(Error::msg(
                "config `list_url` is required: the http(s) URL of the list to fetch, e.g. `--set \
                 list_url=https://example.org/models.tsv` (grant its host, and every host the list names, with \
                 `--allow-host`)",
            ));
        }
        let list_url = match list.strip_prefix('/') {
            Some(_) if base.is_empty() => {
                return Err(Error::msg(format!(
                    "config `list_url` = `{list}` is a path: give a full http(s) URL, or set `base_url` to resolve it"
                )));
            }
            Some(_) => format!("{base}{list}"),
            None => list,
        };
        if web::origin(&list_url).is_none() {
            return Err(Error::msg(format!("config `list_url` = `{list_url}` is not an http(s) URL")));
        }
        let default_licence = Some(config::get_or("default_licence", "").trim().to_string()).filter(|l| !l.is_empty());
        Ok(Self { list_url, default_licence, max_bytes: config::parse_or("max_bytes", 64 << 20)? })
    }
}

/// What happened to the entries, for the summary line.
#[derive(Default)]
struct Tally {
    new: u64,
    seen: u64,
    failed: u64,
    /// Hosts whose entries the host refused (not granted).
    denied: BTreeSet<String>,
}

pub fn run(settings: Settings) -> Result<()> {
    let list_url = &settings.list_url;
    let request =
        Request::get(list_url).header("accept", "text/tab-separated-values, text/csv, text/plain;q=0.9, */*;q=0.5");
    let response = web::success(http::fetch(&request))
        .map_err(|why| Error::msg(format!("fetching the list {list_url}: {why}")))?;
    let text =
        String::from_utf8(response.body).map_err(|_| Error::msg(format!("the list {list_url} is not UTF-8 text")))?;
    let list = list::parse(&text);
    for problem in &list.problems {
        log::warn(&format!("list line {}: {}; skipped", problem.line, problem.message));
    }
    let format = match list.format {
        Format::Tabs => "tab-separated",
        Format::Csv => "CSV",
    };
    log::info(&format!("the list {list_url}: {} entries ({format})", list.entries.len()));
    if list.entries.is_empty() {
        if list.problems.is_empty() {
            log::warn(&format!("the list {list_url} names no URL: nothing to do"));
            return Ok(());
        }
        return Err(Error::msg(format!("the list {list_url} has no usable line (see the warnings)")));
    }
    let unlicensed = list.entries.iter().filter(|e| e.licence.is_none()).count();
    if unlicensed > 0 && settings.default_licence.is_none() {
        let (entries, give) = if unlicensed == 1 { ("entry", "gives") } else { ("entries", "give") };
        log::warn(&format!(
            "{unlicensed} {entries} {give} no licence and `default_licence` is empty: stored with an unknown \
             licence (set --set default_licence=ID if the list's licence is known)"
        ));
    }

    let total = list.entries.len() as u64;
    let mut tally = Tally::default();
    let mut lines: BTreeMap<&str, usize> = BTreeMap::new();
    for (done, entry) in list.entries.iter().enumerate() {
        if let Some(first) = lines.get(entry.url.as_str()) {
            log::info(&format!("list line {}: {} is listed already on line {first}; skipped", entry.line, entry.url));
        } else {
            lines.insert(&entry.url, entry.line);
            fetch_entry(&settings, entry, &mut tally)?;
        }
        let message = format!("{} stored, {} already stored, {} failed", tally.new, tally.seen, tally.failed);
        log::progress(done as u64 + 1, Some(total), &message);
    }
    log::info(&format!(
        "{list_url}: {} new items, {} already stored, {} failed, {} lines skipped",
        tally.new,
        tally.seen,
        tally.failed,
        list.problems.len()
    ));
    if !tally.denied.is_empty() {
        let grants: Vec<String> = tally.denied.iter().map(|h| format!("--allow-host {h}")).collect();
        log::warn(&format!(
            "entries on hosts this run may not reach were skipped: {}; grant them with {}",
            tally.denied.iter().cloned().collect::<Vec<_>>().join(", "),
            grants.join(" ")
        ));
    }
    if tally.new + tally.seen == 0 {
        return Err(Error::msg(format!(
            "none of the {} entries of {list_url} could be fetched (see the warnings)",
            lines.len()
        )));
    }
    Ok(())
}

/// Fetches and stores one entry; failures of the entry are logged and counted, only the dataset's are errors.
fn fetch_entry(settings: &Settings, entry: &Entry, tally: &mut Tally) -> Result<()> {
    let source_key = format!("url:{}", entry.url);
    if dataset::seen(&source_key).is_some() {
        tally.seen += 1;
        return Ok(());
    }
    let skip = |why: String| log::warn(&format!("list line {}: skipping {}: {why}", entry.line, entry.url));
    let response = match http::fetch(&Request::get(&entry.url)) {
        Ok(response) => response,
        Err(error) => {
            if matches!(error, HttpError::Denied(_))
                && let Some(host) = media::host(&entry.url)
            {
                tally.denied.insert(host);
            }
            skip(error.describe());
            tally.failed += 1;
            return Ok(());
        }
    };
    match check(settings, entry, response) {
        Ok(item) => {
            if collect::put(&item)?.created {
                tally.new += 1;
            } else {
                tally.seen += 1;
            }
        }
        Err(why) => {
            skip(why);
            tally.failed += 1;
        }
    }
    Ok(())
}

/// The item for an entry's answer, or why it cannot be stored.
fn check(settings: &Settings, entry: &Entry, response: Response) -> Result<NewItem, String> {
    if !response.is_success() {
        return Err(format!("HTTP {}", response.status));
    }
    if response.body.is_empty() {
        return Err("an empty answer".into());
    }
    if response.body.len() as u64 > settings.max_bytes {
        return Err(format!("{} bytes, more than max_bytes ({})", response.body.len(), settings.max_bytes));
    }
    let content_type = response.header("content-type").map(String::from);
    let (media_type, ext) = media::kind(content_type.as_deref(), &entry.url, &response.body);
    if media::is_web_page(&media_type) {
        return Err(format!("a web page ({media_type}), not a file: list the URL of the file itself"));
    }
    let (licence, licence_url, licence_source) = match (&entry.licence, &settings.default_licence) {
        (Some(given), _) => {
            let (id, url) = media::licence(given);
            (Some(id), url, Some("list"))
        }
        (None, Some(default)) => {
            let (id, url) = media::licence(default);
            (Some(id), url, Some("default_licence"))
        }
        (None, None) => (None, None, None),
    };
    let metadata = json!({
        "list_url": settings.list_url,
        "line": entry.line,
        "url": entry.url,
        "final_url": response.final_url,
        "status": response.status,
        "content_type": content_type,
        "licence_source": licence_source,
        "columns": entry.columns,
    });
    Ok(NewItem {
        source_key: format!("url:{}", entry.url),
        category: Some(entry.category.clone()),
        title: entry.title.clone(),
        provenance: Provenance {
            source_url: entry.url.clone(),
            licence,
            licence_url,
            author: entry.author.clone(),
            author_url: None,
        },
        metadata: metadata.to_string(),
        files: vec![NewFile::new(format!("file.{ext}"), media_type, response.body)],
        parent: None,
    })
}
