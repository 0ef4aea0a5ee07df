//! The HTTP client plugins use. Every request and every redirect hop is checked against the run's [`Grants`];
//! host names are resolved here and refused when they lead to internal addresses; secrets are added only for
//! their own hosts; bodies and time are capped; exchanges can be recorded or served from a replay file.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use url::Url;

use super::policy::{self, Denial, Grants, HostPattern};
use super::record::{Exchange, Recorder, Replay};

/// Caps on what a plugin's requests may cost.
#[derive(Debug, Clone)]
pub struct HttpLimits {
    /// Largest response body accepted, after decompression.
    pub max_body: u64,
    /// Time for a whole exchange when the plugin names none.
    pub default_timeout: Duration,
    /// Most time a plugin may ask for.
    pub max_timeout: Duration,
    pub max_redirects: u32,
    /// Requests in flight at once for one run.
    pub concurrency: usize,
    /// Requests allowed in one run, if capped.
    pub max_requests: Option<u64>,
}

impl Default for HttpLimits {
    fn default() -> Self {
        Self {
            max_body: 64 << 20,
            default_timeout: Duration::from_secs(30),
            max_timeout: Duration::from_secs(300),
            max_redirects: 10,
            concurrency: 8,
            max_requests: None,
        }
    }
}

/// A secret value and where it may go.
#[derive(Debug, Clone)]
pub struct Secret {
    pub name: String,
    pub header: HeaderName,
    /// Prefix + value, ready to send.
    pub value: HeaderValue,
    pub hosts: Vec<HostPattern>,
}

/// A request as the plugin made it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
    pub timeout: Option<Duration>,
}

/// A complete response.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub final_url: String,
}

/// Why a request failed; becomes the WIT `http-error`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NetError {
    #[error("denied: {0}")]
    Denied(String),
    #[error("invalid URL: {0}")]
    InvalidUrl(String),
    #[error("timed out")]
    Timeout,
    #[error("response body larger than the {0}-byte cap")]
    TooLarge(u64),
    #[error("connection failed: {0}")]
    Connect(String),
    #[error("too many redirects")]
    TooManyRedirects,
    #[error("not recorded: {0}")]
    NotRecorded(String),
    #[error("{0}")]
    Other(String),
}

enum Mode {
    Live(reqwest::Client),
    Replay(Replay),
}

/// Counts for the run summary.
#[derive(Debug, Default)]
pub struct HttpStats {
    pub requests: AtomicU64,
    pub failed: AtomicU64,
    pub denied: AtomicU64,
    pub bytes: AtomicU64,
}

/// One run's HTTP client.
pub struct HttpClient {
    mode: Mode,
    grants: Grants,
    secrets: Vec<Secret>,
    limits: HttpLimits,
    user_agent: HeaderValue,
    recorder: Option<Recorder>,
    in_flight: tokio::sync::Semaphore,
    plugin: String,
    pub stats: HttpStats,
}

/// Headers a plugin may not set: the host owns framing and routing.
const FORBIDDEN_HEADERS: &[&str] = &[
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "upgrade",
    "te",
    "trailer",
    "keep-alive",
    "proxy-authorization",
    "proxy-connection",
];

impl HttpClient {
    /// A client that reaches the network.
    pub fn live(
        plugin: &str,
        grants: Grants,
        secrets: Vec<Secret>,
        limits: HttpLimits,
        recorder: Option<Recorder>,
    ) -> Result<Self, NetError> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none()) // every hop is checked here instead
            .no_proxy() // a proxy from the environment would bypass the address checks
            .dns_resolver(Arc::new(CheckedResolver))
            .connect_timeout(Duration::from_secs(15))
            .https_only(false)
            .build()
            .map_err(|e| NetError::Other(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self::with_mode(plugin, Mode::Live(client), grants, secrets, limits, recorder))
    }

    /// A client that answers from a replay file and never touches the network.
    pub fn replay(plugin: &str, replay: Replay, grants: Grants, limits: HttpLimits) -> Self {
        Self::with_mode(plugin, Mode::Replay(replay), grants, Vec::new(), limits, None)
    }

    fn with_mode(
        plugin: &str,
        mode: Mode,
        grants: Grants,
        secrets: Vec<Secret>,
        limits: HttpLimits,
        recorder: Option<Recorder>,
    ) -> Self {
        let user_agent = HeaderValue::from_str(&format!(
            "aigc-host/{} (plugin {plugin}; +https://example.invalid/aigc-host)",
            env!("CARGO_PKG_VERSION")
        ))
        .unwrap_or_else(|_| HeaderValue::from_static("aigc-host"));
        Self {
            mode,
            grants,
            secrets,
            in_flight: tokio::sync::Semaphore::new(limits.concurrency.max(1)),
            limits,
            user_agent,
            recorder,
            plugin: plugin.to_string(),
            stats: HttpStats::default(),
        }
    }

    /// Sends one request, following redirects, within the run's limits.
    pub async fn fetch(&self, request: Request) -> Result<Response, NetError> {
        let count = self.stats.requests.fetch_add(1, Ordering::Relaxed) + 1;
        let result = match self.limits.max_requests {
            Some(max) if count > max => Err(NetError::Denied(format!("the run's budget of {max} requests is spent"))),
            _ => {
                let _permit = self.in_flight.acquire().await.map_err(|_| NetError::Other("client closed".into()))?;
                let timeout = request.timeout.unwrap_or(self.limits.default_timeout).min(self.limits.max_timeout);
                match tokio::time::timeout(timeout, self.exchange(&request)).await {
                    Ok(result) => result,
                    Err(_) => Err(NetError::Timeout),
                }
            }
        };
        match &result {
            Ok(response) => {
                self.stats.bytes.fetch_add(response.body.len() as u64, Ordering::Relaxed);
                if let Some(recorder) = &self.recorder {
                    recorder.record(&Exchange::new(&request.method, &request.url, response));
                }
            }
            Err(error) => {
                self.stats.failed.fetch_add(1, Ordering::Relaxed);
                if matches!(error, NetError::Denied(_)) {
                    self.stats.denied.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(plugin = %self.plugin, "{} {}: {error}", request.method, request.url);
                } else {
                    tracing::debug!(plugin = %self.plugin, "{} {}: {error}", request.method, request.url);
                }
            }
        }
        result
    }

    /// Sends many requests concurrently (bounded by the run's concurrency) and returns results in order.
    pub async fn fetch_all(self: &Arc<Self>, requests: Vec<Request>) -> Vec<Result<Response, NetError>> {
        let mut tasks = tokio::task::JoinSet::new();
        let count = requests.len();
        for (index, request) in requests.into_iter().enumerate() {
            let client = Arc::clone(self);
            tasks.spawn(async move { (index, client.fetch(request).await) });
        }
        let mut results: Vec<Option<Result<Response, NetError>>> = vec![None; count];
        while let Some(joined) = tasks.join_next().await {
            if let Ok((index, result)) = joined {
                results[index] = Some(result);
            }
        }
        results.into_iter().map(|r| r.unwrap_or_else(|| Err(NetError::Other("request task failed".into())))).collect()
    }

    async fn exchange(&self, request: &Request) -> Result<Response, NetError> {
        let method = reqwest::Method::from_bytes(request.method.as_bytes())
            .map_err(|_| NetError::Other(format!("bad method `{}`", request.method)))?;
        let url = Url::parse(&request.url).map_err(|e| NetError::InvalidUrl(format!("`{}`: {e}", request.url)))?;
        self.grants.check_url(&url).map_err(denied)?;
        let client = match &self.mode {
            Mode::Replay(replay) => {
                let response = replay.answer(method.as_str(), url.as_str()).map_err(NetError::NotRecorded)?;
                if response.body.len() as u64 > self.limits.max_body {
                    return Err(NetError::TooLarge(self.limits.max_body));
                }
                return Ok(response);
            }
            Mode::Live(client) => client,
        };
        let mut headers = HeaderMap::new();
        for (name, value) in &request.headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| NetError::Other(format!("`{name}` is not a header name")))?;
            if FORBIDDEN_HEADERS.contains(&name.as_str()) {
                continue;
            }
            let value = HeaderValue::from_str(value)
                .map_err(|_| NetError::Other(format!("header `{name}` has a value that cannot be sent")))?;
            headers.append(name, value);
        }
        if !headers.contains_key(reqwest::header::USER_AGENT) {
            headers.insert(reqwest::header::USER_AGENT, self.user_agent.clone());
        }
        let mut method = method;
        let mut body = request.body.clone();
        let mut url = url;
        for _hop in 0..=self.limits.max_redirects {
            let mut hop_headers = headers.clone();
            self.add_secrets(&url, &mut hop_headers);
            let mut builder = client.request(method.clone(), url.clone()).headers(hop_headers);
            if let Some(body) = &body {
                builder = builder.body(body.clone());
            }
            let response = builder.send().await.map_err(classify)?;
            let status = response.status();
            if status.is_redirection()
                && let Some(location) = response.headers().get(reqwest::header::LOCATION)
            {
                let location = location.to_str().map_err(|_| NetError::Other("unreadable Location header".into()))?;
                let next =
                    url.join(location).map_err(|e| NetError::InvalidUrl(format!("redirect to `{location}`: {e}")))?;
                self.grants
                    .check_url(&next)
                    .map_err(|d| NetError::Denied(format!("redirect from {url} to {next}: {d}")))?;
                if next.host_str() != url.host_str() || next.port_or_known_default() != url.port_or_known_default() {
                    // Credentials the plugin set for one host do not follow it to another.
                    headers.remove(reqwest::header::AUTHORIZATION);
                    headers.remove(reqwest::header::COOKIE);
                }
                if status == reqwest::StatusCode::SEE_OTHER
                    || (matches!(status.as_u16(), 301 | 302) && method == reqwest::Method::POST)
                {
                    method = reqwest::Method::GET;
                    body = None;
                }
                url = next;
                continue;
            }
            return self.read_response(url, response).await;
        }
        Err(NetError::TooManyRedirects)
    }

    fn add_secrets(&self, url: &Url, headers: &mut HeaderMap) {
        let Some(host) = url.host() else { return };
        let default_port = if url.scheme() == "https" { 443 } else { 80 };
        let port = url.port().unwrap_or(default_port);
        for secret in &self.secrets {
            if secret.hosts.iter().any(|p| p.matches_host(&host, port, default_port)) {
                headers.insert(secret.header.clone(), secret.value.clone());
            }
        }
    }

    async fn read_response(&self, url: Url, mut response: reqwest::Response) -> Result<Response, NetError> {
        let cap = self.limits.max_body;
        if response.content_length().is_some_and(|len| len > cap) {
            return Err(NetError::TooLarge(cap));
        }
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| (n.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(classify)? {
            if (body.len() + chunk.len()) as u64 > cap {
                return Err(NetError::TooLarge(cap));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Response { status, headers, body, final_url: url.to_string() })
    }
}

fn denied(denial: Denial) -> NetError {
    NetError::Denied(denial.to_string())
}

/// Maps a reqwest failure onto the WIT error, finding our own resolver's refusal in the cause chain.
fn classify(error: reqwest::Error) -> NetError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&error);
    while let Some(cause) = source {
        if let Some(denial) = cause.downcast_ref::<ResolveDenied>() {
            return NetError::Denied(denial.0.to_string());
        }
        source = cause.source();
    }
    if error.is_timeout() {
        NetError::Timeout
    } else if error.is_connect() {
        NetError::Connect(chain(&error))
    } else {
        NetError::Other(chain(&error))
    }
}

fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct ResolveDenied(Denial);

/// Resolves names with the system resolver and refuses any answer that points inside the operator's network,
/// so a granted name cannot be re-pointed (by DNS rebinding or a hostile zone) at loopback or metadata services.
/// The check runs on the very addresses reqwest then connects to.
struct CheckedResolver;

impl reqwest::dns::Resolve for CheckedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(async move {
            let host = name.as_str().to_string();
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            for addr in &addrs {
                policy::check_resolved(&host, addr.ip()).map_err(ResolveDenied)?;
            }
            let addrs: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}
