//! Bird's shapes for agents: what the document shows, field for field, and the translation from
//! and to the domain. Nested documents the domain already models (schedules, holidays, forward
//! numbers, roles) pass through as the domain's own serde shapes.

use std::collections::BTreeMap;

use domain::agent::{
    AgentChanges, ForwardNumber, Holiday, RoleGrant, SkillAssignment, WeeklySchedule,
};
use domain::availability::{Availability, AvailabilityChange, bird};
use domain::skill::SkillValue;
use domain::{Timestamp, Uuid};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use store::{AgentDetails, RuleDetails};
use utoipa::ToSchema;

use crate::extract::nullable;

/// `active`, `away` or `offline`.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AgentStatus {
    Active,
    Away,
    Offline,
}

impl AgentStatus {
    pub fn presence(self) -> domain::availability::Presence {
        bird::presence(match self {
            Self::Active => "active",
            Self::Away => "away",
            Self::Offline => "offline",
        })
        .unwrap_or(domain::availability::Presence::Offline)
    }
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema, Default)]
#[serde(rename_all = "lowercase")]
pub enum AgentKind {
    #[default]
    User,
    Bot,
}

/// A skill as given on an agent: its id and the values the agent has (by id or by value).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AssignedSkillIn {
    pub id: Uuid,
    #[serde(default)]
    pub selected_values: Vec<SelectedValueIn>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct SelectedValueIn {
    pub id: Uuid,
}

/// The fields Create and Update share. Besides Bird's own, `userEmails`, `roles`, `user` and
/// `teamIds` may be given, since switchboard has no separate user directory.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgentFieldsIn {
    /// 1..50 characters.
    pub name: Option<String>,
    /// At most 240 characters.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub bio: Option<Option<String>>,
    pub status: Option<AgentStatus>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub avatar_url: Option<Option<String>>,
    #[schema(value_type = Option<Vec<Object>>)]
    pub drop_vms: Option<Vec<Value>>,
    /// Seconds, at most 900.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub wrap_up_time: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub timezone: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub default_country_code: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub default_caller_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<ForwardNumber>)]
    pub forward_number: Option<Option<ForwardNumber>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, example = "en-US")]
    pub transcription_locale: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<WeeklySchedule>)]
    pub weekly_schedule: Option<Option<WeeklySchedule>>,
    pub holidays: Option<Vec<Holiday>>,
    pub assigned_skills: Option<Vec<AssignedSkillIn>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub default_sender_id: Option<Option<Uuid>>,
    /// At most 1000 characters.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub out_of_office_response: Option<Option<String>>,
    pub user_emails: Option<Vec<String>>,
    pub roles: Option<Vec<RoleGrant>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Object>)]
    pub user: Option<Option<Map<String, Value>>>,
    /// Replaces the agent's teams; every id must be a team of the workspace.
    pub team_ids: Option<Vec<Uuid>>,
}

impl AgentFieldsIn {
    /// The profile changes and, apart, the status and the teams.
    pub fn split(self) -> (AgentChanges, Option<AgentStatus>, Option<Vec<Uuid>>) {
        let changes = AgentChanges {
            name: self.name,
            bio: self.bio,
            avatar_url: self.avatar_url,
            drop_vms: self.drop_vms,
            wrap_up_time: self.wrap_up_time,
            timezone: self.timezone,
            default_country_code: self.default_country_code,
            default_caller_id: self.default_caller_id,
            forward_number: self.forward_number,
            transcription_locale: self.transcription_locale,
            weekly_schedule: self.weekly_schedule,
            holidays: self.holidays,
            assigned_skills: self.assigned_skills.map(|skills| {
                skills
                    .into_iter()
                    .map(|s| SkillAssignment {
                        skill_id: s.id,
                        value_ids: domain::agent::dedup(
                            s.selected_values.into_iter().map(|v| v.id).collect(),
                        ),
                    })
                    .collect()
            }),
            default_sender_id: self.default_sender_id,
            out_of_office_response: self.out_of_office_response,
            user_emails: self.user_emails,
            roles: self.roles,
            user: self.user,
        };
        (changes, self.status, self.team_ids)
    }
}

/// Create Agent: Bird's `user` variant (`name`, `bio`, `type`, `userId`, `teamIds`, …), and any
/// field of Update Agent besides.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateAgentIn {
    #[serde(rename = "type", default)]
    pub kind: AgentKind,
    /// The user this agent is; omitted, the agent becomes its own user.
    pub user_id: Option<Uuid>,
    #[serde(flatten)]
    pub fields: AgentFieldsIn,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AvailabilityIn {
    pub status: AgentStatus,
    /// A lowerCamel token; `available` is the one that takes work.
    pub activity: Option<String>,
    /// Seconds, 10..86400: the activity returns to `available` when they run out.
    pub activity_ttl: Option<i64>,
    /// At most 48 characters.
    pub activity_text: Option<String>,
}

impl AvailabilityIn {
    pub fn change(self) -> AvailabilityChange {
        AvailabilityChange {
            presence: Some(self.status.presence()),
            activity: self.activity,
            activity_ttl: self.activity_ttl,
            activity_text: self.activity_text,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AvailabilityOut {
    pub status: &'static str,
    pub activity: String,
    pub activity_ttl: Option<i64>,
    pub activity_text: Option<String>,
    pub last_status_set: Timestamp,
    pub last_activity_set: Timestamp,
    pub updated_at: Timestamp,
}

impl From<&Availability> for AvailabilityOut {
    fn from(a: &Availability) -> Self {
        Self {
            status: bird::status(a.presence),
            activity: a.activity.clone(),
            activity_ttl: a.activity_ttl,
            activity_text: a.activity_text.clone(),
            last_status_set: a.last_status_set,
            last_activity_set: a.last_activity_set,
            updated_at: a.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CapacityRuleOut {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub name: String,
    pub description: Option<String>,
    pub default: bool,
    #[schema(value_type = Object, example = json!({"messaging": 3, "email": 5}))]
    pub capacity: BTreeMap<String, i64>,
    /// The agents this rule names; `null` on the default rule when it names none (it applies
    /// to every agent no other rule names).
    pub assigned_agent_ids: Option<Vec<Uuid>>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl From<&RuleDetails> for CapacityRuleOut {
    fn from(d: &RuleDetails) -> Self {
        let r = &d.rule;
        let assigned = (!r.is_default || !d.assigned_agent_ids.is_empty())
            .then(|| d.assigned_agent_ids.clone());
        Self {
            id: r.id,
            workspace_id: r.workspace_id,
            name: r.name.clone(),
            description: r.description.clone(),
            default: r.is_default,
            capacity: r.capacity.clone(),
            assigned_agent_ids: assigned,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadOut {
    /// The agent's id.
    pub id: Uuid,
    /// Open conversations per capacity channel.
    #[schema(value_type = Object, example = json!({"messaging": 1, "email": 0}))]
    pub workload: BTreeMap<String, i64>,
    pub rule: CapacityRuleOut,
    pub rule_id: Uuid,
    pub updated_at: Timestamp,
}

impl From<&AgentDetails> for WorkloadOut {
    fn from(d: &AgentDetails) -> Self {
        Self {
            id: d.agent.id,
            workload: d.workload.clone(),
            rule: (&d.capacity).into(),
            rule_id: d.capacity.rule.id,
            updated_at: d.agent.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgentTeamOut {
    pub id: Uuid,
    pub name: String,
    pub member_since: Timestamp,
    pub active_member_count: i64,
    pub pending_member_count: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SkillValueOut {
    pub id: Uuid,
    pub value: String,
    pub icon: Option<String>,
}

impl From<SkillValue> for SkillValueOut {
    fn from(v: SkillValue) -> Self {
        Self {
            id: v.id,
            value: v.value,
            icon: v.icon,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AssignedSkillOut {
    pub id: Uuid,
    pub name: String,
    pub value_type: String,
    pub selected_values: Vec<SkillValueOut>,
}

/// The agent, as Bird's document shows it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgentOut {
    pub id: Uuid,
    pub status: &'static str,
    pub status_before_offline: Option<&'static str>,
    pub name: String,
    pub override_name: bool,
    pub workspace_id: Uuid,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub user_emails: Vec<String>,
    pub bio: Option<String>,
    pub avatar_url: Option<String>,
    #[schema(value_type = Vec<Object>)]
    pub drop_vms: Vec<Value>,
    pub tag_count: i64,
    pub wrap_up_time: Option<i64>,
    pub last_assigned_at: Option<Timestamp>,
    pub last_set_to_away_at: Option<Timestamp>,
    pub teams: Vec<AgentTeamOut>,
    pub workload: WorkloadOut,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub availability: AvailabilityOut,
    pub timezone: Option<String>,
    pub default_country_code: Option<String>,
    pub default_caller_id: Option<String>,
    pub forward_number: Option<ForwardNumber>,
    pub transcription_locale: Option<String>,
    pub roles: Vec<RoleGrant>,
    #[schema(value_type = Object)]
    pub user: Map<String, Value>,
    pub weekly_schedule: Option<WeeklySchedule>,
    pub holidays: Vec<Holiday>,
    pub assigned_skills: Vec<AssignedSkillOut>,
    pub default_sender_id: Option<Uuid>,
    pub out_of_office_response: Option<String>,
}

impl AgentOut {
    /// The agent as it stands at `now` (an expired activity shows as `available`).
    pub fn new(d: AgentDetails, now: Timestamp) -> Self {
        let availability = d.agent.availability.at(now);
        let workload = WorkloadOut::from(&d);
        let a = d.agent;
        let p = a.profile;
        let mut user = p.user.unwrap_or_default();
        let defaults = [
            ("id", a.user_id.map(|u| Value::String(u.to_string()))),
            ("name", Some(Value::String(a.name.clone()))),
            ("avatarUrl", p.avatar_url.clone().map(Value::String)),
            (
                "defaultEmail",
                p.user_emails.first().cloned().map(Value::String),
            ),
        ];
        for (field, value) in defaults {
            user.entry(field).or_insert(value.unwrap_or(Value::Null));
        }
        user.entry("phoneNumber").or_insert(Value::Null);
        Self {
            id: a.id,
            status: bird::status(availability.presence),
            status_before_offline: availability.status_before_offline.map(bird::status),
            name: a.name,
            override_name: p.override_name,
            workspace_id: a.workspace_id,
            kind: a.kind.as_str(),
            user_emails: p.user_emails,
            bio: p.bio,
            avatar_url: p.avatar_url,
            drop_vms: p.drop_vms,
            tag_count: p.tag_ids.len() as i64,
            wrap_up_time: p.wrap_up_time,
            last_assigned_at: a.last_assigned_at,
            last_set_to_away_at: availability.last_set_to_away_at,
            teams: d
                .teams
                .into_iter()
                .map(|t| AgentTeamOut {
                    id: t.id,
                    name: t.name,
                    member_since: t.member_since,
                    active_member_count: t.active_member_count,
                    pending_member_count: 0,
                })
                .collect(),
            workload,
            created_at: a.created_at,
            updated_at: a.updated_at,
            availability: (&availability).into(),
            timezone: p.timezone,
            default_country_code: p.default_country_code,
            default_caller_id: p.default_caller_id,
            forward_number: p.forward_number,
            transcription_locale: p.transcription_locale,
            roles: p.roles,
            user,
            weekly_schedule: p.weekly_schedule,
            holidays: p.holidays,
            assigned_skills: d
                .skills
                .into_iter()
                .map(|s| AssignedSkillOut {
                    id: s.id,
                    name: s.name,
                    value_type: s.value_type,
                    selected_values: s
                        .selected_values
                        .into_iter()
                        .map(SkillValueOut::from)
                        .collect(),
                })
                .collect(),
            default_sender_id: p.default_sender_id,
            out_of_office_response: p.out_of_office_response,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgentList {
    pub results: Vec<AgentOut>,
    /// Absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
    pub total: i64,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MinimalAgentOut {
    pub id: Uuid,
    pub status: &'static str,
    pub activity: String,
    pub name: String,
    pub avatar_url: Option<String>,
    pub created_at: Timestamp,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MinimalAgentList {
    pub results: Vec<MinimalAgentOut>,
}
