//! JSONata expression evaluation: the kinds of expression Step Functions definitions hold,
//! from a field lookup to a lambda over a 100-item array, plus one intrinsic for scale.
//!
//! `jsonata/…` parses and evaluates the text each time (`jsonata::evaluate`);
//! `jsonata parsed/…` evaluates an expression parsed once beforehand, as a loaded
//! definition does.
//!
//! Run: `cargo bench -p orderly-states --bench jsonata`

use std::hint::black_box;

use bench_cpu_time::ThreadCpuTime;
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Map, Value, json};

fn bindings(items: usize) -> Map<String, Value> {
    let items: Vec<Value> = (0..items)
        .map(|i| json!({"sku": format!("sku-{i}"), "qty": i % 5 + 1, "price": (i as f64) * 1.25}))
        .collect();
    let mut b = Map::new();
    b.insert(
        "states".into(),
        json!({
            "input": {"order": {"id": "o-1", "customer": {"name": "Ann", "tier": "gold"}, "items": items}},
            "context": {"Execution": {"Id": "arn:aws:states:eu-west-1:1:execution:sm:run-1"}}
        }),
    );
    b.insert("threshold".into(), json!(3));
    b
}

fn jsonata(c: &mut Criterion<ThreadCpuTime>) {
    let small = bindings(10);
    let large = bindings(100);
    let cases = [
        ("field lookup", "$states.input.order.id"),
        (
            "string concat + conditional",
            "$states.input.order.customer.tier = 'gold' ? 'VIP ' & $states.input.order.customer.name : $states.input.order.customer.name",
        ),
        (
            "predicate + sum",
            "$sum($states.input.order.items[qty > $threshold].(qty * price))",
        ),
        (
            "object constructor",
            "{'orderId': $states.input.order.id, 'skus': $states.input.order.items.sku, 'count': $count($states.input.order.items)}",
        ),
        (
            "map lambda",
            "$map($states.input.order.items, function($i) { {'sku': $i.sku, 'total': $i.qty * $i.price} })",
        ),
        ("partition", "$partition($states.input.order.items.sku, 4)"),
    ];
    let mut group = c.benchmark_group("jsonata");
    for (name, expression) in cases {
        group.bench_function(format!("{name} / 10 items"), |b| {
            b.iter(|| orderly_states::jsonata::evaluate(black_box(expression), black_box(&small)))
        });
        group.bench_function(format!("{name} / 100 items"), |b| {
            b.iter(|| orderly_states::jsonata::evaluate(black_box(expression), black_box(&large)))
        });
    }
    group.finish();

    let mut parsed = c.benchmark_group("jsonata parsed");
    for (name, expression) in cases {
        let Ok(expression) = orderly_states::jsonata::Expression::parse(expression) else {
            panic!("the bench expression {expression} does not parse");
        };
        parsed.bench_function(format!("{name} / 10 items"), |b| {
            b.iter(|| black_box(&expression).evaluate(black_box(&small)))
        });
        parsed.bench_function(format!("{name} / 100 items"), |b| {
            b.iter(|| black_box(&expression).evaluate(black_box(&large)))
        });
    }
    parsed.finish();

    let input = json!({"name": "Ann", "items": [1, 2, 3]});
    let context = json!({"Execution": {"Id": "run-1"}});
    c.bench_function("intrinsic States.Format(ArrayLength)", |b| {
        b.iter(|| {
            orderly_states::intrinsics::evaluate(
                black_box("States.Format('{} has {} items', $.name, States.ArrayLength($.items))"),
                black_box(&input),
                black_box(&context),
            )
        })
    });
}

criterion_group! {
    name = benches;
    // CPU time of the bench thread: the machines are shared, and wall time there
    // measures the neighbours as much as the code.
    config = Criterion::default().with_measurement(ThreadCpuTime);
    targets = jsonata
}
criterion_main!(benches);
