//! Many rules compiled into one state machine, evaluated in a single pass per event.
//!
//! Every sub-rule is a sequence of (path, alternatives) steps in sorted path order. Sub-rules
//! share a trie of states: from a state, each transition names a path and indexes the
//! alternatives of every sub-rule that steps on that path there (hash maps for exact and
//! case-folded values, maps by length for prefixes and suffixes, a list for the rest). An event
//! is flattened once; matching follows, from the start state, only the transitions whose
//! path the event has and whose index accepts one of its values, carrying the array positions
//! used so far so that no match combines fields from different elements of one array.

use crate::affix::{AffixIndex, End, append};
use crate::compile::{Alternatives, SubRule};
use crate::flatten::{
    EventSyntaxError, FlatBuffers, FlatEvent, PathTrie, flatten_text, flatten_value,
};
use crate::hash::{FxMap, FxSet};
use crate::value::{AnythingBut, Keyword, Leaf, Probe, ValuePattern};

type StateId = u32;

/// A set of named rules compiled into one matcher.
#[derive(Debug, Clone)]
pub struct RuleSet {
    names: Vec<String>,
    /// Each rule's sub-rules, kept so the machine can be rebuilt without a rule.
    sub_rules: Vec<Vec<SubRule>>,
    states: Vec<State>,
    trie: PathTrie,
    /// Each distinct list of alternatives (by its text), numbered, so that a transition
    /// keys its next states by a number rather than by the list's text.
    alternative_ids: FxMap<Box<str>, u32>,
}

#[derive(Debug, Clone, Default)]
struct State {
    /// Rules whose sub-rule ends here.
    rules: Vec<u32>,
    transitions: Vec<Transition>,
}

#[derive(Debug, Clone)]
struct Transition {
    path: u32,
    index: ValueIndex,
    /// Next states when no value exists at `path` (`{"exists": false}`).
    absent: Vec<StateId>,
    /// Next state per distinct list of alternatives (`RuleSet::alternative_ids`), so equal
    /// steps share states.
    by_alternatives: FxMap<u32, StateId>,
}

/// Alternatives of one transition, indexed by how they are looked up.
#[derive(Debug, Clone, Default)]
struct ValueIndex {
    exact: FxMap<Box<str>, Vec<StateId>>,
    numbers: FxMap<u64, Vec<StateId>>,
    number_texts: FxMap<Box<str>, Vec<StateId>>,
    keywords: [Vec<StateId>; 3],
    prefix: AffixIndex,
    prefix_ic: AffixIndex,
    suffix: AffixIndex,
    suffix_ic: AffixIndex,
    equals_ic: FxMap<Box<str>, Vec<StateId>>,
    exists: Vec<StateId>,
    /// States behind `anything-but` string lists, reached by every leaf except the strings
    /// listed for them in `anything_but_excluded` (at most one such list per state here;
    /// further ones go to `scan`).
    anything_but: Vec<StateId>,
    anything_but_excluded: FxMap<Box<str>, Vec<StateId>>,
    /// Tested one by one: numeric ranges, CIDR, wildcards, anything-but.
    scan: Vec<(ValuePattern, StateId)>,
    empty: bool,
}

fn push_unique(v: &mut Vec<StateId>, s: StateId) {
    if !v.contains(&s) {
        v.push(s);
    }
}

fn keyword_slot(k: Keyword) -> usize {
    match k {
        Keyword::True => 0,
        Keyword::False => 1,
        Keyword::Null => 2,
    }
}

impl ValueIndex {
    fn insert(&mut self, p: &ValuePattern, next: StateId) {
        self.empty = false;
        match p {
            ValuePattern::Exact(s) => {
                push_unique(self.exact.entry(s.as_str().into()).or_default(), next)
            }
            ValuePattern::Number { value: Some(v), .. } => {
                push_unique(self.numbers.entry(v.to_bits()).or_default(), next)
            }
            ValuePattern::Number { value: None, text } => push_unique(
                self.number_texts.entry(text.as_str().into()).or_default(),
                next,
            ),
            ValuePattern::Keyword(k) => push_unique(&mut self.keywords[keyword_slot(*k)], next),
            ValuePattern::Prefix(s) => self.prefix.insert(s, next),
            ValuePattern::PrefixIgnoreCase(s) => self.prefix_ic.insert(s, next),
            ValuePattern::Suffix(s) => self.suffix.insert(s, next),
            ValuePattern::SuffixIgnoreCase(s) => self.suffix_ic.insert(s, next),
            ValuePattern::EqualsIgnoreCase(s) => {
                push_unique(self.equals_ic.entry(s.as_str().into()).or_default(), next)
            }
            ValuePattern::Exists => push_unique(&mut self.exists, next),
            ValuePattern::Absent => {}
            ValuePattern::AnythingBut(AnythingBut::Strings(values))
                if !self.anything_but.contains(&next) =>
            {
                self.anything_but.push(next);
                for v in values {
                    push_unique(
                        self.anything_but_excluded
                            .entry(v.as_str().into())
                            .or_default(),
                        next,
                    );
                }
            }
            other => self.scan.push((other.clone(), next)),
        }
    }

    /// Appends the next states this leaf reaches (possibly with repeats).
    #[inline]
    fn lookup(&self, p: &Probe, out: &mut Vec<StateId>) {
        append(out, &self.exists);
        if !self.anything_but.is_empty() {
            match p.str().and_then(|s| self.anything_but_excluded.get(s)) {
                Some(excluded) => {
                    out.extend(self.anything_but.iter().filter(|n| !excluded.contains(n)))
                }
                None => append(out, &self.anything_but),
            }
        }
        match &p.leaf {
            Leaf::Str(s) => {
                // An empty map still hashes the key before finding nothing.
                if !self.exact.is_empty()
                    && let Some(n) = self.exact.get(s.as_ref())
                {
                    append(out, n);
                }
                self.prefix.lookup(s.as_bytes(), End::Prefix, out);
                self.suffix.lookup(s.as_bytes(), End::Suffix, out);
                if !(self.equals_ic.is_empty()
                    && self.prefix_ic.is_empty()
                    && self.suffix_ic.is_empty())
                    && let Some(lower) = p.lower()
                {
                    if let Some(n) = self.equals_ic.get(lower) {
                        append(out, n);
                    }
                    self.prefix_ic.lookup(lower.as_bytes(), End::Prefix, out);
                    self.suffix_ic.lookup(lower.as_bytes(), End::Suffix, out);
                }
            }
            Leaf::Num(text) => {
                if !(self.numbers.is_empty() && self.number_texts.is_empty()) {
                    match p.number() {
                        Some(n) => {
                            if let Some(s) = self.numbers.get(&n.to_bits()) {
                                append(out, s);
                            }
                        }
                        None => {
                            if let Some(s) = self.number_texts.get(text.as_ref()) {
                                append(out, s);
                            }
                        }
                    }
                }
            }
            Leaf::True => append(out, &self.keywords[0]),
            Leaf::False => append(out, &self.keywords[1]),
            Leaf::Null => append(out, &self.keywords[2]),
        }
        for (pattern, next) in &self.scan {
            if pattern.matches(p) {
                out.push(*next);
            }
        }
    }
}

/// Reusable buffers for matching, so a hot loop allocates nothing per event.
#[derive(Debug, Default)]
pub struct Scratch {
    next: Vec<StateId>,
    members: Vec<(u32, u32)>,
    visited: Vec<u32>,
    generation: u32,
    matched: Vec<u32>,
    seen_rule: Vec<u32>,
    /// States reached with one array position bound (the common case: one array).
    seen_with_member: FxSet<(StateId, (u32, u32))>,
    seen_with_members: FxSet<(StateId, Vec<(u32, u32)>)>,
    /// The event's leaves, kept between events for their allocations.
    flat: FlatBuffers,
}

impl Default for RuleSet {
    fn default() -> Self {
        Self::new()
    }
}

impl RuleSet {
    /// An empty set: it matches no event.
    pub fn new() -> Self {
        RuleSet {
            names: Vec::new(),
            sub_rules: Vec::new(),
            states: vec![State::default()],
            trie: PathTrie::new(),
            alternative_ids: FxMap::default(),
        }
    }

    /// Number of rules added.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether no rule has been added.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Adds a rule from its compiled sub-rules (see `RuleSet::add` in `pattern.rs`). A name
    /// added twice is one rule that matches when either pattern does.
    pub(crate) fn add_sub_rules(&mut self, name: &str, sub_rules: &[SubRule]) {
        let id = match self.names.iter().position(|n| n == name) {
            Some(i) => i,
            None => {
                self.names.push(name.to_owned());
                self.sub_rules.push(Vec::new());
                self.names.len() - 1
            }
        };
        self.add_steps(id as u32, sub_rules);
        self.sub_rules[id].extend(sub_rules.iter().cloned());
    }

    /// Adds the steps of one pattern's sub-rules.
    ///
    /// The sub-rules of an `$or` share the fields written outside it (the same list of
    /// alternatives): those steps go first, so the sub-rules share the states for them and
    /// only part ways at their own fields. A pattern of 1,024 `$or` branches and 400 other
    /// fields then takes about 400 + 2 × 1,024 states, not 1,024 × 400.
    fn add_steps(&mut self, rule: u32, sub_rules: &[SubRule]) {
        // Each list's number, cost and count, and each path's id, are found once, however
        // many sub-rules hold them: the sub-rules of an `$or` share their paths' text and
        // their lists, so they are known by address.
        let mut paths: FxMap<*const u8, u32> = FxMap::default();
        let mut lists: FxMap<*const Vec<ValuePattern>, List> = FxMap::default();
        for sub in sub_rules {
            for (path, alternatives) in sub {
                paths
                    .entry(path.as_ptr())
                    .or_insert_with(|| self.trie.intern(path));
                lists
                    .entry(Alternatives::as_ptr(alternatives))
                    .or_insert_with(|| {
                        let text = format!("{:?}", alternatives.as_slice());
                        let next = self.alternative_ids.len() as u32;
                        List {
                            id: *self.alternative_ids.entry(text.into()).or_insert(next),
                            cost: alternatives.iter().map(step_cost).max().unwrap_or(0),
                            absent: alternatives.contains(&ValuePattern::Absent),
                            holders: 0,
                        }
                    })
                    .holders += 1;
            }
        }
        let mut steps = Vec::new();
        for sub in sub_rules {
            steps.clear();
            steps.extend(sub.iter().map(|(path, alternatives)| {
                let list = &lists[&Alternatives::as_ptr(alternatives)];
                Step {
                    path: paths[&path.as_ptr()],
                    list: list.id,
                    cost: list.cost,
                    absent: list.absent,
                    common: list.holders == sub_rules.len(),
                    alternatives,
                }
            }));
            order_steps(&mut steps);
            self.add_sub_rule(rule, &steps);
        }
    }

    /// Removes a rule (every pattern added under its name); false if there was none.
    /// The machine is rebuilt from the remaining rules.
    pub fn remove(&mut self, name: &str) -> bool {
        let Some(id) = self.names.iter().position(|n| n == name) else {
            return false;
        };
        let mut names = std::mem::take(&mut self.names);
        let mut sub_rules = std::mem::take(&mut self.sub_rules);
        names.remove(id);
        sub_rules.remove(id);
        *self = RuleSet::new();
        for (id, subs) in sub_rules.iter().enumerate() {
            self.add_steps(id as u32, subs);
        }
        self.names = names;
        self.sub_rules = sub_rules;
        true
    }

    /// Names of the rules, in the order they were added.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(String::as_str)
    }

    fn add_sub_rule(&mut self, rule: u32, steps: &[Step]) {
        let mut state: StateId = 0;
        for step in steps {
            let (path_id, key, alternatives) = (step.path, step.list, step.alternatives);
            let t_index = match self.states[state as usize]
                .transitions
                .iter()
                .position(|t| t.path == path_id)
            {
                Some(i) => i,
                None => {
                    let st = &mut self.states[state as usize];
                    st.transitions.push(Transition {
                        path: path_id,
                        index: ValueIndex {
                            empty: true,
                            ..ValueIndex::default()
                        },
                        absent: Vec::new(),
                        by_alternatives: FxMap::default(),
                    });
                    st.transitions.len() - 1
                }
            };
            let existing = self.states[state as usize].transitions[t_index]
                .by_alternatives
                .get(&key)
                .copied();
            let next = match existing {
                Some(n) => n,
                None => {
                    let n = self.states.len() as StateId;
                    self.states.push(State::default());
                    let t = &mut self.states[state as usize].transitions[t_index];
                    t.by_alternatives.insert(key, n);
                    for alt in alternatives.iter() {
                        if *alt == ValuePattern::Absent {
                            push_unique(&mut t.absent, n);
                        } else {
                            t.index.insert(alt, n);
                        }
                    }
                    n
                }
            };
            state = next;
        }
        let rules = &mut self.states[state as usize].rules;
        if !rules.contains(&rule) {
            rules.push(rule);
        }
    }

    /// Names of the rules that match a parsed event, in the order they were added.
    pub fn matching(&self, event: &serde_json::Value) -> Vec<&str> {
        let mut scratch = Scratch::default();
        let flat = flatten_value(&self.trie, event, &mut scratch.flat);
        self.run(&flat, &mut scratch);
        self.names_of(&scratch)
    }

    /// Names of the rules that match event text, reading the text once.
    pub fn matching_text(&self, event: &str) -> Result<Vec<&str>, EventSyntaxError> {
        let mut scratch = Scratch::default();
        self.matching_text_with(event, &mut scratch)
    }

    /// As `matching_text`, reusing buffers across calls.
    pub fn matching_text_with(
        &self,
        event: &str,
        scratch: &mut Scratch,
    ) -> Result<Vec<&str>, EventSyntaxError> {
        self.run_text(event, scratch)?;
        Ok(self.names_of(scratch))
    }

    /// Ids (positions in the order added) of the rules matching event text; allocation-free
    /// apart from the event's own leaves. The ids stay in `scratch` until the next call.
    pub fn matching_ids<'s>(
        &self,
        event: &str,
        scratch: &'s mut Scratch,
    ) -> Result<&'s [u32], EventSyntaxError> {
        self.run_text(event, scratch)?;
        Ok(&scratch.matched)
    }

    /// The name of a rule id.
    pub fn name(&self, id: u32) -> Option<&str> {
        self.names.get(id as usize).map(String::as_str)
    }

    fn names_of(&self, scratch: &Scratch) -> Vec<&str> {
        let mut ids = scratch.matched.clone();
        ids.sort_unstable();
        ids.iter()
            .filter_map(|&i| self.names.get(i as usize).map(String::as_str))
            .collect()
    }

    /// Reads event text into the scratch buffers and runs the machine over it.
    fn run_text(&self, event: &str, s: &mut Scratch) -> Result<(), EventSyntaxError> {
        let flat = flatten_text(&self.trie, event, &mut s.flat)?;
        self.run(&flat, s);
        s.flat.put(flat);
        Ok(())
    }

    pub(crate) fn run(&self, flat: &FlatEvent, s: &mut Scratch) {
        s.generation = s.generation.wrapping_add(1);
        if s.generation == 0 {
            s.visited.iter_mut().for_each(|v| *v = 0);
            s.seen_rule.iter_mut().for_each(|v| *v = 0);
            s.generation = 1;
        }
        if s.visited.len() < self.states.len() {
            s.visited.resize(self.states.len(), 0);
        }
        if s.seen_rule.len() < self.names.len() {
            s.seen_rule.resize(self.names.len(), 0);
        }
        s.matched.clear();
        s.next.clear();
        s.members.clear();
        s.seen_with_member.clear();
        s.seen_with_members.clear();
        self.walk(0, 0, 0, flat, s);
    }

    /// Follows the machine from `state`; the array positions bound so far are
    /// `s.members[m_start..m_start + m_len]`.
    fn walk(
        &self,
        state: StateId,
        m_start: usize,
        m_len: usize,
        flat: &FlatEvent,
        s: &mut Scratch,
    ) {
        let Some(st) = self.states.get(state as usize) else {
            return;
        };
        // A state without transitions only ends rules, which `seen_rule` keeps unique; others
        // are walked once per set of bound array positions.
        if !st.transitions.is_empty() && !first_visit(state, m_start, m_len, s) {
            return;
        }
        record(st, s);
        for t in &st.transitions {
            let fields = flat.fields(t.path);
            if !t.absent.is_empty() {
                let present = fields
                    .clone()
                    .any(|f| consistent(&s.members[m_start..m_start + m_len], flat.members(f)));
                if !present {
                    for &n in &t.absent {
                        self.walk(n, m_start, m_len, flat, s);
                    }
                }
            }
            if t.index.empty {
                continue;
            }
            for f in fields {
                let fm = flat.members(f);
                if !consistent(&s.members[m_start..m_start + m_len], fm) {
                    continue;
                }
                let start = s.next.len();
                t.index.lookup(&f.probe, &mut s.next);
                let end = s.next.len();
                if start == end {
                    continue;
                }
                // States that only end rules are recorded here; the others are walked with
                // this field's array positions bound for the steps after it (bound once, on
                // the first such state). Repeats are caught by `first_visit` and `seen_rule`.
                let mut bound: Option<(usize, usize)> = None;
                for k in start..end {
                    let n = s.next[k];
                    let Some(next) = self.states.get(n as usize) else {
                        continue;
                    };
                    if next.transitions.is_empty() {
                        record(next, s);
                        continue;
                    }
                    let (nm_start, nm_len) = match bound {
                        Some(b) => b,
                        None => {
                            let b = bind(m_start, m_len, fm, s);
                            bound = Some(b);
                            b
                        }
                    };
                    self.walk(n, nm_start, nm_len, flat, s);
                }
                s.next.truncate(start);
                if let Some((nm_start, _)) = bound
                    && nm_start != m_start
                {
                    s.members.truncate(nm_start);
                }
            }
        }
    }
}

/// What the steps of one pattern know of a list of alternatives.
struct List {
    /// Its number in `RuleSet::alternative_ids`.
    id: u32,
    /// The highest `step_cost` of its alternatives.
    cost: u8,
    /// It holds `{"exists": false}`.
    absent: bool,
    /// How many of the pattern's sub-rules hold it.
    holders: usize,
}

/// One step of a sub-rule, ready to add.
struct Step<'a> {
    path: u32,
    list: u32,
    cost: u8,
    absent: bool,
    /// Every sub-rule of the pattern holds this step.
    common: bool,
    alternatives: &'a Alternatives,
}

/// Marks the rules a state ends as matched.
#[inline]
fn record(st: &State, s: &mut Scratch) {
    for &r in &st.rules {
        if let Some(seen) = s.seen_rule.get_mut(r as usize)
            && *seen != s.generation
        {
            *seen = s.generation;
            s.matched.push(r);
        }
    }
}

/// The array positions bound after a field at positions `fm` is taken, with
/// `s.members[m_start..m_start + m_len]` bound before it: the same range when the field sits
/// in no array, else a new sorted union at the end of `s.members`.
#[inline]
fn bind(m_start: usize, m_len: usize, fm: &[(u32, u32)], s: &mut Scratch) -> (usize, usize) {
    if fm.is_empty() {
        return (m_start, m_len);
    }
    let nm_start = s.members.len();
    for k in m_start..m_start + m_len {
        let pair = s.members[k];
        s.members.push(pair);
    }
    for &pair in fm {
        if !s.members[nm_start..].contains(&pair) {
            s.members.push(pair);
        }
    }
    s.members[nm_start..].sort_unstable();
    (nm_start, s.members.len() - nm_start)
}

/// Records a visit of `state` with the array positions `s.members[m_start..m_start + m_len]`
/// bound; false when it was visited so before during this event.
#[inline]
fn first_visit(state: StateId, m_start: usize, m_len: usize, s: &mut Scratch) -> bool {
    match s.members.get(m_start..m_start + m_len) {
        Some([]) | None => match s.visited.get_mut(state as usize) {
            Some(v) if *v == s.generation => false,
            Some(v) => {
                *v = s.generation;
                true
            }
            None => true,
        },
        Some(&[one]) => s.seen_with_member.insert((state, one)),
        Some(many) => {
            let key = (state, many.to_vec());
            s.seen_with_members.insert(key)
        }
    }
}

/// The order a sub-rule's steps are taken in (they come in path order).
///
/// Which fields match, and whether they agree on array positions, does not depend on the
/// order, so steps that a hash lookup decides go first: the machine then branches on the most
/// selective fields and tests ranges, wildcards and the like only for events that got that
/// far. Among equally selective steps, those every sub-rule of the pattern holds go first,
/// so the sub-rules share their states. An `exists: false` step is decided by the array
/// positions bound before it, so a sub-rule holding one keeps EventBridge's order (sorted
/// paths) throughout.
fn order_steps(steps: &mut [Step]) {
    if !steps.iter().any(|s| s.absent) {
        // Stable: equal keys keep path order.
        steps.sort_by_key(|s| (s.cost, !s.common));
    }
}

/// How much of an index lookup narrows a step: 0 for hash lookups, more for scans.
fn step_cost(p: &ValuePattern) -> u8 {
    match p {
        ValuePattern::Exact(_)
        | ValuePattern::Number { .. }
        | ValuePattern::Keyword(_)
        | ValuePattern::EqualsIgnoreCase(_) => 0,
        ValuePattern::Prefix(_)
        | ValuePattern::PrefixIgnoreCase(_)
        | ValuePattern::Suffix(_)
        | ValuePattern::SuffixIgnoreCase(_)
        | ValuePattern::Ip(_) => 1,
        ValuePattern::Cidr(_) | ValuePattern::Numeric { .. } | ValuePattern::Wildcard(_) => 2,
        ValuePattern::AnythingBut(_) | ValuePattern::Exists | ValuePattern::Absent => 3,
    }
}

/// Two sets of array positions agree when no array appears in both at different elements.
#[inline]
pub(crate) fn consistent(a: &[(u32, u32)], b: &[(u32, u32)]) -> bool {
    if a.is_empty() || b.is_empty() {
        return true;
    }
    a.iter()
        .all(|&(arr, idx)| b.iter().all(|&(arr2, idx2)| arr != arr2 || idx == idx2))
}
