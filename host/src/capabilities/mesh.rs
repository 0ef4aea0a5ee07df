//! `aigc:plugin/mesh`: facts about the model in a dataset item. The host reads the item's files and parses the
//! model as metered host work ([`HostState::host_work`]): reading, parsing, decoding textures and measuring are
//! each estimated from the model's headers and charged before they run (see [`crate::mesh`]), so a model that
//! declares more than a host call may do gets a `limit` error, and the plugin only ever gets the numbers.

use crate::bindings::mesh::{Bounds, Host, ModelFacts as Facts, TextureInfo};
use crate::bindings::types::Error;
use crate::budget::{Work, WorkError};
use crate::mesh::{self, Limits, MeshError};
use crate::runtime::HostState;
use crate::store::Dataset;

/// Most characters of a plugin-given item id repeated in a message.
const SHOWN_ID: usize = 120;

impl Host for HostState {
    async fn facts(&mut self, id: String) -> wasmtime::Result<Result<Facts, Error>> {
        let dataset = self.ctx.dataset.clone().ok_or_else(|| wasmtime::Error::msg("this run lends no dataset"))?;
        let shown: String = id.chars().take(SHOWN_ID).collect();
        let outcome =
            self.host_work(format!("the model of item `{shown}`"), move |work| measure(&dataset, &id, work)).await?;
        Ok(outcome.map(Facts::from).map_err(Failure::into_wit))
    }
}

/// Why `mesh.facts` gave no facts.
enum Failure {
    NoItem(String),
    Store(crate::store::StoreError),
    Mesh(MeshError),
}

impl From<WorkError> for Failure {
    fn from(error: WorkError) -> Self {
        Self::Mesh(MeshError::from(error))
    }
}

impl From<MeshError> for Failure {
    fn from(error: MeshError) -> Self {
        Self::Mesh(error)
    }
}

impl Failure {
    fn into_wit(self) -> Error {
        match self {
            Self::NoItem(m) => Error::NotFound(m),
            Self::Store(e) => super::store_error(e),
            Self::Mesh(e) => to_wit(e),
        }
    }
}

/// The facts of item `id`'s model, every stage charged to `work`.
fn measure(dataset: &Dataset, id: &str, work: &mut Work) -> Result<mesh::Facts, Failure> {
    let item = match dataset.get(id) {
        Ok(Some(item)) => item,
        Ok(None) => return Err(Failure::NoItem(format!("no item `{id}`"))),
        Err(e) => return Err(Failure::Store(e)),
    };
    if !mesh::is_model_item(&item) {
        return Err(Failure::NoItem(format!("item `{id}` holds no .glb, .gltf, .obj or .zip file")));
    }
    let limits = Limits::default();
    let bundle = mesh::item_bundle_with(dataset, &item, &limits, work)?;
    work.check()?;
    Ok(mesh::facts_with(&bundle, &limits, work)?)
}

fn to_wit(error: MeshError) -> Error {
    match error {
        MeshError::NoModel(m) => Error::NotFound(m),
        MeshError::Limit(m) => Error::Limit(m),
        MeshError::Store(m) => Error::Other(m),
        // "truncated: ...": the kind leads so a plugin can group on it.
        other => Error::Invalid(format!("{}: {}", other.kind(), other.message())),
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
