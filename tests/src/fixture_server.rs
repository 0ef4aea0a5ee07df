//! A loopback HTTP/1.1 server that answers from a replay file, for tests that run a crawler against a "live" API.
//!
//! The replay is the host's record/replay format, one exchange per line:
//! `{"method":"GET","url":"https://api.sketchfab.com/v3/search?...","status":200,"headers":[["content-type","application/json"]],"final_url":"...","body":"..."}`
//! (`"body_base64"` instead of `"body"` for binary bodies).
//!
//! Every origin (`scheme://host[:port]`) of the recorded URLs is rewritten to `http://127.0.0.1:PORT`: in the
//! lookup keys, in text bodies and in header values. A crawler started with `--set base_url=<base_url()>` then
//! finds consistent `next`, thumbnail and download URLs, all pointing back at this server. Requests are matched by
//! method and exact path-and-query; anything else gets a 404. Each response closes its connection.
//!
//! ```ignore
//! let server = FixtureServer::start(Path::new("examples/sketchfab/replay"), ServerOptions::default())?;
//! // run the crawler with --set base_url={server.base_url()} ...
//! assert!(server.requests().iter().any(|r| r.starts_with("/v3/search?")));
//! ```

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// Largest request head (request line and headers) accepted; larger gets a 431.
const MAX_HEAD: usize = 64 * 1024;
/// Largest request body accepted (and discarded); larger gets a 413.
const MAX_BODY: usize = 1024 * 1024;
/// Connections served at once; more are closed unanswered.
const MAX_CONNECTIONS: usize = 256;
const READ_TIMEOUT: Duration = Duration::from_secs(5);
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// How the server behaves.
#[derive(Clone, Debug, Default)]
pub struct ServerOptions {
    /// Waited before each response is written.
    pub delay: Duration,
    /// `(name, value)`: requests whose path contains `/download` and that lack this header (name matched without
    /// case, value exactly) get a 401, as the Sketchfab download endpoint answers without a token.
    pub require_header: Option<(String, String)>,
}

/// A running server; it stops when dropped.
pub struct FixtureServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

/// Ordered header name/value pairs.
type Headers = Vec<(String, String)>;

struct Shared {
    /// `(METHOD, path-and-query)` → the recorded answer.
    routes: HashMap<(String, String), Recorded>,
    options: ServerOptions,
    /// Every request seen, in arrival order: path-and-query and headers.
    seen: Mutex<Vec<(String, Headers)>>,
    active: AtomicUsize,
}

struct Recorded {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// One parsed line of the replay, before its origins are rewritten.
struct Line {
    method: String,
    url: String,
    status: u16,
    headers: Vec<(String, String)>,
    body: Body,
}

enum Body {
    Text(String),
    Binary(Vec<u8>),
}

impl FixtureServer {
    /// Loads `replay_path` and serves it on `127.0.0.1` at a free port.
    pub fn start(replay_path: &Path, options: ServerOptions) -> io::Result<Self> {
        let text = std::fs::read_to_string(replay_path)?;
        let mut lines = Vec::new();
        let mut origins = Vec::new();
        for (number, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let (line, final_url) =
                parse_line(line).map_err(|e| invalid(format!("{}:{}: {e}", replay_path.display(), number + 1)))?;
            for url in [Some(&line.url), final_url.as_ref()].into_iter().flatten() {
                if let Some(origin) = origin_of(url).filter(|origin| !origins.contains(origin)) {
                    origins.push(origin);
                }
            }
            lines.push(line);
        }
        let listener = TcpListener::bind(("127.0.0.1", 0))?;
        let addr = listener.local_addr()?;
        let local = format!("http://127.0.0.1:{}", addr.port());
        // Longest first, so `https://a.org:8443` is not taken for `https://a.org` followed by text.
        origins.sort_by_key(|origin| std::cmp::Reverse(origin.len()));

        let mut routes = HashMap::new();
        for line in lines {
            let url = rewrite(&line.url, &origins, &local);
            let target = url.strip_prefix(&local).map_or(url.as_str(), |rest| rest);
            let target = target.split('#').next().unwrap_or("");
            let target = if target.is_empty() { "/".to_string() } else { target.to_string() };
            let headers = line
                .headers
                .iter()
                .filter(|(name, _)| !is_framing_header(name))
                .map(|(name, value)| (name.clone(), rewrite(value, &origins, &local)))
                .collect();
            let body = match line.body {
                Body::Text(text) => rewrite(&text, &origins, &local).into_bytes(),
                Body::Binary(bytes) => bytes,
            };
            // The first exchange recorded for a request wins.
            routes.entry((line.method.to_ascii_uppercase(), target)).or_insert(Recorded {
                status: line.status,
                headers,
                body,
            });
        }

        let shared = Arc::new(Shared { routes, options, seen: Mutex::new(Vec::new()), active: AtomicUsize::new(0) });
        let stop = Arc::new(AtomicBool::new(false));
        let accept = {
            let (shared, stop) = (Arc::clone(&shared), Arc::clone(&stop));
            thread::Builder::new()
                .name("fixture-server".into())
                .spawn(move || accept_loop(&listener, &shared, &stop))?
        };
        Ok(Self { addr, shared, stop, accept: Some(accept) })
    }

    /// `http://127.0.0.1:PORT`, with no trailing slash: what every recorded origin was rewritten to.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.addr.port())
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The path-and-query of every request received so far, in order of arrival.
    pub fn requests(&self) -> Vec<String> {
        self.shared
            .seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(|(target, _)| target.clone())
            .collect()
    }

    /// The headers of every request received so far, in the order of [`requests`](Self::requests).
    pub fn request_headers(&self) -> Vec<Headers> {
        self.shared
            .seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(|(_, headers)| headers.clone())
            .collect()
    }
}

impl Drop for FixtureServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop; if that fails it is left to end with the process rather than hang here.
        let woke = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1)).is_ok();
        if let Some(accept) = self.accept.take().filter(|_| woke) {
            let _ = accept.join();
        }
    }
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>, stop: &AtomicBool) {
    for stream in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else { continue };
        if shared.active.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
            shared.active.fetch_sub(1, Ordering::SeqCst);
            continue;
        }
        let shared = Arc::clone(shared);
        let spawned = thread::Builder::new().name("fixture-conn".into()).spawn({
            let shared = Arc::clone(&shared);
            move || {
                let _ = serve(stream, &shared);
                shared.active.fetch_sub(1, Ordering::SeqCst);
            }
        });
        if spawned.is_err() {
            shared.active.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// Answers one request on `stream`, then closes it.
fn serve(mut stream: TcpStream, shared: &Shared) -> io::Result<()> {
    stream.set_read_timeout(Some(READ_TIMEOUT))?;
    stream.set_write_timeout(Some(WRITE_TIMEOUT))?;
    let _ = stream.set_nodelay(true);

    let (head, mut extra) = match read_head(&mut stream)? {
        Some(read) => read,
        None => return respond(&mut stream, false, 431, &[], b"request head too large\n"),
    };
    let Some((method, target, headers)) = parse_head(&head) else {
        return respond(&mut stream, false, 400, &[], b"malformed request\n");
    };
    let is_head = method == "HEAD";
    let target = match origin_of(&target) {
        // Absolute form (`GET http://host/path`): keep the path-and-query.
        Some(origin) => target[origin.len()..].to_string(),
        None => target,
    };
    let target = if target.is_empty() { "/".to_string() } else { target };
    shared.seen.lock().unwrap_or_else(PoisonError::into_inner).push((target.clone(), headers.clone()));

    // Read and discard a body, if any, so closing the socket does not reset the connection.
    let length = headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
        .map(|(_, value)| value.trim().parse::<usize>());
    match length {
        Some(Ok(length)) if length <= MAX_BODY => {
            while extra.len() < length {
                let mut chunk = [0u8; 8192];
                let n = stream.read(&mut chunk)?;
                if n == 0 {
                    break;
                }
                extra.extend_from_slice(&chunk[..n]);
            }
        }
        Some(Ok(_)) => return respond(&mut stream, is_head, 413, &[], b"request body too large\n"),
        Some(Err(_)) => return respond(&mut stream, is_head, 400, &[], b"bad content-length\n"),
        None => {}
    }

    if !shared.options.delay.is_zero() {
        thread::sleep(shared.options.delay);
    }

    if let Some((name, value)) = &shared.options.require_header {
        let path = target.split('?').next().unwrap_or("");
        if path.contains("/download") {
            let given = headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str());
            let detail = match given {
                None => Some("Authentication credentials were not provided."),
                Some(given) if given != value => Some("Invalid token."),
                Some(_) => None,
            };
            if let Some(detail) = detail {
                let body = format!("{{\"detail\":\"{detail}\"}}");
                let headers = [("content-type".to_string(), "application/json".to_string())];
                return respond(&mut stream, is_head, 401, &headers, body.as_bytes());
            }
        }
    }

    let key = (if is_head { "GET".to_string() } else { method.clone() }, target.clone());
    let recorded = shared.routes.get(&(method.clone(), target.clone())).or_else(|| shared.routes.get(&key));
    match recorded {
        Some(recorded) => respond(&mut stream, is_head, recorded.status, &recorded.headers, &recorded.body),
        None => {
            let body = format!("no recorded exchange for {method} {target}\n");
            let headers = [("content-type".to_string(), "text/plain; charset=utf-8".to_string())];
            respond(&mut stream, is_head, 404, &headers, body.as_bytes())
        }
    }
}

/// Reads up to the blank line ending the head: the head, and any bytes read past it. `None` when the head is larger
/// than [`MAX_HEAD`].
fn read_head(stream: &mut TcpStream) -> io::Result<Option<(String, Vec<u8>)>> {
    let mut buffer = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = find(&buffer, b"\r\n\r\n") {
            if end > MAX_HEAD {
                return Ok(None);
            }
            let head = String::from_utf8_lossy(&buffer[..end]).into_owned();
            return Ok(Some((head, buffer[end + 4..].to_vec())));
        }
        if buffer.len() > MAX_HEAD {
            return Ok(None);
        }
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "connection closed before the request head ended",
            ));
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
}

/// `(METHOD, target, headers)` of a request head.
fn parse_head(head: &str) -> Option<(String, String, Headers)> {
    let mut lines = head.split("\r\n");
    let mut parts = lines.next()?.split(' ');
    let (method, target, version) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || method.is_empty() || target.is_empty() || !version.starts_with("HTTP/1.") {
        return None;
    }
    let mut headers = Vec::new();
    for line in lines {
        let (name, value) = line.split_once(':')?;
        headers.push((name.trim().to_string(), value.trim().to_string()));
    }
    Some((method.to_ascii_uppercase(), target.to_string(), headers))
}

fn respond(
    stream: &mut TcpStream,
    is_head: bool,
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
) -> io::Result<()> {
    let mut out = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (name, value) in headers {
        // A recorded value with a line break would split the response; it is left out.
        if !value.contains(['\r', '\n']) && !name.contains(['\r', '\n', ':']) {
            out.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    let bodiless = status == 204 || status == 304 || (100..200).contains(&status);
    if !bodiless {
        out.push_str(&format!("content-length: {}\r\n", body.len()));
    }
    out.push_str("connection: close\r\n\r\n");
    stream.write_all(out.as_bytes())?;
    if !is_head && !bodiless {
        stream.write_all(body)?;
    }
    stream.flush()?;
    // Close gently: wait (briefly) for the client to close, reading what it still sends, so that unread input
    // does not turn the close into a reset that could lose the response.
    let _ = stream.shutdown(Shutdown::Write);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
    let mut sink = [0u8; 8192];
    let mut drained = 0;
    while drained < MAX_BODY {
        match stream.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(n) => drained += n,
        }
    }
    Ok(())
}

/// One replay line, and its `final_url` (its origin is rewritten too).
fn parse_line(line: &str) -> Result<(Line, Option<String>), String> {
    let value: serde_json::Value = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    let text = |key: &str| value.get(key).and_then(serde_json::Value::as_str).map(String::from);
    let url = text("url").ok_or("no \"url\"")?;
    let method = text("method").unwrap_or_else(|| "GET".into());
    let status = value
        .get("status")
        .and_then(serde_json::Value::as_u64)
        .and_then(|s| u16::try_from(s).ok())
        .filter(|s| (100..600).contains(s))
        .ok_or("no valid \"status\"")?;
    let mut headers = Vec::new();
    for pair in value.get("headers").and_then(serde_json::Value::as_array).into_iter().flatten() {
        match pair.as_array().map(Vec::as_slice) {
            Some([name, value]) => match (name.as_str(), value.as_str()) {
                (Some(name), Some(value)) => headers.push((name.to_string(), value.to_string())),
                _ => return Err("a header is not [name, value] strings".into()),
            },
            _ => return Err("a header is not a [name, value] pair".into()),
        }
    }
    let body = match (text("body"), text("body_base64")) {
        (Some(body), _) => Body::Text(body),
        (None, Some(encoded)) => Body::Binary(decode_base64(&encoded).ok_or("\"body_base64\" is not base64")?),
        (None, None) => Body::Text(String::new()),
    };
    Ok((Line { method, url, status, headers, body }, text("final_url")))
}

/// `scheme://authority` at the start of `url`, for http(s) URLs.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return None;
    }
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    (end > 0).then(|| url[..scheme.len() + 3 + end].to_string())
}

/// `text` with each whole occurrence of an origin replaced by `local`. An origin followed by more host name
/// (`https://a.org.evil`, `https://a.org:8443`) is not that origin and is left alone.
fn rewrite(text: &str, origins: &[String], local: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    'scan: while !rest.is_empty() {
        if rest.starts_with("http") {
            for origin in origins {
                if let Some(after) = rest.strip_prefix(origin.as_str()) {
                    let mut chars = after.chars();
                    let continues = match chars.next() {
                        Some(c) if c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_' => true,
                        Some(':') => chars.next().is_some_and(|c| c.is_ascii_digit()),
                        _ => false,
                    };
                    if !continues {
                        out.push_str(local);
                        rest = after;
                        continue 'scan;
                    }
                }
            }
        }
        let Some(c) = rest.chars().next() else { break };
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

fn is_framing_header(name: &str) -> bool {
    ["content-length", "transfer-encoding", "connection", "keep-alive", "content-encoding"]
        .iter()
        .any(|h| name.eq_ignore_ascii_case(h))
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        413 => "Content Too Large",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}

/// Standard base64 (padding optional; whitespace ignored).
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let (mut bits, mut count) = (0u32, 0u32);
    for byte in text.bytes() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            b' ' | b'\n' | b'\r' | b'\t' => continue,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(value);
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    Some(out)
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(server: &FixtureServer, target: &str, headers: &[(&str, &str)]) -> (u16, String, Vec<u8>) {
        let mut stream = TcpStream::connect(("127.0.0.1", server.port())).expect("connect");
        let mut request = format!("GET {target} HTTP/1.1\r\nhost: 127.0.0.1\r\n");
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str("\r\n");
        stream.write_all(request.as_bytes()).expect("write");
        let mut response = Vec::new();
        stream.read_to_end(&mut response).expect("read");
        let end = find(&response, b"\r\n\r\n").expect("head");
        let head = String::from_utf8_lossy(&response[..end]).into_owned();
        let status = head[9..12].parse().expect("status");
        (status, head, response[end + 4..].to_vec())
    }

    fn replay(lines: &[&str]) -> tempfile::NamedTempFile {
        let mut file = tempfile::NamedTempFile::new().expect("temp file");
        for line in lines {
            writeln!(file, "{line}").expect("write replay");
        }
        file
    }

    #[test]
    fn serves_rewritten_exchanges_and_logs_requests() {
        let file = replay(&[
            r#"{"method":"GET","url":"https://api.example.org/v3/search?q=a%20b&count=24","status":200,"headers":[["content-type","application/json"],["content-length","999"]],"final_url":"https://api.example.org/v3/search?q=a%20b&count=24","body":"{\"next\":\"https://api.example.org/v3/search?cursor=2\",\"img\":\"https://media.example.org/x.jpeg\",\"other\":\"https://api.example.org.evil/x\"}"}"#,
            r#"{"method":"GET","url":"https://media.example.org/x.jpeg","status":200,"headers":[["content-type","image/jpeg"]],"final_url":"https://media.example.org/x.jpeg","body_base64":"/9j/4AAQ"}"#,
            "",
        ]);
        let server = FixtureServer::start(file.path(), ServerOptions::default()).expect("start");
        let base = server.base_url();
        assert_eq!(base, format!("http://127.0.0.1:{}", server.port()));

        let (status, head, body) = get(&server, "/v3/search?q=a%20b&count=24", &[("x-test", "1")]);
        assert_eq!(status, 200);
        assert!(head.contains("content-type: application/json"), "{head}");
        assert!(!head.contains("999"), "the recorded content-length is replaced: {head}");
        let body = String::from_utf8(body).expect("utf-8");
        assert!(body.contains(&format!("\"next\":\"{base}/v3/search?cursor=2\"")), "{body}");
        assert!(body.contains(&format!("\"img\":\"{base}/x.jpeg\"")), "{body}");
        assert!(body.contains("https://api.example.org.evil/x"), "a longer host is not rewritten: {body}");

        let (status, _, body) = get(&server, "/x.jpeg", &[]);
        assert_eq!((status, body), (200, vec![0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]));

        let (status, _, _) = get(&server, "/v3/search?count=24&q=a%20b", &[]);
        assert_eq!(status, 404, "the query must match exactly");

        assert_eq!(server.requests(), ["/v3/search?q=a%20b&count=24", "/x.jpeg", "/v3/search?count=24&q=a%20b"]);
        let headers = server.request_headers();
        assert!(headers[0].iter().any(|(n, v)| n == "x-test" && v == "1"));
    }

    #[test]
    fn download_paths_need_the_required_header() {
        let file = replay(&[
            r#"{"method":"GET","url":"https://s3.example.org/a.glb?sig=1","status":200,"headers":[],"final_url":"https://s3.example.org/a.glb?sig=1","body_base64":"Z2xURg=="}"#,
            r#"{"method":"GET","url":"https://api.example.org/v3/models/abc/download","status":200,"headers":[["content-type","application/json"]],"final_url":"https://api.example.org/v3/models/abc/download","body":"{\"glb\":{\"url\":\"https://s3.example.org/a.glb?sig=1\"}}"}"#,
        ]);
        let options = ServerOptions {
            delay: Duration::from_millis(20),
            require_header: Some(("Authorization".into(), "Token secret".into())),
        };
        let server = FixtureServer::start(file.path(), options).expect("start");
        let (status, _, body) = get(&server, "/v3/models/abc/download", &[]);
        assert_eq!(status, 401);
        assert!(String::from_utf8_lossy(&body).contains("not provided"));
        let (status, _, _) = get(&server, "/v3/models/abc/download", &[("authorization", "Token wrong")]);
        assert_eq!(status, 401);
        let started = std::time::Instant::now();
        let (status, _, body) = get(&server, "/v3/models/abc/download", &[("authorization", "Token secret")]);
        assert_eq!(status, 200);
        assert!(started.elapsed() >= Duration::from_millis(20));
        let body = String::from_utf8(body).expect("utf-8");
        assert!(body.contains(&format!("{}/a.glb?sig=1", server.base_url())), "{body}");
        assert_eq!(get(&server, "/a.glb?sig=1", &[]).2, b"glTF", "no header needed outside /download");
    }

    #[test]
    fn rejects_oversized_and_malformed_requests() {
        let file = replay(&[]);
        let server = FixtureServer::start(file.path(), ServerOptions::default()).expect("start");
        let long = format!("/{}", "a".repeat(MAX_HEAD + 10));
        assert_eq!(get(&server, &long, &[]).0, 431);
        let mut stream = TcpStream::connect(("127.0.0.1", server.port())).expect("connect");
        stream.write_all(b"NONSENSE\r\n\r\n").expect("write");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("read");
        assert!(response.starts_with("HTTP/1.1 400"), "{response}");
    }

    #[test]
    fn bad_replay_lines_are_errors() {
        let file = replay(&["{\"url\":\"https://a.org/\"}"]);
        let error = FixtureServer::start(file.path(), ServerOptions::default()).err().expect("an error");
        assert!(error.to_string().contains(":1: no valid \"status\""), "{error}");
    }

    #[test]
    fn base64_round_trip() {
        assert_eq!(decode_base64("aGVsbG8gd29ybGQ=").as_deref(), Some(&b"hello world"[..]));
        assert_eq!(decode_base64("aGk").as_deref(), Some(&b"hi"[..]));
        assert_eq!(decode_base64("a*b"), None);
    }
}
