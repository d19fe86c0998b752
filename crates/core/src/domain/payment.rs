//! The simulated payment provider: realistic failure modes chosen by the payment token,
//! deterministic so every error path can be run at will.
//!
//! - `tok_declined…` — the card is declined: `PaymentDeclined`, never retried.
//! - `tok_flaky_N…` — the provider is unavailable for the first N attempts of an order
//!   (`PaymentProviderUnavailable`, retryable), then authorizes.
//! - any other `tok_…` — authorized.
//! - anything else — `InvalidPaymentToken`, never retried.
//!
//! The attempt number comes from the caller (the state machine passes
//! `$$.State.RetryCount`), so the outcome does not depend on which execution environment
//! serves the retry.

use super::money::Money;

/// Why the provider did not authorize a payment; [`name`](Self::name) is the error name
/// the workflow sees.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentError {
    /// The card was declined (`tok_declined…`); final.
    #[error("payment declined for order {order_id}")]
    Declined {
        /// The order whose payment was declined.
        order_id: String,
    },
    /// The provider is down for now (`tok_flaky_N…`); a retry may succeed.
    #[error("payment provider unavailable (attempt {attempt})")]
    Unavailable {
        /// The attempt that failed, counted from 0 (`$$.State.RetryCount`).
        attempt: u32,
    },
    /// The token is not a `tok_…` token; final.
    #[error("payment token is not valid")]
    InvalidToken,
}

impl PaymentError {
    /// The error name Step Functions Retry and Catch match on.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Declined { .. } => "PaymentDeclined",
            Self::Unavailable { .. } => "PaymentProviderUnavailable",
            Self::InvalidToken => "InvalidPaymentToken",
        }
    }

    /// Whether trying again later can succeed: only for an unavailable provider.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Unavailable { .. })
    }
}

/// What the provider answers on success.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Authorization {
    /// The hold's id, derived from the order by [`authorization_id`].
    pub authorization_id: String,
    /// The amount held.
    pub amount: Money,
}

/// The deterministic decision of the simulated provider.
pub fn decide(
    order_id: &str,
    token: &str,
    amount: &Money,
    attempt: u32,
) -> Result<Authorization, PaymentError> {
    let Some(rest) = token.strip_prefix("tok_") else {
        return Err(PaymentError::InvalidToken);
    };
    if rest.starts_with("declined") {
        return Err(PaymentError::Declined {
            order_id: order_id.to_owned(),
        });
    }
    if let Some(n) = rest.strip_prefix("flaky_") {
        let failures: u32 = n
            .chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .unwrap_or(1);
        if attempt < failures {
            return Err(PaymentError::Unavailable { attempt });
        }
    }
    Ok(Authorization {
        authorization_id: authorization_id(order_id),
        amount: amount.clone(),
    })
}

/// One authorization per order: the id is derived from the order, so a retried
/// authorization can never create a second hold.
pub fn authorization_id(order_id: &str) -> String {
    format!("auth-{order_id}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Currency;

    fn eur(a: i64) -> Money {
        Money::new(a, Currency::try_from("EUR".to_owned()).unwrap())
    }

    #[test]
    fn token_decides_outcome() {
        assert!(decide("o", "tok_visa", &eur(5), 0).is_ok());
        assert_eq!(
            decide("o", "tok_declined", &eur(5), 0),
            Err(PaymentError::Declined {
                order_id: "o".into()
            })
        );
        assert_eq!(
            decide("o", "visa", &eur(5), 0),
            Err(PaymentError::InvalidToken)
        );
    }

    #[test]
    fn flaky_token_fails_first_n_attempts_then_authorizes() {
        for attempt in 0..2 {
            let err = decide("o", "tok_flaky_2", &eur(5), attempt).unwrap_err();
            assert!(err.is_retryable());
            assert_eq!(err.name(), "PaymentProviderUnavailable");
        }
        assert_eq!(
            decide("o", "tok_flaky_2", &eur(5), 2)
                .unwrap()
                .authorization_id,
            "auth-o"
        );
    }

    #[test]
    fn declined_is_not_retryable() {
        assert!(
            !PaymentError::Declined {
                order_id: "o".into()
            }
            .is_retryable()
        );
    }
}
