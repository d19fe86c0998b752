//! CloudWatch Embedded Metric Format: one JSON line per record, which CloudWatch Logs
//! turns into metrics. Written by hand: the format is a dozen lines of JSON, and the
//! crates that exist bring a metrics facade with a global recorder and background flush,
//! which suit neither a Lambda that must flush before it returns nor an in-process local
//! cloud that runs many functions at once.

use serde_json::{Map, Value, json};
use std::sync::{Arc, OnceLock, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

/// The one namespace of every Orderly metric.
pub const NAMESPACE: &str = "Orderly";

/// Units CloudWatch accepts that Orderly uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Count,
    Milliseconds,
    Seconds,
}

impl Unit {
    fn as_str(self) -> &'static str {
        match self {
            Unit::Count => "Count",
            Unit::Milliseconds => "Milliseconds",
            Unit::Seconds => "Seconds",
        }
    }
}

/// One EMF record: a few metrics under low-cardinality dimensions (`service`,
/// `function`, and optionally one more such as `reason`). Never an order id.
#[derive(Debug, Clone)]
pub struct MetricRecord {
    dimensions: Vec<(String, String)>,
    metrics: Vec<(String, f64, Unit)>,
    properties: Map<String, Value>,
}

impl MetricRecord {
    pub fn new(function: &str) -> Self {
        Self {
            dimensions: vec![
                ("service".into(), "orderly".into()),
                ("function".into(), function.into()),
            ],
            metrics: Vec::new(),
            properties: Map::new(),
        }
    }

    /// Adds a dimension; keep its values to a small fixed set.
    pub fn dimension(mut self, name: &str, value: &str) -> Self {
        self.dimensions.push((name.into(), value.into()));
        self
    }

    pub fn metric(mut self, name: &str, value: f64, unit: Unit) -> Self {
        self.metrics.push((name.into(), value, unit));
        self
    }

    pub fn count(self, name: &str, value: u64) -> Self {
        self.metric(name, value as f64, Unit::Count)
    }

    /// A searchable property that is not a dimension (for example a correlation id).
    pub fn property(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.properties.insert(name.into(), value.into());
        self
    }

    /// The EMF JSON object.
    pub fn to_json(&self, timestamp_ms: u64) -> Value {
        let dimension_names: Vec<&str> = self.dimensions.iter().map(|(n, _)| n.as_str()).collect();
        let metric_defs: Vec<Value> = self
            .metrics
            .iter()
            .map(|(name, _, unit)| json!({"Name": name, "Unit": unit.as_str()}))
            .collect();
        let mut record = Map::new();
        record.insert(
            "_aws".into(),
            json!({
                "Timestamp": timestamp_ms,
                "CloudWatchMetrics": [{
                    "Namespace": NAMESPACE,
                    "Dimensions": [dimension_names],
                    "Metrics": metric_defs,
                }]
            }),
        );
        for (name, value) in &self.dimensions {
            record.insert(name.clone(), Value::String(value.clone()));
        }
        for (name, value) in &self.properties {
            record.insert(name.clone(), value.clone());
        }
        for (name, value, _) in &self.metrics {
            let number = if value.fract() == 0.0 && value.abs() < 9.0e15 {
                json!(*value as i64)
            } else {
                json!(value)
            };
            record.insert(name.clone(), number);
        }
        Value::Object(record)
    }

    /// Writes the record to the process's metric sink (stdout on Lambda).
    pub fn emit(&self) {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        let line = self.to_json(now).to_string();
        let sink = sink()
            .read()
            .map(|s| s.clone())
            .unwrap_or_else(|p| p.into_inner().clone());
        sink(&line);
    }
}

type Sink = Arc<dyn Fn(&str) + Send + Sync>;

fn sink() -> &'static RwLock<Sink> {
    static SINK: OnceLock<RwLock<Sink>> = OnceLock::new();
    SINK.get_or_init(|| {
        RwLock::new(Arc::new(|line: &str| {
            use std::io::Write;
            // One write per line, so concurrent records never interleave.
            let _ = std::io::stdout()
                .lock()
                .write_all(format!("{line}\n").as_bytes());
        }))
    })
}

/// Sends every EMF line to `sink` instead of stdout (the local cloud writes them where
/// CloudWatch would show them).
pub fn set_sink(new_sink: impl Fn(&str) + Send + Sync + 'static) {
    let mut guard = sink().write().unwrap_or_else(|p| p.into_inner());
    *guard = Arc::new(new_sink);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_has_the_aws_block_and_values_named_like_its_metrics() {
        let record = MetricRecord::new("place-order")
            .count("OrdersPlaced", 1)
            .metric("RecordAge", 12.5, Unit::Milliseconds)
            .dimension("reason", "OutOfStock")
            .to_json(1_700_000_000_000);
        let aws = &record["_aws"];
        assert_eq!(aws["Timestamp"], 1_700_000_000_000u64);
        let directive = &aws["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], NAMESPACE);
        let dims = directive["Dimensions"][0].as_array().unwrap();
        for dim in dims {
            assert!(
                record
                    .get(dim.as_str().unwrap())
                    .is_some_and(Value::is_string),
                "dimension {dim} has a value"
            );
        }
        for metric in directive["Metrics"].as_array().unwrap() {
            let name = metric["Name"].as_str().unwrap();
            assert!(
                record[name].is_number(),
                "metric {name} has a numeric value"
            );
        }
        assert_eq!(record["OrdersPlaced"], 1);
        assert_eq!(record["RecordAge"], 12.5);
    }
}
