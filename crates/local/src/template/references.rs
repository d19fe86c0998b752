//! What `Ref` and `Fn::GetAtt` return for each resource type of the template, in the shapes
//! AWS returns them (ARNs, URLs, names), for the local stack's region and account.

use sha2::{Digest, Sha256};

use super::error::TemplateError;
use super::pseudo::{self, ACCOUNT_ID, PARTITION, REGION};
use super::resolver::Resolver;

/// The property that names a resource of this type, if it has one.
pub fn name_property(resource_type: &str) -> Option<&'static str> {
    Some(match resource_type {
        "AWS::SQS::Queue" => "QueueName",
        "AWS::Serverless::Function" | "AWS::Lambda::Function" => "FunctionName",
        "AWS::Serverless::StateMachine" => "Name",
        "AWS::StepFunctions::StateMachine" => "StateMachineName",
        "AWS::Events::EventBus" | "AWS::Events::Rule" | "AWS::Serverless::HttpApi" => "Name",
        "AWS::DynamoDB::Table" | "AWS::Serverless::SimpleTable" => "TableName",
        "AWS::Logs::LogGroup" => "LogGroupName",
        "AWS::IAM::Role" => "RoleName",
        "AWS::SNS::Topic" => "TopicName",
        "AWS::CloudWatch::Alarm" => "AlarmName",
        "AWS::CloudWatch::Dashboard" => "DashboardName",
        "AWS::Logs::QueryDefinition" => "Name",
        "AWS::EventSchemas::Registry" => "RegistryName",
        "AWS::EventSchemas::Schema" => "SchemaName",
        "AWS::Events::Archive" => "ArchiveName",
        "AWS::Scheduler::Schedule" => "Name",
        "AWS::Kinesis::Stream" | "AWS::Pipes::Pipe" => "Name",
        _ => return None,
    })
}

/// A stable id for resources whose `Ref` is a generated id (API ids, policy ids).
pub(super) fn generated_id(id: &str, len: usize) -> String {
    let digest = hex::encode(Sha256::digest(id.as_bytes()));
    digest[..len.min(digest.len())].to_owned()
}

fn event_bus_name_of(resolver: &Resolver, rule_id: &str) -> Result<String, TemplateError> {
    let bus = match resolver
        .resources
        .get(rule_id)
        .and_then(|r| r.properties.get("EventBusName"))
    {
        None => return Ok("default".to_owned()),
        Some(v) => resolver.resolve_string(v, &format!("{rule_id}.Properties.EventBusName"))?,
    };
    // The property takes a name or an ARN.
    Ok(bus
        .rsplit_once("event-bus/")
        .map_or(bus.clone(), |(_, name)| name.to_owned()))
}

/// `Ref` of a resource.
pub fn ref_value(
    resolver: &Resolver,
    id: &str,
    resource_type: &str,
    name: &str,
    at: &str,
) -> Result<String, TemplateError> {
    Ok(match resource_type {
        "AWS::SQS::Queue" => pseudo::sqs_queue_url(&resolver.endpoint, name),
        "AWS::Serverless::StateMachine" | "AWS::StepFunctions::StateMachine" => {
            pseudo::state_machine_arn(name)
        }
        "AWS::SNS::Topic" => format!("arn:{PARTITION}:sns:{REGION}:{ACCOUNT_ID}:{name}"),
        "AWS::SNS::Subscription" => format!(
            "arn:{PARTITION}:sns:{REGION}:{ACCOUNT_ID}:{id}:{}",
            generated_id(id, 32)
        ),
        "AWS::EventSchemas::Registry" => registry_arn(name),
        "AWS::EventSchemas::Schema" => schema_arn(resolver, id, name, at)?,
        // A rule on a custom bus is `bus|rule`; on the default bus, its name.
        "AWS::Events::Rule" => match event_bus_name_of(resolver, id)? {
            bus if bus == "default" => name.to_owned(),
            bus => format!("{bus}|{name}"),
        },
        "AWS::Serverless::HttpApi" => generated_id(id, 10),
        "AWS::Logs::QueryDefinition" => generated_id(id, 32),
        "AWS::Lambda::Permission"
        | "AWS::SQS::QueuePolicy"
        | "AWS::SNS::TopicPolicy"
        | "AWS::IAM::Policy"
        | "AWS::Events::EventBusPolicy" => format!("{id}-{}", generated_id(id, 12)),
        _ => name.to_owned(),
    })
}

fn registry_arn(name: &str) -> String {
    format!("arn:{PARTITION}:schemas:{REGION}:{ACCOUNT_ID}:registry/{name}")
}

fn schema_arn(
    resolver: &Resolver,
    id: &str,
    name: &str,
    at: &str,
) -> Result<String, TemplateError> {
    let registry = match resolver
        .resources
        .get(id)
        .and_then(|r| r.properties.get("RegistryName"))
    {
        Some(v) => resolver.resolve_string(v, at)?,
        None => "default".to_owned(),
    };
    Ok(format!(
        "arn:{PARTITION}:schemas:{REGION}:{ACCOUNT_ID}:schema/{registry}/{name}"
    ))
}

/// `Fn::GetAtt` of a resource.
pub fn attribute(
    resolver: &Resolver,
    id: &str,
    resource_type: &str,
    name: &str,
    attribute: &str,
    at: &str,
) -> Result<String, TemplateError> {
    let value = match (resource_type, attribute) {
        ("AWS::SQS::Queue", "Arn") => Some(pseudo::sqs_queue_arn(name)),
        ("AWS::SQS::Queue", "QueueName") => Some(name.to_owned()),
        ("AWS::SQS::Queue", "QueueUrl") => Some(pseudo::sqs_queue_url(&resolver.endpoint, name)),
        ("AWS::Serverless::Function" | "AWS::Lambda::Function", "Arn") => {
            Some(pseudo::lambda_function_arn(name))
        }
        ("AWS::Serverless::StateMachine" | "AWS::StepFunctions::StateMachine", "Arn") => {
            Some(pseudo::state_machine_arn(name))
        }
        ("AWS::Serverless::StateMachine" | "AWS::StepFunctions::StateMachine", "Name") => {
            Some(name.to_owned())
        }
        ("AWS::Events::EventBus", "Arn") => Some(pseudo::event_bus_arn(name)),
        ("AWS::Kinesis::Stream", "Arn") => Some(crate::kinesis::stream_arn(name)),
        ("AWS::Pipes::Pipe", "Arn") => Some(super::pipes::pipe_arn(name)),
        ("AWS::Events::EventBus", "Name") => Some(name.to_owned()),
        ("AWS::Events::Rule", "Arn") => {
            let bus = event_bus_name_of(resolver, id)?;
            Some(pseudo::event_rule_arn(&bus, name))
        }
        ("AWS::Scheduler::Schedule", "Arn") => Some(format!(
            "arn:{PARTITION}:scheduler:{REGION}:{ACCOUNT_ID}:schedule/{}/{name}",
            match resolver
                .resources
                .get(id)
                .and_then(|r| r.properties.get("GroupName"))
            {
                Some(v) => resolver.resolve_string(v, at)?,
                None => crate::scheduler::DEFAULT_GROUP.to_owned(),
            }
        )),
        ("AWS::Events::Archive", "Arn") => Some(format!(
            "arn:{PARTITION}:events:{REGION}:{ACCOUNT_ID}:archive/{name}"
        )),
        ("AWS::Events::Archive", "ArchiveName") => Some(name.to_owned()),
        ("AWS::DynamoDB::Table" | "AWS::Serverless::SimpleTable", "Arn") => {
            Some(pseudo::dynamodb_table_arn(name))
        }
        ("AWS::DynamoDB::Table", "StreamArn") => Some(crate::dynamodb::streams::stream_arn(
            &pseudo::dynamodb_table_arn(name),
        )),
        ("AWS::Serverless::HttpApi", "ApiEndpoint") => Some(format!(
            "https://{}.execute-api.{REGION}.{}",
            generated_id(id, 10),
            pseudo::URL_SUFFIX
        )),
        ("AWS::Serverless::HttpApi", "ApiId") => Some(generated_id(id, 10)),
        ("AWS::Logs::LogGroup", "Arn") => Some(format!(
            "arn:{PARTITION}:logs:{REGION}:{ACCOUNT_ID}:log-group:{name}:*"
        )),
        ("AWS::IAM::Role", "Arn") => Some(format!("arn:{PARTITION}:iam::{ACCOUNT_ID}:role/{name}")),
        ("AWS::IAM::Role", "RoleId") => {
            Some(format!("AROA{}", generated_id(id, 17).to_uppercase()))
        }
        ("AWS::SNS::Topic", "TopicArn") => {
            Some(format!("arn:{PARTITION}:sns:{REGION}:{ACCOUNT_ID}:{name}"))
        }
        ("AWS::SNS::Topic", "TopicName") => Some(name.to_owned()),
        ("AWS::CloudWatch::Alarm", "Arn") => Some(format!(
            "arn:{PARTITION}:cloudwatch:{REGION}:{ACCOUNT_ID}:alarm:{name}"
        )),
        ("AWS::Logs::QueryDefinition", "QueryDefinitionId") => Some(generated_id(id, 32)),
        ("AWS::EventSchemas::Registry", "RegistryArn") => Some(registry_arn(name)),
        ("AWS::EventSchemas::Registry", "RegistryName") => Some(name.to_owned()),
        ("AWS::EventSchemas::Schema", "SchemaArn") => Some(schema_arn(resolver, id, name, at)?),
        ("AWS::EventSchemas::Schema", "SchemaName") => Some(name.to_owned()),
        ("AWS::EventSchemas::Schema", "SchemaVersion") => Some("1".to_owned()),
        _ => None,
    };
    value.ok_or_else(|| {
        TemplateError::unsupported(
            at,
            format!("attribute {attribute} of {id} ({resource_type})"),
        )
    })
}
