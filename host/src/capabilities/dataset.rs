//! `aigc:plugin/dataset`: a read-only view of the run's dataset.

use crate::bindings::dataset::{FileInfo, Host, Item, Provenance};
use crate::bindings::types::Error;
use crate::runtime::HostState;
use crate::store;

/// Most items one `items` call returns, whatever the plugin asks.
const PAGE_CAP: u32 = 1000;

impl HostState {
    fn dataset(&self) -> wasmtime::Result<&std::sync::Arc<store::Dataset>> {
        self.ctx.dataset.as_ref().ok_or_else(|| wasmtime::Error::msg("this run lends no dataset"))
    }
}

impl Host for HostState {
    async fn get(&mut self, id: String) -> wasmtime::Result<Result<Item, Error>> {
        let dataset = self.dataset()?.clone();
        Ok(match dataset.get(&id) {
            Ok(Some(item)) => Ok(item.into()),
            Ok(None) => Err(Error::NotFound(format!("no item `{id}`"))),
            Err(e) => Err(super::store_error(e)),
        })
    }

    async fn read_file(&mut self, id: String, name: String) -> wasmtime::Result<Result<Vec<u8>, Error>> {
        let dataset = self.dataset()?.clone();
        let result = self
            .timed(async {
                tokio::task::spawn_blocking(move || dataset.read_file(&id, &name).map(|d| (d, id, name))).await
            })
            .await?;
        Ok(match result {
            Ok((Some(bytes), _, _)) => Ok(bytes),
            Ok((None, id, name)) => Err(Error::NotFound(format!("item `{id}` has no file `{name}`"))),
            Err(e) => Err(super::store_error(e)),
        })
    }

    async fn items(
        &mut self,
        category: Option<String>,
        after: Option<String>,
        limit: u32,
    ) -> wasmtime::Result<Vec<Item>> {
        let dataset = self.dataset()?.clone();
        let items = dataset
            .items(category.as_deref(), after.as_deref(), limit.min(PAGE_CAP))
            .map_err(|e| wasmtime::Error::msg(e.to_string()))?;
        Ok(items.into_iter().map(Item::from).collect())
    }

    async fn seen(&mut self, source_key: String) -> wasmtime::Result<Option<String>> {
        let dataset = self.dataset()?.clone();
        dataset.seen(&source_key).map_err(|e| wasmtime::Error::msg(e.to_string()))
    }
}

impl From<store::Provenance> for Provenance {
    fn from(p: store::Provenance) -> Self {
        Self {
            source_url: p.source_url,
            licence: p.licence,
            licence_url: p.licence_url,
            author: p.author,
            author_url: p.author_url,
        }
    }
}

impl From<Provenance> for store::Provenance {
    fn from(p: Provenance) -> Self {
        Self {
            source_url: p.source_url,
            licence: p.licence,
            licence_url: p.licence_url,
            author: p.author,
            author_url: p.author_url,
        }
    }
}

impl From<store::Item> for Item {
    fn from(item: store::Item) -> Self {
        Self {
            id: item.id,
            source_key: item.source_key,
            category: item.category,
            title: item.title,
            provenance: item.provenance.into(),
            metadata: item.metadata,
            files: item
                .files
                .into_iter()
                .map(|f| FileInfo { name: f.name, media_type: f.media_type, size: f.size, sha256: f.sha256 })
                .collect(),
            parent: item.parent,
        }
    }
}
