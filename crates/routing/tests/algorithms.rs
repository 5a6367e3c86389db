//! One test per offer algorithm, plus the order of waiting work and eligibility.

mod common;

use common::*;
use domain::conversation::Media;
use domain::queue::OfferAlgorithm;
use routing::{CancelReason, Command, Decision, Rejection};

#[test]
fn all_at_once_offers_everyone_and_the_first_accept_wins() {
    let mut w = World::new();
    w.agents([agent(1), agent(2), agent(3)]);
    w.run(Command::UpsertQueue(queue(
        100,
        OfferAlgorithm::AllAtOnce,
        &[1, 2, 3],
    )));
    let d = w.enqueue(conversation(500, 100, 0));
    assert_eq!(offered_agents(&d), vec![id(1), id(2), id(3)]);
    let d = w.accept(500, 2);
    let mut cancelled = cancellations(&d);
    cancelled.sort();
    assert_eq!(
        cancelled,
        vec![
            (id(500), id(1), CancelReason::AcceptedByAnother),
            (id(500), id(3), CancelReason::AcceptedByAnother),
        ]
    );
    assert!(d.contains(&Decision::Assigned {
        conversation: id(500),
        agent: id(2)
    }));
    // The loser cannot accept any more, and that changes nothing.
    let d = w.accept(500, 1);
    assert_eq!(
        d,
        vec![Decision::Rejected {
            command: "Accept",
            reason: Rejection::NoSuchOffer
        }]
    );
}

#[test]
fn one_at_a_time_random_offers_one_agent_then_the_next_on_decline() {
    let mut w = World::new();
    w.agents([agent(1), agent(2), agent(3)]);
    w.run(Command::UpsertQueue(queue(
        100,
        OfferAlgorithm::OneAtATimeRandom,
        &[1, 2, 3],
    )));
    let first = offered_agents(&w.enqueue(conversation(500, 100, 0)));
    assert_eq!(first.len(), 1);
    let second = offered_agents(&w.decline(500, first[0].as_u128()));
    assert_eq!(second.len(), 1);
    assert_ne!(second, first, "the next agent, not the one that declined");
    let third = offered_agents(&w.decline(500, second[0].as_u128()));
    assert_eq!(third.len(), 1);
    assert!(!first.contains(&third[0]) && !second.contains(&third[0]));
    // Everyone declined: the round starts again rather than leaving the conversation waiting.
    let fourth = offered_agents(&w.decline(500, third[0].as_u128()));
    assert_eq!(fourth.len(), 1);
}

#[test]
fn random_choices_are_reproducible_from_the_seed_and_spread_over_agents() {
    let run = || {
        let mut w = World::new();
        w.agents((1..=5).map(|n| {
            let mut a = agent(n);
            a.capacity.messaging = 100;
            a
        }));
        w.run(Command::UpsertQueue(queue(
            100,
            OfferAlgorithm::OneAtATimeRandom,
            &[1, 2, 3, 4, 5],
        )));
        (0..50)
            .flat_map(|n| offered_agents(&w.enqueue(conversation(1000 + n, 100, n as i64))))
            .collect::<Vec<_>>()
    };
    let first = run();
    assert_eq!(first, run());
    let mut distinct = first.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 5, "every agent gets some: {first:?}");
}

#[test]
fn longest_idle_offers_the_agent_idle_longest() {
    let mut w = World::new();
    let mut recent = agent(1);
    recent.idle_since = at(-10);
    let mut oldest = agent(2);
    oldest.idle_since = at(-500);
    let mut middle = agent(3);
    middle.idle_since = at(-50);
    w.agents([recent, oldest, middle]);
    w.run(Command::UpsertQueue(queue(
        100,
        OfferAlgorithm::LongestIdle,
        &[1, 2, 3],
    )));
    assert_eq!(
        offered_agents(&w.enqueue(conversation(500, 100, 0))),
        [id(2)]
    );
    assert_eq!(
        offered_agents(&w.enqueue(conversation(501, 100, 0))),
        [id(3)]
    );
    assert_eq!(
        offered_agents(&w.enqueue(conversation(502, 100, 0))),
        [id(1)]
    );
}

fn tiered(n: u128, algorithm: OfferAlgorithm, members: &[(u128, Option<u32>)]) -> Command {
    let mut q = queue(n, algorithm, &[]);
    q.members = members.iter().map(|&(m, t)| (id(m), t)).collect();
    Command::UpsertQueue(q)
}

#[test]
fn agent_priority_longest_idle_prefers_the_best_tier_then_idle_time() {
    let mut w = World::new();
    let mut long_idle_tier2 = agent(1);
    long_idle_tier2.idle_since = at(-1000);
    w.agents([long_idle_tier2, agent(2), agent(3), agent(4)]);
    w.run(tiered(
        100,
        OfferAlgorithm::AgentPriorityLongestIdle,
        &[(1, Some(2)), (2, Some(1)), (3, Some(1)), (4, None)],
    ));
    let first = offered_agents(&w.enqueue(conversation(500, 100, 0)));
    let second = offered_agents(&w.enqueue(conversation(501, 100, 0)));
    let mut tier1 = [first[0], second[0]];
    tier1.sort();
    assert_eq!(tier1, [id(2), id(3)]);
    assert_eq!(
        offered_agents(&w.enqueue(conversation(502, 100, 0))),
        [id(1)]
    );
    // Members without a tier come last.
    assert_eq!(
        offered_agents(&w.enqueue(conversation(503, 100, 0))),
        [id(4)]
    );
}

#[test]
fn agent_priority_all_at_once_offers_the_whole_best_tier() {
    let mut w = World::new();
    w.agents([agent(1), agent(2), agent(3)]);
    w.run(tiered(
        100,
        OfferAlgorithm::AgentPriorityAllAtOnce,
        &[(1, Some(5)), (2, Some(3)), (3, Some(3))],
    ));
    assert_eq!(
        offered_agents(&w.enqueue(conversation(500, 100, 0))),
        [id(2), id(3)]
    );
    assert_eq!(
        offered_agents(&w.enqueue(conversation(501, 100, 0))),
        [id(1)]
    );
}

#[test]
fn agent_priority_one_at_a_time_random_stays_in_the_best_tier_until_it_is_tried() {
    let mut w = World::new();
    w.agents([agent(1), agent(2), agent(3)]);
    w.run(tiered(
        100,
        OfferAlgorithm::AgentPriorityOneAtATimeRandom,
        &[(1, Some(1)), (2, Some(1)), (3, Some(2))],
    ));
    let first = offered_agents(&w.enqueue(conversation(500, 100, 0)));
    assert!(first == [id(1)] || first == [id(2)], "{first:?}");
    let second = offered_agents(&w.decline(500, first[0].as_u128()));
    assert!(second == [id(1)] || second == [id(2)]);
    assert_ne!(first, second);
    let third = offered_agents(&w.decline(500, second[0].as_u128()));
    assert_eq!(
        third,
        [id(3)],
        "the next tier once the best one has declined"
    );
}

#[test]
fn round_robin_rotates_through_members() {
    let mut w = World::new();
    w.agents((1..=3).map(|n| {
        let mut a = agent(n);
        a.capacity.messaging = 10;
        a
    }));
    w.run(Command::UpsertQueue(queue(
        100,
        OfferAlgorithm::RoundRobin,
        &[1, 2, 3],
    )));
    let offered: Vec<_> = (0..6)
        .flat_map(|n| offered_agents(&w.enqueue(conversation(500 + n, 100, 0))))
        .collect();
    assert_eq!(offered[0..3], offered[3..6]);
    let mut first_round = offered[0..3].to_vec();
    first_round.sort();
    assert_eq!(first_round, [id(1), id(2), id(3)]);
}

#[test]
fn least_busy_offers_the_agent_holding_the_least() {
    let mut w = World::new();
    w.agents((1..=2).map(|n| {
        let mut a = agent(n);
        a.capacity.messaging = 10;
        a
    }));
    w.run(Command::UpsertQueue(queue(
        100,
        OfferAlgorithm::LeastBusy,
        &[1, 2],
    )));
    let a = offered_agents(&w.enqueue(conversation(500, 100, 0)));
    let b = offered_agents(&w.enqueue(conversation(501, 100, 0)));
    assert_ne!(a, b, "the second goes to the one holding nothing");
    let c = offered_agents(&w.enqueue(conversation(502, 100, 0)));
    let d = offered_agents(&w.enqueue(conversation(503, 100, 0)));
    assert_ne!(c, d);
}

#[test]
fn waiting_work_is_taken_by_queue_priority_then_priority_then_age() {
    let mut w = World::new();
    let mut busy = agent(1);
    busy.accepts_work = false;
    w.agents([busy.clone()]);
    let mut low = queue(100, OfferAlgorithm::LongestIdle, &[1]);
    low.priority = 1;
    let mut high = queue(101, OfferAlgorithm::LongestIdle, &[1]);
    high.priority = 5;
    w.run(Command::UpsertQueue(low));
    w.run(Command::UpsertQueue(high));
    let mut urgent_low_queue = conversation(500, 100, 0);
    urgent_low_queue.priority = 100;
    w.enqueue(urgent_low_queue);
    w.enqueue(conversation(501, 101, 5));
    let mut urgent = conversation(502, 101, 9);
    urgent.priority = 50;
    w.enqueue(urgent);
    w.enqueue(conversation(503, 101, 1));
    busy.accepts_work = true;
    let mut order = Vec::new();
    order.extend(offers(&w.run(Command::UpsertAgent(busy))));
    for _ in 0..3 {
        let (c, a) = *order.last().unwrap();
        w.accept(c.as_u128(), a.as_u128());
        order.extend(offers(&w.close(c.as_u128())));
    }
    let conversations: Vec<_> = order.iter().map(|(c, _)| *c).collect();
    assert_eq!(conversations, [id(502), id(503), id(501), id(500)]);
}

#[test]
fn skills_and_tags_decide_eligibility() {
    let mut w = World::new();
    let (language, english, danish) = (id(900), id(901), id(902));
    let vip = id(950);
    let mut a1 = agent(1);
    a1.skills = vec![(language, english)];
    let mut a2 = agent(2);
    a2.skills = vec![(language, danish)];
    a2.tags = vec![vip];
    w.agents([a1, a2]);
    w.run(Command::UpsertQueue(queue(
        100,
        OfferAlgorithm::AllAtOnce,
        &[1, 2],
    )));
    let mut danish_or_german = conversation(500, 100, 0);
    danish_or_german.required_skills = vec![(language, vec![danish, id(903)])];
    assert_eq!(offered_agents(&w.enqueue(danish_or_german)), [id(2)]);
    let mut english_vip = conversation(501, 100, 0);
    english_vip.required_skills = vec![(language, vec![english])];
    english_vip.required_tags = vec![vip];
    assert!(offered_agents(&w.enqueue(english_vip)).is_empty());
    let mut in_english = conversation(502, 100, 0);
    in_english.required_skills = vec![(language, vec![english])];
    assert_eq!(offered_agents(&w.enqueue(in_english)), [id(1)]);
}

#[test]
fn voice_takes_the_whole_agent() {
    let mut w = World::new();
    let mut a = agent(1);
    a.capacity.messaging = 5;
    w.agents([a]);
    w.run(Command::UpsertQueue(queue(
        100,
        OfferAlgorithm::LongestIdle,
        &[1],
    )));
    assert_eq!(
        offered_agents(&w.enqueue(conversation(500, 100, 0))).len(),
        1
    );
    let mut call = conversation(501, 100, 1);
    call.media = Media::Voice;
    assert!(
        offered_agents(&w.enqueue(call)).is_empty(),
        "an agent holding a chat is not offered a call"
    );
    // Once the chat is gone, the call is offered, and then nothing else is.
    w.accept(500, 1);
    assert_eq!(offers(&w.close(500)), [(id(501), id(1))]);
    assert!(offered_agents(&w.enqueue(conversation(502, 100, 2))).is_empty());
}

#[test]
fn capacity_per_media_is_respected_and_offers_count_against_it() {
    let mut w = World::new();
    let mut a = agent(1);
    a.capacity.messaging = 2;
    a.capacity.email = 0;
    w.agents([a]);
    w.run(Command::UpsertQueue(queue(
        100,
        OfferAlgorithm::LongestIdle,
        &[1],
    )));
    assert_eq!(
        offered_agents(&w.enqueue(conversation(500, 100, 0))).len(),
        1
    );
    assert_eq!(
        offered_agents(&w.enqueue(conversation(501, 100, 0))).len(),
        1
    );
    assert!(offered_agents(&w.enqueue(conversation(502, 100, 0))).is_empty());
    let mut mail = conversation(503, 100, 0);
    mail.media = Media::Email;
    assert!(offered_agents(&w.enqueue(mail)).is_empty());
    w.accept(500, 1);
    let d = w.close(500);
    assert_eq!(
        offers(&d),
        [(id(502), id(1))],
        "room goes to the next waiting"
    );
}
