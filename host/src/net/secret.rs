//! Secrets the operator lends a run (`--secret NAME=VALUE`), and the credentials one exchange carried.
//!
//! A response fetched with a credential belongs to that credential: the HTTP cache and record files are shared
//! by every later run on the dataset, some of them without the secret. So every exchange knows which credentials
//! went out with it ([`Credentials`]), and both the cache and record files label what they keep with a salted
//! digest of those credentials ([`Credentials::digest`]); a stored response is served again only to a request
//! whose own credentials give the same digest. The digest, never the value, is what reaches the disk: it is a
//! SHA-256 over a random salt and the values, so equal values are recognised without being written down.

use std::collections::BTreeSet;

use reqwest::header::{HeaderName, HeaderValue};
use sha2::{Digest, Sha256};
use url::Url;

use super::policy::HostPattern;

/// Shortest secret value accepted. Redaction replaces every occurrence of a secret in what plugins receive; a
/// value of a few characters cannot be told apart from ordinary text (a secret `abc` would cut every `abc` out
/// of every page), so such a value is refused rather than either leaked or used to mangle bodies.
pub const MIN_SECRET_LEN: usize = 6;

/// Headers whose values are credentials when a plugin sets them itself (its own token from `--set`, a session
/// cookie): they too make a response private to whoever sent them.
const CREDENTIAL_HEADERS: &[&str] = &["authorization", "cookie"];

/// A secret value and where it may go.
#[derive(Debug, Clone)]
pub struct Secret {
    pub name: String,
    pub header: HeaderName,
    /// Prefix + value, ready to send.
    pub value: HeaderValue,
    /// Length of the prefix (`Bearer `) at the start of `value`.
    prefix_len: usize,
    pub hosts: Vec<HostPattern>,
}

/// Why a `--secret` cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("secret `{name}`: `{header}` is not a header name")]
    HeaderName { name: String, header: String },
    #[error("`--secret {name}=...`: the value cannot be sent in a header (visible ASCII only)")]
    Unsendable { name: String },
    #[error(
        "`--secret {name}=...`: the value has {len} characters; a secret needs at least {MIN_SECRET_LEN}, so that \
         the host can tell it apart from ordinary text when it redacts it from what the plugin receives"
    )]
    TooShort { name: String, len: usize },
}

impl Secret {
    /// A secret sent as `header: {prefix}{value}` to `hosts`.
    pub fn new(
        name: &str,
        header: &str,
        prefix: &str,
        value: &str,
        hosts: Vec<HostPattern>,
    ) -> Result<Self, SecretError> {
        let header = HeaderName::from_bytes(header.as_bytes())
            .map_err(|_| SecretError::HeaderName { name: name.to_string(), header: header.to_string() })?;
        if value.trim().len() < MIN_SECRET_LEN {
            return Err(SecretError::TooShort { name: name.to_string(), len: value.trim().len() });
        }
        let mut sent = HeaderValue::from_str(&format!("{prefix}{value}"))
            .map_err(|_| SecretError::Unsendable { name: name.to_string() })?;
        sent.set_sensitive(true);
        Ok(Self { name: name.to_string(), header, value: sent, prefix_len: prefix.len(), hosts })
    }

    /// The value without its prefix: what a server is most likely to echo.
    pub fn bare(&self) -> &[u8] {
        self.value.as_bytes().get(self.prefix_len..).unwrap_or_default()
    }

    /// The prefix without its spaces (`Bearer`, `Basic`, `Token`), to know how the value is encoded.
    pub fn scheme(&self) -> &str {
        std::str::from_utf8(self.value.as_bytes().get(..self.prefix_len).unwrap_or_default()).unwrap_or("").trim()
    }

    /// Whether this secret goes with requests to `url`.
    pub fn applies_to(&self, url: &Url) -> bool {
        let Some(host) = url.host() else { return false };
        let default_port = if url.scheme() == "https" { 443 } else { 80 };
        let port = url.port().unwrap_or(default_port);
        self.hosts.iter().any(|p| p.matches_host(&host, port, default_port))
    }
}

/// The credentials one request carried: the run's secrets attached on any hop (as indices into the client's
/// list) and the credential headers the plugin set itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Credentials {
    secrets: BTreeSet<usize>,
    /// Lower-cased name and value, in the order the plugin gave them.
    headers: Vec<(String, String)>,
}

impl Credentials {
    /// The credential headers among a plugin's request headers (secrets are added later, hop by hop).
    pub fn of_plugin(headers: &[(String, String)]) -> Self {
        let headers = headers
            .iter()
            .filter(|(n, _)| CREDENTIAL_HEADERS.iter().any(|c| n.eq_ignore_ascii_case(c)))
            .map(|(n, v)| (n.to_ascii_lowercase(), v.clone()))
            .collect();
        Self { secrets: BTreeSet::new(), headers }
    }

    /// Notes that secret number `index` went out.
    pub fn add_secret(&mut self, index: usize) {
        self.secrets.insert(index);
    }

    /// Adds everything `other` holds.
    pub fn extend(&mut self, other: &Credentials) {
        self.secrets.extend(other.secrets.iter().copied());
        for header in &other.headers {
            if !self.headers.contains(header) {
                self.headers.push(header.clone());
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty() && self.headers.is_empty()
    }

    /// Each credential as a label (what a record file may show: `secret:NAME`, `header:NAME`) and its value.
    fn labelled(&self, secrets: &[Secret]) -> Vec<(String, Vec<u8>)> {
        let mut out: Vec<(String, Vec<u8>)> = self
            .secrets
            .iter()
            .filter_map(|&i| secrets.get(i))
            .map(|s| (format!("secret:{}", s.name), secret_material(s)))
            .collect();
        for (name, value) in &self.headers {
            let label = format!("header:{name}");
            match out.iter_mut().find(|(l, _)| *l == label) {
                // Two `Cookie` headers are one credential: both values count.
                Some((_, existing)) => {
                    existing.push(b'\n');
                    existing.extend_from_slice(value.as_bytes());
                }
                None => out.push((label, value.as_bytes().to_vec())),
            }
        }
        out.sort();
        out
    }

    /// The labels of the credentials, for a record file: which secrets a replay must be given.
    pub fn labels(&self, secrets: &[Secret]) -> Vec<String> {
        self.labelled(secrets).into_iter().map(|(label, _)| label).collect()
    }

    /// SHA-256 of `salt` and every credential (label and value, length-prefixed so no two sets collide by
    /// concatenation), hex. Equal only for the same credential values under the same salt.
    pub fn digest(&self, salt: &[u8], secrets: &[Secret]) -> String {
        digest_of(salt, &self.labelled(secrets))
    }
}

/// The digest a replay computes from the labels a record file names: the values come from the replaying run's
/// own secrets and the plugin's own request headers. None when the run lacks one of them.
pub fn digest_for_labels(
    labels: &[String],
    salt: &[u8],
    secrets: &[Secret],
    plugin_headers: &[(String, String)],
) -> Option<String> {
    let plugin = Credentials::of_plugin(plugin_headers).labelled(&[]);
    let mut pairs = Vec::with_capacity(labels.len());
    for label in labels {
        let value = if let Some(name) = label.strip_prefix("secret:") {
            secrets.iter().find(|s| s.name == name).map(secret_material)?
        } else {
            plugin.iter().find(|(l, _)| l == label).map(|(_, v)| v.clone())?
        };
        pairs.push((label.clone(), value));
    }
    pairs.sort();
    Some(digest_of(salt, &pairs))
}

/// What identifies a secret's credential: the header it goes in and what is sent.
fn secret_material(secret: &Secret) -> Vec<u8> {
    let mut material = secret.header.as_str().as_bytes().to_vec();
    material.push(b':');
    material.extend_from_slice(secret.value.as_bytes());
    material
}

fn digest_of(salt: &[u8], pairs: &[(String, Vec<u8>)]) -> String {
    let mut hasher = Sha256::new();
    let mut field = |bytes: &[u8]| {
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    };
    field(salt);
    for (label, value) in pairs {
        field(label.as_bytes());
        field(value);
    }
    hex::encode(hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(name: &str, value: &str) -> Secret {
        Secret::new(name, "Authorization", "Bearer ", value, vec![HostPattern::parse("api.example.org").unwrap()])
            .unwrap()
    }

    #[test]
    fn short_or_unsendable_values_are_refused() {
        let short = Secret::new("t", "Authorization", "Bearer ", "abc", Vec::new());
        assert!(matches!(short, Err(SecretError::TooShort { len: 3, .. })));
        let spaces = Secret::new("t", "Authorization", "", "  ab   ", Vec::new());
        assert!(matches!(spaces, Err(SecretError::TooShort { .. })), "padding does not make a secret longer");
        assert!(matches!(
            Secret::new("t", "Authorization", "", "line\nbreak", Vec::new()),
            Err(SecretError::Unsendable { .. })
        ));
        assert!(matches!(
            Secret::new("t", "bad header", "", "abcdefgh", Vec::new()),
            Err(SecretError::HeaderName { .. })
        ));
        let ok = secret("t", "abcdefgh");
        assert_eq!(ok.bare(), b"abcdefgh");
        assert_eq!(ok.scheme(), "Bearer");
        assert_eq!(ok.value.as_bytes(), b"Bearer abcdefgh");
    }

    #[test]
    fn secrets_apply_only_to_their_hosts() {
        let s = secret("t", "abcdefgh");
        assert!(s.applies_to(&Url::parse("https://api.example.org/x").unwrap()));
        assert!(!s.applies_to(&Url::parse("https://api.example.org:8443/x").unwrap()));
        assert!(!s.applies_to(&Url::parse("https://example.org/x").unwrap()));
    }

    #[test]
    fn the_digest_tells_credentials_apart_and_hides_them() {
        let right = [secret("token", "s3cr3t-one")];
        let wrong = [secret("token", "s3cr3t-two")];
        let renamed = [secret("other", "s3cr3t-one")];
        let mut with = Credentials::default();
        with.add_secret(0);
        let salt = b"salt";
        let d = with.digest(salt, &right);
        assert_eq!(d, with.digest(salt, &right), "deterministic");
        assert_ne!(d, with.digest(salt, &wrong), "another value is another credential");
        assert_ne!(d, with.digest(salt, &renamed));
        assert_ne!(d, with.digest(b"other salt", &right), "the salt is part of it");
        assert_ne!(d, Credentials::default().digest(salt, &right), "no credential is not the credential");
        assert!(!d.contains("s3cr3t"));
        // A plugin's own Authorization header is a credential too; other headers are not.
        let plugin = Credentials::of_plugin(&[("Accept".into(), "x".into()), ("AUTHORIZATION".into(), "t".into())]);
        assert!(!plugin.is_empty());
        assert!(Credentials::of_plugin(&[("accept".into(), "x".into())]).is_empty());
        // What a replay recomputes from the labels equals what was recorded, and only with the same values.
        let mut both = Credentials::of_plugin(&[("authorization".into(), "mine".into())]);
        both.add_secret(0);
        let labels = both.labels(&right);
        assert_eq!(labels, ["header:authorization", "secret:token"]);
        let recorded = both.digest(salt, &right);
        let headers = [("Authorization".to_string(), "mine".to_string())];
        assert_eq!(digest_for_labels(&labels, salt, &right, &headers).as_deref(), Some(recorded.as_str()));
        assert_ne!(digest_for_labels(&labels, salt, &wrong, &headers).as_deref(), Some(recorded.as_str()));
        assert_eq!(digest_for_labels(&labels, salt, &[], &headers), None, "a run without the secret");
        assert_eq!(digest_for_labels(&labels, salt, &right, &[]), None);
    }
}
