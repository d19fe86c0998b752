//! How failed calls become transient or permanent port errors, from HTTP answers.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use orderly_aws::dynamodb::DynamoOrders;
use orderly_core::ports::{OrderStatusReader, PortError};

/// An orders adapter whose GetItem answers `status` with `body`; the SDK's own retries are
/// off so the first answer is the one classified.
fn orders_answering(status: u16, body: Option<&str>) -> DynamoOrders {
    let rule = mock!(Client::get_item)
        .sequence()
        .http_status(status, body.map(str::to_owned))
        .build();
    let client = mock_client!(aws_sdk_dynamodb, RuleMode::Sequential, [&rule], |c| c
        .retry_config(RetryConfig::disabled()));
    DynamoOrders::new(client, "orders")
}

fn dynamodb_error(code: &str) -> String {
    format!(r#"{{"__type":"com.amazonaws.dynamodb.v20120810#{code}","message":"{code} happened"}}"#)
}

#[tokio::test]
async fn errors_are_classified_by_code_and_status() {
    let cases = [
        (500, None, true),
        (503, None, true),
        (
            400,
            Some(dynamodb_error("ProvisionedThroughputExceededException")),
            true,
        ),
        (400, Some(dynamodb_error("ThrottlingException")), true),
        (400, Some(dynamodb_error("ValidationException")), false),
        (
            400,
            Some(dynamodb_error("ResourceNotFoundException")),
            false,
        ),
        (403, Some(dynamodb_error("AccessDeniedException")), false),
    ];
    for (status, body, transient) in cases {
        let result = orders_answering(status, body.as_deref())
            .status("o-1")
            .await;
        match (&result, transient) {
            (Err(PortError::Transient(m)), true) | (Err(PortError::Permanent(m)), false) => {
                assert!(m.contains("GetItem orders"), "{m}");
                assert!(m.contains(&format!("HTTP {status}")), "{m}");
            }
            _ => panic!("HTTP {status} {body:?}: expected transient={transient}, got {result:?}"),
        }
    }
}

#[tokio::test]
async fn the_service_code_and_message_are_named() {
    let result = orders_answering(400, Some(&dynamodb_error("ValidationException")))
        .status("o-1")
        .await;
    assert_eq!(
        result,
        Err(PortError::Permanent(
            "GetItem orders: ValidationException (HTTP 400): ValidationException happened".into()
        ))
    );
}
