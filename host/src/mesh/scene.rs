//! A model flattened into triangles in world space (node transforms applied), with the materials and decoded base
//! colour textures the renderer needs. Coordinates keep the file's axes: glTF and OBJ are both +Y up.

use std::sync::Arc;

use super::Format;

/// One model, ready to measure and render.
#[derive(Debug, Clone)]
pub struct Scene {
    pub format: Format,
    /// The model file's path inside the item or archive.
    pub model_path: String,
    pub primitives: Vec<Primitive>,
    pub materials: Vec<Material>,
    /// Base colour textures, decoded; materials index into this.
    pub textures: Vec<Texture>,
    /// What the file declares, whether or not it is drawn.
    pub declared: Declared,
}

/// Counts from the file itself, for facts: things the renderer does not draw still say something about the model.
#[derive(Debug, Clone, Default)]
pub struct Declared {
    pub scenes: usize,
    pub nodes: usize,
    pub animations: usize,
    pub meshes: usize,
    /// Every image the file declares, as (name, width, height); 0x0 when it could not be read.
    pub images: Vec<(String, u32, u32)>,
    /// Primitives that are points or lines, which have no faces and are not drawn.
    pub skipped_primitives: usize,
    /// Problems that did not stop loading (an unreadable texture, a missing MTL), for people.
    pub warnings: Vec<String>,
}

/// Triangles sharing one material. Attribute vectors are empty when the file has none, else one per position.
#[derive(Debug, Clone, Default)]
pub struct Primitive {
    pub positions: Vec<[f32; 3]>,
    pub normals: Vec<[f32; 3]>,
    pub uvs: Vec<[f32; 2]>,
    /// Linear RGBA vertex colours.
    pub colors: Vec<[f32; 4]>,
    /// Three per triangle, counter-clockwise seen from the front; all below `positions.len()`.
    pub indices: Vec<u32>,
    pub material: Option<usize>,
}

/// How a material's alpha is used.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AlphaMode {
    Opaque,
    /// Pixels below the cutoff are not drawn.
    Mask(f32),
    /// Drawn with the alpha as coverage.
    Blend,
}

/// The parts of a material the renderer uses.
#[derive(Debug, Clone)]
pub struct Material {
    pub name: Option<String>,
    /// Linear RGBA multiplier.
    pub base_color: [f32; 4],
    /// Index into [`Scene::textures`].
    pub texture: Option<usize>,
    pub double_sided: bool,
    pub alpha: AlphaMode,
}

impl Default for Material {
    fn default() -> Self {
        Self {
            name: None,
            base_color: [0.8, 0.8, 0.8, 1.0],
            texture: None,
            double_sided: false,
            alpha: AlphaMode::Opaque,
        }
    }
}

/// How texture coordinates outside [0, 1] are mapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wrap {
    Repeat,
    Clamp,
    Mirror,
}

/// A decoded texture with its sampler's wrap modes. Pixels are sRGB RGBA8, rows top to bottom.
#[derive(Debug, Clone)]
pub struct Texture {
    pub width: u32,
    pub height: u32,
    pub rgba: Arc<Vec<u8>>,
    pub wrap_s: Wrap,
    pub wrap_t: Wrap,
}

impl Scene {
    pub fn vertex_count(&self) -> usize {
        self.primitives.iter().map(|p| p.positions.len()).sum()
    }

    pub fn face_count(&self) -> usize {
        self.primitives.iter().map(|p| p.indices.len() / 3).sum()
    }

    /// The axis-aligned bounds of every vertex that belongs to a face, or None when there are no faces.
    pub fn bounds(&self) -> Option<([f32; 3], [f32; 3])> {
        let mut min = [f32::INFINITY; 3];
        let mut max = [f32::NEG_INFINITY; 3];
        let mut any = false;
        for p in &self.primitives {
            for &i in &p.indices {
                let v = p.positions[i as usize];
                for k in 0..3 {
                    min[k] = min[k].min(v[k]);
                    max[k] = max[k].max(v[k]);
                }
                any = true;
            }
        }
        any.then_some((min, max))
    }
}
