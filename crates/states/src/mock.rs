//! Step Functions Local's mock configuration (`MockedResponses` / `TestCases`) as a
//! task handler: each Task state named in a test case answers from its mocked
//! responses, by invocation count, instead of calling a service.

use crate::task::{TaskFailure, TaskHandler, TaskRequest};
use async_trait::async_trait;
use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

/// Why a mock configuration cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MockConfigError {
    /// The text is not JSON of the mock configuration's shape; the parser's message.
    #[error("mock config is not valid: {0}")]
    Invalid(String),
    /// No state machine defines the named test case.
    #[error("mock config has no test case '{0}'")]
    NoTestCase(String),
    /// The test case was asked for without a state machine, and several define it.
    #[error("test case '{test_case}' is defined for several state machines ({machines}); name one")]
    Ambiguous {
        /// The test case asked for.
        test_case: String,
        /// The machines that define it, comma-separated.
        machines: String,
    },
    /// `StateMachines` has no entry of that name.
    #[error("mock config has no state machine '{0}'")]
    NoStateMachine(String),
    /// A test case names a mocked response that `MockedResponses` lacks.
    #[error(
        "test case '{test_case}' maps state '{state}' to '{response}', which MockedResponses does not define"
    )]
    MissingResponse {
        /// The test case.
        test_case: String,
        /// The Task state it mocks.
        state: String,
        /// The missing response's name.
        response: String,
    },
    /// An invocation key of a mocked response is neither `"N"` nor `"N-M"` with N ≤ M.
    #[error("mocked response '{response}' has a bad invocation key '{key}': use \"N\" or \"N-M\"")]
    BadKey {
        /// The mocked response's name.
        response: String,
        /// The key as written.
        key: String,
    },
    /// An entry of a mocked response has both or neither of `Return` and `Throw`.
    #[error("mocked response '{response}' at '{key}' must have exactly one of Return or Throw")]
    BadResponse {
        /// The mocked response's name.
        response: String,
        /// The invocation key of the entry.
        key: String,
    },
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawConfig {
    #[serde(default)]
    state_machines: BTreeMap<String, RawMachine>,
    #[serde(default)]
    mocked_responses: BTreeMap<String, BTreeMap<String, RawResponse>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawMachine {
    #[serde(default)]
    test_cases: BTreeMap<String, BTreeMap<String, String>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawResponse {
    #[serde(rename = "Return")]
    returns: Option<Value>,
    throw: Option<RawThrow>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawThrow {
    error: String,
    #[serde(default)]
    cause: String,
}

/// One mocked answer.
#[derive(Debug, Clone, PartialEq)]
pub enum MockedAnswer {
    /// `Return`: the task succeeds with this value as its result.
    Return(Value),
    /// `Throw`: the task fails with this `Error` and `Cause` (`Cause` empty when absent).
    Throw(TaskFailure),
}

/// The answers of one mocked response, by invocation (0-based, inclusive ranges).
#[derive(Debug, Clone, PartialEq)]
pub struct MockedResponse {
    answers: Vec<(u64, u64, MockedAnswer)>,
}

impl MockedResponse {
    /// The answer for invocation `n`; past the last range, the last answer repeats.
    pub fn answer(&self, n: u64) -> Option<&MockedAnswer> {
        self.answers
            .iter()
            .find(|(from, to, _)| (*from..=*to).contains(&n))
            .or_else(|| self.answers.iter().max_by_key(|(_, to, _)| *to))
            .map(|(_, _, a)| a)
    }
}

/// A parsed mock configuration file.
#[derive(Debug, Clone)]
pub struct MockConfig {
    machines: BTreeMap<String, BTreeMap<String, BTreeMap<String, String>>>,
    responses: HashMap<String, MockedResponse>,
}

fn parse_key(response: &str, key: &str) -> Result<(u64, u64), MockConfigError> {
    let bad = || MockConfigError::BadKey {
        response: response.to_owned(),
        key: key.to_owned(),
    };
    match key.split_once('-') {
        Some((a, b)) => {
            let (a, b) = (
                a.trim().parse().map_err(|_| bad())?,
                b.trim().parse().map_err(|_| bad())?,
            );
            if a > b {
                return Err(bad());
            }
            Ok((a, b))
        }
        None => {
            let n = key.trim().parse().map_err(|_| bad())?;
            Ok((n, n))
        }
    }
}

impl MockConfig {
    /// Parses a mock configuration file's JSON text, checking every invocation key and
    /// that each entry has exactly one of `Return` and `Throw`.
    pub fn parse(text: &str) -> Result<Self, MockConfigError> {
        let raw: RawConfig =
            serde_json::from_str(text).map_err(|e| MockConfigError::Invalid(e.to_string()))?;
        let mut responses = HashMap::new();
        for (name, entries) in raw.mocked_responses {
            let mut answers = Vec::new();
            for (key, response) in entries {
                let (from, to) = parse_key(&name, &key)?;
                let answer = match (response.returns, response.throw) {
                    (Some(v), None) => MockedAnswer::Return(v),
                    (None, Some(t)) => MockedAnswer::Throw(TaskFailure::new(t.error, t.cause)),
                    _ => {
                        return Err(MockConfigError::BadResponse {
                            response: name,
                            key,
                        });
                    }
                };
                answers.push((from, to, answer));
            }
            answers.sort_by_key(|(from, _, _)| *from);
            responses.insert(name, MockedResponse { answers });
        }
        let machines = raw
            .state_machines
            .into_iter()
            .map(|(name, m)| (name, m.test_cases))
            .collect();
        Ok(Self {
            machines,
            responses,
        })
    }

    /// A handler for one test case. `state_machine` may be left out when only one
    /// machine defines the test case.
    pub fn handler(
        &self,
        state_machine: Option<&str>,
        test_case: &str,
    ) -> Result<MockTaskHandler, MockConfigError> {
        let cases = match state_machine {
            Some(name) => {
                let cases = self
                    .machines
                    .get(name)
                    .ok_or_else(|| MockConfigError::NoStateMachine(name.to_owned()))?;
                cases
                    .get(test_case)
                    .ok_or_else(|| MockConfigError::NoTestCase(test_case.to_owned()))?
            }
            None => {
                let found: Vec<(&String, &BTreeMap<String, String>)> = self
                    .machines
                    .iter()
                    .filter_map(|(m, cases)| cases.get(test_case).map(|c| (m, c)))
                    .collect();
                match found.as_slice() {
                    [] => return Err(MockConfigError::NoTestCase(test_case.to_owned())),
                    [(_, c)] => *c,
                    many => {
                        return Err(MockConfigError::Ambiguous {
                            test_case: test_case.to_owned(),
                            machines: many
                                .iter()
                                .map(|(m, _)| m.as_str())
                                .collect::<Vec<_>>()
                                .join(", "),
                        });
                    }
                }
            }
        };
        let mut states = HashMap::new();
        for (state, response) in cases {
            let mocked =
                self.responses
                    .get(response)
                    .ok_or_else(|| MockConfigError::MissingResponse {
                        test_case: test_case.to_owned(),
                        state: state.clone(),
                        response: response.clone(),
                    })?;
            states.insert(state.clone(), mocked.clone());
        }
        Ok(MockTaskHandler {
            states: Arc::new(states),
            counts: Arc::new(Mutex::new(HashMap::new())),
            fallback: Arc::new(crate::task::NoTasks),
        })
    }
}

/// Answers Task states from a test case's mocked responses; other states go to the
/// fallback handler (by default, none: they fail as an unknown resource).
#[derive(Clone)]
pub struct MockTaskHandler {
    states: Arc<HashMap<String, MockedResponse>>,
    counts: Arc<Mutex<HashMap<String, u64>>>,
    fallback: Arc<dyn TaskHandler>,
}

impl std::fmt::Debug for MockTaskHandler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockTaskHandler")
            .field("states", &self.states)
            .finish_non_exhaustive()
    }
}

impl MockTaskHandler {
    /// Sends the states the test case does not mock to `fallback`.
    pub fn with_fallback(mut self, fallback: Arc<dyn TaskHandler>) -> Self {
        self.fallback = fallback;
        self
    }
}

#[async_trait]
impl TaskHandler for MockTaskHandler {
    async fn invoke(&self, request: TaskRequest) -> Result<Value, TaskFailure> {
        let Some(mocked) = self.states.get(&request.state_name) else {
            return self.fallback.invoke(request).await;
        };
        let n = {
            let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
            let count = counts.entry(request.state_name.clone()).or_insert(0);
            let n = *count;
            *count += 1;
            n
        };
        match mocked.answer(n) {
            Some(MockedAnswer::Return(v)) => Ok(v.clone()),
            Some(MockedAnswer::Throw(f)) => Err(f.clone()),
            None => Err(TaskFailure::new(
                "States.Runtime",
                format!(
                    "the mocked response for state '{}' defines no answers",
                    request.state_name
                ),
            )),
        }
    }

    /// A mocked `.waitForTaskToken` task completes with the mocked answer, as in
    /// Step Functions Local.
    fn completes_callback_tasks(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const CONFIG: &str = r#"{
      "StateMachines": {
        "LambdaSQSIntegration": {
          "TestCases": {
            "HappyPath": {"LambdaState": "MockedLambdaSuccess"},
            "RetryPath": {"LambdaState": "MockedLambdaRetry"}
          }
        }
      },
      "MockedResponses": {
        "MockedLambdaSuccess": {"0": {"Return": {"StatusCode": 200, "Payload": {"body": "Hello from Lambda!"}}}},
        "MockedLambdaRetry": {
          "0": {"Throw": {"Error": "Lambda.ResourceNotFoundException", "Cause": "Lambda resource is not found."}},
          "1-2": {"Throw": {"Error": "Lambda.TimeoutException", "Cause": "Lambda timed out."}},
          "3": {"Return": {"StatusCode": 200}}
        }
      }
    }"#;

    fn request(state: &str) -> TaskRequest {
        TaskRequest {
            resource: "arn:aws:states:::lambda:invoke".into(),
            parameters: json!({}),
            task_token: None,
            state_name: state.into(),
            execution_arn: "arn".into(),
            timeout_seconds: None,
            heartbeat_seconds: None,
            credentials: None,
            retry_count: 0,
        }
    }

    #[tokio::test]
    async fn answers_by_invocation_count() {
        let config = MockConfig::parse(CONFIG).unwrap_or_else(|e| panic!("{e}"));
        let handler = config
            .handler(None, "RetryPath")
            .unwrap_or_else(|e| panic!("{e}"));
        let mut errors = Vec::new();
        for _ in 0..5 {
            errors.push(match handler.invoke(request("LambdaState")).await {
                Ok(_) => "ok".to_owned(),
                Err(f) => f.error,
            });
        }
        assert_eq!(
            errors,
            [
                "Lambda.ResourceNotFoundException",
                "Lambda.TimeoutException",
                "Lambda.TimeoutException",
                "ok",
                "ok"
            ]
        );
        let other = handler.invoke(request("Unmocked")).await;
        assert!(other.is_err());
    }

    #[test]
    fn reports_configuration_mistakes() {
        let config = MockConfig::parse(CONFIG).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            config.handler(None, "Nope").err(),
            Some(MockConfigError::NoTestCase("Nope".into()))
        );
        assert!(matches!(
            config.handler(Some("Other"), "HappyPath"),
            Err(MockConfigError::NoStateMachine(_))
        ));
        let bad_key = r#"{"MockedResponses": {"R": {"x": {"Return": 1}}}}"#;
        assert!(matches!(
            MockConfig::parse(bad_key),
            Err(MockConfigError::BadKey { .. })
        ));
        let both = r#"{"MockedResponses": {"R": {"0": {"Return": 1, "Throw": {"Error": "E"}}}}}"#;
        assert!(matches!(
            MockConfig::parse(both),
            Err(MockConfigError::BadResponse { .. })
        ));
        let missing = r#"{"StateMachines": {"M": {"TestCases": {"T": {"S": "Absent"}}}}}"#;
        let config = MockConfig::parse(missing).unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(
            config.handler(None, "T"),
            Err(MockConfigError::MissingResponse { .. })
        ));
    }
}
