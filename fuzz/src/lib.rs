//! What the fuzz targets share: splitting one input into parts, JSON values drawn from a
//! small grammar (structure-aware inputs), and a local cloud to send wire requests to.

use arbitrary::{Arbitrary, Unstructured};
use orderly_local::clock::TokioClock;
use orderly_local::runtime::faults::NoFaults;
use orderly_local::runtime::handlers::OrderlyHandlers;
use orderly_local::runtime::retention::Retention;
use orderly_local::runtime::{CloudOptions, LocalCloud};
use orderly_local::template::LoadOptions;
use serde_json::{Map, Value};
use std::path::PathBuf;
use std::sync::Arc;

/// The byte that separates the parts of a raw input (text, then the JSON it is applied to).
/// Never part of UTF-8, so no text part contains it.
pub const SEPARATOR: u8 = 0xFF;

/// The text before the first [`SEPARATOR`] and the bytes after it (empty without one).
pub fn split(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|&b| b == SEPARATOR) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[]),
    }
}

/// The repository's root, where `template.yaml` and its `statemachines/` are.
pub fn repository() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// Object keys drawn from a few names so that generated patterns and events meet; now and
/// then any text, so the unusual keys are tried too.
const KEYS: &[&str] = &[
    "a",
    "b",
    "c",
    "a.b",
    "detail",
    "source",
    "detail-type",
    "x",
    "$or",
    "",
];

/// Strings drawn from a few values for the same reason.
const STRINGS: &[&str] = &[
    "",
    "x",
    "xy",
    "X",
    "yx",
    "x*y",
    "*",
    "10.0.0.7",
    "10.0.0.0/24",
    "::1",
    "é",
    "1",
    "1e3",
    "\\",
    "\"",
];

/// A key: mostly one of [`KEYS`].
pub fn key(u: &mut Unstructured) -> arbitrary::Result<String> {
    if u.ratio(7, 8)? {
        Ok((*u.choose(KEYS)?).to_owned())
    } else {
        short_string(u)
    }
}

/// A string: mostly one of [`STRINGS`], else any text of at most 24 characters.
pub fn string(u: &mut Unstructured) -> arbitrary::Result<String> {
    if u.ratio(3, 4)? {
        Ok((*u.choose(STRINGS)?).to_owned())
    } else {
        short_string(u)
    }
}

fn short_string(u: &mut Unstructured) -> arbitrary::Result<String> {
    let s = String::arbitrary(u)?;
    Ok(s.chars().take(24).collect())
}

/// A number: small integers and a few edge values, as JSON.
pub fn number(u: &mut Unstructured) -> arbitrary::Result<Value> {
    Ok(match u.int_in_range(0..=5)? {
        0 => Value::from(u.int_in_range(-3i64..=12)?),
        1 => Value::from(f64::from(u.int_in_range(-40i32..=40)?) / 4.0),
        2 => Value::from(i64::arbitrary(u)?),
        3 => serde_json::Number::from_f64(f64::arbitrary(u)?).map_or(Value::Null, Value::Number),
        4 => Value::from(u64::arbitrary(u)?),
        _ => Value::from(5_000_000_000i64),
    })
}

/// A JSON scalar.
pub fn scalar(u: &mut Unstructured) -> arbitrary::Result<Value> {
    Ok(match u.int_in_range(0..=5)? {
        0 | 1 => Value::String(string(u)?),
        2 | 3 => number(u)?,
        4 => Value::Bool(bool::arbitrary(u)?),
        _ => Value::Null,
    })
}

/// A JSON value at most `depth` containers deep, with at most four members a container.
pub fn json(u: &mut Unstructured, depth: u32) -> arbitrary::Result<Value> {
    if depth == 0 {
        return scalar(u);
    }
    Ok(match u.int_in_range(0..=5)? {
        0..=2 => scalar(u)?,
        3 => {
            let n = u.int_in_range(0..=4)?;
            Value::Array(
                (0..n)
                    .map(|_| json(u, depth - 1))
                    .collect::<Result<_, _>>()?,
            )
        }
        _ => Value::Object(object(u, depth - 1)?),
    })
}

/// A JSON object whose members are at most `depth` containers deep.
pub fn object(u: &mut Unstructured, depth: u32) -> arbitrary::Result<Map<String, Value>> {
    let n = u.int_in_range(0..=4)?;
    let mut map = Map::new();
    for _ in 0..n {
        map.insert(key(u)?, json(u, depth)?);
    }
    Ok(map)
}

/// Whether JSON text names some key twice in one object. Such text has no faithful parsed
/// form: `serde_json::Value` keeps the last member of a name, while the event matcher's text
/// reader, like EventBridge's streaming reader, sees every member. Text that is not JSON
/// answers `false`.
pub fn has_duplicate_keys(text: &str) -> bool {
    matches!(
        serde_json::from_str::<UniqueKeys>(text),
        Err(e) if e.to_string().starts_with(DUPLICATE)
    )
}

const DUPLICATE: &str = "duplicate key";

/// Reads any JSON value and fails on the first object that names a key twice.
struct UniqueKeys;

impl<'de> serde::Deserialize<'de> for UniqueKeys {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(UniqueKeysVisitor)
    }
}

struct UniqueKeysVisitor;

impl<'de> serde::de::Visitor<'de> for UniqueKeysVisitor {
    type Value = UniqueKeys;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }
    fn visit_i64<E>(self, _: i64) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }
    fn visit_u64<E>(self, _: u64) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }
    fn visit_f64<E>(self, _: f64) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }
    fn visit_str<E>(self, _: &str) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }
    fn visit_unit<E>(self) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<UniqueKeys, A::Error> {
        while seq.next_element::<UniqueKeys>()?.is_some() {}
        Ok(UniqueKeys)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<UniqueKeys, A::Error> {
        let mut seen = std::collections::HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key) {
                return Err(serde::de::Error::custom(DUPLICATE));
            }
            map.next_value::<UniqueKeys>()?;
        }
        Ok(UniqueKeys)
    }
}

/// A JSON value from the grammar above, as a fuzz input.
#[derive(Debug)]
pub struct Json(pub Value);

impl<'a> Arbitrary<'a> for Json {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        json(u, 4).map(Json)
    }
}

/// A local cloud started from the repository's `template.yaml` on a runtime of its own,
/// whose time is paused: a long poll or a Wait state passes at once instead of stalling
/// the fuzzer.
pub struct Local {
    /// The cloud; dropping it stops its background work. Declared first so that it is
    /// dropped before the runtime its work runs on.
    pub cloud: LocalCloud,
    /// Drives the cloud's work; requests are answered with `runtime.block_on`.
    pub runtime: tokio::runtime::Runtime,
}

impl Local {
    /// Starts a cloud. Panics when the repository's template does not start: no target can
    /// run without it, and that failure is a bug of its own.
    pub fn start() -> Local {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .expect("a tokio runtime");
        let cloud = {
            let _inside = runtime.enter();
            LocalCloud::start(
                CloudOptions {
                    template: repository().join("template.yaml"),
                    load: LoadOptions::default(),
                    clock: TokioClock::shared(),
                    log_dir: None,
                    echo_logs: false,
                    faults: Arc::new(NoFaults),
                    retention: Retention::default(),
                    tables: Default::default(),
                    background: orderly_local::runtime::background::Background::default(),
                },
                Arc::new(OrderlyHandlers),
            )
            .expect("the repository's template starts a cloud")
        };
        Local { cloud, runtime }
    }
}

/// The services `orderly serve` speaks, as the targets that fuzz their request bodies see
/// them.
#[derive(Debug, Clone, Copy)]
pub enum Service {
    /// `AWSEvents.*`.
    Events,
    /// `AWSStepFunctions.*`.
    StepFunctions,
    /// `AmazonSQS.*`.
    Sqs,
    /// `DynamoDB_20120810.*`.
    DynamoDb,
}

/// The most requests one input sends.
const MAX_REQUESTS: usize = 8;

/// Inputs one cloud answers before a fresh one replaces it.
const INPUTS_PER_CLOUD: usize = 500;

thread_local! {
    /// The cloud the wire targets send to, and how many inputs it has answered.
    static CLOUD: std::cell::RefCell<Option<(Local, usize)>> = const { std::cell::RefCell::new(None) };
}

/// Sends the requests of one input to the local cloud, in order, and lets the work they
/// start take a few steps between them. Each request is `Operation\nbody`, requests are
/// separated by [`SEPARATOR`].
///
/// One cloud answers [`INPUTS_PER_CLOUD`] inputs, as `orderly serve` answers whatever
/// comes after whatever came before, then a fresh one takes over: starting a cloud costs
/// tens of milliseconds, and its state stays bounded. A crash therefore may depend on the
/// inputs before it; replaying its input alone, on a fresh cloud, shows whether it does.
///
/// The invariants: no panic (the server turns one into a 500, but the fuzzer's panic hook
/// aborts first), every answer is JSON, and a request refused is refused with a code.
pub fn wire(service: Service, data: &[u8]) {
    CLOUD.with_borrow_mut(|slot| {
        if slot.as_ref().is_none_or(|(_, n)| *n >= INPUTS_PER_CLOUD) {
            *slot = None;
            *slot = Some((Local::start(), 0));
        }
        if let Some((local, answered)) = slot {
            *answered += 1;
            send(local, service, data);
        }
    });
}

fn send(local: &Local, service: Service, data: &[u8]) {
    use orderly_local::server::{dynamodb, events, sfn, sqs, wire::Input};
    let cloud = local.cloud.inner.clone();
    let started_ms = cloud.clock.now_ms();
    local.runtime.block_on(async {
        for request in data.split(|&b| b == SEPARATOR).take(MAX_REQUESTS) {
            let (operation, body) = match request.iter().position(|&b| b == b'\n') {
                Some(i) => (&request[..i], &request[i + 1..]),
                None => (request, &[][..]),
            };
            let Ok(operation) = std::str::from_utf8(operation) else {
                continue;
            };
            let answer = match Input::parse(body) {
                Err(e) => Err(e),
                Ok(input) => match service {
                    Service::Events => {
                        events::dispatch(&cloud, operation, &input, &cloud.root_caller()).await
                    }
                    Service::StepFunctions => {
                        sfn::dispatch(&cloud, operation, &input, started_ms).await
                    }
                    Service::Sqs => sqs::dispatch(&cloud, operation, &input).await,
                    Service::DynamoDb => dynamodb::dispatch(&cloud, operation, &input),
                },
            };
            match answer {
                Ok(value) => {
                    let text = value.to_string();
                    assert!(serde_json::from_str::<Value>(&text).is_ok(), "{text}");
                }
                Err(e) => assert!(!e.code.is_empty(), "an error without a code: {e:?}"),
            }
            for _ in 0..16 {
                tokio::task::yield_now().await;
            }
        }
    });
}
