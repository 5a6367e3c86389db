//! Capacity rules: how much work of each channel an agent may hold at once. Every workspace
//! has exactly one default rule, which applies to agents no other rule names.

use std::collections::BTreeMap;

use crate::{Invalid, Timestamp, Uuid, validate};

pub const NAME_MAX: usize = 100;
/// The channels a capacity rule counts. Voice takes the whole agent, so it has no count.
pub const CHANNELS: &[&str] = &["messaging", "email"];
pub const CAPACITY_MAX: i64 = 100;

/// Per channel, how many conversations an agent may hold at once.
pub type Capacity = BTreeMap<String, i64>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapacityRule {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub name: String,
    pub description: Option<String>,
    pub is_default: bool,
    pub capacity: Capacity,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, Default)]
pub struct CapacityRuleChanges {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub is_default: Option<bool>,
    pub capacity: Option<Capacity>,
    /// The agents this rule applies to; replaces the previous list.
    pub assigned_agent_ids: Option<Vec<Uuid>>,
}

impl CapacityRuleChanges {
    pub fn validate(&self) -> Result<(), Invalid> {
        if let Some(name) = &self.name {
            validate::text_len("name", name.trim(), 1, NAME_MAX)?;
        }
        let description = self.description.as_ref().and_then(|d| d.as_deref());
        validate::optional_text("description", description, 1024)?;
        for (channel, count) in self.capacity.iter().flatten() {
            if !CHANNELS.contains(&channel.as_str()) {
                let message = format!("is not a channel; use one of: {}", CHANNELS.join(", "));
                return Err(Invalid::new(format!("capacity.{channel}"), message));
            }
            validate::range(&format!("capacity.{channel}"), *count, 0, CAPACITY_MAX)?;
        }
        Ok(())
    }

    /// Checks the `default` flag against the rule it changes: the default rule cannot stop
    /// being the default (another rule takes the flag instead), and saying again what a rule
    /// already is changes nothing.
    pub fn check_default(&mut self, rule: &CapacityRule) -> Result<(), Invalid> {
        match (rule.is_default, self.is_default) {
            (true, Some(false)) => Err(Invalid::new(
                "default",
                "make another rule the default instead",
            )),
            (current, Some(wanted)) if current == wanted => {
                self.is_default = None;
                Ok(())
            }
            _ => Ok(()),
        }
    }

    pub fn apply(self, rule: &mut CapacityRule) {
        if let Some(name) = self.name {
            rule.name = name.trim().to_owned();
        }
        if let Some(description) = self.description {
            rule.description = description;
        }
        if let Some(is_default) = self.is_default {
            rule.is_default = is_default;
        }
        if let Some(capacity) = self.capacity {
            rule.capacity.extend(capacity);
        }
    }
}

/// The capacity a rule gives when a channel is not named: one conversation at a time.
pub fn default_capacity() -> Capacity {
    CHANNELS.iter().map(|c| (c.to_string(), 1)).collect()
}

impl CapacityRule {
    pub fn build(
        workspace_id: Uuid,
        changes: CapacityRuleChanges,
        now: Timestamp,
    ) -> Result<Self, Invalid> {
        if changes.name.is_none() {
            return Err(Invalid::new("name", "is required"));
        }
        changes.validate()?;
        let mut rule = CapacityRule {
            id: crate::new_id(),
            workspace_id,
            name: String::new(),
            description: None,
            is_default: false,
            capacity: default_capacity(),
            created_at: now,
            updated_at: now,
        };
        changes.apply(&mut rule);
        Ok(rule)
    }

    /// The rule every new workspace starts with: three chats and five e-mails at once.
    pub fn workspace_default(workspace_id: Uuid, now: Timestamp) -> Self {
        let capacity = [("messaging".to_string(), 3), ("email".to_string(), 5)].into();
        CapacityRule {
            id: crate::new_id(),
            workspace_id,
            name: "Default".into(),
            description: Some("Applies to every agent no other rule names.".into()),
            is_default: true,
            capacity,
            created_at: now,
            updated_at: now,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(is_default: bool) -> CapacityRule {
        let mut rule = CapacityRule::workspace_default(Uuid::nil(), Timestamp::from_millis(0));
        rule.is_default = is_default;
        rule
    }

    fn wanting(is_default: Option<bool>) -> CapacityRuleChanges {
        CapacityRuleChanges {
            is_default,
            ..Default::default()
        }
    }

    #[test]
    fn only_the_default_rule_refuses_to_stop_being_the_default() {
        assert!(wanting(Some(false)).check_default(&rule(true)).is_err());
        for (is_default, wanted) in [(false, Some(false)), (true, Some(true))] {
            let mut changes = wanting(wanted);
            assert_eq!(changes.check_default(&rule(is_default)), Ok(()));
            assert_eq!(changes.is_default, None, "saying it again changes nothing");
        }
        let mut changes = wanting(Some(true));
        assert_eq!(changes.check_default(&rule(false)), Ok(()));
        assert_eq!(changes.is_default, Some(true));
        assert_eq!(
            wanting(Some(false)).validate(),
            Ok(()),
            "a new rule may say it is not the default"
        );
    }
}
