//! JSONPath-mode data processing: paths, payload templates and ResultPath.

pub mod jsonpath;
pub mod result_path;
pub mod template;

pub use jsonpath::{JsonPath, PathSyntaxError, Root, Scope};
pub use template::{Template, TemplateError};
