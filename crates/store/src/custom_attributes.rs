//! Custom attribute definitions. Their values live with the entities they describe (end users,
//! conversations), checked by `domain::custom_attribute::patch_values` against [`definitions`].

use std::collections::BTreeMap;

use domain::custom_attribute::{CustomAttribute, CustomAttributeChanges, EntityType};
use domain::{Timestamp, Uuid};
use serde_json::Value;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::page::{Cursor, Listing, Page, by_created_where};
use crate::sql::{RowExt, Sql, for_update, json, q};
use crate::{Result, Store, StoreError};

const COLUMNS: &str = "id, workspace_id, entity_type, name, identifier, description, input, \
    is_required, is_archived, is_deactivated, created_at, updated_at";

fn attribute_from(row: &AnyRow) -> Result<CustomAttribute> {
    let entity_type = row.text("entity_type")?;
    Ok(CustomAttribute {
        id: row.uuid("id")?,
        workspace_id: row.uuid("workspace_id")?,
        entity_type: EntityType::parse(&entity_type)
            .ok_or_else(|| StoreError::Other(format!("stored entity type {entity_type:?}")))?,
        name: row.text("name")?,
        identifier: row.text("identifier")?,
        description: row.opt_text("description")?,
        input: row.json("input")?,
        is_required: row.flag("is_required")?,
        is_archived: row.flag("is_archived")?,
        is_deactivated: row.flag("is_deactivated")?,
        created_at: row.time("created_at")?,
        updated_at: row.time("updated_at")?,
    })
}

/// The workspace's definitions for `entity_type`, oldest first (the order values are shown in).
pub(crate) async fn definitions(
    c: &mut AnyConnection,
    workspace_id: Uuid,
    entity_type: EntityType,
) -> Result<Vec<CustomAttribute>> {
    definitions_where(c, workspace_id, Some(entity_type)).await
}

/// Every definition of the workspace, oldest first: a patch of values is checked against all
/// of them, so that an attribute of another entity type is named as such.
pub(crate) async fn all_definitions(
    c: &mut AnyConnection,
    workspace_id: Uuid,
) -> Result<Vec<CustomAttribute>> {
    definitions_where(c, workspace_id, None).await
}

async fn definitions_where(
    c: &mut AnyConnection,
    workspace_id: Uuid,
    entity_type: Option<EntityType>,
) -> Result<Vec<CustomAttribute>> {
    let mut sql = Sql::new(&format!(
        "SELECT {COLUMNS} FROM custom_attributes WHERE workspace_id = "
    ));
    sql.bind(workspace_id);
    if let Some(entity_type) = entity_type {
        sql.push(" AND entity_type = ").bind(entity_type.as_str());
    }
    sql.push(" ORDER BY created_at, id");
    sql.fetch_all(c).await?.iter().map(attribute_from).collect()
}

async fn fetch_attribute(
    c: &mut AnyConnection,
    workspace_id: Uuid,
    id: Uuid,
    lock: bool,
) -> Result<CustomAttribute> {
    let lock = if lock { for_update(c) } else { "" };
    let sql = format!(
        "SELECT {COLUMNS} FROM custom_attributes WHERE workspace_id = $1 AND id = $2{lock}"
    );
    let row = q(&sql, &[workspace_id.into(), id.into()])
        .fetch_optional(c)
        .await?;
    attribute_from(&row.ok_or(StoreError::NotFound)?)
}

async fn save_attribute(c: &mut AnyConnection, a: &CustomAttribute, insert: bool) -> Result<()> {
    let args = [
        a.id.into(),
        a.workspace_id.into(),
        a.entity_type.as_str().into(),
        a.name.as_str().into(),
        a.identifier.as_str().into(),
        a.description.clone().into(),
        json(&a.input)?.into(),
        a.is_required.into(),
        a.is_archived.into(),
        a.is_deactivated.into(),
        a.created_at.into(),
        a.updated_at.into(),
    ];
    let sql = if insert {
        "INSERT INTO custom_attributes (id, workspace_id, entity_type, name, identifier, \
         description, input, is_required, is_archived, is_deactivated, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    } else {
        "UPDATE custom_attributes SET entity_type = $3, name = $4, identifier = $5, \
         description = $6, input = $7, is_required = $8, is_archived = $9, is_deactivated = $10, \
         created_at = $11, updated_at = $12 WHERE id = $1 AND workspace_id = $2"
    };
    q(sql, &args)
        .execute(c)
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Conflict(_) => StoreError::Conflict(format!(
                "a {} attribute with the identifier `{}` already exists",
                a.entity_type.as_str(),
                a.identifier
            )),
            other => other,
        })?;
    Ok(())
}

/// Removes the values of a deleted attribute from every end user that had one.
async fn forget_values(c: &mut AnyConnection, workspace_id: Uuid, id: Uuid) -> Result<()> {
    let holders = q(
        "SELECT id, custom_attributes FROM endusers WHERE workspace_id = $1 \
         AND custom_attributes LIKE $2",
        &[workspace_id.into(), format!("%\"{id}\"%").into()],
    )
    .fetch_all(&mut *c)
    .await?;
    for row in holders {
        let mut values: BTreeMap<Uuid, Value> = row.json("custom_attributes")?;
        values.remove(&id);
        q(
            "UPDATE endusers SET custom_attributes = $1 WHERE id = $2",
            &[json(&values)?.into(), row.uuid("id")?.into()],
        )
        .execute(&mut *c)
        .await?;
    }
    Ok(())
}

impl Store {
    pub async fn create_custom_attribute(
        &self,
        attribute: CustomAttribute,
    ) -> Result<CustomAttribute> {
        self.write_in(attribute.workspace_id, move |c| {
            Box::pin(async move {
                save_attribute(c, &attribute, true).await?;
                Ok(attribute)
            })
        })
        .await
    }

    pub async fn get_custom_attribute(
        &self,
        workspace_id: Uuid,
        id: Uuid,
    ) -> Result<CustomAttribute> {
        self.read(move |c| Box::pin(fetch_attribute(c, workspace_id, id, false)))
            .await
    }

    pub async fn update_custom_attribute(
        &self,
        workspace_id: Uuid,
        id: Uuid,
        changes: CustomAttributeChanges,
        now: Timestamp,
    ) -> Result<CustomAttribute> {
        self.write_in(workspace_id, move |c| {
            Box::pin(async move {
                let mut attribute = fetch_attribute(c, workspace_id, id, true).await?;
                changes.validate()?;
                changes.check_against(&attribute)?;
                changes.apply(&mut attribute, now);
                save_attribute(c, &attribute, false).await?;
                Ok(attribute)
            })
        })
        .await
    }

    /// Deletes a definition and every end user's and conversation's value of it.
    pub async fn delete_custom_attribute(&self, workspace_id: Uuid, id: Uuid) -> Result<()> {
        self.write_in(workspace_id, move |c| {
            Box::pin(async move {
                crate::sql::delete_row(&mut *c, "custom_attributes", workspace_id, id).await?;
                forget_values(c, workspace_id, id).await?;
                crate::conversations::forget_attribute_values(c, workspace_id, id).await
            })
        })
        .await
    }

    /// One page of definitions in creation order, of one entity type when given.
    pub async fn list_custom_attributes(
        &self,
        workspace_id: Uuid,
        entity_type: Option<EntityType>,
        reverse: bool,
        after: Option<Cursor>,
        limit: usize,
    ) -> Result<Page<CustomAttribute>> {
        self.read(move |c| {
            Box::pin(async move {
                let list = Listing {
                    table: "custom_attributes",
                    columns: COLUMNS,
                    workspace_id,
                    filters: entity_type
                        .map(|t| ("entity_type", t.as_str().into()))
                        .into_iter()
                        .collect(),
                };
                by_created_where(c, list, reverse, after, limit, attribute_from).await
            })
        })
        .await
    }
}
