//! Dixa's API v1 at its own paths (`/v1/endusers`, `/v1/queues`, `/v1/tags`, `/v1/teams`),
//! scoped to the workspace of the key (Dixa's organization). A translation layer: Dixa's field
//! names, `{"data": …}` envelopes, `pageLimit`/`pageKey` paging and `{"message"}` errors over the
//! one store.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use domain::Uuid;
use serde::{Deserialize, Serialize};
use store::{Cursor, Page};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;

use crate::error::{ApiError, ErrorMessage};
use crate::state::AppState;

mod endusers;
mod queues;
mod tags;
mod teams;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(endusers::routes())
        .merge(queues::routes())
        .merge(tags::routes())
        .merge(teams::routes())
}

/// Dixa's paths; VoIPBIN's `/v1.0/…` are not among them.
const PREFIX: &str = "/v1/";

/// Dixa's envelope around every answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Data<T> {
    pub data: T,
}

pub fn data<T>(data: T) -> axum::Json<Data<T>> {
    axum::Json(Data { data })
}

/// Dixa's error body.
#[derive(Debug, Serialize, ToSchema)]
pub struct DixaError {
    #[schema(example = "The requested resource could not be found")]
    pub message: String,
}

/// Re-renders every error under Dixa's paths (unknown routes, refused keys and wrong methods
/// included) as `{"message"}`, keeping the other headers. Dixa answers bad input with 400 where
/// the native API says 415 or 422.
pub async fn errors(request: Request, next: Next) -> Response {
    let is_dixa = request.uri().path().starts_with(PREFIX);
    let response = next.run(request).await;
    let status = response.status();
    if !is_dixa || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let message = response
        .extensions()
        .get::<ErrorMessage>()
        .map_or_else(|| default_message(status).to_owned(), |m| m.0.clone());
    let (mut parts, _) = response.into_parts();
    parts.status = match status {
        StatusCode::UNPROCESSABLE_ENTITY | StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            StatusCode::BAD_REQUEST
        }
        other => other,
    };
    let body = serde_json::to_vec(&DixaError { message }).unwrap_or_default();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, Body::from(body))
}

/// Dixa's own texts, for errors that carry none of ours.
fn default_message(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "Invalid value in request",
        StatusCode::NOT_FOUND => "The requested resource could not be found",
        StatusCode::UNAUTHORIZED => "Unauthorized",
        _ if status.is_server_error() => {
            "There was an internal server error while processing the request"
        }
        _ => "Invalid value in request",
    }
}

pub const PAGE_LIMIT_DEFAULT: usize = 50;
pub const PAGE_LIMIT_MAX: usize = 1000;

/// Dixa's paging: `pageLimit` and an opaque `pageKey` (our cursor token).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Results per page, 1..1000 (default 50).
    pub page_limit: Option<i64>,
    /// The `pageKey` of the `meta.next` link of the previous page.
    pub page_key: Option<String>,
}

impl PageQuery {
    pub fn limit(&self) -> Result<usize, ApiError> {
        match self.page_limit {
            None => Ok(PAGE_LIMIT_DEFAULT),
            Some(n) if (1..=PAGE_LIMIT_MAX as i64).contains(&n) => Ok(n as usize),
            Some(_) => Err(ApiError::BadRequest(format!(
                "Invalid value for: query parameter pageLimit (must be between 1 and {PAGE_LIMIT_MAX})"
            ))),
        }
    }

    /// The cursor of `pageKey`, which must belong to the list it is used on.
    pub fn cursor(&self, order: &str) -> Result<Option<Cursor>, ApiError> {
        match self.page_key.as_deref().filter(|k| !k.is_empty()) {
            None => Ok(None),
            Some(key) => Cursor::from_token(key, order).map(Some).ok_or_else(|| {
                ApiError::BadRequest("Invalid value for: query parameter pageKey".into())
            }),
        }
    }
}

/// A page of a Dixa list: `{"data": […], "meta": {"next": "<relative URL>"}}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Paged<T> {
    pub data: Vec<T>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Meta {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

impl<T> Paged<T> {
    /// `path` is the list's own path (with its filters, if any); the next page's link repeats
    /// it with the new `pageKey`.
    pub fn from_page<S>(page: Page<S>, path: &str, limit: usize, to: impl FnMut(S) -> T) -> Self {
        let join = if path.contains('?') { '&' } else { '?' };
        let next = page
            .next
            .map(|cursor| format!("{path}{join}pageLimit={limit}&pageKey={}", cursor.token()));
        Self {
            data: page.items.into_iter().map(to).collect(),
            meta: next.map(|next| Meta {
                previous: None,
                next: Some(next),
            }),
        }
    }
}

/// The outcome of one agent id in a bulk membership change (Dixa's `BulkAction*`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(tag = "_type")]
pub enum BulkOutcome {
    BulkActionSuccess { data: Uuid },
    BulkActionFailure { error: BulkError },
}

/// Why one agent id of a bulk change failed.
#[derive(Debug, Serialize, ToSchema)]
#[serde(tag = "_type")]
pub enum BulkError {
    NotFound { id: String, message: String },
    Validation { id: String, message: String },
}
