//! Choice: the first rule that matches picks the next state (else `Default`); the chosen
//! rule's Assign and Output apply along with the state's own.

use super::run::{Interrupt, StateRun, Step};
use super::shape::{assign, bindings, jsonata, scope, select, select_ref};
use super::vars::Vars;
use crate::choice::Rule;
use crate::definition::model::{ChoiceBranch, QueryLanguage};
use crate::errors::{StatesError, names};
use serde_json::Value;

/// Runs a Choice state on its input `raw`: the next state's index and the output (`None`
/// when the state hands its input on unchanged).
pub(crate) fn run_choice(
    run: &StateRun<'_>,
    choices: &[ChoiceBranch],
    default: Option<usize>,
    raw: &Value,
    context: &Value,
    vars: &mut Vars,
) -> Result<Step<Option<Value>>, Interrupt> {
    match run.state.query_language {
        QueryLanguage::JsonPath => choose_jsonpath(run, choices, default, raw, context, vars),
        QueryLanguage::Jsonata => choose_jsonata(run, choices, default, raw, context, vars),
    }
}

fn choose_jsonpath(
    run: &StateRun<'_>,
    choices: &[ChoiceBranch],
    default: Option<usize>,
    raw: &Value,
    context: &Value,
    vars: &mut Vars,
) -> Result<Step<Option<Value>>, Interrupt> {
    let state = run.state;
    let effective = select_ref(run, &state.io.input_path, raw, context, vars)?;
    let mut chosen = None;
    for branch in choices {
        let matched = branch
            .rule
            .evaluate(scope(&effective, context, vars))
            .map_err(|e| run.runtime(e))?;
        if matched {
            chosen = Some(branch);
            break;
        }
    }
    let next = next_state(run, chosen, default)?;
    let mut assigned = assign(run, state.assign.as_ref(), &effective, context, None, vars)?;
    if let Some(b) = chosen {
        assigned.extend(assign(
            run,
            b.assign.as_ref(),
            &effective,
            context,
            None,
            vars,
        )?);
    }
    let output = if state.passes_input_through {
        None
    } else {
        Some(select(
            run,
            &state.io.output_path,
            effective.into_owned(),
            context,
            vars,
        )?)
    };
    vars.assign(run, assigned)?;
    Ok(Step::Next(next, output))
}

fn choose_jsonata(
    run: &StateRun<'_>,
    choices: &[ChoiceBranch],
    default: Option<usize>,
    raw: &Value,
    context: &Value,
    vars: &mut Vars,
) -> Result<Step<Option<Value>>, Interrupt> {
    let state = run.state;
    let bindings = bindings(raw, context, None, None, vars);
    let mut chosen = None;
    for branch in choices {
        let Rule::Condition(condition) = &branch.rule else {
            continue;
        };
        match jsonata(run, "Condition", condition, &bindings)? {
            Value::Bool(true) => {
                chosen = Some(branch);
                break;
            }
            Value::Bool(false) => {}
            other => {
                return Err(Interrupt::Failed(StatesError::new(
                    names::QUERY_EVALUATION_ERROR,
                    format!(
                        "{} The Condition must evaluate to a boolean, got {other}",
                        run.error_prefix()
                    ),
                )));
            }
        }
    }
    let next = next_state(run, chosen, default)?;
    let output_template = chosen
        .and_then(|b| b.output.as_ref())
        .or(state.io.output.as_ref());
    let output = match output_template {
        Some(t) => Some(jsonata(run, "Output", t, &bindings)?),
        None => None,
    };
    let mut assigned = assign(
        run,
        state.assign.as_ref(),
        &Value::Null,
        context,
        Some(&bindings),
        vars,
    )?;
    if let Some(b) = chosen {
        assigned.extend(assign(
            run,
            b.assign.as_ref(),
            &Value::Null,
            context,
            Some(&bindings),
            vars,
        )?);
    }
    vars.assign(run, assigned)?;
    Ok(Step::Next(next, output))
}

/// The chosen rule's `Next`, else `Default`, else `States.NoChoiceMatched`.
fn next_state(
    run: &StateRun<'_>,
    chosen: Option<&ChoiceBranch>,
    default: Option<usize>,
) -> Result<usize, Interrupt> {
    match (chosen, default) {
        (Some(b), _) => Ok(b.next),
        (None, Some(d)) => Ok(d),
        (None, None) => Err(Interrupt::Failed(StatesError::new(
            names::NO_CHOICE_MATCHED,
            format!(
                "{} No Choice Rule matched and no Default state was specified.",
                run.error_prefix()
            ),
        ))),
    }
}
