//! Signature Version 4 for service `execute-api` with the crate's client-side signer, so
//! the tests call the HTTP API as a signing client would.

use orderly_local::server::http_api::sign::{self, Signing};

/// The access key the tests sign with, AWS's documented example.
pub const ACCESS_KEY_ID: &str = sign::EXAMPLE_ACCESS_KEY_ID;

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
    sign::authorization(&Signing {
        access_key_id,
        secret: sign::EXAMPLE_SECRET,
        region: "us-east-1",
        method,
        path,
        host,
        amz_date,
        body,
    })
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
