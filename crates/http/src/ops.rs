//! Operations: liveness, readiness (the database answers), Prometheus metrics, the OpenAPI
//! document and its interactive reference (Swagger UI, served from assets built into the
//! binary, so it works offline).

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use utoipa_swagger_ui::{Config, SwaggerUi};

use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
        .routes(routes!(metrics))
}

/// `/openapi.json` and the reference at `/docs`.
pub fn docs(openapi: utoipa::openapi::OpenApi) -> Router<AppState> {
    let config = Config::new(["/openapi.json"]).validator_url("none");
    let swagger: Router<AppState> = SwaggerUi::new("/docs")
        .url("/openapi.json", openapi)
        .config(config)
        .into();
    swagger
}

#[derive(Serialize, ToSchema)]
pub struct Health {
    status: &'static str,
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "ops", responses((status = 200, body = Health)))]
async fn healthz() -> axum::Json<Health> {
    axum::Json(Health { status: "ok" })
}

/// Readiness: the database answers.
#[utoipa::path(get, path = "/readyz", tag = "ops",
    responses((status = 200, body = Health), (status = 503, body = Health)))]
async fn readyz(State(state): State<AppState>) -> (StatusCode, axum::Json<Health>) {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, axum::Json(Health { status: "ok" })),
        Err(error) => {
            tracing::warn!(%error, "not ready");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(Health {
                    status: "database unavailable",
                }),
            )
        }
    }
}

/// Request counts and latencies by route, in the Prometheus text format.
#[utoipa::path(get, path = "/metrics", tag = "ops", responses((status = 200, content_type = "text/plain")))]
async fn metrics() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        crate::telemetry::render_metrics(),
    )
}
