//! Money in integer minor units with a currency; never a float.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;

/// An ISO 4217 currency code: three upper-case ASCII letters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(try_from = "String", into = "String")]
#[schemars(with = "CurrencyCode")]
pub struct Currency(String);

/// Schema twin of [`Currency`]: a string of three capitals. Only schemars reads it.
#[derive(JsonSchema)]
#[schemars(transparent)]
#[allow(dead_code)]
struct CurrencyCode(#[schemars(regex(pattern = r"^[A-Z]{3}$"))] String);

impl TryFrom<String> for Currency {
    type Error = String;
    fn try_from(code: String) -> Result<Self, String> {
        if code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()) {
            Ok(Self(code))
        } else {
            Err(format!(
                "currency must be a 3-letter ISO 4217 code, got {code:?}"
            ))
        }
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.0
    }
}

impl Currency {
    /// The three-letter code, e.g. `EUR`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An amount in minor units (cents) of a currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Money {
    /// Minor units (for EUR, cents). Never negative in an order.
    pub amount: i64,
    /// The currency the amount is in.
    pub currency: Currency,
}

impl Money {
    /// An amount of `currency`, in its minor units. Not checked: an order's validation
    /// rejects what it must.
    pub fn new(amount: i64, currency: Currency) -> Self {
        Self { amount, currency }
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency.0)
    }
}
