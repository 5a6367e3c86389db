//! Custom attributes: fields a workspace defines for its end users (`contact`) or conversations
//! (`conversation`), and the rules their values follow.
//!
//! A text attribute holds a string; a select attribute holds a list of its options' `value`s
//! (Dixa's `string[]`). Values live with the entity they describe, as a map from attribute id
//! to value; [`patch_values`] is the one check of a change to such a map, for every entity.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{Invalid, Timestamp, Uuid, validate};

pub const NAME_MAX: usize = 100;
pub const IDENTIFIER_MAX: usize = 64;
pub const DESCRIPTION_MAX: usize = 1024;
pub const PLACEHOLDER_MAX: usize = 255;
pub const OPTIONS_MAX: usize = 200;
pub const OPTION_TEXT_MAX: usize = 100;
pub const TEXT_VALUE_MAX: usize = 1000;

/// What an attribute describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntityType {
    /// End users (Dixa's `Contact`).
    Contact,
    Conversation,
}

impl EntityType {
    pub const NAMES: &[&str] = &["contact", "conversation"];

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "contact" => Some(Self::Contact),
            "conversation" => Some(Self::Conversation),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Contact => "contact",
            Self::Conversation => "conversation",
        }
    }
}

/// How a value is entered; stored as a JSON document tagged by `type`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Input {
    Text {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        placeholder: Option<String>,
    },
    Select {
        options: Vec<SelectOption>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SelectOption {
    pub id: Uuid,
    pub label: String,
    /// What a value of the attribute names.
    pub value: String,
    #[serde(default)]
    pub is_deactivated: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomAttribute {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub entity_type: EntityType,
    pub name: String,
    /// Unique per workspace and entity type: lowercase letters, digits, `_` and `-`.
    pub identifier: String,
    pub description: Option<String>,
    pub input: Input,
    pub is_required: bool,
    /// Archived and deactivated attributes keep their values but take no new ones.
    pub is_archived: bool,
    pub is_deactivated: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// An input as a client sends it; an option's existing id keeps its identity.
#[derive(Debug, Clone)]
pub enum InputChange {
    Text { placeholder: Option<String> },
    Select { options: Vec<OptionInput> },
}

#[derive(Debug, Clone)]
pub struct OptionInput {
    pub id: Option<Uuid>,
    pub label: String,
    pub value: String,
    pub is_deactivated: bool,
}

/// Changes to a definition; `None` leaves a field as it is. `entity_type` is for creation: an
/// attribute never changes what it describes, nor its input between text and select.
#[derive(Debug, Clone, Default)]
pub struct CustomAttributeChanges {
    pub entity_type: Option<String>,
    pub name: Option<String>,
    pub identifier: Option<String>,
    pub description: Option<Option<String>>,
    pub input: Option<InputChange>,
    pub is_required: Option<bool>,
    pub is_archived: Option<bool>,
    pub is_deactivated: Option<bool>,
}

impl CustomAttributeChanges {
    pub fn validate(&self) -> Result<(), Invalid> {
        crate::team::one_of("entityType", self.entity_type.as_deref(), EntityType::NAMES)?;
        if let Some(name) = &self.name {
            validate::text_len("name", name.trim(), 1, NAME_MAX)?;
        }
        if let Some(identifier) = &self.identifier {
            check_identifier(identifier)?;
        }
        let description = self.description.as_ref().and_then(|d| d.as_deref());
        validate::optional_text("description", description, DESCRIPTION_MAX)?;
        match &self.input {
            Some(InputChange::Text { placeholder }) => validate::optional_text(
                "input.placeholder",
                placeholder.as_deref(),
                PLACEHOLDER_MAX,
            ),
            Some(InputChange::Select { options }) => check_options(options),
            None => Ok(()),
        }
    }

    /// Checks the changes against the definition they change: same entity type, same kind of
    /// input, and option ids that are options of this attribute.
    pub fn check_against(&self, attribute: &CustomAttribute) -> Result<(), Invalid> {
        if let Some(entity_type) = &self.entity_type
            && entity_type != attribute.entity_type.as_str()
        {
            return Err(Invalid::new("entityType", "cannot change"));
        }
        match (&self.input, &attribute.input) {
            (Some(InputChange::Text { .. }), Input::Select { .. }) => Err(Invalid::new(
                "input.type",
                "cannot change from select to text",
            )),
            (Some(InputChange::Select { .. }), Input::Text { .. }) => Err(Invalid::new(
                "input.type",
                "cannot change from text to select",
            )),
            (Some(InputChange::Select { options }), Input::Select { options: existing }) => {
                check_option_ids(options, existing)
            }
            _ => Ok(()),
        }
    }

    pub fn apply(self, attribute: &mut CustomAttribute, now: Timestamp) {
        if let Some(name) = self.name {
            attribute.name = name.trim().to_owned();
        }
        if let Some(identifier) = self.identifier {
            attribute.identifier = identifier;
        }
        if let Some(description) = self.description {
            attribute.description = description;
        }
        if let Some(input) = self.input {
            attribute.input = match input {
                InputChange::Text { placeholder } => Input::Text { placeholder },
                InputChange::Select { options } => Input::Select {
                    options: options
                        .into_iter()
                        .map(|o| SelectOption {
                            id: o.id.unwrap_or_else(crate::new_id),
                            label: o.label.trim().to_owned(),
                            value: o.value,
                            is_deactivated: o.is_deactivated,
                        })
                        .collect(),
                },
            };
        }
        if let Some(v) = self.is_required {
            attribute.is_required = v;
        }
        if let Some(v) = self.is_archived {
            attribute.is_archived = v;
        }
        if let Some(v) = self.is_deactivated {
            attribute.is_deactivated = v;
        }
        attribute.updated_at = now;
    }
}

impl CustomAttribute {
    /// A new definition: `entityType`, `name` and `identifier` are required; the input is text
    /// unless given.
    pub fn build(
        workspace_id: Uuid,
        changes: CustomAttributeChanges,
        now: Timestamp,
    ) -> Result<Self, Invalid> {
        for (field, given) in [
            ("entityType", changes.entity_type.is_some()),
            ("name", changes.name.is_some()),
            ("identifier", changes.identifier.is_some()),
        ] {
            if !given {
                return Err(Invalid::new(field, "is required"));
            }
        }
        changes.validate()?;
        let entity_type = changes
            .entity_type
            .as_deref()
            .and_then(EntityType::parse)
            .unwrap_or(EntityType::Contact);
        if let Some(InputChange::Select { options }) = &changes.input {
            check_option_ids(options, &[])?;
        }
        let mut attribute = CustomAttribute {
            id: crate::new_id(),
            workspace_id,
            entity_type,
            name: String::new(),
            identifier: String::new(),
            description: None,
            input: Input::Text { placeholder: None },
            is_required: false,
            is_archived: false,
            is_deactivated: false,
            created_at: now,
            updated_at: now,
        };
        changes.apply(&mut attribute, now);
        Ok(attribute)
    }

    /// Whether the attribute takes new values.
    pub fn is_usable(&self) -> bool {
        !self.is_archived && !self.is_deactivated
    }

    /// Checks one value for this attribute.
    fn check_value(&self, field: &str, value: &Value) -> Result<(), Invalid> {
        match (&self.input, value) {
            (Input::Text { .. }, Value::String(text)) => {
                validate::text_len(field, text, 0, TEXT_VALUE_MAX)
            }
            (Input::Text { .. }, _) => Err(Invalid::new(
                field,
                format!(
                    "{} is a text attribute: its value is a string",
                    self.identifier
                ),
            )),
            (Input::Select { options }, Value::Array(items)) if !items.is_empty() => {
                let mut seen = HashSet::new();
                for item in items {
                    let chosen = item
                        .as_str()
                        .and_then(|v| options.iter().find(|o| o.value == v && !o.is_deactivated));
                    let Some(option) = chosen else {
                        return Err(Invalid::new(
                            field,
                            format!("{item} is not an active option of {}", self.identifier),
                        ));
                    };
                    if !seen.insert(&option.value) {
                        return Err(Invalid::new(field, format!("{item} is chosen twice")));
                    }
                }
                Ok(())
            }
            (Input::Select { .. }, _) => Err(Invalid::new(
                field,
                format!(
                    "{} is a select attribute: its value is a non-empty list of option values",
                    self.identifier
                ),
            )),
        }
    }
}

/// Values of custom attributes by attribute id.
pub type AttributeValues = BTreeMap<Uuid, Value>;
/// A change to such values: `None` removes the attribute's value.
pub type ValuesPatch = BTreeMap<Uuid, Option<Value>>;

/// Applies `patch` to the values of an entity of `entity_type`, all or nothing. `definitions`
/// are the workspace's (any entity type). Every attribute named must be a definition of the
/// entity type; a value (not a removal) needs an attribute that is neither archived nor
/// deactivated and must suit its input.
pub fn patch_values(
    definitions: &[CustomAttribute],
    entity_type: EntityType,
    values: &mut AttributeValues,
    patch: ValuesPatch,
) -> Result<(), Invalid> {
    for (id, value) in &patch {
        let field = format!("customAttributes[{id}]");
        let Some(attribute) = definitions.iter().find(|d| d.id == *id) else {
            return Err(Invalid::new(
                field,
                "is not a custom attribute of this workspace",
            ));
        };
        if attribute.entity_type != entity_type {
            return Err(Invalid::new(
                field,
                format!(
                    "{} is a {} attribute, not a {} attribute",
                    attribute.identifier,
                    attribute.entity_type.as_str(),
                    entity_type.as_str()
                ),
            ));
        }
        let Some(value) = value else { continue };
        if !attribute.is_usable() {
            let state = if attribute.is_archived {
                "archived"
            } else {
                "deactivated"
            };
            return Err(Invalid::new(
                field,
                format!(
                    "{} is {state} and takes no new values",
                    attribute.identifier
                ),
            ));
        }
        attribute.check_value(&field, value)?;
    }
    for (id, value) in patch {
        match value {
            Some(value) => values.insert(id, value),
            None => values.remove(&id),
        };
    }
    Ok(())
}

/// A value as surfaces show it: the attribute's id, name and identifier with the value.
#[derive(Debug, Clone, PartialEq)]
pub struct AttributeValue {
    pub id: Uuid,
    pub name: String,
    pub identifier: String,
    pub value: Value,
}

/// The values that have a definition, in the definitions' order: a value whose definition was
/// deleted is never shown.
pub fn shown_values(
    definitions: &[CustomAttribute],
    values: &AttributeValues,
) -> Vec<AttributeValue> {
    definitions
        .iter()
        .filter_map(|d| {
            values.get(&d.id).map(|value| AttributeValue {
                id: d.id,
                name: d.name.clone(),
                identifier: d.identifier.clone(),
                value: value.clone(),
            })
        })
        .collect()
}

fn check_identifier(identifier: &str) -> Result<(), Invalid> {
    validate::text_len("identifier", identifier, 1, IDENTIFIER_MAX)?;
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-';
    if identifier.chars().all(allowed) {
        Ok(())
    } else {
        Err(Invalid::new(
            "identifier",
            "may hold only lowercase letters, digits, `_` and `-`",
        ))
    }
}

fn check_options(options: &[OptionInput]) -> Result<(), Invalid> {
    if options.is_empty() || options.len() > OPTIONS_MAX {
        return Err(Invalid::new(
            "input.options",
            format!("a select attribute has 1 to {OPTIONS_MAX} options"),
        ));
    }
    let mut values = HashSet::new();
    let mut ids = HashSet::new();
    for (i, option) in options.iter().enumerate() {
        let field = |name: &str| format!("input.options[{i}].{name}");
        validate::text_len(&field("label"), option.label.trim(), 1, OPTION_TEXT_MAX)?;
        validate::text_len(&field("value"), &option.value, 1, OPTION_TEXT_MAX)?;
        if !values.insert(option.value.as_str()) {
            return Err(Invalid::new(field("value"), "is listed twice"));
        }
        if let Some(id) = option.id
            && !ids.insert(id)
        {
            return Err(Invalid::new(field("id"), "is listed twice"));
        }
    }
    Ok(())
}

/// An option id given by a client keeps an existing option, so it must be one.
fn check_option_ids(options: &[OptionInput], existing: &[SelectOption]) -> Result<(), Invalid> {
    for (i, option) in options.iter().enumerate() {
        if let Some(id) = option.id
            && !existing.iter().any(|o| o.id == id)
        {
            return Err(Invalid::new(
                format!("input.options[{i}].id"),
                format!("{id} is not an option of this attribute; leave `id` out for a new option"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn select(entity_type: &str) -> CustomAttribute {
        CustomAttribute::build(
            Uuid::nil(),
            CustomAttributeChanges {
                entity_type: Some(entity_type.into()),
                name: Some("Plan".into()),
                identifier: Some("plan".into()),
                input: Some(InputChange::Select {
                    options: ["free", "pro", "old"]
                        .iter()
                        .map(|v| OptionInput {
                            id: None,
                            label: v.to_uppercase(),
                            value: (*v).into(),
                            is_deactivated: *v == "old",
                        })
                        .collect(),
                }),
                ..Default::default()
            },
            Timestamp::from_millis(1),
        )
        .unwrap()
    }

    fn text() -> CustomAttribute {
        CustomAttribute::build(
            Uuid::nil(),
            CustomAttributeChanges {
                entity_type: Some("contact".into()),
                name: Some("Note".into()),
                identifier: Some("note".into()),
                ..Default::default()
            },
            Timestamp::from_millis(1),
        )
        .unwrap()
    }

    fn patch(pairs: &[(Uuid, Option<Value>)]) -> ValuesPatch {
        pairs.iter().cloned().collect()
    }

    #[test]
    fn values_must_suit_their_attribute() {
        let (plan, note, topic) = (select("contact"), text(), select("conversation"));
        let definitions = [plan.clone(), note.clone(), topic.clone()];
        let mut values = AttributeValues::new();
        patch_values(
            &definitions,
            EntityType::Contact,
            &mut values,
            patch(&[
                (plan.id, Some(json!(["pro", "free"]))),
                (note.id, Some(json!("likes tea"))),
            ]),
        )
        .unwrap();
        assert_eq!(values[&plan.id], json!(["pro", "free"]));

        let refused = [
            (crate::new_id(), Some(json!("x"))),
            (topic.id, Some(json!(["pro"]))),
            (note.id, Some(json!(3))),
            (note.id, Some(json!("x".repeat(TEXT_VALUE_MAX + 1)))),
            (plan.id, Some(json!("pro"))),
            (plan.id, Some(json!(["gold"]))),
            (plan.id, Some(json!(["old"]))),
            (plan.id, Some(json!([]))),
            (plan.id, Some(json!(["pro", "pro"]))),
        ];
        for (id, value) in refused {
            let before = values.clone();
            let both = patch(&[(note.id, None), (id, value.clone())]);
            let error = patch_values(&definitions, EntityType::Contact, &mut values, both)
                .expect_err(&format!("{value:?} refused"));
            assert_eq!(error.field, format!("customAttributes[{id}]"));
            assert_eq!(values, before, "nothing changed");
        }

        patch_values(
            &definitions,
            EntityType::Contact,
            &mut values,
            patch(&[(note.id, None)]),
        )
        .unwrap();
        assert_eq!(shown_values(&definitions, &values).len(), 1);
    }

    #[test]
    fn archived_attributes_take_no_values_but_let_them_go() {
        let mut note = text();
        note.is_archived = true;
        let definitions = [note.clone()];
        let mut values = AttributeValues::from([(note.id, json!("kept"))]);
        let error = patch_values(
            &definitions,
            EntityType::Contact,
            &mut values,
            patch(&[(note.id, Some(json!("new")))]),
        )
        .unwrap_err();
        assert!(error.message.contains("archived"), "{error}");
        patch_values(
            &definitions,
            EntityType::Contact,
            &mut values,
            patch(&[(note.id, None)]),
        )
        .unwrap();
        assert!(values.is_empty());
    }

    #[test]
    fn definitions_are_checked() {
        let plan = select("contact");
        let base = CustomAttributeChanges {
            entity_type: Some("contact".into()),
            name: Some("N".into()),
            identifier: Some("n".into()),
            ..Default::default()
        };
        let build = |c: CustomAttributeChanges| {
            CustomAttribute::build(Uuid::nil(), c, Timestamp::from_millis(1))
        };
        for (changes, field) in [
            (
                CustomAttributeChanges {
                    identifier: Some("Has Space".into()),
                    ..base.clone()
                },
                "identifier",
            ),
            (
                CustomAttributeChanges {
                    entity_type: Some("ticket".into()),
                    ..base.clone()
                },
                "entityType",
            ),
            (
                CustomAttributeChanges {
                    input: Some(InputChange::Select { options: vec![] }),
                    ..base.clone()
                },
                "input.options",
            ),
            (
                CustomAttributeChanges {
                    input: Some(InputChange::Select {
                        options: vec![OptionInput {
                            id: Some(crate::new_id()),
                            label: "A".into(),
                            value: "a".into(),
                            is_deactivated: false,
                        }],
                    }),
                    ..base.clone()
                },
                "input.options[0].id",
            ),
            (
                CustomAttributeChanges {
                    name: None,
                    ..base.clone()
                },
                "name",
            ),
        ] {
            assert_eq!(build(changes).unwrap_err().field, field);
        }
        let to_text = CustomAttributeChanges {
            input: Some(InputChange::Text { placeholder: None }),
            ..Default::default()
        };
        assert_eq!(
            to_text.check_against(&plan).unwrap_err().field,
            "input.type"
        );
    }
}
