//! The list of URLs: one entry per line, tab-separated (`URL<TAB>category[<TAB>licence[<TAB>author[<TAB>title]]]`)
//! or CSV with a header row naming the columns (`url,category,licence,author[,title]`). Lines that are blank or
//! start with `#` are ignored. A line that cannot be used is reported with its number and skipped; the rest of the
//! list goes on.

use aigc_sdk::web;
use std::collections::BTreeMap;

/// One usable line of the list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// 1-based line number in the list.
    pub line: usize,
    pub url: String,
    /// Lowercased.
    pub category: String,
    pub licence: Option<String>,
    pub author: Option<String>,
    pub title: Option<String>,
    /// Every named column of the line (CSV, or a tab list with a header), for the item's metadata.
    pub columns: BTreeMap<String, String>,
}

/// A line that was skipped, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub message: String,
}

/// How the list is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Tabs,
    Csv,
}

/// The parsed list.
#[derive(Debug)]
pub struct List {
    pub format: Format,
    pub entries: Vec<Entry>,
    pub problems: Vec<Problem>,
}

/// Column names a header may use, and the field each fills.
const COLUMNS: [(&str, &str); 7] = [
    ("url", "url"),
    ("category", "category"),
    ("licence", "licence"),
    ("license", "licence"),
    ("author", "author"),
    ("attribution", "author"),
    ("title", "title"),
];

/// Parses a list. CSV is recognised by its header (the first line that is not blank or a comment starts with
/// `url,`); a tab-separated list may have a header too (`url<TAB>category...`), else its columns are positional.
pub fn parse(text: &str) -> List {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.lines().enumerate().map(|(i, line)| (i + 1, line)).filter(|(_, line)| {
        let trimmed = line.trim();
        !trimmed.is_empty() && !trimmed.starts_with('#')
    });
    let mut list = List { format: Format::Tabs, entries: Vec::new(), problems: Vec::new() };
    let Some((first_number, first)) = lines.next() else { return list };
    let is_header = |fields: &[String]| fields.first().is_some_and(|f| f.trim().eq_ignore_ascii_case("url"));

    let csv_header = split_csv(first).filter(|fields| is_header(fields) && fields.len() > 1);
    let tab_header = Some(split_tabs(first)).filter(|fields| is_header(fields));
    let (format, header) = match (csv_header, tab_header) {
        (Some(fields), _) if !first.contains('\t') => (Format::Csv, Some(fields)),
        (_, Some(fields)) => (Format::Tabs, Some(fields)),
        _ => (Format::Tabs, None),
    };
    list.format = format;
    let header = match header {
        Some(fields) => {
            let names: Vec<String> = fields.iter().map(|f| f.trim().to_ascii_lowercase()).collect();
            if !names.iter().any(|n| n == "category") {
                list.problems.push(Problem {
                    line: first_number,
                    message: "the header has no `category` column: every line will be skipped".into(),
                });
            }
            Some(names)
        }
        None => None,
    };
    let rest: Box<dyn Iterator<Item = (usize, &str)>> =
        if header.is_some() { Box::new(lines) } else { Box::new(std::iter::once((first_number, first)).chain(lines)) };
    for (number, line) in rest {
        let fields = match format {
            Format::Tabs => split_tabs(line),
            Format::Csv => match split_csv(line) {
                Some(fields) => fields,
                None => {
                    list.problems.push(Problem { line: number, message: "unbalanced quotes".into() });
                    continue;
                }
            },
        };
        match entry(number, &fields, header.as_deref()) {
            Ok(entry) => list.entries.push(entry),
            Err(message) => list.problems.push(Problem { line: number, message }),
        }
    }
    list
}

fn entry(line: usize, fields: &[String], header: Option<&[String]>) -> Result<Entry, String> {
    let mut named = BTreeMap::new();
    let mut columns = BTreeMap::new();
    match header {
        Some(names) => {
            for (name, value) in names.iter().zip(fields) {
                columns.insert(name.clone(), value.trim().to_string());
                if let Some((_, field)) = COLUMNS.iter().find(|(column, _)| column == name) {
                    named.entry(*field).or_insert_with(|| value.trim().to_string());
                }
            }
        }
        None => {
            for (field, value) in ["url", "category", "licence", "author", "title"].into_iter().zip(fields) {
                named.insert(field, value.trim().to_string());
            }
        }
    }
    let text = |field: &str| named.get(field).cloned().filter(|v| !v.is_empty());
    let url = text("url").ok_or("no URL")?;
    if web::origin(&url).is_none() {
        return Err(format!("`{url:.200}` is not an absolute http(s) URL"));
    }
    let category = text("category").ok_or_else(|| format!("{url}: no category"))?.to_ascii_lowercase();
    if category.len() > 64 || !category.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        return Err(format!("{url}: the category `{category:.64}` is not a name of letters, digits, - and _"));
    }
    Ok(Entry { line, url, category, licence: text("licence"), author: text("author"), title: text("title"), columns })
}

fn split_tabs(line: &str) -> Vec<String> {
    line.split('\t').map(String::from).collect()
}

/// The fields of one CSV line (RFC 4180 quoting: `"a, b"`, `"say ""hi"""`); none when a quote is left open.
/// Fields cannot hold line breaks.
fn split_csv(line: &str) -> Option<Vec<String>> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut at_start = true;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                _ => field.push(c),
            }
        } else {
            match c {
                '"' if at_start || field.trim().is_empty() => {
                    field.clear();
                    quoted = true;
                }
                ',' => {
                    fields.push(std::mem::take(&mut field));
                    at_start = true;
                    continue;
                }
                _ => field.push(c),
            }
        }
        at_start = false;
    }
    if quoted {
        return None;
    }
    fields.push(field);
    Some(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tab_lists_with_comments_and_blank_lines() {
        let list = parse(
            "\u{feff}# my list\n\nhttps://a.org/x.glb\tAnimals\tCC-BY-4.0\tJane Doe\n  # indented comment\r\n\
             https://a.org/y.png\tplants\n\
             https://a.org/z.svg\ticons\t\tBob\tA fox\n\
             ftp://a.org/x\tanimals\n\
             https://a.org/w.glb\n\
             https://a.org/v.glb\tsea life\n",
        );
        assert_eq!(list.format, Format::Tabs);
        let urls: Vec<(usize, &str, &str)> =
            list.entries.iter().map(|e| (e.line, e.url.as_str(), e.category.as_str())).collect();
        assert_eq!(
            urls,
            [
                (3, "https://a.org/x.glb", "animals"),
                (5, "https://a.org/y.png", "plants"),
                (6, "https://a.org/z.svg", "icons")
            ]
        );
        assert_eq!(list.entries[0].licence.as_deref(), Some("CC-BY-4.0"));
        assert_eq!(list.entries[0].author.as_deref(), Some("Jane Doe"));
        assert_eq!(list.entries[1].licence, None);
        assert_eq!(list.entries[2].licence, None);
        assert_eq!(list.entries[2].author.as_deref(), Some("Bob"));
        assert_eq!(list.entries[2].title.as_deref(), Some("A fox"));
        let lines: Vec<usize> = list.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [7, 8, 9], "{:?}", list.problems);
    }

    #[test]
    fn csv_lists_need_a_header() {
        let list = parse(
            "# exported\nURL,Category,License,Author,Notes\n\
             https://a.org/x.glb,animals,CC0-1.0,\"Doe, Jane\",\"said \"\"hi\"\"\"\n\
             \"https://a.org/y.png\",plants,,,\n\
             https://a.org/z.png,plants,\"open\n",
        );
        assert_eq!(list.format, Format::Csv);
        assert_eq!(list.entries.len(), 2);
        let x = &list.entries[0];
        assert_eq!((x.line, x.licence.as_deref(), x.author.as_deref()), (3, Some("CC0-1.0"), Some("Doe, Jane")));
        assert_eq!(x.columns.get("notes").map(String::as_str), Some("said \"hi\""));
        assert_eq!(list.entries[1].url, "https://a.org/y.png");
        assert_eq!(list.problems, [Problem { line: 5, message: "unbalanced quotes".into() }]);
    }

    #[test]
    fn tab_lists_may_have_a_header_in_any_order() {
        let list = parse("url\tauthor\tcategory\nhttps://a.org/x.glb\tAnn\tanimals\n");
        assert_eq!(list.format, Format::Tabs);
        assert_eq!(list.entries[0].author.as_deref(), Some("Ann"));
        assert_eq!(list.entries[0].category, "animals");
        assert!(parse("").entries.is_empty());
        assert!(parse("url,author\nhttps://a.org/x,Ann\n").problems.iter().any(|p| p.line == 1));
    }

    #[test]
    fn splits_csv() {
        assert_eq!(split_csv("a,\"b,c\",,d").unwrap(), ["a", "b,c", "", "d"]);
        assert_eq!(split_csv("").unwrap(), [""]);
        assert_eq!(split_csv("\"x"), None);
    }
}
