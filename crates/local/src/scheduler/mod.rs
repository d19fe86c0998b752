//! EventBridge Scheduler and schedule rules: schedule expressions, the schedules of the
//! template and of the API with their groups, and which of them are due on the cloud's
//! clock. Delivery to targets is the runtime's (`runtime::schedules`).

pub mod expression;
pub mod schedule;

use jiff::Timestamp;
use schedule::{SchedulerError, Spec};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// The instant of the cloud clock's `ms`, as schedules count time.
pub fn timestamp(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// The group every account has.
pub const DEFAULT_GROUP: &str = "default";

/// A schedule with its state on the clock.
#[derive(Debug, Clone)]
pub struct Entry {
    /// What it is.
    pub spec: Spec,
    /// Its ARN.
    pub arn: String,
    /// When it was made and last changed, epoch seconds.
    pub created_s: i64,
    /// When it was last changed, epoch seconds.
    pub modified_s: i64,
    /// Where a rate counts from: `StartDate`, else the creation.
    anchor: Timestamp,
    /// The next scheduled time, and when within its flexible window it fires.
    next: Option<(Timestamp, Timestamp)>,
}

/// One invocation due: the schedule as it was, and the time it was scheduled for.
#[derive(Debug, Clone)]
pub struct Firing {
    /// The schedule.
    pub spec: Spec,
    /// Its ARN.
    pub arn: String,
    /// The scheduled time (`<aws.scheduler.scheduled-time>`).
    pub scheduled: Timestamp,
}

/// A rule's `ScheduleExpression`, planned on the clock.
struct RuleSchedule {
    logical_id: String,
    expression: expression::Expression,
    /// When the rule began (a rate counts from its creation).
    anchor: Timestamp,
    next: Option<Timestamp>,
}

#[derive(Default)]
struct State {
    schedules: BTreeMap<(String, String), Entry>,
    rules: Vec<RuleSchedule>,
    /// Groups made through the API, with their creation, epoch seconds.
    groups: BTreeMap<String, i64>,
}

/// Every schedule of a cloud.
pub struct Schedules {
    state: Mutex<State>,
    /// `arn:aws:scheduler:<region>:<account>:`.
    arn_prefix: String,
    /// Wakes the runner when a schedule changes.
    pub changed: tokio::sync::Notify,
}

fn not_found(name: &str) -> SchedulerError {
    SchedulerError::NotFound(format!("Schedule {name} does not exist."))
}

fn no_group(name: &str) -> SchedulerError {
    SchedulerError::NotFound(format!("Schedule group {name} does not exist."))
}

/// The time within a flexible window a firing lands at: a fixed share of the window, from
/// the schedule and the time, so the same schedule fires at the same offset each run.
fn within_window(spec: &Spec, scheduled: Timestamp) -> Timestamp {
    let Some(minutes) = spec.window_minutes else {
        return scheduled;
    };
    use sha2::Digest;
    let digest = sha2::Sha256::digest(format!("{}/{}/{scheduled}", spec.group, spec.name));
    let share = u64::from_be_bytes(digest[..8].try_into().unwrap_or([0; 8]));
    let offset_s = share % (u64::from(minutes) * 60);
    Timestamp::from_second(scheduled.as_second() + offset_s as i64).unwrap_or(scheduled)
}

impl Entry {
    fn new(
        spec: Spec,
        arn: String,
        now: Timestamp,
        created_s: i64,
        anchor: Option<Timestamp>,
    ) -> Self {
        let anchor = spec.start.or(anchor).unwrap_or(now);
        let mut entry = Self {
            spec,
            arn,
            created_s,
            modified_s: now.as_second(),
            anchor,
            next: None,
        };
        // The first run is the first scheduled time from now on (a rate's first is its
        // start: "starts invoking the target immediately").
        let before = Timestamp::from_second(now.as_second() - 1).unwrap_or(now);
        entry.plan(before);
        entry
    }

    /// Plans the first run after `after`, within the schedule's start and end.
    fn plan(&mut self, after: Timestamp) {
        let spec = &self.spec;
        let is_once = matches!(spec.expression, expression::Expression::At(_));
        // StartDate and EndDate do not apply to one-time schedules.
        let from = match spec.start {
            Some(start) if !is_once && start > after => {
                Timestamp::from_second(start.as_second() - 1).unwrap_or(start)
            }
            _ => after,
        };
        let next = spec
            .expression
            .next_after(from, self.anchor, &spec.zone())
            .filter(|t| is_once || spec.end.is_none_or(|end| *t < end));
        self.next = next.map(|t| (t, within_window(spec, t)));
    }

    /// When it next fires, if it does.
    pub fn next_fire(&self) -> Option<Timestamp> {
        self.next.filter(|_| self.spec.enabled).map(|(_, at)| at)
    }
}

impl Schedules {
    /// No schedules yet, for a cloud in `region` of `account`.
    pub fn new(region: &str, account: &str) -> Self {
        Self {
            state: Mutex::new(State::default()),
            arn_prefix: format!("arn:aws:scheduler:{region}:{account}:"),
            changed: tokio::sync::Notify::new(),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn group_exists(state: &State, group: &str) -> bool {
        group == DEFAULT_GROUP || state.groups.contains_key(group)
    }

    /// CreateSchedule: the ARN of the new schedule.
    pub fn create(&self, spec: Spec, now: Timestamp) -> Result<String, SchedulerError> {
        let mut state = self.state();
        if !Self::group_exists(&state, &spec.group) {
            return Err(no_group(&spec.group));
        }
        let key = (spec.group.clone(), spec.name.clone());
        if state.schedules.contains_key(&key) {
            return Err(SchedulerError::Conflict(format!(
                "Schedule {} already exists.",
                spec.name
            )));
        }
        let arn = format!("{}schedule/{}/{}", self.arn_prefix, spec.group, spec.name);
        state.schedules.insert(
            key,
            Entry::new(spec, arn.clone(), now, now.as_second(), None),
        );
        drop(state);
        self.changed.notify_one();
        Ok(arn)
    }

    /// UpdateSchedule: replaces the whole definition, keeping the creation date.
    pub fn update(&self, spec: Spec, now: Timestamp) -> Result<String, SchedulerError> {
        let mut state = self.state();
        let key = (spec.group.clone(), spec.name.clone());
        let Some(old) = state.schedules.get(&key) else {
            return Err(not_found(&spec.name));
        };
        let (arn, created) = (old.arn.clone(), old.created_s);
        // A rate keeps counting from where it did unless its expression or start changed.
        let anchor = (old.spec.expression_text == spec.expression_text).then_some(old.anchor);
        state
            .schedules
            .insert(key, Entry::new(spec, arn.clone(), now, created, anchor));
        drop(state);
        self.changed.notify_one();
        Ok(arn)
    }

    /// GetSchedule.
    pub fn get(&self, group: &str, name: &str) -> Result<Entry, SchedulerError> {
        let state = self.state();
        if !Self::group_exists(&state, group) {
            return Err(not_found(name));
        }
        state
            .schedules
            .get(&(group.to_owned(), name.to_owned()))
            .cloned()
            .ok_or_else(|| not_found(name))
    }

    /// DeleteSchedule.
    pub fn delete(&self, group: &str, name: &str) -> Result<(), SchedulerError> {
        let removed = self
            .state()
            .schedules
            .remove(&(group.to_owned(), name.to_owned()));
        self.changed.notify_one();
        removed.map(|_| ()).ok_or_else(|| not_found(name))
    }

    /// Every schedule, in group and name order.
    pub fn list(&self) -> Vec<Entry> {
        self.state().schedules.values().cloned().collect()
    }

    /// Up to `limit` schedules after `(group, name)`, in group and name order.
    pub fn page(&self, after: Option<&(String, String)>, limit: usize) -> Vec<Entry> {
        use std::ops::Bound;
        let start = after.map_or(Bound::Unbounded, |k| Bound::Excluded(k.clone()));
        self.state()
            .schedules
            .range((start, Bound::Unbounded))
            .take(limit)
            .map(|(_, e)| e.clone())
            .collect()
    }

    /// CreateScheduleGroup.
    pub fn create_group(&self, name: &str, now_s: i64) -> Result<String, SchedulerError> {
        let mut state = self.state();
        if Self::group_exists(&state, name) {
            return Err(SchedulerError::Conflict(format!(
                "Schedule group {name} already exists."
            )));
        }
        state.groups.insert(name.to_owned(), now_s);
        Ok(self.group_arn(name))
    }

    /// DeleteScheduleGroup: the group and its schedules.
    pub fn delete_group(&self, name: &str) -> Result<(), SchedulerError> {
        if name == DEFAULT_GROUP {
            return Err(SchedulerError::Validation(
                "The default schedule group cannot be deleted.".into(),
            ));
        }
        let mut state = self.state();
        state.groups.remove(name).ok_or_else(|| no_group(name))?;
        state.schedules.retain(|(group, _), _| group != name);
        Ok(())
    }

    /// Every group with its creation (0 for `default`), in name order.
    pub fn groups(&self) -> Vec<(String, i64)> {
        let state = self.state();
        let mut groups: Vec<(String, i64)> =
            state.groups.iter().map(|(n, c)| (n.clone(), *c)).collect();
        groups.push((DEFAULT_GROUP.to_owned(), 0));
        groups.sort();
        groups
    }

    /// A group's ARN.
    pub fn group_arn(&self, name: &str) -> String {
        format!("{}schedule-group/{name}", self.arn_prefix)
    }

    /// Runs the schedule rule `logical_id` on `expression` (UTC) from `now`.
    pub fn add_rule(&self, logical_id: &str, expression: expression::Expression, now: Timestamp) {
        let before = Timestamp::from_second(now.as_second() - 1).unwrap_or(now);
        let next = expression.next_after(before, now, &jiff::tz::TimeZone::UTC);
        self.state().rules.push(RuleSchedule {
            logical_id: logical_id.to_owned(),
            expression,
            anchor: now,
            next,
        });
        self.changed.notify_one();
    }

    /// The schedule rules due at `now`, with their scheduled times, each planned on.
    pub fn take_due_rules(&self, now: Timestamp) -> Vec<(String, Timestamp)> {
        let mut state = self.state();
        let mut due = Vec::new();
        for rule in &mut state.rules {
            let Some(at) = rule.next.filter(|at| *at <= now) else {
                continue;
            };
            due.push((rule.logical_id.clone(), at));
            // Runs missed while the clock jumped are not made up, one after another.
            rule.next =
                rule.expression
                    .next_after(at.max(now), rule.anchor, &jiff::tz::TimeZone::UTC);
        }
        due
    }

    /// The earliest time a schedule or schedule rule fires next.
    pub fn next_fire(&self) -> Option<Timestamp> {
        let state = self.state();
        let schedules = state.schedules.values().filter_map(Entry::next_fire);
        let rules = state.rules.iter().filter_map(|r| r.next);
        schedules.chain(rules).min()
    }

    /// The invocations due at `now`, each schedule planned on to its next run; a schedule
    /// with no run left and `ActionAfterCompletion: DELETE` goes.
    pub fn take_due(&self, now: Timestamp) -> Vec<Firing> {
        let mut state = self.state();
        let mut due = Vec::new();
        let mut finished = Vec::new();
        for (key, entry) in state.schedules.iter_mut() {
            let Some((scheduled, at)) = entry.next.filter(|_| entry.spec.enabled) else {
                continue;
            };
            if at > now {
                continue;
            }
            due.push(Firing {
                spec: entry.spec.clone(),
                arn: entry.arn.clone(),
                scheduled,
            });
            // Runs missed while the clock jumped are not made up, one after another: the
            // next is the first after now.
            entry.plan(scheduled.max(now));
            if entry.next.is_none() && entry.spec.delete_after_completion {
                finished.push(key.clone());
            }
        }
        for key in finished {
            state.schedules.remove(&key);
        }
        due
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(expression: &str, extra: serde_json::Value) -> Spec {
        let mut body = json!({
            "ScheduleExpression": expression,
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "Target": {
                "Arn": "arn:aws:sqs:us-east-1:000000000000:q",
                "RoleArn": "arn:aws:iam::000000000000:role/r"
            }
        });
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            body.extend(extra.clone());
        }
        schedule::read("s", body.as_object().unwrap()).unwrap()
    }

    fn t(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn a_rate_fires_from_its_start_and_stops_at_its_end() {
        let schedules = Schedules::new("us-east-1", "000000000000");
        let now = t("2026-12-05T10:00:30Z");
        schedules
            .create(
                spec(
                    "rate(1 minute)",
                    json!({"EndDate": t("2026-12-05T10:02:00Z").as_second()}),
                ),
                now,
            )
            .unwrap();
        assert_eq!(schedules.next_fire(), Some(now), "a rate starts at once");
        let fired: Vec<usize> = ["10:00:30", "10:01:00", "10:01:30", "10:02:30"]
            .iter()
            .map(|at| schedules.take_due(t(&format!("2026-12-05T{at}Z"))).len())
            .collect();
        assert_eq!(
            fired,
            [1, 0, 1, 0],
            "at :30, :30 a minute on, not at or after the end"
        );
    }

    #[test]
    fn a_one_time_schedule_fires_once_and_deletes_itself_when_asked() {
        let schedules = Schedules::new("us-east-1", "000000000000");
        schedules
            .create(
                spec(
                    "at(2026-12-05T12:00:00)",
                    json!({"ScheduleExpressionTimezone": "Europe/Brussels", "ActionAfterCompletion": "DELETE"}),
                ),
                t("2026-12-05T10:00:00Z"),
            )
            .unwrap();
        assert!(schedules.take_due(t("2026-12-05T10:59:59Z")).is_empty());
        let due = schedules.take_due(t("2026-12-05T11:00:00Z"));
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].scheduled, t("2026-12-05T11:00:00Z"));
        assert!(schedules.list().is_empty(), "deleted after its one run");
    }

    #[test]
    fn a_flexible_window_fires_within_it_and_a_disabled_schedule_never() {
        let schedules = Schedules::new("us-east-1", "000000000000");
        let now = t("2026-12-05T10:00:00Z");
        schedules
            .create(
                spec(
                    "cron(0 11 * * ? *)",
                    json!({"FlexibleTimeWindow": {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 15}}),
                ),
                now,
            )
            .unwrap();
        let at = schedules.next_fire().unwrap();
        assert!(
            at >= t("2026-12-05T11:00:00Z") && at < t("2026-12-05T11:15:00Z"),
            "{at}"
        );
        let mut off = spec("rate(1 minute)", json!({"State": "DISABLED"}));
        off.name = "off".into();
        schedules.create(off, now).unwrap();
        assert_eq!(schedules.take_due(t("2026-12-05T10:30:00Z")).len(), 0);
    }

    #[test]
    fn a_clock_that_jumps_a_day_fires_once_not_for_every_missed_minute() {
        let schedules = Schedules::new("us-east-1", "000000000000");
        let now = t("2026-12-05T10:00:00Z");
        schedules
            .create(spec("rate(1 minute)", json!({})), now)
            .unwrap();
        assert_eq!(schedules.take_due(now).len(), 1);
        let later = t("2026-12-06T10:00:30Z");
        assert_eq!(schedules.take_due(later).len(), 1);
        assert_eq!(
            schedules.take_due(later).len(),
            0,
            "no backlog of missed runs"
        );
        assert_eq!(schedules.next_fire(), Some(t("2026-12-06T10:01:00Z")));
    }

    #[test]
    fn an_update_that_keeps_the_expression_keeps_the_rates_count() {
        let schedules = Schedules::new("us-east-1", "000000000000");
        schedules
            .create(spec("rate(1 hour)", json!({})), t("2026-12-05T10:00:00Z"))
            .unwrap();
        schedules.take_due(t("2026-12-05T10:00:00Z"));
        schedules
            .update(
                spec("rate(1 hour)", json!({"Description": "new words"})),
                t("2026-12-05T10:20:00Z"),
            )
            .unwrap();
        assert_eq!(schedules.next_fire(), Some(t("2026-12-05T11:00:00Z")));
    }

    #[test]
    fn pages_of_schedules_follow_group_then_name() {
        let schedules = Schedules::new("us-east-1", "000000000000");
        schedules.create_group("a", 0).unwrap();
        schedules.create_group("a-b", 0).unwrap();
        let now = t("2026-12-05T10:00:00Z");
        for (group, name) in [("a", "x"), ("a", "z"), ("a-b", "y")] {
            let mut s = spec("rate(1 hour)", json!({"GroupName": group}));
            s.name = name.into();
            schedules.create(s, now).unwrap();
        }
        let mut seen = Vec::new();
        let mut after: Option<(String, String)> = None;
        loop {
            let page = schedules.page(after.as_ref(), 1);
            let Some(entry) = page.first() else { break };
            seen.push(format!("{}/{}", entry.spec.group, entry.spec.name));
            after = Some((entry.spec.group.clone(), entry.spec.name.clone()));
        }
        assert_eq!(seen, ["a/x", "a/z", "a-b/y"]);
    }

    #[test]
    fn names_are_unique_in_their_group_and_groups_must_exist() {
        let schedules = Schedules::new("us-east-1", "000000000000");
        let now = t("2026-12-05T10:00:00Z");
        schedules
            .create(spec("rate(5 minutes)", json!({})), now)
            .unwrap();
        assert!(matches!(
            schedules.create(spec("rate(5 minutes)", json!({})), now),
            Err(SchedulerError::Conflict(_))
        ));
        assert!(matches!(
            schedules.create(spec("rate(5 minutes)", json!({"GroupName": "g"})), now),
            Err(SchedulerError::NotFound(m)) if m == "Schedule group g does not exist."
        ));
        schedules.create_group("g", 0).unwrap();
        schedules
            .create(spec("rate(5 minutes)", json!({"GroupName": "g"})), now)
            .unwrap();
        assert_eq!(schedules.list().len(), 2);
        assert!(
            matches!(schedules.get("default", "nope"), Err(SchedulerError::NotFound(m)) if m == "Schedule nope does not exist.")
        );
    }
}
