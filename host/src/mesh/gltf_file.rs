//! glTF 2.0 (`.gltf` with its buffers and images, or `.glb`) into a [`Scene`]. The `gltf` crate parses and
//! validates the JSON; buffers and images are fetched here, from the bundle or `data:` URIs only.
//!
//! The stages, each charged before it runs: the JSON (by its length), the buffers (item files are shared; archive
//! entries and `data:` URIs by their declared sizes), the declared geometry ([`gltf_check`]: layout checked,
//! counts capped over every instance), the image headers, each distinct image's decode (shared by every texture
//! and material that uses it), then the geometry is read.

use std::collections::HashMap;
use std::sync::Arc;

use base64::Engine;
use gltf::accessor::{DataType, Dimensions};
use gltf::mesh::{Mode, Semantic};
use gltf::texture::WrappingMode;

use super::bundle::{Bundle, Files};
use super::gltf_check::{self, MAX_DEPTH};
use super::scene::{AlphaMode, Declared, Material, Primitive, Scene, Texture, Wrap};
use super::textures::{Source, Textures, dimensions};
use super::{Format, Limits, MeshError, cost};
use crate::budget::Work;

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

pub(super) fn load(
    bundle: &Bundle,
    path: &str,
    format: Format,
    limits: &Limits,
    work: &mut Work,
) -> Result<Scene, MeshError> {
    let mut files = Files::new(bundle);
    let bytes = files.read(path, work)?;
    let format = if bytes.starts_with(b"glTF") { Format::Glb } else { format };
    // The JSON, and for a GLB the range of its binary chunk inside the file (shared, not copied).
    let (document, bin) = if format == Format::Glb {
        check_glb_header(&bytes, path)?;
        let glb = gltf::Glb::from_slice(&bytes).map_err(|e| classify(e, path))?;
        let bin = glb.bin.as_deref().map(|chunk| {
            let start = chunk.as_ptr() as usize - bytes.as_ptr() as usize;
            start..start + chunk.len()
        });
        (parse(&glb.json, path, work)?, bin)
    } else {
        (parse(&bytes, path, work)?, None)
    };
    work.check()?;
    if let Some(ext) = document.extensions_required().find(|e| !UNDERSTOOD.contains(e)) {
        return Err(MeshError::Unsupported(format!("`{path}` requires the extension {ext}")));
    }

    let mut bin = bin.map(|range| Source { data: Arc::clone(&bytes), range });
    let mut buffers = Vec::new();
    for buffer in document.buffers() {
        let data = match buffer.source() {
            gltf::buffer::Source::Bin => bin.take().ok_or_else(|| {
                MeshError::Missing(format!("`{path}` refers to its binary chunk, but the file has none"))
            })?,
            gltf::buffer::Source::Uri(uri) => fetch(&mut files, work, path, uri)?,
        };
        if data.range.len() < buffer.length() {
            return Err(MeshError::Truncated(format!(
                "buffer {} of `{path}` has {} bytes but declares {}",
                buffer.index(),
                data.range.len(),
                buffer.length()
            )));
        }
        buffers.push(data);
    }
    let lengths: Vec<usize> = buffers.iter().map(|b| b.range.len()).collect();
    gltf_check::check_layout(&document, &lengths, path)?;
    let geometry = gltf_check::geometry(&document, path, limits)?;
    cost::charge(
        work,
        || {
            format!(
                "reading the geometry of `{path}` ({} vertices, {} indices, {} triangles)",
                geometry.vertices, geometry.indices, geometry.triangles
            )
        },
        cost::gltf_geometry(&geometry),
    )?;

    let mut declared = Declared {
        scenes: document.scenes().len(),
        nodes: document.nodes().len(),
        animations: document.animations().len(),
        meshes: document.meshes().len(),
        ..Declared::default()
    };
    let count = document.images().len();
    cost::charge(work, || format!("reading {count} image headers of `{path}`"), cost::image_headers(count as u64))?;
    let mut images: Vec<Option<Source>> = Vec::with_capacity(count);
    for image in document.images() {
        let name = image.name().map(String::from).unwrap_or_else(|| format!("image {}", image.index()));
        let source = match image.source() {
            // Inside its buffer: checked with the layout.
            gltf::image::Source::View { view, .. } => {
                let buffer = &buffers[view.buffer().index()];
                let start = buffer.range.start + view.offset();
                Ok(Source { data: Arc::clone(&buffer.data), range: start..start + view.length() })
            }
            gltf::image::Source::Uri { uri, .. } => fetch(&mut files, work, path, uri),
        };
        match source {
            Ok(source) => {
                let (w, h) = dimensions(source.bytes()).unwrap_or((0, 0));
                declared.images.push((name, w, h));
                images.push(Some(source));
            }
            // Out of time or out of budget is noticed below (`check`) and by the runtime; anything else costs
            // only this image.
            Err(e) => {
                declared.images.push((name, 0, 0));
                declared.warnings.push(e.to_string());
                images.push(None);
            }
        }
    }
    work.check()?;

    // Only base colour textures are decoded: they are all the renderer shows. Each image once, however many
    // textures name it and materials use them.
    let mut decoded = Textures::default();
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
        let texture = match &info {
            None => None,
            Some(info) => {
                let texture = info.texture();
                match texture_slots.get(&texture.index()) {
                    Some(slot) => *slot,
                    None => {
                        let slot = match images.get(texture.source().index()).and_then(Option::as_ref) {
                            None => None,
                            Some(source) => match decoded.get(source, limits, work)? {
                                Ok(image) => {
                                    let sampler = texture.sampler();
                                    textures.push(Texture {
                                        width: image.width,
                                        height: image.height,
                                        rgba: Arc::clone(&image.rgba),
                                        wrap_s: wrap(sampler.wrap_s()),
                                        wrap_t: wrap(sampler.wrap_t()),
                                    });
                                    Some(textures.len() - 1)
                                }
                                Err(why) => {
                                    declared.warnings.push(format!("texture {} of `{path}`: {why}", texture.index()));
                                    None
                                }
                            },
                        };
                        texture_slots.insert(texture.index(), slot);
                        slot
                    }
                }
            }
        };
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
    work.check()?;

    let mut reader = Reader { path, buffers: &buffers, limits, uv_sets: &uv_sets, vertices: 0, faces: 0 };
    let mut primitives = Vec::new();
    let mut stack: Vec<(gltf::Node, Mat4, usize)> =
        gltf_check::roots(&document).into_iter().map(|n| (n, IDENTITY, 0)).collect();
    while let Some((node, parent, depth)) = stack.pop() {
        if depth > MAX_DEPTH {
            return Err(MeshError::Malformed(format!("the node hierarchy of `{path}` is deeper than {MAX_DEPTH}")));
        }
        let world = mul(&parent, &node.transform().matrix());
        if let Some(mesh) = node.mesh() {
            for primitive in mesh.primitives() {
                work.check()?;
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

/// The validated document of glTF JSON, its parse charged first.
fn parse(json: &[u8], path: &str, work: &mut Work) -> Result<gltf::Document, MeshError> {
    cost::charge(work, || format!("parsing `{path}` ({} bytes of JSON)", json.len()), cost::json(json.len() as u64))?;
    let root = gltf::json::deserialize::from_slice(json).map_err(|e| classify(gltf::Error::Deserialize(e), path))?;
    gltf::Document::from_json(root).map_err(|e| classify(e, path))
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

/// The bytes a buffer or image URI names: a `data:` URI (its decode charged first), or a file of the bundle
/// relative to the model (read once, shared).
fn fetch(files: &mut Files, work: &mut Work, from: &str, uri: &str) -> Result<Source, MeshError> {
    if let Some(rest) = uri.strip_prefix("data:") {
        let (header, data) =
            rest.split_once(',').ok_or_else(|| MeshError::Malformed(format!("a data URI in `{from}` has no comma")))?;
        cost::charge(work, || format!("decoding a data URI of `{from}`"), cost::base64(data.len() as u64))?;
        if !header.ends_with(";base64") {
            return Ok(Source::whole(Arc::new(super::bundle::percent_decode(data).into_bytes())));
        }
        return base64::engine::general_purpose::STANDARD
            .decode(data.trim())
            .map(|bytes| Source::whole(Arc::new(bytes)))
            .map_err(|e| MeshError::Malformed(format!("a base64 data URI in `{from}` does not decode ({e})")));
    }
    let path = files.bundle.resolve(from, uri)?;
    Ok(Source::whole(files.read(&path, work)?))
}

fn wrap(mode: WrappingMode) -> Wrap {
    match mode {
        WrappingMode::ClampToEdge => Wrap::Clamp,
        WrappingMode::MirroredRepeat => Wrap::Mirror,
        WrappingMode::Repeat => Wrap::Repeat,
    }
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
    buffers: &'a [Source],
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
        let reader = primitive.reader(|b| buffers.get(b.index()).map(Source::bytes));
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

        // An attribute is read only when it declares one value per vertex (anything else would be dropped).
        let per_vertex = |semantic: Semantic| primitive.get(&semantic).is_some_and(|a| a.count() == count);
        let valid = |n: usize| n == count;
        let mut normals: Vec<[f32; 3]> = Vec::new();
        if per_vertex(Semantic::Normals) {
            normals = reader.read_normals().map(|r| r.collect()).unwrap_or_default();
            if !valid(normals.len()) {
                normals.clear();
            }
        }
        let material = primitive.material().index();
        let set = material.and_then(|m| self.uv_sets.get(m)).copied().unwrap_or(0);
        let mut uvs: Vec<[f32; 2]> = Vec::new();
        if per_vertex(Semantic::TexCoords(set)) {
            uvs = reader.read_tex_coords(set).map(|r| r.into_f32().collect()).unwrap_or_default();
            if !valid(uvs.len()) {
                uvs.clear();
            }
        }
        let mut colors: Vec<[f32; 4]> = Vec::new();
        if per_vertex(Semantic::Colors(0)) {
            colors = reader.read_colors(0).map(|r| r.into_rgba_f32().collect()).unwrap_or_default();
            if !valid(colors.len()) {
                colors.clear();
            }
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
