//! CloudWatch metrics as CloudWatch makes them from the embedded metric format: every EMF
//! line the cloud's log groups hold becomes one datapoint per metric and dimension set,
//! read when someone asks (ListMetrics, GetMetricData), so logging costs nothing more.
//! What the log store has dropped (its line cap, a group's retention) is gone from the
//! metrics too.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

/// One metric: its namespace, name and dimensions (sorted by name), as CloudWatch
/// identifies it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MetricId {
    /// `Namespace`.
    pub namespace: String,
    /// `MetricName`.
    pub name: String,
    /// `Dimensions`, by name.
    pub dimensions: Vec<(String, String)>,
}

/// One value of a metric at a time.
#[derive(Debug, Clone, PartialEq)]
pub struct Datapoint {
    /// When, epoch milliseconds (the EMF `Timestamp`).
    pub timestamp_ms: i64,
    /// The value.
    pub value: f64,
}

/// Every metric the EMF lines among `lines` (JSON text) define, with its datapoints in the
/// order written.
pub fn from_emf<'a>(
    lines: impl IntoIterator<Item = &'a str>,
) -> BTreeMap<MetricId, Vec<Datapoint>> {
    let mut metrics: BTreeMap<MetricId, Vec<Datapoint>> = BTreeMap::new();
    for text in lines {
        // Most lines are not metrics: a substring test spares their parse.
        if !text.contains("\"CloudWatchMetrics\"") {
            continue;
        }
        let Ok(Value::Object(line)) = serde_json::from_str::<Value>(text) else {
            continue;
        };
        let Some(aws) = line.get("_aws") else {
            continue;
        };
        let Some(timestamp_ms) = aws.get("Timestamp").and_then(Value::as_i64) else {
            continue;
        };
        let directives = aws.get("CloudWatchMetrics").and_then(Value::as_array);
        for directive in directives.into_iter().flatten() {
            let Some(namespace) = directive.get("Namespace").and_then(Value::as_str) else {
                continue;
            };
            let sets = directive.get("Dimensions").and_then(Value::as_array);
            let definitions = directive.get("Metrics").and_then(Value::as_array);
            for set in sets.into_iter().flatten().filter_map(Value::as_array) {
                // A dimension whose value the line lacks makes the set invalid, as CloudWatch
                // rejects it.
                let dimensions: Option<Vec<(String, String)>> = set
                    .iter()
                    .map(|name| {
                        let name = name.as_str()?;
                        let value = line.get(name)?.as_str()?;
                        Some((name.to_owned(), value.to_owned()))
                    })
                    .collect();
                let Some(mut dimensions) = dimensions else {
                    continue;
                };
                dimensions.sort();
                for definition in definitions.into_iter().flatten() {
                    let Some(name) = definition.get("Name").and_then(Value::as_str) else {
                        continue;
                    };
                    let id = MetricId {
                        namespace: namespace.to_owned(),
                        name: name.to_owned(),
                        dimensions: dimensions.clone(),
                    };
                    // A metric the line declares but gives no value is not made.
                    let values = values(line.get(name));
                    if values.is_empty() {
                        continue;
                    }
                    let points = metrics.entry(id).or_default();
                    for value in values {
                        points.push(Datapoint {
                            timestamp_ms,
                            value,
                        });
                    }
                }
            }
        }
    }
    metrics
}

/// A metric's value in an EMF line: a number, or an array of numbers (one datapoint each).
fn values(value: Option<&Value>) -> Vec<f64> {
    match value {
        Some(Value::Number(n)) => n.as_f64().into_iter().collect(),
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_f64).collect(),
        _ => Vec::new(),
    }
}

/// A statistic GetMetricData computes over one period's values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Stat {
    /// `SampleCount`.
    SampleCount,
    /// `Sum`.
    Sum,
    /// `Average`.
    Average,
    /// `Minimum`.
    Minimum,
    /// `Maximum`.
    Maximum,
    /// `pNN` or `pNN.N`: the percentile, 0 to 100.
    Percentile(f64),
}

impl Stat {
    /// The statistic `text` names, if it is one served here.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "SampleCount" => Self::SampleCount,
            "Sum" => Self::Sum,
            "Average" => Self::Average,
            "Minimum" => Self::Minimum,
            "Maximum" => Self::Maximum,
            _ => {
                let p: f64 = text.strip_prefix('p')?.parse().ok()?;
                if !(0.0..=100.0).contains(&p) {
                    return None;
                }
                Self::Percentile(p)
            }
        })
    }

    /// The statistic of `values` (not empty).
    fn of(self, values: &mut [f64]) -> f64 {
        let n = values.len() as f64;
        match self {
            Self::SampleCount => n,
            Self::Sum => values.iter().sum(),
            Self::Average => values.iter().sum::<f64>() / n,
            Self::Minimum => values.iter().copied().fold(f64::INFINITY, f64::min),
            Self::Maximum => values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            Self::Percentile(p) => {
                // Nearest rank: the smallest value with at least p % of the values at or
                // below it.
                values.sort_by(f64::total_cmp);
                let rank = ((p / 100.0) * n).ceil().max(1.0) as usize;
                values[rank.min(values.len()) - 1]
            }
        }
    }
}

/// The statistic of `points` for each `period_ms` in `[start_ms, end_ms)` that has values:
/// (period start, value), oldest first.
pub fn series(
    points: &[Datapoint],
    stat: Stat,
    period_ms: i64,
    start_ms: i64,
    end_ms: i64,
) -> Vec<(i64, f64)> {
    let mut buckets: BTreeMap<i64, Vec<f64>> = BTreeMap::new();
    for point in points {
        if (start_ms..end_ms).contains(&point.timestamp_ms) {
            let bucket = point.timestamp_ms - (point.timestamp_ms - start_ms).rem_euclid(period_ms);
            buckets.entry(bucket).or_default().push(point.value);
        }
    }
    buckets
        .into_iter()
        .map(|(at, mut values)| (at, stat.of(&mut values)))
        .collect()
}

/// Several series summed per period, as metric math's `SUM` of a `SEARCH` does.
pub fn sum_series(series: &[Vec<(i64, f64)>]) -> Vec<(i64, f64)> {
    let mut sums: BTreeMap<i64, f64> = BTreeMap::new();
    for (at, value) in series.iter().flatten() {
        *sums.entry(*at).or_default() += value;
    }
    sums.into_iter().collect()
}

/// The terms of a `SEARCH` expression served here: `Key="value"` (or `Key=value`) pairs,
/// where the key is `Namespace`, `MetricName` or a dimension name; every term must hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    terms: BTreeSet<(String, String)>,
}

impl Search {
    /// Parses `Namespace="Orderly" MetricName="OrdersPlaced" function="audit"`.
    ///
    /// # Errors
    ///
    /// The term that is not `Key="value"`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut terms = BTreeSet::new();
        let mut rest = text.trim();
        while !rest.is_empty() {
            let (key, after) = rest
                .split_once('=')
                .ok_or_else(|| format!("the search term {rest:?} is not Key=\"value\""))?;
            let key = key.trim();
            let (value, after) = match after.strip_prefix('"') {
                Some(quoted) => quoted
                    .split_once('"')
                    .ok_or_else(|| format!("the value of {key} has no closing quote"))?,
                None => after.split_once(' ').unwrap_or((after, "")),
            };
            if key.is_empty() || key.contains(char::is_whitespace) {
                return Err(format!("the search term {key:?} is not Key=\"value\""));
            }
            terms.insert((key.to_owned(), value.to_owned()));
            rest = after.trim_start();
        }
        Ok(Self { terms })
    }

    /// Whether `metric` has every term.
    pub fn matches(&self, metric: &MetricId) -> bool {
        self.terms.iter().all(|(key, value)| match key.as_str() {
            "Namespace" => metric.namespace == *value,
            "MetricName" => metric.name == *value,
            dimension => metric
                .dimensions
                .iter()
                .any(|(n, v)| n == dimension && v == value),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = r#"{"_aws":{"Timestamp":60000,"CloudWatchMetrics":[{"Namespace":"Orderly","Dimensions":[["service","function"],[]],"Metrics":[{"Name":"BatchSize","Unit":"Count"},{"Name":"RecordAge","Unit":"Milliseconds"}]}]},"service":"orderly","function":"audit","BatchSize":3,"RecordAge":[10,30]}"#;

    #[test]
    fn each_dimension_set_and_value_is_a_datapoint() {
        let metrics = from_emf([LINE, "{\"level\":\"INFO\"}", "not json"]);
        let with = MetricId {
            namespace: "Orderly".into(),
            name: "RecordAge".into(),
            dimensions: vec![
                ("function".into(), "audit".into()),
                ("service".into(), "orderly".into()),
            ],
        };
        assert_eq!(metrics.len(), 4, "{metrics:?}");
        assert_eq!(
            metrics[&with].iter().map(|p| p.value).collect::<Vec<_>>(),
            [10.0, 30.0]
        );
        let without = MetricId {
            dimensions: Vec::new(),
            ..with
        };
        assert_eq!(metrics[&without].len(), 2);
    }

    #[test]
    fn a_metric_the_line_gives_no_value_is_not_made() {
        let line = LINE.replace(r#","RecordAge":[10,30]"#, "");
        let metrics = from_emf([line.as_str()]);
        assert!(metrics.keys().all(|m| m.name == "BatchSize"), "{metrics:?}");
    }

    #[test]
    fn a_set_naming_a_missing_dimension_makes_no_metric() {
        let line = LINE.replace(r#""function":"audit","#, "");
        let metrics = from_emf([line.as_str()]);
        assert!(
            metrics.keys().all(|m| m.dimensions.is_empty()),
            "{metrics:?}"
        );
    }

    #[test]
    fn statistics_per_period() {
        let points: Vec<Datapoint> = [(0, 1.0), (10_000, 3.0), (59_999, 2.0), (60_000, 10.0)]
            .into_iter()
            .map(|(timestamp_ms, value)| Datapoint {
                timestamp_ms,
                value,
            })
            .collect();
        let at = |stat| series(&points, stat, 60_000, 0, 120_000);
        assert_eq!(at(Stat::Sum), [(0, 6.0), (60_000, 10.0)]);
        assert_eq!(at(Stat::SampleCount), [(0, 3.0), (60_000, 1.0)]);
        assert_eq!(at(Stat::Average), [(0, 2.0), (60_000, 10.0)]);
        assert_eq!(at(Stat::Minimum)[0], (0, 1.0));
        assert_eq!(at(Stat::Maximum)[0], (0, 3.0));
        assert_eq!(at(Stat::Percentile(50.0))[0], (0, 2.0));
        assert_eq!(at(Stat::Percentile(99.0))[0], (0, 3.0));
        assert_eq!(series(&points, Stat::Sum, 60_000, 0, 60_000), [(0, 6.0)]);
        assert_eq!(Stat::parse("p99.9"), Some(Stat::Percentile(99.9)));
        assert_eq!(Stat::parse("p101"), None);
        assert_eq!(Stat::parse("Median"), None);
    }

    #[test]
    fn search_terms_all_hold() {
        let search =
            Search::parse(r#"Namespace="Orderly" MetricName="BatchSize" function=audit"#).unwrap();
        let metrics = from_emf([LINE]);
        let found: Vec<&MetricId> = metrics.keys().filter(|m| search.matches(m)).collect();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].name, "BatchSize");
        assert!(Search::parse(r#"Namespace="Orderly"#).is_err());
        assert!(Search::parse("Orderly").is_err());
        assert_eq!(
            sum_series(&[vec![(0, 1.0), (60, 2.0)], vec![(0, 4.0)]]),
            [(0, 5.0), (60, 2.0)]
        );
    }
}
