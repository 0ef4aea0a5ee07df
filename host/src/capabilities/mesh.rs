//! `aigc:plugin/mesh`: facts about the model in a dataset item. The host reads the item's files and parses the
//! model off the async workers; the plugin gets only the numbers.

use crate::bindings::mesh::{Bounds, Host, ModelFacts as Facts, TextureInfo};
use crate::bindings::types::Error;
use crate::mesh::{self, Limits, MeshError};
use crate::runtime::HostState;

impl Host for HostState {
    async fn facts(&mut self, id: String) -> wasmtime::Result<Result<Facts, Error>> {
        let dataset = self.ctx.dataset.clone().ok_or_else(|| wasmtime::Error::msg("this run lends no dataset"))?;
        let work = async move {
            tokio::task::spawn_blocking(move || {
                let item = match dataset.get(&id) {
                    Ok(Some(item)) => item,
                    Ok(None) => return Err(Error::NotFound(format!("no item `{id}`"))),
                    Err(e) => return Err(super::store_error(e)),
                };
                if !mesh::is_model_item(&item) {
                    return Err(Error::NotFound(format!("item `{id}` holds no .glb, .gltf, .obj or .zip file")));
                }
                let limits = Limits::default();
                mesh::item_bundle(&dataset, &item, &limits)
                    .and_then(|bundle| mesh::facts(&bundle, &limits))
                    .map(Facts::from)
                    .map_err(to_wit)
            })
            .await
            .unwrap_or_else(|e| Err(Error::Other(format!("reading the model failed: {e}"))))
        };
        Ok(self.timed(work).await)
    }
}

fn to_wit(error: MeshError) -> Error {
    match error {
        MeshError::NoModel(m) => Error::NotFound(m),
        MeshError::Limit(m) => Error::Limit(m),
        MeshError::Store(m) => Error::Other(m),
        // "truncated: ...": the kind leads so a plugin can group on it.
        other => Error::Invalid(format!("{}: {}", other.kind(), detail(&other))),
    }
}

fn detail(error: &MeshError) -> &str {
    match error {
        MeshError::NoModel(m)
        | MeshError::Missing(m)
        | MeshError::Truncated(m)
        | MeshError::Malformed(m)
        | MeshError::Unsupported(m)
        | MeshError::Limit(m)
        | MeshError::Store(m) => m,
    }
}

impl From<mesh::Facts> for Facts {
    fn from(f: mesh::Facts) -> Self {
        let format = serde_json::to_value(f.format).ok().and_then(|v| v.as_str().map(String::from));
        Self {
            format: format.unwrap_or_default(),
            model_file: f.model_file,
            vertices: f.vertices,
            faces: f.faces,
            meshes: f.meshes,
            empty_meshes: f.empty_meshes,
            degenerate_faces: f.degenerate_faces,
            bounds: f
                .bbox_min
                .zip(f.bbox_max)
                .map(|(min, max)| Bounds { min: (min[0], min[1], min[2]), max: (max[0], max[1], max[2]) }),
            surface_area: f.surface_area,
            materials: f.materials,
            textures: f
                .textures
                .into_iter()
                .map(|t| TextureInfo { name: t.name, width: t.width, height: t.height })
                .collect(),
            textured: f.textured,
            vertex_colors: f.vertex_colors,
            animations: f.animations,
            scenes: f.scenes,
            nodes: f.nodes,
            components: f.components,
            largest_component_face_share: f.largest_component_face_share,
            largest_component_area_share: f.largest_component_area_share,
            warnings: f.warnings,
        }
    }
}
