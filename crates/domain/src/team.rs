//! Teams: groups of agents that queues and transfers can target (Sendbird calls them groups).

use crate::{Invalid, Timestamp, Uuid, validate};

pub const NAME_MAX: usize = 100;
pub const DESCRIPTION_MAX: usize = 1024;
pub const VISIBILITIES: &[&str] = &["public", "private"];
pub const ACCESSIBILITIES: &[&str] = &["open", "request-to-join", "invite-only"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Team {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub name: String,
    pub description: Option<String>,
    pub visibility: String,
    pub accessibility: String,
    pub hide_from_views: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Changes to a team; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct TeamChanges {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub visibility: Option<String>,
    pub accessibility: Option<String>,
    pub hide_from_views: Option<bool>,
}

impl TeamChanges {
    pub fn validate(&self) -> Result<(), Invalid> {
        if let Some(name) = &self.name {
            validate::text_len("name", name.trim(), 1, NAME_MAX)?;
        }
        let description = self.description.as_ref().and_then(|d| d.as_deref());
        validate::optional_text("description", description, DESCRIPTION_MAX)?;
        one_of("visibility", self.visibility.as_deref(), VISIBILITIES)?;
        one_of(
            "accessibility",
            self.accessibility.as_deref(),
            ACCESSIBILITIES,
        )
    }

    pub fn apply(self, team: &mut Team) {
        if let Some(name) = self.name {
            team.name = name.trim().to_owned();
        }
        if let Some(description) = self.description {
            team.description = description;
        }
        if let Some(visibility) = self.visibility {
            team.visibility = visibility;
        }
        if let Some(accessibility) = self.accessibility {
            team.accessibility = accessibility;
        }
        if let Some(hide) = self.hide_from_views {
            team.hide_from_views = hide;
        }
    }
}

impl Team {
    pub fn build(
        workspace_id: Uuid,
        changes: TeamChanges,
        now: Timestamp,
    ) -> Result<Self, Invalid> {
        if changes.name.is_none() {
            return Err(Invalid::new("name", "is required"));
        }
        changes.validate()?;
        let mut team = Team {
            id: crate::new_id(),
            workspace_id,
            name: String::new(),
            description: None,
            visibility: "public".into(),
            accessibility: "open".into(),
            hide_from_views: false,
            created_at: now,
            updated_at: now,
        };
        changes.apply(&mut team);
        Ok(team)
    }
}

/// A value that must be one of a fixed list.
pub(crate) fn one_of(field: &str, value: Option<&str>, allowed: &[&str]) -> Result<(), Invalid> {
    match value {
        Some(v) if !allowed.contains(&v) => Err(Invalid::new(
            field,
            format!("must be one of: {}", allowed.join(", ")),
        )),
        _ => Ok(()),
    }
}
