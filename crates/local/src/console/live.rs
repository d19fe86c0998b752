//! Live updates: server-sent events that tell the page something changed, so it fetches
//! what it shows again. A tick, not the data: the page knows what it shows, and a tick
//! missed while it reconnects costs nothing.

use crate::runtime::CloudInner;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;
use std::convert::Infallible;
use std::sync::{Arc, Weak};
use std::time::Duration;

/// How often the cloud is looked at for a change.
const POLL: Duration = Duration::from_millis(250);

/// A number that changes whenever anything the console shows does: hops traced,
/// executions started or closed, messages in the queues, log lines written.
pub fn version(cloud: &CloudInner) -> u64 {
    let (kept, running) = cloud.sfn.executions.counts();
    let messages: usize = cloud
        .sqs
        .list("")
        .iter()
        .map(|q| {
            let a = q.attributes();
            a.approximate_number_of_messages + a.approximate_number_of_messages_not_visible
        })
        .sum();
    // Counts that only grow where they can (lines written, hops recorded), so a change at
    // a cap still shows.
    let lines = cloud.logs.len() + cloud.logs.dropped();
    let parts = [cloud.trace.recorded(), kept, running, messages, lines];
    parts.iter().fold(0xcbf2_9ce4_8422_2325_u64, |hash, part| {
        (hash ^ *part as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A `change` event each time [`version`] moves; the stream ends with the cloud.
pub fn changes(
    cloud: &Arc<CloudInner>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>> + use<>> {
    let weak: Weak<CloudInner> = Arc::downgrade(cloud);
    let stream = futures::stream::unfold((weak, None::<u64>), |(weak, last)| async move {
        loop {
            let cloud = weak.upgrade()?;
            let now = version(&cloud);
            drop(cloud);
            if last != Some(now) {
                // One event per poll at most, however busy the cloud.
                if last.is_some() {
                    tokio::time::sleep(POLL).await;
                }
                let event = Event::default().event("change").data(now.to_string());
                return Some((Ok(event), (weak, Some(now))));
            }
            tokio::time::sleep(POLL).await;
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
