//! Procedural 3D models for tests, written in the formats crawls deliver: GLB, glTF with a separate `.bin` and
//! texture, the zip Sketchfab hands out (`scene.gltf`, `scene.bin`, `textures/`), and OBJ with MTL. The shapes are
//! simple enough that a test knows what a render must show: a cube, a textured quad, two cubes far apart.
//!
//! Real models (MIT, from the npm package `@webxr-input-profiles/assets`) are in `tests/fixtures/models/`; see
//! [`fixture_model`].

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

/// One mesh: triangles with optional texture coordinates, and a base colour.
#[derive(Debug, Clone)]
pub struct Mesh {
    pub positions: Vec<[f32; 3]>,
    pub uvs: Option<Vec<[f32; 2]>>,
    pub indices: Vec<u32>,
    pub color: [f32; 4],
}

/// Meshes, and a PNG texture that every mesh with texture coordinates uses.
#[derive(Debug, Clone)]
pub struct Model {
    pub meshes: Vec<Mesh>,
    pub texture: Option<Vec<u8>>,
}

/// An axis-aligned cube with side `size` centred on `center`: 24 vertices (4 per face, so each face has its own
/// texture coordinates), 12 triangles wound counter-clockwise seen from outside.
pub fn cube(center: [f32; 3], size: f32, color: [f32; 4]) -> Mesh {
    let h = size / 2.0;
    // For each face: the axis it faces along, and its sign.
    let faces: [(usize, f32); 6] = [(0, 1.0), (0, -1.0), (1, 1.0), (1, -1.0), (2, 1.0), (2, -1.0)];
    let mut positions = Vec::new();
    let mut uvs = Vec::new();
    let mut indices = Vec::new();
    for (axis, sign) in faces {
        let (u, v) = ((axis + 1) % 3, (axis + 2) % 3);
        let base = positions.len() as u32;
        for (a, b) in [(-1.0, -1.0), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0)] {
            let mut p = center;
            p[axis] += sign * h;
            // Mirror one tangent for negative faces so the winding stays counter-clockwise from outside.
            p[u] += a * h * sign;
            p[v] += b * h;
            positions.push(p);
            uvs.push([(a + 1.0) / 2.0, (1.0 - b) / 2.0]);
        }
        indices.extend([base, base + 1, base + 2, base, base + 2, base + 3]);
    }
    Mesh { positions, uvs: Some(uvs), indices, color }
}

/// A square of side `size` in the z = 0 plane facing +z, textured corner to corner.
pub fn quad(size: f32) -> Mesh {
    let h = size / 2.0;
    Mesh {
        positions: vec![[-h, -h, 0.0], [h, -h, 0.0], [h, h, 0.0], [-h, h, 0.0]],
        uvs: Some(vec![[0.0, 1.0], [1.0, 1.0], [1.0, 0.0], [0.0, 0.0]]),
        indices: vec![0, 1, 2, 0, 2, 3],
        color: [1.0, 1.0, 1.0, 1.0],
    }
}

/// A red unit cube at the origin.
pub fn cube_model() -> Model {
    Model { meshes: vec![cube([0.0; 3], 1.0, [0.8, 0.1, 0.1, 1.0])], texture: None }
}

/// A unit quad with a black-and-white checker texture.
pub fn textured_quad_model() -> Model {
    Model { meshes: vec![quad(1.0)], texture: Some(checker_png(64, 8)) }
}

/// A textured cube.
pub fn textured_cube_model() -> Model {
    Model { meshes: vec![cube([0.0; 3], 1.0, [1.0; 4])], texture: Some(checker_png(64, 4)) }
}

/// Two cubes of side 0.5, four units apart along x: two separate objects.
pub fn two_cubes_model() -> Model {
    Model {
        meshes: vec![
            cube([-2.0, 0.0, 0.0], 0.5, [0.1, 0.6, 0.1, 1.0]),
            cube([2.0, 0.0, 0.0], 0.5, [0.1, 0.1, 0.8, 1.0]),
        ],
        texture: None,
    }
}

/// The glTF JSON and the binary buffer of `model`. `bin_uri`: None for a GLB (buffer 0 is the BIN chunk).
/// `texture_uri`: None to put the texture in the buffer (GLB), else the file it is referenced as.
fn gltf_parts(model: &Model, bin_uri: Option<&str>, texture_uri: Option<&str>) -> (Value, Vec<u8>) {
    let mut bin = Vec::new();
    let mut views = Vec::new();
    let mut accessors = Vec::new();
    let mut meshes = Vec::new();
    let mut materials = Vec::new();
    let mut view = |bin: &mut Vec<u8>, bytes: &[u8], target: Option<u32>| -> usize {
        while !bin.len().is_multiple_of(4) {
            bin.push(0);
        }
        let mut v = json!({"buffer": 0, "byteOffset": bin.len(), "byteLength": bytes.len()});
        if let Some(target) = target {
            v["target"] = json!(target);
        }
        bin.extend_from_slice(bytes);
        views.push(v);
        views.len() - 1
    };
    for mesh in &model.meshes {
        let floats = |values: &[f32]| values.iter().flat_map(|f| f.to_le_bytes()).collect::<Vec<u8>>();
        let flat: Vec<f32> = mesh.positions.iter().flatten().copied().collect();
        let (mut min, mut max) = ([f32::MAX; 3], [f32::MIN; 3]);
        for p in &mesh.positions {
            for i in 0..3 {
                min[i] = min[i].min(p[i]);
                max[i] = max[i].max(p[i]);
            }
        }
        let position_view = view(&mut bin, &floats(&flat), Some(34962));
        accessors.push(json!({"bufferView": position_view, "componentType": 5126, "count": mesh.positions.len(),
                              "type": "VEC3", "min": min, "max": max}));
        let mut attributes = json!({"POSITION": accessors.len() - 1});
        let textured = mesh.uvs.is_some() && model.texture.is_some();
        if let (Some(uvs), true) = (&mesh.uvs, textured) {
            let flat: Vec<f32> = uvs.iter().flatten().copied().collect();
            let uv_view = view(&mut bin, &floats(&flat), Some(34962));
            accessors.push(json!({"bufferView": uv_view, "componentType": 5126, "count": uvs.len(), "type": "VEC2"}));
            attributes["TEXCOORD_0"] = json!(accessors.len() - 1);
        }
        let indices: Vec<u8> = mesh.indices.iter().flat_map(|i| i.to_le_bytes()).collect();
        let index_view = view(&mut bin, &indices, Some(34963));
        accessors.push(
            json!({"bufferView": index_view, "componentType": 5125, "count": mesh.indices.len(), "type": "SCALAR"}),
        );
        let mut pbr = json!({"baseColorFactor": mesh.color, "metallicFactor": 0.0, "roughnessFactor": 1.0});
        if textured {
            pbr["baseColorTexture"] = json!({"index": 0});
        }
        materials.push(json!({"pbrMetallicRoughness": pbr}));
        meshes.push(json!({"primitives": [{"attributes": attributes, "indices": accessors.len() - 1,
                                           "material": materials.len() - 1}]}));
    }
    let mut root = json!({
        "asset": {"version": "2.0", "generator": "aigc-tests meshes.rs"},
        "scene": 0,
        "scenes": [{"nodes": (0..meshes.len()).collect::<Vec<_>>()}],
        "nodes": (0..meshes.len()).map(|m| json!({"mesh": m})).collect::<Vec<_>>(),
        "meshes": meshes,
        "materials": materials,
        "accessors": accessors,
    });
    if let Some(texture) = &model.texture {
        let image = match texture_uri {
            Some(uri) => json!({"uri": uri}),
            None => json!({"bufferView": view(&mut bin, texture, None), "mimeType": "image/png"}),
        };
        root["images"] = json!([image]);
        root["samplers"] = json!([{"magFilter": 9729, "minFilter": 9729}]);
        root["textures"] = json!([{"source": 0, "sampler": 0}]);
    }
    while !bin.len().is_multiple_of(4) {
        bin.push(0);
    }
    let mut buffer = json!({"byteLength": bin.len()});
    if let Some(uri) = bin_uri {
        buffer["uri"] = json!(uri);
    }
    root["buffers"] = json!([buffer]);
    root["bufferViews"] = Value::Array(views);
    (root, bin)
}

/// `model` as one binary glTF file, texture included.
pub fn glb(model: &Model) -> Vec<u8> {
    let (root, bin) = gltf_parts(model, None, None);
    let mut json = serde_json::to_vec(&root).unwrap();
    while !json.len().is_multiple_of(4) {
        json.push(b' ');
    }
    let total = 12 + 8 + json.len() + 8 + bin.len();
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(b"glTF");
    out.extend_from_slice(&2u32.to_le_bytes());
    out.extend_from_slice(&(total as u32).to_le_bytes());
    out.extend_from_slice(&(json.len() as u32).to_le_bytes());
    out.extend_from_slice(b"JSON");
    out.extend_from_slice(&json);
    out.extend_from_slice(&(bin.len() as u32).to_le_bytes());
    out.extend_from_slice(b"BIN\0");
    out.extend_from_slice(&bin);
    out
}

/// `model` as Sketchfab's glTF download lays it out: `scene.gltf`, `scene.bin`, `textures/baseColor.png`.
pub fn gltf_files(model: &Model) -> Vec<(String, Vec<u8>)> {
    gltf_files_with_texture(model, "textures/baseColor.png")
}

/// `model` as separate glTF files: `scene.gltf`, `scene.bin` and the texture as `texture_uri`.
pub fn gltf_files_with_texture(model: &Model, texture_uri: &str) -> Vec<(String, Vec<u8>)> {
    let (root, bin) = gltf_parts(model, Some("scene.bin"), Some(texture_uri));
    let mut files =
        vec![("scene.gltf".to_string(), serde_json::to_vec_pretty(&root).unwrap()), ("scene.bin".to_string(), bin)];
    if let Some(texture) = &model.texture {
        files.push((texture_uri.to_string(), texture.clone()));
    }
    files
}

/// The zip Sketchfab delivers for a glTF download: [`gltf_files`] plus its `license.txt`.
pub fn sketchfab_zip(model: &Model) -> Vec<u8> {
    let mut files = gltf_files(model);
    files.push(("license.txt".into(), b"Model generated by aigc-tests, CC0-1.0\n".to_vec()));
    zip_of(&files)
}

/// A zip (deflated) holding `files`.
pub fn zip_of(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in files {
        zip.start_file(name.as_str(), options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// `model` as OBJ: `<stem>.obj`, `<stem>.mtl` and, when textured, `<stem>.png`. OBJ indices are 1-based.
pub fn obj_files(model: &Model, stem: &str) -> Vec<(String, Vec<u8>)> {
    let mut obj = format!("# aigc-tests meshes.rs\nmtllib {stem}.mtl\n");
    let mut mtl = String::new();
    let mut base = 0;
    for (m, mesh) in model.meshes.iter().enumerate() {
        obj.push_str(&format!("o mesh{m}\nusemtl material{m}\n"));
        for p in &mesh.positions {
            obj.push_str(&format!("v {} {} {}\n", p[0], p[1], p[2]));
        }
        let textured = mesh.uvs.is_some() && model.texture.is_some();
        if let (Some(uvs), true) = (&mesh.uvs, textured) {
            for uv in uvs {
                // OBJ's v runs upwards, glTF's downwards.
                obj.push_str(&format!("vt {} {}\n", uv[0], 1.0 - uv[1]));
            }
        }
        for t in mesh.indices.chunks(3) {
            let [a, b, c] = [t[0] + base + 1, t[1] + base + 1, t[2] + base + 1];
            if textured {
                obj.push_str(&format!("f {a}/{a} {b}/{b} {c}/{c}\n"));
            } else {
                obj.push_str(&format!("f {a} {b} {c}\n"));
            }
        }
        base += mesh.positions.len() as u32;
        let [r, g, b, _] = mesh.color;
        mtl.push_str(&format!("newmtl material{m}\nKd {r} {g} {b}\n"));
        if textured {
            mtl.push_str(&format!("map_Kd {stem}.png\n"));
        }
    }
    let mut files = vec![(format!("{stem}.obj"), obj.into_bytes()), (format!("{stem}.mtl"), mtl.into_bytes())];
    if let Some(texture) = &model.texture {
        files.push((format!("{stem}.png"), texture.clone()));
    }
    files
}

/// Writes `files` under `dir`, making folders; returns the paths.
pub fn write_files(dir: &Path, files: &[(String, Vec<u8>)]) -> Vec<PathBuf> {
    files
        .iter()
        .map(|(name, bytes)| {
            let path = dir.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, bytes).unwrap();
            path
        })
        .collect()
}

/// A `size`x`size` RGBA checkerboard of `cells`x`cells` black and white squares.
pub fn checker_png(size: u32, cells: u32) -> Vec<u8> {
    let cell = (size / cells).max(1);
    png_rgba(
        size,
        size,
        |x, y| if (x / cell + y / cell).is_multiple_of(2) { [255, 255, 255, 255] } else { [0, 0, 0, 255] },
    )
}

/// An 8-bit RGBA PNG whose pixel (x, y) is `pixel(x, y)`.
pub fn png_rgba(width: u32, height: u32, mut pixel: impl FnMut(u32, u32) -> [u8; 4]) -> Vec<u8> {
    let mut raw = Vec::with_capacity(((width * 4 + 1) * height) as usize);
    for y in 0..height {
        raw.push(0); // filter: none
        for x in 0..width {
            raw.extend_from_slice(&pixel(x, y));
        }
    }
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(&raw).unwrap();
    let data = encoder.finish().unwrap();
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    for (kind, body) in [(b"IHDR", ihdr.as_slice()), (b"IDAT", &data), (b"IEND", &[])] {
        out.extend_from_slice(&(body.len() as u32).to_be_bytes());
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(body);
        out.extend_from_slice(kind);
        out.extend_from_slice(body);
        out.extend_from_slice(&crc.sum().to_be_bytes());
    }
    out
}

/// A real model committed under `tests/fixtures/models/` (see the README there for sources and licences).
pub fn fixture_model(name: &str) -> PathBuf {
    let path = crate::root().join("tests/fixtures/models").join(name);
    assert!(path.is_file(), "{} is missing", path.display());
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_glb_has_consistent_chunks_and_accessors() {
        let bytes = glb(&textured_cube_model());
        assert_eq!(&bytes[..4], b"glTF");
        assert_eq!(u32::from_le_bytes(bytes[8..12].try_into().unwrap()) as usize, bytes.len());
        let json_len = u32::from_le_bytes(bytes[12..16].try_into().unwrap()) as usize;
        let root: Value = serde_json::from_slice(&bytes[20..20 + json_len]).unwrap();
        let bin_len = u32::from_le_bytes(bytes[20 + json_len..24 + json_len].try_into().unwrap()) as u64;
        assert_eq!(root["buffers"][0]["byteLength"].as_u64(), Some(bin_len));
        for view in root["bufferViews"].as_array().unwrap() {
            assert!(view["byteOffset"].as_u64().unwrap() + view["byteLength"].as_u64().unwrap() <= bin_len);
        }
        assert_eq!(root["accessors"][0]["count"], 24);
        assert_eq!(root["accessors"][2]["count"], 36);
        assert_eq!(root["images"][0]["mimeType"], "image/png");
    }

    #[test]
    fn cube_faces_point_outwards() {
        let mesh = cube([0.0; 3], 2.0, [1.0; 4]);
        for t in mesh.indices.chunks(3) {
            let [a, b, c] = [0, 1, 2].map(|i| mesh.positions[t[i] as usize]);
            let (u, v) = ([b[0] - a[0], b[1] - a[1], b[2] - a[2]], [c[0] - a[0], c[1] - a[1], c[2] - a[2]]);
            let n = [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]];
            let centre = [(a[0] + b[0] + c[0]) / 3.0, (a[1] + b[1] + c[1]) / 3.0, (a[2] + b[2] + c[2]) / 3.0];
            assert!(n[0] * centre[0] + n[1] * centre[1] + n[2] * centre[2] > 0.0, "{t:?} faces inwards");
        }
    }

    #[test]
    fn obj_and_sketchfab_zip_name_their_companions() {
        let files = obj_files(&textured_cube_model(), "cube");
        let obj = String::from_utf8(files[0].1.clone()).unwrap();
        assert!(obj.contains("mtllib cube.mtl") && obj.contains("f 1/1 2/2 3/3"));
        assert!(String::from_utf8_lossy(&files[1].1).contains("map_Kd cube.png"));
        let zip = zip::ZipArchive::new(std::io::Cursor::new(sketchfab_zip(&textured_quad_model()))).unwrap();
        let names: Vec<String> = zip.file_names().map(|n| n.unwrap().into_owned()).collect();
        assert_eq!(names, ["scene.gltf", "scene.bin", "textures/baseColor.png", "license.txt"]);
        let png = checker_png(8, 2);
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    }
}
