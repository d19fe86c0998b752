//! The event API Gateway sends a Lambda integration for an HTTP API request, payload
//! format 2.0: header names lower case and repeated headers comma-joined, cookies in their
//! own list (and not among the headers), the query string as sent and as parameters
//! (repeated ones comma-joined), the body as text or, when it is not text, base64.

use super::routes::{Matched, query_pairs};
use axum::http::{HeaderMap, Method};
use base64::Engine;
use serde_json::{Map, Value, json};
use std::net::IpAddr;
use time::OffsetDateTime;
use time::macros::format_description;

/// What the event is made of, besides the route.
#[derive(Debug)]
pub struct Request<'a> {
    /// The method as sent.
    pub method: &'a Method,
    /// The path as sent (not decoded), without the query string.
    pub path: &'a str,
    /// The query string as sent, without its `?`; empty when none.
    pub query: &'a str,
    /// `HTTP/1.1` and the like.
    pub protocol: &'a str,
    /// The request's headers.
    pub headers: &'a HeaderMap,
    /// The body as read.
    pub body: &'a [u8],
    /// The client's address.
    pub source_ip: IpAddr,
    /// The request's id (also the `apigw-requestid` of the answer).
    pub request_id: &'a str,
    /// When API Gateway received it, epoch milliseconds on the cloud's clock.
    pub now_ms: i64,
    /// The account of the stack.
    pub account_id: &'a str,
    /// `requestContext.authorizer`, when the route is authorized.
    pub authorizer: Option<Value>,
}

/// The payload format 2.0 event of `request` on `matched`.
pub fn event(matched: &Matched<'_>, request: Request<'_>) -> Value {
    let route = matched.route;
    let headers = headers(request.headers);
    let domain_name = headers
        .get("host")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let domain_prefix = domain_name.split('.').next().unwrap_or_default().to_owned();
    let mut context = json!({
        "accountId": request.account_id,
        "apiId": route.api_id,
    });
    if let Some(authorizer) = request.authorizer {
        context["authorizer"] = authorizer;
    }
    let user_agent = headers
        .get("user-agent")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let rest = json!({
        "domainName": domain_name,
        "domainPrefix": domain_prefix,
        "http": {
            "method": request.method.as_str(),
            "path": request.path,
            "protocol": request.protocol,
            "sourceIp": request.source_ip.to_string(),
            "userAgent": user_agent,
        },
        "requestId": request.request_id,
        "routeKey": route.key,
        "stage": route.stage.as_deref().unwrap_or("$default"),
        "time": clf_time(request.now_ms),
        "timeEpoch": request.now_ms,
    });
    if let (Value::Object(context), Value::Object(rest)) = (&mut context, rest) {
        context.extend(rest);
    }

    let mut event = Map::new();
    event.insert("version".into(), json!("2.0"));
    event.insert("routeKey".into(), json!(route.key));
    event.insert("rawPath".into(), json!(request.path));
    event.insert("rawQueryString".into(), json!(request.query));
    let cookies = cookies(request.headers);
    if !cookies.is_empty() {
        event.insert("cookies".into(), json!(cookies));
    }
    event.insert("headers".into(), Value::Object(headers));
    if !request.query.is_empty() {
        event.insert(
            "queryStringParameters".into(),
            Value::Object(query_parameters(request.query)),
        );
    }
    event.insert("requestContext".into(), context);
    if !request.body.is_empty() {
        let (body, base64) = body(request.headers, request.body);
        event.insert("body".into(), json!(body));
        event.insert("isBase64Encoded".into(), json!(base64));
    } else {
        event.insert("isBase64Encoded".into(), json!(false));
    }
    if !matched.path_parameters.is_empty() {
        event.insert("pathParameters".into(), json!(matched.path_parameters));
    }
    Value::Object(event)
}

/// Names lower case, repeated headers comma-joined in the order sent; `cookie` goes to
/// `cookies` instead.
fn headers(headers: &HeaderMap) -> Map<String, Value> {
    let mut out = Map::new();
    for name in headers.keys() {
        if name == "cookie" {
            continue;
        }
        let values: Vec<String> = headers
            .get_all(name)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect();
        out.insert(name.as_str().to_owned(), json!(values.join(",")));
    }
    out
}

/// Every cookie of every `Cookie` header, in order.
fn cookies(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all("cookie")
        .iter()
        .flat_map(|v| {
            String::from_utf8_lossy(v.as_bytes())
                .split(';')
                .map(|c| c.trim().to_owned())
                .filter(|c| !c.is_empty())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Names and values decoded; a repeated name's values comma-joined.
fn query_parameters(query: &str) -> Map<String, Value> {
    let mut out: Map<String, Value> = Map::new();
    for (name, value) in query_pairs(query) {
        match out.get_mut(&name) {
            Some(Value::String(joined)) => {
                joined.push(',');
                joined.push_str(&value);
            }
            _ => {
                out.insert(name, Value::String(value));
            }
        }
    }
    out
}

/// The body as text when its content type is text and it is UTF-8; otherwise base64, as
/// API Gateway sends binary (and form-encoded) bodies.
fn body(headers: &HeaderMap, body: &[u8]) -> (String, bool) {
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    let textual = essence.starts_with("text/")
        || essence == "application/json"
        || essence.ends_with("+json")
        || essence == "application/xml"
        || essence.ends_with("+xml")
        || essence == "application/javascript";
    match std::str::from_utf8(body) {
        Ok(text) if textual => (text.to_owned(), false),
        _ => (base64::engine::general_purpose::STANDARD.encode(body), true),
    }
}

/// `26/Nov/2026:12:00:00 +0000`: the Common Log Format time API Gateway uses.
fn clf_time(now_ms: i64) -> String {
    let format =
        format_description!("[day]/[month repr:short]/[year]:[hour]:[minute]:[second] +0000");
    OffsetDateTime::from_unix_timestamp(now_ms.div_euclid(1000))
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::super::routes::Routes;
    use super::*;
    use crate::template::{LoadOptions, load_str};
    use axum::http::HeaderValue;
    use std::path::Path;

    fn routes() -> Routes {
        let model = load_str(
            "Transform: AWS::Serverless-2016-10-31\nResources:\n  Api:\n    Type: AWS::Serverless::HttpApi\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: f\n      Events:\n        E:\n          Type: HttpApi\n          Properties: {ApiId: !Ref Api, Path: '/orders/{id}', Method: POST}\n",
            Path::new("."),
            &LoadOptions::default(),
        )
        .expect("loads");
        Routes::of(&model)
    }

    #[test]
    fn the_event_has_every_member_of_payload_format_2() {
        let routes = routes();
        let matched = routes.find("POST", "/orders/o%2D1").expect("matches");
        let mut headers = HeaderMap::new();
        headers.insert("Host", HeaderValue::from_static("127.0.0.1:4566"));
        headers.insert("Content-Type", HeaderValue::from_static("application/json"));
        headers.append("X-Thing", HeaderValue::from_static("a"));
        headers.append("X-Thing", HeaderValue::from_static("b"));
        headers.append("Cookie", HeaderValue::from_static("c1=1; c2=2"));
        headers.append("Cookie", HeaderValue::from_static("c3=3"));
        headers.insert("User-Agent", HeaderValue::from_static("curl/8.5.0"));
        let event = event(
            &matched,
            Request {
                method: &Method::POST,
                path: "/orders/o%2D1",
                query: "a=1&a=2&b=x%20y&c",
                protocol: "HTTP/1.1",
                headers: &headers,
                body: br#"{"x":1}"#,
                source_ip: "127.0.0.1".parse().expect("ip"),
                request_id: "r-1",
                now_ms: 1_795_694_400_123,
                account_id: "000000000000",
                authorizer: None,
            },
        );
        let api_id = &matched.route.api_id;
        let expected = json!({
            "version": "2.0",
            "routeKey": "POST /orders/{id}",
            "rawPath": "/orders/o%2D1",
            "rawQueryString": "a=1&a=2&b=x%20y&c",
            "cookies": ["c1=1", "c2=2", "c3=3"],
            "headers": {
                "host": "127.0.0.1:4566",
                "content-type": "application/json",
                "x-thing": "a,b",
                "user-agent": "curl/8.5.0",
            },
            "queryStringParameters": {"a": "1,2", "b": "x y", "c": ""},
            "requestContext": {
                "accountId": "000000000000",
                "apiId": api_id,
                "domainName": "127.0.0.1:4566",
                "domainPrefix": "127",
                "http": {
                    "method": "POST",
                    "path": "/orders/o%2D1",
                    "protocol": "HTTP/1.1",
                    "sourceIp": "127.0.0.1",
                    "userAgent": "curl/8.5.0",
                },
                "requestId": "r-1",
                "routeKey": "POST /orders/{id}",
                "stage": "$default",
                "time": "26/Nov/2026:12:00:00 +0000",
                "timeEpoch": 1_795_694_400_123_i64,
            },
            "body": "{\"x\":1}",
            "isBase64Encoded": false,
            "pathParameters": {"id": "o-1"},
        });
        assert_eq!(event, expected);
    }

    #[test]
    fn binary_and_form_bodies_are_base64() {
        let mut headers = HeaderMap::new();
        assert_eq!(body(&headers, b"\xff\x00"), ("/wA=".to_owned(), true));
        headers.insert(
            "content-type",
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        assert_eq!(body(&headers, b"a=1"), ("YT0x".to_owned(), true));
        headers.insert(
            "content-type",
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        assert_eq!(body(&headers, b"a=1"), ("a=1".to_owned(), false));
        headers.insert(
            "content-type",
            HeaderValue::from_static("application/vnd.x+json"),
        );
        assert_eq!(body(&headers, b"{}"), ("{}".to_owned(), false));
    }
}
