//! The unified agent state (shared/spec/seed-apis.md §5.2): account, presence with an activity,
//! and work. Every surface reads and writes these through its own names; the mapping between
//! the names lives here, in one place.
//!
//! Invariant: an activity with a TTL returns to `available` when it runs out. The stored state
//! may lag (a sweeper persists expiries), so readers always look through [`Availability::at`].

use serde::{Deserialize, Serialize};

use crate::{Invalid, Timestamp, validate};

/// The activity every agent returns to; the only one that lets an agent take new work.
pub const AVAILABLE: &str = "available";

pub const ACTIVITY_TTL_MIN: i64 = 10;
pub const ACTIVITY_TTL_MAX: i64 = 86_400;
pub const ACTIVITY_TEXT_MAX: usize = 48;

/// Whether the account may work at all (Sendbird `status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Account {
    Enabled,
    Disabled,
    /// Bots only: kept but not routed to.
    Paused,
}

/// What the person chose to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    Available,
    Away,
    Offline,
}

/// What the system knows the agent is doing; set by routing only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Work {
    Idle,
    Offered,
    Engaged,
    WrapUp,
}

macro_rules! str_enum {
    ($ty:ty { $($variant:ident = $text:literal),+ $(,)? }) => {
        impl $ty {
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }
            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some(Self::$variant),)+ _ => None }
            }
        }
    };
}
str_enum!(Account { Enabled = "enabled", Disabled = "disabled", Paused = "paused" });
str_enum!(Presence { Available = "available", Away = "away", Offline = "offline" });
str_enum!(Work { Idle = "idle", Offered = "offered", Engaged = "engaged", WrapUp = "wrap_up" });

/// Bird's `AgentStatus` (`active | away | offline`; shared/spec/decisions.md).
pub mod bird {
    use super::Presence;

    pub fn status(presence: Presence) -> &'static str {
        match presence {
            Presence::Available => "active",
            Presence::Away => "away",
            Presence::Offline => "offline",
        }
    }

    pub fn presence(status: &str) -> Option<Presence> {
        match status {
            "active" => Some(Presence::Available),
            "away" => Some(Presence::Away),
            "offline" => Some(Presence::Offline),
            _ => None,
        }
    }
}

/// Whether the agent counts as connected: an enabled account whose person is not offline
/// (seed-apis.md §5.2, "derived connection"). Disabled accounts, and paused bots, read as
/// offline on every surface that shows a connection.
pub fn connected(account: Account, presence: Presence) -> bool {
    account == Account::Enabled && presence != Presence::Offline
}

/// Dixa's `UserPresence` (`connectionStatus` and `presenceStatus`; seed-apis.md §5.2 read
/// mapping).
pub mod dixa {
    use super::{Account, Availability, connected};
    use crate::Timestamp;

    /// The two status fields of a Dixa `UserPresence`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct UserPresence {
        /// `Online` or `Offline`.
        pub connection_status: &'static str,
        /// `Working` or `Away`; none while offline.
        pub presence_status: Option<&'static str>,
    }

    pub const ONLINE: &str = "Online";
    pub const OFFLINE: &str = "Offline";
    pub const WORKING: &str = "Working";
    pub const AWAY: &str = "Away";

    /// The presence of an agent as it stands at `now` (an expired activity is `available`
    /// again). Online agents are `Working` only when they take new work: away, or available
    /// with any other activity, reads as `Away`.
    pub fn presence(account: Account, availability: &Availability, now: Timestamp) -> UserPresence {
        if !connected(account, availability.presence) {
            return UserPresence {
                connection_status: OFFLINE,
                presence_status: None,
            };
        }
        let status = if availability.takes_work(now) {
            WORKING
        } else {
            AWAY
        };
        UserPresence {
            connection_status: ONLINE,
            presence_status: Some(status),
        }
    }
}

/// VoIPBIN's agent `status` (seed-apis.md §5.2 read mapping): presence and work in one word.
/// An agent being offered work is `ringing`; one holding work, or wrapping it up (VoIPBIN has
/// no wrap-up), is `busy`.
pub mod voipbin {
    use super::{Account, Availability, Work, connected};
    use crate::Timestamp;

    pub fn status(
        account: Account,
        availability: &Availability,
        work: Work,
        now: Timestamp,
    ) -> &'static str {
        if !connected(account, availability.presence) {
            return "offline";
        }
        if !availability.takes_work(now) {
            return "away";
        }
        match work {
            Work::Idle => "available",
            Work::Offered => "ringing",
            Work::Engaged | Work::WrapUp => "busy",
        }
    }
}

/// The presence half of the state, with the activity and the moments it changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Availability {
    pub presence: Presence,
    pub activity: String,
    pub activity_text: Option<String>,
    pub activity_ttl: Option<i64>,
    pub activity_expires_at: Option<Timestamp>,
    pub last_status_set: Timestamp,
    pub last_activity_set: Timestamp,
    pub updated_at: Timestamp,
    pub status_before_offline: Option<Presence>,
    pub last_set_to_away_at: Option<Timestamp>,
}

/// A requested change of availability, already parsed from a surface.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AvailabilityChange {
    pub presence: Option<Presence>,
    pub activity: Option<String>,
    pub activity_ttl: Option<i64>,
    pub activity_text: Option<String>,
}

impl AvailabilityChange {
    /// Checks the limits of the Bird document (ttl 10..86400, text <= 48, lowerCamel activity).
    pub fn validate(&self) -> Result<(), Invalid> {
        if let Some(activity) = &self.activity {
            validate::lower_camel("activity", activity, ACTIVITY_TEXT_MAX)?;
        }
        if let Some(ttl) = self.activity_ttl {
            validate::range("activityTtl", ttl, ACTIVITY_TTL_MIN, ACTIVITY_TTL_MAX)?;
        }
        validate::optional_text(
            "activityText",
            self.activity_text.as_deref(),
            ACTIVITY_TEXT_MAX,
        )
    }
}

impl Availability {
    /// A new agent starts offline: it takes no work until it signs in.
    pub fn new(now: Timestamp) -> Self {
        Self {
            presence: Presence::Offline,
            activity: AVAILABLE.to_owned(),
            activity_text: None,
            activity_ttl: None,
            activity_expires_at: None,
            last_status_set: now,
            last_activity_set: now,
            updated_at: now,
            status_before_offline: None,
            last_set_to_away_at: None,
        }
    }

    /// The state as it stands at `now`: an activity whose TTL ran out is back to `available`,
    /// as if the change had been made at the moment it expired.
    pub fn at(&self, now: Timestamp) -> Self {
        match self.activity_expires_at {
            Some(expiry) if expiry <= now => Self {
                activity: AVAILABLE.to_owned(),
                activity_text: None,
                activity_ttl: None,
                activity_expires_at: None,
                last_activity_set: expiry,
                updated_at: self.updated_at.max(expiry),
                ..self.clone()
            },
            _ => self.clone(),
        }
    }

    /// Applies a validated change at `now`.
    pub fn apply(&self, change: &AvailabilityChange, now: Timestamp) -> Result<Self, Invalid> {
        change.validate()?;
        let mut next = self.at(now);
        if let Some(presence) = change.presence {
            next.set_presence(presence, now);
        }
        if let Some(activity) = &change.activity {
            next.activity = activity.clone();
            next.activity_text = change.activity_text.clone();
            next.last_activity_set = now;
            let ttl = change.activity_ttl.filter(|_| activity != AVAILABLE);
            next.activity_ttl = ttl;
            next.activity_expires_at = ttl.map(|seconds| now.plus_seconds(seconds));
        } else if change.activity_text.is_some() || change.activity_ttl.is_some() {
            return Err(Invalid::new(
                "activity",
                "activityTtl and activityText need the activity they describe",
            ));
        }
        next.updated_at = now;
        Ok(next)
    }

    fn set_presence(&mut self, presence: Presence, now: Timestamp) {
        if presence == self.presence {
            return;
        }
        if presence == Presence::Offline {
            self.status_before_offline = Some(self.presence);
        }
        if presence == Presence::Away {
            self.last_set_to_away_at = Some(now);
        }
        self.presence = presence;
        self.last_status_set = now;
    }

    /// Whether presence and activity let the agent take new work.
    pub fn takes_work(&self, now: Timestamp) -> bool {
        let current = self.at(now);
        current.presence == Presence::Available && current.activity == AVAILABLE
    }

    /// The latest moment status or activity changed (Bird's `lastStatusActivity` filters).
    pub fn last_status_activity(&self) -> Timestamp {
        self.last_status_set.max(self.last_activity_set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_millis(seconds * 1000)
    }

    fn change(presence: Presence) -> AvailabilityChange {
        AvailabilityChange {
            presence: Some(presence),
            ..Default::default()
        }
    }

    #[test]
    fn activity_returns_to_available_when_its_ttl_runs_out() {
        let busy = AvailabilityChange {
            presence: Some(Presence::Available),
            activity: Some("inMeeting".into()),
            activity_ttl: Some(60),
            activity_text: Some("standup".into()),
        };
        let state = Availability::new(at(0)).apply(&busy, at(100)).unwrap();
        assert!(!state.takes_work(at(159)));
        let later = state.at(at(200));
        assert_eq!(later.activity, AVAILABLE);
        assert_eq!(later.last_activity_set, at(160));
        assert_eq!(later.activity_text, None);
        assert!(state.takes_work(at(160)));
    }

    #[test]
    fn voipbin_shows_presence_and_work_in_one_word() {
        let online = Availability::new(at(0))
            .apply(&change(Presence::Available), at(1))
            .unwrap();
        let status = |account, availability: &Availability, work| {
            voipbin::status(account, availability, work, at(2))
        };
        assert_eq!(status(Account::Enabled, &online, Work::Idle), "available");
        assert_eq!(status(Account::Enabled, &online, Work::Offered), "ringing");
        assert_eq!(status(Account::Enabled, &online, Work::Engaged), "busy");
        assert_eq!(status(Account::Enabled, &online, Work::WrapUp), "busy");
        assert_eq!(status(Account::Disabled, &online, Work::Engaged), "offline");
        let in_meeting = AvailabilityChange {
            activity: Some("inMeeting".into()),
            ..Default::default()
        };
        let meeting = online.apply(&in_meeting, at(1)).unwrap();
        assert_eq!(status(Account::Enabled, &meeting, Work::Engaged), "away");
        let away = online.apply(&change(Presence::Away), at(1)).unwrap();
        assert_eq!(status(Account::Enabled, &away, Work::Offered), "away");
        let offline = online.apply(&change(Presence::Offline), at(1)).unwrap();
        assert_eq!(status(Account::Enabled, &offline, Work::Idle), "offline");
    }

    #[test]
    fn offline_remembers_the_status_before_and_away_its_time() {
        let state = Availability::new(at(0));
        let active = state.apply(&change(Presence::Available), at(1)).unwrap();
        let away = active.apply(&change(Presence::Away), at(2)).unwrap();
        assert_eq!(away.last_set_to_away_at, Some(at(2)));
        let offline = away.apply(&change(Presence::Offline), at(3)).unwrap();
        assert_eq!(offline.status_before_offline, Some(Presence::Away));
        assert_eq!(offline.last_status_set, at(3));
    }

    #[test]
    fn limits_are_enforced() {
        let state = Availability::new(at(0));
        let too_short = AvailabilityChange {
            activity: Some("x".into()),
            activity_ttl: Some(9),
            ..change(Presence::Available)
        };
        assert!(state.apply(&too_short, at(1)).is_err());
        let long_text = AvailabilityChange {
            activity: Some("x".into()),
            activity_text: Some("a".repeat(49)),
            ..Default::default()
        };
        assert!(state.apply(&long_text, at(1)).is_err());
        let bad_token = AvailabilityChange {
            activity: Some("In Meeting".into()),
            ..Default::default()
        };
        assert!(state.apply(&bad_token, at(1)).is_err());
    }

    mod dixa_presence {
        use super::*;
        use crate::availability::dixa::{self, UserPresence};

        fn online(status: &'static str) -> UserPresence {
            UserPresence {
                connection_status: dixa::ONLINE,
                presence_status: Some(status),
            }
        }

        const OFFLINE: UserPresence = UserPresence {
            connection_status: dixa::OFFLINE,
            presence_status: None,
        };

        fn state(presence: Presence, activity: Option<&str>, ttl: Option<i64>) -> Availability {
            let change = AvailabilityChange {
                presence: Some(presence),
                activity: activity.map(str::to_owned),
                activity_ttl: ttl,
                activity_text: None,
            };
            Availability::new(at(0)).apply(&change, at(100)).unwrap()
        }

        #[test]
        fn an_offline_agent_is_offline_without_a_presence_status() {
            let offline = state(Presence::Offline, None, None);
            assert_eq!(dixa::presence(Account::Enabled, &offline, at(200)), OFFLINE);
            let busy_offline = state(Presence::Offline, Some("inMeeting"), None);
            assert_eq!(
                dixa::presence(Account::Enabled, &busy_offline, at(200)),
                OFFLINE
            );
        }

        #[test]
        fn a_disabled_or_paused_account_is_offline_whatever_its_presence() {
            let available = state(Presence::Available, None, None);
            for account in [Account::Disabled, Account::Paused] {
                assert_eq!(dixa::presence(account, &available, at(200)), OFFLINE);
            }
        }

        #[test]
        fn away_is_online_and_away_with_any_activity() {
            let away = state(Presence::Away, None, None);
            assert_eq!(
                dixa::presence(Account::Enabled, &away, at(200)),
                online("Away")
            );
            let away_busy = state(Presence::Away, Some("lunch"), None);
            assert_eq!(
                dixa::presence(Account::Enabled, &away_busy, at(200)),
                online("Away")
            );
        }

        #[test]
        fn available_works_only_with_the_available_activity() {
            let working = state(Presence::Available, None, None);
            assert_eq!(
                dixa::presence(Account::Enabled, &working, at(200)),
                online("Working")
            );
            let explicit = state(Presence::Available, Some(AVAILABLE), None);
            assert_eq!(
                dixa::presence(Account::Enabled, &explicit, at(200)),
                online("Working")
            );
            let meeting = state(Presence::Available, Some("inMeeting"), None);
            assert_eq!(
                dixa::presence(Account::Enabled, &meeting, at(200)),
                online("Away")
            );
        }

        #[test]
        fn an_activity_reads_as_away_until_its_ttl_runs_out_then_as_working() {
            // Set at 100 s for 60 s: away until 160 s, working from then on, even though the
            // stored state still names the activity (the sweeper has not run).
            let meeting = state(Presence::Available, Some("inMeeting"), Some(60));
            assert_eq!(
                dixa::presence(Account::Enabled, &meeting, at(159)),
                online("Away")
            );
            assert_eq!(
                dixa::presence(Account::Enabled, &meeting, at(160)),
                online("Working")
            );
            assert_eq!(meeting.activity, "inMeeting");
        }

        #[test]
        fn connected_needs_an_enabled_account_and_a_presence_other_than_offline() {
            assert!(connected(Account::Enabled, Presence::Available));
            assert!(connected(Account::Enabled, Presence::Away));
            assert!(!connected(Account::Enabled, Presence::Offline));
            assert!(!connected(Account::Disabled, Presence::Available));
            assert!(!connected(Account::Paused, Presence::Away));
        }
    }
}
