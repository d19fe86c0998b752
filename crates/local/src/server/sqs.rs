//! SQS (`AmazonSQS.*`, JSON 1.0 with query-compatible error codes): enough of the API to
//! look into a queue or a DLQ, feed one and redrive one: ListQueues, GetQueueUrl,
//! GetQueueAttributes, SendMessage, ReceiveMessage, DeleteMessage, ChangeMessageVisibility,
//! PurgeQueue, StartMessageMoveTask, ListMessageMoveTasks, CancelMessageMoveTask.

use super::limits;
use super::wire::{ApiError, Input};
use crate::runtime::CloudInner;
use crate::sqs::{
    MAX_MESSAGES_PER_SECOND, MessageAttributeValue, MoveTask, MoveTaskError, MoveTaskStatus, Queue,
    ReceivedMessage, SendMessage, SqsError, md5_of_message_attributes,
};
use base64::Engine;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The `__type` namespace SQS answers errors with.
const NAMESPACE: &str = "com.amazonaws.sqs";

/// The longest long poll ReceiveMessage allows.
const MAX_WAIT_SECS: i64 = 20;

/// Serves one SQS operation (SendMessage, ReceiveMessage, DeleteMessage …); any other is an
/// unknown operation.
pub async fn dispatch(
    cloud: &Arc<CloudInner>,
    operation: &str,
    input: &Input,
) -> Result<Value, ApiError> {
    limits::sqs::check_request(operation, input)?;
    match operation {
        "ListQueues" => list_queues(cloud, input),
        "GetQueueUrl" => {
            let name = input.required_str("QueueName")?;
            let queue = cloud.sqs.queue(name).map_err(sqs_error)?;
            Ok(json!({"QueueUrl": queue.url()}))
        }
        "GetQueueAttributes" => get_attributes(cloud, input),
        "SendMessage" => send_message(cloud, input),
        "ReceiveMessage" => receive_message(cloud, input).await,
        "DeleteMessage" => {
            let queue = queue(cloud, input)?;
            let handle = input.required_str("ReceiptHandle")?;
            queue.delete(handle).map_err(sqs_error)?;
            Ok(json!({}))
        }
        "ChangeMessageVisibility" => {
            let queue = queue(cloud, input)?;
            let handle = input.required_str("ReceiptHandle")?;
            let timeout = input
                .int("VisibilityTimeout", 0, 43_200)?
                .ok_or_else(|| missing_parameter("VisibilityTimeout"))?;
            queue
                .change_visibility(handle, timeout as u32)
                .map_err(sqs_error)?;
            Ok(json!({}))
        }
        "PurgeQueue" => {
            queue(cloud, input)?.purge();
            Ok(json!({}))
        }
        "StartMessageMoveTask" => start_message_move_task(cloud, input),
        "ListMessageMoveTasks" => {
            let source = input.required_str("SourceArn")?;
            let max = input.int("MaxResults", 1, 10)?.unwrap_or(1);
            let tasks = cloud
                .sqs
                .list_message_move_tasks(source, usize::try_from(max).unwrap_or(1))
                .map_err(move_task_error)?;
            Ok(json!({"Results": tasks.iter().map(move_task_json).collect::<Vec<_>>()}))
        }
        "CancelMessageMoveTask" => {
            let handle = input.required_str("TaskHandle")?;
            let moved = cloud
                .sqs
                .cancel_message_move_task(handle)
                .map_err(move_task_error)?;
            Ok(json!({"ApproximateNumberOfMessagesMoved": moved}))
        }
        _ => Err(ApiError::unknown_operation(&format!(
            "AmazonSQS.{operation}"
        ))),
    }
}

/// SQS errors under the shape names of the JSON model, with the query-protocol codes the
/// SDKs still surface (`AWS.SimpleQueueService.NonExistentQueue`).
fn sqs_error(e: SqsError) -> ApiError {
    let (shape, message) = match &e {
        SqsError::QueueDoesNotExist(_) => (
            "QueueDoesNotExist",
            "The specified queue does not exist.".to_owned(),
        ),
        SqsError::ReceiptHandleIsInvalid { .. } => ("ReceiptHandleIsInvalid", e.to_string()),
        SqsError::MessageNotInflight { .. } => ("MessageNotInflight", e.to_string()),
        SqsError::QueueAlreadyExists(_) => ("QueueNameExists", e.to_string()),
        SqsError::MissingParameter { .. } => ("MissingParameter", e.to_string()),
        SqsError::InvalidParameterValue { .. } | SqsError::NoDeadLetterQueue(_) => {
            ("InvalidParameterValue", e.to_string())
        }
    };
    let mut error = ApiError::new(shape, message)
        .with_namespace(NAMESPACE)
        .with_query_error(e.code());
    // The SDKs take the code from the query error; `__type` keeps the JSON shape name.
    error.code = shape.to_owned();
    error
}

/// StartMessageMoveTask: the task starts, and moves on the cloud's clock (once now, then
/// once a second while any task runs).
fn start_message_move_task(cloud: &Arc<CloudInner>, input: &Input) -> Result<Value, ApiError> {
    let source = input.required_str("SourceArn")?;
    let destination = input.str("DestinationArn")?;
    let rate = input
        .int(
            "MaxNumberOfMessagesPerSecond",
            1,
            i64::from(MAX_MESSAGES_PER_SECOND),
        )?
        .and_then(|n| u32::try_from(n).ok());
    let handle = move_messages(cloud, source, destination, rate).map_err(move_task_error)?;
    Ok(json!({"TaskHandle": handle}))
}

/// Starts a message move task from the dead-letter queue `source` (to `destination`, else
/// back to where each message came from) and moves on the cloud's clock: once now, then
/// once a second while any task runs. Answers the task's handle.
///
/// # Errors
///
/// What StartMessageMoveTask refuses.
pub fn move_messages(
    cloud: &Arc<CloudInner>,
    source: &str,
    destination: Option<&str>,
    rate: Option<u32>,
) -> Result<String, crate::sqs::MoveTaskError> {
    let handle = cloud
        .sqs
        .start_message_move_task(source, destination, rate)?;
    let runner = cloud.clone();
    cloud.spawn(move || async move {
        while runner.sqs.advance_move_tasks() {
            runner.clock.sleep_ms(1000).await;
        }
    });
    Ok(handle)
}

/// One task as ListMessageMoveTasks lists it: the handle only while it runs.
fn move_task_json(task: &MoveTask) -> Value {
    let mut out = Map::new();
    if task.status == MoveTaskStatus::Running {
        out.insert("TaskHandle".into(), json!(task.handle));
    }
    out.insert("Status".into(), json!(task.status.as_str()));
    out.insert("SourceArn".into(), json!(task.source_arn));
    if let Some(destination) = &task.destination_arn {
        out.insert("DestinationArn".into(), json!(destination));
    }
    if let Some(rate) = task.max_per_second {
        out.insert("MaxNumberOfMessagesPerSecond".into(), json!(rate));
    }
    out.insert("ApproximateNumberOfMessagesMoved".into(), json!(task.moved));
    out.insert(
        "ApproximateNumberOfMessagesToMove".into(),
        json!(task.to_move),
    );
    if let Some(reason) = &task.failure_reason {
        out.insert("FailureReason".into(), json!(reason));
    }
    out.insert("StartedTimestamp".into(), json!(task.started_ms));
    Value::Object(out)
}

fn move_task_error(e: MoveTaskError) -> ApiError {
    let mut error = ApiError::new(e.code(), e.to_string())
        .with_namespace(NAMESPACE)
        .with_query_error(e.code());
    error.code = e.code().to_owned();
    error
}

fn missing_parameter(name: &str) -> ApiError {
    ApiError::new(
        "MissingParameter",
        format!("The request must contain the parameter {name}."),
    )
    .with_namespace(NAMESPACE)
    .with_query_error("MissingParameter")
}

fn invalid_parameter(message: impl Into<String>) -> ApiError {
    ApiError::new("InvalidParameterValue", message)
        .with_namespace(NAMESPACE)
        .with_query_error("InvalidParameterValue")
}

fn queue(cloud: &CloudInner, input: &Input) -> Result<Arc<Queue>, ApiError> {
    let url = input
        .str("QueueUrl")?
        .ok_or_else(|| missing_parameter("QueueUrl"))?;
    cloud.sqs.queue_by_url(url).map_err(sqs_error)
}

fn list_queues(cloud: &CloudInner, input: &Input) -> Result<Value, ApiError> {
    let prefix = input.str("QueueNamePrefix")?.unwrap_or_default();
    let limit = input.int("MaxResults", 1, 1000)?;
    let mut queues = cloud.sqs.list(prefix);
    queues.sort_by(|a, b| a.name().cmp(b.name()));
    let start = match input.str("NextToken")? {
        None => 0,
        Some(t) => t
            .parse::<usize>()
            .ok()
            .filter(|&n| n <= queues.len())
            .ok_or_else(|| invalid_parameter(format!("Invalid NextToken value: {t}")))?,
    };
    // Without MaxResults AWS answers up to 1000 queues and no token.
    let end = start
        .saturating_add(limit.unwrap_or(1000) as usize)
        .min(queues.len());
    let urls: Vec<&str> = queues[start..end].iter().map(|q| q.url()).collect();
    let mut out = Map::new();
    if !urls.is_empty() {
        out.insert("QueueUrls".into(), json!(urls));
    }
    if limit.is_some() && end < queues.len() {
        out.insert("NextToken".into(), json!(end.to_string()));
    }
    Ok(Value::Object(out))
}

/// Keeps the entries `names` asks for: `All`, exact names, or `Prefix.*`.
fn wanted(names: &[String], key: &str) -> bool {
    names.iter().any(|n| {
        n == "All"
            || n == ".*"
            || n == key
            || n.strip_suffix(".*").is_some_and(|p| key.starts_with(p))
    })
}

fn get_attributes(cloud: &CloudInner, input: &Input) -> Result<Value, ApiError> {
    let queue = queue(cloud, input)?;
    let names = input.strings("AttributeNames")?;
    let attributes: BTreeMap<String, String> = queue
        .attributes()
        .to_map()
        .into_iter()
        .filter(|(k, _)| wanted(&names, k))
        .collect();
    if attributes.is_empty() {
        return Ok(json!({}));
    }
    Ok(json!({"Attributes": attributes}))
}

fn message_attributes(input: &Input) -> Result<BTreeMap<String, MessageAttributeValue>, ApiError> {
    let Some(map) = input.map("MessageAttributes")? else {
        return Ok(BTreeMap::new());
    };
    let mut out = BTreeMap::new();
    for (name, value) in map {
        let Value::Object(fields) = value else {
            return Err(ApiError::serialization(format!(
                "Message attribute {name} must be a structure."
            )));
        };
        let fields = Input::from_map(fields.clone());
        let data_type = fields.str("DataType")?.ok_or_else(|| {
            invalid_parameter(format!(
                "The message attribute '{name}' must contain a non-empty attribute type."
            ))
        })?;
        let binary_value = match fields.str("BinaryValue")? {
            None => None,
            Some(b) => Some(
                base64::engine::general_purpose::STANDARD
                    .decode(b)
                    .map_err(|e| invalid_parameter(format!("BinaryValue of {name}: {e}")))?,
            ),
        };
        out.insert(
            name.clone(),
            MessageAttributeValue {
                data_type: data_type.to_owned(),
                string_value: fields.str("StringValue")?.map(str::to_owned),
                binary_value,
            },
        );
    }
    Ok(out)
}

/// `MessageSystemAttributes.AWSTraceHeader.StringValue`, the one system attribute a sender
/// may set.
fn trace_header(input: &Input) -> Result<Option<String>, ApiError> {
    let Some(system) = input.map("MessageSystemAttributes")? else {
        return Ok(None);
    };
    if let Some(name) = system.keys().find(|k| *k != "AWSTraceHeader") {
        return Err(invalid_parameter(format!(
            "Message system attribute name '{name}' is invalid."
        )));
    }
    let Some(Value::Object(header)) = system.get("AWSTraceHeader") else {
        return Ok(None);
    };
    Ok(Input::from_map(header.clone())
        .str("StringValue")?
        .map(str::to_owned))
}

fn send_message(cloud: &CloudInner, input: &Input) -> Result<Value, ApiError> {
    let queue = queue(cloud, input)?;
    let body = input
        .str("MessageBody")?
        .ok_or_else(|| missing_parameter("MessageBody"))?;
    let request = SendMessage {
        body: body.to_owned(),
        delay_secs: input.int("DelaySeconds", 0, 900)?.map(|d| d as u32),
        message_group_id: input.str("MessageGroupId")?.map(str::to_owned),
        message_deduplication_id: input.str("MessageDeduplicationId")?.map(str::to_owned),
        message_attributes: message_attributes(input)?,
        trace_header: trace_header(input)?,
    };
    let attributes_md5 = md5_of_message_attributes(&request.message_attributes);
    let outcome = queue.send(request).map_err(sqs_error)?;
    let mut out = Map::new();
    out.insert("MessageId".into(), json!(outcome.message_id));
    out.insert("MD5OfMessageBody".into(), json!(outcome.md5_of_body));
    if let Some(md5) = attributes_md5 {
        out.insert("MD5OfMessageAttributes".into(), json!(md5));
    }
    if let Some(seq) = outcome.sequence_number {
        out.insert("SequenceNumber".into(), json!(seq));
    }
    Ok(Value::Object(out))
}

async fn receive_message(cloud: &CloudInner, input: &Input) -> Result<Value, ApiError> {
    let queue = queue(cloud, input)?;
    let max = input.int("MaxNumberOfMessages", 1, 10)?.unwrap_or(1) as usize;
    let visibility = match input.int("VisibilityTimeout", 0, 43_200)? {
        Some(v) => v as u32,
        None => queue.config().visibility_timeout_secs,
    };
    let wait_secs = match input.int("WaitTimeSeconds", 0, MAX_WAIT_SECS)? {
        Some(w) => w,
        None => i64::from(queue.config().receive_wait_secs),
    };
    let messages = if wait_secs > 0 {
        queue
            .receive_wait_with_visibility(max, wait_secs * 1000, visibility)
            .await
    } else {
        queue.receive_with_visibility(max, visibility)
    }
    .map_err(sqs_error)?;
    let mut system = input.strings("AttributeNames")?;
    system.extend(input.strings("MessageSystemAttributeNames")?);
    let user = input.strings("MessageAttributeNames")?;
    let messages: Vec<Value> = messages
        .iter()
        .map(|m| message_json(m, &system, &user))
        .collect();
    if messages.is_empty() {
        return Ok(json!({}));
    }
    Ok(json!({"Messages": messages}))
}

/// A received message with the system and user attributes the request asked for.
fn message_json(message: &ReceivedMessage, system: &[String], user: &[String]) -> Value {
    let mut out = Map::new();
    out.insert("MessageId".into(), json!(message.message_id));
    out.insert("ReceiptHandle".into(), json!(message.receipt_handle));
    out.insert("MD5OfBody".into(), json!(message.md5_of_body));
    out.insert("Body".into(), json!(message.body));
    let attributes: BTreeMap<&String, &String> = message
        .attributes
        .iter()
        .filter(|(k, _)| wanted(system, k))
        .collect();
    if !attributes.is_empty() {
        out.insert("Attributes".into(), json!(attributes));
    }
    let chosen: BTreeMap<String, MessageAttributeValue> = message
        .message_attributes
        .iter()
        .filter(|(k, _)| wanted(user, k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if let Some(md5) = md5_of_message_attributes(&chosen) {
        out.insert("MD5OfMessageAttributes".into(), json!(md5));
        let values: Map<String, Value> = chosen
            .iter()
            .map(|(k, v)| (k.clone(), attribute_json(v)))
            .collect();
        out.insert("MessageAttributes".into(), Value::Object(values));
    }
    Value::Object(out)
}

fn attribute_json(value: &MessageAttributeValue) -> Value {
    let mut out = Map::new();
    out.insert("DataType".into(), json!(value.data_type));
    if let Some(s) = &value.string_value {
        out.insert("StringValue".into(), json!(s));
    }
    if let Some(b) = &value.binary_value {
        out.insert(
            "BinaryValue".into(),
            json!(base64::engine::general_purpose::STANDARD.encode(b)),
        );
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_names_select_as_sqs_does() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let table = [
            (names(&["All"]), "SentTimestamp", true),
            (names(&[".*"]), "x", true),
            (names(&["Sent.*"]), "SentTimestamp", true),
            (names(&["SentTimestamp"]), "SenderId", false),
            (names(&[]), "SenderId", false),
        ];
        for (names, key, expected) in table {
            assert_eq!(wanted(&names, key), expected, "{names:?} {key}");
        }
    }

    #[test]
    fn unknown_queue_carries_the_query_code() {
        let e = sqs_error(SqsError::QueueDoesNotExist("q".into()));
        assert_eq!(e.code, "QueueDoesNotExist");
        assert_eq!(
            e.query_error.as_deref(),
            Some("AWS.SimpleQueueService.NonExistentQueue;Sender")
        );
    }
}
