//! The plugin manifest: name, version, kind and everything the plugin asks for. The SDK's `manifest!` macro
//! embeds it as JSON in the component's `aigc:manifest` custom section, so the host (and `aigc-host inspect`)
//! reads it before any plugin code runs, and grants are decided from it.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The custom section the SDK writes.
pub const SECTION: &str = "aigc:manifest";

/// WIT packages this host runs. A later host keeps every version it shipped: 0.1.1 only added (the `metric`
/// world and its `evaluation` interface, gated `@since(version = 0.1.1)`), so a 0.1.0 component's imports are a
/// subset of what the 0.1.1 linker defines (wasmtime matches `@0.1.0` imports with `@0.1.1` definitions).
pub const SUPPORTED_WIT: &[&str] = &["aigc:plugin@0.1.0", "aigc:plugin@0.1.1"];

/// Why a plugin file could not be read as a plugin.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("cannot read plugin `{path}`")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("`{path}` is not a WebAssembly component: {reason}")]
    NotWasm { path: PathBuf, reason: String },
    #[error(
        "`{path}` has no aigc-host manifest (custom section `{SECTION}`). Rust: declare it with \
         `aigc_sdk::manifest!` in the crate; Python: declare it in pyproject.toml's `[tool.aigc]` table and build \
         with `aigc-host build`; JavaScript: declare it in package.json's `\"aigc\"` object and build with \
         `aigc-host build`; any other toolchain: add it with `aigc-host manifest embed COMPONENT --manifest \
         FILE.json`"
    )]
    Missing { path: PathBuf },
    #[error("the manifest of `{path}` is not valid: {reason}")]
    Invalid { path: PathBuf, reason: String },
    #[error(
        "`{path}` was built for WIT `{wit}`, which this host does not run (it runs {}); rebuild it against a \
         supported aigc-sdk",
        SUPPORTED_WIT.join(", ")
    )]
    UnsupportedWit { path: PathBuf, wit: String },
}

/// The kind of plugin, which is the WIT world it implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Crawler,
    Cleaner,
    Annotator,
    Grader,
    /// Evaluates generated samples against references (WIT 0.1.1 and later).
    Metric,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Crawler => "crawler",
            Kind::Cleaner => "cleaner",
            Kind::Annotator => "annotator",
            Kind::Grader => "grader",
            Kind::Metric => "metric",
        })
    }
}

/// A secret the plugin may have the host add to its requests.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SecretRequest {
    /// Hosts whose requests carry it; never any other.
    pub hosts: Vec<String>,
    /// The header it goes in.
    #[serde(default = "default_secret_header")]
    pub header: String,
    /// Text put before the value ("Token ", "Bearer ").
    #[serde(default)]
    pub prefix: String,
}

fn default_secret_header() -> String {
    "Authorization".to_string()
}

/// One configuration key the plugin accepts.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ConfigKey {
    #[serde(default)]
    pub default: Option<String>,
    #[serde(default)]
    pub help: String,
}

/// What the plugin declares about itself, as written with `aigc_sdk::manifest!`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Declared {
    pub kind: Kind,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub hosts: Vec<String>,
    #[serde(default)]
    pub secrets: BTreeMap<String, SecretRequest>,
    #[serde(default)]
    pub models: Vec<String>,
    #[serde(default)]
    pub config: BTreeMap<String, ConfigKey>,
}

/// The whole manifest section.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub name: String,
    pub version: String,
    pub wit: String,
    pub plugin: Declared,
}

/// A plugin file: its bytes' identity and its manifest.
#[derive(Debug, Clone)]
pub struct PluginFile {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
    pub sha256: String,
    pub manifest: Manifest,
}

impl PluginFile {
    /// Reads `path` and its manifest; nothing of the plugin runs.
    pub fn read(path: &Path) -> Result<Self, ManifestError> {
        let bytes = std::fs::read(path).map_err(|source| ManifestError::Read { path: path.to_path_buf(), source })?;
        let manifest = parse(path, &bytes)?;
        let sha256 = hex::encode(Sha256::digest(&bytes));
        Ok(Self { path: path.to_path_buf(), bytes, sha256, manifest })
    }

    /// `name@version`, how messages name the plugin.
    pub fn label(&self) -> String {
        format!("{}@{}", self.manifest.name, self.manifest.version)
    }
}

/// Finds and validates the manifest section in a component's bytes.
pub fn parse(path: &Path, bytes: &[u8]) -> Result<Manifest, ManifestError> {
    let not_wasm = |reason: String| ManifestError::NotWasm { path: path.to_path_buf(), reason };
    if !bytes.starts_with(b"\0asm") {
        return Err(not_wasm("it does not start with the WebAssembly magic bytes".into()));
    }
    let mut found = None;
    // rustc puts the section in the core module, which the component nests: parse_all walks nested modules too.
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        let payload = payload.map_err(|e| not_wasm(e.to_string()))?;
        if let wasmparser::Payload::CustomSection(section) = payload
            && section.name() == SECTION
        {
            if found.is_some() {
                return Err(ManifestError::Invalid {
                    path: path.to_path_buf(),
                    reason: format!("it has more than one `{SECTION}` section"),
                });
            }
            found = Some(section.data().to_vec());
        }
    }
    let data = found.ok_or_else(|| ManifestError::Missing { path: path.to_path_buf() })?;
    let manifest: Manifest = serde_json::from_slice(&data)
        .map_err(|e| ManifestError::Invalid { path: path.to_path_buf(), reason: e.to_string() })?;
    if !SUPPORTED_WIT.contains(&manifest.wit.as_str()) {
        return Err(ManifestError::UnsupportedWit { path: path.to_path_buf(), wit: manifest.wit });
    }
    validate(&manifest).map_err(|reason| ManifestError::Invalid { path: path.to_path_buf(), reason })?;
    Ok(manifest)
}

/// Longest description and config help text a manifest may carry.
const MAX_DESCRIPTION: usize = 4096;

/// The name and version name the plugin in every message, summary, verdict and stored run, so they are held to
/// what the SDK writes (a Cargo package name and a semver version): a hand-made manifest cannot put terminal
/// escapes or megabytes into all of those.
fn validate(manifest: &Manifest) -> Result<(), String> {
    let plugin = &manifest.plugin;
    let name_ok = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    if manifest.name.is_empty() || manifest.name.len() > 64 || !manifest.name.chars().all(name_ok) {
        return Err("the name must be 1 to 64 characters, ASCII letters, digits, `-`, `_` and `.`".into());
    }
    let version_ok = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '+');
    if manifest.version.is_empty() || manifest.version.len() > 64 || !manifest.version.chars().all(version_ok) {
        return Err("the version must be 1 to 64 characters of a semver version (`1.2.0`, `0.1.0-beta.1`)".into());
    }
    if plugin.description.len() > MAX_DESCRIPTION
        || plugin.config.iter().any(|(key, c)| key.len() > 64 || c.help.len() > MAX_DESCRIPTION)
    {
        return Err(format!(
            "the description and each config key's help must be at most {MAX_DESCRIPTION} bytes, and keys 64"
        ));
    }
    for host in plugin.hosts.iter().chain(plugin.secrets.values().flat_map(|s| s.hosts.iter())) {
        crate::net::policy::HostPattern::parse(host).map_err(|e| format!("host `{host}`: {e}"))?;
    }
    for (name, secret) in &plugin.secrets {
        if secret.hosts.is_empty() {
            return Err(format!("secret `{name}` names no hosts"));
        }
        reqwest::header::HeaderName::from_bytes(secret.header.as_bytes())
            .map_err(|_| format!("secret `{name}`: `{}` is not a header name", secret.header))?;
    }
    Ok(())
}
