//! One module per subcommand group of the `orderly` CLI.

pub mod demo;
pub mod events;
pub mod input;
pub mod invoke;
pub mod logs;
pub mod serve;
pub mod states;
pub mod template;
