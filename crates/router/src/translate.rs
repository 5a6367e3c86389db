//! What the engine is told of the stored state: agents, queues and conversations as its inputs.

use domain::agent::Agent;
use domain::availability::{Account, Presence};
use domain::conversation::{Conversation, Status};
use domain::queue::{Queue, QueueMember};
use domain::{Timestamp, Uuid};
use routing::{
    AgentInput, Capacity, ConversationInput, MediaMap, QueueInput, RestoredState, Target,
    Thresholds,
};
use store::{AgentDetails, Offer};

/// Whether the agent takes new work at `now`: an enabled account, available, with no other
/// activity running.
pub fn accepts_work(agent: &Agent, now: Timestamp) -> bool {
    agent.account == Account::Enabled
        && agent.availability.presence == Presence::Available
        && agent.availability.takes_work(now)
}

/// The engine's view of an agent; its schedule and holidays count where the workspace
/// enforces schedules.
pub fn agent(details: &AgentDetails, enforce_schedules: bool, now: Timestamp) -> AgentInput {
    let agent = &details.agent;
    let profile = &agent.profile;
    let count = |channel: &str| {
        let n = details
            .capacity
            .rule
            .capacity
            .get(channel)
            .copied()
            .unwrap_or(0);
        u32::try_from(n).unwrap_or(0)
    };
    AgentInput {
        id: agent.id,
        accepts_work: accepts_work(agent, now),
        within_schedule: !enforce_schedules
            || domain::schedule::on_duty(
                profile.weekly_schedule.as_ref(),
                &profile.holidays,
                profile.timezone.as_deref(),
                now,
            ),
        capacity: Capacity {
            messaging: count("messaging"),
            email: count("email"),
        },
        skills: agent
            .profile
            .assigned_skills
            .iter()
            .flat_map(|s| s.value_ids.iter().map(move |v| (s.skill_id, *v)))
            .collect(),
        tags: agent.profile.tag_ids.clone(),
        teams: details.teams.iter().map(|t| t.id).collect(),
        idle_since: agent.last_assigned_at.unwrap_or(agent.created_at),
    }
}

fn seconds(value: Option<i64>) -> Option<u32> {
    value.and_then(|v| u32::try_from(v).ok())
}

/// The longest of the per-channel times that fall to each media (Dixa keys them by channel).
fn per_media(times: &domain::queue::Settings) -> MediaMap<u32> {
    let mut map = MediaMap::default();
    for (channel, secs) in times {
        let Some(channel) = domain::conversation::Channel::from_dixa(channel) else {
            continue;
        };
        let secs = u32::try_from(*secs).unwrap_or(0);
        let slot: &mut u32 = match channel.media() {
            domain::conversation::Media::Voice => &mut map.voice,
            domain::conversation::Media::Messaging => &mut map.messaging,
            domain::conversation::Media::Email => &mut map.email,
        };
        *slot = (*slot).max(secs);
    }
    map
}

pub fn queue(queue: &Queue, members: &[QueueMember]) -> QueueInput {
    let settings = &queue.settings;
    let threshold = |name: &str| {
        settings
            .queue_thresholds
            .get(name)
            .and_then(|v| u32::try_from(*v).ok())
    };
    let preferred = settings.is_preferred_agent_enabled.unwrap_or(false);
    QueueInput {
        id: queue.id,
        priority: queue.priority,
        algorithm: queue.offer_algorithm,
        offer_timeout: seconds(settings.offer_timeout),
        wrap_up_timeout: seconds(settings.wrapup_timeout),
        do_not_offer: settings
            .is_do_not_offer_enabled
            .then(|| per_media(&settings.do_not_offer_timeouts)),
        preferred_agent_timeout: preferred.then(|| per_media(&settings.preferred_agent_timeouts)),
        preferred_agent_offline_timeout: seconds(settings.preferred_agent_offline_timeout)
            .filter(|_| preferred),
        personal_agent_offline_timeout: seconds(settings.personal_agent_offline_timeout),
        offer_abandoned_conversations: settings.offer_abandoned_conversations.unwrap_or(false),
        members: members
            .iter()
            .map(|m| (m.agent_id, m.priority.and_then(|p| u32::try_from(p).ok())))
            .collect(),
        thresholds: Thresholds {
            waiting_conversations: threshold("WaitingConversations"),
            longest_wait: threshold("LongestWait"),
            available_agents: threshold("AvailableAgents"),
        },
    }
}

/// The engine's view of a conversation, when it is routed at all (it names a queue, a team or
/// an agent; the narrowest is where it waits).
pub fn conversation(conversation: &Conversation) -> Option<ConversationInput> {
    let target = match (
        conversation.target_agent_id,
        conversation.team_id,
        conversation.queue_id,
    ) {
        (Some(agent), _, _) => Target::Agent(agent),
        (None, Some(team), _) => Target::Team(team),
        (None, None, Some(queue)) => Target::Queue(queue),
        (None, None, None) => return None,
    };
    Some(ConversationInput {
        id: conversation.id,
        target,
        queue: conversation.queue_id,
        media: conversation.channel.media(),
        priority: u8::try_from(conversation.priority).unwrap_or(100),
        created_at: conversation.created_at,
        required_skills: conversation
            .details
            .required_skills
            .iter()
            .map(|s| (s.skill_id, s.value_ids.clone()))
            .collect(),
        required_tags: conversation.details.required_tag_ids.clone(),
        preferred_agent: conversation.details.preferred_agent_id,
    })
}

/// Where a stored conversation stands, for restoring it into a new engine. `changed_status_at`
/// tells when an agent last changed presence or activity: a conversation waiting for that agent
/// alone has waited for it to take work since then at the latest.
pub fn restored_state(
    conversation: &Conversation,
    offers: &[Offer],
    changed_status_at: impl Fn(Uuid) -> Option<Timestamp>,
) -> RestoredState {
    match (conversation.status, conversation.assignee_id) {
        (Status::Assigned, Some(agent)) => RestoredState::Assigned { agent },
        (Status::WrapUp, Some(agent)) => RestoredState::WrapUp {
            agent,
            until: conversation
                .wrap_up_until
                .unwrap_or(conversation.updated_at),
        },
        _ => {
            let mine: Vec<&Offer> = offers
                .iter()
                .filter(|o| o.conversation_id == conversation.id)
                .collect();
            match mine.first() {
                None => RestoredState::Pending {
                    since: conversation
                        .target_agent_id
                        .and_then(changed_status_at)
                        .map_or(conversation.status_updated_at, |at| {
                            at.max(conversation.status_updated_at)
                        }),
                },
                Some(first) => RestoredState::Offered {
                    agents: mine.iter().map(|o| o.agent_id).collect(),
                    expires_at: Some(first.expires_at),
                },
            }
        }
    }
}
