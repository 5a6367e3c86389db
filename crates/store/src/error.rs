//! The storage error: what went wrong, in terms a caller can act on.

use domain::Invalid;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A uniqueness rule refused the write; the text names what already exists.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The write breaks a rule only the stored data can check (an unknown team id, say).
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// The database cannot be reached or refused to commit.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    #[error("storage error: {0}")]
    Other(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::RowNotFound => Self::NotFound,
            // PostgreSQL gave up one of two writes that waited on each other: the write did not
            // happen, and trying again will do.
            sqlx::Error::Database(db)
                if matches!(db.code().as_deref(), Some("40P01" | "40001")) =>
            {
                Self::Unavailable(format!(
                    "a concurrent write got in the way; try again ({db})"
                ))
            }
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                Self::Conflict(db.constraint().unwrap_or("unique").to_owned())
            }
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::WorkerCrashed => Self::Unavailable(error.to_string()),
            _ => Self::Other(error.to_string()),
        }
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(error: serde_json::Error) -> Self {
        Self::Other(format!("stored document: {error}"))
    }
}
