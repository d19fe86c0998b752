//! What changed between two versions of a contract's JSON Schema, for the compatibility
//! check of the event catalog (`docs/versioning.md`).
//!
//! A published version of a contract is frozen: Orderly's readers are strict (an unknown
//! field, a missing one or a wrong type sends the event to its DLQ with the reason, rather
//! than half-reading it), so every change to the set of documents a schema accepts can
//! break a reader that is still on the old schema, or a new reader replaying old events
//! from the archive. Only annotations (descriptions, titles, examples) may change within a
//! version; anything else is a [`Change`], and needs a new version published beside the old.
//!
//! Schemas are compared as schemars writes them (draft-07): `$ref`s into `definitions` are
//! followed, and a one-element `allOf` (how schemars attaches a description to a reference)
//! is the schema it holds.

use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::fmt;

/// Keywords that describe a schema without changing what it accepts.
const ANNOTATIONS: &[&str] = &[
    "description",
    "title",
    "examples",
    "default",
    "$comment",
    "$schema",
    "definitions",
    "$defs",
    "deprecated",
    "readOnly",
    "writeOnly",
];

/// Keywords compared member by member rather than as one value.
const STRUCTURAL: &[&str] = &[
    "$ref",
    "allOf",
    "properties",
    "required",
    "type",
    "enum",
    "items",
    "anyOf",
    "oneOf",
];

/// One difference between an old and a new schema; every one is breaking. `path` is the
/// value's place in the document (`data.lines[].sku`; `<anyOf[1]>` names a branch), `from`
/// and `to` the old and new keyword values as JSON text, or `absent`.
#[allow(missing_docs)] // the fields are the ones described above, in every variant
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A property the old schema had is gone.
    Removed { path: String },
    /// A property the old schema did not have; `required` when documents must carry it.
    Added { path: String, required: bool },
    /// A property that was optional must now be present.
    NowRequired { path: String },
    /// A property that was always present may now be absent.
    NoLongerRequired { path: String },
    /// The JSON type (or types) of a value changed.
    TypeChanged {
        path: String,
        from: String,
        to: String,
    },
    /// The values an enumeration allows changed.
    EnumChanged {
        path: String,
        added: Vec<String>,
        removed: Vec<String>,
    },
    /// Another validation keyword changed (`format`, `minimum`, `additionalProperties`,
    /// the number of `anyOf` branches, …), or appeared, or went.
    Keyword {
        path: String,
        keyword: String,
        from: String,
        to: String,
    },
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::Removed { path } => write!(f, "{path}: removed"),
            Change::Added {
                path,
                required: true,
            } => write!(f, "{path}: added, required"),
            Change::Added { path, .. } => write!(f, "{path}: added"),
            Change::NowRequired { path } => write!(f, "{path}: now required"),
            Change::NoLongerRequired { path } => write!(f, "{path}: no longer required"),
            Change::TypeChanged { path, from, to } => write!(f, "{path}: type {from} -> {to}"),
            Change::EnumChanged {
                path,
                added,
                removed,
            } => {
                write!(f, "{path}: enum")?;
                if !added.is_empty() {
                    write!(f, " gains {}", added.join(", "))?;
                }
                if !removed.is_empty() {
                    let sep = if added.is_empty() { "" } else { ";" };
                    write!(f, "{sep} loses {}", removed.join(", "))?;
                }
                Ok(())
            }
            Change::Keyword {
                path,
                keyword,
                from,
                to,
            } => write!(f, "{path}: {keyword} {from} -> {to}"),
        }
    }
}

/// Every difference between `old` and `new` (whole schemas, each with its own
/// `definitions`), in document order; empty when only annotations differ.
pub fn changes(old: &Value, new: &Value) -> Vec<Change> {
    let mut out = Vec::new();
    let old = Side::new(old);
    let new = Side::new(new);
    compare(
        &old,
        old.root,
        &new,
        new.root,
        "",
        &mut out,
        &mut Vec::new(),
    );
    out
}

/// How many references in a row (a `$ref` to a `$ref`, or to a one-element `allOf`)
/// [`Side::resolve`] follows: a cycle of bare references stops there.
const MAX_HOPS: usize = 32;

/// The pairs of (old, new) schemas being compared on the way down to the current one, by
/// address: a recursive type meets its own pair again and stops there, once, rather than
/// being followed down every branch.
type Stack = Vec<(*const Value, *const Value)>;

struct Side<'a> {
    root: &'a Value,
    definitions: Option<&'a Map<String, Value>>,
}

impl<'a> Side<'a> {
    fn new(root: &'a Value) -> Self {
        let definitions = root
            .get("definitions")
            .or_else(|| root.get("$defs"))
            .and_then(Value::as_object);
        Side { root, definitions }
    }

    /// The schema itself, with references followed and one-element `allOf`s unwrapped.
    fn resolve(&self, mut schema: &'a Value) -> &'a Value {
        for _ in 0..MAX_HOPS {
            if let Some(target) = schema.get("$ref").and_then(Value::as_str) {
                let name = target
                    .strip_prefix("#/definitions/")
                    .or_else(|| target.strip_prefix("#/$defs/"));
                match name.and_then(|n| self.definitions.and_then(|d| d.get(n))) {
                    Some(found) => schema = found,
                    None => return schema,
                }
            } else if let Some([only]) = schema
                .get("allOf")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
            {
                schema = only;
            } else {
                return schema;
            }
        }
        schema
    }
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

fn at(path: &str) -> String {
    if path.is_empty() {
        "(the document)".to_owned()
    } else {
        path.to_owned()
    }
}

fn compare(
    old_side: &Side<'_>,
    old: &Value,
    new_side: &Side<'_>,
    new: &Value,
    path: &str,
    out: &mut Vec<Change>,
    stack: &mut Stack,
) {
    let old = old_side.resolve(old);
    let new = new_side.resolve(new);
    let pair = (std::ptr::from_ref(old), std::ptr::from_ref(new));
    if stack.contains(&pair) {
        return;
    }
    stack.push(pair);
    compare_resolved(old_side, old, new_side, new, path, out, stack);
    stack.pop();
}

fn compare_resolved(
    old_side: &Side<'_>,
    old: &Value,
    new_side: &Side<'_>,
    new: &Value,
    path: &str,
    out: &mut Vec<Change>,
    stack: &mut Stack,
) {
    let (Some(o), Some(n)) = (old.as_object(), new.as_object()) else {
        // `true`/`false` schemas, or anything schemars does not write: compared whole.
        if old != new {
            out.push(Change::Keyword {
                path: at(path),
                keyword: "schema".to_owned(),
                from: old.to_string(),
                to: new.to_string(),
            });
        }
        return;
    };

    let types = |m: &Map<String, Value>| -> Option<BTreeSet<String>> {
        match m.get("type")? {
            Value::String(t) => Some(BTreeSet::from([t.clone()])),
            Value::Array(ts) => Some(
                ts.iter()
                    .map(|t| t.as_str().unwrap_or_default().to_owned())
                    .collect(),
            ),
            other => Some(BTreeSet::from([other.to_string()])),
        }
    };
    let (ot, nt) = (types(o), types(n));
    if ot != nt {
        let show = |t: &Option<BTreeSet<String>>| match t {
            None => "any".to_owned(),
            Some(set) => set.iter().cloned().collect::<Vec<_>>().join("|"),
        };
        out.push(Change::TypeChanged {
            path: at(path),
            from: show(&ot),
            to: show(&nt),
        });
    }

    compare_properties(old_side, o, new_side, n, path, out, stack);
    compare_enum(o, n, path, out);

    match (o.get("items"), n.get("items")) {
        (Some(oi), Some(ni)) => {
            compare(old_side, oi, new_side, ni, &format!("{path}[]"), out, stack)
        }
        (None, None) => {}
        (oi, ni) => keyword(out, path, "items", oi, ni),
    }
    for branches in ["anyOf", "oneOf"] {
        match (
            o.get(branches).and_then(Value::as_array),
            n.get(branches).and_then(Value::as_array),
        ) {
            (Some(ob), Some(nb)) if ob.len() == nb.len() => {
                for (i, (a, b)) in ob.iter().zip(nb).enumerate() {
                    let branch = format!("{path}<{branches}[{i}]>");
                    compare(old_side, a, new_side, b, &branch, out, stack);
                }
            }
            (None, None) => {}
            (ob, nb) => out.push(Change::Keyword {
                path: at(path),
                keyword: branches.to_owned(),
                from: ob.map_or("absent".to_owned(), |b| format!("{} branches", b.len())),
                to: nb.map_or("absent".to_owned(), |b| format!("{} branches", b.len())),
            }),
        }
    }

    // Every other validation keyword, whole: `format`, bounds, `additionalProperties`, …
    let others: BTreeSet<&String> = o
        .keys()
        .chain(n.keys())
        .filter(|k| !ANNOTATIONS.contains(&k.as_str()) && !STRUCTURAL.contains(&k.as_str()))
        .collect();
    for k in others {
        let (a, b) = (o.get(k), n.get(k));
        if a != b {
            keyword(out, path, k, a, b);
        }
    }
}

fn keyword(
    out: &mut Vec<Change>,
    path: &str,
    keyword: &str,
    old: Option<&Value>,
    new: Option<&Value>,
) {
    let show = |v: Option<&Value>| v.map_or("absent".to_owned(), Value::to_string);
    out.push(Change::Keyword {
        path: at(path),
        keyword: keyword.to_owned(),
        from: show(old),
        to: show(new),
    });
}

fn required(m: &Map<String, Value>) -> BTreeSet<&str> {
    m.get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

fn compare_properties(
    old_side: &Side<'_>,
    o: &Map<String, Value>,
    new_side: &Side<'_>,
    n: &Map<String, Value>,
    path: &str,
    out: &mut Vec<Change>,
    stack: &mut Stack,
) {
    let empty = Map::new();
    let op = o
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let np = n
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let (or, nr) = (required(o), required(n));
    for (name, old_schema) in op {
        let here = join(path, name);
        match np.get(name) {
            None => out.push(Change::Removed { path: here }),
            Some(new_schema) => {
                match (or.contains(name.as_str()), nr.contains(name.as_str())) {
                    (false, true) => out.push(Change::NowRequired { path: here.clone() }),
                    (true, false) => out.push(Change::NoLongerRequired { path: here.clone() }),
                    _ => {}
                }
                compare(
                    old_side, old_schema, new_side, new_schema, &here, out, stack,
                );
            }
        }
    }
    for name in np.keys().filter(|k| !op.contains_key(*k)) {
        out.push(Change::Added {
            path: join(path, name),
            required: nr.contains(name.as_str()),
        });
    }
    // A name required without a property schema (schemars never writes one, but a
    // hand-written schema may): its requirement is compared on its own.
    for name in nr
        .difference(&or)
        .filter(|k| !np.contains_key(**k) && !op.contains_key(**k))
    {
        out.push(Change::NowRequired {
            path: join(path, name),
        });
    }
    for name in or
        .difference(&nr)
        .filter(|k| !np.contains_key(**k) && !op.contains_key(**k))
    {
        out.push(Change::NoLongerRequired {
            path: join(path, name),
        });
    }
}

fn compare_enum(o: &Map<String, Value>, n: &Map<String, Value>, path: &str, out: &mut Vec<Change>) {
    let values = |m: &Map<String, Value>| -> Option<BTreeSet<String>> {
        m.get("enum")
            .and_then(Value::as_array)
            .map(|vs| vs.iter().map(Value::to_string).collect())
    };
    match (values(o), values(n)) {
        (None, None) => {}
        (ov, nv) => {
            let (ov, nv) = (ov.unwrap_or_default(), nv.unwrap_or_default());
            if ov != nv {
                out.push(Change::EnumChanged {
                    path: at(path),
                    added: nv.difference(&ov).cloned().collect(),
                    removed: ov.difference(&nv).cloned().collect(),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(data: Value) -> Value {
        json!({
            "type": "object",
            "properties": {"data": {"allOf": [{"$ref": "#/definitions/D"}], "description": "x"}},
            "required": ["data"],
            "definitions": {"D": data}
        })
    }

    fn base() -> Value {
        json!({
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "orderId": {"type": "string", "description": "The order."},
                "total": {"type": "integer", "format": "int64"},
                "note": {"type": ["string", "null"]},
                "reason": {"type": "string", "enum": ["A", "B"]},
                "lines": {"type": "array", "items": {"type": "object", "properties": {"sku": {"type": "string"}}, "required": ["sku"]}}
            },
            "required": ["orderId", "total", "reason", "lines"]
        })
    }

    fn with(edit: impl FnOnce(&mut Value)) -> Vec<String> {
        let mut new = base();
        edit(&mut new);
        changes(&doc(base()), &doc(new))
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn annotations_alone_are_no_change() {
        assert!(
            with(|d| {
                d["properties"]["orderId"]["description"] = json!("Reworded.");
                d["title"] = json!("T");
                d["properties"]["total"]["examples"] = json!([1]);
            })
            .is_empty()
        );
        assert!(changes(&doc(base()), &doc(base())).is_empty());
    }

    #[test]
    fn each_kind_of_change_is_named_with_its_path() {
        assert_eq!(
            with(|d| {
                d["properties"].as_object_mut().unwrap().remove("orderId");
            }),
            ["data.orderId: removed"]
        );
        assert_eq!(
            with(|d| d["properties"]["total"]["type"] = json!("string")),
            ["data.total: type integer -> string"]
        );
        assert_eq!(
            with(|d| {
                d["properties"]["extra"] = json!({"type": "string"});
            }),
            ["data.extra: added"]
        );
        assert_eq!(
            with(|d| {
                d["properties"]["extra"] = json!({"type": "string"});
                d["required"].as_array_mut().unwrap().push(json!("extra"));
            }),
            ["data.extra: added, required"]
        );
        assert_eq!(
            with(|d| d["required"].as_array_mut().unwrap().push(json!("note"))),
            ["data.note: now required"]
        );
        assert_eq!(
            with(|d| d["required"] = json!(["total", "reason", "lines"])),
            ["data.orderId: no longer required"]
        );
        assert_eq!(
            with(|d| d["properties"]["reason"]["enum"] = json!(["A", "C"])),
            [r#"data.reason: enum gains "C"; loses "B""#]
        );
        assert_eq!(
            with(|d| d["properties"]["total"]["format"] = json!("int32")),
            [r#"data.total: format "int64" -> "int32""#]
        );
        assert_eq!(
            with(|d| d["additionalProperties"] = json!(true)),
            ["data: additionalProperties false -> true"]
        );
        assert_eq!(
            with(|d| d["properties"]["note"]["type"] = json!("string")),
            ["data.note: type null|string -> string"]
        );
        assert_eq!(
            with(
                |d| d["properties"]["lines"]["items"]["properties"]["sku"]["type"] =
                    json!("integer")
            ),
            ["data.lines[].sku: type string -> integer"]
        );
    }

    #[test]
    fn a_reference_and_the_schema_it_names_are_the_same() {
        let inline =
            json!({"type": "object", "properties": {"data": base()}, "required": ["data"]});
        assert!(changes(&doc(base()), &inline).is_empty());
    }

    #[test]
    fn a_definition_that_refers_to_itself_twice_is_compared_once() {
        // A tree of nodes: followed down every branch to a fixed depth, the comparison would
        // take 2^depth steps and report one change at every path.
        let tree = json!({
            "$ref": "#/definitions/N",
            "definitions": {"N": {"type": "object", "properties": {
                "left": {"$ref": "#/definitions/N"}, "right": {"$ref": "#/definitions/N"}}}}
        });
        let mut grown = tree.clone();
        grown["definitions"]["N"]["properties"]["label"] = json!({"type": "string"});
        let found: Vec<String> = changes(&tree, &grown)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(found, ["label: added"]);
    }

    #[test]
    fn a_recursive_definition_ends() {
        let tree = json!({
            "$ref": "#/definitions/N",
            "definitions": {"N": {"type": "object", "properties": {"child": {"$ref": "#/definitions/N"}}}}
        });
        assert!(changes(&tree, &tree).is_empty());
    }
}
