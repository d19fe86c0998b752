//! Output shaping: how a state's input becomes its output, and what it assigns.
//!
//! JSONPath states: InputPath → Parameters → (the work) → ResultSelector → ResultPath →
//! OutputPath, with Assign evaluated on the result. JSONata states: Arguments → (the work)
//! → Output and Assign, evaluated with `$states` bound. Every function here is plain: it
//! reads the state through its [`StateRun`] and needs nothing of the engine.

use super::payload::Payload;
use super::run::StateRun;
use super::vars::Vars;
use crate::definition::model::{Assign, Selection};
use crate::errors::{StatesError, names};
use crate::jsonata::{Binding, Bindings};
use crate::jsonata_template::JsonataTemplate;
use crate::paths::result_path::ResultPath;
use crate::paths::{Scope, Template, TemplateError};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::sync::Arc;

/// The effective input of a result-producing state, in either query language.
pub(crate) enum Prepared<'v> {
    /// JSONPath: the input after InputPath.
    JsonPath {
        /// The effective input.
        effective: Cow<'v, Value>,
    },
    /// JSONata: what expressions see (`$states`, variables).
    Jsonata {
        /// The bindings for the state's expressions.
        bindings: StateBindings<'v>,
    },
}

/// What paths see: `$` is `input`, `$$` the context object, plus the visible variables.
pub(crate) fn scope<'a>(input: &'a Value, context: &'a Value, vars: &'a Vars) -> Scope<'a> {
    Scope {
        input,
        context,
        variables: if vars.is_empty() {
            None
        } else {
            Some(vars.map())
        },
    }
}

/// InputPath / OutputPath / ItemsPath.
pub(crate) fn select(
    run: &StateRun<'_>,
    selection: &Selection,
    value: Value,
    context: &Value,
    vars: &Vars,
) -> Result<Value, StatesError> {
    match selection {
        Selection::Whole => Ok(value),
        Selection::Empty => Ok(Value::Object(Map::new())),
        Selection::Path(path) => {
            let scope = scope(&value, context, vars);
            match path.evaluate(scope) {
                Some(v) => Ok(v.into_owned()),
                None => Err(no_results(run, path, scope)),
            }
        }
    }
}

/// InputPath / ItemsPath without copying more than the selected part.
pub(crate) fn select_ref<'v>(
    run: &StateRun<'_>,
    selection: &Selection,
    value: &'v Value,
    context: &Value,
    vars: &Vars,
) -> Result<Cow<'v, Value>, StatesError> {
    match selection {
        Selection::Whole => Ok(Cow::Borrowed(value)),
        Selection::Empty => Ok(Cow::Owned(Value::Object(Map::new()))),
        Selection::Path(path) => match path.evaluate(scope(value, context, vars)) {
            // What the path found is copied out: it may live in the context object
            // or a variable rather than in `value`.
            Some(found) => Ok(Cow::Owned(found.into_owned())),
            None => Err(no_results(run, path, scope(value, context, vars))),
        },
    }
}

/// The runtime error of a path that selects nothing in `scope`.
pub(crate) fn no_results(
    run: &StateRun<'_>,
    path: &crate::paths::JsonPath,
    scope: Scope<'_>,
) -> StatesError {
    match path.missing_property(scope) {
        Some(prefix) => run.fail(crate::causes::Cause::MissingProperty {
            path: path.text(),
            prefix: &prefix,
        }),
        None => run.fail(crate::causes::Cause::NoResults {
            path: path.text(),
            normalized: &path.normalized(),
        }),
    }
}

/// Parameters / ResultSelector / ItemSelector (JSONPath).
pub(crate) fn template(
    run: &StateRun<'_>,
    template: &Template,
    input: &Value,
    context: &Value,
    vars: &Vars,
) -> Result<Value, StatesError> {
    template
        .evaluate(scope(input, context, vars))
        .map_err(|e| template_error(run, e))
}

/// Evaluates a JSONata-mode field; a failure is `States.QueryEvaluationError`.
pub(crate) fn jsonata(
    run: &StateRun<'_>,
    field: &str,
    template: &JsonataTemplate,
    bindings: &dyn Bindings,
) -> Result<Value, StatesError> {
    template
        .evaluate(bindings, run.clock.now_ms())
        .map_err(|f| {
            run.evaluation_failed(
                Some(f.location(field)),
                StatesError::new(
                    names::QUERY_EVALUATION_ERROR,
                    format!("{} {}", run.error_prefix(), f.cause(field)),
                ),
            )
        })
}

/// What a JSONata state's expressions see: `$states` (its input, context object, and
/// result or error output where the field has one) and every visible variable, each
/// borrowed where it lives rather than copied into one object per state.
pub(crate) struct StateBindings<'a> {
    states: Vec<(&'static str, &'a Value)>,
    vars: &'a Vars,
}

impl Bindings for StateBindings<'_> {
    fn binding(&self, name: &str) -> Option<Binding<'_>> {
        // `$states` is reserved: no Assign may name a variable `states`.
        if name == "states" {
            Some(Binding::Fields(&self.states))
        } else {
            self.vars.map().get(name).map(Binding::Value)
        }
    }
}

impl StateBindings<'_> {
    /// The same bindings with another context object (a Map iteration's, which names
    /// its item).
    pub(crate) fn with_context<'b>(&'b self, context: &'b Value) -> StateBindings<'b> {
        StateBindings {
            states: self
                .states
                .iter()
                .map(|&(k, v)| (k, if k == "context" { context } else { v }))
                .collect(),
            vars: self.vars,
        }
    }
}

/// The bindings JSONata expressions see: `$states` and every visible variable.
pub(crate) fn bindings<'a>(
    input: &'a Value,
    context: &'a Value,
    result: Option<&'a Value>,
    error_output: Option<&'a Value>,
    vars: &'a Vars,
) -> StateBindings<'a> {
    let mut states = Vec::with_capacity(4);
    states.push(("input", input));
    states.push(("context", context));
    if let Some(r) = result {
        states.push(("result", r));
    }
    if let Some(e) = error_output {
        states.push(("errorOutput", e));
    }
    StateBindings { states, vars }
}

/// Evaluates an Assign block against the values before the state assigns anything.
/// JSONPath: `$` is `subject`; JSONata: the given bindings.
pub(crate) fn assign(
    run: &StateRun<'_>,
    assign: Option<&Assign>,
    subject: &Value,
    context: &Value,
    bindings: Option<&dyn Bindings>,
    vars: &Vars,
) -> Result<Map<String, Value>, StatesError> {
    let value = match assign {
        None => return Ok(Map::new()),
        Some(Assign::JsonPath(t)) => template(run, t, subject, context, vars)?,
        Some(Assign::Jsonata(t)) => match bindings {
            Some(b) => jsonata(run, "Assign", t, b)?,
            None => {
                let b = self::bindings(subject, context, None, None, vars);
                jsonata(run, "Assign", t, &b)?
            }
        },
    };
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(run.runtime("The value of the field 'Assign' must be an object")),
    }
}

/// ResultPath: where the result goes in the (borrowed) input.
pub(crate) fn apply_result_path(
    run: &StateRun<'_>,
    result_path: &ResultPath,
    raw: &Value,
    result: Value,
) -> Result<Value, StatesError> {
    match result_path {
        ResultPath::Replace => Ok(result),
        ResultPath::Discard => Ok(raw.clone()),
        ResultPath::Path(_) => apply_result_path_owned(run, result_path, raw.clone(), result),
    }
}

/// ResultPath on an input the state owns.
pub(crate) fn apply_result_path_owned(
    run: &StateRun<'_>,
    result_path: &ResultPath,
    raw: Value,
    result: Value,
) -> Result<Value, StatesError> {
    match result_path {
        ResultPath::Replace => Ok(result),
        ResultPath::Discard => Ok(raw),
        ResultPath::Path(_) => result_path.apply(raw, result).map_err(|e| {
            StatesError::new(
                names::RESULT_PATH_MATCH_FAILURE,
                format!("{} {e}", run.error_prefix()),
            )
        }),
    }
}

/// JSONata Output (default: the input, or the result when there is one) and Assign.
pub(crate) fn jsonata_output(
    run: &StateRun<'_>,
    raw: &Value,
    context: &Value,
    result: Option<&Value>,
    vars: &Vars,
) -> Result<(Value, Map<String, Value>), StatesError> {
    let state = run.state;
    if state.io.output.is_none() && state.assign.is_none() {
        return Ok((result.unwrap_or(raw).clone(), Map::new()));
    }
    let bindings = bindings(raw, context, result, None, vars);
    let output = match &state.io.output {
        Some(t) => jsonata(run, "Output", t, &bindings)?,
        None => result.unwrap_or(raw).clone(),
    };
    let assigned = assign(
        run,
        state.assign.as_ref(),
        &Value::Null,
        context,
        Some(&bindings),
        vars,
    )?;
    Ok((output, assigned))
}

/// Assign of a state that hands its input on unchanged (Pass, Wait without paths).
pub(crate) fn passed_through_assign(
    run: &StateRun<'_>,
    raw: &Value,
    context: &Value,
    vars: &Vars,
) -> Result<Map<String, Value>, StatesError> {
    match run.state.query_language {
        crate::definition::QueryLanguage::JsonPath => {
            assign(run, run.state.assign.as_ref(), raw, context, None, vars)
        }
        // Assign alone: the state has no Output, and the output `jsonata_output` would
        // build is a copy of the input, thrown away here.
        crate::definition::QueryLanguage::Jsonata => {
            let bindings = bindings(raw, context, None, None, vars);
            assign(
                run,
                run.state.assign.as_ref(),
                &Value::Null,
                context,
                Some(&bindings),
                vars,
            )
        }
    }
}

/// A JSONPath Pass state: `Result` or Parameters in place of the effective input, then
/// Assign, ResultPath and OutputPath.
pub(crate) fn pass_output(
    run: &mut StateRun<'_>,
    result: Option<&Value>,
    input: &mut Payload,
    context: &Value,
    vars: &Vars,
) -> Result<(Value, Map<String, Value>), StatesError> {
    let state = run.state;
    let raw: &Value = &input.value;
    let result = {
        let effective = select_ref(run, &state.io.input_path, raw, context, vars)?;
        match (result, &state.io.parameters) {
            (Some(r), _) => r.clone(),
            (None, Some(p)) => template(run, p, &effective, context, vars)?,
            (None, None) => effective.into_owned(),
        }
    };
    let assigned = assign(run, state.assign.as_ref(), &result, context, None, vars)?;
    // Nothing reads the input after this state unless a retrier or catcher might: then
    // ResultPath may write into it in place.
    let reusable = state.retry.is_empty() && state.catch.is_empty();
    let combined = match &state.io.result_path {
        ResultPath::Path(_) if reusable => {
            if matches!(state.io.output_path, Selection::Whole) {
                run.output_text = appended_text(input, &state.io.result_path, &result);
            }
            let base = input.take_value();
            apply_result_path_owned(run, &state.io.result_path, base, result)?
        }
        _ => apply_result_path(run, &state.io.result_path, raw, result)?,
    };
    Ok((
        select(run, &state.io.output_path, combined, context, vars)?,
        assigned,
    ))
}

/// A JSONPath state without a result (Wait, Succeed): InputPath, Assign on the effective
/// input, OutputPath.
pub(crate) fn paths_output(
    run: &StateRun<'_>,
    raw: &Value,
    context: &Value,
    vars: &Vars,
) -> Result<(Value, Map<String, Value>), StatesError> {
    let state = run.state;
    let effective = select_ref(run, &state.io.input_path, raw, context, vars)?;
    let assigned = assign(run, state.assign.as_ref(), &effective, context, None, vars)?;
    let output = select(
        run,
        &state.io.output_path,
        effective.into_owned(),
        context,
        vars,
    )?;
    Ok((output, assigned))
}

/// The output text of a state that adds one new key to its input object, built from the
/// input's text (when the history has written it) rather than written again.
fn appended_text(input: &Payload, result_path: &ResultPath, result: &Value) -> Option<Arc<str>> {
    let text = input.known_text()?;
    let key = result_path.top_level_key()?;
    let Value::Object(map) = &*input.value else {
        return None;
    };
    if map.contains_key(key) {
        return None;
    }
    crate::json_text::with_key_appended(text, map.is_empty(), key, result).map(Arc::from)
}

fn template_error(run: &StateRun<'_>, e: TemplateError) -> StatesError {
    match e {
        TemplateError::PathNotFound { .. } => run.runtime(e),
        TemplateError::Intrinsic(i) => {
            StatesError::new(i.error, format!("{} {}", run.error_prefix(), i.message))
        }
    }
}
