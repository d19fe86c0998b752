//! Reading JSON objects as payloads shape them: mostly small. Shared by JSONPath and
//! the paths inside intrinsic functions, which neither owns.

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
