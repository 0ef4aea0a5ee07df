//! The HTTP client plugins use. Every request and every redirect hop is checked against the run's [`Grants`];
//! host names are resolved here and refused when they lead to internal addresses; secrets are added only for
//! their own hosts, and redacted from whatever comes back; bodies and time are capped; exchanges can be recorded
//! or served from a replay file, and cached, each labelled with the credentials it was made with.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use url::Url;

use super::cache::HttpCache;
use super::policy::{self, Denial, Grants};
use super::polite::{self, HostGate, Politeness};
use super::record::{Exchange, RecordedCredentials, Recorder, Replay};
use super::redact::Redactor;
use super::robots::{self, RobotsCache};
use super::secret::Credentials;
pub use super::secret::Secret;

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
    pub retries: AtomicU64,
    pub cache_hits: AtomicU64,
    pub robots_fetches: AtomicU64,
    pub failed: AtomicU64,
    pub denied: AtomicU64,
    pub bytes: AtomicU64,
}

/// One run's HTTP client.
pub struct HttpClient {
    mode: Mode,
    grants: Grants,
    secrets: Vec<Secret>,
    /// Takes the secrets out of everything the plugin and the disk get.
    redactor: Redactor,
    limits: HttpLimits,
    user_agent: HeaderValue,
    recorder: Option<Recorder>,
    in_flight: tokio::sync::Semaphore,
    plugin: String,
    gate: HostGate,
    /// None: robots.txt is not consulted (`--robots ignore`, replays).
    robots: Option<RobotsCache>,
    cache: Option<HttpCache>,
    retries: u32,
    pub stats: HttpStats,
}

/// How a live client treats the sites it talks to.
pub struct LiveOptions {
    pub politeness: Politeness,
    pub obey_robots: bool,
    pub retries: u32,
    pub cache: Option<HttpCache>,
    /// Put in the User-Agent so site owners can reach the operator.
    pub contact: Option<String>,
}

impl Default for LiveOptions {
    fn default() -> Self {
        Self { politeness: Politeness::default(), obey_robots: true, retries: 3, cache: None, contact: None }
    }
}

/// The longest `Retry-After` the client waits for before giving the answer to the plugin instead.
const MAX_RETRY_WAIT: Duration = Duration::from_secs(600);

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
        options: LiveOptions,
    ) -> Result<Self, NetError> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none()) // every hop is checked here instead
            .no_proxy() // a proxy from the environment would bypass the address checks
            .dns_resolver(Arc::new(CheckedResolver))
            .connect_timeout(Duration::from_secs(15))
            .https_only(false)
            .build()
            .map_err(|e| NetError::Other(format!("cannot build the HTTP client: {e}")))?;
        let mut this = Self::with_mode(plugin, Mode::Live(client), grants, secrets, limits, recorder)?;
        this.gate = HostGate::new(options.politeness);
        this.robots = options.obey_robots.then(RobotsCache::default);
        this.cache = options.cache;
        this.retries = options.retries;
        if let Some(contact) = options.contact.filter(|c| !c.trim().is_empty())
            && let Ok(value) = HeaderValue::from_str(&format!(
                "aigc-host/{} (plugin {plugin}; contact {})",
                env!("CARGO_PKG_VERSION"),
                contact.trim()
            ))
        {
            this.user_agent = value;
        }
        Ok(this)
    }

    /// A client that answers from a replay file and never touches the network. Its secrets are sent nowhere:
    /// they only unlock the exchanges recorded with the same credentials, and are redacted like a live run's.
    pub fn replay(
        plugin: &str,
        replay: Replay,
        grants: Grants,
        secrets: Vec<Secret>,
        limits: HttpLimits,
    ) -> Result<Self, NetError> {
        Self::with_mode(plugin, Mode::Replay(replay), grants, secrets, limits, None)
    }

    fn with_mode(
        plugin: &str,
        mode: Mode,
        grants: Grants,
        secrets: Vec<Secret>,
        limits: HttpLimits,
        recorder: Option<Recorder>,
    ) -> Result<Self, NetError> {
        let user_agent = HeaderValue::from_str(&format!("aigc-host/{} (plugin {plugin})", env!("CARGO_PKG_VERSION")))
            .unwrap_or_else(|_| HeaderValue::from_static("aigc-host"));
        let redactor = Redactor::new(&secrets).map_err(|e| NetError::Other(e.to_string()))?;
        Ok(Self {
            mode,
            grants,
            redactor,
            secrets,
            in_flight: tokio::sync::Semaphore::new(limits.concurrency.max(1)),
            limits,
            user_agent,
            recorder,
            plugin: plugin.to_string(),
            gate: HostGate::new(Politeness::off()),
            robots: None,
            cache: None,
            retries: 0,
            stats: HttpStats::default(),
        })
    }

    /// Sends one request, following redirects, within the run's limits.
    pub async fn fetch(&self, request: Request) -> Result<Response, NetError> {
        let count = self.stats.requests.fetch_add(1, Ordering::Relaxed) + 1;
        let result = match self.limits.max_requests {
            Some(max) if count > max => Err(NetError::Denied(format!("the run's budget of {max} requests is spent"))),
            _ => self.fetch_politely(&request).await,
        };
        // Errors quote URLs and server text, which can hold a secret (a redirect to `?token=...`).
        let result = result.map_err(|e| self.redactor.error(e));
        match &result {
            Ok((response, credentials)) => {
                self.stats.bytes.fetch_add(response.body.len() as u64, Ordering::Relaxed);
                if let Some(recorder) = &self.recorder {
                    let marked = RecordedCredentials::of(credentials, &self.secrets);
                    recorder.record(&Exchange::new(&request.method, &request.url, response, marked));
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
        result.map(|(response, _)| response)
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

    /// Grants, robots.txt, cache, the host gate and retries around one exchange. The response comes back
    /// redacted, with the credentials it was made with.
    async fn fetch_politely(&self, request: &Request) -> Result<(Response, Credentials), NetError> {
        let url = Url::parse(&request.url).map_err(|e| NetError::InvalidUrl(format!("`{}`: {e}", request.url)))?;
        self.grants.check_url(&url).map_err(denied)?;
        let plugin_credentials = Credentials::of_plugin(&request.headers);
        if let Mode::Replay(replay) = &self.mode {
            // A replay is the recorded past: no robots.txt, no waiting, no cache.
            let response = replay
                .answer(&request.method, url.as_str(), &self.secrets, &request.headers)
                .map_err(NetError::NotRecorded)?;
            if response.body.len() as u64 > self.limits.max_body {
                return Err(NetError::TooLarge(self.limits.max_body));
            }
            // Files recorded before redaction existed may still hold an echoed secret.
            return Ok((self.redactor.response(response), plugin_credentials));
        }
        if self.robots.is_some() {
            self.check_robots(&url).await?;
        }
        let cacheable = request.method == "GET" && request.body.is_none();
        // The cache copy this request may see is the one of the credentials its first hop carries. A redirect
        // can add a secret on a later hop; the answer is then stored under all the credentials sent, which this
        // lookup does not compute, so such an entry is only ever found by a request that sends them all at once.
        let mut first_hop = plugin_credentials.clone();
        for index in self.secrets_for(&url) {
            first_hop.add_secret(index);
        }
        let variant = match &self.cache {
            Some(cache) if cacheable => cache.variant(&first_hop, &self.secrets),
            _ => None,
        };
        let cached = match (&self.cache, &variant) {
            (Some(cache), Some(variant)) => cache.lookup(url.as_str(), variant),
            _ => None,
        };
        if let Some(entry) = &cached
            && entry.fresh
        {
            self.stats.cache_hits.fetch_add(1, Ordering::Relaxed);
            return Ok((self.redactor.response(entry.response.clone()), first_hop));
        }
        let mut conditional = Vec::new();
        if let Some(entry) = &cached {
            if let Some(etag) = entry.etag.as_deref().and_then(|v| HeaderValue::from_str(v).ok()) {
                conditional.push((reqwest::header::IF_NONE_MATCH, etag));
            }
            if let Some(date) = entry.last_modified.as_deref().and_then(|v| HeaderValue::from_str(v).ok()) {
                conditional.push((reqwest::header::IF_MODIFIED_SINCE, date));
            }
        }
        let idempotent = matches!(request.method.as_str(), "GET" | "HEAD" | "OPTIONS" | "PUT" | "DELETE");
        let host = robots::origin(&url);
        let timeout = request.timeout.unwrap_or(self.limits.default_timeout).min(self.limits.max_timeout);
        let mut attempt = 0;
        loop {
            let pass = self.gate.enter(&host).await;
            let result = {
                let _slot = self.in_flight.acquire().await.map_err(|_| NetError::Other("client closed".into()))?;
                match tokio::time::timeout(timeout, self.exchange(request, &conditional)).await {
                    Ok(result) => result,
                    Err(_) => Err(NetError::Timeout),
                }
            };
            drop(pass);
            let retry_in = match &result {
                Ok((response, _)) if matches!(response.status, 429 | 503) => {
                    let asked = response
                        .headers
                        .iter()
                        .find(|(n, _)| n.eq_ignore_ascii_case("retry-after"))
                        .and_then(|(_, v)| polite::retry_after(v));
                    match asked {
                        Some(wait) if wait > MAX_RETRY_WAIT => None,
                        Some(wait) => Some(wait),
                        None => Some(polite::backoff(attempt)),
                    }
                }
                Err(NetError::Connect(_) | NetError::Timeout | NetError::Other(_)) => Some(polite::backoff(attempt)),
                _ => None,
            };
            match retry_in {
                Some(wait) if idempotent && attempt < self.retries => {
                    // The whole host waits, not only this request: the server asked for a pause.
                    self.gate.defer(&host, wait);
                    self.stats.retries.fetch_add(1, Ordering::Relaxed);
                    tracing::debug!(plugin = %self.plugin, "{} {url}: retrying in {wait:.1?}", request.method);
                    attempt += 1;
                    continue;
                }
                _ => {}
            }
            let (response, sent) = result?;
            // Redacted before anything keeps it: the cache, the record file and the plugin all get this copy.
            let response = self.redactor.response(response);
            let mut credentials = plugin_credentials;
            credentials.extend(&sent);
            let stored_as = match &self.cache {
                Some(cache) if cacheable => cache.variant(&credentials, &self.secrets),
                _ => None,
            };
            if response.status == 304
                && let (Some(entry), Some(cache), Some(stored_as)) = (cached, &self.cache, &stored_as)
            {
                self.stats.cache_hits.fetch_add(1, Ordering::Relaxed);
                let refreshed = cache.refresh(url.as_str(), stored_as, entry, &response);
                return Ok((self.redactor.response(refreshed), credentials));
            }
            refuse_noai(&response)?;
            if let (Some(cache), Some(stored_as)) = (&self.cache, &stored_as) {
                cache.store(url.as_str(), stored_as, &response);
            }
            return Ok((response, credentials));
        }
    }

    /// The secrets (by index) that go with a request to `url`.
    fn secrets_for<'a>(&'a self, url: &'a Url) -> impl Iterator<Item = usize> + 'a {
        self.secrets.iter().enumerate().filter(|(_, s)| s.applies_to(url)).map(|(i, _)| i)
    }

    /// Fetches `url`'s robots.txt once per origin (through the same gate) and refuses what it disallows.
    async fn check_robots(&self, url: &Url) -> Result<(), NetError> {
        let Some(robots) = &self.robots else { return Ok(()) };
        let cell = robots.cell(url);
        let rules = cell
            .get_or_init(|| async {
                let robots_url = url.join("/robots.txt").map_err(|e| e.to_string());
                let outcome = match robots_url {
                    Ok(robots_url) => {
                        self.stats.robots_fetches.fetch_add(1, Ordering::Relaxed);
                        let request = Request {
                            method: "GET".into(),
                            url: robots_url.to_string(),
                            headers: Vec::new(),
                            body: None,
                            timeout: None,
                        };
                        let _pass = self.gate.enter(&robots::origin(url)).await;
                        match tokio::time::timeout(self.limits.default_timeout, self.exchange(&request, &[])).await {
                            Ok(Ok((response, _))) => Ok((response.status, response.body)),
                            // A robots.txt over the body cap is not a site failure; read as no rules.
                            Ok(Err(NetError::TooLarge(_))) => Ok((200, Vec::new())),
                            Ok(Err(e)) => Err(e.to_string()),
                            Err(_) => Err("timed out".to_string()),
                        }
                    }
                    Err(e) => Err(e),
                };
                robots::Rules::from_fetch(outcome)
            })
            .await;
        if let Some(delay) = rules.crawl_delay() {
            self.gate.set_floor(&robots::origin(url), delay);
        }
        match rules.refusal(url) {
            Some(reason) => Err(NetError::Denied(reason)),
            None => Ok(()),
        }
    }

    /// One exchange, following redirects, each hop re-checked against the grants; with the secrets it sent.
    async fn exchange(
        &self,
        request: &Request,
        extra: &[(HeaderName, HeaderValue)],
    ) -> Result<(Response, Credentials), NetError> {
        let method = reqwest::Method::from_bytes(request.method.as_bytes())
            .map_err(|_| NetError::Other(format!("bad method `{}`", request.method)))?;
        let url = Url::parse(&request.url).map_err(|e| NetError::InvalidUrl(format!("`{}`: {e}", request.url)))?;
        self.grants.check_url(&url).map_err(denied)?;
        let Mode::Live(client) = &self.mode else {
            return Err(NetError::Other("a replay makes no exchanges".into()));
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
        for (name, value) in extra {
            headers.insert(name.clone(), value.clone());
        }
        let mut method = method;
        let mut body = request.body.clone();
        let mut url = url;
        let mut sent = Credentials::default();
        for _hop in 0..=self.limits.max_redirects {
            let mut hop_headers = headers.clone();
            for index in self.secrets_for(&url) {
                let secret = &self.secrets[index];
                hop_headers.insert(secret.header.clone(), secret.value.clone());
                sent.add_secret(index);
            }
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
            return Ok((self.read_response(url, response).await?, sent));
        }
        Err(NetError::TooManyRedirects)
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

/// Images whose server says `X-Robots-Tag: noai` (or `noimageai`) may not go into a training set.
fn refuse_noai(response: &Response) -> Result<(), NetError> {
    let is_image = response
        .headers
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("content-type") && v.trim().to_ascii_lowercase().starts_with("image/"));
    let forbids = response.headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case("x-robots-tag")).any(|(_, v)| {
        // Directives may be comma-separated and prefixed with a user agent ("otherbot: noai").
        v.split(',')
            .map(|d| d.rsplit(':').next().unwrap_or(d).trim().to_ascii_lowercase())
            .any(|d| d == "noai" || d == "noimageai")
    });
    if is_image && forbids {
        Err(NetError::Denied(format!(
            "{} says `X-Robots-Tag: noai`: its owner forbids using this image for AI; it is not stored",
            response.final_url
        )))
    } else {
        Ok(())
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
