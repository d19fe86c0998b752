//! `orderly new consumer`: a queue-fed consumer of one bus event, as one crate under
//! `functions/`, one sample event and one block of `template.yaml`, and nothing else. The
//! local cloud runs the crate as a process without a line naming it
//! ([`crate::runtime::process`]); the block's unit (`units/event-queue.yaml`) brings its
//! queue, dead-letter queue, rule, alarms, log group and dashboard.

mod crate_files;
mod names;
mod sample;
mod template_block;

pub use names::Names;

use std::path::{Path, PathBuf};

/// What to scaffold.
#[derive(Debug, Clone)]
pub struct ConsumerSpec {
    /// The crate, binary and function short name: lower case, digits and `-`.
    pub name: String,
    /// The bus event it consumes (`detail-type`).
    pub event: String,
    /// Whether it keeps a table of its own (one item per order).
    pub table: bool,
}

/// Why a consumer could not be scaffolded.
#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    /// The name cannot be a crate, binary and function name at once.
    #[error(
        "invalid consumer name {0:?}: 2 to 40 characters of a-z, 0-9 and -, starting with a \
         letter and not ending with -"
    )]
    InvalidName(String),
    /// Something of that name exists already.
    #[error("{0} exists already: choose another name")]
    Exists(String),
    /// No sample of the event to start from.
    #[error(
        "no sample of {event} under events/lambda to start the consumer's sample event from \
         (the samples hold: {known}); write one first"
    )]
    NoSample {
        /// The event asked for.
        event: String,
        /// The events the samples hold.
        known: String,
    },
    /// The template has no place for the block.
    #[error("template.yaml: {0}")]
    Template(String),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ScaffoldError + '_ {
    move |source| ScaffoldError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Lays out the crate's Rust files as `cargo fmt` does (with the workspace's rustfmt
/// settings, which rustfmt finds above them): line breaks depend on the consumer's name, so
/// they are left to rustfmt rather than written out here. Without rustfmt on the PATH the
/// files stay as written and `cargo fmt` lays them out later.
fn format_sources(crate_dir: &Path, files: &[(&str, String)]) {
    let sources = files
        .iter()
        .filter(|(relative, _)| relative.ends_with(".rs"))
        .map(|(relative, _)| crate_dir.join(relative));
    let formatted = std::process::Command::new("rustfmt")
        .args(["--edition", "2024"])
        .args(sources)
        .status();
    if !formatted.is_ok_and(|status| status.success()) {
        eprintln!(
            "rustfmt did not run on {}: run cargo fmt",
            crate_dir.display()
        );
    }
}

/// Writes the consumer into the workspace at `root` and answers the files written or
/// changed, relative to it. Nothing is written when anything is wrong.
pub fn new_consumer(root: &Path, spec: &ConsumerSpec) -> Result<Vec<PathBuf>, ScaffoldError> {
    let names = Names::of(&spec.name)?;
    let crate_dir = root.join("functions").join(&names.name);
    if crate_dir.exists() {
        return Err(ScaffoldError::Exists(format!("functions/{}", names.name)));
    }
    let sample_path = root
        .join("events/lambda")
        .join(format!("{}.json", names.name));
    if sample_path.exists() {
        return Err(ScaffoldError::Exists(format!(
            "events/lambda/{}.json",
            names.name
        )));
    }
    let template_path = root.join("template.yaml");
    let template = std::fs::read_to_string(&template_path).map_err(io(&template_path))?;
    let sample = sample::derive(&root.join("events/lambda"), &spec.event, &names)?;
    let block = template_block::block(&names, spec, &sample.source, &sample.version);
    let updated = template_block::insert(&template, &names, &block)?;

    let files = crate_files::files(&names, spec);
    for (relative, text) in &files {
        let path = crate_dir.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        std::fs::write(&path, text).map_err(io(&path))?;
    }
    format_sources(&crate_dir, &files);
    std::fs::write(&sample_path, sample.text).map_err(io(&sample_path))?;
    std::fs::write(&template_path, updated).map_err(io(&template_path))?;
    let mut written: Vec<PathBuf> = files
        .iter()
        .map(|(relative, _)| Path::new("functions").join(&names.name).join(relative))
        .collect();
    written.push(Path::new("events/lambda").join(format!("{}.json", names.name)));
    written.push(PathBuf::from("template.yaml"));
    Ok(written)
}
