// The Orderly console: draws what /_console/api/ answers, and draws it again when the
// server-sent events of api/live say something changed. Every text from the cloud goes
// into the page as text (textContent, SVG text nodes), never as markup: event contents are
// whatever publishers put in them.
"use strict";

const API = "api/";
const SVG_NS = "http://www.w3.org/2000/svg";
const view = () => document.getElementById("view");

// ---------------------------------------------------------------- small helpers

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  setAttrs(node, attrs);
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function svg(tag, attrs, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  setAttrs(node, attrs);
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function setAttrs(node, attrs) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "onclick") node.addEventListener("click", value);
    else if (key === "oninput") node.addEventListener("input", value);
    else if (key === "onchange") node.addEventListener("change", value);
    else if (key === "onsubmit") node.addEventListener("submit", value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
}

async function getJson(path) {
  const response = await fetch(API + path, { headers: { Accept: "application/json" } });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.message || response.statusText);
  return body;
}

async function postJson(path, body) {
  const response = await fetch(API + path, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Orderly-Console": "1" },
    body: JSON.stringify(body || {}),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(answer.message || response.statusText);
  return answer;
}

function badge(status) {
  return el("span", { class: `badge st-${status}` }, status);
}

function time(at) {
  return at ? at.replace("T", " ").replace("Z", "") : "";
}

function pretty(text) {
  if (text === null || text === undefined) return "";
  try { return JSON.stringify(JSON.parse(text), null, 2); } catch (_) { return text; }
}

function link(href, text, attrs) {
  return el("a", Object.assign({ href }, attrs || {}), text);
}

function ms(value) {
  return value === null || value === undefined ? "" : `${Number(value).toFixed(value < 10 ? 2 : 0)} ms`;
}

// ---------------------------------------------------------------- routing

const views = {
  workflows: renderWorkflows,
  workflow: renderWorkflow,
  executions: renderExecutions,
  execution: renderExecution,
  flow: renderFlow,
  queues: renderQueues,
  metrics: renderMetrics,
  logs: renderLogs,
};

function route() {
  const hash = location.hash.replace(/^#\/?/, "");
  const [name, ...rest] = hash.split("/");
  const arg = decodeURIComponent(rest.join("/"));
  return { name: views[name] ? name : "workflows", arg };
}

// What the user set on a page, kept across the redraws of live updates.
const kept = { selectedState: null, logs: {}, executions: {} };
let drawing = false;
let again = false;

async function draw() {
  if (drawing) { again = true; return; }
  drawing = true;
  try {
    const { name, arg } = route();
    for (const a of document.querySelectorAll("nav a")) {
      a.classList.toggle("active", a.dataset.nav === name || (name === "workflow" && a.dataset.nav === "workflows") || (name === "execution" && a.dataset.nav === "executions"));
    }
    const content = await views[name](arg);
    // Keep what the user is typing in: a redraw must not steal the focus.
    const focused = document.activeElement && document.activeElement.id;
    const scroll = [window.scrollX, window.scrollY];
    view().replaceChildren(content);
    if (focused) {
      const again = document.getElementById(focused);
      if (again && again !== document.activeElement) again.focus();
    }
    window.scrollTo(scroll[0], scroll[1]);
    document.body.dataset.view = name;
  } catch (error) {
    view().replaceChildren(el("p", { class: "error" }, String(error.message || error)));
    document.body.dataset.view = "error";
  } finally {
    drawing = false;
    if (again) { again = false; draw(); }
  }
}

window.addEventListener("hashchange", () => { kept.selectedState = null; draw(); });

function live() {
  const status = document.getElementById("live");
  const source = new EventSource(API + "live");
  let last = 0;
  let timer = null;
  source.addEventListener("change", () => {
    // At most one redraw every 400 ms while the cloud is busy.
    const wait = Math.max(0, 400 - (Date.now() - last));
    if (timer) return;
    timer = setTimeout(() => { timer = null; last = Date.now(); if (!typing()) draw(); }, wait);
  });
  source.onopen = () => { status.textContent = "live"; status.classList.add("on"); };
  source.onerror = () => { status.textContent = "reconnecting…"; status.classList.remove("on"); };
}

// A redraw while a textarea is being edited would lose the edit.
function typing() {
  const active = document.activeElement;
  return active && active.tagName === "TEXTAREA";
}

// ---------------------------------------------------------------- workflows

async function renderWorkflows() {
  const workflows = await getJson("workflows");
  const rows = workflows.map((w) => el("tr", { class: "workflow", "data-id": w.logicalId },
    el("td", {}, link(`#/workflow/${encodeURIComponent(w.logicalId)}`, w.logicalId)),
    el("td", {}, w.name),
    el("td", {}, w.kind),
    el("td", {}, Object.entries(w.executions).map(([status, n]) => [badge(status), ` ${n}  `])),
  ));
  return el("div", {},
    el("h1", {}, "Workflows"),
    el("p", { class: "muted" }, "Every state machine of the template. Open one for its graph and executions."),
    el("table", { id: "workflows" },
      el("tr", {}, el("th", {}, "State machine"), el("th", {}, "Name"), el("th", {}, "Type"), el("th", {}, "Executions")),
      rows));
}

async function renderWorkflow(id) {
  const [workflow, executions] = await Promise.all([
    getJson(`workflow?id=${encodeURIComponent(id)}`),
    getJson(`executions?machine=${encodeURIComponent(id)}`),
  ]);
  return el("div", {},
    el("h1", {}, id),
    workflow.graph ? graphView(workflow.graph, null) : el("p", { class: "error" }, workflow.graphError),
    el("h2", {}, "Executions"),
    executionTable(executions));
}

// ---------------------------------------------------------------- executions

function executionTable(executions) {
  if (executions.length === 0) return el("p", { class: "muted" }, "No executions yet.");
  return el("table", { id: "executions" },
    el("tr", {}, ["Name", "State machine", "Status", "Correlation id", "Started"].map((h) => el("th", {}, h))),
    executions.map((e) => el("tr", {
      class: "execution", "data-arn": e.arn, "data-name": e.name, "data-machine": e.machine,
      "data-status": e.status, "data-correlation-id": e.correlationId,
    },
    el("td", {}, link(`#/execution/${encodeURIComponent(e.arn)}`, e.name, { class: "open" })),
    el("td", {}, e.machine),
    el("td", {}, badge(e.status)),
    el("td", {}, e.correlationId ? link(`#/flow/${encodeURIComponent(e.correlationId)}`, e.correlationId) : ""),
    el("td", {}, time(e.start)))));
}

async function renderExecutions() {
  const f = kept.executions;
  const query = new URLSearchParams({ correlation: f.correlation || "", status: f.status || "" });
  const executions = await getJson(`executions?${query}`);
  const correlation = el("input", { id: "filter-correlation", placeholder: "correlation id", value: f.correlation || "",
    onchange: (e) => { f.correlation = e.target.value.trim(); draw(); } });
  const status = el("select", { id: "filter-status", onchange: (e) => { f.status = e.target.value; draw(); } },
    ["", "RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"].map((s) =>
      el("option", { value: s, selected: s === (f.status || "") }, s || "any status")));
  return el("div", {},
    el("h1", {}, "Executions"),
    el("div", { class: "filters" }, correlation, status),
    executionTable(executions));
}

async function renderExecution(arn) {
  const e = await getJson(`execution?arn=${encodeURIComponent(arn)}`);
  const states = Object.fromEntries(e.path.states.map((s) => [s.name, s]));
  const selected = kept.selectedState && (states[kept.selectedState] || kept.selectedState);
  const header = el("div", { class: "panel" },
    el("h1", {}, e.name, " ", el("span", { id: "execution-status", class: `badge st-${e.status}` }, e.status)),
    el("div", { class: "muted" },
      `${e.machine} · started ${time(e.start)}`, e.stop ? ` · stopped ${time(e.stop)}` : "",
      e.redriveCount ? ` · redriven ${e.redriveCount}×` : "", " · correlation id ",
      e.correlationId ? link(`#/flow/${encodeURIComponent(e.correlationId)}`, e.correlationId) : "none"),
    e.error ? el("p", { class: "error" }, `${e.error}: ${e.cause || ""}`) : null);
  const graph = e.graph ? graphView(e.graph, e.path) : el("p", { class: "error" }, e.graphError);
  return el("div", {},
    header,
    e.path.waiting ? callbackPanel(e) : null,
    el("div", { class: "row" },
      el("div", { class: "grow" }, legend(), graph),
      el("div", { class: "side" }, stateDetail(selected))),
    el("h2", {}, "Input"), el("pre", {}, pretty(e.input)),
    e.output ? [el("h2", {}, "Output"), el("pre", {}, pretty(e.output))] : null);
}

function legend() {
  return el("p", { class: "legend muted" },
    ["succeeded", "retried", "caught", "failed", "aborted", "waiting", "running", "not-run"].map((s) => badge(s)));
}

function callbackPanel(e) {
  const waiting = e.path.waiting;
  const output = el("textarea", { id: "callback-output" }, JSON.stringify(waiting.suggestedOutput, null, 2));
  const error = el("input", { id: "callback-error", value: waiting.suggestedError, size: 24 });
  const cause = el("input", { id: "callback-cause", value: "answered from the Orderly console", size: 40 });
  const result = el("span", { id: "callback-result", class: "muted" });
  const send = async (answer) => {
    try {
      const r = await postJson(`execution/callback?arn=${encodeURIComponent(e.arn)}&state=${encodeURIComponent(waiting.state)}`, answer);
      result.textContent = `${r.answered} answered`;
      draw();
    } catch (err) {
      result.textContent = String(err.message || err);
      result.className = "error";
    }
  };
  const success = el("button", { id: "callback-success", class: "primary", onclick: () => {
    let parsed;
    try { parsed = JSON.parse(output.value); } catch (err) { result.textContent = `the output is not JSON: ${err.message}`; result.className = "error"; return; }
    send({ outcome: "success", output: parsed });
  } }, "Send task success");
  const failure = el("button", { id: "callback-failure", class: "danger", onclick: () =>
    send({ outcome: "failure", error: error.value, cause: cause.value }) }, "Send task failure");
  return el("section", { id: "callback", class: "panel" },
    el("h2", {}, `${waiting.state} waits for its task token`),
    el("p", { class: "muted" }, "Answer it as SendTaskSuccess or SendTaskFailure would; the token stays on the server."),
    el("div", { class: "row" },
      el("div", { class: "grow" }, el("div", {}, "Output"), output, success),
      el("div", { class: "grow" }, el("div", {}, "Error ", error), el("div", {}, "Cause ", cause), failure)),
    result);
}

function stateDetail(state) {
  const box = el("div", { id: "state-detail", class: "panel" });
  if (!state) {
    box.append(el("p", { class: "muted" }, "Click a state for its input, output, error and retries."));
    return box;
  }
  if (typeof state === "string") {
    box.append(el("h2", {}, state), el("p", { class: "muted" }, "This state did not run."));
    return box;
  }
  const field = (name, label, text, pre) => el("div", {},
    el("div", { class: "muted" }, label),
    pre ? el("pre", { "data-field": name }, pretty(text)) : el("div", { "data-field": name }, text || "—"));
  box.append(
    el("h2", {}, state.name, " ", badge(state.status)),
    el("div", { class: "muted" }, `runs ${state.runs} · retries ${state.retries}`,
      state.entered ? ` · entered ${time(state.entered)}` : "", state.exited ? ` · left ${time(state.exited)}` : ""),
    field("input", "Input", state.input, true),
    field("output", "Output", state.output, true),
    field("error", "Error", state.error, false),
    field("cause", "Cause", state.cause, true),
    el("div", { class: "muted" }, "Attempts"),
    el("table", { class: "retries" },
      el("tr", {}, ["#", "Started", "Took", "Outcome", "Error"].map((h) => el("th", {}, h))),
      state.attempts.map((a, i) => el("tr", {},
        el("td", {}, i + 1), el("td", {}, time(a.started)), el("td", { class: "num" }, a.durationMs === null ? "" : `${a.durationMs} ms`),
        el("td", {}, a.outcome), el("td", {}, a.error || "")))));
  return box;
}

// ---------------------------------------------------------------- graph drawing

function graphView(graph, path) {
  const status = {};
  if (path) {
    for (const s of path.states) status[s.name] = s;
    for (const [id, st] of Object.entries(path.markers)) status[id] = { status: st };
  }
  const taken = new Set(path ? path.taken : []);
  const pad = 16;
  const root = svg("svg", {
    id: "graph", width: graph.width + 2 * pad, height: graph.height + 2 * pad,
    viewBox: `${-pad} ${-pad} ${graph.width + 2 * pad} ${graph.height + 2 * pad}`,
  });
  root.append(svg("defs", {},
    ["#b6c0cb", "#1d8a4e", "#c26a00"].map((color, i) => svg("marker", {
      id: `arrow${i}`, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse",
    }, svg("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: color })))));
  for (const g of graph.groups) {
    root.append(svg("rect", { class: "group", x: g.x, y: g.y, width: g.width, height: g.height, rx: 8 }),
      svg("text", { class: "group-label", x: g.x + 8, y: g.y + 14 }, g.id));
  }
  graph.edges.forEach((edge, index) => {
    const isTaken = taken.has(index);
    const marker = isTaken ? (edge.kind === "catch" ? 2 : 1) : 0;
    const d = edge.points.map(([x, y], i) => `${i ? "L" : "M"} ${x} ${y}`).join(" ");
    root.append(svg("path", {
      class: "edge", d, "data-from": edge.from, "data-to": edge.to, "data-kind": edge.kind,
      "data-taken": isTaken ? "true" : "false", "marker-end": `url(#arrow${marker})`,
    }));
    if (edge.label && edge.points.length) {
      const [x, y] = edge.points[Math.floor(edge.points.length / 2)];
      root.append(svg("text", { class: `edge-label${isTaken ? " taken" : ""}`, x: x + 4, y: y - 4 }, edge.label));
    }
  });
  for (const node of graph.nodes) {
    const st = status[node.id];
    const nodeStatus = st ? st.status : "not-run";
    const g = svg("g", {
      class: `node${kept.selectedState === node.id ? " selected" : ""}`, "data-id": node.id, "data-kind": node.kind,
      "data-status": nodeStatus, "data-retries": st && st.retries ? st.retries : 0,
      onclick: () => { kept.selectedState = node.id; draw(); },
    });
    if (["start", "end", "join"].includes(node.kind)) {
      const r = Math.min(node.width, node.height) / 2;
      g.append(svg("circle", { cx: node.x + node.width / 2, cy: node.y + node.height / 2, r }));
      if (node.kind !== "join") g.append(svg("text", { x: node.x + node.width / 2, y: node.y - 4, "text-anchor": "middle", class: "kind" }, node.label));
    } else {
      g.append(svg("rect", { x: node.x, y: node.y, width: node.width, height: node.height, rx: 6 }),
        svg("text", { x: node.x + node.width / 2, y: node.y + node.height / 2 - 1, "text-anchor": "middle" }, node.label),
        svg("text", { class: "kind", x: node.x + node.width / 2, y: node.y + node.height / 2 + 12, "text-anchor": "middle" },
          st && st.retries ? `${node.kind} · retried ${st.retries}×` : node.kind));
    }
    g.append(svg("title", {}, `${node.id}: ${nodeStatus}`));
    root.append(g);
  }
  return el("div", { class: "graph-wrap" }, root);
}

// ---------------------------------------------------------------- event flow

async function renderFlow(id) {
  const input = el("input", { id: "flow-id", placeholder: "correlation id or order id", value: id, size: 36 });
  const form = el("form", { class: "filters", onsubmit: (e) => { e.preventDefault(); location.hash = `#/flow/${encodeURIComponent(input.value.trim())}`; } },
    input, el("button", { type: "submit", class: "primary" }, "Show"));
  if (!id) {
    return el("div", {}, el("h1", {}, "Event flow"), form,
      el("p", { class: "muted" }, "One order's journey: each event put, the rules it matched, the targets, queue deliveries, invocations, states and executions."));
  }
  const flow = await getJson(`flow?id=${encodeURIComponent(id)}`);
  const list = el("ol", { id: "flow" }, flow.hops.map((h, i) => el("li", {
    class: "hop", "data-kind": h.kind, "data-name": h.name, "data-at": h.atMs, "data-index": i,
  }, el("span", { class: "mono" }, time(h.at).slice(11)), el("span", { class: `k k-${h.kind}` }, h.kind), el("span", {}, h.text))));
  return el("div", {},
    el("h1", {}, "Event flow"), form,
    el("p", { class: "muted" }, flow.correlationIds.length
      ? `Correlation id ${flow.correlationIds.join(", ")} · ${flow.hops.length} hops`
      : "Nothing traced for this id."),
    flow.hops.length ? el("div", { class: "graph-wrap" }, swimlanes(flow)) : null,
    el("h2", {}, "Hops in order"), list);
}

// A sequence diagram: one column per resource, one row per hop, time going down.
function swimlanes(flow) {
  const laneWidth = 170, rowHeight = 22, top = 40;
  const lanes = flow.lanes;
  const width = Math.max(lanes.length * laneWidth, 300);
  const height = top + flow.hops.length * rowHeight + 10;
  const root = svg("svg", { id: "swimlane", width, height, viewBox: `0 0 ${width} ${height}` });
  const x = (lane) => lanes.indexOf(lane) * laneWidth + laneWidth / 2;
  lanes.forEach((lane) => {
    root.append(svg("line", { class: "lane-line", x1: x(lane), y1: top - 8, x2: x(lane), y2: height }),
      svg("text", { class: "lane-title", x: x(lane), y: 16, "text-anchor": "middle" }, lane.length > 24 ? `${lane.slice(0, 23)}…` : lane));
  });
  const colors = { "event-put": "#7b3fb5", "event-crossed": "#7b3fb5", "rule-matched": "#b5651d", "target-delivered": "#b5651d",
    invoked: "#1f5fbf", "state-entered": "#1d8a4e", "execution-ended": "#1d8a4e", "message-received": "#0f7b84",
    "dead-lettered": "#c62f2f", "http-request": "#555" };
  flow.hops.forEach((hop, i) => {
    const y = top + i * rowHeight;
    if (i > 0) {
      const prev = flow.hops[i - 1];
      root.append(svg("path", { class: "link", d: `M ${x(prev.lane)} ${y - rowHeight} L ${x(hop.lane)} ${y}` }));
    }
    const failed = hop.outcome && !["ok", "SUCCEEDED"].includes(hop.outcome) && !/^2/.test(hop.outcome);
    root.append(svg("g", { class: "hop" },
      svg("circle", { cx: x(hop.lane), cy: y, r: 6, fill: failed ? "#c62f2f" : colors[hop.kind] || "#555" }),
      svg("text", { x: x(hop.lane) + 10, y: y + 4 }, shortHop(hop)),
      svg("title", {}, hop.text)));
  });
  return root;
}

function shortHop(hop) {
  const name = hop.name.length > 18 ? `${hop.name.slice(0, 17)}…` : hop.name;
  if (hop.kind === "invoked") return `${hop.outcome} ${(hop.durationUs / 1000).toFixed(1)} ms`;
  return name;
}

// ---------------------------------------------------------------- queues

async function renderQueues() {
  const data = await getJson("queues");
  const redrive = async (name, button) => {
    button.disabled = true;
    try { await postJson(`queues/redrive?name=${encodeURIComponent(name)}`); button.textContent = "Redriving…"; draw(); } catch (err) { button.textContent = String(err.message || err); }
  };
  const withMessages = new Set(data.deadLetters.map((d) => d.queue));
  return el("div", {},
    el("h1", {}, "Queues"),
    el("table", { id: "queues" },
      el("tr", {}, ["Queue", "Kind", "Visible", "In flight", "Delayed", "Oldest (s)", "Most receives", "Redrive policy", ""].map((h) => el("th", {}, h))),
      data.queues.map((q) => el("tr", { class: "queue", "data-name": q.name, "data-dlq": q.dlq ? "true" : "false" },
        el("td", {}, q.name, q.logicalId ? el("div", { class: "muted" }, q.logicalId) : null),
        el("td", {}, q.dlq ? badge("DLQ") : "queue"),
        el("td", { class: "num depth" }, q.depth),
        el("td", { class: "num in-flight" }, q.inFlight),
        el("td", { class: "num" }, q.delayed),
        el("td", { class: "num oldest-age" }, q.oldestAgeSeconds),
        el("td", { class: "num receives" }, q.maxReceives),
        el("td", {}, q.deadLetterQueue ? `→ ${q.deadLetterQueue} after ${q.maxReceiveCount}` : ""),
        el("td", {}, q.redrivable && withMessages.has(q.name)
          ? el("button", { class: "redrive primary", "data-queue": q.name, onclick: (e) => redrive(q.name, e.target) }, "Redrive")
          : "")))),
    el("h2", {}, "Dead letters"),
    data.deadLetters.length === 0 ? el("p", { class: "muted" }, "No dead letters.") :
      el("table", { id: "dead-letters" },
        el("tr", {}, ["Queue", "Sent", "Receives", "Reason", "Body"].map((h) => el("th", {}, h))),
        data.deadLetters.map((d) => el("tr", { class: "dead-letter", "data-queue": d.queue, "data-message-id": d.messageId },
          el("td", {}, d.queue),
          el("td", {}, time(d.sent)),
          el("td", { class: "num receive-count" }, d.receiveCount),
          el("td", { class: "reason" }, d.reason),
          el("td", { class: "body" }, el("pre", {}, d.body))))));
}

// ---------------------------------------------------------------- metrics

async function renderMetrics() {
  const m = await getJson("metrics");
  const failedTotal = Object.values(m.totals.failed).reduce((a, b) => a + b, 0);
  const tile = (label, value, id) => el("div", { class: "tile", id }, el("div", { class: "muted" }, label), el("div", { class: "v" }, value));
  return el("div", {},
    el("h1", {}, "Metrics"),
    el("p", { class: "muted" }, "The widgets of the template's CloudWatch dashboard, from the EMF lines and the trace of this cloud."),
    el("div", { class: "tiles", id: "funnel-totals" },
      tile("Orders placed", m.totals.placed, "placed"), tile("Confirmed", m.totals.confirmed, "confirmed"),
      tile("Failed", failedTotal, "failed"),
      Object.entries(m.totals.failed).map(([reason, n]) => tile(`failed: ${reason}`, n))),
    el("h2", {}, "Order funnel per minute"),
    el("section", { id: "funnel", class: "panel" }, funnelChart(m.funnel)),
    el("div", { class: "row" },
      el("div", { class: "grow" }, el("h2", {}, "Latency per hop (wall time)"), latencyTable("latency", m.hops, false)),
      el("div", { class: "grow" }, el("h2", {}, "Functions: invocations, errors, duration"), latencyTable("functions", m.functions, true))),
    el("div", { class: "row" },
      el("div", { class: "grow" }, el("h2", {}, "Executions"),
        el("table", { id: "executions-by-status" },
          el("tr", {}, el("th", {}, "State machine"), el("th", {}, "By status")),
          Object.entries(m.executions).map(([machine, counts]) => el("tr", {}, el("td", {}, machine),
            el("td", {}, Object.entries(counts).map(([s, n]) => [badge(s), ` ${n}  `])))))),
      el("div", { class: "grow" }, el("h2", {}, "Queue and DLQ depth"),
        el("table", { id: "queue-depth" },
          el("tr", {}, ["Queue", "Visible", "In flight", "Oldest (s)"].map((h) => el("th", {}, h))),
          m.queues.map((q) => el("tr", {}, el("td", {}, q.name, q.dlq ? [" ", badge("DLQ")] : ""),
            el("td", { class: "num" }, q.depth), el("td", { class: "num" }, q.inFlight), el("td", { class: "num" }, q.oldestAgeSeconds)))))),
    el("h2", {}, "Other metrics (sum)"),
    el("table", { id: "other-metrics" }, Object.entries(m.other).map(([name, v]) => el("tr", {}, el("td", {}, name), el("td", { class: "num" }, v)))));
}

function latencyTable(id, rows, withErrors) {
  return el("table", { id },
    el("tr", {}, el("th", {}, "What"), el("th", { class: "num" }, "Count"), withErrors ? el("th", { class: "num" }, "Errors") : null,
      el("th", { class: "num" }, "p50"), el("th", { class: "num" }, "p99")),
    rows.map((r) => el("tr", { "data-hop": r.name }, el("td", {}, r.name), el("td", { class: "num" }, r.count),
      withErrors ? el("td", { class: "num" }, r.errors) : null, el("td", { class: "num" }, ms(r.p50Ms)), el("td", { class: "num" }, ms(r.p99Ms)))));
}

function funnelChart(minutes) {
  if (minutes.length === 0) return el("p", { class: "muted" }, "No orders yet.");
  const shown = minutes.slice(-30);
  const max = Math.max(1, ...shown.map((m) => Math.max(m.placed, m.confirmed, Object.values(m.failed).reduce((a, b) => a + b, 0))));
  const group = 42, bar = 12, height = 160, base = 130;
  const root = svg("svg", { class: "bars", width: shown.length * group + 20, height });
  shown.forEach((m, i) => {
    const failed = Object.values(m.failed).reduce((a, b) => a + b, 0);
    [["placed", m.placed], ["confirmed", m.confirmed], ["failed", failed]].forEach(([kind, v], j) => {
      const h = (v / max) * 110;
      root.append(svg("rect", { class: kind, x: 10 + i * group + j * bar, y: base - h, width: bar - 2, height: h },
        svg("title", {}, `${m.minute} ${kind}: ${v}`)));
    });
    root.append(svg("text", { x: 10 + i * group, y: base + 14 }, m.minute.slice(11, 16)));
  });
  return [root, el("p", { class: "legend muted" }, "blue: placed · green: confirmed · red: failed (hover a bar for its reason and minute)")];
}

// ---------------------------------------------------------------- logs

async function renderLogs() {
  const f = kept.logs;
  const query = new URLSearchParams({ group: f.group || "", correlation: f.correlation || "", request: f.request || "", text: f.text || "" });
  const logs = await getJson(`logs?${query}`);
  const input = (id, key, placeholder) => el("input", { id, placeholder, value: f[key] || "",
    onchange: (e) => { f[key] = e.target.value.trim(); draw(); } });
  const groups = el("select", { id: "log-group", onchange: (e) => { f.group = e.target.value; draw(); } },
    el("option", { value: "" }, "every log group"),
    Object.entries(logs.groups).map(([g, n]) => el("option", { value: g, selected: g === f.group }, `${g} (${n})`)));
  return el("div", {},
    el("h1", {}, "Logs"),
    el("div", { class: "filters" }, groups, input("log-correlation", "correlation", "correlation id"),
      input("log-request", "request", "request id"), input("log-filter", "text", "text")),
    el("p", { class: "muted" }, `${logs.matched} lines match; the newest ${logs.lines.length} are shown.`),
    el("ol", { id: "log-lines" }, logs.lines.map((l) => el("li", { class: `log-line${l.metrics ? " emf" : ""}`, "data-group": l.group },
      el("span", { class: "g" }, `${time(l.at)} ${l.group}`),
      l.metrics
        ? [el("span", { class: "muted" }, "EMF "), Object.entries(l.metrics).map(([k, v]) => el("span", { class: "metric" }, `${k} = ${JSON.stringify(v)}`))]
        : el("span", {}, l.text)))));
}

// ---------------------------------------------------------------- start

live();
draw();
