//! Tags: labels put on conversations. A workspace has one tag per name, whatever the case. A
//! deactivated tag stays on what already carries it but cannot be newly applied.

use crate::{Invalid, Timestamp, Uuid, validate};

pub const NAME_MAX: usize = 100;
pub const COLOR_MAX: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub name: String,
    pub color: Option<String>,
    pub active: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Tag {
    /// What makes two names the same tag: the trimmed, lower-cased name.
    pub fn name_key(&self) -> String {
        name_key(&self.name)
    }

    /// A new, active tag; `name` is required.
    pub fn build(workspace_id: Uuid, changes: TagChanges, now: Timestamp) -> Result<Self, Invalid> {
        if changes.name.is_none() {
            return Err(Invalid::new("name", "is required"));
        }
        changes.validate()?;
        let mut tag = Tag {
            id: crate::new_id(),
            workspace_id,
            name: String::new(),
            color: None,
            active: true,
            created_at: now,
            updated_at: now,
        };
        changes.apply(&mut tag, now);
        Ok(tag)
    }
}

/// The key a name is unique by within a workspace.
pub fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

/// Changes to a tag; `None` leaves a field as it is (`color: Some(None)` clears the color).
#[derive(Debug, Clone, Default)]
pub struct TagChanges {
    pub name: Option<String>,
    pub color: Option<Option<String>>,
    pub active: Option<bool>,
}

impl TagChanges {
    pub fn validate(&self) -> Result<(), Invalid> {
        if let Some(name) = &self.name {
            validate::text_len("name", name.trim(), 1, NAME_MAX)?;
        }
        if let Some(Some(color)) = &self.color {
            validate::text_len("color", color.trim(), 1, COLOR_MAX)?;
        }
        Ok(())
    }

    pub fn apply(self, tag: &mut Tag, now: Timestamp) {
        if let Some(name) = self.name {
            tag.name = name.trim().to_owned();
        }
        if let Some(color) = self.color {
            tag.color = color.map(|c| c.trim().to_owned());
        }
        if let Some(active) = self.active {
            tag.active = active;
        }
        tag.updated_at = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(name: &str, color: Option<&str>) -> Result<Tag, Invalid> {
        let changes = TagChanges {
            name: Some(name.into()),
            color: Some(color.map(Into::into)),
            active: None,
        };
        Tag::build(Uuid::nil(), changes, Timestamp::from_millis(7))
    }

    #[test]
    fn a_new_tag_is_active_with_its_name_trimmed() {
        let tag = build("  VIP ", Some(" #ff0000 ")).unwrap();
        assert_eq!(tag.name, "VIP");
        assert_eq!(tag.name_key(), "vip");
        assert_eq!(tag.color.as_deref(), Some("#ff0000"));
        assert!(tag.active);
        assert_eq!(tag.created_at, tag.updated_at);
    }

    #[test]
    fn names_and_colors_have_bounds() {
        assert_eq!(build("   ", None).unwrap_err().field, "name");
        assert_eq!(build(&"n".repeat(101), None).unwrap_err().field, "name");
        assert!(build(&"n".repeat(100), None).is_ok());
        assert_eq!(build("a", Some("")).unwrap_err().field, "color");
        assert_eq!(
            build("a", Some(&"c".repeat(33))).unwrap_err().field,
            "color"
        );
        let missing = Tag::build(
            Uuid::nil(),
            TagChanges::default(),
            Timestamp::from_millis(0),
        );
        assert_eq!(missing.unwrap_err().field, "name");
    }
}
