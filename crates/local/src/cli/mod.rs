//! One module per subcommand group of the `orderly` CLI.

pub mod chaos;
pub mod demo;
pub mod events;
pub mod input;
pub mod invoke;
pub mod logs;
pub mod new;
pub mod serve;
pub mod states;
pub mod template;

/// Where a command's cloud keeps its tables, as `--tables` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TablesKind {
    /// In process memory: fastest; memory grows with the items written.
    Memory,
    /// In SQLite files in the temporary directory, unlinked once open so they go with
    /// the process: memory stays flat however many orders pass.
    Disk,
}

impl TablesKind {
    /// The storage of this kind; a disk file's directory goes under `parent`.
    pub fn storage(
        self,
        parent: Option<std::path::PathBuf>,
    ) -> orderly_local::runtime::world::TableStorage {
        use orderly_local::runtime::world::TableStorage;
        match self {
            Self::Memory => TableStorage::Memory,
            Self::Disk => TableStorage::Disk { parent },
        }
    }
}

/// One thread on paused, auto-advancing time: hours of virtual time (the approval
/// timeout) pass at once, and a run does the same things in the same order every time.
pub fn paused_runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
}

/// [`paused_runtime`] for a command; `None` once stderr says why it cannot start.
pub fn command_runtime() -> Option<tokio::runtime::Runtime> {
    paused_runtime()
        .inspect_err(|e| eprintln!("cannot start the runtime: {e}"))
        .ok()
}

/// A fresh local cloud of `template`, run from the current directory, for a command;
/// `None` once stderr names the template and why it cannot start. Call it inside the
/// runtime.
pub fn command_cloud(template: &std::path::Path) -> Option<orderly_local::runtime::LocalCloud> {
    let mut env = orderly_local::scenarios::ScenarioEnv::at(".");
    env.template = template.to_path_buf();
    orderly_local::scenarios::start_cloud(&env)
        .inspect_err(|e| eprintln!("{}: {e}", template.display()))
        .ok()
}
