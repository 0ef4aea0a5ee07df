//! The seed inputs: small, real-shaped files that reach each parser's main paths.

use std::io::Cursor;

use aigc_host::fuzzing::OBJ_MTL_SEPARATOR;
use aigc_tests::meshes::{self, Model};
use aigc_tests::zips::{self, RawEntry};
use base64_light as b64;

type Files = Vec<(String, Vec<u8>)>;

pub fn all() -> Vec<(&'static str, Files)> {
    vec![
        ("svg", svg()),
        ("image", image()),
        ("gltf", gltf()),
        ("glb", glb()),
        ("obj", obj()),
        ("model_zip", model_zip()),
        ("submission_zip", submission_zip()),
        ("replay", replay()),
    ]
}

fn file(name: &str, bytes: impl Into<Vec<u8>>) -> (String, Vec<u8>) {
    (name.to_string(), bytes.into())
}

const NS: &str = "xmlns='http://www.w3.org/2000/svg' xmlns:xlink='http://www.w3.org/1999/xlink'";

fn svg() -> Files {
    let doc = |body: &str| format!("<svg {NS} viewBox='0 0 100 100' width='100' height='100'>{body}</svg>");
    let mut files: Files = ["dog_face", "family", "free_button", "keycap_1"]
        .iter()
        .map(|n| {
            let path = aigc_tests::root().join(format!("models/svg-text/parity/{n}.svg"));
            file(&format!("{n}.svg"), std::fs::read(path).unwrap())
        })
        .collect();
    files.extend([
        file("shapes.svg", doc("<rect x='5' y='5' width='40' height='30' rx='4'/><circle cx='70' cy='20' r='12' fill='red'/>\
            <ellipse cx='25' cy='70' rx='20' ry='10' fill='none' stroke='blue' stroke-width='3'/>\
            <line x1='50' y1='50' x2='95' y2='95' stroke='black' stroke-dasharray='4 2'/>\
            <polyline points='50,60 60,80 70,60 80,80' fill='none' stroke='green'/>\
            <polygon points='10,90 30,95 20,99' fill='#0f08'/>")),
        file("paths.svg", doc("<path d='M10 10 L90 10 Q95 50 90 90 C60 95 40 95 10 90 A40 40 0 0 1 10 10 Z \
            M30 30 h40 v40 h-40 z' fill-rule='evenodd' fill='rgb(20%,40%,60%)'/>\
            <path d='m5 50 s10-20 20 0 t20 0' stroke='black' fill='none' stroke-linecap='round'/>")),
        file("text.svg", doc("<text x='10' y='40' font-family='DejaVu Sans, sans-serif' font-size='20'>Hello\
            <tspan dy='20' font-weight='bold' fill='red'>world</tspan></text>\
            <text x='50' y='90' text-anchor='middle' font-size='12' letter-spacing='2'>NO ENTRY</text>")),
        file("gradients.svg", doc("<defs><linearGradient id='g' x1='0' x2='1' spreadMethod='reflect'>\
            <stop offset='0' stop-color='red'/><stop offset='1' stop-color='blue' stop-opacity='0.5'/>\
            </linearGradient><radialGradient id='r' cx='.5' cy='.5' r='.5' fx='.3'>\
            <stop offset='0' stop-color='white'/><stop offset='1' stop-color='black'/></radialGradient>\
            <pattern id='p' width='10' height='10' patternUnits='userSpaceOnUse'>\
            <circle cx='5' cy='5' r='3'/></pattern></defs>\
            <rect width='50' height='50' fill='url(#g)'/><circle cx='75' cy='25' r='20' fill='url(#r)'/>\
            <rect y='50' width='100' height='50' fill='url(#p)'/>")),
        file("filters.svg", doc("<defs><filter id='f' x='-10%' y='-10%' width='120%' height='120%'>\
            <feGaussianBlur in='SourceAlpha' stdDeviation='2' result='b'/><feOffset dx='2' dy='2' result='o'/>\
            <feFlood flood-color='#333' flood-opacity='.5'/><feComposite in2='o' operator='in'/>\
            <feMerge><feMergeNode/><feMergeNode in='SourceGraphic'/></feMerge></filter>\
            <filter id='m'><feMorphology operator='dilate' radius='2'/><feColorMatrix type='saturate' values='.3'/>\
            </filter><filter id='t'><feTurbulence baseFrequency='.05' numOctaves='2' seed='3'/>\
            <feDisplacementMap in='SourceGraphic' scale='4' xChannelSelector='R' yChannelSelector='G'/></filter>\
            <filter id='c'><feConvolveMatrix order='3' kernelMatrix='0 -1 0 -1 5 -1 0 -1 0'/>\
            <feComponentTransfer><feFuncR type='table' tableValues='0 1'/><feFuncA type='linear' slope='.8'/>\
            </feComponentTransfer><feDropShadow dx='1' dy='1' stdDeviation='1'/></filter>\
            <filter id='l'><feDiffuseLighting surfaceScale='2' lighting-color='white'>\
            <feDistantLight azimuth='45' elevation='30'/></feDiffuseLighting>\
            <feSpecularLighting specularExponent='8'><fePointLight x='50' y='50' z='20'/></feSpecularLighting>\
            <feBlend mode='screen' in2='SourceGraphic'/><feTile/></filter></defs>\
            <rect x='10' y='10' width='30' height='30' filter='url(#f)'/>\
            <circle cx='70' cy='30' r='15' filter='url(#m)'/><rect x='10' y='55' width='35' height='35' filter='url(#t)'/>\
            <rect x='55' y='55' width='35' height='35' fill='teal' filter='url(#c)'/>\
            <circle cx='50' cy='50' r='8' filter='url(#l)'/>")),
        file("masks.svg", doc("<defs><clipPath id='c'><circle cx='50' cy='50' r='40'/></clipPath>\
            <mask id='m'><rect width='100' height='100' fill='white'/><circle cx='50' cy='50' r='20' fill='black'/>\
            </mask><symbol id='s' viewBox='0 0 10 10'><path d='M0 0h10v10z'/></symbol>\
            <marker id='a' markerWidth='4' markerHeight='4' refX='2' refY='2' orient='auto'>\
            <circle cx='2' cy='2' r='2'/></marker></defs>\
            <g clip-path='url(#c)' opacity='.8'><rect width='100' height='100' fill='orange' mask='url(#m)'/></g>\
            <use href='#s' x='5' y='5' width='20' height='20'/><use xlink:href='#s' x='70' y='70' width='20' height='20' \
             transform='rotate(30 80 80)'/>\
            <path d='M10 90 L40 60 L70 90' fill='none' stroke='black' marker-start='url(#a)' marker-mid='url(#a)'/>")),
        file("style.svg", format!("<?xml version='1.0' encoding='UTF-8'?>\n<!DOCTYPE svg [<!ENTITY c 'fill:#c00'>]>\
            <svg {NS} width='64' height='32' viewBox='0 0 64 32' preserveAspectRatio='xMidYMid slice'>\
            <style><![CDATA[.a {{ &c; }} rect:first-child {{ stroke: black }}]]></style>\
            <rect class='a' width='30' height='30'/><g transform='matrix(1 0 .2 1 32 0) scale(.9)'>\
            <rect class='a' width='30' height='30' style='opacity:.5;mix-blend-mode:multiply'/></g>\
            <svg x='40' y='0' width='20' height='20' viewBox='0 0 1 1'><circle r='.5' cx='.5' cy='.5'/></svg>\
            <switch><circle systemLanguage='en' r='3'/><rect width='3' height='3'/></switch>\
            <a href='https://example.org'><rect x='60' width='4' height='4'/></a></svg>")),
        file("image-ref.svg", doc("<image href='data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJ\
            AAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==' width='50' height='50'/>\
            <image href='other.svg' x='50' width='50' height='50'/>")),
        file("empty.svg", format!("<svg {NS}/>")),
    ]);
    files
}

fn encode(image: &::image::DynamicImage, format: ::image::ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, format).unwrap();
    out.into_inner()
}

fn image() -> Files {
    use ::image::{DynamicImage, ImageBuffer, ImageFormat, Luma, LumaA, Rgb, Rgba};
    let mut files: Files = ["checker", "diagonal_noise", "green_disc", "h_gradient", "rgba_square", "solid_red"]
        .iter()
        .map(|n| {
            file(
                &format!("{n}.png"),
                std::fs::read(aigc_tests::root().join(format!("models/tiny/inputs/{n}.png"))).unwrap(),
            )
        })
        .collect();
    for n in ["64x36-amber", "64x36-teal"] {
        let path = aigc_tests::root().join(format!("examples/sketchfab/thumbs/{n}.jpeg"));
        files.push(file(&format!("{n}.jpeg"), std::fs::read(path).unwrap()));
    }
    let rgba = DynamicImage::ImageRgba8(ImageBuffer::from_fn(12, 8, |x, y| {
        Rgba([(x * 20) as u8, (y * 30) as u8, 90, (x * y * 3) as u8])
    }));
    let rgb = DynamicImage::ImageRgb8(ImageBuffer::from_fn(10, 10, |x, y| Rgb([(x * 25) as u8, 200, (y * 25) as u8])));
    let grey16 = DynamicImage::ImageLuma16(ImageBuffer::from_fn(8, 8, |x, y| Luma([(x * 8000 + y * 100) as u16])));
    let rgb16 =
        DynamicImage::ImageRgb16(ImageBuffer::from_fn(6, 6, |x, y| Rgb([(x * 9000) as u16, (y * 9000) as u16, 65535])));
    let grey_alpha = DynamicImage::ImageLumaA8(ImageBuffer::from_fn(8, 4, |x, _| LumaA([(x * 30) as u8, 128])));
    files.push(file("rgba.webp", encode(&rgba, ImageFormat::WebP)));
    files.push(file("rgb.webp", encode(&rgb, ImageFormat::WebP)));
    files.push(file("rgba.gif", encode(&rgba, ImageFormat::Gif)));
    files.push(file("grey16.png", encode(&grey16, ImageFormat::Png)));
    files.push(file("rgb16.png", encode(&rgb16, ImageFormat::Png)));
    files.push(file("grey-alpha.png", encode(&grey_alpha, ImageFormat::Png)));
    files.push(file("rgb.jpeg", encode(&rgb, ImageFormat::Jpeg)));
    files
}

/// A `.gltf` with its buffer (and texture, if any) inlined as `data:` URIs: one self-contained file.
fn inline_gltf(model: &Model) -> serde_json::Value {
    let files = meshes::gltf_files(model);
    let mut root: serde_json::Value = serde_json::from_slice(&files[0].1).unwrap();
    root["buffers"][0]["uri"] = format!("data:application/octet-stream;base64,{}", b64::encode(&files[1].1)).into();
    if let Some((_, png)) = files.get(2) {
        root["images"][0]["uri"] = format!("data:image/png;base64,{}", b64::encode(png)).into();
    }
    root
}

fn gltf() -> Files {
    let mut files = vec![
        file("cube.gltf", serde_json::to_vec(&inline_gltf(&meshes::cube_model())).unwrap()),
        file("textured-quad.gltf", serde_json::to_vec(&inline_gltf(&meshes::textured_quad_model())).unwrap()),
        file("two-cubes.gltf", serde_json::to_vec(&inline_gltf(&meshes::two_cubes_model())).unwrap()),
    ];
    files.push(file("rich.gltf", serde_json::to_vec_pretty(&rich_gltf()).unwrap()));
    files
}

/// The cube again with what real files carry: a node hierarchy with a matrix and TRS, a camera, a sparse
/// accessor, a strip primitive without indices, an animation, an extension and a masked material.
fn rich_gltf() -> serde_json::Value {
    use serde_json::json;
    let files = meshes::gltf_files(&meshes::cube_model());
    let mut root: serde_json::Value = serde_json::from_slice(&files[0].1).unwrap();
    let mut bin = files[1].1.clone();
    let mut extra_view = |bin: &mut Vec<u8>, bytes: Vec<u8>| {
        let view = json!({"buffer": 0, "byteOffset": bin.len(), "byteLength": bytes.len()});
        bin.extend(bytes);
        let views = root["bufferViews"].as_array_mut().unwrap();
        views.push(view);
        views.len() - 1
    };
    let floats = |values: &[f32]| values.iter().flat_map(|f| f.to_le_bytes()).collect::<Vec<u8>>();
    let sparse_indices = extra_view(&mut bin, 0u32.to_le_bytes().to_vec());
    let sparse_values = extra_view(&mut bin, floats(&[0.0, 2.0, 0.0]));
    let times = extra_view(&mut bin, floats(&[0.0, 1.0]));
    let scales = extra_view(&mut bin, floats(&[1.0, 1.0, 1.0, 2.0, 2.0, 2.0]));
    let position = root["meshes"][0]["primitives"][0]["attributes"]["POSITION"].as_u64().unwrap() as usize;
    let mut sparse = root["accessors"][position].clone();
    sparse["sparse"] = json!({"count": 1, "indices": {"bufferView": sparse_indices, "componentType": 5125},
                              "values": {"bufferView": sparse_values}});
    // The substitution moves vertex 0 to (0, 2, 0): the bounds glTF requires on positions change with it.
    sparse["min"] = json!([-0.5, -0.5, -0.5]);
    sparse["max"] = json!([0.5, 2.0, 0.5]);
    let accessors = root["accessors"].as_array_mut().unwrap();
    let first = accessors.len();
    accessors.push(sparse);
    accessors.push(json!({"bufferView": times, "componentType": 5126, "count": 2, "type": "SCALAR",
                          "min": [0.0], "max": [1.0]}));
    accessors.push(json!({"bufferView": scales, "componentType": 5126, "count": 2, "type": "VEC3"}));
    root["meshes"]
        .as_array_mut()
        .unwrap()
        .push(json!({"primitives": [{"attributes": {"POSITION": first}, "mode": 5}]}));
    root["nodes"] = json!([
        {"children": [1], "matrix": [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 2, 0, 0, 1]},
        {"mesh": 0, "rotation": [0, std::f64::consts::FRAC_1_SQRT_2, 0, std::f64::consts::FRAC_1_SQRT_2], "scale": [1, 2, 1], "translation": [0, 1, 0]},
        {"mesh": 1, "camera": 0}
    ]);
    root["scenes"] = json!([{"nodes": [0, 2]}]);
    root["cameras"] = json!([{"type": "perspective", "perspective": {"yfov": 0.8, "znear": 0.1}}]);
    root["animations"] = json!([{"channels": [{"sampler": 0, "target": {"node": 1, "path": "scale"}}],
        "samplers": [{"input": first + 1, "output": first + 2, "interpolation": "LINEAR"}]}]);
    root["extensionsUsed"] = json!(["KHR_materials_unlit"]);
    root["materials"][0]["extensions"] = json!({"KHR_materials_unlit": {}});
    root["materials"][0]["alphaMode"] = "MASK".into();
    root["buffers"][0]["byteLength"] = bin.len().into();
    root["buffers"][0]["uri"] = format!("data:application/octet-stream;base64,{}", b64::encode(&bin)).into();
    root
}

fn glb() -> Files {
    let hand = std::fs::read(meshes::fixture_model("hand.glb")).unwrap();
    vec![
        file("cube.glb", meshes::glb(&meshes::cube_model())),
        file("textured-cube.glb", meshes::glb(&meshes::textured_cube_model())),
        file("two-cubes.glb", meshes::glb(&meshes::two_cubes_model())),
        file("hand.glb", hand),
    ]
}

/// An OBJ input: the `.obj`, the separator, then its `.mtl` (see `aigc_host::fuzzing::obj`).
fn obj_input(model: &Model) -> Vec<u8> {
    let files = meshes::obj_files(model, "model");
    let mut out = files[0].1.clone();
    out.extend_from_slice(OBJ_MTL_SEPARATOR);
    out.extend_from_slice(&files[1].1);
    out
}

fn obj() -> Files {
    let polygons = "# quads, an n-gon, negative indices, normals, groups, lines and points\n\
        mtllib model.mtl\nv 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\nv 0.5 1.5 0 1.0\nvt 0 0\nvt 1 0\nvt 1 1\nvt 0 1\n\
        vn 0 0 1\ng front\ns 1\nusemtl red\nf 1/1/1 2/2/1 3/3/1 4/4/1\no roof\nf -4//1 -3//1 -1//1\n\
        f 1 2 3 5 4\nl 1 2 3\np 4\nv 2 2 2\nf 6 1 2\n";
    let mut with_mtl = polygons.as_bytes().to_vec();
    with_mtl.extend_from_slice(OBJ_MTL_SEPARATOR);
    with_mtl.extend_from_slice(
        b"newmtl red\nKa 0.1 0 0\nKd 1 0 0\nKs 0.5 0.5 0.5\nNs 10\nd 0.9\nillum 2\n\
        map_Kd -s 1 1 1 -o 0 0 0 missing.png\nnewmtl unused\nTr 0.2\n",
    );
    vec![
        file("cube.obj", obj_input(&meshes::cube_model())),
        file("textured-quad.obj", obj_input(&meshes::textured_quad_model())),
        file("two-cubes.obj", obj_input(&meshes::two_cubes_model())),
        file("polygons.obj", with_mtl),
    ]
}

fn model_zip() -> Files {
    let mut obj = meshes::obj_files(&meshes::textured_quad_model(), "model");
    obj.push(("__MACOSX/._model.obj".into(), b"junk".to_vec()));
    // Stored entries in folders, written raw: content a byte-level mutation reaches directly.
    let stored: Vec<RawEntry> = meshes::gltf_files(&meshes::two_cubes_model())
        .iter()
        .map(|(name, bytes)| RawEntry::file(&format!("source/{name}"), bytes))
        .collect();
    vec![
        file("sketchfab-textured-cube.zip", meshes::sketchfab_zip(&meshes::textured_cube_model())),
        file("obj-textured-quad.zip", meshes::zip_of(&obj)),
        file("stored-gltf.zip", zips::write(&stored)),
        file("glb-in-folder.zip", meshes::zip_of(&[("models/cube.glb".into(), meshes::glb(&meshes::cube_model()))])),
    ]
}

fn submission_zip() -> Files {
    let homework = vec![
        ("README.md".to_string(), b"# Homework 3\nRun `python main.py`.\n".to_vec()),
        ("src/main.py".to_string(), b"import sys\nprint(sum(map(int, sys.argv[1:])))\n".to_vec()),
        ("data/points.csv".to_string(), b"x,y\n1,2\n3,4\n".repeat(20)),
        ("renders/000.png".to_string(), meshes::checker_png(8, 2)),
    ];
    let mut gbk = RawEntry::file("", b"ni hao\n");
    gbk.name = vec![0xCF, 0xC2, 0xD4, 0xD8, b'/', b'a', b'.', b't', b'x', b't'];
    gbk.utf8_flag = false;
    let mut dir = RawEntry::file("empty/", b"");
    dir.unix_mode = 0o040755;
    let mut short = RawEntry::file("declared-larger.txt", b"only a few bytes");
    short.declared_size = Some(4096);
    vec![
        file("homework.zip", meshes::zip_of(&homework)),
        file("raw-entries.zip", zips::write(&[RawEntry::file("a/b/c.txt", b"nested\n"), gbk, dir, short])),
        file("empty.zip", meshes::zip_of(&[])),
    ]
}

/// The first `lines` exchanges of an example crawl's replay that are under `max` bytes each.
fn replay_lines(example: &str, lines: usize, max: usize) -> Vec<u8> {
    let text = std::fs::read_to_string(aigc_tests::root().join(format!("examples/{example}/replay"))).unwrap();
    let mut out = String::new();
    for line in text.lines().filter(|l| l.len() <= max).take(lines) {
        out.push_str(line);
        out.push('\n');
    }
    out.into_bytes()
}

fn replay() -> Files {
    let mut files: Files = ["artic", "iconify", "met", "sketchfab", "smithsonian", "url-list", "wikimedia"]
        .iter()
        .map(|e| file(&format!("{e}.jsonl"), replay_lines(e, 3, 4096)))
        .collect();
    let binary = format!(
        "{{\"method\":\"GET\",\"url\":\"https://img.example.org/a.png\",\"status\":200,\
         \"headers\":[[\"content-type\",\"image/png\"]],\"body_base64\":\"{}\"}}\n\
         {{\"method\":\"get\",\"url\":\"https://img.example.org/a.png\",\"status\":304}}\n\n\
         {{\"method\":\"POST\",\"url\":\"https://api.example.org/c?q=%41\",\"status\":301,\
         \"headers\":[[\"location\",\"/d\"]],\"final_url\":\"https://api.example.org/d\",\"body\":\"\\u00e9\"}}\n",
        b64::encode(&meshes::checker_png(4, 2))
    );
    files.push(file("binary-and-odd-urls.jsonl", binary));
    files
}

/// Standard base64, enough for the seeds' `data:` URIs (the test crate has no base64 dependency).
mod base64_light {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    pub fn encode(bytes: &[u8]) -> String {
        let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
        for chunk in bytes.chunks(3) {
            let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    #[test]
    fn encodes_like_the_standard() {
        assert_eq!(encode(b""), "");
        assert_eq!(encode(b"f"), "Zg==");
        assert_eq!(encode(b"fo"), "Zm8=");
        assert_eq!(encode(b"foo"), "Zm9v");
        assert_eq!(encode(b"foobar"), "Zm9vYmFy");
    }
}
