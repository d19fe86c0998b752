//! Why an archive or replay request is refused, with AWS's error codes.

/// An archive or replay operation refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArchiveError {
    /// CreateArchive of a name in use.
    #[error("Archive {0} already exists.")]
    ArchiveExists(String),
    /// No archive has the name or ARN.
    #[error("Archive {0} does not exist.")]
    NoSuchArchive(String),
    /// The archive's `EventPattern` does not compile; the matcher's reason.
    #[error("Event pattern is not valid. Reason: {0}")]
    InvalidPattern(String),
    /// StartReplay of a name in use.
    #[error("Replay {0} already exists.")]
    ReplayExists(String),
    /// No replay has the name.
    #[error("Replay {0} does not exist.")]
    NoSuchReplay(String),
    /// The destination is not the bus the archive receives from.
    #[error(
        "Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not permitted."
    )]
    CrossBusReplay,
    /// A window that ends before it starts.
    #[error(
        "Parameter EventStartTime is not valid. Reason: EventStartTime must be before EventEndTime."
    )]
    EmptyWindow,
    /// A `FilterArns` entry that is not a rule of the destination bus.
    #[error("Rule {rule} does not exist on EventBus {bus}.")]
    NoSuchRule {
        /// The rule's name (or the ARN given, when it names no rule).
        rule: String,
        /// The destination bus's name.
        bus: String,
    },
    /// Ten replays are active already.
    #[error(
        "The requested resource exceeds the maximum number allowed. Maximum number of active replays is 10."
    )]
    TooManyReplays,
    /// CancelReplay of a replay that has ended or is cancelling.
    #[error("Replay {name} is not in a valid state for this operation. Current state: {state}.")]
    NotCancellable {
        /// The replay's name.
        name: String,
        /// Its state.
        state: &'static str,
    },
}

impl ArchiveError {
    /// The error code EventBridge answers with.
    pub fn code(&self) -> &'static str {
        match self {
            Self::ArchiveExists(_) | Self::ReplayExists(_) => "ResourceAlreadyExistsException",
            Self::NoSuchArchive(_) | Self::NoSuchReplay(_) | Self::NoSuchRule { .. } => {
                "ResourceNotFoundException"
            }
            Self::InvalidPattern(_) => "InvalidEventPatternException",
            Self::CrossBusReplay | Self::EmptyWindow => "ValidationException",
            Self::TooManyReplays => "LimitExceededException",
            Self::NotCancellable { .. } => "IllegalStatusException",
        }
    }
}
