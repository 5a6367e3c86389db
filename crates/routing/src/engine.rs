//! The engine's state and the handling of each command.

use std::collections::BTreeSet;

use domain::conversation::{Media, Status};
use domain::queue::OfferAlgorithm;
use domain::{Timestamp, Uuid};

use crate::decision::{CancelReason, Decision, Load, Rejection, Work};
use crate::id_map::IdMap;
use crate::index::{
    AgentIdx, Class, ClassIdx, ConvIdx, FastMap, FreeKey, Interner, OrderKey, Pool, PoolIdx,
    media_index,
};
use crate::input::{
    AgentInput, Capacity, Command, ConversationInput, MediaMap, QueueInput, RestoredState, Target,
};
use crate::rng::SplitMix64;
use crate::timers::{Timer, TimerKind};

/// Offer timeout of conversations that have no queue (team or agent targets without one).
pub const DEFAULT_OFFER_TIMEOUT: u32 = 10;
/// Member tier of members without one: after every tiered member.
pub const UNTIERED: u32 = u32::MAX;

pub(crate) struct Agent {
    pub id: Uuid,
    pub accepts_work: bool,
    pub within_schedule: bool,
    pub capacity: Capacity,
    pub skills: Vec<u32>,
    pub tags: Vec<u32>,
    pub teams: Vec<Uuid>,
    pub idle_since: Timestamp,
    /// Re-drawn at every offer; orders the random algorithms.
    pub rand_tag: u64,
    /// The queues and teams the agent takes work from, with its tier there.
    pub pools: Vec<(PoolIdx, u32)>,
    /// The pool of conversations waiting for this agent only. Kept apart from `pools`: it has
    /// no free-member sets and no thresholds, so indexing the agent never has to read it.
    pub own_pool: PoolIdx,
    pub offers: Vec<ConvIdx>,
    pub assigned: Vec<ConvIdx>,
    pub wrap_ups: Vec<ConvIdx>,
    /// Offers and assigned conversations per media.
    pub load: [u32; 3],
    pub reported: Option<(Work, [u32; 3])>,
    pub dirty: bool,
    pub touched: bool,
    /// Changed since its free-set entries were last brought up to date.
    pub entries_stale: bool,
}

impl Agent {
    pub fn available(&self) -> bool {
        self.accepts_work && self.within_schedule
    }

    /// Could take one more conversation of `media` (eligibility by skills aside).
    pub fn free_for(&self, media: Media) -> bool {
        if !self.available() || !self.wrap_ups.is_empty() {
            return false;
        }
        let [voice, messaging, email] = self.load;
        match media {
            Media::Voice => voice + messaging + email == 0,
            Media::Messaging => voice == 0 && messaging < self.capacity.messaging,
            Media::Email => voice == 0 && email < self.capacity.email,
        }
    }

    pub fn free_for_any(&self) -> bool {
        Media::ALL.into_iter().any(|m| self.free_for(m))
    }

    pub fn work(&self) -> Work {
        if !self.wrap_ups.is_empty() {
            Work::WrapUp
        } else if !self.assigned.is_empty() {
            Work::Engaged
        } else if !self.offers.is_empty() {
            Work::Offered
        } else {
            Work::Idle
        }
    }
}

pub(crate) struct Conv {
    pub id: Uuid,
    pub media: Media,
    pub priority: u8,
    pub created_at: Timestamp,
    pub class: ClassIdx,
    pub target: Target,
    /// The queue whose settings apply.
    pub queue: Option<Uuid>,
    /// That queue's priority when the conversation entered its current pool (kept current for
    /// conversations waiting in the queue itself).
    pub queue_priority: i64,
    pub preferred: Option<AgentIdx>,
    pub hold_until: Option<Timestamp>,
    /// When a conversation addressed to an agent who does not take work goes to its queue.
    pub personal_until: Option<Timestamp>,
    pub status: Status,
    /// The pool whose waiting set holds the conversation (pending or offered).
    pub pool: Option<PoolIdx>,
    pub waiting_since: Timestamp,
    pub offers: OfferHolders,
    pub offer_expires: Option<Timestamp>,
    pub assignee: Option<AgentIdx>,
    pub wrap_until: Option<Timestamp>,
    /// Agents that declined or missed it since it last waited: others are offered first.
    pub tried: Vec<AgentIdx>,
    /// Open do-not-offer windows.
    pub dno: Vec<(AgentIdx, Timestamp)>,
    pub abandoned: bool,
    pub dirty: bool,
}

/// The agents holding an offer of one conversation, in the order they got it. Most algorithms
/// offer to one agent at a time, so one is kept inline: a conversation offered once, accepted
/// and closed allocates nothing, and closing it frees nothing (which would touch memory long
/// out of cache).
#[derive(Debug, Default)]
pub(crate) enum OfferHolders {
    #[default]
    None,
    One(AgentIdx),
    Many(Vec<AgentIdx>),
}

impl OfferHolders {
    pub fn push(&mut self, a: AgentIdx) {
        *self = match std::mem::take(self) {
            Self::None => Self::One(a),
            Self::One(first) => Self::Many(vec![first, a]),
            Self::Many(mut all) => {
                all.push(a);
                Self::Many(all)
            }
        };
    }

    pub fn remove(&mut self, a: AgentIdx) {
        match self {
            Self::One(only) if *only == a => *self = Self::None,
            Self::Many(all) => all.retain(|&x| x != a),
            _ => {}
        }
    }

    pub fn clear(&mut self) {
        *self = Self::None;
    }
}

impl std::ops::Deref for OfferHolders {
    type Target = [AgentIdx];

    fn deref(&self) -> &[AgentIdx] {
        match self {
            Self::None => &[],
            Self::One(only) => std::slice::from_ref(only),
            Self::Many(all) => all,
        }
    }
}

/// The settings that apply to a conversation (its queue's, or the defaults).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Settings {
    pub priority: i64,
    pub offer_timeout: Option<u32>,
    pub wrap_up: u32,
    pub do_not_offer: Option<MediaMap<u32>>,
    pub preferred_agent_timeout: Option<MediaMap<u32>>,
    pub preferred_agent_offline_timeout: Option<u32>,
    pub personal_agent_offline_timeout: Option<u32>,
    pub offer_abandoned: bool,
}

impl Settings {
    fn of(queue: Option<&QueueInput>) -> Self {
        match queue {
            Some(q) => Self {
                priority: q.priority,
                offer_timeout: q.offer_timeout,
                wrap_up: q.wrap_up_timeout.unwrap_or(0),
                do_not_offer: q.do_not_offer,
                preferred_agent_timeout: q.preferred_agent_timeout,
                preferred_agent_offline_timeout: q.preferred_agent_offline_timeout,
                personal_agent_offline_timeout: q.personal_agent_offline_timeout,
                offer_abandoned: q.offer_abandoned_conversations,
            },
            None => Self {
                priority: domain::queue::PRIORITY_DEFAULT,
                offer_timeout: Some(DEFAULT_OFFER_TIMEOUT),
                wrap_up: 0,
                do_not_offer: None,
                preferred_agent_timeout: None,
                preferred_agent_offline_timeout: None,
                personal_agent_offline_timeout: None,
                offer_abandoned: false,
            },
        }
    }
}

/// The routing engine of one workspace: deterministic, no I/O, no clock.
pub struct Engine {
    pub(crate) rng: SplitMix64,
    pub(crate) agents: Vec<Option<Agent>>,
    pub(crate) agent_ids: IdMap,
    pub(crate) convs: Vec<Option<Conv>>,
    pub(crate) conv_ids: IdMap,
    free_conv_slots: Vec<ConvIdx>,
    pub(crate) queues: FastMap<Uuid, QueueInput>,
    pub(crate) pools: Vec<Pool>,
    /// Pending conversations per pool, kept apart from the pools: an agent looking for work
    /// skips its own pool, usually empty, without reading it.
    pub(crate) pending_counts: Vec<u32>,
    pool_ids: FastMap<Target, PoolIdx>,
    /// Queue memberships by agent id (whether or not the agent is known yet).
    memberships: FastMap<Uuid, Vec<(PoolIdx, u32)>>,
    skill_ids: Interner<(Uuid, Uuid)>,
    tag_ids: Interner<Uuid>,
    pub(crate) classes: Vec<Class>,
    class_ids: FastMap<Class, ClassIdx>,
    pub(crate) timers: BTreeSet<Timer>,
    pub(crate) now: Timestamp,
    pub(crate) out: Vec<Decision>,
    /// Open do-not-offer windows naming each agent slot (kept when the agent is removed, as the
    /// windows are): an agent with none may take the head of any class it qualifies for.
    pub(crate) dno_windows: Vec<u32>,
    pub(crate) dirty_agents: Vec<AgentIdx>,
    pub(crate) dirty_convs: Vec<ConvIdx>,
    /// The marked conversations being settled (empty between settles).
    pub(crate) settling_convs: Vec<ConvIdx>,
    touched: Vec<AgentIdx>,
    pub(crate) dirty_pools: Vec<PoolIdx>,
    scratch: Scratch,
    stale: StaleEntries,
}

/// Buffers reused by every agent update, so that routing allocates nothing for them.
#[derive(Default)]
struct Scratch {
    old_available: Vec<PoolIdx>,
    new_available: Vec<PoolIdx>,
}

/// The agents changed since the free sets were last brought up to date, each with the entries
/// the sets still hold for it. The sets are brought up to date once per agent, however often it
/// changed, just before a pool picks from them and at the end of every command: an agent freed
/// and given work by the same command is never added and removed.
#[derive(Default)]
struct StaleEntries {
    /// Each agent with the range of its entries in `held`.
    agents: Vec<(AgentIdx, std::ops::Range<usize>)>,
    held: Vec<(PoolIdx, u8, FreeKey)>,
    /// Buffer for the entries an agent should have now.
    current: Vec<(PoolIdx, u8, FreeKey)>,
}

type Outcome = Result<(), Rejection>;

impl Engine {
    /// A new engine; `seed` drives every random choice, so runs are reproducible.
    pub fn new(seed: u64) -> Self {
        Self {
            rng: SplitMix64::new(seed),
            agents: Vec::new(),
            agent_ids: IdMap::default(),
            convs: Vec::new(),
            conv_ids: IdMap::default(),
            free_conv_slots: Vec::new(),
            queues: FastMap::default(),
            pools: Vec::new(),
            pending_counts: Vec::new(),
            pool_ids: FastMap::default(),
            memberships: FastMap::default(),
            skill_ids: Interner::default(),
            tag_ids: Interner::default(),
            classes: Vec::new(),
            class_ids: FastMap::default(),
            timers: BTreeSet::new(),
            now: Timestamp::from_millis(0),
            out: Vec::new(),
            dno_windows: Vec::new(),
            dirty_agents: Vec::new(),
            dirty_convs: Vec::new(),
            settling_convs: Vec::new(),
            touched: Vec::new(),
            dirty_pools: Vec::new(),
            scratch: Scratch::default(),
            stale: StaleEntries::default(),
        }
    }

    /// Applies one command at `now` and returns every decision it led to, including the offers
    /// it made possible. A refused command returns one `Rejected` decision and changes nothing.
    pub fn handle(&mut self, now: Timestamp, command: Command) -> Vec<Decision> {
        self.now = now;
        let name = command.name();
        let restoring = matches!(
            command,
            Command::Restore { .. } | Command::RestoreDoNotOffer { .. }
        );
        let outcome = match command {
            Command::UpsertAgent(input) => self.upsert_agent(input),
            Command::RemoveAgent { agent } => self.remove_agent(agent),
            Command::UpsertQueue(input) => self.upsert_queue(input),
            Command::RemoveQueue { queue } => self.remove_queue(queue),
            Command::Enqueue(input) => self.enqueue(input),
            Command::Restore {
                conversation,
                state,
            } => self.restore(conversation, state),
            Command::RestoreDoNotOffer {
                conversation,
                agent,
                until,
            } => self.restore_do_not_offer(conversation, agent, until),
            Command::Accept {
                conversation,
                agent,
            } => self.accept(conversation, agent),
            Command::Decline {
                conversation,
                agent,
            } => self.decline(conversation, agent),
            Command::Assign {
                conversation,
                agent,
                force,
            } => self.assign(conversation, agent, force),
            Command::Transfer { conversation, to } => self.transfer(conversation, to),
            Command::Unassign {
                conversation,
                into_team,
            } => self.unassign(conversation, into_team),
            Command::Close { conversation } => self.close(conversation),
            Command::EndWrapUp { conversation } => self.end_wrap_up_of(conversation),
            Command::Abandon { conversation } => self.abandon(conversation),
            Command::AgentAway {
                agent,
                transfer_to_team,
            } => self.agent_away(agent, transfer_to_team),
        };
        if let Err(reason) = outcome {
            debug_assert!(
                self.stale.agents.is_empty(),
                "a refused command changes nothing"
            );
            return vec![Decision::Rejected {
                command: name,
                reason,
            }];
        }
        if restoring {
            self.finish_silently();
        } else {
            self.finish();
        }
        std::mem::take(&mut self.out)
    }

    /// Routes what is pending, reports changed agents and thresholds.
    pub(crate) fn finish(&mut self) {
        self.settle();
        self.sync_free_sets();
        self.report_agents();
        self.evaluate_thresholds();
    }

    fn finish_silently(&mut self) {
        self.sync_free_sets();
        for &a in &self.touched {
            if let Some(agent) = self.agents[a as usize].as_mut() {
                agent.touched = false;
                agent.reported = Some((agent.work(), agent.load));
            }
        }
        self.touched.clear();
    }

    // ----- lookups -------------------------------------------------------------------------

    pub(crate) fn agent(&self, a: AgentIdx) -> &Agent {
        self.agents[a as usize].as_ref().expect("live agent")
    }

    pub(crate) fn conv(&self, c: ConvIdx) -> &Conv {
        self.convs[c as usize].as_ref().expect("live conversation")
    }

    pub(crate) fn conv_mut(&mut self, c: ConvIdx) -> &mut Conv {
        self.convs[c as usize].as_mut().expect("live conversation")
    }

    fn agent_idx(&self, id: Uuid) -> Result<AgentIdx, Rejection> {
        self.agent_ids
            .get(&id)
            .filter(|&a| self.agents[a as usize].is_some())
            .ok_or(Rejection::UnknownAgent)
    }

    fn conv_idx(&self, id: Uuid) -> Result<ConvIdx, Rejection> {
        self.conv_ids.get(&id).ok_or(Rejection::UnknownConversation)
    }

    pub(crate) fn settings(&self, c: ConvIdx) -> Settings {
        let conv = self.conv(c);
        let queue = match conv.target {
            Target::Queue(q) => Some(q),
            _ => conv.queue,
        };
        Settings::of(queue.and_then(|q| self.queues.get(&q)))
    }

    fn check_target(&self, target: Target) -> Outcome {
        match target {
            Target::Queue(q) if !self.queues.contains_key(&q) => Err(Rejection::UnknownQueue),
            Target::Agent(a) => self.agent_idx(a).map(|_| ()),
            _ => Ok(()),
        }
    }

    pub(crate) fn pool_for(&mut self, target: Target) -> PoolIdx {
        if let Some(&p) = self.pool_ids.get(&target) {
            return p;
        }
        let algorithm = match target {
            Target::Queue(q) => self
                .queues
                .get(&q)
                .map_or(OfferAlgorithm::LongestIdle, |q| q.algorithm),
            _ => OfferAlgorithm::LongestIdle,
        };
        let p = self.pools.len() as PoolIdx;
        self.pools.push(Pool::new(target, algorithm));
        self.pending_counts.push(0);
        self.pool_ids.insert(target, p);
        p
    }

    // ----- agent indexing ------------------------------------------------------------------

    fn free_key(&self, pool: &Pool, tier: u32, a: AgentIdx, agent: &Agent) -> FreeKey {
        let tier = if pool.algorithm.uses_member_priority() {
            tier
        } else {
            0
        };
        let idle = agent.idle_since.millis();
        let (ka, kb) = match pool.algorithm {
            OfferAlgorithm::LongestIdle | OfferAlgorithm::AgentPriorityLongestIdle => (idle, 0),
            OfferAlgorithm::OneAtATimeRandom | OfferAlgorithm::AgentPriorityOneAtATimeRandom => {
                (agent.rand_tag as i64, 0)
            }
            OfferAlgorithm::LeastBusy => (i64::from(agent.load.iter().sum::<u32>()), idle),
            OfferAlgorithm::AllAtOnce
            | OfferAlgorithm::AgentPriorityAllAtOnce
            | OfferAlgorithm::RoundRobin => (0, 0),
        };
        FreeKey {
            tier,
            a: ka,
            b: kb,
            agent: a,
        }
    }

    /// The free-set entries an agent should have now, appended to `into`.
    fn entries(&self, a: AgentIdx, into: &mut Vec<(PoolIdx, u8, FreeKey)>) {
        let Some(agent) = self.agents[a as usize].as_ref() else {
            return;
        };
        for &(p, tier) in &agent.pools {
            let pool = &self.pools[p as usize];
            let key = self.free_key(pool, tier, a, agent);
            for media in Media::ALL {
                if agent.free_for(media) {
                    into.push((p, media_index(media) as u8, key));
                }
            }
        }
    }

    /// The pools an agent counts as available in, appended to `into`.
    fn availability(&self, a: AgentIdx, into: &mut Vec<PoolIdx>) {
        if let Some(agent) = self.agents[a as usize].as_ref()
            && agent.available()
        {
            into.extend(agent.pools.iter().map(|&(p, _)| p));
        }
    }

    /// Changes an agent and keeps the indexes it is in up to date: the pools' counts of available
    /// members at once, the free sets before they are next read (see [`StaleEntries`]).
    /// Becoming idle moves the agent's idle mark to now.
    pub(crate) fn update_agent(&mut self, a: AgentIdx, change: impl FnOnce(&mut Agent)) {
        self.note_entries(a);
        let mut buffers = std::mem::take(&mut self.scratch);
        buffers.old_available.clear();
        buffers.new_available.clear();
        self.availability(a, &mut buffers.old_available);
        let now = self.now;
        if let Some(agent) = self.agents[a as usize].as_mut() {
            let was_idle = agent.work() == Work::Idle;
            change(agent);
            if !was_idle && agent.work() == Work::Idle {
                agent.idle_since = agent.idle_since.max(now);
            }
        }
        self.availability(a, &mut buffers.new_available);
        if buffers.old_available != buffers.new_available {
            for &p in &buffers.old_available {
                self.pools[p as usize].available -= 1;
                self.mark_pool(p);
            }
            for &p in &buffers.new_available {
                self.pools[p as usize].available += 1;
                self.mark_pool(p);
            }
        }
        self.scratch = buffers;
        self.touch(a);
    }

    /// Before an agent's first change since the free sets were brought up to date, notes the
    /// entries they hold for it.
    fn note_entries(&mut self, a: AgentIdx) {
        match self.agents[a as usize].as_mut() {
            Some(agent) if !agent.entries_stale => agent.entries_stale = true,
            _ => return,
        }
        let mut stale = std::mem::take(&mut self.stale);
        let start = stale.held.len();
        self.entries(a, &mut stale.held);
        stale.agents.push((a, start..stale.held.len()));
        self.stale = stale;
    }

    /// Brings the free sets up to date for every agent changed since the last time (only the
    /// entries that moved are touched).
    pub(crate) fn sync_free_sets(&mut self) {
        if self.stale.agents.is_empty() {
            return;
        }
        let mut stale = std::mem::take(&mut self.stale);
        for (a, range) in stale.agents.drain(..) {
            let held = &stale.held[range];
            stale.current.clear();
            self.entries(a, &mut stale.current);
            for entry in held {
                if !stale.current.contains(entry) {
                    self.pools[entry.0 as usize].free[entry.1 as usize].remove(&entry.2);
                }
            }
            for entry in &stale.current {
                if !held.contains(entry) {
                    self.pools[entry.0 as usize].free[entry.1 as usize].insert(entry.2);
                }
            }
            if let Some(agent) = self.agents[a as usize].as_mut() {
                agent.entries_stale = false;
            }
        }
        stale.held.clear();
        self.stale = stale;
    }

    pub(crate) fn touch(&mut self, a: AgentIdx) {
        if let Some(agent) = self.agents[a as usize].as_mut()
            && !agent.touched
        {
            agent.touched = true;
            self.touched.push(a);
        }
    }

    pub(crate) fn mark_agent(&mut self, a: AgentIdx) {
        if let Some(agent) = self.agents[a as usize].as_mut()
            && !agent.dirty
        {
            agent.dirty = true;
            self.dirty_agents.push(a);
        }
    }

    pub(crate) fn mark_conv(&mut self, c: ConvIdx) {
        let conv = self.conv_mut(c);
        if !conv.dirty {
            conv.dirty = true;
            self.dirty_convs.push(c);
        }
    }

    pub(crate) fn mark_pool(&mut self, p: PoolIdx) {
        let pool = &mut self.pools[p as usize];
        if !pool.dirty {
            pool.dirty = true;
            self.dirty_pools.push(p);
        }
    }

    fn agent_pools(&mut self, id: Uuid, teams: &[Uuid]) -> Vec<(PoolIdx, u32)> {
        let mut pools = self.memberships.get(&id).cloned().unwrap_or_default();
        for &team in teams {
            let p = self.pool_for(Target::Team(team));
            pools.push((p, UNTIERED));
        }
        pools
    }

    // ----- agents --------------------------------------------------------------------------

    fn upsert_agent(&mut self, input: AgentInput) -> Outcome {
        let mut skills: Vec<u32> = input
            .skills
            .iter()
            .map(|&pair| self.skill_ids.id(pair))
            .collect();
        skills.sort_unstable();
        skills.dedup();
        let mut tags: Vec<u32> = input.tags.iter().map(|&t| self.tag_ids.id(t)).collect();
        tags.sort_unstable();
        tags.dedup();
        let mut teams = input.teams.clone();
        teams.sort_unstable();
        teams.dedup();
        let pools = self.agent_pools(input.id, &teams);
        let own_pool = self.pool_for(Target::Agent(input.id));
        let a = match self.agent_ids.get(&input.id) {
            Some(a) => a,
            None => {
                let a = self.agents.len() as AgentIdx;
                self.agents.push(None);
                self.dno_windows.push(0);
                self.agent_ids.insert(input.id, a);
                a
            }
        };
        if self.agents[a as usize].is_none() {
            let rand_tag = self.rng.next_u64();
            self.agents[a as usize] = Some(Agent {
                id: input.id,
                accepts_work: false,
                within_schedule: false,
                capacity: input.capacity,
                skills: Vec::new(),
                tags: Vec::new(),
                teams: Vec::new(),
                idle_since: input.idle_since,
                rand_tag,
                pools: Vec::new(),
                own_pool,
                offers: Vec::new(),
                assigned: Vec::new(),
                wrap_ups: Vec::new(),
                load: [0; 3],
                reported: None,
                dirty: false,
                touched: false,
                entries_stale: false,
            });
        }
        self.update_agent(a, |agent| {
            agent.accepts_work = input.accepts_work;
            agent.within_schedule = input.within_schedule;
            agent.capacity = input.capacity;
            agent.skills = skills;
            agent.tags = tags;
            agent.teams = teams;
            agent.idle_since = agent.idle_since.max(input.idle_since);
            agent.pools = pools;
        });
        if !self.agent(a).available() {
            self.cancel_offers_of(a, CancelReason::AgentAway);
            self.start_personal_waits(own_pool, input.id);
        }
        self.mark_agent(a);
        Ok(())
    }

    fn remove_agent(&mut self, id: Uuid) -> Outcome {
        let a = self.agent_idx(id)?;
        self.cancel_offers_of(a, CancelReason::AgentAway);
        for c in self.agent(a).assigned.clone() {
            let target = self.conv(c).target;
            self.requeue(c, target);
        }
        for c in self.agent(a).wrap_ups.clone() {
            self.end_wrap_up(c);
        }
        // Conversations held for it as their preferred agent go to their queue now.
        let (_, held) = self.waiting_for(self.agent(a).own_pool, id);
        for c in held {
            self.release_hold(c);
        }
        self.update_agent(a, |agent| {
            agent.accepts_work = false;
            agent.pools.clear();
        });
        let agent = self.agents[a as usize].take().expect("live agent");
        self.start_personal_waits(agent.own_pool, id);
        if agent.touched {
            self.touched.retain(|&t| t != a);
        }
        if agent.dirty {
            self.dirty_agents.retain(|&t| t != a);
        }
        self.out.push(Decision::AgentWork {
            agent: id,
            work: Work::Idle,
            load: Load::default(),
        });
        Ok(())
    }

    /// The agent stopped taking work: the conversations waiting for it alone start their
    /// personal-agent-offline timeout now (those waiting already keep theirs).
    fn start_personal_waits(&mut self, own_pool: PoolIdx, id: Uuid) {
        let (personal, _) = self.waiting_for(own_pool, id);
        for c in personal {
            self.arm_personal_timeout(c, self.now);
        }
    }

    /// The conversations pending in an agent's own pool: those for it alone (personal), and
    /// those held for it as their preferred agent.
    fn waiting_for(&self, own_pool: PoolIdx, id: Uuid) -> (Vec<ConvIdx>, Vec<ConvIdx>) {
        self.pools[own_pool as usize]
            .classes
            .values()
            .flatten()
            .map(|k| k.conv)
            .partition(|&c| self.conv(c).target == Target::Agent(id))
    }

    fn agent_away(&mut self, id: Uuid, team: Option<Uuid>) -> Outcome {
        let a = self.agent_idx(id)?;
        self.update_agent(a, |agent| agent.accepts_work = false);
        self.cancel_offers_of(a, CancelReason::AgentAway);
        self.start_personal_waits(self.agent(a).own_pool, id);
        if let Some(team) = team {
            for c in self.agent(a).assigned.clone() {
                self.requeue(c, Target::Team(team));
            }
        }
        Ok(())
    }

    fn cancel_offers_of(&mut self, a: AgentIdx, reason: CancelReason) {
        // Ending an offer removes it from the list.
        while let Some(&c) = self.agent(a).offers.first() {
            self.end_offer(c, a, reason);
            self.after_offer_ended(c);
        }
    }

    // ----- queues --------------------------------------------------------------------------

    fn upsert_queue(&mut self, input: QueueInput) -> Outcome {
        let id = input.id;
        let old = self.queues.get(&id);
        let priority_changed = old.is_some_and(|q| q.priority != input.priority);
        let old_members: Vec<Uuid> = old
            .map(|q| q.members.iter().map(|m| m.0).collect())
            .unwrap_or_default();
        let p = self.pool_for(Target::Queue(id));
        let members: Vec<(Uuid, u32)> = input
            .members
            .iter()
            .map(|&(agent, tier)| (agent, tier.unwrap_or(UNTIERED)))
            .collect();
        let algorithm = input.algorithm;
        self.queues.insert(id, input);
        self.mark_pool(p);
        let mut affected: Vec<Uuid> = old_members;
        affected.extend(members.iter().map(|m| m.0));
        affected.sort_unstable();
        affected.dedup();
        self.reindex_members(&affected, |engine| {
            engine.pools[p as usize].algorithm = algorithm;
            for list in engine.memberships.values_mut() {
                list.retain(|&(q, _)| q != p);
            }
            for &(agent, tier) in &members {
                engine.memberships.entry(agent).or_default().push((p, tier));
            }
        });
        if priority_changed {
            self.rekey_pool(p);
        }
        Ok(())
    }

    /// Takes the given agents out of every index, applies `change`, recomputes their pools and
    /// puts them back; they then look for work.
    fn reindex_members(&mut self, ids: &[Uuid], change: impl FnOnce(&mut Self)) {
        let known: Vec<AgentIdx> = ids
            .iter()
            .filter_map(|&id| self.agent_idx(id).ok())
            .collect();
        let mut saved = Vec::with_capacity(known.len());
        for &a in &known {
            let was = self.agent(a).accepts_work;
            saved.push(was);
            self.update_agent(a, |agent| {
                agent.accepts_work = false;
                agent.pools.clear();
            });
        }
        change(self);
        for (&a, was) in known.iter().zip(saved) {
            let (id, teams) = {
                let agent = self.agent(a);
                (agent.id, agent.teams.clone())
            };
            let pools = self.agent_pools(id, &teams);
            self.update_agent(a, |agent| {
                agent.accepts_work = was;
                agent.pools = pools;
            });
            self.mark_agent(a);
        }
    }

    fn rekey_pool(&mut self, p: PoolIdx) {
        let pending: Vec<(OrderKey, ClassIdx)> = self.pools[p as usize]
            .classes
            .iter()
            .flat_map(|(&class, set)| set.iter().map(move |&k| (k, class)))
            .collect();
        for (key, class) in pending {
            let media = self.classes[class as usize].media;
            self.remove_pending(p, key, class, media);
            self.conv_mut(key.conv).queue_priority = self.settings(key.conv).priority;
            let key = self.order_key(key.conv);
            self.insert_pending(p, key, class, media);
        }
    }

    fn remove_queue(&mut self, id: Uuid) -> Outcome {
        if !self.queues.contains_key(&id) {
            return Err(Rejection::UnknownQueue);
        }
        let p = self.pool_for(Target::Queue(id));
        let offered: Vec<ConvIdx> = self.pools[p as usize]
            .waiting
            .iter()
            .map(|&(_, c)| c)
            .filter(|&c| self.conv(c).status == Status::Offered)
            .collect();
        for c in offered {
            while let Some(&a) = self.conv(c).offers.first() {
                self.end_offer(c, a, CancelReason::QueueRemoved);
            }
            self.after_offer_ended(c);
        }
        let members: Vec<Uuid> = self.queues[&id].members.iter().map(|m| m.0).collect();
        self.reindex_members(&members, |engine| {
            engine.queues.remove(&id);
            for list in engine.memberships.values_mut() {
                list.retain(|&(q, _)| q != p);
            }
        });
        self.mark_pool(p);
        Ok(())
    }

    // ----- conversations -------------------------------------------------------------------

    fn class_of(&mut self, input: &ConversationInput) -> ClassIdx {
        let mut skills: Vec<Vec<u32>> = input
            .required_skills
            .iter()
            .map(|(skill, values)| {
                let mut ids: Vec<u32> = values
                    .iter()
                    .map(|&v| self.skill_ids.id((*skill, v)))
                    .collect();
                ids.sort_unstable();
                ids.dedup();
                ids
            })
            .collect();
        skills.sort();
        skills.dedup();
        let mut tags: Vec<u32> = input
            .required_tags
            .iter()
            .map(|&t| self.tag_ids.id(t))
            .collect();
        tags.sort_unstable();
        tags.dedup();
        let class = Class {
            media: input.media,
            skills,
            tags,
        };
        if let Some(&c) = self.class_ids.get(&class) {
            return c;
        }
        let c = self.classes.len() as ClassIdx;
        self.classes.push(class.clone());
        self.class_ids.insert(class, c);
        c
    }

    fn create_conv(&mut self, input: &ConversationInput) -> Result<ConvIdx, Rejection> {
        if input.priority > 100 {
            return Err(Rejection::InvalidPriority);
        }
        if self.conv_ids.contains(&input.id) {
            return Err(Rejection::DuplicateConversation);
        }
        self.check_target(input.target)?;
        let class = self.class_of(input);
        let preferred = input.preferred_agent.and_then(|id| self.agent_idx(id).ok());
        let conv = Conv {
            id: input.id,
            media: input.media,
            priority: input.priority,
            created_at: input.created_at,
            class,
            target: input.target,
            queue: match input.target {
                Target::Queue(q) => Some(q),
                _ => input.queue,
            },
            queue_priority: 0,
            preferred,
            hold_until: None,
            personal_until: None,
            status: Status::Pending,
            pool: None,
            waiting_since: self.now,
            offers: OfferHolders::default(),
            offer_expires: None,
            assignee: None,
            wrap_until: None,
            tried: Vec::new(),
            dno: Vec::new(),
            abandoned: false,
            dirty: false,
        };
        let c = match self.free_conv_slots.pop() {
            Some(c) => {
                self.convs[c as usize] = Some(conv);
                c
            }
            None => {
                self.convs.push(Some(conv));
                (self.convs.len() - 1) as ConvIdx
            }
        };
        self.conv_ids.insert(input.id, c);
        let settings = self.settings(c);
        let conv = self.conv_mut(c);
        conv.queue_priority = settings.priority;
        if let (Some(p), Some(timeouts)) = (preferred, settings.preferred_agent_timeout) {
            // Held for as long as the queue says for an agent at work, or for one who is not.
            let hold = if self.agent(p).available() {
                Some(timeouts.get(input.media))
            } else {
                settings.preferred_agent_offline_timeout
            };
            let until = hold.map(|secs| input.created_at.plus_seconds(i64::from(secs)));
            if let Some(until) = until.filter(|&until| until > self.now) {
                self.conv_mut(c).hold_until = Some(until);
                self.add_timer(until, TimerKind::HoldEnd, c, 0);
            }
        }
        Ok(c)
    }

    fn enqueue(&mut self, input: ConversationInput) -> Outcome {
        let c = self.create_conv(&input)?;
        self.make_pending(c);
        Ok(())
    }

    fn restore(&mut self, input: ConversationInput, state: RestoredState) -> Outcome {
        let agents: Vec<AgentIdx> = match &state {
            RestoredState::Pending { .. } => Vec::new(),
            RestoredState::Offered { agents, .. } => agents
                .iter()
                .map(|&id| self.agent_idx(id))
                .collect::<Result<_, _>>()?,
            RestoredState::Assigned { agent } | RestoredState::WrapUp { agent, .. } => {
                vec![self.agent_idx(*agent)?]
            }
        };
        let c = self.create_conv(&input)?;
        let since = match state {
            RestoredState::Pending { since } => since.min(self.now),
            _ => self.now,
        };
        self.make_pending_since(c, since);
        match state {
            RestoredState::Pending { .. } => {}
            RestoredState::Offered { expires_at, .. } => {
                self.leave_pending(c);
                self.conv_mut(c).status = Status::Offered;
                for a in agents {
                    self.open_offer(c, a);
                }
                self.set_offer_expiry(c, expires_at);
            }
            RestoredState::Assigned { .. } => self.assign_to(c, agents[0]),
            RestoredState::WrapUp { until, .. } => {
                self.assign_to(c, agents[0]);
                self.start_wrap_up(c, until);
            }
        }
        // The server already holds this state: nothing to announce.
        self.out.clear();
        Ok(())
    }

    fn accept(&mut self, conversation: Uuid, agent: Uuid) -> Outcome {
        let c = self.conv_idx(conversation)?;
        let a = self.agent_idx(agent)?;
        if !self.conv(c).offers.contains(&a) {
            return Err(Rejection::NoSuchOffer);
        }
        self.cancel_offers_except(c, Some(a), CancelReason::AcceptedByAnother);
        self.assign_to(c, a);
        Ok(())
    }

    fn decline(&mut self, conversation: Uuid, agent: Uuid) -> Outcome {
        let c = self.conv_idx(conversation)?;
        let a = self.agent_idx(agent)?;
        if !self.conv(c).offers.contains(&a) {
            return Err(Rejection::NoSuchOffer);
        }
        self.miss(c, a, CancelReason::Declined);
        self.after_offer_ended(c);
        Ok(())
    }

    fn assign(&mut self, conversation: Uuid, agent: Uuid, force: bool) -> Outcome {
        let c = self.conv_idx(conversation)?;
        let a = self.agent_idx(agent)?;
        if !matches!(self.conv(c).status, Status::Pending | Status::Offered) {
            return Err(Rejection::WrongStatus);
        }
        if !force && !self.fits_directly(c, a) {
            return Err(Rejection::NoCapacity);
        }
        self.cancel_offers_except(c, Some(a), CancelReason::AssignedDirectly);
        self.assign_to(c, a);
        Ok(())
    }

    /// Whether the agent has room for the conversation, counting its own offer of it as room.
    fn fits_directly(&self, c: ConvIdx, a: AgentIdx) -> bool {
        let conv = self.conv(c);
        let agent = self.agent(a);
        let m = media_index(conv.media);
        let mut load = agent.load;
        if conv.offers.contains(&a) {
            load[m] -= 1;
        }
        let [voice, messaging, email] = load;
        match conv.media {
            Media::Voice => voice + messaging + email == 0,
            Media::Messaging => voice == 0 && messaging < agent.capacity.messaging,
            Media::Email => voice == 0 && email < agent.capacity.email,
        }
    }

    fn transfer(&mut self, conversation: Uuid, to: Target) -> Outcome {
        let c = self.conv_idx(conversation)?;
        if !matches!(
            self.conv(c).status,
            Status::Pending | Status::Offered | Status::Assigned
        ) {
            return Err(Rejection::WrongStatus);
        }
        self.check_target(to)?;
        self.cancel_offers_except(c, None, CancelReason::Transferred);
        self.requeue(c, to);
        Ok(())
    }

    fn unassign(&mut self, conversation: Uuid, into_team: Option<Uuid>) -> Outcome {
        let c = self.conv_idx(conversation)?;
        let conv = self.conv(c);
        if !matches!(conv.status, Status::Offered | Status::Assigned) {
            return Err(Rejection::WrongStatus);
        }
        let target = match (into_team, conv.target, conv.queue) {
            (Some(team), _, _) => Target::Team(team),
            (None, Target::Agent(_), Some(queue)) if self.queues.contains_key(&queue) => {
                Target::Queue(queue)
            }
            (None, target, _) => target,
        };
        self.cancel_offers_except(c, None, CancelReason::Unassigned);
        self.requeue(c, target);
        Ok(())
    }

    fn close(&mut self, conversation: Uuid) -> Outcome {
        let c = self.conv_idx(conversation)?;
        match self.conv(c).status {
            Status::Pending | Status::Offered => {
                self.cancel_offers_except(c, None, CancelReason::Closed);
                self.out.push(Decision::Closed { conversation });
                self.forget(c);
            }
            Status::Assigned => {
                let wrap_up = self.settings(c).wrap_up;
                if wrap_up > 0 {
                    let until = self.now.plus_seconds(i64::from(wrap_up));
                    self.start_wrap_up(c, until);
                } else {
                    self.release(c);
                    self.out.push(Decision::Closed { conversation });
                    self.forget(c);
                }
            }
            _ => return Err(Rejection::WrongStatus),
        }
        Ok(())
    }

    fn end_wrap_up_of(&mut self, conversation: Uuid) -> Outcome {
        let c = self.conv_idx(conversation)?;
        if self.conv(c).status != Status::WrapUp {
            return Err(Rejection::WrongStatus);
        }
        self.end_wrap_up(c);
        Ok(())
    }

    fn abandon(&mut self, conversation: Uuid) -> Outcome {
        let c = self.conv_idx(conversation)?;
        let conv = self.conv(c);
        if !matches!(conv.status, Status::Pending | Status::Offered) || conv.abandoned {
            return Err(Rejection::WrongStatus);
        }
        if self.settings(c).offer_abandoned {
            self.conv_mut(c).abandoned = true;
            self.out.push(Decision::Abandoned {
                conversation,
                still_offered: true,
            });
        } else {
            self.cancel_offers_except(c, None, CancelReason::Abandoned);
            self.out.push(Decision::Abandoned {
                conversation,
                still_offered: false,
            });
            self.forget(c);
        }
        Ok(())
    }

    // ----- conversation transitions --------------------------------------------------------

    /// The pool a conversation waits in now: its preferred agent's while held for it.
    fn waiting_pool(&mut self, c: ConvIdx) -> PoolIdx {
        let conv = self.conv(c);
        // A preferred agent removed meanwhile holds nothing (its slot stays, empty).
        let preferred = conv
            .preferred
            .and_then(|p| self.agents[p as usize].as_ref());
        match (conv.hold_until, preferred) {
            (Some(_), Some(agent)) => {
                let id = agent.id;
                self.pool_for(Target::Agent(id))
            }
            _ => {
                let target = conv.target;
                self.pool_for(target)
            }
        }
    }

    /// The conversation's key in its pool's class set while pending (computed rather than kept:
    /// its parts change only while it is out of the set).
    pub(crate) fn order_key(&self, c: ConvIdx) -> OrderKey {
        let conv = self.conv(c);
        OrderKey {
            neg_queue_priority: -conv.queue_priority,
            neg_priority: -i16::from(conv.priority),
            created_at: conv.created_at.millis(),
            id: conv.id,
            conv: c,
        }
    }

    /// Puts the conversation back among the waiting work (it is then routed).
    pub(crate) fn make_pending(&mut self, c: ConvIdx) {
        self.make_pending_since(c, self.now);
    }

    /// Puts the conversation among the waiting work as waiting since `since` (earlier than now
    /// for one restored after a restart).
    fn make_pending_since(&mut self, c: ConvIdx, since: Timestamp) {
        let p = self.waiting_pool(c);
        if self.conv(c).pool != Some(p) {
            self.leave_pool(c);
            let conv = self.conv_mut(c);
            conv.pool = Some(p);
            conv.waiting_since = since;
            self.pools[p as usize].waiting.insert((since, c));
        }
        let key = self.order_key(c);
        let conv = self.conv_mut(c);
        conv.status = Status::Pending;
        let (class, media) = (conv.class, conv.media);
        self.insert_pending(p, key, class, media);
        self.mark_pool(p);
        self.mark_conv(c);
        self.arm_personal_timeout(c, since);
    }

    pub(crate) fn leave_pending(&mut self, c: ConvIdx) {
        let conv = self.conv(c);
        if conv.status != Status::Pending {
            return;
        }
        if let Some(p) = conv.pool {
            let (class, media) = (conv.class, conv.media);
            self.remove_pending(p, self.order_key(c), class, media);
        }
        self.conv_mut(c).status = Status::Offered;
    }

    fn insert_pending(&mut self, p: PoolIdx, key: OrderKey, class: ClassIdx, media: Media) {
        if self.pools[p as usize].insert_pending(key, class, media) {
            self.pending_counts[p as usize] += 1;
        }
    }

    fn remove_pending(&mut self, p: PoolIdx, key: OrderKey, class: ClassIdx, media: Media) {
        if self.pools[p as usize].remove_pending(key, class, media) {
            self.pending_counts[p as usize] -= 1;
        }
    }

    fn leave_pool(&mut self, c: ConvIdx) {
        let conv = self.conv_mut(c);
        if let Some(p) = conv.pool.take() {
            let since = conv.waiting_since;
            self.pools[p as usize].waiting.remove(&(since, c));
            self.mark_pool(p);
        }
    }

    /// Opens one offer (the conversation is already out of the pending set).
    pub(crate) fn open_offer(&mut self, c: ConvIdx, a: AgentIdx) {
        let m = media_index(self.conv(c).media);
        self.conv_mut(c).offers.push(a);
        let tag = self.rng.next_u64();
        self.update_agent(a, |agent| {
            agent.offers.push(c);
            agent.load[m] += 1;
            agent.rand_tag = tag;
        });
    }

    /// Closes one offer, leaving the conversation as it is.
    pub(crate) fn end_offer(&mut self, c: ConvIdx, a: AgentIdx, reason: CancelReason) {
        let conv = self.conv_mut(c);
        conv.offers.remove(a);
        let (id, m) = (conv.id, media_index(conv.media));
        self.update_agent(a, |agent| {
            agent.offers.retain(|&o| o != c);
            agent.load[m] -= 1;
        });
        self.out.push(Decision::OfferCancelled {
            conversation: id,
            agent: self.agent(a).id,
            reason,
        });
        self.mark_agent(a);
    }

    /// A decline or a miss: the offer ends, the do-not-offer window opens (when the queue
    /// enables it), others are tried first, and a preferred agent's hold ends.
    pub(crate) fn miss(&mut self, c: ConvIdx, a: AgentIdx, reason: CancelReason) {
        self.end_offer(c, a, reason);
        let settings = self.settings(c);
        let now = self.now;
        let conv = self.conv_mut(c);
        if !conv.tried.contains(&a) {
            conv.tried.push(a);
        }
        let window = settings.do_not_offer.map_or(0, |d| d.get(conv.media));
        if window > 0 {
            let until = now.plus_seconds(i64::from(window));
            self.open_dno_window(c, a, until);
            self.out.push(Decision::DoNotOffer {
                conversation: self.conv(c).id,
                agent: self.agent(a).id,
                until,
            });
        }
        if self.conv(c).preferred == Some(a) {
            self.clear_hold(c);
        }
    }

    fn restore_do_not_offer(
        &mut self,
        conversation: Uuid,
        agent: Uuid,
        until: Timestamp,
    ) -> Outcome {
        let c = self.conv_idx(conversation)?;
        let a = self.agent_idx(agent)?;
        if until > self.now {
            let conv = self.conv_mut(c);
            if !conv.tried.contains(&a) {
                conv.tried.push(a);
            }
            self.open_dno_window(c, a, until);
        }
        Ok(())
    }

    /// Opens the agent's do-not-offer window on the conversation, replacing an open one.
    fn open_dno_window(&mut self, c: ConvIdx, a: AgentIdx, until: Timestamp) {
        let conv = self.conv_mut(c);
        match conv.dno.iter().position(|&(x, _)| x == a) {
            Some(i) => {
                let (_, old) = conv.dno.remove(i);
                self.remove_timer(old, TimerKind::DoNotOfferEnd, c, a);
            }
            None => self.dno_windows[a as usize] += 1,
        }
        self.conv_mut(c).dno.push((a, until));
        self.add_timer(until, TimerKind::DoNotOfferEnd, c, a);
    }

    /// Closes the agent's window on the conversation that ends at `until` (its timer is gone).
    pub(crate) fn close_dno_window(&mut self, c: ConvIdx, a: AgentIdx, until: Timestamp) {
        let dno = &mut self.conv_mut(c).dno;
        let open = dno.len();
        dno.retain(|&window| window != (a, until));
        let closed = open - dno.len();
        self.dno_windows[a as usize] -= closed as u32;
    }

    /// When the last offer of a conversation has ended, it waits again.
    pub(crate) fn after_offer_ended(&mut self, c: ConvIdx) {
        let conv = self.conv(c);
        if conv.status == Status::Offered && conv.offers.is_empty() {
            self.clear_offer_expiry(c);
            self.make_pending(c);
        }
    }

    fn cancel_offers_except(&mut self, c: ConvIdx, keep: Option<AgentIdx>, reason: CancelReason) {
        // Ending an offer removes it from the list: this ends them in the order they were made.
        while let Some(a) = self
            .conv(c)
            .offers
            .iter()
            .copied()
            .find(|&a| Some(a) != keep)
        {
            self.end_offer(c, a, reason);
        }
        if keep.is_none() {
            self.clear_offer_expiry(c);
        }
    }

    pub(crate) fn set_offer_expiry(&mut self, c: ConvIdx, at: Option<Timestamp>) {
        self.clear_offer_expiry(c);
        self.conv_mut(c).offer_expires = at;
        if let Some(at) = at {
            self.add_timer(at, TimerKind::OfferExpiry, c, 0);
        }
    }

    fn clear_offer_expiry(&mut self, c: ConvIdx) {
        if let Some(at) = self.conv_mut(c).offer_expires.take() {
            self.remove_timer(at, TimerKind::OfferExpiry, c, 0);
        }
    }

    /// Ends the hold for the preferred agent and the wait for a personal agent.
    fn clear_hold(&mut self, c: ConvIdx) {
        if let Some(at) = self.conv_mut(c).hold_until.take() {
            self.remove_timer(at, TimerKind::HoldEnd, c, 0);
        }
        if let Some(at) = self.conv_mut(c).personal_until.take() {
            self.remove_timer(at, TimerKind::PersonalAgentEnd, c, 0);
        }
    }

    /// A conversation waiting for one agent who does not take work (from `since`) goes to its
    /// queue after the queue's personal-agent-offline timeout.
    fn arm_personal_timeout(&mut self, c: ConvIdx, since: Timestamp) {
        let conv = self.conv(c);
        let (Target::Agent(agent), Some(_), None) = (conv.target, conv.queue, conv.personal_until)
        else {
            return;
        };
        let Some(secs) = self.settings(c).personal_agent_offline_timeout else {
            return;
        };
        if !self.takes_work(agent) {
            let until = since.plus_seconds(i64::from(secs));
            self.conv_mut(c).personal_until = Some(until);
            self.add_timer(until, TimerKind::PersonalAgentEnd, c, 0);
        }
    }

    /// Whether the agent is known and takes work (its capacity aside).
    fn takes_work(&self, agent: Uuid) -> bool {
        self.agent_idx(agent)
            .is_ok_and(|a| self.agent(a).available())
    }

    /// The personal agent's time is up: a conversation still waiting for it goes to its queue,
    /// unless the agent takes work again by now.
    pub(crate) fn personal_agent_missed(&mut self, c: ConvIdx) {
        let conv = self.conv(c);
        let (Target::Agent(agent), Some(queue)) = (conv.target, conv.queue) else {
            return;
        };
        if conv.status == Status::Pending && !self.takes_work(agent) {
            self.requeue(c, Target::Queue(queue));
        }
    }

    /// The hold for the preferred agent ends: a pending conversation moves to its target.
    pub(crate) fn release_hold(&mut self, c: ConvIdx) {
        self.clear_hold(c);
        if self.conv(c).status == Status::Pending {
            self.leave_pending(c);
            self.make_pending(c);
        }
    }

    /// Gives the conversation to the agent (its other offers already ended).
    fn assign_to(&mut self, c: ConvIdx, a: AgentIdx) {
        self.leave_pending(c);
        self.clear_offer_expiry(c);
        self.leave_pool(c);
        self.clear_hold(c);
        let now = self.now;
        let conv = self.conv_mut(c);
        let had_offer = conv.offers.contains(&a);
        conv.offers.clear();
        conv.tried.clear();
        conv.status = Status::Assigned;
        conv.assignee = Some(a);
        let (id, m) = (conv.id, media_index(conv.media));
        self.update_agent(a, |agent| {
            if had_offer {
                agent.offers.retain(|&o| o != c);
            } else {
                agent.load[m] += 1;
            }
            agent.assigned.push(c);
            agent.idle_since = agent.idle_since.max(now);
        });
        self.out.push(Decision::Assigned {
            conversation: id,
            agent: self.agent(a).id,
        });
    }

    /// The assigned agent lets go of the conversation.
    fn release(&mut self, c: ConvIdx) -> Option<AgentIdx> {
        let conv = self.conv_mut(c);
        let a = conv.assignee.take()?;
        let m = media_index(conv.media);
        self.update_agent(a, |agent| {
            agent.assigned.retain(|&x| x != c);
            agent.load[m] -= 1;
        });
        self.mark_agent(a);
        Some(a)
    }

    /// Moves an open conversation (offers already ended) to wait at `target`.
    fn requeue(&mut self, c: ConvIdx, target: Target) {
        let from = self.release(c).map(|a| self.agent(a).id);
        self.leave_pending(c);
        self.leave_pool(c);
        self.clear_hold(c);
        let conv = self.conv_mut(c);
        conv.target = target;
        if let Target::Queue(q) = target {
            conv.queue = Some(q);
        }
        conv.tried.clear();
        let id = conv.id;
        self.conv_mut(c).queue_priority = self.settings(c).priority;
        self.out.push(Decision::Requeued {
            conversation: id,
            target,
            from_agent: from,
        });
        self.make_pending(c);
    }

    fn start_wrap_up(&mut self, c: ConvIdx, until: Timestamp) {
        let conv = self.conv_mut(c);
        let Some(a) = conv.assignee else { return };
        conv.status = Status::WrapUp;
        conv.wrap_until = Some(until);
        let (id, m) = (conv.id, media_index(conv.media));
        self.update_agent(a, |agent| {
            agent.assigned.retain(|&x| x != c);
            agent.load[m] -= 1;
            agent.wrap_ups.push(c);
        });
        self.add_timer(until, TimerKind::WrapUpEnd, c, 0);
        self.out.push(Decision::WrapUpStarted {
            conversation: id,
            agent: self.agent(a).id,
            until,
        });
    }

    pub(crate) fn end_wrap_up(&mut self, c: ConvIdx) {
        let conv = self.conv_mut(c);
        let id = conv.id;
        if let Some(a) = conv.assignee.take() {
            self.update_agent(a, |agent| agent.wrap_ups.retain(|&x| x != c));
            self.mark_agent(a);
            self.out.push(Decision::WrapUpEnded {
                conversation: id,
                agent: self.agent(a).id,
            });
        }
        self.out.push(Decision::Closed { conversation: id });
        self.forget(c);
    }

    /// Drops an ended conversation and every timer it had.
    fn forget(&mut self, c: ConvIdx) {
        self.leave_pending(c);
        self.leave_pool(c);
        self.clear_offer_expiry(c);
        self.clear_hold(c);
        // Only what is needed is taken out: moving the whole conversation out would copy it.
        let conv = self.conv_mut(c);
        let (id, wrap_until, dno) = (conv.id, conv.wrap_until, std::mem::take(&mut conv.dno));
        self.convs[c as usize] = None;
        if let Some(until) = wrap_until {
            self.remove_timer(until, TimerKind::WrapUpEnd, c, 0);
        }
        for (a, until) in dno {
            self.remove_timer(until, TimerKind::DoNotOfferEnd, c, a);
            self.dno_windows[a as usize] -= 1;
        }
        self.conv_ids.remove(&id);
        self.free_conv_slots.push(c);
    }

    // ----- reports -------------------------------------------------------------------------

    fn report_agents(&mut self) {
        // Taken and given back (reporting touches no agent), so the list keeps its allocation.
        let mut touched = std::mem::take(&mut self.touched);
        for &a in &touched {
            let Some(agent) = self.agents[a as usize].as_mut() else {
                continue;
            };
            agent.touched = false;
            let now = (agent.work(), agent.load);
            if agent.reported != Some(now) {
                agent.reported = Some(now);
                let [voice, messaging, email] = now.1;
                self.out.push(Decision::AgentWork {
                    agent: agent.id,
                    work: now.0,
                    load: Load {
                        voice,
                        messaging,
                        email,
                    },
                });
            }
        }
        touched.clear();
        self.touched = touched;
    }
}
