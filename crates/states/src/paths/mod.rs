//! JSONPath-mode data processing: paths, payload templates and ResultPath.

pub mod jsonpath;
pub mod result_path;
pub mod template;

pub use jsonpath::{JsonPath, PathSyntaxError, Root, Scope};
pub use template::{Template, TemplateError};

use serde_json::{Map, Value};

/// A field of an object. Payloads are mostly small objects, where comparing the keys in
/// turn is cheaper than hashing the one looked for; larger ones use the map's index.
pub(crate) fn field<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    const LINEAR_UP_TO: usize = 8;
    if map.len() <= LINEAR_UP_TO {
        map.iter().find(|(k, _)| k.as_str() == key).map(|(_, v)| v)
    } else {
        map.get(key)
    }
}
