//! Wavefront OBJ (+ MTL and diffuse textures, by name from the bundle) into a [`Scene`], through `tobj`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::Cursor;
use std::sync::Arc;

use super::bundle::{Budget, Bundle};
use super::gltf_file::{decode, dimensions};
use super::scene::{AlphaMode, Declared, Material, Primitive, Scene, Texture, Wrap};
use super::{Format, Limits, MeshError};

pub(super) fn load(bundle: &Bundle, path: &str, limits: &Limits) -> Result<Scene, MeshError> {
    let budget = Budget::new(bundle);
    let bytes = budget.read(path)?;
    let warnings = RefCell::new(Vec::new());
    let options = tobj::LoadOptions { single_index: true, triangulate: true, ignore_points: true, ignore_lines: true };
    let (models, materials) = tobj::load_obj_buf(&mut Cursor::new(&bytes), &options, |mtl| {
        let name = mtl.to_string_lossy();
        let found = bundle.resolve(path, &name).and_then(|p| budget.read(&p));
        match found {
            Ok(data) => tobj::load_mtl_buf(&mut Cursor::new(data)),
            Err(e) => {
                warnings.borrow_mut().push(format!("material library: {e}"));
                Err(tobj::LoadError::OpenFileFailed)
            }
        }
    })
    .map_err(|e| MeshError::Malformed(format!("`{path}` is not a readable OBJ file ({e})")))?;
    let mut declared = Declared { scenes: 1, meshes: models.len(), nodes: models.len(), ..Declared::default() };
    let obj_materials = materials.unwrap_or_default();

    let mut textures = Vec::new();
    let mut by_name: HashMap<String, Option<usize>> = HashMap::new();
    let mut scene_materials = Vec::new();
    for m in &obj_materials {
        let texture = m.diffuse_texture.as_deref().and_then(|spec| {
            // `map_Kd -s 1 1 1 wood.png`: options come first, the file name last.
            let name = spec.split_whitespace().last().unwrap_or(spec).to_string();
            by_name
                .entry(name.clone())
                .or_insert_with(|| {
                    let bytes = match bundle.resolve(path, &name).and_then(|p| budget.read(&p)) {
                        Ok(bytes) => bytes,
                        Err(e) => {
                            declared.images.push((name.clone(), 0, 0));
                            warnings.borrow_mut().push(format!("texture of material `{}`: {e}", m.name));
                            return None;
                        }
                    };
                    let (w, h) = dimensions(&bytes).unwrap_or((0, 0));
                    declared.images.push((name.clone(), w, h));
                    match decode(&bytes, limits) {
                        Ok((width, height, rgba)) => {
                            textures.push(Texture {
                                width,
                                height,
                                rgba: Arc::new(rgba),
                                wrap_s: Wrap::Repeat,
                                wrap_t: Wrap::Repeat,
                            });
                            Some(textures.len() - 1)
                        }
                        Err(e) => {
                            warnings.borrow_mut().push(format!("texture `{name}`: {e}"));
                            None
                        }
                    }
                })
                .to_owned()
        });
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
    declared.warnings = warnings.into_inner();
    Ok(Scene {
        format: Format::Obj,
        model_path: path.to_string(),
        primitives,
        materials: scene_materials,
        textures,
        declared,
    })
}
