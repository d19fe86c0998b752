//! Building the model: sections checked, resources classified, each runnable resource built
//! from its properties, outputs resolved.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::{Map, Value};

use super::context::Context;
use super::error::TemplateError;
use super::model::{HttpApi, IMPLICIT_HTTP_API, Model, NotEmulated, TargetKind};
use super::props::Obj;
use super::resolver::{self, RawResource, Resolver};
use super::schedules;
use super::{
    LoadOptions, functions, globals, nested, parameters, pseudo, references, rules, state_machines,
    stores,
};

/// Resource types that only matter on AWS: accepted, listed, not run.
const AWS_ONLY_TYPES: &[&str] = &[
    "AWS::CloudWatch::Alarm",
    "AWS::CloudWatch::CompositeAlarm",
    "AWS::CloudWatch::Dashboard",
    "AWS::Logs::LogGroup",
    "AWS::Logs::QueryDefinition",
    "AWS::Logs::MetricFilter",
    "AWS::Logs::ResourcePolicy",
    "AWS::SNS::Topic",
    "AWS::SNS::TopicPolicy",
    "AWS::SNS::Subscription",
    "AWS::EventSchemas::Registry",
    "AWS::EventSchemas::Schema",
    "AWS::EventSchemas::Discoverer",
    "AWS::IAM::Role",
    "AWS::IAM::Policy",
    "AWS::IAM::ManagedPolicy",
    "AWS::SQS::QueuePolicy",
    "AWS::Lambda::Permission",
    "AWS::Serverless::Connector",
    "AWS::XRay::Group",
    "AWS::XRay::SamplingRule",
];

const TOP_LEVEL: &[&str] = &[
    "AWSTemplateFormatVersion",
    "Transform",
    "Description",
    "Metadata",
    "Parameters",
    "Mappings",
    "Conditions",
    "Globals",
    "Resources",
    "Outputs",
    "Rules",
];

fn section(document: &Map<String, Value>, name: &str) -> Result<Map<String, Value>, TemplateError> {
    match document.get(name) {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(map)) => Ok(map.clone()),
        Some(_) => Err(TemplateError::invalid(name, "must be a mapping")),
    }
}

pub(super) fn from_document(
    document: &Value,
    template_dir: PathBuf,
    options: &LoadOptions,
) -> Result<Model, TemplateError> {
    let inlined = nested::inline(document, &template_dir)?;
    let document = inlined
        .as_object()
        .ok_or_else(|| TemplateError::invalid("template", "must be a mapping"))?;
    if let Some(key) = document.keys().find(|k| !TOP_LEVEL.contains(&k.as_str())) {
        return Err(TemplateError::unsupported(key.clone(), "top-level section"));
    }
    check_transform(document.get("Transform"))?;
    let parameters = parameters::resolve(document.get("Parameters"), &options.parameter_overrides)?;
    let globals = globals::by_type(document.get("Globals"))?;
    let declared = section(document, "Resources")?;
    let resources = raw_resources(&declared, &globals)?;
    let resolver = Resolver::new(
        parameters.clone(),
        section(document, "Mappings")?,
        section(document, "Conditions")?,
        resources,
        options.endpoint.clone(),
    );
    let mut ctx = Context::new(resolver, template_dir.clone());
    let mut model = Model {
        template_dir,
        stack_name: pseudo::STACK_NAME.to_owned(),
        region: pseudo::REGION.to_owned(),
        account_id: pseudo::ACCOUNT_ID.to_owned(),
        parameters,
        functions: BTreeMap::new(),
        queues: BTreeMap::new(),
        streams: BTreeMap::new(),
        buses: BTreeMap::new(),
        home_bus: None,
        bus_policies: BTreeMap::new(),
        rules: BTreeMap::new(),
        archives: BTreeMap::new(),
        state_machines: BTreeMap::new(),
        tables: BTreeMap::new(),
        schedules: BTreeMap::new(),
        http_apis: BTreeMap::new(),
        log_groups: BTreeMap::new(),
        pipes: BTreeMap::new(),
        not_emulated: Vec::new(),
        excluded_by_condition: Vec::new(),
        outputs: BTreeMap::new(),
    };

    // First pass: which resources are in the stack, and the ARNs of those a property can
    // point at, so the second pass turns ARNs into logical ids.
    let mut included = Vec::new();
    let ids: Vec<String> = ctx.resolver.resources.keys().cloned().collect();
    for id in ids {
        if !ctx.resolver.enabled(&id)? {
            if !ctx.resolver.resources[&id].implicit {
                model.excluded_by_condition.push(id);
            }
            continue;
        }
        let resource_type = ctx.resolver.resources[&id].resource_type.clone();
        let kind = match resource_type.as_str() {
            "AWS::SQS::Queue" => Some(TargetKind::Queue),
            "AWS::Serverless::Function" => Some(TargetKind::Function),
            "AWS::Serverless::StateMachine" | "AWS::StepFunctions::StateMachine" => {
                Some(TargetKind::StateMachine)
            }
            "AWS::Events::EventBus" => Some(TargetKind::EventBus),
            "AWS::Kinesis::Stream" => Some(TargetKind::Stream),
            _ => None,
        };
        if let Some(kind) = kind {
            let arn = ctx.resolver.get_att(&id, "Arn", &format!("{id}.Arn"))?;
            ctx.register(kind, &id, arn.as_str().unwrap_or_default().to_owned());
        }
        if resource_type == "AWS::DynamoDB::Table"
            && ctx.resolver.resources[&id]
                .properties
                .get("StreamSpecification")
                .is_some()
        {
            let arn = ctx
                .resolver
                .get_att(&id, "StreamArn", &format!("{id}.StreamArn"))?;
            let arn = arn.as_str().unwrap_or_default().to_owned();
            ctx.register(TargetKind::TableStream, &id, arn);
        }
        if kind == Some(TargetKind::EventBus) {
            let name = ctx
                .resolver
                .physical_name(&id, &format!("{id}.Properties.Name"))?;
            ctx.register_bus(name, &id);
        }
        included.push(id);
    }

    for id in included {
        let raw = ctx.resolver.resources[&id].clone();
        let props = Obj::new(format!("{id}.Properties"), raw.properties.clone());
        let ctx = &ctx;
        match raw.resource_type.as_str() {
            "AWS::Serverless::Function" => {
                let (function, rules, schedules) = functions::build(ctx, &id, &raw, &props)?;
                model.functions.insert(id.clone(), function);
                for rule in rules {
                    model.rules.insert(rule.logical_id.clone(), rule);
                }
                for schedule in schedules {
                    model
                        .schedules
                        .insert(schedule.logical_id.clone(), schedule);
                }
            }
            "AWS::SQS::Queue" => {
                model
                    .queues
                    .insert(id.clone(), stores::queue(ctx, &id, &props)?);
            }
            "AWS::Kinesis::Stream" => {
                model
                    .streams
                    .insert(id.clone(), stores::kinesis_stream(ctx, &id, &props)?);
            }
            "AWS::Events::EventBus" => {
                let bus = stores::event_bus(ctx, &id, &props)?;
                if let Some(policy) = props.value(&ctx.resolver, "Policy")? {
                    let statements = crate::iam::statements_of(&policy, &props.at("Policy"))
                        .map_err(|e| TemplateError::invalid(e.at, e.reason))?;
                    model
                        .bus_policies
                        .entry(bus.name.clone())
                        .or_default()
                        .extend(statements);
                }
                model.buses.insert(id.clone(), bus);
            }
            "AWS::Events::EventBusPolicy" => {
                let (bus, statements) = stores::event_bus_policy(ctx, &props)?;
                model
                    .bus_policies
                    .entry(bus)
                    .or_default()
                    .extend(statements);
            }
            "AWS::Events::Archive" => {
                model
                    .archives
                    .insert(id.clone(), stores::archive(ctx, &id, &props)?);
            }
            "AWS::Events::Rule" => {
                model
                    .rules
                    .insert(id.clone(), rules::build(ctx, &id, &props)?);
            }
            "AWS::Serverless::StateMachine" => {
                let machine = state_machines::serverless(ctx, &id, &props)?;
                for schedule in schedules::state_machine_events(ctx, &id, &props, &machine.arn)? {
                    model
                        .schedules
                        .insert(schedule.logical_id.clone(), schedule);
                }
                model.state_machines.insert(id.clone(), machine);
            }
            "AWS::StepFunctions::StateMachine" => {
                model.state_machines.insert(
                    id.clone(),
                    state_machines::cloudformation(ctx, &id, &props)?,
                );
            }
            "AWS::Scheduler::Schedule" => {
                model
                    .schedules
                    .insert(id.clone(), schedules::schedule(ctx, &id, &props)?);
            }
            "AWS::DynamoDB::Table" => {
                model
                    .tables
                    .insert(id.clone(), stores::table(ctx, &id, &props)?);
            }
            "AWS::Serverless::SimpleTable" => {
                model
                    .tables
                    .insert(id.clone(), stores::simple_table(ctx, &id, &props)?);
            }
            "AWS::Pipes::Pipe" => {
                model
                    .pipes
                    .insert(id.clone(), super::pipes::pipe(ctx, &id, &props)?);
            }
            "AWS::Serverless::HttpApi" => {
                model
                    .http_apis
                    .insert(id.clone(), stores::http_api(ctx, &id, &props)?);
            }
            other if AWS_ONLY_TYPES.contains(&other) => {
                if other == "AWS::Logs::LogGroup" {
                    model
                        .log_groups
                        .insert(id.clone(), stores::log_group(ctx, &id, &props)?);
                }
                if !raw.implicit {
                    model.not_emulated.push(NotEmulated {
                        logical_id: id.clone(),
                        resource_type: other.to_owned(),
                    });
                }
            }
            other => {
                return Err(TemplateError::unsupported(
                    format!("{id}.Type"),
                    format!("resource type {other}"),
                ));
            }
        }
    }
    check_routes(&mut model)?;
    // The bus declared first, in the template's own order (the model's maps are sorted).
    model.home_bus = declared
        .keys()
        .find_map(|id| model.buses.get(id))
        .map(|bus| bus.name.clone());
    model.outputs = outputs(&ctx.resolver, &section(document, "Outputs")?)?;
    Ok(model)
}

fn check_transform(transform: Option<&Value>) -> Result<(), TemplateError> {
    let names: Vec<&str> = match transform {
        None => Vec::new(),
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        Some(_) => {
            return Err(TemplateError::unsupported(
                "Transform",
                "a macro with parameters",
            ));
        }
    };
    match names
        .iter()
        .find(|n| **n != "AWS::Serverless-2016-10-31" && **n != "AWS::LanguageExtensions")
    {
        Some(other) => Err(TemplateError::unsupported(
            "Transform",
            format!("transform {other}"),
        )),
        None => Ok(()),
    }
}

/// Resources as written, Globals merged, plus SAM's implicit execution roles.
fn raw_resources(
    section: &Map<String, Value>,
    globals: &BTreeMap<&'static str, Map<String, Value>>,
) -> Result<BTreeMap<String, RawResource>, TemplateError> {
    let mut resources = BTreeMap::new();
    for (id, resource) in section {
        let resource = resource
            .as_object()
            .ok_or_else(|| TemplateError::invalid(id.clone(), "must be a mapping"))?;
        let resource_type = resource
            .get("Type")
            .and_then(Value::as_str)
            .ok_or_else(|| TemplateError::invalid(format!("{id}.Type"), "is required"))?
            .to_owned();
        let properties = match resource.get("Properties") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(map)) => map.clone(),
            Some(_) => {
                return Err(TemplateError::invalid(
                    format!("{id}.Properties"),
                    "must be a mapping",
                ));
            }
        };
        let properties = match globals.get(resource_type.as_str()) {
            Some(g) => globals::merge(g, &properties),
            None => properties,
        };
        let condition = match resource.get("Condition") {
            None => None,
            Some(Value::String(c)) => Some(c.clone()),
            Some(_) => {
                return Err(TemplateError::invalid(
                    format!("{id}.Condition"),
                    "must be a condition name",
                ));
            }
        };
        let implicit_role = matches!(
            resource_type.as_str(),
            "AWS::Serverless::Function" | "AWS::Serverless::StateMachine"
        ) && !properties.contains_key("Role");
        if implicit_role {
            resources.insert(
                format!("{id}Role"),
                RawResource {
                    resource_type: "AWS::IAM::Role".to_owned(),
                    properties: Map::new(),
                    metadata: Value::Null,
                    condition: condition.clone(),
                    implicit: true,
                },
            );
        }
        resources.insert(
            id.clone(),
            RawResource {
                resource_type,
                properties,
                metadata: resource.get("Metadata").cloned().unwrap_or(Value::Null),
                condition,
                implicit: false,
            },
        );
    }
    Ok(resources)
}

/// Every HTTP route names an API of the stack (SAM's implicit one is added when a route
/// names none), an authorizer its API enables, and a route key no other route of its API
/// has: API Gateway refuses a second route with the same key.
fn check_routes(model: &mut Model) -> Result<(), TemplateError> {
    let implicit = model
        .functions
        .values()
        .flat_map(|f| &f.http_routes)
        .any(|route| route.api == IMPLICIT_HTTP_API);
    if implicit && !model.http_apis.contains_key(IMPLICIT_HTTP_API) {
        model.http_apis.insert(
            IMPLICIT_HTTP_API.to_owned(),
            HttpApi {
                logical_id: IMPLICIT_HTTP_API.to_owned(),
                id: references::generated_id(IMPLICIT_HTTP_API, 10),
                iam_enabled: false,
                iam_authorizer: false,
                stage_name: None,
            },
        );
    }
    let mut keys = BTreeMap::new();
    for function in model.functions.values() {
        for route in &function.http_routes {
            let at = |key: &str| {
                format!(
                    "{}.Properties.Events.{}.Properties.{key}",
                    function.logical_id, route.name
                )
            };
            let Some(api) = model.http_apis.get(&route.api) else {
                return Err(TemplateError::UnknownReference {
                    location: at("ApiId"),
                    target: format!("HttpApi {}", route.api),
                });
            };
            if route.authorizer.as_deref() == Some("AWS_IAM") && !api.iam_enabled {
                return Err(TemplateError::invalid(
                    at("Auth.Authorizer"),
                    format!(
                        "AWS_IAM needs EnableIamAuthorizer: true on {}",
                        api.logical_id
                    ),
                ));
            }
            let key = match &route.path {
                Some(path) => format!("{} {path}", route.method),
                None => "$default".to_owned(),
            };
            if let Some(other) = keys.insert((route.api.clone(), key.clone()), at("Path")) {
                return Err(TemplateError::invalid(
                    at("Path"),
                    format!(
                        "route {key} of {} is also declared at {other}",
                        api.logical_id
                    ),
                ));
            }
        }
    }
    Ok(())
}

fn outputs(
    resolver: &Resolver,
    section: &Map<String, Value>,
) -> Result<BTreeMap<String, String>, TemplateError> {
    let mut out = BTreeMap::new();
    for (name, output) in section {
        let output = Obj::new(
            format!("Outputs.{name}"),
            output.as_object().cloned().unwrap_or_default(),
        );
        if let Some(condition) = output.map.get("Condition").and_then(Value::as_str)
            && !resolver.condition(condition, &output.at("Condition"))?
        {
            continue;
        }
        let value = output
            .value(resolver, "Value")?
            .ok_or_else(|| TemplateError::invalid(output.at("Value"), "is required"))?;
        let text = resolver::scalar(&value).unwrap_or_else(|| value.to_string());
        out.insert(name.clone(), text);
    }
    Ok(out)
}
