//! Snapshots of a group's offsets taken before each reset, and undo from one.

use crate::console::Console;
use crate::error::{Error, Result};
use crate::model::{ConnectionId, Count, Millis};
use crate::safety::Confirmation;

use super::{
    Gate, OffsetPlan, OffsetSnapshot, QueueOffset, ResetMode, ResetRequest, ResetResult, SnapshotRow,
};

impl Console {
    /// Marks a snapshot as restored (an undo from it took).
    pub(super) async fn snapshot_restored(&self, snapshot: i64) -> Result<()> {
        sqlx::query("UPDATE offset_snapshot SET restored_at = ? WHERE id = ?")
            .bind(Millis::now().0)
            .bind(snapshot)
            .execute(self.store().pool())
            .await?;
        Ok(())
    }

    pub(super) async fn snapshot_save(
        &self,
        id: &ConnectionId,
        group: &str,
        reason: &str,
        offsets: &[QueueOffset],
    ) -> Result<i64> {
        let body = serde_json::to_string(offsets).map_err(|e| Error::internal(e.to_string()))?;
        let sid: i64 = sqlx::query_scalar(
            "INSERT INTO offset_snapshot (connection_id, group_name, at, reason, offsets) VALUES (?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(id.as_str())
        .bind(group)
        .bind(Millis::now().0)
        .bind(reason)
        .bind(body)
        .fetch_one(self.store().pool())
        .await?;
        Ok(sid)
    }

    /// The snapshots of `group` on a connection, newest first.
    pub async fn offset_snapshots(&self, id: &ConnectionId, group: &str) -> Result<Vec<OffsetSnapshot>> {
        let rows: Vec<SnapshotRow> = sqlx::query_as(
            "SELECT id, connection_id, group_name, at, reason, offsets, restored_at FROM offset_snapshot \
             WHERE connection_id = ? AND group_name = ? ORDER BY id DESC LIMIT 100",
        )
        .bind(id.as_str())
        .bind(group)
        .fetch_all(self.store().pool())
        .await?;
        rows.into_iter().map(snapshot_of).collect()
    }

    async fn snapshot_get(&self, id: &ConnectionId, snapshot: u64) -> Result<OffsetSnapshot> {
        let row: Option<SnapshotRow> = sqlx::query_as(
            "SELECT id, connection_id, group_name, at, reason, offsets, restored_at FROM offset_snapshot \
             WHERE connection_id = ? AND id = ?",
        )
        .bind(id.as_str())
        .bind(i64::try_from(snapshot).unwrap_or(-1))
        .fetch_optional(self.store().pool())
        .await?;
        row.map(snapshot_of)
            .transpose()?
            .ok_or_else(|| Error::not_found(format!("offset snapshot {snapshot}")))
    }

    /// The request that restores a snapshot exactly: every queue that had a committed offset.
    pub async fn offset_undo_request(&self, id: &ConnectionId, snapshot: u64) -> Result<ResetRequest> {
        let s = self.snapshot_get(id, snapshot).await?;
        let offsets: Vec<QueueOffset> = s.offsets.into_iter().filter(|o| o.offset.0 >= 0).collect();
        if offsets.is_empty() {
            return Err(Error::validation(
                "The snapshot has no committed offset to restore (the group had none before the reset).",
            ));
        }
        Ok(ResetRequest {
            group: s.group,
            topic: None,
            mode: ResetMode::Exact { offsets },
        })
    }

    /// The preview of undoing a reset.
    pub async fn offset_undo_plan(&self, id: &ConnectionId, snapshot: u64) -> Result<OffsetPlan> {
        let request = self.offset_undo_request(id, snapshot).await?;
        self.offset_plan(id, &request).await
    }

    /// Restores a snapshot exactly (itself snapshotted first, so an undo can be undone).
    #[tracing::instrument(skip(self, confirmation), err(Debug))]
    pub async fn offset_undo(
        &self,
        id: &ConnectionId,
        snapshot: u64,
        confirmation: &Confirmation,
    ) -> Result<ResetResult> {
        let request = self.offset_undo_request(id, snapshot).await?;
        self.apply_reset(
            id,
            &request,
            Gate::Confirm(confirmation),
            Some(i64::try_from(snapshot).unwrap_or(-1)),
        )
        .await
    }
}

fn snapshot_of(row: SnapshotRow) -> Result<OffsetSnapshot> {
    let (id, conn, group, at, reason, offsets, restored) = row;
    Ok(OffsetSnapshot {
        id: Count(u64::try_from(id).unwrap_or(0)),
        connection_id: ConnectionId(conn),
        group,
        at: Millis(at),
        reason,
        offsets: serde_json::from_str(&offsets)
            .map_err(|e| Error::internal(format!("snapshot {id}: {e}")))?,
        restored_at: restored.map(Millis),
    })
}
