//! Bird's Collaborations API surface under `/workspaces/{workspaceId}/…`: Agent Management as
//! the seed documents it (agents, availability, workload, media). Its conventions are also the
//! native API's (see [`crate::native`]).

mod agents;
pub mod dto;
pub mod media;

use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(agents::routes())
        .merge(media::routes())
}
