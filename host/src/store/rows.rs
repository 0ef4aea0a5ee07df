//! Mapping between manifest rows and the store's records; the SQL that reads items lives here so column order is
//! spelled out once.

use std::collections::HashMap;

use rusqlite::{Connection, Params, Row};

use super::{FileInfo, Item, Provenance, Verdict};

/// The columns [`item_from_row`] expects, in its order.
pub(super) const ITEM_COLUMNS: &str = "id, source_key, category, title, source_url, licence, licence_url, author, \
                                       author_url, metadata, parent, run_id, created_at";

/// Runs an item query (selecting [`ITEM_COLUMNS`]) and fills in each item's files.
pub(super) fn query_items(conn: &Connection, sql: &str, params: impl Params) -> rusqlite::Result<Vec<Item>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut items = stmt.query_map(params, item_from_row)?.collect::<rusqlite::Result<Vec<_>>>()?;
    for item in &mut items {
        item.files = files_of(conn, &item.id)?;
    }
    Ok(items)
}

fn item_from_row(row: &Row<'_>) -> rusqlite::Result<Item> {
    Ok(Item {
        id: row.get(0)?,
        source_key: row.get(1)?,
        category: row.get(2)?,
        title: row.get(3)?,
        provenance: Provenance {
            source_url: row.get(4)?,
            licence: row.get(5)?,
            licence_url: row.get(6)?,
            author: row.get(7)?,
            author_url: row.get(8)?,
        },
        metadata: row.get(9)?,
        files: Vec::new(),
        parent: row.get(10)?,
        run_id: row.get(11)?,
        created_at: row.get(12)?,
    })
}

fn files_of(conn: &Connection, item_id: &str) -> rusqlite::Result<Vec<FileInfo>> {
    let mut stmt =
        conn.prepare_cached("SELECT name, media_type, size, sha256 FROM files WHERE item_id = ?1 ORDER BY position")?;
    stmt.query_map([item_id], |row| {
        Ok(FileInfo { name: row.get(0)?, media_type: row.get(1)?, size: row.get(2)?, sha256: row.get(3)? })
    })?
    .collect()
}

/// Every verdict, grouped by item and ordered by rule, read in one pass because listings want all of them.
pub(super) fn all_verdicts(conn: &Connection) -> rusqlite::Result<HashMap<String, Vec<Verdict>>> {
    let mut stmt = conn.prepare("SELECT item_id, rule, keep, reason, score FROM verdicts ORDER BY item_id, rule")?;
    let mut rows = stmt.query([])?;
    let mut by_item: HashMap<String, Vec<Verdict>> = HashMap::new();
    while let Some(row) = rows.next()? {
        let verdict = Verdict { rule: row.get(1)?, keep: row.get(2)?, reason: row.get(3)?, score: row.get(4)? };
        by_item.entry(row.get(0)?).or_default().push(verdict);
    }
    Ok(by_item)
}
