//! Timers (offer expiry, wrap-up end, do-not-offer windows, preferred-agent holds, the
//! longest-wait threshold) and queue thresholds.

use domain::Timestamp;
use domain::conversation::Status;

use crate::decision::{CancelReason, Decision, Threshold};
use crate::engine::Engine;
use crate::index::{ConvIdx, PoolIdx};
use crate::input::{Target, Thresholds};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum TimerKind {
    OfferExpiry,
    WrapUpEnd,
    DoNotOfferEnd,
    HoldEnd,
    PersonalAgentEnd,
    LongestWait,
}

/// A deadline; `a` is a conversation (or a pool for `LongestWait`), `b` an agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Timer {
    pub at: Timestamp,
    pub kind: TimerKind,
    pub a: u32,
    pub b: u32,
}

impl Engine {
    pub(crate) fn add_timer(&mut self, at: Timestamp, kind: TimerKind, a: u32, b: u32) {
        self.timers.insert(Timer { at, kind, a, b });
    }

    pub(crate) fn remove_timer(&mut self, at: Timestamp, kind: TimerKind, a: u32, b: u32) {
        self.timers.remove(&Timer { at, kind, a, b });
    }

    /// The earliest moment a `tick` has something to do.
    pub fn next_deadline(&self) -> Option<Timestamp> {
        self.timers.first().map(|t| t.at)
    }

    /// Fires every timer due by `now`, then routes what that made possible.
    pub fn tick(&mut self, now: domain::Timestamp) -> Vec<Decision> {
        self.now = now;
        while let Some(timer) = self.timers.first().copied() {
            if timer.at > now {
                break;
            }
            self.timers.pop_first();
            self.fire(timer);
        }
        self.finish();
        std::mem::take(&mut self.out)
    }

    fn fire(&mut self, timer: Timer) {
        let c: ConvIdx = timer.a;
        match timer.kind {
            TimerKind::OfferExpiry => {
                self.conv_mut(c).offer_expires = None;
                // A miss ends the offer, which removes it from the list.
                while let Some(&a) = self.conv(c).offers.first() {
                    self.miss(c, a, CancelReason::Expired);
                }
                self.after_offer_ended(c);
            }
            TimerKind::WrapUpEnd => {
                self.conv_mut(c).wrap_until = None;
                self.end_wrap_up(c);
            }
            TimerKind::DoNotOfferEnd => {
                let a = timer.b;
                self.close_dno_window(c, a, timer.at);
                if self.conv(c).status == Status::Pending {
                    self.mark_conv(c);
                }
                self.mark_agent(a);
            }
            TimerKind::HoldEnd => {
                self.conv_mut(c).hold_until = None;
                self.release_hold(c);
            }
            TimerKind::PersonalAgentEnd => {
                self.conv_mut(c).personal_until = None;
                self.personal_agent_missed(c);
            }
            TimerKind::LongestWait => {
                let p: PoolIdx = timer.a;
                self.pools[p as usize].wait_timer = None;
                self.mark_pool(p);
            }
        }
    }

    /// Raises or clears the thresholds of the queues whose figures may have moved, and keeps
    /// the longest-wait timer at the moment the oldest waiting conversation would cross it.
    pub(crate) fn evaluate_thresholds(&mut self) {
        // Taken and given back (evaluating marks no pool), so the list keeps its allocation.
        let mut pools = std::mem::take(&mut self.dirty_pools);
        for &p in &pools {
            self.pools[p as usize].dirty = false;
            self.evaluate_thresholds_of(p);
        }
        pools.clear();
        self.dirty_pools = pools;
    }

    fn evaluate_thresholds_of(&mut self, p: PoolIdx) {
        let now = self.now;
        let Target::Queue(queue) = self.pools[p as usize].target else {
            return;
        };
        let thresholds = self
            .queues
            .get(&queue)
            .map(|q| q.thresholds)
            .unwrap_or_default();
        let pool = &self.pools[p as usize];
        if thresholds == Thresholds::default()
            && pool.raised == [false; 3]
            && pool.wait_timer.is_none()
        {
            return;
        }
        let waiting = pool.waiting.len() as u64;
        let oldest = pool.waiting.first().map(|&(since, _)| since);
        let waited_ms = oldest.map_or(0, |since| (now.millis() - since.millis()).max(0));
        let available = u64::from(pool.available);
        let checks = [
            (
                Threshold::WaitingConversations,
                waiting,
                thresholds
                    .waiting_conversations
                    .is_some_and(|t| waiting >= u64::from(t)),
            ),
            (
                Threshold::LongestWait,
                waited_ms as u64 / 1000,
                thresholds
                    .longest_wait
                    .is_some_and(|t| oldest.is_some() && waited_ms >= i64::from(t) * 1000),
            ),
            (
                Threshold::AvailableAgents,
                available,
                thresholds
                    .available_agents
                    .is_some_and(|t| available < u64::from(t)),
            ),
        ];
        for (i, (threshold, value, raised)) in checks.into_iter().enumerate() {
            if self.pools[p as usize].raised[i] != raised {
                self.pools[p as usize].raised[i] = raised;
                self.out.push(Decision::ThresholdCrossed {
                    queue,
                    threshold,
                    value,
                    raised,
                });
            }
        }
        let wanted = match (thresholds.longest_wait, oldest) {
            (Some(t), Some(since)) if !self.pools[p as usize].raised[1] => {
                Some(since.plus_seconds(i64::from(t)))
            }
            _ => None,
        };
        self.set_wait_timer(p, wanted);
    }

    fn set_wait_timer(&mut self, p: PoolIdx, wanted: Option<Timestamp>) {
        let current = self.pools[p as usize].wait_timer;
        if wanted != current {
            if let Some(at) = current {
                self.remove_timer(at, TimerKind::LongestWait, p, 0);
            }
            if let Some(at) = wanted {
                self.add_timer(at, TimerKind::LongestWait, p, 0);
            }
            self.pools[p as usize].wait_timer = wanted;
        }
    }
}
