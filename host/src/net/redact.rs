//! Redaction of secret values from everything a plugin receives through HTTP (headers, bodies, final URLs, error
//! messages) and from everything the host keeps of an exchange (record files, the cache on disk).
//!
//! A secret's own host can hand it back: debug endpoints reflect request headers, APIs put tokens in `next`
//! links, error pages quote the request. The operator lent the secret to the host, not to the plugin, so every
//! occurrence becomes `[redacted]` before the plugin or the disk sees it. A server rarely echoes the exact bytes,
//! so each secret is looked for in the forms a server plausibly writes it: as sent and bare (without `Bearer `),
//! percent- and form-encoded, JSON- and HTML-escaped, base64, and for `Basic` credentials the decoded
//! `user:password` and the password alone. Matching is ASCII case-insensitive: header names come back
//! lower-cased, and a few extra false matches on a value of six or more characters cost nothing.
//!
//! One Aho-Corasick automaton holds every form of every secret, so a 64 MiB body costs one linear scan however
//! many forms there are (and a second, to copy, only when something matched).
//!
//! Not covered: echoes in an encoding not listed here (gzip'd inside a body, a hash, split across fields).

use std::borrow::Cow;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};

use super::client::{NetError, Response};
use super::secret::{MIN_SECRET_LEN, Secret};

/// What a secret is replaced with.
pub const REDACTED: &str = "[redacted]";

/// Finds and replaces a run's secrets. Cheap to query when the run has none.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    finder: Option<AhoCorasick>,
}

/// The automaton could not be built (far more secret text than any run has).
#[derive(Debug, thiserror::Error)]
#[error("cannot prepare the redaction of the run's secrets: {0}")]
pub struct RedactError(#[from] aho_corasick::BuildError);

impl Redactor {
    pub fn new(secrets: &[Secret]) -> Result<Self, RedactError> {
        let mut patterns: Vec<Vec<u8>> = secrets.iter().flat_map(forms).filter(|p| p.len() >= MIN_SECRET_LEN).collect();
        patterns.sort();
        patterns.dedup();
        if patterns.is_empty() {
            return Ok(Self::default());
        }
        // Leftmost-longest: where `Bearer x` and `x` both match, the longer one is replaced whole.
        // A full DFA: a few hundred states for a run's secrets, and the fastest scan per byte.
        let finder = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&patterns)?;
        Ok(Self { finder: Some(finder) })
    }

    /// `data` with every secret replaced; borrowed when nothing matched.
    pub fn bytes<'a>(&self, data: &'a [u8]) -> Cow<'a, [u8]> {
        let Some(finder) = &self.finder else { return Cow::Borrowed(data) };
        if finder.find(data).is_none() {
            return Cow::Borrowed(data);
        }
        let mut out = Vec::with_capacity(data.len());
        finder.replace_all_with_bytes(data, &mut out, |_, _, dst| {
            dst.extend_from_slice(REDACTED.as_bytes());
            true
        });
        Cow::Owned(out)
    }

    /// An owned buffer redacted, without a copy when nothing matched.
    pub fn vec(&self, data: Vec<u8>) -> Vec<u8> {
        let replaced = match self.bytes(&data) {
            Cow::Owned(out) => Some(out),
            Cow::Borrowed(_) => None,
        };
        replaced.unwrap_or(data)
    }

    pub fn text(&self, text: String) -> String {
        let replaced = match self.bytes(text.as_bytes()) {
            // The forms are replaced whole by ASCII, so valid UTF-8 stays valid; lossy only as a backstop.
            Cow::Owned(out) => Some(String::from_utf8_lossy(&out).into_owned()),
            Cow::Borrowed(_) => None,
        };
        replaced.unwrap_or(text)
    }

    /// A response with its headers (names too), body and final URL redacted.
    pub fn response(&self, response: Response) -> Response {
        if self.finder.is_none() {
            return response;
        }
        Response {
            status: response.status,
            headers: response.headers.into_iter().map(|(n, v)| (self.text(n), self.text(v))).collect(),
            body: self.vec(response.body),
            final_url: self.text(response.final_url),
        }
    }

    /// An error with its message redacted (they quote URLs and server text).
    pub fn error(&self, error: NetError) -> NetError {
        match error {
            NetError::Denied(m) => NetError::Denied(self.text(m)),
            NetError::InvalidUrl(m) => NetError::InvalidUrl(self.text(m)),
            NetError::Connect(m) => NetError::Connect(self.text(m)),
            NetError::NotRecorded(m) => NetError::NotRecorded(self.text(m)),
            NetError::Other(m) => NetError::Other(self.text(m)),
            e @ (NetError::Timeout | NetError::TooLarge(_) | NetError::TooManyRedirects) => e,
        }
    }
}

/// Every form of `secret` worth looking for.
fn forms(secret: &Secret) -> Vec<Vec<u8>> {
    let mut out = encodings(secret.value.as_bytes());
    out.extend(encodings(secret.bare()));
    // Servers trim header values; a value given with spaces around it comes back without them.
    out.extend(encodings(secret.bare().trim_ascii()));
    if secret.scheme().eq_ignore_ascii_case("basic") {
        let bare = String::from_utf8_lossy(secret.bare());
        let decoded = STANDARD.decode(bare.trim()).or_else(|_| STANDARD_NO_PAD.decode(bare.trim()));
        if let Ok(user_password) = decoded {
            out.extend(encodings(&user_password));
            if let Some(colon) = user_password.iter().position(|&b| b == b':') {
                out.extend(encodings(&user_password[colon + 1..]));
            }
        }
    }
    out
}

/// `raw` as written by the usual encoders of URLs, JSON, HTML and base64.
fn encodings(raw: &[u8]) -> Vec<Vec<u8>> {
    vec![
        raw.to_vec(),
        // RFC 3986 strict, WHATWG forms (space as `+`, `*` kept, `~` encoded), JavaScript's
        // encodeURIComponent, Python's quote (keeps `/`).
        percent(raw, b"-._~", false),
        percent(raw, b"-._*", true),
        percent(raw, b"-_.!~*'()", false),
        percent(raw, b"-._~/", false),
        json(raw, false, false),
        json(raw, true, false),
        json(raw, false, true),
        html(raw),
        // Padded and not: the padded form is the longer match, so no stray `==` is left behind.
        STANDARD.encode(raw).into_bytes(),
        STANDARD_NO_PAD.encode(raw).into_bytes(),
        URL_SAFE.encode(raw).into_bytes(),
        URL_SAFE_NO_PAD.encode(raw).into_bytes(),
    ]
}

fn percent(raw: &[u8], keep: &[u8], space_as_plus: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() * 3);
    for &b in raw {
        if b.is_ascii_alphanumeric() || keep.contains(&b) {
            out.push(b);
        } else if b == b' ' && space_as_plus {
            out.push(b'+');
        } else {
            out.extend_from_slice(format!("%{b:02X}").as_bytes());
        }
    }
    out
}

/// JSON string escaping: minimal, with `\/` (PHP), or HTML-safe (Go's `\u003c`).
fn json(raw: &[u8], slash: bool, html_safe: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() * 2);
    for &b in raw {
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'/' if slash => out.extend_from_slice(b"\\/"),
            b'<' | b'>' | b'&' if html_safe => out.extend_from_slice(format!("\\u{b:04x}").as_bytes()),
            b'\t' => out.extend_from_slice(b"\\t"),
            c if c < 0x20 => out.extend_from_slice(format!("\\u{c:04x}").as_bytes()),
            c => out.push(c),
        }
    }
    out
}

fn html(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() * 2);
    for &b in raw {
        match b {
            b'&' => out.extend_from_slice(b"&amp;"),
            b'<' => out.extend_from_slice(b"&lt;"),
            b'>' => out.extend_from_slice(b"&gt;"),
            b'"' => out.extend_from_slice(b"&quot;"),
            b'\'' => out.extend_from_slice(b"&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redactor(secrets: &[(&str, &str, &str)]) -> Redactor {
        let secrets: Vec<Secret> = secrets
            .iter()
            .map(|(name, prefix, value)| Secret::new(name, "Authorization", prefix, value, Vec::new()).unwrap())
            .collect();
        Redactor::new(&secrets).unwrap()
    }

    fn redacted(r: &Redactor, text: &str) -> String {
        r.text(text.to_string())
    }

    #[test]
    fn every_echoed_form_is_redacted() {
        let r = redactor(&[("token", "Bearer ", "tok/en+value=")]);
        assert_eq!(redacted(&r, "Authorization: Bearer tok/en+value="), "Authorization: [redacted]");
        assert_eq!(redacted(&r, "authorization: bearer TOK/EN+VALUE="), "authorization: [redacted]");
        assert_eq!(redacted(&r, "x-echo-bearer-tok/en+value=: 1"), "x-echo-bearer-[redacted]: 1");
        assert_eq!(redacted(&r, "?t=tok%2Fen%2Bvalue%3D&"), "?t=[redacted]&");
        assert_eq!(redacted(&r, "?t=tok%2fen%2bvalue%3d&"), "?t=[redacted]&", "lower-case hex");
        assert_eq!(redacted(&r, r#"{"a":"tok\/en+value="}"#), r#"{"a":"[redacted]"}"#);
        let b64 = STANDARD.encode("tok/en+value=");
        assert_eq!(redacted(&r, &format!("echo {b64}")), "echo [redacted]");
        assert_eq!(redacted(&r, "no secret here"), "no secret here");
    }

    #[test]
    fn basic_credentials_are_redacted_decoded_too() {
        let encoded = STANDARD.encode("alice:pa55word-xyz");
        let r = redactor(&[("basic", "Basic ", &encoded)]);
        assert_eq!(redacted(&r, &format!("Basic {encoded}")), "[redacted]");
        assert_eq!(redacted(&r, "user alice:pa55word-xyz"), "user [redacted]");
        assert_eq!(redacted(&r, "password pa55word-xyz."), "password [redacted].");
        // The user name alone is not the secret and stays.
        assert_eq!(redacted(&r, "hello alice"), "hello alice");
    }

    #[test]
    fn responses_and_errors_are_redacted_everywhere() {
        let r = redactor(&[("token", "Token ", "s3cr3t-value")]);
        let response = Response {
            status: 200,
            headers: vec![("x-s3cr3t-value".into(), "Token s3cr3t-value".into())],
            body: b"\x00\xffbinary s3cr3t-value\xfe".to_vec(),
            final_url: "https://a.example/?k=s3cr3t-value".into(),
        };
        let out = r.response(response);
        assert_eq!(out.headers, [("x-[redacted]".to_string(), "[redacted]".to_string())]);
        assert_eq!(out.body, b"\x00\xffbinary [redacted]\xfe");
        assert_eq!(out.final_url, "https://a.example/?k=[redacted]");
        let error = r.error(NetError::Denied("redirect to http://10.0.0.1/?t=s3cr3t-value".into()));
        assert_eq!(error, NetError::Denied("redirect to http://10.0.0.1/?t=[redacted]".into()));
        assert!(Redactor::new(&[]).unwrap().finder.is_none());
    }

    /// A 64 MiB body (the body cap) with secrets scattered through it is scanned in linear time. Prints the
    /// throughput (`cargo nextest run --release -p aigc-host -E 'test(redaction_is_linear)' --no-capture`).
    #[test]
    fn redaction_is_linear_on_a_body_at_the_cap() {
        let r = redactor(&[("a", "Bearer ", "first-secret-value"), ("b", "Token ", "second/secret&value")]);
        let mut body = Vec::with_capacity(64 << 20);
        let mut i = 0u64;
        while body.len() < 64 << 20 {
            i += 1;
            if i.is_multiple_of(100_000) {
                body.extend_from_slice(b"first-secret-value");
            } else {
                // Near-misses: the automaton must not back off quadratically on long partial matches.
                body.extend_from_slice(b"first-secret-valu second%2Fsecret");
            }
        }
        let started = std::time::Instant::now();
        let out = r.vec(body);
        let elapsed = started.elapsed();
        eprintln!("redacted 64 MiB of near-misses in {elapsed:.2?} ({:.0} MiB/s)", 64.0 / elapsed.as_secs_f64());
        assert!(!out.windows(18).any(|w| w == b"first-secret-value"));
        assert!(out.windows(REDACTED.len()).any(|w| w == REDACTED.as_bytes()));
        // An ordinary body (text that never starts a match) and one with nothing to replace: no copy is made.
        let text: Vec<u8> =
            b"The quick brown fox jumps over the lazy dog. ".iter().copied().cycle().take(64 << 20).collect();
        let started = std::time::Instant::now();
        let same = r.bytes(&text);
        let elapsed = started.elapsed();
        eprintln!("scanned 64 MiB of text in {elapsed:.2?} ({:.0} MiB/s)", 64.0 / elapsed.as_secs_f64());
        assert!(matches!(same, Cow::Borrowed(_)));
    }
}
