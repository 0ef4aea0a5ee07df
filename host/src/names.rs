//! File names made portable: the one sanitizer for every name the host writes or records for a file — `dataset
//! import`, the store when it records an item's files, and every export (zip entries and folders). A portable
//! name can be created as it is on Linux, macOS and Windows, and two portable names that differ only in letter
//! case or Unicode normalisation are told apart before they meet on a case-insensitive disk.
//!
//! [`portable`] makes one name safe; [`UniqueNames`] hands out names that are also distinct within one folder,
//! resolving collisions the way file managers do (`name (2).ext`). Ordinary names (`view.png`, `scene.gltf`,
//! `v1..2.png`, `青铜鼎.glb`) come back unchanged, so existing layouts keep their names.

use std::collections::HashSet;

use unicode_normalization::UnicodeNormalization;

/// The longest name in bytes: ext4's limit for one path component, and within NTFS's and APFS's 255 UTF-16
/// units, since no character takes fewer UTF-8 bytes than UTF-16 units.
pub const MAX_NAME_BYTES: usize = 255;

/// What a name that leaves nothing usable becomes.
const FALLBACK: &str = "file";

/// Extensions up to this length are kept whole when a long name is shortened.
const MAX_KEPT_EXTENSION: usize = 16;

/// Device names Windows reserves in every folder, with or without an extension (`NUL.txt` is NUL).
const RESERVED: &[&str] = &[
    "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "COM0", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7",
    "COM8", "COM9", "COM¹", "COM²", "COM³", "LPT0", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8",
    "LPT9", "LPT¹", "LPT²", "LPT³",
];

/// Whether `c` cannot (or should not) appear in a file name: Windows' forbidden characters, every control
/// character, and the invisible bidirectional controls that make `photo\u{202e}gnp.exe` read as `photoexe.png`.
fn forbidden(c: char) -> bool {
    matches!(c, '<' | '>' | ':' | '"' | '/' | '\\' | '|' | '?' | '*') || crate::plugin_text::needs_escape(c, false)
}

/// `name` as a portable file name: NFC-normalised; forbidden and control characters replaced by `_`; trailing
/// dots and spaces (which Windows drops) removed; a reserved device name (`CON`, `nul.txt`, `COM1.png`) given a
/// `_` after its stem; cut to [`MAX_NAME_BYTES`] keeping a short extension; never empty, `.` or `..`. Idempotent,
/// and names that need none of this come back unchanged.
pub fn portable(name: &str) -> String {
    // NFC first: it may turn a decomposed sequence into one character, never into one of the forbidden ones.
    let mut out: String = name.nfc().map(|c| if forbidden(c) { '_' } else { c }).collect();
    if out.len() > MAX_NAME_BYTES {
        out = shorten(&out, MAX_NAME_BYTES);
    }
    trim_end(&mut out);
    if out.is_empty() {
        return FALLBACK.to_string();
    }
    if is_reserved(&out) {
        if out.len() == MAX_NAME_BYTES {
            // Room for the `_`; the stem still starts with the reserved word, so it stays reserved.
            out = shorten(&out, MAX_NAME_BYTES - 1);
            trim_end(&mut out);
        }
        let stem_end = out.find('.').unwrap_or(out.len());
        out.insert(stem_end, '_');
    }
    out
}

/// Drops trailing dots and spaces, which Windows removes from names (so `a.` and `a` would collide).
fn trim_end(name: &mut String) {
    let kept = name.trim_end_matches(['.', ' ']).len();
    name.truncate(kept);
}

/// Whether `name` is already portable (what [`portable`] returns for it).
pub fn is_portable(name: &str) -> bool {
    portable(name) == name
}

/// Whether Windows takes `name` for a device: its part before the first dot, less trailing spaces, is one of
/// [`RESERVED`] in any letter case.
fn is_reserved(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or(name).trim_end_matches(' ');
    // Byte-wise ASCII case folding: `com¹` matches `COM¹` too.
    RESERVED.iter().any(|r| r.eq_ignore_ascii_case(stem))
}

/// `name` cut to at most `max` bytes on a character boundary, keeping its extension when that is short.
fn shorten(name: &str, max: usize) -> String {
    let (stem, ext) = split_extension(name);
    if !ext.is_empty() && ext.len() + 1 < max && ext.len() <= MAX_KEPT_EXTENSION {
        let stem_max = max - ext.len() - 1;
        format!("{}.{ext}", &stem[..floor_char_boundary(stem, stem_max)])
    } else {
        name[..floor_char_boundary(name, max)].to_string()
    }
}

/// `("a.tar", "gz")` for `a.tar.gz`; a name without a dot, or with only a leading one (`.gitignore`), has no
/// extension.
fn split_extension(name: &str) -> (&str, &str) {
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => (stem, ext),
        _ => (name, ""),
    }
}

fn floor_char_boundary(text: &str, max: usize) -> usize {
    let mut end = max.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    end
}

/// How two names collide on a case-insensitive, normalisation-insensitive disk (Windows, macOS by default).
fn collision_key(portable_name: &str) -> String {
    portable_name.nfc().flat_map(char::to_lowercase).collect()
}

/// Portable names that are distinct within one folder, even where letter case and normalisation do not count:
/// a name colliding with one already handed out gets ` (2)`, ` (3)`, ... before its extension.
#[derive(Debug, Default)]
pub struct UniqueNames {
    taken: HashSet<String>,
}

impl UniqueNames {
    pub fn new() -> Self {
        Self::default()
    }

    /// The portable form of `name`, made distinct from every name this set handed out before.
    pub fn claim(&mut self, name: &str) -> String {
        let base = portable(name);
        if self.taken.insert(collision_key(&base)) {
            return base;
        }
        let (stem, ext) = split_extension(&base);
        for n in 2u64.. {
            let suffix = if ext.is_empty() { format!(" ({n})") } else { format!(" ({n}).{ext}") };
            let stem = &stem[..floor_char_boundary(stem, MAX_NAME_BYTES.saturating_sub(suffix.len()))];
            let candidate = portable(&format!("{stem}{suffix}"));
            if self.taken.insert(collision_key(&candidate)) {
                return candidate;
            }
        }
        unreachable!("u64 suffixes outlast any folder")
    }
}

/// Portable, distinct names for the files of one folder, in order.
pub fn unique<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut set = UniqueNames::new();
    names.into_iter().map(|name| set.claim(name)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_names_are_unchanged() {
        for name in [
            "view.png",
            "scene.gltf",
            "scene.bin",
            "v1..2.png",
            "青铜鼎.glb",
            "a b (1).png",
            ".gitignore",
            "archive.tar.gz",
            "thumbnail.jpeg",
            "Ünïcödé.obj",
            "CONSOLE.png",
            "com10.png",
            "x",
        ] {
            assert_eq!(portable(name), name, "{name}");
        }
    }

    #[test]
    fn hostile_names_become_portable() {
        for (name, expected) in [
            ("CON", "CON_"),
            ("con.png", "con_.png"),
            ("NUL.tar.gz", "NUL_.tar.gz"),
            ("Com1.png", "Com1_.png"),
            ("lpt²", "lpt²_"),
            ("CON .png", "CON _.png"),
            ("a:b.png", "a_b.png"),
            ("C:\\x.png", "C__x.png"),
            ("what?*<>|\".png", "what______.png"),
            ("bell\x07\x1b[31m.png", "bell__[31m.png"),
            ("photo\u{202e}gnp.exe", "photo_gnp.exe"),
            ("trailing. . .", "trailing"),
            ("name.png ", "name.png"),
            ("", "file"),
            (".", "file"),
            ("..", "file"),
            ("...", "file"),
            ("a/b", "a_b"),
            ("e\u{301}.png", "\u{e9}.png"),
        ] {
            assert_eq!(portable(name), expected, "{name:?}");
        }
        let long = format!("{}.png", "é".repeat(300));
        let short = portable(&long);
        assert!(short.len() <= MAX_NAME_BYTES && short.ends_with(".png"), "{short}");
        let no_ext = "x".repeat(1000);
        assert_eq!(portable(&no_ext).len(), MAX_NAME_BYTES);
        // Cutting a long stem can expose a reserved name or trailing spaces; both are still handled.
        let sneaky = format!("CON{}.png", " ".repeat(400));
        assert_eq!(portable(&sneaky), format!("CON{}_.png", " ".repeat(247)));
    }

    #[test]
    fn collisions_by_case_and_normalisation_get_numbered() {
        let names = unique(["A.png", "a.png", "caf\u{e9}.txt", "cafe\u{301}.txt", "a (2).png", "CON", "con", "README"]);
        assert_eq!(
            names,
            ["A.png", "a (2).png", "caf\u{e9}.txt", "caf\u{e9} (2).txt", "a (2) (2).png", "CON_", "con_ (2)", "README"]
        );
        let keys: HashSet<String> = names.iter().map(|n| collision_key(n)).collect();
        assert_eq!(keys.len(), names.len());
        let long = "y".repeat(300);
        let twins = unique([long.as_str(), long.as_str(), long.as_str()]);
        assert!(twins.iter().all(|n| n.len() <= MAX_NAME_BYTES && is_portable(n)), "{twins:?}");
        assert!(twins[2].ends_with(" (3)"));
    }

    /// Pseudo-random names built from the characters that cause trouble; every output must be portable,
    /// idempotent, short enough and never empty, and a set of them distinct without regard to case.
    #[test]
    fn any_name_comes_out_portable_and_stable() {
        #[rustfmt::skip]
        const PIECES: &[&str] = &[
            "a", "Z", ".", " ", "..", ":", "\\", "/", "*", "?", "\"", "<", ">", "|", "\0", "\x1b", "\x7f", "\u{85}",
            "\u{9b}", "\u{202e}", "\u{2066}", "\u{200f}", "e\u{301}", "\u{e9}", "\u{1e9b}\u{323}", "CON", "nul",
            "com1", "LPT9", "ß", "İ", "日本", "😀", ".png", ".tar.gz", "q\u{307}\u{323}", "\u{fb01}", "~", "-",
        ];
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..20_000 {
            let len = (next() % 12) as usize + if next() % 50 == 0 { 200 } else { 0 };
            let name: String = (0..len).map(|_| PIECES[(next() % PIECES.len() as u64) as usize]).collect();
            let out = portable(&name);
            assert!(!out.is_empty() && out != "." && out != "..", "{name:?}");
            assert!(out.len() <= MAX_NAME_BYTES, "{name:?} -> {} bytes", out.len());
            assert!(!out.chars().any(forbidden), "{name:?} -> {out:?}");
            assert!(!out.ends_with(['.', ' ']), "{name:?} -> {out:?}");
            assert!(!is_reserved(&out), "{name:?} -> {out:?}");
            assert!(unicode_normalization::is_nfc(&out), "{name:?} -> {out:?}");
            assert_eq!(portable(&out), out, "not idempotent for {name:?}");
        }
        let mut set = UniqueNames::new();
        let mut seen = HashSet::new();
        for _ in 0..2_000 {
            let name: String = (0..(next() % 3)).map(|_| PIECES[(next() % PIECES.len() as u64) as usize]).collect();
            let out = set.claim(&name);
            assert!(is_portable(&out), "{name:?} -> {out:?}");
            assert!(seen.insert(collision_key(&out)), "{name:?} -> {out:?} collides");
        }
    }
}
