//! What a stream event source mapping is configured with, as Lambda's
//! CreateEventSourceMapping names it for Kinesis.

/// Where a mapping starts reading a shard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartingPosition {
    /// The oldest record kept.
    TrimHorizon,
    /// Records put after the mapping starts.
    Latest,
    /// Records that arrived at or after this instant, epoch milliseconds.
    AtTimestamp(i64),
}

/// A Kinesis event source mapping's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamSourceConfig {
    /// `StartingPosition` (and `StartingPositionTimestamp`).
    pub starting_position: StartingPosition,
    /// `BatchSize`: at most this many records an invocation (1 to 10,000; 100 by default).
    pub batch_size: usize,
    /// `MaximumBatchingWindowInSeconds`: how long to gather records before invoking.
    pub batching_window_ms: i64,
    /// `BisectBatchOnFunctionError`.
    pub bisect_on_error: bool,
    /// `MaximumRetryAttempts`; `None` retries until the records expire.
    pub maximum_retry_attempts: Option<u32>,
    /// `MaximumRecordAgeInSeconds`, in milliseconds; `None` keeps records until they
    /// leave the stream.
    pub maximum_record_age_ms: Option<i64>,
    /// `ParallelizationFactor`: batches in flight per shard (1 to 10), each a lane of the
    /// shard's partition keys, so one key's records stay in order.
    pub parallelization_factor: u32,
    /// `TumblingWindowInSeconds`, in milliseconds; `None` without windows.
    pub tumbling_window_ms: Option<i64>,
    /// `FunctionResponseTypes: [ReportBatchItemFailures]`.
    pub report_batch_item_failures: bool,
}

impl Default for StreamSourceConfig {
    fn default() -> Self {
        Self {
            starting_position: StartingPosition::TrimHorizon,
            batch_size: 100,
            batching_window_ms: 0,
            bisect_on_error: false,
            maximum_retry_attempts: None,
            maximum_record_age_ms: None,
            parallelization_factor: 1,
            tumbling_window_ms: None,
            report_batch_item_failures: false,
        }
    }
}
