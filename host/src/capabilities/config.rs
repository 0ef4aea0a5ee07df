//! `aigc:plugin/config`: the resolved configuration, read-only.

use crate::bindings::config::Host;
use crate::runtime::HostState;

impl Host for HostState {
    async fn get(&mut self, key: String) -> wasmtime::Result<Option<String>> {
        Ok(self.ctx.config.get(&key).cloned())
    }

    async fn get_all(&mut self) -> wasmtime::Result<Vec<(String, String)>> {
        Ok(self.ctx.config.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
    }
}
