//! Wavefront OBJ (+ MTL and diffuse textures, by name from the bundle) into a [`Scene`], through `tobj`.
//!
//! `tobj` parses the whole text and builds every mesh before it returns, so the text is scanned first
//! ([`obj_scan`]): the declared vertices and triangles are capped and the parse charged before `tobj` runs. Each
//! material library is read, capped and charged before `tobj` asks for it, and handed over once.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::io::Cursor;
use std::sync::Arc;

use super::bundle::{Bundle, Files};
use super::scene::{AlphaMode, Declared, Material, Primitive, Scene, Texture, Wrap};
use super::textures::{Source, Textures, dimensions};
use super::{Format, Limits, MeshError, cost, obj_scan};
use crate::budget::Work;

pub(super) fn load(bundle: &Bundle, path: &str, limits: &Limits, work: &mut Work) -> Result<Scene, MeshError> {
    let mut files = Files::new(bundle);
    let bytes = files.read(path, work)?;
    cost::charge(work, || format!("scanning `{path}` ({} bytes)", bytes.len()), cost::obj_scan(bytes.len() as u64))?;
    let scan = obj_scan::scan(&bytes);
    let counts = scan.counts;
    if counts.triangles > limits.faces as u64 {
        return Err(MeshError::Limit(format!(
            "`{path}` declares {} triangles ({} faces with {} corners); the limit is {} faces",
            counts.triangles, counts.faces, counts.corners, limits.faces
        )));
    }
    cost::charge(
        work,
        || format!("parsing `{path}` ({} faces with {} corners)", counts.faces, counts.corners),
        cost::obj_faces(&counts),
    )?;
    let indexing = || format!("indexing the {} corners of `{path}`", counts.corners);
    cost::charge(work, indexing, cost::obj_vertices(counts.corners))?;
    let vertices =
        obj_scan::unique_vertices(&bytes, |entries| cost::charge(work, indexing, cost::obj_vertex_set(entries)))?;
    if vertices > limits.vertices as u64 {
        return Err(MeshError::Limit(format!(
            "`{path}` makes {vertices} vertices (distinct corners); the limit is {}",
            limits.vertices
        )));
    }
    work.check()?;
    cost::charge(
        work,
        || format!("building the meshes of `{path}` ({vertices} vertices, {} triangles)", counts.triangles),
        cost::obj_meshes(vertices, counts.triangles),
    )?;

    let mut warnings = Vec::new();
    let mut libraries: HashMap<String, tobj::MTLLoadResult> = HashMap::new();
    for name in &scan.libraries {
        if libraries.contains_key(name) {
            continue;
        }
        let loaded = material_library(&mut files, work, path, name);
        if let Err(e) = &loaded {
            warnings.push(format!("material library: {e}"));
        }
        libraries.insert(name.clone(), loaded.unwrap_or(Err(tobj::LoadError::OpenFileFailed)));
    }
    work.check()?;
    // tobj appends a library's materials each time a `mtllib` line names it: a library is handed over once, so
    // ten thousand `mtllib` lines do not make ten thousand copies.
    let handed = RefCell::new(HashSet::new());
    let options = tobj::LoadOptions { single_index: true, triangulate: true, ignore_points: true, ignore_lines: true };
    let (models, materials) = tobj::load_obj_buf(&mut Cursor::new(bytes.as_slice()), &options, |mtl| {
        let name = mtl.to_string_lossy().into_owned();
        let library = libraries.get(&name).cloned().unwrap_or(Err(tobj::LoadError::OpenFileFailed));
        if handed.borrow_mut().insert(name) { library } else { library.map(|_| Default::default()) }
    })
    .map_err(|e| MeshError::Malformed(format!("`{path}` is not a readable OBJ file ({e})")))?;
    drop(libraries);
    work.check()?;
    let mut declared = Declared { scenes: 1, meshes: models.len(), nodes: models.len(), ..Declared::default() };
    let obj_materials = materials.unwrap_or_default();

    let mut decoded = Textures::default();
    let mut textures = Vec::new();
    let mut by_name: HashMap<String, Option<usize>> = HashMap::new();
    let mut scene_materials = Vec::new();
    for m in &obj_materials {
        let mut texture = None;
        if let Some(spec) = m.diffuse_texture.as_deref() {
            // `map_Kd -s 1 1 1 wood.png`: options come first, the file name last.
            let name = spec.split_whitespace().last().unwrap_or(spec).to_string();
            texture = match by_name.get(&name) {
                Some(slot) => *slot,
                None => {
                    let slot = texture_of(
                        &mut files,
                        &mut decoded,
                        &mut declared,
                        &mut warnings,
                        work,
                        (path, &name, &m.name),
                        limits,
                    )?
                    .map(|t| {
                        textures.push(t);
                        textures.len() - 1
                    });
                    by_name.insert(name, slot);
                    slot
                }
            };
        }
        let [r, g, b] = m.diffuse.unwrap_or([0.8, 0.8, 0.8]);
        let alpha = m.dissolve.unwrap_or(1.0).clamp(0.0, 1.0);
        scene_materials.push(Material {
            name: Some(m.name.clone()),
            base_color: [r, g, b, alpha],
            texture,
            // OBJ has no notion of sides; most exporters expect both to show.
            double_sided: true,
            alpha: if alpha < 1.0 { AlphaMode::Blend } else { AlphaMode::Opaque },
        });
    }
    work.check()?;

    let mut primitives = Vec::new();
    let (mut vertices, mut faces) = (0usize, 0usize);
    for model in models {
        let mesh = model.mesh;
        let count = mesh.positions.len() / 3;
        vertices += count;
        faces += mesh.indices.len() / 3;
        if vertices > limits.vertices {
            return Err(MeshError::Limit(format!("more than {} vertices", limits.vertices)));
        }
        if faces > limits.faces {
            return Err(MeshError::Limit(format!("more than {} faces", limits.faces)));
        }
        if let Some(bad) = mesh.indices.iter().find(|&&i| i as usize >= count) {
            return Err(MeshError::Malformed(format!("`{path}` has a face using vertex {bad} of {count}")));
        }
        let positions: Vec<[f32; 3]> = mesh.positions.chunks_exact(3).map(|c| [c[0], c[1], c[2]]).collect();
        if positions.iter().flatten().any(|v| !v.is_finite()) {
            return Err(MeshError::Malformed(format!("`{path}` has a vertex position that is not a finite number")));
        }
        let per_vertex = |len: usize, width: usize| len == count * width;
        let normals = if per_vertex(mesh.normals.len(), 3) {
            mesh.normals.chunks_exact(3).map(|c| [c[0], c[1], c[2]]).collect()
        } else {
            Vec::new()
        };
        // OBJ puts v = 0 at the bottom of the image, glTF (and this scene) at the top.
        let uvs = if per_vertex(mesh.texcoords.len(), 2) {
            mesh.texcoords.chunks_exact(2).map(|c| [c[0], 1.0 - c[1]]).collect()
        } else {
            Vec::new()
        };
        let colors = if per_vertex(mesh.vertex_color.len(), 3) {
            mesh.vertex_color.chunks_exact(3).map(|c| [c[0], c[1], c[2], 1.0]).collect()
        } else {
            Vec::new()
        };
        let material = mesh.material_id.filter(|&m| m < scene_materials.len());
        primitives.push(Primitive { positions, normals, uvs, colors, indices: mesh.indices, material });
    }
    declared.warnings.extend(warnings);
    Ok(Scene {
        format: Format::Obj,
        model_path: path.to_string(),
        primitives,
        materials: scene_materials,
        textures,
        declared,
    })
}

/// A material library named by `mtllib`, read and parsed with its cost charged first.
fn material_library(
    files: &mut Files,
    work: &mut Work,
    from: &str,
    name: &str,
) -> Result<tobj::MTLLoadResult, MeshError> {
    let path = files.bundle.resolve(from, name)?;
    let data = files.read(&path, work)?;
    cost::charge(work, || format!("scanning `{path}`"), cost::obj_scan(data.len() as u64))?;
    let (lines, materials) = obj_scan::scan_mtl(&data);
    cost::charge(
        work,
        || format!("parsing `{path}` ({materials} materials)"),
        cost::mtl(data.len() as u64, lines, materials),
    )?;
    Ok(tobj::load_mtl_buf(&mut Cursor::new(data.as_slice())))
}

/// The diffuse texture `name` of material `material`, decoded once per file; None (with a warning) when it
/// cannot be read or decoded. `Err` only when the model cannot go on.
fn texture_of(
    files: &mut Files,
    decoded: &mut Textures,
    declared: &mut Declared,
    warnings: &mut Vec<String>,
    work: &mut Work,
    (from, name, material): (&str, &str, &str),
    limits: &Limits,
) -> Result<Option<Texture>, MeshError> {
    let bytes = match files.bundle.resolve(from, name).and_then(|p| files.read(&p, work)) {
        Ok(bytes) => bytes,
        Err(e) => {
            declared.images.push((name.to_string(), 0, 0));
            warnings.push(format!("texture of material `{material}`: {e}"));
            return Ok(None);
        }
    };
    cost::charge(work, || format!("reading the header of `{name}`"), cost::image_headers(1))?;
    let (w, h) = dimensions(&bytes).unwrap_or((0, 0));
    declared.images.push((name.to_string(), w, h));
    match decoded.get(&Source::whole(bytes), limits, work)? {
        Ok(image) => Ok(Some(Texture {
            width: image.width,
            height: image.height,
            rgba: Arc::clone(&image.rgba),
            wrap_s: Wrap::Repeat,
            wrap_t: Wrap::Repeat,
        })),
        Err(why) => {
            warnings.push(format!("texture `{name}`: {why}"));
            Ok(None)
        }
    }
}
