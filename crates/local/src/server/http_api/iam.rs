//! The `AWS_IAM` authorizer of an HTTP API route: a request must carry a Signature Version
//! 4 `Authorization` header for service `execute-api`, and the function sees the signer in
//! `requestContext.authorizer.iam`.
//!
//! The local cloud has no IAM: access keys are not real here and no secret is known, so
//! the signature is checked for its form only — the algorithm, a credential scoped to this
//! region and `execute-api` on the date of `X-Amz-Date`, signed headers that include
//! `host`, 64 hex digits of signature, and `X-Amz-Date` within 15 minutes of the cloud's
//! clock. A request that passes these is accepted whatever its signature's value. The
//! refusals are API Gateway's: 403 `Forbidden` for an unsigned request, 403 with SigV4's
//! words for a malformed one.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

/// The SigV4 algorithm name.
const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// The service an HTTP API's signature is scoped to.
const SERVICE: &str = "execute-api";
/// How far `X-Amz-Date` may be from the server's clock, either way.
const SKEW_MS: i64 = 15 * 60 * 1000;

/// Why the authorizer refused a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// No `Authorization` header.
    #[error("Forbidden")]
    Unsigned,
    /// A header that is not a well-formed SigV4 signature; the text is SigV4's.
    #[error("{0}")]
    Malformed(String),
}

/// What the request carried that the authorizer reads.
#[derive(Debug, Clone, Copy)]
pub struct Signed<'a> {
    /// The `Authorization` header, if sent.
    pub authorization: Option<&'a str>,
    /// The `X-Amz-Date` header, if sent.
    pub amz_date: Option<&'a str>,
}

/// `requestContext.authorizer` for a well-formed signature at `now_ms`, the signer's
/// identity derived from its access key id (see [`identity`]).
pub fn authorize(
    signed: Signed<'_>,
    now_ms: i64,
    region: &str,
    account_id: &str,
) -> Result<Value, Refusal> {
    let authorization = signed.authorization.ok_or(Refusal::Unsigned)?;
    let malformed = |message: String| Refusal::Malformed(message);
    let parameter = |name: &str| parameter(authorization, name);
    let (credential, signed_headers, signature) = (
        parameter("Credential"),
        parameter("SignedHeaders"),
        parameter("Signature"),
    );
    let (Some(credential), Some(signed_headers), Some(signature), Some(amz_date)) =
        (credential, signed_headers, signature, signed.amz_date)
    else {
        let mut message = String::new();
        for (missing, name) in [
            (credential.is_none(), "'Credential' parameter"),
            (signature.is_none(), "'Signature' parameter"),
            (signed_headers.is_none(), "'SignedHeaders' parameter"),
            (
                signed.amz_date.is_none(),
                "existence of either a 'X-Amz-Date' or a 'Date' header",
            ),
        ] {
            if missing {
                message.push_str(&format!("Authorization header requires {name}. "));
            }
        }
        message.push_str(&format!("Authorization={authorization}"));
        return Err(malformed(message));
    };

    let signed_at = parse_amz_date(amz_date).ok_or_else(|| {
        malformed(format!(
            "Date must be in ISO-8601 'basic format'. Got '{amz_date}'. See \
             http://en.wikipedia.org/wiki/ISO_8601"
        ))
    })?;
    let scope: Vec<&str> = credential.split('/').collect();
    let [access_key_id, date, scope_region, service, terminator] = scope[..] else {
        return Err(malformed(format!(
            "Credential should be scoped to a valid region, not '{}'. ",
            scope.get(2).copied().unwrap_or_default()
        )));
    };
    if terminator != "aws4_request" {
        return Err(malformed(format!(
            "Credential should be scoped with a valid terminator: 'aws4_request', not \
             '{terminator}'. "
        )));
    }
    if service != SERVICE {
        return Err(malformed(format!(
            "Credential should be scoped to correct service: '{SERVICE}'. "
        )));
    }
    if scope_region != region {
        return Err(malformed(format!(
            "Credential should be scoped to a valid region, not '{scope_region}'. "
        )));
    }
    if date != &amz_date[..8] {
        return Err(malformed(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date \
             from HTTP: '{date}' != '{}', from '{amz_date}'.",
            &amz_date[..8]
        )));
    }
    if access_key_id.is_empty() || !access_key_id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(malformed(
            "The security token included in the request is invalid.".to_owned(),
        ));
    }
    if !signed_headers
        .split(';')
        .any(|h| h == "host" || h == ":authority")
    {
        return Err(malformed(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.".to_owned(),
        ));
    }
    if signature.len() != 64 || !signature.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(malformed(
            "The request signature we calculated does not match the signature you provided. \
             Check your AWS Secret Access Key and signing method. Consult the service \
             documentation for details."
                .to_owned(),
        ));
    }
    if signed_at < now_ms - SKEW_MS {
        return Err(malformed(format!(
            "Signature expired: {amz_date} is now earlier than {} ({} - 15 min.)",
            amz_date_of(now_ms - SKEW_MS),
            amz_date_of(now_ms)
        )));
    }
    if signed_at > now_ms + SKEW_MS {
        return Err(malformed(format!(
            "Signature not yet current: {amz_date} is still later than {} ({} + 15 min.)",
            amz_date_of(now_ms + SKEW_MS),
            amz_date_of(now_ms)
        )));
    }
    Ok(json!({ "iam": identity(access_key_id, account_id) }))
}

/// The parameter `name` (`Credential`, `SignedHeaders`, `Signature`) of a SigV4
/// `Authorization` header; `None` when the header is not SigV4's or lacks it.
pub fn parameter<'a>(authorization: &'a str, name: &str) -> Option<&'a str> {
    let (algorithm, parameters) = authorization.trim().split_once(' ')?;
    (algorithm == ALGORITHM)
        .then(|| {
            parameters.split(',').find_map(|p| {
                p.trim()
                    .strip_prefix(name)
                    .and_then(|rest| rest.strip_prefix('='))
            })
        })
        .flatten()
        .filter(|v| !v.is_empty())
}

/// The access key id a SigV4 `Authorization` header's credential names.
pub fn access_key_id(authorization: &str) -> Option<&str> {
    parameter(authorization, "Credential")
        .and_then(|credential| credential.split('/').next())
        .filter(|key| !key.is_empty())
}

/// A temporary key (`ASIA…`) signs as a role session; any other as an IAM user.
fn is_temporary(access_key_id: &str) -> bool {
    access_key_id.starts_with("ASIA")
}

/// The ARN of the signer of `access_key_id` ([`identity`]'s `userArn`): a role session or
/// an IAM user named after the key.
pub fn signer_arn(access_key_id: &str, account_id: &str) -> String {
    if is_temporary(access_key_id) {
        format!("arn:aws:sts::{account_id}:assumed-role/orderly-local-caller/{access_key_id}")
    } else {
        format!("arn:aws:iam::{account_id}:user/{access_key_id}")
    }
}

/// The signer of `access_key_id`, as API Gateway reports an IAM caller. Keys are not real
/// here, so the identity is made from the key: a long-term key (`AKIA…`, or any other) is
/// an IAM user named after it, a temporary key (`ASIA…`) a role session named after it.
/// The ids are stable for a key, and differ between keys, so whatever a function scopes
/// to its caller (place-order's idempotency keys) is scoped per access key.
pub fn identity(access_key_id: &str, account_id: &str) -> Value {
    let digest = hex::encode(Sha256::digest(access_key_id.as_bytes())).to_uppercase();
    let unique = &digest[..17];
    let caller_id = if is_temporary(access_key_id) {
        format!("AROA{unique}:{access_key_id}")
    } else {
        format!("AIDA{unique}")
    };
    let user_arn = signer_arn(access_key_id, account_id);
    json!({
        "accessKey": access_key_id,
        "accountId": account_id,
        "callerId": caller_id,
        "cognitoIdentity": null,
        "principalOrgId": null,
        "userArn": user_arn,
        "userId": caller_id,
    })
}

/// `20261126T120000Z` as epoch milliseconds.
fn parse_amz_date(text: &str) -> Option<i64> {
    let format = format_description!("[year][month][day]T[hour][minute][second]Z");
    let at = PrimitiveDateTime::parse(text, &format).ok()?.assume_utc();
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).ok()
}

fn amz_date_of(ms: i64) -> String {
    let format = format_description!("[year][month][day]T[hour][minute][second]Z");
    OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-11-26T12:00:00Z.
    const NOW: i64 = 1_795_694_400_000;
    const SIGNATURE: &str = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7";

    fn header(credential: &str, signed_headers: &str, signature: &str) -> String {
        format!(
            "AWS4-HMAC-SHA256 Credential={credential}, SignedHeaders={signed_headers}, \
             Signature={signature}"
        )
    }

    fn check(authorization: Option<&str>, amz_date: Option<&str>) -> Result<Value, Refusal> {
        authorize(
            Signed {
                authorization,
                amz_date,
            },
            NOW,
            "us-east-1",
            "000000000000",
        )
    }

    const SCOPE: &str = "AKIDEXAMPLE/20261126/us-east-1/execute-api/aws4_request";

    #[test]
    fn a_well_formed_signature_gives_the_signer() {
        let good = header(SCOPE, "host;x-amz-date", SIGNATURE);
        let authorizer = check(Some(&good), Some("20261126T120500Z")).expect("accepted");
        assert_eq!(
            authorizer,
            json!({"iam": {
                "accessKey": "AKIDEXAMPLE",
                "accountId": "000000000000",
                "callerId": authorizer["iam"]["callerId"],
                "cognitoIdentity": null,
                "principalOrgId": null,
                "userArn": "arn:aws:iam::000000000000:user/AKIDEXAMPLE",
                "userId": authorizer["iam"]["callerId"],
            }})
        );
        let caller = authorizer["iam"]["callerId"].as_str().expect("id");
        assert!(caller.starts_with("AIDA") && caller.len() == 21, "{caller}");
        let other = identity("AKIDOTHER", "000000000000");
        assert_ne!(other["callerId"], authorizer["iam"]["callerId"]);
        let session = identity("ASIAEXAMPLE", "000000000000");
        assert_eq!(
            session["userArn"],
            "arn:aws:sts::000000000000:assumed-role/orderly-local-caller/ASIAEXAMPLE"
        );
    }

    #[test]
    fn unsigned_and_malformed_requests_are_refused_with_sigv4s_words() {
        let date = Some("20261126T120000Z");
        let with = |credential: &str, headers: &str, signature: &str| {
            header(credential, headers, signature)
        };
        let cases: Vec<(Option<String>, Option<&str>, &str)> = vec![
            (None, date, "Forbidden"),
            (
                Some("Bearer abc".to_owned()),
                date,
                "Authorization header requires 'Credential' parameter. Authorization header \
                 requires 'Signature' parameter. Authorization header requires 'SignedHeaders' \
                 parameter. Authorization=Bearer abc",
            ),
            (
                Some(format!(
                    "AWS4-HMAC-SHA256 Credential={SCOPE}, SignedHeaders=host"
                )),
                None,
                "Authorization header requires 'Signature' parameter. Authorization header \
                 requires existence of either a 'X-Amz-Date' or a 'Date' header. \
                 Authorization=AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261126/us-east-1/\
                 execute-api/aws4_request, SignedHeaders=host",
            ),
            (
                Some(with(SCOPE, "host", SIGNATURE)),
                Some("2026-11-26T12:00:00Z"),
                "Date must be in ISO-8601 'basic format'. Got '2026-11-26T12:00:00Z'. See \
                 http://en.wikipedia.org/wiki/ISO_8601",
            ),
            (
                Some(with(
                    "AKIDEXAMPLE/20261126/us-east-1/execute-api/aws5",
                    "host",
                    SIGNATURE,
                )),
                date,
                "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5'. ",
            ),
            (
                Some(with(
                    "AKIDEXAMPLE/20261126/us-east-1/lambda/aws4_request",
                    "host",
                    SIGNATURE,
                )),
                date,
                "Credential should be scoped to correct service: 'execute-api'. ",
            ),
            (
                Some(with(
                    "AKIDEXAMPLE/20261126/eu-west-1/execute-api/aws4_request",
                    "host",
                    SIGNATURE,
                )),
                date,
                "Credential should be scoped to a valid region, not 'eu-west-1'. ",
            ),
            (
                Some(with(
                    "AKIDEXAMPLE/20261125/us-east-1/execute-api/aws4_request",
                    "host",
                    SIGNATURE,
                )),
                date,
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date \
                 from HTTP: '20261125' != '20261126', from '20261126T120000Z'.",
            ),
            (
                Some(with(SCOPE, "x-amz-date", SIGNATURE)),
                date,
                "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
            ),
            (
                Some(with(SCOPE, "host", "0")),
                date,
                "The request signature we calculated does not match the signature you provided. \
                 Check your AWS Secret Access Key and signing method. Consult the service \
                 documentation for details.",
            ),
            (
                Some(with(SCOPE, "host", SIGNATURE)),
                Some("20261126T114459Z"),
                "Signature expired: 20261126T114459Z is now earlier than 20261126T114500Z \
                 (20261126T120000Z - 15 min.)",
            ),
            (
                Some(with(SCOPE, "host", SIGNATURE)),
                Some("20261126T121501Z"),
                "Signature not yet current: 20261126T121501Z is still later than \
                 20261126T121500Z (20261126T120000Z + 15 min.)",
            ),
        ];
        for (authorization, amz_date, message) in cases {
            let refusal = check(authorization.as_deref(), amz_date).expect_err("refused");
            assert_eq!(refusal.to_string(), message, "{authorization:?}");
        }
        // Exactly 15 minutes either way is still current.
        let good = header(SCOPE, "host", SIGNATURE);
        assert!(check(Some(&good), Some("20261126T114500Z")).is_ok());
        assert!(check(Some(&good), Some("20261126T121500Z")).is_ok());
    }
}
