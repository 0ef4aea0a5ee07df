//! `aigc:plugin/submission`: a grader's read-only view of one checked submission
//! (see [`crate::submission`] for what the check refuses).

use crate::bindings::submission::{Entry, Host};
use crate::bindings::types::Error;
use crate::runtime::HostState;
use crate::submission::{self, ReadError, Submission};

impl HostState {
    fn submission(&self) -> wasmtime::Result<std::sync::Arc<Submission>> {
        self.ctx.submission.clone().ok_or_else(|| wasmtime::Error::msg("this run lends no submission"))
    }
}

fn entry(e: &submission::Entry) -> Entry {
    Entry { path: e.path.clone(), size: e.size, is_dir: e.is_dir }
}

fn error(e: ReadError) -> Error {
    match e {
        ReadError::NotFound(m) => Error::NotFound(m),
        ReadError::Invalid(m) => Error::Invalid(m),
        ReadError::TooLarge(m) => Error::Limit(m),
        ReadError::Other(m) => Error::Other(m),
    }
}

impl Host for HostState {
    async fn name(&mut self) -> wasmtime::Result<String> {
        Ok(self.submission()?.name().to_string())
    }

    async fn entries(&mut self) -> wasmtime::Result<Vec<Entry>> {
        Ok(self.submission()?.entries().iter().map(entry).collect())
    }

    async fn stat(&mut self, path: String) -> wasmtime::Result<Result<Entry, Error>> {
        Ok(self.submission()?.stat(&path).map(entry).ok_or_else(|| Error::NotFound(format!("no `{path}`"))))
    }

    async fn read(&mut self, path: String) -> wasmtime::Result<Result<Vec<u8>, Error>> {
        let submission = self.submission()?;
        let work = tokio::task::spawn_blocking(move || submission.read_range(&path, 0, u64::MAX));
        Ok(self.timed(work).await?.map_err(error))
    }

    async fn read_range(&mut self, path: String, offset: u64, length: u32) -> wasmtime::Result<Result<Vec<u8>, Error>> {
        let submission = self.submission()?;
        let work = tokio::task::spawn_blocking(move || submission.read_range(&path, offset, length.into()));
        Ok(self.timed(work).await?.map_err(error))
    }
}
