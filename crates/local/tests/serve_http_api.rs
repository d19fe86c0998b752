//! The template's HTTP API served by `orderly serve`, called as a client calls API
//! Gateway: `POST /orders` signed with SigV4 places an order through place-order, and API
//! Gateway's own answers (404, 403, 413) come in its shape.

use crate::serve_support;

use serde_json::json;
use serve_support::Server;
use serve_support::http::{Answer, read_answer};
use serve_support::sigv4;
use std::io::Write;
use std::net::TcpStream;
use std::time::Duration;

/// The sample request body `events/http/<name>.json`.
fn order(name: &str) -> Vec<u8> {
    std::fs::read(serve_support::root().join(format!("events/http/{name}.json")))
        .expect("sample order")
}

/// Sends `method path` with `headers` and `body`, and reads the answer.
fn request(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Answer {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    stream.write_all(head.as_bytes()).expect("write head");
    stream.write_all(body).expect("write body");
    read_answer(&mut stream).expect("read answer")
}

/// A SigV4-signed `POST /orders` by `access_key_id`.
fn signed_post(port: u16, access_key_id: &str, key: &str, body: &[u8]) -> Answer {
    let date = sigv4::amz_date_now();
    let host = format!("127.0.0.1:{port}");
    let authorization = sigv4::authorization(access_key_id, "POST", "/orders", &host, &date, body);
    request(
        port,
        "POST",
        "/orders",
        &[
            ("Content-Type", "application/json"),
            ("X-Amz-Date", &date),
            ("Authorization", &authorization),
            ("Idempotency-Key", key),
        ],
        body,
    )
}

#[test]
fn a_signed_valid_order_is_placed_201_and_replayed_for_its_key() {
    let server = Server::start();
    let port = server.port();
    let first = signed_post(port, sigv4::ACCESS_KEY_ID, "k-201", &order("order"));
    assert_eq!(first.status, 201, "{}", first.text());
    assert_eq!(first.header("content-type"), Some("application/json"));
    let placed = first.json();
    assert_eq!(placed["status"], "PLACED", "{placed}");
    assert!(placed["orderId"].is_string(), "{placed}");
    assert!(first.header("apigw-requestid").is_some());

    // The same key and request: the first answer again, the same order.
    let again = signed_post(port, sigv4::ACCESS_KEY_ID, "k-201", &order("order"));
    assert_eq!(again.status, 201, "{}", again.text());
    assert_eq!(again.json(), placed);
}

#[test]
fn orders_the_intake_refuses_are_422_with_its_reasons() {
    let server = Server::start();
    let port = server.port();
    let wrong_total = signed_post(
        port,
        sigv4::ACCESS_KEY_ID,
        "k-422-intake",
        &order("order-wrong-total"),
    );
    assert_eq!(wrong_total.status, 422, "{}", wrong_total.text());
    let error = wrong_total.json();
    assert_eq!(error["code"], "OrderRejected", "{error}");
    // The order-intake machine's reason, by code and field.
    assert_eq!(error["reasons"][0]["code"], "TotalMismatch", "{error}");
    assert_eq!(error["reasons"][0]["field"], "total.amount", "{error}");
    // The request id the caller quotes is API Gateway's.
    assert_eq!(
        error["requestId"].as_str(),
        wrong_total.header("apigw-requestid"),
        "{error}"
    );

    // A shipping country with no stated tax rate: a rule only the intake has.
    let mut nowhere: serde_json::Value =
        serde_json::from_slice(&order("order")).expect("sample order");
    nowhere["shippingAddress"]["country"] = json!("ZZ");
    let refused = signed_post(
        port,
        sigv4::ACCESS_KEY_ID,
        "k-422-country",
        nowhere.to_string().as_bytes(),
    );
    assert_eq!(refused.status, 422, "{}", refused.text());
    assert_eq!(
        refused.json()["reasons"],
        json!([{"code": "UnsupportedCountry", "field": "shippingAddress.country",
                "message": "no tax rate is stated for the shipping country"}])
    );

    // The valid sample (EUR, shipped to GB: 20 %) is placed and priced by the intake.
    let placed = signed_post(port, sigv4::ACCESS_KEY_ID, "k-201-intake", &order("order"));
    assert_eq!(placed.status, 201, "{}", placed.text());
    assert_eq!(
        placed.json()["price"],
        json!({"subtotal": {"amount": 5500, "currency": "EUR"},
               "tax": {"amount": 1100, "currency": "EUR"},
               "total": {"amount": 6600, "currency": "EUR"}})
    );

    let not_json = signed_post(port, sigv4::ACCESS_KEY_ID, "k-400b", b"{\"customer\":");
    assert_eq!(not_json.status, 400, "{}", not_json.text());
    assert_eq!(not_json.json()["code"], "InvalidRequest");
}

#[test]
fn the_same_key_with_another_request_is_422_for_the_same_caller_only() {
    let server = Server::start();
    let port = server.port();
    let first = signed_post(port, sigv4::ACCESS_KEY_ID, "k-422", &order("order"));
    assert_eq!(first.status, 201, "{}", first.text());
    let reused = signed_post(
        port,
        sigv4::ACCESS_KEY_ID,
        "k-422",
        &order("order-other-lines"),
    );
    assert_eq!(reused.status, 422, "{}", reused.text());
    assert_eq!(
        reused.json()["code"],
        "IdempotencyKeyReused",
        "{}",
        reused.text()
    );
    // Keys are scoped to the signer: another access key may use the same key.
    let other = signed_post(
        port,
        "AKIDOTHEREXAMPLE",
        "k-422",
        &order("order-other-lines"),
    );
    assert_eq!(other.status, 201, "{}", other.text());
}

#[test]
fn no_route_is_404_and_a_body_over_10_mb_is_413_in_api_gateways_shape() {
    let server = Server::start();
    let port = server.port();
    for (method, path) in [("GET", "/orders"), ("POST", "/orders/x"), ("POST", "/")] {
        let answer = request(port, method, path, &[], b"");
        assert_eq!(answer.status, 404, "{method} {path}: {}", answer.text());
        assert_eq!(answer.json(), json!({"message": "Not Found"}));
    }
    // Announced over API Gateway's 10 MB: refused from the headers.
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    stream
        .write_all(
            b"POST /orders HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10485761\r\n\
              Connection: close\r\n\r\n{",
        )
        .expect("write");
    let answer = read_answer(&mut stream).expect("answer");
    assert_eq!(answer.status, 413, "{}", answer.text());
    assert_eq!(
        answer.json(),
        json!({"message": "Request Entity Too Large"})
    );
}

#[test]
fn the_function_sees_the_signer_so_each_access_key_has_its_own_keys() {
    // place-order scopes keys by requestContext.authorizer.iam: two signers with one key
    // place two different orders, one signer twice the same one.
    let server = Server::start();
    let port = server.port();
    let a = signed_post(port, "AKIDSIGNERA", "k-scope", &order("order")).json();
    let b = signed_post(port, "AKIDSIGNERB", "k-scope", &order("order")).json();
    let a_again = signed_post(port, "AKIDSIGNERA", "k-scope", &order("order")).json();
    assert_ne!(a["orderId"], b["orderId"], "{a} {b}");
    assert_eq!(a["orderId"], a_again["orderId"]);
}

#[test]
fn unsigned_and_malformed_requests_are_refused_403_before_the_function() {
    let server = Server::start();
    let port = server.port();
    let body = order("order");
    let unsigned = request(
        port,
        "POST",
        "/orders",
        &[
            ("Content-Type", "application/json"),
            ("Idempotency-Key", "k-403"),
        ],
        &body,
    );
    assert_eq!(unsigned.status, 403, "{}", unsigned.text());
    assert_eq!(unsigned.json(), json!({"message": "Forbidden"}));

    let date = sigv4::amz_date_now();
    let malformed = request(
        port,
        "POST",
        "/orders",
        &[
            ("X-Amz-Date", &date),
            ("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE"),
            ("Idempotency-Key", "k-403"),
        ],
        &body,
    );
    assert_eq!(malformed.status, 403, "{}", malformed.text());
    assert_eq!(
        malformed.json()["message"],
        "Authorization header requires 'Signature' parameter. Authorization header requires \
         'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE"
    );

    // Signed an hour ago: outside the 15 minutes of the cloud's clock.
    let hour_ago = std::time::SystemTime::now() - Duration::from_secs(3600);
    let old = sigv4::amz_date_at(hour_ago);
    let host = format!("127.0.0.1:{port}");
    let authorization =
        sigv4::authorization(sigv4::ACCESS_KEY_ID, "POST", "/orders", &host, &old, &body);
    let expired = request(
        port,
        "POST",
        "/orders",
        &[("X-Amz-Date", &old), ("Authorization", &authorization)],
        &body,
    );
    assert_eq!(expired.status, 403, "{}", expired.text());
    let message = expired.json()["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        message.starts_with(&format!("Signature expired: {old} is now earlier than")),
        "{message}"
    );
}

/// Runs `program args…` from the repository root; its stdout, split at the last line,
/// which `-w '\n%{http_code}'` makes the status.
fn run(program: &str, args: &[&str]) -> (u16, String) {
    let output = std::process::Command::new(program)
        .args(args)
        .current_dir(serve_support::root())
        .output()
        .unwrap_or_else(|e| panic!("{program} is needed by this test: {e}"));
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let (body, status) = text.rsplit_once('\n').unwrap_or(("", &text));
    (status.trim().parse().unwrap_or(0), body.to_owned())
}

#[test]
fn curl_unsigned_is_403_and_scripts_signed_curl_places_the_order() {
    let server = Server::start();
    let url = format!("{}/orders", server.endpoint);
    let (status, body) = run(
        "curl",
        &[
            "-s",
            "-X",
            "POST",
            &url,
            "-d",
            "@events/http/order.json",
            "-w",
            "\n%{http_code}",
        ],
    );
    assert_eq!((status, body.as_str()), (403, r#"{"message":"Forbidden"}"#));

    let signed = [
        "scripts/signed-curl",
        "-s",
        "-X",
        "POST",
        &url,
        "-d",
        "@events/http/order.json",
        "-w",
        "\n%{http_code}",
    ];
    let (status, body) = run("python3", &signed);
    assert_eq!(status, 201, "{body}");
    let placed: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(placed["status"], "PLACED", "{placed}");

    // The same key (in the file) with other lines: refused for this signer.
    let reused = [
        "scripts/signed-curl",
        "-s",
        "-X",
        "POST",
        &url,
        "-H",
        "Idempotency-Key: k-http-order-1",
        "-d",
        "@events/http/order-other-lines.json",
        "-w",
        "\n%{http_code}",
    ];
    let (status, body) = run("python3", &reused);
    assert_eq!(status, 422, "{body}");
}

/// The request signed by the SDK's own SigV4 signer (`aws-sigv4`, with every header it
/// chooses to sign), as a Rust SDK client signs: placed 201, then its reply replayed.
#[test]
fn a_request_signed_by_the_sdk_signer_is_placed() {
    use aws_credential_types::Credentials;
    use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
    use aws_sigv4::sign::v4::SigningParams;

    let server = Server::start();
    let port = server.port();
    let body = order("order");
    let host = format!("127.0.0.1:{port}");
    let identity = Credentials::new(
        sigv4::ACCESS_KEY_ID,
        orderly_local::server::http_api::sign::EXAMPLE_SECRET,
        None,
        None,
        "test",
    )
    .into();
    let params = SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name("execute-api")
        .time(std::time::SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .expect("signing parameters")
        .into();
    let url = format!("http://{host}/orders");
    let headers = [
        ("host", host.as_str()),
        ("content-type", "application/json"),
        ("idempotency-key", "k-sdk-signer"),
    ];
    let signable = SignableRequest::new(
        "POST",
        &url,
        headers.iter().copied(),
        SignableBody::Bytes(&body),
    )
    .expect("a signable request");
    let (instructions, _) = sign(signable, &params).expect("signed").into_parts();
    let mut signed: Vec<(String, String)> = headers
        .iter()
        .filter(|(name, _)| *name != "host")
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect();
    for (name, value) in instructions.headers() {
        signed.push((name.to_owned(), value.to_owned()));
    }
    let as_refs: Vec<(&str, &str)> = signed
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    assert!(
        as_refs
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("authorization")),
        "{as_refs:?}"
    );
    let placed = request(port, "POST", "/orders", &as_refs, &body);
    assert_eq!(placed.status, 201, "{}", placed.text());
    let again = request(port, "POST", "/orders", &as_refs, &body);
    assert_eq!(again.status, 201, "{}", again.text());
    assert_eq!(again.text(), placed.text());
}
