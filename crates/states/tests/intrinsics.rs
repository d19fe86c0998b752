//! Intrinsic functions, checked against the Step Functions developer guide ("Intrinsic
//! functions for JSONPath states in Step Functions",
//! <https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html>) and the
//! behaviour the service shows for edge cases the guide leaves open (lenient Base64,
//! tokenizer-style splitting, `States.Runtime` for every failure). The `guide_*` tests
//! take one documented rule or example each.

use orderly_states::intrinsics::{self, IntrinsicError, evaluate, evaluate_with_variables};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

fn context() -> Value {
    json!({
        "Execution": {"Id": "arn:aws:states:us-east-1:123456789012:execution:sm:run-1", "Name": "run-1",
                      "Input": {"start": 2, "end": 6}},
        "State": {"Name": "Pass"}
    })
}

fn run(expression: &str, input: &Value) -> Result<Value, IntrinsicError> {
    evaluate(expression, input, &context())
}

/// (expression, input, expected output)
fn check_ok(cases: &[(&str, Value, Value)]) {
    for (expression, input, expected) in cases {
        match run(expression, input) {
            Ok(value) => assert_eq!(&value, expected, "{expression}"),
            Err(e) => panic!("{expression}: unexpected error {e:?}"),
        }
    }
}

/// (expression, input): each must fail with `Invalid arguments in <function>`.
fn check_invalid(function: &str, cases: &[(&str, Value)]) {
    for (expression, input) in cases {
        let err = run(expression, input).expect_err(expression);
        assert_eq!(err.error, "States.Runtime", "{expression}");
        assert_eq!(
            err.message,
            format!("Invalid arguments in {function}"),
            "{expression}"
        );
    }
}

#[test]
fn format_fills_placeholders_in_order() {
    check_ok(&[
        (
            "States.Format('Hello, my name is {}.', $.name)",
            json!({"name": "Arnav"}),
            json!("Hello, my name is Arnav."),
        ),
        (
            "States.Format($.template, $.name)",
            json!({"name": "Arnav", "template": "Hello, my name is {}."}),
            json!("Hello, my name is Arnav."),
        ),
        (
            "States.Format('{} {} {}', $.a, $.b, $.c)",
            json!({"a": "x", "b": 2, "c": true}),
            json!("x 2 true"),
        ),
        (
            "States.Format('no placeholders')",
            json!({}),
            json!("no placeholders"),
        ),
        (
            "States.Format('  {}  ', $.a)",
            json!({"a": "x"}),
            json!("  x  "),
        ),
        (
            "States.Format('{}|{}|{}|{}', $.n, $.b, $.neg, $.f)",
            json!({"n": null, "b": false, "neg": -1, "f": 3.5}),
            json!("null|false|-1|3.5"),
        ),
        (
            "States.Format('big {}', $.big)",
            json!({"big": 9007199254740991_i64}),
            json!("big 9007199254740991"),
        ),
        // Escapes: \' is a quote, \{ \} are literal braces, \\ a backslash.
        (
            r"States.Format('Name: \'{}\', Surname: \{{}\}', $.a, $.b)",
            json!({"a": "G", "b": "M"}),
            json!("Name: 'G', Surname: {M}"),
        ),
        (
            r"States.Format('back\\slash {}', 1)",
            json!({}),
            json!(r"back\slash 1"),
        ),
        // Objects and arrays take the service's text form.
        (
            "States.Format('{}', $.o)",
            json!({"o": {"a": 1, "b": [1, "x"]}}),
            json!("{a=1, b=[1, x]}"),
        ),
        (
            "States.Format('arn:{}:{}', $.svc, States.JsonToString($.obj))",
            json!({"svc": "lambda", "obj": {"k": 1}}),
            json!("arn:lambda:{\"k\":1}"),
        ),
        (
            "States.Format('{}:{}', $.name, $$.Execution.Input.start)",
            json!({"name": "job"}),
            json!("job:2"),
        ),
        (
            "States.Format('{}', States.ArrayLength($.a))",
            json!({"a": [1, 2, 3]}),
            json!("3"),
        ),
        // A template from a path has no escapes: braces there must pair.
        ("States.Format($.t)", json!({"t": "plain"}), json!("plain")),
    ]);
}

#[test]
fn format_rejects_mismatched_placeholders_and_bad_templates() {
    check_invalid(
        "States.Format",
        &[
            ("States.Format('{} {}', $.a)", json!({"a": "x"})),
            ("States.Format('{}', $.a, $.b)", json!({"a": "x", "b": "y"})),
            ("States.Format($.t, $.a)", json!({"t": 123, "a": "x"})),
            ("States.Format('Hello {', $.a)", json!({"a": "x"})),
            ("States.Format('Hello {{}}', $.a)", json!({"a": "x"})),
            ("States.Format('}')", json!({})),
            ("States.Format()", json!({})),
            ("States.Format($.t)", json!({"t": "a { b"})),
        ],
    );
}

#[test]
fn json_string_conversions() {
    check_ok(&[
        (
            "States.StringToJson($.s)",
            json!({"s": "{\"foo\": \"bar\"}"}),
            json!({"foo": "bar"}),
        ),
        (
            "States.StringToJson($.s)",
            json!({"s": "[1,2]"}),
            json!([1, 2]),
        ),
        (
            "States.StringToJson($.s)",
            json!({"s": "\"x\""}),
            json!("x"),
        ),
        // Recorded on AWS: an empty or blank text is null, not a failure.
        ("States.StringToJson($.s)", json!({"s": ""}), json!(null)),
        ("States.StringToJson($.s)", json!({"s": " "}), json!(null)),
        (
            "States.StringToJson('{\"a\": 1}')",
            json!({}),
            json!({"a": 1}),
        ),
        (
            "States.JsonToString($.o)",
            json!({"o": {"foo": "bar"}}),
            json!("{\"foo\":\"bar\"}"),
        ),
        (
            "States.JsonToString($.p)",
            json!({"p": [null, "", " ", 0, 1, true, false, [0, 1, false]]}),
            json!("[null,\"\",\" \",0,1,true,false,[0,1,false]]"),
        ),
        ("States.JsonToString($.n)", json!({"n": 42}), json!("42")),
        (
            "States.JsonToString(States.MathAdd(1, 2))",
            json!({}),
            json!("3"),
        ),
        (
            "States.JsonToString($)",
            json!({"a": 1}),
            json!("{\"a\":1}"),
        ),
    ]);
    check_invalid(
        "States.StringToJson",
        &[
            ("States.StringToJson($.s)", json!({"s": "{not json"})),
            ("States.StringToJson($.s)", json!({"s": 1})),
            ("States.StringToJson($.a, $.a)", json!({"a": "1"})),
        ],
    );
    check_invalid(
        "States.JsonToString",
        &[
            ("States.JsonToString()", json!({})),
            ("States.JsonToString($.a, $.a)", json!({"a": 1})),
        ],
    );
}

#[test]
fn json_merge_is_shallow_with_right_winning() {
    check_ok(&[
        (
            "States.JsonMerge($.a, $.b, false)",
            json!({"a": {"x": 1}, "b": {"y": 2}}),
            json!({"x": 1, "y": 2}),
        ),
        (
            "States.JsonMerge($.a, $.b, false)",
            json!({"a": {"x": 1, "y": 2}, "b": {"y": 3, "z": 4}}),
            json!({"x": 1, "y": 3, "z": 4}),
        ),
        (
            "States.JsonMerge($.a, $.b, false)",
            json!({"a": {"n": {"a1": 1, "a2": 2}}, "b": {"n": {"a3": 3}}}),
            json!({"n": {"a3": 3}}),
        ),
        (
            "States.JsonMerge($.a, $.b, false)",
            json!({"a": {"n": {"l": true}, "keep": 1}, "b": {"n": null}}),
            json!({"n": null, "keep": 1}),
        ),
        (
            "States.JsonMerge(States.StringToJson($.a), States.StringToJson($.b), false)",
            json!({"a": "{\"l\":1}", "b": "{\"r\":2}"}),
            json!({"l": 1, "r": 2}),
        ),
        (
            "States.JsonMerge($.a, $.b, $.deep)",
            json!({"a": {}, "b": {"x": 1}, "deep": false}),
            json!({"x": 1}),
        ),
    ]);
    check_invalid(
        "States.JsonMerge",
        &[
            (
                "States.JsonMerge($.a, $.b, true)",
                json!({"a": {}, "b": {}}),
            ),
            (
                "States.JsonMerge($.a, $.b, false)",
                json!({"a": null, "b": {}}),
            ),
            (
                "States.JsonMerge($.a, $.b, false)",
                json!({"a": {}, "b": "x"}),
            ),
            (
                "States.JsonMerge($.a, $.b, false)",
                json!({"a": [], "b": {}}),
            ),
            ("States.JsonMerge($.a, $.b)", json!({"a": {}, "b": {}})),
            (
                "States.JsonMerge($.a, $.b, false, 1)",
                json!({"a": {}, "b": {}}),
            ),
            ("States.JsonMerge()", json!({})),
        ],
    );
}

#[test]
fn array_builds_from_any_arguments() {
    check_ok(&[
        ("States.Array()", json!({}), json!([])),
        ("States.Array($.Id)", json!({"Id": 123456}), json!([123456])),
        (
            "States.Array(42, true, null, 'hello')",
            json!({}),
            json!([42, true, null, "hello"]),
        ),
        (
            "States.Array(false, '', 0, null, -1.5, 1e3)",
            json!({}),
            json!([false, "", 0, null, -1.5, 1000.0]),
        ),
        (
            "States.Array(1, States.Array(2, 3))",
            json!({}),
            json!([1, [2, 3]]),
        ),
        (
            "States.Array( $.a , $.b )",
            json!({"a": 1, "b": 2}),
            json!([1, 2]),
        ),
        (
            "States.Array($.obj, $.arr)",
            json!({"obj": {"k": 1}, "arr": [1, 2]}),
            json!([{"k": 1}, [1, 2]]),
        ),
        (
            "States.Array($$.Execution.Name, $$.State.Name)",
            json!({}),
            json!(["run-1", "Pass"]),
        ),
        (
            "States.Array($['a b'], $.items[1], $.items[-1])",
            json!({"a b": 1, "items": [10, 20, 30]}),
            json!([1, 20, 30]),
        ),
        (
            "States.Array($.items[*].id)",
            json!({"items": [{"id": 1}, {"id": 2}]}),
            json!([[1, 2]]),
        ),
        (
            "States.Array($.items[0:2])",
            json!({"items": [1, 2, 3]}),
            json!([[1, 2]]),
        ),
    ]);
}

#[test]
fn array_partition_chunks_with_rounded_size() {
    check_ok(&[
        (
            "States.ArrayPartition($.a, 1)",
            json!({"a": [1, 2, 3]}),
            json!([[1], [2], [3]]),
        ),
        (
            "States.ArrayPartition($.a, 4)",
            json!({"a": [1, 2, 3, 4, 5, 6, 7, 8, 9]}),
            json!([[1, 2, 3, 4], [5, 6, 7, 8], [9]]),
        ),
        (
            "States.ArrayPartition($.a, 10)",
            json!({"a": [1, 2, 3]}),
            json!([[1, 2, 3]]),
        ),
        ("States.ArrayPartition($.a, 3)", json!({"a": []}), json!([])),
        (
            "States.ArrayPartition($.a, 2.6)",
            json!({"a": [1, 2, 3, 4, 5]}),
            json!([[1, 2, 3], [4, 5]]),
        ),
        (
            "States.ArrayPartition($.a, 0.6)",
            json!({"a": [1, 2]}),
            json!([[1], [2]]),
        ),
        (
            "States.ArrayPartition($.a, 2147483647)",
            json!({"a": [1, 2, 3]}),
            json!([[1, 2, 3]]),
        ),
        (
            "States.ArrayPartition(States.Array(1,2,3,4,5), 2)",
            json!({}),
            json!([[1, 2], [3, 4], [5]]),
        ),
    ]);
    check_invalid(
        "States.ArrayPartition",
        &[
            ("States.ArrayPartition($.a, 0)", json!({"a": [1]})),
            ("States.ArrayPartition($.a, 0.4)", json!({"a": [1]})),
            ("States.ArrayPartition($.a, -1)", json!({"a": [1]})),
            ("States.ArrayPartition($.a, '2')", json!({"a": [1]})),
            ("States.ArrayPartition($.a, null)", json!({"a": [1]})),
            ("States.ArrayPartition('not-array', 2)", json!({})),
            ("States.ArrayPartition($.a)", json!({"a": [1]})),
            ("States.ArrayPartition($.a, 2, 999)", json!({"a": [1]})),
        ],
    );
}

#[test]
fn array_contains_compares_like_the_service() {
    check_ok(&[
        (
            "States.ArrayContains($.a, 2)",
            json!({"a": [1, 2, 3]}),
            json!(true),
        ),
        (
            "States.ArrayContains($.a, 5)",
            json!({"a": [1, 2, 3]}),
            json!(false),
        ),
        (
            "States.ArrayContains($.a, 'C')",
            json!({"a": ["A", "B", "C"]}),
            json!(true),
        ),
        (
            "States.ArrayContains($.a, null)",
            json!({"a": [1, null, 3]}),
            json!(true),
        ),
        (
            "States.ArrayContains($.a, $.t)",
            json!({"a": [{"a": 1}, {"b": 2}], "t": {"a": 1}}),
            json!(true),
        ),
        (
            "States.ArrayContains($.a, $.t)",
            json!({"a": [{"a": 1, "b": 2}], "t": {"b": 2, "a": 1}}),
            json!(false),
        ),
        (
            "States.ArrayContains($.a, $.t)",
            json!({"a": [[1, 2], [3, 4]], "t": [1, 2]}),
            json!(true),
        ),
        (
            "States.ArrayContains($.a, $.t)",
            json!({"a": [{"a": 1}], "t": {"a": 1, "extra": null}}),
            json!(false),
        ),
        (
            "States.ArrayContains($.a, false)",
            json!({"a": [0, 1, -1, -1.5]}),
            json!(false),
        ),
        (
            "States.ArrayContains($.a, true)",
            json!({"a": ["true", "false"]}),
            json!(true),
        ),
        (
            "States.ArrayContains($.a, 1)",
            json!({"a": []}),
            json!(false),
        ),
    ]);
    check_invalid(
        "States.ArrayContains",
        &[
            ("States.ArrayContains('not-array', 'x')", json!({})),
            ("States.ArrayContains($.a)", json!({"a": [1]})),
            ("States.ArrayContains($.a, 2, 999)", json!({"a": [1]})),
        ],
    );
}

#[test]
fn array_range_counts_inclusively_up_to_1000_items() {
    check_ok(&[
        (
            "States.ArrayRange(1, 9, 2)",
            json!({}),
            json!([1, 3, 5, 7, 9]),
        ),
        (
            "States.ArrayRange(1, 5, 1)",
            json!({}),
            json!([1, 2, 3, 4, 5]),
        ),
        ("States.ArrayRange(-2, 2, 2)", json!({}), json!([-2, 0, 2])),
        (
            "States.ArrayRange(1.4, 5.6, 2.2)",
            json!({}),
            json!([1, 3, 5]),
        ),
        ("States.ArrayRange(1.6, 1.4, 1)", json!({}), json!([])),
        ("States.ArrayRange(1.4, 1.6, 1)", json!({}), json!([1, 2])),
        ("States.ArrayRange(3, 3, -1)", json!({}), json!([3])),
        ("States.ArrayRange(5, 1, -2)", json!({}), json!([5, 3, 1])),
        ("States.ArrayRange(5, 1, 1)", json!({}), json!([])),
        ("States.ArrayRange(1, 5, -1)", json!({}), json!([])),
        (
            "States.ArrayRange(States.MathAdd($.b, 1), States.MathAdd($.b, 5), 2)",
            json!({"b": 0}),
            json!([1, 3, 5]),
        ),
        (
            "States.ArrayRange($$.Execution.Input.start, $$.Execution.Input.end, 2)",
            json!({}),
            json!([2, 4, 6]),
        ),
    ]);
    let thousand = run("States.ArrayRange(1, 1000, 1)", &json!({})).expect("1000 items");
    assert_eq!(thousand.as_array().map(Vec::len), Some(1000));
    let down = run("States.ArrayRange(1000, 1, -1)", &json!({})).expect("1000 items");
    assert_eq!(down.as_array().and_then(|a| a.last()), Some(&json!(1)));
    check_invalid(
        "States.ArrayRange",
        &[
            ("States.ArrayRange(1, 1001, 1)", json!({})),
            ("States.ArrayRange(1001, 1, -1)", json!({})),
            ("States.ArrayRange(1, 10, 0)", json!({})),
            ("States.ArrayRange(1, 10, 0.49)", json!({})),
            ("States.ArrayRange('a', 5, 1)", json!({})),
            ("States.ArrayRange(1, 'b', 1)", json!({})),
            ("States.ArrayRange(1, 5, 'c')", json!({})),
            ("States.ArrayRange(1, 5)", json!({})),
            ("States.ArrayRange(1, 5, 1, 99)", json!({})),
            (
                "States.ArrayRange(-9223372036854775808, 9223372036854775807, 1)",
                json!({}),
            ),
        ],
    );
}

#[test]
fn array_get_item_length_and_unique() {
    check_ok(&[
        (
            "States.ArrayGetItem($.a, 0)",
            json!({"a": ["a", "b", "c"]}),
            json!("a"),
        ),
        (
            "States.ArrayGetItem($.a, $.i)",
            json!({"a": [10, 20, 30, 40], "i": 2}),
            json!(30),
        ),
        (
            "States.ArrayGetItem($.a, 0)",
            json!({"a": [null]}),
            json!(null),
        ),
        (
            "States.ArrayGetItem($.a, 1.2)",
            json!({"a": [10, 20, 30]}),
            json!(20),
        ),
        (
            "States.ArrayGetItem($.a, 999)",
            json!({"a": []}),
            json!(null),
        ),
        (
            "States.ArrayGetItem(States.Array('x', 'y', 'z'), 1)",
            json!({}),
            json!("y"),
        ),
        ("States.ArrayLength($.a)", json!({"a": []}), json!(0)),
        (
            "States.ArrayLength($.a)",
            json!({"a": [[1], [2], [3]]}),
            json!(3),
        ),
        (
            "States.ArrayLength(States.Array(1, 2, 3))",
            json!({}),
            json!(3),
        ),
        (
            "States.ArrayUnique($.a)",
            json!({"a": [1, 2, 3, 3, 3, 3, 3, 3, 4]}),
            json!([1, 2, 3, 4]),
        ),
        (
            "States.ArrayUnique($.a)",
            json!({"a": [{"a": 1}, {"a": 1}, "1", 1, [1], [1]]}),
            json!([{"a": 1}, "1", 1, [1]]),
        ),
        ("States.ArrayUnique($.a)", json!({"a": []}), json!([])),
    ]);
    check_invalid(
        "States.ArrayGetItem",
        &[
            ("States.ArrayGetItem('not-array', 0)", json!({})),
            ("States.ArrayGetItem($.a, 3)", json!({"a": [10, 20, 30]})),
            ("States.ArrayGetItem($.a, -1)", json!({"a": [10, 20, 30]})),
            ("States.ArrayGetItem($.a, '1')", json!({"a": [10, 20, 30]})),
            ("States.ArrayGetItem($.a)", json!({"a": [10]})),
            ("States.ArrayGetItem($.a, 1, 999)", json!({"a": [10, 20]})),
        ],
    );
    check_invalid(
        "States.ArrayLength",
        &[
            ("States.ArrayLength('not-array')", json!({})),
            ("States.ArrayLength($.o)", json!({"o": {"k": 1}})),
            ("States.ArrayLength()", json!({})),
            ("States.ArrayLength($.a, 999)", json!({"a": []})),
        ],
    );
    check_invalid(
        "States.ArrayUnique",
        &[
            ("States.ArrayUnique('x')", json!({})),
            ("States.ArrayUnique($.a, $.a)", json!({"a": []})),
        ],
    );
}

#[test]
fn base64_round_trips_and_limits_input_to_10000_chars() {
    check_ok(&[
        ("States.Base64Encode('hello')", json!({}), json!("aGVsbG8=")),
        ("States.Base64Encode('')", json!({}), json!("")),
        (
            "States.Base64Encode($.s)",
            json!({"s": "Data to encode"}),
            json!("RGF0YSB0byBlbmNvZGU="),
        ),
        (
            "States.Base64Encode($.s)",
            json!({"s": "こんにちは"}),
            json!("44GT44KT44Gr44Gh44Gv"),
        ),
        (
            "States.Base64Encode($.s)",
            json!({"s": "abc\u{0}def"}),
            json!("YWJjAGRlZg=="),
        ),
        ("States.Base64Encode('🚀')", json!({}), json!("8J+agA==")),
        (
            "States.Base64Encode(States.Format('{}-{}', $.a, $.b))",
            json!({"a": "x", "b": "y"}),
            json!("eC15"),
        ),
        ("States.Base64Decode('aGVsbG8=')", json!({}), json!("hello")),
        (
            "States.Base64Decode($.s)",
            json!({"s": "RGF0YSB0byBlbmNvZGU="}),
            json!("Data to encode"),
        ),
        ("States.Base64Decode('4pyT')", json!({}), json!("✓")),
        ("States.Base64Decode('')", json!({}), json!("")),
        ("States.Base64Decode('IA==')", json!({}), json!(" ")),
        (
            "States.Base64Decode(States.Base64Encode($.s))",
            json!({"s": "hello"}),
            json!("hello"),
        ),
        // The service decodes sloppy input instead of failing.
        (
            "States.Base64Decode(' YWJjZA== ')",
            json!({}),
            json!("abcd"),
        ),
        ("States.Base64Decode('YWJjZA')", json!({}), json!("abcd")),
    ]);
    let at_limit = json!({"s": "a".repeat(10_000)});
    assert!(run("States.Base64Encode($.s)", &at_limit).is_ok());
    assert!(
        run(
            "States.Base64Decode($.s)",
            &json!({"s": "A".repeat(10_000)})
        )
        .is_ok()
    );
    check_invalid(
        "States.Base64Encode",
        &[
            ("States.Base64Encode($.s)", json!({"s": "a".repeat(10_001)})),
            ("States.Base64Encode(123)", json!({})),
            ("States.Base64Encode($.o)", json!({"o": {}})),
            ("States.Base64Encode()", json!({})),
            ("States.Base64Encode('a', 'b')", json!({})),
        ],
    );
    check_invalid(
        "States.Base64Decode",
        &[
            ("States.Base64Decode($.s)", json!({"s": "A".repeat(10_001)})),
            ("States.Base64Decode(123)", json!({})),
            ("States.Base64Decode()", json!({})),
            ("States.Base64Decode('aGVsbG8=', 'x')", json!({})),
        ],
    );
}

#[test]
fn hash_supports_the_five_algorithms_by_exact_name() {
    check_ok(&[
        (
            "States.Hash('hello', 'MD5')",
            json!({}),
            json!("5d41402abc4b2a76b9719d911017c592"),
        ),
        (
            "States.Hash('hello', 'SHA-1')",
            json!({}),
            json!("aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"),
        ),
        (
            "States.Hash('hello', 'SHA-256')",
            json!({}),
            json!("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"),
        ),
        (
            "States.Hash('hello', 'SHA-384')",
            json!({}),
            json!(
                "59e1748777448c69de6b800d7a33bbfb9ff1b463e44354c3553bcdb9c666fa90125a3c79f90397bdf5f6a13de828684f"
            ),
        ),
        (
            "States.Hash('hello', 'SHA-512')",
            json!({}),
            json!(
                "9b71d224bd62f3785d96d46ad3ea3d73319bfbc2890caadae2dff72519673ca72323c3d99ba5c11d7c7acc6e14b8c5da0c4663475c2e5c3adef46f73bcdec043"
            ),
        ),
        (
            "States.Hash('', 'SHA-256')",
            json!({}),
            json!("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ),
        (
            "States.Hash($.s, 'SHA-256')",
            json!({"s": "こんにちは"}),
            json!("125aeadf27b0459b8760c13a3d80912dfa8a81a68261906f60d87f4a0268646c"),
        ),
        (
            "States.Hash($.s, 'MD5')",
            json!({"s": "abc\u{0}def"}),
            json!("a5e4d5963ae44c1f4bfb37b1a3d55a3c"),
        ),
        (
            "States.Hash($.s, $.algo)",
            json!({"s": "Data to encode", "algo": "MD5"}),
            json!("ca405671828a177e26947171bbe1e352"),
        ),
        (
            "States.Hash(States.Format('{}:{}', $.a, $.b), 'SHA-256')",
            json!({"a": "x", "b": "y"}),
            json!("1274e286686b54fe765ec40735665b4bf789cee2a5b22124c5e0491a88e15271"),
        ),
        (
            "States.Hash('🚀', 'SHA-256')",
            json!({}),
            json!("ebbc0b2870eb323f2b6cffa5c493ceef81ae7eb36afc73d4e0367301631daec5"),
        ),
        // Numbers are hashed in their text form, as the service does.
        (
            "States.Hash(123, 'MD5')",
            json!({}),
            json!("202cb962ac59075b964b07152d234b70"),
        ),
    ]);
    check_invalid(
        "States.Hash",
        &[
            (
                "States.Hash($.s, 'SHA-256')",
                json!({"s": "a".repeat(10_001)}),
            ),
            ("States.Hash('hello', 123)", json!({})),
            ("States.Hash()", json!({})),
            ("States.Hash('hello')", json!({})),
            ("States.Hash('hello', 'SHA-256', 'extra')", json!({})),
            ("States.Hash('data', 'UNSUPPORTED')", json!({})),
            ("States.Hash('data', 'sha-256')", json!({})),
            ("States.Hash('data', 'SHA256')", json!({})),
            ("States.Hash('data', '')", json!({})),
            ("States.Hash('data', 'MD-5')", json!({})),
            ("States.Hash(null, 'MD5')", json!({})),
        ],
    );
}

#[test]
fn math_add_rounds_and_stays_within_32_bits() {
    check_ok(&[
        ("States.MathAdd(5, 3)", json!({}), json!(8)),
        ("States.MathAdd($.v, -1)", json!({"v": 111}), json!(110)),
        ("States.MathAdd(-5, -3)", json!({}), json!(-8)),
        (
            "States.MathAdd($.a, $.b)",
            json!({"a": 1.6, "b": 2.7}),
            json!(5),
        ),
        (
            "States.MathAdd($.a, $.b)",
            json!({"a": 0.1, "b": 0.2}),
            json!(0),
        ),
        (
            "States.MathAdd(2147483647, 0)",
            json!({}),
            json!(2147483647),
        ),
        (
            "States.MathAdd(-2147483648, 0)",
            json!({}),
            json!(-2147483648_i64),
        ),
        (
            "States.MathAdd(-2147483647, -1)",
            json!({}),
            json!(-2147483648_i64),
        ),
        (
            "States.MathAdd(States.MathAdd($.x, 1), 2)",
            json!({"x": 5}),
            json!(8),
        ),
        (
            "States.Array(States.MathAdd($.x, -1), States.MathAdd($.x, 1))",
            json!({"x": 5}),
            json!([4, 6]),
        ),
    ]);
    check_invalid(
        "States.MathAdd",
        &[
            ("States.MathAdd(2147483647, 1)", json!({})),
            ("States.MathAdd(-2147483648, -1)", json!({})),
            ("States.MathAdd(3000000000, 1)", json!({})),
            ("States.MathAdd('a', 1)", json!({})),
            ("States.MathAdd('-1', 2)", json!({})),
            ("States.MathAdd(null, 1)", json!({})),
            ("States.MathAdd(true, 1)", json!({})),
            ("States.MathAdd(-1, $.p)", json!({"p": [1]})),
            ("States.MathAdd(1)", json!({})),
            ("States.MathAdd(1, 2, 999)", json!({})),
        ],
    );
}

#[test]
fn math_random_stays_in_range_and_repeats_with_a_seed() {
    for expression in [
        "States.MathRandom(1, 999)",
        "States.MathRandom(1.6, 5.4)",
        "States.MathRandom(1.4, 1.6)",
        "States.MathRandom($.s, $.e)",
    ] {
        let input = json!({"s": -1_000_000, "e": 1_000_000});
        for _ in 0..50 {
            let value = run(expression, &input)
                .expect(expression)
                .as_i64()
                .expect("an integer");
            let (low, high) = match expression {
                "States.MathRandom(1, 999)" => (1, 999),
                "States.MathRandom(1.6, 5.4)" => (2, 5),
                "States.MathRandom(1.4, 1.6)" => (1, 2),
                _ => (-1_000_000, 1_000_000),
            };
            assert!((low..high).contains(&value), "{expression} gave {value}");
        }
    }
    let first = run("States.MathRandom(1, 100, 42)", &json!({})).expect("seeded");
    let second = run("States.MathRandom(1, 100, 42)", &json!({})).expect("seeded");
    assert_eq!(first, second);
    let wide = run("States.MathRandom(-2147483648, 2147483647, 7)", &json!({})).expect("wide");
    assert!(wide.as_i64().is_some());
    let near_max =
        run("States.MathRandom(2147483640, 2147483647, 1)", &json!({})).expect("near max");
    assert!((2147483640..2147483647).contains(&near_max.as_i64().unwrap_or(0)));
    for seed in ["-10", "0"] {
        let v = run(&format!("States.MathRandom(1, 10, {seed})"), &json!({})).expect("seed");
        assert!((1..10).contains(&v.as_i64().unwrap_or(0)));
    }
    check_invalid(
        "States.MathRandom",
        &[
            ("States.MathRandom(1, 1)", json!({})),
            ("States.MathRandom(10, 5)", json!({})),
            ("States.MathRandom(1.2, 1.4)", json!({})),
            ("States.MathRandom('a', 10)", json!({})),
            ("States.MathRandom(1, 'b')", json!({})),
            ("States.MathRandom(1, 10, 'seed')", json!({})),
            ("States.MathRandom(1, 10, null)", json!({})),
            ("States.MathRandom(1)", json!({})),
            ("States.MathRandom(1, 10, 5, 99)", json!({})),
        ],
    );
}

#[test]
fn string_split_tokenizes_on_each_delimiter_character() {
    check_ok(&[
        (
            "States.StringSplit($.s, ',')",
            json!({"s": "a,b,c"}),
            json!(["a", "b", "c"]),
        ),
        (
            "States.StringSplit($.s, $.d)",
            json!({"s": "1+2,3.4", "d": ".+,"}),
            json!(["1", "2", "3", "4"]),
        ),
        (
            "States.StringSplit($.s, ',')",
            json!({"s": "a,,b"}),
            json!(["a", "b"]),
        ),
        (
            "States.StringSplit($.s, ',')",
            json!({"s": ",a,b,"}),
            json!(["a", "b"]),
        ),
        ("States.StringSplit($.s, ',')", json!({"s": ""}), json!([])),
        (
            "States.StringSplit($.s, '')",
            json!({"s": "abc"}),
            json!(["abc"]),
        ),
        (
            "States.StringSplit($.s, 'ab')",
            json!({"s": "1a2b3ab4"}),
            json!(["1", "2", "3", "4"]),
        ),
        (
            "States.StringSplit(States.Format('{}-{}', $.a, $.b), '-')",
            json!({"a": "x", "b": "y"}),
            json!(["x", "y"]),
        ),
    ]);
    check_invalid(
        "States.StringSplit",
        &[
            ("States.StringSplit($.v, ',')", json!({"v": 123})),
            ("States.StringSplit($.s, $.d)", json!({"s": "a,b", "d": 1})),
            ("States.StringSplit($.s, $.d)", json!({"s": null, "d": ","})),
            (
                "States.StringSplit($.s, $.d)",
                json!({"s": "a,b", "d": [","]}),
            ),
            ("States.StringSplit()", json!({})),
            ("States.StringSplit($.s)", json!({"s": "a"})),
            ("States.StringSplit($.s, ',', 'x')", json!({"s": "a"})),
        ],
    );
}

#[test]
fn uuid_is_a_fresh_version_4_uuid() {
    let a = run("States.UUID()", &json!({})).expect("uuid");
    let b = run("States.UUID()", &json!({})).expect("uuid");
    assert_ne!(a, b);
    let text = a.as_str().expect("a string");
    let parsed = uuid::Uuid::parse_str(text).expect("a valid UUID");
    assert_eq!(parsed.get_version_num(), 4);
    check_invalid("States.UUID", &[("States.UUID(1)", json!({}))]);
}

#[test]
fn a_path_that_matches_nothing_is_a_runtime_error_naming_it() {
    let cases = [
        (
            "States.Base64Encode($.missing)",
            json!({}),
            "The JSONPath '$.missing' could not be found in the input '{}'",
        ),
        (
            "States.Hash('hello', $.algo)",
            json!({}),
            "The JSONPath '$.algo' could not be found in the input '{}'",
        ),
        (
            "States.Array($$.Execution.Nope)",
            json!({"a": 1}),
            "The JSONPath '$$.Execution.Nope' could not be found in the input '{\"a\":1}'",
        ),
        (
            "States.Array($.a[5])",
            json!({"a": [1]}),
            "The JSONPath '$.a[5]' could not be found in the input '{\"a\":[1]}'",
        ),
        (
            "States.Array($undefinedVar)",
            json!({}),
            "The variable '$undefinedVar' referenced in '$undefinedVar' is not assigned",
        ),
    ];
    for (expression, input, message) in cases {
        let err = run(expression, &input).expect_err(expression);
        assert_eq!(
            err,
            IntrinsicError {
                error: "States.Runtime",
                message: message.to_string()
            }
        );
    }
}

#[test]
fn variables_resolve_when_supplied() {
    let mut variables = Map::new();
    variables.insert("orderId".into(), json!("o-1"));
    variables.insert("totals".into(), json!({"items": [3, 4]}));
    let value = evaluate_with_variables(
        "States.Format('{} has {} lines', $orderId, States.ArrayLength($totals.items))",
        &json!({}),
        &context(),
        &variables,
    )
    .expect("variables resolve");
    assert_eq!(value, json!("o-1 has 2 lines"));
}

#[test]
fn malformed_expressions_are_rejected_with_a_reason() {
    let cases = [
        "States.Array(",
        "States.Array($.a) trailing",
        "States.Array([1,2])",
        "States.Array(1.)",
        "States.Array(.5)",
        "States.Array(01)",
        "States.ArrayGetItem($.arr, )",
        "States.Nope(1)",
        "states.array(1)",
        "States.Format('unterminated)",
        r"States.Format('ends in a backslash\)",
        "$.justAPath",
        "'just a string'",
        "",
        "States.Array(States.Array(States.Array(States.Array(States.Array(States.Array(States.Array(States.Array(States.Array(States.Array(States.Array(1)))))))))))",
        "States.Array($..deep)",
    ];
    for expression in cases {
        let err = run(expression, &json!({"a": 1, "arr": [1]})).expect_err(expression);
        assert_eq!(err.error, "States.Runtime", "{expression}");
        assert!(!err.message.is_empty());
        if expression != "States.Array($..deep)" {
            assert!(intrinsics::validate(expression).is_err(), "{expression}");
        }
    }
    // Ten levels of nesting are allowed.
    let ten = "States.Array(States.Array(States.Array(States.Array(States.Array(States.Array(States.Array(States.Array(States.Array(States.Array(1))))))))))";
    assert!(intrinsics::validate(ten).is_ok());
    assert_eq!(
        run(ten, &json!({})).ok(),
        Some(json!([[[[[[[[[[1]]]]]]]]]]))
    );
}

#[test]
fn is_intrinsic_tells_calls_from_paths() {
    let cases = [
        ("States.Format('{}', $.a)", true),
        ("  States.UUID()", true),
        ("States.Array ()", true),
        ("$.States.Format", false),
        ("$.a", false),
        ("States.", false),
        ("States.Format", false),
        ("Hello", false),
    ];
    for (text, expected) in cases {
        assert_eq!(intrinsics::is_intrinsic(text), expected, "{text}");
    }
}

proptest! {
    #[test]
    fn no_expression_panics(expression in "\\PC{0,60}") {
        let _ = run(&expression, &json!({"a": [1, "x", {"b": null}]}));
    }

    #[test]
    fn no_call_shaped_expression_panics(
        name in prop::sample::select(vec![
            "States.Format", "States.StringToJson", "States.JsonToString", "States.Array",
            "States.ArrayPartition", "States.ArrayContains", "States.ArrayRange",
            "States.ArrayGetItem", "States.ArrayLength", "States.ArrayUnique",
            "States.Base64Encode", "States.Base64Decode", "States.Hash", "States.JsonMerge",
            "States.MathRandom", "States.MathAdd", "States.StringSplit", "States.UUID",
        ]),
        args in prop::collection::vec(prop::sample::select(vec![
            "$", "$.a", "$.n", "$.s", "$.o", "$$.Execution.Id", "'{}'", "'x,y'", "-1", "0",
            "2.5", "1e300", "-9223372036854775808", "18446744073709551615", "null", "true",
            "'SHA-256'", "States.Array(1, 2)", "$.a[*]", "$.a[-1]", "$.a[1:]",
        ]), 0..4),
        n in any::<f64>(),
        s in "\\PC{0,20}",
    ) {
        let expression = format!("{name}({})", args.join(", "));
        let input = json!({"a": [1, "x", {"b": null}], "n": n, "s": s, "o": {"k": s}});
        let _ = run(&expression, &input);
    }
}

#[test]
fn call_runs_one_function_on_evaluated_arguments() {
    use intrinsics::{Function, call};
    assert_eq!(
        call(Function::ArrayLength, vec![json!([1, 2])]),
        Ok(json!(2))
    );
    assert_eq!(
        call(Function::MathAdd, vec![json!(1), json!(2)]),
        Ok(json!(3))
    );
    let err = call(Function::ArrayRange, vec![json!(1)]).expect_err("arity");
    assert_eq!(err.message, "Invalid arguments in States.ArrayRange");
    assert_eq!(Function::from_name("States.UUID"), Some(Function::Uuid));
    assert_eq!(Function::Uuid.name(), "States.UUID");
}

// ---------------------------------------------------------------------------------------
// The developer guide, rule by rule. Every test below cites the section of
// https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html it checks
// and, where the guide gives one, uses its example input and output verbatim (the guide
// writes them as a `"field.$": "..."` entry and the `{"field": ...}` it produces; here the
// expression and the field's value).
// ---------------------------------------------------------------------------------------

/// The error a rejected argument gives: `States.Runtime`, `Invalid arguments in <name>`.
fn assert_invalid(function: &str, expression: &str, input: &Value) {
    check_invalid(function, &[(expression, input.clone())]);
}

/// [`assert_invalid`] for each expression, on one input.
fn assert_all_invalid(function: &str, expressions: &[&str], input: &Value) {
    for expression in expressions {
        assert_invalid(function, expression, input);
    }
}

/// [`assert_invalid`] for one expression, on each input.
fn assert_invalid_inputs(function: &str, expression: &str, inputs: &[Value]) {
    for input in inputs {
        assert_invalid(function, expression, input);
    }
}

// intrinsic-functions.html (introduction): `"KeyId.$": "States.Array($.Id)"`.
#[test]
fn guide_key_id_example() {
    check_ok(&[("States.Array($.Id)", json!({"Id": 123456}), json!([123456]))]);
}

// intrinsic-functions.html (introduction): "You can nest up to 10 intrinsic functions
// within a field", shown by a `myArn` field "that includes nine nested intrinsic
// functions". The guide's example is accepted, but as printed its template has three `{}`
// for two values, which its own States.Format rule ("There must be as many remaining
// arguments [...] as there are occurrences of {}") rejects when it runs.
#[test]
fn guide_nine_nested_functions_example() {
    let my_arn = "States.Format('{}.{}.{}', States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 0), States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 1))";
    assert!(intrinsics::validate(my_arn).is_ok());
    let input = json!({"ImageRecipe": {"Arn": "arn:aws:imagebuilder:us-east-1:123456789012:image-recipe/my-recipe/1.0.0"}});
    assert_invalid("States.Format", my_arn, &input);
    // With a two-placeholder template the same nesting yields the version's first parts.
    let two = my_arn.replacen("'{}.{}.{}'", "'{}.{}'", 1);
    check_ok(&[(two.as_str(), input, json!("1.0"))]);
}

// intrinsic-functions.html#asl-intrsc-func-arrays, States.Array: "takes zero or more
// arguments. The interpreter returns a JSON array containing the values of the arguments
// in the order provided."
#[test]
fn guide_array_takes_zero_or_more_arguments_in_order() {
    check_ok(&[
        ("States.Array()", json!({}), json!([])),
        (
            "States.Array($.b, 'a', 3)",
            json!({"b": {"k": true}}),
            json!([{"k": true}, "a", 3]),
        ),
    ]);
}

// intrinsic-functions.html#asl-intrsc-func-arrays, States.ArrayPartition example.
#[test]
fn guide_array_partition_example() {
    check_ok(&[(
        "States.ArrayPartition($.inputArray,4)",
        json!({"inputArray": [1,2,3,4,5,6,7,8,9] }),
        json!([[1, 2, 3, 4], [5, 6, 7, 8], [9]]),
    )]);
}

// intrinsic-functions.html#asl-intrsc-func-arrays, States.ArrayPartition input validation:
// "You must specify an array as the input value for the function's first argument."
#[test]
fn guide_array_partition_first_argument_is_an_array() {
    assert_invalid_inputs(
        "States.ArrayPartition",
        "States.ArrayPartition($.a, 1)",
        &[
            json!({"a": "1,2"}),
            json!({"a": {"0": 1}}),
            json!({"a": null}),
        ],
    );
}

// intrinsic-functions.html#asl-intrsc-func-arrays, States.ArrayPartition input validation:
// "You must specify a non-zero, positive integer for the second argument representing
// the chunk size value."
#[test]
fn guide_array_partition_chunk_size_is_a_positive_integer() {
    for size in ["0", "-1", "-4", "'4'", "null", "true"] {
        let expression = format!("States.ArrayPartition($.a, {size})");
        assert_invalid("States.ArrayPartition", &expression, &json!({"a": [1, 2]}));
    }
}

// intrinsic-functions.html#asl-intrsc-func-arrays, States.ArrayPartition input validation:
// "If you specify a non-integer value for the second argument, Step Functions will round
// it off to the nearest integer."
#[test]
fn guide_array_partition_rounds_the_chunk_size() {
    let input = json!({"a": [1, 2, 3, 4, 5, 6, 7, 8, 9]});
    check_ok(&[
        (
            "States.ArrayPartition($.a, 3.6)",
            input.clone(),
            json!([[1, 2, 3, 4], [5, 6, 7, 8], [9]]),
        ),
        (
            "States.ArrayPartition($.a, 4.4)",
            input.clone(),
            json!([[1, 2, 3, 4], [5, 6, 7, 8], [9]]),
        ),
        (
            "States.ArrayPartition($.a, 0.5)",
            json!({"a": [1, 2]}),
            json!([[1], [2]]),
        ),
    ]);
    // 0.4 rounds to 0, which is not a positive chunk size.
    assert_invalid(
        "States.ArrayPartition",
        "States.ArrayPartition($.a, 0.4)",
        &input,
    );
}

/// An array whose compact JSON text is exactly `bytes` long: strings of `"x..."`.
fn array_of_json_len(bytes: usize) -> Value {
    // [ "…" , "…" ] : each item is its length plus 2 quotes, with a comma between.
    let item = 1000;
    let mut items = Vec::new();
    let mut len = 2;
    while len + item + 3 <= bytes {
        items.push(json!("x".repeat(item)));
        len += item + 2 + usize::from(items.len() > 1);
    }
    let rest = bytes - len - 2 - usize::from(!items.is_empty());
    items.push(json!("x".repeat(rest)));
    let value = Value::Array(items);
    assert_eq!(value.to_string().len(), bytes);
    value
}

// intrinsic-functions.html#asl-intrsc-func-arrays, States.ArrayPartition input validation:
// "The input array can't exceed Step Functions' payload size limit of 256 KiB."
#[test]
fn guide_array_partition_input_fits_the_payload_limit() {
    let at_limit = json!({"a": array_of_json_len(262_144)});
    let chunks = run("States.ArrayPartition($.a, 1000)", &at_limit).expect("256 KiB is allowed");
    assert_eq!(chunks.as_array().map(Vec::len), Some(1));
    let over = json!({"a": array_of_json_len(262_145)});
    assert_invalid(
        "States.ArrayPartition",
        "States.ArrayPartition($.a, 1000)",
        &over,
    );
}

// intrinsic-functions.html#asl-intrsc-func-arrays, States.ArrayContains example.
#[test]
fn guide_array_contains_example() {
    check_ok(&[(
        "States.ArrayContains($.inputArray, $.lookingFor)",
        json!({
            "inputArray": [1,2,3,4,5,6,7,8,9],
            "lookingFor": 5
        }),
        json!(true),
    )]);
}

// intrinsic-functions.html#asl-intrsc-func-arrays, States.ArrayContains input validation:
// "You must specify an array as the input value for function's first argument."
#[test]
fn guide_array_contains_first_argument_is_an_array() {
    assert_invalid_inputs(
        "States.ArrayContains",
        "States.ArrayContains($.a, 5)",
        &[json!({"a": "5"}), json!({"a": {"k": 5}}), json!({"a": 5})],
    );
}

// intrinsic-functions.html#asl-intrsc-func-arrays, States.ArrayContains input validation:
// "You must specify a valid JSON object as the second argument." Any JSON value is one.
#[test]
fn guide_array_contains_looks_for_any_json_value() {
    let input = json!({"a": [{"k": [1]}, [2, 3], "s", null, false, 1.5]});
    check_ok(&[
        (
            "States.ArrayContains($.a, $.a[0])",
            input.clone(),
            json!(true),
        ),
        (
            "States.ArrayContains($.a, $.a[1])",
            input.clone(),
            json!(true),
        ),
        ("States.ArrayContains($.a, 's')", input.clone(), json!(true)),
        (
            "States.ArrayContains($.a, null)",
            input.clone(),
            json!(true),
        ),
        (
            "States.ArrayContains($.a, false)",
            input.clone(),
            json!(true),
        ),
        ("States.ArrayContains($.a, 1.5)", input.clone(), json!(true)),
        ("States.ArrayContains($.a, 'absent')", input, json!(false)),
    ]);
}

// intrinsic-functions.html#asl-intrsc-func-arrays, States.ArrayContains input validation:
// "The input array can't exceed Step Functions' payload size limit of 256 KiB."
#[test]
fn guide_array_contains_input_fits_the_payload_limit() {
    let at_limit = json!({"a": array_of_json_len(262_144)});
    assert_eq!(
        run("States.ArrayContains($.a, 'y')", &at_limit),
        Ok(json!(false))
    );
    let over = json!({"a": array_of_json_len(262_145)});
    assert_invalid(
        "States.ArrayContains",
        "States.ArrayContains($.a, 'y')",
        &over,
    );
}

// intrinsic-functions.html#asl-intrsc-func-arrays, States.ArrayRange example.
#[test]
fn guide_array_range_example() {
    check_ok(&[(
        "States.ArrayRange(1, 9, 2)",
        json!({}),
        json!([1, 3, 5, 7, 9]),
    )]);
}

// intrinsic-functions.html#asl-intrsc-func-arrays, States.ArrayRange input validation:
// "You must specify integer values for all of the arguments. If you specify a non-integer
// value for any of the arguments, Step Functions will round it off to the nearest
// integer."
#[test]
fn guide_array_range_rounds_its_arguments() {
    check_ok(&[
        (
            "States.ArrayRange(0.6, 8.5, 1.5)",
            json!({}),
            json!([1, 3, 5, 7, 9]),
        ),
        (
            "States.ArrayRange(9.4, 0.5, -2.4)",
            json!({}),
            json!([9, 7, 5, 3, 1]),
        ),
    ]);
    assert_all_invalid(
        "States.ArrayRange",
        &[
            "States.ArrayRange('1', 9, 2)",
            "States.ArrayRange(1, null, 2)",
            "States.ArrayRange(1, 9, true)",
        ],
        &json!({}),
    );
}

// intrinsic-functions.html#asl-intrsc-func-arrays, States.ArrayRange input validation:
// "You must specify a non-zero value for the third argument." (after rounding)
#[test]
fn guide_array_range_step_is_not_zero() {
    for step in ["0", "-0", "0.4", "-0.5"] {
        let expression = format!("States.ArrayRange(1, 9, {step})");
        assert_invalid("States.ArrayRange", &expression, &json!({}));
    }
    check_ok(&[("States.ArrayRange(1, 3, 0.5)", json!({}), json!([1, 2, 3]))]);
}

// intrinsic-functions.html#asl-intrsc-func-arrays, States.ArrayRange: "The new array can
// contain up to 1000 elements" / "The newly generated array can't contain more than 1000
// items."
#[test]
fn guide_array_range_makes_at_most_1000_items() {
    for expression in [
        "States.ArrayRange(1, 1000, 1)",
        "States.ArrayRange(0, 999, 1)",
        "States.ArrayRange(1000, 1, -1)",
        "States.ArrayRange(0, 1998, 2)",
    ] {
        let items = run(expression, &json!({})).expect(expression);
        assert_eq!(items.as_array().map(Vec::len), Some(1000), "{expression}");
    }
    assert_all_invalid(
        "States.ArrayRange",
        &[
            "States.ArrayRange(0, 1000, 1)",
            "States.ArrayRange(1000, 0, -1)",
            "States.ArrayRange(0, 2000, 2)",
        ],
        &json!({}),
    );
}

// intrinsic-functions.html#asl-intrsc-func-arrays, States.ArrayGetItem example.
#[test]
fn guide_array_get_item_example() {
    check_ok(&[(
        "States.ArrayGetItem($.inputArray, $.index)",
        json!({
            "inputArray": [1,2,3,4,5,6,7,8,9],
            "index": 5
        }),
        json!(6),
    )]);
}

// intrinsic-functions.html#asl-intrsc-func-arrays, States.ArrayGetItem: "The first argument
// is an array of values and the second argument is the array index of the value to
// return."
#[test]
fn guide_array_get_item_takes_an_array_and_an_index() {
    let input = json!({"a": [1, 2, 3], "s": "123"});
    assert_all_invalid(
        "States.ArrayGetItem",
        &[
            "States.ArrayGetItem($.s, 0)",
            "States.ArrayGetItem($.a, 'first')",
            "States.ArrayGetItem($.a)",
        ],
        &input,
    );
}

// intrinsic-functions.html#asl-intrsc-func-arrays, States.ArrayLength example.
#[test]
fn guide_array_length_example() {
    check_ok(&[(
        "States.ArrayLength($.inputArray)",
        json!({
            "inputArray": [1,2,3,4,5,6,7,8,9]
        }),
        json!(9),
    )]);
}

// intrinsic-functions.html#asl-intrsc-func-arrays, States.ArrayLength: "It has one
// argument, the array to return the length of."
#[test]
fn guide_array_length_takes_one_array() {
    let input = json!({"a": [1], "s": "abc"});
    assert_all_invalid(
        "States.ArrayLength",
        &[
            "States.ArrayLength($.s)",
            "States.ArrayLength()",
            "States.ArrayLength($.a, $.a)",
        ],
        &input,
    );
}

// intrinsic-functions.html#asl-intrsc-func-arrays, States.ArrayUnique example.
#[test]
fn guide_array_unique_example() {
    check_ok(&[(
        "States.ArrayUnique($.inputArray)",
        json!({"inputArray": [1,2,3,3,3,3,3,3,4] }),
        json!([1, 2, 3, 4]),
    )]);
}

// intrinsic-functions.html#asl-intrsc-func-arrays, States.ArrayUnique: "This function takes
// an array, which can be unsorted, as its sole argument."
#[test]
fn guide_array_unique_takes_one_unsorted_array() {
    check_ok(&[(
        "States.ArrayUnique($.a)",
        json!({"a": [3, 1, 3, 2, 1]}),
        json!([3, 1, 2]),
    )]);
    assert_invalid(
        "States.ArrayUnique",
        "States.ArrayUnique($.s)",
        &json!({"s": "aab"}),
    );
    assert_invalid("States.ArrayUnique", "States.ArrayUnique()", &json!({}));
}

// intrinsic-functions.html#asl-intrsc-func-data-encode-decode, States.Base64Encode example.
#[test]
fn guide_base64_encode_example() {
    check_ok(&[(
        "States.Base64Encode($.input)",
        json!({"input": "Data to encode" }),
        json!("RGF0YSB0byBlbmNvZGU="),
    )]);
}

// intrinsic-functions.html#asl-intrsc-func-data-encode-decode, States.Base64Encode: "This
// function takes a data string of up to 10,000 characters to encode as its only
// argument."
#[test]
fn guide_base64_encode_takes_one_string_of_up_to_10000_characters() {
    assert!(
        run(
            "States.Base64Encode($.s)",
            &json!({"s": "é".repeat(10_000)})
        )
        .is_ok()
    );
    assert_invalid_inputs(
        "States.Base64Encode",
        "States.Base64Encode($.s)",
        &[
            json!({"s": "é".repeat(10_001)}),
            json!({"s": 12}),
            json!({"s": ["a"]}),
        ],
    );
    assert_invalid(
        "States.Base64Encode",
        "States.Base64Encode('a', 'b')",
        &json!({}),
    );
}

// intrinsic-functions.html#asl-intrsc-func-data-encode-decode, States.Base64Decode example.
// The guide prints the result as "Decoded data", but its input is the Base64 of the
// Encode example's "Data to encode", which is what it decodes to.
#[test]
fn guide_base64_decode_example() {
    check_ok(&[(
        "States.Base64Decode($.base64)",
        json!({"base64": "RGF0YSB0byBlbmNvZGU=" }),
        json!("Data to encode"),
    )]);
}

// intrinsic-functions.html#asl-intrsc-func-data-encode-decode, States.Base64Decode: "This
// function takes a Base64 encoded data string of up to 10,000 characters to decode as its
// only argument."
#[test]
fn guide_base64_decode_takes_one_string_of_up_to_10000_characters() {
    assert!(
        run(
            "States.Base64Decode($.s)",
            &json!({"s": "QUJD".repeat(2_500)})
        )
        .is_ok()
    );
    assert_invalid_inputs(
        "States.Base64Decode",
        "States.Base64Decode($.s)",
        &[
            json!({"s": format!("{}A", "QUJD".repeat(2_500))}),
            json!({"s": 12}),
        ],
    );
    assert_invalid(
        "States.Base64Decode",
        "States.Base64Decode('QQ==', 'x')",
        &json!({}),
    );
}

// intrinsic-functions.html#asl-intrsc-func-hash-calc, States.Hash example. The guide prints
// "aaff4a450a104cd177d28d18d7485e8cae074b7", 39 hex digits: a SHA-1 digest has 40, and
// that of "input data" has one more 4 ("...d7 44 85...").
#[test]
fn guide_hash_example() {
    check_ok(&[(
        "States.Hash($.Data, $.Algorithm)",
        json!({
            "Data": "input data",
            "Algorithm": "SHA-1"
        }),
        json!("aaff4a450a104cd177d28d18d74485e8cae074b7"),
    )]);
    let printed = "aaff4a450a104cd177d28d18d7485e8cae074b7";
    assert_eq!(
        printed,
        "aaff4a450a104cd177d28d18d74485e8cae074b7".replacen("d744", "d74", 1)
    );
}

// intrinsic-functions.html#asl-intrsc-func-hash-calc, States.Hash: "The hashing algorithm
// you specify can be any of the following algorithms: MD5, SHA-1, SHA-256, SHA-384,
// SHA-512".
#[test]
fn guide_hash_accepts_exactly_the_five_listed_algorithms() {
    for (algorithm, len) in [
        ("MD5", 32),
        ("SHA-1", 40),
        ("SHA-256", 64),
        ("SHA-384", 96),
        ("SHA-512", 128),
    ] {
        let expression = format!("States.Hash('input data', '{algorithm}')");
        let digest = run(&expression, &json!({})).expect(&expression);
        assert_eq!(digest.as_str().map(str::len), Some(len), "{algorithm}");
    }
    for algorithm in ["SHA-224", "SHA3-256", "sha-1", "SHA1", "MD-5", "CRC32"] {
        let expression = format!("States.Hash('input data', '{algorithm}')");
        assert_invalid("States.Hash", &expression, &json!({}));
    }
}

// intrinsic-functions.html#asl-intrsc-func-hash-calc, States.Hash: "The data you provide
// must be an object string containing 10,000 characters or less."
#[test]
fn guide_hash_data_is_at_most_10000_characters() {
    assert!(run("States.Hash($.s, 'MD5')", &json!({"s": "ü".repeat(10_000)})).is_ok());
    assert_invalid(
        "States.Hash",
        "States.Hash($.s, 'MD5')",
        &json!({"s": "ü".repeat(10_001)}),
    );
}

// intrinsic-functions.html#asl-intrsc-func-json-manipulate, States.JsonMerge example.
#[test]
fn guide_json_merge_example() {
    check_ok(&[(
        "States.JsonMerge($.json1, $.json2, false)",
        json!({
            "json1": { "a": {"a1": 1, "a2": 2}, "b": 2 },
            "json2": { "a": {"a3": 1, "a4": 2}, "c": 3 }
        }),
        json!({
            "a": {"a3": 1, "a4": 2},
            "b": 2,
            "c": 3
        }),
    )]);
}

// intrinsic-functions.html#asl-intrsc-func-json-manipulate, States.JsonMerge: "The third
// argument is a boolean value of false [...] Step Functions only supports the shallow
// merging mode; therefore, you must specify the boolean value as false."
#[test]
fn guide_json_merge_third_argument_must_be_false() {
    let input = json!({"a": {"x": 1}, "b": {"y": 2}});
    for third in ["true", "'false'", "0", "null", "$.a"] {
        let expression = format!("States.JsonMerge($.a, $.b, {third})");
        assert_invalid("States.JsonMerge", &expression, &input);
    }
    assert_invalid("States.JsonMerge", "States.JsonMerge($.a, $.b)", &input);
}

// intrinsic-functions.html#asl-intrsc-func-json-manipulate, States.JsonMerge: "The first two
// arguments are the JSON objects that you want to merge."
#[test]
fn guide_json_merge_merges_two_objects() {
    let input = json!({"o": {"x": 1}, "a": [1], "s": "{}"});
    assert_all_invalid(
        "States.JsonMerge",
        &[
            "States.JsonMerge($.a, $.o, false)",
            "States.JsonMerge($.o, $.s, false)",
            "States.JsonMerge($.o, null, false)",
        ],
        &input,
    );
}

// intrinsic-functions.html#asl-intrsc-func-json-manipulate, States.StringToJson example.
#[test]
fn guide_string_to_json_example() {
    check_ok(&[(
        "States.StringToJson($.escapedJsonString)",
        json!({
            "escapedJsonString": "{\"foo\": \"bar\"}"
        }),
        json!({ "foo": "bar" }),
    )]);
}

// intrinsic-functions.html#asl-intrsc-func-json-manipulate, States.StringToJson: "takes a
// reference path to an escaped JSON string as its only argument."
#[test]
fn guide_string_to_json_takes_one_string() {
    let input = json!({"s": "[1]", "o": {"foo": "bar"}});
    assert_all_invalid(
        "States.StringToJson",
        &[
            "States.StringToJson($.o)",
            "States.StringToJson()",
            "States.StringToJson($.s, $.s)",
        ],
        &input,
    );
}

// intrinsic-functions.html#asl-intrsc-func-json-manipulate, States.JsonToString example.
// The guide prints the result escaped, with a space after the colon; the service's JSON
// text is compact, and it is the same JSON value.
#[test]
fn guide_json_to_string_example() {
    let result = run(
        "States.JsonToString($.unescapedJson)",
        &json!({
            "unescapedJson": {
                "foo": "bar"
            }
        }),
    )
    .expect("JSON text");
    assert_eq!(result, json!("{\"foo\":\"bar\"}"));
    let printed: Value = serde_json::from_str(r#"{"foo": "bar"}"#).expect("the guide's text");
    let produced: Value = serde_json::from_str(result.as_str().unwrap_or_default()).expect("JSON");
    assert_eq!(produced, printed);
}

// intrinsic-functions.html#asl-intrsc-func-json-manipulate, States.JsonToString: "takes only
// one argument".
#[test]
fn guide_json_to_string_takes_one_argument() {
    assert_all_invalid(
        "States.JsonToString",
        &["States.JsonToString()", "States.JsonToString($.a, $.a)"],
        &json!({"a": 1}),
    );
}

// intrinsic-functions.html#asl-intrsc-func-math-operation, States.MathRandom example: "a
// random number between the specified start number (inclusive) and end number
// (exclusive)".
#[test]
fn guide_math_random_example() {
    let input = json!({
        "start": 1,
        "end": 999
    });
    for _ in 0..200 {
        let random = run("States.MathRandom($.start, $.end)", &input).expect("a number");
        let n = random.as_i64().expect("an integer");
        assert!((1..999).contains(&n), "{n}");
    }
    for _ in 0..50 {
        assert_eq!(run("States.MathRandom(7, 8)", &json!({})), Ok(json!(7)));
    }
}

// intrinsic-functions.html#asl-intrsc-func-math-operation, States.MathRandom input
// validation: "If you specify a non-integer value for the start number or end number
// argument, Step Functions will round it off to the nearest integer."
#[test]
fn guide_math_random_rounds_its_bounds() {
    // [0.6, 2.4) rounds to [1, 2): always 1 (truncated it would be [0, 2)).
    for _ in 0..50 {
        assert_eq!(run("States.MathRandom(0.6, 2.4)", &json!({})), Ok(json!(1)));
        assert_eq!(
            run("States.MathRandom(-1.5, -0.5)", &json!({})),
            Ok(json!(-1))
        );
    }
    assert_all_invalid(
        "States.MathRandom",
        &["States.MathRandom('1', 9)", "States.MathRandom(1, null)"],
        &json!({}),
    );
}

// intrinsic-functions.html#asl-intrsc-func-math-operation, States.MathRandom: "the last
// argument controls the optional seed value, Note that if you use this function with the
// same seed value, it will return identical numbers."
#[test]
fn guide_math_random_repeats_for_a_seed() {
    let input = json!({"start": 1, "end": 999, "seed": 1234});
    let first = run("States.MathRandom($.start, $.end, $.seed)", &input).expect("seeded");
    for _ in 0..20 {
        assert_eq!(
            run("States.MathRandom($.start, $.end, $.seed)", &input),
            Ok(first.clone())
        );
    }
    assert_invalid(
        "States.MathRandom",
        "States.MathRandom(1, 9, 1, 1)",
        &json!({}),
    );
}

// intrinsic-functions.html#asl-intrsc-func-math-operation, States.MathAdd example.
#[test]
fn guide_math_add_example() {
    check_ok(&[(
        "States.MathAdd($.value1, $.step)",
        json!({
            "value1": 111,
            "step": -1
        }),
        json!(110),
    )]);
}

// intrinsic-functions.html#asl-intrsc-func-math-operation, States.MathAdd input validation:
// "If you specify a non-integer value for one or both the arguments, Step Functions will
// round it off to the nearest integer."
#[test]
fn guide_math_add_rounds_its_arguments() {
    check_ok(&[
        ("States.MathAdd(110.6, -1.4)", json!({}), json!(110)),
        ("States.MathAdd(0.5, 0.49)", json!({}), json!(1)),
        ("States.MathAdd(-0.6, 1e1)", json!({}), json!(9)),
    ]);
    assert_all_invalid(
        "States.MathAdd",
        &["States.MathAdd('1', 1)", "States.MathAdd(1, false)"],
        &json!({}),
    );
}

// intrinsic-functions.html#asl-intrsc-func-math-operation, States.MathAdd input validation:
// "You must specify integer values in the range of -2147483648 and 2147483647."
#[test]
fn guide_math_add_arguments_are_32_bit_integers() {
    check_ok(&[
        (
            "States.MathAdd(2147483647, -1)",
            json!({}),
            json!(2147483646),
        ),
        (
            "States.MathAdd(-2147483648, 1)",
            json!({}),
            json!(-2147483647),
        ),
        (
            "States.MathAdd(2147483646.6, -1)",
            json!({}),
            json!(2147483646),
        ),
    ]);
    assert_all_invalid(
        "States.MathAdd",
        &[
            "States.MathAdd(2147483648, -1)",
            "States.MathAdd(-2147483649, 1)",
            "States.MathAdd(2147483647.5, -1)",
        ],
        &json!({}),
    );
}

// intrinsic-functions.html#asl-intrsc-func-string-operation, States.StringSplit, "Example -
// Split an input string using a single delimiting character".
#[test]
fn guide_string_split_single_delimiter_example() {
    check_ok(&[(
        "States.StringSplit($.inputString, $.splitter)",
        json!({
            "inputString": "1,2,3,4,5",
            "splitter": ","
        }),
        json!(["1", "2", "3", "4", "5"]),
    )]);
}

// intrinsic-functions.html#asl-intrsc-func-string-operation, States.StringSplit, "Example -
// Split an input string using multiple delimiting characters".
#[test]
fn guide_string_split_multiple_delimiters_example() {
    check_ok(&[(
        "States.StringSplit($.inputString, $.splitter)",
        json!({
            "inputString": "This.is+a,test=string",
            "splitter": ".+,="
        }),
        json!(["This", "is", "a", "test", "string"]),
    )]);
}

// intrinsic-functions.html#asl-intrsc-func-string-operation, States.StringSplit: "This
// function takes two arguments. The first argument is a string and the second argument is
// the delimiting character".
#[test]
fn guide_string_split_takes_two_strings() {
    let input = json!({"s": "a,b", "n": 1});
    assert_all_invalid(
        "States.StringSplit",
        &[
            "States.StringSplit($.n, ',')",
            "States.StringSplit($.s, $.n)",
            "States.StringSplit($.s)",
            "States.StringSplit($.s, ',', ',')",
        ],
        &input,
    );
}

// intrinsic-functions.html#asl-intrsc-func-uuid-generate, States.UUID: "return a version 4
// universally unique identifier (v4 UUID) generated using random numbers", "called with
// no arguments specified"; the example result is "ca4c1140-dcc1-40cd-ad05-7b4aa23df4a8".
#[test]
fn guide_uuid_example() {
    let example = uuid::Uuid::parse_str("ca4c1140-dcc1-40cd-ad05-7b4aa23df4a8").expect("UUID");
    let value = run("States.UUID()", &json!({})).expect("a UUID");
    let text = value.as_str().expect("a string");
    let uuid = uuid::Uuid::parse_str(text).expect("a UUID");
    assert_eq!(uuid.get_version_num(), example.get_version_num());
    assert_eq!(uuid.get_variant(), example.get_variant());
    assert_eq!(text, uuid.hyphenated().to_string(), "lowercase, hyphenated");
    assert_ne!(run("States.UUID()", &json!({})), Ok(value));
    assert_invalid("States.UUID", "States.UUID('seed')", &json!({}));
}

// intrinsic-functions.html#asl-intrsc-func-generic, States.Format example, both forms.
#[test]
fn guide_format_example() {
    let input = json!({
        "name": "Arnav",
        "template": "Hello, my name is {}."
    });
    check_ok(&[
        (
            "States.Format('Hello, my name is {}.', $.name)",
            input.clone(),
            json!("Hello, my name is Arnav."),
        ),
        (
            "States.Format($.template, $.name)",
            input,
            json!("Hello, my name is Arnav."),
        ),
    ]);
}

// intrinsic-functions.html#asl-intrsc-func-generic, States.Format: "This function takes one
// or more arguments. The value of the first argument must be a string, and may include
// zero or more instances of the character sequence {}. There must be as many remaining
// arguments in the intrinsic function invocation as there are occurrences of {}."
#[test]
fn guide_format_needs_a_string_and_one_value_per_placeholder() {
    let input = json!({"n": 5, "a": "x"});
    check_ok(&[
        ("States.Format('none')", input.clone(), json!("none")),
        (
            "States.Format('{}{}', $.a, $.n)",
            input.clone(),
            json!("x5"),
        ),
    ]);
    assert_all_invalid(
        "States.Format",
        &[
            "States.Format()",
            "States.Format($.n)",
            "States.Format(5, $.a)",
            "States.Format('{}', $.a, $.a)",
            "States.Format('{} {}', $.a)",
            "States.Format('none', $.a)",
        ],
        &input,
    );
}

// intrinsic-functions.html#intrinsic-functions-escapes: "The literal string \' represents
// '", "\{ represents {", "\} represents }", "\\ represents \".
#[test]
fn guide_reserved_characters_are_escaped_with_a_backslash() {
    check_ok(&[
        (r"States.Format('it\'s')", json!({}), json!("it's")),
        (r"States.Format('\{\}')", json!({}), json!("{}")),
        (
            r"States.Format('\{{}\}', $.a)",
            json!({"a": 1}),
            json!("{1}"),
        ),
        (r"States.Format('a\\b')", json!({}), json!(r"a\b")),
        (r"States.Array('\'\{\}\\')", json!({}), json!([r"'{}\"])),
    ]);
    // Unescaped, `{` and `}` are placeholders, and a lone one is no placeholder at all.
    assert_invalid("States.Format", "States.Format('{')", &json!({}));
    assert_invalid("States.Format", "States.Format('}')", &json!({}));
}

// intrinsic-functions.html#intrinsic-functions-escapes: "In JSON, backslashes contained in
// a string literal value must be escaped with another backslash. The equivalent list for
// JSON is: \\\' [...] \\{ [...] \\} [...] \\\\" (as the field value appears in a
// definition's JSON text).
#[test]
fn guide_reserved_characters_in_json_text() {
    let field: Value =
        serde_json::from_str(r#"{"x.$": "States.Format('\\'\\{\\}\\\\')"}"#).expect("JSON");
    let expression = field["x.$"].as_str().expect("a string");
    assert_eq!(expression, r"States.Format('\'\{\}\\')");
    assert_eq!(run(expression, &json!({})), Ok(json!(r"'{}\")));
}

// intrinsic-functions.html#intrinsic-functions-escapes: "If an open escape backslash \ is
// found in the intrinsic invocation string, the interpreter will return a runtime error."
#[test]
fn guide_open_escape_backslash_is_a_runtime_error() {
    for expression in [
        r"States.Format('bad \n escape')",
        r"States.Array('\a')",
        r"States.Format('{}', States.Array('ok', 'C:\dir'))",
    ] {
        assert!(intrinsics::validate(expression).is_ok(), "{expression}");
        let err = run(expression, &json!({})).expect_err(expression);
        assert_eq!(err.error, "States.Runtime", "{expression}");
        assert!(
            err.message.contains("open escape backslash"),
            "{}",
            err.message
        );
    }
}

// intrinsic-functions.html#intrinsic-functions-escapes: "You must use square bracket
// notation for a Path passed as an argument to an Intrinsic Function if the field name
// contains any character that is not included in the member-name-shorthand [...] For
// example, $.abc.['def ghi']."
#[test]
fn guide_bracket_notation_path_argument() {
    let input = json!({"abc": {"def ghi": "spaced", "x-y": 2}});
    check_ok(&[
        (
            "States.Array($.abc.['def ghi'])",
            input.clone(),
            json!(["spaced"]),
        ),
        (
            "States.Format('{}/{}', $.abc['def ghi'], $.abc.['x-y'])",
            input,
            json!("spaced/2"),
        ),
    ]);
}
