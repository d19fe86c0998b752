//! `orderly template …` prints what scripts need from template.yaml, read by the loader:
//! scripts/logs takes its function names and logical ids from it.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn orderly(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_orderly"))
        .current_dir(root())
        .args(args)
        .output()
        .expect("orderly runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The crate directories under functions/.
fn function_dirs() -> BTreeSet<String> {
    std::fs::read_dir(root().join("functions"))
        .expect("functions/ is readable")
        .filter_map(Result::ok)
        .filter(|e| e.path().join("Cargo.toml").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn functions_lists_every_function_directory_with_its_logical_id_and_log_group() {
    let out = orderly(&["template", "functions"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split('\t').collect()).collect();
    assert!(rows.iter().all(|r| r.len() == 4), "{text}");
    let names: BTreeSet<String> = rows.iter().map(|r| r[0].to_owned()).collect();
    assert_eq!(names, function_dirs(), "{text}");
    assert_eq!(names.len(), rows.len(), "one line per function: {text}");
    let register = rows
        .iter()
        .find(|r| r[0] == "register-order")
        .unwrap_or_else(|| panic!("no register-order: {text}"));
    assert_eq!(
        register[1..],
        [
            "RegisterOrderFunction",
            "/aws/lambda/orderly/register-order",
            "functions/register-order"
        ]
    );
}

#[test]
fn functions_as_json_carry_the_same_rows() {
    let out = orderly(&["template", "functions", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}: {}", stdout(&out)));
    let rows = json.as_array().expect("an array");
    let names: BTreeSet<String> = rows
        .iter()
        .filter_map(|r| r["name"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(names, function_dirs());
    let register = rows
        .iter()
        .find(|r| r["name"] == "register-order")
        .expect("register-order");
    assert_eq!(register["logicalId"], "RegisterOrderFunction");
    assert_eq!(register["binary"], "register-order");
    assert_eq!(register["codeUri"], "functions/register-order");
    assert_eq!(register["logGroup"], "/aws/lambda/orderly/register-order");
}

#[test]
fn state_machines_lists_every_machine_of_the_template() {
    let out = orderly(&["template", "state-machines"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "OrderFulfillmentStateMachine\torderly-OrderFulfillmentStateMachine\t\
         statemachines/order-fulfillment.asl.json\t/aws/vendedlogs/states/orderly-order-fulfillment\n\
         OrderIntakeStateMachine\torderly-OrderIntakeStateMachine\t\
         statemachines/order-intake.asl.json\t/aws/vendedlogs/states/orderly-order-intake\n\
         ShipmentQuoteStateMachine\torderly-ShipmentQuoteStateMachine\t\
         statemachines/shipment-quote.asl.json\t/aws/vendedlogs/states/orderly-shipment-quote\n"
    );
}

#[test]
fn a_missing_template_fails_with_its_path() {
    let out = orderly(&["template", "functions", "--template", "no-such.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no-such.yaml"), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
}
