//! Outbound HTTP through the host, which checks every request against the plugin's grants.
//!
//! ```ignore
//! let page: serde_json::Value = aigc_sdk::http::get("https://api.example.org/items")?.error_for_status()?.json()?;
//! ```

use crate::bindings::aigc::plugin::http as raw;
use crate::{Error, Result};

pub use raw::{HttpError, Method, Request, Response};

/// Sends `request` and waits for the whole response.
pub fn fetch(request: &Request) -> Result<Response, HttpError> {
    raw::fetch(request)
}

/// Sends many requests concurrently; results come back in the order given.
pub fn fetch_all(requests: &[Request]) -> Vec<Result<Response, HttpError>> {
    raw::fetch_all(requests)
}

/// `GET url`.
pub fn get(url: &str) -> Result<Response, HttpError> {
    fetch(&Request::get(url))
}

impl Request {
    /// A GET request for `url` with no headers.
    pub fn get(url: impl Into<String>) -> Self {
        Self { method: Method::Get, url: url.into(), headers: Vec::new(), body: None, timeout_ms: None }
    }

    /// Adds a header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the time allowed for the whole exchange.
    pub fn timeout_ms(mut self, ms: u32) -> Self {
        self.timeout_ms = Some(ms);
        self
    }
}

impl Response {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// True for 2xx statuses.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The response itself when its status is 2xx, else an error naming the status and URL.
    pub fn error_for_status(self) -> Result<Self> {
        if self.is_success() {
            Ok(self)
        } else {
            Err(Error::msg(format!("HTTP {} from {}", self.status, self.final_url)))
        }
    }

    /// The body parsed as JSON.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_slice(&self.body)
            .map_err(|e| Error::msg(format!("response from {} is not the JSON expected: {e}", self.final_url)))
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}
