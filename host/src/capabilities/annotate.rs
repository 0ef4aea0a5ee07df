//! `aigc:plugin/annotate`: annotations stored beside items, attributed to the plugin that wrote them.

use crate::bindings::annotate::{Annotation, Host};
use crate::bindings::types::Error;
use crate::runtime::HostState;
use crate::store;

impl Host for HostState {
    async fn put(
        &mut self,
        item: String,
        key: String,
        value: String,
        score: Option<f64>,
    ) -> wasmtime::Result<Result<(), Error>> {
        let dataset = self.ctx.dataset.clone().ok_or_else(|| wasmtime::Error::msg("this run lends no dataset"))?;
        let annotation = store::Annotation { key, value, score, plugin: self.ctx.plugin.name.clone() };
        let run = self.ctx.run_id;
        let work = tokio::task::spawn_blocking(move || dataset.put_annotation(&item, &annotation, run));
        Ok(self.timed(work).await?.map_err(|e| match e {
            e @ store::StoreError::Invalid { .. } => Error::Invalid(e.to_string()),
            e => super::store_error(e),
        }))
    }

    async fn get(&mut self, item: String, key: String) -> wasmtime::Result<Vec<Annotation>> {
        let dataset = self.ctx.dataset.clone().ok_or_else(|| wasmtime::Error::msg("this run lends no dataset"))?;
        let found = dataset.annotations(&item, Some(&key)).map_err(|e| wasmtime::Error::msg(e.to_string()))?;
        Ok(found
            .into_iter()
            .map(|a| Annotation { key: a.key, value: a.value, score: a.score, plugin: a.plugin })
            .collect())
    }
}
