//! The publisher a function gets: it puts only the event types the function declares, the
//! same scope its IAM policy's `events:source` and `events:detail-type` conditions give it
//! on AWS. A function that
//! tries another source fails the same way in the local cloud and in tests as on AWS,
//! instead of passing locally and being denied after deployment.

use crate::contracts::{Contract, OutboundEvent};
use crate::ports::{EventPublisher, PortError};
use async_trait::async_trait;
use std::sync::Arc;

/// An event a function publishes: its `source` and `detail-type`, the two values its IAM
/// policy's `events:source` and `events:detail-type` conditions allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventType {
    /// `source`, e.g. `com.orders`.
    pub source: &'static str,
    /// `detail-type`, e.g. `OrderCreated`.
    pub detail_type: &'static str,
}

impl EventType {
    /// The event type of contract `C`.
    pub const fn of<C: Contract>() -> Self {
        Self {
            source: C::SOURCE,
            detail_type: C::DETAIL_TYPE,
        }
    }

    fn allows(&self, event: &OutboundEvent) -> bool {
        self.source == event.source && self.detail_type == event.detail_type
    }
}

/// An [`EventPublisher`] limited to the event types a function declares.
pub struct ScopedPublisher {
    function: &'static str,
    publishes: &'static [EventType],
    inner: Arc<dyn EventPublisher>,
}

impl ScopedPublisher {
    /// `inner`, for function `function` that may publish `publishes` only.
    pub fn new(
        function: &'static str,
        publishes: &'static [EventType],
        inner: Arc<dyn EventPublisher>,
    ) -> Self {
        Self {
            function,
            publishes,
            inner,
        }
    }
}

#[async_trait]
impl EventPublisher for ScopedPublisher {
    /// Refuses the whole call when any entry is of a type outside the scope, as a PutEvents
    /// denied by IAM does (nothing is put), with an error that names the type.
    async fn publish(&self, events: &[OutboundEvent]) -> Result<(), PortError> {
        if let Some(event) = events
            .iter()
            .find(|e| !self.publishes.iter().any(|t| t.allows(e)))
        {
            return Err(PortError::Permanent(format!(
                "AccessDeniedException: {} is not allowed to put {} events from {}",
                self.function, event.detail_type, event.source
            )));
        }
        self.inner.publish(events).await
    }
}
