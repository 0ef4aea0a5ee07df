//! Which URLs a plugin may reach. A plugin reaches the hosts its manifest asks for plus what the operator grants
//! with `--allow-host`; nothing else. Addresses that lead inside the operator's machine or network (loopback,
//! private, link-local, cloud metadata, ...) are refused unless the operator granted that exact address as an
//! IP literal: never through a manifest, a wildcard, or a name that resolves there.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

/// A grant: `host`, `host:port`, `*.domain` or an IP literal (`127.0.0.1:8080`, `[::1]:8080`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPattern {
    host: PatternHost,
    /// None: the scheme's default port only.
    port: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum PatternHost {
    Exact(String),
    /// `*.example.org` matches `a.example.org` and `a.b.example.org`, not `example.org`.
    Suffix(String),
    Ip(IpAddr),
}

impl HostPattern {
    /// Parses a grant as written in a manifest or after `--allow-host`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("empty host".into());
        }
        if text.contains("://") || text.contains('/') {
            return Err("give a host name and optional port, not a URL (`api.example.org:8443`)".into());
        }
        // Let the URL parser do the host syntax (IPv6 brackets, IDNA, odd IPv4 spellings such as 0x7f.1).
        let probe = text.strip_prefix("*.").unwrap_or(text);
        let url = Url::parse(&format!("http://{probe}/")).map_err(|e| format!("not a host: {e}"))?;
        let port = url.port();
        if port.is_none() && text.ends_with(":80") {
            // The URL parser drops the default port; keep what was written.
            return Self::with_port(text, &url, Some(80));
        }
        Self::with_port(text, &url, port)
    }

    fn with_port(text: &str, url: &Url, port: Option<u16>) -> Result<Self, String> {
        let host = match url.host() {
            Some(Host::Domain(d)) if text.starts_with("*.") => PatternHost::Suffix(d.to_ascii_lowercase()),
            Some(Host::Domain(d)) => PatternHost::Exact(d.to_ascii_lowercase()),
            Some(Host::Ipv4(ip)) if !text.starts_with("*.") => PatternHost::Ip(IpAddr::V4(ip)),
            Some(Host::Ipv6(ip)) if !text.starts_with("*.") => PatternHost::Ip(IpAddr::V6(ip)),
            _ => return Err("a wildcard must be followed by a domain name".into()),
        };
        Ok(Self { host, port })
    }

    /// True when a request to `host:port` (whose scheme's default port is `default_port`) falls under this grant.
    pub fn matches_host(&self, host: &Host<&str>, port: u16, default_port: u16) -> bool {
        let port_ok = match self.port {
            Some(p) => p == port,
            None => port == default_port,
        };
        port_ok
            && match (&self.host, host) {
                (PatternHost::Exact(p), Host::Domain(d)) => p.eq_ignore_ascii_case(d),
                (PatternHost::Suffix(p), Host::Domain(d)) => {
                    let d = d.to_ascii_lowercase();
                    d.len() > p.len() + 1 && d.ends_with(p.as_str()) && d.as_bytes()[d.len() - p.len() - 1] == b'.'
                }
                (PatternHost::Ip(p), Host::Ipv4(ip)) => *p == IpAddr::V4(*ip),
                (PatternHost::Ip(p), Host::Ipv6(ip)) => {
                    *p == IpAddr::V6(*ip) || mapped_v4(ip).is_some_and(|v4| *p == IpAddr::V4(v4))
                }
                _ => false,
            }
    }

    /// True when the pattern is exactly this address and port: the only way to reach an internal address.
    fn grants_exact_address(&self, ip: IpAddr, port: u16) -> bool {
        matches!(self.host, PatternHost::Ip(p) if canonical(p) == canonical(ip)) && self.port == Some(port)
    }
}

impl fmt::Display for HostPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.host {
            PatternHost::Exact(h) => f.write_str(h)?,
            PatternHost::Suffix(h) => write!(f, "*.{h}")?,
            PatternHost::Ip(IpAddr::V6(ip)) => write!(f, "[{ip}]")?,
            PatternHost::Ip(ip) => write!(f, "{ip}")?,
        }
        match self.port {
            Some(p) => write!(f, ":{p}"),
            None => Ok(()),
        }
    }
}

/// Why a URL was refused; the text names the rule and what the operator could do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denial {
    #[error("`{0}` is not an http or https URL")]
    Scheme(String),
    #[error("`{0}` has no host")]
    NoHost(String),
    #[error("{0}")]
    Policy(String),
    #[error(
        "host `{host}` is not granted to this plugin (its manifest asks for: {asked}); the operator can grant it \
         with `--allow-host {host}`"
    )]
    NotGranted { host: String, asked: String },
    #[error(
        "`{address}` is a {class} address, reachable only when the operator grants that exact address with \
         `--allow-host {address}`"
    )]
    InternalAddress { address: String, class: &'static str },
    #[error(
        "`{name}` names a {class} address; internal addresses are reached only by IP literal: grant the address \
         with `--allow-host ADDRESS:PORT` and use it in the URL"
    )]
    InternalName { name: String, class: &'static str },
    #[error(
        "`{name}` resolves to {ip}, a {class} address; internal addresses are never reached through a name (grant \
         the address itself with `--allow-host` and use it in the URL)"
    )]
    ResolvesInternal { name: String, ip: IpAddr, class: &'static str },
}

/// The hosts one plugin run may reach.
#[derive(Debug, Clone, Default)]
pub struct Grants {
    /// From the plugin's manifest.
    manifest: Vec<HostPattern>,
    /// From `--allow-host`.
    operator: Vec<HostPattern>,
    /// The policy file's `allow`: manifest hosts count only within these.
    within: Option<Vec<HostPattern>>,
    /// The policy file's `deny`: never reached.
    deny: Vec<HostPattern>,
    /// The policy file turned the network off.
    disabled: bool,
}

impl Grants {
    pub fn new(manifest: Vec<HostPattern>, operator: Vec<HostPattern>) -> Self {
        Self { manifest, operator, ..Self::default() }
    }

    /// Narrows the grants by the operator's policy file.
    pub fn with_policy(mut self, within: Option<Vec<HostPattern>>, deny: Vec<HostPattern>, enabled: bool) -> Self {
        self.within = within;
        self.deny = deny;
        self.disabled = !enabled;
        self
    }

    /// No network at all (graders).
    pub fn none() -> Self {
        Self::default()
    }

    /// Checks a URL before any connection: scheme, host grant, and internal IP literals.
    pub fn check_url(&self, url: &Url) -> Result<(), Denial> {
        let default_port = match url.scheme() {
            "http" => 80,
            "https" => 443,
            _ => return Err(Denial::Scheme(url.to_string())),
        };
        let host = url.host().ok_or_else(|| Denial::NoHost(url.to_string()))?;
        let port = url.port().unwrap_or(default_port);
        if self.disabled {
            return Err(Denial::Policy("the operator's policy file turns the network off".into()));
        }
        // Passing the request's own port as the "default" makes a portless deny rule cover every port.
        if let Some(rule) = self.deny.iter().find(|p| p.matches_host(&host, port, port)) {
            return Err(Denial::Policy(format!(
                "the operator's policy file denies `{}` (rule `{rule}`)",
                url.host_str().unwrap_or_default()
            )));
        }
        let authority = match url.port() {
            Some(p) => format!("{}:{p}", url.host_str().unwrap_or_default()),
            None => url.host_str().unwrap_or_default().to_string(),
        };
        let ip = match host {
            Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
            Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
            Host::Domain(_) => None,
        };
        if let Some(ip) = ip
            && let Some(class) = internal_class(ip)
        {
            return if self.operator.iter().any(|p| p.grants_exact_address(ip, port)) {
                Ok(())
            } else {
                Err(Denial::InternalAddress { address: authority, class })
            };
        }
        if let Host::Domain(name) = host
            && let Some(class) = internal_name(name)
        {
            return Err(Denial::InternalName { name: authority, class });
        }
        let within_policy =
            self.within.as_ref().is_none_or(|w| w.iter().any(|a| a.matches_host(&host, port, default_port)));
        let by_manifest = within_policy && self.manifest.iter().any(|p| p.matches_host(&host, port, default_port));
        if by_manifest || self.operator.iter().any(|p| p.matches_host(&host, port, default_port)) {
            Ok(())
        } else {
            let asked = if self.manifest.is_empty() {
                "no hosts".to_string()
            } else {
                self.manifest.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
            };
            Err(Denial::NotGranted { host: authority, asked })
        }
    }
}

/// Checks one address a host name resolved to. Names never lead to internal addresses.
pub fn check_resolved(name: &str, ip: IpAddr) -> Result<(), Denial> {
    match internal_class(ip) {
        Some(class) => Err(Denial::ResolvesInternal { name: name.to_string(), ip, class }),
        None => Ok(()),
    }
}

/// Names that mean "this machine" or "the cloud's metadata service" whatever DNS says.
fn internal_name(name: &str) -> Option<&'static str> {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    if name == "localhost" || name.ends_with(".localhost") {
        Some("loopback")
    } else if name == "metadata.google.internal" || name == "metadata" || name.ends_with(".internal") {
        Some("metadata")
    } else {
        None
    }
}

fn mapped_v4(ip: &Ipv6Addr) -> Option<Ipv4Addr> {
    ip.to_ipv4_mapped()
}

/// IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The kind of internal address `ip` is, or None for a public address.
pub fn internal_class(ip: IpAddr) -> Option<&'static str> {
    match canonical(ip) {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            if v4.is_loopback() {
                Some("loopback")
            } else if o == [169, 254, 169, 254] || o == [100, 100, 100, 200] {
                Some("metadata")
            } else if v4.is_private() || o[0] == 100 && (64..128).contains(&o[1]) {
                Some("private")
            } else if v4.is_link_local() {
                Some("link-local")
            } else if v4.is_unspecified() || o[0] == 0 {
                Some("unspecified")
            } else if v4.is_broadcast()
                || v4.is_multicast()
                || o[0] >= 240
                // IETF protocol assignments (192.0.0.0/24) and benchmarking (198.18.0.0/15).
                || o[0] == 192 && o[1] == 0 && o[2] == 0
                || o[0] == 198 && (o[1] & 0xfe) == 18
            {
                Some("reserved")
            } else {
                None
            }
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            if v6.is_loopback() {
                Some("loopback")
            } else if v6.is_unspecified() {
                Some("unspecified")
            } else if s[0] == 0xfd00 && s[1..7] == [0; 6] && s[7] == 0x0254 {
                Some("metadata") // fd00:ec2::254 style metadata endpoints live in ULA space anyway
            } else if (s[0] & 0xfe00) == 0xfc00 {
                Some("private")
            } else if (s[0] & 0xffc0) == 0xfe80 {
                Some("link-local")
            } else if v6.is_multicast() {
                Some("reserved")
            } else if s[0] == 0x64 && s[1] == 0xff9b || s[0] == 0x2002 {
                // NAT64 and 6to4 embed IPv4 addresses that may be internal; refuse them rather than decode.
                Some("translated")
            } else if s[0..6] == [0; 6] {
                Some("reserved") // IPv4-compatible (deprecated) ::a.b.c.d
            } else {
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grants(manifest: &[&str], operator: &[&str]) -> Grants {
        let parse = |v: &[&str]| v.iter().map(|s| HostPattern::parse(s).unwrap()).collect();
        Grants::new(parse(manifest), parse(operator))
    }

    fn check(g: &Grants, url: &str) -> Result<(), Denial> {
        g.check_url(&Url::parse(url).unwrap())
    }

    #[test]
    fn manifest_hosts_and_ports() {
        let g = grants(&["api.example.org", "*.cdn.example.org", "alt.example.org:8443"], &[]);
        assert!(check(&g, "https://api.example.org/x").is_ok());
        assert!(check(&g, "https://API.example.org/x").is_ok());
        assert!(check(&g, "http://api.example.org/x").is_ok());
        assert!(check(&g, "https://api.example.org:444/x").is_err());
        assert!(check(&g, "https://a.cdn.example.org/").is_ok());
        assert!(check(&g, "https://a.b.cdn.example.org/").is_ok());
        assert!(check(&g, "https://cdn.example.org/").is_err());
        assert!(check(&g, "https://evilcdn.example.org/").is_err());
        assert!(check(&g, "https://alt.example.org:8443/").is_ok());
        assert!(check(&g, "https://alt.example.org/").is_err());
        assert!(check(&g, "https://other.org/").is_err());
        assert!(matches!(check(&g, "ftp://api.example.org/"), Err(Denial::Scheme(_))));
        assert!(matches!(check(&g, "file:///etc/passwd"), Err(Denial::Scheme(_))));
    }

    #[test]
    fn internal_addresses_need_the_exact_operator_grant() {
        let g = grants(&["127.0.0.1:8080", "*.example.org"], &["127.0.0.1:9000", "[::1]:9001"]);
        // A manifest cannot grant loopback, even literally.
        assert!(matches!(check(&g, "http://127.0.0.1:8080/"), Err(Denial::InternalAddress { .. })));
        assert!(check(&g, "http://127.0.0.1:9000/").is_ok());
        assert!(check(&g, "http://127.0.0.1:9001/").is_err());
        assert!(check(&g, "http://[::1]:9001/").is_ok());
        // Other spellings of loopback and metadata.
        for url in [
            "http://169.254.169.254/latest/meta-data/",
            "http://2130706433:9002/",
            "http://0x7f.0.0.1:9002/",
            "http://017700000001:9002/",
            "http://[::ffff:169.254.169.254]/",
            "http://[::ffff:127.0.0.1]:9002/",
            "http://10.0.0.1/",
            "http://192.168.1.1/",
            "http://[fd00::1]/",
            "http://[fe80::1]/",
            "http://0.0.0.0:9000/",
            "http://localhost:9000/",
            "http://foo.localhost:9000/",
            "http://metadata.google.internal/",
        ] {
            assert!(check(&g, url).is_err(), "{url} must be refused");
        }
        // The decimal spelling of a granted address is the same address.
        assert!(check(&g, "http://2130706433:9000/").is_ok());
        assert!(check(&g, "http://[::ffff:127.0.0.1]:9000/").is_ok());
    }

    #[test]
    fn the_policy_file_narrows_and_denies() {
        let parse = |v: &[&str]| v.iter().map(|s| HostPattern::parse(s).unwrap()).collect::<Vec<_>>();
        let g = grants(&["api.example.org", "cdn.example.org", "tracker.example.net"], &["extra.example.com"])
            .with_policy(Some(parse(&["*.example.org"])), parse(&["cdn.example.org", "*.example.com"]), true);
        assert!(check(&g, "https://api.example.org/").is_ok());
        assert!(matches!(check(&g, "https://tracker.example.net/"), Err(Denial::NotGranted { .. })));
        assert!(matches!(check(&g, "https://cdn.example.org/"), Err(Denial::Policy(_))));
        // A deny holds even against the command line, on any port.
        assert!(matches!(check(&g, "https://extra.example.com/"), Err(Denial::Policy(_))));
        assert!(matches!(check(&g, "https://extra.example.com:8443/"), Err(Denial::Policy(_))));
        let off = grants(&["api.example.org"], &[]).with_policy(None, Vec::new(), false);
        assert!(matches!(check(&off, "https://api.example.org/"), Err(Denial::Policy(_))));
    }

    #[test]
    fn resolved_addresses() {
        assert!(check_resolved("x.example.org", "93.184.216.34".parse().unwrap()).is_ok());
        assert!(check_resolved("x.example.org", "127.0.0.1".parse().unwrap()).is_err());
        assert!(check_resolved("x.example.org", "::ffff:10.1.2.3".parse().unwrap()).is_err());
        assert!(check_resolved("x.example.org", "2606:4700::1111".parse().unwrap()).is_ok());
    }

    #[test]
    fn pattern_syntax() {
        assert!(HostPattern::parse("https://x.org").is_err());
        assert!(HostPattern::parse("x.org/path").is_err());
        assert!(HostPattern::parse("*.1.2.3.4").is_err());
        assert!(HostPattern::parse("").is_err());
        assert_eq!(HostPattern::parse("X.org:80").unwrap().to_string(), "x.org:80");
        assert_eq!(HostPattern::parse("[::1]:80").unwrap().to_string(), "[::1]:80");
    }
}
