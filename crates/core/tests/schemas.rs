//! The event catalog in `schemas/` is generated from the contract types; a stale file fails.
//! Regenerate with `ORDERLY_WRITE_SCHEMAS=1 cargo test -p orderly-core --test schemas`.

use orderly_core::contracts::schema;
use std::path::PathBuf;

fn schemas_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../schemas")
}

#[test]
fn checked_in_schemas_match_the_contract_types() {
    let write = std::env::var_os("ORDERLY_WRITE_SCHEMAS").is_some();
    let mut stale = Vec::new();
    for (name, value) in schema::all() {
        let path = schemas_dir().join(format!("{name}.json"));
        let expected = schema::render(&value);
        if write {
            std::fs::write(&path, &expected).expect("write schema");
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(actual) if actual == expected => {}
            _ => stale.push(path.display().to_string()),
        }
    }
    assert!(
        stale.is_empty(),
        "stale or missing schemas (regenerate with ORDERLY_WRITE_SCHEMAS=1): {stale:?}"
    );
}

#[test]
fn order_created_schema_requires_the_envelope_metadata() {
    let (_, order_created) = schema::all()
        .into_iter()
        .find(|(n, _)| n == "OrderCreated")
        .unwrap();
    let required = order_created["required"].as_array().unwrap();
    assert!(required.iter().any(|v| v == "metadata") && required.iter().any(|v| v == "data"));
    let text = order_created.to_string();
    for field in [
        "idempotency-key",
        "correlation-id",
        "event-version",
        "occurred-at",
        "paymentToken",
    ] {
        assert!(
            text.contains(field),
            "{field} missing from the OrderCreated schema"
        );
    }
}
