//! The crawl loop: for each category, each search term in turn, search pages one after another (`start`/`rows`
//! until `rowCount`); per page, group the rows (one per file) by model package and store each new package once:
//! its best GLB and, when there is one, its scene image.
//!
//! Packages across pages. Rows of one package usually come together, so the last package of a page may go on
//! at the top of the next one: its rows are carried over and the package is decided with the next page's rows.
//! A package whose rows are scattered further is decided where its first acceptable GLB shows up.
//!
//! Resuming. The crawl state `cursor.NAME` holds the search term in progress, the `start` of the page to fetch
//! next and the rows carried over to it; it is saved after each page is fully processed. Packages already in the
//! dataset are skipped (`dataset::seen`), so a run killed at any point and run again ends with the same items.
//! The `per_category` target counts the category's Smithsonian items in the dataset, so it survives restarts too.

use crate::api::{self, Choice, Row, SearchPage};
use crate::settings::{Category, LicenceFilter, Settings};
use aigc_sdk::collect::{self, NewFile, NewItem};
use aigc_sdk::crawl::{self, Failure, State};
use aigc_sdk::dataset::{self, Provenance};
use aigc_sdk::http::{self, HttpError, Request, Response};
use aigc_sdk::{Result, log, web};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

const LICENCE: &str = "CC0-1.0";
const LICENCE_URL: &str = "https://creativecommons.org/publicdomain/zero/1.0/";
/// The attribution the Smithsonian asks for; CC0 does not require it, but the dataset records it.
const AUTHOR: &str = "Smithsonian Institution";
const AUTHOR_URL: &str = "https://3d.si.edu";
/// Rows carried over to the next page are saved in the crawl state (64 KiB at most): past this size the package
/// is decided with the rows at hand instead.
const MAX_CARRY_BYTES: usize = 24 << 10;

/// Crawls every category; an error only when every category failed (or the dataset refused a write). Each
/// category ends with a summary line, also when a failed search page or a refused URL stopped it.
pub fn run(settings: Settings) -> Result<()> {
    crawl::run_categories(
        "category",
        &settings.categories,
        |c| c.name.as_str(),
        |category| {
            let mut crawl = Crawl { settings: &settings, category, count: 0, tally: Tally::default() };
            let result = crawl.run();
            match &result {
                Ok(end) => log::info(&crawl.summary(end)),
                Err(Failure::Category(_)) => log::info(&crawl.summary("stopped by an error")),
                Err(Failure::Fatal(_)) => {}
            }
            result.map(|_| ())
        },
    )
}

/// The crawl state of one category, saved as JSON under `cursor.NAME`.
#[derive(Serialize, Deserialize, Default)]
struct Cursor {
    /// The first page URL of each search term: a saved cursor of another configuration is ignored.
    searches: Vec<String>,
    /// Index of the search term in progress.
    query: usize,
    /// `start` of the page to process next.
    start: u64,
    /// Rows of the previous page's last package, to decide with this page's rows.
    carry: Vec<Value>,
    /// Every search ran out.
    done: bool,
}

/// What happened to the packages of one category, for the summary line.
#[derive(Default)]
struct Tally {
    new: u64,
    seen: u64,
    no_model: u64,
    licence: u64,
    failed: u64,
    rows: u64,
}

/// What became of one package.
enum Outcome {
    New,
    Seen,
    /// No acceptable GLB (usage, quality, size, origin).
    NoModel,
    /// Its stated licence is not CC0.
    Licence,
    /// Every acceptable GLB failed to download.
    Failed,
}

struct Crawl<'a> {
    settings: &'a Settings,
    category: &'a Category,
    /// The category's Smithsonian items in the dataset.
    count: u64,
    tally: Tally,
}

impl Crawl<'_> {
    fn target(&self) -> u64 {
        if self.settings.per_category == 0 { u64::MAX } else { self.settings.per_category }
    }

    fn run(&mut self) -> Result<&'static str, Failure> {
        let name = &self.category.name;
        self.count = crawl::count_stored(name, "smithsonian:");
        let searches: Vec<String> = self.category.queries.iter().map(|q| self.settings.search_url(q, 0)).collect();
        let state = State::<Cursor>::cursor(name);
        let saved = state.load().filter(|cursor| cursor.searches == searches && cursor.query <= searches.len());
        let mut cursor = match saved {
            Some(cursor) if cursor.done => return Ok("already done"),
            Some(cursor) => {
                if cursor.query > 0 || cursor.start > 0 {
                    log::info(&format!(
                        "{name}: resuming the search for `{}` at start={}",
                        self.category.queries.get(cursor.query).map_or("", String::as_str),
                        cursor.start
                    ));
                }
                cursor
            }
            None => Cursor { searches, ..Cursor::default() },
        };
        if self.count >= self.target() {
            return Ok("target reached");
        }
        self.progress("");
        while let Some(query) = self.category.queries.get(cursor.query) {
            let mut previous_first: Option<String> = None;
            loop {
                if self.count >= self.target() {
                    state.save(&cursor)?;
                    return Ok("target reached");
                }
                let url = self.settings.search_url(query, cursor.start);
                let page = fetch_page(&url).map_err(|e| Failure::Category(format!("search page {url}: {e}")))?;
                let first = page.rows.first().map(Value::to_string);
                if first.is_some() && first == previous_first {
                    return Err(Failure::Category(format!(
                        "the page at start={} repeats the previous page: the API ignores `start`",
                        cursor.start
                    )));
                }
                previous_first = first;
                self.tally.rows += page.rows.len() as u64;
                let last = page.rows.is_empty()
                    || page.row_count.map_or((page.rows.len() as u64) < self.settings.rows, |total| {
                        cursor.start + self.settings.rows >= total
                    });
                let mut rows = std::mem::take(&mut cursor.carry);
                let carried = rows.clone();
                rows.extend(page.rows);
                let (packages, carry, odd) = group(rows, !last);
                if odd > 0 {
                    log::warn(&format!(
                        "{}: `{query}` start={}: {odd} rows without a usable content.uri and content.model_url \
                         were skipped",
                        self.category.name, cursor.start
                    ));
                }
                if !self.packages(query, &packages)? {
                    // The target was reached inside this page: a later run with a larger target redoes it.
                    cursor.carry = carried;
                    state.save(&cursor)?;
                    return Ok("target reached");
                }
                let read = cursor.start + self.settings.rows;
                let rows_read = match page.row_count {
                    Some(total) => format!("{} of {total}", read.min(total)),
                    None => read.to_string(),
                };
                self.progress(&format!(" (`{query}`: {rows_read} rows read)"));
                if last {
                    cursor.query += 1;
                    cursor.start = 0;
                    cursor.carry = Vec::new();
                    cursor.done = cursor.query >= self.category.queries.len();
                    state.save(&cursor)?;
                    break;
                }
                cursor.start += self.settings.rows;
                cursor.carry = carry;
                state.save(&cursor)?;
            }
        }
        Ok("no more results")
    }

    /// Decides the packages of a page in order. False when the target was reached before the last one.
    fn packages(&mut self, query: &str, packages: &[Package]) -> Result<bool> {
        for package in packages {
            if self.count >= self.target() {
                return Ok(false);
            }
            match self.package(query, package)? {
                Outcome::New => {
                    self.count += 1;
                    self.tally.new += 1;
                    self.progress(&format!(" (`{query}`)"));
                }
                Outcome::Seen => self.tally.seen += 1,
                Outcome::NoModel => self.tally.no_model += 1,
                Outcome::Licence => self.tally.licence += 1,
                Outcome::Failed => self.tally.failed += 1,
            }
        }
        Ok(true)
    }

    fn package(&self, query: &str, package: &Package) -> Result<Outcome> {
        let name = &self.category.name;
        let id = &package.id;
        let source_key = format!("smithsonian:{id}");
        if dataset::seen(&source_key).is_some() {
            return Ok(Outcome::Seen);
        }
        let rows: Vec<&Row> = package.rows.iter().map(|(row, _)| row).collect();
        let stated = rows.iter().find_map(|row| row.licence.clone());
        if let Some(licence) = &stated
            && self.settings.licence_filter == LicenceFilter::Cc0
            && !api::is_cc0(licence)
        {
            log::info(&format!("{name}: dropping package {id}: its rows state the licence `{licence}`, not CC0"));
            return Ok(Outcome::Licence);
        }
        let choice = Choice {
            usages: &self.settings.usages,
            qualities: &self.settings.qualities,
            max_bytes: self.settings.max_bytes,
        };
        let mut models = Vec::new();
        for row in choice.models(&rows) {
            if self.settings.on_origin(&row.uri) {
                models.push(row);
            } else {
                log::warn(&format!(
                    "{name}: package {id}: refusing the file {}: not on {} (as base_url)",
                    row.uri, self.settings.origin
                ));
            }
        }
        if models.is_empty() {
            log::debug(&format!("{name}: package {id}: no acceptable GLB among its {} files", rows.len()));
            return Ok(Outcome::NoModel);
        }
        let thumbnail = if self.settings.thumbnails {
            api::thumbnail(&rows).filter(|row| self.settings.on_origin(&row.uri))
        } else {
            None
        };

        // The best GLB and the scene image together; then the other GLBs in order if the best one fails.
        let mut requests = vec![Request::get(&models[0].uri)];
        requests.extend(thumbnail.map(|row| Request::get(&row.uri)));
        let mut answers = http::fetch_all(&requests).into_iter();
        let mut first = Some(answers.next().unwrap_or_else(|| Err(HttpError::Other("no answer".into()))));
        let thumbnail_answer = answers.next();
        let mut model = None;
        for row in &models {
            let answer = first.take().unwrap_or_else(|| http::fetch(&Request::get(&row.uri)));
            match self.check_model(answer) {
                Ok(body) => {
                    model = Some((*row, body));
                    break;
                }
                Err(why) => log::warn(&format!("{name}: package {id}: GLB {}: {why}", row.uri)),
            }
        }
        let Some((model_row, model_body)) = model else {
            log::warn(&format!("{name}: skipping package {id}: no GLB could be downloaded"));
            return Ok(Outcome::Failed);
        };
        let mut files = vec![NewFile::new("model.glb", "model/gltf-binary", model_body)];
        if let (Some(row), Some(answer)) = (thumbnail, thumbnail_answer) {
            match image(row, answer) {
                Ok(file) => files.push(file),
                Err(why) => {
                    log::warn(&format!("{name}: package {id}: storing it without its image {}: {why}", row.uri));
                }
            }
        }
        let title = model_row.title.clone().or_else(|| rows.iter().find_map(|row| row.title.clone()));
        let metadata = json!({
            "package": format!("3d_package:{id}"),
            "query": query,
            "licence_assumed": stated.is_none(),
            "model": package.raw(model_row),
            "thumbnail": thumbnail.map(|row| package.raw(row)),
            "rows": package.rows.iter().map(|(_, raw)| raw).collect::<Vec<_>>(),
        });
        let (licence, licence_url) = match stated {
            Some(stated) if !api::is_cc0(&stated) => (stated, None),
            _ => (LICENCE.to_string(), Some(LICENCE_URL.to_string())),
        };
        let item = NewItem {
            source_key,
            category: Some(name.clone()),
            title,
            provenance: Provenance {
                source_url: api::viewer_url(id),
                licence: Some(licence),
                licence_url,
                author: Some(AUTHOR.to_string()),
                author_url: Some(AUTHOR_URL.to_string()),
            },
            metadata: metadata.to_string(),
            files,
            parent: None,
        };
        Ok(if collect::put(&item)?.created { Outcome::New } else { Outcome::Seen })
    }

    /// The GLB's bytes from a download's answer, or why not.
    fn check_model(&self, answer: Result<Response, HttpError>) -> Result<Vec<u8>, String> {
        let response = web::success(answer)?;
        if response.body.len() as u64 > self.settings.max_bytes {
            return Err(format!("{} bytes, more than max_bytes ({})", response.body.len(), self.settings.max_bytes));
        }
        if !response.body.starts_with(b"glTF") {
            return Err("not a GLB file (no glTF magic)".into());
        }
        Ok(response.body)
    }

    fn progress(&self, detail: &str) {
        let target = self.settings.per_category;
        let total = (target > 0).then_some(target);
        let of = total.map_or_else(String::new, |t| format!("/{t}"));
        log::progress(self.count, total, &format!("{}: {}{of} models{detail}", self.category.name, self.count));
    }

    fn summary(&self, end: &str) -> String {
        let t = &self.tally;
        format!(
            "{}: {} models in the dataset ({} new, {} already stored, {} without an acceptable GLB, {} not CC0, {} \
             failed downloads; {} rows read); {end}",
            self.category.name, self.count, t.new, t.seen, t.no_model, t.licence, t.failed, t.rows
        )
    }
}

/// A model package: its rows, in the order seen.
struct Package {
    id: String,
    rows: Vec<(Row, Value)>,
}

impl Package {
    /// The raw JSON of one of this package's rows.
    fn raw(&self, row: &Row) -> Value {
        self.rows.iter().find(|(r, _)| r == row).map(|(_, raw)| raw.clone()).unwrap_or(Value::Null)
    }
}

/// Groups rows by package, in order of first appearance; rows that are not files of a package are dropped (and
/// counted). With `carry`, the package of the last row is held back (its rows as raw JSON) unless they are too
/// large to carry.
fn group(rows: Vec<Value>, carry: bool) -> (Vec<Package>, Vec<Value>, usize) {
    let mut packages: Vec<Package> = Vec::new();
    let mut odd = 0;
    for raw in rows {
        let Some(row) = Row::parse(&raw) else {
            odd += 1;
            continue;
        };
        match packages.iter_mut().find(|p| p.id == row.package) {
            Some(package) => package.rows.push((row, raw)),
            None => packages.push(Package { id: row.package.clone(), rows: vec![(row, raw)] }),
        }
    }
    let mut held = Vec::new();
    if carry && let Some(last) = packages.last() {
        let raw: Vec<Value> = last.rows.iter().map(|(_, raw)| raw.clone()).collect();
        if Value::from(raw.clone()).to_string().len() <= MAX_CARRY_BYTES {
            packages.pop();
            held = raw;
        }
    }
    (packages, held, odd)
}

fn fetch_page(url: &str) -> Result<SearchPage, String> {
    let response = web::success(http::fetch(&Request::get(url).header("accept", "application/json")))?;
    SearchPage::parse(&response.body)
}

/// The scene image as a file, checked to be the JPEG or PNG its row says.
fn image(row: &Row, answer: Result<Response, HttpError>) -> Result<NewFile, String> {
    let body = web::success(answer)?.body;
    match web::sniff_only(&body, &["jpg", "png"]) {
        Some((ext, media_type)) => Ok(NewFile::new(format!("thumbnail.{ext}"), media_type, body)),
        None => Err(format!("not a JPEG or PNG image (file type `{}`)", row.file_type)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(package: &str, file: &str) -> Value {
        json!({"title": "T", "content": {"uri": format!("https://3d-api.si.edu/content/document/3d_package:{package}/{file}"),
            "model_url": format!("3d_package:{package}"), "usage": "Download3D", "quality": "Low_resolution",
            "file_type": "glb"}})
    }

    #[test]
    fn groups_by_package_and_carries_the_last_one() {
        let (a, b, c) = ("aaaaaaaa-0001", "bbbbbbbb-0002", "cccccccc-0003");
        let rows = vec![row(a, "1.glb"), row(b, "1.glb"), row(a, "2.glb"), json!({"odd": true}), row(c, "1.glb")];
        let (packages, carry, odd) = group(rows.clone(), true);
        assert_eq!(odd, 1);
        let ids: Vec<&str> = packages.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, [a, b]);
        assert_eq!(packages[0].rows.len(), 2);
        assert_eq!(carry, vec![row(c, "1.glb")]);
        let (packages, carry, _) = group(rows, false);
        assert_eq!(packages.len(), 3);
        assert!(carry.is_empty());
    }
}
