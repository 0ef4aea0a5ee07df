//! `aigc:plugin/http`: the plugin's requests, handed to the run's checked [`HttpClient`](crate::net::HttpClient).

use std::time::Duration;

use crate::bindings::http::{Host, HttpError, Method, Request, Response};
use crate::net::{self, NetError};
use crate::runtime::HostState;

/// Most requests one `fetch-all` call may carry.
const BATCH_CAP: usize = 256;

impl HostState {
    fn http_client(&self) -> wasmtime::Result<std::sync::Arc<net::HttpClient>> {
        self.ctx.http.clone().ok_or_else(|| wasmtime::Error::msg("this run lends no network"))
    }
}

impl Host for HostState {
    async fn fetch(&mut self, request: Request) -> wasmtime::Result<Result<Response, HttpError>> {
        let client = self.http_client()?;
        let result = self.timed(client.fetch(convert(request))).await;
        Ok(result.map(Response::from).map_err(HttpError::from))
    }

    async fn fetch_all(&mut self, requests: Vec<Request>) -> wasmtime::Result<Vec<Result<Response, HttpError>>> {
        if requests.len() > BATCH_CAP {
            return Err(wasmtime::Error::msg(format!(
                "fetch-all was given {} requests; the limit is {BATCH_CAP} per call",
                requests.len()
            )));
        }
        let client = self.http_client()?;
        let requests = requests.into_iter().map(convert).collect();
        let results = self.timed(client.fetch_all(requests)).await;
        Ok(results.into_iter().map(|r| r.map(Response::from).map_err(HttpError::from)).collect())
    }
}

fn convert(request: Request) -> net::Request {
    let method = match request.method {
        Method::Get => "GET",
        Method::Head => "HEAD",
        Method::Post => "POST",
        Method::Put => "PUT",
        Method::Delete => "DELETE",
        Method::Patch => "PATCH",
        Method::Options => "OPTIONS",
    };
    net::Request {
        method: method.to_string(),
        url: request.url,
        headers: request.headers,
        body: request.body,
        timeout: request.timeout_ms.map(|ms| Duration::from_millis(ms.into())),
    }
}

impl From<net::Response> for Response {
    fn from(r: net::Response) -> Self {
        Self { status: r.status, headers: r.headers, body: r.body, final_url: r.final_url }
    }
}

impl From<NetError> for HttpError {
    fn from(e: NetError) -> Self {
        match e {
            NetError::Denied(m) => HttpError::Denied(m),
            NetError::InvalidUrl(m) => HttpError::InvalidUrl(m),
            NetError::Timeout => HttpError::Timeout,
            NetError::TooLarge(cap) => HttpError::TooLarge(cap),
            NetError::Connect(m) => HttpError::Connect(m),
            NetError::TooManyRedirects => HttpError::TooManyRedirects,
            NetError::NotRecorded(m) => HttpError::NotRecorded(m),
            NetError::Other(m) => HttpError::Other(m),
        }
    }
}
