//! The manifest's tables, connection settings and schema version.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, TransactionBehavior};

use super::StoreError;

/// Stored in `PRAGMA user_version`. Bump it with a migration step in [`init`] whenever the tables change; older
/// hosts refuse a newer manifest instead of misreading it.
pub(super) const SCHEMA_VERSION: i64 = 1;

/// Long enough to ride out another process's commit (a blob-free row insert takes milliseconds), short enough
/// that a stuck writer surfaces as an error instead of a hang.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

const SCHEMA_V1: &str = "
CREATE TABLE runs (
    id             INTEGER PRIMARY KEY,
    plugin_name    TEXT NOT NULL,
    plugin_version TEXT NOT NULL,
    plugin_sha256  TEXT NOT NULL,
    command        TEXT NOT NULL,
    args_json      TEXT NOT NULL,
    started_at     TEXT NOT NULL,
    finished_at    TEXT,
    outcome        TEXT,
    summary_json   TEXT
);
CREATE TABLE items (
    id          TEXT PRIMARY KEY,
    source_key  TEXT NOT NULL UNIQUE,
    category    TEXT,
    title       TEXT,
    source_url  TEXT NOT NULL,
    licence     TEXT,
    licence_url TEXT,
    author      TEXT,
    author_url  TEXT,
    metadata    TEXT NOT NULL,
    parent      TEXT REFERENCES items(id),
    run_id      INTEGER REFERENCES runs(id),
    created_at  TEXT NOT NULL
);
CREATE INDEX items_by_category ON items(category, id);
CREATE TABLE files (
    item_id    TEXT NOT NULL REFERENCES items(id),
    position   INTEGER NOT NULL,
    name       TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size       INTEGER NOT NULL,
    sha256     TEXT NOT NULL,
    PRIMARY KEY (item_id, name)
);
CREATE TABLE verdicts (
    item_id    TEXT NOT NULL REFERENCES items(id),
    rule       TEXT NOT NULL,
    keep       INTEGER NOT NULL,
    reason     TEXT NOT NULL,
    score      REAL,
    run_id     INTEGER REFERENCES runs(id),
    decided_at TEXT NOT NULL,
    PRIMARY KEY (item_id, rule)
);
CREATE TABLE annotations (
    item_id      TEXT NOT NULL REFERENCES items(id),
    key          TEXT NOT NULL,
    plugin       TEXT NOT NULL,
    value        TEXT NOT NULL,
    score        REAL,
    run_id       INTEGER REFERENCES runs(id),
    annotated_at TEXT NOT NULL,
    PRIMARY KEY (item_id, key, plugin)
);
CREATE TABLE plugin_state (
    plugin     TEXT NOT NULL,
    key        TEXT NOT NULL,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (plugin, key)
);
";

/// Per-connection settings; SQLite forgets all of these but `journal_mode` when a connection closes.
pub(super) fn configure(conn: &Connection, dir: &Path) -> Result<(), StoreError> {
    let err = |what: &str| StoreError::sqlite(dir, format!("setting {what} on the manifest"));
    conn.busy_timeout(BUSY_TIMEOUT).map_err(err("busy_timeout"))?;
    // WAL lets readers (`dataset ls` during a crawl) proceed while a writer commits; FULL syncs the WAL on every
    // commit, so an acknowledged item survives power loss, not just a killed process.
    let mode: String =
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0)).map_err(err("journal_mode=WAL"))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::invalid(
            dir,
            format!(
                "the manifest could not switch to WAL journaling (SQLite kept `{mode}`); put the dataset on a local disk"
            ),
        ));
    }
    conn.pragma_update(None, "synchronous", "FULL").map_err(err("synchronous=FULL"))?;
    conn.pragma_update(None, "foreign_keys", true).map_err(err("foreign_keys"))?;
    Ok(())
}

/// Checks the schema version and, if `create` and the manifest is empty, creates the tables. Runs in an
/// IMMEDIATE transaction so two processes creating the same dataset at once cannot both create tables.
pub(super) fn init(conn: &mut Connection, dir: &Path, create: bool) -> Result<(), StoreError> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(StoreError::sqlite(dir, "locking the manifest to check its schema"))?;
    let version: i64 = tx
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(StoreError::sqlite(dir, "reading the schema version"))?;
    match version {
        SCHEMA_VERSION => return Ok(()),
        v if v > SCHEMA_VERSION => {
            return Err(StoreError::SchemaTooNew { dir: dir.to_path_buf(), found: v, supported: SCHEMA_VERSION });
        }
        0 => {}
        v => {
            // No older schema has shipped, so this manifest was not made by aigc-host.
            return Err(StoreError::NotADataset {
                dir: dir.to_path_buf(),
                reason: format!("unknown manifest schema version {v}"),
            });
        }
    }
    let tables: i64 = tx
        .query_row("SELECT count(*) FROM sqlite_schema", [], |row| row.get(0))
        .map_err(StoreError::sqlite(dir, "inspecting the manifest"))?;
    if tables > 0 || !create {
        let reason =
            if tables > 0 { "manifest.sqlite holds another program's tables" } else { "manifest.sqlite is empty" };
        return Err(StoreError::NotADataset { dir: dir.to_path_buf(), reason: reason.into() });
    }
    tx.execute_batch(SCHEMA_V1).map_err(StoreError::sqlite(dir, "creating the manifest tables"))?;
    // `user_version` is part of the transaction, so a crash here leaves an empty manifest, never a half schema.
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)
        .map_err(StoreError::sqlite(dir, "recording the schema version"))?;
    tx.commit().map_err(StoreError::sqlite(dir, "committing the new manifest"))?;
    tracing::info!(dataset = %dir.display(), "created dataset");
    Ok(())
}
