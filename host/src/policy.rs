//! The operator's policy file: limits that hold whatever a plugin's manifest asks for or a command line grants.
//! A TA can keep one per machine (`~/.config/aigc-host/policy.toml`) so every run on it obeys the same rules.
//!
//! ```toml
//! [network]
//! enabled = true                          # false: no plugin reaches the network at all
//! allow = ["*.sketchfab.com", "api.artic.edu"]   # manifest hosts are granted only within these
//! deny = ["*.facebook.com"]               # never reached, not even with --allow-host
//! max_requests = 100000                   # per run
//! max_body_mib = 64
//! ```

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::net::HostPattern;

/// The whole file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    #[serde(default)]
    pub network: NetworkPolicy,
}

/// The `[network]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkPolicy {
    #[serde(default = "yes")]
    pub enabled: bool,
    /// When set, a manifest host is granted only if it also matches one of these.
    pub allow: Option<Vec<String>>,
    #[serde(default)]
    pub deny: Vec<String>,
    pub max_requests: Option<u64>,
    pub max_body_mib: Option<u64>,
}

fn yes() -> bool {
    true
}

impl Default for NetworkPolicy {
    fn default() -> Self {
        Self { enabled: true, allow: None, deny: Vec::new(), max_requests: None, max_body_mib: None }
    }
}

/// Why a policy file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("cannot read the policy file `{path}`")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("the policy file `{path}` is not valid: {reason}")]
    Invalid { path: PathBuf, reason: String },
}

impl Policy {
    /// The policy in `path`, or the machine's default one when `path` is None and it exists.
    pub fn load(path: Option<&Path>) -> Result<(Self, Option<PathBuf>), PolicyError> {
        let path = match path {
            Some(p) => p.to_path_buf(),
            None => match default_path() {
                Some(p) if p.exists() => p,
                _ => return Ok((Self::default(), None)),
            },
        };
        let text = std::fs::read_to_string(&path).map_err(|source| PolicyError::Read { path: path.clone(), source })?;
        let policy: Self =
            toml::from_str(&text).map_err(|e| PolicyError::Invalid { path: path.clone(), reason: e.to_string() })?;
        let invalid = |reason: String| PolicyError::Invalid { path: path.clone(), reason };
        for host in policy.network.allow.iter().flatten().chain(&policy.network.deny) {
            HostPattern::parse(host).map_err(|e| invalid(format!("host `{host}`: {e}")))?;
        }
        Ok((policy, Some(path)))
    }

    pub fn allow_patterns(&self) -> Option<Vec<HostPattern>> {
        self.network.allow.as_ref().map(|hosts| hosts.iter().filter_map(|h| HostPattern::parse(h).ok()).collect())
    }

    pub fn deny_patterns(&self) -> Vec<HostPattern> {
        self.network.deny.iter().filter_map(|h| HostPattern::parse(h).ok()).collect()
    }
}

/// `~/.config/aigc-host/policy.toml` (or the platform's equivalent).
pub fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "aigc-host").map(|d| d.config_dir().join("policy.toml"))
}
