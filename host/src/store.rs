//! The dataset store: a directory holding `manifest.sqlite` and content-addressed blobs under `blobs/`.
//!
//! Crawls must survive `kill -9` and power loss without losing or duplicating an item, so:
//! - blobs are written to a temp file, synced and renamed into place before any row names them, so a crash
//!   leaves at most an unreferenced blob, never a row without its bytes;
//! - each item's rows go in one transaction, and the manifest runs in WAL mode with `synchronous=FULL`, so once
//!   [`Dataset::put_item`] returns the item is on disk;
//! - item ids derive from the source key, so re-running a crawl finds what it already stored and skips it, and
//!   the same item has the same id in every dataset.
//!
//! Verdicts are rows about items, never edits of their blobs, so a rule can be re-run or replaced.

mod blobs;
mod clock;
mod error;
mod rows;
mod schema;
mod types;
mod validate;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};

use blobs::Blobs;
use rows::ITEM_COLUMNS;

pub use error::StoreError;
pub use types::{
    Annotation, CLEAN_ERROR_KEY, FileInfo, HOST_KEY_PREFIXES, Item, Listing, NewFile, NewItem, PluginRef, Provenance,
    PutOutcome, RuleStats, RunId, Stats, Status, Verdict, is_host_key,
};

/// The store's result; every error says which dataset it concerns.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

pub const MANIFEST: &str = "manifest.sqlite";

/// The id an item with this source key has in any dataset: 64 bits of hash are plenty for one dataset and short
/// enough to type. A collision is detected and refused by [`Dataset::put_item`], never silently merged.
pub fn item_id(source_key: &str) -> String {
    let mut id = blobs::sha256_hex(format!("item:{source_key}").as_bytes());
    id.truncate(16);
    id
}

/// An open dataset. Cheap to share: all methods take `&self`, and one connection behind a mutex serialises
/// manifest access within the process while blob writes, the slow part, run outside the lock.
pub struct Dataset {
    root: PathBuf,
    blobs: Blobs,
    conn: Mutex<Connection>,
}

impl std::fmt::Debug for Dataset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dataset").field("root", &self.root).finish_non_exhaustive()
    }
}

/// One verdict per (item, rule): a rule judging an item again replaces its earlier decision.
const UPSERT_VERDICT: &str = "INSERT INTO verdicts (item_id, rule, keep, reason, score, run_id, decided_at)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
     ON CONFLICT (item_id, rule) DO UPDATE SET keep = excluded.keep, reason = excluded.reason,
         score = excluded.score, run_id = excluded.run_id, decided_at = excluded.decided_at";

impl Dataset {
    /// Opens the dataset at `dir`, creating the directory and an empty dataset if there is none yet.
    pub fn create_or_open(dir: &Path) -> Result<Self> {
        fs::create_dir_all(dir).map_err(StoreError::io(dir, "creating the dataset directory"))?;
        let blobs = Blobs::new(dir);
        blobs.prepare()?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(dir.join(MANIFEST), flags)
            .map_err(StoreError::sqlite(dir, "opening manifest.sqlite"))?;
        let dataset = Self::with_connection(dir, blobs, conn, true)?;
        // Make the new manifest's directory entry durable along with its contents.
        blobs::sync_dir(dir).map_err(StoreError::io(dir, "syncing the dataset directory"))?;
        Ok(dataset)
    }

    /// Opens an existing dataset; never creates one, so a mistyped path is an error rather than a new dataset.
    pub fn open(dir: &Path) -> Result<Self> {
        let not_a_dataset = |reason: &str| StoreError::NotADataset { dir: dir.to_path_buf(), reason: reason.into() };
        if !dir.is_dir() {
            return Err(not_a_dataset("no such directory"));
        }
        let manifest = dir.join(MANIFEST);
        if !manifest.is_file() {
            return Err(not_a_dataset("no manifest.sqlite"));
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn =
            Connection::open_with_flags(manifest, flags).map_err(StoreError::sqlite(dir, "opening manifest.sqlite"))?;
        // `create_or_open` makes `blobs/.tmp` before the manifest, so an empty manifest beside it is a creation that
        // was killed before its tables were committed: finish it (an empty dataset) rather than refuse the folder.
        // An empty manifest.sqlite without it was not made by aigc-host and is still refused.
        let interrupted_creation = dir.join("blobs/.tmp").is_dir();
        Self::with_connection(dir, Blobs::new(dir), conn, interrupted_creation)
    }

    fn with_connection(dir: &Path, blobs: Blobs, mut conn: Connection, create: bool) -> Result<Self> {
        schema::configure(&conn, dir)?;
        schema::init(&mut conn, dir, create)?;
        blobs.sweep_stale_temps();
        Ok(Self { root: dir.to_path_buf(), blobs, conn: Mutex::new(conn) })
    }

    /// The directory as given when opening, so messages show the path the person typed.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the blob with this hash lives. Text that is not a sha256 hex digest maps to a path under `blobs/`
    /// that never exists, so user input cannot point outside the dataset.
    pub fn blob_path(&self, sha256: &str) -> PathBuf {
        self.blobs.path(sha256)
    }

    /// Records that `plugin` started running, so every item it stores can name the exact plugin build.
    pub fn begin_run(&self, plugin: &PluginRef, command: &str, args_json: &str) -> Result<RunId> {
        validate::json_value(&self.root, "the run's arguments", args_json)?;
        let conn = self.conn();
        conn.execute(
            "INSERT INTO runs (plugin_name, plugin_version, plugin_sha256, command, args_json, started_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![plugin.name, plugin.version, plugin.sha256, command, args_json, clock::now_rfc3339()],
        )
        .map_err(self.db(format!("recording the start of a run of `{}`", plugin.name)))?;
        Ok(conn.last_insert_rowid())
    }

    /// `outcome` is `"ok"` or `"failed: ..."`. A run never finished (the process was killed) keeps a NULL outcome,
    /// which is how an interrupted run shows.
    pub fn finish_run(&self, run: RunId, outcome: &str, summary_json: &str) -> Result<()> {
        validate::json_value(&self.root, &format!("the summary of run {run}"), summary_json)?;
        let changed = self
            .conn()
            .execute(
                "UPDATE runs SET finished_at = ?1, outcome = ?2, summary_json = ?3 WHERE id = ?4",
                params![clock::now_rfc3339(), outcome, summary_json, run],
            )
            .map_err(self.db(format!("recording the end of run {run}")))?;
        if changed == 0 {
            return Err(self.unknown_run(run));
        }
        Ok(())
    }

    /// Stores an item unless its source key is already stored, in which case nothing is written and the existing
    /// id comes back with `created: false`; that is what makes a crawl resumable. When this returns `Ok`, the
    /// item and its blobs are durable.
    pub fn put_item(&self, run: Option<RunId>, item: &NewItem) -> Result<PutOutcome> {
        validate::new_item(&self.root, item)?;
        let id = item_id(&item.source_key);
        {
            let conn = self.conn();
            if let Some(id) = self.existing(&conn, &id, &item.source_key)? {
                return Ok(PutOutcome { id, created: false });
            }
            // Checked before writing blobs so a rejected item leaves no orphans. Items and runs are never
            // deleted, so the checks still hold when the transaction below commits.
            if let Some(run) = run {
                self.require_run(&conn, run)?;
            }
            if let Some(parent) = &item.parent {
                self.require_item(&conn, parent, &format!("parent of item `{}`", item.source_key))?;
            }
        }

        let mut hashes = Vec::with_capacity(item.files.len());
        for file in &item.files {
            hashes.push(self.blobs.put(&file.data)?);
        }

        let mut conn = self.conn();
        let action = format!("storing item `{}`", item.source_key);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(self.db(&action))?;
        // Another process (or task) may have stored the same key while we wrote blobs; the IMMEDIATE lock makes
        // this check and the insert one step.
        if let Some(id) = self.existing(&tx, &id, &item.source_key)? {
            return Ok(PutOutcome { id, created: false });
        }
        let p = &item.provenance;
        let names = validate::recorded_file_names(item);
        tx.execute(
            &format!(
                "INSERT INTO items ({ITEM_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
            ),
            params![
                id,
                item.source_key,
                item.category,
                item.title,
                p.source_url,
                p.licence,
                p.licence_url,
                p.author,
                p.author_url,
                item.metadata,
                item.parent,
                run,
                clock::now_rfc3339()
            ],
        )
        .map_err(self.db(&action))?;
        for (position, ((file, name), sha256)) in item.files.iter().zip(&names).zip(&hashes).enumerate() {
            tx.execute(
                "INSERT INTO files (item_id, position, name, media_type, size, sha256) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![id, position as i64, name, file.media_type, file.data.len() as u64, sha256],
            )
            .map_err(self.db(&action))?;
        }
        tx.commit().map_err(self.db(&action))?;
        Ok(PutOutcome { id, created: true })
    }

    /// Stores many items with one transaction and batched fsyncs (see [`blobs::Blobs::put_many`]); durable, like
    /// [`Dataset::put_item`], once it returns. Each item gets its own outcome: an invalid one is refused without
    /// affecting the others.
    pub fn put_items(&self, run: Option<RunId>, items: &[NewItem]) -> Result<Vec<Result<PutOutcome>>> {
        let mut outcomes: Vec<Option<Result<PutOutcome>>> = items.iter().map(|_| None).collect();
        let mut fresh = Vec::new();
        {
            let conn = self.conn();
            if let Some(run) = run {
                self.require_run(&conn, run)?;
            }
            let mut keys = std::collections::HashSet::new();
            for (index, item) in items.iter().enumerate() {
                let checked = validate::new_item(&self.root, item).and_then(|()| {
                    let id = item_id(&item.source_key);
                    if let Some(id) = self.existing(&conn, &id, &item.source_key)? {
                        return Ok(Some(PutOutcome { id, created: false }));
                    }
                    if let Some(parent) = &item.parent {
                        self.require_item(&conn, parent, &format!("parent of item `{}`", item.source_key))?;
                    }
                    Ok(None)
                });
                match checked {
                    Ok(Some(outcome)) => outcomes[index] = Some(Ok(outcome)),
                    // The same key twice in one batch: the first one is stored, the rest are "already there".
                    Ok(None) if !keys.insert(item.source_key.as_str()) => {
                        outcomes[index] = Some(Ok(PutOutcome { id: item_id(&item.source_key), created: false }))
                    }
                    Ok(None) => fresh.push(index),
                    Err(e) => outcomes[index] = Some(Err(e)),
                }
            }
        }
        let datas: Vec<&[u8]> = fresh.iter().flat_map(|&i| items[i].files.iter().map(|f| f.data.as_slice())).collect();
        let mut hashes = self.blobs.put_many(&datas)?.into_iter();

        let mut conn = self.conn();
        let action = format!("storing {} items", fresh.len());
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(self.db(&action))?;
        for &index in &fresh {
            let item = &items[index];
            let id = item_id(&item.source_key);
            let item_hashes: Vec<String> = hashes.by_ref().take(item.files.len()).collect();
            if let Some(id) = self.existing(&tx, &id, &item.source_key)? {
                outcomes[index] = Some(Ok(PutOutcome { id, created: false }));
                continue;
            }
            let p = &item.provenance;
            tx.prepare_cached(&format!(
                "INSERT INTO items ({ITEM_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
            ))
            .and_then(|mut insert| {
                insert.execute(params![
                    id,
                    item.source_key,
                    item.category,
                    item.title,
                    p.source_url,
                    p.licence,
                    p.licence_url,
                    p.author,
                    p.author_url,
                    item.metadata,
                    item.parent,
                    run,
                    clock::now_rfc3339()
                ])
            })
            .map_err(self.db(&action))?;
            let names = validate::recorded_file_names(item);
            for (position, ((file, name), sha256)) in item.files.iter().zip(&names).zip(&item_hashes).enumerate() {
                tx.prepare_cached(
                    "INSERT INTO files (item_id, position, name, media_type, size, sha256) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .and_then(|mut insert| {
                    insert.execute(params![id, position as i64, name, file.media_type, file.data.len() as u64, sha256])
                })
                .map_err(self.db(&action))?;
            }
            outcomes[index] = Some(Ok(PutOutcome { id, created: true }));
        }
        tx.commit().map_err(self.db(&action))?;
        Ok(outcomes
            .into_iter()
            .map(|o| o.unwrap_or_else(|| Err(StoreError::invalid(&self.root, "an item of the batch was skipped"))))
            .collect())
    }

    /// The id of the item stored under `source_key`, if any; crawlers ask before fetching to skip known items.
    pub fn seen(&self, source_key: &str) -> Result<Option<String>> {
        self.conn()
            .query_row("SELECT id FROM items WHERE source_key = ?1", [source_key], |row| row.get(0))
            .optional()
            .map_err(self.db("looking up a source key"))
    }

    /// The item with this id and its files' metadata; the bytes come from [`Dataset::read_file`], so listing
    /// items never reads blobs.
    pub fn get(&self, id: &str) -> Result<Option<Item>> {
        let conn = self.conn();
        let sql = format!("SELECT {ITEM_COLUMNS} FROM items WHERE id = ?1");
        let items = rows::query_items(&conn, &sql, [id]).map_err(self.db(format!("reading item `{id}`")))?;
        Ok(items.into_iter().next())
    }

    /// The bytes of file `name` of item `id`, or `None` if there is no such file. The blob is hashed on every
    /// read so damage on disk surfaces as [`StoreError::CorruptBlob`] instead of as bad training data.
    pub fn read_file(&self, id: &str, name: &str) -> Result<Option<Vec<u8>>> {
        let sha256: Option<String> = self
            .conn()
            .query_row("SELECT sha256 FROM files WHERE item_id = ?1 AND name = ?2", [id, name], |row| row.get(0))
            .optional()
            .map_err(self.db(format!("looking up file `{name}` of item `{id}`")))?;
        sha256.map(|sha256| self.blobs.read_verified(&sha256)).transpose()
    }

    /// Up to `limit` items in id order, starting after the id `after`; pass the last id of one page as `after` to
    /// get the next, which stays correct while items are being added.
    pub fn items(&self, category: Option<&str>, after: Option<&str>, limit: u32) -> Result<Vec<Item>> {
        let after = after.unwrap_or("");
        let conn = self.conn();
        let result = match category {
            Some(category) => rows::query_items(
                &conn,
                &format!("SELECT {ITEM_COLUMNS} FROM items WHERE category = ?1 AND id > ?2 ORDER BY id LIMIT ?3"),
                params![category, after, limit],
            ),
            None => rows::query_items(
                &conn,
                &format!("SELECT {ITEM_COLUMNS} FROM items WHERE id > ?1 ORDER BY id LIMIT ?2"),
                params![after, limit],
            ),
        };
        result.map_err(self.db("listing items"))
    }

    /// A plugin's own saved value (a crawl cursor, a rate-limit reset time), kept so a rerun can resume.
    pub fn state_get(&self, plugin: &str, key: &str) -> Result<Option<String>> {
        self.conn()
            .query_row("SELECT value FROM plugin_state WHERE plugin = ?1 AND key = ?2", [plugin, key], |row| row.get(0))
            .optional()
            .map_err(self.db(format!("reading state `{key}` of plugin `{plugin}`")))
    }

    /// Saved at once and durably, so a crawler can store its cursor right after the items it covers.
    pub fn state_set(&self, plugin: &str, key: &str, value: &str) -> Result<()> {
        self.conn()
            .execute(
                "INSERT INTO plugin_state (plugin, key, value, updated_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (plugin, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                params![plugin, key, value, clock::now_rfc3339()],
            )
            .map_err(self.db(format!("saving state `{key}` of plugin `{plugin}`")))?;
        Ok(())
    }

    /// Records `verdict.rule`'s decision about an item, replacing that rule's earlier verdict, so re-running a
    /// rule updates its decision instead of stacking a second one.
    pub fn put_verdict(&self, item_id: &str, verdict: &Verdict, run: Option<RunId>) -> Result<()> {
        validate::verdict(&self.root, item_id, verdict)?;
        let conn = self.conn();
        self.require_item(&conn, item_id, &format!("item judged by rule `{}`", verdict.rule))?;
        if let Some(run) = run {
            self.require_run(&conn, run)?;
        }
        conn.execute(
            UPSERT_VERDICT,
            params![item_id, verdict.rule, verdict.keep, verdict.reason, verdict.score, run, clock::now_rfc3339()],
        )
        .map_err(self.db(format!("recording rule `{}`'s verdict on item `{item_id}`", verdict.rule)))?;
        Ok(())
    }

    /// Records several verdicts (each as [`Dataset::put_verdict`] would, with its run) in one transaction, so a
    /// clean run pays one commit per batch of items instead of one per verdict. All or nothing: an invalid verdict
    /// or an unknown item or run fails the whole batch before anything is written.
    pub fn put_verdicts(&self, verdicts: &[(String, Verdict, Option<RunId>)]) -> Result<()> {
        if verdicts.is_empty() {
            return Ok(());
        }
        for (item_id, verdict, _) in verdicts {
            validate::verdict(&self.root, item_id, verdict)?;
        }
        let mut conn = self.conn();
        let action = format!("recording {} verdicts", verdicts.len());
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(self.db(&action))?;
        let mut runs = std::collections::HashSet::new();
        for (item_id, verdict, run) in verdicts {
            self.require_item(&tx, item_id, &format!("item judged by rule `{}`", verdict.rule))?;
            if let Some(run) = run.filter(|r| runs.insert(*r)) {
                self.require_run(&tx, run)?;
            }
            tx.prepare_cached(UPSERT_VERDICT)
                .and_then(|mut stmt| {
                    stmt.execute(params![
                        item_id,
                        verdict.rule,
                        verdict.keep,
                        verdict.reason,
                        verdict.score,
                        run,
                        clock::now_rfc3339()
                    ])
                })
                .map_err(self.db(format!("recording rule `{}`'s verdict on item `{item_id}`", verdict.rule)))?;
        }
        tx.commit().map_err(self.db(&action))?;
        Ok(())
    }

    /// The verdicts `rule` gave in runs of the same plugin build (`plugin_sha256`) with the same configuration
    /// (`args_json`), by item id: what a resumed clean run may skip.
    pub fn judged(&self, rule: &str, plugin_sha256: &str, args_json: &str) -> Result<HashMap<String, Verdict>> {
        let conn = self.conn();
        let read = || -> rusqlite::Result<HashMap<String, Verdict>> {
            let mut stmt = conn.prepare(
                "SELECT v.item_id, v.keep, v.reason, v.score FROM verdicts v JOIN runs r ON r.id = v.run_id
                 WHERE v.rule = ?1 AND r.plugin_sha256 = ?2 AND r.args_json = ?3",
            )?;
            let rows = stmt.query_map(params![rule, plugin_sha256, args_json], |row| {
                let verdict =
                    Verdict { rule: rule.to_owned(), keep: row.get(1)?, reason: row.get(2)?, score: row.get(3)? };
                Ok((row.get(0)?, verdict))
            })?;
            rows.collect()
        };
        read().map_err(self.db(format!("reading the verdicts of rule `{rule}`")))
    }

    /// The ids of items that have an annotation `key` from `plugin`.
    pub fn annotated_items(&self, key: &str, plugin: &str) -> Result<std::collections::HashSet<String>> {
        let conn = self.conn();
        let read = || -> rusqlite::Result<std::collections::HashSet<String>> {
            let mut stmt = conn.prepare("SELECT item_id FROM annotations WHERE key = ?1 AND plugin = ?2")?;
            let rows = stmt.query_map(params![key, plugin], |row| row.get(0))?;
            rows.collect()
        };
        read().map_err(self.db(format!("finding items annotated `{key}` by `{plugin}`")))
    }

    /// Removes what `plugin` stored under `key` for an item, if anything.
    pub fn remove_annotation(&self, item_id: &str, key: &str, plugin: &str) -> Result<()> {
        self.conn()
            .execute(
                "DELETE FROM annotations WHERE item_id = ?1 AND key = ?2 AND plugin = ?3",
                params![item_id, key, plugin],
            )
            .map_err(self.db(format!("removing annotation `{key}` of item `{item_id}`")))?;
        Ok(())
    }

    /// Stores an annotation (a caption, a score) of an item, replacing what `plugin` stored under `key` before.
    pub fn put_annotation(&self, item_id: &str, annotation: &Annotation, run: Option<RunId>) -> Result<()> {
        if annotation.key.is_empty() || annotation.key.len() > 256 || annotation.value.len() > 1 << 20 {
            return Err(StoreError::invalid(&self.root, "annotation keys are 1 to 256 bytes and values at most 1 MiB"));
        }
        if annotation.score.is_some_and(|s| !s.is_finite()) {
            return Err(StoreError::invalid(
                &self.root,
                format!("annotation `{}` has a score that is not a finite number", annotation.key),
            ));
        }
        let conn = self.conn();
        self.require_item(&conn, item_id, &format!("item annotated by `{}`", annotation.plugin))?;
        conn.execute(
            "INSERT INTO annotations (item_id, key, plugin, value, score, run_id, annotated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (item_id, key, plugin) DO UPDATE SET value = excluded.value, score = excluded.score,
                 run_id = excluded.run_id, annotated_at = excluded.annotated_at",
            params![
                item_id,
                annotation.key,
                annotation.plugin,
                annotation.value,
                annotation.score,
                run,
                clock::now_rfc3339()
            ],
        )
        .map_err(self.db(format!("storing annotation `{}` of item `{item_id}`", annotation.key)))?;
        Ok(())
    }

    /// The annotations of an item, all keys (`key` None) or one, ordered by key and plugin.
    pub fn annotations(&self, item_id: &str, key: Option<&str>) -> Result<Vec<Annotation>> {
        let conn = self.conn();
        let read = || -> rusqlite::Result<Vec<Annotation>> {
            let mut stmt = conn.prepare_cached(
                "SELECT key, plugin, value, score FROM annotations
                 WHERE item_id = ?1 AND (?2 IS NULL OR key = ?2) ORDER BY key, plugin",
            )?;
            let rows = stmt.query_map(params![item_id, key], |row| {
                Ok(Annotation { key: row.get(0)?, plugin: row.get(1)?, value: row.get(2)?, score: row.get(3)? })
            })?;
            rows.collect()
        };
        read().map_err(self.db(format!("reading the annotations of item `{item_id}`")))
    }

    /// Every item with its verdicts and status, in id order.
    pub fn listings(&self) -> Result<Vec<Listing>> {
        let conn = self.conn();
        let read = || -> rusqlite::Result<_> {
            // One read transaction so items and verdicts come from the same snapshot.
            let tx = conn.unchecked_transaction()?;
            let items = rows::query_items(&tx, &format!("SELECT {ITEM_COLUMNS} FROM items ORDER BY id"), [])?;
            Ok((items, rows::all_verdicts(&tx)?))
        };
        let (items, mut verdicts) = read().map_err(self.db("listing items"))?;
        Ok(items
            .into_iter()
            .map(|item| {
                let verdicts = verdicts.remove(&item.id).unwrap_or_default();
                Listing { status: Status::from_verdicts(&verdicts), item, verdicts }
            })
            .collect())
    }

    /// Counts for `dataset stats`, computed in SQL so a large dataset is not loaded to count it.
    pub fn stats(&self) -> Result<Stats> {
        let conn = self.conn();
        let read = || -> rusqlite::Result<Stats> {
            let tx = conn.unchecked_transaction()?;
            let count = |sql: &str| tx.query_row(sql, [], |row| row.get::<_, u64>(0));
            let grouped = |sql: &str| -> rusqlite::Result<BTreeMap<String, u64>> {
                tx.prepare(sql)?.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?.collect()
            };
            let mut by_status: BTreeMap<String, u64> =
                [Status::Pending, Status::Kept, Status::Dropped].iter().map(|s| (s.as_str().to_owned(), 0)).collect();
            // Must agree with `Status::from_verdicts`; a test checks both on the same data.
            by_status.extend(grouped(
                "SELECT CASE
                     WHEN NOT EXISTS (SELECT 1 FROM verdicts v WHERE v.item_id = i.id) THEN 'pending'
                     WHEN EXISTS (SELECT 1 FROM verdicts v WHERE v.item_id = i.id AND NOT v.keep) THEN 'dropped'
                     ELSE 'kept' END AS status, count(*)
                 FROM items i GROUP BY status",
            )?);
            let mut by_rule: BTreeMap<String, RuleStats> = BTreeMap::new();
            let mut verdicts =
                tx.prepare("SELECT rule, keep, reason, count(*) FROM verdicts GROUP BY rule, keep, reason")?;
            let rows = verdicts.query_map([], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, bool>(1)?, row.get::<_, String>(2)?, row.get::<_, u64>(3)?))
            })?;
            // A rule may have stored a different reason per item: each rule's reasons are counted with a bounded
            // number of distinct ones, and the most frequent reported (see `plugin_text::ReasonCounts`).
            let mut reasons: BTreeMap<String, crate::plugin_text::ReasonCounts> = BTreeMap::new();
            for row in rows {
                let (rule, keep, reason, n) = row?;
                let stats = by_rule.entry(rule.clone()).or_default();
                *if keep { &mut stats.kept } else { &mut stats.dropped } += n;
                reasons.entry(rule).or_default().add(&reason, n);
            }
            for (rule, counts) in reasons {
                by_rule.entry(rule).or_default().by_reason = counts.report();
            }
            let mut errors = tx.prepare("SELECT plugin, count(*) FROM annotations WHERE key = ?1 GROUP BY plugin")?;
            for row in
                errors.query_map([CLEAN_ERROR_KEY], |row| Ok((row.get::<_, String>(0)?, row.get::<_, u64>(1)?)))?
            {
                let (rule, n) = row?;
                by_rule.entry(rule).or_default().errors = n;
            }
            drop((verdicts, errors));
            Ok(Stats {
                by_rule,
                items: count("SELECT count(*) FROM items")?,
                by_category: grouped("SELECT coalesce(category, '(none)'), count(*) FROM items GROUP BY 1")?,
                by_status,
                files: count("SELECT count(*) FROM files")?,
                bytes: count("SELECT coalesce(sum(size), 0) FROM files")?,
            })
        };
        read().map_err(self.db("counting items"))
    }

    /// A panic while the lock was held unwound through any open `Transaction`, whose drop rolled it back, so the
    /// connection is consistent and later calls may go on using it.
    fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn db(&self, action: impl Into<String>) -> impl FnOnce(rusqlite::Error) -> StoreError {
        StoreError::sqlite(&self.root, action)
    }

    /// The id if `source_key` is already stored. Different keys with the same 64-bit id are refused rather
    /// than merged, since merging would silently lose an item.
    fn existing(&self, conn: &Connection, id: &str, source_key: &str) -> Result<Option<String>> {
        let stored: Option<String> = conn
            .query_row("SELECT source_key FROM items WHERE id = ?1", [id], |row| row.get(0))
            .optional()
            .map_err(self.db(format!("looking up item `{source_key}`")))?;
        match stored {
            None => Ok(None),
            Some(stored) if stored == source_key => Ok(Some(id.to_owned())),
            Some(stored) => Err(StoreError::invalid(
                &self.root,
                format!(
                    "source keys `{source_key}` and `{stored}` hash to the same item id `{id}`; \
                     change one key slightly (for example add a prefix)"
                ),
            )),
        }
    }

    fn require_item(&self, conn: &Connection, id: &str, role: &str) -> Result<()> {
        let found = conn
            .query_row("SELECT 1 FROM items WHERE id = ?1", [id], |_| Ok(()))
            .optional()
            .map_err(self.db(format!("looking up item `{id}`")))?;
        found.ok_or_else(|| {
            StoreError::invalid(
                &self.root,
                format!("there is no item `{id}` (the {role}); store that item first or pass an existing id"),
            )
        })
    }

    fn require_run(&self, conn: &Connection, run: RunId) -> Result<()> {
        let found = conn
            .query_row("SELECT 1 FROM runs WHERE id = ?1", [run], |_| Ok(()))
            .optional()
            .map_err(self.db(format!("looking up run {run}")))?;
        found.ok_or_else(|| self.unknown_run(run))
    }

    fn unknown_run(&self, run: RunId) -> StoreError {
        StoreError::invalid(&self.root, format!("there is no run {run}; pass the id that `begin_run` returned"))
    }
}
