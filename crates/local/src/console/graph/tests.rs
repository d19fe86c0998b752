use super::label::{cut, rule_text};
use super::*;
use serde_json::Map;
use serde_json::json;
use std::collections::HashSet;

const FULFILMENT: &str = include_str!("../../../../../statemachines/order-fulfillment.asl.json");
const INTAKE: &str = include_str!("../../../../../statemachines/order-intake.asl.json");
const QUOTE: &str = include_str!("../../../../../statemachines/shipment-quote.asl.json");

type Rect = [f64; 4];

fn rect(n: &Node) -> Rect {
    [n.x, n.y, n.width, n.height]
}

fn node<'a>(graph: &'a Graph, id: &str) -> &'a Node {
    graph
        .nodes
        .iter()
        .find(|n| n.id == id)
        .unwrap_or_else(|| panic!("no node {id}"))
}

/// Every state of a States map and the ones nested in it, and the edges its transitions
/// must have: (from, to, kind).
fn expected(branch: &Value, names: &mut Vec<String>, edges: &mut Vec<(String, String, String)>) {
    for (name, state) in branch["States"].as_object().expect("States") {
        names.push(name.clone());
        let kind = state["Type"].as_str().expect("Type");
        let leaves = if matches!(kind, "Parallel" | "Map") {
            format!("{name}#join")
        } else {
            name.clone()
        };
        let push = |edges: &mut Vec<_>, from: &str, to: &Value, kind: &str| {
            let to = to.as_str().expect("a state name").to_string();
            edges.push((from.to_string(), to, kind.to_string()));
        };
        if state.get("Next").is_some() {
            push(edges, &leaves, &state["Next"], "next");
        }
        if state.get("Default").is_some() {
            push(edges, name, &state["Default"], "default");
        }
        for rule in state["Choices"].as_array().into_iter().flatten() {
            push(edges, name, &rule["Next"], "choice");
        }
        for catcher in state["Catch"].as_array().into_iter().flatten() {
            push(edges, name, &catcher["Next"], "catch");
        }
        for branch in state["Branches"].as_array().into_iter().flatten() {
            push(edges, name, &branch["StartAt"], "branch");
            expected(branch, names, edges);
        }
        if let Some(processor) = state.get("ItemProcessor").or_else(|| state.get("Iterator")) {
            push(edges, name, &processor["StartAt"], "iterate");
            expected(processor, names, edges);
        }
    }
}

fn inside(inner: Rect, outer: Rect) -> bool {
    inner[0] >= outer[0]
        && inner[1] >= outer[1]
        && inner[0] + inner[2] <= outer[0] + outer[2]
        && inner[1] + inner[3] <= outer[1] + outer[3]
}

fn disjoint(a: Rect, b: Rect) -> bool {
    a[0] + a[2] <= b[0] || b[0] + b[2] <= a[0] || a[1] + a[3] <= b[1] || b[1] + b[3] <= a[1]
}

/// Whether the segment p–q enters the inside of `r` (Liang–Barsky clipping); touching the
/// border does not count.
fn crosses(p: (f64, f64), q: (f64, f64), r: Rect) -> bool {
    let (x0, y0, x1, y1) = (r[0] + 0.5, r[1] + 0.5, r[0] + r[2] - 0.5, r[1] + r[3] - 0.5);
    let (dx, dy) = (q.0 - p.0, q.1 - p.1);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (pk, qk) in [
        (-dx, p.0 - x0),
        (dx, x1 - p.0),
        (-dy, p.1 - y0),
        (dy, y1 - p.1),
    ] {
        if pk == 0.0 {
            if qk < 0.0 {
                return false;
            }
        } else if pk < 0.0 {
            t0 = t0.max(qk / pk);
        } else {
            t1 = t1.min(qk / pk);
        }
    }
    t0 <= t1
}

/// Whether `to` reaches `from` over the graph's edges: the edge from → to is in a loop.
fn in_loop(graph: &Graph, from: &str, to: &str) -> bool {
    let mut seen = HashSet::from([to]);
    let mut stack = vec![to];
    while let Some(at) = stack.pop() {
        if at == from {
            return true;
        }
        for e in graph.edges.iter().filter(|e| e.from == at) {
            if seen.insert(&e.to) {
                stack.push(&e.to);
            }
        }
    }
    false
}

/// Everything the layout promises, of `graph` drawn from `definition`.
fn check(definition: &Value, graph: &Graph) {
    let (mut names, mut wanted) = (Vec::new(), Vec::new());
    expected(definition, &mut names, &mut wanted);
    for name in &names {
        assert_eq!(
            graph.nodes.iter().filter(|n| &n.id == name).count(),
            1,
            "state {name}"
        );
    }
    let ids: HashSet<&str> = graph.nodes.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(ids.len(), graph.nodes.len(), "node ids are unique");
    assert_eq!(
        graph.nodes.len(),
        names.len() + 2 + graph.groups.len(),
        "states, start, end, joins"
    );
    let start_at = definition["StartAt"].as_str().expect("StartAt");
    wanted.push(("#start".into(), start_at.into(), "next".into()));
    for (from, to, kind) in &wanted {
        let found = graph
            .edges
            .iter()
            .any(|e| &e.from == from && &e.to == to && &e.kind == kind);
        assert!(found, "no {kind} edge {from} -> {to}");
    }
    for (i, a) in graph.nodes.iter().enumerate() {
        for b in &graph.nodes[i + 1..] {
            assert!(disjoint(rect(a), rect(b)), "{} overlaps {}", a.id, b.id);
        }
        assert!(
            inside(rect(a), [0.0, 0.0, graph.width, graph.height]),
            "{} is in the drawing",
            a.id
        );
    }
    let start = node(graph, "#start");
    for n in graph.nodes.iter().filter(|n| n.id != "#start") {
        assert!(n.y >= start.y + start.height, "{} is below #start", n.id);
    }
    for e in &graph.edges {
        check_edge(graph, e);
    }
    for n in &graph.nodes {
        if let Some(group) = &n.group {
            let group = graph
                .groups
                .iter()
                .find(|g| &g.id == group)
                .expect("the node's group");
            let group = [group.x, group.y, group.width, group.height];
            assert!(inside(rect(n), group), "{} is inside its group", n.id);
        }
    }
    for g in &graph.groups {
        let group = [g.x, g.y, g.width, g.height];
        assert!(
            inside(rect(node(graph, &g.id)), group),
            "{} is inside its box",
            g.id
        );
        assert!(
            inside(rect(node(graph, &format!("{}#join", g.id))), group),
            "{}'s join",
            g.id
        );
    }
}

/// An edge goes down (unless it closes a loop), from its source to the top-centre of its
/// target, through no other node and no box neither end is in.
fn check_edge(graph: &Graph, e: &Edge) {
    let (from, to) = (node(graph, &e.from), node(graph, &e.to));
    if !in_loop(graph, &e.from, &e.to) {
        assert!(
            to.y >= from.y + from.height,
            "{} -> {} goes down",
            e.from,
            e.to
        );
    }
    let (first, last) = (e.points[0], e.points[e.points.len() - 1]);
    assert_eq!(
        last,
        (to.x + to.width / 2.0, to.y),
        "{} -> {} ends on top of it",
        e.from,
        e.to
    );
    let on_bottom = first == (from.x + from.width / 2.0, from.y + from.height);
    let on_right = first == (from.x + from.width, from.y + from.height / 2.0);
    assert!(
        on_bottom || (on_right && e.kind == "catch"),
        "{} -> {} starts on it",
        e.from,
        e.to
    );
    // A catch out of a Parallel or Map state leaves its box by the side.
    let group = graph.groups.iter().find(|g| g.id == e.from);
    if let Some(g) = group.filter(|_| e.kind != "branch" && e.kind != "iterate") {
        let leaves = e.points[1].0 > g.x + g.width;
        assert!(leaves, "{} -> {} leaves the box", e.from, e.to);
    }
    let drawing = [0.0, 0.0, graph.width, graph.height];
    for pair in e.points.windows(2) {
        assert!(
            inside([pair[0].0, pair[0].1, 0.0, 0.0], drawing),
            "{} -> {} in the drawing",
            e.from,
            e.to
        );
        for n in graph
            .nodes
            .iter()
            .filter(|n| n.id != e.from && n.id != e.to)
        {
            assert!(
                !crosses(pair[0], pair[1], rect(n)),
                "{} -> {} crosses {}",
                e.from,
                e.to,
                n.id
            );
        }
        for g in &graph.groups {
            let group = [g.x, g.y, g.width, g.height];
            if !inside(rect(from), group) && !inside(rect(to), group) {
                assert!(
                    !crosses(pair[0], pair[1], group),
                    "{} -> {} crosses {}",
                    e.from,
                    e.to,
                    g.id
                );
            }
        }
    }
}

fn laid_out(definition: &Value) -> Graph {
    let graph = of_definition(definition).unwrap_or_else(|e| panic!("{e}"));
    check(definition, &graph);
    graph
}

fn edge<'a>(graph: &'a Graph, from: &str, to: &str) -> &'a Edge {
    let found = graph.edges.iter().find(|e| e.from == from && e.to == to);
    found.unwrap_or_else(|| panic!("no edge {from} -> {to}"))
}

#[test]
fn the_repository_state_machines_lay_out() {
    for text in [FULFILMENT, INTAKE, QUOTE] {
        let definition: Value = serde_json::from_str(text).expect("JSON");
        laid_out(&definition);
    }
}

#[test]
fn order_fulfillment_has_its_groups_labels_and_ends() {
    let graph = laid_out(&serde_json::from_str(FULFILMENT).expect("JSON"));
    let groups: Vec<&str> = graph.groups.iter().map(|g| g.id.as_str()).collect();
    assert_eq!(
        groups,
        ["Fulfil", "Compensate", "ReserveItems", "ReleaseItems"],
        "outer ones first"
    );
    assert_eq!(
        node(&graph, "ReserveItem").group.as_deref(),
        Some("ReserveItems")
    );
    assert_eq!(
        node(&graph, "ReserveItems").group.as_deref(),
        Some("Fulfil")
    );
    assert_eq!(node(&graph, "Fulfil").group, None);
    let label = |from, to| edge(&graph, from, to).label.as_deref();
    assert_eq!(
        label("IsDuplicate", "Duplicate"),
        Some("$.registration.status == \"Duplicate\"")
    );
    assert_eq!(
        label("Fulfil", "PaymentDeclined"),
        Some("PaymentDeclined, InvalidPaymentToken")
    );
    assert_eq!(edge(&graph, "Fulfil#join", "QuoteShipment").kind, "next");
    assert_eq!(
        edge(&graph, "ReserveItem", "ReserveItems#join").kind,
        "join"
    );
    assert_eq!(
        edge(&graph, "ReserveItems#join", "Fulfil#join").kind,
        "join"
    );
    for terminal in [
        "Duplicate",
        "OrderFailed",
        "ExecutionFailed",
        "OrderConfirmed",
    ] {
        edge(&graph, terminal, "#end");
    }
    let end = node(&graph, "#end");
    assert!(
        graph
            .nodes
            .iter()
            .all(|n| n.id == "#end" || n.y + n.height <= end.y),
        "#end is last"
    );
}

#[test]
fn jsonata_conditions_label_choices() {
    let graph = laid_out(&serde_json::from_str(INTAKE).expect("JSON"));
    assert_eq!(
        edge(&graph, "IsValid", "Rejected").label.as_deref(),
        Some("$count($reasons) > 0")
    );
    // Two rules of Decide go to Rejected: their paths are drawn apart.
    let twice: Vec<&Edge> = graph
        .edges
        .iter()
        .filter(|e| e.from == "Decide" && e.to == "Rejected")
        .collect();
    assert_eq!(twice.len(), 2);
    assert_ne!(twice[0].points, twice[1].points);
}

#[test]
fn rules_render_short() {
    let rule = json!({"Variable": "$.total.amount", "NumericGreaterThan": 100000, "Next": "X"});
    assert_eq!(
        rule_text(rule.as_object().expect("rule"), 0),
        "$.total.amount > 100000"
    );
    let rule = json!({"Not": {"Variable": "$.a", "IsPresent": true}, "Next": "X"});
    assert_eq!(
        rule_text(rule.as_object().expect("rule"), 0),
        "not $.a is present"
    );
    let rule = json!({"And": [{"Variable": "$.a", "StringEqualsPath": "$.b"},
        {"Or": [{"Variable": "$.c", "NumericLessThanEquals": 1}, {"Variable": "$.d", "IsNull": false}]}]});
    assert_eq!(
        cut(&rule_text(rule.as_object().expect("rule"), 0)),
        "$.a == $.b and ($.c <= 1 or $.d is not …"
    );
    // However deep a rule nests, its rendering stops (deeper still would overflow the test's
    // stack dropping the Value, not rendering it).
    let mut deep = json!({"Variable": "$.x", "BooleanEquals": true});
    for _ in 0..500 {
        deep = json!({"Not": deep});
    }
    assert_eq!(
        rule_text(deep.as_object().expect("rule"), 0),
        "not not not not …"
    );
}

#[test]
fn a_choice_looping_back_to_a_wait_goes_round_the_right() {
    let definition = json!({"StartAt": "Wait", "States": {
        "Wait": {"Type": "Wait", "Seconds": 5, "Next": "Done?"},
        "Done?": {"Type": "Choice", "Choices": [
            {"Variable": "$.done", "BooleanEquals": true, "Next": "Finish"}], "Default": "Wait"},
        "Finish": {"Type": "Succeed"}}});
    let graph = laid_out(&definition);
    let back = edge(&graph, "Done?", "Wait");
    assert!(
        back.points.first().map(|p| p.1) > back.points.last().map(|p| p.1),
        "goes up"
    );
    let rightmost = graph
        .nodes
        .iter()
        .map(|n| n.x + n.width)
        .fold(0.0, f64::max);
    assert!(
        back.points.iter().any(|p| p.0 > rightmost),
        "round the right"
    );
    assert!(
        node(&graph, "Wait").y < node(&graph, "Done?").y,
        "the loop's body goes down"
    );
}

#[test]
fn self_loops_and_loops_through_boxes_lay_out() {
    let definition = json!({"StartAt": "Try", "States": {
        "Try": {"Type": "Task", "Resource": "r", "Next": "Fan",
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Try"}]},
        "Fan": {"Type": "Parallel", "Next": "Again?",
            "Catch": [{"ErrorEquals": ["Boom"], "Next": "Fan"}, {"ErrorEquals": ["States.ALL"], "Next": "Try"}],
            "Branches": [
                {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}},
                {"StartAt": "B", "States": {
                    "B": {"Type": "Choice", "Choices": [{"Variable": "$.b", "IsNull": true, "Next": "Bad"}],
                        "Default": "C"},
                    "Bad": {"Type": "Fail"},
                    "C": {"Type": "Map", "End": true, "Iterator": {"StartAt": "D", "States": {
                        "D": {"Type": "Wait", "Seconds": 1, "Next": "E"},
                        "E": {"Type": "Choice", "Choices": [{"Variable": "$.e", "NumericEquals": 1, "Next": "D"}],
                            "Default": "F"},
                        "F": {"Type": "Succeed"}}}}}}]},
        "Again?": {"Type": "Choice", "Choices": [{"Variable": "$.again", "BooleanEquals": true, "Next": "Fan"}],
            "Default": "Stop"},
        "Stop": {"Type": "Fail", "Error": "Stopped"}}});
    let graph = laid_out(&definition);
    assert_eq!(node(&graph, "D").group.as_deref(), Some("C"));
    assert_eq!(node(&graph, "C").group.as_deref(), Some("Fan"));
    assert!(
        !graph.edges.iter().any(|e| e.from == "Bad"),
        "a Fail in a branch does not join"
    );
    edge(&graph, "Stop", "#end");
}

/// A definition of `n` Pass states in a chain.
fn chain(n: usize) -> Value {
    let mut states = Map::new();
    for i in 0..n {
        let next = if i + 1 < n {
            json!({"Next": format!("S{}", i + 1)})
        } else {
            json!({"End": true})
        };
        let mut state = json!({"Type": "Pass"});
        state
            .as_object_mut()
            .expect("object")
            .extend(next.as_object().expect("object").clone());
        states.insert(format!("S{i}"), state);
    }
    json!({"StartAt": "S0", "States": states})
}

#[test]
fn a_long_chain_and_a_wide_choice_lay_out() {
    let graph = laid_out(&chain(500));
    let ys: Vec<f64> = (0..500).map(|i| node(&graph, &format!("S{i}")).y).collect();
    assert!(
        ys.windows(2).all(|w| w[0] < w[1]),
        "one state per layer, in order"
    );

    let mut states = Map::new();
    let rules: Vec<Value> = (0..200)
        .map(|i| json!({"Variable": "$.n", "NumericEquals": i, "Next": format!("P{i}")}))
        .collect();
    states.insert(
        "Pick".into(),
        json!({"Type": "Choice", "Choices": rules, "Default": "P0"}),
    );
    for i in 0..200 {
        states.insert(format!("P{i}"), json!({"Type": "Pass", "End": true}));
    }
    let graph = laid_out(&json!({"StartAt": "Pick", "States": states}));
    let y = node(&graph, "P0").y;
    assert!(
        (0..200).all(|i| node(&graph, &format!("P{i}")).y == y),
        "the targets share a layer"
    );
}

/// A pseudo-random definition: states with Next, Choices and Catch to any state (loops
/// included), and a Parallel now and then.
fn random_definition(seed: u64) -> Value {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    let count = 2 + next(20);
    let name = |i: u64| format!("S{i}");
    let mut states = Map::new();
    for i in 0..count {
        let target = |next: &mut dyn FnMut(u64) -> u64| name(next(count));
        let state = match next(4) {
            0 => json!({"Type": "Choice", "Default": target(&mut next),
                "Choices": [{"Variable": "$.a", "StringEquals": "x", "Next": target(&mut next)},
                            {"Variable": "$.b", "NumericLessThan": 3, "Next": target(&mut next)}]}),
            1 => json!({"Type": "Task", "Resource": "r", "Next": target(&mut next),
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": target(&mut next)}]}),
            2 => json!({"Type": "Parallel", "Next": target(&mut next),
                "Catch": [{"ErrorEquals": ["A"], "Next": target(&mut next)},
                          {"ErrorEquals": ["B"], "Next": target(&mut next)}],
                "Branches": [
                {"StartAt": format!("S{i}a"), "States": {format!("S{i}a"): {"Type": "Pass", "End": true}}},
                {"StartAt": format!("S{i}b"), "States": {format!("S{i}b"): {"Type": "Succeed"}}}]}),
            _ if i + 1 == count => json!({"Type": "Succeed"}),
            _ => json!({"Type": "Pass", "Next": target(&mut next)}),
        };
        states.insert(name(i), state);
    }
    json!({"StartAt": "S0", "States": states})
}

#[test]
fn random_definitions_with_loops_lay_out() {
    for seed in 0..200 {
        let definition = random_definition(seed);
        let graph = of_definition(&definition).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        check(&definition, &graph);
    }
}

#[test]
fn a_next_to_a_missing_state_is_named() {
    let definition = json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nowhere"}}});
    let error = of_definition(&definition)
        .expect_err("a missing state")
        .to_string();
    assert!(
        error.contains("\"Nowhere\"") && error.contains("\"A\""),
        "{error}"
    );
    let branch = json!({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
        {"StartAt": "In", "States": {"In": {"Type": "Pass", "Next": "Out"}}}]}, "Out": {"Type": "Succeed"}}});
    let error = of_definition(&branch)
        .expect_err("a state of another branch")
        .to_string();
    assert!(error.contains("\"Out\""), "{error}");
}

#[test]
fn malformed_definitions_say_what_is_wrong() {
    let cases = [
        (json!({"States": {}}), "StartAt"),
        (json!({"StartAt": "A"}), "States"),
        (json!({"StartAt": "A", "States": {}}), "\"A\""),
        (
            json!({"StartAt": "A", "States": {"A": {"Type": "Teleport", "End": true}}}),
            "Teleport",
        ),
        (
            json!({"StartAt": "A", "States": {"A": {"Type": "Pass"}}}),
            "End",
        ),
        (
            json!({"StartAt": "A", "States": {"A": {"Type": "Map", "End": true}}}),
            "ItemProcessor",
        ),
        (
            json!({"StartAt": "#end", "States": {"#end": {"Type": "Succeed"}}}),
            "#end",
        ),
        (json!([1, 2]), "the definition"),
    ];
    for (definition, word) in cases {
        let error = of_definition(&definition)
            .expect_err("an error")
            .to_string();
        assert!(error.contains(word), "{error} names {word}");
    }
    let twice = json!({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
        {"StartAt": "X", "States": {"X": {"Type": "Succeed"}}},
        {"StartAt": "X", "States": {"X": {"Type": "Succeed"}}}]}}});
    assert!(matches!(of_definition(&twice), Err(GraphError::Duplicate(name)) if name == "X"));
}

/// Parallel states nested `levels` deep, one inside each branch of the one above.
fn nested(levels: usize) -> Value {
    let mut branch = json!({"StartAt": "Leaf", "States": {"Leaf": {"Type": "Pass", "End": true}}});
    for level in 0..levels {
        let name = format!("P{level}");
        branch = json!({"StartAt": name, "States": {name: {"Type": "Parallel", "End": true, "Branches": [branch]}}});
    }
    branch
}

#[test]
fn the_size_limits_are_refused() {
    let error = of_definition(&chain(MAX_NODES)).expect_err("too many nodes");
    assert!(
        matches!(error, GraphError::TooManyNodes { limit: MAX_NODES }),
        "{error}"
    );
    assert!(error.to_string().contains("1000"), "{error}");
    laid_out(&chain(MAX_NODES - 2));

    laid_out(&nested(MAX_DEPTH));
    let error = of_definition(&nested(MAX_DEPTH + 1)).expect_err("too deep");
    assert!(
        matches!(error, GraphError::TooDeep { limit: MAX_DEPTH }),
        "{error}"
    );
    assert!(error.to_string().contains("16"), "{error}");

    let rules: Vec<Value> = (0..MAX_EDGES)
        .map(|_| json!({"Variable": "$.a", "IsNull": true, "Next": "A"}))
        .collect();
    let wide = json!({"StartAt": "A", "States": {"A": {"Type": "Choice", "Choices": rules}}});
    assert!(matches!(
        of_definition(&wide),
        Err(GraphError::TooManyEdges { limit: MAX_EDGES })
    ));
}

#[test]
fn the_graph_serializes_in_camel_case() {
    let graph = laid_out(&chain(2));
    let json = serde_json::to_value(&graph).expect("JSON");
    assert_eq!(json["nodes"][0]["id"], "#start");
    assert!(json["edges"][0]["points"][0].is_array());
    assert!(json["width"].as_f64() > Some(0.0));
}
