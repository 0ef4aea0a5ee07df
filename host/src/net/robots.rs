//! robots.txt, fetched once per origin, cached for the run, and obeyed (RFC 9309). How a failed fetch counts
//! follows the standard rather than silently allowing: a 4xx means there are no rules (allowed); a 5xx, a 429 or a
//! network failure means the site is unreachable, and everything on it is disallowed for this run.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use texting_robots::Robot;
use tokio::sync::OnceCell;
use url::Url;

/// The product token robots.txt groups are matched against.
pub const AGENT: &str = "aigc-host";
/// Largest robots.txt read; RFC 9309 asks crawlers to parse at least 500 KiB.
pub const MAX_ROBOTS_BYTES: usize = 512 << 10;

/// What a site's robots.txt says for this crawler.
#[derive(Debug)]
pub enum Rules {
    /// A parsed robots.txt.
    Parsed(Box<Robot>),
    /// No rules (4xx): everything is allowed.
    AllowAll { status: u16 },
    /// Unreachable (5xx, 429, network failure): everything is disallowed.
    DisallowAll { reason: String },
}

impl Rules {
    /// From a fetch outcome: the status and body, or the failure.
    pub fn from_fetch(outcome: Result<(u16, Vec<u8>), String>) -> Self {
        match outcome {
            Ok((status, body)) if (200..300).contains(&status) => {
                let body = &body[..body.len().min(MAX_ROBOTS_BYTES)];
                match Robot::new(AGENT, body) {
                    Ok(robot) => Self::Parsed(Box::new(robot)),
                    // An unparsable file has no rules we can read; the standard treats that like no file.
                    Err(_) => Self::AllowAll { status },
                }
            }
            Ok((429, _)) => Self::DisallowAll { reason: "robots.txt answered 429 Too Many Requests".into() },
            Ok((status, _)) if (400..500).contains(&status) => Self::AllowAll { status },
            Ok((status, _)) => Self::DisallowAll { reason: format!("robots.txt answered HTTP {status}") },
            Err(error) => Self::DisallowAll { reason: format!("robots.txt could not be fetched: {error}") },
        }
    }

    /// None when `url` may be fetched; else why not.
    pub fn refusal(&self, url: &Url) -> Option<String> {
        match self {
            Self::Parsed(robot) if !robot.allowed(url.as_str()) => {
                Some(format!("robots.txt of {} disallows {} for {AGENT}", origin(url), url.path()))
            }
            Self::DisallowAll { reason } => {
                Some(format!("{} is treated as fully disallowed: {reason} (RFC 9309)", origin(url)))
            }
            _ => None,
        }
    }

    /// The `Crawl-delay` the site asks for, if any.
    pub fn crawl_delay(&self) -> Option<Duration> {
        match self {
            Self::Parsed(robot) => {
                robot.delay.filter(|d| d.is_finite() && *d > 0.0).map(|d| Duration::from_secs_f32(d.min(60.0)))
            }
            _ => None,
        }
    }
}

/// `scheme://host:port`, the unit robots.txt applies to.
pub fn origin(url: &Url) -> String {
    format!("{}://{}:{}", url.scheme(), url.host_str().unwrap_or_default(), url.port_or_known_default().unwrap_or(0))
}

/// One entry per origin, filled once even when many requests ask at the same time.
#[derive(Default)]
pub struct RobotsCache {
    origins: Mutex<HashMap<String, Arc<OnceCell<Rules>>>>,
}

impl RobotsCache {
    /// The cell for `url`'s origin.
    pub fn cell(&self, url: &Url) -> Arc<OnceCell<Rules>> {
        let mut origins = self.origins.lock().unwrap_or_else(|p| p.into_inner());
        Arc::clone(origins.entry(origin(url)).or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn status_rules_follow_rfc_9309() {
        let u = url("https://a.example/x");
        assert!(Rules::from_fetch(Ok((404, vec![]))).refusal(&u).is_none());
        assert!(Rules::from_fetch(Ok((403, vec![]))).refusal(&u).is_none());
        assert!(Rules::from_fetch(Ok((503, vec![]))).refusal(&u).is_some());
        assert!(Rules::from_fetch(Ok((429, vec![]))).refusal(&u).is_some());
        assert!(Rules::from_fetch(Err("connection refused".into())).refusal(&u).is_some());
    }

    #[test]
    fn groups_for_this_agent_and_for_everyone() {
        let txt = b"User-agent: aigc-host\nDisallow: /private\nCrawl-delay: 3\n\nUser-agent: *\nDisallow: /\n";
        let rules = Rules::from_fetch(Ok((200, txt.to_vec())));
        assert!(rules.refusal(&url("https://a.example/public/x")).is_none());
        assert!(rules.refusal(&url("https://a.example/private/x")).is_some());
        assert_eq!(rules.crawl_delay(), Some(Duration::from_secs(3)));
        let everyone = Rules::from_fetch(Ok((200, b"User-agent: *\nDisallow: /api/\n".to_vec())));
        assert!(everyone.refusal(&url("https://a.example/api/v1")).is_some());
        assert!(everyone.refusal(&url("https://a.example/index.html")).is_none());
    }
}
