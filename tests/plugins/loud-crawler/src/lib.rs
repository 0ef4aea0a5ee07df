//! A crawler that tries what a hostile source would, as `mode` says; it logs the outcome of every put so the
//! tests can check what the host refused.
//!
//! - `reserved`: stores a model, then tries to store "renders" of it under the host's `render:` keys (any letter
//!   case, through `put` and `put-many`), and items under `import:` and `aigc-host:` keys;
//! - `names`: stores a glTF model whose companion files have hostile names (devices, drive letters, forbidden
//!   and control characters, trailing dots, case and NFC/NFD twins), and one item with a path for a name;
//! - `text`: stores an item whose category, title and licence hold terminal escapes, and one with a 64 MiB title;
//! - `huge-log`: logs 64 MiB in one message and escapes in others, and reports progress with escapes;
//! - `huge-error`: fails with a 64 MiB error that starts with escapes.

use aigc_sdk::collect::{self, NewFile, NewItem};
use aigc_sdk::dataset::Provenance;
use aigc_sdk::{Crawler, Error, Result, config, log};

aigc_sdk::manifest!({
    "kind": "crawler",
    "description": "Test crawler: hostile keys, names and text as `mode` says",
    "config": {
        "mode": { "default": "reserved", "help": "reserved | names | text | huge-log | huge-error" }
    }
});

const ESCAPES: &str = "\x1b[31mred\x1b[0m \x1b]0;pwned\x07 \u{9b}2J \u{202e}txt.exe\r";

const HUGE: usize = 64 << 20;

/// The companion file names of mode `names`, as the crawler gives them.
const HOSTILE_NAMES: &[&str] = &[
    "CON.png",
    "nul.txt",
    "a:b.png",
    "A.png",
    "a.png",
    "caf\u{e9}.png",
    "cafe\u{301}.png",
    "v1..2.png",
    "ctl\x1b[2J.png",
    "trail. ",
    "bidi\u{202e}gnp.exe",
    "what?*<>|\".png",
];

struct LoudCrawler;

fn item(key: &str, files: Vec<NewFile>, parent: Option<String>) -> NewItem {
    NewItem {
        source_key: key.to_string(),
        category: Some("animals".into()),
        title: Some(key.to_string()),
        provenance: Provenance {
            source_url: format!("http://example.org/{key}"),
            licence: Some("CC0-1.0".into()),
            licence_url: None,
            author: None,
            author_url: None,
        },
        metadata: "{}".into(),
        files,
        parent,
    }
}

fn png() -> NewFile {
    NewFile::new("view.png", "image/png", b"\x89PNG\r\n\x1a\nnot really".to_vec())
}

/// Logs what a put did, one line the tests can find: `stored KEY` or `refused KEY: ERROR`.
fn report(key: &str, outcome: Result<aigc_sdk::collect::PutResult>) {
    match outcome {
        Ok(put) => log::info(&format!("stored {key} as {} (created: {})", put.id, put.created)),
        Err(e) => log::warn(&format!("refused {key}: {e}")),
    }
}

fn reserved() -> Result<()> {
    let model = collect::put(&item(
        "loud:model",
        vec![NewFile::new("model.glb", "model/gltf-binary", b"glTF".to_vec())],
        None,
    ))?;
    log::info(&format!("model {}", model.id));
    for key in [
        format!("render:{}:random:000", model.id),
        format!("RENDER:{}:random:001", model.id),
        "import:0000000000000000000000000000000000000000000000000000000000000000".to_string(),
        "aigc-host:anything".to_string(),
    ] {
        report(&key, collect::put(&item(&key, vec![png()], Some(model.id.clone()))));
    }
    let batch = [
        item("loud:in-batch", vec![png()], None),
        item(&format!("render:{}:random:002", model.id), vec![png()], Some(model.id.clone())),
        item("loud:after-batch", vec![png()], None),
    ];
    for (item, outcome) in batch.iter().zip(collect::put_many(&batch)) {
        report(&item.source_key, outcome);
    }
    Ok(())
}

fn names() -> Result<()> {
    let mut files = vec![NewFile::new("scene.gltf", "model/gltf+json", br#"{"asset":{"version":"2.0"}}"#.to_vec())];
    for (i, name) in HOSTILE_NAMES.iter().enumerate() {
        files.push(NewFile::new(*name, "image/png", format!("file {i}").into_bytes()));
    }
    report("loud:names", collect::put(&item("loud:names", files, None)));
    let path = vec![NewFile::new("C:\\x.png", "image/png", b"x".to_vec())];
    report("loud:path", collect::put(&item("loud:path", path, None)));
    Ok(())
}

fn text() -> Result<()> {
    let mut loud = item("loud:text", vec![png()], None);
    loud.category = Some(format!("{ESCAPES}cat"));
    loud.title = Some(format!("{ESCAPES}title"));
    loud.provenance.licence = Some(format!("{ESCAPES}licence"));
    report("loud:text", collect::put(&loud));
    let mut huge = item("loud:huge-title", vec![png()], None);
    huge.title = Some("t".repeat(HUGE));
    report("loud:huge-title", collect::put(&huge));
    Ok(())
}

impl Crawler for LoudCrawler {
    fn crawl() -> Result<()> {
        match config::get_or("mode", "reserved").as_str() {
            "reserved" => reserved(),
            "names" => names(),
            "text" => text(),
            "huge-log" => {
                log::info(&format!("{ESCAPES}{}", "l".repeat(HUGE)));
                log::warn(&format!("{ESCAPES}\nERROR forged line"));
                log::progress(1, Some(2), ESCAPES);
                Ok(())
            }
            "huge-error" => Err(Error::msg(format!("{ESCAPES}{}", "x".repeat(HUGE)))),
            other => Err(Error::msg(format!("unknown mode `{other}`"))),
        }
    }
}

aigc_sdk::export_crawler!(LoudCrawler);
