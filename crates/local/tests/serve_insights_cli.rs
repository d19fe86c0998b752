//! CloudWatch Logs Insights of `orderly serve`, asked with the real AWS CLI: the saved
//! query that follows one order (template.yaml's `QueryDefinition`) and a `stats … by`
//! answer, with the refusals of a malformed query and an unknown group.

use crate::serve_support;

use serde_json::Value;
use serve_support::cli::{Cli, aws, is_service_error};
use serve_support::{Server, eventually, scenario};
use std::time::Duration;

const GROUPS: [&str; 2] = [
    "/aws/lambda/orderly/register-order",
    "/aws/vendedlogs/states/orderly-order-fulfillment",
];

fn start_query(server: &Server, groups: &[&str], query: &str) -> Cli {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let (start, end) = ((now - 3600).to_string(), (now + 60).to_string());
    let mut args = vec!["logs", "start-query", "--log-group-names"];
    args.extend(groups);
    args.extend([
        "--start-time",
        &start,
        "--end-time",
        &end,
        "--query-string",
        query,
    ]);
    aws(server, &args)
}

fn results(server: &Server, groups: &[&str], query: &str) -> Value {
    let started = start_query(server, groups, query).json();
    let id = started["queryId"].as_str().expect("a query id").to_owned();
    let answer = aws(server, &["logs", "get-query-results", "--query-id", &id]).json();
    assert_eq!(answer["status"], "Complete", "{answer}");
    answer
}

/// A row's value of `field`.
fn value<'a>(row: &'a Value, field: &str) -> Option<&'a str> {
    row.as_array()?
        .iter()
        .find(|c| c["field"] == field)
        .and_then(|c| c["value"].as_str())
}

/// The `QueryString` of template.yaml's saved query (its only `QueryString: |` block).
fn saved_query() -> String {
    let template = std::fs::read_to_string(serve_support::root().join("template.yaml"))
        .expect("template.yaml");
    let mut lines = template
        .lines()
        .skip_while(|l| !l.trim_end().ends_with("QueryString: |"));
    let head = lines.next().expect("template.yaml has a saved query");
    let indent = head.len() - head.trim_start().len();
    let body: Vec<&str> = lines
        .take_while(|l| l.trim().is_empty() || l.len() - l.trim_start().len() > indent)
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    assert!(body.len() > 1, "the saved query has lines: {body:?}");
    body.join("\n")
}

#[test]
fn the_saved_query_follows_one_order_and_stats_count_by_group() {
    let server = Server::start();
    let file = format!("file://{}", scenario("happy-path").display());
    aws(&server, &["events", "put-events", "--entries", &file]).json();
    // The template's saved query, as scripts/logs runs it on AWS.
    let saved = saved_query().replace("REPLACE-WITH-CORRELATION-ID", "corr-happy-1");
    let saved = saved.as_str();
    let answer = eventually(
        "the order's lines in both groups",
        Duration::from_secs(30),
        || {
            let answer = results(&server, &GROUPS, saved);
            let rows = answer["results"].as_array()?.clone();
            let logs: Vec<&str> = rows.iter().filter_map(|r| value(r, "@log")).collect();
            let both = GROUPS.iter().all(|g| logs.iter().any(|l| l.ends_with(g)));
            both.then_some(answer)
        },
    );
    let rows = answer["results"].as_array().expect("rows");
    assert!(
        rows.iter()
            .all(|r| value(r, "@message").is_some_and(|m| m.contains("corr-happy-1"))),
        "only the order's lines"
    );
    let times: Vec<&str> = rows.iter().filter_map(|r| value(r, "@timestamp")).collect();
    let mut sorted = times.clone();
    sorted.sort_unstable();
    assert_eq!(times, sorted, "ascending");
    assert!(rows.iter().all(|r| value(r, "@ptr").is_some()));
    assert_eq!(
        answer["statistics"]["recordsMatched"].as_f64(),
        Some(rows.len() as f64)
    );

    let counted = results(
        &server,
        &GROUPS,
        "filter ispresent(level) | stats count(*) as lines by level",
    );
    let info = counted["results"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| value(r, "level") == Some("INFO"))
        .and_then(|r| value(r, "lines"))
        .and_then(|n| n.parse::<u64>().ok());
    assert!(info.is_some_and(|n| n >= 1), "{counted}");

    let malformed = start_query(
        &server,
        &GROUPS,
        "fields @message | parse @message \"*\" as x",
    );
    assert!(is_service_error(malformed.code));
    assert!(
        malformed.stderr.contains("(MalformedQueryException)")
            && malformed.stderr.contains("parse"),
        "{}",
        malformed.stderr
    );
    let unknown = start_query(&server, &["/no/such/group"], "fields @message");
    assert!(
        unknown.stderr.contains("(ResourceNotFoundException)"),
        "{}",
        unknown.stderr
    );
    let missing = aws(
        &server,
        &["logs", "get-query-results", "--query-id", "no-such-query"],
    );
    assert!(
        missing.stderr.contains("(ResourceNotFoundException)"),
        "{}",
        missing.stderr
    );
}
