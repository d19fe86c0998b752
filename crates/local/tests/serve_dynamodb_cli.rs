//! `orderly serve`'s DynamoDB driven by the real AWS CLI, as a person looks at what the
//! system did: the template's tables hold what the app wrote, the seed is written as the
//! deploy script writes it, and mistakes are answered with DynamoDB's codes and words.

use crate::serve_support;

use serde_json::{Value, json};
use serve_support::cli::{Cli, aws, is_service_error};
use serve_support::{Server, eventually, root, scenario};
use std::time::Duration;

fn refused(cli: &Cli, code: &str, words: &str) {
    assert!(is_service_error(cli.code), "not refused: {}", cli.stdout);
    assert!(
        cli.stderr.contains(&format!("({code})")) && cli.stderr.contains(words),
        "expected {code} with {words:?}: {}",
        cli.stderr
    );
}

/// Runs a call that answers nothing on success (put-item without ReturnValues).
fn ok(cli: Cli) {
    assert_eq!(cli.code, 0, "aws failed: {}", cli.stderr);
}

/// GetItem's answer: `{}` when there is no item (the CLI prints nothing then).
fn get(server: &Server, table: &str, key: &Value) -> Value {
    let cli = aws(
        server,
        &[
            "dynamodb",
            "get-item",
            "--table-name",
            table,
            "--key",
            &key.to_string(),
        ],
    );
    if cli.code == 0 && cli.stdout.trim().is_empty() {
        return json!({});
    }
    cli.json()
}

#[test]
fn the_template_tables_hold_what_the_app_wrote() {
    let server = Server::start();
    let tables = aws(&server, &["dynamodb", "list-tables"]).json();
    assert_eq!(
        tables["TableNames"],
        json!([
            "orderly-AnalyticsTable",
            "orderly-ApprovalsTable",
            "orderly-AuditTable",
            "orderly-IdempotencyTable",
            "orderly-InventoryTable",
            "orderly-OrdersTable",
            "orderly-PaymentsTable",
            "orderly-ShipmentsTable"
        ])
    );
    let audit = aws(
        &server,
        &[
            "dynamodb",
            "describe-table",
            "--table-name",
            "orderly-AuditTable",
        ],
    )
    .json();
    assert_eq!(
        audit["Table"]["GlobalSecondaryIndexes"][0]["KeySchema"],
        json!([
            {"AttributeName": "correlationId", "KeyType": "HASH"},
            {"AttributeName": "time", "KeyType": "RANGE"}
        ])
    );

    let file = format!("file://{}", scenario("happy-path").display());
    aws(&server, &["events", "put-events", "--entries", &file]).json();
    let shipment = eventually("o-happy-1 shipped", Duration::from_secs(30), || {
        let item = get(
            &server,
            "orderly-ShipmentsTable",
            &json!({"orderId": {"S": "o-happy-1"}}),
        );
        item.get("Item").cloned()
    });
    assert!(shipment["shipmentId"]["S"].is_string());

    let order = aws(
        &server,
        &[
            "dynamodb",
            "get-item",
            "--table-name",
            "orderly-OrdersTable",
            "--key",
            r#"{"orderId": {"S": "o-happy-1"}}"#,
            "--projection-expression",
            "#s, #t.amount, customer.customerId",
            "--expression-attribute-names",
            r##"{"#s": "status", "#t": "total"}"##,
        ],
    )
    .json();
    assert_eq!(
        order["Item"]["total"],
        json!({"M": {"amount": {"N": "6498"}}})
    );
    assert_eq!(order["Item"]["customer"]["M"]["customerId"]["S"], "c-1001");
    assert!(order["Item"]["status"]["S"].is_string());

    // The audit trail of the order, by its correlation id, in time order: created,
    // confirmed, shipped.
    let trail = eventually("the audit trail", Duration::from_secs(30), || {
        let trail = aws(
            &server,
            &[
                "dynamodb",
                "query",
                "--table-name",
                "orderly-AuditTable",
                "--index-name",
                "byCorrelation",
                "--key-condition-expression",
                "correlationId = :c",
                "--expression-attribute-values",
                r#"{":c": {"S": "corr-happy-1"}}"#,
            ],
        )
        .json();
        (trail["Count"] == 3).then_some(trail)
    });
    let times: Vec<&str> = trail["Items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["time"]["S"].as_str().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");

    // The reservations the order holds, as the AWS adapter keys them.
    let reservations = aws(
        &server,
        &[
            "dynamodb",
            "scan",
            "--table-name",
            "orderly-InventoryTable",
            "--filter-expression",
            "begins_with(sku, :r) AND orderId = :o",
            "--expression-attribute-values",
            r#"{":r": {"S": "RES#"}, ":o": {"S": "o-happy-1"}}"#,
            "--select",
            "COUNT",
        ],
    )
    .json();
    assert_eq!(reservations["Count"], 2, "{reservations}");
}

#[test]
fn a_seed_written_as_the_deploy_script_writes_it_is_the_stock_the_app_takes() {
    let server = Server::start();
    // scripts/deploy names the table by its physical name in the request, as here.
    let seed: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("events/seed/inventory.json")).unwrap(),
    )
    .unwrap();
    let mut requests = seed["InventoryTable"].as_array().unwrap().clone();
    for request in &mut requests {
        request["PutRequest"]["Item"]["available"] = json!({"N": "0"});
    }
    let request = json!({"orderly-InventoryTable": requests});
    let written = aws(
        &server,
        &[
            "dynamodb",
            "batch-write-item",
            "--request-items",
            &request.to_string(),
        ],
    )
    .json();
    assert_eq!(written["UnprocessedItems"], json!({}));
    assert_eq!(
        get(
            &server,
            "orderly-InventoryTable",
            &json!({"sku": {"S": "BOOK-0001"}})
        )["Item"]["available"],
        json!({"N": "0"})
    );

    // With no stock, the app's order fails and takes nothing.
    let file = format!("file://{}", scenario("happy-path").display());
    aws(&server, &["events", "put-events", "--entries", &file]).json();
    // The order ends when the audit trail holds its second event (the failure).
    let ended = eventually("o-happy-1 ended", Duration::from_secs(30), || {
        let trail = aws(
            &server,
            &[
                "dynamodb",
                "scan",
                "--table-name",
                "orderly-AuditTable",
                "--filter-expression",
                "orderId = :o AND detailType <> :created",
                "--expression-attribute-values",
                r#"{":o": {"S": "o-happy-1"}, ":created": {"S": "OrderCreated"}}"#,
            ],
        )
        .json();
        trail["Items"].as_array()?.first().cloned()
    });
    assert_eq!(ended["detailType"]["S"], "OrderFailed", "{ended}");
    let held = aws(
        &server,
        &[
            "dynamodb",
            "scan",
            "--table-name",
            "orderly-InventoryTable",
            "--filter-expression",
            "attribute_exists(quantity)",
            "--select",
            "COUNT",
        ],
    )
    .json();
    assert_eq!(held["Count"], 0, "no stock was reserved: {held}");
    assert!(
        get(
            &server,
            "orderly-ShipmentsTable",
            &json!({"orderId": {"S": "o-happy-1"}})
        )
        .get("Item")
        .is_none(),
        "nothing shipped"
    );

    // An item the app's store cannot keep is refused, naming what it cannot keep.
    let odd = aws(
        &server,
        &[
            "dynamodb",
            "put-item",
            "--table-name",
            "orderly-InventoryTable",
            "--item",
            r#"{"sku": {"S": "HAT-1"}, "available": {"N": "3"}, "colour": {"S": "red"}}"#,
        ],
    );
    refused(&odd, "ValidationException", "cannot keep attribute colour");
}

#[test]
fn a_table_made_through_the_api_keeps_dynamodbs_rules() {
    let server = Server::start();
    let created = aws(
        &server,
        &[
            "dynamodb",
            "create-table",
            "--table-name",
            "notes",
            "--attribute-definitions",
            "AttributeName=pk,AttributeType=S",
            "AttributeName=n,AttributeType=N",
            "--key-schema",
            "AttributeName=pk,KeyType=HASH",
            "AttributeName=n,KeyType=RANGE",
            "--billing-mode",
            "PAY_PER_REQUEST",
        ],
    )
    .json();
    assert_eq!(created["TableDescription"]["TableStatus"], "ACTIVE");
    let again = aws(
        &server,
        &[
            "dynamodb",
            "create-table",
            "--table-name",
            "notes",
            "--attribute-definitions",
            "AttributeName=pk,AttributeType=S",
            "--key-schema",
            "AttributeName=pk,KeyType=HASH",
            "--billing-mode",
            "PAY_PER_REQUEST",
        ],
    );
    refused(
        &again,
        "ResourceInUseException",
        "Table already exists: notes",
    );

    // Numbers sort as numbers, and a page of a query continues where it stopped.
    for n in [10, 9, 100, 1] {
        let item = json!({"pk": {"S": "a"}, "n": {"N": n.to_string()}, "seen": {"N": "0"}});
        ok(aws(
            &server,
            &[
                "dynamodb",
                "put-item",
                "--table-name",
                "notes",
                "--item",
                &item.to_string(),
            ],
        ));
    }
    let page = aws(
        &server,
        &[
            "dynamodb",
            "query",
            "--table-name",
            "notes",
            "--key-condition-expression",
            "pk = :a AND n >= :two",
            "--expression-attribute-values",
            r#"{":a": {"S": "a"}, ":two": {"N": "2"}}"#,
            "--page-size",
            "1",
        ],
    )
    .json();
    let order: Vec<&str> = page["Items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["n"]["N"].as_str().unwrap())
        .collect();
    assert_eq!(order, ["9", "10", "100"], "every page, in numeric order");

    let update = |condition: &str| {
        aws(
            &server,
            &[
                "dynamodb",
                "update-item",
                "--table-name",
                "notes",
                "--key",
                r#"{"pk": {"S": "a"}, "n": {"N": "1"}}"#,
                "--update-expression",
                "ADD seen :one",
                "--condition-expression",
                condition,
                "--expression-attribute-values",
                r#"{":one": {"N": "1"}, ":zero": {"N": "0"}}"#,
                "--return-values",
                "UPDATED_NEW",
            ],
        )
    };
    assert_eq!(
        update("seen = :zero").json()["Attributes"],
        json!({"seen": {"N": "1"}})
    );
    refused(
        &update("seen = :zero"),
        "ConditionalCheckFailedException",
        "The conditional request failed",
    );

    refused(
        &aws(
            &server,
            &[
                "dynamodb",
                "scan",
                "--table-name",
                "notes",
                "--filter-expression",
                "name = :a",
                "--expression-attribute-values",
                r#"{":a": {"S": "a"}}"#,
            ],
        ),
        "ValidationException",
        "reserved keyword; reserved keyword: name",
    );
    refused(
        &aws(
            &server,
            &[
                "dynamodb",
                "get-item",
                "--table-name",
                "notes",
                "--key",
                r#"{"pk": {"S": "a"}}"#,
            ],
        ),
        "ValidationException",
        "The provided key element does not match the schema",
    );
    let transaction = json!([
        {"Put": {"TableName": "notes", "Item": {"pk": {"S": "b"}, "n": {"N": "1"}}}},
        {"ConditionCheck": {
            "TableName": "notes", "Key": {"pk": {"S": "a"}, "n": {"N": "1"}},
            "ConditionExpression": "attribute_not_exists(pk)"
        }}
    ]);
    refused(
        &aws(
            &server,
            &[
                "dynamodb",
                "transact-write-items",
                "--transact-items",
                &transaction.to_string(),
            ],
        ),
        "TransactionCanceledException",
        "[None, ConditionalCheckFailed]",
    );
    let b = get(
        &server,
        "notes",
        &json!({"pk": {"S": "b"}, "n": {"N": "1"}}),
    );
    assert!(
        b.get("Item").is_none(),
        "the cancelled transaction wrote nothing"
    );

    // A key condition of the wrong type, and a start key outside the query, are refused.
    let query = |condition: &str, values: &str, start: Option<&str>| {
        let mut args = vec![
            "dynamodb",
            "query",
            "--table-name",
            "notes",
            "--key-condition-expression",
            condition,
            "--expression-attribute-values",
            values,
        ];
        if let Some(start) = start {
            args.extend(["--exclusive-start-key", start]);
        }
        aws(&server, &args)
    };
    refused(
        &query(
            "pk = :a AND n > :s",
            r#"{":a": {"S": "a"}, ":s": {"S": "1"}}"#,
            None,
        ),
        "ValidationException",
        "Condition parameter type does not match schema type",
    );
    refused(
        &query(
            "pk = :a",
            r#"{":a": {"S": "a"}}"#,
            Some(r#"{"pk": {"S": "other"}, "n": {"N": "1"}}"#),
        ),
        "ValidationException",
        "outside query boundaries",
    );
    // An update that only removes does not make an item that is not there.
    ok(aws(
        &server,
        &[
            "dynamodb",
            "update-item",
            "--table-name",
            "notes",
            "--key",
            r#"{"pk": {"S": "nobody"}, "n": {"N": "1"}}"#,
            "--update-expression",
            "REMOVE seen",
        ],
    ));
    assert!(
        get(
            &server,
            "notes",
            &json!({"pk": {"S": "nobody"}, "n": {"N": "1"}})
        )
        .get("Item")
        .is_none()
    );

    // BatchGetItem reads what is there and DeleteItem removes it, once.
    let keys = json!({"notes": {"Keys": [
        {"pk": {"S": "a"}, "n": {"N": "9"}},
        {"pk": {"S": "a"}, "n": {"N": "10"}},
        {"pk": {"S": "zz"}, "n": {"N": "1"}}
    ], "ProjectionExpression": "n"}});
    let batch = aws(
        &server,
        &[
            "dynamodb",
            "batch-get-item",
            "--request-items",
            &keys.to_string(),
        ],
    )
    .json();
    let mut found: Vec<&str> = batch["Responses"]["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["n"]["N"].as_str().unwrap())
        .collect();
    found.sort();
    assert_eq!(found, ["10", "9"]);
    let delete = || {
        aws(
            &server,
            &[
                "dynamodb",
                "delete-item",
                "--table-name",
                "notes",
                "--key",
                r#"{"pk": {"S": "a"}, "n": {"N": "9"}}"#,
                "--condition-expression",
                "attribute_exists(pk)",
                "--return-values",
                "ALL_OLD",
            ],
        )
    };
    assert_eq!(delete().json()["Attributes"]["n"], json!({"N": "9"}));
    refused(
        &delete(),
        "ConditionalCheckFailedException",
        "The conditional request failed",
    );

    refused(
        &aws(&server, &["dynamodb", "scan", "--table-name", "nope-table"]),
        "ResourceNotFoundException",
        "Requested resource not found",
    );
    refused(
        &aws(
            &server,
            &[
                "dynamodb",
                "delete-table",
                "--table-name",
                "orderly-OrdersTable",
            ],
        ),
        "ResourceInUseException",
        "declared by the template",
    );
    aws(
        &server,
        &["dynamodb", "delete-table", "--table-name", "notes"],
    )
    .json();
}
