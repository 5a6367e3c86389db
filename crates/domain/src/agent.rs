//! The agent: one record that carries what every surface needs (Bird's profile, Sendbird's
//! integer id, tier and role, VoIPBIN's username, ring method, addresses, tags and permission
//! bits), so that each surface is a translation and never a table of its own.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::availability::{Account, Availability, Work};
use crate::{Invalid, Timestamp, Uuid, validate};

pub const NAME_MAX: usize = 50;
pub const BIO_MAX: usize = 240;
pub const WRAP_UP_TIME_MAX: i64 = 900;
pub const OUT_OF_OFFICE_MAX: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AgentType {
    User,
    Bot,
}

impl AgentType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Bot => "bot",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "user" => Some(Self::User),
            "bot" => Some(Self::Bot),
            _ => None,
        }
    }
}

/// A time of day in a weekly schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimeOfDay {
    pub hour: u8,
    pub minute: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkingHours {
    pub from: TimeOfDay,
    pub to: TimeOfDay,
}

/// Working hours per weekday; a missing day is a day off.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WeeklySchedule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monday: Option<WorkingHours>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tuesday: Option<WorkingHours>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wednesday: Option<WorkingHours>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thursday: Option<WorkingHours>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub friday: Option<WorkingHours>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saturday: Option<WorkingHours>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sunday: Option<WorkingHours>,
}

impl WeeklySchedule {
    fn days(&self) -> [(&'static str, Option<WorkingHours>); 7] {
        [
            ("monday", self.monday),
            ("tuesday", self.tuesday),
            ("wednesday", self.wednesday),
            ("thursday", self.thursday),
            ("friday", self.friday),
            ("saturday", self.saturday),
            ("sunday", self.sunday),
        ]
    }

    pub fn validate(&self) -> Result<(), Invalid> {
        for (day, hours) in self.days() {
            let Some(hours) = hours else { continue };
            for (end, time) in [("from", hours.from), ("to", hours.to)] {
                // 24:00 closes a day that runs to midnight.
                let ok =
                    (time.hour < 24 && time.minute < 60) || (time.hour == 24 && time.minute == 0);
                if !ok {
                    let field = format!("weeklySchedule.{day}.{end}");
                    return Err(Invalid::new(
                        field,
                        "must be a time of day (hour 0..23, minute 0..59)",
                    ));
                }
            }
            if (hours.to.hour, hours.to.minute) <= (hours.from.hour, hours.from.minute) {
                let field = format!("weeklySchedule.{day}");
                return Err(Invalid::new(field, "`to` must come after `from`"));
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Holiday {
    pub name: String,
    pub day: u8,
    pub month: u8,
}

impl Holiday {
    pub fn validate(&self, index: usize) -> Result<(), Invalid> {
        validate::text_len(&format!("holidays[{index}].name"), &self.name, 1, 100)?;
        const DAYS: [u8; 12] = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
        let Some(&days) = DAYS.get(usize::from(self.month).wrapping_sub(1)) else {
            return Err(Invalid::new(
                format!("holidays[{index}].month"),
                "must be between 1 and 12",
            ));
        };
        if self.day == 0 || self.day > days {
            return Err(Invalid::new(
                format!("holidays[{index}].day"),
                "is not a day of that month",
            ));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ForwardNumber {
    pub enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    #[serde(default)]
    pub mask_caller: bool,
}

/// An IAM role the agent's user holds (Bird `roles[]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoleGrant {
    pub id: Uuid,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub workspaces: Vec<Uuid>,
}

/// A skill assigned to an agent, with the ids of the values it has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SkillAssignment {
    pub skill_id: Uuid,
    pub value_ids: Vec<Uuid>,
}

/// Descriptive fields that no query filters on; stored together as one document.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Profile {
    pub override_name: bool,
    pub user_emails: Vec<String>,
    pub bio: Option<String>,
    pub avatar_url: Option<String>,
    pub drop_vms: Vec<Value>,
    pub wrap_up_time: Option<i64>,
    pub timezone: Option<String>,
    pub default_country_code: Option<String>,
    pub default_caller_id: Option<String>,
    pub forward_number: Option<ForwardNumber>,
    pub transcription_locale: Option<String>,
    pub roles: Vec<RoleGrant>,
    pub user: Option<Map<String, Value>>,
    pub weekly_schedule: Option<WeeklySchedule>,
    pub holidays: Vec<Holiday>,
    pub assigned_skills: Vec<SkillAssignment>,
    pub default_sender_id: Option<Uuid>,
    pub out_of_office_response: Option<String>,
    /// Sendbird Desk: `INTERMEDIATE` or `EXPERT`.
    pub tier: Option<String>,
    /// Sendbird Desk: `ADMIN` or `AGENT`.
    pub desk_role: Option<String>,
    /// VoIPBIN: `ringall` or `linear`.
    pub ring_method: Option<String>,
    pub addresses: Vec<Value>,
    pub tag_ids: Vec<Uuid>,
    pub permission: i64,
    pub password_hash: Option<String>,
}

/// An agent of a workspace, with its unified state.
#[derive(Debug, Clone, PartialEq)]
pub struct Agent {
    pub id: Uuid,
    pub workspace_id: Uuid,
    /// Sendbird Desk's per-workspace integer id, never reused.
    pub desk_id: i64,
    pub kind: AgentType,
    pub user_id: Option<Uuid>,
    /// VoIPBIN login name, unique in the workspace.
    pub username: Option<String>,
    pub name: String,
    pub account: Account,
    pub availability: Availability,
    pub work: Work,
    pub capacity_rule_id: Option<Uuid>,
    pub last_assigned_at: Option<Timestamp>,
    pub assigned_count: i64,
    pub profile: Profile,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Every field an agent's profile may be given, already parsed; `None` leaves a field as it is.
/// Nullable fields use `Option<Option<_>>`: `Some(None)` clears them.
#[derive(Debug, Clone, Default)]
pub struct AgentChanges {
    pub name: Option<String>,
    pub bio: Option<Option<String>>,
    pub avatar_url: Option<Option<String>>,
    pub drop_vms: Option<Vec<Value>>,
    pub wrap_up_time: Option<Option<i64>>,
    pub timezone: Option<Option<String>>,
    pub default_country_code: Option<Option<String>>,
    pub default_caller_id: Option<Option<String>>,
    pub forward_number: Option<Option<ForwardNumber>>,
    pub transcription_locale: Option<Option<String>>,
    pub weekly_schedule: Option<Option<WeeklySchedule>>,
    pub holidays: Option<Vec<Holiday>>,
    pub assigned_skills: Option<Vec<SkillAssignment>>,
    pub default_sender_id: Option<Option<Uuid>>,
    pub out_of_office_response: Option<Option<String>>,
    pub user_emails: Option<Vec<String>>,
    pub roles: Option<Vec<RoleGrant>>,
    pub user: Option<Option<Map<String, Value>>>,
}

impl AgentChanges {
    /// Checks every limit of the Bird document.
    pub fn validate(&self) -> Result<(), Invalid> {
        if let Some(name) = &self.name {
            validate::text_len("name", name.trim(), 1, NAME_MAX)?;
        }
        validate::optional_text("bio", flat(&self.bio), BIO_MAX)?;
        if let Some(Some(wrap_up)) = self.wrap_up_time {
            validate::range("wrapUpTime", wrap_up, 0, WRAP_UP_TIME_MAX)?;
        }
        let out_of_office = flat(&self.out_of_office_response);
        validate::optional_text("outOfOfficeResponse", out_of_office, OUT_OF_OFFICE_MAX)?;
        validate::optional_text("timezone", flat(&self.timezone), 64)?;
        if let Some(Some(zone)) = &self.timezone {
            valid_timezone(zone)?;
        }
        validate::optional_text("avatarUrl", flat(&self.avatar_url), 2048)?;
        validate::optional_text("defaultCallerId", flat(&self.default_caller_id), 32)?;
        if let Some(Some(code)) = &self.default_country_code {
            let ok = code.len() == 2 && code.chars().all(|c| c.is_ascii_alphabetic());
            if !ok {
                return Err(Invalid::new(
                    "defaultCountryCode",
                    "must be an ISO 3166-1 alpha-2 code",
                ));
            }
        }
        if let Some(Some(locale)) = &self.transcription_locale
            && !TRANSCRIPTION_LOCALES.contains(&locale.as_str())
        {
            return Err(Invalid::new(
                "transcriptionLocale",
                "is not a supported locale",
            ));
        }
        if let Some(Some(schedule)) = &self.weekly_schedule {
            schedule.validate()?;
        }
        for (index, holiday) in self.holidays.iter().flatten().enumerate() {
            holiday.validate(index)?;
        }
        for (index, email) in self.user_emails.iter().flatten().enumerate() {
            let ok = email.len() <= 254
                && email
                    .split_once('@')
                    .is_some_and(|(u, d)| !u.is_empty() && d.contains('.'));
            if !ok {
                return Err(Invalid::new(
                    format!("userEmails[{index}]"),
                    "is not an e-mail address",
                ));
            }
        }
        if let Some(skills) = &self.assigned_skills {
            let mut seen = std::collections::HashSet::new();
            if let Some(dup) = skills.iter().find(|s| !seen.insert(s.skill_id)) {
                return Err(Invalid::new(
                    "assignedSkills",
                    format!("skill {} is assigned twice", dup.skill_id),
                ));
            }
        }
        Ok(())
    }

    /// Applies the changes to a profile (and the name) after [`Self::validate`].
    pub fn apply(self, agent: &mut Agent) {
        let p = &mut agent.profile;
        if let Some(name) = self.name {
            agent.name = name.trim().to_owned();
            p.override_name = true;
        }
        set(&mut p.bio, self.bio);
        set(&mut p.avatar_url, self.avatar_url);
        set(&mut p.wrap_up_time, self.wrap_up_time);
        set(&mut p.timezone, self.timezone);
        set(
            &mut p.default_country_code,
            self.default_country_code
                .map(|c| c.map(|c| c.to_uppercase())),
        );
        set(&mut p.default_caller_id, self.default_caller_id);
        set(&mut p.forward_number, self.forward_number);
        set(&mut p.transcription_locale, self.transcription_locale);
        set(&mut p.weekly_schedule, self.weekly_schedule);
        set(&mut p.default_sender_id, self.default_sender_id);
        set(&mut p.out_of_office_response, self.out_of_office_response);
        set(&mut p.user, self.user);
        replace(&mut p.drop_vms, self.drop_vms);
        replace(&mut p.holidays, self.holidays);
        replace(&mut p.assigned_skills, self.assigned_skills);
        replace(&mut p.roles, self.roles);
        replace(
            &mut p.user_emails,
            self.user_emails
                .map(|e| e.into_iter().map(|e| e.to_lowercase()).collect()),
        );
    }
}

fn flat(value: &Option<Option<String>>) -> Option<&str> {
    value.as_ref().and_then(|v| v.as_deref())
}

fn set<T>(slot: &mut Option<T>, change: Option<Option<T>>) {
    if let Some(value) = change {
        *slot = value;
    }
}

fn replace<T>(slot: &mut T, change: Option<T>) {
    if let Some(value) = change {
        *slot = value;
    }
}

/// A zone the IANA database compiled into the server knows (`Europe/Amsterdam`, `UTC`).
fn valid_timezone(zone: &str) -> Result<(), Invalid> {
    if crate::schedule::known_zone(zone) {
        Ok(())
    } else {
        Err(Invalid::new(
            "timezone",
            "must be an IANA time zone such as Europe/Amsterdam",
        ))
    }
}

/// Bird's `SupportedLocales` (shared/spec/seed-apis.md §1.4).
pub const TRANSCRIPTION_LOCALES: &[&str] = &[
    "ar-AE",
    "ar-SA",
    "cmn-CN",
    "cy-GB",
    "da-DK",
    "de-CH",
    "de-DE",
    "el-GR",
    "en-AU",
    "en-GB",
    "en-GB-WLS",
    "en-IE",
    "en-IN",
    "en-NZ",
    "en-US",
    "en-ZA",
    "es-ES",
    "es-MX",
    "es-US",
    "fr-CA",
    "fr-FR",
    "he-IL",
    "hi-IN",
    "id-ID",
    "is-IS",
    "it-IT",
    "ja-JP",
    "ko-KR",
    "ms-MY",
    "nb-NO",
    "nl-NL",
    "pl-PL",
    "pt-BR",
    "pt-PT",
    "ro-RO",
    "ru-RU",
    "sv-SE",
    "ta-IN",
    "te-IN",
    "th-TH",
    "tr-TR",
    "vi-VN",
    "zh-CN",
    "zh-HK",
    "zh-TW",
    "arb",
    "af-ZA",
    "bn-IN",
    "ca-ES",
    "cmn-TW",
    "cs-CZ",
    "fi-FI",
    "fil-PH",
    "gu-IN",
    "hu-HU",
    "kn-IN",
    "lt-LT",
    "lv-LV",
    "ml-IN",
    "mr-IN",
    "pa-IN",
    "sk-SK",
    "sr-RS",
    "uk-UA",
    "yue-HK",
    "no-NO",
];

/// A new agent before it is stored: the store gives it its `desk_id`.
#[derive(Debug, Clone)]
pub struct NewAgent {
    pub agent: Agent,
    pub team_ids: Vec<Uuid>,
}

impl NewAgent {
    /// Builds a validated agent. A user agent without a `user_id` becomes its own user.
    pub fn build(
        workspace_id: Uuid,
        kind: AgentType,
        user_id: Option<Uuid>,
        changes: AgentChanges,
        team_ids: Vec<Uuid>,
        now: Timestamp,
    ) -> Result<Self, Invalid> {
        if changes.name.is_none() {
            return Err(Invalid::new("name", "is required"));
        }
        changes.validate()?;
        let user_id = match kind {
            AgentType::User => Some(user_id.unwrap_or_else(Uuid::new_v4)),
            AgentType::Bot => user_id,
        };
        let mut agent = Agent {
            id: crate::new_id(),
            workspace_id,
            desk_id: 0,
            kind,
            user_id,
            username: None,
            name: String::new(),
            account: Account::Enabled,
            availability: Availability::new(now),
            work: Work::Idle,
            capacity_rule_id: None,
            last_assigned_at: None,
            assigned_count: 0,
            profile: Profile::default(),
            created_at: now,
            updated_at: now,
        };
        changes.apply(&mut agent);
        // A name given at creation is the agent's own, not an override of its user's name.
        agent.profile.override_name = false;
        Ok(Self {
            agent,
            team_ids: dedup(team_ids),
        })
    }
}

/// Removes repeated ids, keeping the first of each.
pub fn dedup(ids: Vec<Uuid>) -> Vec<Uuid> {
    let mut seen = std::collections::HashSet::new();
    ids.into_iter().filter(|id| seen.insert(*id)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn changes_named(name: &str) -> AgentChanges {
        AgentChanges {
            name: Some(name.into()),
            ..Default::default()
        }
    }

    #[test]
    fn names_are_one_to_fifty_characters() {
        assert!(changes_named("").validate().is_err());
        assert!(changes_named(&"é".repeat(50)).validate().is_ok());
        assert!(changes_named(&"a".repeat(51)).validate().is_err());
    }

    #[test]
    fn schedules_and_holidays_are_checked() {
        let hours = |from: u8, to: u8| WorkingHours {
            from: TimeOfDay {
                hour: from,
                minute: 0,
            },
            to: TimeOfDay {
                hour: to,
                minute: 0,
            },
        };
        let mut schedule = WeeklySchedule {
            monday: Some(hours(9, 17)),
            ..Default::default()
        };
        assert!(schedule.validate().is_ok());
        schedule.friday = Some(hours(17, 9));
        assert!(schedule.validate().is_err());
        let leap = Holiday {
            name: "Leap".into(),
            day: 29,
            month: 2,
        };
        assert!(leap.validate(0).is_ok());
        assert!(
            Holiday {
                day: 31,
                month: 4,
                ..leap
            }
            .validate(0)
            .is_err()
        );
    }

    #[test]
    fn a_user_agent_without_a_user_becomes_its_own_user() {
        let now = Timestamp::from_millis(0);
        let built = NewAgent::build(
            Uuid::nil(),
            AgentType::User,
            None,
            changes_named("Ada"),
            vec![],
            now,
        )
        .unwrap();
        assert!(built.agent.user_id.is_some());
        assert!(!built.agent.profile.override_name);
    }
}
