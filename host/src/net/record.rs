//! Record and replay of HTTP exchanges, so a crawl can be re-run offline and deterministically.
//!
//! The file is JSON Lines, one exchange per line, appended and flushed as each exchange completes (a killed run
//! keeps what it recorded). Text bodies are stored as text so fixtures stay readable and diffable:
//!
//! ```text
//! {"method":"GET","url":"https://api.example.org/x","status":200,"headers":[["content-type","application/json"]],
//!  "final_url":"https://api.example.org/x","body":"{...}"}
//! ```
//! Binary bodies use `"body_base64"` instead of `"body"`. Secrets are never written: the host adds them after the
//! plugin's request is recorded, records only what the plugin sent, and redacts secret values the server echoed
//! (see [`super::redact`]). An exchange made with credentials says which (`"credentials"`: labels such as
//! `secret:NAME`, a random salt and a salted digest of the values, never the values), and a replay serves it only
//! to a run holding the same credentials, so a record file does not hand a protected body to a run without the
//! secret.

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use super::client::Response;
use super::secret::{Credentials, Secret, digest_for_labels};

/// One exchange as stored in the file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Exchange {
    pub method: String,
    pub url: String,
    pub status: u16,
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    #[serde(default)]
    pub final_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_base64: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<RecordedCredentials>,
}

/// The credentials an exchange was made with, as a record file keeps them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedCredentials {
    /// `secret:NAME` and `header:NAME`: what a replay must hold.
    pub labels: Vec<String>,
    /// Hex; fresh for each exchange, so digests in different files cannot be compared.
    pub salt: String,
    /// Hex SHA-256 of the salt and the values ([`Credentials::digest`]).
    pub digest: String,
}

impl RecordedCredentials {
    /// None for an exchange made without credentials.
    pub fn of(credentials: &Credentials, secrets: &[Secret]) -> Option<Self> {
        if credentials.is_empty() {
            return None;
        }
        let salt: [u8; 16] = rand::random();
        Some(Self {
            labels: credentials.labels(secrets),
            salt: hex::encode(salt),
            digest: credentials.digest(&salt, secrets),
        })
    }

    /// Whether a request with these secrets and headers carries the same credentials.
    fn held_by(&self, secrets: &[Secret], headers: &[(String, String)]) -> bool {
        let Ok(salt) = hex::decode(&self.salt) else { return false };
        digest_for_labels(&self.labels, &salt, secrets, headers).is_some_and(|d| d == self.digest)
    }
}

impl Exchange {
    pub fn new(method: &str, url: &str, response: &Response, credentials: Option<RecordedCredentials>) -> Self {
        let (body, body_base64) = match std::str::from_utf8(&response.body) {
            Ok(text) => (Some(text.to_string()), None),
            Err(_) => (None, Some(base64::engine::general_purpose::STANDARD.encode(&response.body))),
        };
        Self {
            method: method.to_string(),
            url: url.to_string(),
            status: response.status,
            headers: response.headers.clone(),
            final_url: Some(response.final_url.clone()),
            body,
            body_base64,
            credentials,
        }
    }

    fn into_response(self) -> Result<Response, String> {
        let body = match (self.body, self.body_base64) {
            (Some(text), _) => text.into_bytes(),
            (None, Some(b64)) => base64::engine::general_purpose::STANDARD
                .decode(b64.as_bytes())
                .map_err(|e| format!("bad body_base64 for {}: {e}", self.url))?,
            (None, None) => Vec::new(),
        };
        Ok(Response { status: self.status, final_url: self.final_url.unwrap_or(self.url), headers: self.headers, body })
    }
}

/// Why a record or replay file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("cannot open `{path}`")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("`{path}` line {line} is not a recorded exchange: {reason}")]
    Parse { path: PathBuf, line: usize, reason: String },
}

/// Appends exchanges to a file.
#[derive(Debug)]
pub struct Recorder {
    path: PathBuf,
    file: Mutex<std::fs::File>,
}

impl Recorder {
    /// Opens the record file for appending (created if missing), so a resumed crawl adds to what an interrupted
    /// one recorded.
    pub fn create(path: &Path) -> Result<Self, RecordError> {
        let io = |source| RecordError::Io { path: path.to_path_buf(), source };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let file = std::fs::OpenOptions::new().create(true).append(true).open(path).map_err(io)?;
        Ok(Self { path: path.to_path_buf(), file: Mutex::new(file) })
    }

    pub fn record(&self, exchange: &Exchange) {
        let Ok(mut line) = serde_json::to_string(exchange) else { return };
        line.push('\n');
        let mut file = self.file.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Err(e) = file.write_all(line.as_bytes()).and_then(|()| file.flush()) {
            tracing::warn!("could not append to the record file `{}`: {e}", self.path.display());
        }
    }
}

/// Serves responses from a record file, keyed by method and exact URL. Requests repeated more often than they
/// were recorded get the last recorded answer again, so a replay is deterministic.
#[derive(Debug)]
pub struct Replay {
    path: PathBuf,
    exchanges: Mutex<HashMap<(String, String), VecDeque<Exchange>>>,
}

impl Replay {
    pub fn open(path: &Path) -> Result<Self, RecordError> {
        let io = |source| RecordError::Io { path: path.to_path_buf(), source };
        let path = if path.is_dir() { path.join("exchanges.jsonl") } else { path.to_path_buf() };
        let file = std::fs::File::open(&path).map_err(io)?;
        let mut exchanges: HashMap<(String, String), VecDeque<Exchange>> = HashMap::new();
        for (index, line) in BufReader::new(file).lines().enumerate() {
            let line = line.map_err(io)?;
            if line.trim().is_empty() {
                continue;
            }
            let exchange: Exchange = serde_json::from_str(&line).map_err(|e| RecordError::Parse {
                path: path.clone(),
                line: index + 1,
                reason: e.to_string(),
            })?;
            let key = (exchange.method.to_ascii_uppercase(), exchange.url.clone());
            exchanges.entry(key).or_default().push_back(exchange);
        }
        Ok(Self { path, exchanges: Mutex::new(exchanges) })
    }

    /// The recorded answer to `method url` for a request carrying `secrets` (those that apply to it) and the
    /// plugin's `headers`, or a message saying it is missing or was recorded with other credentials.
    pub fn answer(
        &self,
        method: &str,
        url: &str,
        secrets: &[Secret],
        headers: &[(String, String)],
    ) -> Result<Response, String> {
        let mut map = self.exchanges.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let queue = map
            .get_mut(&(method.to_ascii_uppercase(), url.to_string()))
            .ok_or_else(|| format!("{method} {url} is not in `{}`", self.path.display()))?;
        let next = queue.front().ok_or_else(|| format!("{method} {url}: empty entry"))?;
        if let Some(credentials) = &next.credentials
            && !credentials.held_by(secrets, headers)
        {
            return Err(format!(
                "{method} {url} was recorded with credentials ({}) that this run does not hold; replay it with \
                 the same `--secret`",
                credentials.labels.join(", ")
            ));
        }
        let exchange = if queue.len() > 1 { queue.pop_front() } else { queue.front().cloned() };
        exchange.ok_or_else(|| format!("{method} {url}: empty entry"))?.into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(value: &str) -> Secret {
        Secret::new("token", "Authorization", "Bearer ", value, Vec::new()).unwrap()
    }

    /// A record file made with a secret serves its authenticated answers only to a replay holding the same
    /// secret; answers recorded without credentials are served to anyone.
    #[test]
    fn authenticated_exchanges_replay_only_with_the_same_secret() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("exchanges.jsonl");
        let recorder = Recorder::create(&path).unwrap();
        let right = [secret("right-value-1")];
        let mut with = Credentials::default();
        with.add_secret(0);
        let response = |body: &str| Response {
            status: 200,
            headers: Vec::new(),
            body: body.as_bytes().to_vec(),
            final_url: "https://api.example/x".into(),
        };
        let marked = RecordedCredentials::of(&with, &right);
        assert!(marked.is_some());
        assert_eq!(RecordedCredentials::of(&Credentials::default(), &right), None);
        recorder.record(&Exchange::new("GET", "https://api.example/private", &response("PROTECTED"), marked));
        recorder.record(&Exchange::new("GET", "https://api.example/public", &response("public"), None));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("secret:token") && !text.contains("right-value-1"), "{text}");

        let replay = Replay::open(&path).unwrap();
        let private = "https://api.example/private";
        let refused = replay.answer("GET", private, &[], &[]).unwrap_err();
        assert!(refused.contains("credentials (secret:token)"), "{refused}");
        assert!(replay.answer("GET", private, &[secret("wrong-value-2")], &[]).is_err(), "another value");
        // The plugin setting the header itself is not holding the secret.
        let header = [("Authorization".to_string(), "Bearer right-value-1".to_string())];
        assert!(replay.answer("GET", private, &[], &header).is_err());
        assert_eq!(replay.answer("GET", private, &right, &[]).unwrap().body, b"PROTECTED");
        assert_eq!(replay.answer("GET", "https://api.example/public", &[], &[]).unwrap().body, b"public");
    }
}
