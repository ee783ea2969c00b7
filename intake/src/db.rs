//! The index's database, SQLite in the server's folder or a shared
//! PostgreSQL, behind one small interface: statements with `$1`, `$2`…
//! placeholders (numbered in the order they first appear, which SQLite
//! and PostgreSQL both read), values that are integers or text, and rows
//! of them. The index (`index.rs`) is written once over it.

use std::path::Path;
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result, anyhow};

/// A value bound to a statement or read from a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// An integer (`BIGINT`).
    Int(i64),
    /// Text, or NULL.
    Text(Option<String>),
}

impl From<i64> for Value {
    fn from(v: i64) -> Value {
        Value::Int(v)
    }
}
impl From<u64> for Value {
    fn from(v: u64) -> Value {
        Value::Int(i64::try_from(v).unwrap_or(i64::MAX))
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::Text(Some(v.to_string()))
    }
}
impl From<String> for Value {
    fn from(v: String) -> Value {
        Value::Text(Some(v))
    }
}
impl From<&String> for Value {
    fn from(v: &String) -> Value {
        Value::Text(Some(v.clone()))
    }
}
impl From<Option<String>> for Value {
    fn from(v: Option<String>) -> Value {
        Value::Text(v)
    }
}

/// A row read back.
#[derive(Debug, Clone)]
pub struct Row(Vec<Value>);

impl Row {
    /// Column `i` as an integer (0 for NULL or text).
    pub fn int(&self, i: usize) -> i64 {
        match self.0.get(i) {
            Some(Value::Int(v)) => *v,
            _ => 0,
        }
    }
    /// Column `i` as an unsigned integer.
    pub fn uint(&self, i: usize) -> u64 {
        u64::try_from(self.int(i)).unwrap_or(0)
    }
    /// Column `i` as text, if it is not NULL.
    pub fn opt_text(&self, i: usize) -> Option<String> {
        match self.0.get(i) {
            Some(Value::Text(t)) => t.clone(),
            Some(Value::Int(v)) => Some(v.to_string()),
            None => None,
        }
    }
    /// Column `i` as text ("" for NULL).
    pub fn text(&self, i: usize) -> String {
        self.opt_text(i).unwrap_or_default()
    }
}

/// One statement and its values, for [`Db::transaction`].
pub type Statement = (&'static str, Vec<Value>);

/// The database.
#[derive(Clone)]
pub enum Db {
    /// SQLite in the server's folder.
    Sqlite(Arc<Mutex<rusqlite::Connection>>),
    /// A shared PostgreSQL.
    Postgres(deadpool_postgres::Pool),
}

impl Db {
    /// Opens (creating) the SQLite index at `path`.
    pub fn sqlite(path: &Path) -> Result<Db> {
        let conn = rusqlite::Connection::open(path)
            .with_context(|| format!("cannot open the index {}", path.display()))?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 10000;",
        )?;
        Ok(Db::Sqlite(Arc::new(Mutex::new(conn))))
    }

    /// Connects to PostgreSQL (`host=… user=… dbname=…` or a `postgres://` URL).
    pub fn postgres(config: &str) -> Result<Db> {
        let pg: tokio_postgres::Config = config
            .parse()
            .context("the [storage] postgres setting is not a PostgreSQL connection string")?;
        let manager = deadpool_postgres::Manager::new(pg, tokio_postgres::NoTls);
        let pool = deadpool_postgres::Pool::builder(manager)
            .max_size(16)
            .build()
            .context("cannot set up the PostgreSQL pool")?;
        Ok(Db::Postgres(pool))
    }

    /// Runs statements that change rows, in one transaction, and returns
    /// how many rows each changed. When `guarded` and the first changes no
    /// row, nothing is kept and `None` is returned (an optimistic lock).
    pub async fn transaction(
        &self,
        stmts: Vec<Statement>,
        guarded: bool,
    ) -> Result<Option<Vec<u64>>> {
        match self {
            Db::Sqlite(conn) => {
                on_sqlite(conn, move |conn| {
                    let tx = conn.transaction()?;
                    let mut counts = Vec::new();
                    for (i, (sql, values)) in stmts.iter().enumerate() {
                        let n = tx.execute(
                            sql,
                            rusqlite::params_from_iter(values.iter().map(to_sqlite)),
                        )? as u64;
                        if i == 0 && guarded && n == 0 {
                            return Ok(None);
                        }
                        counts.push(n);
                    }
                    tx.commit()?;
                    Ok(Some(counts))
                })
                .await
            }
            Db::Postgres(pool) => {
                let mut client = pool.get().await.context("cannot reach PostgreSQL")?;
                let tx = client.transaction().await?;
                let mut counts = Vec::new();
                for (i, (sql, values)) in stmts.iter().enumerate() {
                    let boxed = pg_values(values);
                    let n = tx.execute(*sql, &pg_refs(&boxed)).await?;
                    if i == 0 && guarded && n == 0 {
                        return Ok(None);
                    }
                    counts.push(n);
                }
                tx.commit().await?;
                Ok(Some(counts))
            }
        }
    }

    /// Runs one statement that changes rows; how many it changed.
    pub async fn execute(&self, sql: &'static str, values: Vec<Value>) -> Result<u64> {
        let counts = self.transaction(vec![(sql, values)], false).await?;
        Ok(counts.and_then(|c| c.first().copied()).unwrap_or(0))
    }

    /// Runs a query.
    pub async fn query(&self, sql: &'static str, values: Vec<Value>) -> Result<Vec<Row>> {
        match self {
            Db::Sqlite(conn) => {
                on_sqlite(conn, move |conn| {
                    let mut stmt = conn.prepare_cached(sql)?;
                    let n = stmt.column_count();
                    let rows = stmt.query_map(
                        rusqlite::params_from_iter(values.iter().map(to_sqlite)),
                        |r| {
                            let mut out = Vec::with_capacity(n);
                            for i in 0..n {
                                out.push(match r.get_ref(i)? {
                                    rusqlite::types::ValueRef::Integer(v) => Value::Int(v),
                                    rusqlite::types::ValueRef::Null => Value::Text(None),
                                    rusqlite::types::ValueRef::Text(t) => {
                                        Value::Text(Some(String::from_utf8_lossy(t).into_owned()))
                                    }
                                    rusqlite::types::ValueRef::Real(f) => Value::Int(f as i64),
                                    rusqlite::types::ValueRef::Blob(b) => {
                                        Value::Text(Some(String::from_utf8_lossy(b).into_owned()))
                                    }
                                });
                            }
                            Ok(Row(out))
                        },
                    )?;
                    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
                })
                .await
            }
            Db::Postgres(pool) => {
                let client = pool.get().await.context("cannot reach PostgreSQL")?;
                let boxed = pg_values(&values);
                let stmt = client.prepare_cached(sql).await?;
                let rows = client.query(&stmt, &pg_refs(&boxed)).await?;
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    let mut values = Vec::with_capacity(r.len());
                    for (i, c) in r.columns().iter().enumerate() {
                        use tokio_postgres::types::Type;
                        values.push(match *c.type_() {
                            Type::INT8 => Value::Int(r.get::<_, Option<i64>>(i).unwrap_or(0)),
                            Type::INT4 => {
                                Value::Int(r.get::<_, Option<i32>>(i).unwrap_or(0).into())
                            }
                            _ => Value::Text(r.get::<_, Option<String>>(i)),
                        });
                    }
                    out.push(Row(values));
                }
                Ok(out)
            }
        }
    }

    /// Runs DDL (the schema), statements separated by `;`.
    pub async fn batch(&self, sql: &'static str) -> Result<()> {
        match self {
            Db::Sqlite(conn) => on_sqlite(conn, move |conn| Ok(conn.execute_batch(sql)?)).await,
            Db::Postgres(pool) => {
                let client = pool.get().await.context("cannot reach PostgreSQL")?;
                client.batch_execute(sql).await?;
                Ok(())
            }
        }
    }
}

/// Runs `f` on the SQLite connection, on a blocking thread, under its lock.
async fn on_sqlite<T: Send + 'static>(
    conn: &Arc<Mutex<rusqlite::Connection>>,
    f: impl FnOnce(&mut rusqlite::Connection) -> Result<T> + Send + 'static,
) -> Result<T> {
    let conn = conn.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = conn
            .lock()
            .map_err(|_| anyhow!("the index lock was poisoned"))?;
        f(&mut conn)
    })
    .await?
}

/// A PostgreSQL value, boxed so a statement's values can be held across
/// an `.await`.
type PgValue = Box<dyn tokio_postgres::types::ToSql + Sync + Send>;

fn pg_values(values: &[Value]) -> Vec<PgValue> {
    values.iter().map(to_pg).collect()
}

fn pg_refs(boxed: &[PgValue]) -> Vec<&(dyn tokio_postgres::types::ToSql + Sync)> {
    boxed
        .iter()
        .map(|b| b.as_ref() as &(dyn tokio_postgres::types::ToSql + Sync))
        .collect()
}

fn to_sqlite(v: &Value) -> rusqlite::types::Value {
    match v {
        Value::Int(i) => rusqlite::types::Value::Integer(*i),
        Value::Text(Some(t)) => rusqlite::types::Value::Text(t.clone()),
        Value::Text(None) => rusqlite::types::Value::Null,
    }
}

fn to_pg(v: &Value) -> PgValue {
    match v {
        Value::Int(i) => Box::new(*i),
        Value::Text(t) => Box::new(t.clone()),
    }
}
