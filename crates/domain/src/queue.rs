//! Queues: where conversations wait to be offered to agents, with the settings that say how
//! (Dixa's `CreateQueueInput`, property for property). A workspace has at most one default
//! queue. Members are agents of the workspace, each with an optional priority tier.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{Invalid, Timestamp, Uuid, validate};

pub const NAME_MAX: usize = 100;
pub const PRIORITY_MAX: i64 = 100;
pub const PRIORITY_DEFAULT: i64 = 1;
/// The tier of a member for the `AgentPriority*` algorithms: lower is offered first.
pub const MEMBER_PRIORITY_MAX: i64 = 100;
/// No timeout may exceed a week: a larger one is a mistake, not a setting.
pub const TIMEOUT_MAX: i64 = 7 * 24 * 3600;
pub const SLA_PERCENTAGE_MAX: i64 = 100;

/// The keys of `queueThresholds`.
pub const THRESHOLDS: &[&str] = &[
    "SlaTimeLimit",
    "AvailableAgents",
    "LongestWait",
    "SlaPercentage",
    "WaitingConversations",
];

/// The channels that key `doNotOfferTimeouts` and `preferredAgentTimeouts`.
pub const CHANNELS: &[&str] = &[
    "WhatsApp",
    "Voicemail",
    "WidgetChat",
    "FacebookMessenger",
    "Twitter",
    "Email",
    "ContactForm",
    "Callback",
    "PstnPhone",
    "Sms",
    "Messenger",
];

/// How a queue offers a conversation to its members.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OfferAlgorithm {
    AgentPriorityOneAtATimeRandom,
    AllAtOnce,
    AgentPriorityLongestIdle,
    AgentPriorityAllAtOnce,
    LongestIdle,
    OneAtATimeRandom,
    /// Members in turn, starting after the one offered last.
    RoundRobin,
    /// The member holding the least work.
    LeastBusy,
}

impl OfferAlgorithm {
    pub const ALL: [Self; 8] = [
        Self::AgentPriorityOneAtATimeRandom,
        Self::AllAtOnce,
        Self::AgentPriorityLongestIdle,
        Self::AgentPriorityAllAtOnce,
        Self::LongestIdle,
        Self::OneAtATimeRandom,
        Self::RoundRobin,
        Self::LeastBusy,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::AgentPriorityOneAtATimeRandom => "AgentPriorityOneAtATimeRandom",
            Self::AllAtOnce => "AllAtOnce",
            Self::AgentPriorityLongestIdle => "AgentPriorityLongestIdle",
            Self::AgentPriorityAllAtOnce => "AgentPriorityAllAtOnce",
            Self::LongestIdle => "LongestIdle",
            Self::OneAtATimeRandom => "OneAtATimeRandom",
            Self::RoundRobin => "RoundRobin",
            Self::LeastBusy => "LeastBusy",
        }
    }

    /// Reads an algorithm by its exact name; anything else names the allowed values.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|a| a.as_str() == text)
            .ok_or_else(|| {
                let allowed: Vec<_> = Self::ALL.iter().map(|a| a.as_str()).collect();
                Invalid::new(
                    "offerAlgorithm",
                    format!("must be one of: {}", allowed.join(", ")),
                )
            })
    }

    /// Whether members' priority tiers decide who is offered first.
    pub const fn uses_member_priority(self) -> bool {
        matches!(
            self,
            Self::AgentPriorityOneAtATimeRandom
                | Self::AgentPriorityLongestIdle
                | Self::AgentPriorityAllAtOnce
        )
    }
}

/// Times in seconds (or counts) keyed by a name from a fixed list.
pub type Settings = BTreeMap<String, i64>;

/// Everything about a queue that routing neither filters nor sorts on; stored as one document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueSettings {
    #[serde(default)]
    pub offer_timeout: Option<i64>,
    #[serde(default)]
    pub wrapup_timeout: Option<i64>,
    #[serde(default)]
    pub queue_thresholds: Settings,
    #[serde(default)]
    pub call_functionality: bool,
    #[serde(default)]
    pub do_not_offer_timeouts: Settings,
    #[serde(default)]
    pub is_do_not_offer_enabled: bool,
    #[serde(default)]
    pub preferred_agent_timeouts: Settings,
    #[serde(default)]
    pub is_preferred_agent_enabled: Option<bool>,
    #[serde(default)]
    pub offer_abandoned_conversations: Option<bool>,
    #[serde(default)]
    pub personal_agent_offline_timeout: Option<i64>,
    #[serde(default)]
    pub preferred_agent_offline_timeout: Option<i64>,
    #[serde(default)]
    pub is_restricted: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queue {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub name: String,
    pub is_default: bool,
    pub priority: i64,
    pub offer_algorithm: OfferAlgorithm,
    pub settings: QueueSettings,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Changes to a queue; `None` leaves a field as it is, `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct QueueChanges {
    pub name: Option<String>,
    pub is_default: Option<bool>,
    pub priority: Option<i64>,
    pub offer_algorithm: Option<OfferAlgorithm>,
    pub offer_timeout: Option<Option<i64>>,
    pub wrapup_timeout: Option<Option<i64>>,
    pub queue_thresholds: Option<Settings>,
    pub call_functionality: Option<bool>,
    pub do_not_offer_timeouts: Option<Settings>,
    pub is_do_not_offer_enabled: Option<bool>,
    pub preferred_agent_timeouts: Option<Settings>,
    pub is_preferred_agent_enabled: Option<Option<bool>>,
    pub offer_abandoned_conversations: Option<Option<bool>>,
    pub personal_agent_offline_timeout: Option<Option<i64>>,
    pub preferred_agent_offline_timeout: Option<Option<i64>>,
    pub is_restricted: Option<Option<bool>>,
}

impl QueueChanges {
    pub fn validate(&self) -> Result<(), Invalid> {
        if let Some(name) = &self.name {
            validate::text_len("name", name.trim(), 1, NAME_MAX)?;
        }
        if let Some(priority) = self.priority {
            validate::range("priority", priority, 0, PRIORITY_MAX)?;
        }
        let timeouts = [
            ("offerTimeout", self.offer_timeout),
            ("wrapupTimeout", self.wrapup_timeout),
            (
                "personalAgentOfflineTimeout",
                self.personal_agent_offline_timeout,
            ),
            (
                "preferredAgentOfflineTimeout",
                self.preferred_agent_offline_timeout,
            ),
        ];
        for (field, value) in timeouts {
            if let Some(Some(seconds)) = value {
                check_seconds(field, seconds)?;
            }
        }
        if let Some(thresholds) = &self.queue_thresholds {
            check_thresholds(thresholds)?;
        }
        for (field, timeouts) in [
            ("doNotOfferTimeouts", &self.do_not_offer_timeouts),
            ("preferredAgentTimeouts", &self.preferred_agent_timeouts),
        ] {
            if let Some(timeouts) = timeouts {
                check_channel_timeouts(field, timeouts)?;
            }
        }
        Ok(())
    }

    pub fn apply(self, queue: &mut Queue, now: Timestamp) {
        if let Some(name) = self.name {
            queue.name = name.trim().to_owned();
        }
        set(&mut queue.is_default, self.is_default);
        set(&mut queue.priority, self.priority);
        set(&mut queue.offer_algorithm, self.offer_algorithm);
        let s = &mut queue.settings;
        set(&mut s.offer_timeout, self.offer_timeout);
        set(&mut s.wrapup_timeout, self.wrapup_timeout);
        set(&mut s.queue_thresholds, self.queue_thresholds);
        set(&mut s.call_functionality, self.call_functionality);
        set(&mut s.do_not_offer_timeouts, self.do_not_offer_timeouts);
        set(&mut s.is_do_not_offer_enabled, self.is_do_not_offer_enabled);
        set(
            &mut s.preferred_agent_timeouts,
            self.preferred_agent_timeouts,
        );
        set(
            &mut s.is_preferred_agent_enabled,
            self.is_preferred_agent_enabled,
        );
        set(
            &mut s.offer_abandoned_conversations,
            self.offer_abandoned_conversations,
        );
        set(
            &mut s.personal_agent_offline_timeout,
            self.personal_agent_offline_timeout,
        );
        set(
            &mut s.preferred_agent_offline_timeout,
            self.preferred_agent_offline_timeout,
        );
        set(&mut s.is_restricted, self.is_restricted);
        queue.updated_at = now;
    }
}

fn set<T>(field: &mut T, change: Option<T>) {
    if let Some(value) = change {
        *field = value;
    }
}

impl Queue {
    /// A new queue; `name` is required, the offer algorithm defaults to `AllAtOnce` and the
    /// priority to 1.
    pub fn build(
        workspace_id: Uuid,
        changes: QueueChanges,
        now: Timestamp,
    ) -> Result<Self, Invalid> {
        if changes.name.is_none() {
            return Err(Invalid::new("name", "is required"));
        }
        changes.validate()?;
        let mut queue = Queue {
            id: crate::new_id(),
            workspace_id,
            name: String::new(),
            is_default: false,
            priority: PRIORITY_DEFAULT,
            offer_algorithm: OfferAlgorithm::AllAtOnce,
            settings: QueueSettings::default(),
            created_at: now,
            updated_at: now,
        };
        changes.apply(&mut queue, now);
        Ok(queue)
    }
}

/// A timeout in whole seconds, at most [`TIMEOUT_MAX`].
fn check_seconds(field: &str, seconds: i64) -> Result<(), Invalid> {
    if !(0..=TIMEOUT_MAX).contains(&seconds) {
        return Err(Invalid::new(
            field,
            format!("must be between 0 and {TIMEOUT_MAX} seconds (7 days)"),
        ));
    }
    Ok(())
}

fn check_thresholds(thresholds: &Settings) -> Result<(), Invalid> {
    for (key, value) in thresholds {
        let field = format!("queueThresholds.{key}");
        if !THRESHOLDS.contains(&key.as_str()) {
            let message = format!("is not a threshold; use one of: {}", THRESHOLDS.join(", "));
            return Err(Invalid::new(field, message));
        }
        let max = if key == "SlaPercentage" {
            SLA_PERCENTAGE_MAX
        } else {
            TIMEOUT_MAX
        };
        validate::range(&field, *value, 0, max)?;
    }
    Ok(())
}

fn check_channel_timeouts(field: &str, timeouts: &Settings) -> Result<(), Invalid> {
    for (channel, seconds) in timeouts {
        let field = format!("{field}.{channel}");
        if !CHANNELS.contains(&channel.as_str()) {
            let message = format!("is not a channel; use one of: {}", CHANNELS.join(", "));
            return Err(Invalid::new(field, message));
        }
        check_seconds(&field, *seconds)?;
    }
    Ok(())
}

/// An agent's membership of a queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueMember {
    pub agent_id: Uuid,
    pub priority: Option<i64>,
    pub member_since: Timestamp,
}

/// A member's priority tier, when given, lies in `0..=100`.
pub fn check_member_priority(priority: Option<i64>) -> Result<(), Invalid> {
    priority.map_or(Ok(()), |p| {
        validate::range("priority", p, 0, MEMBER_PRIORITY_MAX)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(name: &str) -> QueueChanges {
        QueueChanges {
            name: Some(name.into()),
            ..QueueChanges::default()
        }
    }

    fn build(changes: QueueChanges) -> Result<Queue, Invalid> {
        Queue::build(Uuid::nil(), changes, Timestamp::from_millis(1))
    }

    #[test]
    fn a_new_queue_offers_to_all_at_once_with_priority_one() {
        let queue = build(named(" Support ")).unwrap();
        assert_eq!(queue.name, "Support");
        assert_eq!(queue.offer_algorithm, OfferAlgorithm::AllAtOnce);
        assert_eq!(queue.priority, 1);
        assert!(!queue.is_default);
        assert_eq!(queue.settings, QueueSettings::default());
    }

    #[test]
    fn offer_algorithms_round_trip_and_unknown_ones_name_the_allowed() {
        for algorithm in OfferAlgorithm::ALL {
            assert_eq!(OfferAlgorithm::parse(algorithm.as_str()), Ok(algorithm));
        }
        let error = OfferAlgorithm::parse("allatonce").unwrap_err();
        assert_eq!(error.field, "offerAlgorithm");
        assert!(
            error.message.contains("AgentPriorityLongestIdle"),
            "{error}"
        );
        assert!(OfferAlgorithm::AgentPriorityAllAtOnce.uses_member_priority());
        assert!(!OfferAlgorithm::LongestIdle.uses_member_priority());
    }

    #[test]
    fn timeouts_thresholds_and_channels_are_checked() {
        let cases: Vec<(QueueChanges, &str)> = vec![
            (
                QueueChanges {
                    offer_timeout: Some(Some(-1)),
                    ..named("q")
                },
                "offerTimeout",
            ),
            (
                QueueChanges {
                    wrapup_timeout: Some(Some(TIMEOUT_MAX + 1)),
                    ..named("q")
                },
                "wrapupTimeout",
            ),
            (
                QueueChanges {
                    priority: Some(101),
                    ..named("q")
                },
                "priority",
            ),
            (
                QueueChanges {
                    queue_thresholds: Some([("SlaPercentage".into(), 101)].into()),
                    ..named("q")
                },
                "queueThresholds.SlaPercentage",
            ),
            (
                QueueChanges {
                    queue_thresholds: Some([("Speed".into(), 1)].into()),
                    ..named("q")
                },
                "queueThresholds.Speed",
            ),
            (
                QueueChanges {
                    do_not_offer_timeouts: Some([("Pigeon".into(), 1)].into()),
                    ..named("q")
                },
                "doNotOfferTimeouts.Pigeon",
            ),
            (
                QueueChanges {
                    preferred_agent_timeouts: Some([("Email".into(), -5)].into()),
                    ..named("q")
                },
                "preferredAgentTimeouts.Email",
            ),
            (named(""), "name"),
        ];
        for (changes, field) in cases {
            assert_eq!(build(changes).unwrap_err().field, field);
        }
        let fine = QueueChanges {
            queue_thresholds: Some([("SlaPercentage".into(), 100)].into()),
            preferred_agent_timeouts: Some([("Email".into(), TIMEOUT_MAX)].into()),
            ..named("q")
        };
        assert!(build(fine).is_ok());
    }

    #[test]
    fn clearing_an_optional_setting_removes_it() {
        let mut queue = build(QueueChanges {
            offer_timeout: Some(Some(30)),
            is_restricted: Some(Some(true)),
            ..named("q")
        })
        .unwrap();
        let clear = QueueChanges {
            offer_timeout: Some(None),
            is_restricted: Some(None),
            ..QueueChanges::default()
        };
        clear.apply(&mut queue, Timestamp::from_millis(2));
        assert_eq!(queue.settings.offer_timeout, None);
        assert_eq!(queue.settings.is_restricted, None);
        assert_eq!(queue.updated_at, Timestamp::from_millis(2));
    }

    #[test]
    fn member_priorities_lie_in_0_to_100() {
        assert!(check_member_priority(None).is_ok());
        assert!(check_member_priority(Some(0)).is_ok());
        assert!(check_member_priority(Some(100)).is_ok());
        assert_eq!(
            check_member_priority(Some(101)).unwrap_err().field,
            "priority"
        );
        assert!(check_member_priority(Some(-1)).is_err());
    }
}
