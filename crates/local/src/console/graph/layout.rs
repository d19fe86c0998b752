//! The layout of a [`Plan`], nested: each Parallel or Map box is laid out on its own (its
//! state on top, its join node at the bottom), then stands as one block in the layout
//! around it, so boxes never overlap the states beside them. Each scope's blocks are placed
//! by [`Layered`]; the edges' paths are drawn here.

use super::layered::{GAP_Y, Layered};
use super::{Edge, GraphError, Node};
use std::collections::HashMap;

/// The padding of a Parallel or Map box around its contents.
const PAD: f64 = 16.0;
/// How far right of a block an edge leaving its side, or looping on it, runs; the first few
/// leaving one block run SIDE_STEP apart.
const SIDE: f64 = 12.0;
const SIDE_STEP: f64 = 6.0;
const SIDES: usize = 4;
/// The space between the lanes of edges going back up, right of the layout.
const LANE: f64 = 14.0;
/// The drawing's margin.
const MARGIN: f64 = 20.0;
/// How far apart edges between the same two nodes are drawn.
const SPREAD: f64 = 10.0;

/// The graph as read from the definition, and the scopes it is laid out in.
#[derive(Default)]
pub(super) struct Plan {
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    /// Each edge's from and to, as node indexes.
    pub ends: Vec<(usize, usize)>,
    /// The scope each node is laid out in: a Parallel/Map state and its join are in their
    /// box's, the other states in their enclosing box's (or the top level's, 0).
    pub scope_of: Vec<usize>,
    pub scopes: Vec<Scope>,
}

/// The top level, or the box of a Parallel or Map state: laid out on its own.
#[derive(Default)]
pub(super) struct Scope {
    /// The Parallel or Map state; None for the top level.
    pub group: Option<usize>,
    pub parent: Option<usize>,
    /// The node alone on the top layer (#start, the state) and on the bottom one (#end, the
    /// join node).
    pub first: usize,
    pub last: usize,
    pub members: Vec<usize>,
    pub children: Vec<usize>,
    /// The edges laid out here: those between its members and its children's boxes.
    pub edges: Vec<usize>,
    /// Left, top, width, height: in its parent's layout, then in the drawing's.
    pub rect: [f64; 4],
}

/// What a scope lays out: a node, or a child scope's box as one block.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Item {
    Node(usize),
    Block(usize),
}

/// Lays out the whole plan, and answers the drawing's width and height.
pub(super) fn run(plan: &mut Plan) -> Result<(f64, f64), GraphError> {
    for edge in 0..plan.ends.len() {
        let scope = common_scope(plan, edge)?;
        plan.scopes[scope].edges.push(edge);
    }
    let mut bends = 0;
    let (width, height) = scope(plan, 0, &mut bends)?;
    shift(plan, 0, MARGIN, MARGIN);
    spread_duplicates(plan);
    Ok((width + 2.0 * MARGIN, height + 2.0 * MARGIN))
}

/// The innermost scope holding both ends of `edge`: branch states only reach states of
/// their own branch, so an edge is in its states' scope or, out of a box, its parent's. A
/// Parallel or Map state is in its box's scope for its branches, and stands as the box in
/// its parent's for everything else (a catch back into itself included).
fn common_scope(plan: &Plan, edge: usize) -> Result<usize, GraphError> {
    let (from, to) = plan.ends[edge];
    let outside = |node: usize| {
        let scope = plan.scope_of[node];
        match plan.scopes[scope].group == Some(node) {
            true => plan.scopes[scope].parent.unwrap_or(scope),
            false => scope,
        }
    };
    let inward = matches!(plan.edges[edge].kind.as_str(), "branch" | "iterate");
    let mut ancestors = vec![if inward {
        plan.scope_of[from]
    } else {
        outside(from)
    }];
    while let Some(parent) = ancestors.last().and_then(|&s| plan.scopes[s].parent) {
        ancestors.push(parent);
    }
    let mut scope = Some(outside(to));
    while let Some(s) = scope {
        if ancestors.contains(&s) {
            return Ok(s);
        }
        scope = plan.scopes[s].parent;
    }
    Err(GraphError::Layout(format!(
        "edge {edge} joins separate scopes"
    )))
}

/// What stands for `node` in `scope`: the node itself, or the box of the child holding it.
fn item_of(plan: &Plan, node: usize, scope: usize) -> Option<Item> {
    let mut inner = plan.scope_of[node];
    if inner == scope {
        return Some(Item::Node(node));
    }
    while let Some(parent) = plan.scopes[inner].parent {
        if parent == scope {
            return Some(Item::Block(inner));
        }
        inner = parent;
    }
    None
}

/// Lays out scope `s` and its children, relative to its own top-left corner, and answers
/// its size.
fn scope(plan: &mut Plan, s: usize, bends: &mut usize) -> Result<(f64, f64), GraphError> {
    let members = plan.scopes[s].members.clone();
    let children = plan.scopes[s].children.clone();
    let mut items: Vec<Item> = members.iter().map(|&n| Item::Node(n)).collect();
    let mut sizes: Vec<(f64, f64)> = members
        .iter()
        .map(|&n| (plan.nodes[n].width, plan.nodes[n].height))
        .collect();
    for &child in &children {
        let (width, height) = scope(plan, child, bends)?;
        items.push(Item::Block(child));
        sizes.push((width + 2.0 * PAD, height + 2.0 * PAD));
    }
    let local: HashMap<Item, usize> = items.iter().enumerate().map(|(i, &it)| (it, i)).collect();
    let find = |node: usize| {
        let item = item_of(plan, node, s).and_then(|it| local.get(&it).copied());
        item.ok_or_else(|| GraphError::Layout(format!("node {node} is not in scope {s}")))
    };
    let edges = plan.scopes[s].edges.clone();
    let links = edges
        .iter()
        .map(|&e| Ok((find(plan.ends[e].0)?, find(plan.ends[e].1)?)));
    let links = links.collect::<Result<Vec<_>, GraphError>>()?;
    let (first, last) = (find(plan.scopes[s].first)?, find(plan.scopes[s].last)?);
    let mut layers = Layered::new(sizes, &links, first, last, bends)?;
    layers.order();
    layers.place();
    for (i, &item) in items.iter().enumerate() {
        let (left, top) = (
            layers.x[i] - layers.size[i].0 / 2.0,
            layers.tops[layers.layer[i]],
        );
        match item {
            Item::Node(n) => (plan.nodes[n].x, plan.nodes[n].y) = (left, top),
            Item::Block(c) => {
                shift(plan, c, left + PAD, top + PAD);
                plan.scopes[c].rect = [left, top, layers.size[i].0, layers.size[i].1];
            }
        }
    }
    let (mut lanes, mut sides) = (0, vec![0; items.len()]);
    for (link, &edge) in edges.iter().enumerate() {
        let counts = (&mut lanes, &mut sides[..]);
        plan.edges[edge].points = route(plan, &layers, &items, edge, links[link], link, counts);
    }
    let points = edges.iter().flat_map(|&e| &plan.edges[e].points);
    Ok((
        points.map(|p| p.0).fold(layers.right, f64::max),
        layers.bottom,
    ))
}

/// Moves everything inside scope `c` (not its own box) by `dx`, `dy`.
fn shift(plan: &mut Plan, c: usize, dx: f64, dy: f64) {
    let mut stack = vec![c];
    while let Some(s) = stack.pop() {
        for &n in &plan.scopes[s].members {
            plan.nodes[n].x += dx;
            plan.nodes[n].y += dy;
        }
        for &e in &plan.scopes[s].edges {
            plan.edges[e]
                .points
                .iter_mut()
                .for_each(|p| *p = (p.0 + dx, p.1 + dy));
        }
        for child in plan.scopes[s].children.clone() {
            let rect = &mut plan.scopes[child].rect;
            (rect[0], rect[1]) = (rect[0] + dx, rect[1] + dy);
            stack.push(child);
        }
    }
}

/// The path of `edge`, laid out in a scope as `link` between blocks `a` and `b`: down out of
/// the source, through its bends' positions, into the target's top; a back edge goes down
/// into the gap below its source, right to a lane of its own, up, and into the target from
/// the gap above it. Diagonal runs are only in the gaps between layers, where no node is.
/// `lanes` counts the scope's back edges so far, `sides` each block's side exits.
fn route(
    plan: &Plan,
    layers: &Layered,
    items: &[Item],
    edge: usize,
    (a, b): (usize, usize),
    link: usize,
    (lanes, sides): (&mut usize, &mut [usize]),
) -> Vec<(f64, f64)> {
    let (from, to) = (
        &plan.nodes[plan.ends[edge].0],
        &plan.nodes[plan.ends[edge].1],
    );
    let (a_right, a_bottom) = (layers.x[a] + layers.size[a].0 / 2.0, layers.bottom_of(a));
    let cx = |n: &Node| n.x + n.width / 2.0;
    let mut points = match items[a] {
        // A catch out of a Parallel or Map box leaves its state's right side, not its
        // bottom, which is inside the box.
        Item::Block(c) if plan.scopes[c].group == Some(plan.ends[edge].0) => {
            // Apart, but well inside the gap to the next block.
            let side = a_right + SIDE + SIDE_STEP * sides[a].min(SIDES) as f64;
            sides[a] += 1;
            let cy = from.y + from.height / 2.0;
            vec![(from.x + from.width, cy), (side, cy), (side, a_bottom)]
        }
        _ => vec![(cx(from), from.y + from.height), (cx(from), a_bottom)],
    };
    let b_top = layers.tops[layers.layer[b]];
    let entry = [(cx(to), b_top), (cx(to), to.y)];
    let out_x = points.last().map_or(cx(from), |p| p.0);
    if layers.back[link] {
        let lane = if a == b {
            out_x.max(a_right + SIDE)
        } else {
            *lanes += 1;
            layers.right + SIDE + SIDE_STEP * SIDES as f64 + LANE * *lanes as f64
        };
        let (below, above) = (a_bottom + GAP_Y / 2.0, b_top - GAP_Y / 2.0);
        points.extend([
            (out_x, below),
            (lane, below),
            (lane, above),
            (cx(to), above),
        ]);
    } else {
        for &d in &layers.chains[link] {
            points.extend([
                (layers.x[d], layers.tops[layers.layer[d]]),
                (layers.x[d], layers.bottom_of(d)),
            ]);
        }
    }
    points.extend(entry);
    points.dedup_by(|p, q| (p.0 - q.0).abs() < 1e-9 && (p.1 - q.1).abs() < 1e-9);
    points
}

/// Edges between the same two nodes (two rules of a Choice going to one state) would be
/// drawn on top of each other: each after the first bends a little further right. Only
/// edges going down out of their source's bottom: the others (side exits, back edges) are
/// kept apart by their own lanes, and moved they could touch a neighbour.
fn spread_duplicates(plan: &mut Plan) {
    let mut seen: HashMap<(usize, usize), usize> = HashMap::new();
    for (edge, &ends) in plan.ends.iter().enumerate() {
        let count = seen.entry(ends).or_insert(0);
        let dx = (*count).min(3) as f64 * SPREAD;
        *count += 1;
        let from = &plan.nodes[ends.0];
        let points = &mut plan.edges[edge].points;
        let bottom = (from.x + from.width / 2.0, from.y + from.height);
        let down = matches!(points[..], [first, .., last] if first == bottom && last.1 > first.1);
        if dx == 0.0 || !down {
            continue;
        }
        if let [p, q] = points[..] {
            points.insert(1, ((p.0 + q.0) / 2.0, (p.1 + q.1) / 2.0));
        }
        let inner = points.len() - 1;
        points[1..inner].iter_mut().for_each(|p| p.0 += dx);
    }
}
