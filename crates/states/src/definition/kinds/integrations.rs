//! Which Task `Resource` values CreateStateMachine recognizes: an optimized integration
//! from the table below, an AWS SDK integration, a Lambda function ARN or an activity ARN.

/// Request Response only: the plain resource, no suffix.
const PLAIN: &[&str] = &[];
/// Request Response and Run a Job (`.sync`).
const SYNC: &[&str] = &["sync"];
/// Request Response and Wait for Callback (`.waitForTaskToken`).
const TOKEN: &[&str] = &["waitForTaskToken"];
/// Request Response, Run a Job and Wait for Callback.
const SYNC_TOKEN: &[&str] = &["sync", "waitForTaskToken"];

/// The optimized integrations: `(service, action, suffixes)`, for
/// `arn:<partition>:states:::<service>:<action>[.<suffix>]`. The plain form (Request
/// Response) is always allowed; `suffixes` lists the patterns the action allows besides.
///
/// From the AWS Step Functions Developer Guide: "Integrating optimized services with Step
/// Functions" (integrate-optimized.html) and "Discover service integration patterns"
/// (connect-to-resource.html) for the services and the patterns each supports, and each
/// service's page for its actions and which of them take which pattern: connect-lambda,
/// connect-ddb, connect-sqs, connect-sns, connect-eventbridge, connect-stepfunctions,
/// connect-ecs, connect-batch, connect-glue, connect-databrew, connect-athena,
/// connect-sagemaker, connect-emr, connect-emr-eks, connect-emr-serverless, connect-eks,
/// connect-codebuild, connect-api-gateway, connect-bedrock, connect-mediaconvert and
/// call-https-apis (the HTTP Task). The summary table grants Amazon EKS and Amazon Bedrock
/// Wait for Callback, which their own pages do not place on any action (the EKS page says
/// it is not supported): `eks:runJob` and `bedrock:invokeModel` are allowed it, so that a
/// definition AWS may accept is not refused here.
const OPTIMIZED: &[(&str, &str, &[&str])] = &[
    // Amazon API Gateway.
    ("apigateway", "invoke", TOKEN),
    // Amazon Athena.
    ("athena", "startQueryExecution", SYNC),
    ("athena", "stopQueryExecution", PLAIN),
    ("athena", "getQueryExecution", PLAIN),
    ("athena", "getQueryResults", PLAIN),
    // AWS Batch.
    ("batch", "submitJob", SYNC),
    // Amazon Bedrock.
    ("bedrock", "invokeModel", TOKEN),
    ("bedrock", "createModelCustomizationJob", SYNC),
    // AWS CodeBuild.
    ("codebuild", "startBuild", SYNC),
    ("codebuild", "stopBuild", PLAIN),
    ("codebuild", "batchDeleteBuilds", PLAIN),
    ("codebuild", "batchGetReports", PLAIN),
    ("codebuild", "startBuildBatch", SYNC),
    ("codebuild", "stopBuildBatch", PLAIN),
    ("codebuild", "retryBuildBatch", SYNC),
    ("codebuild", "deleteBuildBatch", PLAIN),
    // AWS Glue DataBrew.
    ("databrew", "startJobRun", SYNC),
    // Amazon DynamoDB.
    ("dynamodb", "getItem", PLAIN),
    ("dynamodb", "putItem", PLAIN),
    ("dynamodb", "updateItem", PLAIN),
    ("dynamodb", "deleteItem", PLAIN),
    // Amazon ECS / Fargate.
    ("ecs", "runTask", SYNC_TOKEN),
    // Amazon EKS: the Kubernetes API integrations, then the Amazon EKS APIs.
    ("eks", "runJob", SYNC_TOKEN),
    ("eks", "call", PLAIN),
    ("eks", "createCluster", SYNC),
    ("eks", "deleteCluster", SYNC),
    ("eks", "createFargateProfile", SYNC),
    ("eks", "deleteFargateProfile", SYNC),
    ("eks", "createNodegroup", SYNC),
    ("eks", "deleteNodegroup", SYNC),
    // Amazon EMR.
    ("elasticmapreduce", "createCluster", SYNC),
    ("elasticmapreduce", "setClusterTerminationProtection", PLAIN),
    ("elasticmapreduce", "terminateCluster", SYNC),
    ("elasticmapreduce", "addStep", SYNC),
    ("elasticmapreduce", "cancelStep", PLAIN),
    ("elasticmapreduce", "modifyInstanceFleetByName", PLAIN),
    ("elasticmapreduce", "modifyInstanceGroupByName", PLAIN),
    // Amazon EMR on EKS.
    ("emr-containers", "createVirtualCluster", PLAIN),
    ("emr-containers", "deleteVirtualCluster", SYNC),
    ("emr-containers", "startJobRun", SYNC),
    // Amazon EMR Serverless.
    ("emr-serverless", "createApplication", SYNC),
    ("emr-serverless", "startApplication", SYNC),
    ("emr-serverless", "stopApplication", SYNC),
    ("emr-serverless", "deleteApplication", SYNC),
    ("emr-serverless", "startJobRun", SYNC),
    ("emr-serverless", "cancelJobRun", SYNC),
    // Amazon EventBridge.
    ("events", "putEvents", TOKEN),
    // AWS Glue.
    ("glue", "startJobRun", SYNC),
    // HTTP Task.
    ("http", "invoke", PLAIN),
    // AWS Lambda.
    ("lambda", "invoke", TOKEN),
    // AWS Elemental MediaConvert.
    ("mediaconvert", "createJob", SYNC),
    // Amazon SageMaker AI.
    ("sagemaker", "createEndpoint", PLAIN),
    ("sagemaker", "createEndpointConfig", PLAIN),
    ("sagemaker", "createHyperParameterTuningJob", SYNC),
    ("sagemaker", "createLabelingJob", SYNC),
    ("sagemaker", "createModel", PLAIN),
    ("sagemaker", "createProcessingJob", SYNC),
    ("sagemaker", "createTrainingJob", SYNC),
    ("sagemaker", "createTransformJob", SYNC),
    ("sagemaker", "updateEndpoint", PLAIN),
    // Amazon SNS.
    ("sns", "publish", TOKEN),
    // Amazon SQS.
    ("sqs", "sendMessage", TOKEN),
    // AWS Step Functions: `.sync` returns the output as a string, `.sync:2` as JSON.
    (
        "states",
        "startExecution",
        &["sync", "sync:2", "waitForTaskToken"],
    ),
];

/// Whether CreateStateMachine recognizes `resource` as a Task's `Resource`.
pub(super) fn recognized(resource: &str) -> bool {
    let mut parts = resource.splitn(6, ':');
    let (Some("arn"), Some(partition), Some(service), Some(region), Some(account), Some(rest)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return false;
    };
    if !is_partition(partition) {
        return false;
    }
    match (service, region.is_empty() && account.is_empty()) {
        ("states", true) => integration(rest),
        ("states", false) => located(region, account) && activity(rest),
        ("lambda", false) => located(region, account) && function(rest),
        _ => false,
    }
}

/// `aws`, `aws-cn`, `aws-us-gov`, `aws-iso-b`, …
fn is_partition(partition: &str) -> bool {
    partition == "aws"
        || partition.strip_prefix("aws-").is_some_and(|rest| {
            !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
        })
}

/// A region and an account, both present.
fn located(region: &str, account: &str) -> bool {
    !region.is_empty()
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !account.is_empty()
        && account.bytes().all(|b| b.is_ascii_digit())
}

/// `<service>:<action>[.<suffix>]` after `arn:<partition>:states:::`.
fn integration(rest: &str) -> bool {
    let Some((service, call)) = rest.split_once(':') else {
        return false;
    };
    let (action, suffix) = match call.split_once('.') {
        Some((action, suffix)) => (action, Some(suffix)),
        None => (call, None),
    };
    if service == "aws-sdk" {
        return sdk(action, suffix);
    }
    OPTIMIZED.iter().any(|(s, a, suffixes)| {
        *s == service && *a == action && suffix.is_none_or(|x| suffixes.contains(&x))
    })
}

/// `aws-sdk:<service>:<action>[.waitForTaskToken]`: any service and camelCase action; the
/// AWS SDK integrations do not support Run a Job (`.sync`).
fn sdk(call: &str, suffix: Option<&str>) -> bool {
    let Some((service, action)) = call.split_once(':') else {
        return false;
    };
    let service_ok = service
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_lowercase())
        && service
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    let action_ok = action
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_lowercase())
        && action.bytes().all(|b| b.is_ascii_alphanumeric());
    service_ok && action_ok && matches!(suffix, None | Some("waitForTaskToken"))
}

/// `activity:<name>` after `arn:<partition>:states:<region>:<account>:`.
fn activity(rest: &str) -> bool {
    rest.strip_prefix("activity:").is_some_and(|name| {
        !name.is_empty() && !name.contains(':') && !name.contains(char::is_whitespace)
    })
}

/// `function:<name>[:<alias or version>]` after `arn:<partition>:lambda:<region>:<account>:`.
fn function(rest: &str) -> bool {
    let name_char = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
    let Some(function) = rest.strip_prefix("function:") else {
        return false;
    };
    let (name, qualifier) = match function.split_once(':') {
        Some((name, qualifier)) => (name, Some(qualifier)),
        None => (function, None),
    };
    !name.is_empty()
        && name.bytes().all(name_char)
        && qualifier.is_none_or(|q| q == "$LATEST" || (!q.is_empty() && q.bytes().all(name_char)))
}
