//! The console's JSON API in-process, on the repository's template after real scenarios:
//! the path an execution took (each state's status, the edges taken, the Catch of a
//! declined payment), a waiting approval answered through it, one order's event flow, the
//! dead letters with their reasons, the funnel and the logs, and the guard that keeps other
//! sites out. Deterministic: paused tokio time on the virtual clock.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use orderly_local::runtime::trace::HopKind;
use orderly_local::runtime::{CloudInner, LocalCloud};
use orderly_local::scenarios::{
    POISON_BODY, ScenarioEnv, entries, settled, start_cloud, wait_until,
};
use orderly_local::sqs::SendMessage;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use tower::ServiceExt;

const FULFILMENT: &str = "OrderFulfillmentStateMachine";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn cloud() -> LocalCloud {
    start_cloud(&ScenarioEnv::at(root())).expect("the cloud starts")
}

/// Puts the sample events `events/put-events/<name>.json`.
fn put(cloud: &Arc<CloudInner>, name: &str) {
    let results = cloud.put_events(&entries(&root(), name).expect("the sample"));
    assert!(
        results.iter().all(|r| r.error_code.is_none()),
        "{results:?}"
    );
}

/// An answer: its status and JSON body.
struct Answer {
    status: StatusCode,
    body: Value,
    text: String,
}

/// Sends `request` to the served router, as a browser on this machine would.
async fn send(cloud: &Arc<CloudInner>, request: Request<Body>) -> Answer {
    let response = orderly_local::server::router(cloud.clone())
        .oneshot(request)
        .await
        .expect("infallible");
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("a body");
    let text = String::from_utf8_lossy(&bytes).into_owned();
    Answer {
        status,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        text,
    }
}

/// Sends `method uri` with `headers` and `body`.
async fn request(
    cloud: &Arc<CloudInner>,
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Answer {
    let mut request = Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request
        .body(Body::from(body.to_owned()))
        .expect("a request");
    send(cloud, request).await
}

/// This machine's host, as a browser on it names the server.
const HOST: (&str, &str) = ("host", "127.0.0.1:4566");

async fn get(cloud: &Arc<CloudInner>, path: &str) -> Answer {
    request(cloud, "GET", &format!("/_console/api/{path}"), &[HOST], "").await
}

async fn post(cloud: &Arc<CloudInner>, path: &str, body: &Value) -> Answer {
    let headers = [
        HOST,
        ("x-orderly-console", "1"),
        ("origin", "http://127.0.0.1:4566"),
    ];
    let uri = format!("/_console/api/{path}");
    request(cloud, "POST", &uri, &headers, &body.to_string()).await
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The order workflow's execution of `correlation`.
async fn execution_of(cloud: &Arc<CloudInner>, correlation: &str) -> Value {
    let list = get(
        cloud,
        &format!("executions?machine={FULFILMENT}&correlation={correlation}"),
    )
    .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    let arn = list.body[0]["arn"]
        .as_str()
        .unwrap_or_else(|| panic!("no execution: {}", list.text));
    let detail = get(cloud, &format!("execution?arn={}", encode(arn))).await;
    assert_eq!(detail.status, StatusCode::OK, "{}", detail.text);
    detail.body
}

fn statuses(execution: &Value) -> HashMap<String, String> {
    execution["path"]["states"]
        .as_array()
        .expect("states")
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap_or_default().to_owned(),
                s["status"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// The edges taken, as (from, to, kind).
fn taken(execution: &Value) -> Vec<(String, String, String)> {
    let edges = execution["graph"]["edges"].as_array().expect("a graph");
    execution["path"]["taken"]
        .as_array()
        .expect("taken")
        .iter()
        .filter_map(Value::as_u64)
        .map(|i| {
            let e = &edges[i as usize];
            let s = |k: &str| e[k].as_str().unwrap_or_default().to_owned();
            (s("from"), s("to"), s("kind"))
        })
        .collect()
}

/// Whether the taken edges lead from `#start` to `#end`.
fn reaches_the_end(edges: &[(String, String, String)]) -> bool {
    let mut seen = BTreeSet::from(["#start".to_owned()]);
    loop {
        let next: Vec<String> = edges
            .iter()
            .filter(|(from, to, _)| seen.contains(from) && !seen.contains(to))
            .map(|(_, to, _)| to.clone())
            .collect();
        if next.is_empty() {
            return seen.contains("#end");
        }
        seen.extend(next);
    }
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn the_happy_path_is_drawn_succeeded_along_taken_edges_from_start_to_end() {
    let cloud = cloud();
    put(&cloud.inner, "happy-path");
    assert!(wait_until(&cloud.inner, settled).await);
    let execution = execution_of(&cloud.inner, "corr-happy-1").await;
    assert_eq!(execution["status"], "SUCCEEDED");
    let states = statuses(&execution);
    for state in [
        "RegisterOrder",
        "Fulfil",
        "ReserveItem",
        "AuthorizePayment",
        "PublishOrderConfirmed",
        "OrderConfirmed",
    ] {
        assert_eq!(
            states.get(state).map(String::as_str),
            Some("succeeded"),
            "{state}: {states:?}"
        );
    }
    assert!(!states.contains_key("PaymentDeclined"), "{states:?}");
    let edges = taken(&execution);
    assert!(reaches_the_end(&edges), "{edges:?}");
    assert!(
        edges.iter().all(|(_, _, kind)| kind != "catch"),
        "{edges:?}"
    );
    // Both branches of Fulfil join it, the Map's through its own join.
    for from in ["AuthorizePayment", "ReserveItems#join"] {
        assert!(
            edges.contains(&(from.into(), "Fulfil#join".into(), "join".into())),
            "{from}: {edges:?}"
        );
    }
    // Each state of the graph that ran is a node of it.
    let nodes: BTreeSet<&str> = execution["graph"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter_map(|n| n["id"].as_str())
        .collect();
    assert!(
        states.keys().all(|s| nodes.contains(s.as_str())),
        "{states:?} {nodes:?}"
    );
    // A state's detail: its input, and its task attempts with their timings.
    let register = execution["path"]["states"]
        .as_array()
        .expect("states")
        .iter()
        .find(|s| s["name"] == "RegisterOrder")
        .expect("RegisterOrder");
    assert!(
        register["input"]
            .as_str()
            .is_some_and(|i| i.contains("o-happy-1")),
        "{register}"
    );
    assert_eq!(register["attempts"][0]["outcome"], "succeeded");
    assert!(register["attempts"][0]["durationMs"].is_i64(), "{register}");
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_declined_payment_is_caught_and_compensated_on_the_catch_edge() {
    let cloud = cloud();
    put(&cloud.inner, "payment-declined");
    assert!(wait_until(&cloud.inner, settled).await);
    let execution = execution_of(&cloud.inner, "corr-declined-1").await;
    let states = statuses(&execution);
    assert_eq!(states["Fulfil"], "caught", "{states:?}");
    assert_eq!(states["AuthorizePayment"], "failed", "{states:?}");
    for state in [
        "PaymentDeclined",
        "Compensate",
        "VoidPayment",
        "ReleaseItem",
        "PublishOrderFailed",
    ] {
        assert_eq!(
            states.get(state).map(String::as_str),
            Some("succeeded"),
            "{state}: {states:?}"
        );
    }
    assert!(!states.contains_key("PublishOrderConfirmed"), "{states:?}");
    let edges = taken(&execution);
    assert!(
        edges.contains(&("Fulfil".into(), "PaymentDeclined".into(), "catch".into())),
        "{edges:?}"
    );
    // The Parallel was left through its Catch, not its Next.
    assert!(
        !edges
            .iter()
            .any(|(from, to, _)| from == "Fulfil#join" && to == "QuoteShipment"),
        "{edges:?}"
    );
    assert!(reaches_the_end(&edges), "{edges:?}");
    let failed = execution["path"]["states"]
        .as_array()
        .expect("states")
        .iter()
        .find(|s| s["name"] == "AuthorizePayment")
        .expect("state");
    assert_eq!(failed["error"], "PaymentDeclined", "{failed}");
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_waiting_approval_is_answered_through_the_api_without_showing_its_token() {
    let cloud = cloud();
    put(&cloud.inner, "approval-needed");
    // Waiting: request-approval has answered, and the task waits for its token.
    let waiting = wait_until(&cloud.inner, |c| {
        c.executions()
            .iter()
            .any(|e| e.history().iter().any(|h| h.event_type == "TaskSubmitted"))
    })
    .await;
    assert!(waiting, "the approval task waits for its token");
    let execution = execution_of(&cloud.inner, "corr-approval-1").await;
    assert_eq!(execution["status"], "RUNNING");
    assert_eq!(statuses(&execution)["RequestApproval"], "waiting");
    assert_eq!(execution["path"]["waiting"]["state"], "RequestApproval");
    let tokens = cloud.inner.issued_task_tokens();
    let arn = execution["arn"].as_str().expect("arn").to_owned();
    let shown = get(&cloud.inner, &format!("execution?arn={}", encode(&arn)))
        .await
        .text;
    for token in &tokens {
        assert!(
            !shown.contains(token.as_str()),
            "the page got the task token"
        );
    }
    // A write without the console's header is refused, and changes nothing.
    let forged = format!(
        "/_console/api/execution/callback?arn={}&state=RequestApproval",
        encode(&arn)
    );
    let answer = r#"{"outcome": "success", "output": {}}"#;
    let forged = request(&cloud.inner, "POST", &forged, &[HOST], answer).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let malformed = post(
        &cloud.inner,
        &format!(
            "execution/callback?arn={}&state=RequestApproval",
            encode(&arn)
        ),
        &serde_json::json!({"outcome": "maybe"}),
    )
    .await;
    assert_eq!(
        malformed.status,
        StatusCode::BAD_REQUEST,
        "{}",
        malformed.text
    );
    let decision = serde_json::json!({"outcome": "success", "output": execution["path"]["waiting"]["suggestedOutput"]});
    // Only the state that waits is answered.
    let elsewhere = post(
        &cloud.inner,
        &format!(
            "execution/callback?arn={}&state=RegisterOrder",
            encode(&arn)
        ),
        &decision,
    )
    .await;
    assert_eq!(
        elsewhere.status,
        StatusCode::BAD_REQUEST,
        "{}",
        elsewhere.text
    );
    let answered = post(
        &cloud.inner,
        &format!(
            "execution/callback?arn={}&state=RequestApproval",
            encode(&arn)
        ),
        &decision,
    )
    .await;
    assert_eq!(answered.status, StatusCode::OK, "{}", answered.text);
    assert!(wait_until(&cloud.inner, settled).await);
    let execution = execution_of(&cloud.inner, "corr-approval-1").await;
    assert_eq!(execution["status"], "SUCCEEDED", "{}", execution["error"]);
    assert_eq!(statuses(&execution)["RequestApproval"], "succeeded");
    let again = post(
        &cloud.inner,
        &format!(
            "execution/callback?arn={}&state=RequestApproval",
            encode(&arn)
        ),
        &decision,
    )
    .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST, "{}", again.text);
    assert!(tokens.iter().all(|t| !again.text.contains(t.as_str())));
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn the_event_flow_of_an_order_lists_its_hops_in_causal_order() {
    let cloud = cloud();
    put(&cloud.inner, "happy-path");
    assert!(wait_until(&cloud.inner, settled).await);
    let flow = get(&cloud.inner, "flow?id=corr-happy-1").await.body;
    let hops = flow["hops"].as_array().expect("hops");
    let position = |kind: &str, name: &str| {
        hops.iter()
            .position(|h| h["kind"] == kind && h["name"].as_str().is_some_and(|n| n.contains(name)))
            .unwrap_or_else(|| panic!("no {kind} {name} in {flow}"))
    };
    let created = position("event-put", "OrderCreated");
    let matched = position("rule-matched", "");
    let registered = position("invoked", "RegisterOrder");
    let entered = position("state-entered", "RegisterOrder");
    let confirmed = position("event-put", "OrderConfirmed");
    let shipped = position("message-received", "Shipping");
    let ended = hops
        .iter()
        .position(|h| h["kind"] == "execution-ended" && h["lane"] == FULFILMENT)
        .expect("the workflow's end");
    assert!(
        created < matched && matched < registered && created < entered,
        "{flow}"
    );
    assert!(
        registered < confirmed && confirmed < shipped && confirmed < ended,
        "{flow}"
    );
    // A rule's hops are in the lane of its bus.
    let lane_of = |kind: &str, name: &str| {
        hops.iter()
            .find(|h| h["kind"] == kind && h["name"] == name)
            .map(|h| h["lane"].clone())
    };
    assert_eq!(
        lane_of("target-delivered", "OrderStreamRule"),
        Some(Value::from("orders-bus")),
        "{flow}"
    );
    assert_eq!(
        lane_of("rule-matched", "AuditRule"),
        Some(Value::from("audit-bus")),
        "{flow}"
    );
    // Every hop is in a lane the flow lists.
    let lanes: Vec<&Value> = flow["lanes"].as_array().expect("lanes").iter().collect();
    assert!(hops.iter().all(|h| lanes.contains(&&h["lane"])));
    // The order id finds the same journey; an unknown id finds nothing.
    let by_order = get(&cloud.inner, "flow?id=o-happy-1").await.body;
    assert_eq!(
        by_order["correlationIds"],
        serde_json::json!(["corr-happy-1"])
    );
    assert_eq!(by_order["hops"], flow["hops"]);
    let unknown = get(&cloud.inner, "flow?id=o-nobody").await.body;
    assert_eq!(unknown["hops"], serde_json::json!([]));
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_poison_message_is_a_dead_letter_with_its_reason_and_can_be_redriven() {
    let cloud = cloud();
    let audit = cloud
        .inner
        .model
        .queues
        .get("AuditQueue")
        .map(|q| q.name.clone())
        .expect("the audit queue");
    cloud
        .inner
        .sqs
        .queue(&audit)
        .expect("queue")
        .send(SendMessage::new(POISON_BODY))
        .expect("sent");
    // A message no consumer can read that carries secrets: dead-lettered, shown masked.
    let secret = r#"{"detail": {"data": {"paymentToken": "tok_secret_1", "customer": {"email": "buyer@example.com"}}}}"#;
    cloud
        .inner
        .sqs
        .queue(&audit)
        .expect("queue")
        .send(SendMessage::new(secret))
        .expect("sent");
    assert!(wait_until(&cloud.inner, settled).await);
    let answer = get(&cloud.inner, "queues").await;
    assert!(
        answer.text.contains("***")
            && !answer.text.contains("tok_secret_1")
            && !answer.text.contains("buyer@example.com"),
        "{}",
        answer.text
    );
    let queues = answer.body;
    let letters = queues["deadLetters"].as_array().expect("dead letters");
    let poison = letters
        .iter()
        .find(|d| d["body"] == POISON_BODY)
        .unwrap_or_else(|| panic!("{queues}"));
    assert!(
        poison["reason"].as_str().is_some_and(|r| !r.is_empty()),
        "{poison}"
    );
    let dlq = poison["queue"].as_str().expect("a queue").to_owned();
    let row = queues["queues"]
        .as_array()
        .expect("queues")
        .iter()
        .find(|q| q["name"] == dlq)
        .expect("the DLQ row");
    assert_eq!(row["dlq"], true);
    assert_eq!(row["redrivable"], true);
    assert!(row["depth"].as_u64() >= Some(1), "{row}");
    let source = queues["queues"]
        .as_array()
        .expect("queues")
        .iter()
        .find(|q| q["name"] == audit)
        .expect("the audit row");
    assert_eq!(source["dlq"], false);
    assert_eq!(source["deadLetterQueue"], dlq.as_str());
    // Redriven, it goes back to the audit queue (and, still poison, fails again).
    let received = |c: &CloudInner| {
        c.trace
            .hops()
            .iter()
            .filter(
                |h| matches!(&h.kind, HopKind::MessageReceived { queue, .. } if *queue == audit),
            )
            .count()
    };
    let before = received(&cloud.inner);
    let redriven = post(
        &cloud.inner,
        &format!("queues/redrive?name={dlq}"),
        &Value::Null,
    )
    .await;
    assert_eq!(redriven.status, StatusCode::OK, "{}", redriven.text);
    let moved = wait_until(&cloud.inner, |c| received(c) > before).await;
    assert!(
        moved,
        "the redriven message was received from the audit queue again"
    );
    let unknown = post(
        &cloud.inner,
        "queues/redrive?name=no-such-queue",
        &Value::Null,
    )
    .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let not_a_dlq = post(
        &cloud.inner,
        &format!("queues/redrive?name={audit}"),
        &Value::Null,
    )
    .await;
    assert_eq!(
        not_a_dlq.status,
        StatusCode::BAD_REQUEST,
        "{}",
        not_a_dlq.text
    );
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn the_funnel_counts_the_orders_and_the_logs_filter_by_correlation_id() {
    let cloud = cloud();
    put(&cloud.inner, "happy-path");
    put(&cloud.inner, "payment-declined");
    assert!(wait_until(&cloud.inner, settled).await);
    let metrics = get(&cloud.inner, "metrics").await.body;
    // OrdersPlaced counts at the front door, which these orders did not pass.
    assert!(
        metrics["totals"]["confirmed"].as_f64() >= Some(1.0),
        "{}",
        metrics["totals"]
    );
    assert!(
        metrics["totals"]["failed"]["PaymentDeclined"].as_f64() >= Some(1.0),
        "{}",
        metrics["totals"]
    );
    let hops: Vec<&str> = metrics["hops"]
        .as_array()
        .expect("hops")
        .iter()
        .filter_map(|h| h["name"].as_str())
        .collect();
    assert!(hops.iter().any(|h| h.starts_with("put → rule")), "{hops:?}");
    let functions = metrics["functions"].as_array().expect("functions");
    assert!(
        functions.iter().any(|f| f["name"]
            .as_str()
            .is_some_and(|n| n.contains("AuthorizePayment"))
            && f["count"].as_u64() >= Some(2)),
        "{functions:?}"
    );
    let logs = get(&cloud.inner, "logs?correlation=corr-declined-1")
        .await
        .body;
    let lines = logs["lines"].as_array().expect("lines");
    assert!(!lines.is_empty());
    assert!(
        lines
            .iter()
            .all(|l| l["correlationId"] == "corr-declined-1"),
        "{logs}"
    );
    let emf = get(&cloud.inner, "logs?text=OrdersConfirmed").await.body;
    assert!(
        emf["lines"]
            .as_array()
            .expect("lines")
            .iter()
            .any(|l| l["metrics"]["OrdersConfirmed"].is_number()),
        "{emf}"
    );
    // Nothing the console answers carries the payment token or a customer's e-mail.
    for path in ["logs", "metrics", "queues", "flow?id=corr-happy-1"] {
        let text = get(&cloud.inner, path).await.text;
        assert!(
            !text.contains("tok_visa") && !text.contains("@example.com"),
            "{path}"
        );
    }
    let execution = execution_of(&cloud.inner, "corr-happy-1").await.to_string();
    assert!(!execution.contains("tok_visa") && !execution.contains("@example.com"));
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn requests_for_another_host_and_writes_from_another_origin_are_refused() {
    let cloud = cloud();
    let refused = [
        // A name rebound to this machine.
        (
            "GET",
            "/_console/api/workflows",
            vec![("host", "orderly.attacker.example")],
        ),
        // A write from a page of another origin.
        (
            "POST",
            "/_console/api/queues/redrive?name=x",
            vec![
                HOST,
                ("x-orderly-console", "1"),
                ("origin", "http://attacker.example"),
            ],
        ),
        // A page of another site may not even read: every read costs the server a scan.
        (
            "GET",
            "/_console/api/logs",
            vec![HOST, ("sec-fetch-site", "cross-site")],
        ),
    ];
    for (method, uri, headers) in refused {
        let answer = request(&cloud.inner, method, uri, &headers, "").await;
        assert_eq!(
            answer.status,
            StatusCode::FORBIDDEN,
            "{method} {uri} {headers:?}"
        );
    }
    let page = request(
        &cloud.inner,
        "GET",
        "/_console/",
        &[("host", "localhost:4566")],
        "",
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("console.js"));
    let workflows = get(&cloud.inner, "workflows").await.body;
    assert!(
        workflows
            .as_array()
            .expect("workflows")
            .iter()
            .any(|w| w["logicalId"] == FULFILMENT)
    );
    let graph = get(&cloud.inner, &format!("workflow?id={FULFILMENT}"))
        .await
        .body;
    assert!(
        graph["graph"]["nodes"]
            .as_array()
            .is_some_and(|n| n.len() > 20),
        "{graph}"
    );
    assert_eq!(
        get(&cloud.inner, "workflow?id=Nothing").await.status,
        StatusCode::NOT_FOUND
    );
}
