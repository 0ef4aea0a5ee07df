//! An HTTP cache on disk, inside the dataset, so a re-run (or a resumed crawl) does not download again what the
//! server says is unchanged. Fresh entries (`Cache-Control: max-age`, `Expires`) are served without a request;
//! stale ones are revalidated with `If-None-Match` / `If-Modified-Since`, and a 304 serves the stored body.
//! Only successful GETs with a validator or a lifetime are kept, never `no-store` ones, and never large bodies
//! (the dataset stores those already).
//!
//! Authenticated responses. The cache is shared by every later run on the dataset, with or without the secret,
//! so by RFC 9111 §3.5 a response to a request that carried credentials must not be handed to a request that
//! does not carry the same ones. Each entry is therefore stored under its URL *and* a [`Variant`]: public, or a
//! salted digest of exactly the credentials that went out with it (secrets attached on any hop, and the
//! plugin's own `Authorization`/`Cookie`). A lookup computes the variant of the credentials it is about to send,
//! so a run without the secret, or with another value, finds nothing and never sends the stored validators
//! either (a server that answers `304` to any matching `If-None-Match` cannot confirm a body it never gave this
//! request). Keyed entries rather than no caching at all: authenticated APIs are much of what a resumed crawl
//! fetches again, and each credential keeps its own private copy. The digest is over a random per-dataset salt
//! (`salt` in this folder), so file names do not let anyone test guesses of a secret without the dataset.
//! Entries written before credentials were keyed (key version 1) are never read: they cannot say whether they
//! were authenticated.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::client::Response;
use super::secret::{Credentials, Secret};

/// Which copy of a URL's response a request may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Variant {
    /// The request carried no credentials.
    Public,
    /// The request carried credentials with this salted digest.
    Credential(String),
}

/// Bytes of the per-dataset salt.
const SALT_LEN: usize = 32;

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
    /// The credentials' digest, for [`Variant::Credential`] entries.
    #[serde(default)]
    credential: Option<String>,
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
    /// Read (or made) on the first authenticated request; None when it cannot be, and then authenticated
    /// responses are not cached.
    salt: OnceLock<Option<[u8; SALT_LEN]>>,
}

impl HttpCache {
    pub fn new(dir: &Path) -> Self {
        Self { dir: dir.to_path_buf(), salt: OnceLock::new() }
    }

    /// The variant a request carrying `credentials` may see and store; None when it carries some and the
    /// dataset's salt is unusable (the request then bypasses the cache).
    pub fn variant(&self, credentials: &Credentials, secrets: &[Secret]) -> Option<Variant> {
        if credentials.is_empty() {
            return Some(Variant::Public);
        }
        let salt = self.salt.get_or_init(|| self.load_salt()).as_ref()?;
        Some(Variant::Credential(credentials.digest(salt, secrets)))
    }

    /// The dataset's salt, made on first use. Written whole under a temporary name and moved into place without
    /// replacing, so two runs starting together agree on one salt.
    fn load_salt(&self) -> Option<[u8; SALT_LEN]> {
        let path = self.dir.join("salt");
        let read = || std::fs::read(&path).ok().and_then(|bytes| <[u8; SALT_LEN]>::try_from(bytes).ok());
        if let Some(salt) = read() {
            return Some(salt);
        }
        let made = (|| -> std::io::Result<()> {
            std::fs::create_dir_all(&self.dir)?;
            let mut file = tempfile::NamedTempFile::new_in(&self.dir)?;
            std::io::Write::write_all(&mut file, &rand::random::<[u8; SALT_LEN]>())?;
            file.persist_noclobber(&path).map_err(|e| e.error)?;
            Ok(())
        })();
        if let Err(e) = made {
            tracing::debug!("cache salt `{}`: {e}", path.display());
        }
        let salt = read();
        if salt.is_none() {
            tracing::warn!("cannot read or make `{}`: authenticated responses are not cached", path.display());
        }
        salt
    }

    fn paths(&self, url: &str, variant: &Variant) -> (PathBuf, PathBuf) {
        // `v2`: the key version that knows credentials; version 1 (`GET {url}`) entries are never looked up.
        let material = match variant {
            Variant::Public => format!("v2 GET {url}"),
            Variant::Credential(digest) => format!("v2 GET {url}\ncredential {digest}"),
        };
        let key = hex::encode(Sha256::digest(material.as_bytes()));
        let folder = self.dir.join(&key[..2]);
        (folder.join(format!("{key}.json")), folder.join(format!("{key}.body")))
    }

    /// The stored response for `url` in `variant`, if any (and readable).
    pub fn lookup(&self, url: &str, variant: &Variant) -> Option<Entry> {
        let (meta_path, body_path) = self.paths(url, variant);
        let meta: Meta = serde_json::from_slice(&std::fs::read(meta_path).ok()?).ok()?;
        if meta.url != url || meta.credential.as_ref() != credential_of(variant) {
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

    /// Keeps `response` to a GET of `url` (made with the credentials of `variant`) when HTTP caching rules allow
    /// it. Failures only cost the cache.
    pub fn store(&self, url: &str, variant: &Variant, response: &Response) {
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
            credential: credential_of(variant).cloned(),
        };
        let (meta_path, body_path) = self.paths(url, variant);
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

    /// After a 304, the stored response refreshed by the 304's headers, kept again under `variant` (the
    /// credentials the revalidation carried, which include those the entry was found with).
    pub fn refresh(&self, url: &str, variant: &Variant, entry: Entry, not_modified: &Response) -> Response {
        let mut response = entry.response;
        for (name, value) in &not_modified.headers {
            if ["cache-control", "expires", "etag", "last-modified", "date"]
                .contains(&name.to_ascii_lowercase().as_str())
            {
                response.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
                response.headers.push((name.clone(), value.clone()));
            }
        }
        self.store(url, variant, &response);
        response
    }
}

fn credential_of(variant: &Variant) -> Option<&String> {
    match variant {
        Variant::Public => None,
        Variant::Credential(digest) => Some(digest),
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
        cache.store("https://a.example/1", &Variant::Public, &response(&[("etag", "\"v1\"")], "one"));
        let no_store = response(&[("cache-control", "no-store"), ("etag", "\"v\"")], "two");
        cache.store("https://a.example/2", &Variant::Public, &no_store);
        cache.store("https://a.example/3", &Variant::Public, &response(&[], "three"));
        cache.store("https://a.example/4", &Variant::Public, &response(&[("cache-control", "max-age=3600")], "four"));
        let one = cache.lookup("https://a.example/1", &Variant::Public).unwrap();
        assert_eq!(one.etag.as_deref(), Some("\"v1\""));
        assert!(!one.fresh);
        assert!(cache.lookup("https://a.example/2", &Variant::Public).is_none());
        assert!(cache.lookup("https://a.example/3", &Variant::Public).is_none());
        let four = cache.lookup("https://a.example/4", &Variant::Public).unwrap();
        assert!(four.fresh);
        assert_eq!(four.response.body, b"four");
    }

    /// A response stored with a credential is found only with the same credential: not without one, not with
    /// another value, not from another dataset (another salt); and the disk holds the digest, not the value.
    #[test]
    fn authenticated_entries_are_private_to_their_credential() {
        let dir = tempfile::tempdir().unwrap();
        let cache = HttpCache::new(&dir.path().join("cache"));
        let secret = |value: &str| Secret::new("token", "Authorization", "Bearer ", value, Vec::new()).unwrap();
        let right = [secret("right-value-1")];
        let wrong = [secret("wrong-value-2")];
        let mut with = Credentials::default();
        with.add_secret(0);
        let variant = cache.variant(&with, &right).unwrap();
        assert!(matches!(variant, Variant::Credential(_)));
        let url = "https://api.example/private";
        cache.store(url, &variant, &response(&[("cache-control", "max-age=3600")], "PROTECTED"));
        assert_eq!(cache.lookup(url, &variant).unwrap().response.body, b"PROTECTED");
        assert!(cache.lookup(url, &Variant::Public).is_none(), "no credential");
        assert_eq!(cache.variant(&Credentials::default(), &right), Some(Variant::Public));
        let other = cache.variant(&with, &wrong).unwrap();
        assert_ne!(other, variant);
        assert!(cache.lookup(url, &other).is_none(), "another value");
        let plugin_header = Credentials::of_plugin(&[("Authorization".into(), "Bearer right-value-1".into())]);
        let plugin_variant = cache.variant(&plugin_header, &[]).unwrap();
        assert!(cache.lookup(url, &plugin_variant).is_none(), "the plugin's own header is another credential");
        // The salt is per dataset and stays: a second cache on the same folder agrees, another folder does not.
        let again = HttpCache::new(&dir.path().join("cache"));
        assert_eq!(again.variant(&with, &right).as_ref(), Some(&variant));
        let elsewhere = HttpCache::new(&dir.path().join("other"));
        assert_ne!(elsewhere.variant(&with, &right).as_ref(), Some(&variant));
        for file in walkdir::WalkDir::new(dir.path()).into_iter().filter_map(Result::ok) {
            if file.file_type().is_file() {
                let bytes = std::fs::read(file.path()).unwrap();
                assert!(!bytes.windows(13).any(|w| w == b"right-value-1"), "{}", file.path().display());
            }
        }
        // A public entry is not served to the authenticated request either: each credential has its own copy.
        cache.store(url, &Variant::Public, &response(&[("cache-control", "max-age=3600")], "public"));
        assert_eq!(cache.lookup(url, &variant).unwrap().response.body, b"PROTECTED");
        assert_eq!(cache.lookup(url, &Variant::Public).unwrap().response.body, b"public");
    }

    /// Entries of key version 1 (URL only) may hold authenticated bodies from before credentials were keyed.
    #[test]
    fn version_one_entries_are_never_read() {
        let dir = tempfile::tempdir().unwrap();
        let url = "https://api.example/private";
        let key = hex::encode(Sha256::digest(format!("GET {url}").as_bytes()));
        let folder = dir.path().join(&key[..2]);
        std::fs::create_dir_all(&folder).unwrap();
        let meta = serde_json::json!({ "url": url, "status": 200, "headers": [], "final_url": url,
            "etag": "\"v1\"", "last_modified": null, "fresh_until": u64::MAX });
        std::fs::write(folder.join(format!("{key}.json")), meta.to_string()).unwrap();
        std::fs::write(folder.join(format!("{key}.body")), "PROTECTED").unwrap();
        assert!(HttpCache::new(dir.path()).lookup(url, &Variant::Public).is_none());
    }
}
