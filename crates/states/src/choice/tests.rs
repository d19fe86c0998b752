use super::*;
use serde_json::json;

fn check(rule: Value, input: Value) -> Result<bool, RuleError> {
    let rule = parse_rule_value(&rule).unwrap_or_else(|e| panic!("{e}: {rule}"));
    rule.evaluate(Scope::new(&input, &json!({"Execution": {"Name": "e"}})))
}

#[test]
fn every_operator_from_the_aws_docs() {
    let input = json!({
        "s": "beta", "n": 10, "f": 2.5, "b": true, "t": "2024-03-01T10:00:00Z",
        "nul": null, "other_s": "alpha", "other_n": 10, "other_t": "2024-03-01T09:00:00Z",
        "file": "log-2024.txt"
    });
    let cases: Vec<(Value, bool)> = vec![
        (json!({"Variable": "$.s", "StringEquals": "beta"}), true),
        (json!({"Variable": "$.s", "StringEquals": "Beta"}), false),
        (json!({"Variable": "$.s", "StringLessThan": "gamma"}), true),
        (
            json!({"Variable": "$.s", "StringGreaterThan": "alpha"}),
            true,
        ),
        (
            json!({"Variable": "$.s", "StringLessThanEquals": "beta"}),
            true,
        ),
        (
            json!({"Variable": "$.s", "StringGreaterThanEquals": "beta"}),
            true,
        ),
        (
            json!({"Variable": "$.s", "StringEqualsPath": "$.other_s"}),
            false,
        ),
        (
            json!({"Variable": "$.s", "StringGreaterThanPath": "$.other_s"}),
            true,
        ),
        (
            json!({"Variable": "$.s", "StringLessThanPath": "$.other_s"}),
            false,
        ),
        (
            json!({"Variable": "$.s", "StringLessThanEqualsPath": "$.s"}),
            true,
        ),
        (
            json!({"Variable": "$.s", "StringGreaterThanEqualsPath": "$.s"}),
            true,
        ),
        (
            json!({"Variable": "$.file", "StringMatches": "log-*.txt"}),
            true,
        ),
        (
            json!({"Variable": "$.file", "StringMatches": "log-*.csv"}),
            false,
        ),
        (json!({"Variable": "$.file", "StringMatches": "*"}), true),
        (json!({"Variable": "$.n", "NumericEquals": 10}), true),
        (json!({"Variable": "$.n", "NumericEquals": 10.0}), true),
        (json!({"Variable": "$.n", "NumericLessThan": 11}), true),
        (json!({"Variable": "$.n", "NumericGreaterThan": 10}), false),
        (
            json!({"Variable": "$.n", "NumericLessThanEquals": 10}),
            true,
        ),
        (
            json!({"Variable": "$.n", "NumericGreaterThanEquals": 10.5}),
            false,
        ),
        (json!({"Variable": "$.f", "NumericGreaterThan": 2}), true),
        (
            json!({"Variable": "$.n", "NumericEqualsPath": "$.other_n"}),
            true,
        ),
        (
            json!({"Variable": "$.n", "NumericLessThanPath": "$.other_n"}),
            false,
        ),
        (
            json!({"Variable": "$.n", "NumericGreaterThanPath": "$.f"}),
            true,
        ),
        (
            json!({"Variable": "$.n", "NumericLessThanEqualsPath": "$.other_n"}),
            true,
        ),
        (
            json!({"Variable": "$.f", "NumericGreaterThanEqualsPath": "$.n"}),
            false,
        ),
        (json!({"Variable": "$.s", "NumericEquals": 10}), false),
        (json!({"Variable": "$.b", "BooleanEquals": true}), true),
        (json!({"Variable": "$.b", "BooleanEqualsPath": "$.b"}), true),
        (json!({"Variable": "$.n", "BooleanEquals": true}), false),
        (
            json!({"Variable": "$.t", "TimestampEquals": "2024-03-01T10:00:00Z"}),
            true,
        ),
        (
            json!({"Variable": "$.t", "TimestampEquals": "2024-03-01T12:00:00+02:00"}),
            true,
        ),
        (
            json!({"Variable": "$.t", "TimestampLessThan": "2024-03-02T00:00:00Z"}),
            true,
        ),
        (
            json!({"Variable": "$.t", "TimestampGreaterThan": "2024-03-02T00:00:00Z"}),
            false,
        ),
        (
            json!({"Variable": "$.t", "TimestampLessThanEquals": "2024-03-01T10:00:00Z"}),
            true,
        ),
        (
            json!({"Variable": "$.t", "TimestampGreaterThanEquals": "2024-03-01T10:00:01Z"}),
            false,
        ),
        (
            json!({"Variable": "$.t", "TimestampGreaterThanPath": "$.other_t"}),
            true,
        ),
        (
            json!({"Variable": "$.t", "TimestampEqualsPath": "$.other_t"}),
            false,
        ),
        (
            json!({"Variable": "$.t", "TimestampLessThanPath": "$.other_t"}),
            false,
        ),
        (
            json!({"Variable": "$.t", "TimestampLessThanEqualsPath": "$.t"}),
            true,
        ),
        (
            json!({"Variable": "$.t", "TimestampGreaterThanEqualsPath": "$.t"}),
            true,
        ),
        (
            json!({"Variable": "$.s", "TimestampEquals": "2024-03-01T10:00:00Z"}),
            false,
        ),
        (json!({"Variable": "$.nul", "IsNull": true}), true),
        (json!({"Variable": "$.n", "IsNull": false}), true),
        (json!({"Variable": "$.n", "IsNumeric": true}), true),
        (json!({"Variable": "$.s", "IsNumeric": true}), false),
        (json!({"Variable": "$.s", "IsString": true}), true),
        (json!({"Variable": "$.b", "IsBoolean": true}), true),
        (json!({"Variable": "$.t", "IsTimestamp": true}), true),
        (json!({"Variable": "$.s", "IsTimestamp": true}), false),
        (json!({"Variable": "$.absent", "IsPresent": false}), true),
        (json!({"Variable": "$.nul", "IsPresent": true}), true),
        (
            json!({"And": [{"Variable": "$.n", "NumericGreaterThan": 5}, {"Variable": "$.b", "BooleanEquals": true}]}),
            true,
        ),
        (
            json!({"And": [{"Variable": "$.n", "NumericGreaterThan": 50}, {"Variable": "$.b", "BooleanEquals": true}]}),
            false,
        ),
        (
            json!({"Or": [{"Variable": "$.n", "NumericGreaterThan": 50}, {"Variable": "$.b", "BooleanEquals": true}]}),
            true,
        ),
        (
            json!({"Not": {"Variable": "$.s", "StringEquals": "beta"}}),
            false,
        ),
        // A short-circuited And does not touch a missing path.
        (
            json!({"And": [{"Variable": "$.absent", "IsPresent": true}, {"Variable": "$.absent", "StringEquals": "x"}]}),
            false,
        ),
    ];
    for (rule, expected) in cases {
        assert_eq!(check(rule.clone(), input.clone()), Ok(expected), "{rule}");
    }
}

#[test]
fn a_missing_variable_is_a_runtime_error() {
    let err = check(
        json!({"Variable": "$.absent", "StringEquals": "x"}),
        json!({}),
    );
    assert_eq!(
        err.map_err(|e| e.to_string()),
        Err("Invalid path '$.absent': The choice state's condition path references an invalid value.".to_owned())
    );
}

#[test]
fn rejects_malformed_rules() {
    let bad = [
        json!({"Variable": "$.a", "NumericEquals": "1"}),
        json!({"Variable": "$.a", "BooleanLessThan": true}),
        json!({"Variable": "$.a"}),
        json!({"Variable": "$.a", "StringEquals": "x", "NumericEquals": 1}),
        json!({"StringEquals": "x"}),
        json!({"And": []}),
        json!({"Variable": "$.a", "TimestampEquals": "yesterday"}),
        json!({"Variable": "$.a", "IsNull": "yes"}),
    ];
    for rule in bad {
        assert!(parse_rule_value(&rule).is_err(), "{rule}");
    }
}

#[test]
fn wildcards_follow_the_escaping_rules() {
    let cases = [
        ("*.log", "a.log", true),
        ("*.log", "a.txt", false),
        ("a\\*b", "a*b", true),
        ("a\\*b", "axb", false),
        ("a*b*c", "aXXbYYc", true),
        ("a*b*c", "aXXbYY", false),
        ("", "", true),
        ("\\\\", "\\", true),
    ];
    for (pattern, text, expected) in cases {
        assert_eq!(
            wildcard_match(pattern, text),
            expected,
            "{pattern} vs {text}"
        );
    }
}
