//! Page tokens for the list calls: opaque to the caller, they carry where the next page
//! starts, when they were issued and which listing they belong to. As Step Functions
//! documents for its `nextToken`, a token is good for 24 hours and for the arguments it
//! was issued with ("keep all other arguments unchanged"); anything else is refused.

/// How long a token stays good (Step Functions: "Each pagination token expires after 24
/// hours").
pub const TOKEN_LIFETIME_MS: i64 = 24 * 60 * 60 * 1000;

/// Why a token is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not a token this service issued, or issued for other arguments.
    #[error("Invalid Token: '{0}'")]
    Invalid(String),
    /// Issued more than 24 hours ago.
    #[error("Invalid Token: the token expired: '{0}'")]
    Expired(String),
}

/// FNV-1a: a stable fingerprint of the listing's arguments, the same in every process.
fn fingerprint(scope: &str) -> u64 {
    scope.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The token for a page that starts at `position` of the listing `scope` (its arguments
/// written as one string), issued at `now_ms`.
pub fn encode(position: u64, now_ms: i64, scope: &str) -> String {
    format!("{position:x}-{now_ms:x}-{:016x}", fingerprint(scope))
}

/// The position a token of listing `scope` points at, if it is good at `now_ms`.
pub fn decode(token: &str, now_ms: i64, scope: &str) -> Result<u64, TokenError> {
    let invalid = || TokenError::Invalid(token.to_owned());
    let mut parts = token.split('-');
    let (Some(position), Some(issued), Some(print), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid());
    };
    let position = u64::from_str_radix(position, 16).map_err(|_| invalid())?;
    let issued = i64::from_str_radix(issued, 16).map_err(|_| invalid())?;
    let print = u64::from_str_radix(print, 16).map_err(|_| invalid())?;
    if print != fingerprint(scope) || issued > now_ms {
        return Err(invalid());
    }
    if now_ms - issued > TOKEN_LIFETIME_MS {
        return Err(TokenError::Expired(token.to_owned()));
    }
    Ok(position)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_good_for_its_listing_for_a_day() {
        let token = encode(42, 1_000, "machine|RUNNING");
        assert_eq!(decode(&token, 1_000, "machine|RUNNING"), Ok(42));
        assert_eq!(
            decode(&token, 1_000 + TOKEN_LIFETIME_MS, "machine|RUNNING"),
            Ok(42)
        );
        assert!(matches!(
            decode(&token, 1_001 + TOKEN_LIFETIME_MS, "machine|RUNNING"),
            Err(TokenError::Expired(_))
        ));
        assert!(matches!(
            decode(&token, 1_000, "machine|SUCCEEDED"),
            Err(TokenError::Invalid(_))
        ));
        for bad in ["", "1", "zz-1-2", "1-2-3-4", "-", "2a-3e8"] {
            assert!(
                matches!(
                    decode(bad, 1_000, "machine|RUNNING"),
                    Err(TokenError::Invalid(_))
                ),
                "{bad}"
            );
        }
    }
}
