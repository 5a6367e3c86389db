//! The one error that becomes an HTTP response. Bird's envelope `{"code", "message"}` is also
//! the native API's; each later vendor surface maps [`ApiError`] to its own envelope.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::Invalid;
use serde::Serialize;
use store::StoreError;
use utoipa::ToSchema;

use crate::forward::RoutingNode;

/// An error body: a stable snake_case `code` and a sentence for people.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    #[schema(example = "not_found")]
    pub code: String,
    #[schema(example = "Agent or workspace not found")]
    pub message: String,
}

/// The sentence of an error response, for surfaces that answer errors in their own envelope.
#[derive(Debug, Clone)]
pub struct ErrorMessage(pub String);

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("missing or unknown API key")]
    Unauthorized,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("request body is too large")]
    PayloadTooLarge,
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    Invalid(String),
    #[error("the database is unavailable")]
    Unavailable(String),
    /// Another node routes the workspace; the request goes on to it where its URL is known
    /// (see [`crate::forward`]), and this is the answer only where it cannot.
    #[error("another node routes this workspace; try again shortly")]
    RoutedElsewhere(Option<String>),
    #[error("internal error")]
    Internal(String),
    /// Any other status the stack itself answers (405, 408, …), with its reason.
    #[error("{message}")]
    Status { status: StatusCode, message: String },
}

impl ApiError {
    pub fn not_found(what: &str) -> Self {
        Self::NotFound(format!("{what} not found"))
    }

    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            Self::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            Self::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            Self::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            Self::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            Self::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            Self::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            Self::UnsupportedMediaType(_) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            Self::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
            Self::Unavailable(_) | Self::RoutedElsewhere(_) => {
                (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
            }
            Self::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
            Self::Status { status, .. } => (*status, "http_error"),
        }
    }
}

impl ApiError {
    /// The error for a status that a layer below the handlers answered without a body.
    pub fn for_status(status: StatusCode) -> Self {
        match status {
            StatusCode::NOT_FOUND => Self::NotFound("no such route".into()),
            StatusCode::PAYLOAD_TOO_LARGE => Self::PayloadTooLarge,
            StatusCode::INTERNAL_SERVER_ERROR => Self::Internal("an error without a body".into()),
            StatusCode::METHOD_NOT_ALLOWED => Self::Status {
                status,
                message: "this method is not allowed on this path".into(),
            },
            StatusCode::REQUEST_TIMEOUT => Self::Status {
                status,
                message: "the request took too long".into(),
            },
            _ => Self::Status {
                status,
                message: status.canonical_reason().unwrap_or("error").to_lowercase(),
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        if let Self::Internal(detail) | Self::Unavailable(detail) = &self {
            // Logged here, once; the body never carries internal text.
            tracing::error!(%detail, "request failed");
        }
        let message = self.to_string();
        let body = ErrorBody {
            code: code.to_owned(),
            message: message.clone(),
        };
        let mut response = (status, Json(body)).into_response();
        // Kept beside the body so that a surface with another envelope can re-render it.
        response.extensions_mut().insert(ErrorMessage(message));
        if let Self::RoutedElsewhere(Some(node)) = self {
            response.extensions_mut().insert(RoutingNode(node));
        }
        response
    }
}

impl From<Invalid> for ApiError {
    fn from(invalid: Invalid) -> Self {
        Self::Invalid(invalid.to_string())
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound => Self::not_found("resource"),
            StoreError::Conflict(what) => Self::Conflict(what),
            StoreError::Invalid(invalid) => invalid.into(),
            StoreError::Unavailable(detail) => Self::Unavailable(detail),
            StoreError::Other(detail) => Self::Internal(detail),
        }
    }
}

/// Maps a store error, naming what was not found.
pub fn or_not_found(what: &'static str) -> impl Fn(StoreError) -> ApiError {
    move |error| match error {
        StoreError::NotFound => ApiError::not_found(what),
        other => other.into(),
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

impl From<router::RouteError> for ApiError {
    fn from(error: router::RouteError) -> Self {
        use routing::Rejection;
        match error {
            router::RouteError::Rejected(reason) => match reason {
                Rejection::UnknownConversation => {
                    Self::NotFound("no such open conversation is routed".into())
                }
                Rejection::UnknownAgent | Rejection::UnknownQueue => {
                    Self::Invalid(reason.as_str().into())
                }
                Rejection::InvalidPriority => Self::Invalid(reason.as_str().into()),
                _ => Self::Conflict(reason.as_str().into()),
            },
            router::RouteError::NotLeader(node) => Self::RoutedElsewhere(node),
            router::RouteError::Stopped => Self::Status {
                status: StatusCode::SERVICE_UNAVAILABLE,
                message: format!("{error}; try again shortly"),
            },
            router::RouteError::Store(error) => error.into(),
        }
    }
}
