//! What a stream batch run reports, and the Lambda response that checkpoints it.

use aws_lambda_events::event::streams::{DynamoDbEventResponse, KinesisEventResponse};

use crate::batch::{BatchError, FailureKind};

/// The record a stream batch stopped at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamFailure {
    /// Position of the record in the batch.
    pub index: usize,
    /// Its sequence number; `None` when the record had none.
    pub sequence_number: Option<String>,
    /// How it failed.
    pub kind: FailureKind,
    /// Why, fit for the on-failure destination's record and a log line.
    pub reason: String,
}

/// The result of processing one stream batch: records before `failure` succeeded, the
/// failed one and every one after it are left for Lambda to deliver again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamReport {
    /// Records in the batch.
    pub total: usize,
    /// Records processed successfully, all before the failure.
    pub processed: usize,
    /// The first record that failed, if any.
    pub failure: Option<StreamFailure>,
}

impl StreamReport {
    /// Records the failure left unprocessed: the failed one and those after it.
    pub fn left(&self) -> usize {
        self.total - self.processed
    }

    /// The sequence number to checkpoint at: the failed record's, or none when the batch
    /// succeeded.
    ///
    /// # Errors
    /// [`BatchError::UnsequencedFailure`] when the failed record has no sequence number:
    /// an empty item identifier would make Lambda treat the batch as failed anyway, so the
    /// error says why.
    pub fn checkpoint(&self) -> Result<Option<&str>, BatchError> {
        match &self.failure {
            None => Ok(None),
            Some(StreamFailure {
                sequence_number: Some(sequence),
                ..
            }) => Ok(Some(sequence)),
            Some(failure) => Err(BatchError::UnsequencedFailure {
                index: failure.index,
                reason: failure.reason.clone(),
            }),
        }
    }

    /// The partial batch response for a Kinesis event source: the failed record's sequence
    /// number, from which Lambda retries.
    pub fn kinesis_response(&self) -> Result<KinesisEventResponse, BatchError> {
        let mut response = KinesisEventResponse::default();
        response.set_failures(self.checkpoint()?);
        Ok(response)
    }

    /// The partial batch response for a DynamoDB Streams event source.
    pub fn dynamodb_response(&self) -> Result<DynamoDbEventResponse, BatchError> {
        let mut response = DynamoDbEventResponse::default();
        if let Some(sequence) = self.checkpoint()? {
            let mut failure =
                aws_lambda_events::event::streams::DynamoDbBatchItemFailure::default();
            failure.item_identifier = Some(sequence.to_owned());
            response.batch_item_failures.push(failure);
        }
        Ok(response)
    }
}
