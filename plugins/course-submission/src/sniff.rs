//! What a file really is, judged from its first bytes only (the grader reads 64 bytes of each file it checks).

/// How many bytes of a file the checks read.
pub const HEAD: u32 = 64;

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// OBJ statements a file may start with (besides `#` comments and blank lines).
const OBJ_KEYWORDS: &[&str] = &["v", "vn", "vt", "vp", "f", "l", "p", "s", "o", "g", "mg", "mtllib", "usemtl"];

/// A format whose first bytes can be checked.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Format {
    Glb,
    Gltf,
    Zip,
    Obj,
    Ply,
    Json,
    Png,
}

impl Format {
    /// The format a file with this (lowercase) extension must have, if it can be checked.
    pub fn for_extension(ext: &str) -> Option<Self> {
        Some(match ext {
            "glb" => Self::Glb,
            "gltf" => Self::Gltf,
            // USDZ and 3MF files are zip archives too.
            "zip" | "usdz" | "3mf" => Self::Zip,
            "obj" => Self::Obj,
            "ply" => Self::Ply,
            "json" => Self::Json,
            "png" => Self::Png,
            _ => return None,
        })
    }

    /// What a file with extension `ext` must look like, for the student.
    pub fn rule(self, ext: &str) -> String {
        match self {
            Self::Glb => "a .glb file must start with the bytes `glTF`".into(),
            Self::Gltf => "a .gltf file must be JSON text starting with `{`".into(),
            Self::Zip => format!("a .{ext} file must be a zip archive, starting with the bytes `PK\\x03\\x04`"),
            Self::Obj => format!(
                "a .obj file must be text whose first lines are `#` comments or OBJ statements ({})",
                OBJ_KEYWORDS.join(", ")
            ),
            Self::Ply => "a .ply file must start with the line `ply`".into(),
            Self::Json => "a .json file must be JSON text starting with `{` or `[`".into(),
            Self::Png => "a .png file must start with the PNG signature `\\x89PNG\\r\\n\\x1a\\n`".into(),
        }
    }

    /// Whether `head`, the first bytes of a file, fit this format. `truncated` says the file goes on after `head`.
    pub fn matches(self, head: &[u8], truncated: bool) -> bool {
        match self {
            Self::Glb => head.starts_with(b"glTF"),
            Self::Gltf => text_start(head).first() == Some(&b'{'),
            Self::Zip => head.starts_with(b"PK\x03\x04"),
            Self::Obj => looks_like_obj(head, truncated),
            Self::Ply => {
                let rest = head.strip_prefix(b"ply").unwrap_or(b"-");
                matches!(rest.first(), Some(b'\n' | b'\r')) || (rest.is_empty() && truncated)
            }
            Self::Json => matches!(text_start(head).first(), Some(b'{' | b'[')),
            Self::Png => head.starts_with(PNG_SIGNATURE),
        }
    }
}

/// `head` without a UTF-8 byte-order mark and leading ASCII whitespace.
fn text_start(head: &[u8]) -> &[u8] {
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    let start = head.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(head.len());
    &head[start..]
}

/// OBJ is text; every line in `head` is blank, a `#` comment (any bytes but NUL: comments written on Chinese
/// Windows are often GBK) or starts with an OBJ keyword. A last line cut off by the 64-byte read only has to be the
/// start of one.
fn looks_like_obj(head: &[u8], truncated: bool) -> bool {
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    if head.is_empty() || head.contains(&0) {
        return false;
    }
    let lines: Vec<&[u8]> = head.split(|&b| b == b'\n').collect();
    let last = lines.len() - 1;
    lines.iter().enumerate().all(|(i, line)| {
        let line = line.trim_ascii();
        if line.is_empty() || line.starts_with(b"#") {
            return true;
        }
        let cut = i == last && truncated;
        let token_end = line.iter().position(|b| b.is_ascii_whitespace());
        let token = &line[..token_end.unwrap_or(line.len())];
        match (token_end, cut) {
            (None, true) => OBJ_KEYWORDS.iter().any(|k| k.as_bytes().starts_with(token)),
            _ => OBJ_KEYWORDS.iter().any(|k| k.as_bytes() == token),
        }
    })
}

/// What `head` looks like, in a few words for the student ("a PNG image", "an HTML page ...").
pub fn describe(head: &[u8]) -> String {
    let starts = |magic: &[u8]| head.starts_with(magic);
    let known = if head.is_empty() {
        "empty"
    } else if starts(PNG_SIGNATURE) {
        "a PNG image"
    } else if starts(b"\xff\xd8\xff") {
        "a JPEG image"
    } else if starts(b"GIF8") {
        "a GIF image"
    } else if starts(b"RIFF") && head.get(8..12) == Some(b"WEBP") {
        "a WebP image"
    } else if starts(b"glTF") {
        "a binary glTF (.glb) file"
    } else if starts(b"PK\x03\x04") {
        "a zip archive"
    } else if starts(b"PK\x05\x06") {
        "an empty zip archive"
    } else if starts(b"\x1f\x8b") {
        "a gzip file"
    } else if starts(b"Rar!") {
        "a RAR archive"
    } else if starts(b"7z\xbc\xaf\x27\x1c") {
        "a 7z archive"
    } else if starts(b"Kaydara FBX Binary") {
        "a binary FBX model"
    } else if starts(b"BLENDER") {
        "a Blender file"
    } else if starts(b"%PDF") {
        "a PDF document"
    } else {
        ""
    };
    if !known.is_empty() {
        return known.to_string();
    }
    if head.contains(&0) {
        let bytes: Vec<String> = head.iter().take(8).map(|b| format!("{b:02x}")).collect();
        return format!("binary data of an unknown kind (first bytes {})", bytes.join(" "));
    }
    let text = text_start(head);
    let lower = String::from_utf8_lossy(text).to_lowercase();
    if lower.starts_with('<') {
        if lower.contains("<html") || lower.contains("<!doctype html") || lower.contains("<head") {
            "an HTML web page (often a login or error page saved in place of the real file)".into()
        } else {
            "XML or HTML text".into()
        }
    } else if matches!(text.first(), Some(b'{' | b'[')) {
        "JSON text".into()
    } else if text.starts_with(b"ply") {
        "a PLY model".into()
    } else if text.starts_with(b"solid") {
        "an STL model (text)".into()
    } else if looks_like_obj(head, true) {
        "OBJ text".into()
    } else {
        let snippet: String =
            String::from_utf8_lossy(text).chars().take(24).map(|c| if c.is_control() { ' ' } else { c }).collect();
        format!("text starting with `{}`", snippet.trim_end())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_recognised_from_their_first_bytes() {
        assert!(Format::Glb.matches(b"glTF\x02\x00\x00\x00", false));
        assert!(!Format::Glb.matches(PNG_SIGNATURE, false));
        assert!(Format::Gltf.matches(b"\xef\xbb\xbf \n {\"asset\":", true));
        assert!(!Format::Gltf.matches(b"<!DOCTYPE html>", true));
        assert!(Format::Zip.matches(b"PK\x03\x04\x14\x00", true));
        assert!(!Format::Zip.matches(b"PK\x05\x06", false));
        assert!(Format::Ply.matches(b"ply\nformat ascii 1.0\n", true));
        assert!(!Format::Ply.matches(b"plyx", true));
        assert!(Format::Json.matches(b"[1]", false));
        assert!(Format::Png.matches(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", true));
        assert!(!Format::Png.matches(b"\xff\xd8\xff\xe0", true));
    }

    #[test]
    fn obj_is_text_with_obj_statements() {
        let blender = b"# Blender 3.6.0\n# www.blender.org\nmtllib cube.mtl\no Cube\nv 1.000000 1.0000";
        assert!(Format::Obj.matches(blender, true));
        // A long comment filling the whole read, and a keyword cut off by it.
        assert!(Format::Obj.matches(&[b"# ".as_slice(), &[b'x'; 62]].concat(), true));
        assert!(Format::Obj.matches(b"v 0 0 0\nv 1 0 0\nmtl", true));
        assert!(!Format::Obj.matches(b"v 0 0 0\nv 1 0 0\nmtl", false));
        // GBK comments (from Chinese Windows exporters) are fine.
        assert!(Format::Obj.matches(b"# \xb5\xbc\xb3\xf6\r\nv 0 0 0\r\n", false));
        assert!(!Format::Obj.matches(b"<html><body>Please log in", true));
        assert!(!Format::Obj.matches(b"glTF\x02\x00\x00\x00", true));
        assert!(!Format::Obj.matches(b"", false));
    }

    #[test]
    fn descriptions_name_the_real_format() {
        assert_eq!(describe(b"\x89PNG\r\n\x1a\n...."), "a PNG image");
        assert!(describe(b"\n<!DOCTYPE html><html>").contains("HTML web page"));
        assert_eq!(describe(b"{\"asset\":{}}"), "JSON text");
        assert_eq!(describe(b"v 1 2 3\n"), "OBJ text");
        assert_eq!(describe(b""), "empty");
        assert!(describe(b"\x00\x01\x02").contains("00 01 02"));
        assert_eq!(describe(b"hello world"), "text starting with `hello world`");
    }
}
