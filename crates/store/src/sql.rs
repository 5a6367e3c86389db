//! Helpers for SQL written once for both databases: `$n` placeholders, UUID text, millisecond
//! times and JSON documents.

use std::borrow::Cow;
use std::collections::HashSet;

use domain::{Timestamp, Uuid};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::{Result, StoreError};

/// A bound value. Only the types both databases share through `sqlx::Any`.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Text(String),
    Int(i64),
    NullText,
    NullInt,
}

impl Arg {
    fn to_json(&self) -> serde_json::Value {
        match self {
            Arg::Text(v) => v.as_str().into(),
            Arg::Int(v) => (*v).into(),
            Arg::NullText | Arg::NullInt => serde_json::Value::Null,
        }
    }
}

impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(v.to_owned())
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Text(v)
    }
}
impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::Int(v)
    }
}
impl From<bool> for Arg {
    fn from(v: bool) -> Self {
        Arg::Int(i64::from(v))
    }
}
impl From<Uuid> for Arg {
    fn from(v: Uuid) -> Self {
        Arg::Text(v.to_string())
    }
}
impl From<Timestamp> for Arg {
    fn from(v: Timestamp) -> Self {
        Arg::Int(v.millis())
    }
}
impl<T: Into<Arg>> From<Option<T>> for Arg {
    fn from(v: Option<T>) -> Self {
        match v.map(Into::into) {
            Some(arg) => arg,
            // The placeholder's type matters to PostgreSQL: text is the common case.
            None => Arg::NullText,
        }
    }
}

/// A nullable integer (a time or a count), which PostgreSQL must see typed as one.
pub(crate) fn opt_int<T: Into<Arg>>(value: Option<T>) -> Arg {
    value.map_or(Arg::NullInt, Into::into)
}

/// How many rows one multi-row statement carries (or ids one `IN` list): well under either
/// database's limit on the values of one statement.
pub(crate) const ROWS_PER_STATEMENT: usize = 500;

/// A statement and its arguments, built up piece by piece with numbered placeholders.
#[derive(Debug, Default)]
pub(crate) struct Sql {
    text: String,
    args: Vec<Arg>,
    /// Where each placeholder lies in `text`, in order, and what it stands for.
    placeholders: Vec<(std::ops::Range<usize>, Slot)>,
}

/// What a placeholder stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    /// One value.
    Value,
    /// Rows, as a JSON array of arrays, read as a table (see [`Sql::bind_rows`]).
    Rows,
}

/// The table of the rows of a [`Slot::Rows`] document: PostgreSQL's form, which is the text kept;
/// SQLite's is made from it when the statement runs there.
const ROWS_PG: (&str, &str) = (
    "jsonb_array_elements(CAST(",
    " AS jsonb)) AS json_rows(value)",
);
const ROWS_SQLITE: &str = "json_each(?) AS json_rows";

impl Sql {
    pub fn new(text: &str) -> Self {
        Self {
            text: text.to_owned(),
            ..Self::default()
        }
    }

    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder for `arg`.
    pub fn bind(&mut self, arg: impl Into<Arg>) -> &mut Self {
        self.bind_slot(arg.into(), Slot::Value)
    }

    fn bind_slot(&mut self, arg: Arg, slot: Slot) -> &mut Self {
        self.args.push(arg);
        let start = self.text.len();
        let number = format!("${}", self.args.len());
        match slot {
            Slot::Value => self.text.push_str(&number),
            Slot::Rows => {
                self.text.push_str(ROWS_PG.0);
                self.text.push_str(&number);
                self.text.push_str(ROWS_PG.1);
            }
        }
        self.placeholders.push((start..self.text.len(), slot));
        self
    }

    /// Appends `(…)` with a placeholder for each value, for `IN` lists.
    pub fn bind_list<T: Into<Arg> + Clone>(&mut self, values: &[T]) -> &mut Self {
        self.push("(");
        for (i, value) in values.iter().enumerate() {
            self.push(if i == 0 { "" } else { ", " })
                .bind(value.clone());
        }
        self.push(")")
    }

    /// Appends another statement built this way, its placeholders numbered on from these.
    pub fn append(&mut self, other: &Sql) -> &mut Self {
        let mut copied = 0;
        for ((placeholder, slot), arg) in other.placeholders.iter().zip(&other.args) {
            self.push(&other.text[copied..placeholder.start])
                .bind_slot(arg.clone(), *slot);
            copied = placeholder.end;
        }
        self.push(&other.text[copied..])
    }

    /// Appends `(SELECT … AS column1, … AS columnN FROM …)`: a table of `rows` (with the
    /// column names of multi-row `VALUES`), all bound as one JSON document. The statement
    /// then reads the same whatever the number of rows, so each connection prepares it once;
    /// with a placeholder per value, every new count of rows was a new statement to prepare
    /// and plan, a round trip more to PostgreSQL. A column is an integer where the first row's
    /// value is one, text otherwise (no rows make a table of one column).
    pub fn bind_rows(&mut self, rows: impl IntoIterator<Item = Vec<Arg>>) -> Result<&mut Self> {
        let rows: Vec<Vec<Arg>> = rows.into_iter().collect();
        self.push("(SELECT ");
        for (i, value) in rows.first().into_iter().flatten().enumerate() {
            let read = format!("json_rows.value ->> {i}");
            let read = match value {
                Arg::Int(_) | Arg::NullInt => format!("CAST({read} AS BIGINT)"),
                Arg::Text(_) | Arg::NullText => read,
            };
            self.push(if i == 0 { "" } else { ", " })
                .push(&format!("{read} AS column{}", i + 1));
        }
        if rows.is_empty() {
            self.push("NULL AS column1");
        }
        let document: Vec<Vec<serde_json::Value>> = rows
            .iter()
            .map(|row| row.iter().map(Arg::to_json).collect())
            .collect();
        self.push(" FROM ")
            .bind_slot(serde_json::to_string(&document)?.into(), Slot::Rows)
            .push(")");
        Ok(self)
    }

    /// Appends `SELECT * FROM … AS v WHERE true`, the rows for an `INSERT INTO table (columns)`
    /// (see [`Sql::bind_rows`]). The `WHERE` keeps SQLite from reading an `ON CONFLICT` after it
    /// as the `ON` of a join.
    pub fn select_rows(&mut self, rows: impl IntoIterator<Item = Vec<Arg>>) -> Result<&mut Self> {
        self.push("SELECT * FROM ");
        Ok(self.bind_rows(rows)?.push(" AS v WHERE true"))
    }

    /// The statement as `conn`'s database takes it best. SQLite finds a numbered placeholder's
    /// number by walking the list of all of them, so binding a statement of many values (a
    /// multi-row insert) would cost the square of their count; placeholders in order can go
    /// unnumbered there instead.
    fn text_for(&self, conn: &AnyConnection) -> Cow<'_, str> {
        if conn.backend_name() != "SQLite" {
            return Cow::Borrowed(&self.text);
        }
        let mut text = String::with_capacity(self.text.len());
        let mut copied = 0;
        for (placeholder, slot) in &self.placeholders {
            text.push_str(&self.text[copied..placeholder.start]);
            text.push_str(match slot {
                Slot::Value => "?",
                Slot::Rows => ROWS_SQLITE,
            });
            copied = placeholder.end;
        }
        text.push_str(&self.text[copied..]);
        Cow::Owned(text)
    }

    pub async fn fetch_all(&self, conn: &mut AnyConnection) -> Result<Vec<AnyRow>> {
        let text = self.text_for(conn);
        Ok(q(&text, &self.args).fetch_all(conn).await?)
    }

    pub async fn fetch_optional(&self, conn: &mut AnyConnection) -> Result<Option<AnyRow>> {
        let text = self.text_for(conn);
        Ok(q(&text, &self.args).fetch_optional(conn).await?)
    }

    pub async fn execute(&self, conn: &mut AnyConnection) -> Result<u64> {
        let text = self.text_for(conn);
        Ok(q(&text, &self.args).execute(conn).await?.rows_affected())
    }
}

/// Runs `text` with `args` bound in order to `$1`, `$2`, ….
pub(crate) fn q<'a>(
    text: &'a str,
    args: &'a [Arg],
) -> sqlx::query::Query<'a, sqlx::Any, sqlx::any::AnyArguments<'a>> {
    bind_all(sqlx::query(text), args)
}

fn bind_all<'a>(
    mut query: sqlx::query::Query<'a, sqlx::Any, sqlx::any::AnyArguments<'a>>,
    args: &'a [Arg],
) -> sqlx::query::Query<'a, sqlx::Any, sqlx::any::AnyArguments<'a>> {
    for arg in args {
        query = match arg {
            Arg::Text(v) => query.bind(v.as_str()),
            Arg::Int(v) => query.bind(*v),
            Arg::NullText => query.bind(None::<String>),
            Arg::NullInt => query.bind(None::<i64>),
        };
    }
    query
}

/// Reading typed values out of a row.
pub(crate) trait RowExt {
    fn text(&self, column: &str) -> Result<String>;
    fn opt_text(&self, column: &str) -> Result<Option<String>>;
    fn int(&self, column: &str) -> Result<i64>;
    fn opt_int(&self, column: &str) -> Result<Option<i64>>;
    fn uuid(&self, column: &str) -> Result<Uuid> {
        parse_uuid(&self.text(column)?)
    }
    fn opt_uuid(&self, column: &str) -> Result<Option<Uuid>> {
        self.opt_text(column)?
            .as_deref()
            .map(parse_uuid)
            .transpose()
    }
    fn time(&self, column: &str) -> Result<Timestamp> {
        Ok(Timestamp::from_millis(self.int(column)?))
    }
    fn opt_time(&self, column: &str) -> Result<Option<Timestamp>> {
        Ok(self.opt_int(column)?.map(Timestamp::from_millis))
    }
    fn flag(&self, column: &str) -> Result<bool> {
        Ok(self.int(column)? != 0)
    }
    fn json<T: serde::de::DeserializeOwned>(&self, column: &str) -> Result<T> {
        Ok(serde_json::from_str(&self.text(column)?)?)
    }
}

impl RowExt for AnyRow {
    fn text(&self, column: &str) -> Result<String> {
        Ok(self.try_get(column)?)
    }
    fn opt_text(&self, column: &str) -> Result<Option<String>> {
        Ok(self.try_get(column)?)
    }
    fn int(&self, column: &str) -> Result<i64> {
        Ok(self.try_get(column)?)
    }
    fn opt_int(&self, column: &str) -> Result<Option<i64>> {
        Ok(self.try_get(column)?)
    }
}

fn parse_uuid(text: &str) -> Result<Uuid> {
    Uuid::parse_str(text).map_err(|e| StoreError::Other(format!("stored id {text:?}: {e}")))
}

/// The clause that locks the rows a write reads, so that two read-change-save writes of one row
/// take turns: ` FOR UPDATE` on PostgreSQL; nothing on SQLite, where one writer does every write.
pub(crate) fn for_update(c: &AnyConnection) -> &'static str {
    if c.backend_name() == "PostgreSQL" {
        " FOR UPDATE"
    } else {
        ""
    }
}

/// A JSON document for a text column.
pub(crate) fn json<T: serde::Serialize>(value: &T) -> Result<String> {
    Ok(serde_json::to_string(value)?)
}

/// Escapes `%`, `_` and `\` so a text matches itself inside `LIKE … ESCAPE '\'`.
pub(crate) fn like_contains(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len() + 2);
    escaped.push('%');
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped.push('%');
    escaped
}

/// The rows among `ids` of the workspace's `table`, with `columns` (which must name
/// `workspace_id`), in no particular order. The condition names the ids alone and each row's
/// workspace is checked here: with the workspace in the condition too, SQLite (which keeps no
/// statistics here) prefers an index on the workspace to a lookup of each id, and reads every
/// row of the workspace.
pub(crate) async fn rows_by_ids(
    c: &mut AnyConnection,
    table: &str,
    columns: &str,
    workspace_id: Uuid,
    ids: &[Uuid],
) -> Result<Vec<AnyRow>> {
    let mut rows = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(ROWS_PER_STATEMENT) {
        let mut sql = Sql::new(&format!("SELECT {columns} FROM {table} WHERE id IN "));
        sql.bind_list(chunk);
        for row in sql.fetch_all(c).await? {
            if row.uuid("workspace_id")? == workspace_id {
                rows.push(row);
            }
        }
    }
    Ok(rows)
}

/// The ids among `ids` that are rows of the workspace's `table`.
pub(crate) async fn known_ids(
    c: &mut AnyConnection,
    table: &str,
    workspace_id: Uuid,
    ids: &[Uuid],
) -> Result<HashSet<Uuid>> {
    rows_by_ids(c, table, "id, workspace_id", workspace_id, ids)
        .await?
        .iter()
        .map(|row| row.uuid("id"))
        .collect()
}

/// Whether the workspace's `table` has the row `id`.
pub(crate) async fn row_exists(
    c: &mut AnyConnection,
    table: &str,
    workspace_id: Uuid,
    id: Uuid,
) -> Result<bool> {
    let sql = format!("SELECT id FROM {table} WHERE workspace_id = $1 AND id = $2");
    let row = q(&sql, &[workspace_id.into(), id.into()])
        .fetch_optional(c)
        .await?;
    Ok(row.is_some())
}

/// Deletes the row `id` of a workspace's `table`; NotFound when there is none.
pub(crate) async fn delete_row(
    c: &mut AnyConnection,
    table: &str,
    workspace_id: Uuid,
    id: Uuid,
) -> Result<()> {
    let sql = format!("DELETE FROM {table} WHERE workspace_id = $1 AND id = $2");
    let gone = q(&sql, &[workspace_id.into(), id.into()])
        .execute(c)
        .await?;
    if gone.rows_affected() == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}
