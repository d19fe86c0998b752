//! Signature Version 4 for service `execute-api`, computed in full as a client computes it
//! (canonical request, string to sign, HMAC-SHA256 key chain). The local cloud checks
//! only a signature's form ([`super::iam`]); this is the client side, for callers in
//! process (`orderly demo`'s front door) and the tests, which call the HTTP API as a
//! signing client would. Hand-written: a dozen lines over `sha2`, where an SDK signer
//! would bring its credential and request types for one header.

use sha2::{Digest, Sha256};

/// AWS's documented example access key, which the demo and the tests sign with.
pub const EXAMPLE_ACCESS_KEY_ID: &str = "AKIDEXAMPLE";
/// AWS's documented example secret key.
pub const EXAMPLE_SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

/// HMAC-SHA256 (RFC 2104).
fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    const BLOCK: usize = 64;
    let mut key = if key.len() > BLOCK {
        Sha256::digest(key).to_vec()
    } else {
        key.to_vec()
    };
    key.resize(BLOCK, 0);
    let pad = |byte: u8| key.iter().map(|k| k ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(data)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .to_vec()
}

/// One request to sign: `host` and `x-amz-date` are the headers signed.
#[derive(Debug, Clone, Copy)]
pub struct Signing<'a> {
    /// The caller's access key id.
    pub access_key_id: &'a str,
    /// Its secret key.
    pub secret: &'a str,
    /// The region of the API.
    pub region: &'a str,
    /// The request's method.
    pub method: &'a str,
    /// Its path, already URI-encoded.
    pub path: &'a str,
    /// Its `Host` header.
    pub host: &'a str,
    /// Its `X-Amz-Date` header (`20261126T120000Z`).
    pub amz_date: &'a str,
    /// Its body.
    pub body: &'a [u8],
}

/// The `Authorization` header of `request`.
pub fn authorization(request: &Signing<'_>) -> String {
    let Signing {
        access_key_id,
        secret,
        region,
        method,
        path,
        host,
        amz_date,
        body,
    } = *request;
    let date = amz_date.get(..8).unwrap_or(amz_date);
    let scope = format!("{date}/{region}/execute-api/aws4_request");
    let canonical = format!(
        "{method}\n{path}\n\nhost:{host}\nx-amz-date:{amz_date}\n\nhost;x-amz-date\n{}",
        hex::encode(Sha256::digest(body))
    );
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    let mut key = hmac(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    for part in [region, "execute-api", "aws4_request"] {
        key = hmac(&key, part.as_bytes());
    }
    let signature = hex::encode(hmac(&key, to_sign.as_bytes()));
    format!(
        "AWS4-HMAC-SHA256 Credential={access_key_id}/{scope}, SignedHeaders=host;x-amz-date, \
         Signature={signature}"
    )
}

/// `epoch_ms` as SigV4 writes a date (`20261126T120000Z`); `None` outside the calendar.
pub fn amz_date(epoch_ms: i64) -> Option<String> {
    let format = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(epoch_ms) * 1_000_000)
        .ok()?
        .format(&format)
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_is_rfc_4231_case_2() {
        assert_eq!(
            hex::encode(hmac(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn dates_are_written_as_sigv4_writes_them() {
        assert_eq!(
            amz_date(1_764_158_400_000).as_deref(),
            Some("20251126T120000Z")
        );
    }
}
