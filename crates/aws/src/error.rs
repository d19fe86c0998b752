//! SDK errors as [`PortError`]: transient when a later attempt may succeed (throttling,
//! timeouts, 5xx, a connection that failed), permanent otherwise.

use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use orderly_core::ports::PortError;

/// Whether an AWS error code (of a call, a PutEvents entry, a batch entry or a
/// transaction cancellation reason) is worth retrying; one list, shared with the local
/// cloud's adapters.
pub use orderly_core::ports::is_retryable_aws_code as is_retryable_code;

/// Classifies a failed SDK call. `operation` names the call in the message, e.g.
/// `"PutItem orders-table"`. The message carries the error code and the service's message,
/// never the request.
pub fn port_error<E>(operation: &str, err: &SdkError<E, HttpResponse>) -> PortError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match err {
        SdkError::ServiceError(context) => {
            let status = context.raw().status().as_u16();
            let code = err.code().unwrap_or("Unknown");
            let message = err.message().unwrap_or("no message");
            let text = format!("{operation}: {code} (HTTP {status}): {message}");
            if is_retryable_code(code) || status == 429 || status >= 500 {
                PortError::Transient(text)
            } else {
                PortError::Permanent(text)
            }
        }
        // No answer, or an answer we could not read: the next attempt may get through.
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            PortError::Transient(format!("{operation}: {}", DisplayErrorContext(err)))
        }
        // The request could not even be built (missing field, bad config): it will not
        // build next time either.
        _ => PortError::Permanent(format!("{operation}: {}", DisplayErrorContext(err))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttling_and_outages_are_retryable_validation_is_not() {
        for code in [
            "ThrottlingException",
            "InternalException",
            "ProvisionedThroughputExceededException",
            "TransactionConflict",
        ] {
            assert!(is_retryable_code(code), "{code}");
        }
        for code in [
            "ValidationException",
            "InvalidArgument",
            "MalformedDetail",
            "AccessDeniedException",
            "ConditionalCheckFailed",
        ] {
            assert!(!is_retryable_code(code), "{code}");
        }
    }
}
