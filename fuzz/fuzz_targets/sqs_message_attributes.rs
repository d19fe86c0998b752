//! SQS message attributes (`MessageAttributes` of SendMessage) drawn from a grammar of
//! names, data types and values: a message sent with them is received with the same
//! attributes and the same MD5 of them as SendMessage answered, as an SDK checks.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use orderly_fuzz::Local;
use orderly_local::server::sqs::dispatch;
use orderly_local::server::wire::Input;
use serde_json::{Map, Value, json};
use std::sync::LazyLock;

/// One cloud for every input; each input leaves the queue as it found it (empty).
static LOCAL: LazyLock<Local> = LazyLock::new(Local::start);

/// A queue no event source mapping reads, so only this target receives from it.
static QUEUE_URL: LazyLock<String> = LazyLock::new(|| {
    let sqs = &LOCAL.cloud.inner.sqs;
    let name = sqs
        .names()
        .into_iter()
        .find(|n| n.contains("RulesDlq"))
        .expect("the template declares RulesDlq");
    sqs.queue(&name).expect("the queue exists").url().to_owned()
});

const NAMES: &[&str] = &[
    "a", "b", "Attr.1", "x-y_z", ".a", "a..b", "AWS.x", "amazon.y", "",
];
const TYPES: &[&str] = &[
    "String",
    "Number",
    "Binary",
    "String.json",
    "Number.int",
    "Binary.gz",
    "Bogus",
    "",
    "string",
];

fn attribute(u: &mut Unstructured) -> arbitrary::Result<Value> {
    let mut fields = Map::new();
    if u.ratio(15, 16)? {
        let data_type = if u.ratio(7, 8)? {
            (*u.choose(TYPES)?).to_owned()
        } else {
            String::arbitrary(u)?
        };
        fields.insert("DataType".into(), json!(data_type));
    }
    if u.ratio(3, 4)? {
        let value = if u.ratio(1, 2)? {
            (*u.choose(&["1", "-2.5e3", "x", "", "é", "1e400"])?).to_owned()
        } else {
            String::arbitrary(u)?
        };
        fields.insert("StringValue".into(), json!(value));
    }
    if u.ratio(1, 3)? {
        let value = if u.ratio(3, 4)? {
            (*u.choose(&["AAEC", "", "aGk=", "not base64", "AA=="])?).to_owned()
        } else {
            String::arbitrary(u)?
        };
        fields.insert("BinaryValue".into(), json!(value));
    }
    if u.ratio(1, 16)? {
        fields.insert("StringListValues".into(), json!(["x"]));
    }
    Ok(Value::Object(fields))
}

#[derive(Debug)]
struct Attributes(Value);

impl<'a> Arbitrary<'a> for Attributes {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let n = u.int_in_range(0..=12)?;
        let mut map = Map::new();
        for _ in 0..n {
            let name = if u.ratio(7, 8)? {
                (*u.choose(NAMES)?).to_owned()
            } else {
                String::arbitrary(u)?
            };
            let value = if u.ratio(31, 32)? {
                attribute(u)?
            } else {
                json!("not a structure")
            };
            map.insert(name, value);
        }
        Ok(Attributes(Value::Object(map)))
    }
}

fn call(operation: &str, body: Value) -> Result<Value, String> {
    let Value::Object(map) = body else {
        unreachable!("requests are objects")
    };
    let cloud = LOCAL.cloud.inner.clone();
    LOCAL
        .runtime
        .block_on(async move { dispatch(&cloud, operation, &Input::from_map(map)).await })
        .map_err(|e| format!("{}: {}", e.code, e.message))
}

fuzz_target!(|attributes: Attributes| {
    let url = QUEUE_URL.as_str();
    let sent = call(
        "SendMessage",
        json!({"QueueUrl": url, "MessageBody": "m", "MessageAttributes": attributes.0}),
    );
    let Ok(sent) = sent else {
        return;
    };
    let received = call(
        "ReceiveMessage",
        json!({"QueueUrl": url, "MessageAttributeNames": ["All"], "MaxNumberOfMessages": 10}),
    )
    .expect("a queue with a message answers ReceiveMessage");
    let messages = received["Messages"].as_array().expect("the message sent");
    assert_eq!(
        messages.len(),
        1,
        "one message sent, one in the queue: {received}"
    );
    let message = &messages[0];
    call(
        "DeleteMessage",
        json!({"QueueUrl": url, "ReceiptHandle": message["ReceiptHandle"]}),
    )
    .expect("the message received is deleted");
    assert_eq!(
        sent.get("MD5OfMessageAttributes"),
        message.get("MD5OfMessageAttributes"),
        "sent {attributes:?}"
    );
    // What comes back is what was sent, less the members SQS does not keep.
    let back = message
        .get("MessageAttributes")
        .cloned()
        .unwrap_or(json!({}));
    let Value::Object(back) = back else {
        panic!("MessageAttributes is an object: {message}")
    };
    let Value::Object(given) = &attributes.0 else {
        unreachable!("the grammar makes objects")
    };
    assert_eq!(back.len(), given.len(), "sent {given:?}, received {back:?}");
    for (name, value) in &back {
        for member in ["DataType", "StringValue", "BinaryValue"] {
            if let Some(v) = value.get(member) {
                let wanted = &given[name][member];
                if member == "BinaryValue" {
                    continue; // Re-encoded: "AA==" and "AA" may both be sent for one byte.
                }
                assert_eq!(v, wanted, "{name}.{member}");
            }
        }
    }
});
