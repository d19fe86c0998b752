//! Why a template cannot be loaded. Every error names where in the template it is
//! (`Resource.Properties.Property`), so a person can go straight to the line.

use std::path::PathBuf;

/// A template the local cloud cannot run.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not valid YAML: {message}")]
    Yaml { path: PathBuf, message: String },
    /// Something the local cloud cannot emulate.
    #[error("{location}: unsupported{}", detail_suffix(.detail))]
    Unsupported { location: String, detail: String },
    /// Something that would not deploy on AWS either (a wrong type, a missing property).
    #[error("{location}: {message}")]
    Invalid { location: String, message: String },
    #[error("{location}: reference to unknown {target}")]
    UnknownReference { location: String, target: String },
    #[error("parameter {name}: {message}")]
    Parameter { name: String, message: String },
    #[error("{location}: circular dependency through {through}")]
    Cycle { location: String, through: String },
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
