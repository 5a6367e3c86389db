//! Routing proper: after every command and tick, freed agents take the best work they may, then
//! waiting conversations are offered by their pool's algorithm, until no offer can be made.

use std::ops::Bound;

use domain::conversation::Status;
use domain::queue::OfferAlgorithm;

use crate::decision::Decision;
use crate::engine::Engine;
use crate::index::{AgentIdx, ConvIdx, FreeKey, OrderKey, PoolIdx, media_index};
use crate::input::Target;

impl Engine {
    /// Makes every offer that can be made. Agents that gained room pull first (each takes the
    /// best waiting work it may, which keeps the priority-then-age order); then conversations
    /// that became pending are placed in that order, by their pool's algorithm.
    pub(crate) fn settle(&mut self) {
        loop {
            while let Some(a) = self.dirty_agents.pop() {
                match self.agents[a as usize].as_mut() {
                    Some(agent) => agent.dirty = false,
                    None => continue,
                }
                self.pull(a);
            }
            if self.dirty_convs.is_empty() {
                break;
            }
            let mut convs = std::mem::take(&mut self.dirty_convs);
            convs.retain(|&c| match self.convs[c as usize].as_mut() {
                Some(conv) => {
                    conv.dirty = false;
                    conv.status == Status::Pending
                }
                None => false,
            });
            convs.sort_by_key(|&c| self.conv(c).key);
            convs.dedup();
            for c in convs {
                if self.convs[c as usize]
                    .as_ref()
                    .is_some_and(|conv| conv.status == Status::Pending)
                {
                    self.place(c);
                }
            }
            if self.dirty_agents.is_empty() && self.dirty_convs.is_empty() {
                break;
            }
        }
    }

    /// The agent takes waiting work until it is full or nothing fits. Work it declined or missed
    /// is left to the conversation's own placement, which offers it to others first.
    fn pull(&mut self, a: AgentIdx) {
        while self.agent(a).free_for_any() {
            match self.best_for(a) {
                (Some(c), _) => self.offer(c, &[a]),
                (None, Some(tried)) => {
                    self.mark_conv(tried);
                    return;
                }
                (None, None) => return,
            }
        }
    }

    /// The best waiting conversation the agent may take and has not tried, and the best one it
    /// has tried. Walks each of its pools' classes in head order and stops as soon as no class
    /// can beat what was found: O(pools x (log n + classes skipped + own exclusions)).
    fn best_for(&self, a: AgentIdx) -> (Option<ConvIdx>, Option<ConvIdx>) {
        let agent = self.agent(a);
        let mut best: Option<OrderKey> = None;
        let mut tried = None;
        for &(p, _) in &agent.pools {
            let pool = &self.pools[p as usize];
            for &(head, class) in &pool.heads {
                if best.is_some_and(|b| head >= b) {
                    break;
                }
                let requirements = &self.classes[class as usize];
                if !agent.free_for(requirements.media)
                    || !requirements.satisfied_by(&agent.skills, &agent.tags)
                {
                    continue;
                }
                for &key in &pool.classes[&class] {
                    if best.is_some_and(|b| key >= b) {
                        break;
                    }
                    let conv = self.conv(key.conv);
                    if conv.dno.iter().any(|&(x, _)| x == a) {
                        continue;
                    }
                    if conv.tried.contains(&a) {
                        tried.get_or_insert(key.conv);
                        continue;
                    }
                    best = Some(key);
                    break;
                }
            }
        }
        (best.map(|k| k.conv), tried)
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

    /// Offers a pending conversation to whoever its pool's algorithm picks, if anyone.
    fn place(&mut self, c: ConvIdx) {
        let Some(p) = self.conv(c).pool else { return };
        let chosen = match self.pools[p as usize].target {
            Target::Agent(id) => {
                let a = self.agent_ids[&id];
                if self.eligible(c, a) {
                    vec![a]
                } else {
                    Vec::new()
                }
            }
            _ => {
                let random = self.rng.next_u64() as i64;
                self.choose(c, p, random)
            }
        };
        if !chosen.is_empty() {
            self.offer(c, &chosen);
        }
    }

    /// The agents a pool's algorithm offers the conversation to: in the first tier that has an
    /// eligible agent that has not tried it, the first such agent in the algorithm's order (or
    /// all of them for the all-at-once algorithms); failing that, agents that tried it.
    ///
    /// Worst case O(free members of the pool for the media) when few of them have the skills:
    /// the scan stops at the first eligible agent, but cannot skip ineligible ones by index.
    fn choose(&self, c: ConvIdx, p: PoolIdx, random: i64) -> Vec<AgentIdx> {
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
                if !self.eligible(c, key.agent) {
                    continue;
                }
                if conv.tried.contains(&key.agent) {
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
