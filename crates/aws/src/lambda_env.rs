//! The SDK configuration of a Lambda function, made from the variables Lambda sets.
//!
//! Lambda hands a function its region and its execution role's credentials as environment
//! variables. `aws_config::defaults(..).load()` finds them too, but only after building its
//! whole default chain — profile files, IMDS, the ECS and web-identity (STS) providers, SSO
//! — every piece of which is init work and binary size, and none of which a Lambda function
//! needs. This module reads the variables and nothing else; [`crate::config::AwsAdapters`]
//! falls back to the default chain only when they are missing (outside Lambda), and only
//! in builds with the `default-chain` feature.
//!
//! What is read:
//!
//! | variable | what for |
//! | --- | --- |
//! | `AWS_REGION`, else `AWS_DEFAULT_REGION` | the region |
//! | `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN` (optional) | static credentials |
//! | `AWS_ENDPOINT_URL_<SERVICE>`, else `AWS_ENDPOINT_URL` | an endpoint other than AWS's (tests, local stacks), unless `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true` |
//! | `AWS_DISABLE_HOST_PREFIX_INJECTION` | `true` keeps an endpoint's host as given: no `sync-` before it for StartSyncExecution (the SDKs' shared setting, which the Rust SDK does not read itself; for custom endpoints such as `https://127.0.0.1:4566`) |
//!
//! Timeouts and retries are the SDK's defaults for the latest behaviour version (a 3.1 s
//! connect timeout, standard retries), as the default chain would set them.

use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_types::SdkConfig;
use aws_types::region::Region;
use aws_types::sdk_config::{RetryConfig, SharedHttpClient, TimeoutConfig};
use aws_types::service_config::{LoadServiceConfig, ServiceConfigKey};
use std::time::Duration;

/// The region variable Lambda sets.
pub const REGION_VAR: &str = "AWS_REGION";
/// The region variable of the AWS CLI and SDKs, read when [`REGION_VAR`] is not set.
pub const DEFAULT_REGION_VAR: &str = "AWS_DEFAULT_REGION";
/// The access key id of the execution role's credentials.
pub const ACCESS_KEY_VAR: &str = "AWS_ACCESS_KEY_ID";
/// The secret access key of the execution role's credentials.
pub const SECRET_KEY_VAR: &str = "AWS_SECRET_ACCESS_KEY";
/// The session token of the execution role's (temporary) credentials.
pub const SESSION_TOKEN_VAR: &str = "AWS_SESSION_TOKEN";
/// The endpoint of every service; `<this>_<SERVICE ID>` (`AWS_ENDPOINT_URL_DYNAMODB`) for one.
pub const ENDPOINT_URL_VAR: &str = "AWS_ENDPOINT_URL";
/// The endpoint variables read: the common one, then one for each service of the
/// adapters, named by the SDK's service ids upper-cased.
const ENDPOINT_URL_VARS: [&str; 6] = [
    ENDPOINT_URL_VAR,
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_ENDPOINT_URL_EVENTBRIDGE",
    "AWS_ENDPOINT_URL_SFN",
    "AWS_ENDPOINT_URL_SQS",
    "AWS_ENDPOINT_URL_SCHEDULER",
];
/// `true` turns the endpoint variables off.
pub const IGNORE_ENDPOINT_URLS_VAR: &str = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS";

/// `true` turns host prefix injection off: StartSyncExecution then goes to the endpoint's
/// own host instead of `sync-<host>`. The AWS SDKs' shared setting
/// (`disable_host_prefix_injection`); the Rust SDK has no such option, so the Step
/// Functions client drops the prefix itself ([`crate::config::AwsAdapters::sfn`]).
pub const DISABLE_HOST_PREFIX_VAR: &str = "AWS_DISABLE_HOST_PREFIX_INJECTION";

/// Whether [`DISABLE_HOST_PREFIX_VAR`] is `true` in `var`'s environment (any case).
pub fn host_prefix_disabled(
    var: &dyn Fn(&str) -> Result<String, std::env::VarError>,
) -> Result<bool, LambdaEnvError> {
    Ok(optional(var, DISABLE_HOST_PREFIX_VAR)?
        .is_some_and(|value| value.eq_ignore_ascii_case("true")))
}

/// The name the credentials carry in the SDK's logs and errors.
const PROVIDER_NAME: &str = "LambdaEnvironment";
/// The SDK's default connect timeout (aws-config's `SDK_DEFAULT_CONNECT_TIMEOUT`).
const CONNECT_TIMEOUT: Duration = Duration::from_millis(3100);

/// Why the Lambda environment does not make an SDK configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LambdaEnvError {
    /// A variable the configuration needs is not set, or is empty.
    #[error("{0} is not set")]
    Missing(&'static str),
    /// A variable is set to something that is not Unicode.
    #[error("{0} is not valid Unicode")]
    NotUnicode(&'static str),
}

/// The SDK configuration from the process's environment, every client talking through
/// `http`.
pub fn sdk_config(http: SharedHttpClient) -> Result<SdkConfig, LambdaEnvError> {
    sdk_config_from(&|name| std::env::var(name), http)
}

/// [`sdk_config`] with the variables looked up in `var` (tests pass a map).
pub fn sdk_config_from(
    var: &dyn Fn(&str) -> Result<String, std::env::VarError>,
    http: SharedHttpClient,
) -> Result<SdkConfig, LambdaEnvError> {
    let region = match optional(var, REGION_VAR)? {
        Some(region) => region,
        None => required(var, DEFAULT_REGION_VAR).map_err(|error| match error {
            LambdaEnvError::Missing(_) => LambdaEnvError::Missing(REGION_VAR),
            other => other,
        })?,
    };
    let credentials = Credentials::new(
        required(var, ACCESS_KEY_VAR)?,
        required(var, SECRET_KEY_VAR)?,
        optional(var, SESSION_TOKEN_VAR)?,
        None,
        PROVIDER_NAME,
    );
    let endpoints = EndpointVars::from(var)?;
    Ok(SdkConfig::builder()
        .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
        .region(Region::new(region))
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .http_client(http)
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .build(),
        )
        .retry_config(RetryConfig::standard())
        .service_config(endpoints)
        .build())
}

/// The value of `name`; `None` when it is not set or empty.
fn optional(
    var: &dyn Fn(&str) -> Result<String, std::env::VarError>,
    name: &'static str,
) -> Result<Option<String>, LambdaEnvError> {
    match var(name) {
        Ok(value) if value.is_empty() => Ok(None),
        Ok(value) => Ok(Some(value)),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(LambdaEnvError::NotUnicode(name)),
    }
}

/// The value of `name`, which must be set and not empty.
fn required(
    var: &dyn Fn(&str) -> Result<String, std::env::VarError>,
    name: &'static str,
) -> Result<String, LambdaEnvError> {
    optional(var, name)?.ok_or(LambdaEnvError::Missing(name))
}

/// The endpoint variables, read once: each SDK client asks for its service's endpoint
/// when it is built ([`LoadServiceConfig`]), the service's own variable first.
#[derive(Debug, Clone, Default)]
struct EndpointVars {
    /// `(variable, value)` of every one of [`ENDPOINT_URL_VARS`] that is set.
    set: Vec<(&'static str, String)>,
}

impl EndpointVars {
    fn from(
        var: &dyn Fn(&str) -> Result<String, std::env::VarError>,
    ) -> Result<Self, LambdaEnvError> {
        let ignored = optional(var, IGNORE_ENDPOINT_URLS_VAR)?;
        if ignored.is_some_and(|value| value.eq_ignore_ascii_case("true")) {
            return Ok(Self::default());
        }
        let mut set = Vec::new();
        for name in ENDPOINT_URL_VARS {
            if let Some(value) = optional(var, name)? {
                set.push((name, value));
            }
        }
        Ok(Self { set })
    }

    fn get(&self, name: &str) -> Option<String> {
        self.set
            .iter()
            .find(|(set, _)| *set == name)
            .map(|(_, value)| value.clone())
    }
}

impl LoadServiceConfig for EndpointVars {
    /// `<env>_<SERVICE ID>` then `<env>`, as the SDK's own environment loader reads them;
    /// only the endpoint variables are known here.
    fn load_config(&self, key: ServiceConfigKey<'_>) -> Option<String> {
        let service = key.service_id().to_uppercase().replace(' ', "_");
        self.get(&format!("{}_{service}", key.env()))
            .or_else(|| self.get(key.env()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn http() -> SharedHttpClient {
        crate::config::https_client()
    }

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Result<String, std::env::VarError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned().ok_or(std::env::VarError::NotPresent)
    }

    /// The endpoint an SDK client of `service_id` takes from `sdk`'s service config, as
    /// its `From<&SdkConfig>` asks for it.
    fn endpoint(sdk: &SdkConfig, service_id: &str) -> Option<String> {
        let key = ServiceConfigKey::builder()
            .service_id(service_id)
            .env(ENDPOINT_URL_VAR)
            .profile("endpoint_url")
            .build()
            .expect("every part given");
        sdk.service_config()?.load_config(key)
    }

    const LAMBDA: &[(&str, &str)] = &[
        ("AWS_REGION", "eu-west-1"),
        ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", "secret"),
        ("AWS_SESSION_TOKEN", "token"),
    ];

    #[test]
    fn lambdas_variables_make_the_region_and_credentials() {
        let sdk = sdk_config_from(&env(LAMBDA), http()).expect("complete environment");
        assert_eq!(sdk.region().map(|r| r.as_ref()), Some("eu-west-1"));
        assert!(sdk.credentials_provider().is_some());
        assert_eq!(
            sdk.timeout_config().and_then(|t| t.connect_timeout()),
            Some(CONNECT_TIMEOUT)
        );
        assert_eq!(endpoint(&sdk, "DynamoDB"), None);
    }

    #[test]
    fn a_missing_credential_or_region_is_named() {
        let without = |name: &str| {
            let kept: Vec<_> = LAMBDA.iter().copied().filter(|(k, _)| *k != name).collect();
            sdk_config_from(&env(&kept), http()).err()
        };
        assert_eq!(
            without("AWS_ACCESS_KEY_ID"),
            Some(LambdaEnvError::Missing("AWS_ACCESS_KEY_ID"))
        );
        assert_eq!(
            without("AWS_SECRET_ACCESS_KEY"),
            Some(LambdaEnvError::Missing("AWS_SECRET_ACCESS_KEY"))
        );
        assert_eq!(
            without("AWS_REGION"),
            Some(LambdaEnvError::Missing("AWS_REGION"))
        );
        // The session token is optional (long-term keys have none).
        assert_eq!(without("AWS_SESSION_TOKEN"), None);
    }

    #[test]
    fn host_prefix_injection_is_off_only_when_the_setting_says_true() {
        let with = |value: &str| host_prefix_disabled(&env(&[(DISABLE_HOST_PREFIX_VAR, value)]));
        assert_eq!(host_prefix_disabled(&env(LAMBDA)), Ok(false));
        assert_eq!(with("true"), Ok(true));
        assert_eq!(with("TRUE"), Ok(true));
        assert_eq!(with("false"), Ok(false));
        assert_eq!(with(""), Ok(false));
    }

    #[test]
    fn the_default_region_variable_stands_in_for_lambdas() {
        let mut pairs: Vec<_> = LAMBDA[1..].to_vec();
        pairs.push(("AWS_DEFAULT_REGION", "us-west-2"));
        let sdk = sdk_config_from(&env(&pairs), http()).expect("complete environment");
        assert_eq!(sdk.region().map(|r| r.as_ref()), Some("us-west-2"));
    }

    #[test]
    fn a_services_own_endpoint_beats_the_common_one() {
        let mut pairs = LAMBDA.to_vec();
        pairs.push(("AWS_ENDPOINT_URL", "https://127.0.0.1:4566"));
        pairs.push(("AWS_ENDPOINT_URL_SQS", "https://127.0.0.1:9324"));
        let sdk = sdk_config_from(&env(&pairs), http()).expect("complete environment");
        assert_eq!(
            endpoint(&sdk, "DynamoDB").as_deref(),
            Some("https://127.0.0.1:4566")
        );
        assert_eq!(
            endpoint(&sdk, "SQS").as_deref(),
            Some("https://127.0.0.1:9324")
        );

        pairs.push(("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"));
        let sdk = sdk_config_from(&env(&pairs), http()).expect("complete environment");
        assert_eq!(endpoint(&sdk, "SQS"), None);
    }
}
