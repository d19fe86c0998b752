//! Reading `Retry` and `Catch`: retriers with their backoff settings, catchers with
//! their fallback state and how they shape the error output.

use super::fields::Cx;
use super::model::*;
use crate::errors::names;
use serde_json::{Map, Value};

impl Cx<'_> {
    /// `Retry`: each retrier's errors and backoff, checked against the limits AWS sets.
    pub(super) fn retriers(&mut self) -> Vec<Retrier> {
        let Some(value) = self.obj.get("Retry") else {
            return Vec::new();
        };
        let Some(list) = value.as_array() else {
            self.bad("Retry", "The value for the field 'Retry' must be an ARRAY");
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, r) in list.iter().enumerate() {
            let loc = format!("{}/Retry[{i}]", self.loc);
            let Some(obj) = r.as_object() else {
                self.problems.schema(loc, "A retrier must be an OBJECT");
                continue;
            };
            for key in obj.keys() {
                if !matches!(
                    key.as_str(),
                    "ErrorEquals"
                        | "IntervalSeconds"
                        | "MaxAttempts"
                        | "BackoffRate"
                        | "MaxDelaySeconds"
                        | "JitterStrategy"
                        | "Comment"
                ) {
                    self.problems.schema(
                        format!("{loc}/{key}"),
                        format!("Field \"{key}\" is not supported"),
                    );
                }
            }
            let Some(error_equals) = self.error_equals(obj, &loc, i + 1 == list.len(), "retrier")
            else {
                continue;
            };
            let int_field = |this: &mut Self, name: &str, default: u64, min: u64| -> u64 {
                match obj.get(name) {
                    None => default,
                    Some(v) => match v.as_u64().filter(|n| *n >= min && *n <= 99_999_999) {
                        Some(n) => n,
                        None => {
                            this.problems.schema(
                                format!("{loc}/{name}"),
                                format!("The value for the field '{name}' must be an integer between {min} and 99999999"),
                            );
                            default
                        }
                    },
                }
            };
            let interval = int_field(self, "IntervalSeconds", 1, 1);
            let max_attempts = int_field(self, "MaxAttempts", 3, 0);
            let max_delay = obj
                .get("MaxDelaySeconds")
                .map(|_| int_field(self, "MaxDelaySeconds", 1, 1));
            let backoff_rate = match obj.get("BackoffRate") {
                None => 2.0,
                Some(v) => match v.as_f64().filter(|n| *n >= 1.0) {
                    Some(n) => n,
                    None => {
                        self.problems.schema(format!("{loc}/BackoffRate"), "The value for the field 'BackoffRate' must be a number no less than 1.0");
                        2.0
                    }
                },
            };
            let jitter_full = match obj.get("JitterStrategy").map(|v| v.as_str()) {
                None | Some(Some("NONE")) => false,
                Some(Some("FULL")) => true,
                Some(_) => {
                    self.problems.schema(
                        format!("{loc}/JitterStrategy"),
                        "The value for the field 'JitterStrategy' must be one of FULL, NONE",
                    );
                    false
                }
            };
            out.push(Retrier {
                error_equals,
                interval_seconds: interval as f64,
                max_attempts: u32::try_from(max_attempts).unwrap_or(u32::MAX),
                backoff_rate,
                max_delay_seconds: max_delay.map(|d| d as f64),
                jitter_full,
            });
        }
        out
    }

    /// `ErrorEquals` of a retrier or catcher; `States.ALL` must stand alone and come last.
    fn error_equals(
        &mut self,
        obj: &Map<String, Value>,
        loc: &str,
        is_last: bool,
        what: &str,
    ) -> Option<Vec<String>> {
        let list: Option<Vec<String>> = obj
            .get("ErrorEquals")
            .and_then(Value::as_array)
            .and_then(|l| l.iter().map(|v| v.as_str().map(str::to_owned)).collect());
        let Some(list) = list.filter(|l| !l.is_empty()) else {
            self.problems.schema(
                format!("{loc}/ErrorEquals"),
                "The field 'ErrorEquals' is required and must be a non-empty array of strings",
            );
            return None;
        };
        if list.iter().any(|e| e == names::ALL) {
            if list.len() != 1 {
                self.problems.schema(
                    format!("{loc}/ErrorEquals"),
                    "States.ALL must appear alone in ErrorEquals",
                );
            } else if !is_last {
                self.problems.schema(
                    format!("{loc}/ErrorEquals"),
                    format!("A {what} with States.ALL must be the last one"),
                );
            }
        }
        Some(list)
    }

    /// `Catch`: each catcher's errors, fallback state, and how it shapes the error output.
    pub(super) fn catchers(&mut self) -> Vec<Catcher> {
        let Some(value) = self.obj.get("Catch") else {
            return Vec::new();
        };
        let Some(list) = value.as_array() else {
            self.bad("Catch", "The value for the field 'Catch' must be an ARRAY");
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, c) in list.iter().enumerate() {
            let loc = format!("{}/Catch[{i}]", self.loc);
            let Some(obj) = c.as_object() else {
                self.problems.schema(loc, "A catcher must be an OBJECT");
                continue;
            };
            let allowed: &[&str] = match self.ql {
                QueryLanguage::JsonPath => {
                    &["ErrorEquals", "Next", "ResultPath", "Assign", "Comment"]
                }
                QueryLanguage::Jsonata => &["ErrorEquals", "Next", "Output", "Assign", "Comment"],
            };
            for key in obj.keys() {
                if !allowed.contains(&key.as_str()) {
                    self.problems.schema(
                        format!("{loc}/{key}"),
                        format!("Field \"{key}\" is not supported"),
                    );
                }
            }
            let error_equals = self.error_equals(obj, &loc, i + 1 == list.len(), "catcher");
            let next = match obj.get("Next").and_then(Value::as_str) {
                Some(n) => self.target(&format!("Catch[{i}]/Next"), n),
                None => {
                    self.problems
                        .schema(format!("{loc}/Next"), "The field 'Next' is required");
                    None
                }
            };
            let result_path =
                self.result_path(&format!("Catch[{i}]/ResultPath"), obj.get("ResultPath"));
            let output = obj.get("Output").and_then(|o| self.compile_jsonata(o));
            let assign = self.assign(obj, &format!("{loc}/Assign"));
            if let (Some(error_equals), Some(next)) = (error_equals, next) {
                out.push(Catcher {
                    error_equals,
                    next,
                    result_path,
                    output,
                    assign,
                });
            }
        }
        out
    }
}
