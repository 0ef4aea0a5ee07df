//! Procedural hostile models: files of a few kilobytes (or a zip of a few hundred) that declare far more than
//! they hold, or make the host repeat work. Each is valid enough to get past the parsers, so only the caps and
//! the host-work budget stand between it and the host's memory.

use std::io::Write;

use serde_json::{Value, json};

use crate::meshes;

/// A GLB of `root` (its `buffers` set here to the one binary chunk) and `bin`.
pub fn glb_of(mut root: Value, mut bin: Vec<u8>) -> Vec<u8> {
    while !bin.len().is_multiple_of(4) {
        bin.push(0);
    }
    root["asset"] = json!({"version": "2.0", "generator": "aigc-tests hostile_meshes.rs"});
    root["buffers"] = json!([{"byteLength": bin.len()}]);
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

fn floats(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|f| f.to_le_bytes()).collect()
}

/// One triangle's positions (36 bytes) as buffer view 0 and accessor 0.
fn triangle_root() -> (Value, Vec<u8>) {
    let bin = floats(&[0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0]);
    let root = json!({
        "bufferViews": [{"buffer": 0, "byteOffset": 0, "byteLength": 36}],
        "accessors": [{"bufferView": 0, "componentType": 5126, "count": 3, "type": "VEC3",
                       "min": [0.0, 0.0, 0.0], "max": [1.0, 1.0, 0.0]}],
    });
    (root, bin)
}

/// A triangle whose index accessor declares `count` indices in 8 bytes: it is sparse with no buffer view, so a
/// reader that trusts `count` makes `count` zeros (and one 1).
pub fn sparse_index_bomb(count: u64) -> Vec<u8> {
    let (mut root, mut bin) = triangle_root();
    bin.extend_from_slice(&0u32.to_le_bytes());
    bin.extend_from_slice(&1u32.to_le_bytes());
    root["bufferViews"].as_array_mut().unwrap().extend([
        json!({"buffer": 0, "byteOffset": 36, "byteLength": 4}),
        json!({"buffer": 0, "byteOffset": 40, "byteLength": 4}),
    ]);
    root["accessors"].as_array_mut().unwrap().push(json!({
        "componentType": 5125, "count": count, "type": "SCALAR",
        "sparse": {"count": 1, "indices": {"bufferView": 1, "componentType": 5125}, "values": {"bufferView": 2}},
    }));
    root["meshes"] = json!([{"primitives": [{"attributes": {"POSITION": 0}, "indices": 1}]}]);
    root["nodes"] = json!([{"mesh": 0}]);
    root["scenes"] = json!([{"nodes": [0]}]);
    root["scene"] = json!(0);
    glb_of(root, bin)
}

/// A triangle drawn by the last of `depth` nodes, each of which has the next as its child twice: 2^depth
/// instances from a few hundred bytes of JSON.
pub fn instancing_bomb(depth: usize) -> Vec<u8> {
    let (mut root, bin) = triangle_root();
    let mut nodes: Vec<Value> = (0..depth).map(|i| json!({"children": [i + 1, i + 1]})).collect();
    nodes.push(json!({"mesh": 0}));
    root["nodes"] = Value::Array(nodes);
    root["meshes"] = json!([{"primitives": [{"attributes": {"POSITION": 0}}]}]);
    root["scenes"] = json!([{"nodes": [0]}]);
    root["scene"] = json!(0);
    glb_of(root, bin)
}

/// A textured cube whose `images` images (each with its texture and material) all name one buffer view of
/// `view_bytes` bytes: a small PNG followed by zeros.
pub fn images_on_one_view(images: usize, view_bytes: usize) -> Vec<u8> {
    let cube = meshes::cube([0.0; 3], 1.0, [1.0; 4]);
    let mut bin = floats(&cube.positions.iter().flatten().copied().collect::<Vec<_>>());
    let positions_len = bin.len();
    bin.extend(floats(&cube.uvs.as_ref().unwrap().iter().flatten().copied().collect::<Vec<_>>()));
    let uvs_len = bin.len() - positions_len;
    let indices: Vec<u8> = cube.indices.iter().flat_map(|i| i.to_le_bytes()).collect();
    bin.extend(&indices);
    let image_offset = bin.len();
    let mut image = meshes::checker_png(8, 2);
    image.resize(view_bytes, 0);
    bin.extend(image);
    let root = json!({
        "bufferViews": [
            {"buffer": 0, "byteOffset": 0, "byteLength": positions_len},
            {"buffer": 0, "byteOffset": positions_len, "byteLength": uvs_len},
            {"buffer": 0, "byteOffset": positions_len + uvs_len, "byteLength": indices.len()},
            {"buffer": 0, "byteOffset": image_offset, "byteLength": view_bytes},
        ],
        "accessors": [
            {"bufferView": 0, "componentType": 5126, "count": 24, "type": "VEC3",
             "min": [-0.5, -0.5, -0.5], "max": [0.5, 0.5, 0.5]},
            {"bufferView": 1, "componentType": 5126, "count": 24, "type": "VEC2"},
            {"bufferView": 2, "componentType": 5125, "count": 36, "type": "SCALAR"},
        ],
        "images": (0..images).map(|_| json!({"bufferView": 3, "mimeType": "image/png"})).collect::<Vec<_>>(),
        "textures": (0..images).map(|i| json!({"source": i})).collect::<Vec<_>>(),
        "materials": (0..images).map(|i| json!({"pbrMetallicRoughness": {"baseColorTexture": {"index": i}}}))
            .collect::<Vec<_>>(),
        "meshes": [{"primitives": [{"attributes": {"POSITION": 0, "TEXCOORD_0": 1}, "indices": 2, "material": 0}]}],
        "nodes": [{"mesh": 0}],
        "scenes": [{"nodes": [0]}],
        "scene": 0,
    });
    glb_of(root, bin)
}

/// `scene.gltf`, `scene.bin` and `texture.png` (`side` x `side`, one colour, so the file is small and its
/// decode is not): `uses` quads side by side, each with its own material and texture, every texture of the one
/// image.
pub fn one_texture_many_materials(side: u32, uses: usize) -> Vec<(String, Vec<u8>)> {
    let quad = meshes::quad(1.0);
    let mut bin = floats(&quad.positions.iter().flatten().copied().collect::<Vec<_>>());
    bin.extend(floats(&quad.uvs.as_ref().unwrap().iter().flatten().copied().collect::<Vec<_>>()));
    bin.extend(quad.indices.iter().flat_map(|i| i.to_le_bytes()));
    let root = json!({
        "asset": {"version": "2.0"},
        "buffers": [{"uri": "scene.bin", "byteLength": bin.len()}],
        "bufferViews": [
            {"buffer": 0, "byteOffset": 0, "byteLength": 48},
            {"buffer": 0, "byteOffset": 48, "byteLength": 32},
            {"buffer": 0, "byteOffset": 80, "byteLength": 24},
        ],
        "accessors": [
            {"bufferView": 0, "componentType": 5126, "count": 4, "type": "VEC3",
             "min": [-0.5, -0.5, 0.0], "max": [0.5, 0.5, 0.0]},
            {"bufferView": 1, "componentType": 5126, "count": 4, "type": "VEC2"},
            {"bufferView": 2, "componentType": 5125, "count": 6, "type": "SCALAR"},
        ],
        "images": [{"uri": "texture.png"}],
        "samplers": [{"wrapS": 33071, "wrapT": 33071}, {}],
        "textures": (0..uses).map(|i| json!({"source": 0, "sampler": i % 2})).collect::<Vec<_>>(),
        "materials": (0..uses).map(|i| json!({"pbrMetallicRoughness": {"baseColorTexture": {"index": i}}}))
            .collect::<Vec<_>>(),
        "meshes": (0..uses)
            .map(|i| json!({"primitives": [{"attributes": {"POSITION": 0, "TEXCOORD_0": 1}, "indices": 2,
                                             "material": i}]}))
            .collect::<Vec<_>>(),
        "nodes": (0..uses).map(|i| json!({"mesh": i, "translation": [i as f32 * 1.1, 0.0, 0.0]}))
            .collect::<Vec<_>>(),
        "scenes": [{"nodes": (0..uses).collect::<Vec<_>>()}],
        "scene": 0,
    });
    vec![
        ("scene.gltf".into(), serde_json::to_vec(&root).unwrap()),
        ("scene.bin".into(), bin),
        ("texture.png".into(), meshes::png_rgba(side, side, |_, _| [200, 120, 40, 255])),
    ]
}

/// An OBJ of one triangle's vertices and `faces` copies of `f 1 2 3` (8 bytes each).
pub fn obj_triangle_flood(faces: usize) -> Vec<u8> {
    let mut obj = b"v 0 0 0\nv 1 0 0\nv 0 1 0\n".to_vec();
    obj.reserve(faces * 8);
    for _ in 0..faces {
        obj.extend_from_slice(b"f 1 2 3\n");
    }
    obj
}

/// An OBJ with one face of `corners` corners (2 bytes each), which `tobj` splits into `corners - 2` triangles.
pub fn obj_polygon(corners: usize) -> Vec<u8> {
    let mut obj = b"v 0 0 0\nv 1 0 0\nv 0 1 0\nf".to_vec();
    obj.reserve(corners * 2 + 1);
    for i in 0..corners {
        obj.extend_from_slice([b" 1", b" 2", b" 3"][i % 3]);
    }
    obj.push(b'\n');
    obj
}

/// A GLB of `triangles` copies of one triangle that spans the model's whole bounding box, so each covers most
/// of every view: cheap to read, very costly to draw.
pub fn overdraw_bomb(triangles: usize) -> Vec<u8> {
    let (mut root, mut bin) = triangle_root();
    let offset = bin.len();
    for _ in 0..triangles {
        for i in [0u32, 1, 2] {
            bin.extend_from_slice(&i.to_le_bytes());
        }
    }
    root["bufferViews"].as_array_mut().unwrap().push(json!({"buffer": 0, "byteOffset": offset,
                                                             "byteLength": triangles * 12}));
    root["accessors"].as_array_mut().unwrap().push(json!({"bufferView": 1, "componentType": 5125,
                                                          "count": triangles * 3, "type": "SCALAR"}));
    root["meshes"] = json!([{"primitives": [{"attributes": {"POSITION": 0}, "indices": 1}]}]);
    root["nodes"] = json!([{"mesh": 0}]);
    root["scenes"] = json!([{"nodes": [0]}]);
    root["scene"] = json!(0);
    glb_of(root, bin)
}

/// A zip of `files` (deflated) whose every entry claims, in its local and central headers, to be `declared`
/// bytes uncompressed (a zip bomb lies this way about what it inflates to).
pub fn zip_with_declared_size(files: &[(String, Vec<u8>)], declared: u32) -> Vec<u8> {
    let mut zip = meshes::zip_of(files);
    let mut patch = |signature: &[u8; 4], offset: usize| {
        let mut at = 0;
        while let Some(found) = zip[at..].windows(4).position(|w| w == signature) {
            let start = at + found + offset;
            zip[start..start + 4].copy_from_slice(&declared.to_le_bytes());
            at += found + 4;
        }
    };
    // Uncompressed size: offset 22 in a local header, 24 in a central directory header.
    patch(b"PK\x03\x04", 22);
    patch(b"PK\x01\x02", 24);
    zip
}

/// `data` deflated in a zip as `name`.
pub fn zipped(name: &str, data: Vec<u8>) -> Vec<u8> {
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(data.len() > u32::MAX as usize);
    out.start_file(name, options).unwrap();
    out.write_all(&data).unwrap();
    out.finish().unwrap().into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bombs_are_small_and_say_what_they_declare() {
        let bomb = sparse_index_bomb(500_000_000);
        assert!(bomb.len() < 2048, "{}", bomb.len());
        assert!(String::from_utf8_lossy(&bomb).contains("\"count\":500000000"));
        assert!(instancing_bomb(40).len() < 4096);
        let flood = zipped("m.obj", obj_triangle_flood(100_000));
        assert!(flood.len() < 100_000 * 8 / 50, "{}", flood.len());
        assert_eq!(obj_polygon(5), b"v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3 1 2\n");
    }

    #[test]
    fn a_patched_zip_declares_the_size_it_was_given() {
        let zip = zip_with_declared_size(&[("a.obj".into(), vec![b'x'; 1000])], 10);
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
        assert_eq!(archive.by_index_raw(0).unwrap().size(), 10);
    }
}
