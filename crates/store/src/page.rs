//! Keyset pagination. A cursor names the last item of a page by its sort key and id, so a page
//! stays correct while items are added or removed before or after it (no offsets that shift).
//! On the wire a cursor is an opaque token: URL-safe base64 of a small JSON document.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use domain::Uuid;
use serde::{Deserialize, Serialize};

/// The position after which the next page starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// Which ordering the cursor belongs to (a token of one ordering is refused by another).
    #[serde(rename = "o")]
    pub order: String,
    #[serde(rename = "k")]
    pub key: SortKey,
    #[serde(rename = "i")]
    pub id: Uuid,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SortKey {
    Int(i64),
    Text(String),
}

impl Cursor {
    pub fn token(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    /// Reads a token; `None` when it is not one of ours or belongs to another ordering.
    pub fn from_token(token: &str, order: &str) -> Option<Self> {
        let bytes = URL_SAFE_NO_PAD.decode(token.trim_end_matches('=')).ok()?;
        let cursor: Self = serde_json::from_slice(&bytes).ok()?;
        (cursor.order == order).then_some(cursor)
    }
}

/// One page of a list, with where the next one starts and, when asked, the total.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<Cursor>,
    pub total: i64,
}

/// One page of a workspace's rows of `table` in creation order (ties broken by id).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn by_created<T>(
    c: &mut sqlx::AnyConnection,
    table: &str,
    columns: &str,
    workspace_id: Uuid,
    reverse: bool,
    after: Option<Cursor>,
    limit: usize,
    from_row: fn(&sqlx::any::AnyRow) -> crate::Result<T>,
) -> crate::Result<Page<T>> {
    let filter = Filter::default();
    by_created_where(
        c,
        table,
        columns,
        workspace_id,
        &filter,
        reverse,
        after,
        limit,
        from_row,
    )
    .await
}

/// Conditions `column = value` that a list keeps to (the total counts only what they keep).
#[derive(Debug, Default)]
pub(crate) struct Filter {
    equal: Vec<(&'static str, crate::sql::Arg)>,
}

impl Filter {
    pub fn equal(mut self, column: &'static str, value: impl Into<crate::sql::Arg>) -> Self {
        self.equal.push((column, value.into()));
        self
    }

    fn push_to(&self, sql: &mut crate::sql::Sql) {
        for (column, value) in &self.equal {
            sql.push(&format!(" AND {column} = ")).bind(value.clone());
        }
    }
}

/// [`by_created`] keeping only the rows that `filter` keeps.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn by_created_where<T>(
    c: &mut sqlx::AnyConnection,
    table: &str,
    columns: &str,
    workspace_id: Uuid,
    filter: &Filter,
    reverse: bool,
    after: Option<Cursor>,
    limit: usize,
    from_row: fn(&sqlx::any::AnyRow) -> crate::Result<T>,
) -> crate::Result<Page<T>> {
    use crate::sql::{RowExt, Sql};
    let limit = limit.max(1);
    let mut count = Sql::new(&format!(
        "SELECT COUNT(*) AS total FROM {table} WHERE workspace_id = "
    ));
    count.bind(workspace_id);
    filter.push_to(&mut count);
    let total = count
        .fetch_optional(&mut *c)
        .await?
        .map_or(Ok(0), |r| r.int("total"))?;
    let mut sql = Sql::new(&format!(
        "SELECT {columns} FROM {table} WHERE workspace_id = "
    ));
    sql.bind(workspace_id);
    filter.push_to(&mut sql);
    if let Some(cursor) = after {
        let SortKey::Int(key) = cursor.key else {
            return Ok(Page {
                items: vec![],
                next: None,
                total,
            });
        };
        let cmp = if reverse { "<" } else { ">" };
        sql.push(&format!(" AND (created_at {cmp} ")).bind(key);
        sql.push(" OR (created_at = ")
            .bind(key)
            .push(&format!(" AND id {cmp} "))
            .bind(cursor.id)
            .push("))");
    }
    let direction = if reverse { "DESC" } else { "ASC" };
    sql.push(&format!(
        " ORDER BY created_at {direction}, id {direction} LIMIT "
    ))
    .bind(limit as i64 + 1);
    let rows = sql.fetch_all(c).await?;
    let mut next = None;
    if rows.len() > limit {
        let last = &rows[limit - 1];
        next = Some(Cursor {
            order: "createdAt".into(),
            key: SortKey::Int(last.int("created_at")?),
            id: last.uuid("id")?,
        });
    }
    let items = rows
        .iter()
        .take(limit)
        .map(from_row)
        .collect::<crate::Result<Vec<_>>>()?;
    Ok(Page { items, next, total })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_refuse_another_order() {
        let cursor = Cursor {
            order: "createdAt".into(),
            key: SortKey::Int(42),
            id: Uuid::nil(),
        };
        let token = cursor.token();
        assert_eq!(Cursor::from_token(&token, "createdAt"), Some(cursor));
        assert_eq!(Cursor::from_token(&token, "name"), None);
        assert_eq!(Cursor::from_token("not a token", "createdAt"), None);
    }
}
