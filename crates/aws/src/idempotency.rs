//! The DynamoDB idempotency store.
//!
//! Table schema: partition key `id` (S); TTL attribute `expiration` (epoch seconds). Other
//! attributes: `status` (S), `in_progress_expiration` (N, epoch ms), `owner` (S), `data` (S,
//! the response as JSON text), `validation` (S, payload hash).

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};
use orderly_core::idempotency::{
    FencedOutcome, IdempotencyRecord, IdempotencyStore, LockOutcome, MAX_ITEM_BYTES, RecordStatus,
    StoreError, attr,
};

/// The lock condition; the in-memory store implements the same expression.
const LOCK_CONDITION: &str = "attribute_not_exists(#id) OR #expiry < :now OR \
     (#status = :inprogress AND attribute_exists(#in_progress_expiry) AND #in_progress_expiry < :now_ms)";

/// The fence of complete and delete: still in progress, still ours.
const OWNER_CONDITION: &str = "#status = :inprogress AND #owner = :me";

/// Error codes after which the same call may succeed.
const TRANSIENT_CODES: &[&str] = &[
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "ThrottlingException",
    "InternalServerError",
    "ServiceUnavailable",
];

/// An [`IdempotencyStore`] in a DynamoDB table, with conditional writes only.
///
/// A lost lock race comes back with the winning item (`ReturnValuesOnConditionCheckFailure =
/// ALL_OLD`), so it costs no extra read; completing and deleting are conditional on the
/// caller's owner token.
#[derive(Debug, Clone)]
pub struct DynamoDbIdempotencyStore {
    client: Client,
    table: String,
}

impl DynamoDbIdempotencyStore {
    /// A store in `table`, using `client` (build it once per process, outside the handler).
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// The table name.
    pub fn table(&self) -> &str {
        &self.table
    }
}

fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_owned())
}

fn n(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn key_of(key: &str) -> HashMap<String, AttributeValue> {
    HashMap::from([(attr::ID.to_owned(), s(key))])
}

fn item_of(record: &IdempotencyRecord) -> HashMap<String, AttributeValue> {
    let mut item = HashMap::from([
        (attr::ID.to_owned(), s(&record.key)),
        (attr::STATUS.to_owned(), s(record.status.as_str())),
        (attr::EXPIRATION.to_owned(), n(record.expiration_s)),
        (attr::OWNER.to_owned(), s(&record.owner)),
    ]);
    if let Some(ms) = record.in_progress_expiration_ms {
        item.insert(attr::IN_PROGRESS_EXPIRATION.to_owned(), n(ms));
    }
    if let Some(response) = &record.response {
        item.insert(attr::DATA.to_owned(), s(response));
    }
    if let Some(hash) = &record.payload_hash {
        item.insert(attr::VALIDATION.to_owned(), s(hash));
    }
    item
}

/// Reads an item back as a record; anything missing or mistyped is [`StoreError::Malformed`].
fn record_of(item: &HashMap<String, AttributeValue>) -> Result<IdempotencyRecord, StoreError> {
    let key = item
        .get(attr::ID)
        .and_then(|v| v.as_s().ok())
        .cloned()
        .unwrap_or_default();
    let malformed = |reason: String| StoreError::Malformed {
        key: key.clone(),
        reason,
    };
    let string = |name: &str| -> Result<Option<String>, StoreError> {
        match item.get(name) {
            None => Ok(None),
            Some(AttributeValue::S(v)) => Ok(Some(v.clone())),
            Some(other) => Err(malformed(format!("{name} is not a string: {other:?}"))),
        }
    };
    let number = |name: &str| -> Result<Option<i64>, StoreError> {
        match item.get(name) {
            None => Ok(None),
            Some(AttributeValue::N(v)) => v
                .parse::<i64>()
                .map(Some)
                .map_err(|e| malformed(format!("{name} = {v} is not an integer: {e}"))),
            Some(other) => Err(malformed(format!("{name} is not a number: {other:?}"))),
        }
    };
    if key.is_empty() {
        return Err(malformed("item has no id".into()));
    }
    let status_text =
        string(attr::STATUS)?.ok_or_else(|| malformed("item has no status".into()))?;
    let status = RecordStatus::parse(&status_text)
        .ok_or_else(|| malformed(format!("unknown status {status_text}")))?;
    Ok(IdempotencyRecord {
        status,
        expiration_s: number(attr::EXPIRATION)?
            .ok_or_else(|| malformed("item has no expiration".into()))?,
        in_progress_expiration_ms: number(attr::IN_PROGRESS_EXPIRATION)?,
        // Records written without fencing have no owner; no caller's token matches "".
        owner: string(attr::OWNER)?.unwrap_or_default(),
        response: string(attr::DATA)?,
        payload_hash: string(attr::VALIDATION)?,
        key: key.clone(),
    })
}

/// Maps an SDK failure that is not a failed condition to a [`StoreError`].
fn store_error<E, R>(key: &str, error: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let text = DisplayErrorContext(&error).to_string();
    match &error {
        SdkError::ServiceError(service) => {
            let err = service.err();
            let code = err.code().unwrap_or_default();
            let message = err.message().unwrap_or_default();
            // PutItem says "Item size has exceeded the maximum allowed size", UpdateItem
            // "Item size to update has exceeded the maximum allowed size".
            if code == "ValidationException"
                && message.contains("exceeded the maximum allowed size")
            {
                StoreError::ItemTooLarge {
                    key: key.to_owned(),
                    size: None,
                    limit: MAX_ITEM_BYTES,
                }
            } else if TRANSIENT_CODES.contains(&code) {
                StoreError::Unavailable(text)
            } else {
                StoreError::Backend(text)
            }
        }
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            StoreError::Unavailable(text)
        }
        _ => StoreError::Backend(text),
    }
}

fn too_large(key: &str, size: usize) -> Result<(), StoreError> {
    if size > MAX_ITEM_BYTES {
        return Err(StoreError::ItemTooLarge {
            key: key.to_owned(),
            size: Some(size),
            limit: MAX_ITEM_BYTES,
        });
    }
    Ok(())
}

#[async_trait]
impl IdempotencyStore for DynamoDbIdempotencyStore {
    async fn put_if_absent_or_expired(
        &self,
        record: &IdempotencyRecord,
        now_ms: i64,
    ) -> Result<LockOutcome, StoreError> {
        // Refused here rather than by the service, so both stores fail the same way.
        too_large(&record.key, record.item_size())?;
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item_of(record)))
            .condition_expression(LOCK_CONDITION)
            .expression_attribute_names("#id", attr::ID)
            .expression_attribute_names("#expiry", attr::EXPIRATION)
            .expression_attribute_names("#status", attr::STATUS)
            .expression_attribute_names("#in_progress_expiry", attr::IN_PROGRESS_EXPIRATION)
            .expression_attribute_values(":now", n(now_ms.div_euclid(1000)))
            .expression_attribute_values(":now_ms", n(now_ms))
            .expression_attribute_values(":inprogress", s(RecordStatus::InProgress.as_str()))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(_) => Ok(LockOutcome::Acquired),
            Err(SdkError::ServiceError(service))
                if service.err().is_conditional_check_failed_exception() =>
            {
                let old = match service.into_err() {
                    aws_sdk_dynamodb::operation::put_item::PutItemError::ConditionalCheckFailedException(e) => e.item,
                    _ => None,
                };
                Ok(LockOutcome::Held(old.as_ref().map(record_of).transpose()?))
            }
            Err(e) => Err(store_error(&record.key, e)),
        }
    }

    async fn complete_if_owner(
        &self,
        key: &str,
        owner: &str,
        response: &str,
        expiration_s: i64,
    ) -> Result<FencedOutcome, StoreError> {
        // The item holds at least these; the service refuses the rest of an oversized item.
        too_large(
            key,
            attr::ID.len()
                + key.len()
                + attr::OWNER.len()
                + owner.len()
                + attr::DATA.len()
                + response.len(),
        )?;
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_of(key)))
            // The lease has no meaning once completed; dropping it keeps the item the size
            // the engine checked (IdempotencyRecord::item_size of the completed record).
            // The response comes first: moto applies the actions one by one, and a response
            // it refuses for its size must leave the lock as it was, as DynamoDB does.
            .update_expression(
                "SET #data = :data, #status = :completed, #expiry = :expiry \
                 REMOVE #in_progress_expiry",
            )
            .condition_expression(OWNER_CONDITION)
            .expression_attribute_names("#status", attr::STATUS)
            .expression_attribute_names("#data", attr::DATA)
            .expression_attribute_names("#expiry", attr::EXPIRATION)
            .expression_attribute_names("#in_progress_expiry", attr::IN_PROGRESS_EXPIRATION)
            .expression_attribute_names("#owner", attr::OWNER)
            .expression_attribute_values(":completed", s(RecordStatus::Completed.as_str()))
            .expression_attribute_values(":inprogress", s(RecordStatus::InProgress.as_str()))
            .expression_attribute_values(":data", s(response))
            .expression_attribute_values(":expiry", n(expiration_s))
            .expression_attribute_values(":me", s(owner))
            .send()
            .await;
        match result {
            Ok(_) => Ok(FencedOutcome::Done),
            Err(SdkError::ServiceError(service))
                if service.err().is_conditional_check_failed_exception() =>
            {
                Ok(FencedOutcome::NotOwner)
            }
            Err(e) => Err(store_error(key, e)),
        }
    }

    async fn delete_if_owner(&self, key: &str, owner: &str) -> Result<FencedOutcome, StoreError> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key_of(key)))
            .condition_expression(OWNER_CONDITION)
            .expression_attribute_names("#status", attr::STATUS)
            .expression_attribute_names("#owner", attr::OWNER)
            .expression_attribute_values(":inprogress", s(RecordStatus::InProgress.as_str()))
            .expression_attribute_values(":me", s(owner))
            .send()
            .await;
        match result {
            Ok(_) => Ok(FencedOutcome::Done),
            Err(SdkError::ServiceError(service))
                if service.err().is_conditional_check_failed_exception() =>
            {
                Ok(FencedOutcome::NotOwner)
            }
            Err(e) => Err(store_error(key, e)),
        }
    }

    async fn get(&self, key: &str) -> Result<Option<IdempotencyRecord>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key_of(key)))
            // A lock was just refused: an eventually consistent read could miss the winner.
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| store_error(key, e))?;
        output.item.as_ref().map(record_of).transpose()
    }
}

#[cfg(test)]
mod tests {
    //! Request shapes, checked on a mocked client; behaviour is checked against a server by
    //! the contract suite in `tests/idempotency_dynamodb.rs`.

    use super::*;
    use aws_sdk_dynamodb::operation::delete_item::{DeleteItemError, DeleteItemOutput};
    use aws_sdk_dynamodb::operation::put_item::{PutItemError, PutItemOutput};
    use aws_sdk_dynamodb::operation::update_item::{UpdateItemError, UpdateItemOutput};
    use aws_sdk_dynamodb::types::error::{
        ConditionalCheckFailedException, ProvisionedThroughputExceededException,
    };
    use aws_smithy_mocks::{mock, mock_client};

    const NOW_MS: i64 = 1_700_000_000_123;

    fn lock(owner: &str) -> IdempotencyRecord {
        IdempotencyRecord {
            key: "ship-order#abc".into(),
            status: RecordStatus::InProgress,
            expiration_s: 1_700_003_600,
            in_progress_expiration_ms: Some(NOW_MS + 30_000),
            owner: owner.into(),
            response: None,
            payload_hash: Some("hash".into()),
        }
    }

    fn value<'a>(
        values: Option<&'a HashMap<String, AttributeValue>>,
        name: &str,
    ) -> Option<&'a AttributeValue> {
        values.and_then(|v| v.get(name))
    }

    #[tokio::test]
    async fn lock_is_one_conditional_put_that_returns_the_old_item() {
        let put = mock!(Client::put_item)
            .match_requests(|req| {
                let values = req.expression_attribute_values();
                req.table_name() == Some("idempotency")
                    && req.condition_expression() == Some(LOCK_CONDITION)
                    && req.return_values_on_condition_check_failure()
                        == Some(&ReturnValuesOnConditionCheckFailure::AllOld)
                    // Seconds for the TTL clause, milliseconds for the lease clause.
                    && value(values, ":now") == Some(&n(1_700_000_000))
                    && value(values, ":now_ms") == Some(&n(NOW_MS))
                    && req.item() == Some(&item_of(&lock("me")))
            })
            .then_output(|| PutItemOutput::builder().build());
        let store =
            DynamoDbIdempotencyStore::new(mock_client!(aws_sdk_dynamodb, [&put]), "idempotency");
        let outcome = store.put_if_absent_or_expired(&lock("me"), NOW_MS).await;
        assert!(matches!(outcome, Ok(LockOutcome::Acquired)), "{outcome:?}");
        assert_eq!(put.num_calls(), 1);
    }

    #[tokio::test]
    async fn a_lost_race_reads_the_winner_from_the_failed_put() {
        let mut winner = lock("winner");
        winner.status = RecordStatus::Completed;
        winner.response = Some("null".into());
        let item = item_of(&winner);
        let put = mock!(Client::put_item).then_error(move || {
            PutItemError::ConditionalCheckFailedException(
                ConditionalCheckFailedException::builder()
                    .set_item(Some(item.clone()))
                    .build(),
            )
        });
        let store = DynamoDbIdempotencyStore::new(mock_client!(aws_sdk_dynamodb, [&put]), "t");
        let outcome = store.put_if_absent_or_expired(&lock("me"), NOW_MS).await;
        assert_eq!(outcome.ok(), Some(LockOutcome::Held(Some(winner))));
    }

    #[tokio::test]
    async fn complete_and_delete_are_fenced_on_status_and_owner() {
        let fenced = |condition: Option<&str>, values: Option<&HashMap<String, AttributeValue>>| {
            condition == Some(OWNER_CONDITION)
                && value(values, ":me") == Some(&s("me"))
                && value(values, ":inprogress") == Some(&s("INPROGRESS"))
        };
        let update = mock!(Client::update_item)
            .match_requests(move |req| {
                fenced(
                    req.condition_expression(),
                    req.expression_attribute_values(),
                ) && value(req.expression_attribute_values(), ":data") == Some(&s("0"))
                    && value(req.expression_attribute_values(), ":expiry") == Some(&n(99))
                    // A completed record keeps no lease.
                    && req
                        .update_expression()
                        .is_some_and(|e| e.ends_with("REMOVE #in_progress_expiry"))
                    && req
                        .expression_attribute_names()
                        .and_then(|names| names.get("#in_progress_expiry"))
                        .map(String::as_str)
                        == Some(attr::IN_PROGRESS_EXPIRATION)
            })
            .then_output(|| UpdateItemOutput::builder().build());
        let stale_update = mock!(Client::update_item).then_error(|| {
            UpdateItemError::ConditionalCheckFailedException(
                ConditionalCheckFailedException::builder().build(),
            )
        });
        let delete = mock!(Client::delete_item)
            .match_requests(move |req| {
                fenced(
                    req.condition_expression(),
                    req.expression_attribute_values(),
                )
            })
            .then_output(|| DeleteItemOutput::builder().build());
        let stale_delete = mock!(Client::delete_item).then_error(|| {
            DeleteItemError::ConditionalCheckFailedException(
                ConditionalCheckFailedException::builder().build(),
            )
        });
        let client = mock_client!(
            aws_sdk_dynamodb,
            aws_smithy_mocks::RuleMode::Sequential,
            [&update, &stale_update, &delete, &stale_delete]
        );
        let store = DynamoDbIdempotencyStore::new(client, "t");
        let k = "ship-order#abc";
        assert_eq!(
            store.complete_if_owner(k, "me", "0", 99).await.ok(),
            Some(FencedOutcome::Done)
        );
        assert_eq!(
            store.complete_if_owner(k, "me", "0", 99).await.ok(),
            Some(FencedOutcome::NotOwner)
        );
        assert_eq!(
            store.delete_if_owner(k, "me").await.ok(),
            Some(FencedOutcome::Done)
        );
        assert_eq!(
            store.delete_if_owner(k, "me").await.ok(),
            Some(FencedOutcome::NotOwner)
        );
    }

    #[tokio::test]
    async fn throttling_is_retryable_and_bad_items_are_malformed() {
        let throttled = mock!(Client::put_item).then_error(|| {
            PutItemError::ProvisionedThroughputExceededException(
                ProvisionedThroughputExceededException::builder()
                    .message("slow down")
                    // The service names the error in the response; the mock must say it too.
                    .meta(
                        aws_sdk_dynamodb::error::ErrorMetadata::builder()
                            .code("ProvisionedThroughputExceededException")
                            .message("slow down")
                            .build(),
                    )
                    .build(),
            )
        });
        let bad_item = mock!(Client::put_item).then_error(|| {
            let mut item = item_of(&lock("other"));
            item.insert(attr::EXPIRATION.into(), s("tomorrow"));
            PutItemError::ConditionalCheckFailedException(
                ConditionalCheckFailedException::builder()
                    .set_item(Some(item))
                    .build(),
            )
        });
        let client = mock_client!(
            aws_sdk_dynamodb,
            aws_smithy_mocks::RuleMode::Sequential,
            [&throttled, &bad_item],
            // The SDK would retry the throttled call itself; this test wants to see it.
            |c| c.retry_config(aws_sdk_dynamodb::config::retry::RetryConfig::disabled())
        );
        let store = DynamoDbIdempotencyStore::new(client, "t");
        match store.put_if_absent_or_expired(&lock("me"), NOW_MS).await {
            Err(e @ StoreError::Unavailable(_)) => assert!(e.is_retryable()),
            other => panic!("expected Unavailable, got {other:?}"),
        }
        let outcome = store.put_if_absent_or_expired(&lock("me"), NOW_MS).await;
        assert!(
            matches!(outcome, Err(StoreError::Malformed { .. })),
            "{outcome:?}"
        );
    }

    #[test]
    fn the_conditions_are_the_documented_expressions() {
        // Spelled out here, not taken from the constants, so an edit to either shows.
        assert_eq!(
            LOCK_CONDITION,
            "attribute_not_exists(#id) OR #expiry < :now OR (#status = :inprogress AND \
             attribute_exists(#in_progress_expiry) AND #in_progress_expiry < :now_ms)"
        );
        assert_eq!(OWNER_CONDITION, "#status = :inprogress AND #owner = :me");
    }

    #[tokio::test]
    async fn the_service_refusing_an_item_for_its_size_is_item_too_large() {
        fn too_big(message: &'static str) -> aws_sdk_dynamodb::error::ErrorMetadata {
            aws_sdk_dynamodb::error::ErrorMetadata::builder()
                .code("ValidationException")
                .message(message)
                .build()
        }
        let put = mock!(Client::put_item).then_error(|| {
            PutItemError::generic(too_big("Item size has exceeded the maximum allowed size"))
        });
        let update = mock!(Client::update_item).then_error(|| {
            UpdateItemError::generic(too_big(
                "Item size to update has exceeded the maximum allowed size",
            ))
        });
        let other = mock!(Client::update_item).then_error(|| {
            UpdateItemError::generic(too_big("One or more parameter values were invalid"))
        });
        let client = mock_client!(
            aws_sdk_dynamodb,
            aws_smithy_mocks::RuleMode::Sequential,
            [&put, &update, &other]
        );
        let store = DynamoDbIdempotencyStore::new(client, "t");
        let put = store.put_if_absent_or_expired(&lock("me"), NOW_MS).await;
        assert!(
            matches!(put, Err(StoreError::ItemTooLarge { .. })),
            "{put:?}"
        );
        let update = store
            .complete_if_owner("ship-order#abc", "me", "1", 99)
            .await;
        assert!(
            matches!(update, Err(StoreError::ItemTooLarge { size: None, .. })),
            "{update:?}"
        );
        let other = store
            .complete_if_owner("ship-order#abc", "me", "1", 99)
            .await;
        assert!(matches!(other, Err(StoreError::Backend(_))), "{other:?}");
    }

    #[test]
    fn items_round_trip_to_records() {
        let mut record = lock("me");
        for response in [None, Some(String::new()), Some("null".to_owned())] {
            record.response = response;
            assert_eq!(record_of(&item_of(&record)).ok().as_ref(), Some(&record));
        }
    }
}
