//! Host prefix injection turned off, for custom endpoints.
//!
//! Some operations go to a prefixed host: StartSyncExecution to `sync-states.<region>…`
//! on AWS. Against a custom endpoint (`https://127.0.0.1:4566`, a local stack) the prefixed
//! host does not resolve. The AWS SDKs' shared setting `AWS_DISABLE_HOST_PREFIX_INJECTION`
//! keeps the endpoint's host as given; the Rust SDK has no such option, so this
//! interceptor drops the prefix the operation stored before the endpoint is applied.

use aws_sdk_sfn::config::interceptors::BeforeTransmitInterceptorContextMut;
use aws_sdk_sfn::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_sfn::error::BoxError;
use aws_smithy_runtime_api::client::endpoint::EndpointPrefix;

/// Drops the operation's host prefix. The operation stores it before serialization; the
/// endpoint is applied in each attempt, after `modify_before_retry_loop`.
#[derive(Debug)]
pub struct NoHostPrefix;

impl Intercept for NoHostPrefix {
    fn name(&self) -> &'static str {
        "NoHostPrefix"
    }

    fn modify_before_retry_loop(
        &self,
        _context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        cfg.interceptor_state().unset::<EndpointPrefix>();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::config::AwsAdapters;
    use aws_sdk_sfn::config::http::HttpResponse;
    use aws_smithy_runtime_api::client::http::{
        HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
        SharedHttpConnector,
    };
    use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
    use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
    use std::sync::{Arc, Mutex};

    /// Records each request's URI and answers `{}`: 503 while `failures` lasts, then 200.
    #[derive(Debug, Clone, Default)]
    struct Recorder(Arc<Mutex<Vec<String>>>, Arc<Mutex<u32>>);

    impl HttpConnector for Recorder {
        fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
            self.0
                .lock()
                .expect("not poisoned")
                .push(request.uri().to_owned());
            let mut failures = self.1.lock().expect("not poisoned");
            let status: u16 = if *failures > 0 {
                *failures -= 1;
                503
            } else {
                200
            };
            let response = HttpResponse::new(status.try_into().expect("a status"), "{}".into());
            HttpConnectorFuture::ready(Ok(response))
        }
    }

    impl HttpClient for Recorder {
        fn http_connector(
            &self,
            _: &HttpConnectorSettings,
            _: &RuntimeComponents,
        ) -> SharedHttpConnector {
            SharedHttpConnector::new(self.clone())
        }
    }

    async fn start_sync_uri(adapters: AwsAdapters, recorder: &Recorder) -> String {
        let _ = adapters
            .sfn()
            .start_sync_execution()
            .state_machine_arn("arn:aws:states:us-east-1:123456789012:stateMachine:intake")
            .send()
            .await;
        recorder
            .0
            .lock()
            .expect("not poisoned")
            .pop()
            .expect("one request")
    }

    #[tokio::test]
    async fn the_sync_prefix_is_dropped_only_when_injection_is_off() {
        let recorder = Recorder::default();
        let vars = [
            ("AWS_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", "x"),
            ("AWS_SECRET_ACCESS_KEY", "x"),
            ("AWS_ENDPOINT_URL", "http://local.test:4566"),
        ];
        let var = |name: &str| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
                .ok_or(std::env::VarError::NotPresent)
        };
        let http = SharedHttpClient::new(recorder.clone());
        let sdk = crate::lambda_env::sdk_config_from(&var, http).expect("complete environment");

        let injected = start_sync_uri(AwsAdapters::new(&sdk), &recorder).await;
        assert_eq!(injected, "http://sync-local.test:4566/");
        let kept = start_sync_uri(AwsAdapters::new(&sdk).without_host_prefix(), &recorder).await;
        assert_eq!(kept, "http://local.test:4566/");

        // A retried call: every attempt goes to the host as given.
        recorder.0.lock().expect("not poisoned").clear();
        *recorder.1.lock().expect("not poisoned") = 1;
        let retried = AwsAdapters::new(&sdk).without_host_prefix();
        let answer = retried
            .sfn()
            .start_sync_execution()
            .state_machine_arn("arn:aws:states:us-east-1:123456789012:stateMachine:intake")
            .send()
            .await;
        assert!(answer.is_ok(), "the second attempt answers 200: {answer:?}");
        let attempts = recorder.0.lock().expect("not poisoned").clone();
        assert_eq!(attempts, ["http://local.test:4566/"; 2]);
    }
}
