//! Signature Version 4 for service `execute-api`, computed in full as a client computes it
//! (canonical request, string to sign, HMAC-SHA256 key chain), so the tests call the HTTP
//! API as a signing client would.

use sha2::{Digest, Sha256};

/// The access key the tests sign with, AWS's documented example.
pub const ACCESS_KEY_ID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

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

/// The `Authorization` header of a request signed at `amz_date` (`20261126T120000Z`) with
/// `access_key_id`, signing `host` and `x-amz-date`.
pub fn authorization(
    access_key_id: &str,
    method: &str,
    path: &str,
    host: &str,
    amz_date: &str,
    body: &[u8],
) -> String {
    let date = &amz_date[..8];
    let scope = format!("{date}/us-east-1/execute-api/aws4_request");
    let canonical = format!(
        "{method}\n{path}\n\nhost:{host}\nx-amz-date:{amz_date}\n\nhost;x-amz-date\n{}",
        hex::encode(Sha256::digest(body))
    );
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    let mut key = hmac(format!("AWS4{SECRET}").as_bytes(), date.as_bytes());
    for part in ["us-east-1", "execute-api", "aws4_request"] {
        key = hmac(&key, part.as_bytes());
    }
    let signature = hex::encode(hmac(&key, to_sign.as_bytes()));
    format!(
        "AWS4-HMAC-SHA256 Credential={access_key_id}/{scope}, SignedHeaders=host;x-amz-date, \
         Signature={signature}"
    )
}

/// Now, as SigV4 writes it (`20261126T120000Z`).
pub fn amz_date_now() -> String {
    amz_date_at(std::time::SystemTime::now())
}

/// `at`, as SigV4 writes it.
pub fn amz_date_at(at: std::time::SystemTime) -> String {
    let format = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    time::OffsetDateTime::from(at)
        .format(&format)
        .expect("a date SigV4 can write")
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
}
