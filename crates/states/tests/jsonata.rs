//! JSONata evaluation as Step Functions uses it: `$states` and assigned variables bound,
//! the JSONata library, Step Functions' added functions, errors with JSONata's codes.

use orderly_states::jsonata::{
    self, ErrorKind, Expression, JsonataError, evaluate, evaluate_optional,
};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

fn bindings() -> Map<String, Value> {
    let mut b = Map::new();
    b.insert(
        "states".into(),
        json!({
            "input": {
                "order": {
                    "id": "o-1",
                    "items": [
                        {"sku": "a", "qty": 2, "price": 5.5, "tags": ["x"]},
                        {"sku": "b", "qty": 1, "price": 10, "tags": ["y", "z"]},
                        {"sku": "c", "qty": 4, "price": 1}
                    ],
                    "customer": {"name": "Ann", "tier": "gold"}
                },
                "n": 7,
                "s": "Hello",
                "json": "{\"a\":[1,2]}",
                "single": [{"v": 1}],
                "none": []
            },
            "context": {"Execution": {"Id": "arn:aws:states:eu-west-1:1:execution:sm:run-1", "StartTime": "2024-01-01T00:00:00.000Z"}},
            "result": {"Payload": {"ok": true}},
            "errorOutput": {"Error": "States.TaskFailed", "Cause": "boom"}
        }),
    );
    b.insert("myVar".into(), json!(3));
    b.insert("limits".into(), json!({"max": 5}));
    b
}

fn run(expression: &str) -> Result<Value, JsonataError> {
    evaluate(expression, &bindings())
}

fn check(cases: &[(&str, Value)]) {
    for (expression, expected) in cases {
        match run(expression) {
            Ok(value) => assert_eq!(&value, expected, "{expression}"),
            Err(e) => panic!("{expression}: unexpected error {e:?}"),
        }
    }
}

/// Each case: the expression, the error's kind and JSONata code (matched on), and the
/// text users see in the error's cause (checked so that it stays as AWS prints it).
fn check_errors(cases: &[(&str, ErrorKind, Option<&str>, &str)]) {
    for (expression, kind, code, text) in cases {
        match run(expression) {
            Ok(value) => panic!("{expression}: expected an error, got {value}"),
            Err(e) => {
                assert_eq!((e.kind, e.code), (*kind, *code), "{expression}: {e}");
                assert_eq!(e.to_string(), *text, "{expression}");
            }
        }
    }
}

#[test]
fn paths_and_predicates() {
    check(&[
        ("$states.input.order.id", json!("o-1")),
        (
            "$states.input.order.customer",
            json!({"name": "Ann", "tier": "gold"}),
        ),
        ("$states.input.order.items[qty > 1].sku", json!(["a", "c"])),
        ("$states.input.order.items[0].sku", json!("a")),
        ("$states.input.order.items[-1].sku", json!("c")),
        ("$states.input.order.items.sku", json!(["a", "b", "c"])),
        (
            "$states.input.order.items[price > 6 and qty >= 1].sku",
            json!("b"),
        ),
        ("$states.input.order.items[sku = 'a'].qty", json!(2)),
        ("$states.input.order.items[[0, 2]].sku", json!(["a", "c"])),
        ("$states.input.single.v", json!(1)),
        // An array selected from the data stays an array, even with one item or none.
        ("$states.input.single", json!([{"v": 1}])),
        ("$states.input.order.items[0].tags", json!(["x"])),
        ("$states.input.none", json!([])),
        ("$states.input.none[]", json!([])),
        ("$states.input.nope{'k': sku}", json!({})),
        ("$states.input.order.items[0].tags[]", json!(["x"])),
        ("$states.input.order.items.tags", json!(["x", "y", "z"])),
        (
            "$states.input.order.items.[sku]",
            json!([["a"], ["b"], ["c"]]),
        ),
        ("[[1, 2], [3]].$", json!([1, 2, 3])),
        ("[$states.input.single, 2]", json!([{"v": 1}, 2])),
        ("$states.input.single[].v", json!([1])),
        (
            "$states.input.order.items[qty > 3][]",
            json!([{"sku": "c", "qty": 4, "price": 1}]),
        ),
        ("$states.input.order.items.price[0]", json!([5.5, 10, 1])),
        ("$states.input.order.customer.*", json!(["Ann", "gold"])),
        ("$states.input.order.**.sku", json!(["a", "b", "c"])),
        ("$states.input.order.`customer`.name", json!("Ann")),
        (
            "$states.context.Execution.Id",
            json!("arn:aws:states:eu-west-1:1:execution:sm:run-1"),
        ),
        ("$states.result.Payload.ok", json!(true)),
        ("$states.errorOutput.Cause", json!("boom")),
        ("$limits.max", json!(5)),
        (
            "$states.input.order.items^(price).sku",
            json!(["c", "a", "b"]),
        ),
        (
            "$states.input.order.items^(>qty).sku",
            json!(["c", "a", "b"]),
        ),
        (
            "$states.input.order.items{sku: qty}",
            json!({"a": 2, "b": 1, "c": 4}),
        ),
        (
            "$states.input.order.items.{'s': sku}",
            json!([{"s": "a"}, {"s": "b"}, {"s": "c"}]),
        ),
        (
            "$states.input.order.items[qty > 1].(qty * price)",
            json!([11, 4]),
        ),
        ("$states.input.order.('x')", json!("x")),
    ]);
}

#[test]
fn operators_and_constructors() {
    check(&[
        ("$sum($states.input.order.items.(qty * price))", json!(25)),
        (
            "'Hello ' & $states.input.order.customer.name",
            json!("Hello Ann"),
        ),
        ("$states.input.s & 1 & true & null", json!("Hello1truenull")),
        ("$states.input.n > 5 ? 'big' : 'small'", json!("big")),
        ("10 / 4", json!(2.5)),
        ("7 % 3", json!(1)),
        ("2 * 3 + 1", json!(7)),
        ("-(2 + 3)", json!(-5)),
        ("$states.input.n in [1, 7]", json!(true)),
        ("'Ann' in $states.input.order.customer.name", json!(true)),
        ("true and false", json!(false)),
        ("false or 1", json!(true)),
        ("\"a\" = \"a\"", json!(true)),
        ("1 != 2", json!(true)),
        ("'a' < 'b'", json!(true)),
        ("{'a': 1} = {'a': 1}", json!(true)),
        ("[1, 2, 3]", json!([1, 2, 3])),
        ("[1..4]", json!([1, 2, 3, 4])),
        (
            "[0, [1, 2], $states.input.order.items[0].qty]",
            json!([0, [1, 2], 2]),
        ),
        (
            "{'id': $states.input.order.id, 'total': $sum($states.input.order.items.(qty * price))}",
            json!({"id": "o-1", "total": 25}),
        ),
        ("{}", json!({})),
        ("[]", json!([])),
        ("null", json!(null)),
        ("($x := 5; $x * 2)", json!(10)),
        ("$myVar + 1", json!(4)),
        ("'abc' ~> $uppercase()", json!("ABC")),
        ("$states.input.s ~> $substring(1, 2)", json!("el")),
        (
            "($f := function($n) { $n <= 1 ? 1 : $n * $f($n - 1) }; $f(5))",
            json!(120),
        ),
        ("(function($a, $b) { $a + $b })(1, 2)", json!(3)),
        (
            "($shout := $trim ~> $uppercase; $shout('  hi  there '))",
            json!("HI THERE"),
        ),
        ("$states.input.missing ?: 'default'", json!("default")),
        ("$states.input.missing ?? 'fallback'", json!("fallback")),
        ("0.1 + 0.2", json!(0.30000000000000004)),
        ("1.0", json!(1)),
        ("/* comment */ 1", json!(1)),
    ]);
}

#[test]
fn string_functions() {
    check(&[
        ("$string(42)", json!("42")),
        ("$string(1.5)", json!("1.5")),
        ("$string(0.1 + 0.2)", json!("0.3")),
        (
            "$string({'a': 1, 'b': [true, null]})",
            json!("{\"a\":1,\"b\":[true,null]}"),
        ),
        ("$string('x')", json!("x")),
        ("$uppercase('abc')", json!("ABC")),
        ("$lowercase($states.input.s)", json!("hello")),
        ("$length('héllo')", json!(5)),
        ("$substring('hello', 1, 3)", json!("ell")),
        ("$substring('hello', -3)", json!("llo")),
        ("$substringBefore('a-b', '-')", json!("a")),
        ("$substringAfter('a-b', '-')", json!("b")),
        ("$trim('  a  b ')", json!("a b")),
        ("$pad('x', 3, '#')", json!("x##")),
        ("$pad('x', -3)", json!("  x")),
        ("$substring('hello', 1, 1e300)", json!("ello")),
        ("$contains('hello', 'ell')", json!(true)),
        ("$contains('hello', /L+/i)", json!(true)),
        ("$split('a,b,c', ',')", json!(["a", "b", "c"])),
        ("$split('a,b,c', ',', 2)", json!(["a", "b"])),
        ("$split('a1b22c', /[0-9]+/)", json!(["a", "b", "c"])),
        ("$join(['a', 'b'], '-')", json!("a-b")),
        ("$join($states.input.order.items.sku)", json!("abc")),
        ("$replace('abc', 'b', 'x')", json!("axc")),
        ("$replace('a1b2', /[0-9]/, '#')", json!("a#b#")),
        (
            "$match('ab12', /[0-9]/)",
            json!([{"match": "1", "index": 2, "groups": []}, {"match": "2", "index": 3, "groups": []}]),
        ),
        ("$base64encode('hi')", json!("aGk=")),
        ("$base64decode('aGk=')", json!("hi")),
        ("$encodeUrlComponent('a b&c')", json!("a%20b%26c")),
        ("$decodeUrlComponent('a%20b')", json!("a b")),
        (
            "$decodeUrl('https://x.com/a%20b')",
            json!("https://x.com/a b"),
        ),
        ("$encodeUrlComponent('✓')", json!("%E2%9C%93")),
        (
            "$encodeUrl('https://x.com/a b?q=1')",
            json!("https://x.com/a%20b?q=1"),
        ),
        (
            "$states.input.order.items.sku.$uppercase()",
            json!(["A", "B", "C"]),
        ),
    ]);
}

#[test]
fn numeric_functions() {
    check(&[
        ("$number('3.5')", json!(3.5)),
        ("$number('0x1F')", json!(31)),
        ("$number(true)", json!(1)),
        ("$count($states.input.order.items)", json!(3)),
        ("$count([])", json!(0)),
        ("$sum([])", json!(0)),
        ("$max([1, 5, 2])", json!(5)),
        ("$min([4, 2, 9])", json!(2)),
        ("$average([1, 2, 3, 4])", json!(2.5)),
        ("$round(2.567, 2)", json!(2.57)),
        ("$round(2.5)", json!(2)),
        ("$round(3.5)", json!(4)),
        ("$abs(-1)", json!(1)),
        ("$floor(1.5)", json!(1)),
        ("$ceil(1.2)", json!(2)),
        ("$power(2, 10)", json!(1024)),
        ("$sqrt(16)", json!(4)),
        ("$formatBase(255, 16)", json!("ff")),
        ("$formatBase(-5, 2)", json!("-101")),
    ]);
}

#[test]
fn collection_and_higher_order_functions() {
    check(&[
        ("$map([1, 2, 3], function($v) { $v * 2 })", json!([2, 4, 6])),
        (
            "$map(['a', 'b'], function($v, $i) { $v & $i })",
            json!(["a0", "b1"]),
        ),
        (
            "$filter([1, 2, 3, 4], function($v) { $v % 2 = 0 })",
            json!([2, 4]),
        ),
        (
            "$reduce([1, 2, 3, 4], function($a, $b) { $a + $b })",
            json!(10),
        ),
        (
            "$reduce([1, 2], function($a, $b) { $a + $b }, 10)",
            json!(13),
        ),
        ("$exists($states.input.nope)", json!(false)),
        ("$exists($states.input.n)", json!(true)),
        (
            "$merge([{'a': 1}, {'b': 2}, {'a': 3}])",
            json!({"a": 3, "b": 2}),
        ),
        (
            "$keys($states.input.order)",
            json!(["id", "items", "customer"]),
        ),
        ("$lookup($states.input.order, 'id')", json!("o-1")),
        ("$append([1, 2], [3])", json!([1, 2, 3])),
        ("$append(1, 2)", json!([1, 2])),
        ("$reverse([1, 2])", json!([2, 1])),
        ("$sort([3, 1, 2])", json!([1, 2, 3])),
        ("$sort(['b', 'a'])", json!(["a", "b"])),
        (
            "$sort($states.input.order.items, function($l, $r) { $l.price > $r.price }).sku",
            json!(["c", "a", "b"]),
        ),
        (
            "$distinct([1, 1, 2, {'a': 1}, {'a': 1}])",
            json!([1, 2, {"a": 1}]),
        ),
        ("$zip([1, 2], [3, 4])", json!([[1, 3], [2, 4]])),
        (
            "$each({'a': 1, 'b': 2}, function($v, $k) { $k & $v })",
            json!(["a1", "b2"]),
        ),
        (
            "$sift({'a': 1, 'b': 2}, function($v) { $v > 1 })",
            json!({"b": 2}),
        ),
        ("$spread({'a': 1, 'b': 2})", json!([{"a": 1}, {"b": 2}])),
        ("$single([1, 2, 3], function($v) { $v = 2 })", json!(2)),
        ("$type(1)", json!("number")),
        ("$type('x')", json!("string")),
        ("$type([])", json!("array")),
        ("$type({})", json!("object")),
        ("$type(null)", json!("null")),
        ("$type($uppercase)", json!("function")),
        ("$boolean(0)", json!(false)),
        ("$boolean('x')", json!(true)),
        ("$not(true)", json!(false)),
        ("$shuffle([7])", json!([7])),
        (
            "$lookup($states.input.order.items, 'sku')",
            json!(["a", "b", "c"]),
        ),
        (
            "$keys($states.input.order.items)",
            json!(["sku", "qty", "price", "tags"]),
        ),
        ("($assert(true, 'never'); 'passed')", json!("passed")),
        ("$count($shuffle([1, 2, 3]))", json!(3)),
    ]);
}

#[test]
fn step_functions_additions() {
    check(&[
        (
            "$partition([1, 2, 3, 4, 5, 6, 7, 8, 9], 3)",
            json!([[1, 2, 3], [4, 5, 6], [7, 8, 9]]),
        ),
        ("$partition([1, 2, 3], 2)", json!([[1, 2], [3]])),
        ("$range(0, 10, 2)", json!([0, 2, 4, 6, 8, 10])),
        ("$range(5, 1, -2)", json!([5, 3, 1])),
        (
            "$hash('hello', 'SHA-256')",
            json!("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"),
        ),
        (
            "$hash('hello', 'MD5')",
            json!("5d41402abc4b2a76b9719d911017c592"),
        ),
        ("$parse($states.input.json)", json!({"a": [1, 2]})),
        ("$parse('[1, \"x\"]')", json!([1, "x"])),
        ("$random(42) = $random(42)", json!(true)),
    ]);
    let r = run("$random()").expect("random");
    assert!(r.as_f64().is_some_and(|f| (0.0..1.0).contains(&f)));
    let seeded = run("$random(7)").expect("seeded");
    assert!(seeded.as_f64().is_some_and(|f| (0.0..1.0).contains(&f)));
    let u = run("$uuid()").expect("uuid");
    let parsed = uuid::Uuid::parse_str(u.as_str().unwrap_or_default()).expect("a UUID");
    assert_eq!(parsed.get_version_num(), 4);
    check_errors(&[
        (
            "$partition([1, 2], 0)",
            ErrorKind::Function,
            None,
            "Invalid arguments in States.ArrayPartition",
        ),
        (
            "$range(1, 2000, 1)",
            ErrorKind::Function,
            None,
            "Invalid arguments in States.ArrayRange",
        ),
        (
            "$hash('x', 'SHA256')",
            ErrorKind::Function,
            None,
            "Invalid arguments in States.Hash",
        ),
        (
            "$parse('{oops')",
            ErrorKind::Evaluation,
            Some("D3140"),
            "D3140: Unable to parse JSON: key must be a string at line 1 column 2",
        ),
    ]);
}

#[test]
fn time_functions() {
    check(&[
        (
            "$toMillis('2024-01-01T00:00:00Z')",
            json!(1_704_067_200_000_i64),
        ),
        (
            "$toMillis('2024-01-01T00:00:00.250+01:00')",
            json!(1_704_063_600_250_i64),
        ),
        ("$fromMillis(0)", json!("1970-01-01T00:00:00.000Z")),
        (
            "$fromMillis(1704067200123)",
            json!("2024-01-01T00:00:00.123Z"),
        ),
        (
            "$toMillis($fromMillis(1704067200123))",
            json!(1_704_067_200_123_i64),
        ),
        // Names, words and other time zones (XPath F&O 3.1 format-dateTime, as the
        // JSONata date/time functions page documents them).
        (
            "$fromMillis(1704067200123, '[FNn], [D1o] [MNn] [Y]')",
            json!("Monday, 1st January 2024"),
        ),
        ("$fromMillis(0, '[Y]', '-0500')", json!("1969")),
        (
            "$fromMillis(0, '[H01]:[m01] [Z]', '+0530')",
            json!("05:30 +05:30"),
        ),
        (
            "$toMillis('1 January 2024', '[D1] [MNn] [Y0001]')",
            json!(1_704_067_200_000_i64),
        ),
        ("$formatInteger(1234, '#,##0')", json!("1,234")),
        ("$formatInteger(4, 'w')", json!("four")),
        ("$parseInteger('twelve', 'w')", json!(12)),
    ]);
    let now = run("$now()").expect("now");
    assert!(
        now.as_str()
            .is_some_and(|s| s.len() == 24 && s.ends_with('Z'))
    );
    let today = run("$now('[Y0001]-[M01]-[D01]')").expect("today");
    assert!(
        today
            .as_str()
            .is_some_and(|s| s.len() == 10 && s.starts_with("20"))
    );
    let millis = run("$millis()").expect("millis");
    assert!(millis.as_i64().is_some_and(|m| m > 1_700_000_000_000));
}

#[test]
fn errors_carry_jsonata_codes() {
    check_errors(&[
        (
            "$nope()",
            ErrorKind::Type,
            Some("T1006"),
            "T1006: Attempted to invoke a non-function",
        ),
        (
            "1 + 'a'",
            ErrorKind::Type,
            Some("T2002"),
            "T2002: The right side of the \"+\" operator must evaluate to a number",
        ),
        (
            "'a' * 2",
            ErrorKind::Type,
            Some("T2001"),
            "T2001: The left side of the \"*\" operator must evaluate to a number",
        ),
        (
            "$sum('a')",
            ErrorKind::Type,
            Some("T0412"),
            "T0412: Argument 1 of function \"sum\" must be an array of \"numbers\"",
        ),
        (
            "1 < 'a'",
            ErrorKind::Type,
            Some("T2009"),
            "T2009: The values 1 and a either side of operator \"<\" must be of the same data type",
        ),
        (
            "{} < 1",
            ErrorKind::Type,
            Some("T2010"),
            "T2010: The expressions either side of operator \"<\" must evaluate to numeric or string values",
        ),
        (
            "{1: 'x'}",
            ErrorKind::Type,
            Some("T1003"),
            "T1003: Key in object structure must evaluate to a string; got: 1",
        ),
        (
            "$error('boom')",
            ErrorKind::Evaluation,
            Some("D3137"),
            "D3137: boom",
        ),
        (
            "$assert(false, 'bad')",
            ErrorKind::Evaluation,
            Some("D3141"),
            "D3141: bad",
        ),
        (
            "$number('abc')",
            ErrorKind::Evaluation,
            Some("D3030"),
            "D3030: Unable to cast value to a number: \"abc\"",
        ),
        (
            "$uppercase(1)",
            ErrorKind::Type,
            Some("T0410"),
            "T0410: Argument 1 of function \"uppercase\" does not match function signature",
        ),
        (
            "[1..20000000]",
            ErrorKind::Evaluation,
            Some("D2014"),
            "D2014: The size of the sequence allocated by the range operator (..) must not exceed 1e7.  Attempted to allocate 20000000.",
        ),
        (
            "($f := function($n) { 1 + $f($n) }; $f(1))",
            ErrorKind::Limit,
            Some("U1001"),
            "U1001: Stack overflow error: Check for non-terminating recursive function.  Consider rewriting as tail-recursive.",
        ),
        (
            "1 +",
            ErrorKind::Syntax,
            Some("S0207"),
            "S0207: Unexpected end of expression",
        ),
        (
            "(1",
            ErrorKind::Syntax,
            Some("S0203"),
            "S0203: Expected \")\" before end of expression",
        ),
        (
            "'open",
            ErrorKind::Syntax,
            Some("S0101"),
            "S0101: String literal must be terminated by a matching quote",
        ),
        (
            "1 2",
            ErrorKind::Syntax,
            Some("S0201"),
            "S0201: Syntax error: 2 at position 2",
        ),
        (
            "$eval('1')",
            ErrorKind::Unsupported,
            None,
            "unsupported: $eval is not available in Step Functions; use $parse",
        ),
        (
            "$formatNumber(20, '#;#;#')",
            ErrorKind::Evaluation,
            Some("D3080"),
            "D3080: The picture string must only contain a maximum of two sub-pictures",
        ),
        (
            "$sort([1, 'a'])",
            ErrorKind::Evaluation,
            Some("D3070"),
            "D3070: The single argument form of the sort function can only be applied to an array of strings or an array of numbers.  Use the second argument to specify a comparison function",
        ),
        (
            "$single([1, 2])",
            ErrorKind::Evaluation,
            Some("D3138"),
            "D3138: The $single() function expected exactly 1 matching result.  Instead it matched more.",
        ),
        (
            "$single([1, 2], function($v) { $v > 5 })",
            ErrorKind::Evaluation,
            Some("D3139"),
            "D3139: The $single() function expected exactly 1 matching result.  Instead it matched 0.",
        ),
        (
            "$reduce([1, 2], function($a) { $a })",
            ErrorKind::Evaluation,
            Some("D3050"),
            "D3050: The second argument of reduce function must be a function with at least two arguments",
        ),
        (
            "$max(['a'])",
            ErrorKind::Type,
            Some("T0412"),
            "T0412: Argument 1 of function \"max\" must be an array of \"numbers\"",
        ),
        (
            "$sqrt(-1)",
            ErrorKind::Evaluation,
            Some("D3060"),
            "D3060: The sqrt function cannot be applied to a negative number: -1",
        ),
        (
            "$power(10, 400)",
            ErrorKind::Evaluation,
            Some("D3061"),
            "D3061: The power function has resulted in a value that cannot be represented as a JSON number: base=10, exponent=400",
        ),
        (
            "$split('a,b', ',', -1)",
            ErrorKind::Evaluation,
            Some("D3020"),
            "D3020: Third argument of split function must evaluate to a positive number",
        ),
        (
            "$replace('abc', '', 'x')",
            ErrorKind::Evaluation,
            Some("D3010"),
            "D3010: Second argument of replace function cannot be an empty string",
        ),
        (
            "{'a': 1, 'a': 2}",
            ErrorKind::Evaluation,
            Some("D1009"),
            "D1009: Multiple key definitions evaluate to same key: \"a\"",
        ),
        (
            "$states.input.order.items^($)",
            ErrorKind::Type,
            Some("T2008"),
            "T2008: The expressions within an order-by clause must evaluate to numeric or string values",
        ),
        (
            "[1.5..3]",
            ErrorKind::Type,
            Some("T2003"),
            "T2003: The left side of the range operator (..) must evaluate to an integer",
        ),
        (
            "1..3",
            ErrorKind::Syntax,
            Some("S0201"),
            "S0201: A range (..) can only be used inside an array constructor",
        ),
        (
            "/a/",
            ErrorKind::Type,
            Some("T1010"),
            "T1010: A regular expression can only be passed to a function",
        ),
        (
            "1 / 0",
            ErrorKind::Evaluation,
            Some("D1001"),
            "D1001: Number out of range: inf",
        ),
        (
            "-'a'",
            ErrorKind::Evaluation,
            Some("D1002"),
            "D1002: Cannot negate a non-numeric value",
        ),
        (
            "$states.input.order.items[0]{'k': sku}{'j': sku}",
            ErrorKind::Syntax,
            Some("S0210"),
            "S0210: Each step can only have one grouping expression",
        ),
        (
            "($f := function($x)<n:n>{ $x }; $f('a'))",
            ErrorKind::Type,
            Some("T0410"),
            "T0410: Argument 1 of function \"f\" does not match function signature",
        ),
        (
            "$notafunction(?, 1)",
            ErrorKind::Type,
            Some("T1008"),
            "T1008: Attempted to partially apply a non-function",
        ),
        (
            "sum(?, 1)",
            ErrorKind::Type,
            Some("T1007"),
            "T1007: Attempted to partially apply a non-function. Did you mean $sum?",
        ),
        (
            "$decodeUrlComponent('%E0%A4%A')",
            ErrorKind::Evaluation,
            Some("D3140"),
            "D3140: Malformed URL passed to $decodeUrlComponent(): \"%E0%A4%A\"",
        ),
        (
            "$states.input.order.items[0]@$it",
            ErrorKind::Syntax,
            Some("S0215"),
            "S0215: A context variable binding must precede any predicates on a step",
        ),
    ]);
}

/// Positional (`#`) and context (`@`) variable bindings, the JSONata documentation's
/// "Path operators" page: `#$i` is the item's position in its step, `@$v` binds the item
/// and keeps the context, so a later step can join on it.
#[test]
fn positional_and_context_bindings() {
    check(&[
        (
            "$states.input.order.items#$i[$i > 0].sku",
            json!(["b", "c"]),
        ),
        (
            "$states.input.order.items#$i.{'sku': sku, 'at': $i}",
            json!([{"sku": "a", "at": 0}, {"sku": "b", "at": 1}, {"sku": "c", "at": 2}]),
        ),
        (
            "$states.input.order.(items@$it.{'order': id, 'sku': $it.sku})[1]",
            json!({"order": "o-1", "sku": "b"}),
        ),
        ("$states.input.order.items#$i^(>qty).($i)", json!([2, 0, 1])),
    ]);
}

/// The parent operator (`%`, the JSONata documentation's "Path operators" page): the
/// object the context item was found in, in a step, a predicate or a chain (`%.%`).
#[test]
fn the_parent_operator() {
    check(&[
        (
            "$states.input.order.items.{'sku': sku, 'order': %.id}[0]",
            json!({"sku": "a", "order": "o-1"}),
        ),
        (
            "$states.input.order.items[%.customer.tier = 'gold'].sku",
            json!(["a", "b", "c"]),
        ),
        (
            "$states.input.order.items.tags.(%.%.id)",
            json!(["o-1", "o-1", "o-1"]),
        ),
    ]);
    let e = run("%.id").expect_err("no step to take a parent from");
    assert_eq!(e.code, Some("S0217"), "{e}");
}

/// The transform operator (`| pattern | update, delete |`, the JSONata documentation's
/// "Other operators" page): a copy with each selected object updated and fields removed;
/// the input itself is left as it was.
#[test]
fn the_transform_operator() {
    check(&[
        (
            "$states.input.order ~> |items|{'qty': qty * 10}, 'tags'|",
            json!({"id": "o-1", "items": [
                {"sku": "a", "qty": 20, "price": 5.5},
                {"sku": "b", "qty": 10, "price": 10},
                {"sku": "c", "qty": 40, "price": 1}
            ], "customer": {"name": "Ann", "tier": "gold"}}),
        ),
        (
            "($t := |customer|{'tier': 'silver'}|; [$t($states.input.order).customer.tier, $states.input.order.customer.tier])",
            json!(["silver", "gold"]),
        ),
        (
            "($states.input ~> |**[sku = 'b']|{}, 'price'|).order.items[1]",
            json!({"sku": "b", "qty": 1, "tags": ["y", "z"]}),
        ),
    ]);
    let e = run("$states.input ~> |order|5|").expect_err("an update must be an object");
    assert_eq!(e.code, Some("T2011"), "{e}");
}

#[test]
fn undefined_is_distinguishable_from_errors_and_null() {
    let b = bindings();
    assert_eq!(evaluate_optional("$states.input.nope", &b), Ok(None));
    assert_eq!(evaluate_optional("$doesNotExist", &b), Ok(None));
    assert_eq!(
        evaluate_optional("$states.input.order.items[qty > 99]", &b),
        Ok(None)
    );
    assert_eq!(evaluate_optional("null", &b), Ok(Some(Value::Null)));
    assert_eq!(
        evaluate_optional("$states.input.n < 5 ? 'big'", &b),
        Ok(None)
    );
    let undefined = evaluate("$doesNotExist", &b).expect_err("undefined");
    assert!(undefined.is_undefined());
    assert_eq!(
        undefined.cause("$doesNotExist", "Output/result"),
        "The JSONata expression '$doesNotExist' specified for the field 'Output/result' returned nothing (undefined)."
    );
    let thrown = evaluate("$nope()", &b).expect_err("error");
    assert!(!thrown.is_undefined());
    assert_eq!(
        thrown.cause("$nope()", "Output"),
        "The JSONata expression '$nope()' specified for the field 'Output' threw an error during evaluation. T1006: Attempted to invoke a non-function"
    );
    let function = evaluate("function($x) { $x }", &b).expect_err("a function is not JSON");
    assert_eq!(function.kind, ErrorKind::UnsupportedResult);
    assert_eq!(function.to_string(), jsonata::UNSUPPORTED_RESULT);
}

#[test]
fn object_key_order_follows_the_input_and_the_constructor() {
    let out = run("{'z': 1, 'a': 2, 'm': $states.input.order.customer}").expect("object");
    assert_eq!(
        serde_json::to_string(&out).expect("json"),
        r#"{"z":1,"a":2,"m":{"name":"Ann","tier":"gold"}}"#
    );
}

#[test]
fn validate_reports_syntax_errors_only() {
    assert!(jsonata::validate("$states.input.a + 1").is_ok());
    assert!(jsonata::validate("$nope()").is_ok());
    assert!(jsonata::validate("1 +").is_err());
    let deep = format!("{}1{}", "(".repeat(500), ")".repeat(500));
    assert!(jsonata::validate(&deep).is_err());
}

#[test]
fn syntax_errors_carry_their_kind_code_and_position() {
    let cases = [
        ("1 2", "S0201", 2),
        ("1 +", "S0207", 3),
        ("(1", "S0203", 2),
        ("$x.'open", "S0101", 3),
        ("1 ~ 2", "S0204", 2),
        ("{1: }", "S0211", 4),
    ];
    for (expression, code, position) in cases {
        let e = Expression::parse(expression).expect_err(expression);
        assert_eq!(e.kind, ErrorKind::Syntax, "{expression}: {e}");
        assert_eq!(e.code, Some(code), "{expression}: {e}");
        assert_eq!(e.position, Some(position), "{expression}: {e}");
    }
    let evaluation = run("1 + 'a'").expect_err("a type error");
    assert_eq!(evaluation.position, None);
}

#[test]
fn a_parsed_expression_evaluates_again_and_again() {
    let expression =
        Expression::parse("$sum($states.input.order.items.(qty * price))").expect("parses");
    let b = bindings();
    for _ in 0..3 {
        assert_eq!(expression.evaluate(&b), Ok(json!(25)));
    }
    assert_eq!(
        expression.text(),
        "$sum($states.input.order.items.(qty * price))"
    );
}

proptest! {
    #[test]
    fn no_expression_panics(expression in "\\PC{0,40}") {
        let _ = evaluate_optional(&expression, &bindings());
    }

    #[test]
    fn no_token_soup_panics(tokens in prop::collection::vec(prop::sample::select(vec![
        "$states", ".", "input", "order", "items", "[", "]", "(", ")", "{", "}", "0", "-1",
        "1.5", "'s'", "\"d\"", ",", ":", ";", "?", "+", "-", "*", "/", "%", "&", "=", "!=",
        "<", ">=", "and", "or", "in", "$x", ":=", "~>", "..", "^", "function", "$sum", "$map",
        "$string", "$partition", "$range", "$hash", "$parse", "null", "true", "**", "$",
        "/a+/", "?:", "??", "$f", "$random", "$single", "$sort",
    ]), 0..14)) {
        let expression = tokens.join(" ");
        let _ = evaluate_optional(&expression, &bindings());
    }
}

/// The work of one evaluation is bounded (found by the jsonata fuzz target: a map over a
/// range of millions, `[0..4404402].[A].[1021]`, grew past a gigabyte, and a range mapped
/// to ranges never ends): past the budget the evaluation fails with U1001, while the
/// largest range JSONata allows still evaluates.
#[test]
fn the_work_of_one_evaluation_is_bounded() {
    // A range mapped to ranges; a large range mapped twice, each item held until the path
    // ends (found again by the fuzz target, as an out-of-memory: the items a path yields
    // were not counted).
    // A large range mapped to a new array or object each (an out-of-memory of the fuzz
    // target too: a built array or object costs more than a step).
    for expression in [
        "[1..9999999].[1..9999999]",
        "[00..4404402].[].[1021]",
        "[00..4404402].[1021]",
        "[00..4404402].{'a': 1021}",
    ] {
        let Err(e) = evaluate(expression, &bindings()) else {
            panic!("{expression} evaluated within the budget");
        };
        assert_eq!(e.kind, ErrorKind::Limit, "{expression}: {e}");
        assert_eq!(e.code, Some("U1001"), "{expression}: {e}");
    }
    assert_eq!(
        evaluate("$count([1..9999999])", &bindings()).expect("within the budget"),
        json!(9999999)
    );
}

/// A recursive function that never ends fails with U1001 however small the thread's
/// stack: the depth bound ends it, and a function call grows the stack before its body
/// runs. Without the growth, this recursion (a binary operator around each call) overflowed
/// a test thread's 2 MiB stack in a debug build and aborted the process.
#[test]
fn unbounded_recursion_fails_with_u1001_on_a_small_stack() {
    let outcome = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| run("( $inf := function($n){ $n + $inf($n - 1) }; $inf(5) )"))
        .expect("thread")
        .join()
        .expect("no panic");
    let e = outcome.expect_err("never ends");
    assert_eq!(e.code, Some("U1001"), "{e}");
}
