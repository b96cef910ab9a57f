//! The replay journal in SQLite: a replay and each of its messages, written before anything is
//! sent and after every send, so that an interrupted replay resumes where it stopped.

use serde::{Deserialize, Serialize};
use sqlx::Row as _;

use super::replay::{ReplayState, ReplayTarget};
use crate::console::Console;
use crate::error::{Error, Result};
use crate::model::{ConnectionId, Millis};

/// Where one message of a replay stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum ItemState {
    /// Not sent yet.
    Pending,
    /// Marked before its send; stays so when the outcome is unknown (the app died, the broker did
    /// not answer): resolved by looking its copy up before it is ever sent again.
    Sending,
    /// Stored with `SEND_OK`.
    Sent,
    /// Stored, but the broker answered another status (a flush or replica timeout): not sent again.
    StoredNotOk,
    /// Refused (the message could not be read, or the broker refused it): the reason in `status`.
    Failed,
    /// No target topic could be worked out: the reason in `status`.
    Unresolvable,
}

impl ItemState {
    pub(crate) fn wire(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::StoredNotOk => "storedNotOk",
            Self::Failed => "failed",
            Self::Unresolvable => "unresolvable",
        }
    }

    fn parse(s: &str) -> Result<Self> {
        Ok(match s {
            "pending" => Self::Pending,
            "sending" => Self::Sending,
            "sent" => Self::Sent,
            "storedNotOk" => Self::StoredNotOk,
            "failed" => Self::Failed,
            "unresolvable" => Self::Unresolvable,
            other => return Err(Error::internal(format!("replay item state '{other}'"))),
        })
    }
}

/// One message of a replay, as journaled.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ReplayItem {
    pub seq: u32,
    /// The dead letter's offset id in the DLQ.
    pub dlq_offset_id: String,
    pub dlq_msg_id: Option<String>,
    pub keys: Option<String>,
    pub target_topic: Option<String>,
    /// The unique key (message id) of the copy, fixed before it is sent.
    pub new_msg_id: String,
    pub state: ItemState,
    /// `SEND_OK`, another send status, or why it failed or could not be resolved.
    pub status: Option<String>,
    pub new_offset_id: Option<String>,
    pub updated_at: Millis,
}

/// Counts of a replay's messages by state.
#[derive(Debug, Clone, Default, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ReplayCounts {
    pub total: u32,
    pub pending: u32,
    pub sending: u32,
    pub sent: u32,
    pub stored_not_ok: u32,
    pub failed: u32,
    pub unresolvable: u32,
}

impl ReplayCounts {
    /// Messages that reached an end state.
    pub fn settled(&self) -> u32 {
        self.sent + self.stored_not_ok + self.failed + self.unresolvable
    }
}

/// A replay as listed (for resuming and for its report).
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ReplayInfo {
    pub id: String,
    pub connection_id: ConnectionId,
    pub group: String,
    pub dlq_topic: String,
    pub target: ReplayTarget,
    pub rate: Option<u32>,
    pub state: ReplayState,
    pub note: Option<String>,
    pub created_at: Millis,
    pub updated_at: Millis,
    pub counts: ReplayCounts,
}

/// A message about to be journaled.
pub(crate) struct NewItem {
    pub(crate) dlq_offset_id: String,
    pub(crate) dlq_msg_id: Option<String>,
    pub(crate) keys: Option<String>,
    /// The target topic, or why there is none.
    pub(crate) target: std::result::Result<String, String>,
    pub(crate) new_msg_id: String,
}

/// One settled (or re-pended) message's new state.
pub(crate) struct Update {
    pub(crate) seq: u32,
    pub(crate) state: ItemState,
    pub(crate) status: Option<String>,
    pub(crate) new_offset_id: Option<String>,
}

fn item_of(r: &sqlx::sqlite::SqliteRow) -> Result<ReplayItem> {
    let seq: i64 = r.try_get("seq")?;
    Ok(ReplayItem {
        seq: u32::try_from(seq).unwrap_or(u32::MAX),
        dlq_offset_id: r.try_get("dlq_offset_id")?,
        dlq_msg_id: r.try_get("dlq_msg_id")?,
        keys: r.try_get("keys")?,
        target_topic: r.try_get("target_topic")?,
        new_msg_id: r.try_get("new_msg_id")?,
        state: ItemState::parse(&r.try_get::<String, _>("state")?)?,
        status: r.try_get("status")?,
        new_offset_id: r.try_get("new_offset_id")?,
        updated_at: Millis(r.try_get("updated_at")?),
    })
}

/// The columns of a replay item, in [`item_of`]'s order (a macro: the queries stay literals).
macro_rules! item_columns {
    () => {
        "seq, dlq_offset_id, dlq_msg_id, keys, target_topic, new_msg_id, state, status, new_offset_id, updated_at"
    };
}

impl Console {
    /// Journals a new replay and all its messages (pending, or unresolvable with the reason) in
    /// one transaction.
    #[allow(clippy::too_many_arguments, reason = "the replay row's columns")]
    pub(crate) async fn replay_create(
        &self,
        replay_id: &str,
        id: &ConnectionId,
        group: &str,
        dlq_topic: &str,
        target: &ReplayTarget,
        rate: Option<u32>,
        items: &[NewItem],
    ) -> Result<()> {
        let now = Millis::now().0;
        let target = serde_json::to_string(target).map_err(|e| Error::internal(e.to_string()))?;
        let mut tx = self.store().pool().begin().await?;
        sqlx::query(
            "INSERT INTO replay (id, connection_id, group_name, dlq_topic, target, rate, state, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?)",
        )
        .bind(replay_id)
        .bind(id.as_str())
        .bind(group)
        .bind(dlq_topic)
        .bind(target)
        .bind(rate.map(i64::from))
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        for (seq, it) in items.iter().enumerate() {
            let (topic, state, status) = match &it.target {
                Ok(t) => (Some(t.as_str()), ItemState::Pending, None),
                Err(why) => (None, ItemState::Unresolvable, Some(why.as_str())),
            };
            sqlx::query(
                "INSERT INTO replay_item (replay_id, seq, dlq_offset_id, dlq_msg_id, keys, target_topic, new_msg_id, \
                 state, status, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(replay_id)
            .bind(i64::try_from(seq).unwrap_or(i64::MAX))
            .bind(&it.dlq_offset_id)
            .bind(&it.dlq_msg_id)
            .bind(&it.keys)
            .bind(topic)
            .bind(&it.new_msg_id)
            .bind(state.wire())
            .bind(status)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The next `n` messages of a replay in `state`, in order.
    pub(crate) async fn replay_items_in(
        &self,
        replay_id: &str,
        state: ItemState,
        n: u32,
    ) -> Result<Vec<ReplayItem>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            item_columns!(),
            " FROM replay_item WHERE replay_id = ? AND state = ? ORDER BY seq LIMIT ?"
        ))
        .bind(replay_id)
        .bind(state.wire())
        .bind(i64::from(n))
        .fetch_all(self.store().pool())
        .await?;
        rows.iter().map(item_of).collect()
    }

    /// Moves messages to new states in one transaction.
    pub(crate) async fn replay_update(&self, replay_id: &str, updates: &[Update]) -> Result<()> {
        if updates.is_empty() {
            return Ok(());
        }
        let now = Millis::now().0;
        let mut tx = self.store().pool().begin().await?;
        for u in updates {
            sqlx::query(
                "UPDATE replay_item SET state = ?, status = COALESCE(?, status), new_offset_id = COALESCE(?, new_offset_id), \
                 updated_at = ? WHERE replay_id = ? AND seq = ?",
            )
            .bind(u.state.wire())
            .bind(&u.status)
            .bind(&u.new_offset_id)
            .bind(now)
            .bind(replay_id)
            .bind(i64::from(u.seq))
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("UPDATE replay SET updated_at = ? WHERE id = ?")
            .bind(now)
            .bind(replay_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets a replay's state (and why it stopped).
    pub(crate) async fn replay_set_state(
        &self,
        replay_id: &str,
        state: ReplayState,
        note: Option<&str>,
    ) -> Result<()> {
        sqlx::query("UPDATE replay SET state = ?, note = ?, updated_at = ? WHERE id = ?")
            .bind(state.wire())
            .bind(note)
            .bind(Millis::now().0)
            .bind(replay_id)
            .execute(self.store().pool())
            .await?;
        Ok(())
    }

    async fn replay_counts(&self, replay_id: &str) -> Result<ReplayCounts> {
        let rows =
            sqlx::query("SELECT state, COUNT(*) AS n FROM replay_item WHERE replay_id = ? GROUP BY state")
                .bind(replay_id)
                .fetch_all(self.store().pool())
                .await?;
        let mut c = ReplayCounts::default();
        for r in rows {
            let n = u32::try_from(r.try_get::<i64, _>("n")?).unwrap_or(u32::MAX);
            match ItemState::parse(&r.try_get::<String, _>("state")?)? {
                ItemState::Pending => c.pending = n,
                ItemState::Sending => c.sending = n,
                ItemState::Sent => c.sent = n,
                ItemState::StoredNotOk => c.stored_not_ok = n,
                ItemState::Failed => c.failed = n,
                ItemState::Unresolvable => c.unresolvable = n,
            }
            c.total += n;
        }
        Ok(c)
    }

    /// One replay with its counts.
    pub async fn replay_get(&self, replay_id: &str) -> Result<ReplayInfo> {
        let r = sqlx::query(
            "SELECT id, connection_id, group_name, dlq_topic, target, rate, state, note, created_at, updated_at \
             FROM replay WHERE id = ?",
        )
        .bind(replay_id)
        .fetch_optional(self.store().pool())
        .await?
        .ok_or_else(|| Error::not_found(format!("replay {replay_id}")))?;
        let target: String = r.try_get("target")?;
        let rate: Option<i64> = r.try_get("rate")?;
        Ok(ReplayInfo {
            id: r.try_get("id")?,
            connection_id: ConnectionId(r.try_get("connection_id")?),
            group: r.try_get("group_name")?,
            dlq_topic: r.try_get("dlq_topic")?,
            target: serde_json::from_str(&target)
                .map_err(|e| Error::internal(format!("replay target: {e}")))?,
            rate: rate.and_then(|r| u32::try_from(r).ok()),
            state: ReplayState::parse(&r.try_get::<String, _>("state")?)?,
            note: r.try_get("note")?,
            created_at: Millis(r.try_get("created_at")?),
            updated_at: Millis(r.try_get("updated_at")?),
            counts: self.replay_counts(replay_id).await?,
        })
    }

    /// The replays of a connection, newest first (at most 100).
    pub async fn replay_list(&self, id: &ConnectionId) -> Result<Vec<ReplayInfo>> {
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT id FROM replay WHERE connection_id = ? ORDER BY created_at DESC LIMIT 100",
        )
        .bind(id.as_str())
        .fetch_all(self.store().pool())
        .await?;
        let mut out = Vec::with_capacity(ids.len());
        for r in ids {
            out.push(self.replay_get(&r).await?);
        }
        Ok(out)
    }

    /// Every message of a replay, in order: its report.
    pub async fn replay_report(&self, replay_id: &str) -> Result<Vec<ReplayItem>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            item_columns!(),
            " FROM replay_item WHERE replay_id = ? ORDER BY seq"
        ))
        .bind(replay_id)
        .fetch_all(self.store().pool())
        .await?;
        rows.iter().map(item_of).collect()
    }
}
