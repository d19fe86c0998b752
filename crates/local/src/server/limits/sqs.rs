//! SQS's request constraints (API reference, `AmazonSQS`), per operation. SQS answers with
//! its query-protocol codes and its own sentences (`Value 11 for parameter
//! MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.`), so each
//! constraint carries the reason SQS gives.

use crate::server::wire::{ApiError, Input};
use crate::sqs::{MAX_MESSAGE_BYTES, allowed_char};
use serde_json::{Map, Value};

/// The `__type` namespace SQS answers errors with.
pub const NAMESPACE: &str = "com.amazonaws.sqs";

/// The most user attributes one message carries.
pub const MAX_MESSAGE_ATTRIBUTES: usize = 10;

/// What SendMessage's reference says a body may hold.
pub const VALID_CHARACTERS: &str =
    "#x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF";

/// A constraint on one parameter, with the reason SQS gives when it breaks.
pub enum Check {
    /// Must be present (`MissingParameter`).
    Required,
    /// An integer within the range, inclusive.
    Range(i64, i64, &'static str),
    /// A FIFO id: 1 to 128 alphanumeric and punctuation characters.
    FifoId,
}

/// One parameter and its constraints.
pub type Param = (&'static str, &'static [Check]);

const QUEUE_URL: Param = ("QueueUrl", &[Check::Required]);
const RECEIPT_HANDLE: Param = ("ReceiptHandle", &[Check::Required]);

const SEND_MESSAGE: &[Param] = &[
    QUEUE_URL,
    ("MessageBody", &[Check::Required]),
    (
        "DelaySeconds",
        &[Check::Range(
            0,
            900,
            "DelaySeconds must be >= 0 and <= 900.",
        )],
    ),
    ("MessageGroupId", &[Check::FifoId]),
    ("MessageDeduplicationId", &[Check::FifoId]),
];

const RECEIVE_MESSAGE: &[Param] = &[
    QUEUE_URL,
    (
        "MaxNumberOfMessages",
        &[Check::Range(
            1,
            10,
            "Must be between 1 and 10, if provided.",
        )],
    ),
    (
        "VisibilityTimeout",
        &[Check::Range(
            0,
            43_200,
            "Must be >= 0 and <= 43200, if provided.",
        )],
    ),
    (
        "WaitTimeSeconds",
        &[Check::Range(0, 20, "Must be >= 0 and <= 20, if provided.")],
    ),
    ("ReceiveRequestAttemptId", &[Check::FifoId]),
];

const CHANGE_MESSAGE_VISIBILITY: &[Param] = &[
    QUEUE_URL,
    RECEIPT_HANDLE,
    (
        "VisibilityTimeout",
        &[
            Check::Required,
            Check::Range(
                0,
                43_200,
                "Total VisibilityTimeout for the message is beyond the limit [43200 seconds]",
            ),
        ],
    ),
];

const LIST_QUEUES: &[Param] = &[(
    "MaxResults",
    &[Check::Range(
        1,
        1000,
        "MaxResults must be an integer between 1 and 1000.",
    )],
)];

/// The attribute names GetQueueAttributes knows (`QueueAttributeName`).
pub const QUEUE_ATTRIBUTE_NAMES: &[&str] = &[
    "All",
    "Policy",
    "VisibilityTimeout",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "CreatedTimestamp",
    "LastModifiedTimestamp",
    "QueueArn",
    "ApproximateNumberOfMessagesDelayed",
    "DelaySeconds",
    "ReceiveMessageWaitTimeSeconds",
    "RedrivePolicy",
    "FifoQueue",
    "ContentBasedDeduplication",
    "KmsMasterKeyId",
    "KmsDataKeyReusePeriodSeconds",
    "DeduplicationScope",
    "FifoThroughputLimit",
    "RedriveAllowPolicy",
    "SqsManagedSseEnabled",
];

const START_MESSAGE_MOVE_TASK: &[Param] = &[
    ("SourceArn", &[Check::Required]),
    (
        "MaxNumberOfMessagesPerSecond",
        &[Check::Range(
            1,
            crate::sqs::MAX_MESSAGES_PER_SECOND as i64,
            "Must be between 1 and 500, if provided.",
        )],
    ),
];

const LIST_MESSAGE_MOVE_TASKS: &[Param] = &[
    ("SourceArn", &[Check::Required]),
    (
        "MaxResults",
        &[Check::Range(
            1,
            10,
            "You must enter a number that's between 1 and 10.",
        )],
    ),
];

/// The parameters of `operation`, or none for an operation this table does not know.
pub fn params(operation: &str) -> &'static [Param] {
    match operation {
        "SendMessage" => SEND_MESSAGE,
        "ReceiveMessage" => RECEIVE_MESSAGE,
        "ChangeMessageVisibility" => CHANGE_MESSAGE_VISIBILITY,
        "DeleteMessage" => &[QUEUE_URL, RECEIPT_HANDLE],
        "GetQueueAttributes" | "PurgeQueue" => &[QUEUE_URL],
        "GetQueueUrl" => &[("QueueName", &[Check::Required])],
        "ListQueues" => LIST_QUEUES,
        "StartMessageMoveTask" => START_MESSAGE_MOVE_TASK,
        "ListMessageMoveTasks" => LIST_MESSAGE_MOVE_TASKS,
        "CancelMessageMoveTask" => &[("TaskHandle", &[Check::Required])],
        _ => &[],
    }
}

/// `MissingParameter`, as SQS words it.
pub fn missing_parameter(name: &str) -> ApiError {
    error(
        "MissingParameter",
        format!("The request must contain the parameter {name}."),
    )
}

/// `InvalidParameterValue` with SQS's sentence.
pub fn invalid_parameter(message: impl Into<String>) -> ApiError {
    error("InvalidParameterValue", message)
}

/// An SQS error: the code as `__type` (namespaced) and as the query error the SDKs read.
pub fn error(code: &str, message: impl Into<String>) -> ApiError {
    ApiError::new(code, message)
        .with_namespace(NAMESPACE)
        .with_query_error(code)
}

fn invalid_value(name: &str, value: impl std::fmt::Display, reason: &str) -> ApiError {
    invalid_parameter(format!(
        "Value {value} for parameter {name} is invalid. Reason: {reason}"
    ))
}

/// Checks an SQS request against its operation's constraints, message contents included.
pub fn check_request(operation: &str, input: &Input) -> Result<(), ApiError> {
    for (name, checks) in params(operation) {
        let value = input.get(name);
        for check in *checks {
            match (check, value) {
                (Check::Required, None) => return Err(missing_parameter(name)),
                (Check::Range(min, max, reason), Some(Value::Number(n)))
                    if n.as_i64().is_none_or(|n| n < *min || n > *max) =>
                {
                    return Err(invalid_value(name, n, reason));
                }
                (Check::FifoId, Some(Value::String(id))) if !valid_fifo_id(id) => {
                    return Err(invalid_value(
                        name,
                        id,
                        &format!(
                            "{name} can only include alphanumeric and punctuation characters. \
                             1 to 128 in length."
                        ),
                    ));
                }
                _ => {}
            }
        }
    }
    match operation {
        "SendMessage" => check_message(input),
        "GetQueueAttributes" => check_attribute_names(input),
        _ => Ok(()),
    }
}

/// GetQueueAttributes names only attributes SQS knows.
fn check_attribute_names(input: &Input) -> Result<(), ApiError> {
    match input
        .strings("AttributeNames")?
        .into_iter()
        .find(|n| !QUEUE_ATTRIBUTE_NAMES.contains(&n.as_str()))
    {
        Some(name) => Err(error(
            "InvalidAttributeName",
            format!("Unknown Attribute {name}."),
        )),
        None => Ok(()),
    }
}

/// `MessageGroupId`, `MessageDeduplicationId`, `ReceiveRequestAttemptId`: "up to 128
/// characters … alphanumeric characters (a-z, A-Z, 0-9) and punctuation
/// (!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~)".
pub fn valid_fifo_id(id: &str) -> bool {
    (1..=128).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_graphic())
}

/// The body and user attributes of a SendMessage: contents, size and attribute rules.
fn check_message(input: &Input) -> Result<(), ApiError> {
    let body = input.str("MessageBody")?.unwrap_or_default();
    if body.is_empty() {
        return Err(missing_parameter("MessageBody"));
    }
    if !body.chars().all(allowed_char) {
        return Err(error(
            "InvalidMessageContents",
            format!("Invalid characters found. Valid unicode characters are {VALID_CHARACTERS}"),
        ));
    }
    let attributes = input.map("MessageAttributes")?;
    let attributes_size = match attributes {
        Some(map) => check_attributes(map)?,
        None => 0,
    };
    if body.len() + attributes_size > MAX_MESSAGE_BYTES {
        return Err(invalid_parameter(format!(
            "One or more parameters are invalid. Reason: Message must be shorter than \
             {MAX_MESSAGE_BYTES} bytes."
        )));
    }
    Ok(())
}

/// Checks user message attributes; answers their size (names, types and values).
pub fn check_attributes(attributes: &Map<String, Value>) -> Result<usize, ApiError> {
    if attributes.len() > MAX_MESSAGE_ATTRIBUTES {
        return Err(invalid_parameter(format!(
            "Number of message attributes [{}] exceeds the allowed maximum \
             [{MAX_MESSAGE_ATTRIBUTES}].",
            attributes.len()
        )));
    }
    let mut size = 0;
    for (name, value) in attributes {
        check_attribute_name(name)?;
        let fields = value.as_object();
        let field = |key: &str| fields.and_then(|f| f.get(key)).filter(|v| !v.is_null());
        let data_type = field("DataType")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                invalid_parameter(format!(
                    "The message attribute '{name}' must contain non-empty message attribute \
                     type."
                ))
            })?;
        let prefix = data_type.split('.').next().unwrap_or_default();
        if !matches!(prefix, "String" | "Number" | "Binary") || data_type.len() > 256 {
            return Err(invalid_parameter(format!(
                "The message attribute '{name}' has an invalid message attribute type, the set \
                 of supported type prefixes is Binary, Number, and String."
            )));
        }
        let value_key = if prefix == "Binary" {
            "BinaryValue"
        } else {
            "StringValue"
        };
        let value = field(value_key)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| {
                invalid_parameter(format!(
                    "The message attribute '{name}' must contain non-empty message attribute \
                     value for message attribute type '{prefix}'."
                ))
            })?;
        if value_key == "StringValue" && !value.chars().all(allowed_char) {
            return Err(invalid_parameter(format!(
                "Invalid characters found. Valid unicode characters are {VALID_CHARACTERS}"
            )));
        }
        // Binary values travel as base64; SQS counts the decoded bytes.
        let value_len = if value_key == "BinaryValue" {
            value.len() / 4 * 3
        } else {
            value.len()
        };
        size += name.len() + data_type.len() + value_len;
    }
    Ok(size)
}

/// Message attribute names: up to 256 characters of A-Z, a-z, 0-9, `_`, `-` and `.`; not
/// starting with `AWS.` or `Amazon.` (any case), not starting or ending with a period, no
/// two periods in a row.
fn check_attribute_name(name: &str) -> Result<(), ApiError> {
    let allowed = name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if name.is_empty() || name.len() > 256 || !allowed {
        return Err(invalid_parameter(format!(
            "The message attribute name '{name}' is invalid. Attribute name can contain A-Z, \
             a-z, 0-9, underscore (_), hyphen (-), and period (.) characters."
        )));
    }
    let lower = name.to_ascii_lowercase();
    if lower.starts_with("aws.")
        || lower.starts_with("amazon.")
        || name.starts_with('.')
        || name.ends_with('.')
        || name.contains("..")
    {
        return Err(invalid_parameter(format!(
            "The message attribute name '{name}' is invalid. You can't use message attribute \
             names beginning with 'AWS.' or 'Amazon.', starting or ending with a period, or \
             with two periods in a row."
        )));
    }
    Ok(())
}
