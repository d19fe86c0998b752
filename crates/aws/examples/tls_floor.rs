//! The floor under the warm-up: what a bare rustls client on ring (the SDK's TLS stack,
//! without the SDK) spends, in process CPU time, on the first TLS connections of a
//! process. `scripts/coldstart` runs it once per process against its HTTPS stub.
//!
//! ```text
//! SSL_CERT_FILE=bundle.pem ORDERLY_FIRST_CALL_ENDPOINT=https://127.0.0.1:PORT \
//!   ORDERLY_FIRST_CALL_CERT=cert.pem tls_floor
//! ```
//!
//! Prints one JSON line of milliseconds of process CPU:
//! - `roots`: the system roots loaded and parsed as the SDK's client does it
//!   (`rustls-native-certs`, which reads `SSL_CERT_FILE`), into a root store;
//! - `first_kx`: the process's first X25519 key share, which pays ring's one-time set-up
//!   (its CPU feature detection) on top of the arithmetic;
//! - `first_handshake`: TCP connect and TLS handshake of the first connection;
//! - `second_handshake`: the same again, everything set up.
//!
//! The connections trust the endpoint's certificate alone, so `roots` is counted once.

use orderly_core::clock::process_cpu_time;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

fn cpu_ms() -> f64 {
    process_cpu_time().unwrap_or(Duration::ZERO).as_secs_f64() * 1000.0
}

fn handshake(
    config: &Arc<rustls::ClientConfig>,
    address: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut socket = TcpStream::connect(address)?;
    let name = ServerName::try_from("127.0.0.1")?;
    let mut connection = rustls::ClientConnection::new(config.clone(), name)?;
    while connection.is_handshaking() {
        connection.complete_io(&mut socket)?;
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let endpoint = std::env::var("ORDERLY_FIRST_CALL_ENDPOINT")?;
    let address = endpoint
        .strip_prefix("https://")
        .ok_or("ORDERLY_FIRST_CALL_ENDPOINT must be https://HOST:PORT")?
        .trim_end_matches('/')
        .to_owned();
    let cert = CertificateDer::from_pem_file(std::env::var("ORDERLY_FIRST_CALL_CERT")?)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());

    let started = cpu_ms();
    let mut system = rustls::RootCertStore::empty();
    system.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    let roots = cpu_ms() - started;
    if system.is_empty() {
        return Err("no system roots: set SSL_CERT_FILE".into());
    }

    let mut trusted = rustls::RootCertStore::empty();
    trusted.add(cert)?;
    let config = Arc::new(
        rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()?
            .with_root_certificates(trusted)
            .with_no_client_auth(),
    );

    let started = cpu_ms();
    let share = provider.kx_groups[0].start()?;
    let first_kx = cpu_ms() - started;
    drop(share);

    let started = cpu_ms();
    handshake(&config, &address)?;
    let first_handshake = cpu_ms() - started;
    let started = cpu_ms();
    handshake(&config, &address)?;
    let second_handshake = cpu_ms() - started;

    println!(
        "{{\"roots\":{roots:.3},\"first_kx\":{first_kx:.3},\"first_handshake\":{first_handshake:.3},\"second_handshake\":{second_handshake:.3}}}"
    );
    Ok(())
}
