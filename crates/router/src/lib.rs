//! The routing engine at work in the server.
//!
//! One task per workspace owns that workspace's [`routing::Engine`]. It starts on the first
//! command for the workspace, or when the node finds the workspace has routed work that no
//! node routes (at the node's start, and every few seconds after): it takes the workspace's
//! routing lease (one node routes a workspace at a time), rebuilds the engine from the stored
//! state (agents, queues, open conversations, offers still out, do-not-offer windows), and lets
//! it catch up with the clock, so offers that ran out while the server was down expire and
//! timers are re-armed. Then it takes the requests waiting in its queue together (new
//! conversations, commands), runs them through the engine and commits the new conversations
//! with all the decisions in one transaction, and sleeps until the engine's next deadline.
//! Every decision is committed (with its event) before anyone is answered or hears of it.
//!
//! Agents and queues change through every surface; every second the task tells the engine the
//! current agents and queues if anything but routing itself wrote since it last looked (and
//! lets go of conversations closed outside routing), and at least every half minute anyway, in
//! case the notice of another node's write was lost. So a change reaches routing within a
//! second, at the cost of one read of the workspace's agents and queues per second of such
//! writes; routing's own writes (a steady stream under load) cost none. That read runs
//! beside the task, which goes on serving commands meanwhile; commands that name agents or
//! teams (assign, transfer, presence) wait for a fresh read instead. Making the read
//! incremental is the next step for very large workspaces.

mod translate;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use domain::conversation::Conversation;
use domain::custom_attribute::ValuesPatch;
use domain::{Timestamp, Uuid};
use routing::{Command, Decision, Engine, Rejection};
use store::{Lease, Store, StoreError};
use tokio::sync::{mpsc, oneshot, watch};

pub use translate::conversation as conversation_input;

/// How long a lease runs; it is renewed at a third of that.
const LEASE: Duration = Duration::from_secs(30);
/// How soon a change to agents or queues made without a routing command (an agent stepping
/// away, a new member) reaches the engine at the latest.
const RESYNC: Duration = Duration::from_secs(1);
/// How often the engine is told the current agents and queues even when no write was heard of.
const RESYNC_AT_LEAST: Duration = Duration::from_secs(30);
/// How soon an agent's shift starting or ending reaches routing at the latest, in workspaces
/// that enforce schedules.
const SHIFT_CHECK: Duration = Duration::from_secs(15);
/// How often a node looks for workspaces with routed work that no node routes (at its start,
/// after a crash, or when another node's lease ran out).
const ADOPT_EVERY: Duration = Duration::from_secs(5);
/// How many waiting commands may share one commit.
const MAX_BATCH: usize = 512;

/// Where the time comes from (the real clock in the server, a virtual one in tests).
pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum RouteError {
    #[error("{}", .0.as_str())]
    Rejected(Rejection),
    /// Another node routes the workspace: the one reached at this URL, when it is known.
    #[error("another node routes this workspace")]
    NotLeader(Option<String>),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("routing stopped")]
    Stopped,
}

type Answer<T> = oneshot::Sender<Result<T, RouteError>>;

/// What a workspace's task is asked.
enum Request {
    /// Route a command; answered with its decisions once they are stored.
    Route(Command, Answer<Vec<Decision>>),
    /// Store a new conversation and route it, in one transaction; answered with the
    /// conversation as it stands after routing.
    Create(Box<(Conversation, ValuesPatch)>, Answer<Conversation>),
    /// Read agents and queues again now: something about them was just written.
    Refresh(Answer<Vec<Decision>>),
    /// Nothing but to be answered by the task, which holds the workspace's lease.
    Reach(Answer<Vec<Decision>>),
}

impl Request {
    /// Answers the request with an error.
    fn refuse(self, error: impl Fn() -> RouteError) {
        match self {
            Self::Route(_, reply) | Self::Refresh(reply) | Self::Reach(reply) => {
                let _ = reply.send(Err(error()));
            }
            Self::Create(_, reply) => {
                let _ = reply.send(Err(error()));
            }
        }
    }
}

/// The handle to the routing of every workspace this node leads. Cheap to clone.
#[derive(Clone)]
pub struct Router {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    clock: Clock,
    node: Uuid,
    /// Where the other nodes reach this one, recorded with its leases.
    node_url: String,
    workspaces: Mutex<HashMap<Uuid, mpsc::Sender<Request>>>,
    closing: watch::Receiver<bool>,
}

impl Router {
    /// `node` names this server among those sharing the database; it must stay the same across
    /// restarts, so that a restarted node resumes its own leases at once. The others reach it
    /// at `node_url`.
    pub fn new(
        store: Store,
        node: Uuid,
        node_url: String,
        clock: Clock,
        closing: watch::Receiver<bool>,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                store,
                clock,
                node,
                node_url,
                workspaces: Mutex::new(HashMap::new()),
                closing,
            }),
        }
    }

    /// Hands `command` to the workspace's engine; answers its decisions once they are stored.
    /// A command the engine refuses is `RouteError::Rejected` and changed nothing.
    pub async fn command(
        &self,
        workspace_id: Uuid,
        command: Command,
    ) -> Result<Vec<Decision>, RouteError> {
        let (reply, answer) = oneshot::channel();
        self.send(workspace_id, Request::Route(command, reply))
            .await?;
        let decisions = answer.await.map_err(|_| RouteError::Stopped)??;
        match decisions.iter().find_map(|d| match d {
            Decision::Rejected { reason, .. } => Some(*reason),
            _ => None,
        }) {
            Some(reason) => Err(RouteError::Rejected(reason)),
            None => Ok(decisions),
        }
    }

    /// Stores a new conversation that routing takes (it names a queue, a team or an agent)
    /// together with routing's first decisions about it, in one transaction; answers it as it
    /// stands then (offered, say). Refused as `Store::create_conversation` refuses.
    pub async fn create(
        &self,
        conversation: Conversation,
        attributes: ValuesPatch,
    ) -> Result<Conversation, RouteError> {
        let workspace_id = conversation.workspace_id;
        let (reply, answer) = oneshot::channel();
        let create = Box::new((conversation, attributes));
        self.send(workspace_id, Request::Create(create, reply))
            .await?;
        answer.await.map_err(|_| RouteError::Stopped)?
    }

    /// Makes sure this node routes the workspace, taking it on when no node does;
    /// `NotLeader` names the node that routes it. For a call that must write nothing here when
    /// its routing happens elsewhere.
    pub async fn route_here(&self, workspace_id: Uuid) -> Result<(), RouteError> {
        let (reply, answer) = oneshot::channel();
        self.send(workspace_id, Request::Reach(reply)).await?;
        answer.await.map_err(|_| RouteError::Stopped)?.map(|_| ())
    }

    async fn send(&self, workspace_id: Uuid, request: Request) -> Result<(), RouteError> {
        let queue = self.workspace(workspace_id);
        if queue.send(request).await.is_err() {
            // The task ended (lost lease, failed start): the next request starts a new one.
            self.forget(workspace_id);
            return Err(RouteError::Stopped);
        }
        Ok(())
    }

    /// Tells routing that agents, their teams or queue memberships of a workspace were just
    /// changed, and waits until it has read them, so the change counts from the next command
    /// on. Only where this node routes the workspace: elsewhere the node that does notices
    /// within a second, as it does changes made any other way.
    pub async fn roster_changed(&self, workspace_id: Uuid) {
        let queue = self
            .inner
            .workspaces
            .lock()
            .expect("router lock")
            .get(&workspace_id)
            .cloned();
        let Some(queue) = queue else {
            return;
        };
        let (reply, answer) = oneshot::channel();
        if queue.send(Request::Refresh(reply)).await.is_ok() {
            let _ = answer.await;
        }
    }

    /// Starts routing, on this node, every workspace with routed work that no node routes, at
    /// once and then every few seconds until the server closes: timers and offers out run on
    /// time after a restart without waiting for a request, and a node takes over from one
    /// that stopped once its lease has run out.
    pub async fn adopt_unrouted_workspaces(self) {
        let mut closing = self.inner.closing.clone();
        let mut every = tokio::time::interval(ADOPT_EVERY);
        loop {
            tokio::select! {
                _ = every.tick() => self.adopt_once().await,
                _ = closing.changed() => return,
            }
        }
    }

    async fn adopt_once(&self) {
        let now = (self.inner.clock)();
        match self
            .inner
            .store
            .workspaces_to_route(self.inner.node, now)
            .await
        {
            Ok(workspaces) => {
                for workspace_id in workspaces {
                    self.workspace(workspace_id);
                }
            }
            Err(error) => tracing::warn!(%error, "could not look for workspaces to route"),
        }
    }

    fn workspace(&self, workspace_id: Uuid) -> mpsc::Sender<Request> {
        let mut workspaces = self.inner.workspaces.lock().expect("router lock");
        if let Some(queue) = workspaces.get(&workspace_id).filter(|q| !q.is_closed()) {
            return queue.clone();
        }
        let (queue, commands) = mpsc::channel(256);
        workspaces.insert(workspace_id, queue.clone());
        let inner = self.inner.clone();
        tokio::spawn(async move { Workspace::run(inner, workspace_id, commands).await });
        queue
    }

    fn forget(&self, workspace_id: Uuid) {
        self.inner
            .workspaces
            .lock()
            .expect("router lock")
            .remove(&workspace_id);
    }
}

/// The task that routes one workspace.
struct Workspace {
    inner: Arc<Inner>,
    lease: Lease,
    engine: Engine,
    written: watch::Receiver<u64>,
    agents: HashSet<Uuid>,
    queues: HashSet<Uuid>,
    /// The conversations the engine holds, to notice those closed outside it.
    routed: HashSet<Uuid>,
    /// When agents, queues and ended conversations were last read…
    synced_at: Timestamp,
    /// …how many syncs were started, and whether the last is still reading in the background.
    sync_generation: u64,
    sync_in_flight: bool,
    /// Whether agents are offered work only inside their schedules (a workspace setting)…
    enforce_schedules: bool,
    /// …and when their schedules were last looked at.
    schedules_checked_at: Timestamp,
}

impl Workspace {
    async fn run(inner: Arc<Inner>, workspace_id: Uuid, mut commands: mpsc::Receiver<Request>) {
        let mut workspace = match Self::start(inner.clone(), workspace_id).await {
            Ok(workspace) => workspace,
            Err(error) => {
                if !matches!(error, RouteError::NotLeader(_)) {
                    tracing::warn!(%error, %workspace_id, "routing did not start");
                }
                let refusal = || match &error {
                    RouteError::NotLeader(leader) => RouteError::NotLeader(leader.clone()),
                    _ => RouteError::Stopped,
                };
                while let Ok(request) = commands.try_recv() {
                    request.refuse(refusal);
                }
                return;
            }
        };
        let mut closing = inner.closing.clone();
        let mut renew = tokio::time::interval(LEASE / 3);
        renew.tick().await;
        let mut resync = tokio::time::interval(RESYNC);
        resync.tick().await;
        let mut batch = Vec::with_capacity(MAX_BATCH);
        let mut pending_sync: Option<PendingSync> = None;
        loop {
            let deadline = workspace.deadline();
            tokio::select! {
                received = commands.recv_many(&mut batch, MAX_BATCH) => {
                    if received == 0 {
                        break;
                    }
                    workspace.handle(std::mem::take(&mut batch)).await;
                }
                _ = tokio::time::sleep_until(deadline) => workspace.tick().await,
                _ = resync.tick(), if pending_sync.is_none() => {
                    pending_sync = workspace.start_sync((inner.clock)());
                }
                (generation, started_at, read) = sync_read(&mut pending_sync) => {
                    pending_sync = None;
                    workspace.finish_sync(generation, started_at, read).await;
                }
                _ = renew.tick() => {
                    if !workspace.renew().await {
                        break;
                    }
                }
                _ = closing.changed() => break,
            }
        }
        let now = (inner.clock)();
        let _ = inner.store.release_lease(workspace.lease, now).await;
    }

    async fn start(inner: Arc<Inner>, workspace_id: Uuid) -> Result<Self, RouteError> {
        let now = (inner.clock)();
        let taken = inner
            .store
            .take_lease(
                workspace_id,
                inner.node,
                &inner.node_url,
                now,
                later(now, LEASE),
            )
            .await?;
        let Some(lease) = taken else {
            let leader = inner.store.routing_node_url(workspace_id, now).await?;
            return Err(RouteError::NotLeader(leader));
        };
        let seed = workspace_id.as_u64_pair().0;
        let written = inner.store.written_outside_routing();
        let mut workspace = Self {
            inner,
            lease,
            engine: Engine::new(seed),
            written,
            agents: HashSet::new(),
            queues: HashSet::new(),
            routed: HashSet::new(),
            synced_at: now,
            sync_generation: 0,
            sync_in_flight: false,
            enforce_schedules: false,
            schedules_checked_at: now,
        };
        workspace.rebuild().await?;
        Ok(workspace)
    }

    /// Tells a fresh engine everything stored, then lets it catch up with the clock.
    async fn rebuild(&mut self) -> Result<(), RouteError> {
        let store = self.inner.store.clone();
        self.written.borrow_and_update();
        // A sync read under way predates this snapshot.
        self.sync_generation += 1;
        self.sync_in_flight = false;
        let snapshot = store.routing_snapshot(self.lease.workspace_id).await?;
        let now = (self.inner.clock)();
        self.synced_at = now;
        self.enforce_schedules = snapshot.settings.enforce_schedules;
        let mut commands = self.sync_commands(&snapshot.agents, &snapshot.queues, now);
        let changed_status_at: HashMap<Uuid, Timestamp> = snapshot
            .agents
            .iter()
            .map(|d| (d.agent.id, d.agent.availability.last_status_activity()))
            .collect();
        for conversation in &snapshot.open_conversations {
            if let Some(input) = translate::conversation(conversation) {
                self.routed.insert(input.id);
                let state = translate::restored_state(conversation, &snapshot.offers, |agent| {
                    changed_status_at.get(&agent).copied()
                });
                commands.push(Command::Restore {
                    conversation: input,
                    state,
                });
            }
        }
        commands.extend(
            snapshot
                .do_not_offer
                .iter()
                .map(|window| Command::RestoreDoNotOffer {
                    conversation: window.conversation_id,
                    agent: window.agent_id,
                    until: window.until,
                }),
        );
        let mut decisions = Vec::new();
        for command in commands {
            decisions.extend(self.engine.handle(now, command));
        }
        decisions.extend(self.engine.tick(now));
        self.persist(now, decisions).await
    }

    /// Upserts for every agent and queue, removals for those gone since the last sync.
    fn sync_commands(
        &mut self,
        agents: &[store::AgentDetails],
        queues: &[(domain::queue::Queue, Vec<domain::queue::QueueMember>)],
        now: Timestamp,
    ) -> Vec<Command> {
        let mut commands = Vec::new();
        let queue_ids: HashSet<Uuid> = queues.iter().map(|(q, _)| q.id).collect();
        let agent_ids: HashSet<Uuid> = agents.iter().map(|a| a.agent.id).collect();
        for gone in self.queues.difference(&queue_ids) {
            commands.push(Command::RemoveQueue { queue: *gone });
        }
        for gone in self.agents.difference(&agent_ids) {
            commands.push(Command::RemoveAgent { agent: *gone });
        }
        commands.extend(
            agents
                .iter()
                .map(|a| Command::UpsertAgent(translate::agent(a, self.enforce_schedules, now))),
        );
        commands.extend(
            queues
                .iter()
                .map(|(q, members)| Command::UpsertQueue(translate::queue(q, members))),
        );
        self.agents = agent_ids;
        self.queues = queue_ids;
        commands
    }

    /// Whether agents, queues or ended conversations may have changed since the last sync: when
    /// anything but routing wrote, where schedules count every so often (they move with the
    /// clock alone), and in any case every so often. Marks what was written as seen.
    fn due_for_sync(&mut self, now: Timestamp) -> bool {
        let written = self.written.has_changed().unwrap_or(false);
        let since =
            |at: Timestamp, every: Duration| now.millis() - at.millis() >= every.as_millis() as i64;
        let shift_check = self.enforce_schedules && since(self.schedules_checked_at, SHIFT_CHECK);
        if !written && !shift_check && !since(self.synced_at, RESYNC_AT_LEAST) {
            return false;
        }
        self.written.borrow_and_update();
        self.schedules_checked_at = now;
        true
    }

    /// Starts reading what changed, for [`Self::apply_changes`]: the read takes a while in a
    /// large workspace, and commands go on being served meanwhile.
    fn start_sync(&mut self, now: Timestamp) -> Option<PendingSync> {
        if !self.due_for_sync(now) {
            return None;
        }
        let read = self.begin_read();
        self.sync_in_flight = true;
        Some(PendingSync {
            generation: self.sync_generation,
            started_at: now,
            read: tokio::spawn(read),
        })
    }

    /// Brings the engine up to date at once (before commands that name agents or teams). A
    /// read under way in the background may predate what the caller just wrote: this one
    /// supersedes it.
    async fn sync(&mut self, now: Timestamp) -> Result<(), RouteError> {
        let due = self.due_for_sync(now);
        if !due && !self.sync_in_flight {
            return Ok(());
        }
        let read = self.begin_read();
        self.sync_in_flight = false;
        let changes = read.await?;
        self.apply_changes(now, changes).await
    }

    /// A new sync's read of what changed since the last one; any read started before it is
    /// superseded.
    fn begin_read(&mut self) -> impl Future<Output = Result<Changes, RouteError>> + use<> {
        self.sync_generation += 1;
        read_changes(
            self.inner.store.clone(),
            self.lease.workspace_id,
            self.synced_at,
        )
    }

    /// Tells the engine the current agents and queues, and lets go of conversations that ended
    /// outside routing.
    async fn apply_changes(
        &mut self,
        read_at: Timestamp,
        changes: Changes,
    ) -> Result<(), RouteError> {
        let now = (self.inner.clock)();
        self.enforce_schedules = changes.roster.settings.enforce_schedules;
        let mut commands = self.sync_commands(&changes.roster.agents, &changes.roster.queues, now);
        self.synced_at = read_at;
        for conversation in changes
            .ended
            .into_iter()
            .filter(|c| self.routed.contains(c))
        {
            // Closed outside routing: the engine lets it go (an abandon for waiting work, a
            // close and an end of wrap-up for assigned work); the store keeps it closed.
            commands.push(Command::Abandon { conversation });
            commands.push(Command::Close { conversation });
            commands.push(Command::EndWrapUp { conversation });
        }
        let mut decisions = Vec::new();
        for command in commands {
            decisions.extend(self.engine.handle(now, command));
        }
        decisions.retain(|d| !matches!(d, Decision::Rejected { .. }));
        self.persist(now, decisions).await
    }

    /// Applies a sync read in the background, unless a newer one was applied meanwhile.
    async fn finish_sync(
        &mut self,
        generation: u64,
        read_at: Timestamp,
        read: Result<Changes, RouteError>,
    ) {
        if generation != self.sync_generation {
            return;
        }
        self.sync_in_flight = false;
        let applied = match read {
            Ok(changes) => self.apply_changes(read_at, changes).await,
            Err(error) => Err(error),
        };
        if let Err(error) = applied {
            tracing::warn!(%error, "routing could not catch up with agent changes");
        }
    }

    /// Runs the requests waiting in the queue through the engine and stores the new
    /// conversations and all the decisions in one commit, then answers each: under load, many
    /// requests share one durable write.
    async fn handle(&mut self, batch: Vec<Request>) {
        let now = (self.inner.clock)();
        if batch.iter().any(needs_current_roster)
            && let Err(error) = self.sync(now).await
        {
            tracing::warn!(%error, "routing could not catch up with agent changes");
        }
        let mut creates = Vec::new();
        let mut created_replies = Vec::new();
        let mut commands = Vec::new();
        let mut command_replies = Vec::new();
        for request in batch {
            match request {
                Request::Create(create, reply) => {
                    creates.push(*create);
                    created_replies.push(reply);
                }
                Request::Route(command, reply) => {
                    commands.push(Some(command));
                    command_replies.push(reply);
                }
                Request::Refresh(reply) | Request::Reach(reply) => {
                    commands.push(None);
                    command_replies.push(reply);
                }
            }
        }
        // The engine decides inside the write, once it is known which conversations could be
        // stored; it comes back with the answer (a failed write rebuilds it from the store).
        let mut engine = std::mem::replace(&mut self.engine, Engine::new(0));
        let decide = move |created: &[store::Result<Conversation>]| {
            let mut all = Vec::new();
            for conversation in created.iter().flatten() {
                if let Some(input) = translate::conversation(conversation) {
                    all.extend(enqueue(&mut engine, now, input));
                }
            }
            let mut per_command = Vec::with_capacity(commands.len());
            for command in commands {
                let decisions = command.map_or_else(Vec::new, |c| engine.handle(now, c));
                all.extend(decisions.iter().cloned());
                per_command.push(decisions);
            }
            (all, (engine, per_command))
        };
        let stored = self
            .inner
            .store
            .create_and_route(self.lease, now, creates, decide)
            .await;
        match stored {
            Ok((created, (engine, per_command))) => {
                self.engine = engine;
                self.routed.extend(created.iter().flatten().map(|c| c.id));
                for decisions in &per_command {
                    self.note_ended(decisions);
                }
                for (reply, conversation) in created_replies.into_iter().zip(created) {
                    let _ = reply.send(conversation.map_err(RouteError::Store));
                }
                for (reply, decisions) in command_replies.into_iter().zip(per_command) {
                    let _ = reply.send(Ok(decisions));
                }
            }
            Err(error) => {
                let message = error.to_string();
                self.recover().await;
                let failed = || RouteError::Store(StoreError::Unavailable(message.clone()));
                for reply in created_replies {
                    let _ = reply.send(Err(failed()));
                }
                for reply in command_replies {
                    let _ = reply.send(Err(failed()));
                }
            }
        }
    }

    async fn tick(&mut self) {
        let now = (self.inner.clock)();
        let decisions = self.engine.tick(now);
        if let Err(error) = self.persist(now, decisions).await {
            tracing::warn!(%error, "routing decisions of a timer were not stored");
        }
    }

    /// Stores decisions; when that fails the engine no longer matches the store, so it is
    /// rebuilt from what is stored.
    async fn persist(
        &mut self,
        now: Timestamp,
        decisions: Vec<Decision>,
    ) -> Result<(), RouteError> {
        self.note_ended(&decisions);
        let stored = self
            .inner
            .store
            .apply_decisions(self.lease, now, decisions)
            .await;
        if let Err(error) = stored {
            self.recover().await;
            return Err(error.into());
        }
        Ok(())
    }

    /// Lets go of the conversations that the decisions end.
    fn note_ended(&mut self, decisions: &[Decision]) {
        for decision in decisions {
            match decision {
                Decision::Closed { conversation }
                | Decision::Abandoned {
                    conversation,
                    still_offered: false,
                } => {
                    self.routed.remove(conversation);
                }
                _ => {}
            }
        }
    }

    /// After a failed write the engine may no longer match the store: it is rebuilt from what
    /// is stored.
    async fn recover(&mut self) {
        self.engine = Engine::new(self.lease.workspace_id.as_u64_pair().0);
        self.agents.clear();
        self.queues.clear();
        self.routed.clear();
        if let Err(again) = Box::pin(self.rebuild()).await {
            tracing::error!(%again, "routing could not be rebuilt");
        }
    }

    async fn renew(&mut self) -> bool {
        let now = (self.inner.clock)();
        let until = later(now, LEASE);
        match self
            .inner
            .store
            .take_lease(
                self.lease.workspace_id,
                self.inner.node,
                &self.inner.node_url,
                now,
                until,
            )
            .await
        {
            Ok(Some(lease)) if lease.epoch == self.lease.epoch => {
                self.lease = lease;
                true
            }
            _ => false,
        }
    }

    /// When the engine next has something to do, as a tokio instant (far off when nothing).
    fn deadline(&self) -> tokio::time::Instant {
        let far = tokio::time::Instant::now() + Duration::from_secs(3600);
        let Some(at) = self.engine.next_deadline() else {
            return far;
        };
        let now = (self.inner.clock)();
        let wait = u64::try_from(at.millis() - now.millis()).unwrap_or(0);
        tokio::time::Instant::now() + Duration::from_millis(wait)
    }
}

/// Requests that must see agents as they are now: a refresh, and commands a person gives about
/// agents and teams right after changing them perhaps (a new agent assigned, a team just
/// staffed), for which the engine first catches up with agent changes instead of within the
/// second.
fn needs_current_roster(request: &Request) -> bool {
    match request {
        Request::Refresh(_) => true,
        Request::Create(..) | Request::Reach(_) => false,
        Request::Route(command, _) => matches!(
            command,
            Command::Assign { .. }
                | Command::Transfer { .. }
                | Command::Unassign { .. }
                | Command::AgentAway { .. }
        ),
    }
}

/// Enqueues a new conversation. One stored before this task started was restored with the
/// rest: it is routed already, not a duplicate.
fn enqueue(
    engine: &mut Engine,
    now: Timestamp,
    input: routing::ConversationInput,
) -> Vec<Decision> {
    let mut decisions = engine.handle(now, Command::Enqueue(input));
    decisions.retain(|d| {
        !matches!(
            d,
            Decision::Rejected {
                reason: Rejection::DuplicateConversation,
                ..
            }
        )
    });
    decisions
}

fn later(now: Timestamp, by: Duration) -> Timestamp {
    Timestamp::from_millis(now.millis() + i64::try_from(by.as_millis()).unwrap_or(i64::MAX / 4))
}

/// What changed in a workspace as routing sees it.
struct Changes {
    roster: store::Roster,
    /// Conversations that ended since a little before the last sync.
    ended: Vec<Uuid>,
}

/// A sync read under way in the background.
struct PendingSync {
    /// Which sync it is: one overtaken by a newer sync is dropped.
    generation: u64,
    started_at: Timestamp,
    read: tokio::task::JoinHandle<Result<Changes, RouteError>>,
}

/// The outcome of the sync read under way; never ready when there is none.
async fn sync_read(
    pending: &mut Option<PendingSync>,
) -> (u64, Timestamp, Result<Changes, RouteError>) {
    let Some(sync) = pending else {
        return std::future::pending().await;
    };
    let read = (&mut sync.read).await.unwrap_or(Err(RouteError::Stopped));
    (sync.generation, sync.started_at, read)
}

async fn read_changes(
    store: Store,
    workspace_id: Uuid,
    synced_at: Timestamp,
) -> Result<Changes, RouteError> {
    let roster = store.routing_roster(workspace_id).await?;
    // A margin, so that a close committed while the last sync was reading is not missed;
    // conversations already let go are filtered out when applied.
    let since = Timestamp::from_millis(synced_at.millis() - 5_000);
    let ended = store.ended_since(workspace_id, since).await?;
    Ok(Changes { roster, ended })
}
