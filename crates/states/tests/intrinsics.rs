//! Intrinsic functions, checked against the Step Functions developer guide and the
//! behaviour the service shows for edge cases (truncation, lenient Base64, tokenizer-style
//! splitting, `States.Runtime` for every failure).

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
            ("States.StringToJson($.s)", json!({"s": ""})),
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
        // The service merges shallowly for any third argument other than `true`.
        (
            "States.JsonMerge($.a, $.b, $.deep)",
            json!({"a": {}, "b": {"x": 1}, "deep": "false"}),
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
fn array_partition_chunks_with_truncated_size() {
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
            json!([[1, 2], [3, 4], [5]]),
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
            ("States.ArrayPartition($.a, 0.6)", json!({"a": [1]})),
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
        ("States.ArrayRange(1.6, 1.4, 1)", json!({}), json!([1])),
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
                "States.MathRandom(1.6, 5.4)" => (1, 5),
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
            ("States.MathRandom(1.4, 1.6)", json!({})),
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
        r"States.Format('bad \n escape')",
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
