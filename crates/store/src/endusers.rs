//! End users, their custom attribute values, and their anonymization.

use domain::custom_attribute::{
    AttributeValue, CustomAttribute, EntityType, ValuesPatch, patch_values, shown_values,
};
use domain::enduser::{AnonymizationRequest, EndUser, EndUserChanges, email_key, normalize_phone};
use domain::{Timestamp, Uuid};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::conversations::{close_open_of_end_user, open_count_of_end_user, scrub_of_end_user};
use crate::custom_attributes::{all_definitions, definitions};
use crate::events::record_all;
use crate::page::{Cursor, Listing, Page, by_created_where};
use crate::sql::{Arg, RowExt, for_update, json, opt_int, q};
use crate::{Result, Store, StoreError};

/// An end user with its custom attribute values as shown (only those with a definition).
#[derive(Debug, Clone)]
pub struct EndUserDetails {
    pub end_user: EndUser,
    pub attributes: Vec<AttributeValue>,
}

/// Filters of the end user list; each compares exactly (e-mails whatever their case, phone
/// numbers without spaces and dashes).
#[derive(Debug, Clone, Default)]
pub struct EndUserFilter {
    pub email: Option<String>,
    pub phone_number: Option<String>,
    pub external_id: Option<String>,
}

const COLUMNS: &str = "id, workspace_id, display_name, email, phone_number, first_name, \
    last_name, middle_names, additional_emails, additional_phone_numbers, avatar_url, \
    external_id, custom_attributes, anonymized_at, created_at, updated_at";

const ANONYMIZED: &str = "the end user is anonymized and cannot change";
const OPEN_CONVERSATIONS: &str = "the end user has open conversations; use force=true";

fn end_user_from(row: &AnyRow) -> Result<EndUser> {
    Ok(EndUser {
        id: row.uuid("id")?,
        workspace_id: row.uuid("workspace_id")?,
        display_name: row.opt_text("display_name")?,
        email: row.opt_text("email")?,
        phone_number: row.opt_text("phone_number")?,
        first_name: row.opt_text("first_name")?,
        last_name: row.opt_text("last_name")?,
        middle_names: row.json("middle_names")?,
        additional_emails: row.json("additional_emails")?,
        additional_phone_numbers: row.json("additional_phone_numbers")?,
        avatar_url: row.opt_text("avatar_url")?,
        external_id: row.opt_text("external_id")?,
        custom_attributes: row.json("custom_attributes")?,
        anonymized_at: row.opt_time("anonymized_at")?,
        created_at: row.time("created_at")?,
        updated_at: row.time("updated_at")?,
    })
}

fn details(end_user: EndUser, definitions: &[CustomAttribute]) -> EndUserDetails {
    EndUserDetails {
        attributes: shown_values(definitions, &end_user.custom_attributes),
        end_user,
    }
}

async fn with_attributes(c: &mut AnyConnection, end_user: EndUser) -> Result<EndUserDetails> {
    let definitions = definitions(c, end_user.workspace_id, EntityType::Contact).await?;
    Ok(details(end_user, &definitions))
}

async fn fetch_end_user(
    c: &mut AnyConnection,
    workspace_id: Uuid,
    id: Uuid,
    lock: bool,
) -> Result<EndUser> {
    let lock = if lock { for_update(c) } else { "" };
    let sql = format!("SELECT {COLUMNS} FROM endusers WHERE workspace_id = $1 AND id = $2{lock}");
    let row = q(&sql, &[workspace_id.into(), id.into()])
        .fetch_optional(c)
        .await?;
    end_user_from(&row.ok_or(StoreError::NotFound)?)
}

/// The end user, locked for a change; an anonymized one refuses every change.
async fn fetch_changeable(c: &mut AnyConnection, workspace_id: Uuid, id: Uuid) -> Result<EndUser> {
    let end_user = fetch_end_user(c, workspace_id, id, true).await?;
    if end_user.is_anonymized() {
        return Err(StoreError::Conflict(ANONYMIZED.into()));
    }
    Ok(end_user)
}

async fn save_end_user(c: &mut AnyConnection, u: &EndUser, insert: bool) -> Result<()> {
    let args = [
        u.id.into(),
        u.workspace_id.into(),
        u.display_name.clone().into(),
        u.email.clone().into(),
        u.email_key().into(),
        u.phone_number.clone().into(),
        u.first_name.clone().into(),
        u.last_name.clone().into(),
        json(&u.middle_names)?.into(),
        json(&u.additional_emails)?.into(),
        json(&u.additional_phone_numbers)?.into(),
        u.avatar_url.clone().into(),
        u.external_id.clone().into(),
        json(&u.custom_attributes)?.into(),
        opt_int(u.anonymized_at),
        u.created_at.into(),
        u.updated_at.into(),
    ];
    let sql = if insert {
        "INSERT INTO endusers (id, workspace_id, display_name, email, email_key, phone_number, \
         first_name, last_name, middle_names, additional_emails, additional_phone_numbers, \
         avatar_url, external_id, custom_attributes, anonymized_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)"
    } else {
        "UPDATE endusers SET display_name = $3, email = $4, email_key = $5, phone_number = $6, \
         first_name = $7, last_name = $8, middle_names = $9, additional_emails = $10, \
         additional_phone_numbers = $11, avatar_url = $12, external_id = $13, \
         custom_attributes = $14, anonymized_at = $15, created_at = $16, updated_at = $17 \
         WHERE id = $1 AND workspace_id = $2"
    };
    q(sql, &args)
        .execute(c)
        .await
        .map_err(|e| match StoreError::from(e) {
            // The external id is the only unique column an end user's write can collide on.
            StoreError::Conflict(_) => {
                StoreError::Conflict("an end user with this externalId already exists".into())
            }
            other => other,
        })?;
    Ok(())
}

impl EndUserFilter {
    /// The columns a list compares, with the values in their stored form.
    fn columns(&self) -> Vec<(&'static str, Arg)> {
        let mut columns = Vec::new();
        if let Some(email) = &self.email {
            columns.push(("email_key", email_key(email).into()));
        }
        if let Some(phone) = &self.phone_number {
            columns.push(("phone_number", normalize_phone(phone).into()));
        }
        if let Some(external_id) = &self.external_id {
            columns.push(("external_id", external_id.trim().into()));
        }
        columns
    }
}

async fn existing_request(
    c: &mut AnyConnection,
    workspace_id: Uuid,
    target_id: Uuid,
) -> Result<Option<AnonymizationRequest>> {
    let row = q(
        "SELECT id, workspace_id, entity_type, target_id, requested_by, initiated_at, \
         processed_at FROM anonymization_requests WHERE workspace_id = $1 AND target_id = $2 \
         ORDER BY initiated_at, id LIMIT 1",
        &[workspace_id.into(), target_id.into()],
    )
    .fetch_optional(c)
    .await?;
    row.map(|r| {
        Ok(AnonymizationRequest {
            id: r.uuid("id")?,
            workspace_id: r.uuid("workspace_id")?,
            entity_type: r.text("entity_type")?,
            target_id: r.uuid("target_id")?,
            requested_by: r.uuid("requested_by")?,
            initiated_at: r.time("initiated_at")?,
            processed_at: r.opt_time("processed_at")?,
        })
    })
    .transpose()
}

async fn save_request(c: &mut AnyConnection, r: &AnonymizationRequest) -> Result<()> {
    q(
        "INSERT INTO anonymization_requests (id, workspace_id, entity_type, target_id, \
         requested_by, initiated_at, processed_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[
            r.id.into(),
            r.workspace_id.into(),
            r.entity_type.as_str().into(),
            r.target_id.into(),
            r.requested_by.into(),
            r.initiated_at.into(),
            opt_int(r.processed_at),
        ],
    )
    .execute(c)
    .await?;
    Ok(())
}

impl Store {
    pub async fn create_end_user(&self, end_user: EndUser) -> Result<EndUserDetails> {
        self.write_in(end_user.workspace_id, move |c| {
            Box::pin(async move {
                save_end_user(c, &end_user, true).await?;
                with_attributes(c, end_user).await
            })
        })
        .await
    }

    pub async fn get_end_user(&self, workspace_id: Uuid, id: Uuid) -> Result<EndUserDetails> {
        self.read(move |c| {
            Box::pin(async move {
                let end_user = fetch_end_user(c, workspace_id, id, false).await?;
                with_attributes(c, end_user).await
            })
        })
        .await
    }

    /// One page of end users in creation order, with the total that match.
    pub async fn list_end_users(
        &self,
        workspace_id: Uuid,
        filter: EndUserFilter,
        reverse: bool,
        after: Option<Cursor>,
        limit: usize,
    ) -> Result<Page<EndUserDetails>> {
        self.read(move |c| {
            Box::pin(async move {
                let list = Listing {
                    table: "endusers",
                    columns: COLUMNS,
                    workspace_id,
                    filters: filter.columns(),
                };
                let page =
                    by_created_where(&mut *c, list, reverse, after, limit, end_user_from).await?;
                let definitions = definitions(c, workspace_id, EntityType::Contact).await?;
                Ok(Page {
                    items: page
                        .items
                        .into_iter()
                        .map(|u| details(u, &definitions))
                        .collect(),
                    next: page.next,
                    total: page.total,
                })
            })
        })
        .await
    }

    /// Changes the fields `changes` names (PATCH).
    pub async fn update_end_user(
        &self,
        workspace_id: Uuid,
        id: Uuid,
        changes: EndUserChanges,
        now: Timestamp,
    ) -> Result<EndUserDetails> {
        self.write_in(workspace_id, move |c| {
            Box::pin(async move {
                let mut end_user = fetch_changeable(c, workspace_id, id).await?;
                changes.validate()?;
                changes.apply(&mut end_user);
                end_user.updated_at = now;
                save_end_user(c, &end_user, false).await?;
                with_attributes(c, end_user).await
            })
        })
        .await
    }

    /// Replaces every detail (PUT): `displayName` is required, what `changes` leaves out is
    /// cleared. Custom attribute values stay.
    pub async fn replace_end_user(
        &self,
        workspace_id: Uuid,
        id: Uuid,
        changes: EndUserChanges,
        now: Timestamp,
    ) -> Result<EndUserDetails> {
        let changes = changes.into_replacement()?;
        self.update_end_user(workspace_id, id, changes, now).await
    }

    /// Sets and removes custom attribute values, all or nothing; answers every value the end
    /// user holds afterwards.
    pub async fn patch_end_user_attributes(
        &self,
        workspace_id: Uuid,
        id: Uuid,
        patch: ValuesPatch,
        now: Timestamp,
    ) -> Result<Vec<AttributeValue>> {
        self.write_in(workspace_id, move |c| {
            Box::pin(async move {
                let mut end_user = fetch_changeable(c, workspace_id, id).await?;
                let definitions = all_definitions(c, workspace_id).await?;
                patch_values(
                    &definitions,
                    EntityType::Contact,
                    &mut end_user.custom_attributes,
                    patch,
                )?;
                end_user.updated_at = now;
                save_end_user(c, &end_user, false).await?;
                Ok(shown_values(&definitions, &end_user.custom_attributes))
            })
        })
        .await
    }

    /// Forgets an end user, in one transaction: refused while it has open conversations unless
    /// `force`, which closes them first; then every personal value of the end user and of its
    /// conversations is scrubbed and the request recorded. An end user anonymized before
    /// answers the request that did it.
    pub async fn anonymize_end_user(
        &self,
        workspace_id: Uuid,
        id: Uuid,
        force: bool,
        requested_by: Uuid,
        now: Timestamp,
    ) -> Result<AnonymizationRequest> {
        let request = self
            .write_in(workspace_id, move |c| {
                Box::pin(async move {
                    let mut end_user = fetch_end_user(c, workspace_id, id, true).await?;
                    if end_user.is_anonymized()
                        && let Some(request) = existing_request(c, workspace_id, id).await?
                    {
                        return Ok(request);
                    }
                    let mut closed = Vec::new();
                    if open_count_of_end_user(c, workspace_id, id).await? > 0 {
                        if !force {
                            return Err(StoreError::Conflict(OPEN_CONVERSATIONS.into()));
                        }
                        closed = close_open_of_end_user(c, workspace_id, id, now).await?;
                    }
                    end_user.anonymize(now);
                    save_end_user(c, &end_user, false).await?;
                    scrub_of_end_user(c, workspace_id, id).await?;
                    let request = AnonymizationRequest::of_end_user(&end_user, requested_by, now);
                    save_request(c, &request).await?;
                    record_all(c, &closed).await?;
                    Ok(request)
                })
            })
            .await?;
        self.erase_traces().await;
        Ok(request)
    }
}
