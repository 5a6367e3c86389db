//! Who is calling. The server admin token authorizes the admin API; a workspace key acts inside
//! its own workspace only (a key of workspace A on B's paths finds nothing: 404, never B's data).
//! Secrets are compared by their SHA-256, the only form in which they are stored.

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use domain::Uuid;
use domain::tenancy::{ApiKey, KeyRole};
use rand::RngCore;
use sha2::{Digest, Sha256};
use utoipa::openapi::security::{
    ApiKey as ApiKeyScheme, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme,
};

use crate::error::ApiError;
use crate::state::AppState;

/// SHA-256 of a secret, in hex.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// A new random secret with a recognisable prefix (`sbk_` for keys, `sba_` for admin tokens).
pub fn new_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("{prefix}{}", hex::encode(bytes))
}

/// The credential a request carries: `Authorization: Bearer <key>`, `AccessKey <key>`, or the
/// bare key (as Dixa's clients send it).
fn credential(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let secret = match value.split_once(' ') {
        Some((scheme, secret)) => {
            let known =
                scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("accesskey");
            known.then_some(secret.trim())?
        }
        None => value,
    };
    Some(secret).filter(|s| !s.is_empty())
}

/// The server administrator.
pub struct Admin;

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let secret = credential(&parts.headers).ok_or(ApiError::Unauthorized)?;
        if hash_secret(secret) == *state.admin_token_hash {
            Ok(Admin)
        } else {
            Err(ApiError::Unauthorized)
        }
    }
}

/// A workspace key, checked against the `{workspaceId}` of the path when there is one.
#[derive(Debug, Clone)]
pub struct Caller {
    pub key: ApiKey,
}

impl Caller {
    pub fn workspace_id(&self) -> Uuid {
        self.key.workspace_id
    }

    /// Admin keys only: creating and deleting things, changing other agents.
    pub fn require_admin(&self) -> Result<(), ApiError> {
        match self.key.role {
            KeyRole::Admin => Ok(()),
            KeyRole::Agent => Err(ApiError::Forbidden(
                "an agent key may change only its own agent".into(),
            )),
        }
    }

    /// Admin keys, or the agent's own key.
    pub fn require_may_change(&self, agent_id: Uuid) -> Result<(), ApiError> {
        if self.key.may_change_agent(agent_id) {
            Ok(())
        } else {
            self.require_admin()
        }
    }

    /// The agent the key is bound to (`me`).
    pub fn me(&self) -> Result<Uuid, ApiError> {
        self.key.agent_id.ok_or_else(|| {
            ApiError::NotFound("this key is not bound to an agent; `me` needs an agent key".into())
        })
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let secret = credential(&parts.headers).ok_or(ApiError::Unauthorized)?;
        let key = state
            .store
            .find_api_key(&hash_secret(secret))
            .await?
            .ok_or(ApiError::Unauthorized)?;
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::BadRequest("bad path".into()))?;
        let workspace = params.iter().find(|(name, _)| *name == "workspaceId");
        if let Some((_, workspace)) = workspace
            && Uuid::parse_str(workspace).ok() != Some(key.workspace_id)
        {
            return Err(ApiError::not_found("Workspace"));
        }
        Ok(Caller { key })
    }
}

/// Declares the two credentials in the OpenAPI document.
pub struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let bearer = |description: &str| {
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(description))
                    .build(),
            )
        };
        components.add_security_scheme(
            "workspaceKey",
            bearer("A workspace API key (`Authorization: Bearer <key>`; `AccessKey <key>` also works)."),
        );
        components.add_security_scheme("adminToken", bearer("The server admin token."));
        components.add_security_scheme(
            "dixaKey",
            SecurityScheme::ApiKey(ApiKeyScheme::Header(ApiKeyValue::with_description(
                "Authorization",
                "A workspace API key, sent bare as Dixa's clients do (`Authorization: <key>`).",
            ))),
        );
    }
}
