//! Values shared by the X-Ray tests: a trace, a subsegment, the SDK's debug texts.

use super::document::{Outcome, Subsegment};
use std::fmt;

pub(super) const ROOT: &str = "1-5759e988-bd862e3fe1be46a994272793";
pub(super) const PARENT: &str = "53995c3f42cd8ad8";

pub(super) fn subsegment(outcome: Outcome) -> Subsegment {
    Subsegment {
        id: "0123456789abcdef".to_owned(),
        trace_id: ROOT.to_owned(),
        parent_id: PARENT.to_owned(),
        service: "DynamoDB".to_owned(),
        operation: "PutItem".to_owned(),
        region: Some("eu-west-1".to_owned()),
        request_id: Some("REQ1".to_owned()),
        start_time: 1_700_000_000.25,
        end_time: 1_700_000_000.5,
        retries: 0,
        outcome,
    }
}

/// Prints the given text as its `Debug` form, as the SDK's values print.
pub(super) struct Shown(pub(super) &'static str);
impl fmt::Debug for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

pub(super) const RESPONSE_OK: &str = r#"Response { status: StatusCode(200), headers: {"server": "Werkzeug/3.1.8 Python/3.11.7", "content-type": "application/x-amz-json-1.0", "x-amzn-requestid": "7ea2e6f2-8e1b-4bd6-a8e0-3c1d64a9b2a1", "x-amz-crc32": "363771991"}, body: SdkBody { inner: BoxBody, retryable: false }, extensions: Extensions { extensions_1x: {} } }"#;
pub(super) const RESPONSE_400: &str = r#"Response { status: StatusCode(400), headers: {"x-amzn-errortype": "ConditionalCheckFailedException", "x-amzn-requestid": "REQ-400"}, body: SdkBody { inner: BoxBody, retryable: false }, extensions: Extensions { extensions_1x: {} } }"#;
pub(super) const ERROR_WITH_ITEM: &str = r#"Err(OrchestratorError { kind: Operation { err: Error(TypeErasedError:ConditionalCheckFailedException(ConditionalCheckFailedException { message: Some("The conditional request failed"), item: Some({"email": S("ada@example.com")}), meta: ErrorMetadata { code: Some("ConditionalCheckFailedException"), message: Some("The conditional request failed"), extras: Some({"aws_request_id": "REQ-400"}) } })) } })"#;
