//! The event catalog in `schemas/` is generated from the contract types, and a published
//! version is frozen (`docs/versioning.md`):
//! - a committed file that only annotations separate from its types is stale: regenerate
//!   with `ORDERLY_WRITE_SCHEMAS=1 cargo test -p orderly-core --test schemas`;
//! - a change to what a committed schema accepts is refused, regenerating or not: publish
//!   it as a new version beside the old one;
//! - with `ORDERLY_SCHEMA_BASE=<git ref>` (`scripts/schema-check`), the types are also
//!   checked against that commit's catalog, so a hand-edited file cannot hide a change.

use orderly_core::contracts::schema::{self, Standing};
use std::path::PathBuf;
use std::process::Command;

fn schemas_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../schemas")
}

fn committed_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(schemas_dir())
        .expect("schemas/")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|f| f.strip_suffix(".json").map(str::to_owned))
        .collect();
    names.sort();
    names
}

fn breaking_report(standings: &[(String, Standing)]) -> Vec<String> {
    standings
        .iter()
        .filter_map(|(name, standing)| match standing {
            Standing::Breaking(changes) => Some(format!(
                "{name}: {} (publish the change as a new version beside it: docs/versioning.md)",
                changes
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            )),
            Standing::Unreadable(e) => Some(format!("{name}: not JSON: {e}")),
            _ => None,
        })
        .collect()
}

#[test]
fn checked_in_schemas_match_the_contract_types() {
    let write = std::env::var_os("ORDERLY_WRITE_SCHEMAS").is_some();
    let generated = schema::all();
    let (standings, retired) = schema::standing(&generated, &committed_names(), |name| {
        std::fs::read_to_string(schemas_dir().join(format!("{name}.json"))).ok()
    });
    // A breaking change is refused before anything is written.
    let breaking = breaking_report(&standings);
    assert!(
        breaking.is_empty(),
        "breaking changes to published schemas:\n{}",
        breaking.join("\n")
    );
    let mut stale = Vec::new();
    for ((name, standing), (_, value)) in standings.iter().zip(&generated) {
        if matches!(standing, Standing::Same) {
            continue;
        }
        if write {
            std::fs::write(
                schemas_dir().join(format!("{name}.json")),
                schema::render(value),
            )
            .expect("write schema");
        } else {
            stale.push(format!("{name} ({standing:?})"));
        }
    }
    assert!(
        stale.is_empty(),
        "stale or missing schemas (regenerate with ORDERLY_WRITE_SCHEMAS=1): {stale:?}"
    );
    assert!(
        retired.is_empty(),
        "schemas/ holds files no contract version generates: {retired:?}; a retired version's file is deleted by hand"
    );
}

/// The catalog of commit `base`: its names and a reader of their texts.
fn catalog_at(base: &str) -> (Vec<String>, impl Fn(&str) -> Option<String>) {
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args(args)
            .current_dir(schemas_dir())
            .output()
            .expect("git runs");
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let listing = git(&["ls-tree", "--name-only", &format!("{base}:schemas")])
        .unwrap_or_else(|| panic!("ORDERLY_SCHEMA_BASE={base}: no schemas/ at that commit"));
    let names = listing
        .lines()
        .filter_map(|f| f.strip_suffix(".json").map(str::to_owned))
        .collect();
    let base = base.to_owned();
    (names, move |name: &str| {
        git(&["show", &format!("{base}:schemas/{name}.json")])
    })
}

#[test]
fn the_contract_types_keep_every_version_the_base_commit_published() {
    let Ok(base) = std::env::var("ORDERLY_SCHEMA_BASE") else {
        return; // scripts/schema-check sets it; without it the test above is the check.
    };
    let generated = schema::all();
    let (names, read) = catalog_at(&base);
    let (standings, retired) = schema::standing(&generated, &names, read);
    let breaking = breaking_report(&standings);
    assert!(
        breaking.is_empty(),
        "breaking changes against {base}:\n{}",
        breaking.join("\n")
    );
    for name in retired {
        println!("{name}: published at {base}, retired here");
    }
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

mod evolution {
    //! The check on real contract types: ShipmentCreated with `shipmentId` turned into a
    //! number, once as version 1 (refused) and once as version 2 beside version 1 (passes).
    use orderly_core::contracts::Contract;
    use orderly_core::contracts::schema::{self, Standing};
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};

    #[derive(Serialize, Deserialize, JsonSchema)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Numbered<const V: u32> {
        /// The order shipped.
        order_id: String,
        /// The shipment, for the consumer to look up.
        shipment_id: u64,
    }
    impl<const V: u32> Contract for Numbered<V> {
        const SOURCE: &'static str = "com.shipping";
        const DETAIL_TYPE: &'static str = "ShipmentCreated";
        const VERSION: u32 = V;
    }

    /// Today's catalog with `entry` in place of ShipmentCreated version `replaces`, or
    /// added when `replaces` is `None`.
    fn catalog_with(
        entry: (String, serde_json::Value),
        replaces: Option<&str>,
    ) -> Vec<(String, Standing)> {
        let published = schema::all();
        let mut generated: Vec<_> = published
            .iter()
            .filter(|(name, _)| Some(name.as_str()) != replaces)
            .cloned()
            .collect();
        generated.push(entry);
        let names: Vec<String> = published.iter().map(|(n, _)| n.clone()).collect();
        let text = |name: &str| {
            published
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| schema::render(v))
        };
        schema::standing(&generated, &names, text).0
    }

    #[test]
    fn a_changed_type_in_a_published_version_is_refused() {
        let standings = catalog_with(schema::entry::<Numbered<1>>(), Some("ShipmentCreated"));
        let (_, standing) = standings
            .iter()
            .find(|(n, _)| n == "ShipmentCreated")
            .expect("entry");
        let Standing::Breaking(changes) = standing else {
            panic!("expected a breaking change, got {standing:?}");
        };
        let said: Vec<String> = changes.iter().map(ToString::to_string).collect();
        assert_eq!(
            said,
            [
                "data.shipmentId: type string -> integer",
                "data.shipmentId: format absent -> \"uint64\"",
                "data.shipmentId: minimum absent -> 0",
            ]
        );
    }

    #[test]
    fn the_same_change_as_version_2_beside_version_1_passes() {
        let standings = catalog_with(schema::entry::<Numbered<2>>(), None);
        for (name, standing) in &standings {
            match name.as_str() {
                "ShipmentCreated.v2" => assert_eq!(standing, &Standing::New),
                _ => assert_eq!(standing, &Standing::Same, "{name}"),
            }
        }
        assert!(standings.iter().any(|(n, _)| n == "ShipmentCreated.v2"));
    }
}

mod properties {
    //! Over the whole real catalog: rewording every annotation is no change, and removing
    //! any one property of any definition is reported at that property's path.
    use orderly_core::contracts::compat::{Change, changes};
    use orderly_core::contracts::schema;
    use proptest::prelude::*;
    use serde_json::Value;

    fn reword(value: &mut Value, salt: &str) {
        match value {
            Value::Object(map) => {
                for (key, v) in map.iter_mut() {
                    if key == "description" || key == "title" {
                        *v = Value::String(format!("{salt} {v}"));
                    } else {
                        reword(v, salt);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| reword(v, salt)),
            _ => {}
        }
    }

    /// Every `(definition, property)` of a schema's definitions.
    fn properties(schema: &Value) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (def, body) in schema["definitions"].as_object().into_iter().flatten() {
            for prop in body["properties"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, _)| k)
            {
                out.push((def.clone(), prop.clone()));
            }
        }
        out
    }

    proptest! {
        #[test]
        fn rewording_is_no_change(which in 0usize..64, salt in "[a-z ]{1,12}") {
            let catalog = schema::all();
            let (_, old) = &catalog[which % catalog.len()];
            let mut new = old.clone();
            reword(&mut new, &salt);
            prop_assert!(changes(old, &new).is_empty());
        }

        #[test]
        fn a_removed_property_is_named(which in 0usize..64, pick in 0usize..1024) {
            let catalog = schema::all();
            let (name, old) = &catalog[which % catalog.len()];
            let all = properties(old);
            prop_assume!(!all.is_empty());
            let (def, prop) = &all[pick % all.len()];
            let mut new = old.clone();
            new["definitions"][def.as_str()]["properties"].as_object_mut().expect("properties").remove(prop);
            let found = changes(old, &new);
            prop_assert!(
                found.iter().any(|c| matches!(c, Change::Removed { path } if path.ends_with(&format!(".{prop}")) || path == prop)),
                "{name}: removing {def}.{prop} reported {found:?}"
            );
        }
    }
}
