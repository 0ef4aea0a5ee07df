//! Multi-view rendering on the CPU in Zero-1-to-3's conventions: the object normalised to a unit box at the
//! origin (Zero123's `normalize_scene`), cameras from [`camera`], 512x512 RGBA with a transparent background.
//!
//! Shading is deliberately simple and the same for every view: base colour (factor x vertex colour x texture)
//! with Lambert lighting from two lights fixed to the camera plus ambient, so every view is lit. Both sides of
//! every face are drawn, as Cycles (which rendered Zero123's data) draws them; a face seen from behind is lit by
//! its flipped normal. Anti-aliasing is 2x2 supersampling.

pub mod camera;
pub mod cost;
mod raster;

use std::sync::Arc;

use crate::budget::Work;
use crate::mesh::{AlphaMode, Material, Scene, Texture};
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
    /// The host-work budget refused or gave up the view; the message says which limit.
    #[error("{0}")]
    Limit(String),
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
    pub vertices: usize,
    /// Vertices of the largest primitive (a view holds them in the camera's frame while it draws it).
    pub largest_primitive: usize,
    /// The extents of the triangles, for the bound on what drawing them touches ([`cost`]); those of alpha-tested
    /// materials apart, since they look up their colour for every sample.
    pub extents: cost::Extents,
    pub alpha_extents: cost::Extents,
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
        let (mut triangles, mut vertices, mut largest_primitive) = (0, 0, 0);
        let (mut extents, mut alpha_extents) = (cost::Extents::default(), cost::Extents::default());
        let primitives = scene
            .primitives
            .iter()
            .filter(|p| !p.indices.is_empty())
            .map(|p| {
                let material = p.material.and_then(|m| scene.materials.get(m)).cloned().unwrap_or_default();
                let texture = material.texture.and_then(|t| textures.get(t)).filter(|_| !p.uvs.is_empty()).cloned();
                triangles += p.indices.len() / 3;
                vertices += p.positions.len();
                largest_primitive = largest_primitive.max(p.positions.len());
                let positions: Vec<[f32; 3]> = p.positions.iter().map(|&v| place(v)).collect();
                let sums = if material.alpha == AlphaMode::Opaque { &mut extents } else { &mut alpha_extents };
                for t in p.indices.chunks_exact(3) {
                    sums.add(extent([t[0], t[1], t[2]].map(|i| positions[i as usize])));
                }
                Prim {
                    positions,
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
        Ok(Self { primitives, bbox, scale, offset, triangles, vertices, largest_primitive, extents, alpha_extents })
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

/// The diagonal of a triangle's bounding box.
fn extent(corners: [[f32; 3]; 3]) -> f64 {
    (0..3)
        .map(|k| {
            let values = corners.map(|c| f64::from(c[k]));
            let span = values.iter().copied().fold(f64::NEG_INFINITY, f64::max)
                - values.iter().copied().fold(f64::INFINITY, f64::min);
            span * span
        })
        .sum::<f64>()
        .sqrt()
}

/// One view as straight-alpha sRGB RGBA8, `size` x `size`, rows top to bottom.
pub fn render(scene: &Normalised, view: &View, size: u32) -> Result<image::RgbaImage, RenderError> {
    draw(scene, view, size, &|| false)?.ok_or_else(|| RenderError::Limit("stopped".into()))
}

/// [`render`] as metered host work: given up (with `work`'s time-limit error) once `work` is.
pub fn render_with(scene: &Normalised, view: &View, size: u32, work: &Work) -> Result<image::RgbaImage, RenderError> {
    let stopped = || work.check().is_err();
    draw(scene, view, size, &stopped)?
        .ok_or_else(|| RenderError::Limit(work.check().err().map_or_else(|| "stopped".into(), |e| e.to_string())))
}

fn draw(
    scene: &Normalised,
    view: &View,
    size: u32,
    stopped: &dyn Fn() -> bool,
) -> Result<Option<image::RgbaImage>, RenderError> {
    if !(16..=4096).contains(&size) {
        return Err(RenderError::Size(size));
    }
    Ok(raster::draw(scene, view, size, SUPERSAMPLE, stopped))
}

/// One view as PNG bytes.
pub fn render_png(scene: &Normalised, view: &View, size: u32) -> Result<Vec<u8>, RenderError> {
    encode_png(&render(scene, view, size)?)
}

/// [`render_png`] as metered host work (see [`render_with`]).
pub fn render_png_with(scene: &Normalised, view: &View, size: u32, work: &Work) -> Result<Vec<u8>, RenderError> {
    encode_png(&render_with(scene, view, size, work)?)
}

fn encode_png(image: &image::RgbaImage) -> Result<Vec<u8>, RenderError> {
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
