//! A Task's `Resource` must be an integration CreateStateMachine recognizes: an optimized
//! integration with a pattern its action supports, an AWS SDK integration, a Lambda
//! function ARN or an activity ARN. Anything else is refused with AWS's words.

mod common;

use common::{problems, single};
use orderly_states::StateMachine;
use serde_json::{Value, json};

fn task(resource: &str) -> Value {
    single(json!({"Type": "Task", "Resource": resource, "End": true}))
}

/// The one problem a refused resource gives: at the Task's `Resource`.
fn refused() -> Vec<(String, String)> {
    vec![(
        "SCHEMA_VALIDATION_FAILED".to_owned(),
        "/States/S/Resource".to_owned(),
    )]
}

#[test]
fn an_unknown_dynamodb_action_is_refused_with_aws_words() {
    // Recorded on AWS (CreateStateMachine).
    let definition = json!({"StartAt": "Query", "States": {"Query": {
        "Type": "Task", "Resource": "arn:aws:states:::dynamodb:query", "End": true
    }}});
    let error = StateMachine::parse(&definition.to_string()).expect_err("refused");
    assert_eq!(error.problems.len(), 1, "{error}");
    let problem = &error.problems[0];
    assert_eq!(
        format!(
            "{}: {} at {}",
            problem.code, problem.message, problem.location
        ),
        "SCHEMA_VALIDATION_FAILED: The resource provided arn:aws:states:::dynamodb:query is not recognized. The value is not a valid resource ARN, or the resource is not available in this region. at /States/Query/Resource"
    );
}

#[test]
fn recognized_resources_are_accepted() {
    let resources = [
        // Optimized integrations, plain and with the patterns their actions support.
        "arn:aws:states:::lambda:invoke",
        "arn:aws:states:::lambda:invoke.waitForTaskToken",
        "arn:aws:states:::dynamodb:getItem",
        "arn:aws:states:::dynamodb:putItem",
        "arn:aws:states:::dynamodb:updateItem",
        "arn:aws:states:::dynamodb:deleteItem",
        "arn:aws:states:::sqs:sendMessage",
        "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "arn:aws:states:::sns:publish.waitForTaskToken",
        "arn:aws:states:::events:putEvents",
        "arn:aws:states:::events:putEvents.waitForTaskToken",
        "arn:aws:states:::states:startExecution",
        "arn:aws:states:::states:startExecution.sync",
        "arn:aws:states:::states:startExecution.sync:2",
        "arn:aws:states:::states:startExecution.waitForTaskToken",
        "arn:aws:states:::ecs:runTask.sync",
        "arn:aws:states:::ecs:runTask.waitForTaskToken",
        "arn:aws:states:::batch:submitJob.sync",
        "arn:aws:states:::glue:startJobRun.sync",
        "arn:aws:states:::athena:startQueryExecution.sync",
        "arn:aws:states:::athena:getQueryResults",
        "arn:aws:states:::sagemaker:createTrainingJob.sync",
        "arn:aws:states:::elasticmapreduce:createCluster.sync",
        "arn:aws:states:::elasticmapreduce:modifyInstanceGroupByName",
        "arn:aws:states:::emr-containers:startJobRun.sync",
        "arn:aws:states:::emr-serverless:createApplication.sync",
        "arn:aws:states:::eks:runJob.sync",
        "arn:aws:states:::eks:call",
        "arn:aws:states:::codebuild:startBuildBatch.sync",
        "arn:aws:states:::apigateway:invoke.waitForTaskToken",
        "arn:aws:states:::http:invoke",
        "arn:aws:states:::bedrock:invokeModel",
        "arn:aws:states:::bedrock:createModelCustomizationJob.sync",
        "arn:aws:states:::databrew:startJobRun.sync",
        "arn:aws:states:::mediaconvert:createJob.sync",
        // Other partitions.
        "arn:aws-cn:states:::lambda:invoke",
        "arn:aws-us-gov:states:::sqs:sendMessage",
        // AWS SDK integrations: any service, a camelCase action.
        "arn:aws:states:::aws-sdk:dynamodb:query",
        "arn:aws:states:::aws-sdk:s3:listObjectsV2",
        "arn:aws:states:::aws-sdk:sfn:startSyncExecution",
        "arn:aws:states:::aws-sdk:ec2:describeInstances.waitForTaskToken",
        // Lambda function ARNs, with or without an alias or version.
        "arn:aws:lambda:us-east-1:123456789012:function:f",
        "arn:aws:lambda:us-east-1:123456789012:function:my-function:prod",
        "arn:aws:lambda:us-east-1:123456789012:function:my_function:7",
        "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST",
        // Activity ARNs.
        "arn:aws:states:us-east-1:123456789012:activity:approve",
    ];
    for resource in resources {
        assert_eq!(problems(&task(resource)), Vec::new(), "{resource}");
    }
}

#[test]
fn unrecognized_resources_are_refused_at_the_resource() {
    let resources = [
        // Unknown actions of known optimized services.
        "arn:aws:states:::dynamodb:query",
        "arn:aws:states:::lambda:invokeAsync",
        "arn:aws:states:::sqs:receiveMessage",
        // Patterns the action does not support.
        "arn:aws:states:::dynamodb:getItem.sync",
        "arn:aws:states:::lambda:invoke.sync",
        "arn:aws:states:::glue:startJobRun.waitForTaskToken",
        "arn:aws:states:::sqs:sendMessage.sync:2",
        "arn:aws:states:::ecs:runTask.sync:2",
        "arn:aws:states:::sagemaker:createModel.sync",
        "arn:aws:states:::lambda:invoke.wait",
        // The AWS SDK integrations do not support Run a Job.
        "arn:aws:states:::aws-sdk:s3:getObject.sync",
        "arn:aws:states:::aws-sdk:sfn:startExecution.sync:2",
        "arn:aws:states:::aws-sdk:s3",
        "arn:aws:states:::aws-sdk:s3:GetObject",
        // Unknown services.
        "arn:aws:states:::s3:getObject",
        "arn:aws:states:::nosuchservice:doThing",
        "arn:aws:states:::lambda",
        // Not an ARN, or an ARN of something a Task cannot run.
        "lambda",
        "arn:aws:sqs:us-east-1:123456789012:queue",
        "arn:aws:states:us-east-1:123456789012:stateMachine:m",
        "arn:aws:lambda:us-east-1:123456789012:layer:x:1",
        "arn:aws:lambda:::function:f",
        "arn:aws:lambda:us-east-1:123456789012:function:",
        "arn:aws:lambda:us-east-1:123456789012:function:f:v:extra",
        "arn:aws:states:us-east-1:123456789012:activity:",
        "arn:other:states:::lambda:invoke",
    ];
    for resource in resources {
        assert_eq!(problems(&task(resource)), refused(), "{resource}");
    }
}
