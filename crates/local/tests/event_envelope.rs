//! The event a rule target receives, as the EventBridge user guide's "Amazon EventBridge
//! event structure reference"
//! (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events-structure.html) and
//! the API reference's `PutEventsRequestEntry`
//! (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEventsRequestEntry.html)
//! describe it: its fields in the reference's order, `time` in UTC to the second.

use orderly_local::runtime::LocalCloud;
use orderly_local::runtime::bus::{PutEventsEntry, event_time, normalized_time};
use orderly_local::scenarios::{ScenarioEnv, start_cloud};
use serde_json::Value;
use std::path::Path;

fn cloud() -> LocalCloud {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    start_cloud(&ScenarioEnv::at(root)).expect("the project's template starts")
}

fn entry(time: Option<&str>, resources: Option<Vec<String>>) -> PutEventsEntry {
    PutEventsEntry {
        source: Some("com.example".into()),
        detail_type: Some("Example".into()),
        detail: Some(r#"{"a": 1, "b": {"c": [true, null]}}"#.into()),
        resources,
        time: time.map(str::to_owned),
        ..Default::default()
    }
}

fn is_event_time(t: &str) -> bool {
    let b = t.as_bytes();
    b.len() == 20
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            19 => *c == b'Z',
            _ => c.is_ascii_digit(),
        })
}

/// The reference's example event, with its fields in the reference's order: `version`,
/// `id`, `detail-type`, `source`, `account`, `time`, `region`, `resources`, `detail`.
#[tokio::test(flavor = "current_thread")]
async fn the_event_has_the_documented_fields_in_order() {
    let cloud = cloud();
    let (event, text) = cloud
        .inner
        .accept(&entry(Some("2017-12-22T18:43:48Z"), None))
        .expect("a valid entry");
    let keys: Vec<&str> = event
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "version",
            "id",
            "detail-type",
            "source",
            "account",
            "time",
            "region",
            "resources",
            "detail"
        ]
    );
    // The text a target without input configuration receives is the event, in that order.
    assert_eq!(serde_json::from_str::<Value>(&text).expect("JSON"), event);
    assert!(text.starts_with(r#"{"version":"0","id":""#), "{text}");
    let id = event["id"].as_str().expect("id");
    assert!(
        uuid::Uuid::parse_str(id).is_ok_and(|u| u.get_version_num() == 4),
        "{id}"
    );
    let model = &cloud.inner.model;
    let expected_tail = format!(
        r#""detail-type":"Example","source":"com.example","account":"{}","time":"2017-12-22T18:43:48Z","region":"{}","resources":[],"detail":{{"a":1,"b":{{"c":[true,null]}}}}}}"#,
        model.account_id, model.region
    );
    assert!(text.ends_with(&expected_tail), "{text}");
    assert_eq!(event["version"], "0");
    // "resources": an array, empty when the entry names none.
    assert_eq!(event["resources"], Value::Array(Vec::new()));
    let (with, _) = cloud
        .inner
        .accept(&entry(None, Some(vec!["arn:aws:s3:::bucket".into()])))
        .expect("a valid entry");
    assert_eq!(
        with["resources"],
        serde_json::json!(["arn:aws:s3:::bucket"])
    );
}

/// `Time` is "the time stamp of the event, per RFC3339"; the event carries it in UTC to the
/// second (`YYYY-MM-DDThh:mm:ssZ`), whatever fraction or offset the entry gave. Without a
/// `Time`, "the time stamp of the PutEvents call is used".
#[tokio::test(flavor = "current_thread")]
async fn time_is_utc_to_the_second() {
    let cloud = cloud();
    let time_of = |given: Option<&str>| {
        let (event, _) = cloud.inner.accept(&entry(given, None)).expect("valid");
        event["time"].as_str().expect("a time").to_owned()
    };
    assert_eq!(
        time_of(Some("2015-11-11T21:29:54Z")),
        "2015-11-11T21:29:54Z"
    );
    assert_eq!(
        time_of(Some("2015-11-11T21:29:54.987Z")),
        "2015-11-11T21:29:54Z"
    );
    assert_eq!(
        time_of(Some("2015-11-11T23:29:54.5+02:00")),
        "2015-11-11T21:29:54Z"
    );
    assert_eq!(
        time_of(Some("2015-11-11T00:10:00-01:00")),
        "2015-11-11T01:10:00Z"
    );
    let now = time_of(None);
    assert!(is_event_time(&now), "{now}");
    // Not a timestamp: the entry fails, as the others of the call go on.
    let refused = cloud
        .inner
        .accept(&entry(Some("yesterday"), None))
        .expect_err("refused");
    assert_eq!(refused.error_code.as_deref(), Some("InvalidArgument"));
}

#[test]
fn event_times_drop_the_milliseconds() {
    assert_eq!(event_time(0), "1970-01-01T00:00:00Z");
    assert_eq!(event_time(1_447_277_394_999), "2015-11-11T21:29:54Z");
    assert_eq!(
        normalized_time("2015-11-11T21:29:54.999999999Z").as_deref(),
        Some("2015-11-11T21:29:54Z")
    );
    assert_eq!(normalized_time("2015-11-11"), None);
}
