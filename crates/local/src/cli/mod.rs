//! One module per subcommand group of the `orderly` CLI.

pub mod chaos;
pub mod demo;
pub mod events;
pub mod input;
pub mod invoke;
pub mod logs;
pub mod serve;
pub mod states;
pub mod template;

/// One thread on paused, auto-advancing time: hours of virtual time (the approval
/// timeout) pass at once, and a run does the same things in the same order every time.
pub fn paused_runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
}
