//! Conversations: the unit of work that queues offer and agents answer (Sendbird calls them
//! tickets). This module holds what a conversation is and how it is created and closed; routing
//! (offers and assignment) builds on the same record.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{Invalid, Timestamp, Uuid, validate};

pub const SUBJECT_MAX: usize = 998;
pub const CONTACT_POINT_MAX: usize = 320;
pub const EXTERNAL_ID_MAX: usize = 255;
pub const PRIORITY_MAX: i64 = 100;
pub const TAGS_MAX: usize = 50;

/// Where a conversation stands. Pending → offered → assigned → wrap-up → closed, or abandoned
/// when the customer leaves before an agent takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Pending,
    Offered,
    Assigned,
    WrapUp,
    Closed,
    Abandoned,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Self::Pending,
        Self::Offered,
        Self::Assigned,
        Self::WrapUp,
        Self::Closed,
        Self::Abandoned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Offered => "offered",
            Self::Assigned => "assigned",
            Self::WrapUp => "wrapUp",
            Self::Closed => "closed",
            Self::Abandoned => "abandoned",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Still work to do: neither closed nor abandoned.
    pub fn is_open(self) -> bool {
        !matches!(self, Self::Closed | Self::Abandoned)
    }
}

/// What a conversation takes of an agent, as capacity rules count it. Voice takes the whole
/// agent; messaging and e-mail count against the agent's capacity for that medium.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Media {
    Voice,
    Messaging,
    Email,
}

impl Media {
    pub const ALL: [Media; 3] = [Self::Voice, Self::Messaging, Self::Email];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Voice => "voice",
            Self::Messaging => "messaging",
            Self::Email => "email",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == text)
    }

    /// The channel a conversation of this media has when none is named.
    pub fn default_channel(self) -> Channel {
        match self {
            Self::Voice => Channel::PstnPhone,
            Self::Messaging => Channel::WidgetChat,
            Self::Email => Channel::Email,
        }
    }
}

/// The channel a conversation came through, with Dixa's names (the finest of the vendors).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    PstnPhone,
    Callback,
    Voicemail,
    WidgetChat,
    WhatsApp,
    Sms,
    FacebookMessenger,
    Messenger,
    Twitter,
    Email,
    ContactForm,
}

impl Channel {
    pub const ALL: [Channel; 11] = [
        Self::PstnPhone,
        Self::Callback,
        Self::Voicemail,
        Self::WidgetChat,
        Self::WhatsApp,
        Self::Sms,
        Self::FacebookMessenger,
        Self::Messenger,
        Self::Twitter,
        Self::Email,
        Self::ContactForm,
    ];

    /// Dixa's name, e.g. `WidgetChat`; also what the store keeps.
    pub fn dixa_name(self) -> &'static str {
        match self {
            Self::PstnPhone => "PstnPhone",
            Self::Callback => "Callback",
            Self::Voicemail => "Voicemail",
            Self::WidgetChat => "WidgetChat",
            Self::WhatsApp => "WhatsApp",
            Self::Sms => "Sms",
            Self::FacebookMessenger => "FacebookMessenger",
            Self::Messenger => "Messenger",
            Self::Twitter => "Twitter",
            Self::Email => "Email",
            Self::ContactForm => "ContactForm",
        }
    }

    pub fn from_dixa(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.dixa_name() == text)
    }

    /// The native name: Dixa's in lowerCamel case, e.g. `widgetChat`.
    pub fn name(self) -> String {
        let dixa = self.dixa_name();
        dixa[..1].to_lowercase() + &dixa[1..]
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.name() == text)
    }

    pub fn media(self) -> Media {
        match self {
            Self::PstnPhone | Self::Callback | Self::Voicemail => Media::Voice,
            Self::Email | Self::ContactForm => Media::Email,
            _ => Media::Messaging,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    Inbound,
    Outbound,
    Internal,
}

impl Direction {
    pub const ALL: [Direction; 3] = [Self::Inbound, Self::Outbound, Self::Internal];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Inbound => "inbound",
            Self::Outbound => "outbound",
            Self::Internal => "internal",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == text)
    }
}

/// What a conversation carries beyond its columns, kept as one JSON document. Custom attribute
/// values are personal data: anonymization clears them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Details {
    pub custom_attributes: BTreeMap<Uuid, serde_json::Value>,
    /// Routing offers it only to agents with one of the values of every skill here…
    pub required_skills: Vec<RequiredSkill>,
    /// …and every one of these tags,
    pub required_tag_ids: Vec<Uuid>,
    /// and holds it first for this agent (the queue's preferred-agent timeout).
    pub preferred_agent_id: Option<Uuid>,
}

/// A skill a conversation needs, with the values that will do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequiredSkill {
    pub skill_id: Uuid,
    pub value_ids: Vec<Uuid>,
}

pub const REQUIRED_SKILLS_MAX: usize = 20;

#[derive(Debug, Clone, PartialEq)]
pub struct Conversation {
    pub id: Uuid,
    /// The server-wide integer id (Dixa's `csid`), given when the conversation is stored.
    pub number: i64,
    pub workspace_id: Uuid,
    pub channel: Channel,
    pub direction: Direction,
    pub status: Status,
    pub status_updated_at: Timestamp,
    pub end_user_id: Option<Uuid>,
    pub queue_id: Option<Uuid>,
    /// Routed to this team's members instead of the queue's (the queue's settings still apply).
    pub team_id: Option<Uuid>,
    /// Routed to this one agent only (a personal conversation); its queue takes it over after
    /// the queue's personal-agent-offline timeout.
    pub target_agent_id: Option<Uuid>,
    pub queued_at: Option<Timestamp>,
    pub assignee_id: Option<Uuid>,
    pub assigned_at: Option<Timestamp>,
    /// 0..100; higher is more urgent.
    pub priority: i64,
    pub subject: Option<String>,
    /// The address the end user wrote or called from.
    pub contact_point: Option<String>,
    pub external_id: Option<String>,
    pub details: Details,
    pub tag_ids: Vec<Uuid>,
    /// While in wrap-up: when it ends.
    pub wrap_up_until: Option<Timestamp>,
    pub closed_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// What a new conversation is made from. `media` or `channel` must be given; when both are,
/// they must agree.
#[derive(Debug, Clone, Default)]
pub struct NewConversation {
    pub media: Option<Media>,
    pub channel: Option<Channel>,
    pub direction: Option<Direction>,
    pub end_user_id: Option<Uuid>,
    pub queue_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    pub target_agent_id: Option<Uuid>,
    pub priority: Option<i64>,
    pub subject: Option<String>,
    pub contact_point: Option<String>,
    pub external_id: Option<String>,
    pub tag_ids: Vec<Uuid>,
    pub required_skills: Vec<RequiredSkill>,
    pub required_tag_ids: Vec<Uuid>,
    pub preferred_agent_id: Option<Uuid>,
}

impl NewConversation {
    /// A pending conversation, waiting to be routed from `now` when it names a queue, team or
    /// agent.
    pub fn build(self, workspace_id: Uuid, now: Timestamp) -> Result<Conversation, Invalid> {
        let channel = self.channel()?;
        let routed = self.routed();
        let priority = self.priority.unwrap_or(0);
        validate::range("priority", priority, 0, PRIORITY_MAX)?;
        let subject = trimmed(self.subject);
        validate::optional_text("subject", subject.as_deref(), SUBJECT_MAX)?;
        let contact_point = trimmed(self.contact_point);
        validate::optional_text("contactPoint", contact_point.as_deref(), CONTACT_POINT_MAX)?;
        let external_id = trimmed(self.external_id);
        validate::optional_text("externalId", external_id.as_deref(), EXTERNAL_ID_MAX)?;
        let tag_ids = crate::agent::dedup(self.tag_ids);
        if tag_ids.len() > TAGS_MAX {
            return Err(Invalid::new("tagIds", format!("at most {TAGS_MAX} tags")));
        }
        let required_tag_ids = crate::agent::dedup(self.required_tag_ids);
        if required_tag_ids.len() > TAGS_MAX {
            let message = format!("at most {TAGS_MAX} tags");
            return Err(Invalid::new("requiredTagIds", message));
        }
        if self.required_skills.len() > REQUIRED_SKILLS_MAX {
            let message = format!("at most {REQUIRED_SKILLS_MAX} skills");
            return Err(Invalid::new("requiredSkills", message));
        }
        if let Some(skill) = self.required_skills.iter().find(|s| s.value_ids.is_empty()) {
            let message = format!("skill {} needs at least one value", skill.skill_id);
            return Err(Invalid::new("requiredSkills", message));
        }
        let details = Details {
            required_skills: self.required_skills,
            required_tag_ids,
            preferred_agent_id: self.preferred_agent_id,
            ..Details::default()
        };
        Ok(Conversation {
            id: crate::new_id(),
            number: 0,
            workspace_id,
            channel,
            direction: self.direction.unwrap_or(Direction::Inbound),
            status: Status::Pending,
            status_updated_at: now,
            end_user_id: self.end_user_id,
            queue_id: self.queue_id,
            team_id: self.team_id,
            target_agent_id: self.target_agent_id,
            queued_at: routed.then_some(now),
            assignee_id: None,
            assigned_at: None,
            priority,
            subject,
            contact_point,
            external_id,
            details,
            tag_ids,
            wrap_up_until: None,
            closed_at: None,
            created_at: now,
            updated_at: now,
        })
    }

    /// Whether routing takes it: it names a queue, a team or an agent.
    fn routed(&self) -> bool {
        self.queue_id.is_some() || self.team_id.is_some() || self.target_agent_id.is_some()
    }

    fn channel(&self) -> Result<Channel, Invalid> {
        match (self.media, self.channel) {
            (None, None) => Err(Invalid::new(
                "channel",
                "is required: voice, messaging or email",
            )),
            (Some(media), None) => Ok(media.default_channel()),
            (None, Some(channel)) => Ok(channel),
            (Some(media), Some(channel)) if channel.media() == media => Ok(channel),
            (Some(media), Some(channel)) => Err(Invalid::new(
                "source",
                format!("{} is not a {} channel", channel.name(), media.as_str()),
            )),
        }
    }
}

fn trimmed(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

impl Conversation {
    /// Ends the conversation. Closing one that is already over is refused, so that a second
    /// close cannot move its closing time.
    pub fn close(&mut self, now: Timestamp) -> Result<(), Invalid> {
        if !self.status.is_open() {
            return Err(Invalid::new(
                "status",
                format!("the conversation is already {}", self.status.as_str()),
            ));
        }
        self.status = Status::Closed;
        self.status_updated_at = now;
        self.closed_at = Some(now);
        self.updated_at = now;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(media: Option<Media>, channel: Option<Channel>) -> NewConversation {
        NewConversation {
            media,
            channel,
            ..Default::default()
        }
    }

    #[test]
    fn channel_names_round_trip() {
        for channel in Channel::ALL {
            assert_eq!(Channel::parse(&channel.name()), Some(channel));
            assert_eq!(Channel::from_dixa(channel.dixa_name()), Some(channel));
        }
        assert_eq!(Channel::WidgetChat.name(), "widgetChat");
        for status in Status::ALL {
            assert_eq!(Status::parse(status.as_str()), Some(status));
        }
    }

    #[test]
    fn media_and_channel_must_agree() {
        let now = Timestamp::from_millis(1_000);
        let ws = Uuid::nil();
        let voice = new(Some(Media::Voice), None).build(ws, now).unwrap();
        assert_eq!(voice.channel, Channel::PstnPhone);
        let sms = new(None, Some(Channel::Sms)).build(ws, now).unwrap();
        assert_eq!(sms.channel.media(), Media::Messaging);
        assert!(
            new(Some(Media::Email), Some(Channel::Sms))
                .build(ws, now)
                .is_err()
        );
        assert!(new(None, None).build(ws, now).is_err());
    }

    #[test]
    fn a_new_conversation_is_pending_and_waits_in_its_queue() {
        let now = Timestamp::from_millis(5_000);
        let mut conversation = NewConversation {
            media: Some(Media::Messaging),
            queue_id: Some(Uuid::nil()),
            subject: Some("  Where is my parcel?  ".into()),
            ..Default::default()
        }
        .build(Uuid::nil(), now)
        .unwrap();
        assert_eq!(conversation.status, Status::Pending);
        assert_eq!(conversation.queued_at, Some(now));
        assert_eq!(conversation.subject.as_deref(), Some("Where is my parcel?"));
        let later = Timestamp::from_millis(9_000);
        conversation.close(later).unwrap();
        assert_eq!(conversation.status, Status::Closed);
        assert_eq!(conversation.closed_at, Some(later));
        assert!(conversation.close(later).is_err(), "closed only once");
    }

    #[test]
    fn priority_is_bounded() {
        let mut new = new(Some(Media::Voice), None);
        new.priority = Some(101);
        assert!(new.build(Uuid::nil(), Timestamp::from_millis(0)).is_err());
    }
}
