//! A state's input or output as it moves from state to state: the value, shared rather
//! than copied, and its JSON text once the history has needed it. A state that hands its
//! input on unchanged hands the text on too, so each payload is written out once.

use crate::history::payload_text;
use serde_json::Value;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub(crate) struct Payload {
    pub value: Arc<Value>,
    text: Option<Arc<str>>,
}

impl Payload {
    pub(crate) fn new(value: Arc<Value>) -> Self {
        Self { value, text: None }
    }

    /// A payload whose text is already known.
    pub(crate) fn with_text(value: Arc<Value>, text: Arc<str>) -> Self {
        Self {
            value,
            text: Some(text),
        }
    }

    /// The JSON text if it has been written.
    pub(crate) fn known_text(&self) -> Option<&Arc<str>> {
        self.text.as_ref()
    }

    /// The JSON text, written on first use.
    pub(crate) fn text(&mut self) -> Arc<str> {
        self.text
            .get_or_insert_with(|| payload_text(&self.value))
            .clone()
    }

    /// Takes the value out for a state that will not read this payload again, copying
    /// it only if something else still shares it.
    pub(crate) fn take_value(&mut self) -> Value {
        self.text = None;
        match Arc::get_mut(&mut self.value) {
            Some(value) => std::mem::take(value),
            None => (*self.value).clone(),
        }
    }

    /// The value, copied only if something else still shares it.
    pub(crate) fn into_value(self) -> Value {
        Arc::try_unwrap(self.value).unwrap_or_else(|shared| (*shared).clone())
    }
}
