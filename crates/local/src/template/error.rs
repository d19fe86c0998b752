//! Why a template cannot be loaded. Every error names where in the template it is
//! (`Resource.Properties.Property`), so a person can go straight to the line.

use std::path::PathBuf;

/// A template the local cloud cannot run.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    /// The template file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The read's error.
        source: std::io::Error,
    },
    /// The file is not YAML.
    #[error("{path}: not valid YAML: {message}")]
    Yaml {
        /// The file.
        path: PathBuf,
        /// The parser's message, with its line.
        message: String,
    },
    /// Something the local cloud cannot emulate.
    #[error("{location}: unsupported{}", detail_suffix(.detail))]
    Unsupported {
        /// Where in the template (`Resource.Properties.Property`).
        location: String,
        /// What exactly, or empty.
        detail: String,
    },
    /// Something that would not deploy on AWS either (a wrong type, a missing property).
    #[error("{location}: {message}")]
    Invalid {
        /// Where in the template.
        location: String,
        /// What is wrong.
        message: String,
    },
    /// A reference names a parameter, resource or condition the template does not
    /// declare.
    #[error("{location}: reference to unknown {target}")]
    UnknownReference {
        /// Where the reference is.
        location: String,
        /// What it names.
        target: String,
    },
    /// A parameter has no value, or a value its declaration does not allow.
    #[error("parameter {name}: {message}")]
    Parameter {
        /// The parameter's name.
        name: String,
        /// What is wrong with its value.
        message: String,
    },
    /// Resolving a value leads back to itself.
    #[error("{location}: circular dependency through {through}")]
    Cycle {
        /// Where the loop was found.
        location: String,
        /// What the loop passes through, e.g. `condition IsProd`.
        through: String,
    },
}

fn detail_suffix(detail: &str) -> String {
    if detail.is_empty() {
        String::new()
    } else {
        format!(" ({detail})")
    }
}

impl TemplateError {
    pub(crate) fn unsupported(location: impl Into<String>, detail: impl Into<String>) -> Self {
        TemplateError::Unsupported {
            location: location.into(),
            detail: detail.into(),
        }
    }

    pub(crate) fn invalid(location: impl Into<String>, message: impl Into<String>) -> Self {
        TemplateError::Invalid {
            location: location.into(),
            message: message.into(),
        }
    }
}
