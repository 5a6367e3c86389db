//! Timers (offer expiry, do-not-offer, wrap-up, preferred agent, thresholds) and the commands
//! that move conversations around.

mod common;

use common::*;
use domain::queue::OfferAlgorithm;
use routing::{
    CancelReason, Command, Decision, Load, MediaMap, Rejection, RestoredState, Target, Threshold,
    Work,
};

fn two_agents(algorithm: OfferAlgorithm) -> World {
    let mut w = World::new();
    let mut first = agent(1);
    first.idle_since = at(-200);
    w.agents([first, agent(2)]);
    w.run(Command::UpsertQueue(queue(100, algorithm, &[1, 2])));
    w
}

#[test]
fn an_offer_expires_after_the_timeout_and_moves_on() {
    let mut w = two_agents(OfferAlgorithm::LongestIdle);
    let d = w.enqueue(conversation(500, 100, 0));
    assert!(d.contains(&Decision::Offered {
        conversation: id(500),
        agent: id(1),
        expires_at: Some(at(10)),
    }));
    assert_eq!(w.engine.next_deadline(), Some(at(10)));
    assert!(w.at(9).is_empty(), "nothing is due before the deadline");
    let d = w.at(10);
    assert_eq!(cancellations(&d), [(id(500), id(1), CancelReason::Expired)]);
    assert_eq!(offers(&d), [(id(500), id(2))]);
}

#[test]
fn do_not_offer_keeps_a_conversation_from_an_agent_that_missed_it_for_the_window() {
    let mut w = World::new();
    w.agents([agent(1)]);
    let mut q = queue(100, OfferAlgorithm::LongestIdle, &[1]);
    q.do_not_offer = Some(MediaMap {
        voice: 30,
        messaging: 60,
        email: 600,
    });
    w.run(Command::UpsertQueue(q));
    w.enqueue(conversation(500, 100, 0));
    let d = w.decline(500, 1);
    assert!(
        offers(&d).is_empty(),
        "the agent that declined is not offered again"
    );
    assert_eq!(w.engine.next_deadline(), Some(at(60)));
    // Other work still reaches it.
    assert_eq!(
        offers(&w.enqueue(conversation(501, 100, 1))),
        [(id(501), id(1))]
    );
    w.decline(501, 1);
    assert_eq!(offers(&w.at(60)), [(id(500), id(1))]);
}

#[test]
fn without_do_not_offer_the_only_agent_is_offered_again() {
    let mut w = World::new();
    w.agents([agent(1)]);
    w.run(Command::UpsertQueue(queue(
        100,
        OfferAlgorithm::LongestIdle,
        &[1],
    )));
    w.enqueue(conversation(500, 100, 0));
    assert_eq!(offers(&w.decline(500, 1)), [(id(500), id(1))]);
}

#[test]
fn wrap_up_keeps_the_agent_from_new_work_until_it_ends() {
    let mut w = World::new();
    w.agents([agent(1)]);
    let mut q = queue(100, OfferAlgorithm::LongestIdle, &[1]);
    q.wrap_up_timeout = Some(30);
    w.run(Command::UpsertQueue(q));
    w.enqueue(conversation(500, 100, 0));
    w.accept(500, 1);
    let d = w.close(500);
    assert!(d.contains(&Decision::WrapUpStarted {
        conversation: id(500),
        agent: id(1),
        until: at(30),
    }));
    assert!(d.contains(&Decision::AgentWork {
        agent: id(1),
        work: Work::WrapUp,
        load: Load::default(),
    }));
    assert!(offers(&w.enqueue(conversation(501, 100, 1))).is_empty());
    let d = w.at(30);
    assert_eq!(
        d[0..2],
        [
            Decision::WrapUpEnded {
                conversation: id(500),
                agent: id(1)
            },
            Decision::Closed {
                conversation: id(500)
            },
        ]
    );
    assert_eq!(offers(&d), [(id(501), id(1))]);
    // Closing a closed conversation is refused.
    assert_eq!(
        w.close(500),
        [Decision::Rejected {
            command: "Close",
            reason: Rejection::UnknownConversation
        }]
    );
}

#[test]
fn end_wrap_up_frees_the_agent_early() {
    let mut w = World::new();
    w.agents([agent(1)]);
    let mut q = queue(100, OfferAlgorithm::LongestIdle, &[1]);
    q.wrap_up_timeout = Some(30);
    w.run(Command::UpsertQueue(q));
    w.enqueue(conversation(500, 100, 0));
    w.enqueue(conversation(501, 100, 1));
    w.accept(500, 1);
    w.close(500);
    let d = w.run(Command::EndWrapUp {
        conversation: id(500),
    });
    assert_eq!(offers(&d), [(id(501), id(1))]);
    assert_eq!(
        w.engine.next_deadline(),
        Some(at(10)),
        "the wrap-up timer is gone"
    );
}

#[test]
fn a_preferred_agent_gets_the_conversation_first_for_the_timeout() {
    let mut w = two_agents(OfferAlgorithm::AllAtOnce);
    let mut q = queue(100, OfferAlgorithm::AllAtOnce, &[1, 2]);
    q.preferred_agent_timeout = Some(MediaMap {
        voice: 5,
        messaging: 5,
        email: 5,
    });
    // Agent 2 is away when these arrive: the hold for an agent not at work applies.
    q.preferred_agent_offline_timeout = Some(20);
    w.run(Command::UpsertQueue(q));
    let mut held = conversation(500, 100, 0);
    held.preferred_agent = Some(id(2));
    let mut busy = agent(2);
    busy.accepts_work = false;
    w.run(Command::UpsertAgent(busy.clone()));
    assert!(offers(&w.enqueue(held)).is_empty(), "held for agent 2");
    busy.accepts_work = true;
    assert_eq!(
        offers(&w.run(Command::UpsertAgent(busy.clone()))),
        [(id(500), id(2))]
    );
    // A miss by the preferred agent ends the hold.
    let d = w.decline(500, 2);
    assert_eq!(offers(&d), [(id(500), id(1))]);

    let mut later = conversation(501, 100, 0);
    later.preferred_agent = Some(id(2));
    busy.accepts_work = false;
    w.run(Command::UpsertAgent(busy));
    assert!(offers(&w.enqueue(later)).is_empty());
    w.accept(500, 1);
    assert!(
        offers(&w.close(500)).is_empty(),
        "agent 1 is free, but 501 is held for agent 2"
    );
    assert_eq!(w.engine.next_deadline(), Some(at(20)));
    assert_eq!(offers(&w.at(20)), [(id(501), id(1))]);
}

#[test]
fn a_preferred_agent_at_work_is_held_for_by_media_and_one_away_only_when_the_queue_says() {
    let mut w = two_agents(OfferAlgorithm::AllAtOnce);
    let mut q = queue(100, OfferAlgorithm::AllAtOnce, &[1, 2]);
    q.preferred_agent_timeout = Some(MediaMap {
        voice: 0,
        messaging: 30,
        email: 5,
    });
    w.run(Command::UpsertQueue(q.clone()));
    let mut chat = conversation(500, 100, 0);
    chat.preferred_agent = Some(id(2));
    assert_eq!(offers(&w.enqueue(chat)), [(id(500), id(2))]);
    let mut mail = conversation(501, 100, 0);
    mail.media = domain::conversation::Media::Email;
    mail.preferred_agent = Some(id(2));
    let mut busy = agent(2);
    busy.capacity.email = 0;
    w.run(Command::UpsertAgent(busy));
    assert!(offers(&w.enqueue(mail)).is_empty(), "held 5 s for agent 2");
    assert_eq!(offers(&w.at(5)), [(id(501), id(1))]);

    // Agent 2 away and no offline hold: offered to the others at once.
    let mut away = agent(2);
    away.accepts_work = false;
    w.run(Command::UpsertAgent(away));
    let mut third = conversation(502, 100, 5);
    third.preferred_agent = Some(id(2));
    w.run(Command::Accept {
        conversation: id(501),
        agent: id(1),
    });
    w.close(501);
    assert_eq!(offers(&w.enqueue(third)), [(id(502), id(1))]);
}

#[test]
fn a_personal_conversation_goes_to_its_queue_when_its_agent_stays_away() {
    let mut w = two_agents(OfferAlgorithm::LongestIdle);
    let mut q = queue(100, OfferAlgorithm::LongestIdle, &[1, 2]);
    q.personal_agent_offline_timeout = Some(30);
    w.run(Command::UpsertQueue(q));
    let mut away = agent(2);
    away.accepts_work = false;
    w.run(Command::UpsertAgent(away));
    let mut personal = conversation(500, 100, 0);
    personal.target = Target::Agent(id(2));
    personal.queue = Some(id(100));
    assert!(offers(&w.enqueue(personal)).is_empty(), "waits for agent 2");
    assert_eq!(w.engine.next_deadline(), Some(at(30)));
    let d = w.at(30);
    assert!(
        d.contains(&Decision::Requeued {
            conversation: id(500),
            target: Target::Queue(id(100)),
            from_agent: None,
        }),
        "{d:?}"
    );
    assert_eq!(offers(&d), [(id(500), id(1))]);

    // An agent at work but full keeps its personal conversation.
    let mut full = agent(1);
    full.capacity.messaging = 0;
    w.run(Command::UpsertAgent(full));
    let mut mine = conversation(501, 100, 30);
    mine.target = Target::Agent(id(1));
    mine.queue = Some(id(100));
    assert!(offers(&w.enqueue(mine)).is_empty());
    assert!(
        !w.at(100)
            .iter()
            .any(|d| matches!(d, Decision::Requeued { .. })),
        "agent 1 takes work: no timeout"
    );
}

#[test]
fn a_personal_wait_starts_when_the_agent_goes_away_and_outlives_a_restart() {
    let personal_queue = || {
        let mut q = queue(100, OfferAlgorithm::LongestIdle, &[1, 2]);
        q.personal_agent_offline_timeout = Some(30);
        q
    };
    let mut w = two_agents(OfferAlgorithm::LongestIdle);
    w.run(Command::UpsertQueue(personal_queue()));
    let mut full = agent(2);
    full.capacity.messaging = 0;
    w.run(Command::UpsertAgent(full.clone()));
    let mut personal = conversation(500, 100, 0);
    personal.target = Target::Agent(id(2));
    personal.queue = Some(id(100));
    assert!(offers(&w.enqueue(personal.clone())).is_empty());
    assert_eq!(w.engine.next_deadline(), None, "agent 2 takes work");

    // Agent 2 goes away at 10: the wait for it starts then.
    w.at(10);
    full.accepts_work = false;
    w.run(Command::UpsertAgent(full.clone()));
    assert_eq!(w.engine.next_deadline(), Some(at(40)));

    // A new engine at 25, told the conversation has waited since 10, keeps that deadline.
    let mut restarted = World::new();
    restarted.agents([agent(1), full]);
    restarted.run(Command::UpsertQueue(personal_queue()));
    restarted.at(25);
    restarted.run(Command::Restore {
        conversation: personal,
        state: RestoredState::Pending { since: at(10) },
    });
    assert_eq!(restarted.engine.next_deadline(), Some(at(40)));
    assert_eq!(offers(&restarted.at(40)), [(id(500), id(1))]);
}

#[test]
fn transfer_unassign_and_agent_away_move_work() {
    let mut w = World::new();
    let mut a1 = agent(1);
    a1.teams = vec![id(700)];
    let mut a2 = agent(2);
    a2.teams = vec![id(700)];
    let a3 = agent(3);
    w.agents([a1, a2, a3]);
    w.run(Command::UpsertQueue(queue(
        100,
        OfferAlgorithm::LongestIdle,
        &[1],
    )));
    w.enqueue(conversation(500, 100, 0));
    w.accept(500, 1);
    // Transfer to an agent: offered to that agent only.
    let d = w.run(Command::Transfer {
        conversation: id(500),
        to: Target::Agent(id(3)),
    });
    assert!(d.contains(&Decision::Requeued {
        conversation: id(500),
        target: Target::Agent(id(3)),
        from_agent: Some(id(1)),
    }));
    assert_eq!(offers(&d), [(id(500), id(3))]);
    w.accept(500, 3);
    // Unassign into a team: offered to a team member.
    let d = w.run(Command::Unassign {
        conversation: id(500),
        into_team: Some(id(700)),
    });
    let to = offered_agents(&d);
    assert!(to == [id(1)] || to == [id(2)], "{d:?}");
    w.accept(500, to[0].as_u128());
    // The agent goes away: its work moves to the team, to the other member.
    let d = w.run(Command::AgentAway {
        agent: to[0],
        transfer_to_team: Some(id(700)),
    });
    let other = if to[0] == id(1) { id(2) } else { id(1) };
    assert_eq!(offers(&d), [(id(500), other)]);
    // Unknown targets are refused and change nothing.
    let d = w.run(Command::Transfer {
        conversation: id(500),
        to: Target::Queue(id(999)),
    });
    assert_eq!(
        d,
        [Decision::Rejected {
            command: "Transfer",
            reason: Rejection::UnknownQueue
        }]
    );
    assert!(
        !w.accept(500, other.as_u128())
            .iter()
            .any(|d| matches!(d, Decision::Rejected { .. }))
    );
}

#[test]
fn agent_away_cancels_offers_and_keeps_assigned_work_when_no_team_is_given() {
    let mut w = World::new();
    let mut a1 = agent(1);
    a1.capacity.messaging = 2;
    let mut a2 = agent(2);
    a2.accepts_work = false;
    w.agents([a1, a2.clone()]);
    w.run(Command::UpsertQueue(queue(
        100,
        OfferAlgorithm::LongestIdle,
        &[1, 2],
    )));
    w.enqueue(conversation(500, 100, 0));
    w.accept(500, 1);
    assert_eq!(
        offers(&w.enqueue(conversation(501, 100, 1))),
        [(id(501), id(1))]
    );
    a2.accepts_work = true;
    w.run(Command::UpsertAgent(a2));
    let d = w.run(Command::AgentAway {
        agent: id(1),
        transfer_to_team: None,
    });
    assert_eq!(
        cancellations(&d),
        [(id(501), id(1), CancelReason::AgentAway)]
    );
    assert_eq!(offers(&d), [(id(501), id(2))]);
    assert!(!d.iter().any(|d| matches!(d, Decision::Requeued { .. })));
}

#[test]
fn abandon_ends_waiting_work_unless_the_queue_offers_abandoned_conversations() {
    let mut w = World::new();
    w.agents([agent(1)]);
    w.run(Command::UpsertQueue(queue(
        100,
        OfferAlgorithm::LongestIdle,
        &[1],
    )));
    w.enqueue(conversation(500, 100, 0));
    let d = w.run(Command::Abandon {
        conversation: id(500),
    });
    assert_eq!(
        cancellations(&d),
        [(id(500), id(1), CancelReason::Abandoned)]
    );
    assert!(d.contains(&Decision::Abandoned {
        conversation: id(500),
        still_offered: false
    }));

    let mut q = queue(101, OfferAlgorithm::LongestIdle, &[1]);
    q.offer_abandoned_conversations = true;
    w.run(Command::UpsertQueue(q));
    w.enqueue(conversation(501, 101, 0));
    let d = w.run(Command::Abandon {
        conversation: id(501),
    });
    assert_eq!(
        d,
        [Decision::Abandoned {
            conversation: id(501),
            still_offered: true
        }]
    );
    assert!(w.accept(501, 1).contains(&Decision::Assigned {
        conversation: id(501),
        agent: id(1)
    }));
    assert_eq!(
        w.run(Command::Abandon {
            conversation: id(501)
        }),
        [Decision::Rejected {
            command: "Abandon",
            reason: Rejection::WrongStatus
        }]
    );
}

#[test]
fn a_supervisor_assigns_within_capacity_unless_forced() {
    let mut w = World::new();
    w.agents([agent(1), agent(2)]);
    w.run(Command::UpsertQueue(queue(
        100,
        OfferAlgorithm::LongestIdle,
        &[1],
    )));
    w.enqueue(conversation(500, 100, 0));
    w.accept(500, 1);
    w.enqueue(conversation(501, 100, 1));
    let refused = w.run(Command::Assign {
        conversation: id(501),
        agent: id(1),
        force: false,
    });
    assert_eq!(
        refused,
        [Decision::Rejected {
            command: "Assign",
            reason: Rejection::NoCapacity
        }]
    );
    let d = w.run(Command::Assign {
        conversation: id(501),
        agent: id(1),
        force: true,
    });
    assert!(d.contains(&Decision::Assigned {
        conversation: id(501),
        agent: id(1)
    }));
    assert!(d.contains(&Decision::AgentWork {
        agent: id(1),
        work: Work::Engaged,
        load: Load {
            voice: 0,
            messaging: 2,
            email: 0
        },
    }));
}

#[test]
fn thresholds_are_raised_when_crossed_and_again_when_cleared() {
    let mut w = World::new();
    let mut away = agent(1);
    away.accepts_work = false;
    w.agents([away.clone()]);
    let mut q = queue(100, OfferAlgorithm::LongestIdle, &[1]);
    q.thresholds.waiting_conversations = Some(2);
    q.thresholds.longest_wait = Some(60);
    q.thresholds.available_agents = Some(1);
    let d = w.run(Command::UpsertQueue(q));
    assert_eq!(
        d,
        [Decision::ThresholdCrossed {
            queue: id(100),
            threshold: Threshold::AvailableAgents,
            value: 0,
            raised: true
        }]
    );
    assert!(w.enqueue(conversation(500, 100, 0)).is_empty());
    let d = w.enqueue(conversation(501, 100, 0));
    assert_eq!(
        d,
        [Decision::ThresholdCrossed {
            queue: id(100),
            threshold: Threshold::WaitingConversations,
            value: 2,
            raised: true
        }]
    );
    assert_eq!(w.engine.next_deadline(), Some(at(60)));
    let d = w.at(60);
    assert_eq!(
        d,
        [Decision::ThresholdCrossed {
            queue: id(100),
            threshold: Threshold::LongestWait,
            value: 60,
            raised: true
        }]
    );
    away.accepts_work = true;
    let d = w.run(Command::UpsertAgent(away));
    assert!(d.contains(&Decision::ThresholdCrossed {
        queue: id(100),
        threshold: Threshold::AvailableAgents,
        value: 1,
        raised: false
    }));
    // Offered still counts as waiting; accepting clears it.
    let d = w.accept(500, 1);
    assert!(d.contains(&Decision::ThresholdCrossed {
        queue: id(100),
        threshold: Threshold::WaitingConversations,
        value: 1,
        raised: false
    }));
}

#[test]
fn refused_commands_change_nothing() {
    let mut w = two_agents(OfferAlgorithm::LongestIdle);
    w.enqueue(conversation(500, 100, 0));
    for (command, reason) in [
        (
            Command::Accept {
                conversation: id(500),
                agent: id(2),
            },
            Rejection::NoSuchOffer,
        ),
        (
            Command::Accept {
                conversation: id(999),
                agent: id(1),
            },
            Rejection::UnknownConversation,
        ),
        (
            Command::Enqueue(conversation(500, 100, 0)),
            Rejection::DuplicateConversation,
        ),
        (
            Command::Enqueue(conversation(501, 999, 0)),
            Rejection::UnknownQueue,
        ),
        (
            Command::EndWrapUp {
                conversation: id(500),
            },
            Rejection::WrongStatus,
        ),
        (
            Command::RemoveAgent { agent: id(999) },
            Rejection::UnknownAgent,
        ),
    ] {
        let name = command.name();
        assert_eq!(
            w.run(command),
            [Decision::Rejected {
                command: name,
                reason
            }]
        );
    }
    assert_eq!(w.engine.next_deadline(), Some(at(10)));
    assert!(w.accept(500, 1).contains(&Decision::Assigned {
        conversation: id(500),
        agent: id(1)
    }));
}

#[test]
fn restored_offers_are_honoured_and_expire_on_time() {
    let mut w = World::new();
    w.agents([agent(1), agent(2)]);
    w.run(Command::UpsertQueue(queue(
        100,
        OfferAlgorithm::LongestIdle,
        &[1, 2],
    )));
    let restored = w.run(Command::Restore {
        conversation: conversation(500, 100, 0),
        state: RestoredState::Offered {
            agents: vec![id(1)],
            expires_at: Some(at(5)),
        },
    });
    assert!(restored.is_empty(), "{restored:?}");
    w.run(Command::Restore {
        conversation: conversation(501, 100, 0),
        state: RestoredState::Assigned { agent: id(2) },
    });
    w.run(Command::Restore {
        conversation: conversation(502, 100, 1),
        state: RestoredState::Pending { since: at(1) },
    });
    assert_eq!(w.engine.next_deadline(), Some(at(5)));
    let d = w.at(5);
    assert_eq!(cancellations(&d), [(id(500), id(1), CancelReason::Expired)]);
    // Agent 2 is full, so the missed conversation (older than 502) goes back to agent 1.
    assert_eq!(offers(&d), [(id(500), id(1))]);
    let d = w.close(501);
    assert_eq!(offers(&d), [(id(502), id(2))]);
}

#[test]
fn a_conversation_offered_elsewhere_outlives_the_removal_of_its_preferred_agent() {
    let mut w = two_agents(OfferAlgorithm::LongestIdle);
    let mut q = queue(100, OfferAlgorithm::LongestIdle, &[1, 2]);
    q.preferred_agent_timeout = Some(MediaMap {
        voice: 60,
        messaging: 60,
        email: 60,
    });
    w.run(Command::UpsertQueue(q));
    let mut held = conversation(500, 100, 0);
    held.preferred_agent = Some(id(1));
    // Restored as offered to agent 2 while still held for agent 1, who is then removed.
    w.run(Command::Restore {
        conversation: held,
        state: RestoredState::Offered {
            agents: vec![id(2)],
            expires_at: Some(at(10)),
        },
    });
    w.run(Command::RemoveAgent { agent: id(1) });
    // It waits in its queue, not for the agent who is gone: agent 2, its only member left, is
    // offered it again.
    let d = w.decline(500, 2);
    assert_eq!(offers(&d), [(id(500), id(2))]);
}

#[test]
fn a_do_not_offer_window_is_reported_and_outlives_a_restart() {
    let window_queue = || {
        let mut q = queue(100, OfferAlgorithm::LongestIdle, &[1]);
        q.do_not_offer = Some(MediaMap {
            voice: 60,
            messaging: 60,
            email: 60,
        });
        q
    };
    let mut w = World::new();
    w.agents([agent(1)]);
    w.run(Command::UpsertQueue(window_queue()));
    w.enqueue(conversation(500, 100, 0));
    let d = w.decline(500, 1);
    assert!(d.contains(&Decision::DoNotOffer {
        conversation: id(500),
        agent: id(1),
        until: at(60),
    }));

    // A new engine told the conversation and its window keeps the agent away until it ends.
    let mut restarted = World::new();
    restarted.agents([agent(1)]);
    restarted.run(Command::UpsertQueue(window_queue()));
    restarted.run(Command::Restore {
        conversation: conversation(500, 100, 0),
        state: RestoredState::Pending { since: at(0) },
    });
    let d = restarted.run(Command::RestoreDoNotOffer {
        conversation: id(500),
        agent: id(1),
        until: at(60),
    });
    assert!(d.is_empty(), "{d:?}");
    assert!(
        offers(&restarted.at(30)).is_empty(),
        "still inside the window"
    );
    assert_eq!(offers(&restarted.at(60)), [(id(500), id(1))]);
}
