//! Who may put events on a bus: each PutEvents entry authorized against its bus's
//! resource policy (`AWS::Events::EventBusPolicy`), as EventBridge authorizes it.
//!
//! An explicit Deny refuses the entry. A caller of another account needs an Allow. A caller
//! of the stack's own account is otherwise allowed: on AWS its identity policies decide
//! then, and the local cloud does not evaluate those (every caller it knows is allowed by
//! its own policy, which `tests/function_wiring.rs` checks against the template).

use super::CloudInner;
use super::bus::PutEventsResult;
use crate::iam::{self, Caller, Decision, Request};

/// The action PutEvents is authorized as.
const PUT_EVENTS: &str = "events:PutEvents";

impl CloudInner {
    /// The stack account's root user: who calls when nothing says otherwise (the CLI's
    /// dummy keys, the demo, the chaos traffic).
    pub fn root_caller(&self) -> Caller {
        Caller::root(&self.model.account_id)
    }

    /// The caller acting as the role `role` (a function's, a rule target's), else the
    /// account's root.
    pub fn caller_as(&self, role: Option<&str>) -> Caller {
        role.map_or_else(
            || self.root_caller(),
            |role| Caller::role(role, &self.model.account_id),
        )
    }

    /// Whether EventBridge may assume `role` to deliver for the rule `rule_arn`. The
    /// local cloud does not read roles' trust policies; it holds a role that the template's
    /// rules deliver with to those rules, as each of this template's subscription roles
    /// trusts only its own rule (`aws:SourceArn`). A role no template rule uses is trusted.
    pub(super) fn role_trusts_rule(&self, role: &str, rule_arn: &str) -> bool {
        let mut users = self
            .model
            .rules
            .values()
            .filter(|r| {
                r.targets
                    .iter()
                    .any(|t| t.role_arn.as_deref() == Some(role))
            })
            .peekable();
        users.peek().is_none() || users.any(|r| r.arn == rule_arn)
    }

    /// Whether `caller` may put an event of `source` and `detail_type` on `bus`; the
    /// entry's failure when not.
    pub(super) fn authorize_put(
        &self,
        bus: &str,
        source: &str,
        detail_type: &str,
        caller: &Caller,
    ) -> Result<(), PutEventsResult> {
        let statements = self
            .model
            .bus_policies
            .get(bus)
            .map_or(&[][..], Vec::as_slice);
        let same_account = caller.account == self.model.account_id;
        // Within the account only a Deny refuses: a bus whose policy has none costs a put
        // no evaluation.
        if same_account && !statements.iter().any(|s| s.effect == iam::Effect::Deny) {
            return Ok(());
        }
        let arn = crate::pseudo::event_bus_arn(bus);
        let keys = [
            ("events:source", source),
            ("events:detail-type", detail_type),
        ];
        let request = Request {
            action: PUT_EVENTS,
            resource: &arn,
            caller,
            keys: &keys,
            indeterminate: &[],
        };
        match iam::decide(statements, &request) {
            Decision::Allowed => Ok(()),
            Decision::Silent if same_account => Ok(()),
            Decision::Silent => Err(PutEventsResult::failed(
                "AccessDeniedException",
                format!(
                    "User: {} is not authorized to perform: {PUT_EVENTS} on resource: {arn} \
                     because no resource-based policy allows the {PUT_EVENTS} action",
                    caller.arn
                ),
            )),
            Decision::Denied { keys, .. } => Err(denied(&keys, caller, &arn)),
        }
    }
}

/// The failure of an entry an explicit Deny refused: named by what the Deny tested, the
/// source or the detail-type, as EventBridge names it, else IAM's access denied.
fn denied(keys: &[String], caller: &Caller, arn: &str) -> PutEventsResult {
    let tested = |name: &str| keys.iter().any(|k| k.eq_ignore_ascii_case(name));
    if tested("events:source") {
        PutEventsResult::failed(
            "NotAuthorizedForSourceException",
            "You do not have permissions to publish events with this source onto this event bus.",
        )
    } else if tested("events:detail-type") {
        PutEventsResult::failed(
            "NotAuthorizedForDetailTypeException",
            "You do not have permissions to publish events with this detail type onto this event bus.",
        )
    } else {
        PutEventsResult::failed(
            "AccessDeniedException",
            format!(
                "User: {} is not authorized to perform: {PUT_EVENTS} on resource: {arn} \
                 with an explicit deny in a resource-based policy",
                caller.arn
            ),
        )
    }
}
