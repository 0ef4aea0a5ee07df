//! An HTTP cache on disk, inside the dataset, so a re-run (or a resumed crawl) does not download again what the
//! server says is unchanged. Fresh entries (`Cache-Control: max-age`, `Expires`) are served without a request;
//! stale ones are revalidated with `If-None-Match` / `If-Modified-Since`, and a 304 serves the stored body.
//! Only successful GETs with a validator or a lifetime are kept, never `no-store` ones, and never large bodies
//! (the dataset stores those already).

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::client::Response;

/// Largest body kept in the cache.
const MAX_CACHED_BODY: usize = 8 << 20;

/// What is stored beside each body.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Meta {
    url: String,
    status: u16,
    headers: Vec<(String, String)>,
    final_url: String,
    etag: Option<String>,
    last_modified: Option<String>,
    /// Seconds since the epoch until which the entry may be served without asking.
    fresh_until: u64,
}

/// A stored response and how to revalidate it.
#[derive(Debug, Clone)]
pub struct Entry {
    pub response: Response,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub fresh: bool,
}

/// The cache folder of one dataset.
#[derive(Debug)]
pub struct HttpCache {
    dir: PathBuf,
}

impl HttpCache {
    pub fn new(dir: &Path) -> Self {
        Self { dir: dir.to_path_buf() }
    }

    fn paths(&self, url: &str) -> (PathBuf, PathBuf) {
        let key = hex::encode(Sha256::digest(format!("GET {url}").as_bytes()));
        let folder = self.dir.join(&key[..2]);
        (folder.join(format!("{key}.json")), folder.join(format!("{key}.body")))
    }

    /// The stored response for `url`, if any (and readable).
    pub fn lookup(&self, url: &str) -> Option<Entry> {
        let (meta_path, body_path) = self.paths(url);
        let meta: Meta = serde_json::from_slice(&std::fs::read(meta_path).ok()?).ok()?;
        if meta.url != url {
            return None;
        }
        let body = std::fs::read(body_path).ok()?;
        Some(Entry {
            fresh: now() < meta.fresh_until,
            etag: meta.etag,
            last_modified: meta.last_modified,
            response: Response { status: meta.status, headers: meta.headers, body, final_url: meta.final_url },
        })
    }

    /// Keeps `response` to a GET of `url` when HTTP caching rules allow it. Failures only cost the cache.
    pub fn store(&self, url: &str, response: &Response) {
        if response.status != 200 || response.body.len() > MAX_CACHED_BODY {
            return;
        }
        let control = header(&response.headers, "cache-control").unwrap_or_default().to_ascii_lowercase();
        if control.contains("no-store") {
            return;
        }
        let etag = header(&response.headers, "etag");
        let last_modified = header(&response.headers, "last-modified");
        let lifetime = lifetime(&response.headers, &control);
        if etag.is_none() && last_modified.is_none() && lifetime.is_zero() {
            return;
        }
        let meta = Meta {
            url: url.to_string(),
            status: response.status,
            headers: response.headers.clone(),
            final_url: response.final_url.clone(),
            etag,
            last_modified,
            fresh_until: now() + lifetime.as_secs(),
        };
        let (meta_path, body_path) = self.paths(url);
        let result = (|| -> std::io::Result<()> {
            let folder = meta_path.parent().unwrap_or(&self.dir);
            std::fs::create_dir_all(folder)?;
            write_atomically(folder, &body_path, &response.body)?;
            write_atomically(folder, &meta_path, &serde_json::to_vec(&meta).map_err(std::io::Error::other)?)
        })();
        if let Err(e) = result {
            tracing::debug!("could not cache {url}: {e}");
        }
    }

    /// After a 304, the stored response refreshed by the 304's headers.
    pub fn refresh(&self, url: &str, entry: Entry, not_modified: &Response) -> Response {
        let mut response = entry.response;
        for (name, value) in &not_modified.headers {
            if ["cache-control", "expires", "etag", "last-modified", "date"].contains(&name.to_ascii_lowercase().as_str()) {
                response.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
                response.headers.push((name.clone(), value.clone()));
            }
        }
        self.store(url, &response);
        response
    }
}

fn header(headers: &[(String, String)], name: &str) -> Option<String> {
    headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone())
}

/// How long a response stays fresh: `max-age`, else `Expires`; zero for `no-cache`.
fn lifetime(headers: &[(String, String)], control: &str) -> Duration {
    if control.contains("no-cache") {
        return Duration::ZERO;
    }
    let max_age = control
        .split(',')
        .filter_map(|d| d.trim().strip_prefix("max-age="))
        .find_map(|v| v.trim_matches('"').parse::<u64>().ok());
    if let Some(seconds) = max_age {
        let age = header(headers, "age").and_then(|a| a.trim().parse::<u64>().ok()).unwrap_or(0);
        return Duration::from_secs(seconds.saturating_sub(age));
    }
    header(headers, "expires")
        .and_then(|e| httpdate::parse_http_date(&e).ok())
        .and_then(|t| t.duration_since(SystemTime::now()).ok())
        .unwrap_or(Duration::ZERO)
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn write_atomically(folder: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = tempfile::NamedTempFile::new_in(folder)?;
    std::io::Write::write_all(&mut file, bytes)?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(headers: &[(&str, &str)], body: &str) -> Response {
        Response {
            status: 200,
            headers: headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
            body: body.as_bytes().to_vec(),
            final_url: "https://a.example/x".into(),
        }
    }

    #[test]
    fn keeps_only_what_http_allows() {
        let dir = tempfile::tempdir().unwrap();
        let cache = HttpCache::new(dir.path());
        cache.store("https://a.example/1", &response(&[("etag", "\"v1\"")], "one"));
        cache.store("https://a.example/2", &response(&[("cache-control", "no-store"), ("etag", "\"v\"")], "two"));
        cache.store("https://a.example/3", &response(&[], "three"));
        cache.store("https://a.example/4", &response(&[("cache-control", "max-age=3600")], "four"));
        let one = cache.lookup("https://a.example/1").unwrap();
        assert_eq!(one.etag.as_deref(), Some("\"v1\""));
        assert!(!one.fresh);
        assert!(cache.lookup("https://a.example/2").is_none());
        assert!(cache.lookup("https://a.example/3").is_none());
        let four = cache.lookup("https://a.example/4").unwrap();
        assert!(four.fresh);
        assert_eq!(four.response.body, b"four");
    }
}
