//! The local cloud's runtime: one process holding the bus, the queues, the functions,
//! the state machines and the stores that `template.yaml` declares.

pub mod background;
pub mod bus;
mod bus_policy;
pub mod disk_tables;
pub mod esm;
pub mod executions;
pub mod express;
pub mod faults;
pub mod footprint;
pub mod handlers;
pub mod intake;
pub mod lambda;
pub mod log_filter;
pub mod log_insights;
pub mod log_level;
pub mod logs;
pub mod metrics;
pub mod nested;
pub mod paging;
pub mod pipes;
pub mod process;
pub mod replays;
pub mod retention;
pub mod routing;
pub mod rule_admin;
pub mod schedules;
pub mod sfn;
pub mod streams;
pub mod trace;
pub mod world;
pub mod xray;

use crate::clock::SharedClock;
use crate::sqs::Sqs;
use crate::template::{self, LoadOptions, Model};
use bus::Buses;
use faults::Faults;
use lambda::{FunctionHost, LocalHandler};
use logs::LogStore;
use orderly_states::ExecutionOptions;
use sfn::{LocalTasks, Machine, StepFunctions};
use std::collections::HashMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use tokio::task::{AbortHandle, JoinHandle};
use trace::Trace;
use world::World;

/// Why the cloud could not start; names the resource and property at fault.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The template does not load.
    #[error(transparent)]
    Template(#[from] template::TemplateError),
    /// A state machine's definition CreateStateMachine refuses, with its error code and
    /// message, named by the template resource.
    #[error("{resource}: {code}: {message}")]
    Definition {
        /// The state machine's logical id.
        resource: String,
        /// The CreateStateMachine error code (`InvalidDefinition`).
        code: &'static str,
        /// CreateStateMachine's message.
        message: String,
    },
    /// A resource the runtime cannot build (a queue, a rule's pattern, a function's code).
    #[error("{0}")]
    Unsupported(String),
    /// The log directory cannot be created or written.
    #[error("log directory: {0}")]
    Logs(#[from] std::io::Error),
    /// The inventory seed file cannot be read.
    #[error("inventory seed: {0}")]
    Seed(#[from] world::SeedError),
    /// The tables cannot be created or seeded.
    #[error("tables: {0}")]
    Tables(#[from] orderly_core::memory::table::TableError),
}

/// How to start a cloud.
pub struct CloudOptions {
    /// The `template.yaml` to run.
    pub template: PathBuf,
    /// Parameter overrides and the endpoint, as for [`template::load`].
    pub load: LoadOptions,
    /// The one clock of the cloud: virtual in tests and the demo, the system's in `serve`.
    pub clock: SharedClock,
    /// Where log groups are written as files (`<dir>/<group>.log`); memory only when `None`.
    pub log_dir: Option<PathBuf>,
    /// Print every log line on stdout as well.
    pub echo_logs: bool,
    /// The faults to inject ([`faults::NoFaults`] but in the chaos harness).
    pub faults: Arc<dyn Faults>,
    /// How long closed executions, log lines and trace hops are kept.
    pub retention: retention::Retention,
    /// Where the tables keep their items.
    pub tables: world::TableStorage,
    /// Where the work behind the front door runs, and how much of it may wait.
    pub background: background::Background,
}

impl CloudOptions {
    /// A cloud of `template` as tests and the demo run one: tokio's clock (virtual when the
    /// runtime's time is paused), no faults, log lines in memory only, the default
    /// retention, tables in memory, and the work behind the front door on the caller's
    /// runtime. Change a field with `CloudOptions { faults, ..CloudOptions::new(template) }`.
    pub fn new(template: PathBuf) -> Self {
        Self {
            template,
            load: LoadOptions::default(),
            clock: crate::clock::TokioClock::shared(),
            log_dir: None,
            echo_logs: false,
            faults: Arc::new(faults::NoFaults),
            retention: retention::Retention::default(),
            tables: world::TableStorage::default(),
            background: background::Background::default(),
        }
    }
}

/// Builds the in-process handler of a template function from its code (`CodeUri`).
pub trait HandlerFactory: Send + Sync {
    /// The handler of `function`, or why its code cannot be run here.
    fn build(
        &self,
        function: &template::Function,
        world: &World,
    ) -> Result<Arc<dyn LocalHandler>, String>;
}

/// Everything a running cloud holds. Services reach each other through it.
pub struct CloudInner {
    /// Tells clouds of one process apart (in log and trace ids).
    pub id: u64,
    /// The loaded template.
    pub model: Model,
    /// The clock every service reads.
    pub clock: SharedClock,
    /// Every log group's lines.
    pub logs: Arc<LogStore>,
    /// The queues.
    pub sqs: Sqs,
    /// The Kinesis data streams.
    pub kinesis: crate::kinesis::Kinesis,
    /// The buses and their compiled rules.
    pub buses: Buses,
    /// The buses' archives and their replays.
    pub archives: crate::archive::Archives,
    /// The Logs Insights queries run, for GetQueryResults.
    pub queries: crate::server::logs_insights::Queries,
    /// The DynamoDB tables: the template's, over the world's stores, and any made through
    /// the API.
    pub dynamodb: crate::dynamodb::Tables,
    /// EventBridge Scheduler's schedules.
    pub scheduler: crate::scheduler::Schedules,
    /// The functions by logical id.
    pub functions: HashMap<String, Arc<FunctionHost>>,
    /// The state machines and their executions.
    pub sfn: StepFunctions,
    /// The stores the functions' ports write to.
    pub world: World,
    /// The X-Ray-like trace of every hop.
    pub trace: Trace,
    /// Builds the functions' handlers: again, for a fresh execution environment, after a
    /// function's process died.
    pub handlers: Arc<dyn HandlerFactory>,
    /// The faults this cloud injects.
    pub faults: Arc<dyn Faults>,
    /// Background work in flight (deliveries, async invokes, executions, batches).
    pub busy: AtomicUsize,
    /// Background work still running, by key: each task removes itself when it ends, so
    /// keeping track costs the same with ten tasks or ten thousand.
    tasks: Mutex<HashMap<u64, AbortHandle>>,
    next_task: AtomicU64,
    /// The most bytes one task has held before it first ran ([`CloudInner::spawn_in`]).
    pub largest_waiting_task: AtomicUsize,
    /// Long-lived services (pollers).
    services: Mutex<Vec<JoinHandle<()>>>,
    /// Where the work behind the front door runs, and how much of it may wait.
    background: background::Background,
    /// The queues a consumer drains ([`CloudInner::source_queues`]).
    source_queues: std::sync::OnceLock<Vec<Arc<crate::sqs::Queue>>>,
    /// The lanes of the pipes' stream sources, each with its shard: records a lane has not
    /// taken are work in flight, as a queue's messages are.
    pub(crate) stream_watches:
        std::sync::Mutex<Vec<(Arc<crate::kinesis::Shard>, Arc<streams::LaneWatch>)>>,
    /// The executions rule targets may run at once, with a background runtime
    /// ([`background::MAX_TARGET_EXECUTIONS`]).
    execution_slots: Option<Arc<tokio::sync::Semaphore>>,
    /// This cloud's AWS endpoint on a loopback port, for the function processes' SDK
    /// clients ([`CloudInner::aws_endpoint`]); started by the first that needs it.
    endpoint: tokio::sync::OnceCell<String>,
}

/// A running local cloud. Dropping it stops its background work.
pub struct LocalCloud {
    /// The cloud's state, shared with its services and background tasks.
    pub inner: Arc<CloudInner>,
}

static NEXT_CLOUD: AtomicU64 = AtomicU64::new(1);

impl LocalCloud {
    /// Loads the template, builds every resource the runtime emulates, and starts the
    /// event source mappings. Must be called inside a tokio runtime.
    pub fn start(
        options: CloudOptions,
        handlers: Arc<dyn HandlerFactory>,
    ) -> Result<Self, StartError> {
        logs::install();
        let model = template::load(&options.template, &options.load)?;
        let seed = world::read_seed(options.template.parent().unwrap_or(Path::new(".")))?;
        let id = NEXT_CLOUD.fetch_add(1, Ordering::SeqCst);
        let logs = LogStore::new(
            options.clock.clone(),
            options.log_dir.as_deref(),
            options.echo_logs,
            logs::LogRetention::from_groups(
                model.log_groups.values(),
                options.retention.max_log_lines,
            ),
        )?;
        logs::register(id, logs.clone());
        let sqs = Sqs::new(options.clock.clone());
        sqs.create_queues(model.queue_configs())
            .map_err(|e| StartError::Unsupported(format!("queues: {e}")))?;
        let kinesis = crate::kinesis::Kinesis::new(options.clock.clone());
        for stream in model.streams.values() {
            kinesis
                .create_stream(crate::kinesis::StreamConfig::of(stream))
                .map_err(|e| StartError::Unsupported(format!("streams: {e}")))?;
        }
        let buses = Buses::compile(model.rules.values()).map_err(StartError::Unsupported)?;
        let archives = replays::archives_of(
            &model,
            options.clock.clone(),
            options.retention.max_archived_bytes,
        )
        .map_err(StartError::Unsupported)?;
        let tables = world::OpenedTables::open(&options.tables, seed, options.clock.clone())?;
        let mut failure: Option<StartError> = None;
        let inner = Arc::new_cyclic(|weak: &Weak<CloudInner>| {
            let world = World::new(
                weak.clone(),
                tables,
                options.faults.clone(),
                model.template_dir.clone(),
            );
            let mut functions = HashMap::new();
            for function in model.functions.values() {
                match handlers.build(function, &world) {
                    Ok(handler) => {
                        functions.insert(
                            function.logical_id.clone(),
                            Arc::new(FunctionHost::new(function.clone(), handler)),
                        );
                    }
                    Err(e) => {
                        failure.get_or_insert(StartError::Unsupported(format!(
                            "{}.Properties.CodeUri: {e}",
                            function.logical_id
                        )));
                    }
                }
            }
            let tokens = orderly_states::TaskTokens::new();
            let jitter: Option<orderly_states::Jitter> = options.faults.draws_jitter().then(|| {
                let faults = options.faults.clone();
                Arc::new(move || faults.jitter()) as orderly_states::Jitter
            });
            let mut machines = HashMap::new();
            for machine in model.state_machines.values() {
                if let Some(message) = express_refusal(machine) {
                    failure.get_or_insert(StartError::Definition {
                        resource: machine.logical_id.clone(),
                        code: "InvalidDefinition",
                        message,
                    });
                    continue;
                }
                match orderly_states::StateMachine::parse(&machine.definition) {
                    Ok(parsed) => {
                        let parsed = match machine.kind {
                            template::StateMachineType::Express => {
                                parsed.with_duration_cap(express::MAX_DURATION_SECONDS)
                            }
                            template::StateMachineType::Standard => parsed,
                        };
                        let options = ExecutionOptions {
                            state_machine_arn: machine.arn.clone(),
                            region: model.region.clone(),
                            clock: options.clock.clone(),
                            tasks: Arc::new(LocalTasks {
                                cloud: weak.clone(),
                            }),
                            task_tokens: tokens.clone(),
                            jitter: jitter.clone(),
                            ..ExecutionOptions::default()
                        };
                        machines.insert(
                            machine.arn.clone(),
                            Machine {
                                model: machine.clone(),
                                machine: parsed,
                                options,
                            },
                        );
                    }
                    Err(e) => {
                        failure.get_or_insert(StartError::Unsupported(format!(
                            "{}.Properties.DefinitionUri: {e}",
                            machine.logical_id
                        )));
                    }
                }
            }
            CloudInner {
                id,
                model: model.clone(),
                clock: options.clock.clone(),
                logs,
                sqs,
                kinesis,
                buses,
                archives,
                queries: Default::default(),
                dynamodb: Default::default(),
                scheduler: crate::scheduler::Schedules::new(&model.region, &model.account_id),
                functions,
                sfn: StepFunctions {
                    machines,
                    executions: executions::Executions::new(options.retention.executions),
                    tokens,
                    traced: Mutex::new(HashMap::new()),
                    redrive_tokens: Mutex::default(),
                },
                world,
                trace: Trace::new(options.retention.trace),
                faults: options.faults.clone(),
                handlers: handlers.clone(),
                busy: AtomicUsize::new(0),
                tasks: Mutex::new(HashMap::new()),
                next_task: AtomicU64::new(0),
                largest_waiting_task: AtomicUsize::new(0),
                services: Mutex::new(Vec::new()),
                background: options.background.clone(),
                source_queues: std::sync::OnceLock::new(),
                stream_watches: std::sync::Mutex::new(Vec::new()),
                endpoint: tokio::sync::OnceCell::new(),
                execution_slots: options.background.runtime.as_ref().map(|_| {
                    Arc::new(tokio::sync::Semaphore::new(
                        background::MAX_TARGET_EXECUTIONS,
                    ))
                }),
            }
        });
        if let Some(e) = failure {
            logs::unregister(id);
            return Err(e);
        }
        if let Err(e) = crate::dynamodb::template_tables::register(
            &inner.dynamodb,
            &inner.model,
            &inner.world.stores,
            match &inner.world.disk {
                Some(disk) => disk,
                None => &orderly_core::memory::table::MemoryTables,
            },
            &inner.clock,
        ) {
            logs::unregister(id);
            return Err(StartError::Unsupported(format!("tables: {e}")));
        }
        inner.start_event_source_mappings();
        inner.start_stream_mappings();
        inner.start_pipes();
        if let Err(e) = inner.start_schedules() {
            logs::unregister(id);
            return Err(StartError::Unsupported(format!("schedules: {e}")));
        }
        Ok(Self { inner })
    }

    /// Waits until no work is in flight and every source queue is drained (DLQs aside),
    /// or until `done` holds, polling on the wall clock.
    pub async fn settle(
        &self,
        timeout: std::time::Duration,
        done: impl Fn(&CloudInner) -> bool,
    ) -> bool {
        let started = orderly_core::clock::Stopwatch::start();
        let mut quiet_rounds = 0;
        while started.elapsed() < timeout {
            if done(&self.inner) {
                return true;
            }
            if self.inner.is_idle() {
                quiet_rounds += 1;
                if quiet_rounds >= 3 {
                    return done(&self.inner);
                }
            } else {
                quiet_rounds = 0;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        false
    }
}

/// What CreateStateMachine would answer an Express machine whose definition uses an
/// integration pattern Express workflows do not support; `None` for any other machine.
fn express_refusal(machine: &template::StateMachine) -> Option<String> {
    if machine.kind != template::StateMachineType::Express {
        return None;
    }
    let definition = serde_json::from_str(&machine.definition).ok()?;
    express::unsupported_integration(&definition)
}

impl Drop for LocalCloud {
    fn drop(&mut self) {
        for (_, task) in self
            .inner
            .tasks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drain()
        {
            task.abort();
        }
        for service in self
            .inner
            .services
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drain(..)
        {
            service.abort();
        }
        logs::unregister(self.inner.id);
    }
}

impl CloudInner {
    /// Runs background work that counts as "in flight" until it ends, behind the front
    /// door ([`background::Lane::Background`]). `work` makes the work's future when the
    /// task first runs ([`CloudInner::spawn_in`]).
    pub fn spawn<F>(self: &Arc<Self>, work: impl FnOnce() -> F + Send + 'static)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.spawn_in(work, background::Lane::Background);
    }

    /// Runs work, counted as in flight until it ends, in `lane`.
    ///
    /// The task holds `work`, the closure, until it first runs; only then is the work's
    /// future made, on the heap. An async function's future is as large as its largest
    /// state (a rule delivery's was 4.4 KB, an execution's 11 KB), and under a burst the
    /// background lane's tasks wait behind the front door by the hundred thousand: a
    /// waiting task then holds what it captured (tens of bytes and the payload), not that
    /// space, and the front door does not pay for the pages it would fill.
    pub fn spawn_in<F>(
        self: &Arc<Self>,
        work: impl FnOnce() -> F + Send + 'static,
        lane: background::Lane,
    ) where
        F: Future<Output = ()> + Send + 'static,
    {
        self.busy.fetch_add(1, Ordering::SeqCst);
        let key = self.next_task.fetch_add(1, Ordering::Relaxed);
        let cloud = Arc::downgrade(self);
        // Registered before the task can run: the task's own removal always finds it.
        let mut tasks = self.tasks.lock().unwrap_or_else(|p| p.into_inner());
        let counted = async move {
            Box::pin(work()).await;
            if let Some(cloud) = cloud.upgrade() {
                cloud
                    .tasks
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .remove(&key);
                cloud.busy.fetch_sub(1, Ordering::SeqCst);
            }
        };
        self.largest_waiting_task
            .fetch_max(std::mem::size_of_val(&counted), Ordering::Relaxed);
        let handle = match (lane, &self.background.runtime) {
            (background::Lane::Background, Some(runtime)) => runtime.spawn(counted),
            _ => tokio::spawn(counted),
        };
        tasks.insert(key, handle.abort_handle());
    }

    /// The URL of this cloud's AWS endpoint (`orderly serve`'s wire protocols) on a
    /// loopback port of its own, started the first time it is asked for: what a function
    /// process's SDK clients call.
    pub async fn aws_endpoint(self: &Arc<Self>) -> std::io::Result<String> {
        self.endpoint
            .get_or_try_init(|| async {
                let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
                let address = listener.local_addr()?;
                let cloud = self.clone();
                self.spawn_service(async move {
                    crate::server::serve(listener, cloud, Default::default()).await;
                });
                Ok(format!("http://{address}"))
            })
            .await
            .cloned()
    }

    /// Runs a long-lived service (a poller) that does not count as in flight, behind the
    /// front door.
    pub fn spawn_service(self: &Arc<Self>, work: impl Future<Output = ()> + Send + 'static) {
        let handle = match &self.background.runtime {
            Some(runtime) => runtime.spawn(work),
            None => tokio::spawn(work),
        };
        self.services
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(handle);
    }

    /// Waits while the backlog is at the cloud's bound, so a front door request adds to it
    /// only when there is room (see [`background`]). Returns at once without a bound.
    pub async fn admit(&self) {
        let Some(limit) = self.background.max_backlog else {
            return;
        };
        // A short poll rather than a wake-up per finished task: waiting is the rare path,
        // and the finishing tasks, the hot one, then pay nothing for it.
        while self.backlog() >= limit {
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
    }

    /// The work waiting behind the front door: tasks in flight and the messages of the
    /// source queues (a delivery to a queue ends once the message is in it, and the
    /// message waits there for its consumer).
    pub fn backlog(&self) -> usize {
        self.busy.load(Ordering::SeqCst)
            + self.source_queues().iter().map(|q| q.len()).sum::<usize>()
    }

    /// No work in flight and nothing waiting in a source queue.
    pub fn is_idle(&self) -> bool {
        self.busy.load(Ordering::SeqCst) == 0
            && self.source_queues().iter().all(|q| q.is_empty())
            && self
                .stream_watches
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .iter()
                .all(|(shard, watch)| watch.is_idle_at(shard.tip()))
    }

    /// The queues a consumer drains: every queue of the template but the dead-letter
    /// ones, found once (queues are the template's; none is created later).
    fn source_queues(&self) -> &[Arc<crate::sqs::Queue>] {
        self.source_queues.get_or_init(|| self.find_source_queues())
    }

    fn find_source_queues(&self) -> Vec<Arc<crate::sqs::Queue>> {
        let dlqs: Vec<String> = self
            .model
            .queues
            .values()
            .filter_map(|q| q.redrive.as_ref().map(|r| r.dead_letter_queue.clone()))
            .collect();
        self.model
            .queues
            .values()
            .filter(|q| {
                !dlqs.contains(&q.logical_id)
                    && !q.name.ends_with("-dlq")
                    && !q.logical_id.ends_with("Dlq")
            })
            .filter_map(|q| self.sqs.queue(&q.name).ok())
            .collect()
    }
}
