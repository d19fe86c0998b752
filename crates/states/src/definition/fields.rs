//! Reading a state's fields: each helper checks one field's JSON type and form, records
//! a problem naming the state and field when it is wrong, and returns the compiled value.

use super::model::*;
use crate::jsonata::{Expression, JsonataError};
use crate::jsonata_template::{JsonataTemplate, expression_of};
use crate::paths::result_path::ResultPath;
use crate::paths::{JsonPath, Root, Template};
use crate::problems::{self, Problems};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// Context while one state is parsed.
pub(super) struct Cx<'a> {
    /// The state's JSON object.
    pub obj: &'a Map<String, Value>,
    /// The state's location in the definition (`/States/Name`), prefixed to problems.
    pub loc: &'a str,
    /// State names of the enclosing branch, to resolve transitions to indexes.
    pub names: &'a HashMap<String, usize>,
    /// The state's query language.
    pub ql: QueryLanguage,
    /// The machine's query language, which nested branches inherit.
    pub machine_ql: QueryLanguage,
    /// Where problems are collected.
    pub problems: &'a mut Problems,
    /// The JSONata expressions parsed so far in this state, by text.
    pub parsed: HashMap<String, Result<Expression, JsonataError>>,
}

/// Field readers; each records its problems and returns what it could compile.
impl Cx<'_> {
    /// The location of one of the state's fields.
    pub(super) fn at(&self, field: &str) -> String {
        format!("{}/{field}", self.loc)
    }

    /// Records a schema problem at one of the state's fields.
    pub(super) fn bad(&mut self, field: &str, message: impl Into<String>) {
        let at = self.at(field);
        self.problems.schema(at, message);
    }

    /// A string field; `None` when absent or (with a problem) not a string.
    pub(super) fn string(&mut self, field: &str) -> Option<&str> {
        match self.obj.get(field) {
            None => None,
            Some(Value::String(s)) => Some(s.as_str()),
            Some(_) => {
                self.bad(
                    field,
                    format!("The value for the field '{field}' must be a STRING"),
                );
                None
            }
        }
    }

    /// Resolves a transition to a state index; a missing state is a problem.
    pub(super) fn target(&mut self, field: &str, name: &str) -> Option<usize> {
        match self.names.get(name) {
            Some(i) => Some(*i),
            None => {
                let at = self.at(field);
                self.problems.add(
                    problems::MISSING_TARGET,
                    at,
                    format!("Missing 'Next' target: {name}"),
                );
                None
            }
        }
    }

    /// Parses a JSONPath written in `field`.
    pub(super) fn path(&mut self, field: &str, text: &str) -> Option<JsonPath> {
        match JsonPath::parse(text) {
            Ok(p) => Some(p),
            Err(e) => {
                self.bad(
                    field,
                    format!(
                        "The value for the field '{field}' must be a valid JSONPath: {}",
                        e.reason
                    ),
                );
                None
            }
        }
    }

    /// Parses a path a field reads a value through: a Reference Path into the input or
    /// the context object, or into a workflow variable (`$items`, `$limits.max`), which
    /// the Variables guide allows in the `…Path` fields that read a value (ItemsPath,
    /// MaxConcurrencyPath, ToleratedFailure…Path, SecondsPath, TimestampPath,
    /// TimeoutSecondsPath, HeartbeatSecondsPath, ErrorPath, CausePath).
    pub(super) fn value_path(&mut self, field: &str, text: &str) -> Option<JsonPath> {
        let path = self.path(field, text)?;
        if !path.is_reference() {
            self.bad(
                field,
                format!("The value for the field '{field}' must be a valid Reference Path"),
            );
            return None;
        }
        Some(path)
    }

    /// Parses a Reference Path (a plain path into the input or the context object).
    pub(super) fn reference_path(&mut self, field: &str, text: &str) -> Option<JsonPath> {
        let path = self.path(field, text)?;
        if !path.is_reference() || !matches!(path.root(), Root::Input | Root::Context) {
            self.bad(
                field,
                format!("The value for the field '{field}' must be a valid Reference Path"),
            );
            return None;
        }
        Some(path)
    }

    /// `InputPath` / `OutputPath`: absent or `$` keep the whole value, `null` selects `{}`.
    pub(super) fn selection(&mut self, field: &str) -> Selection {
        match self.obj.get(field) {
            None => Selection::Whole,
            Some(Value::Null) => Selection::Empty,
            Some(Value::String(s)) if s == "$" => Selection::Whole,
            Some(Value::String(s)) => {
                let s = s.clone();
                self.path(field, &s)
                    .map(Selection::Path)
                    .unwrap_or(Selection::Whole)
            }
            Some(_) => {
                self.bad(
                    field,
                    format!("The value for the field '{field}' must be a STRING or null"),
                );
                Selection::Whole
            }
        }
    }

    /// `ResultPath`: where a result goes in the input (`null` discards it).
    pub(super) fn result_path(&mut self, field: &str, value: Option<&Value>) -> ResultPath {
        match value {
            None => ResultPath::Replace,
            Some(Value::Null) => ResultPath::Discard,
            Some(Value::String(s)) if s == "$" => ResultPath::Replace,
            Some(Value::String(s)) => {
                let s = s.clone();
                match self.reference_path(field, &s) {
                    Some(p) if *p.root() == Root::Input => ResultPath::Path(p),
                    Some(_) => {
                        self.bad(field, "ResultPath cannot write into the context object");
                        ResultPath::Replace
                    }
                    None => ResultPath::Replace,
                }
            }
            Some(_) => {
                self.bad(
                    field,
                    format!("The value for the field '{field}' must be a STRING or null"),
                );
                ResultPath::Replace
            }
        }
    }

    /// A payload template (`Parameters`, `ResultSelector`, `ItemSelector`).
    pub(super) fn template(&mut self, field: &str) -> Option<Template> {
        let value = self.obj.get(field)?;
        if !value.is_object() {
            self.bad(
                field,
                format!("The value for the field '{field}' must be an OBJECT"),
            );
            return None;
        }
        match Template::compile(value) {
            Ok(t) => Some(t),
            Err(e) => {
                let at = format!("{}{}", self.at(field), e.location);
                self.problems.schema(at, e.message);
                None
            }
        }
    }

    /// A JSONata-mode field value (`Arguments`, `Output`, `Items`, ...).
    pub(super) fn jsonata(&mut self, field: &str) -> Option<JsonataTemplate> {
        let value = self.obj.get(field)?;
        self.compile_jsonata(value)
    }

    /// Compiles a JSONata-mode value, parsing each of its expressions once (see
    /// [`Cx::expression`]). `None` when one does not parse: `check_jsonata` reports that
    /// as a problem of the state, which then is not built. (Only JSONata states need
    /// their expressions; in a JSONPath state every field that holds one is refused.)
    pub(super) fn compile_jsonata(&mut self, value: &Value) -> Option<JsonataTemplate> {
        JsonataTemplate::compile_with(value, &mut |text| self.expression(text)).ok()
    }

    /// Parses a JSONata expression, or returns the tree (or error) of its earlier parse
    /// in this state: the syntax check and the fields' compilation share one parse.
    pub(super) fn expression(&mut self, text: &str) -> Result<Expression, JsonataError> {
        if let Some(parsed) = self.parsed.get(text) {
            return parsed.clone();
        }
        let parsed = Expression::parse(text);
        self.parsed.insert(text.to_owned(), parsed.clone());
        parsed
    }

    /// `Assign`: variable names checked, values compiled for the state's query language.
    pub(super) fn assign(&mut self, obj: &Map<String, Value>, field_loc: &str) -> Option<Assign> {
        let value = obj.get("Assign")?;
        let Some(map) = value.as_object() else {
            self.problems.schema(
                field_loc,
                "The value for the field 'Assign' must be an OBJECT",
            );
            return None;
        };
        for key in map.keys() {
            let name = key.strip_suffix(".$").unwrap_or(key);
            let valid = name
                .chars()
                .next()
                .is_some_and(|c| c.is_alphabetic() || c == '_')
                && name.chars().all(|c| c.is_alphanumeric() || c == '_')
                && name.len() <= 80;
            if !valid {
                self.problems.schema(
                    format!("{field_loc}/{key}"),
                    format!("The variable name '{name}' is invalid: use letters, digits and underscores, starting with a letter or underscore"),
                );
            }
        }
        match self.ql {
            QueryLanguage::Jsonata => self.compile_jsonata(value).map(Assign::Jsonata),
            QueryLanguage::JsonPath => match Template::compile(value) {
                Ok(t) => Some(Assign::JsonPath(t)),
                Err(e) => {
                    self.problems
                        .schema(format!("{field_loc}{}", e.location), e.message);
                    None
                }
            },
        }
    }

    /// A number field with a `…Path` form (JSONPath) or a `{% %}` form (JSONata).
    pub(super) fn dynamic(
        &mut self,
        field: &str,
        path_field: &str,
        minimum: f64,
    ) -> Option<Dynamic> {
        let fixed = self.obj.get(field);
        let path = self.obj.get(path_field);
        if fixed.is_some() && path.is_some() {
            self.bad(
                field,
                format!("The fields '{field}' and '{path_field}' cannot both be set"),
            );
            return None;
        }
        if let Some(text) = path {
            let Some(text) = text.as_str() else {
                self.bad(
                    path_field,
                    format!("The value for the field '{path_field}' must be a STRING"),
                );
                return None;
            };
            return self.value_path(path_field, text).map(Dynamic::Path);
        }
        let value = fixed?;
        if let Some(s) = value.as_str()
            && expression_of(s).is_some()
            && self.ql == QueryLanguage::Jsonata
        {
            return self.compile_jsonata(value).map(Dynamic::Jsonata);
        }
        match value.as_f64() {
            Some(n) if n >= minimum => Some(Dynamic::Fixed(value.clone())),
            _ => {
                self.bad(
                    field,
                    format!(
                        "The value for the field '{field}' must be a number no less than {minimum}"
                    ),
                );
                None
            }
        }
    }

    /// `Next` / `End`: the next state's index, `None` for End or a state that has no transition.
    pub(super) fn transition(&mut self, kind: &str) -> Option<usize> {
        if matches!(kind, "Choice" | "Succeed" | "Fail") {
            return None;
        }
        let next = self.obj.get("Next");
        let end = self.obj.get("End");
        match (next, end) {
            (Some(_), Some(_)) => {
                self.bad("End", "The fields 'Next' and 'End' cannot both be set");
                None
            }
            (Some(Value::String(n)), None) => {
                let n = n.clone();
                self.target("Next", &n)
            }
            (Some(_), None) => {
                self.bad("Next", "The value for the field 'Next' must be a STRING");
                None
            }
            (None, Some(Value::Bool(true))) => None,
            (None, Some(_)) => {
                self.bad("End", "The value for the field 'End' must be true");
                None
            }
            (None, None) => {
                let loc = self.loc.to_owned();
                self.problems
                    .schema(loc, "The field 'Next' or 'End' is required");
                None
            }
        }
    }
}
