//! The crawl loop: `/collections` once for every set's licence and author; then for each category, each query's
//! search pages in turn; per page, the icons of allowed sets are fetched with one `/{prefix}.json?icons=...`
//! request per set (and batch of names), turned into SVG files and put one item per icon.
//!
//! Resuming. The crawl state `cursor.NAME` holds the query and page to fetch next; it is saved after each page is
//! fully processed. Icons already in the dataset are not stored again, and an icon data request is made only when
//! it holds an icon to store; the count towards `per_category` is the number of this plugin's items the dataset
//! holds in the category. So a run killed at any point and run again ends with the same items, and a run with a
//! larger `per_category` goes on where a smaller one stopped.

use crate::api::{self, IconSet, Info, SearchPage};
use crate::settings::{Category, Settings};
use crate::svg;
use aigc_sdk::collect::{self, NewFile, NewItem};
use aigc_sdk::crawl::{self, Failure, Progress, State};
use aigc_sdk::dataset::{self, Provenance};
use aigc_sdk::http::{self, HttpError, Request, Response};
use aigc_sdk::{Result, log, web};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Longest list of names in one `/{prefix}.json?icons=` request, in characters: Iconify asks to keep URLs under
/// about 500 characters. Counted without the origin, so a mirror or test server gets the same batches.
const MAX_NAMES: usize = 400;

/// Crawls every category; an error only when every category failed (or the dataset refused a write).
pub fn run(settings: Settings) -> Result<()> {
    let mut crawl = Crawl {
        sets: BTreeMap::new(),
        refused_sets: BTreeSet::new(),
        collections_loaded: false,
        progress: Progress::new(settings.per_category, settings.categories.len()),
        settings: &settings,
    };
    crawl::run_categories(
        "category",
        &settings.categories,
        |c| c.name.as_str(),
        |category| crawl.category(category).map(|count| crawl.progress.finish(count)),
    )
}

/// The crawl state of one category, saved as JSON under `cursor.NAME`.
#[derive(Serialize, Deserialize)]
struct Cursor {
    /// The searches this cursor belongs to; a saved cursor of other searches (the configuration changed) is ignored.
    searches: String,
    /// The query (index in `query.NAME`) and page to fetch next.
    query: usize,
    page: u64,
    /// The category is finished: every query ran out, or the target was reached at `query`/`page`.
    done: bool,
}

/// What happened to the icons of one category, for the summary line.
#[derive(Default)]
struct Tally {
    new: u64,
    seen: u64,
    licence: u64,
    prefix: u64,
    skipped: u64,
}

struct Crawl<'a> {
    settings: &'a Settings,
    /// Icon set prefix → its info (licence, author), from `/collections` and the searches' `collections`.
    sets: BTreeMap<String, Info>,
    /// Sets already reported as refused for their licence (reported once per run).
    refused_sets: BTreeSet<String>,
    /// `/collections` was fetched (once, before the first search of the run).
    collections_loaded: bool,
    /// Icons counted over all categories.
    progress: Progress,
}

impl Crawl<'_> {
    /// `/collections`: every icon set's info. Without it the crawl goes on with the info each search answer
    /// carries for its own sets.
    fn load_collections(&mut self) {
        if std::mem::replace(&mut self.collections_loaded, true) {
            return;
        }
        let url = self.settings.collections_url();
        match web::fetch_json::<BTreeMap<String, Value>>(Request::get(&url)) {
            Ok(all) => {
                let mut odd = 0;
                for (prefix, raw) in all {
                    match api::parse_info(&raw) {
                        Some(info) if api::is_valid_name(&prefix) => {
                            self.sets.insert(prefix, info);
                        }
                        _ => odd += 1,
                    }
                }
                log::info(&format!("{} icon sets listed", self.sets.len()));
                if odd > 0 {
                    log::warn(&format!("{odd} entries of {url} are not icon set descriptions"));
                }
            }
            Err(e) => log::warn(&format!("{url}: {e}; using the set info of the search answers instead")),
        }
    }

    /// Adds the set info of a search answer for sets `/collections` did not list.
    fn learn(&mut self, collections: &BTreeMap<String, Value>) {
        for (prefix, raw) in collections {
            if !self.sets.contains_key(prefix)
                && let Some(info) = api::parse_info(raw)
            {
                self.sets.insert(prefix.clone(), info);
            }
        }
    }

    /// Crawls one category; the number of its icons the dataset holds at the end. A failed search page ends the
    /// category ([`Failure::Category`]); a failed write ends the run.
    fn category(&mut self, category: &Category) -> Result<u64, Failure> {
        let target = self.settings.per_category;
        let mut count = crawl::count_stored(&category.name, "iconify:");
        let searches =
            format!("{}|{}|{}", category.queries.join(","), self.settings.page_size, self.settings.prefixes.join(","));
        let state = State::<Cursor>::cursor(&category.name);
        let saved = state.load().filter(|cursor| cursor.searches == searches);
        let (mut query, mut page) = match saved {
            Some(cursor) if cursor.done && (cursor.query >= category.queries.len() || count >= target) => {
                log::info(&format!("{}: already done ({count} icons)", category.name));
                return Ok(count);
            }
            Some(cursor) => {
                if cursor.query > 0 || cursor.page > 0 {
                    log::info(&format!(
                        "{}: resuming at query {} page {} ({count} icons stored)",
                        category.name,
                        cursor.query + 1,
                        cursor.page + 1
                    ));
                }
                (cursor.query, cursor.page)
            }
            None => (0, 0),
        };
        let save =
            |query: usize, page: u64, done: bool| state.save(&Cursor { searches: searches.clone(), query, page, done });
        let mut tally = Tally::default();
        self.progress(category, count);
        let end = loop {
            if count >= target {
                save(query, page, true)?;
                break "target reached";
            }
            let Some(text) = category.queries.get(query) else {
                save(query, 0, true)?;
                break "every query ran out";
            };
            let Some(url) = self.settings.search_url(text, page) else {
                log::info(&format!(
                    "{}: query `{text}` has more matches than the API lists ({})",
                    category.name,
                    crate::settings::MAX_LIMIT
                ));
                (query, page) = (query + 1, 0);
                save(query, page, false)?;
                continue;
            };
            self.load_collections();
            let answer: SearchPage = web::fetch_json(Request::get(&url))
                .map_err(|e| Failure::Category(format!("search page {url}: {e}")))?;
            self.learn(&answer.collections);
            if !self.page(category, text, &answer.icons, &mut count, &mut tally)? {
                // The target was reached inside this page: a larger target later goes on from this page.
                save(query, page, true)?;
                break "target reached";
            }
            self.progress(category, count);
            let more = !answer.icons.is_empty() && answer.limit > 0 && answer.total >= answer.limit;
            (query, page) = if more { (query, page + 1) } else { (query + 1, 0) };
            save(query, page, false)?;
        };
        log::info(&format!(
            "{}: {count}/{target} icons ({} new, {} already stored, {} of sets with a licence not allowed, {} of \
             sets not in `prefixes`, {} skipped); {end}",
            category.name, tally.new, tally.seen, tally.licence, tally.prefix, tally.skipped
        ));
        Ok(count)
    }

    /// Processes the icons of one search answer in order until `count` reaches the target. True when every icon
    /// was processed.
    ///
    /// The icon data requests of a page depend only on the page: every icon of an allowed set, grouped by set
    /// (in order of first appearance), names sorted, split by length. A request is made when it holds at least one
    /// icon to store now. So a resumed page, or a run with another target, asks for the same URLs (a replay or an
    /// HTTP cache answers them) at the price of some data for icons already stored.
    fn page(
        &mut self,
        category: &Category,
        query: &str,
        icons: &[Value],
        count: &mut u64,
        tally: &mut Tally,
    ) -> Result<bool> {
        let mut allowed: Vec<(&str, &str)> = Vec::new();
        for raw in icons {
            let Some((prefix, name)) = raw.as_str().and_then(api::split_icon) else {
                log::warn(&format!("{}: skipping a search result that is not an icon name: {raw:.80}", category.name));
                tally.skipped += 1;
                continue;
            };
            if allowed.contains(&(prefix, name)) {
                continue;
            }
            if !self.settings.prefix_allowed(prefix) {
                tally.prefix += 1;
                continue;
            }
            if !self.licence_allowed(prefix) {
                tally.licence += 1;
                continue;
            }
            allowed.push((prefix, name));
        }
        let requests = requests(&allowed);
        let fresh: Vec<(&str, &str)> = allowed
            .iter()
            .copied()
            .filter(|(prefix, name)| {
                let seen = dataset::seen(&source_key(prefix, name)).is_some();
                tally.seen += u64::from(seen);
                !seen
            })
            .collect();
        let mut answers: HashMap<usize, Result<IconSet, String>> = HashMap::new();
        let target = self.settings.per_category;
        let mut next = 0;
        while next < fresh.len() {
            if *count >= target {
                return Ok(false);
            }
            // A batch: as many new icons as would reach the target if every one is stored.
            let take = usize::try_from(target - *count).unwrap_or(usize::MAX).min(fresh.len() - next);
            let batch = &fresh[next..next + take];
            let mut needed: Vec<usize> = Vec::new();
            for icon in batch {
                if let Some(index) =
                    requests.iter().position(|(prefix, names)| *prefix == icon.0 && names.contains(&icon.1))
                    && !needed.contains(&index)
                    && !answers.contains_key(&index)
                {
                    needed.push(index);
                }
            }
            let fetch: Vec<Request> = needed
                .iter()
                .map(|&i| {
                    let (prefix, names) = &requests[i];
                    Request::get(self.settings.icons_url(prefix, names)).header("accept", "application/json")
                })
                .collect();
            for ((index, request), answer) in needed.iter().zip(&fetch).zip(http::fetch_all(&fetch)) {
                let prefix = requests[*index].0;
                answers.insert(*index, icon_set(prefix, answer).map_err(|e| format!("{}: {e}", request.url)));
            }
            for &(prefix, name) in batch {
                let index = requests.iter().position(|(p, names)| *p == prefix && names.contains(&name));
                let icon = match index.and_then(|i| answers.get(&i)) {
                    None => Err("not fetched".to_string()),
                    Some(Err(e)) => Err(e.clone()),
                    Some(Ok(set)) if set.not_found.iter().any(|n| n == name) => Err("the set does not have it".into()),
                    Some(Ok(set)) => svg::resolve(set, name),
                };
                match icon {
                    Ok(icon) => {
                        let item = self.new_item(category, query, prefix, name, &icon);
                        if collect::put(&item)?.created {
                            *count += 1;
                            tally.new += 1;
                        } else {
                            tally.seen += 1;
                        }
                        self.progress(category, *count);
                    }
                    Err(why) => {
                        log::warn(&format!("{}: skipping {prefix}:{name}: {why}", category.name));
                        tally.skipped += 1;
                    }
                }
            }
            next += take;
        }
        Ok(true)
    }

    /// Whether the icons of set `prefix` may be stored, by its licence (a refused set is reported once).
    fn licence_allowed(&mut self, prefix: &str) -> bool {
        let info = self.sets.get(prefix);
        let licence = info.and_then(|info| info.license.as_ref());
        if self.settings.licence_allowed(licence.and_then(|l| l.spdx.as_deref())) {
            return true;
        }
        if self.refused_sets.insert(prefix.to_string()) {
            let set = info.and_then(|i| i.name.as_deref()).unwrap_or("not described by the API");
            let licence = licence.map_or_else(
                || "(none given)".to_string(),
                |l| format!("{} ({})", l.spdx.as_deref().unwrap_or("no SPDX id"), l.title.as_deref().unwrap_or("")),
            );
            log::warn(&format!("skipping the icons of set `{prefix}` ({set}): licence {licence} is not allowed"));
        }
        false
    }

    fn new_item(&self, category: &Category, query: &str, prefix: &str, name: &str, icon: &svg::Icon) -> NewItem {
        let (text, (left, top, width, height)) = svg::render(icon);
        let info = self.sets.get(prefix).cloned().unwrap_or_default();
        let licence = info.license.clone().unwrap_or_default();
        let author = info.author.clone().unwrap_or_default();
        let metadata = json!({
            "prefix": prefix,
            "name": name,
            "set": info.name,
            "set_category": info.category,
            "set_version": info.version,
            "set_total": info.total,
            "palette": info.palette,
            "tags": info.tags,
            "licence_title": licence.title,
            "query": query,
            "alias_of": icon.alias_of,
            "rotate": icon.rotate,
            "h_flip": icon.h_flip,
            "v_flip": icon.v_flip,
            "view_box": [left, top, width, height],
        });
        NewItem {
            source_key: source_key(prefix, name),
            category: Some(category.name.clone()),
            title: Some(name.replace('-', " ")),
            provenance: Provenance {
                source_url: format!("https://icon-sets.iconify.design/{prefix}/{name}/"),
                licence: nonempty(licence.spdx.clone()).or_else(|| nonempty(licence.title.clone())),
                licence_url: nonempty(licence.url),
                author: nonempty(author.name),
                author_url: nonempty(author.url),
            },
            metadata: metadata.to_string(),
            files: vec![NewFile::new("icon.svg", "image/svg+xml", text.into_bytes())],
            parent: None,
        }
    }

    fn progress(&self, category: &Category, count: u64) {
        let target = self.settings.per_category;
        let message = format!("category {}: {count}/{target} icons", category.name);
        self.progress.show(count, &message);
    }
}

/// The icon data requests of a page's icons: per set, in order of first appearance, the names sorted and split
/// into [`chunks`].
fn requests<'a>(icons: &[(&'a str, &'a str)]) -> Vec<(&'a str, Vec<&'a str>)> {
    let mut by_set: Vec<(&str, BTreeSet<&str>)> = Vec::new();
    for &(prefix, name) in icons {
        match by_set.iter_mut().find(|(p, _)| *p == prefix) {
            Some((_, names)) => {
                names.insert(name);
            }
            None => by_set.push((prefix, BTreeSet::from([name]))),
        }
    }
    by_set.into_iter().flat_map(|(prefix, names)| chunks(names).into_iter().map(move |c| (prefix, c))).collect()
}

/// The icon data of one answer, checked to be of set `prefix`.
fn icon_set(prefix: &str, answer: Result<Response, HttpError>) -> Result<IconSet, String> {
    let set: IconSet = web::success(answer)?.json().map_err(|e| e.to_string())?;
    match set.prefix.as_deref() {
        Some(p) if p != prefix => Err(format!("the answer is for set `{p}`")),
        _ => Ok(set),
    }
}

/// Sorted names split into requests whose `icons=` list is at most [`MAX_NAMES`] characters (a longer single
/// name goes alone).
fn chunks<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<Vec<&'a str>> {
    let mut out = Vec::new();
    let mut chunk: Vec<&str> = Vec::new();
    let mut length = 0;
    for name in names {
        let added = if chunk.is_empty() { name.len() } else { name.len() + 1 };
        if !chunk.is_empty() && length + added > MAX_NAMES {
            out.push(std::mem::take(&mut chunk));
            length = 0;
        }
        length += if chunk.is_empty() { name.len() } else { name.len() + 1 };
        chunk.push(name);
    }
    if !chunk.is_empty() {
        out.push(chunk);
    }
    out
}

fn source_key(prefix: &str, name: &str) -> String {
    format!("iconify:{prefix}:{name}")
}

fn nonempty(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn icon_requests_stay_short() {
        let names: Vec<String> = (0..100).map(|i| format!("icon-number-{i:03}")).collect();
        let batches = chunks(names.iter().map(String::as_str));
        assert!(batches.len() > 1);
        assert!(batches.iter().all(|b| b.join(",").len() <= MAX_NAMES));
        assert_eq!(batches.concat(), names.iter().map(String::as_str).collect::<Vec<_>>());
        let long = "x".repeat(MAX_NAMES + 5);
        assert_eq!(chunks([long.as_str(), "a", "b"]), vec![vec![long.as_str()], vec!["a", "b"]]);
        assert!(chunks([]).is_empty());
        let page = [("mdi", "b"), ("tabler", "x"), ("mdi", "a"), ("mdi", "b")];
        assert_eq!(requests(&page), vec![("mdi", vec!["a", "b"]), ("tabler", vec!["x"])]);
    }
}
