//! What every resource of `template.yaml` must have, derived from the resources the template
//! declares rather than counted by hand: every queue a dead-letter queue, an alarm and a
//! place on the dashboard; every function a log group that keeps its lines for a bounded
//! time, an alarm and a place on the dashboard; every state machine an alarm and a place
//! on the dashboard; every policy named actions on named resources; every table point-in-time recovery and encryption.
//!
//! Each check is a plain function over the parsed template, in the long form
//! `orderly_local::template::yaml` reads it into (`!Ref X` is `{"Ref": "X"}`, `!GetAtt X.Y`
//! is `{"Fn::GetAtt": ["X", "Y"]}`, `!Sub s` is `{"Fn::Sub": s}`). It returns every gap it
//! finds, each naming the resource's logical id and what it lacks, and its test asserts once
//! on the whole list, so one run shows every gap. Adding a consumer needs no edit here: the
//! new queue and function are checked as the others are, and a failure says what to add.
//!
//! The tests in [`mutations`] feed each check a copy of the template with one thing taken away
//! (an alarm, a redrive policy, a retention, a dashboard metric, point-in-time recovery …)
//! and expect the gap named, so no check passes because it found nothing to look at.

mod iam;
mod logs;
mod monitoring;
mod mutations;
mod queues;
mod tables;
mod template;

use crate::iam::policy_problems;
use crate::logs::{function_log_problems, log_group_problems};
use crate::monitoring::{alarm_problems, dashboard_problems};
use crate::queues::dead_letter_problems;
use crate::tables::table_problems;
use crate::template::{
    ALARM, DASHBOARD, FUNCTION, QUEUE, TABLE, assert_no_gaps, of_type, template,
};

// ---------------------------------------------------------------- the template

#[test]
fn every_queue_that_is_not_a_dead_letter_queue_redrives_to_one() {
    let t = template();
    assert!(of_type(&t, QUEUE).next().is_some(), "no queue found");
    assert_no_gaps("dead-letter queues", &dead_letter_problems(&t));
}

#[test]
fn every_queue_function_and_state_machine_has_an_alarm() {
    let t = template();
    assert!(of_type(&t, ALARM).next().is_some(), "no alarm found");
    assert_no_gaps("alarms", &alarm_problems(&t));
}

#[test]
fn every_queue_function_and_state_machine_is_on_the_dashboard() {
    let t = template();
    assert!(
        of_type(&t, DASHBOARD).next().is_some(),
        "no dashboard found"
    );
    assert_no_gaps("dashboard", &dashboard_problems(&t));
}

#[test]
fn every_function_logs_to_a_group_of_the_template_with_a_retention() {
    let t = template();
    assert!(of_type(&t, FUNCTION).next().is_some(), "no function found");
    assert_no_gaps("function log groups", &function_log_problems(&t));
}

#[test]
fn every_log_group_has_a_retention() {
    let t = template();
    assert_no_gaps("log groups", &log_group_problems(&t));
}

#[test]
fn every_policy_grants_named_actions_on_named_resources() {
    let t = template();
    assert_no_gaps("least privilege", &policy_problems(&t));
}

#[test]
fn every_table_has_point_in_time_recovery_and_encryption() {
    let t = template();
    assert!(of_type(&t, TABLE).next().is_some(), "no table found");
    assert_no_gaps("tables", &table_problems(&t));
}
