//! The generic item store on a DynamoDB table: GetItem, PutItem and DeleteItem, the
//! conditional ones with the condition as a DynamoDB expression, so a condition and its
//! write are one request.

use crate::attributes::{Item as AwsItem, from_item, to_attribute};
use crate::error::port_error;
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::{ReturnValue, ReturnValuesOnConditionCheckFailure};
use orderly_core::items::{Expect, Item, ItemStore, KeyNames, Written};
use orderly_core::ports::PortError;
use serde_json::Value;

/// The items of one table, read by the key the function declares.
#[derive(Debug, Clone)]
pub struct DynamoItems {
    client: Client,
    table: String,
    key: KeyNames,
}

impl DynamoItems {
    /// The table `table`, keyed by `key`, through `client`.
    pub fn new(client: Client, table: impl Into<String>, key: KeyNames) -> Self {
        Self {
            client,
            table: table.into(),
            key,
        }
    }

    fn attributes(item: &Item) -> AwsItem {
        item.iter()
            .map(|(k, v)| (k.clone(), to_attribute(v)))
            .collect()
    }

    fn json(&self, item: Option<&AwsItem>) -> Result<Option<Item>, PortError> {
        item.map(|item| match from_item(item) {
            Ok(Value::Object(item)) => Ok(item),
            Ok(_) => Err(PortError::Permanent(format!(
                "{}: a stored item is not an object",
                self.table
            ))),
            Err(e) => Err(PortError::Permanent(format!(
                "{}: a stored item does not read: {e}",
                self.table
            ))),
        })
        .transpose()
    }
}

#[async_trait]
impl ItemStore for DynamoItems {
    fn key(&self) -> KeyNames {
        self.key
    }

    async fn get(&self, key: &Item) -> Result<Option<Item>, PortError> {
        self.key.check_key(key)?;
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(Self::attributes(key)))
            // A consumer reads back what it wrote a moment ago: strongly consistent.
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| port_error(&format!("GetItem {}", self.table), &e))?;
        self.json(output.item())
    }

    async fn put(&self, item: &Item, expect: Option<Expect<'_>>) -> Result<Written, PortError> {
        self.key.key_of(item)?;
        let mut request = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(Self::attributes(item)))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        request = match expect {
            None => request,
            Some(Expect::Absent) => request
                .condition_expression("attribute_not_exists(#key)")
                .expression_attribute_names("#key", self.key.partition),
            Some(Expect::Equals(attribute, value)) => request
                .condition_expression("#attribute = :expected")
                .expression_attribute_names("#attribute", attribute)
                .expression_attribute_values(":expected", to_attribute(value)),
        };
        match request.send().await {
            Ok(_) => Ok(Written::Stored),
            Err(err) => match err.as_service_error() {
                Some(PutItemError::ConditionalCheckFailedException(failed)) => {
                    Ok(Written::Refused(self.json(failed.item())?))
                }
                _ => Err(port_error(&format!("PutItem {}", self.table), &err)),
            },
        }
    }

    async fn delete(&self, key: &Item) -> Result<Option<Item>, PortError> {
        self.key.check_key(key)?;
        let output = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(Self::attributes(key)))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(|e| port_error(&format!("DeleteItem {}", self.table), &e))?;
        self.json(output.attributes())
    }
}
