//! Text a plugin hands back to the host — verdict reasons, check names and messages, returned errors, captured
//! output, log lines — held to two rules wherever it enters or leaves the host:
//!
//! 1. **Capped at the boundary.** Before anything is stored, counted or printed, each piece is cut to a size
//!    that fits its use ([`cap_reason`], [`cap_name`], [`cap_message`]), on a character boundary, with a note
//!    saying how much was cut, so a plugin returning 64 MiB costs the host a few KiB. Counting distinct reasons
//!    is bounded too ([`ReasonCounts`]), so a million different reasons cannot grow a summary without bound.
//! 2. **Escaped on the terminal.** Every human text output shows plugin text through [`line`] or [`text`],
//!    which turn control characters (C0, DEL, C1, so ESC and its 8-bit CSI) and the invisible bidirectional
//!    controls that reorder what a reader sees ("Trojan Source") into visible `\x1b` / `\u{202e}` text. JSON
//!    output goes through [`json_pretty`]: serde writes C0 controls as `\u00XX` but C1 controls (0x9b, an 8-bit
//!    CSI) and bidi controls as they are, so those are written as `\uXXXX` escapes too; the parsed document is
//!    the same.
//!
//! Caps change what is stored; escapes only change what is shown, so `--json` and the dataset keep the plugin's
//! text as it was (within its cap).

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io;

use serde_json::ser::{Formatter, PrettyFormatter};

/// A verdict's reason: a few words that group items in a summary (`too-small`, `has-text`).
pub const REASON_CAP: usize = 200;
/// A short name a plugin chooses: a grader's check name.
pub const NAME_CAP: usize = 200;
/// A message for people: a check's message, a plugin's error, its last output lines.
pub const MESSAGE_CAP: usize = 4096;
/// Longest note [`cap`] appends ("… [cut: 18446744073709551615 bytes more]").
pub const NOTE_MAX: usize = 48;

/// The group distinct reasons fold into once a summary holds [`ReasonCounts::REPORTED`] of them.
pub const OTHER_REASONS: &str = "(other reasons)";

/// `text` cut to at most `max` bytes on a character boundary, with a note of how many bytes were cut; the
/// result is at most `max + NOTE_MAX` bytes. Text within the cap comes back unchanged.
pub fn cap(text: &str, max: usize) -> Cow<'_, str> {
    if text.len() <= max {
        return Cow::Borrowed(text);
    }
    let end = floor_char_boundary(text, max);
    Cow::Owned(format!("{}… [cut: {} bytes more]", &text[..end], text.len() - end))
}

/// [`cap`] for an owned string, without copying text that fits.
pub fn cap_owned(text: String, max: usize) -> String {
    if text.len() <= max { text } else { cap(&text, max).into_owned() }
}

/// The last `max` bytes of `text` (on a character boundary), after a note of how many came before: for output
/// whose end matters most, like a panic's last lines.
pub fn cap_tail(text: &str, max: usize) -> Cow<'_, str> {
    if text.len() <= max {
        return Cow::Borrowed(text);
    }
    let mut start = text.len() - max;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    Cow::Owned(format!("[cut: {start} bytes before] …{}", &text[start..]))
}

/// A verdict's reason, capped at [`REASON_CAP`].
pub fn cap_reason(reason: String) -> String {
    cap_owned(reason, REASON_CAP)
}

/// A check's name, capped at [`NAME_CAP`].
pub fn cap_name(name: String) -> String {
    cap_owned(name, NAME_CAP)
}

/// A message, capped at [`MESSAGE_CAP`].
pub fn cap_message(message: String) -> String {
    cap_owned(message, MESSAGE_CAP)
}

fn floor_char_boundary(text: &str, max: usize) -> usize {
    let mut end = max.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    end
}

/// Plugin text for one line of terminal output: every control character is escaped, line breaks and tabs too,
/// so a field cannot start a line of its own or move the cursor. Use it in `format!`: `{}`.
pub fn line(text: &str) -> Shown<'_> {
    Shown { text, keep_lines: false }
}

/// Plugin text for terminal output that may span lines (an error with its cause, a panic's output): like
/// [`line`], but `\n` and `\t` are kept.
pub fn text(text: &str) -> Shown<'_> {
    Shown { text, keep_lines: true }
}

/// Text shown with its control characters escaped; see [`line`] and [`text`].
#[derive(Debug, Clone, Copy)]
pub struct Shown<'a> {
    text: &'a str,
    keep_lines: bool,
}

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.text;
        while let Some((at, c)) = rest.char_indices().find(|&(_, c)| needs_escape(c, self.keep_lines)) {
            f.write_str(&rest[..at])?;
            match c {
                '\n' => f.write_str("\\n")?,
                '\r' => f.write_str("\\r")?,
                '\t' => f.write_str("\\t")?,
                c if (c as u32) < 0x80 => write!(f, "\\x{:02x}", c as u32)?,
                c => write!(f, "\\u{{{:x}}}", c as u32)?,
            }
            rest = &rest[at + c.len_utf8()..];
        }
        f.write_str(rest)
    }
}

/// Whether `c` could drive a terminal or hide what a reader sees: C0 controls (ESC among them), DEL, C1 controls
/// (0x9b is an 8-bit CSI on some terminals), the bidirectional embeddings, overrides and isolates, the invisible
/// direction marks, and the Unicode line and paragraph separators.
pub fn needs_escape(c: char, keep_lines: bool) -> bool {
    match c {
        '\n' | '\t' => !keep_lines,
        '\0'..='\x1f' | '\x7f'..='\u{9f}' => true,
        '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => true,
        _ => false,
    }
}

/// Whether `text` shows as it is, with nothing to escape on one line.
pub fn is_plain(text: &str) -> bool {
    !text.chars().any(|c| needs_escape(c, false))
}

/// `value` as pretty JSON that is safe on a terminal: every character [`needs_escape`] flags is written as a
/// `\uXXXX` escape (serde already does so for C0 controls), so the text holds no C1 control, DEL or bidi control
/// while parsing to the same document. Ordinary output is byte for byte what `serde_json::to_string_pretty` gives.
pub fn json_pretty<T: serde::Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    let mut out = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, TerminalSafe(PrettyFormatter::new()));
    value.serialize(&mut serializer)?;
    // The serializer writes only what `str`s and ASCII it was given, so this cannot fail; be safe anyway.
    String::from_utf8(out).map_err(|e| serde_json::Error::io(io::Error::new(io::ErrorKind::InvalidData, e)))
}

/// serde_json's pretty printing, with the string escapes of [`json_pretty`].
struct TerminalSafe<'a>(PrettyFormatter<'a>);

impl Formatter for TerminalSafe<'_> {
    fn write_string_fragment<W: ?Sized + io::Write>(&mut self, writer: &mut W, fragment: &str) -> io::Result<()> {
        let mut rest = fragment;
        while let Some((at, c)) = rest.char_indices().find(|&(_, c)| needs_escape(c, false)) {
            writer.write_all(&rest.as_bytes()[..at])?;
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                write!(writer, "\\u{unit:04x}")?;
            }
            rest = &rest[at + c.len_utf8()..];
        }
        writer.write_all(rest.as_bytes())
    }

    fn begin_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_array(writer)
    }

    fn end_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array(writer)
    }

    fn begin_array_value<W: ?Sized + io::Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_array_value(writer, first)
    }

    fn end_array_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array_value(writer)
    }

    fn begin_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object(writer)
    }

    fn end_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object(writer)
    }

    fn begin_object_key<W: ?Sized + io::Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_object_key(writer, first)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object_value(writer)
    }

    fn end_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object_value(writer)
    }
}

/// Counts of verdict reasons with a bounded number of distinct ones. The first [`ReasonCounts::TRACKED`]
/// distinct reasons are counted exactly; reasons arriving after that are counted under [`OTHER_REASONS`]. The
/// report keeps the [`ReasonCounts::REPORTED`] most frequent (ties by name) and folds the rest into
/// [`OTHER_REASONS`] too, so a rule that returns a new reason per item costs a bounded map, not one entry per
/// item, and an ordinary rule's few reasons are all reported exactly.
#[derive(Debug, Default)]
pub struct ReasonCounts {
    counts: HashMap<String, u64>,
    other: u64,
}

impl ReasonCounts {
    /// Distinct reasons counted one by one (each at most [`REASON_CAP`] plus a note: about 2.5 MiB at most).
    pub const TRACKED: usize = 10_000;
    /// Distinct reasons a summary lists.
    pub const REPORTED: usize = 100;

    /// Counts `n` more items under `reason`. A reason longer than a capped one (read back from an older dataset)
    /// is capped here; one already capped, note and all, is kept as it is.
    pub fn add(&mut self, reason: &str, n: u64) {
        let reason = cap(reason, REASON_CAP + NOTE_MAX);
        if let Some(count) = self.counts.get_mut(reason.as_ref()) {
            *count += n;
        } else if self.counts.len() < Self::TRACKED && reason != OTHER_REASONS {
            self.counts.insert(reason.into_owned(), n);
        } else {
            self.other += n;
        }
    }

    /// The [`ReasonCounts::REPORTED`] most frequent reasons, and [`OTHER_REASONS`] with the rest when any.
    pub fn report(&self) -> BTreeMap<String, u64> {
        fold(self.counts.iter().map(|(r, n)| (r.as_str(), *n)), self.other, Self::REPORTED)
    }
}

/// `counts` as a map of at most `keep` reasons (the most frequent, ties by name) plus [`OTHER_REASONS`] holding
/// `other` and everything left out.
pub fn fold<'a>(counts: impl IntoIterator<Item = (&'a str, u64)>, other: u64, keep: usize) -> BTreeMap<String, u64> {
    let mut all: Vec<(&str, u64)> = counts.into_iter().collect();
    all.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let mut other = other;
    let mut report = BTreeMap::new();
    for (index, (reason, n)) in all.into_iter().enumerate() {
        if index < keep && reason != OTHER_REASONS {
            report.insert(reason.to_string(), n);
        } else {
            other += n;
        }
    }
    if other > 0 {
        report.insert(OTHER_REASONS.to_string(), other);
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_cut_on_char_boundaries_and_say_so() {
        assert_eq!(cap("short", 10), "short");
        assert!(matches!(cap("short", 5), Cow::Borrowed(_)));
        let cut = cap("abcdef", 3);
        assert_eq!(cut, "abc… [cut: 3 bytes more]");
        // 'é' is two bytes: a cut inside it moves back to its start.
        let cut = cap("aéé", 2);
        assert_eq!(cut, "a… [cut: 4 bytes more]");
        for max in 0..12 {
            let text = "日本語のテキスト";
            let cut = cap(text, max);
            assert!(cut.len() <= max + NOTE_MAX, "{max}: {cut}");
        }
        let huge = "x".repeat(64 << 20);
        let cut = cap_message(huge);
        assert!(
            cut.len() <= MESSAGE_CAP + NOTE_MAX
                && cut.ends_with(&format!("[cut: {} bytes more]", (64 << 20) - MESSAGE_CAP))
        );
        assert_eq!(cap_tail("abcdef", 2), "[cut: 4 bytes before] …ef");
        assert_eq!(cap_tail("aéé", 3), "[cut: 3 bytes before] …é");
        assert_eq!(cap_tail("ok", 2), "ok");
    }

    #[test]
    fn terminal_controls_and_bidi_overrides_are_shown_escaped() {
        let hostile = "red\x1b[31m\x07 \u{9b}2J \u{202e}gnp.exe\u{2066} \r\n\tend\x7f";
        let one_line = line(hostile).to_string();
        assert_eq!(one_line, "red\\x1b[31m\\x07 \\u{9b}2J \\u{202e}gnp.exe\\u{2066} \\r\\n\\tend\\x7f");
        let lines = text(hostile).to_string();
        assert_eq!(lines, "red\\x1b[31m\\x07 \\u{9b}2J \\u{202e}gnp.exe\\u{2066} \\r\n\tend\\x7f");
        for shown in [one_line, lines] {
            assert!(shown.chars().all(|c| !needs_escape(c, true)), "{shown:?}");
        }
        assert_eq!(line("plain 日本語 ✓ é").to_string(), "plain 日本語 ✓ é");
        assert!(is_plain("ok") && !is_plain("a\nb") && !is_plain("\u{200f}"));
    }

    #[test]
    fn every_char_is_either_shown_or_escaped_to_ascii() {
        // Exhaustive over the BMP and a sample beyond: an escaped char becomes printable ASCII only.
        for code in (0u32..0x1_0000).chain([0x1f600, 0xe0001, 0x10ffff]) {
            let Some(c) = char::from_u32(code) else { continue };
            let shown = line(&c.to_string()).to_string();
            if needs_escape(c, false) {
                assert!(shown.starts_with('\\') && shown.bytes().all(|b| (0x20..0x7f).contains(&b)), "{code:x}");
            } else {
                assert_eq!(shown, c.to_string());
            }
        }
    }

    #[test]
    fn json_is_the_same_document_without_terminal_controls() {
        let value = serde_json::json!({
            "reason": "a\x1b[31m \u{9b}2J \u{202e}x \x7f \u{2028} 日本 é \u{1f600}",
            "list": [1, "two", {"nested": "\u{2066}"}],
            "empty": {}, "none": [],
        });
        let safe = json_pretty(&value).unwrap();
        assert!(!safe.chars().any(|c| needs_escape(c, true)), "{safe:?}");
        assert!(safe.contains("\\u009b2J") && safe.contains("\\u202ex") && safe.contains("日本 é \u{1f600}"), "{safe}");
        let parsed: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(parsed, value);
        let ordinary = serde_json::json!({"a": [1, 2, {"b": "plain 日本"}], "c": null, "d": {}});
        assert_eq!(json_pretty(&ordinary).unwrap(), serde_json::to_string_pretty(&ordinary).unwrap());
    }

    #[test]
    fn distinct_reasons_are_bounded_and_the_frequent_ones_reported() {
        let mut counts = ReasonCounts::default();
        for i in 0..1_000_000u64 {
            counts.add(&format!("reason-{i}"), 1);
            counts.add("common", 1);
        }
        counts.add("rare-but-early", 0);
        assert!(counts.counts.len() <= ReasonCounts::TRACKED);
        let report = counts.report();
        assert_eq!(report.len(), ReasonCounts::REPORTED + 1);
        assert_eq!(report["common"], 1_000_000);
        assert_eq!(report.values().sum::<u64>(), 2_000_000, "nothing is lost, only folded");
        assert!(report[OTHER_REASONS] >= 1_000_000 - ReasonCounts::TRACKED as u64);

        // A reason capped when it was stored is counted under that same text, not cut a second time.
        let capped = cap_reason("x".repeat(1000));
        let mut once = ReasonCounts::default();
        once.add(&capped, 1);
        assert_eq!(once.report().into_keys().collect::<Vec<_>>(), [capped]);

        let mut few = ReasonCounts::default();
        few.add("too-small", 3);
        few.add("blurry", 1);
        few.add(OTHER_REASONS, 2);
        let report = few.report();
        assert_eq!(report, [("blurry".into(), 1), ("too-small".into(), 3), (OTHER_REASONS.into(), 2)].into());
    }
}
