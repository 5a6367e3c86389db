//! Routing proper: after every command and tick, freed agents take the best work they may, then
//! waiting conversations are offered by their pool's algorithm, until no offer can be made.

use std::ops::Bound;

use domain::conversation::{Media, Status};
use domain::queue::OfferAlgorithm;

use crate::decision::Decision;
use crate::engine::Engine;
use crate::index::{AgentIdx, ClassIdx, ConvIdx, FreeKey, OrderKey, Pool, PoolIdx, media_index};
use crate::input::Target;

impl Engine {
    /// Makes every offer that can be made, in three steps:
    /// 1. conversations that became pending are offered, in waiting order, to agents that
    ///    neither tried them nor just gained room (so a declined or missed conversation goes to
    ///    the next agent first);
    /// 2. agents that gained room pull the best waiting work they may (which keeps the
    ///    priority-then-age order for them);
    /// 3. what is still pending is offered to anyone eligible, those that tried it included.
    pub(crate) fn settle(&mut self) {
        while !self.dirty_convs.is_empty() || !self.dirty_agents.is_empty() {
            // The marked conversations are swapped with an empty list kept for this, so that
            // neither list loses its allocation.
            let mut convs = std::mem::take(&mut self.settling_convs);
            std::mem::swap(&mut convs, &mut self.dirty_convs);
            convs.retain(|&c| match self.convs[c as usize].as_mut() {
                Some(conv) => {
                    conv.dirty = false;
                    conv.status == Status::Pending
                }
                None => false,
            });
            convs.sort_by_key(|&c| self.order_key(c));
            convs.dedup();
            for &c in &convs {
                self.place_if_pending(c, true);
            }
            while let Some(a) = self.dirty_agents.pop() {
                match self.agents[a as usize].as_mut() {
                    Some(agent) => agent.dirty = false,
                    None => continue,
                }
                self.pull(a);
            }
            for &c in &convs {
                self.place_if_pending(c, false);
            }
            convs.clear();
            self.settling_convs = convs;
        }
    }

    fn place_if_pending(&mut self, c: ConvIdx, strict: bool) {
        if self.convs[c as usize]
            .as_ref()
            .is_some_and(|conv| conv.status == Status::Pending)
        {
            self.place(c, strict);
        }
    }

    /// The agent takes waiting work until it is full or nothing fits.
    fn pull(&mut self, a: AgentIdx) {
        while self.agent(a).free_for_any() {
            match self.best_for(a) {
                Some(c) => self.offer(c, &[a]),
                None => return,
            }
        }
    }

    /// The best waiting conversation the agent may take. Walks, for each media it has room for,
    /// each of its pools' classes in head order and stops as soon as no class can beat what was
    /// found: O(pools x (log n + classes it does not qualify for + its own do-not-offer windows)).
    fn best_for(&self, a: AgentIdx) -> Option<ConvIdx> {
        let agent = self.agent(a);
        let mut best: Option<OrderKey> = None;
        let queues_and_teams = agent.pools.iter().map(|&(p, _)| p);
        for p in queues_and_teams.chain([agent.own_pool]) {
            if self.pending_counts[p as usize] == 0 {
                continue;
            }
            let pool = &self.pools[p as usize];
            for media in Media::ALL.into_iter().filter(|&m| agent.free_for(m)) {
                for &(head, class) in &pool.heads[media_index(media)] {
                    if best.is_some_and(|b| head >= b) {
                        break;
                    }
                    if !self.classes[class as usize].satisfied_by(&agent.skills, &agent.tags) {
                        continue;
                    }
                    if let Some(key) = self.first_open(a, pool, head, class, best) {
                        best = Some(key);
                    }
                }
            }
        }
        best.map(|k| k.conv)
    }

    /// The first pending conversation of a class (whose head is `head`) that ranks before `best`
    /// and has no do-not-offer window open for the agent. Without any window open, that is the
    /// head: neither the class set nor the conversations are read.
    fn first_open(
        &self,
        a: AgentIdx,
        pool: &Pool,
        head: OrderKey,
        class: ClassIdx,
        best: Option<OrderKey>,
    ) -> Option<OrderKey> {
        if self.dno_windows[a as usize] == 0 {
            return Some(head);
        }
        pool.classes[&class]
            .iter()
            .take_while(|&&key| best.is_none_or(|b| key < b))
            .find(|key| !self.conv(key.conv).dno.iter().any(|&(x, _)| x == a))
            .copied()
    }

    /// Whether the agent may be offered the conversation now (membership aside).
    pub(crate) fn eligible(&self, c: ConvIdx, a: AgentIdx) -> bool {
        let Some(agent) = self.agents[a as usize].as_ref() else {
            return false;
        };
        let conv = self.conv(c);
        let requirements = &self.classes[conv.class as usize];
        agent.free_for(conv.media)
            && requirements.satisfied_by(&agent.skills, &agent.tags)
            && !conv.dno.iter().any(|&(x, _)| x == a)
    }

    /// Offers a pending conversation to whoever its pool's algorithm picks, if anyone. `strict`
    /// leaves out agents that tried it and agents about to pull work themselves.
    fn place(&mut self, c: ConvIdx, strict: bool) {
        self.sync_free_sets();
        let Some(p) = self.conv(c).pool else { return };
        let chosen = match self.pools[p as usize].target {
            Target::Agent(id) => {
                let a = self.agent_ids.get(&id).expect("known agent");
                if self.eligible(c, a) && !(strict && self.skipped_when_strict(c, a)) {
                    vec![a]
                } else {
                    Vec::new()
                }
            }
            _ => {
                let random = self.rng.next_u64() as i64;
                self.choose(c, p, random, strict)
            }
        };
        if !chosen.is_empty() {
            self.offer(c, &chosen);
        }
    }

    /// The agents a pool's algorithm offers the conversation to: in the first tier that has an
    /// eligible agent that has not tried it, the first such agent in the algorithm's order (or
    /// all of them for the all-at-once algorithms); failing that (unless `strict`), agents that
    /// tried it, in the first tier that has any.
    ///
    /// Worst case O(free members of the pool for the media) when few of them have the skills:
    /// the scan stops at the first eligible agent, but cannot skip ineligible ones by index.
    fn choose(&self, c: ConvIdx, p: PoolIdx, random: i64, strict: bool) -> Vec<AgentIdx> {
        let pool = &self.pools[p as usize];
        let conv = self.conv(c);
        let set = &pool.free[media_index(conv.media)];
        let all = matches!(
            pool.algorithm,
            OfferAlgorithm::AllAtOnce | OfferAlgorithm::AgentPriorityAllAtOnce
        );
        let mut fallback = Vec::new();
        let mut next_tier = set.first().map(|k| k.tier);
        while let Some(tier) = next_tier {
            let low = FreeKey {
                tier,
                a: i64::MIN,
                b: i64::MIN,
                agent: 0,
            };
            let high = match tier.checked_add(1) {
                Some(t) => Bound::Excluded(FreeKey { tier: t, ..low }),
                None => Bound::Unbounded,
            };
            let start = match pool.algorithm {
                OfferAlgorithm::OneAtATimeRandom
                | OfferAlgorithm::AgentPriorityOneAtATimeRandom => FreeKey { a: random, ..low },
                OfferAlgorithm::RoundRobin => FreeKey {
                    tier,
                    a: 0,
                    b: 0,
                    agent: pool.cursor.saturating_add(1),
                },
                _ => low,
            };
            let in_order = set
                .range((Bound::Included(start), high))
                .chain(set.range((Bound::Included(low), Bound::Excluded(start))));
            let mut untried = Vec::new();
            let mut tried = Vec::new();
            for key in in_order {
                if !self.eligible(c, key.agent) || (strict && self.agent(key.agent).dirty) {
                    continue;
                }
                if conv.tried.contains(&key.agent) {
                    if strict {
                        continue;
                    }
                    if all || tried.is_empty() {
                        tried.push(key.agent);
                    }
                } else {
                    untried.push(key.agent);
                    if !all {
                        break;
                    }
                }
            }
            if !untried.is_empty() {
                return untried;
            }
            if fallback.is_empty() {
                fallback = tried;
            }
            next_tier = tier
                .checked_add(1)
                .and_then(|t| set.range(FreeKey { tier: t, ..low }..).next())
                .map(|k| k.tier);
        }
        fallback
    }

    fn skipped_when_strict(&self, c: ConvIdx, a: AgentIdx) -> bool {
        self.agent(a).dirty || self.conv(c).tried.contains(&a)
    }

    /// Offers a pending conversation to the agents given, with the conversation's offer timeout.
    pub(crate) fn offer(&mut self, c: ConvIdx, agents: &[AgentIdx]) {
        self.leave_pending(c);
        let expires_at = self
            .settings(c)
            .offer_timeout
            .map(|t| self.now.plus_seconds(i64::from(t.max(1))));
        self.set_offer_expiry(c, expires_at);
        let id = self.conv(c).id;
        for &a in agents {
            self.open_offer(c, a);
            self.out.push(Decision::Offered {
                conversation: id,
                agent: self.agent(a).id,
                expires_at,
            });
        }
        if let Some(p) = self.conv(c).pool {
            let pool = &mut self.pools[p as usize];
            if let Some(&last) = agents.last() {
                pool.cursor = last;
            }
        }
    }
}
