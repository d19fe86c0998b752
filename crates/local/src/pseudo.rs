//! The fixed identity of the local cloud: its stack name, region, account and endpoint, and the
//! ARN/URL shapes built from them (the same shapes AWS uses, so code that parses an ARN works
//! locally unchanged).

/// `AWS::StackName` of the local stack.
pub const STACK_NAME: &str = "orderly";
/// `AWS::Region` of the local cloud.
pub const REGION: &str = "us-east-1";
/// `AWS::AccountId` of the local cloud.
pub const ACCOUNT_ID: &str = "000000000000";
/// `AWS::Partition`.
pub const PARTITION: &str = "aws";
/// The label of every table stream: a table gets its one stream when the cloud starts,
/// and `!GetAtt Table.StreamArn` resolves before any clock runs.
pub const STREAM_LABEL: &str = "1970-01-01T00:00:00.000";
/// `AWS::URLSuffix`.
pub const URL_SUFFIX: &str = "amazonaws.com";
/// Where `orderly serve` listens by default; queue URLs point here.
pub const DEFAULT_ENDPOINT: &str = "http://localhost:4566";

/// `arn:aws:sqs:<region>:<account>:<name>`.
pub fn sqs_queue_arn(name: &str) -> String {
    format!("arn:{PARTITION}:sqs:{REGION}:{ACCOUNT_ID}:{name}")
}

/// The queue URL under `endpoint` (`<endpoint>/<account>/<name>`), the path AWS uses.
pub fn sqs_queue_url(endpoint: &str, name: &str) -> String {
    format!("{}/{ACCOUNT_ID}/{name}", endpoint.trim_end_matches('/'))
}

/// `arn:aws:lambda:<region>:<account>:function:<name>`.
pub fn lambda_function_arn(name: &str) -> String {
    format!("arn:{PARTITION}:lambda:{REGION}:{ACCOUNT_ID}:function:{name}")
}

/// `arn:aws:states:<region>:<account>:stateMachine:<name>`.
pub fn state_machine_arn(name: &str) -> String {
    format!("arn:{PARTITION}:states:{REGION}:{ACCOUNT_ID}:stateMachine:{name}")
}

/// `arn:aws:events:<region>:<account>:event-bus/<name>`.
pub fn event_bus_arn(name: &str) -> String {
    format!("arn:{PARTITION}:events:{REGION}:{ACCOUNT_ID}:event-bus/{name}")
}

/// A rule's ARN: `rule/<name>` on the default bus, `rule/<bus>/<name>` on a custom bus.
pub fn event_rule_arn(bus: &str, name: &str) -> String {
    if bus == "default" {
        format!("arn:{PARTITION}:events:{REGION}:{ACCOUNT_ID}:rule/{name}")
    } else {
        format!("arn:{PARTITION}:events:{REGION}:{ACCOUNT_ID}:rule/{bus}/{name}")
    }
}

/// `arn:aws:dynamodb:<region>:<account>:table/<name>`.
pub fn dynamodb_table_arn(name: &str) -> String {
    format!("arn:{PARTITION}:dynamodb:{REGION}:{ACCOUNT_ID}:table/{name}")
}
