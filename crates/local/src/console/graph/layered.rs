//! A layered (Sugiyama-style) layout of one scope's blocks, top to bottom.
//!
//! Our own rather than the `rust-sugiyama` crate (0.4), which was tried first: on some small cyclic graphs (32 nodes, 59 edges) it loops for
//! minutes (a hang no `catch_unwind` stops), it asserts on a self-loop (a Catch retrying its
//! own state), its greedy cycle removal often leaves other nodes level with or above the
//! start, and it returns neither the edges it reversed nor its dummy vertices' positions,
//! which the edges' paths need. Here: cycles are broken at the back edges of a depth-first
//! search from the start (a loop's edge back up to its Wait), layers are longest paths,
//! a few barycenter sweeps order each layer, and each layer's x positions are the least
//! squares fit to its neighbours' (pool adjacent violators), in linear time per sweep.

use super::{GraphError, MAX_BENDS};

/// Horizontal space between two blocks of a layer.
const GAP_X: f64 = 40.0;
/// Vertical space between layers, where edges bend.
pub(super) const GAP_Y: f64 = 48.0;
/// The width an edge passing through a layer takes in it.
const DUMMY_WIDTH: f64 = 16.0;
/// Barycenter sweeps (down then up) ordering the layers, and x placement passes.
const SWEEPS: usize = 4;
const PLACEMENTS: usize = 8;

/// One scope's layered layout: its blocks, then one dummy vertex per layer a long edge
/// crosses.
pub(super) struct Layered {
    /// Width and height of each vertex.
    pub(super) size: Vec<(f64, f64)>,
    pub(super) layer: Vec<usize>,
    /// Each vertex's centre.
    pub(super) x: Vec<f64>,
    /// Its position in its layer.
    pos: Vec<usize>,
    preds: Vec<Vec<usize>>,
    succs: Vec<Vec<usize>>,
    /// Per link: whether it goes back up (a loop), and the dummies of a long one.
    pub(super) back: Vec<bool>,
    pub(super) chains: Vec<Vec<usize>>,
    /// The vertices of each layer, left to right.
    rows: Vec<Vec<usize>>,
    pub(super) tops: Vec<f64>,
    heights: Vec<f64>,
    pub(super) right: f64,
    pub(super) bottom: f64,
}

impl Layered {
    pub(super) fn new(
        size: Vec<(f64, f64)>,
        links: &[(usize, usize)],
        first: usize,
        last: usize,
        bends: &mut usize,
    ) -> Result<Self, GraphError> {
        let n = size.len();
        let back = back_links(n, links, first);
        let layer = layering(n, links, &back, first, last);
        let rows = vec![Vec::new(); layer.iter().max().map_or(0, |&l| l + 1)];
        let (preds, succs) = (vec![Vec::new(); n], vec![Vec::new(); n]);
        let (x, pos, chains) = (Vec::new(), Vec::new(), Vec::new());
        let (tops, heights, right, bottom) = (Vec::new(), Vec::new(), 0.0, 0.0);
        let mut g = Layered {
            size,
            layer,
            x,
            pos,
            preds,
            succs,
            back,
            chains,
            rows,
            tops,
            heights,
            right,
            bottom,
        };
        for (i, &(a, b)) in links.iter().enumerate() {
            let mut chain = Vec::new();
            if !g.back[i] {
                let mut prev = a;
                for l in g.layer[a] + 1..g.layer[b] {
                    *bends += 1;
                    if *bends > MAX_BENDS {
                        return Err(GraphError::TooManyBends { limit: MAX_BENDS });
                    }
                    let d = g.add_dummy(l);
                    g.link(prev, d);
                    chain.push(d);
                    prev = d;
                }
                g.link(prev, b);
            }
            g.chains.push(chain);
        }
        for v in 0..g.size.len() {
            g.pos.push(g.rows[g.layer[v]].len());
            g.rows[g.layer[v]].push(v);
        }
        Ok(g)
    }

    fn add_dummy(&mut self, layer: usize) -> usize {
        self.size.push((DUMMY_WIDTH, 0.0));
        self.layer.push(layer);
        self.preds.push(Vec::new());
        self.succs.push(Vec::new());
        self.size.len() - 1
    }

    fn link(&mut self, a: usize, b: usize) {
        self.succs[a].push(b);
        self.preds[b].push(a);
    }

    pub(super) fn bottom_of(&self, v: usize) -> f64 {
        self.tops[self.layer[v]] + self.heights[self.layer[v]]
    }

    /// Orders each layer by the mean position of its vertices' neighbours in the layer
    /// above (sweeping down) or below (sweeping up), to uncross edges.
    pub(super) fn order(&mut self) {
        for _ in 0..SWEEPS {
            self.sweep(true);
            self.sweep(false);
        }
    }

    fn sweep(&mut self, down: bool) {
        let count = self.rows.len();
        for step in 1..count {
            let l = if down { step } else { count - 1 - step };
            let mut keyed: Vec<(f64, usize, usize)> = self.rows[l]
                .iter()
                .map(|&v| {
                    let near = if down { &self.preds[v] } else { &self.succs[v] };
                    let key = mean(near.iter().map(|&u| self.pos[u] as f64));
                    (key.unwrap_or(self.pos[v] as f64), self.pos[v], v)
                })
                .collect();
            keyed.sort_by(|p, q| p.0.total_cmp(&q.0).then(p.1.cmp(&q.1)));
            self.rows[l] = keyed.iter().map(|k| k.2).collect();
            for (i, &v) in self.rows[l].iter().enumerate() {
                self.pos[v] = i;
            }
        }
    }

    /// x: each layer centred, then passes moving each vertex towards its neighbours above
    /// (or below), keeping the layer's order and gaps; y: layers stacked, blocks top-aligned.
    pub(super) fn place(&mut self) {
        self.x = vec![0.0; self.size.len()];
        for l in 0..self.rows.len() {
            self.fit(l, |_, _| 0.0);
        }
        for pass in 0..=PLACEMENTS {
            let count = self.rows.len();
            for step in 0..count {
                let l = if pass % 2 == 0 {
                    step
                } else {
                    count - 1 - step
                };
                // The last pass weighs both sides, so a state sits between what leads to it
                // and what follows.
                let (above, below) = (
                    pass % 2 == 0 || pass == PLACEMENTS,
                    pass % 2 == 1 || pass == PLACEMENTS,
                );
                self.fit(l, |g, v| {
                    let ups = if above { &g.preds[v][..] } else { &[] };
                    let downs = if below { &g.succs[v][..] } else { &[] };
                    mean(ups.iter().chain(downs).map(|&u| g.x[u])).unwrap_or(g.x[v])
                });
            }
        }
        let left = (0..self.size.len())
            .map(|v| self.x[v] - self.size[v].0 / 2.0)
            .fold(f64::INFINITY, f64::min);
        let left = if left.is_finite() { left } else { 0.0 };
        self.x.iter_mut().for_each(|x| *x -= left);
        self.right = (0..self.size.len())
            .map(|v| self.x[v] + self.size[v].0 / 2.0)
            .fold(0.0, f64::max);
        let mut top = 0.0;
        for row in &self.rows {
            let height = row.iter().map(|&v| self.size[v].1).fold(0.0, f64::max);
            self.tops.push(top);
            self.heights.push(height);
            top += height + GAP_Y;
        }
        self.bottom = (top - GAP_Y).max(0.0);
    }

    /// Sets layer `l`'s centres as close as possible (least squares) to what `want` says of
    /// each vertex, in the layer's order and at least GAP_X apart: an isotonic regression of
    /// the wanted positions less each vertex's least offset from the first (pool adjacent
    /// violators).
    fn fit(&mut self, l: usize, want: impl Fn(&Layered, usize) -> f64) {
        let row = &self.rows[l];
        let mut offsets = Vec::with_capacity(row.len());
        let mut offset = 0.0;
        for (i, &v) in row.iter().enumerate() {
            if i > 0 {
                offset += (self.size[row[i - 1]].0 + self.size[v].0) / 2.0 + GAP_X;
            }
            offsets.push(offset);
        }
        let mut pools: Vec<(f64, usize)> = Vec::new();
        for (i, &v) in row.iter().enumerate() {
            pools.push((want(self, v) - offsets[i], 1));
            while let [.., (s1, c1), (s2, c2)] = pools[..] {
                if s1 / c1 as f64 <= s2 / c2 as f64 {
                    break;
                }
                pools.pop();
                pools.pop();
                pools.push((s1 + s2, c1 + c2));
            }
        }
        let mut i = 0;
        for (sum, count) in pools {
            for _ in 0..count {
                self.x[row[i]] = sum / count as f64 + offsets[i];
                i += 1;
            }
        }
    }
}

/// Which links go back up: those to a vertex still on the stack of a depth-first search
/// from `first` (then from any vertex it missed), so a loop's edge back to its Wait is the
/// one reversed, never the edges from the start into it.
fn back_links(n: usize, links: &[(usize, usize)], first: usize) -> Vec<bool> {
    let mut out = vec![Vec::new(); n];
    for (i, &(a, _)) in links.iter().enumerate() {
        out[a].push(i);
    }
    // 0: not seen, 1: on the stack, 2: done.
    let mut state = vec![0u8; n];
    let mut back = vec![false; links.len()];
    for root in std::iter::once(first).chain(0..n) {
        if state[root] != 0 {
            continue;
        }
        state[root] = 1;
        let mut stack = vec![(root, 0)];
        while let Some(top) = stack.last_mut() {
            let (v, k) = *top;
            top.1 += 1;
            match out[v].get(k) {
                Some(&link) => match state[links[link].1] {
                    0 => {
                        state[links[link].1] = 1;
                        stack.push((links[link].1, 0));
                    }
                    1 => back[link] = true,
                    _ => {}
                },
                None => {
                    state[v] = 2;
                    stack.pop();
                }
            }
        }
    }
    back
}

/// Each vertex's layer: the longest path to it from `first` (alone on layer 0) over the
/// forward links; `last` alone below all others.
fn layering(
    n: usize,
    links: &[(usize, usize)],
    back: &[bool],
    first: usize,
    last: usize,
) -> Vec<usize> {
    let mut out = vec![Vec::new(); n];
    let mut incoming = vec![0usize; n];
    for (i, &(a, b)) in links.iter().enumerate() {
        if !back[i] {
            out[a].push(b);
            incoming[b] += 1;
        }
    }
    let mut layer: Vec<usize> = (0..n).map(|v| usize::from(v != first)).collect();
    let mut ready: Vec<usize> = (0..n).filter(|&v| incoming[v] == 0).collect();
    while let Some(v) = ready.pop() {
        for &w in &out[v] {
            layer[w] = layer[w].max(layer[v] + 1);
            incoming[w] -= 1;
            if incoming[w] == 0 {
                ready.push(w);
            }
        }
    }
    if last != first {
        layer[last] = (0..n)
            .filter(|&v| v != last)
            .map(|v| layer[v] + 1)
            .max()
            .unwrap_or(0);
    }
    layer
}

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, count) = values.fold((0.0, 0usize), |(s, c), v| (s + v, c + 1));
    (count > 0).then(|| sum / count as f64)
}
