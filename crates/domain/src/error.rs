//! The one domain error: input that breaks a rule, with the field it concerns.

/// A value that breaks a domain rule. Surfaces answer it with their "invalid" status (422 on Bird).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct Invalid {
    pub field: String,
    pub message: String,
}

impl Invalid {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}
