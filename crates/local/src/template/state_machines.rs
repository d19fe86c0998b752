//! State machines: the definition (file or inline) with its substitutions applied.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde_json::Value;

use super::context::Context;
use super::error::TemplateError;
use super::model::{StateMachine, StateMachineType};
use super::props::Obj;
use super::pseudo;
use super::resolver::{scalar, truthy};

/// `AWS::Serverless::StateMachine`.
pub fn serverless(ctx: &Context, id: &str, props: &Obj) -> Result<StateMachine, TemplateError> {
    let r = &ctx.resolver;
    props.check(
        &[
            "Type",
            "Name",
            "DefinitionUri",
            "Definition",
            "DefinitionSubstitutions",
            "Logging",
            "Tracing",
            // Read by `schedules::state_machine_events`: ScheduleV2 only.
            "Events",
        ],
        &[
            "Policies",
            "Role",
            "RolePath",
            "PermissionsBoundary",
            "Tags",
            "PropagateTags",
            "AutoPublishAlias",
            "DeploymentPreference",
            "UseAliasAsEventTarget",
        ],
    )?;
    let logging = logging(ctx, props, "Logging")?;
    let tracing = match props.obj(r, "Tracing")? {
        None => false,
        Some(t) => {
            t.check(&["Enabled"], &[])?;
            t.bool(r, "Enabled")?.unwrap_or(false)
        }
    };
    let (definition_uri, text) = match (
        props.value(r, "DefinitionUri")?,
        props.value(r, "Definition")?,
    ) {
        (Some(Value::String(uri)), None) => {
            let text = read_definition(ctx, &uri, &props.at("DefinitionUri"))?;
            (Some(PathBuf::from(uri)), text)
        }
        (Some(_), None) => {
            return Err(TemplateError::unsupported(
                props.at("DefinitionUri"),
                "a definition in S3; give a local file",
            ));
        }
        (None, Some(definition)) => (None, definition.to_string()),
        (Some(_), Some(_)) => {
            return Err(TemplateError::invalid(
                props.at("Definition"),
                "give DefinitionUri or Definition, not both",
            ));
        }
        (None, None) => {
            return Err(TemplateError::invalid(
                props.at("DefinitionUri"),
                "is required",
            ));
        }
    };
    finish(
        ctx,
        id,
        props,
        "Type",
        definition_uri,
        text,
        logging,
        tracing,
    )
}

/// `AWS::StepFunctions::StateMachine`.
pub fn cloudformation(ctx: &Context, id: &str, props: &Obj) -> Result<StateMachine, TemplateError> {
    let r = &ctx.resolver;
    props.check(
        &[
            "StateMachineType",
            "StateMachineName",
            "DefinitionString",
            "Definition",
            "DefinitionSubstitutions",
            "LoggingConfiguration",
            "TracingConfiguration",
        ],
        &["RoleArn", "Tags", "EncryptionConfiguration"],
    )?;
    let logging = logging(ctx, props, "LoggingConfiguration")?;
    let tracing = match props.obj(r, "TracingConfiguration")? {
        None => false,
        Some(t) => {
            t.check(&["Enabled"], &[])?;
            t.bool(r, "Enabled")?.unwrap_or(false)
        }
    };
    let text = match (
        props.string(r, "DefinitionString")?,
        props.value(r, "Definition")?,
    ) {
        (Some(text), None) => text,
        (None, Some(definition)) => definition.to_string(),
        _ => {
            return Err(TemplateError::unsupported(
                props.at("DefinitionS3Location"),
                "give exactly one of DefinitionString or Definition",
            ));
        }
    };
    finish(
        ctx,
        id,
        props,
        "StateMachineType",
        None,
        text,
        logging,
        tracing,
    )
}

#[allow(clippy::too_many_arguments)]
fn finish(
    ctx: &Context,
    id: &str,
    props: &Obj,
    type_key: &str,
    definition_uri: Option<PathBuf>,
    text: String,
    logging: Logging,
    tracing: bool,
) -> Result<StateMachine, TemplateError> {
    let r = &ctx.resolver;
    let kind = match props.string(r, type_key)?.as_deref() {
        None | Some("STANDARD") => StateMachineType::Standard,
        Some("EXPRESS") => StateMachineType::Express,
        Some(other) => {
            return Err(TemplateError::invalid(
                props.at(type_key),
                format!("unknown type {other}"),
            ));
        }
    };
    let mut substitutions = BTreeMap::new();
    if let Some(map) = props.obj(r, "DefinitionSubstitutions")? {
        for (key, value) in &map.map {
            let value = scalar(value).ok_or_else(|| {
                TemplateError::invalid(map.at(key), format!("expected a string, got {value}"))
            })?;
            substitutions.insert(key.clone(), value);
        }
    }
    let definition = substitute(&text, &substitutions);
    serde_json::from_str::<Value>(&definition).map_err(|e| {
        TemplateError::invalid(
            props.at("DefinitionSubstitutions"),
            format!("the definition is not JSON after substitution: {e}"),
        )
    })?;
    let name = r.physical_name(id, &props.at("Name"))?;
    Ok(StateMachine {
        logical_id: id.to_owned(),
        arn: pseudo::state_machine_arn(&name),
        name,
        kind,
        definition_uri,
        definition,
        substitutions,
        logging_level: logging.level,
        include_execution_data: logging.include_execution_data,
        log_group: logging.log_group,
        tracing,
    })
}

/// Replaces every `${Key}` whose key is a substitution; other text is left as written, as
/// CloudFormation does.
pub fn substitute(text: &str, substitutions: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after
            .find('}')
            .and_then(|end| substitutions.get(&after[..end]).map(|v| (end, v)))
        {
            Some((end, value)) => {
                out.push_str(value);
                rest = &after[end + 1..];
            }
            None => {
                out.push_str("${");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Every `${Key}` a definition holds, by key, read as [`substitute`] reads them.
pub fn placeholders(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        found.insert(after[..end].to_owned());
        rest = &after[end + 1..];
    }
    found
}

/// Where a definition and its DefinitionSubstitutions disagree. CloudFormation accepts
/// both kinds (an undefined placeholder stays as written), so the loader does too; a test
/// or a review asks for none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubstitutionMismatch {
    /// Keys given that no `${Key}` of the definition uses.
    pub unused: BTreeSet<String>,
    /// `${Key}` placeholders of the definition that no key fills.
    pub undefined: BTreeSet<String>,
}

impl SubstitutionMismatch {
    /// Every key is used and every placeholder is filled.
    pub fn is_empty(&self) -> bool {
        self.unused.is_empty() && self.undefined.is_empty()
    }
}

/// Compares a definition as written (before substitution) with the substitutions given
/// for it, both ways.
pub fn substitution_mismatch(
    text: &str,
    substitutions: &BTreeMap<String, String>,
) -> SubstitutionMismatch {
    let used = placeholders(text);
    SubstitutionMismatch {
        unused: substitutions
            .keys()
            .filter(|key| !used.contains(*key))
            .cloned()
            .collect(),
        undefined: used
            .into_iter()
            .filter(|key| !substitutions.contains_key(key))
            .collect(),
    }
}

fn read_definition(ctx: &Context, uri: &str, at: &str) -> Result<String, TemplateError> {
    let path = ctx.template_dir.join(uri);
    std::fs::read_to_string(&path)
        .map_err(|e| TemplateError::invalid(at, format!("cannot read {}: {e}", path.display())))
}

/// A state machine's logging configuration.
#[derive(Default)]
struct Logging {
    level: Option<String>,
    include_execution_data: bool,
    /// The log group of the first `CloudWatchLogsLogGroup` destination.
    log_group: Option<String>,
}

fn logging(ctx: &Context, props: &Obj, key: &str) -> Result<Logging, TemplateError> {
    let r = &ctx.resolver;
    match props.obj(r, key)? {
        None => Ok(Logging::default()),
        Some(logging) => {
            logging.check(&["Level", "IncludeExecutionData", "Destinations"], &[])?;
            let include = logging
                .value(r, "IncludeExecutionData")?
                .as_ref()
                .and_then(truthy)
                .unwrap_or(false);
            // `arn:aws:logs:REGION:ACCOUNT:log-group:NAME:*`: the name is between
            // `log-group:` and the last `:`.
            let log_group = logging
                .value(r, "Destinations")?
                .as_ref()
                .and_then(|d| d.pointer("/0/CloudWatchLogsLogGroup/LogGroupArn"))
                .and_then(Value::as_str)
                .and_then(|arn| arn.split_once(":log-group:"))
                .map(|(_, rest)| rest.strip_suffix(":*").unwrap_or(rest).to_owned());
            Ok(Logging {
                level: logging.string(r, "Level")?,
                include_execution_data: include,
                log_group,
            })
        }
    }
}
