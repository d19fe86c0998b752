//! Policies: every policy of a function, a state machine, a role or a managed policy grants
//! named actions on named resources.

use serde_json::Value;

use crate::template::{
    FUNCTION, MANAGED_POLICY, POLICY, ROLE, STATE_MACHINE, reference, resources, strings, type_of,
};

/// Actions without resource-level permissions: IAM accepts them only on `Resource: "*"`, so a
/// statement of these alone may name `"*"`. Every other action must name its resources.
pub(crate) const NO_RESOURCE_LEVEL_PERMISSIONS: &[&str] = &[
    // A state machine's log delivery to CloudWatch Logs (Logging.Destinations): the vended
    // log delivery APIs and the account's log resource policies have no resource ARN, and
    // Step Functions' guide ("IAM policies for logging to CloudWatch Logs") grants these
    // eight on "*". The template's three state machines each carry this statement.
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
];

/// SAM policy templates that grant a fixed set of actions on the one resource their parameter
/// names, and that parameter. Another template, or a managed policy by name, is reported: its
/// grants are not visible here, so it must be added to this list once it is known to be
/// scoped to the resource its parameter names.
const SCOPED_POLICY_TEMPLATES: &[(&str, &str)] = &[
    // DynamoDB item, query and scan actions on the table (and its indexes).
    ("DynamoDBCrudPolicy", "TableName"),
    ("DynamoDBReadPolicy", "TableName"),
    ("DynamoDBWritePolicy", "TableName"),
    // lambda:InvokeFunction on the function.
    ("LambdaInvokePolicy", "FunctionName"),
    // The task-token callbacks (states:SendTaskSuccess, SendTaskFailure) on the machine.
    ("StepFunctionsCallbackPolicy", "StateMachineName"),
];

/// The problems of one IAM policy document: a wildcard action, `NotAction` or `NotResource`,
/// or `Resource: "*"` for an action that has resource-level permissions.
fn document_problems(at: &str, document: &Value, problems: &mut Vec<String>) {
    let statements: Vec<&Value> = match &document["Statement"] {
        Value::Array(items) => items.iter().collect(),
        Value::Null => Vec::new(),
        one => vec![one],
    };
    for (n, statement) in statements.into_iter().enumerate() {
        if statement["Effect"] == "Deny" {
            continue;
        }
        let at = match statement["Sid"].as_str() {
            Some(sid) => format!("{at}, statement {sid}"),
            None => format!("{at}, Statement[{n}]"),
        };
        for key in ["NotAction", "NotResource"] {
            if !statement[key].is_null() {
                problems.push(format!(
                    "{at} uses {key}: it allows everything but what it lists; list the actions \
                     and resources it needs"
                ));
            }
        }
        let actions = strings(&statement["Action"]);
        for action in &actions {
            if action.contains('*') {
                problems.push(format!(
                    "{at} grants the wildcard action {action:?}: list the actions it needs"
                ));
            }
        }
        if strings(&statement["Resource"]).contains(&"*") {
            let scoped: Vec<&str> = actions
                .iter()
                .copied()
                .filter(|action| {
                    !NO_RESOURCE_LEVEL_PERMISSIONS
                        .iter()
                        .any(|free| free.eq_ignore_ascii_case(action))
                })
                .collect();
            if !scoped.is_empty() {
                problems.push(format!(
                    "{at} grants {scoped:?} on Resource \"*\": name the resources (only actions \
                     without resource-level permissions, NO_RESOURCE_LEVEL_PERMISSIONS in this \
                     test, may take \"*\")"
                ));
            }
        }
    }
}

/// The problems of a SAM `Policies` list (a function's or a state machine's).
fn sam_policy_problems(t: &Value, owner: &str, policies: &Value, problems: &mut Vec<String>) {
    let list: Vec<&Value> = match policies {
        Value::Null => Vec::new(),
        Value::Array(items) => items.iter().collect(),
        one => vec![one],
    };
    for (i, policy) in list.into_iter().enumerate() {
        let at = format!("{owner}, Policies[{i}]");
        if let Some((id, _)) = reference(policy)
            && matches!(type_of(t, id), Some(MANAGED_POLICY | POLICY))
        {
            continue; // checked as a resource of its own
        }
        match policy {
            Value::String(name) => problems.push(format!(
                "{at} attaches the managed policy {name}, whose grants this check cannot see \
                 and are not scoped to this stack's resources: write the statements inline"
            )),
            Value::Object(map) if map.contains_key("Statement") => {
                document_problems(&at, policy, problems);
            }
            Value::Object(map) if map.len() == 1 => {
                let (name, parameters) = map.iter().next().expect("one entry");
                let Some((_, parameter)) = SCOPED_POLICY_TEMPLATES
                    .iter()
                    .find(|(n, _)| *n == name.as_str())
                else {
                    problems.push(format!(
                        "{at} uses the policy template {name}, which is not in \
                         SCOPED_POLICY_TEMPLATES: add it there if it grants a fixed set of \
                         actions on the one resource its parameter names, else write the \
                         statements inline"
                    ));
                    continue;
                };
                let value = &parameters[*parameter];
                let text = value.as_str().or_else(|| value["Fn::Sub"].as_str());
                if value.is_null() {
                    problems.push(format!("{at}: {name} has no {parameter}"));
                } else if text.is_some_and(|s| s.contains('*')) {
                    problems.push(format!(
                        "{at}: {name}'s {parameter} is {value}, a wildcard: name one resource"
                    ));
                }
            }
            other => problems.push(format!("{at} is not a policy this check can read: {other}")),
        }
    }
}

/// Every policy of a function, a state machine, a role or a managed policy grants named
/// actions on named resources.
pub(crate) fn policy_problems(t: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    for (id, kind, p) in resources(t) {
        match kind {
            FUNCTION => {
                sam_policy_problems(t, &format!("function {id}"), &p["Policies"], &mut problems)
            }
            STATE_MACHINE => sam_policy_problems(
                t,
                &format!("state machine {id}"),
                &p["Policies"],
                &mut problems,
            ),
            ROLE => {
                for (i, policy) in p["Policies"].as_array().into_iter().flatten().enumerate() {
                    let name = policy["PolicyName"]
                        .as_str()
                        .map_or_else(|| format!("Policies[{i}]"), str::to_owned);
                    document_problems(
                        &format!("role {id}, policy {name}"),
                        &policy["PolicyDocument"],
                        &mut problems,
                    );
                }
                for arn in p["ManagedPolicyArns"].as_array().into_iter().flatten() {
                    let own =
                        reference(arn).is_some_and(|(r, _)| type_of(t, r) == Some(MANAGED_POLICY));
                    if !own {
                        problems.push(format!(
                            "role {id} attaches the managed policy {arn}, whose grants this \
                             check cannot see: write the statements inline, or as an \
                             {MANAGED_POLICY} of the template"
                        ));
                    }
                }
            }
            MANAGED_POLICY | POLICY => {
                document_problems(&format!("policy {id}"), &p["PolicyDocument"], &mut problems)
            }
            _ => {}
        }
    }
    problems
}
