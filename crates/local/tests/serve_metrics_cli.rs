//! CloudWatch metrics of `orderly serve`, asked with the real AWS CLI (which speaks RPC v2
//! CBOR to CloudWatch): the metrics the functions' EMF lines define are listed, and every
//! query of the template's dashboard on the `Orderly` namespace is answered.

use crate::serve_support;

use serde_json::{Value, json};
use serve_support::cli::{Cli, aws, is_service_error};
use serve_support::{Server, eventually, root, scenario};
use std::time::Duration;

/// The `Orderly` metric math of the template's dashboard (`"expression": "…"`), unescaped.
fn dashboard_expressions() -> Vec<String> {
    let template = std::fs::read_to_string(root().join("template.yaml")).expect("the template");
    template
        .split(r#"{"expression": ""#)
        .skip(1)
        .filter_map(|rest| rest.split_once(r#"", "label""#).map(|(e, _)| e))
        .map(|e| e.replace(r#"\""#, "\""))
        .filter(|e| e.contains("Namespace=\"Orderly\""))
        .collect()
}

fn window() -> (String, String) {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    ((now - 3600).to_string(), (now + 600).to_string())
}

fn get_metric_data(server: &Server, start: &str, end: &str, queries: &str) -> Cli {
    aws(
        server,
        &[
            "cloudwatch",
            "get-metric-data",
            "--start-time",
            start,
            "--end-time",
            end,
            "--metric-data-queries",
            queries,
        ],
    )
}

fn metric_data(server: &Server, queries: &Value) -> Value {
    let (start, end) = window();
    get_metric_data(server, &start, &end, &queries.to_string()).json()
}

#[test]
fn emf_metrics_are_listed_and_the_dashboards_queries_answered() {
    let server = Server::start();
    let file = format!("file://{}", scenario("happy-path").display());
    aws(&server, &["events", "put-events", "--entries", &file]).json();
    let listed = eventually("OrdersConfirmed listed", Duration::from_secs(30), || {
        let listed = aws(
            &server,
            &[
                "cloudwatch",
                "list-metrics",
                "--namespace",
                "Orderly",
                "--metric-name",
                "OrdersConfirmed",
            ],
        )
        .json();
        (listed["Metrics"].as_array()?.len() == 1).then_some(listed)
    });
    let dimensions = &listed["Metrics"][0]["Dimensions"];
    assert_eq!(
        dimensions,
        &json!([{"Name": "function", "Value": "audit"}, {"Name": "service", "Value": "orderly"}])
    );
    let by_function = aws(
        &server,
        &[
            "cloudwatch",
            "list-metrics",
            "--namespace",
            "Orderly",
            "--dimensions",
            "Name=function,Value=ship-order",
        ],
    )
    .json();
    let names: Vec<&str> = by_function["Metrics"]
        .as_array()
        .expect("metrics")
        .iter()
        .filter_map(|m| m["MetricName"].as_str())
        .collect();
    assert!(names.contains(&"BatchSize"), "{names:?}");
    assert!(!names.contains(&"OrdersConfirmed"), "{names:?}");

    // Every Orderly query of the dashboard is answered: a SUM gives one series, a bare
    // SEARCH one per metric it finds (none for a reason no order failed for).
    let expressions = dashboard_expressions();
    let sums = expressions.iter().filter(|e| e.starts_with("SUM(")).count();
    assert!(sums >= 3, "the funnel: {expressions:?}");
    let queries: Vec<Value> = expressions
        .iter()
        .enumerate()
        .map(|(i, e)| json!({"Id": format!("q{i}"), "Expression": e}))
        .collect();
    let answered = metric_data(&server, &Value::Array(queries));
    let results = answered["MetricDataResults"].as_array().expect("results");
    assert!(results.len() >= sums, "{answered}");
    assert!(results.iter().all(|r| r["StatusCode"] == "Complete"));
    let confirmed_id = expressions
        .iter()
        .position(|e| e.starts_with("SUM(") && e.contains("OrdersConfirmed"))
        .map(|i| format!("q{i}"))
        .expect("the confirmed query");
    let confirmed = results
        .iter()
        .find(|r| r["Id"] == confirmed_id.as_str())
        .expect("its result");
    assert_eq!(confirmed["Values"], json!([1.0]), "{confirmed}");
    let at = confirmed["Timestamps"][0].as_f64().expect("a timestamp");
    assert_eq!(at % 60.0, 0.0, "periods start on a minute: {at}");

    let batch = metric_data(
        &server,
        &json!([{"Id": "batch", "MetricStat": {"Metric": {"Namespace": "Orderly",
            "MetricName": "BatchSize", "Dimensions": [{"Name": "service", "Value": "orderly"},
            {"Name": "function", "Value": "ship-order"}]}, "Period": 3600, "Stat": "SampleCount"}}]),
    );
    assert_eq!(batch["MetricDataResults"][0]["Label"], "BatchSize");
    assert!(
        batch["MetricDataResults"][0]["Values"][0].as_f64() >= Some(1.0),
        "{batch}"
    );

    let (start, end) = window();
    let refused = get_metric_data(
        &server,
        &end,
        &start,
        r#"[{"Id": "x", "Expression": "METRICS()"}]"#,
    );
    assert!(is_service_error(refused.code));
    assert!(
        refused.stderr.contains("(InvalidParameterValue)")
            && refused
                .stderr
                .contains("StartTime must be less than the parameter EndTime"),
        "{}",
        refused.stderr
    );
    let math = get_metric_data(
        &server,
        &start,
        &end,
        r#"[{"Id": "x", "Expression": "METRICS()"}]"#,
    );
    assert!(
        math.stderr.contains("(InvalidParameterValue)") && math.stderr.contains("SEARCH"),
        "{}",
        math.stderr
    );
    let bad_id = get_metric_data(
        &server,
        &start,
        &end,
        r#"[{"Id": "Upper", "Expression": "SEARCH('Namespace=\"Orderly\"', 'Sum', 60)"}]"#,
    );
    assert!(
        bad_id.stderr.contains("Upper") && bad_id.stderr.contains("lowercase"),
        "{}",
        bad_id.stderr
    );
}
