//! The function shell: a declared function is built from a source of adapters and an
//! environment exactly as both hosts build it, and every way the environment or the
//! declaration can be wrong is an error that names the function and the variable.

use lambda_runtime::tower::ServiceExt;
use lambda_runtime::{Context, LambdaEvent};
use orderly_core::clock::ManualClock;
use orderly_core::contracts::{OrderCreated, OutboundEvent};
use orderly_core::idempotency::IdempotencyEngine;
use orderly_core::lambda::TaskError;
use orderly_core::memory::MemoryAdapters;
use orderly_core::ports::StockReservations;
use orderly_core::shell::{
    Declaration, Declared, Environment, EventType, Function, Port, Ports, Setting, ShellError,
};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

/// A function with a port, the idempotency engine and a setting.
struct Probe {
    _stock: Arc<dyn StockReservations>,
    idempotency: IdempotencyEngine,
    limit: Option<i64>,
}

impl Function for Probe {
    const NAME: &'static str = "probe";
    const PORTS: &'static [Port] = &[Port::Stock, Port::Idempotency];
    const SETTINGS: &'static [Setting] = &[Setting::optional("PROBE_LIMIT")];
    type Output = Value;

    fn build(ports: &Ports<'_>) -> Result<Self, ShellError> {
        Ok(Self {
            _stock: ports.stock()?,
            idempotency: ports.idempotency(Self::idempotency())?,
            limit: ports.parsed("PROBE_LIMIT", |text| {
                text.parse::<i64>().map_err(|_| "is not a whole number")
            })?,
        })
    }

    fn handle(
        &self,
        event: LambdaEvent<Value>,
    ) -> impl Future<Output = Result<Value, TaskError>> + Send {
        let remaining = self.idempotency.remaining_until(event.context.deadline);
        let limit = self.limit;
        async move {
            Ok(json!({
                "payload": event.payload,
                "remaining_ms": remaining.as_millis() as u64,
                "limit": limit,
            }))
        }
    }
}

/// A function that asks for a port it does not declare.
struct Sloppy;

impl Function for Sloppy {
    const NAME: &'static str = "sloppy";
    const PORTS: &'static [Port] = &[Port::Idempotency];
    type Output = Value;

    fn build(ports: &Ports<'_>) -> Result<Self, ShellError> {
        ports.orders()?;
        Ok(Self)
    }

    async fn handle(&self, _event: LambdaEvent<Value>) -> Result<Value, TaskError> {
        Ok(Value::Null)
    }
}

fn environment(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn build<F: Function>(
    adapters: &MemoryAdapters,
    vars: &HashMap<String, String>,
) -> Result<orderly_core::shell::BoxedFunction, ShellError> {
    let environment = Environment::from_fn(|name| vars.get(name).cloned());
    Declaration::<F>::new().build(adapters, &environment)
}

const WIRED: &[(&str, &str)] = &[
    ("INVENTORY_TABLE", "inventory"),
    ("IDEMPOTENCY_TABLE", "idempotency"),
];

#[tokio::test]
async fn a_declared_function_is_built_and_reads_the_source_clock() {
    let adapters = MemoryAdapters {
        clock: Arc::new(ManualClock::new(1_000)),
        ..MemoryAdapters::default()
    };
    let mut vars = environment(WIRED);
    vars.insert("PROBE_LIMIT".into(), "7".into());
    let function = build::<Probe>(&adapters, &vars).expect("builds");
    let mut context = Context::default();
    context.deadline = 11_000;
    let answer = function
        .oneshot(LambdaEvent::new(json!({"a": 1}), context))
        .await
        .expect("answers");
    assert_eq!(
        answer,
        json!({"payload": {"a": 1}, "remaining_ms": 10_000, "limit": 7})
    );
}

#[test]
fn a_missing_or_blank_variable_is_named() {
    let adapters = MemoryAdapters::default();
    for vars in [
        environment(&[("IDEMPOTENCY_TABLE", "idempotency")]),
        environment(&[
            ("INVENTORY_TABLE", "  "),
            ("IDEMPOTENCY_TABLE", "idempotency"),
        ]),
    ] {
        let error = build::<Probe>(&adapters, &vars)
            .map(|_| ())
            .expect_err("refused");
        assert_eq!(
            error,
            ShellError::MissingVariable {
                function: "probe",
                variable: "INVENTORY_TABLE"
            }
        );
        assert!(error.to_string().contains("INVENTORY_TABLE"), "{error}");
    }
}

#[test]
fn a_setting_that_does_not_parse_is_named_and_an_unset_optional_one_is_none() {
    let adapters = MemoryAdapters::default();
    let mut vars = environment(WIRED);
    vars.insert("PROBE_LIMIT".into(), "seven".into());
    let error = build::<Probe>(&adapters, &vars)
        .map(|_| ())
        .expect_err("refused");
    assert!(matches!(
        error,
        ShellError::InvalidSetting {
            variable: "PROBE_LIMIT",
            ..
        }
    ));
    assert_eq!(
        error.to_string(),
        "probe: PROBE_LIMIT is not a whole number"
    );
    assert!(build::<Probe>(&adapters, &environment(WIRED)).is_ok());
}

#[test]
fn a_port_the_declaration_does_not_list_is_refused() {
    let adapters = MemoryAdapters::default();
    let vars = environment(&[("ORDERS_TABLE", "orders"), ("IDEMPOTENCY_TABLE", "i")]);
    let error = build::<Sloppy>(&adapters, &vars)
        .map(|_| ())
        .expect_err("refused");
    assert_eq!(
        error,
        ShellError::UndeclaredPort {
            function: "sloppy",
            port: Port::Orders
        }
    );
}

#[test]
fn a_setting_the_declaration_does_not_list_is_refused() {
    let adapters = MemoryAdapters::default();
    let vars = environment(&[("NOT_DECLARED", "1")]);
    let environment = Environment::from_fn(|name| vars.get(name).cloned());
    let ports = Ports::new("sloppy", &[], &[], &adapters, &environment);
    assert_eq!(
        ports.setting("NOT_DECLARED"),
        Err(ShellError::UndeclaredSetting {
            function: "sloppy",
            variable: "NOT_DECLARED".to_owned()
        })
    );
}

#[test]
fn the_declaration_is_what_hosts_read() {
    let declared: &dyn Declared = &Declaration::<Probe>::new();
    assert_eq!(declared.name(), "probe");
    assert_eq!(declared.ports(), &[Port::Stock, Port::Idempotency]);
    assert_eq!(declared.settings(), &[Setting::optional("PROBE_LIMIT")]);
    assert_eq!(Port::Stock.variable(), Some("INVENTORY_TABLE"));
    assert_eq!(Port::Payments.variable(), Some("PAYMENTS_TABLE"));
    assert_eq!(Port::Notifier.variable(), None);
}

/// A function that publishes OrderCreated and nothing else.
struct Announcer {
    publisher: Arc<dyn orderly_core::ports::EventPublisher>,
}

impl Function for Announcer {
    const NAME: &'static str = "announcer";
    const PORTS: &'static [Port] = &[Port::Publisher];
    const PUBLISHES: &'static [EventType] = &[EventType::of::<OrderCreated>()];
    type Output = Value;

    fn build(ports: &Ports<'_>) -> Result<Self, ShellError> {
        Ok(Self {
            publisher: ports.publisher()?,
        })
    }

    async fn handle(&self, event: LambdaEvent<Value>) -> Result<Value, TaskError> {
        let detail_type = event.payload["detailType"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let outbound = OutboundEvent {
            source: "com.orders".to_owned(),
            detail_type,
            detail: json!({}),
        };
        self.publisher.publish(&[outbound]).await?;
        Ok(Value::Null)
    }
}

/// The publisher a function is given puts only the event types it declares, as its IAM
/// policy allows on AWS: an OrderConfirmed from a function that declares OrderCreated is
/// refused whole (nothing reaches the bus), naming the type.
#[tokio::test]
async fn a_function_publishes_only_the_event_types_it_declares() {
    let adapters = MemoryAdapters::default();
    let vars = environment(&[("EVENT_BUS_NAME", "orders-bus")]);
    let function = build::<Announcer>(&adapters, &vars).expect("builds");
    let put = |detail_type: &str| {
        function.clone().oneshot(LambdaEvent::new(
            json!({"detailType": detail_type}),
            Context::default(),
        ))
    };
    assert!(put("OrderCreated").await.is_ok());
    let refused = put("OrderConfirmed").await.expect_err("refused");
    assert!(
        refused
            .error_message
            .contains("not allowed to put OrderConfirmed"),
        "{refused:?}"
    );
    let published: Vec<String> = adapters
        .publisher
        .published()
        .iter()
        .map(|e| e.detail_type.clone())
        .collect();
    assert_eq!(published, ["OrderCreated"]);
}

/// An item table is handed out by the variable its `Port::Items` names, read by the
/// declared key; any other variable is refused by name, and an unset one as missing.
#[test]
fn an_item_table_is_handed_out_by_its_declared_variable() {
    const LOYALTY: orderly_core::shell::ItemsTable = orderly_core::shell::ItemsTable {
        variable: "LOYALTY_TABLE",
        key: orderly_core::items::KeyNames::partition("customerId"),
    };
    static PORTS: [Port; 1] = [Port::Items(LOYALTY)];
    let adapters = MemoryAdapters::default();
    let vars = environment(&[("LOYALTY_TABLE", "loyalty")]);
    let environment = Environment::from_fn(|name| vars.get(name).cloned());
    let ports = Ports::new("loyalty-points", &PORTS, &[], &adapters, &environment);

    let store = ports.items("LOYALTY_TABLE").expect("declared and set");
    assert_eq!(store.key(), LOYALTY.key);
    assert!(
        adapters
            .items
            .lock()
            .expect("tables")
            .contains_key("loyalty")
    );
    assert_eq!(
        ports.items("OTHER_TABLE").err(),
        Some(ShellError::UndeclaredTable {
            function: "loyalty-points",
            variable: "OTHER_TABLE".to_owned()
        })
    );
    let unset = Environment::from_fn(|_| None);
    let ports = Ports::new("loyalty-points", &PORTS, &[], &adapters, &unset);
    assert_eq!(
        ports.items("LOYALTY_TABLE").err(),
        Some(ShellError::MissingVariable {
            function: "loyalty-points",
            variable: "LOYALTY_TABLE"
        })
    );
}
