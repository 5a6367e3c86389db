//! Skills: what an agent can do (a language, a product), with the values it may hold.
//! A `single` skill takes one value per agent, a `multiple` skill several.

use serde::{Deserialize, Serialize};

use crate::agent::SkillAssignment;
use crate::{Invalid, Timestamp, Uuid, validate};

pub const NAME_MAX: usize = 100;
pub const VALUE_MAX: usize = 100;
pub const VALUE_TYPES: &[&str] = &["single", "multiple"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkillValue {
    pub id: Uuid,
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skill {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub name: String,
    pub description: Option<String>,
    pub value_type: String,
    pub values: Vec<SkillValue>,
    pub created_at: Timestamp,
    pub created_by: Option<Uuid>,
    pub updated_at: Timestamp,
    pub updated_by: Option<Uuid>,
}

/// A value as a client sends it: an existing id keeps its identity.
#[derive(Debug, Clone)]
pub struct SkillValueInput {
    pub id: Option<Uuid>,
    pub value: String,
    pub icon: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct SkillChanges {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub value_type: Option<String>,
    pub values: Option<Vec<SkillValueInput>>,
}

impl SkillChanges {
    pub fn validate(&self) -> Result<(), Invalid> {
        if let Some(name) = &self.name {
            validate::text_len("name", name.trim(), 1, NAME_MAX)?;
        }
        let description = self.description.as_ref().and_then(|d| d.as_deref());
        validate::optional_text("description", description, 1024)?;
        crate::team::one_of("valueType", self.value_type.as_deref(), VALUE_TYPES)?;
        let mut seen = std::collections::HashSet::new();
        for (index, value) in self.values.iter().flatten().enumerate() {
            validate::text_len(
                &format!("values[{index}].value"),
                &value.value,
                1,
                VALUE_MAX,
            )?;
            if !seen.insert(value.value.to_lowercase()) {
                return Err(Invalid::new(
                    format!("values[{index}].value"),
                    "is listed twice",
                ));
            }
        }
        let mut ids = std::collections::HashSet::new();
        for (index, value) in self.values.iter().flatten().enumerate() {
            if let Some(id) = value.id
                && !ids.insert(id)
            {
                return Err(Invalid::new(
                    format!("values[{index}].id"),
                    "is listed twice",
                ));
            }
        }
        Ok(())
    }

    /// Checks the value ids given against the skill they change (`None` for a new skill): an
    /// id keeps an existing value, so it must be one of the skill's values.
    pub fn check_value_ids(&self, skill: Option<&Skill>) -> Result<(), Invalid> {
        for (index, value) in self.values.iter().flatten().enumerate() {
            let Some(id) = value.id else { continue };
            if !skill.is_some_and(|s| s.values.iter().any(|v| v.id == id)) {
                return Err(Invalid::new(
                    format!("values[{index}].id"),
                    format!("{id} is not a value of this skill; leave `id` out for a new value"),
                ));
            }
        }
        Ok(())
    }

    pub fn apply(self, skill: &mut Skill, by: Option<Uuid>, now: Timestamp) {
        if let Some(name) = self.name {
            skill.name = name.trim().to_owned();
        }
        if let Some(description) = self.description {
            skill.description = description;
        }
        if let Some(value_type) = self.value_type {
            skill.value_type = value_type;
        }
        if let Some(values) = self.values {
            skill.values = values
                .into_iter()
                .map(|v| SkillValue {
                    id: v.id.unwrap_or_else(crate::new_id),
                    value: v.value,
                    icon: v.icon,
                })
                .collect();
        }
        skill.updated_at = now;
        skill.updated_by = by;
    }
}

impl Skill {
    pub fn build(
        workspace_id: Uuid,
        changes: SkillChanges,
        by: Option<Uuid>,
        now: Timestamp,
    ) -> Result<Self, Invalid> {
        if changes.name.is_none() {
            return Err(Invalid::new("name", "is required"));
        }
        changes.validate()?;
        changes.check_value_ids(None)?;
        let mut skill = Skill {
            id: crate::new_id(),
            workspace_id,
            name: String::new(),
            description: None,
            value_type: "single".into(),
            values: Vec::new(),
            created_at: now,
            created_by: by,
            updated_at: now,
            updated_by: by,
        };
        changes.apply(&mut skill, by, now);
        Ok(skill)
    }

    /// Checks an agent's assignment against this skill: known values, one for `single`.
    pub fn check(&self, assignment: &SkillAssignment) -> Result<(), Invalid> {
        let field = format!("assignedSkills[{}]", self.id);
        if let Some(unknown) = assignment
            .value_ids
            .iter()
            .find(|id| !self.values.iter().any(|v| v.id == **id))
        {
            return Err(Invalid::new(
                field,
                format!("value {unknown} is not a value of skill {}", self.name),
            ));
        }
        if self.value_type == "single" && assignment.value_ids.len() > 1 {
            return Err(Invalid::new(
                field,
                format!("skill {} takes a single value", self.name),
            ));
        }
        Ok(())
    }
}
