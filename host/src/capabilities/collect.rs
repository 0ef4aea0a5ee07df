//! `aigc:plugin/collect`: durable, idempotent puts and small per-plugin crawl state.
//!
//! A plugin's items may not use the source keys the host reserves for its own items ([`store::HOST_KEY_PREFIXES`]:
//! renders, imports): such a put is refused with `denied` before anything is stored, so a crawler cannot ship its
//! own PNGs as renders. The host's own writers (`render`, `dataset import`) call the store directly.

use std::sync::atomic::Ordering;

use crate::bindings::collect::{Host, NewItem, PutResult};
use crate::bindings::types::Error;
use crate::runtime::HostState;
use crate::store;

/// Largest crawl-state value.
const STATE_VALUE_CAP: usize = 64 << 10;
/// Largest crawl-state key.
const STATE_KEY_CAP: usize = 256;

impl Host for HostState {
    async fn put(&mut self, item: NewItem) -> wasmtime::Result<Result<PutResult, Error>> {
        let dataset = self.dataset_for_collect()?;
        if let Some(refusal) = reserved(&item.source_key) {
            return Ok(Err(refusal));
        }
        let run = self.ctx.run_id;
        let new = convert(item);
        // Blob writes fsync; keep them off the async workers.
        let outcome =
            self.timed(async { tokio::task::spawn_blocking(move || dataset.put_item(run, &new)).await }).await?;
        Ok(self.put_result(outcome))
    }

    async fn put_many(&mut self, items: Vec<NewItem>) -> wasmtime::Result<Vec<Result<PutResult, Error>>> {
        if items.len() > PUT_MANY_CAP {
            return Err(wasmtime::Error::msg(format!(
                "put-many was given {} items; the limit is {PUT_MANY_CAP} per call",
                items.len()
            )));
        }
        let dataset = self.dataset_for_collect()?;
        let run = self.ctx.run_id;
        // An item under a reserved key gets its refusal in its place; the others are stored together.
        let refusals: Vec<Option<Error>> = items.iter().map(|item| reserved(&item.source_key)).collect();
        let new: Vec<store::NewItem> = items
            .into_iter()
            .zip(&refusals)
            .filter(|(_, refusal)| refusal.is_none())
            .map(|(item, _)| convert(item))
            .collect();
        let outcomes = if new.is_empty() {
            Ok(Vec::new())
        } else {
            self.timed(async { tokio::task::spawn_blocking(move || dataset.put_items(run, &new)).await }).await?
        };
        let outcomes = match outcomes {
            Ok(outcomes) => outcomes,
            Err(e) => return Ok(vec![Err(super::store_error(e))]),
        };
        let mut stored = outcomes.into_iter();
        Ok(refusals
            .into_iter()
            .map(|refusal| match refusal {
                Some(refusal) => Err(refusal),
                None => match stored.next() {
                    Some(outcome) => self.put_result(outcome),
                    None => Err(Error::Other("the store returned fewer outcomes than items".into())),
                },
            })
            .collect())
    }

    async fn state_get(&mut self, key: String) -> wasmtime::Result<Option<String>> {
        let dataset = self.dataset_for_collect()?;
        dataset.state_get(&self.ctx.plugin.name, &key).map_err(|e| wasmtime::Error::msg(e.to_string()))
    }

    async fn state_set(&mut self, key: String, value: String) -> wasmtime::Result<Result<(), Error>> {
        if key.len() > STATE_KEY_CAP || value.len() > STATE_VALUE_CAP {
            return Ok(Err(Error::Limit(format!(
                "crawl state keys are at most {STATE_KEY_CAP} bytes and values {} KiB",
                STATE_VALUE_CAP >> 10
            ))));
        }
        let dataset = self.dataset_for_collect()?;
        let plugin = self.ctx.plugin.name.clone();
        let result = self
            .timed(async { tokio::task::spawn_blocking(move || dataset.state_set(&plugin, &key, &value)).await })
            .await?;
        Ok(result.map_err(super::store_error))
    }
}

/// Most items one `put-many` call may carry.
const PUT_MANY_CAP: usize = 1000;

fn convert(item: NewItem) -> store::NewItem {
    store::NewItem {
        source_key: item.source_key,
        category: item.category,
        title: item.title,
        provenance: item.provenance.into(),
        metadata: item.metadata,
        files: item
            .files
            .into_iter()
            .map(|f| store::NewFile { name: f.name, media_type: f.media_type, data: f.data })
            .collect(),
        parent: item.parent,
    }
}

/// The refusal of a put under a source key the host reserves for itself, if `key` is one.
fn reserved(key: &str) -> Option<Error> {
    store::is_host_key(key).map(|prefix| {
        Error::Denied(format!(
            "source keys starting with `{prefix}` are reserved for items aigc-host makes itself (the reserved \
             prefixes are {}); choose another key, e.g. one that starts with your plugin's name",
            store::HOST_KEY_PREFIXES.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", ")
        ))
    })
}

impl HostState {
    /// A store outcome as the plugin sees it, counted in the run's summary.
    fn put_result(&self, outcome: store::Result<store::PutOutcome>) -> Result<PutResult, Error> {
        match outcome {
            Ok(put) => {
                let counter =
                    if put.created { &self.ctx.counters.items_added } else { &self.ctx.counters.items_skipped };
                counter.fetch_add(1, Ordering::Relaxed);
                Ok(PutResult { id: put.id, created: put.created })
            }
            Err(e @ store::StoreError::Invalid { .. }) => Err(Error::Invalid(e.to_string())),
            Err(e) => Err(super::store_error(e)),
        }
    }

    fn dataset_for_collect(&self) -> wasmtime::Result<std::sync::Arc<store::Dataset>> {
        self.ctx.dataset.clone().ok_or_else(|| wasmtime::Error::msg("this run lends no dataset"))
    }
}
