//! One module per subcommand group of the `orderly` CLI.

pub mod events;
pub mod input;
pub mod serve;
pub mod states;
