//! The native API under `/workspaces/{workspaceId}/…`: the resources every surface shares
//! (teams, skills, capacity rules, tags, queues, end users, custom attributes, conversations), in
//! Bird's conventions: `limit`/`pageToken`/`reverse`, `{results, nextPageToken, total}`, errors
//! `{code, message}`.

mod capacity;
pub(crate) mod conversations;
pub(crate) mod custom_attributes;
pub(crate) mod endusers;
pub(crate) mod events;
mod presence;
mod queues;
mod settings;
mod skills;
mod tags;
mod teams;

use serde::{Deserialize, Serialize};
use store::{Cursor, Page};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;

use crate::error::ApiError;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(teams::routes())
        .merge(skills::routes())
        .merge(capacity::routes())
        .merge(endusers::routes())
        .merge(custom_attributes::routes())
        .merge(routing_commands(conversations::routes()))
        .merge(tags::routes())
        .merge(queues::routes())
        .merge(events::routes())
        .merge(routing_commands(presence::routes()))
        .merge(settings::routes())
}

/// Routes whose requests go through routing, which one node at a time does for a workspace.
fn routing_commands(routes: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    routes.route_layer(axum::middleware::from_fn(crate::forward::to_routing_node))
}

pub const LIMIT_DEFAULT: usize = 10;
pub const LIMIT_MAX: usize = 100;
pub const PAGE_TOKEN_MAX: usize = 8000;

/// Paging of every list: `limit` 1..100 (default 10), an opaque `pageToken`, and `reverse`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct Paging {
    /// 1..100, default 10.
    pub limit: Option<i64>,
    /// The `nextPageToken` of the previous page (at most 8000 characters).
    pub page_token: Option<String>,
    /// Newest first.
    pub reverse: Option<bool>,
}

impl Paging {
    pub fn limit(&self) -> Result<usize, ApiError> {
        parse_limit(self.limit)
    }

    /// The cursor of `pageToken`, which must belong to the same ordering.
    pub fn cursor(&self, order: &str) -> Result<Option<Cursor>, ApiError> {
        parse_token(self.page_token.as_deref(), order)
    }
}

pub fn parse_limit(limit: Option<i64>) -> Result<usize, ApiError> {
    match limit {
        None => Ok(LIMIT_DEFAULT),
        Some(n) if (1..=LIMIT_MAX as i64).contains(&n) => Ok(n as usize),
        Some(_) => Err(ApiError::Invalid(format!(
            "limit: must be between 1 and {LIMIT_MAX}"
        ))),
    }
}

pub fn parse_token(token: Option<&str>, order: &str) -> Result<Option<Cursor>, ApiError> {
    match token.filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) if t.len() > PAGE_TOKEN_MAX => Err(ApiError::Invalid(format!(
            "pageToken: must be at most {PAGE_TOKEN_MAX} characters"
        ))),
        Some(t) => Cursor::from_token(t, order).map(Some).ok_or_else(|| {
            ApiError::Invalid("pageToken: not a token of this list and order".into())
        }),
    }
}

/// Bird's list envelope.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Listed<T> {
    pub results: Vec<T>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
    pub total: i64,
}

impl<T> Listed<T> {
    pub fn from_page<S>(page: Page<S>, to: impl FnMut(S) -> T) -> Self {
        Self {
            results: page.items.into_iter().map(to).collect(),
            next_page_token: page.next.map(|c| c.token()),
            total: page.total,
        }
    }
}
