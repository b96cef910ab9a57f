//! A master's topic-config table: in one request, or page by page (5.x `enableSplitMetadata`),
//! pipelined, read again when the table changes between pages.

use std::collections::{BTreeMap, HashMap};

use futures::future::join_all;

use crate::error::{Error, Result};
use crate::remoting;
use crate::remoting::Link;
use crate::remoting::header::{Header, TopicConfigPageHeader};

use super::{AllTopicConfigBody, TopicConfigBody};

/// Page size asked for; brokers cap it with their own `splitMetadataSize`.
const CONFIG_PAGE: u32 = 100_000;

/// Pages of one topic-config table beyond which its `totalTopicNum` is not believed (1,000,000
/// topics at the default 2,000 a page): a garbled total must not turn into that many requests.
const MAX_CONFIG_PAGES: usize = 500;

/// A master's whole topic-config table, in one request with no header fields at all. A 5.x
/// broker given header fields without the paging ones logs "Failed field [topicSeq] decoding" at
/// ERROR, and given the paging ones answers 2,000 topics a page (`splitMetadataSize`), re-sorting
/// its whole table for every page (at 10,000 topics: six requests and twice the broker CPU of one).
/// Signed requests (ACL) carry header fields anyway, so they page: see [`read_topic_configs`].
pub(crate) async fn all_topic_configs(addr: &str, link: &Link) -> Result<HashMap<String, TopicConfigBody>> {
    read_topic_configs(addr, link, link.credentials().is_some()).await
}

/// A master's topic-config table, `paged` or not. Paged, a 5.x broker that splits metadata
/// (`enableSplitMetadata`, on by default) answers one page with `totalTopicNum` and its table's
/// data version; the other pages are then asked for at once, pipelined, each naming that
/// version. A broker whose table changed meanwhile answers from the start under a new version:
/// then the read starts over (a few times at most). Older brokers ignore the paging fields.
pub(super) async fn read_topic_configs(
    addr: &str,
    link: &Link,
    paged: bool,
) -> Result<HashMap<String, TopicConfigBody>> {
    for _ in 0..4 {
        if let Some(table) = read_config_pages(addr, link, paged).await? {
            return Ok(table);
        }
    }
    Err(Error::Conflict {
        message: format!("{addr}: the topic table kept changing while it was read page by page"),
    })
}

fn config_page_request(seq: usize, version: Option<&serde_json::Value>) -> remoting::Request {
    (
        remoting::code::GET_ALL_TOPIC_CONFIG,
        TopicConfigPageHeader {
            topic_seq: seq as u64,
            max_topic_num: CONFIG_PAGE,
            data_version: version.map(ToString::to_string).unwrap_or_default(),
        }
        .into_fields(),
    )
}

/// One page's `totalTopicNum` (absent when the broker does not page) and body.
async fn decode_config_page(reply: remoting::Reply) -> Result<(Option<usize>, AllTopicConfigBody)> {
    let total = reply
        .ext
        .get("totalTopicNum")
        .and_then(|t| t.parse::<usize>().ok());
    let body = tokio::task::spawn_blocking(move || {
        remoting::decode_json::<AllTopicConfigBody>(&reply.body, "topic config")
    })
    .await
    .unwrap_or_else(|e| Err(Error::internal(format!("topic config decode task: {e}"))))?;
    Ok((total, body))
}

/// The table, or `None` when it changed between pages.
async fn read_config_pages(
    addr: &str,
    link: &Link,
    paged: bool,
) -> Result<Option<HashMap<String, TopicConfigBody>>> {
    let (code, ext) = if paged {
        config_page_request(0, None)
    } else {
        (remoting::code::GET_ALL_TOPIC_CONFIG, BTreeMap::new())
    };
    let first = link.request_with(addr, code, ext, "all topic config").await?;
    let (total, body) = decode_config_page(first).await?;
    let version = body.data_version;
    let mut table = body.topic_config_table;
    let page = table.len();
    let Some(total) = total else {
        return Ok(Some(table)); // not paged: this is the whole table
    };
    if page == 0 || page >= total {
        return Ok(Some(table));
    }
    if total.div_ceil(page) > MAX_CONFIG_PAGES {
        return Err(Error::BrokerRejected {
            target: addr.to_owned(),
            operation: "all topic config".to_owned(),
            code: -1,
            detail: format!(
                "the broker says {total} topics in pages of {page}: more than {MAX_CONFIG_PAGES} pages, not read"
            ),
        });
    }
    // Page k is [k·page, (k+1)·page) of the broker's sorted table at `version`.
    let requests = (page..total)
        .step_by(page)
        .map(|seq| config_page_request(seq, version.as_ref()))
        .collect();
    let replies = link.batch(addr, requests, 2).await;
    let pages = join_all(replies.into_iter().map(|r| async move {
        let r = remoting::check(addr, "all topic config", r?)?;
        decode_config_page(r).await
    }))
    .await;
    for p in pages {
        let (_, body) = p?;
        if version.is_some() && body.data_version != version {
            return Ok(None);
        }
        table.extend(body.topic_config_table);
    }
    Ok(Some(table))
}
