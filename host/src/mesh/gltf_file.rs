//! glTF 2.0 (`.gltf` with its buffers and images, or `.glb`) into a [`Scene`]. The `gltf` crate parses and
//! validates the JSON; buffers and images are fetched here, from the bundle or `data:` URIs only.

use std::collections::HashMap;
use std::io::Cursor;
use std::sync::Arc;

use base64::Engine;
use gltf::accessor::{DataType, Dimensions};
use gltf::mesh::{Mode, Semantic};
use gltf::texture::WrappingMode;

use super::bundle::{Budget, Bundle};
use super::scene::{AlphaMode, Declared, Material, Primitive, Scene, Texture, Wrap};
use super::{Format, Limits, MeshError};

/// Extensions a file may require that change nothing this host reads (or that it reads).
const UNDERSTOOD: &[&str] = &[
    "KHR_materials_pbrSpecularGlossiness",
    "KHR_materials_emissive_strength",
    "KHR_materials_ior",
    "KHR_materials_specular",
    "KHR_materials_transmission",
    "KHR_materials_unlit",
    "KHR_materials_volume",
    "KHR_materials_clearcoat",
    "KHR_materials_sheen",
    "KHR_texture_transform",
    "KHR_lights_punctual",
];

type Mat4 = [[f32; 4]; 4];

const IDENTITY: Mat4 = [[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]];

/// Deepest node hierarchy followed; deeper (or cyclic) hierarchies are malformed.
const MAX_DEPTH: usize = 256;

pub(super) fn load(bundle: &Bundle, path: &str, format: Format, limits: &Limits) -> Result<Scene, MeshError> {
    let budget = Budget::new(bundle);
    let bytes = budget.read(path)?;
    let format = if bytes.starts_with(b"glTF") { Format::Glb } else { format };
    if format == Format::Glb {
        check_glb_header(&bytes, path)?;
    }
    let gltf = gltf::Gltf::from_slice(&bytes).map_err(|e| classify(e, path))?;
    drop(bytes);
    let gltf::Gltf { document, blob } = gltf;
    if let Some(ext) = document.extensions_required().find(|e| !UNDERSTOOD.contains(e)) {
        return Err(MeshError::Unsupported(format!("`{path}` requires the extension {ext}")));
    }

    let mut blob = blob;
    let mut buffers = Vec::new();
    for buffer in document.buffers() {
        let data = match buffer.source() {
            gltf::buffer::Source::Bin => blob.take().ok_or_else(|| {
                MeshError::Missing(format!("`{path}` refers to its binary chunk, but the file has none"))
            })?,
            gltf::buffer::Source::Uri(uri) => fetch(&budget, path, uri)?,
        };
        if data.len() < buffer.length() {
            return Err(MeshError::Truncated(format!(
                "buffer {} of `{path}` has {} bytes but declares {}",
                buffer.index(),
                data.len(),
                buffer.length()
            )));
        }
        buffers.push(data);
    }

    let mut declared = Declared {
        scenes: document.scenes().len(),
        nodes: document.nodes().len(),
        animations: document.animations().len(),
        meshes: document.meshes().len(),
        ..Declared::default()
    };
    let images: Vec<Option<Vec<u8>>> = document
        .images()
        .map(|image| {
            let name = image.name().map(String::from).unwrap_or_else(|| format!("image {}", image.index()));
            let bytes = match image.source() {
                gltf::image::Source::View { view, .. } => buffers
                    .get(view.buffer().index())
                    .and_then(|b| b.get(view.offset()..view.offset() + view.length()))
                    .map(<[u8]>::to_vec)
                    .ok_or_else(|| MeshError::Truncated(format!("{name} lies outside its buffer"))),
                gltf::image::Source::Uri { uri, .. } => fetch(&budget, path, uri),
            };
            match bytes {
                Ok(bytes) => {
                    let (w, h) = dimensions(&bytes).unwrap_or((0, 0));
                    declared.images.push((name, w, h));
                    Some(bytes)
                }
                Err(e) => {
                    declared.images.push((name, 0, 0));
                    declared.warnings.push(e.to_string());
                    None
                }
            }
        })
        .collect();

    // Only base colour textures are decoded: they are all the renderer shows.
    let mut textures = Vec::new();
    let mut texture_slots: HashMap<usize, Option<usize>> = HashMap::new();
    let mut materials = Vec::new();
    let mut uv_sets = Vec::new();
    for material in document.materials() {
        let pbr = material.pbr_metallic_roughness();
        // Older Sketchfab and Substance exports use the specular-glossiness extension: its diffuse is the colour.
        let (base_color, info) = match material.pbr_specular_glossiness() {
            Some(sg) if pbr.base_color_texture().is_none() => (sg.diffuse_factor(), sg.diffuse_texture()),
            _ => (pbr.base_color_factor(), pbr.base_color_texture()),
        };
        let texture = info.as_ref().and_then(|info| {
            let texture = info.texture();
            *texture_slots.entry(texture.index()).or_insert_with(|| {
                let source = texture.source().index();
                let decoded = images.get(source).and_then(Option::as_ref).map(|bytes| decode(bytes, limits));
                match decoded {
                    Some(Ok((width, height, rgba))) => {
                        let sampler = texture.sampler();
                        textures.push(Texture {
                            width,
                            height,
                            rgba: Arc::new(rgba),
                            wrap_s: wrap(sampler.wrap_s()),
                            wrap_t: wrap(sampler.wrap_t()),
                        });
                        Some(textures.len() - 1)
                    }
                    Some(Err(e)) => {
                        declared.warnings.push(format!("texture {} of `{path}`: {e}", texture.index()));
                        None
                    }
                    None => None,
                }
            })
        });
        uv_sets.push(info.map(|i| i.tex_coord()).unwrap_or(0));
        materials.push(Material {
            name: material.name().map(String::from),
            base_color,
            texture,
            double_sided: material.double_sided(),
            alpha: match material.alpha_mode() {
                gltf::material::AlphaMode::Opaque => AlphaMode::Opaque,
                gltf::material::AlphaMode::Mask => AlphaMode::Mask(material.alpha_cutoff().unwrap_or(0.5)),
                gltf::material::AlphaMode::Blend => AlphaMode::Blend,
            },
        });
    }

    // The default scene, else the first; a file with no scenes shows every root node, as Blender's importer does.
    let roots: Vec<gltf::Node> = match document.default_scene().or_else(|| document.scenes().next()) {
        Some(scene) => scene.nodes().collect(),
        None => {
            let children: std::collections::HashSet<usize> =
                document.nodes().flat_map(|n| n.children().map(|c| c.index()).collect::<Vec<_>>()).collect();
            document.nodes().filter(|n| !children.contains(&n.index())).collect()
        }
    };
    let mut reader = Reader { path, buffers: &buffers, limits, uv_sets: &uv_sets, vertices: 0, faces: 0 };
    let mut primitives = Vec::new();
    let mut stack: Vec<(gltf::Node, Mat4, usize)> = roots.into_iter().map(|n| (n, IDENTITY, 0)).collect();
    while let Some((node, parent, depth)) = stack.pop() {
        if depth > MAX_DEPTH {
            return Err(MeshError::Malformed(format!("the node hierarchy of `{path}` is deeper than {MAX_DEPTH}")));
        }
        let world = mul(&parent, &node.transform().matrix());
        if let Some(mesh) = node.mesh() {
            for primitive in mesh.primitives() {
                match reader.primitive(&primitive, &world)? {
                    Some(p) => primitives.push(p),
                    None => declared.skipped_primitives += 1,
                }
            }
        }
        stack.extend(node.children().map(|child| (child, world, depth + 1)));
    }
    if primitives.is_empty() && declared.skipped_primitives > 0 {
        return Err(MeshError::Unsupported(format!(
            "`{path}` has only point or line primitives ({}), no triangles",
            declared.skipped_primitives
        )));
    }
    Ok(Scene { format, model_path: path.to_string(), primitives, materials, textures, declared })
}

/// Catches what `gltf` would misreport: a GLB cut short reads as "bad chunk" otherwise.
fn check_glb_header(bytes: &[u8], path: &str) -> Result<(), MeshError> {
    let Some(length) = bytes.get(8..12) else {
        return Err(MeshError::Truncated(format!("`{path}` has {} bytes, fewer than a GLB header", bytes.len())));
    };
    let declared = u32::from_le_bytes([length[0], length[1], length[2], length[3]]) as usize;
    if declared > bytes.len() {
        return Err(MeshError::Truncated(format!("`{path}` has {} bytes but its header says {declared}", bytes.len())));
    }
    Ok(())
}

fn classify(error: gltf::Error, path: &str) -> MeshError {
    match error {
        gltf::Error::Binary(e) => MeshError::Malformed(format!("`{path}` is not a valid GLB ({e})")),
        gltf::Error::Deserialize(e) => MeshError::Malformed(format!("`{path}` is not valid glTF JSON ({e})")),
        gltf::Error::Validation(errors) => {
            // A required extension the parser does not know (Draco, meshopt, KTX2 textures) is not a broken file.
            if let Some((at, _)) = errors.iter().find(|(at, _)| at.as_str().starts_with("extensionsRequired")) {
                return MeshError::Unsupported(format!(
                    "`{path}` requires an extension this host does not read ({at})"
                ));
            }
            let first: Vec<String> = errors.iter().take(3).map(|(at, e)| format!("{at}: {e}")).collect();
            MeshError::Malformed(format!("`{path}` fails glTF validation ({})", first.join("; ")))
        }
        other => MeshError::Malformed(format!("`{path}`: {other}")),
    }
}

/// The bytes a buffer or image URI names: a `data:` URI, or a file of the bundle relative to the model.
fn fetch(budget: &Budget, from: &str, uri: &str) -> Result<Vec<u8>, MeshError> {
    if let Some(rest) = uri.strip_prefix("data:") {
        let (header, data) =
            rest.split_once(',').ok_or_else(|| MeshError::Malformed(format!("a data URI in `{from}` has no comma")))?;
        if !header.ends_with(";base64") {
            return Ok(super::bundle::percent_decode(data).into_bytes());
        }
        return base64::engine::general_purpose::STANDARD
            .decode(data.trim())
            .map_err(|e| MeshError::Malformed(format!("a base64 data URI in `{from}` does not decode ({e})")));
    }
    let path = budget.bundle.resolve(from, uri)?;
    budget.read(&path)
}

fn wrap(mode: WrappingMode) -> Wrap {
    match mode {
        WrappingMode::ClampToEdge => Wrap::Clamp,
        WrappingMode::MirroredRepeat => Wrap::Mirror,
        WrappingMode::Repeat => Wrap::Repeat,
    }
}

/// Width and height from an image header, without decoding it.
pub(super) fn dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    image::ImageReader::new(Cursor::new(bytes)).with_guessed_format().ok()?.into_dimensions().ok()
}

/// RGBA8 pixels of an encoded image, downscaled to the cap on a side.
pub(super) fn decode(bytes: &[u8], limits: &Limits) -> Result<(u32, u32, Vec<u8>), String> {
    let reader = image::ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|e| e.to_string())?;
    let (w, h) = dimensions(bytes).ok_or("unknown or unreadable image format")?;
    if u64::from(w) * u64::from(h) > limits.texture_pixels {
        return Err(format!("{w}x{h} is more than the {} pixel limit; not decoded", limits.texture_pixels));
    }
    let mut image_limits = image::Limits::default();
    image_limits.max_alloc = Some(limits.texture_pixels * 8);
    let mut reader = reader;
    reader.limits(image_limits);
    let mut rgba = reader.decode().map_err(|e| e.to_string())?.into_rgba8();
    let side = limits.texture_side.max(1);
    if rgba.width() > side || rgba.height() > side {
        let scale = f64::from(side) / f64::from(rgba.width().max(rgba.height()));
        let nw = ((f64::from(rgba.width()) * scale).round() as u32).max(1);
        let nh = ((f64::from(rgba.height()) * scale).round() as u32).max(1);
        rgba = image::imageops::thumbnail(&rgba, nw, nh);
    }
    Ok((rgba.width(), rgba.height(), rgba.into_raw()))
}

fn mul(a: &Mat4, b: &Mat4) -> Mat4 {
    // Column-major, as glTF stores them: m[column][row].
    let mut out = [[0.0; 4]; 4];
    for (c, column) in out.iter_mut().enumerate() {
        for (r, cell) in column.iter_mut().enumerate() {
            *cell = (0..4).map(|k| a[k][r] * b[c][k]).sum();
        }
    }
    out
}

/// Reads primitives, counting vertices and faces against the caps.
struct Reader<'a> {
    path: &'a str,
    buffers: &'a [Vec<u8>],
    limits: &'a Limits,
    uv_sets: &'a [u32],
    vertices: usize,
    faces: usize,
}

impl Reader<'_> {
    /// The primitive's triangles in world space; None for points and lines.
    fn primitive(&mut self, primitive: &gltf::Primitive, world: &Mat4) -> Result<Option<Primitive>, MeshError> {
        let path = self.path;
        let mode = primitive.mode();
        if matches!(mode, Mode::Points | Mode::Lines | Mode::LineLoop | Mode::LineStrip) {
            return Ok(None);
        }
        let Some(accessor) = primitive.get(&Semantic::Positions) else {
            return Err(MeshError::Malformed(format!("a primitive of `{path}` has no POSITION attribute")));
        };
        if accessor.data_type() != DataType::F32 || accessor.dimensions() != Dimensions::Vec3 {
            return Err(MeshError::Unsupported(format!(
                "`{path}` stores positions as {:?} {:?} (quantized); only float VEC3 is read",
                accessor.data_type(),
                accessor.dimensions()
            )));
        }
        let count = accessor.count();
        self.vertices += count;
        if self.vertices > self.limits.vertices {
            return Err(MeshError::Limit(format!("more than {} vertices", self.limits.vertices)));
        }
        let buffers = self.buffers;
        let reader = primitive.reader(|b| buffers.get(b.index()).map(Vec::as_slice));
        let outside = |what: &str| {
            MeshError::Truncated(format!("the {what} of a primitive of `{path}` lie outside their buffer"))
        };
        let mut positions: Vec<[f32; 3]> = reader.read_positions().ok_or_else(|| outside("positions"))?.collect();
        if positions.len() != count {
            return Err(outside("positions"));
        }
        if positions.iter().flatten().any(|v| !v.is_finite()) {
            return Err(MeshError::Malformed(format!("`{path}` has a vertex position that is not a finite number")));
        }
        let indices: Vec<u32> = match reader.read_indices() {
            Some(read) => read.into_u32().collect(),
            None if primitive.indices().is_some() => return Err(outside("indices")),
            None => (0..count as u32).collect(),
        };
        if let Some(bad) = indices.iter().find(|&&i| i as usize >= count) {
            return Err(MeshError::Malformed(format!(
                "a primitive of `{path}` has index {bad}, but only {count} vertices"
            )));
        }
        let mut triangles = triangulate(mode, &indices);
        self.faces += triangles.len() / 3;
        if self.faces > self.limits.faces {
            return Err(MeshError::Limit(format!("more than {} faces", self.limits.faces)));
        }

        let valid = |n: usize| n == count;
        let mut normals: Vec<[f32; 3]> = reader.read_normals().map(|r| r.collect()).unwrap_or_default();
        if !valid(normals.len()) {
            normals.clear();
        }
        let material = primitive.material().index();
        let set = material.and_then(|m| self.uv_sets.get(m)).copied().unwrap_or(0);
        let mut uvs: Vec<[f32; 2]> = reader.read_tex_coords(set).map(|r| r.into_f32().collect()).unwrap_or_default();
        if !valid(uvs.len()) {
            uvs.clear();
        }
        let mut colors: Vec<[f32; 4]> = reader.read_colors(0).map(|r| r.into_rgba_f32().collect()).unwrap_or_default();
        if !valid(colors.len()) {
            colors.clear();
        }

        for p in &mut positions {
            let v = *p;
            *p = std::array::from_fn(|r| world[0][r] * v[0] + world[1][r] * v[1] + world[2][r] * v[2] + world[3][r]);
        }
        let linear = [
            [world[0][0], world[0][1], world[0][2]],
            [world[1][0], world[1][1], world[1][2]],
            [world[2][0], world[2][1], world[2][2]],
        ];
        let det = determinant(&linear);
        if let Some(inverse) = inverse(&linear, det) {
            // Normals transform by the inverse transpose: n' = (M^-1)^T n.
            for n in &mut normals {
                let v = *n;
                let t: [f32; 3] = std::array::from_fn(|r| (0..3).map(|k| inverse[r][k] * v[k]).sum());
                let len = (t[0] * t[0] + t[1] * t[1] + t[2] * t[2]).sqrt();
                *n = if len > 0.0 { [t[0] / len, t[1] / len, t[2] / len] } else { v };
            }
        }
        // A mirroring transform turns counter-clockwise faces clockwise; swap two corners to keep fronts in front.
        if det < 0.0 {
            for t in triangles.chunks_exact_mut(3) {
                t.swap(1, 2);
            }
        }
        Ok(Some(Primitive { positions, normals, uvs, colors, indices: triangles, material }))
    }
}

/// Triangle lists from the triangle modes, as the glTF spec defines strips and fans.
fn triangulate(mode: Mode, indices: &[u32]) -> Vec<u32> {
    match mode {
        Mode::TriangleStrip => (0..indices.len().saturating_sub(2))
            .flat_map(|i| {
                if i % 2 == 0 {
                    [indices[i], indices[i + 1], indices[i + 2]]
                } else {
                    [indices[i + 1], indices[i], indices[i + 2]]
                }
            })
            .collect(),
        Mode::TriangleFan => {
            (1..indices.len().saturating_sub(1)).flat_map(|i| [indices[0], indices[i], indices[i + 1]]).collect()
        }
        _ => indices[..indices.len() - indices.len() % 3].to_vec(),
    }
}

/// `m[column][row]` of a 3x3.
fn determinant(m: &[[f32; 3]; 3]) -> f32 {
    m[0][0] * (m[1][1] * m[2][2] - m[2][1] * m[1][2]) - m[1][0] * (m[0][1] * m[2][2] - m[2][1] * m[0][2])
        + m[2][0] * (m[0][1] * m[1][2] - m[1][1] * m[0][2])
}

/// The inverse of the column-major `m`, returned row-major-transposed: `out[r][k]` is (M^-1)^T applied as
/// `n'[r] = sum_k out[r][k] n[k]`. None when singular.
fn inverse(m: &[[f32; 3]; 3], det: f32) -> Option<[[f32; 3]; 3]> {
    if det.abs() < 1e-20 {
        return None;
    }
    // Cofactor matrix C of M (as a row-major matrix A with A[r][c] = m[c][r]); (A^-1)^T = C / det.
    let a = |r: usize, c: usize| m[c][r];
    let cof = |r: usize, c: usize| {
        let rows: Vec<usize> = (0..3).filter(|&x| x != r).collect();
        let cols: Vec<usize> = (0..3).filter(|&x| x != c).collect();
        let minor = a(rows[0], cols[0]) * a(rows[1], cols[1]) - a(rows[0], cols[1]) * a(rows[1], cols[0]);
        if (r + c).is_multiple_of(2) { minor } else { -minor }
    };
    Some(std::array::from_fn(|r| std::array::from_fn(|c| cof(r, c) / det)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_and_fans_become_lists() {
        assert_eq!(triangulate(Mode::TriangleStrip, &[0, 1, 2, 3]), vec![0, 1, 2, 2, 1, 3]);
        assert_eq!(triangulate(Mode::TriangleFan, &[0, 1, 2, 3]), vec![0, 1, 2, 0, 2, 3]);
        assert_eq!(triangulate(Mode::Triangles, &[0, 1, 2, 3]), vec![0, 1, 2]);
    }

    #[test]
    fn normal_matrix_of_a_scale_is_its_inverse() {
        let m = [[2.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
        let inv = inverse(&m, determinant(&m)).unwrap();
        assert!((inv[0][0] - 0.5).abs() < 1e-6 && (inv[1][1] - 1.0).abs() < 1e-6);
    }
}
