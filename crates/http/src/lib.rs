//! The HTTP surfaces of switchboard. Each surface is a module of translation (its paths, field
//! names, envelopes and error shape) over the one domain and store; none holds business rules.
//!
//! - [`admin`]: the server admin API (workspaces and their API keys).
//! - [`bird`]: Bird's Agent Management API under `/workspaces/{workspaceId}/…`.
//! - [`native`]: the shared resources (teams, skills, capacity rules, tags, queues, end users,
//!   custom attributes, conversations) under the same prefix, in Bird's conventions.
//! - [`dixa`]: Dixa's API v1 (`/v1/endusers`, `/v1/queues`, `/v1/tags`, `/v1/teams`).
//! - [`ops`]: health, readiness, metrics, the OpenAPI document and its interactive reference.

pub mod admin;
pub mod auth;
pub mod bird;
pub mod dixa;
pub mod error;
pub mod extract;
pub mod forward;
pub mod native;
pub mod ops;
pub mod state;
pub mod telemetry;

use axum::Router;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

pub use state::{AppState, Clock, Shared, SystemClock};

use auth::SecuritySchemes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "switchboard",
        description = "The agent side of a contact center: agents, presence, skills, teams and capacity, \
                       served in the dialects of the vendors teams use today.",
        license(name = "Apache-2.0")
    ),
    modifiers(&SecuritySchemes),
    tags(
        (name = "admin", description = "Server administration: workspaces and API keys (server admin token)."),
        (name = "agents", description = "Bird Agent Management: agents, availability, workload, media."),
        (name = "teams", description = "Teams of agents."),
        (name = "skills", description = "Skills and their values."),
        (name = "capacity-rules", description = "How much work of each channel an agent holds at once."),
        (name = "tags", description = "Tags put on conversations; one per name in a workspace."),
        (name = "queues", description = "Queues, their offer settings and their members."),
        (name = "endusers", description = "End users: contact details, custom attribute values, anonymization."),
        (name = "custom-attributes", description = "Custom attribute definitions of end users and conversations."),
        (name = "dixa-endusers", description = "Dixa API v1: end users, their custom attributes and anonymization."),
        (name = "conversations", description = "Conversations: the work queues offer to agents."),
        (name = "dixa-teams", description = "Dixa API v1: teams, their members and the members' presence."),
        (name = "dixa-queues", description = "Dixa API v1: queues and their members."),
        (name = "dixa-tags", description = "Dixa API v1: tags."),
        (name = "events", description = "Real-time events as server-sent events, resumable with Last-Event-ID."),
        (name = "settings", description = "A workspace's routing settings."),
        (name = "ops", description = "Health, readiness and metrics.")
    )
)]
struct ApiDoc;

/// The routes of every surface with the OpenAPI document they describe.
fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(admin::routes())
        .merge(bird::routes())
        .merge(native::routes())
        .merge(dixa::routes())
        .merge(ops::routes())
}

/// The whole application: every surface, the docs, and the middleware around them.
pub fn app(state: AppState) -> Router {
    let (router, openapi) = routes().split_for_parts();
    let router = router.merge(ops::docs(openapi));
    telemetry::layers(router.with_state(state))
}

/// The OpenAPI document, as `GET /openapi.json` serves it.
pub fn openapi() -> utoipa::openapi::OpenApi {
    routes().split_for_parts().1
}
