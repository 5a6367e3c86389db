//! Conversations and the tags they carry. Creation checks that what a conversation names (end
//! user, queue, tags) belongs to its workspace; the end-user helpers at the bottom serve
//! anonymization, which closes and scrubs an end user's conversations in its own transaction.

use std::collections::{HashMap, HashSet};

use domain::conversation::{Channel, Conversation, Details, Direction, Status};
use domain::custom_attribute::{CustomAttribute, EntityType, ValuesPatch, patch_values};
use domain::event::{CONVERSATION_CLOSED, CONVERSATION_CREATED, NewEvent};
use domain::{Invalid, Timestamp, Uuid};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::custom_attributes::all_definitions;
use crate::events::record;
use crate::page::{Cursor, Listing, Page, by_created_where};
use crate::sql::{
    Arg, ROWS_PER_STATEMENT, RowExt, Sql, for_update, json, known_ids, opt_int, q, rows_by_ids,
};
use crate::{Result, Store, StoreError};

const COLUMNS: &str = "id, number, workspace_id, channel, direction, status, status_updated_at, \
    end_user_id, queue_id, queued_at, assignee_id, assigned_at, priority, subject, contact_point, \
    external_id, details, closed_at, created_at, updated_at, wrap_up_until, team_id, target_agent_id";

/// Which conversations a list shows; every filter given must hold.
#[derive(Debug, Clone, Default)]
pub struct ConversationFilter {
    pub status: Option<Status>,
    pub channel: Option<Channel>,
    pub end_user_id: Option<Uuid>,
    pub queue_id: Option<Uuid>,
    pub assignee_id: Option<Uuid>,
}

impl ConversationFilter {
    fn columns(&self) -> Vec<(&'static str, Arg)> {
        let mut filters = Vec::new();
        let mut add = |column, value: Option<Arg>| {
            if let Some(value) = value {
                filters.push((column, value));
            }
        };
        add("status", self.status.map(|s| s.as_str().into()));
        add("channel", self.channel.map(|c| c.dixa_name().into()));
        add("end_user_id", self.end_user_id.map(Into::into));
        add("queue_id", self.queue_id.map(Into::into));
        add("assignee_id", self.assignee_id.map(Into::into));
        filters
    }
}

fn conversation_from(row: &AnyRow) -> Result<Conversation> {
    let stored = |what: &str, text: String| StoreError::Other(format!("stored {what} {text:?}"));
    let channel = row.text("channel")?;
    let direction = row.text("direction")?;
    let status = row.text("status")?;
    Ok(Conversation {
        id: row.uuid("id")?,
        number: row.int("number")?,
        workspace_id: row.uuid("workspace_id")?,
        channel: Channel::from_dixa(&channel).ok_or_else(|| stored("channel", channel))?,
        direction: Direction::parse(&direction).ok_or_else(|| stored("direction", direction))?,
        status: Status::parse(&status).ok_or_else(|| stored("status", status))?,
        status_updated_at: row.time("status_updated_at")?,
        end_user_id: row.opt_uuid("end_user_id")?,
        queue_id: row.opt_uuid("queue_id")?,
        team_id: row.opt_uuid("team_id")?,
        target_agent_id: row.opt_uuid("target_agent_id")?,
        queued_at: row.opt_time("queued_at")?,
        assignee_id: row.opt_uuid("assignee_id")?,
        assigned_at: row.opt_time("assigned_at")?,
        priority: row.int("priority")?,
        subject: row.opt_text("subject")?,
        contact_point: row.opt_text("contact_point")?,
        external_id: row.opt_text("external_id")?,
        details: row.json("details")?,
        tag_ids: Vec::new(),
        wrap_up_until: row.opt_time("wrap_up_until")?,
        closed_at: row.opt_time("closed_at")?,
        created_at: row.time("created_at")?,
        updated_at: row.time("updated_at")?,
    })
}

/// Fills in the tags of each conversation, in the order they were added.
async fn with_tags(c: &mut AnyConnection, conversations: &mut [Conversation]) -> Result<()> {
    if conversations.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = conversations.iter().map(|c| c.id).collect();
    let mut sql =
        Sql::new("SELECT conversation_id, tag_id FROM conversation_tags WHERE conversation_id IN ");
    sql.bind_list(&ids).push(" ORDER BY added_at, tag_id");
    for row in sql.fetch_all(c).await? {
        let (owner, tag) = (row.uuid("conversation_id")?, row.uuid("tag_id")?);
        if let Some(conversation) = conversations.iter_mut().find(|c| c.id == owner) {
            conversation.tag_ids.push(tag);
        }
    }
    Ok(())
}

async fn fetch(
    c: &mut AnyConnection,
    workspace_id: Uuid,
    id: Uuid,
    lock: bool,
) -> Result<Conversation> {
    let lock = if lock { for_update(c) } else { "" };
    let sql =
        format!("SELECT {COLUMNS} FROM conversations WHERE workspace_id = $1 AND id = $2{lock}");
    let row = q(&sql, &[workspace_id.into(), id.into()])
        .fetch_optional(&mut *c)
        .await?
        .ok_or(StoreError::NotFound)?;
    let mut conversation = [conversation_from(&row)?];
    with_tags(c, &mut conversation).await?;
    let [conversation] = conversation;
    Ok(conversation)
}

/// Reads back conversations just created, as they stand now. Their tags are the ones they were
/// created with, so only those created with some have theirs read (for their stored order).
pub(crate) async fn read_back(
    c: &mut AnyConnection,
    workspace_id: Uuid,
    created: &[&Conversation],
) -> Result<Vec<Conversation>> {
    let ids: Vec<Uuid> = created.iter().map(|c| c.id).collect();
    let rows = rows_by_ids(c, "conversations", COLUMNS, workspace_id, &ids).await?;
    let tagged: HashSet<Uuid> = created
        .iter()
        .filter(|c| !c.tag_ids.is_empty())
        .map(|c| c.id)
        .collect();
    let (mut with_some, untagged): (Vec<_>, Vec<_>) = rows
        .iter()
        .map(conversation_from)
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .partition(|c| tagged.contains(&c.id));
    with_tags(c, &mut with_some).await?;
    with_some.extend(untagged);
    Ok(with_some)
}

/// Saves the columns that change after creation.
async fn save(c: &mut AnyConnection, conversation: &Conversation) -> Result<()> {
    let sql = "UPDATE conversations SET status = $3, status_updated_at = $4, queue_id = $5, \
        queued_at = $6, assignee_id = $7, assigned_at = $8, priority = $9, details = $10, \
        closed_at = $11, updated_at = $12 WHERE workspace_id = $1 AND id = $2";
    let args = [
        conversation.workspace_id.into(),
        conversation.id.into(),
        conversation.status.as_str().into(),
        conversation.status_updated_at.into(),
        conversation.queue_id.into(),
        opt_int(conversation.queued_at),
        conversation.assignee_id.into(),
        opt_int(conversation.assigned_at),
        conversation.priority.into(),
        json(&conversation.details)?.into(),
        opt_int(conversation.closed_at),
        conversation.updated_at.into(),
    ];
    q(sql, &args).execute(c).await?;
    Ok(())
}

/// Inserts conversations; answers the number each was given, by id.
async fn insert_rows<'a>(
    c: &mut AnyConnection,
    conversations: impl Iterator<Item = &'a Conversation>,
) -> Result<HashMap<Uuid, i64>> {
    let columns = COLUMNS.replace("number, ", "");
    let conversations: Vec<&Conversation> = conversations.collect();
    let mut numbers = HashMap::with_capacity(conversations.len());
    for chunk in conversations.chunks(ROWS_PER_STATEMENT) {
        let rows: Vec<Vec<Arg>> = chunk.iter().map(|c| row_of(c)).collect::<Result<_>>()?;
        let mut sql = Sql::new(&format!("INSERT INTO conversations ({columns}) "));
        sql.select_rows(rows)?.push(" RETURNING id, number");
        for row in sql.fetch_all(c).await? {
            numbers.insert(row.uuid("id")?, row.int("number")?);
        }
    }
    Ok(numbers)
}

/// The values of a new conversation's row, in the order of [`COLUMNS`] without `number`.
fn row_of(conversation: &Conversation) -> Result<Vec<Arg>> {
    Ok(vec![
        conversation.id.into(),
        conversation.workspace_id.into(),
        conversation.channel.dixa_name().into(),
        conversation.direction.as_str().into(),
        conversation.status.as_str().into(),
        conversation.status_updated_at.into(),
        conversation.end_user_id.into(),
        conversation.queue_id.into(),
        opt_int(conversation.queued_at),
        conversation.assignee_id.into(),
        opt_int(conversation.assigned_at),
        conversation.priority.into(),
        conversation.subject.clone().into(),
        conversation.contact_point.clone().into(),
        conversation.external_id.clone().into(),
        json(&conversation.details)?.into(),
        opt_int(conversation.closed_at),
        conversation.created_at.into(),
        conversation.updated_at.into(),
        opt_int(conversation.wrap_up_until),
        conversation.team_id.into(),
        conversation.target_agent_id.into(),
    ])
}

/// Refuses (422) an end user that is not one of the workspace's, or that was anonymized.
async fn require_end_user(c: &mut AnyConnection, workspace_id: Uuid, id: Uuid) -> Result<()> {
    // Locked, so that an anonymization running now either sees this conversation or refuses it.
    let sql = format!(
        "SELECT anonymized_at FROM endusers WHERE workspace_id = $1 AND id = $2{}",
        for_update(c)
    );
    let row = q(&sql, &[workspace_id.into(), id.into()])
        .fetch_optional(c)
        .await?;
    match row {
        None => Err(Invalid::new("endUserId", format!("end user {id} does not exist")).into()),
        Some(row) if row.opt_int("anonymized_at")?.is_some() => {
            Err(Invalid::new("endUserId", format!("end user {id} was anonymized")).into())
        }
        Some(_) => Ok(()),
    }
}

/// Refuses (422) tags that are not the workspace's, or that are deactivated: a deactivated tag
/// stays where it is but is never newly applied.
async fn require_active_tags(
    c: &mut AnyConnection,
    workspace_id: Uuid,
    ids: &[Uuid],
    field: &str,
) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let mut sql = Sql::new("SELECT id, active FROM tags WHERE workspace_id = ");
    sql.bind(workspace_id).push(" AND id IN ").bind_list(ids);
    let mut found = Vec::new();
    for row in sql.fetch_all(c).await? {
        found.push((row.uuid("id")?, row.flag("active")?));
    }
    for id in ids {
        match found.iter().find(|(tag, _)| tag == id) {
            None => return Err(Invalid::new(field, format!("tag {id} does not exist")).into()),
            Some((_, false)) => {
                let message = format!("tag {id} is deactivated and cannot be applied");
                return Err(Invalid::new(field, message).into());
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// Refuses (422) routing requirements that name skills, values, tags or agents the workspace
/// does not have.
async fn require_routing_needs(
    c: &mut AnyConnection,
    workspace_id: Uuid,
    details: &Details,
) -> Result<()> {
    let tags = &details.required_tag_ids;
    require_active_tags(c, workspace_id, tags, "requiredTagIds").await?;
    let wanted: Vec<Uuid> = details.required_skills.iter().map(|s| s.skill_id).collect();
    let skills = crate::skills::load_skills(c, workspace_id, &wanted).await?;
    for need in &details.required_skills {
        let skill = skills
            .iter()
            .find(|s| s.id == need.skill_id)
            .ok_or_else(|| {
                Invalid::new(
                    "requiredSkills",
                    format!("skill {} does not exist", need.skill_id),
                )
            })?;
        if let Some(value) = need
            .value_ids
            .iter()
            .find(|v| !skill.values.iter().any(|known| known.id == **v))
        {
            let message = format!("{value} is not a value of skill {}", skill.name);
            return Err(Invalid::new("requiredSkills", message).into());
        }
    }
    if let Some(agent) = details.preferred_agent_id {
        let known = crate::members::known_agents(c, workspace_id, &[agent]).await?;
        if known.is_empty() {
            let message = format!("agent {agent} does not exist");
            return Err(Invalid::new("preferredAgentId", message).into());
        }
    }
    Ok(())
}

async fn add_tag(
    c: &mut AnyConnection,
    conversation: &Conversation,
    tag_id: Uuid,
    now: Timestamp,
) -> Result<()> {
    q(
        "INSERT INTO conversation_tags (workspace_id, conversation_id, tag_id, added_at) \
         VALUES ($1, $2, $3, $4)",
        &[
            conversation.workspace_id.into(),
            conversation.id.into(),
            tag_id.into(),
            now.into(),
        ],
    )
    .execute(c)
    .await?;
    Ok(())
}

/// Checks new conversations of one workspace: each is answered ready to insert, or with its
/// refusal (422) when what it names is not the workspace's. Any other failure fails the whole
/// write. Under load a routing batch holds hundreds of conversations, so their targets are
/// checked with one query per kind.
pub(crate) async fn check_all(
    c: &mut AnyConnection,
    workspace_id: Uuid,
    creates: Vec<(Conversation, ValuesPatch)>,
) -> Result<Vec<Result<Conversation>>> {
    let targets = Targets::read(c, workspace_id, &creates).await?;
    let mut definitions = None;
    let mut checked = Vec::with_capacity(creates.len());
    for (conversation, attributes) in creates {
        let outcome = check(c, &targets, &mut definitions, conversation, attributes).await;
        checked.push(match outcome {
            Err(StoreError::Invalid(_) | StoreError::NotFound) | Ok(_) => outcome,
            Err(error) => return Err(error),
        });
    }
    Ok(checked)
}

/// Inserts the conversations [`check_all`] passed, with their tags, one statement per few
/// hundred rows. Those in `offered` are stored offered as of `now`: routing offers them in the
/// same write, and storing them so spares updating each row again. Answers each as stored,
/// with the event that tells of its creation (as pending) for the caller to record last, or
/// with its refusal.
pub(crate) async fn insert_all(
    c: &mut AnyConnection,
    checked: Vec<Result<Conversation>>,
    offered: &HashSet<Uuid>,
    now: Timestamp,
) -> Result<Vec<Result<(Conversation, NewEvent)>>> {
    let as_stored = |conversation: &Conversation| {
        let mut stored = conversation.clone();
        if offered.contains(&stored.id) {
            stored.status = Status::Offered;
            stored.status_updated_at = now;
            stored.updated_at = now;
        }
        stored
    };
    // Each new conversation as told of (created pending) and as stored.
    let told_and_stored: Vec<Result<(Conversation, Conversation)>> = checked
        .into_iter()
        .map(|outcome| {
            outcome.map(|told| {
                let stored = as_stored(&told);
                (told, stored)
            })
        })
        .collect();
    let rows = told_and_stored.iter().flatten().map(|(_, stored)| stored);
    let numbers = insert_rows(c, rows).await?;
    let mut inserted = Vec::with_capacity(told_and_stored.len());
    for outcome in told_and_stored {
        inserted.push(match outcome {
            Ok((mut told, mut stored)) => {
                let number = *numbers
                    .get(&told.id)
                    .ok_or_else(|| StoreError::Other("a new conversation has no number".into()))?;
                for tag in &told.tag_ids {
                    add_tag(c, &told, *tag, told.created_at).await?;
                }
                (told.number, stored.number) = (number, number);
                let created = NewEvent::conversation(CONVERSATION_CREATED, &told, told.created_at);
                Ok((stored, created))
            }
            Err(refused) => Err(refused),
        });
    }
    Ok(inserted)
}

/// The queues, teams and agents that new conversations name and the workspace has.
struct Targets {
    known: [HashSet<Uuid>; 3],
}

/// The kinds of target a conversation may name: the table, the field, and the word a refusal
/// uses.
const TARGETS: [(&str, &str, &str); 3] = [
    ("queues", "queueId", "queue"),
    ("teams", "teamId", "team"),
    ("agents", "agentId", "agent"),
];

impl Targets {
    async fn read(
        c: &mut AnyConnection,
        workspace_id: Uuid,
        creates: &[(Conversation, ValuesPatch)],
    ) -> Result<Self> {
        let mut known: [HashSet<Uuid>; 3] = Default::default();
        for (kind, (table, ..)) in TARGETS.iter().enumerate() {
            let mut named: Vec<Uuid> = creates
                .iter()
                .filter_map(|(conversation, _)| Self::named(conversation)[kind])
                .collect();
            named.sort_unstable();
            named.dedup();
            known[kind] = known_ids(c, table, workspace_id, &named).await?;
        }
        Ok(Self { known })
    }

    /// The queue, team and agent the conversation names, in the order of [`TARGETS`].
    fn named(conversation: &Conversation) -> [Option<Uuid>; 3] {
        [
            conversation.queue_id,
            conversation.team_id,
            conversation.target_agent_id,
        ]
    }

    /// Refuses (422) a conversation naming a target the workspace does not have.
    fn require(&self, conversation: &Conversation) -> Result<()> {
        let named = Self::named(conversation);
        for (kind, (_, field, what)) in TARGETS.iter().enumerate() {
            if let Some(id) = named[kind].filter(|id| !self.known[kind].contains(id)) {
                return Err(Invalid::new(*field, format!("{what} {id} does not exist")).into());
            }
        }
        Ok(())
    }
}

/// Checks what a new conversation names and sets its custom attribute values (against the
/// workspace's conversation attributes, read once per batch when first needed).
async fn check(
    c: &mut AnyConnection,
    targets: &Targets,
    definitions: &mut Option<Vec<CustomAttribute>>,
    mut conversation: Conversation,
    attributes: ValuesPatch,
) -> Result<Conversation> {
    let ws = conversation.workspace_id;
    if let Some(end_user) = conversation.end_user_id {
        require_end_user(c, ws, end_user).await?;
    }
    targets.require(&conversation)?;
    require_active_tags(c, ws, &conversation.tag_ids, "tagIds").await?;
    require_routing_needs(c, ws, &conversation.details).await?;
    if !attributes.is_empty() {
        if definitions.is_none() {
            *definitions = Some(all_definitions(c, ws).await?);
        }
        let definitions = definitions.as_deref().unwrap_or_default();
        let values = &mut conversation.details.custom_attributes;
        patch_values(definitions, EntityType::Conversation, values, attributes)?;
    }
    Ok(conversation)
}

impl Store {
    /// Stores a new conversation with the custom attribute values of `attributes` (checked
    /// against the workspace's conversation attributes). One that routing takes goes through
    /// [`Store::create_and_route`] instead.
    pub async fn create_conversation(
        &self,
        conversation: Conversation,
        attributes: ValuesPatch,
    ) -> Result<Conversation> {
        self.write_in(conversation.workspace_id, move |c| {
            Box::pin(async move {
                let ws = conversation.workspace_id;
                let at = conversation.created_at;
                let checked = check_all(c, ws, vec![(conversation, attributes)]).await?;
                let mut inserted = insert_all(c, checked, &HashSet::new(), at).await?;
                let (conversation, created) = inserted.remove(0)?;
                record(c, &created).await?;
                Ok(conversation)
            })
        })
        .await
    }

    pub async fn get_conversation(&self, workspace_id: Uuid, id: Uuid) -> Result<Conversation> {
        self.read(move |c| Box::pin(async move { fetch(c, workspace_id, id, false).await }))
            .await
    }

    pub async fn list_conversations(
        &self,
        workspace_id: Uuid,
        filter: ConversationFilter,
        reverse: bool,
        after: Option<Cursor>,
        limit: usize,
    ) -> Result<Page<Conversation>> {
        self.read(move |c| {
            Box::pin(async move {
                let list = Listing {
                    table: "conversations",
                    columns: COLUMNS,
                    workspace_id,
                    filters: filter.columns(),
                };
                let mut page =
                    by_created_where(&mut *c, list, reverse, after, limit, conversation_from)
                        .await?;
                with_tags(c, &mut page.items).await?;
                Ok(page)
            })
        })
        .await
    }

    /// The conversations of one end user, oldest first; NotFound when the workspace has no
    /// such end user.
    pub async fn list_end_user_conversations(
        &self,
        workspace_id: Uuid,
        end_user_id: Uuid,
        after: Option<Cursor>,
        limit: usize,
    ) -> Result<Page<Conversation>> {
        let exists = self
            .read(move |c| {
                Box::pin(crate::sql::row_exists(
                    c,
                    "endusers",
                    workspace_id,
                    end_user_id,
                ))
            })
            .await?;
        if !exists {
            return Err(StoreError::NotFound);
        }
        let filter = ConversationFilter {
            end_user_id: Some(end_user_id),
            ..Default::default()
        };
        self.list_conversations(workspace_id, filter, false, after, limit)
            .await
    }

    pub async fn close_conversation(
        &self,
        workspace_id: Uuid,
        id: Uuid,
        now: Timestamp,
    ) -> Result<Conversation> {
        self.write_in(workspace_id, move |c| {
            Box::pin(async move {
                let mut conversation = fetch(c, workspace_id, id, true).await?;
                conversation
                    .close(now)
                    .map_err(|e| StoreError::Conflict(e.to_string()))?;
                save(c, &conversation).await?;
                record(
                    c,
                    &NewEvent::conversation(CONVERSATION_CLOSED, &conversation, now),
                )
                .await?;
                Ok(conversation)
            })
        })
        .await
    }

    /// Sets and removes custom attribute values of a conversation, all or nothing.
    pub async fn patch_conversation_attributes(
        &self,
        workspace_id: Uuid,
        id: Uuid,
        patch: ValuesPatch,
        now: Timestamp,
    ) -> Result<Conversation> {
        self.write_in(workspace_id, move |c| {
            Box::pin(async move {
                let mut conversation = fetch(c, workspace_id, id, true).await?;
                let definitions = all_definitions(c, workspace_id).await?;
                let values = &mut conversation.details.custom_attributes;
                patch_values(&definitions, EntityType::Conversation, values, patch)?;
                conversation.updated_at = now;
                save(c, &conversation).await?;
                Ok(conversation)
            })
        })
        .await
    }

    /// Puts a tag on a conversation (nothing changes when it is already there).
    pub async fn tag_conversation(
        &self,
        workspace_id: Uuid,
        id: Uuid,
        tag_id: Uuid,
        now: Timestamp,
    ) -> Result<Conversation> {
        self.write_in(workspace_id, move |c| {
            Box::pin(async move {
                let mut conversation = fetch(c, workspace_id, id, true).await?;
                if !conversation.tag_ids.contains(&tag_id) {
                    require_active_tags(c, workspace_id, &[tag_id], "tagIds").await?;
                    add_tag(c, &conversation, tag_id, now).await?;
                    conversation.tag_ids.push(tag_id);
                }
                Ok(conversation)
            })
        })
        .await
    }

    /// Takes a tag off a conversation; NotFound when it does not carry it.
    pub async fn untag_conversation(
        &self,
        workspace_id: Uuid,
        id: Uuid,
        tag_id: Uuid,
    ) -> Result<Conversation> {
        self.write_in(workspace_id, move |c| {
            Box::pin(async move {
                let mut conversation = fetch(c, workspace_id, id, true).await?;
                let gone = q(
                    "DELETE FROM conversation_tags WHERE conversation_id = $1 AND tag_id = $2",
                    &[id.into(), tag_id.into()],
                )
                .execute(&mut *c)
                .await?;
                if gone.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                conversation.tag_ids.retain(|t| *t != tag_id);
                Ok(conversation)
            })
        })
        .await
    }
}

/// Every conversation of the workspace that is not over, oldest first, with its tags.
pub(crate) async fn open_of(
    c: &mut AnyConnection,
    workspace_id: Uuid,
) -> Result<Vec<Conversation>> {
    let mut sql = Sql::new(&format!(
        "SELECT {COLUMNS} FROM conversations WHERE workspace_id = "
    ));
    sql.bind(workspace_id)
        .push(&open_statuses())
        .push(" ORDER BY created_at, id");
    let rows = sql.fetch_all(&mut *c).await?;
    let mut conversations = rows
        .iter()
        .map(conversation_from)
        .collect::<Result<Vec<_>>>()?;
    with_tags(c, &mut conversations).await?;
    Ok(conversations)
}

/// How many of an end user's conversations are still open.
pub(crate) async fn open_count_of_end_user(
    c: &mut AnyConnection,
    workspace_id: Uuid,
    end_user_id: Uuid,
) -> Result<i64> {
    let mut sql = Sql::new("SELECT COUNT(*) AS open FROM conversations WHERE workspace_id = ");
    sql.bind(workspace_id)
        .push(" AND end_user_id = ")
        .bind(end_user_id)
        .push(&open_statuses());
    sql.fetch_optional(c)
        .await?
        .map_or(Ok(0), |row| row.int("open"))
}

/// Closes every open conversation of an end user; returns the events telling of it, for the
/// caller to record last (see [`crate::events::record_all`]).
pub(crate) async fn close_open_of_end_user(
    c: &mut AnyConnection,
    workspace_id: Uuid,
    end_user_id: Uuid,
    now: Timestamp,
) -> Result<Vec<NewEvent>> {
    let mut sql = Sql::new(&format!(
        "SELECT {COLUMNS} FROM conversations WHERE workspace_id = "
    ));
    sql.bind(workspace_id)
        .push(" AND end_user_id = ")
        .bind(end_user_id)
        .push(&open_statuses());
    let rows = sql.fetch_all(&mut *c).await?;
    let mut events = Vec::with_capacity(rows.len());
    for row in &rows {
        let mut conversation = conversation_from(row)?;
        conversation.close(now)?;
        save(c, &conversation).await?;
        events.push(NewEvent::conversation(
            CONVERSATION_CLOSED,
            &conversation,
            now,
        ));
    }
    Ok(events)
}

/// Clears the personal values of every conversation of an end user: its subject, the address
/// it came from, its external id and its custom attribute values.
pub(crate) async fn scrub_of_end_user(
    c: &mut AnyConnection,
    workspace_id: Uuid,
    end_user_id: Uuid,
) -> Result<()> {
    let rows = q(
        "SELECT id, details FROM conversations WHERE workspace_id = $1 AND end_user_id = $2",
        &[workspace_id.into(), end_user_id.into()],
    )
    .fetch_all(&mut *c)
    .await?;
    for row in rows {
        let mut details: Details = row.json("details")?;
        details.custom_attributes.clear();
        q(
            "UPDATE conversations SET subject = NULL, contact_point = NULL, external_id = NULL, \
             details = $2 WHERE id = $1",
            &[row.uuid("id")?.into(), json(&details)?.into()],
        )
        .execute(&mut *c)
        .await?;
    }
    Ok(())
}

/// ` AND status NOT IN (…)`: the statuses after which a conversation is over.
fn open_statuses() -> String {
    let over: Vec<String> = Status::ALL
        .into_iter()
        .filter(|s| !s.is_open())
        .map(|s| format!("'{}'", s.as_str()))
        .collect();
    format!(" AND status NOT IN ({})", over.join(", "))
}

/// Removes the values of a deleted custom attribute from every conversation that had one.
pub(crate) async fn forget_attribute_values(
    c: &mut AnyConnection,
    workspace_id: Uuid,
    attribute_id: Uuid,
) -> Result<()> {
    let holders = q(
        "SELECT id, details FROM conversations WHERE workspace_id = $1 AND details LIKE $2",
        &[workspace_id.into(), format!("%\"{attribute_id}\"%").into()],
    )
    .fetch_all(&mut *c)
    .await?;
    for row in holders {
        let mut details: Details = row.json("details")?;
        details.custom_attributes.remove(&attribute_id);
        q(
            "UPDATE conversations SET details = $1 WHERE id = $2",
            &[json(&details)?.into(), row.uuid("id")?.into()],
        )
        .execute(&mut *c)
        .await?;
    }
    Ok(())
}
