//! Real-time events as server-sent events: `GET /workspaces/{workspaceId}/agents/me/events`
//! (an agent key: what concerns that agent, offers first among them) and
//! `GET /workspaces/{workspaceId}/events` (an admin key: everything, for supervisors).
//!
//! Each SSE message is one logged event: `id` is its sequence number, `event` its kind and
//! `data` the event as JSON. A client that reconnects with `Last-Event-ID` (or `?lastEventId=`)
//! gets every event after that one, in order, before the live ones (`0` for every event);
//! without it the stream starts with the next event. The order is the log's (see
//! `store::LogPosition`): by `id` within what one transaction wrote, and on PostgreSQL, where
//! transactions commit in any order, not always by `id` across them.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use domain::event::Event;
use domain::{Timestamp, Uuid};
use futures::Stream;
use serde::{Deserialize, Serialize};
use store::{LogPosition, Store};
use tokio::sync::watch;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::Query;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(my_events))
        .routes(routes!(workspace_events))
}

/// How many events one read of the log takes.
const BATCH: usize = 200;
/// Another node's writes reach this one by notice; this bounds the wait if a notice is lost.
const POLL: Duration = Duration::from_secs(1);

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct Resume {
    /// Resume after this event (for clients that cannot set the `Last-Event-ID` header).
    last_event_id: Option<String>,
}

/// One event as the stream's `data` carries it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventOut {
    seq: i64,
    kind: String,
    agent_id: Option<Uuid>,
    conversation_id: Option<Uuid>,
    at: Timestamp,
    #[schema(value_type = Object)]
    data: serde_json::Value,
}

impl From<Event> for EventOut {
    fn from(e: Event) -> Self {
        Self {
            seq: e.seq,
            kind: e.kind,
            agent_id: e.agent_id,
            conversation_id: e.conversation_id,
            at: e.at,
            data: e.data,
        }
    }
}

/// The events that concern the calling agent (an agent key), live, resumable.
#[utoipa::path(get, path = "/workspaces/{workspaceId}/agents/me/events", tag = "events",
    security(("workspaceKey" = [])), params(("workspaceId" = String, Path), Resume,
        ("Last-Event-ID" = Option<String>, Header, description = "Resume after this event")),
    responses((status = 200, content_type = "text/event-stream", body = EventOut),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn my_events(
    caller: Caller,
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(resume): Query<Resume>,
) -> ApiResult<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>> {
    let agent = caller.me()?;
    stream(state, caller.workspace_id(), Some(agent), headers, resume).await
}

/// Every event of the workspace (an admin key), live, resumable.
#[utoipa::path(get, path = "/workspaces/{workspaceId}/events", tag = "events",
    security(("workspaceKey" = [])), params(("workspaceId" = String, Path), Resume,
        ("Last-Event-ID" = Option<String>, Header, description = "Resume after this event")),
    responses((status = 200, content_type = "text/event-stream", body = EventOut),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn workspace_events(
    caller: Caller,
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(resume): Query<Resume>,
) -> ApiResult<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>> {
    caller.require_admin()?;
    stream(state, caller.workspace_id(), None, headers, resume).await
}

async fn stream(
    state: AppState,
    workspace_id: Uuid,
    agent: Option<Uuid>,
    headers: HeaderMap,
    resume: Resume,
) -> ApiResult<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>> {
    let header = headers
        .get("last-event-id")
        .map(|v| v.to_str().unwrap_or("?").to_owned());
    let not_ours =
        || ApiError::Invalid("Last-Event-ID: must be the id of an event of this stream".into());
    let after = match header.or(resume.last_event_id) {
        Some(text) => {
            let seq = text.trim().parse::<i64>().map_err(|_| not_ours())?;
            match state.store.log_position_of(workspace_id, seq).await? {
                Some(position) => position,
                // Before the first event: everything.
                None if seq <= 0 => LogPosition::START,
                None => return Err(not_ours()),
            }
        }
        None => state.store.log_end().await?,
    };
    let tail = Tail {
        store: state.store.clone(),
        written: state.store.written(),
        closing: state.closing.clone(),
        workspace_id,
        agent,
        after,
        ready: VecDeque::new(),
    };
    let events = futures::stream::unfold(tail, |mut tail| async move {
        let event = tail.next().await?;
        Some((Ok(sse(event)), tail))
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}

fn sse(event: Event) -> SseEvent {
    let id = event.seq.to_string();
    let kind = event.kind.clone();
    SseEvent::default()
        .id(id)
        .event(kind)
        .json_data(EventOut::from(event))
        .unwrap_or_else(|_| SseEvent::default().comment("unencodable event"))
}

/// A reader following the log from `after`.
struct Tail {
    store: Store,
    written: watch::Receiver<u64>,
    closing: watch::Receiver<bool>,
    workspace_id: Uuid,
    agent: Option<Uuid>,
    after: LogPosition,
    ready: VecDeque<(LogPosition, Event)>,
}

impl Tail {
    /// The next event, waiting for it; `None` when the server closes.
    async fn next(&mut self) -> Option<Event> {
        loop {
            if let Some((position, event)) = self.ready.pop_front() {
                self.after = position;
                return Some(event);
            }
            if *self.closing.borrow() {
                return None;
            }
            // Marked seen before reading, so a write that lands during the read wakes us.
            self.written.borrow_and_update();
            let read = self
                .store
                .events_after(self.workspace_id, self.agent, self.after, BATCH)
                .await;
            match read {
                Ok(events) if !events.is_empty() => self.ready.extend(events),
                Ok(_) => self.wait().await,
                Err(error) => {
                    tracing::warn!(%error, "event stream could not read the log");
                    self.wait().await;
                }
            }
        }
    }

    async fn wait(&mut self) {
        tokio::select! {
            _ = self.written.changed() => {}
            _ = self.closing.changed() => {}
            _ = tokio::time::sleep(POLL) => {}
        }
    }
}
