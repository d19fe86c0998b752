use orderly_local::clock::TokioClock;
use orderly_local::runtime::bus::PutEventsEntry;
use orderly_local::runtime::handlers::OrderlyHandlers;
use orderly_local::runtime::{CloudOptions, LocalCloud};
use orderly_local::template::LoadOptions;
use std::path::PathBuf;
use std::time::Duration;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn entries(scenario: &str) -> Vec<PutEventsEntry> {
    let text =
        std::fs::read_to_string(root().join(format!("events/put-events/{scenario}.json"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn happy_path_confirms_and_ships() {
    let cloud = LocalCloud::start(
        CloudOptions {
            template: root().join("template.yaml"),
            load: LoadOptions::default(),
            clock: TokioClock::shared(),
            log_dir: None,
            echo_logs: false,
        },
        &OrderlyHandlers,
    )
    .unwrap();
    let results = cloud.inner.put_events(&entries("happy-path"));
    assert!(results[0].error_code.is_none(), "{results:?}");
    let done = cloud
        .settle(Duration::from_secs(20), |c| {
            c.world.shipments.shipment_for("o-happy-1").is_some()
        })
        .await;
    for e in cloud.inner.executions() {
        eprintln!("{} {}", e.name, e.describe());
    }
    for l in cloud.inner.logs.lines() {
        eprintln!("{} {}", l.group, l.line);
    }
    assert!(done);
}
