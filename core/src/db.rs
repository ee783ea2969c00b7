//! The vault database: SQLCipher (encrypted SQLite) opened with a raw key
//! derived from the vault key, in WAL mode, with versioned migrations.
//!
//! The schema is the list [`MIGRATIONS`]; `PRAGMA user_version` records how
//! many have run. Migrations only ever get appended.
//!
//! The database file is created by us, 0600, before SQLite opens it: SQLite
//! gives its `-wal` and `-shm` files the database file's permissions. A
//! failure to open says what it was: a key that does not fit (a damaged
//! database or another vault's), a full disk, or another failure.

use std::path::Path;

use rusqlite::{Connection, ErrorCode};
use zeroize::Zeroizing;

use crate::error::{Error, ErrorKind, IoContext, Result};
use crate::private;

/// Schema migrations, in order. Never edit one that has shipped; append.
pub const MIGRATIONS: &[&str] = &[
    // 1: cases, items, accounts, artifacts, near-duplicates, the custody log,
    // search, and vault-wide settings (a key-value table).
    r#"
    CREATE TABLE settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE cases (
        id          TEXT PRIMARY KEY,
        name        TEXT NOT NULL UNIQUE COLLATE NOCASE,
        description TEXT NOT NULL DEFAULT '',
        created_at  TEXT NOT NULL
    );
    CREATE TABLE accounts (
        id           INTEGER PRIMARY KEY,
        platform_key TEXT NOT NULL,
        handle_key   TEXT NOT NULL,
        platform     TEXT,
        handle       TEXT NOT NULL,
        UNIQUE (platform_key, handle_key)
    );
    CREATE TABLE items (
        id           TEXT PRIMARY KEY,
        case_id      TEXT NOT NULL REFERENCES cases(id),
        kind         TEXT NOT NULL,
        sha256       TEXT,
        size         INTEGER,
        media_type   TEXT,
        file_name    TEXT,
        width        INTEGER,
        height       INTEGER,
        phash        TEXT,
        captured_at  TEXT NOT NULL,
        posted_at    TEXT,
        platform     TEXT,
        url          TEXT,
        author       TEXT,
        author_name  TEXT,
        account_id   INTEGER REFERENCES accounts(id),
        text         TEXT,
        categories   TEXT NOT NULL DEFAULT '[]',
        threat_level TEXT,
        target       TEXT,
        state        TEXT,
        hashtags     TEXT NOT NULL DEFAULT '[]',
        tags         TEXT NOT NULL DEFAULT '[]',
        notes        TEXT,
        reported_to  TEXT NOT NULL DEFAULT '[]',
        duplicate_of TEXT
    );
    CREATE INDEX items_case ON items(case_id, captured_at);
    CREATE INDEX items_sha ON items(sha256);
    CREATE INDEX items_account ON items(account_id);
    CREATE TABLE artifacts (
        item_id    TEXT NOT NULL REFERENCES items(id) ON DELETE CASCADE,
        role       TEXT NOT NULL,
        sha256     TEXT NOT NULL,
        size       INTEGER NOT NULL,
        media_type TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (item_id, role, sha256)
    );
    CREATE INDEX artifacts_sha ON artifacts(sha256);
    CREATE TABLE near_duplicates (
        a        TEXT NOT NULL REFERENCES items(id) ON DELETE CASCADE,
        b        TEXT NOT NULL REFERENCES items(id) ON DELETE CASCADE,
        distance INTEGER NOT NULL,
        PRIMARY KEY (a, b)
    );
    CREATE INDEX near_duplicates_b ON near_duplicates(b);
    CREATE TABLE custody (
        seq       INTEGER PRIMARY KEY,
        at        TEXT NOT NULL,
        action    TEXT NOT NULL,
        case_id   TEXT,
        item_id   TEXT,
        sha256    TEXT,
        detail    TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash      TEXT NOT NULL
    );
    CREATE INDEX custody_item ON custody(item_id);
    CREATE INDEX custody_case ON custody(case_id);
    CREATE TRIGGER custody_append_only_update BEFORE UPDATE ON custody
        BEGIN SELECT RAISE(ABORT, 'the custody log is append-only'); END;
    CREATE TRIGGER custody_append_only_delete BEFORE DELETE ON custody
        BEGIN SELECT RAISE(ABORT, 'the custody log is append-only'); END;
    CREATE VIRTUAL TABLE items_fts USING fts5(
        item_id UNINDEXED,
        body,
        tokenize = 'unicode61 remove_diacritics 2'
    );
    "#,
    // 2: link captures. One row per fetch of a link item, numbered from 1 per
    // item; the WARC itself is an artifact (role `capture`).
    r#"
    CREATE TABLE captures (
        item_id       TEXT NOT NULL REFERENCES items(id) ON DELETE CASCADE,
        seq           INTEGER NOT NULL,
        requested_url TEXT NOT NULL,
        started_at    TEXT NOT NULL,
        finished_at   TEXT NOT NULL,
        final_url     TEXT,
        status        INTEGER,
        remote_ip     TEXT,
        hops          TEXT NOT NULL DEFAULT '[]',
        tls           TEXT,
        metadata      TEXT,
        details       TEXT NOT NULL DEFAULT '{}',
        error         TEXT,
        warc_sha256   TEXT,
        warc_size     INTEGER,
        PRIMARY KEY (item_id, seq)
    );
    "#,
    // 3: the post an item answers or reposts (its URL or id), for finding
    // coordinated replies and reposts. New fields of the record
    // (`record::FIELDS`) each add their column like this.
    r#"
    ALTER TABLE items ADD COLUMN reply_to TEXT;
    ALTER TABLE items ADD COLUMN repost_of TEXT;
    "#,
    // 4: submission: organizations added from their signed files, and the
    // outbox of sealed reports on their way to one, with their receipts.
    r#"
    CREATE TABLE orgs (
        id           TEXT PRIMARY KEY,
        name         TEXT NOT NULL,
        url          TEXT NOT NULL,
        contact      TEXT NOT NULL,
        age_recipient TEXT NOT NULL,
        receipt_key  TEXT NOT NULL UNIQUE,
        file         TEXT NOT NULL,
        added_at     TEXT NOT NULL
    );
    CREATE TABLE submissions (
        id            TEXT PRIMARY KEY,
        org_id        TEXT NOT NULL REFERENCES orgs(id),
        report_path   TEXT NOT NULL,
        report_sha256 TEXT NOT NULL,
        size          INTEGER NOT NULL,
        key_id        TEXT NOT NULL,
        report_id     TEXT,
        state         TEXT NOT NULL,
        upload_url    TEXT,
        sent          INTEGER NOT NULL DEFAULT 0,
        chunk_size    INTEGER NOT NULL,
        error         TEXT,
        error_es      TEXT,
        attempts      INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT,
        receipt_id    TEXT,
        receipt_json  TEXT,
        receipt_minisig TEXT,
        created_at    TEXT NOT NULL,
        updated_at    TEXT NOT NULL
    );
    "#,
    // 5: campaign analysis: posts imported from bulk files (each naming the
    // item that keeps its file, and its line there), their search index, and
    // the stored results of analyses with the parameters that produced them.
    r#"
    CREATE TABLE posts (
        id              INTEGER PRIMARY KEY,
        case_id         TEXT NOT NULL REFERENCES cases(id),
        source_item     TEXT NOT NULL REFERENCES items(id) ON DELETE CASCADE,
        line            INTEGER NOT NULL,
        message_id      TEXT NOT NULL,
        platform        TEXT,
        account_id      INTEGER REFERENCES accounts(id),
        user_id         TEXT,
        handle          TEXT NOT NULL,
        author_name     TEXT,
        account_created INTEGER,
        posted_at       INTEGER NOT NULL,
        text            TEXT NOT NULL,
        url             TEXT,
        reply_to        TEXT,
        repost_of       TEXT,
        hashtags        TEXT NOT NULL DEFAULT '[]',
        links           TEXT NOT NULL DEFAULT '[]'
    );
    CREATE UNIQUE INDEX posts_source_message ON posts(source_item, message_id);
    CREATE INDEX posts_case_time ON posts(case_id, posted_at);
    CREATE INDEX posts_case_message ON posts(case_id, message_id);
    CREATE INDEX posts_account ON posts(account_id);
    CREATE VIRTUAL TABLE posts_fts USING fts5(
        body,
        tokenize = 'unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER posts_unindex AFTER DELETE ON posts
        BEGIN DELETE FROM posts_fts WHERE rowid = old.id; END;
    CREATE TABLE analyses (
        id          TEXT PRIMARY KEY,
        case_id     TEXT NOT NULL REFERENCES cases(id),
        created_at  TEXT NOT NULL,
        parameters  TEXT NOT NULL,
        result      TEXT NOT NULL,
        sha256      TEXT NOT NULL
    );
    CREATE INDEX analyses_case ON analyses(case_id, created_at);
    "#,
];

/// Opens (creating if needed) the encrypted database and brings its schema up to date.
pub fn open(path: &Path, key: &Zeroizing<[u8; 32]>) -> Result<Connection> {
    if !path.exists() {
        // An empty file is an empty database to SQLite; made here so that
        // it, and the `-wal` and `-shm` files SQLite makes after it, are 0600.
        match private::create_new_file(path) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(Error::io(IoContext::Creating(path.into()))(e)),
        }
    }
    let conn = open_existing(path, key).map_err(|e| open_error(path, e))?;
    migrate(&conn)?;
    Ok(conn)
}

fn open_existing(path: &Path, key: &Zeroizing<[u8; 32]>) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    let hex_key = Zeroizing::new(hex::encode(&key[..]));
    conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", hex_key.as_str()))?;
    // The first read tells whether the key fits: SQLCipher only checks then.
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;
         PRAGMA busy_timeout = 30000;",
    )?;
    Ok(conn)
}

/// What a failure to open the database at `path` means, said so a person
/// can act on it: SQLCipher answers `SQLITE_NOTADB` when the key does not
/// fit; a full disk is said as such (SQLite reports `SQLITE_FULL` for a
/// failed write, but an I/O error for a shared-memory file it cannot grow,
/// so an I/O error on a disk with almost no room left counts as full).
fn open_error(path: &Path, e: rusqlite::Error) -> Error {
    let code = e.sqlite_error_code();
    let dir = path.parent().unwrap_or(path);
    let full = code == Some(ErrorCode::DiskFull)
        || (matches!(
            code,
            Some(ErrorCode::SystemIoFailure | ErrorCode::CannotOpen)
        ) && private::disk_nearly_full(dir));
    if full {
        return Error::disk_full(IoContext::OpeningDatabase(path.into()));
    }
    match code {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => Error::corrupt(
            format!(
                "the vault database {} cannot be read with this vault's key ({e}); it is damaged or from another vault",
                path.display()
            ),
            format!(
                "la base de datos {} no se puede leer con la clave de esta bóveda ({e}); está dañada o es de otra bóveda",
                path.display()
            ),
        ),
        _ => Error::bilingual(
            ErrorKind::Database,
            format!("opening the vault database {} failed: {e}", path.display()),
            format!(
                "no se pudo abrir la base de datos de la bóveda {}: {e}",
                path.display()
            ),
        ),
    }
}

fn migrate(conn: &Connection) -> Result<()> {
    let version: usize = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > MIGRATIONS.len() {
        return Err(Error::corrupt(
            format!(
                "this vault was written by a newer Testigo (schema {version}); update Testigo to open it"
            ),
            format!(
                "esta bóveda la escribió una versión más nueva de Testigo (esquema {version}); actualiza Testigo para abrirla"
            ),
        ));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
        let tx = conn.unchecked_transaction()?;
        tx.execute_batch(sql)?;
        tx.execute_batch(&format!("PRAGMA user_version = {}", i + 1))?;
        tx.commit()?;
    }
    Ok(())
}

/// The id in `table` that is `q` or starts with it (ids are ULIDs, so a
/// prefix is matched case-insensitively); several are an
/// [`Error::Ambiguous`] naming up to five.
pub(crate) fn resolve_prefix(
    db: &Connection,
    table: &str,
    what: &'static str,
    q: &str,
) -> Result<String> {
    let not_found = || Error::NotFound {
        what,
        query: q.to_string(),
    };
    if q.is_empty() || !q.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(not_found());
    }
    let prefix = q.to_ascii_uppercase();
    let mut stmt = db.prepare(&format!(
        "SELECT id FROM {table} WHERE substr(id, 1, length(?1)) = ?1 ORDER BY id LIMIT 6"
    ))?;
    let ids = stmt
        .query_map([&prefix], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    match ids.as_slice() {
        [] => Err(not_found()),
        [one] => Ok(one.clone()),
        many => Err(Error::Ambiguous {
            what,
            query: q.to_string(),
            candidates: many.iter().take(5).cloned().collect::<Vec<_>>().join(", "),
        }),
    }
}

/// What SQLCipher's and SQLite's integrity checks find wrong (nothing when
/// the database is sound).
pub(crate) fn integrity_problems(conn: &Connection) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for pragma in ["PRAGMA cipher_integrity_check", "PRAGMA integrity_check"] {
        let mut stmt = conn.prepare(pragma)?;
        let rows = stmt
            .query_map([], |row| row.get::<_, String>(0))?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        out.extend(rows.into_iter().filter(|m| m != "ok"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_of_the_record_has_its_column() {
        let dir = tempfile::tempdir().expect("tempdir");
        let conn = open(&dir.path().join("t.db"), &Zeroizing::new([7u8; 32])).expect("open");
        let mut stmt = conn
            .prepare("SELECT name FROM pragma_table_info('items')")
            .unwrap();
        let columns: Vec<String> = stmt
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        for field in crate::record::FIELD_COLUMNS {
            assert!(
                columns.iter().any(|c| c == field),
                "items has no column `{field}`: add a migration to MIGRATIONS"
            );
        }
    }
}
