//! The scenarios of `events/put-events`, each run on a fresh local cloud: what it puts on
//! the bus, how long to wait, and the outcome it expects, checked by code. The demo prints
//! them; the end-to-end tests assert them.
//!
//! - `table`: which scenarios there are ([`all`]) and what each is named for;
//! - `runner`: one scenario on a fresh cloud ([`run`], [`run_all`]): its events, then
//!   virtual time until the cloud settles, then the checks, into an [`Outcome`];
//! - `front_door`: `POST /orders` as a signing client calls it, answered in process;
//! - `recovery`: a consumer's outage, the DLQ redrive and the archive replay after it;
//! - `streaming`: the order stream's windows counted by order-analytics, and a poison
//!   record split out to its destination;
//! - `checks`: what each scenario must leave behind, and the readers of a finished cloud
//!   (final states, dead letters) the demo's summary shares.

mod checks;
pub mod front_door;
mod outbox;
pub mod recovery;
mod runner;
pub mod streaming;
mod table;

pub use checks::{
    DeadLetter, dead_letter_reason, dead_letters, executions_of, final_state, is_dead_letter_queue,
};
pub use runner::{
    Outcome, SCENARIO_TIMEOUT, ScenarioEnv, ScenarioError, ScenarioRun, entries, run, run_all,
    settled, start_cloud, start_cloud_retaining, start_cloud_with, wait_until,
};
pub use table::{Kind, POISON_BODY, Scenario, all, by_name};
