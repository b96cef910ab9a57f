//! The `mqadmin` lines equivalent to a reset, shown in its preview.

use crate::safety::shell_arg;

use super::{QueuePlan, ResetMode};

pub(super) fn mqadmin_lines(
    ns: &str,
    group: &str,
    topics: &[String],
    mode: &ResetMode,
    queues: &[QueuePlan],
) -> Vec<String> {
    let base = format!(
        "mqadmin resetOffsetByTime -n {} -g {}",
        shell_arg(ns),
        shell_arg(group)
    );
    match mode {
        ResetMode::Earliest | ResetMode::Latest | ResetMode::Timestamp { .. } => {
            let s = match mode {
                ResetMode::Earliest => "0".to_owned(),
                ResetMode::Latest => "now".to_owned(),
                ResetMode::Timestamp { at } => at.0.to_string(),
                _ => unreachable!("matched above"),
            };
            topics
                .iter()
                .map(|t| format!("{base} -t {} -s {s} -f true", shell_arg(t)))
                .collect()
        }
        ResetMode::Exact { .. } | ResetMode::CopyFrom { .. } => queues
            .iter()
            .filter(|q| q.target != q.current)
            .map(|q| {
                format!(
                    "{base} -t {} -b {} -q {} -o {}",
                    shell_arg(&q.topic),
                    shell_arg(&q.broker_name),
                    q.queue_id,
                    q.target.0
                )
            })
            .collect(),
    }
}
