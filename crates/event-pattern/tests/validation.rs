//! Invalid patterns are rejected with the reason EventBridge gives, parser location included.
//! The expected texts are EventBridge's answers to PutRule/TestEventPattern for these patterns.

use event_pattern::{MAX_PATTERN_LENGTH, Pattern, PatternError};

fn reason(pattern: &str) -> String {
    match Pattern::parse(pattern) {
        Ok(_) => panic!("pattern was accepted: {pattern}"),
        Err(e) => e.to_string(),
    }
}

fn at(pattern: &str, line: usize, column: usize) -> String {
    format!("\n at [Source: (String)\"{pattern}\"; line: {line}, column: {column}]")
}

#[test]
fn invalid_patterns_give_eventbridge_reasons_and_locations() {
    // (pattern, reason, line, column); column 0 means EventBridge gives no location.
    let cases: &[(&str, &str, usize, usize)] = &[
        (
            r#"{"int": 42}"#,
            r#""int" must be an object or an array"#,
            1,
            11,
        ),
        (
            r#"{"string": "my-value"}"#,
            r#""string" must be an object or an array"#,
            1,
            13,
        ),
        (
            r#"{"resources": []}"#,
            "Empty arrays are not allowed",
            1,
            17,
        ),
        (
            r#"{"source": ["aws.health"], "detail": {}}"#,
            "Empty objects are not allowed",
            1,
            40,
        ),
        (
            r#"{"detail": {"equal": [{"NUMERIC": ["=", 5]}]}}"#,
            "Unrecognized match type NUMERIC",
            1,
            36,
        ),
        (
            r#"{"my_key": [{"EXISTS": true}]}"#,
            "Unrecognized match type EXISTS",
            1,
            28,
        ),
        (
            r#"{"detail": {"c-count": [{"numeric": [">", 0, ">", 0]}]}}"#,
            "Bad numeric range operator: >",
            1,
            49,
        ),
        (
            r#"{"detail": {"c-count": [{"numeric": [">", 0, "<"]}]}}"#,
            "Value of < must be numeric",
            1,
            50,
        ),
        (
            r#"{"EventBusArn": [{"wildcard": "arn:aws:events:us-east-1:**:event-bus/*"}]}"#,
            "Consecutive wildcard characters at pos 26",
            1,
            72,
        ),
        (
            r#"{"detail-type": [{"equals-ignore-case": ["ec2 instance state-change notification"]}]}"#,
            "equals-ignore-case match pattern must be a string",
            1,
            42,
        ),
        (
            r#"{"detail-type": [{"equals-ignore-case": {"prefix": "ec2"}}]}"#,
            "equals-ignore-case match pattern must be a string",
            1,
            42,
        ),
        (
            r#"{"detail": {"state": [{"anything-but": {"equals-ignore-case": 123}}]}}"#,
            "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.",
            1,
            66,
        ),
        (
            r#"{"EventBusArn": [{"wildcard": 123}]}"#,
            "wildcard match pattern must be a string",
            1,
            34,
        ),
        (
            r#"{"EventBusArn": [{"wildcard": ["arn:aws:events:us-east-1:**:event-bus/*"]}]}"#,
            "wildcard match pattern must be a string",
            1,
            32,
        ),
        (
            r#"{"detail": {"FilePath": [{"anything-but": {"wildcard": 123}}]}}"#,
            "wildcard match pattern must be a string",
            1,
            59,
        ),
        (
            r#"{"detail": {"FileName": [{"anything-but": {"suffix": 123}}]}}"#,
            "prefix/suffix match pattern must be a string",
            1,
            57,
        ),
        (
            r#"{"detail": {"state": [{"anything-but": {"prefix": 123}}]}}"#,
            "prefix/suffix match pattern must be a string",
            1,
            54,
        ),
        (
            r#"{"time": [{"prefix": ["2022-07-13"]}]}"#,
            "prefix match pattern must be a string",
            1,
            23,
        ),
        (
            r#"{"time": [{"prefix": 123}]}"#,
            "prefix match pattern must be a string",
            1,
            25,
        ),
        (
            r#"{"FileName": [{"suffix": 123}]}"#,
            "suffix match pattern must be a string",
            1,
            29,
        ),
        (
            r#"{"FileName": [{"suffix": [".png"]}]}"#,
            "suffix match pattern must be a string",
            1,
            27,
        ),
        (
            r#"{"detail": {"FileName": [{"anything-but": {"prefix": {"equals-ignore-case": "file"}}}]}}"#,
            "Value of anything-but must be an array or single string/number value.",
            1,
            55,
        ),
        (
            r#"{"detail": {"FileName": [{"anything-but": {"suffix": {"equals-ignore-case": ".png"}}}]}}"#,
            "Value of anything-but must be an array or single string/number value.",
            1,
            55,
        ),
        (
            r#"{"detail": {"sourceIPAddress": [{"cidr": ["bad-type"]}]}}"#,
            "prefix match pattern must be a string",
            1,
            43,
        ),
        (
            "this is valid json but not a dict",
            "Unrecognized token 'this': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')",
            1,
            5,
        ),
        (
            "{'bad': 'quotation'}",
            "Unexpected character (''' (code 39)): was expecting double-quote to start field name",
            1,
            2,
        ),
        (
            r#"{"not": closed mark""#,
            "Unrecognized token 'closed': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')",
            1,
            15,
        ),
        (
            r#"["not", "a", "dict", "but valid json"]"#,
            "Filter is not an object",
            1,
            2,
        ),
        (
            "{\"source\": [\"a\"],\n \"detail\": {\n  \"pipeline\": {\n   \"slug\": \"some-pipeline\"}}}",
            r#""slug" must be an object or an array"#,
            4,
            13,
        ),
    ];
    for (pattern, expected, line, column) in cases {
        let expected = format!("{expected}{}", at(pattern, *line, *column));
        assert_eq!(reason(pattern), expected, "pattern {pattern}");
    }
}

#[test]
fn errors_inside_anything_but_lists_carry_the_location_twice() {
    let cases: &[(&str, &str, usize)] = &[
        (
            r#"{"detail": {"state": [{"anything-but": {"equals-ignore-case": [123, 456]}}]}}"#,
            "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.",
            67,
        ),
        (
            r#"{"detail": {"state": [{"anything-but": {"wildcard": [123, "*/dir/*"]}}]}}"#,
            "wildcard match pattern must be a string",
            57,
        ),
        (
            r#"{"detail": {"FileName": [{"anything-but": {"suffix": [123, ".txt"]}}]}}"#,
            "prefix/suffix match pattern must be a string",
            58,
        ),
        (
            r#"{"detail": {"state": [{"anything-but": {"prefix": [123, "test"]}}]}}"#,
            "prefix/suffix match pattern must be a string",
            55,
        ),
    ];
    for (pattern, expected, column) in cases {
        let loc = at(pattern, 1, *column);
        assert_eq!(
            reason(pattern),
            format!("{expected}{loc}{loc}"),
            "pattern {pattern}"
        );
    }
}

#[test]
fn malformed_cidrs_are_reported_without_a_location() {
    let cases = [
        (
            r#"{"ip": [{"cidr": "bad-cidr"}]}"#,
            "Malformed CIDR, one '/' required",
        ),
        (
            r#"{"ip": [{"cidr": "10.0.0.0/abc"}]}"#,
            "Malformed CIDR, mask bits must be an integer",
        ),
        (
            r#"{"ip": [{"cidr": "xx.11.xx/24"}]}"#,
            "Nonstandard IP address: xx.11.xx",
        ),
        (
            r#"{"ip": [{"cidr": "xxxx:db8:1234:1a00::/64"}]}"#,
            "Nonstandard IP address: xxxx:db8:1234:1a00::",
        ),
    ];
    for (pattern, expected) in cases {
        assert_eq!(reason(pattern), expected, "pattern {pattern}");
    }
}

#[test]
fn other_invalid_forms_are_rejected_with_their_reason() {
    // (pattern, reason without location)
    let cases = [
        (
            r#"{"a": [{"exists": "yes"}]}"#,
            "exists match pattern must be either true or false.",
        ),
        (
            r#"{"a": [{"exists": true, "prefix": "x"}]}"#,
            "Only one key allowed in match expression",
        ),
        (r#"{"a": [{}]}"#, "Match expression name not found"),
        (
            r#"{"a": [{"numeric": 5}]}"#,
            "Value of numeric must be an array.",
        ),
        (
            r#"{"a": [{"numeric": [">", "5"]}]}"#,
            "Value of > must be numeric",
        ),
        (
            r#"{"a": [{"numeric": ["=", "5"]}]}"#,
            "Value of equals must be numeric",
        ),
        (
            r#"{"a": [{"numeric": ["!=", 5]}]}"#,
            "Unrecognized numeric range operator: !=",
        ),
        (
            r#"{"a": [{"numeric": [5]}]}"#,
            "Invalid member in numeric match: 5",
        ),
        (
            r#"{"a": [{"numeric": ["<", 5, ">", 1]}]}"#,
            "Too many elements in numeric expression",
        ),
        (
            r#"{"a": [{"numeric": [">", 5, "<", 1]}]}"#,
            "Bottom must be less than top",
        ),
        (
            r#"{"a": [{"numeric": [">", 5, "<", 5]}]}"#,
            "Bottom must be less than top",
        ),
        (
            r#"{"a": [{"numeric": [">", 1, 5]}]}"#,
            "Bad value in numeric range: 5",
        ),
        (
            r#"{"a": [{"numeric": [">", 1, "<", 5, 6]}]}"#,
            "Too many terms in numeric range expression",
        ),
        (
            r#"{"a": [{"anything-but": null}]}"#,
            "Value of anything-but must be an array or single string/number value.",
        ),
        (
            r#"{"a": [{"anything-but": ["x", 1]}]}"#,
            "Inside anything but list, either all values are number or string, mixed type is not supported",
        ),
        (
            r#"{"a": [{"anything-but": []}]}"#,
            "Inside anything but list, either all values are number or string, mixed type is not supported",
        ),
        (
            r#"{"a": [{"anything-but": {"prefix": ""}}]}"#,
            "Null prefix/suffix not allowed",
        ),
        (
            r#"{"a": [{"anything-but": {"regex": "x"}}]}"#,
            "Unsupported anything-but pattern: regex",
        ),
        (
            r#"{"a": [{"prefix": {"exactly": "x"}}]}"#,
            "Unsupported prefix pattern: exactly",
        ),
        (
            r#"{"a": [{"suffix": {"exactly": "x"}}]}"#,
            "Unsupported suffix pattern: exactly",
        ),
        (
            r#"{"a": [{"exactly": 5}]}"#,
            "exact match pattern must be a string",
        ),
        (
            r#"{"a": [{"wildcard": "a\\b"}]}"#,
            "Invalid escape character at pos 2",
        ),
        (
            r#"{"a": [[1]]}"#,
            "Match value must be String, number, true, false, or null",
        ),
        (
            r#"{"$or": {"a": [1]}}"#,
            "It must be an Array followed with $or.",
        ),
        (
            r#"{"$or": [{"a": [1]}]}"#,
            "There must have at least 2 Objects in $or relationship.",
        ),
        (
            r#"{"$or": [{"a": [1]}, 5]}"#,
            "Only JSON object is allowed in array of $or relationship.",
        ),
        (
            r#"{"$or": [{"a": [1]}, {"numeric": [1]}]}"#,
            "numeric is Ruler reserved fieldName which cannot be used inside $or.",
        ),
        ("", "Filter is not an object"),
        (
            "{",
            "Unexpected end-of-input: expected close marker for Object",
        ),
    ];
    for (pattern, expected) in cases {
        let got = reason(pattern);
        assert!(
            got.starts_with(expected),
            "pattern {pattern}: expected reason {expected:?}, got {got:?}"
        );
        assert!(
            got.contains("\n at [Source: (String)"),
            "no location in {got:?}"
        );
    }
}

#[test]
fn a_pattern_over_the_length_limit_is_refused_by_the_api() {
    let long = format!(r#"{{"source": ["{}"]}}"#, "x".repeat(MAX_PATTERN_LENGTH));
    let err = Pattern::parse(&long).expect_err("too long");
    assert!(matches!(err, PatternError::TooLong { .. }));
    assert_eq!(err.code(), "ValidationException");
    let just_fits = format!(
        r#"{{"source": ["{}"]}}"#,
        "x".repeat(MAX_PATTERN_LENGTH - 16)
    );
    assert!(Pattern::parse(&just_fits).is_ok());
}

#[test]
fn an_overly_complex_wildcard_is_refused() {
    let pattern = format!(r#"{{"a": [{{"wildcard": "{}"}}]}}"#, "*ab".repeat(120));
    assert_eq!(
        reason(&pattern),
        "Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character"
    );
}

#[test]
fn the_api_message_wraps_the_reason() {
    let err = Pattern::parse(r#"{"int": 42}"#).expect_err("invalid");
    assert_eq!(err.code(), "InvalidEventPatternException");
    assert!(
        err.message()
            .starts_with("Event pattern is not valid. Reason: \"int\" must be")
    );
}
