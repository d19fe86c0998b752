//! The event bus: PutEvents answered per entry as AWS answers it, rules matched in one
//! pass by `event-pattern`, targets fed through their input configuration, failed
//! deliveries retried per RetryPolicy and then sent to the target's DLQ.

use super::CloudInner;
use super::background;
use super::faults::Fault;
pub use super::routing::Buses;
use super::trace::{Hop, correlation_of};
use crate::sqs::{MessageAttributeValue, SendMessage};
use crate::template::{Rule, RuleTarget, TargetKind};
use event_pattern::{CompiledInput, InputTransformer, RuleContext, TargetInput, TransformError};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::sync::Arc;

/// The largest PutEvents entry AWS accepts.
pub const MAX_ENTRY_BYTES: usize = 256 * 1024;

/// One PutEvents request entry, as the API names its fields.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutEventsEntry {
    /// `Source`; required.
    #[serde(default)]
    pub source: Option<String>,
    /// `DetailType`; required.
    #[serde(default)]
    pub detail_type: Option<String>,
    /// `Detail`: a JSON object as text; required.
    #[serde(default)]
    pub detail: Option<String>,
    /// `EventBusName`: a name or ARN; the default bus when absent.
    #[serde(default)]
    pub event_bus_name: Option<String>,
    /// `Resources`: ARNs the event is about.
    #[serde(default)]
    pub resources: Option<Vec<String>>,
    /// `Time`, RFC 3339; the time of the put when absent.
    #[serde(default)]
    pub time: Option<String>,
    /// `TraceHeader`: the X-Ray trace the event continues.
    #[serde(default)]
    pub trace_header: Option<String>,
}

impl PutEventsEntry {
    /// The entry's size as "Calculating PutEvents event entry size" counts it: 14 bytes for
    /// a `Time`, plus the UTF-8 bytes of `Source`, `DetailType`, `Detail` and each resource.
    pub fn size(&self) -> usize {
        let text = |s: &Option<String>| s.as_deref().map_or(0, str::len);
        usize::from(self.time.is_some()) * 14
            + text(&self.source)
            + text(&self.detail_type)
            + text(&self.detail)
            + self
                .resources
                .iter()
                .flatten()
                .map(String::len)
                .sum::<usize>()
    }
}

/// The longest `DetailType`: "Free-form string, with a maximum of 128 characters".
pub const MAX_DETAIL_TYPE_CHARS: usize = 128;

/// One PutEvents result entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutEventsResult {
    /// The id of the event put; absent for a failed entry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// Why the entry failed, e.g. `InvalidArgument`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// The failure in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
}

impl PutEventsResult {
    pub(super) fn failed(code: &str, message: impl Into<String>) -> Self {
        Self {
            event_id: None,
            error_code: Some(code.to_owned()),
            error_message: Some(message.into()),
        }
    }
}

/// A rule ready to route: its template definition and each target's compiled input.
pub struct CompiledRule {
    /// The rule as the template declares it.
    pub rule: Rule,
    /// Each target with its input (event, constant, path or transformer) compiled.
    pub targets: Vec<(RuleTarget, CompiledInput)>,
}

impl CompiledRule {
    /// Each target (by index) with the input it gets for `event` (its text and parsed
    /// tree), received by the bus at `ingestion_time` (`<aws.events.event.ingestion-time>`),
    /// or why that input cannot be made: what delivery sends, and what
    /// [`CloudInner::target_inputs`] shows.
    pub fn inputs<'a>(
        &'a self,
        event_text: &'a str,
        event: &'a Value,
        ingestion_time: &'a str,
    ) -> impl Iterator<Item = (usize, &'a RuleTarget, Result<String, TransformError>)> + 'a {
        let ctx = RuleContext {
            rule_name: &self.rule.name,
            rule_arn: &self.rule.arn,
            ingestion_time: Some(ingestion_time),
        };
        self.targets
            .iter()
            .enumerate()
            .map(move |(index, (target, input))| {
                (index, target, input.apply_parsed(event_text, event, &ctx))
            })
    }
}

/// The input one target of a rule gets for an event ([`CloudInner::target_inputs`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetInputOf {
    /// The rule's logical id.
    pub rule: String,
    /// The target's `Id`.
    pub target: String,
    /// The input as the target receives it: JSON text (or any text a transformer makes);
    /// `Err` when it cannot be made, and the delivery would go to the target's DLQ.
    pub input: Result<String, String>,
}

/// What a target receives of an event: its input transformer, constant input, InputPath, or
/// the whole event.
pub fn target_input(target: &RuleTarget) -> TargetInput {
    if let Some(t) = &target.input_transformer {
        return TargetInput::InputTransformer(InputTransformer {
            input_paths_map: t.input_paths_map.iter().cloned().collect(),
            input_template: t.input_template.clone(),
        });
    }
    if let Some(input) = &target.input {
        return TargetInput::Input(input.clone());
    }
    if let Some(path) = &target.input_path {
        return TargetInput::InputPath(path.clone());
    }
    TargetInput::Event
}

/// How an event came to the bus that routes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Arrival<'a> {
    /// Put on it (PutEvents, a schedule, a replay).
    Put,
    /// Sent by a rule of the bus it names: it goes to no bus target from here.
    FromBus(&'a str),
}

impl CloudInner {
    /// PutEvents: validates each entry alone, routes the accepted ones, and answers per
    /// entry in request order.
    /// The caller is the account's root ([`CloudInner::root_caller`]).
    pub fn put_events(self: &Arc<Self>, entries: &[PutEventsEntry]) -> Vec<PutEventsResult> {
        self.put_events_as(entries, &self.root_caller())
    }

    /// PutEvents by `caller`: each entry is also authorized against its bus's policy
    /// ([`super::bus_policy`]).
    pub fn put_events_as(
        self: &Arc<Self>,
        entries: &[PutEventsEntry],
        caller: &crate::iam::Caller,
    ) -> Vec<PutEventsResult> {
        entries
            .iter()
            .map(|entry| self.put_event(entry, caller))
            .collect()
    }

    fn put_event(
        self: &Arc<Self>,
        entry: &PutEventsEntry,
        caller: &crate::iam::Caller,
    ) -> PutEventsResult {
        let (event, event_text) = match self.accept(entry) {
            Ok(accepted) => accepted,
            Err(result) => return result,
        };
        let bus = bus_name(entry.event_bus_name.as_deref());
        let kind = entry.detail_type.as_deref().unwrap_or_default();
        let source = entry.source.as_deref().unwrap_or_default();
        if let Err(refused) = self.authorize_put(&bus, source, kind, caller) {
            return refused;
        }
        if self.faults.strike(Fault::PutEventsFailure, kind) {
            // A partial failure: this entry is refused, the others of the call go through.
            return PutEventsResult::failed("InternalFailure", "Internal Failure");
        }
        let id = event["id"].as_str().unwrap_or_default().to_owned();
        // The entry's TraceHeader, else the trace of the function or execution that put
        // it, else a new trace: every target continues it.
        let trace = entry
            .trace_header
            .clone()
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| super::xray::current_or_new(self.clock.now_ms()));
        self.archives.capture(&bus, &event, &event_text);
        self.route(&event, &event_text, &bus, &trace, None, Arrival::Put);
        PutEventsResult {
            event_id: Some(id),
            error_code: None,
            error_message: None,
        }
    }

    /// What the targets of every rule `entry` matches would get, shaped by the code that
    /// delivers them, without putting or delivering anything: the event as PutEvents makes
    /// it, the rules of its bus, each target's input. `Err` is the entry's refusal
    /// (`ErrorCode: ErrorMessage`); a target whose input cannot be made has its own error,
    /// as delivery dead-letters that one target and goes on with the others.
    pub fn target_inputs(&self, entry: &PutEventsEntry) -> Result<Vec<TargetInputOf>, String> {
        let (event, text) = self.accept(entry).map_err(|refused| {
            format!(
                "{}: {}",
                refused.error_code.unwrap_or_default(),
                refused.error_message.unwrap_or_default()
            )
        })?;
        let bus = bus_name(entry.event_bus_name.as_deref());
        let ingestion_time = event_time(self.clock.now_ms());
        let mut inputs = Vec::new();
        for rule in self.buses.matching(&bus, &event) {
            inputs.extend(
                rule.inputs(&text, &event, &ingestion_time)
                    .map(|(_, target, input)| TargetInputOf {
                        rule: rule.rule.logical_id.clone(),
                        target: target.id.clone(),
                        input: input.map_err(|e| e.to_string()),
                    }),
            );
        }
        Ok(inputs)
    }

    /// Sends an event put on `bus` to the targets of every rule it matches, or only of the
    /// rules whose ARN `only` lists (a replay's `FilterArns`).
    pub(super) fn route(
        self: &Arc<Self>,
        event: &Value,
        event_text: &str,
        bus: &str,
        trace: &str,
        only: Option<&[String]>,
        arrival: Arrival<'_>,
    ) {
        let correlation_id = correlation_of(event);
        let id = event["id"].as_str().unwrap_or_default().to_owned();
        // When the bus received the event (a replayed event is received again).
        let ingestion_time = event_time(self.clock.now_ms());
        self.trace.record(match arrival {
            Arrival::Put => Hop::event_put(event, &correlation_id, bus, self.clock.now_ms()),
            Arrival::FromBus(from) => {
                Hop::event_crossed(event, &correlation_id, from, bus, self.clock.now_ms())
            }
        });
        let mut matched = self.buses.matching(bus, event);
        if let Some(only) = only {
            matched.retain(|rule| only.contains(&rule.rule.arn));
        }
        // What every target's delivery keeps while it waits, shared: the event's id, and
        // its text only for a bus target (which puts it again) or a stream target (whose
        // partition key is read from it), never its parsed tree (several times the text's
        // size): a backlog of deliveries then costs little.
        let to_bus = matched.iter().any(|rule| {
            rule.targets.iter().any(|(target, _)| {
                matches!(
                    target.target.kind,
                    TargetKind::EventBus | TargetKind::Stream
                )
            })
        });
        let delivered = Arc::new(Delivered {
            event_text: to_bus.then(|| event_text.to_owned()),
            event_id: id,
            correlation_id: correlation_id.clone(),
            from_bus: matches!(arrival, Arrival::FromBus(_)),
        });
        for rule in matched {
            self.trace.record(Hop::rule_matched(
                &correlation_id,
                &rule.rule.logical_id,
                self.clock.now_ms(),
            ));
            self.deliver_to_targets(&rule, event, event_text, &ingestion_time, &delivered, trace);
        }
    }

    /// Sends `event`, received at `ingestion_time`, to every target of `rule`, each with its
    /// input.
    fn deliver_to_targets(
        self: &Arc<Self>,
        rule: &Arc<CompiledRule>,
        event: &Value,
        event_text: &str,
        ingestion_time: &str,
        delivered: &Arc<Delivered>,
        trace: &str,
    ) {
        for (index, target, input) in rule.inputs(event_text, event, ingestion_time) {
            if delivered.from_bus && target.target.kind == TargetKind::EventBus {
                // EventBridge does not route an event that came from another bus on to a
                // third one.
                tracing::debug!(rule = %rule.rule.logical_id, target = %target.id, "an event from another bus is not sent to a third");
                continue;
            }
            match input {
                Ok(body) => self.deliver(
                    rule.clone(),
                    index,
                    body,
                    delivered.clone(),
                    trace.to_owned(),
                ),
                Err(e) => self.dead_letter_target(
                    rule,
                    target,
                    event_text,
                    Failure {
                        code: "INVALID_JSON",
                        message: &e.to_string(),
                        retries: 0,
                        exhausted: None,
                    },
                ),
            }
        }
    }

    /// Sends a schedule rule's `Scheduled Event` for `scheduled` to its targets.
    pub fn fire_rule(self: &Arc<Self>, logical_id: &str, scheduled: &str) {
        // A rule disabled or redefined without its schedule since it was scheduled fires
        // nothing.
        let Some(rule) = self
            .buses
            .rule(logical_id)
            .filter(|r| r.rule.enabled && r.rule.schedule_expression.is_some())
        else {
            return;
        };
        let id = uuid::Uuid::new_v4().to_string();
        let event = serde_json::json!({
            "version": "0",
            "id": id,
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": self.model.account_id,
            "time": scheduled,
            "region": self.model.region,
            "resources": [rule.rule.arn],
            "detail": {},
        });
        let text = event.to_string();
        let delivered = Arc::new(Delivered {
            event_text: Some(text.clone()),
            event_id: id,
            correlation_id: String::new(),
            from_bus: false,
        });
        let trace = super::xray::current_or_new(self.clock.now_ms());
        let ingestion_time = event_time(self.clock.now_ms());
        self.deliver_to_targets(&rule, &event, &text, &ingestion_time, &delivered, &trace);
    }

    /// Checks one entry the way PutEvents does and builds the event the bus carries, without
    /// routing it (the fuzz targets check what it builds).
    /// Answers the event and its JSON text.
    pub fn accept(&self, entry: &PutEventsEntry) -> Result<(Value, String), PutEventsResult> {
        let source = entry.source.as_deref().unwrap_or_default();
        let detail_type = entry.detail_type.as_deref().unwrap_or_default();
        let Some(detail_text) = entry.detail.as_deref().filter(|d| !d.is_empty()) else {
            return Err(PutEventsResult::failed(
                "InvalidArgument",
                "Parameter Detail is not valid. Reason: Detail is required.",
            ));
        };
        if source.is_empty() {
            return Err(PutEventsResult::failed(
                "InvalidArgument",
                "Parameter Source is not valid. Reason: Source is a required argument.",
            ));
        }
        if detail_type.is_empty() {
            return Err(PutEventsResult::failed(
                "InvalidArgument",
                "Parameter DetailType is not valid. Reason: DetailType is a required argument.",
            ));
        }
        if detail_type.chars().count() > MAX_DETAIL_TYPE_CHARS {
            // The reference states the limit but not the words of the failed entry.
            return Err(PutEventsResult::failed(
                "InvalidArgument",
                format!(
                    "Parameter DetailType is not valid. Reason: DetailType is longer than \
                     {MAX_DETAIL_TYPE_CHARS} characters."
                ),
            ));
        }
        if entry.size() > MAX_ENTRY_BYTES {
            return Err(PutEventsResult::failed(
                "InvalidArgument",
                "Total size of the entries in the request is over the limit.",
            ));
        }
        // Read to the depth PutEvents processes (1100 levels), no deeper: a deeper Detail
        // fails its entry as malformed, the reference giving no other answer for it.
        let detail: Value = match crate::document::parse(detail_text, crate::document::MAX_DEPTH) {
            Ok(v @ Value::Object(_)) => v,
            _ => {
                return Err(PutEventsResult::failed(
                    "MalformedDetail",
                    "Detail is malformed.",
                ));
            }
        };
        let bus = bus_name(entry.event_bus_name.as_deref());
        // The template's buses exist, and so does every account's `default` bus.
        if bus != "default" && !self.model.buses.values().any(|b| b.name == bus) {
            return Err(PutEventsResult::failed(
                "NotFoundException",
                format!("Event bus {bus} does not exist."),
            ));
        }
        // The event's `time` is UTC to the second whatever precision and offset the entry's
        // `Time` has; without one, the time of the PutEvents call.
        let time = match entry.time.as_deref() {
            None => event_time(self.clock.now_ms()),
            Some(given) => normalized_time(given).ok_or_else(|| {
                // The reference gives no words for a Time that is not a timestamp (an SDK
                // refuses it before sending); these follow the entry's other refusals.
                PutEventsResult::failed(
                    "InvalidArgument",
                    "Parameter Time is not valid. Reason: Time is not an RFC 3339 timestamp.",
                )
            })?,
        };
        // Field order and contents as "Amazon EventBridge event structure reference"
        // lists them: version, id, detail-type, source, account, time, region, resources,
        // detail.
        let event = json!({
            "version": "0",
            "id": uuid::Uuid::new_v4().to_string(),
            "detail-type": detail_type,
            "source": source,
            "account": self.model.account_id,
            "time": time,
            "region": self.model.region,
            "resources": entry.resources.clone().unwrap_or_default(),
            "detail": detail,
        });
        let text = event.to_string();
        Ok((event, text))
    }

    /// Delivers to target `index` of `rule`, off the caller's path, with the rule's
    /// RetryPolicy.
    fn deliver(
        self: &Arc<Self>,
        rule: Arc<CompiledRule>,
        index: usize,
        body: String,
        delivered: Arc<Delivered>,
        trace: String,
    ) {
        let cloud = self.clone();
        self.spawn(move || {
            super::xray::scope(trace, async move {
                let Some((target, _)) = rule.targets.get(index) else {
                    return;
                };
                // A state machine target starts an execution only with a slot free, so a
                // backlog of deliveries does not start all its executions at once.
                let attempts = target.retry_policy.maximum_retry_attempts.min(185) + 1;
                let mut last_error = String::new();
                let mut retries = 0;
                for attempt in 0..attempts {
                    retries = attempt;
                    // Taken for each attempt, so a delivery backing off between attempts holds
                    // no slot.
                    let slot = match (&cloud.execution_slots, target.target.kind) {
                        (Some(slots), TargetKind::StateMachine) => {
                            slots.clone().acquire_owned().await.ok()
                        }
                        _ => None,
                    };
                    // Boxed: a delivery waiting for a slot or between attempts then holds
                    // its own few states, not the space of every state of a delivery.
                    match Box::pin(cloud.deliver_once(&rule, target, &body, &delivered)).await {
                        Ok(started) => {
                            // Delivery to a target is at least once: it may happen again.
                            if cloud
                                .faults
                                .strike(Fault::Duplicate, &target.target.logical_id)
                            {
                                let _ =
                                    Box::pin(cloud.deliver_once(&rule, target, &body, &delivered))
                                        .await;
                            }
                            cloud.trace.record(Hop::target_delivered(
                                &delivered.correlation_id,
                                &rule.rule.logical_id,
                                &target.target.logical_id,
                                cloud.clock.now_ms(),
                            ));
                            if let (Some(slot), Some(arn)) = (slot, started) {
                                cloud.hold_slot(slot, &arn).await;
                            }
                            return;
                        }
                        Err(Undelivered::Retriable(e)) => last_error = e,
                        Err(Undelivered::Final { code, message }) => {
                            drop(slot);
                            cloud.dead_letter_target(
                                &rule,
                                target,
                                &body,
                                Failure {
                                    code,
                                    message: &message,
                                    retries: attempt,
                                    exhausted: None,
                                },
                            );
                            return;
                        }
                    }
                    drop(slot);
                    // EventBridge backs off exponentially with jitter; a short fixed schedule
                    // on the runtime clock keeps local runs fast and deterministic.
                    cloud.clock.sleep_ms(1000 * (1 << attempt.min(6))).await;
                }
                cloud.dead_letter_target(
                    &rule,
                    target,
                    &body,
                    Failure {
                        code: "TARGET_UNAVAILABLE",
                        message: &last_error,
                        retries,
                        exhausted: Some("MaximumRetryAttempts"),
                    },
                );
            })
        });
    }

    /// Keeps a started execution's slot until the execution ends or
    /// [`background::SLOT_HOLD`] has passed: an execution that waits long (for an
    /// approval, a Wait state) gives its slot back, so waiting executions never keep new
    /// ones from starting.
    async fn hold_slot(&self, slot: tokio::sync::OwnedSemaphorePermit, arn: &str) {
        if let Ok(entry) = self.execution(arn) {
            let _ = tokio::time::timeout(background::SLOT_HOLD, entry.wait_ended()).await;
        }
        drop(slot);
    }

    async fn deliver_once(
        self: &Arc<Self>,
        rule: &CompiledRule,
        target: &RuleTarget,
        body: &str,
        delivered: &Delivered,
    ) -> Result<Option<String>, Undelivered> {
        match target.target.kind {
            TargetKind::Queue => {
                let queue = self
                    .sqs
                    .queue_by_arn(&target.target.arn)
                    .map_err(|e| e.to_string())?;
                let mut message = SendMessage::new(body);
                if let Some(trace) = super::xray::current() {
                    message = message.with_trace_header(trace);
                }
                if queue.is_fifo() {
                    let group = target
                        .sqs_message_group_id
                        .clone()
                        .unwrap_or_else(|| rule.rule.name.clone());
                    message = message.with_group(group);
                    if !queue.config().content_based_deduplication {
                        message = message.with_deduplication_id(delivered.event_id.as_str());
                    }
                }
                if !queue.is_fifo() {
                    let site = queue.name().to_owned();
                    if self.faults.strike(Fault::Reorder, &site) {
                        let secs =
                            u32::try_from(1 + self.faults.delay_ms(5_000) / 1000).unwrap_or(1);
                        message = message.with_delay(secs);
                    }
                    // A standard queue delivers at least once: a second copy may arrive.
                    if self.faults.strike(Fault::Duplicate, &site) {
                        let _ = queue.send(message.clone());
                    }
                }
                queue
                    .send(message)
                    .map(|_| None)
                    .map_err(|e| Undelivered::Retriable(e.to_string()))
            }
            TargetKind::Function => {
                let payload: Value = crate::document::parse(body, crate::document::MAX_EVENT_DEPTH)
                    .unwrap_or(Value::String(body.to_owned()));
                self.invoke_async(&target.target.logical_id, payload);
                Ok(None)
            }
            TargetKind::StateMachine => {
                let input: Value = crate::document::parse(body, crate::document::MAX_EVENT_DEPTH)
                    .map_err(|e| format!("input is not JSON: {e}"))?;
                self.start_execution(&target.target.arn, input, None)
                    .map(Some)
                    .map_err(|e| Undelivered::Retriable(e.to_string()))
            }
            TargetKind::Stream => {
                let stream = self
                    .kinesis
                    .stream_by_arn(&target.target.arn)
                    .map_err(|e| e.to_string())?;
                let partition_key = match &target.kinesis_partition_key_path {
                    None => delivered.event_id.clone(),
                    Some(path) => partition_key_at(delivered.event_text.as_deref(), path)?,
                };
                stream
                    .put(
                        &partition_key,
                        None,
                        std::sync::Arc::from(body.as_bytes()),
                        self.clock.now_ms(),
                    )
                    .map(|_| None)
                    .map_err(|throttled| Undelivered::Retriable(throttled.0))
            }
            // The template refuses it; nothing but the table's writes fills its stream.
            TargetKind::TableStream => Err(Undelivered::Retriable(format!(
                "{} is a table's stream, which takes no events",
                target.target.arn
            ))),
            TargetKind::EventBus => {
                let bus = self
                    .model
                    .buses
                    .get(&target.target.logical_id)
                    .map(|b| b.name.clone())
                    .ok_or_else(|| format!("no bus {}", target.target.logical_id))?;
                let text = delivered.event_text.as_deref().unwrap_or_default();
                let event: Value =
                    serde_json::from_str(text).map_err(|e| format!("event is not JSON: {e}"))?;
                // The rule puts it as the role it names, for the rule (aws:SourceArn); the
                // role must trust the rule, the receiving bus's policy decides, and a
                // refusal fails the delivery.
                if let Some(role) = target.role_arn.as_deref()
                    && !self.role_trusts_rule(role, &rule.rule.arn)
                {
                    return Err(Undelivered::Final {
                        code: "NO_PERMISSIONS",
                        message: format!(
                            "EventBridge cannot assume {role} for {}: the role trusts another rule (aws:SourceArn)",
                            rule.rule.arn
                        ),
                    });
                }
                let caller = self
                    .caller_as(target.role_arn.as_deref())
                    .for_source(&rule.rule.arn);
                let field = |name: &str| event[name].as_str().unwrap_or_default().to_owned();
                // A refusal is not retried: every attempt would fail until the policy
                // changes, so EventBridge sends the event to the DLQ at once.
                if let Err(refused) =
                    self.authorize_put(&bus, &field("source"), &field("detail-type"), &caller)
                {
                    return Err(Undelivered::Final {
                        code: "NO_PERMISSIONS",
                        message: format!(
                            "{}: {}",
                            refused.error_code.unwrap_or_default(),
                            refused.error_message.unwrap_or_default()
                        ),
                    });
                }
                // The event itself crosses, as EventBridge sends it: its id, time and
                // account stay, so a consumer keyed on the id sees a replay crossing again
                // as the event it already has.
                let trace = super::xray::current_or_new(self.clock.now_ms());
                self.archives.capture(&bus, &event, text);
                self.route(
                    &event,
                    text,
                    &bus,
                    &trace,
                    None,
                    Arrival::FromBus(&rule.rule.event_bus_name),
                );
                Ok(None)
            }
        }
    }

    /// Sends an undeliverable event to the target's DLQ with the attributes AWS sets.
    fn dead_letter_target(
        &self,
        rule: &CompiledRule,
        target: &RuleTarget,
        body: &str,
        failure: Failure<'_>,
    ) {
        let Failure {
            code,
            message,
            retries,
            exhausted,
        } = failure;
        tracing::warn!(rule = %rule.rule.logical_id, target = %target.id, code, message, "event not delivered");
        let Some(dlq) = &target.dead_letter_queue else {
            return;
        };
        let Ok(queue) = self.sqs.queue_by_arn(&dlq.arn) else {
            return;
        };
        let send = SendMessage::new(body)
            .with_attribute("RULE_ARN", MessageAttributeValue::string(&rule.rule.arn))
            .with_attribute(
                "TARGET_ARN",
                MessageAttributeValue::string(&target.target.arn),
            )
            .with_attribute("ERROR_CODE", MessageAttributeValue::string(code))
            .with_attribute("ERROR_MESSAGE", MessageAttributeValue::string(message))
            .with_attribute(
                "RETRY_ATTEMPTS",
                MessageAttributeValue::number(retries.to_string()),
            );
        let send = match exhausted {
            Some(condition) => send.with_attribute(
                "EXHAUSTED_RETRY_CONDITION",
                MessageAttributeValue::string(condition),
            ),
            None => send,
        };
        let _ = queue.send(send);
    }
}

/// Why one delivery attempt failed.
enum Undelivered {
    /// Worth another attempt (the target is throttled, or away).
    Retriable(String),
    /// Every attempt would fail the same way until someone acts: straight to the DLQ with
    /// EventBridge's code (`NO_PERMISSIONS`).
    Final { code: &'static str, message: String },
}

impl From<String> for Undelivered {
    fn from(message: String) -> Self {
        Self::Retriable(message)
    }
}

/// What a DLQ message says of the delivery that failed: EventBridge's `ERROR_CODE`,
/// `ERROR_MESSAGE`, `RETRY_ATTEMPTS` and, when the retries ran out,
/// `EXHAUSTED_RETRY_CONDITION`.
struct Failure<'a> {
    code: &'a str,
    message: &'a str,
    retries: u32,
    exhausted: Option<&'static str>,
}

/// What a delivery keeps of its event.
struct Delivered {
    /// The event's text, kept when a target is a bus (which puts it again) or a stream.
    event_text: Option<String>,
    /// The event's id (a FIFO queue target's deduplication id).
    event_id: String,
    correlation_id: String,
    /// The event came from another bus: EventBridge sends it to no third one.
    from_bus: bool,
}

/// The partition key `KinesisParameters.PartitionKeyPath` selects of an event: the value
/// at the path, a string as it is and any other value as its JSON text. A path that
/// selects nothing fails the delivery, which EventBridge retries and then dead-letters.
fn partition_key_at(event_text: Option<&str>, path: &str) -> Result<String, String> {
    let compiled = event_pattern::TargetInput::InputPath(path.to_owned())
        .compile()
        .map_err(|e| e.to_string())?;
    let selected = compiled
        .apply(
            event_text.unwrap_or_default(),
            &event_pattern::RuleContext {
                rule_name: "",
                rule_arn: "",
                ingestion_time: None,
            },
        )
        .map_err(|e| e.to_string())?;
    let key = match serde_json::from_str::<Value>(&selected) {
        Ok(Value::String(s)) => s,
        Ok(Value::Null) | Err(_) => String::new(),
        Ok(other) => other.to_string(),
    };
    if key.is_empty() || key.len() > 256 {
        return Err(format!(
            "PartitionKeyPath {path} selects no partition key of 1 to 256 characters"
        ));
    }
    Ok(key)
}

/// An event's `time` for the instant `ms` (Unix milliseconds): UTC to the second,
/// `YYYY-MM-DDThh:mm:ssZ`, as every event EventBridge delivers carries it.
pub fn event_time(ms: i64) -> String {
    crate::clock::rfc3339_seconds(ms)
}

/// A PutEvents `Time` (RFC 3339, any offset, any fraction of a second) as the event's
/// `time`: the same instant in UTC, to the second. `None` when it is not RFC 3339.
pub fn normalized_time(given: &str) -> Option<String> {
    let t =
        time::OffsetDateTime::parse(given, &time::format_description::well_known::Rfc3339).ok()?;
    let ms = i64::try_from(t.unix_timestamp_nanos().div_euclid(1_000_000)).ok()?;
    Some(event_time(ms))
}

/// The bus an entry names: a name or an ARN; `default` when absent.
pub fn bus_name(given: Option<&str>) -> String {
    match given {
        None | Some("") => "default".to_owned(),
        Some(arn) if arn.starts_with("arn:") => arn.rsplit('/').next().unwrap_or(arn).to_owned(),
        Some(name) => name.to_owned(),
    }
}
