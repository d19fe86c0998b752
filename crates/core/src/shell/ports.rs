//! What a function's dependencies are built from: a source of adapters and an environment,
//! checked against the function's declaration.

use super::{Adapters, EventType, Port, ScopedPublisher, Setting};
use crate::clock::SharedClock;
use crate::idempotency::{IdempotencyConfig, IdempotencyEngine};
use crate::items::ItemStore;
use crate::ports::{
    ApprovalTokens, AuditLog, CustomerNotifier, EventPublisher, OrderIntake, OrderTable,
    PaymentGateway, Reminders, ShipmentWriter, StockReservations, TaskCallbacks,
};
use std::sync::Arc;

/// Why a function could not be built. Each names the function and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShellError {
    /// A variable the function needs is unset or empty.
    #[error("{function}: environment variable {variable} is not set (or is empty)")]
    MissingVariable {
        /// The function.
        function: &'static str,
        /// The variable.
        variable: &'static str,
    },
    /// The build asked for a port the declaration does not list.
    #[error("{function}: port {port:?} is not declared in its PORTS")]
    UndeclaredPort {
        /// The function.
        function: &'static str,
        /// The port.
        port: Port,
    },
    /// The build asked for an item table by a variable no `Port::Items` of the
    /// declaration names.
    #[error("{function}: no Port::Items in its PORTS is named by {variable}")]
    UndeclaredTable {
        /// The function.
        function: &'static str,
        /// The variable.
        variable: String,
    },
    /// The build read a variable the declaration does not list.
    #[error("{function}: variable {variable} is not declared in its SETTINGS")]
    UndeclaredSetting {
        /// The function.
        function: &'static str,
        /// The variable.
        variable: String,
    },
    /// A variable's value cannot be used.
    #[error("{function}: {variable} {reason}")]
    InvalidSetting {
        /// The function.
        function: &'static str,
        /// The variable.
        variable: &'static str,
        /// What is wrong with it, without the value when it may be secret.
        reason: String,
    },
}

/// Where a function's variables come from: the process on Lambda, the template's
/// `Environment.Variables` in the local cloud. An empty value counts as unset.
pub struct Environment<'a>(Box<Lookup<'a>>);

/// How an [`Environment`] reads one variable.
type Lookup<'a> = dyn Fn(&str) -> Option<String> + Send + Sync + 'a;

impl<'a> Environment<'a> {
    /// The process environment.
    pub fn process() -> Self {
        Self::from_fn(|name| std::env::var(name).ok())
    }

    /// Variables looked up by `lookup`.
    pub fn from_fn(lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'a) -> Self {
        Self(Box::new(lookup))
    }

    /// The value of `name`, `None` when unset or blank.
    pub fn var(&self, name: &str) -> Option<String> {
        (self.0)(name).filter(|value| !value.trim().is_empty())
    }
}

/// The dependencies of one function, handed out port by port as its declaration allows.
pub struct Ports<'a> {
    function: &'static str,
    declared: &'static [Port],
    settings: &'static [Setting],
    publishes: &'static [EventType],
    adapters: &'a dyn Adapters,
    environment: &'a Environment<'a>,
}

impl<'a> Ports<'a> {
    /// The ports of function `function` that declares `declared` and `settings`.
    pub fn new(
        function: &'static str,
        declared: &'static [Port],
        settings: &'static [Setting],
        adapters: &'a dyn Adapters,
        environment: &'a Environment<'a>,
    ) -> Self {
        Self {
            function,
            declared,
            settings,
            publishes: &[],
            adapters,
            environment,
        }
    }

    /// The same ports, whose publisher puts events of the types `publishes` only.
    pub fn publishing(mut self, publishes: &'static [EventType]) -> Self {
        self.publishes = publishes;
        self
    }

    /// The resource name of `port`, once the port is known to be declared.
    fn resource(&self, port: Port) -> Result<String, ShellError> {
        if !self.declared.contains(&port) {
            return Err(ShellError::UndeclaredPort {
                function: self.function,
                port,
            });
        }
        match port.variable() {
            Some(variable) => self
                .environment
                .var(variable)
                .ok_or(ShellError::MissingVariable {
                    function: self.function,
                    variable,
                }),
            None => Ok(String::new()),
        }
    }

    /// The orders table.
    pub fn orders(&self) -> Result<Arc<dyn OrderTable>, ShellError> {
        Ok(self.adapters.orders(&self.resource(Port::Orders)?))
    }
    /// The inventory table.
    pub fn stock(&self) -> Result<Arc<dyn StockReservations>, ShellError> {
        Ok(self.adapters.stock(&self.resource(Port::Stock)?))
    }
    /// The approvals table.
    pub fn approval_tokens(&self) -> Result<Arc<dyn ApprovalTokens>, ShellError> {
        Ok(self
            .adapters
            .approval_tokens(&self.resource(Port::ApprovalTokens)?))
    }
    /// The audit table.
    pub fn audit_log(&self) -> Result<Arc<dyn AuditLog>, ShellError> {
        Ok(self.adapters.audit_log(&self.resource(Port::AuditLog)?))
    }
    /// The shipments table.
    pub fn shipments(&self) -> Result<Arc<dyn ShipmentWriter>, ShellError> {
        Ok(self.adapters.shipments(&self.resource(Port::Shipments)?))
    }
    /// The payment provider, on the payments table.
    pub fn payments(&self) -> Result<Arc<dyn PaymentGateway>, ShellError> {
        Ok(self.adapters.payments(&self.resource(Port::Payments)?))
    }
    /// PutEvents on the bus, for the event types the function declares only.
    pub fn publisher(&self) -> Result<Arc<dyn EventPublisher>, ShellError> {
        let bus = self.adapters.publisher(&self.resource(Port::Publisher)?);
        Ok(Arc::new(ScopedPublisher::new(
            self.function,
            self.publishes,
            bus,
        )))
    }
    /// Step Functions' task-token callbacks.
    pub fn task_callbacks(&self) -> Result<Arc<dyn TaskCallbacks>, ShellError> {
        self.resource(Port::TaskCallbacks)?;
        Ok(self.adapters.task_callbacks())
    }
    /// One-time reminders on the function's bus (none for a function that only cancels
    /// them: it declares no publisher). What a reminder may put is the scheduler role's to
    /// allow (its IAM policy), not the function's.
    pub fn reminders(&self) -> Result<Arc<dyn Reminders>, ShellError> {
        let bus = if self.declared.contains(&Port::Publisher) {
            self.resource(Port::Publisher)?
        } else {
            String::new()
        };
        Ok(self
            .adapters
            .reminders(&self.resource(Port::Reminders)?, &bus))
    }
    /// Customer notifications.
    pub fn notifier(&self) -> Result<Arc<dyn CustomerNotifier>, ShellError> {
        self.resource(Port::Notifier)?;
        Ok(self.adapters.notifier())
    }
    /// The table the declared `Port::Items` of `variable` names, as an item store read
    /// by the declared key.
    pub fn items(&self, variable: &str) -> Result<Arc<dyn ItemStore>, ShellError> {
        let table = self
            .declared
            .iter()
            .find_map(|port| match port {
                Port::Items(table) if table.variable == variable => Some(*table),
                _ => None,
            })
            .ok_or_else(|| ShellError::UndeclaredTable {
                function: self.function,
                variable: variable.to_owned(),
            })?;
        let name = self.resource(Port::Items(table))?;
        Ok(self.adapters.items(&name, table.key))
    }
    /// The order-intake state machine.
    pub fn order_intake(&self) -> Result<Arc<dyn OrderIntake>, ShellError> {
        Ok(self
            .adapters
            .order_intake(&self.resource(Port::OrderIntake)?))
    }
    /// The idempotency engine of `config` on the idempotency table, reading the source's
    /// clock.
    pub fn idempotency(&self, config: IdempotencyConfig) -> Result<IdempotencyEngine, ShellError> {
        let store = self
            .adapters
            .idempotency_store(&self.resource(Port::Idempotency)?);
        Ok(IdempotencyEngine::new(config, store).with_clock(self.adapters.clock()))
    }
    /// The one clock of the source.
    pub fn clock(&self) -> SharedClock {
        self.adapters.clock()
    }

    /// The value of a declared setting: `None` when an optional one is unset; an error
    /// naming the variable when a required one is.
    pub fn setting(&self, name: &str) -> Result<Option<String>, ShellError> {
        let Some(setting) = self.settings.iter().find(|s| s.name == name) else {
            return Err(ShellError::UndeclaredSetting {
                function: self.function,
                variable: name.to_owned(),
            });
        };
        match self.environment.var(setting.name) {
            None if setting.required => Err(ShellError::MissingVariable {
                function: self.function,
                variable: setting.name,
            }),
            value => Ok(value),
        }
    }

    /// A declared setting parsed by `parse`, whose error says what is wrong; `None` when an
    /// optional setting is unset.
    pub fn parsed<T, E: std::fmt::Display>(
        &self,
        name: &'static str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<Option<T>, ShellError> {
        self.setting(name)?
            .map(|text| {
                parse(&text).map_err(|e| ShellError::InvalidSetting {
                    function: self.function,
                    variable: name,
                    reason: e.to_string(),
                })
            })
            .transpose()
    }
}
