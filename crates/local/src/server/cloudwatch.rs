//! CloudWatch metrics (`GraniteServiceVersion20100801`, RPC v2 CBOR or JSON 1.0):
//! ListMetrics and GetMetricData over the metrics the cloud's EMF log lines define
//! ([`crate::runtime::metrics`]). GetMetricData takes metric queries (`MetricStat`) and
//! the metric math the template's dashboard uses: `SEARCH('…', 'Stat', Period)` and
//! `SUM(SEARCH(…))`.

use std::collections::{BTreeMap, HashSet};

use serde_json::{Value, json};

use super::wire::{ApiError, Input, listed, page};
use crate::runtime::CloudInner;
use crate::runtime::metrics::{self, Datapoint, MetricId, Search, Stat};

/// The service's name in targets and paths.
pub const SERVICE: &str = "GraniteServiceVersion20100801";
const NAMESPACE: &str = "com.amazonaws.cloudwatch";
/// The most queries one GetMetricData takes.
const MAX_QUERIES: usize = 500;
/// ListMetrics answers 500 metrics a page.
const LIST_PAGE: usize = 500;

/// Serves one CloudWatch operation; any other is an unknown operation.
pub fn dispatch(cloud: &CloudInner, operation: &str, input: &Input) -> Result<Value, ApiError> {
    match operation {
        "ListMetrics" => list_metrics(cloud, input),
        "GetMetricData" => get_metric_data(cloud, input),
        _ => Err(
            ApiError::unknown_operation(&format!("{SERVICE}.{operation}"))
                .with_namespace(NAMESPACE),
        ),
    }
}

/// An error as CloudWatch answers it: the shape, and its query code for the SDKs.
fn error(shape: &str, query_code: &str, message: impl Into<String>) -> ApiError {
    ApiError::new(shape, message)
        .with_namespace(NAMESPACE)
        .with_query_error(query_code)
}

fn invalid(message: impl Into<String>) -> ApiError {
    error(
        "InvalidParameterValueException",
        "InvalidParameterValue",
        message,
    )
}

fn missing(parameter: &str) -> ApiError {
    error(
        "MissingRequiredParameterException",
        "MissingParameter",
        format!("The parameter {parameter} is required."),
    )
}

/// Every metric the log groups' EMF lines define, with its datapoints.
pub fn all_metrics(cloud: &CloudInner) -> BTreeMap<MetricId, Vec<Datapoint>> {
    let mut lines = Vec::new();
    cloud.logs.scan(|_, text| {
        if text.contains("\"CloudWatchMetrics\"") {
            lines.push(text.to_owned());
        }
    });
    metrics::from_emf(lines.iter().map(String::as_str))
}

fn metric_json(metric: &MetricId) -> Value {
    let dimensions: Vec<Value> = metric
        .dimensions
        .iter()
        .map(|(name, value)| json!({"Name": name, "Value": value}))
        .collect();
    json!({"Namespace": metric.namespace, "MetricName": metric.name, "Dimensions": dimensions})
}

fn list_metrics(cloud: &CloudInner, input: &Input) -> Result<Value, ApiError> {
    let namespace = input.str("Namespace")?;
    let name = input.str("MetricName")?;
    let mut filters = Vec::new();
    for (i, filter) in input.list("Dimensions")?.into_iter().flatten().enumerate() {
        let filter = Input::from_map(filter.as_object().cloned().unwrap_or_default());
        let dimension = filter
            .str("Name")?
            .ok_or_else(|| missing(&format!("Dimensions.member.{}.Name", i + 1)))?;
        filters.push((
            dimension.to_owned(),
            filter.str("Value")?.map(str::to_owned),
        ));
    }
    if filters.len() > 10 {
        return Err(invalid(
            "The collection Dimensions must not have more than 10 members.",
        ));
    }
    if let Some(active) = input.str("RecentlyActive")?
        && active != "PT3H"
    {
        return Err(invalid(format!(
            "The value {active} for parameter RecentlyActive is not valid: PT3H is the only one."
        )));
    }
    let found: Vec<Value> = all_metrics(cloud)
        .keys()
        .filter(|m| namespace.is_none_or(|n| n == m.namespace))
        .filter(|m| name.is_none_or(|n| n == m.name))
        .filter(|m| {
            filters.iter().all(|(dimension, value)| {
                m.dimensions
                    .iter()
                    .any(|(n, v)| n == dimension && value.as_ref().is_none_or(|w| w == v))
            })
        })
        .map(metric_json)
        .collect();
    let (metrics, next) = page(&found, input.str("NextToken")?, LIST_PAGE)
        .map_err(|e| error("InvalidNextToken", "InvalidNextToken", e.message))?;
    Ok(listed("Metrics", metrics, next))
}

/// A timestamp member (epoch seconds) in epoch ms.
fn time_ms(input: &Input, key: &str) -> Result<i64, ApiError> {
    // Years 1 to 9999, as a timestamp holds them: nothing the window arithmetic overflows on.
    const LIMIT_SECONDS: f64 = 253_402_300_799.0;
    let seconds = input
        .get(key)
        .ok_or_else(|| missing(key))?
        .as_f64()
        .filter(|s| s.abs() <= LIMIT_SECONDS)
        .ok_or_else(|| invalid(format!("The parameter {key} must be a timestamp.")))?;
    Ok((seconds * 1000.0).round() as i64)
}

/// A period CloudWatch accepts: 1, 5, 10, 20 or 30 seconds (high resolution), or a
/// multiple of 60.
fn period_ms(value: Option<&Value>, at: &str) -> Result<i64, ApiError> {
    // `Period` is an int32 on the wire.
    let period = value
        .ok_or_else(|| missing(at))?
        .as_i64()
        .filter(|p| i32::try_from(*p).is_ok())
        .ok_or_else(|| invalid(format!("The parameter {at} must be an integer.")))?;
    if period < 1 || !(matches!(period, 1 | 5 | 10 | 20 | 30) || period % 60 == 0) {
        return Err(invalid(format!(
            "The parameter {at} must be 1, 5, 10, 20, 30, or a multiple of 60."
        )));
    }
    Ok(period * 1000)
}

/// The window and order every query of a request shares.
struct Window {
    start_ms: i64,
    end_ms: i64,
}

impl Window {
    /// Where the periods start, as CloudWatch rounds StartTime: down to the period's
    /// division of a minute under 60 s, down to the minute otherwise.
    fn start(&self, period_ms: i64) -> i64 {
        let unit = period_ms.min(60_000);
        self.start_ms - self.start_ms.rem_euclid(unit)
    }
}

/// One answer: a query's id, label and series.
struct Answer {
    id: String,
    label: String,
    points: Vec<(i64, f64)>,
}

fn get_metric_data(cloud: &CloudInner, input: &Input) -> Result<Value, ApiError> {
    let queries = input
        .list("MetricDataQueries")?
        .ok_or_else(|| missing("MetricDataQueries"))?;
    if queries.is_empty() || queries.len() > MAX_QUERIES {
        return Err(invalid(format!(
            "The collection MetricDataQueries must have 1 to {MAX_QUERIES} members."
        )));
    }
    let window = Window {
        start_ms: time_ms(input, "StartTime")?,
        end_ms: time_ms(input, "EndTime")?,
    };
    if window.start_ms >= window.end_ms {
        return Err(invalid(
            "The parameter StartTime must be less than the parameter EndTime.",
        ));
    }
    let ascending = match input.str("ScanBy")? {
        None | Some("TimestampDescending") => false,
        Some("TimestampAscending") => true,
        Some(other) => {
            return Err(invalid(format!(
                "The value {other} for parameter ScanBy is not valid."
            )));
        }
    };
    let metrics = all_metrics(cloud);
    let mut ids = HashSet::new();
    let mut results = Vec::new();
    for (i, query) in queries.iter().enumerate() {
        let at = format!("MetricDataQueries.member.{}", i + 1);
        let query = Input::from_map(query.as_object().cloned().unwrap_or_default());
        let id = query
            .str("Id")?
            .ok_or_else(|| missing(&format!("{at}.Id")))?;
        let valid_id = id.starts_with(|c: char| c.is_ascii_lowercase())
            && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid_id {
            return Err(invalid(format!(
                "The value {id} for parameter {at}.Id is not valid: it must start with a \
                 lowercase letter and hold only letters, digits and underscores."
            )));
        }
        if !ids.insert(id.to_owned()) {
            return Err(invalid(format!(
                "The value {id} for parameter {at}.Id is used by another query."
            )));
        }
        let answers = answer(&metrics, &query, id, &at, &window)?;
        if query.bool("ReturnData")? != Some(false) {
            results.extend(answers);
        }
    }
    let results: Vec<Value> = results
        .into_iter()
        .map(|mut a| {
            if !ascending {
                a.points.reverse();
            }
            let timestamps: Vec<Value> = a
                .points
                .iter()
                .map(|(at, _)| json!(*at as f64 / 1000.0))
                .collect();
            let values: Vec<Value> = a.points.iter().map(|(_, v)| json!(v)).collect();
            json!({
                "Id": a.id,
                "Label": a.label,
                "Timestamps": timestamps,
                "Values": values,
                "StatusCode": "Complete",
            })
        })
        .collect();
    Ok(json!({"MetricDataResults": results, "Messages": []}))
}

/// The series of one query: a `MetricStat`, or an `Expression` (`SEARCH` gives a series
/// per metric it finds, `SUM(SEARCH(…))` one).
fn answer(
    metrics: &BTreeMap<MetricId, Vec<Datapoint>>,
    query: &Input,
    id: &str,
    at: &str,
    window: &Window,
) -> Result<Vec<Answer>, ApiError> {
    let label = query.str("Label")?.map(str::to_owned);
    match (query.map("MetricStat")?, query.str("Expression")?) {
        (Some(stat), None) => {
            let stat = Input::from_map(stat.clone());
            let metric = Input::from_map(
                stat.map("Metric")?
                    .cloned()
                    .ok_or_else(|| missing(&format!("{at}.MetricStat.Metric")))?,
            );
            let mut dimensions = Vec::new();
            for dimension in metric.list("Dimensions")?.into_iter().flatten() {
                let dimension = Input::from_map(dimension.as_object().cloned().unwrap_or_default());
                let name = dimension.str("Name")?.unwrap_or_default().to_owned();
                let value = dimension.str("Value")?.unwrap_or_default().to_owned();
                dimensions.push((name, value));
            }
            dimensions.sort();
            let id_of = MetricId {
                namespace: metric.str("Namespace")?.unwrap_or_default().to_owned(),
                name: metric
                    .str("MetricName")?
                    .ok_or_else(|| missing(&format!("{at}.MetricStat.Metric.MetricName")))?
                    .to_owned(),
                dimensions,
            };
            let period = period_ms(stat.get("Period"), &format!("{at}.MetricStat.Period"))?;
            let stat_name = stat
                .str("Stat")?
                .ok_or_else(|| missing(&format!("{at}.MetricStat.Stat")))?;
            let stat = Stat::parse(stat_name).ok_or_else(|| {
                invalid(format!(
                    "The value {stat_name} for parameter {at}.MetricStat.Stat is not a \
                     statistic served here: SampleCount, Sum, Average, Minimum, Maximum or pNN."
                ))
            })?;
            let points = metrics.get(&id_of).map_or_else(Vec::new, |points| {
                metrics::series(points, stat, period, window.start(period), window.end_ms)
            });
            Ok(vec![Answer {
                id: id.to_owned(),
                label: label.unwrap_or_else(|| id_of.name.clone()),
                points,
            }])
        }
        (None, Some(expression)) => {
            let (summed, search, stat, period) = parse_expression(expression).map_err(|why| {
                invalid(format!(
                    "The expression {expression:?} of {at}.Expression is not one the local \
                         cloud evaluates ({why}): it evaluates SEARCH('…', 'Stat', Period) and \
                         SUM(SEARCH(…))."
                ))
            })?;
            let found: Vec<(&MetricId, Vec<(i64, f64)>)> = metrics
                .iter()
                .filter(|(m, _)| search.matches(m))
                .map(|(m, points)| {
                    let start = window.start(period);
                    (
                        m,
                        metrics::series(points, stat, period, start, window.end_ms),
                    )
                })
                .collect();
            if summed {
                let all: Vec<Vec<(i64, f64)>> = found.into_iter().map(|(_, s)| s).collect();
                return Ok(vec![Answer {
                    id: id.to_owned(),
                    label: label.unwrap_or_else(|| id.to_owned()),
                    points: metrics::sum_series(&all),
                }]);
            }
            Ok(found
                .into_iter()
                .map(|(m, points)| Answer {
                    id: id.to_owned(),
                    label: search_label(label.as_deref(), m),
                    points,
                })
                .collect())
        }
        _ => Err(error(
            "InvalidParameterCombinationException",
            "InvalidParameterCombination",
            format!("Exactly one of MetricStat and Expression must be given in {at}."),
        )),
    }
}

/// The label of one series a SEARCH found: the query's label, else the metric's
/// dimension values.
fn search_label(label: Option<&str>, metric: &MetricId) -> String {
    let values: Vec<&str> = metric.dimensions.iter().map(|(_, v)| v.as_str()).collect();
    match label {
        Some(label) => format!("{label} {}", values.join(" "))
            .trim_end()
            .to_owned(),
        None => format!("{} {}", metric.name, values.join(" "))
            .trim_end()
            .to_owned(),
    }
}

/// `SEARCH('terms', 'Stat', Period)`, or `SUM(` of it `)`: whether summed, the search, the
/// statistic and the period in ms.
fn parse_expression(text: &str) -> Result<(bool, Search, Stat, i64), String> {
    let text = text.trim();
    let (summed, inner) = match text.strip_prefix("SUM(").and_then(|t| t.strip_suffix(')')) {
        Some(inner) => (true, inner.trim()),
        None => (false, text),
    };
    let args = inner
        .strip_prefix("SEARCH(")
        .and_then(|t| t.strip_suffix(')'))
        .ok_or("not a SEARCH")?;
    // 'terms', 'Stat', Period — the terms may hold commas, so split from the end.
    let (rest, period) = args
        .rsplit_once(',')
        .ok_or("SEARCH takes three arguments")?;
    let (terms, stat) = rest
        .rsplit_once(',')
        .ok_or("SEARCH takes three arguments")?;
    let quoted = |s: &str| -> Result<String, String> {
        let s = s.trim();
        s.strip_prefix('\'')
            .and_then(|s| s.strip_suffix('\''))
            .map(str::to_owned)
            .ok_or_else(|| format!("{s} is not a quoted string"))
    };
    let search = Search::parse(&quoted(terms)?)?;
    let stat_text = quoted(stat)?;
    let stat = Stat::parse(&stat_text).ok_or_else(|| format!("unknown statistic {stat_text}"))?;
    let period = period_ms(
        Some(&Value::from(period.trim().parse::<i64>().map_err(
            |_| format!("the period {} is not an integer", period.trim()),
        )?)),
        "Period",
    )
    .map_err(|e| e.message)?;
    Ok((summed, search, stat, period))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_and_times_out_of_range_are_refused_not_overflowed() {
        let huge = json!(9_223_372_036_854_775_800_i64);
        assert!(period_ms(Some(&huge), "Period").is_err());
        assert_eq!(period_ms(Some(&json!(60)), "Period").ok(), Some(60_000));
        let input =
            |t: Value| Input::from_map(json!({"StartTime": t}).as_object().cloned().unwrap());
        assert!(time_ms(&input(json!(-1e300)), "StartTime").is_err());
        assert!(time_ms(&input(json!("x")), "StartTime").is_err());
        assert_eq!(time_ms(&input(json!(1.5)), "StartTime").ok(), Some(1500));
    }

    #[test]
    fn the_dashboards_expressions_parse() {
        let (summed, search, stat, period) = parse_expression(
            r#"SUM(SEARCH('Namespace="Orderly" MetricName="OrdersPlaced"', 'Sum', 300))"#,
        )
        .unwrap();
        assert!(summed);
        assert_eq!(stat, Stat::Sum);
        assert_eq!(period, 300_000);
        assert!(search.matches(&MetricId {
            namespace: "Orderly".into(),
            name: "OrdersPlaced".into(),
            dimensions: vec![("function".into(), "place-order".into())],
        }));
        let (summed, ..) = parse_expression(r#"SEARCH('Namespace="Orderly"', 'p99', 60)"#).unwrap();
        assert!(!summed);
        for bad in [
            "METRICS()",
            r#"SEARCH('Namespace="Orderly"', 'Sum')"#,
            r#"SEARCH('Namespace="Orderly"', 'Median', 60)"#,
            r#"SEARCH('Namespace="Orderly"', 'Sum', 61)"#,
            r#"SEARCH(Namespace="Orderly", 'Sum', 60)"#,
        ] {
            assert!(parse_expression(bad).is_err(), "{bad}");
        }
    }
}
