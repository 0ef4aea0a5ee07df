//! Multi-view rendering on the CPU in Zero-1-to-3's conventions: the object normalised to a unit box at the
//! origin (Zero123's `normalize_scene`), cameras from [`camera`], 512x512 RGBA with a transparent background.
//!
//! Shading is deliberately simple and the same for every view: base colour (factor x vertex colour x texture)
//! with Lambert lighting from two lights fixed to the camera plus ambient, so every view is lit. Both sides of
//! every face are drawn, as Cycles (which rendered Zero123's data) draws them; a face seen from behind is lit by
//! its flipped normal. Anti-aliasing is 2x2 supersampling.

pub mod camera;
mod raster;

use std::sync::Arc;

use crate::mesh::{Material, Scene, Texture};
pub use camera::{View, ViewSet, intrinsics, project, random_views, ring_views};

/// Samples per pixel side: 2 gives 4 samples per pixel, smooth edges at a quarter of the speed of none.
pub const SUPERSAMPLE: u32 = 2;

/// Why a model cannot be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    #[error("the model has no faces to render")]
    NoFaces,
    #[error("all the model's vertices are at one point")]
    ZeroSize,
    #[error("image size {0} is outside 16..=4096")]
    Size(u32),
    #[error("cannot encode the PNG: {0}")]
    Encode(String),
}

/// A scene in the renderer's world: Blender axes (+Z up), largest bounding-box side 1, box centred at the origin.
#[derive(Debug, Clone)]
pub struct Normalised {
    pub(crate) primitives: Vec<Prim>,
    /// The bounds after normalising: within [-0.5, 0.5] on every axis, 1 wide on the largest.
    pub bbox: ([f64; 3], [f64; 3]),
    /// `blender = scale * (x, -z, y)_model + offset`.
    pub scale: f64,
    pub offset: [f64; 3],
    pub triangles: usize,
}

#[derive(Debug, Clone)]
pub(crate) struct Prim {
    pub positions: Vec<[f32; 3]>,
    pub normals: Vec<[f32; 3]>,
    pub uvs: Vec<[f32; 2]>,
    pub colors: Vec<[f32; 4]>,
    pub indices: Vec<u32>,
    pub material: Material,
    pub texture: Option<Arc<Texture>>,
}

/// glTF's +Y up to Blender's +Z up, as Blender's glTF importer converts: `(x, y, z) -> (x, -z, y)`.
pub fn to_blender(v: [f32; 3]) -> [f32; 3] {
    [v[0], -v[2], v[1]]
}

impl Normalised {
    pub fn new(scene: &Scene) -> Result<Self, RenderError> {
        let (min, max) = scene.bounds().ok_or(RenderError::NoFaces)?;
        let (min, max) = (to_blender(min), to_blender(max));
        // The axis swap turns min/max of model Z into max/min of Blender -Y.
        let lo: [f64; 3] = std::array::from_fn(|k| f64::from(min[k].min(max[k])));
        let hi: [f64; 3] = std::array::from_fn(|k| f64::from(min[k].max(max[k])));
        let side = (0..3).map(|k| hi[k] - lo[k]).fold(0.0, f64::max);
        if !(side > 0.0 && side.is_finite()) {
            return Err(RenderError::ZeroSize);
        }
        let scale = 1.0 / side;
        let offset: [f64; 3] = std::array::from_fn(|k| -(lo[k] + hi[k]) / 2.0 * scale);
        let place = |v: [f32; 3]| {
            let b = to_blender(v);
            std::array::from_fn(|k| (f64::from(b[k]) * scale + offset[k]) as f32)
        };
        let textures: Vec<Arc<Texture>> = scene.textures.iter().cloned().map(Arc::new).collect();
        let mut triangles = 0;
        let primitives = scene
            .primitives
            .iter()
            .filter(|p| !p.indices.is_empty())
            .map(|p| {
                let material = p.material.and_then(|m| scene.materials.get(m)).cloned().unwrap_or_default();
                let texture = material.texture.and_then(|t| textures.get(t)).filter(|_| !p.uvs.is_empty()).cloned();
                triangles += p.indices.len() / 3;
                Prim {
                    positions: p.positions.iter().map(|&v| place(v)).collect(),
                    normals: p.normals.iter().map(|&n| to_blender(n)).collect(),
                    uvs: p.uvs.clone(),
                    colors: p.colors.clone(),
                    indices: p.indices.clone(),
                    material,
                    texture,
                }
            })
            .collect();
        let bbox =
            (std::array::from_fn(|k| lo[k] * scale + offset[k]), std::array::from_fn(|k| hi[k] * scale + offset[k]));
        Ok(Self { primitives, bbox, scale, offset, triangles })
    }

    /// The eight corners of the normalised bounding box.
    pub fn corners(&self) -> [[f64; 3]; 8] {
        let (lo, hi) = self.bbox;
        std::array::from_fn(|i| {
            [
                if i & 1 == 0 { lo[0] } else { hi[0] },
                if i & 2 == 0 { lo[1] } else { hi[1] },
                if i & 4 == 0 { lo[2] } else { hi[2] },
            ]
        })
    }
}

/// One view as straight-alpha sRGB RGBA8, `size` x `size`, rows top to bottom.
pub fn render(scene: &Normalised, view: &View, size: u32) -> Result<image::RgbaImage, RenderError> {
    if !(16..=4096).contains(&size) {
        return Err(RenderError::Size(size));
    }
    Ok(raster::draw(scene, view, size, SUPERSAMPLE))
}

/// One view as PNG bytes.
pub fn render_png(scene: &Normalised, view: &View, size: u32) -> Result<Vec<u8>, RenderError> {
    let image = render(scene, view, size)?;
    let mut png = Vec::new();
    // Fast compression: renders are written once and a 512x512 view compresses well either way.
    let encoder = image::codecs::png::PngEncoder::new_with_quality(
        &mut png,
        image::codecs::png::CompressionType::Fast,
        image::codecs::png::FilterType::Adaptive,
    );
    image.write_with_encoder(encoder).map_err(|e| RenderError::Encode(e.to_string()))?;
    Ok(png)
}
