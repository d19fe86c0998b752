//! The smallest `lambda_runtime` function: answers every event with a constant. Built
//! with the workspace's release profile beside the real functions, it is the baseline
//! that `scripts/coldstart` compares their init and invocation times against. It is not
//! in template.yaml and is never deployed.

use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use serde_json::{Value, json};

#[tokio::main]
async fn main() -> Result<(), Error> {
    run(service_fn(|_event: LambdaEvent<Value>| async {
        Ok::<_, Error>(json!({ "hello": "world" }))
    }))
    .await
}
