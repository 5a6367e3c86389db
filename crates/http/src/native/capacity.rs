//! Capacity rules: `/workspaces/{workspaceId}/capacity-rules`, Bird's CapacityRule shape.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use domain::Uuid;
use domain::capacity::{CapacityRule, CapacityRuleChanges};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Listed, Paging};
use crate::auth::Caller;
use crate::bird::dto::CapacityRuleOut;
use crate::error::{ApiResult, ErrorBody, or_not_found};
use crate::extract::nullable;
use crate::extract::{Json, Query, path_id};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_rules, create_rule))
        .routes(routes!(get_rule, update_rule, delete_rule))
}

const RULE: &str = "Capacity rule";

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CapacityRuleIn {
    /// Required on create.
    name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    description: Option<Option<String>>,
    /// `true` makes this the workspace's default rule (the previous default stops being it).
    default: Option<bool>,
    /// Per channel (`messaging`, `email`), 0..100 conversations at once.
    #[schema(value_type = Option<Object>, example = json!({"messaging": 3, "email": 5}))]
    capacity: Option<BTreeMap<String, i64>>,
    /// Replaces the agents this rule applies to.
    assigned_agent_ids: Option<Vec<Uuid>>,
}

impl From<CapacityRuleIn> for CapacityRuleChanges {
    fn from(r: CapacityRuleIn) -> Self {
        CapacityRuleChanges {
            name: r.name,
            description: r.description,
            is_default: r.default,
            capacity: r.capacity,
            assigned_agent_ids: r.assigned_agent_ids,
        }
    }
}

/// List capacity rules.
#[utoipa::path(get, path = "/workspaces/{workspaceId}/capacity-rules", tag = "capacity-rules",
    security(("workspaceKey" = [])), params(("workspaceId" = String, Path), Paging),
    responses((status = 200, body = Listed<CapacityRuleOut>), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_rules(
    caller: Caller,
    State(state): State<AppState>,
    Query(paging): Query<Paging>,
) -> ApiResult<axum::Json<Listed<CapacityRuleOut>>> {
    let page = state
        .store
        .list_capacity_rules(
            caller.workspace_id(),
            paging.reverse.unwrap_or(false),
            paging.cursor("createdAt")?,
            paging.limit()?,
        )
        .await?;
    Ok(axum::Json(Listed::from_page(page, |r| {
        CapacityRuleOut::from(&r)
    })))
}

/// Create a capacity rule.
#[utoipa::path(post, path = "/workspaces/{workspaceId}/capacity-rules", tag = "capacity-rules",
    security(("workspaceKey" = [])), params(("workspaceId" = String, Path)), request_body = CapacityRuleIn,
    responses((status = 201, body = CapacityRuleOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_rule(
    caller: Caller,
    State(state): State<AppState>,
    Json(body): Json<CapacityRuleIn>,
) -> ApiResult<(StatusCode, axum::Json<CapacityRuleOut>)> {
    caller.require_admin()?;
    let mut changes = CapacityRuleChanges::from(body);
    let agent_ids = domain::agent::dedup(changes.assigned_agent_ids.take().unwrap_or_default());
    let rule = CapacityRule::build(caller.workspace_id(), changes, state.now())?;
    let rule = state.store.create_capacity_rule(rule, agent_ids).await?;
    Ok((StatusCode::CREATED, axum::Json((&rule).into())))
}

/// Get a capacity rule.
#[utoipa::path(get, path = "/workspaces/{workspaceId}/capacity-rules/{ruleId}", tag = "capacity-rules",
    security(("workspaceKey" = [])), params(("workspaceId" = String, Path), ("ruleId" = String, Path)),
    responses((status = 200, body = CapacityRuleOut), (status = 404, body = ErrorBody)))]
async fn get_rule(
    caller: Caller,
    State(state): State<AppState>,
    Path(ids): Path<(String, String)>,
) -> ApiResult<axum::Json<CapacityRuleOut>> {
    let id = path_id(&ids.1, RULE)?;
    let rule = state
        .store
        .get_capacity_rule(caller.workspace_id(), id)
        .await
        .map_err(or_not_found(RULE))?;
    Ok(axum::Json((&rule).into()))
}

/// Update a capacity rule.
#[utoipa::path(patch, path = "/workspaces/{workspaceId}/capacity-rules/{ruleId}", tag = "capacity-rules",
    security(("workspaceKey" = [])), params(("workspaceId" = String, Path), ("ruleId" = String, Path)),
    request_body = CapacityRuleIn,
    responses((status = 200, body = CapacityRuleOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_rule(
    caller: Caller,
    State(state): State<AppState>,
    Path(ids): Path<(String, String)>,
    Json(body): Json<CapacityRuleIn>,
) -> ApiResult<axum::Json<CapacityRuleOut>> {
    let id = path_id(&ids.1, RULE)?;
    caller.require_admin()?;
    let rule = state
        .store
        .update_capacity_rule(caller.workspace_id(), id, body.into(), state.now())
        .await
        .map_err(or_not_found(RULE))?;
    Ok(axum::Json((&rule).into()))
}

/// Delete a capacity rule; its agents fall back to the default rule. The default rule cannot
/// be deleted (409).
#[utoipa::path(delete, path = "/workspaces/{workspaceId}/capacity-rules/{ruleId}", tag = "capacity-rules",
    security(("workspaceKey" = [])), params(("workspaceId" = String, Path), ("ruleId" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn delete_rule(
    caller: Caller,
    State(state): State<AppState>,
    Path(ids): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let id = path_id(&ids.1, RULE)?;
    caller.require_admin()?;
    state
        .store
        .delete_capacity_rule(caller.workspace_id(), id)
        .await
        .map_err(or_not_found(RULE))?;
    Ok(StatusCode::NO_CONTENT)
}
