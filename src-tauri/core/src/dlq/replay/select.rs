//! What a replay takes and where it sends it: the selected dead letters read (by id, or every
//! match of a window and filter), each one's target worked out and checked, and the dry run's
//! preview built from them.

use std::collections::{BTreeMap, HashMap};

use futures::StreamExt as _;

use super::super::browse::{original_topic, read_window, readable_dlq};
use super::super::{DLQ_PREFIX, RETRY_PREFIX};
use super::{
    CONCURRENCY, MAX_REPLAY, PREVIEW_ROWS, REPLAY_ID_PROPERTY, REPLAY_SOURCE_PROPERTY, ReplayPlan,
    ReplayRequest, ReplaySelection, ReplayTarget, Selected, TargetCount, Unresolved,
};
use crate::console::Console;
use crate::error::{Error, Result};
use crate::message::MessageView;
use crate::message::scan::Matcher;
use crate::model::Millis;
use crate::registry::LiveClient;
use crate::safety::{ChangePlan, FieldChange};
use crate::topic::RouteBody;

/// Checks a topic copies may go to: it exists and takes writes, and is not a system, retry or
/// dead-letter topic (the group's own retry topic only as [`ReplayTarget::RetryTopic`]).
async fn check_target(
    client: &LiveClient,
    topic: &str,
    retry_ok: bool,
) -> std::result::Result<RouteBody, String> {
    if topic.starts_with(DLQ_PREFIX) {
        return Err(format!("'{topic}' is a dead-letter topic"));
    }
    if topic.starts_with(RETRY_PREFIX) && !retry_ok {
        return Err(format!("'{topic}' is a retry topic"));
    }
    if !topic.starts_with(RETRY_PREFIX)
        && let Err(e) = crate::topic::admin::validate_topic_name(topic)
    {
        return Err(e.to_string());
    }
    let route = crate::topic::topic_route(client, topic)
        .await
        .map_err(|e| match e {
            Error::NotFound { .. } => format!("topic '{topic}' does not exist"),
            other => format!("topic '{topic}': {}", other.summary()),
        })?;
    if !route
        .queue_datas
        .iter()
        .any(|q| q.perm & 2 != 0 && q.write_queue_nums > 0)
    {
        return Err(format!("topic '{topic}' has no writable queue"));
    }
    Ok(route)
}

impl Console {
    /// Reads the selected dead letters and works out each one's target.
    pub(super) async fn replay_select(
        &self,
        client: &LiveClient,
        req: &ReplayRequest,
    ) -> Result<(String, Vec<Selected>, HashMap<String, RouteBody>)> {
        let group = req.group.trim();
        let (dlq_topic, masters) = readable_dlq(client, group).await?;
        let views: Vec<MessageView> = match &req.selection {
            ReplaySelection::Messages { offset_msg_ids } => {
                if offset_msg_ids.is_empty() {
                    return Err(Error::validation("Choose the dead letters to replay."));
                }
                if offset_msg_ids.len() > MAX_REPLAY {
                    return Err(Error::validation(format!(
                        "At most {MAX_REPLAY} messages per replay."
                    )));
                }
                let known = crate::message::known_brokers(client).await?;
                // The futures are made first: a stream's `map` closure over borrowed state is not
                // general enough for a Tauri command's `Send` bound.
                let known = &known;
                let reads: Vec<_> = offset_msg_ids
                    .iter()
                    .map(|m| crate::message::read_offset_id(client, known, m))
                    .collect();
                let read: Vec<Result<MessageView>> =
                    futures::stream::iter(reads).buffered(CONCURRENCY).collect().await;
                let mut out = Vec::new();
                for (mid, r) in offset_msg_ids.iter().zip(read) {
                    let v = r?;
                    if v.topic != dlq_topic {
                        return Err(Error::validation(format!(
                            "{mid} is a message of '{}', not a dead letter of '{group}'.",
                            v.topic
                        )));
                    }
                    out.push(v);
                }
                out
            }
            ReplaySelection::Matching { begin, end, filter } => {
                let matcher = Matcher::new(filter)?;
                let window = (
                    begin.map_or(0, |b| b.0),
                    end.map_or_else(|| Millis::now().0 + 60_000, |e| e.0),
                );
                let mut out = Vec::new();
                for m in &masters {
                    let (views, _) = read_window(client, &dlq_topic, m, window, &matcher, MAX_REPLAY).await?;
                    out.extend(views);
                }
                if out.len() > MAX_REPLAY {
                    return Err(Error::validation(format!(
                        "More than {MAX_REPLAY} dead letters match: narrow the window or the filter."
                    )));
                }
                out.sort_by_key(|v| (v.store_timestamp, v.offset_msg_id.clone()));
                out
            }
        };
        let mut routes: HashMap<String, RouteBody> = HashMap::new();
        let mut refused: HashMap<String, String> = HashMap::new();
        let mut selected = Vec::with_capacity(views.len());
        for view in views {
            let topic = match &req.target {
                ReplayTarget::Original => original_topic(&view).ok_or_else(|| {
                    "the message has no RETRY_TOPIC property: its original topic is unknown (choose a topic)".to_owned()
                }),
                ReplayTarget::RetryTopic => Ok(format!("{RETRY_PREFIX}{group}")),
                ReplayTarget::Topic { topic } => Ok(topic.trim().to_owned()),
            };
            let target = match topic {
                Ok(t) if routes.contains_key(&t) => Ok(t),
                Ok(t) => match refused.get(&t) {
                    Some(why) => Err(why.clone()),
                    None => match check_target(client, &t, req.target == ReplayTarget::RetryTopic).await {
                        Ok(route) => {
                            routes.insert(t.clone(), route);
                            Ok(t)
                        }
                        Err(why) => {
                            refused.insert(t, why.clone());
                            Err(why)
                        }
                    },
                },
                Err(why) => Err(why),
            };
            let target = target.and_then(|t| match &view.body_error {
                Some(why) => Err(format!("its compressed body cannot be copied ({why})")),
                None => Ok(t),
            });
            selected.push(Selected { view, target });
        }
        Ok((dlq_topic, selected, routes))
    }
}

/// The preview of a replay from its selection.
pub(super) fn replay_plan(
    profile: &crate::connection::ConnectionProfile,
    req: &ReplayRequest,
    dlq_topic: String,
    selected: &[Selected],
) -> ReplayPlan {
    let mut per: BTreeMap<String, u32> = BTreeMap::new();
    let mut unresolved = Vec::new();
    for s in selected {
        match &s.target {
            Ok(t) => *per.entry(t.clone()).or_default() += 1,
            Err(why) => unresolved.push(Unresolved {
                dlq_offset_id: s.view.offset_msg_id.clone(),
                dlq_msg_id: s.view.msg_id.clone(),
                reason: why.clone(),
            }),
        }
    }
    let sendable: u32 = per.values().sum();
    let total = u32::try_from(selected.len()).unwrap_or(u32::MAX);
    let mut changes: Vec<FieldChange> = per
        .iter()
        .map(|(t, n)| FieldChange {
            scope: t.clone(),
            field: "new messages".into(),
            before: None,
            after: Some(format!(
                "{n} cop{} of dead letters of {}",
                if *n == 1 { "y" } else { "ies" },
                req.group.trim()
            )),
        })
        .collect();
    for s in selected.iter().filter(|s| s.target.is_ok()).take(PREVIEW_ROWS) {
        changes.push(FieldChange {
            scope: s.target.clone().unwrap_or_default(),
            field: s.view.offset_msg_id.clone(),
            before: None,
            after: Some(format!(
                "tag {}, keys {}, {} bytes",
                s.view.tags.as_deref().unwrap_or("-"),
                if s.view.keys.is_empty() {
                    "-".to_owned()
                } else {
                    s.view.keys.join(" ")
                },
                s.view.body_size
            )),
        });
    }
    let mut warnings = vec![format!(
        "{sendable} new message(s) are published: consumers receive them as new messages (new message ids) \
         carrying {REPLAY_ID_PROPERTY} and {REPLAY_SOURCE_PROPERTY}; the dead letters stay in {dlq_topic}."
    )];
    if !unresolved.is_empty() {
        warnings.push(format!(
            "{} dead letter(s) cannot be replayed and are only reported (see the list).",
            unresolved.len()
        ));
    }
    let estimated_ms = req
        .rate
        .map(|r| f64::from(sendable) * 1000.0 / f64::from(r.max(1)));
    let mqadmin = vec!["# no mqadmin command re-publishes dead letters; the official dashboard resends one message at a time (consume-directly)".to_owned()];
    let plan = ChangePlan::new(
        profile,
        "dlq.replay",
        format!("Replay {sendable} dead letter(s) of {}", req.group.trim()),
        &dlq_topic,
        changes,
        warnings,
        !unresolved.is_empty(),
        false,
        mqadmin,
    );
    ReplayPlan {
        plan,
        dlq_topic,
        total,
        targets: per
            .into_iter()
            .map(|(topic, messages)| TargetCount { topic, messages })
            .collect(),
        unresolved,
        rate: req.rate,
        estimated_ms,
    }
}
