//! Store tests against real temp directories, since durability and layout on disk are what they check.

mod crash;

use std::path::Path;

use super::*;

fn dataset() -> (tempfile::TempDir, Dataset) {
    let dir = tempfile::tempdir().unwrap();
    let ds = Dataset::create_or_open(&dir.path().join("ds")).unwrap();
    (dir, ds)
}

fn file(name: &str, data: &[u8]) -> NewFile {
    NewFile { name: name.into(), media_type: "application/octet-stream".into(), data: data.to_vec() }
}

fn new_item(key: &str, category: Option<&str>, files: Vec<NewFile>) -> NewItem {
    NewItem {
        source_key: key.into(),
        category: category.map(Into::into),
        title: Some(format!("title of {key}")),
        provenance: Provenance {
            source_url: format!("https://example.org/{key}"),
            licence: Some("CC-BY-4.0".into()),
            licence_url: Some("https://creativecommons.org/licenses/by/4.0/".into()),
            author: Some("A. Author".into()),
            author_url: None,
        },
        metadata: r#"{"width": 8}"#.into(),
        files,
        parent: None,
    }
}

fn verdict(rule: &str, keep: bool) -> Verdict {
    Verdict { rule: rule.into(), keep, reason: format!("{rule} says {keep}"), score: Some(0.5) }
}

fn plugin() -> PluginRef {
    PluginRef { name: "test-crawler".into(), version: "1.0.0".into(), sha256: "ab".repeat(32) }
}

fn blob_count(root: &Path) -> usize {
    std::fs::read_dir(root.join("blobs"))
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_name() != ".tmp")
        .map(|shard| std::fs::read_dir(shard.path()).unwrap().count())
        .sum()
}

fn invalid_message(result: Result<impl std::fmt::Debug>) -> String {
    match result {
        Err(e @ StoreError::Invalid { .. }) => e.to_string(),
        other => panic!("expected an Invalid error, got {other:?}"),
    }
}

#[test]
fn dataset_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Dataset>();
}

#[test]
fn item_ids_are_stable_across_datasets() {
    // Pinned: changing the derivation would give existing datasets new ids for the same items.
    assert_eq!(item_id("https://example.org/a"), "ad9267416a24e76d");
}

#[test]
fn put_get_read_round_trip() {
    let (_tmp, ds) = dataset();
    let run = ds.begin_run(&plugin(), "run", r#"{"base_url": "http://127.0.0.1"}"#).unwrap();
    let out = ds.put_item(Some(run), &new_item("a", Some("photo"), vec![file("a.jpg", b"hello")])).unwrap();
    assert_eq!(out, PutOutcome { id: item_id("a"), created: true });

    let item = ds.get(&out.id).unwrap().unwrap();
    assert_eq!(item.source_key, "a");
    assert_eq!(item.category.as_deref(), Some("photo"));
    assert_eq!(item.provenance.licence.as_deref(), Some("CC-BY-4.0"));
    assert_eq!(item.run_id, Some(run));
    assert_eq!(item.metadata, r#"{"width": 8}"#);
    assert_eq!(
        item.files,
        vec![FileInfo {
            name: "a.jpg".into(),
            media_type: "application/octet-stream".into(),
            size: 5,
            sha256: "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824".into(),
        }]
    );
    assert!(item.created_at.ends_with('Z') && item.created_at.len() == 24, "{}", item.created_at);
    assert_eq!(ds.read_file(&out.id, "a.jpg").unwrap().as_deref(), Some(&b"hello"[..]));
    assert_eq!(ds.read_file(&out.id, "missing.jpg").unwrap(), None);
    assert_eq!(ds.get("0000000000000000").unwrap(), None);
    assert!(ds.blob_path(&item.files[0].sha256).starts_with(ds.root().join("blobs").join("2c")));
    ds.finish_run(run, "ok", r#"{"items_added": 1}"#).unwrap();
}

#[test]
fn put_is_idempotent_by_source_key() {
    let (_tmp, ds) = dataset();
    assert_eq!(ds.seen("a").unwrap(), None);
    let first = ds.put_item(None, &new_item("a", None, vec![file("x", b"one")])).unwrap();
    // Different content under the same key: the first write wins and nothing new is stored.
    let second = ds.put_item(None, &new_item("a", Some("other"), vec![file("x", b"two")])).unwrap();
    assert!(first.created);
    assert_eq!(second, PutOutcome { id: first.id.clone(), created: false });
    assert_eq!(ds.seen("a").unwrap(), Some(first.id.clone()));
    assert_eq!(ds.stats().unwrap().items, 1);
    assert_eq!(ds.get(&first.id).unwrap().unwrap().category, None);
    assert_eq!(blob_count(ds.root()), 1);
}

#[test]
fn concurrent_puts_of_one_key_create_it_once() {
    let (_tmp, ds) = dataset();
    let created: usize = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|_| s.spawn(|| ds.put_item(None, &new_item("same", None, vec![file("f", b"x")])).unwrap().created))
            .collect();
        handles.into_iter().map(|h| usize::from(h.join().unwrap())).sum()
    });
    assert_eq!(created, 1);
    assert_eq!(ds.stats().unwrap().items, 1);
}

#[test]
fn identical_blobs_are_stored_once() {
    let (_tmp, ds) = dataset();
    ds.put_item(None, &new_item("a", None, vec![file("1", b"same"), file("2", b"a only")])).unwrap();
    ds.put_item(None, &new_item("b", None, vec![file("1", b"same")])).unwrap();
    assert_eq!(blob_count(ds.root()), 2);
    let a = ds.get(&item_id("a")).unwrap().unwrap();
    let b = ds.get(&item_id("b")).unwrap().unwrap();
    assert_eq!(a.files[0].sha256, b.files[0].sha256);
    assert_eq!(ds.read_file(&b.id, "1").unwrap().as_deref(), Some(&b"same"[..]));
    // No temp files are left behind once writes finish.
    assert_eq!(std::fs::read_dir(ds.root().join("blobs/.tmp")).unwrap().count(), 0);
}

#[test]
fn items_pages_with_cursor_and_category_filter() {
    let (_tmp, ds) = dataset();
    for i in 0..7 {
        let category = if i % 2 == 0 { "even" } else { "odd" };
        ds.put_item(None, &new_item(&format!("k{i}"), Some(category), vec![])).unwrap();
    }
    let mut all_ids: Vec<String> = (0..7).map(|i| item_id(&format!("k{i}"))).collect();
    all_ids.sort();

    let mut paged = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = ds.items(None, after.as_deref(), 3).unwrap();
        assert!(page.len() <= 3);
        let Some(last) = page.last() else { break };
        after = Some(last.id.clone());
        paged.extend(page.into_iter().map(|item| item.id));
    }
    assert_eq!(paged, all_ids);

    let even = ds.items(Some("even"), None, 100).unwrap();
    assert_eq!(even.len(), 4);
    assert!(even.iter().all(|item| item.category.as_deref() == Some("even")));
    let after_first = ds.items(Some("even"), Some(&even[0].id), 100).unwrap();
    assert_eq!(after_first, even[1..]);
    assert!(ds.items(Some("none such"), None, 100).unwrap().is_empty());
    assert!(ds.items(None, None, 0).unwrap().is_empty());
}

#[test]
fn verdicts_replace_and_derive_status() {
    let (_tmp, ds) = dataset();
    let id = ds.put_item(None, &new_item("a", None, vec![])).unwrap().id;
    let status = |ds: &Dataset| ds.listings().unwrap()[0].status;
    assert_eq!(status(&ds), Status::Pending);

    ds.put_verdict(&id, &verdict("blur", true), None).unwrap();
    assert_eq!(status(&ds), Status::Kept);
    ds.put_verdict(&id, &verdict("nsfw", false), None).unwrap();
    assert_eq!(status(&ds), Status::Dropped);
    // Re-running the rule replaces its verdict rather than adding one.
    ds.put_verdict(&id, &verdict("nsfw", true), None).unwrap();
    let listing = &ds.listings().unwrap()[0];
    assert_eq!(listing.status, Status::Kept);
    assert_eq!(listing.verdicts, vec![verdict("blur", true), verdict("nsfw", true)]);

    let missing = ds.put_verdict("ffffffffffffffff", &verdict("blur", true), None);
    assert!(invalid_message(missing).contains("no item `ffffffffffffffff`"));
    let nan = Verdict { score: Some(f64::NAN), ..verdict("blur", true) };
    assert!(invalid_message(ds.put_verdict(&id, &nan, None)).contains("non-finite"));
}

#[test]
fn verdicts_in_one_batch_are_all_stored_or_none() {
    let (_tmp, ds) = dataset();
    let a = ds.put_item(None, &new_item("a", None, vec![])).unwrap().id;
    let b = ds.put_item(None, &new_item("b", None, vec![])).unwrap().id;
    let batch = vec![
        (a.clone(), verdict("blur", true), None),
        (a.clone(), verdict("nsfw", false), None),
        (b.clone(), verdict("blur", true), None),
    ];
    ds.put_verdicts(&batch).unwrap();
    ds.put_verdicts(&[]).unwrap();
    let listings = ds.listings().unwrap();
    let of = |id: &str| listings.iter().find(|l| l.item.id == id).unwrap();
    assert_eq!(of(&a).verdicts, vec![verdict("blur", true), verdict("nsfw", false)]);
    assert_eq!(of(&a).status, Status::Dropped);
    assert_eq!(of(&b).verdicts, vec![verdict("blur", true)]);

    // One bad row (an unknown item, a non-finite score) and nothing of the batch is written.
    let missing =
        vec![(b.clone(), verdict("nsfw", false), None), ("ffffffffffffffff".into(), verdict("r", true), None)];
    assert!(invalid_message(ds.put_verdicts(&missing)).contains("no item `ffffffffffffffff`"));
    let nan = vec![
        (b.clone(), verdict("nsfw", false), None),
        (b.clone(), Verdict { score: Some(f64::NAN), ..verdict("x", true) }, None),
    ];
    assert!(invalid_message(ds.put_verdicts(&nan)).contains("non-finite"));
    let listings = ds.listings().unwrap();
    assert_eq!(listings.iter().find(|l| l.item.id == b).unwrap().verdicts, vec![verdict("blur", true)]);
}

#[test]
fn stats_count_items_categories_statuses_and_bytes() {
    let (_tmp, ds) = dataset();
    let a = ds.put_item(None, &new_item("a", Some("photo"), vec![file("1", b"1234"), file("2", b"56")])).unwrap();
    let b = ds.put_item(None, &new_item("b", Some("photo"), vec![file("1", b"1234")])).unwrap();
    ds.put_item(None, &new_item("c", None, vec![])).unwrap();
    ds.put_verdict(&a.id, &verdict("r", true), None).unwrap();
    ds.put_verdict(&b.id, &verdict("r", false), None).unwrap();

    let stats = ds.stats().unwrap();
    assert_eq!(stats.items, 3);
    assert_eq!(stats.by_category, [("(none)".to_string(), 1), ("photo".to_string(), 2)].into());
    let by_status: BTreeMap<String, u64> =
        [("dropped".to_string(), 1), ("kept".to_string(), 1), ("pending".to_string(), 1)].into();
    assert_eq!(stats.by_status, by_status);
    assert_eq!((stats.files, stats.bytes), (3, 10));
    // `stats` derives statuses in SQL; it must agree with `Status::from_verdicts` behind `listings`.
    let mut from_listings: BTreeMap<String, u64> = by_status.keys().map(|k| (k.clone(), 0)).collect();
    for listing in ds.listings().unwrap() {
        *from_listings.entry(listing.status.to_string()).or_default() += 1;
    }
    assert_eq!(from_listings, stats.by_status);

    let (_tmp2, empty) = dataset();
    let stats = empty.stats().unwrap();
    assert_eq!((stats.items, stats.files, stats.bytes), (0, 0, 0));
    assert_eq!(stats.by_status.values().sum::<u64>(), 0);
    assert_eq!(stats.by_status.len(), 3);
}

#[test]
fn bad_inputs_are_rejected_without_writing() {
    let (_tmp, ds) = dataset();
    let with = |f: &dyn Fn(&mut NewItem)| {
        let mut item = new_item("k", None, vec![file("ok.txt", b"data")]);
        f(&mut item);
        ds.put_item(None, &item)
    };
    assert!(invalid_message(with(&|i| i.metadata = "{not json".into())).contains("not valid JSON"));
    assert!(invalid_message(with(&|i| i.metadata = "[1, 2]".into())).contains("not an object"));
    for bad in ["..", "../x", "a/b", "a\\b", "", "nul\0", "."] {
        let message = invalid_message(with(&|i| i.files[0].name = bad.into()));
        assert!(message.contains("file name"), "{bad:?}: {message}");
    }
    assert!(invalid_message(with(&|i| i.files.push(file("ok.txt", b"again")))).contains("two files named"));
    assert!(
        invalid_message(with(&|i| i.parent = Some("0123456789abcdef".into()))).contains("no item `0123456789abcdef`")
    );
    assert!(invalid_message(with(&|i| i.source_key = String::new())).contains("empty source key"));
    assert!(invalid_message(with(&|i| i.source_key = "x".repeat(1025))).contains("over the limit"));
    assert!(invalid_message(ds.put_item(Some(42), &new_item("k", None, vec![]))).contains("no run 42"));
    assert!(invalid_message(ds.begin_run(&plugin(), "run", "{")).contains("not valid JSON"));
    assert!(invalid_message(ds.finish_run(42, "ok", "{}")).contains("no run 42"));

    assert_eq!(ds.stats().unwrap().items, 0);
    assert_eq!(blob_count(ds.root()), 0, "a rejected item must not leave blobs behind");

    // The limit is inclusive, and a valid parent is accepted.
    let parent = with(&|i| i.source_key = "x".repeat(1024)).unwrap().id;
    with(&|i| i.parent = Some(parent.clone())).unwrap();
}

#[test]
fn reopen_after_drop_keeps_everything() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ds");
    let (id, run) = {
        let ds = Dataset::create_or_open(&dir).unwrap();
        let run = ds.begin_run(&plugin(), "run", "{}").unwrap();
        let id = ds.put_item(Some(run), &new_item("a", Some("c"), vec![file("f", b"bytes")])).unwrap().id;
        ds.put_verdict(&id, &verdict("r", false), Some(run)).unwrap();
        ds.state_set("test-crawler", "cursor", "page-2").unwrap();
        ds.state_set("test-crawler", "cursor", "page-3").unwrap();
        ds.finish_run(run, "ok", "{}").unwrap();
        (id, run)
    };
    for ds in [Dataset::open(&dir).unwrap(), Dataset::create_or_open(&dir).unwrap()] {
        assert_eq!(ds.get(&id).unwrap().unwrap().run_id, Some(run));
        assert_eq!(ds.read_file(&id, "f").unwrap().as_deref(), Some(&b"bytes"[..]));
        assert_eq!(ds.listings().unwrap()[0].status, Status::Dropped);
        assert_eq!(ds.state_get("test-crawler", "cursor").unwrap().as_deref(), Some("page-3"));
        assert_eq!(ds.state_get("other", "cursor").unwrap(), None);
        let outcome: Option<String> =
            ds.conn().query_row("SELECT outcome FROM runs WHERE id = ?1", [run], |row| row.get(0)).unwrap();
        assert_eq!(outcome.as_deref(), Some("ok"));
    }
}

#[test]
fn open_refuses_what_is_not_a_dataset() {
    let tmp = tempfile::tempdir().unwrap();
    let not_a_dataset = |dir: &Path| match Dataset::open(dir) {
        Err(e @ StoreError::NotADataset { .. }) => e.to_string(),
        other => panic!("expected NotADataset, got {other:?}"),
    };
    let message = not_a_dataset(tmp.path());
    assert!(message.contains("no manifest.sqlite") && message.contains("aigc-host dataset import"), "{message}");
    assert!(!tmp.path().join(MANIFEST).exists(), "open must not create a manifest");
    assert!(not_a_dataset(&tmp.path().join("missing")).contains("no such directory"));

    let foreign = tmp.path().join("foreign");
    std::fs::create_dir(&foreign).unwrap();
    Connection::open(foreign.join(MANIFEST)).unwrap().execute_batch("CREATE TABLE t (x)").unwrap();
    assert!(not_a_dataset(&foreign).contains("another program's tables"));
    assert!(matches!(Dataset::create_or_open(&foreign), Err(StoreError::NotADataset { .. })));

    let garbage = tmp.path().join("garbage");
    std::fs::create_dir(&garbage).unwrap();
    std::fs::write(garbage.join(MANIFEST), vec![b'x'; 4096]).unwrap();
    let message = Dataset::open(&garbage).unwrap_err().to_string();
    assert!(message.contains("damaged or not an aigc-host manifest"), "{message}");
}

#[test]
fn newer_schema_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    drop(Dataset::create_or_open(tmp.path()).unwrap());
    Connection::open(tmp.path().join(MANIFEST)).unwrap().pragma_update(None, "user_version", 99).unwrap();
    let message = Dataset::open(tmp.path()).unwrap_err().to_string();
    assert!(message.contains("schema version 99") && message.contains("upgrade aigc-host"), "{message}");
    assert!(matches!(Dataset::create_or_open(tmp.path()), Err(StoreError::SchemaTooNew { found: 99, .. })));
}

#[test]
fn corrupted_blob_is_detected_on_read() {
    let (_tmp, ds) = dataset();
    let id = ds.put_item(None, &new_item("a", None, vec![file("f", b"original")])).unwrap().id;
    let path = ds.blob_path(&ds.get(&id).unwrap().unwrap().files[0].sha256);

    std::fs::write(&path, b"tampered").unwrap();
    let message = match ds.read_file(&id, "f") {
        Err(e @ StoreError::CorruptBlob { .. }) => e.to_string(),
        other => panic!("expected CorruptBlob, got {other:?}"),
    };
    assert!(message.contains(&path.display().to_string()), "{message}");

    std::fs::remove_file(&path).unwrap();
    assert!(
        matches!(ds.read_file(&id, "f"), Err(StoreError::CorruptBlob { problem, .. }) if problem.contains("missing"))
    );
}

#[test]
fn opening_sweeps_only_stale_temp_files() {
    let tmp = tempfile::tempdir().unwrap();
    drop(Dataset::create_or_open(tmp.path()).unwrap());
    let temp_dir = tmp.path().join("blobs/.tmp");
    let (stale, fresh) = (temp_dir.join("stale"), temp_dir.join("fresh"));
    std::fs::write(&fresh, b"a live writer's").unwrap();
    let two_hours_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(2 * 60 * 60);
    std::fs::File::create(&stale).unwrap().set_modified(two_hours_ago).unwrap();
    drop(Dataset::open(tmp.path()).unwrap());
    assert!(!stale.exists() && fresh.exists());
}

#[test]
fn blob_path_stays_inside_the_dataset() {
    let (_tmp, ds) = dataset();
    for hostile in ["../../etc/passwd", "", "ab", &"G".repeat(64)] {
        assert!(ds.blob_path(hostile).starts_with(ds.root().join("blobs")), "{hostile}");
    }
}

#[test]
fn json_output_nests_metadata_and_names_statuses() {
    let (_tmp, ds) = dataset();
    ds.put_item(None, &new_item("a", None, vec![file("f", b"x")])).unwrap();
    let json = serde_json::to_value(ds.listings().unwrap()).unwrap();
    assert_eq!(json[0]["status"], "pending");
    assert_eq!(json[0]["item"]["metadata"]["width"], 8);
    assert_eq!(json[0]["item"]["provenance"]["source_url"], "https://example.org/a");
    assert_eq!(json[0]["item"]["files"][0]["size"], 1);
    let stats = serde_json::to_value(ds.stats().unwrap()).unwrap();
    assert_eq!(stats["by_status"]["pending"], 1);
}

#[test]
fn put_items_stores_a_batch_like_single_puts() {
    let (_dir, ds) = dataset();
    ds.put_item(None, &new_item("k0", Some("a"), vec![file("f", b"zero")])).unwrap();
    let batch = vec![
        new_item("k0", Some("a"), vec![file("f", b"zero")]),
        new_item("k1", Some("a"), vec![file("f", b"one"), file("g", b"shared")]),
        new_item("k2", Some("b"), vec![file("f", b"shared")]),
        new_item("k1", Some("a"), vec![file("f", b"one")]),
        NewItem { metadata: "not json".into(), ..new_item("bad", None, vec![file("f", b"x")]) },
    ];
    let outcomes = ds.put_items(None, &batch).unwrap();
    let created: Vec<Option<bool>> = outcomes.iter().map(|o| o.as_ref().ok().map(|p| p.created)).collect();
    assert_eq!(created, [Some(false), Some(true), Some(true), Some(false), None]);
    assert!(matches!(outcomes[4], Err(StoreError::Invalid { .. })));
    assert_eq!(ds.stats().unwrap().items, 3);
    let k1 = ds.seen("k1").unwrap().unwrap();
    assert_eq!(ds.read_file(&k1, "g").unwrap().unwrap(), b"shared");
    let k2 = ds.seen("k2").unwrap().unwrap();
    assert_eq!(ds.read_file(&k2, "f").unwrap().unwrap(), b"shared");
    // Reopening finds everything: the batch was durable when it returned.
    let root = ds.root().to_path_buf();
    drop(ds);
    let again = Dataset::open(&root).unwrap();
    assert_eq!(again.stats().unwrap().items, 3);
}

#[test]
fn a_creation_killed_before_its_tables_is_finished_on_open_and_a_foreign_empty_file_still_refused() {
    let tmp = tempfile::tempdir().unwrap();
    // What a kill between `blobs/.tmp` and the manifest's first commit leaves: the folders and an empty file.
    let killed = tmp.path().join("killed");
    std::fs::create_dir_all(killed.join("blobs/.tmp")).unwrap();
    std::fs::write(killed.join(MANIFEST), b"").unwrap();
    let ds = Dataset::open(&killed).unwrap();
    assert_eq!(ds.stats().unwrap().items, 0);
    drop(ds);
    assert!(Dataset::open(&killed).is_ok(), "and it stays a dataset");

    // An empty manifest.sqlite that aigc-host did not start is not adopted.
    let foreign = tmp.path().join("foreign");
    std::fs::create_dir_all(&foreign).unwrap();
    std::fs::write(foreign.join(MANIFEST), b"").unwrap();
    let error = Dataset::open(&foreign).unwrap_err().to_string();
    assert!(error.contains("manifest.sqlite is empty"), "{error}");
}
