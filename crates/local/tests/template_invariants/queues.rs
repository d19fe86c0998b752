//! Dead-letter queues: every queue that is not itself a dead-letter queue redrives to one the
//! template declares.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::template::{QUEUE, of_type, reference, resources, type_of};

/// The queues something sends its failures to: a queue's `RedrivePolicy`, a rule or schedule
/// target's `DeadLetterConfig`, a function's `DeadLetterQueue` or `OnFailure` destination.
fn dead_letter_queues(t: &Value) -> BTreeSet<&str> {
    fn walk<'a>(value: &'a Value, out: &mut BTreeSet<&'a str>) {
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    let named = match key.as_str() {
                        "deadLetterTargetArn" => reference(child),
                        "DeadLetterConfig" => reference(&child["Arn"]),
                        "DeadLetterQueue" => reference(&child["TargetArn"]),
                        "OnFailure" => reference(&child["Destination"]),
                        _ => None,
                    };
                    if let Some((id, _)) = named {
                        out.insert(id);
                    }
                    walk(child, out);
                }
            }
            Value::Array(items) => items.iter().for_each(|item| walk(item, out)),
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    for (_, _, properties) in resources(t) {
        walk(properties, &mut out);
    }
    out.retain(|id| type_of(t, id) == Some(QUEUE));
    out
}

/// Every queue that is not itself a dead-letter queue redrives to one the template declares.
pub(crate) fn dead_letter_problems(t: &Value) -> Vec<String> {
    let dead_letter = dead_letter_queues(t);
    let mut problems = Vec::new();
    for (id, p) in of_type(t, QUEUE) {
        if dead_letter.contains(id) {
            continue;
        }
        let redrive = &p["RedrivePolicy"];
        if redrive.is_null() {
            problems.push(format!(
                "queue {id} has no dead-letter queue (RedrivePolicy: {{deadLetterTargetArn: \
                 !GetAtt <an AWS::SQS::Queue>.Arn, maxReceiveCount: N}}): a message that keeps \
                 failing would be received again until it expires"
            ));
            continue;
        }
        match reference(&redrive["deadLetterTargetArn"]) {
            Some((dlq, Some("Arn"))) if type_of(t, dlq) == Some(QUEUE) => {}
            Some((dlq, _)) => problems.push(format!(
                "queue {id}'s RedrivePolicy names {dlq}, which is not an AWS::SQS::Queue of the \
                 template by its ARN (deadLetterTargetArn: !GetAtt <an AWS::SQS::Queue>.Arn)"
            )),
            None => problems.push(format!(
                "queue {id}'s RedrivePolicy has no deadLetterTargetArn: !GetAtt <an \
                 AWS::SQS::Queue>.Arn (it is {})",
                redrive["deadLetterTargetArn"]
            )),
        }
        if redrive["maxReceiveCount"].is_null() {
            problems.push(format!("queue {id}'s RedrivePolicy has no maxReceiveCount"));
        }
    }
    problems
}
