//! CloudWatch Embedded Metric Format: one JSON line per record, which CloudWatch Logs
//! turns into metrics. Written by hand: the format is a dozen lines of JSON, and the
//! crates that exist bring a metrics facade with a global recorder and background flush,
//! which suit neither a Lambda that must flush before it returns nor an in-process local
//! cloud that runs many functions at once.

use crate::clock::{Clock, SystemClock};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};
use std::sync::{Arc, OnceLock, RwLock};

/// The one namespace of every Orderly metric.
pub const NAMESPACE: &str = "Orderly";

/// Units CloudWatch accepts that Orderly uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A number of things (orders, records, retries).
    Count,
    /// A duration in milliseconds.
    Milliseconds,
    /// A duration in seconds.
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
    /// A record with the `service` (`orderly`) and `function` dimensions and no metric yet.
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

    /// Adds a dimension, or sets the value of the one of that name; keep its values to a
    /// small fixed set. A dimension and a metric never share a name.
    pub fn dimension(mut self, name: &str, value: &str) -> Self {
        debug_assert!(
            !self.metrics.iter().any(|(n, _, _)| n == name),
            "dimension {name} is named like a metric"
        );
        match self.dimensions.iter_mut().find(|(n, _)| n == name) {
            Some((_, old)) => *old = value.into(),
            None => self.dimensions.push((name.into(), value.into())),
        }
        self
    }

    /// Adds a metric, or replaces the one of that name.
    pub fn metric(mut self, name: &str, value: f64, unit: Unit) -> Self {
        debug_assert!(
            !self.dimensions.iter().any(|(n, _)| n == name),
            "metric {name} is named like a dimension"
        );
        match self.metrics.iter_mut().find(|(n, _, _)| n == name) {
            Some(old) => *old = (name.into(), value, unit),
            None => self.metrics.push((name.into(), value, unit)),
        }
        self
    }

    /// Adds a `Count` metric, or replaces the one of that name.
    pub fn count(self, name: &str, value: u64) -> Self {
        self.metric(name, value as f64, Unit::Count)
    }

    /// A searchable property that is not a dimension (for example a correlation id). A
    /// property named like a dimension, a metric or `_aws` is not written: the line keeps
    /// one value per name, and those names' values are the metric's.
    pub fn property(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.properties.insert(name.into(), value.into());
        self
    }

    /// Whether `name` is `_aws`, a dimension or a metric: a name the line already holds.
    fn names_a_value(&self, name: &str) -> bool {
        name == "_aws"
            || self.dimensions.iter().any(|(n, _)| n == name)
            || self.metrics.iter().any(|(n, _, _)| n == name)
    }

    /// The EMF JSON object.
    pub fn to_json(&self, timestamp_ms: u64) -> Value {
        serde_json::to_value(Line(self, timestamp_ms)).unwrap_or(Value::Null)
    }

    /// The EMF line: the JSON object as text, written straight from the record (every
    /// duplicate an idempotent consumer answers emits one, so it is kept cheap: no
    /// intermediate `Value` tree).
    pub fn to_line(&self, timestamp_ms: u64) -> String {
        // Serializing strings, numbers and sequences to a String cannot fail.
        serde_json::to_string(&Line(self, timestamp_ms)).unwrap_or_default()
    }

    /// Writes the record to the process's metric sink (stdout on Lambda, stamped by the
    /// system clock); the sink decides the timestamp, so a local cloud stamps it with its
    /// own virtual clock.
    pub fn emit(&self) {
        let sink = sink()
            .read()
            .map(|s| s.clone())
            .unwrap_or_else(|p| p.into_inner().clone());
        sink(self);
    }
}

/// The line of [`MetricRecord::to_line`]`(0)` with the timestamp `timestamp_ms` instead: a
/// sink that learns the time only where the line lands (the local cloud's log store, on
/// its clock) stamps it there. `_aws` is the first member and `Timestamp` the first of
/// `_aws`, so the first `"Timestamp":0` is the one to replace.
pub fn stamp(unstamped: &str, timestamp_ms: u64) -> String {
    unstamped.replacen(
        "{\"_aws\":{\"Timestamp\":0,",
        &format!("{{\"_aws\":{{\"Timestamp\":{timestamp_ms},"),
        1,
    )
}

/// A record at a timestamp, serialized as its EMF object: `_aws` (the metadata), then the
/// dimension values, the properties, and the metric values, in that order.
struct Line<'a>(&'a MetricRecord, u64);

/// The `_aws` block.
struct Metadata<'a>(&'a MetricRecord, u64);

/// The one `CloudWatchMetrics` directive.
struct Directive<'a>(&'a MetricRecord);

/// `{"Name": …, "Unit": …}` of one metric.
struct Definition<'a>(&'a str, Unit);

impl Serialize for Line<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Line(record, timestamp_ms) = *self;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("_aws", &Metadata(record, timestamp_ms))?;
        for (name, value) in &record.dimensions {
            map.serialize_entry(name, value)?;
        }
        for (name, value) in &record.properties {
            if !record.names_a_value(name) {
                map.serialize_entry(name, value)?;
            }
        }
        for (name, value, _) in &record.metrics {
            // Whole numbers are written as integers, as CloudWatch shows them.
            if value.fract() == 0.0 && value.abs() < 9.0e15 {
                map.serialize_entry(name, &(*value as i64))?;
            } else {
                map.serialize_entry(name, value)?;
            }
        }
        map.end()
    }
}

impl Serialize for Metadata<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("Timestamp", &self.1)?;
        map.serialize_entry("CloudWatchMetrics", &[Directive(self.0)])?;
        map.end()
    }
}

impl Serialize for Directive<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let record = self.0;
        let names: Vec<&str> = record.dimensions.iter().map(|(n, _)| n.as_str()).collect();
        let definitions: Vec<Definition<'_>> = record
            .metrics
            .iter()
            .map(|(name, _, unit)| Definition(name, *unit))
            .collect();
        let mut map = serializer.serialize_map(Some(3))?;
        map.serialize_entry("Namespace", NAMESPACE)?;
        map.serialize_entry("Dimensions", &[names])?;
        map.serialize_entry("Metrics", &definitions)?;
        map.end()
    }
}

impl Serialize for Definition<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("Name", self.0)?;
        map.serialize_entry("Unit", self.1.as_str())?;
        map.end()
    }
}

type Sink = Arc<dyn Fn(&MetricRecord) + Send + Sync>;

fn sink() -> &'static RwLock<Sink> {
    static SINK: OnceLock<RwLock<Sink>> = OnceLock::new();
    SINK.get_or_init(|| {
        RwLock::new(Arc::new(|record: &MetricRecord| {
            use std::io::Write;
            let now = u64::try_from(SystemClock.now_ms()).unwrap_or(0);
            let mut line = record.to_line(now);
            line.push('\n');
            // One write per line, so concurrent records never interleave.
            let _ = std::io::stdout().lock().write_all(line.as_bytes());
        }))
    })
}

/// Sends every record to `sink` instead of stdout (the local cloud writes them where
/// CloudWatch would show them, stamped with its clock).
pub fn set_sink(new_sink: impl Fn(&MetricRecord) + Send + Sync + 'static) {
    let mut guard = sink().write().unwrap_or_else(|p| p.into_inner());
    *guard = Arc::new(new_sink);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_written_at_zero_is_stamped_in_place() {
        let record = MetricRecord::new("audit")
            .count("Timestamp", 0)
            .dimension("reason", "x");
        let stamped = stamp(&record.to_line(0), 1_700_000_000_123);
        assert_eq!(stamped, record.to_line(1_700_000_000_123));
    }

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

    #[test]
    fn the_line_is_the_object_in_its_field_order() {
        let record = MetricRecord::new("audit")
            .dimension("reason", "Out \"of\" stock")
            .property("orderId", "o-1")
            .count("OrdersFailed", 2)
            .metric("RecordAge", 0.5, Unit::Milliseconds);
        let line = record.to_line(1_700_000_000_000);
        assert_eq!(
            line,
            concat!(
                r#"{"_aws":{"Timestamp":1700000000000,"CloudWatchMetrics":[{"Namespace":"Orderly","#,
                r#""Dimensions":[["service","function","reason"]],"Metrics":[{"Name":"OrdersFailed","Unit":"Count"},"#,
                r#"{"Name":"RecordAge","Unit":"Milliseconds"}]}]},"service":"orderly","function":"audit","#,
                r#""reason":"Out \"of\" stock","orderId":"o-1","OrdersFailed":2,"RecordAge":0.5}"#
            )
        );
    }

    #[test]
    fn a_repeated_name_keeps_one_value_on_the_line() {
        let record = MetricRecord::new("audit")
            .dimension("function", "notify")
            .count("OrdersFailed", 1)
            .count("OrdersFailed", 2)
            .property("OrdersFailed", "shadowed")
            .property("_aws", "shadowed")
            .property("orderId", "o-1")
            .property("orderId", "o-2");
        let line = record.to_line(0);
        for name in [
            "\"function\"",
            "\"OrdersFailed\"",
            "\"_aws\"",
            "\"orderId\"",
        ] {
            // Each name once as a key (the directive names them again as values).
            let as_key = format!("{name}:");
            assert_eq!(line.matches(&as_key).count(), 1, "{name} in {line}");
        }
        let parsed: Value = serde_json::from_str(&line).expect("one JSON object");
        assert_eq!(parsed["function"], "notify");
        assert_eq!(parsed["OrdersFailed"], 2);
        assert_eq!(parsed["orderId"], "o-2");
        assert_eq!(
            parsed["_aws"]["CloudWatchMetrics"][0]["Metrics"]
                .as_array()
                .map(Vec::len),
            Some(1)
        );
    }
}
