#!/usr/bin/env python3
"""Browser tests of the web console `orderly serve` serves at /_console/.

Headless Chromium driven through WebDriver (chromedriver), with selenium as the client.
Run by scripts/console-test, which installs the browser and selenium, starts
`orderly serve --port 0` and passes its addresses:

    python tests/console/test_console.py --console http://127.0.0.1:PORT/_console/ \
        --endpoint http://127.0.0.1:PORT [--out target/console] [--cases a,b] [--timeout 20]

Five cases, in this order (event_flow reads what happy_path put):
  happy_path        the happy-path order's fulfillment execution graph, all green
  payment_declined  the declined payment caught by Fulfil's Catch and compensated
  approval          the waiting approval task answered from the console's callback form
  event_flow        the hops of corr-happy-1 (and of its order id) in time order
  dead_letter       a malformed message to the audit queue, shown in its dead-letter queue

Each case saves <case>.png (window 1400x1000) in --out, pass or fail; a failed case also
saves <case>.html (the page's DOM) and prints the browser's console errors. One line per
case: PASS or FAIL with the reason. Exit status 1 if any case fails.

--smoke only loads the console's address, saves smoke.png and prints what answered: it
checks the harness (browser, driver, server) before the page exists.

The scenarios are put with Python's urllib through the AWS JSON protocols (orderly serve
does not check signatures). Waits are WebDriverWait conditions, never fixed sleeps; the
page re-renders live, so conditions read the DOM afresh each poll (mostly in one script
call, which cannot see a stale element) and clicks retry on stale elements.
"""

import argparse
import datetime
import json
import os
import sys
import tempfile
import shutil
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

os.environ.setdefault("SE_OFFLINE", "true")  # never let Selenium Manager fetch drivers

from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import (  # noqa: E402
    ElementClickInterceptedException,
    ElementNotInteractableException,
    JavascriptException,
    NoSuchElementException,
    StaleElementReferenceException,
    TimeoutException,
    WebDriverException,
)
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "events" / "put-events"
CHROMIUM = os.environ.get("ORDERLY_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("ORDERLY_CHROMEDRIVER", "/usr/bin/chromedriver")
WINDOW = (1400, 1000)
POISON = '{"detail-type": "OrderCreated", "detail": '
TRANSIENT = (StaleElementReferenceException, NoSuchElementException, JavascriptException)


class CaseFailure(AssertionError):
    """A case's check that did not hold; its message is the one-line reason."""


# ---------------------------------------------------------------------------------------
# The server, through its AWS JSON protocols


class Serve:
    def __init__(self, endpoint):
        self.endpoint = endpoint.rstrip("/") + "/"
        self.put = set()  # scenarios put so far on this server

    def call(self, target, body):
        content_type = ("application/x-amz-json-1.1" if target.startswith("AWSEvents.")
                        else "application/x-amz-json-1.0")
        request = urllib.request.Request(
            self.endpoint, data=json.dumps(body).encode(), method="POST",
            headers={"X-Amz-Target": target, "Content-Type": content_type})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                payload = response.read()
        except urllib.error.HTTPError as e:
            raise CaseFailure(f"{target}: HTTP {e.code} {e.read()[:300]!r}") from None
        return json.loads(payload) if payload else {}

    def put_scenario(self, name):
        entries = json.loads((SCENARIOS / f"{name}.json").read_text())
        answer = self.call("AWSEvents.PutEvents", {"Entries": entries})
        if answer.get("FailedEntryCount", 0):
            raise CaseFailure(f"PutEvents of {name}.json failed: {answer}")
        self.put.add(name)

    def queue_urls(self):
        return self.call("AmazonSQS.ListQueues", {}).get("QueueUrls", [])

    def audit_queue(self):
        urls = self.queue_urls()
        for url in urls:
            name = url.rstrip("/").rsplit("/", 1)[-1]
            if "Audit" in name and "dlq" not in name.lower():
                return url
        raise CaseFailure(f"no audit queue among ListQueues: {urls}")

    def queue_counts(self, url):
        attrs = self.call("AmazonSQS.GetQueueAttributes",
                          {"QueueUrl": url, "AttributeNames": ["All"]}).get("Attributes", {})
        return (attrs.get("ApproximateNumberOfMessages"),
                attrs.get("ApproximateNumberOfMessagesNotVisible"))


# ---------------------------------------------------------------------------------------
# The browser


def start_browser(profile):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                f"--user-data-dir={profile}", f"--window-size={WINDOW[0]},{WINDOW[1]}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    # The window's inner size (the screenshot's) is WINDOW: the outer one adds the frame.
    driver.set_window_size(*WINDOW)
    inner = driver.execute_script("return [window.innerWidth, window.innerHeight]")
    if tuple(inner) != WINDOW:
        size = driver.get_window_size()
        driver.set_window_size(size["width"] + WINDOW[0] - inner[0],
                               size["height"] + WINDOW[1] - inner[1])
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(30)
    return driver


class Page:
    """The console in one browser, with the waits and reads the cases share."""

    def __init__(self, driver, console, timeout):
        self.d = driver
        self.console = console
        self.timeout = timeout
        self.notes = []

    # -- waiting ------------------------------------------------------------------------

    def wait_for(self, check, what, timeout=None):
        """Polls check(), which returns (ok, seen), until ok; returns seen. On timeout
        fails with the last thing seen, so the reason says what the page showed."""
        timeout = timeout or self.timeout
        last = {"seen": "nothing yet"}

        def condition(_):
            try:
                ok, seen = check()
            except TRANSIENT as e:
                last["seen"] = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
                return False
            last["seen"] = seen
            return (True, seen) if ok else False

        try:
            return WebDriverWait(self.d, timeout, poll_frequency=0.25).until(condition)[1]
        except TimeoutException:
            raise CaseFailure(f"after {timeout:g} s, no {what}; the page showed: "
                              f"{short(last['seen'])}{self.where()}") from None

    def where(self):
        try:
            info = self.d.execute_script(
                "return [location.hash, document.body ? document.body.dataset.view : null,"
                " document.title, document.body ? document.body.innerText : '',"
                " [...document.querySelectorAll('.error')].map(e => e.textContent.trim())"
                ".filter(t => t)]")
        except WebDriverException:
            return ""
        hash_, view, title, text, errors = info
        shown = f", errors shown: {short(errors, 300)}" if errors else ""
        return (f" [at {hash_ or '(no hash)'}, data-view={view!r}, title={title!r}{shown}, "
                f"text: {short(' '.join((text or '').split()), 200)!r}]")

    def js(self, script, *args):
        return self.d.execute_script(script, *args)

    def view(self):
        return self.js("return document.body ? (document.body.dataset.view || null) : null")

    # -- navigating ---------------------------------------------------------------------

    def open(self, route, view):
        """Loads the console afresh at route (`#/executions`) and waits for its render.
        A fresh load (via about:blank) makes data-view start empty, even between two
        routes of the same view."""
        self.d.get("about:blank")
        self.d.get(self.console + route)
        self.wait_for(lambda: (self.view() == view, f"data-view={self.view()!r}"),
                      f"render of {route} (body data-view={view!r})")

    def click(self, css, what):
        """Clicks the element css names, finding it afresh on each try (a re-render makes
        the previous one stale). A click something else keeps intercepting is done with
        a dispatched event instead, and noted."""
        intercepted = {}

        def attempt():
            element = self.d.find_element(By.CSS_SELECTOR, css)
            self.js("arguments[0].scrollIntoView({block: 'center', inline: 'center'})",
                    element)
            try:
                element.click()
            except (ElementClickInterceptedException, ElementNotInteractableException) as e:
                intercepted["error"] = str(e).splitlines()[0]
                return False, f"click on {css} refused: {intercepted['error']}"
            return True, "clicked"

        try:
            self.wait_for(attempt, f"clickable {what} ({css})")
        except CaseFailure:
            if "error" not in intercepted:
                raise
            self.notes.append(f"a real click on {css} was refused ({intercepted['error']});"
                              " clicked with a dispatched event instead")
            self.js("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))",
                    self.d.find_element(By.CSS_SELECTOR, css))

    # -- reading ------------------------------------------------------------------------

    def executions(self):
        return self.js("""
            return [...document.querySelectorAll('table#executions tr.execution')].map(r => ({
              arn: r.getAttribute('data-arn'), name: r.getAttribute('data-name'),
              machine: r.getAttribute('data-machine'),
              correlation: r.getAttribute('data-correlation-id'),
              status: r.getAttribute('data-status'), open: !!r.querySelector('a.open')}));""")

    def status(self):
        return self.js("const e = document.querySelector('#execution-status');"
                       " return e ? e.textContent.trim() : null")

    def graph(self):
        return self.js("""
            const svg = document.querySelector('svg#graph');
            if (!svg) return null;
            const a = (e, n) => e.getAttribute(n);
            return {
              nodes: [...svg.querySelectorAll('g.node')].map(n => ({id: a(n, 'data-id'),
                kind: a(n, 'data-kind'), status: a(n, 'data-status'),
                retries: a(n, 'data-retries')})),
              edges: [...svg.querySelectorAll('path.edge')].map(e => ({from: a(e, 'data-from'),
                to: a(e, 'data-to'), kind: a(e, 'data-kind'), taken: a(e, 'data-taken')}))};""")

    def hops(self):
        return self.js("""
            const ol = document.querySelector('ol#flow');
            if (!ol) return null;
            return [...ol.querySelectorAll('li.hop')].map((h, i) => ({i, kind:
              h.getAttribute('data-kind'), name: h.getAttribute('data-name'),
              at: h.getAttribute('data-at')}));""")

    # -- executions ---------------------------------------------------------------------

    def open_execution(self, correlation, done=None, what="any status"):
        """Opens #/executions, waits for the fulfillment execution of correlation (its
        data-machine contains "Fulfil") whose status satisfies done, clicks its a.open and
        waits for the execution page. Returns the row."""
        self.open("#/executions", "executions")

        def find():
            rows = self.executions()
            mine = [r for r in rows if r["correlation"] == correlation]
            fulfil = [r for r in mine if "fulfil" in (r["machine"] or "").lower()]
            ready = [r for r in fulfil if done is None or done(r["status"])]
            if ready:
                return True, ready[0]
            if fulfil:
                return False, f"the Fulfillment row(s) of {correlation}: {rows_text(fulfil)}"
            if mine:
                return False, (f"rows of {correlation}, none with a data-machine containing"
                               f" 'Fulfil': {rows_text(mine)}")
            return False, f"{len(rows)} rows, none of {correlation}: {rows_text(rows)}"

        row = self.wait_for(find, f"Fulfillment execution row of {correlation} ({what})")
        if not row["open"]:
            raise CaseFailure(f"the row of {row['arn']} has no a.open")
        arn = row["arn"]
        selector = f'table#executions tr.execution[data-arn="{css_string(arn)}"] a.open'
        self.click(selector, f"a.open of {row['name']}")
        self.wait_for(lambda: (self.view() == "execution" and self.status() is not None,
                               f"data-view={self.view()!r}, #execution-status={self.status()!r}"),
                      "execution page (data-view='execution' with #execution-status)")
        route = self.js("return location.hash")
        prefix = "#/execution/"
        if not route.startswith(prefix) or urllib.parse.unquote(route[len(prefix):]) != arn:
            raise CaseFailure(f"a.open led to {route!r}, not #/execution/"
                              f"<encodeURIComponent({arn})>")
        return row

    def wait_graph(self, check, what):
        """Waits until check(nodes by id, edges) returns no problems; returns the graph."""
        def attempt():
            graph = self.graph()
            if graph is None:
                return False, "no svg#graph"
            if not graph["nodes"]:
                return False, "svg#graph without g.node"
            nodes = {n["id"]: n for n in graph["nodes"]}
            problems = check(nodes, graph["edges"])
            if problems:
                return False, (f"status {self.status()!r}; " + "; ".join(problems)
                               + f"; nodes: {nodes_text(graph['nodes'])}")
            return True, graph
        return self.wait_for(attempt, what)


# ---------------------------------------------------------------------------------------
# Formatting


def short(value, limit=1500):
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"


def css_string(value):
    return value.replace("\\", "\\\\").replace('"', '\\"')


def rows_text(rows):
    return ", ".join(f"[name={r['name']} machine={r['machine']} corr={r['correlation']}"
                     f" status={r['status']}]" for r in rows[:20]) or "(none)"


def nodes_text(nodes):
    return " ".join(f"{n['id']}({n['kind']})={n['status']}" for n in nodes)


def hops_text(hops):
    return "; ".join(f"{h['i']}:{h['kind']}/{h['name']}@{h['at']}" for h in hops[:60])


def node_status(nodes, state, expected):
    node = nodes.get(state)
    if node is None:
        return f"no g.node[data-id={state}]"
    if node["status"] not in expected:
        return f"{state} is {node['status']!r}, expected {'/'.join(expected)}"
    return None


SYNTHETIC_KINDS = {"start", "end", "join"}  # the nodes that are no state


# ---------------------------------------------------------------------------------------
# The cases


def case_happy_path(page, serve):
    serve.put_scenario("happy-path")
    page.open_execution("corr-happy-1", lambda s: s == "SUCCEEDED", "data-status=SUCCEEDED")
    page.wait_for(lambda: (page.status() == "SUCCEEDED", f"#execution-status={page.status()!r}"),
                  "#execution-status SUCCEEDED")

    def check(nodes, edges):
        problems = []
        for n in nodes.values():
            if n["kind"] not in SYNTHETIC_KINDS and n["status"] not in ("succeeded", "not-run"):
                problems.append(f"state {n['id']} ({n['kind']}) is {n['status']!r}")
        for state in ("RegisterOrder", "Fulfil", "AuthorizePayment", "PublishOrderConfirmed",
                      "OrderConfirmed"):
            problem = node_status(nodes, state, ("succeeded",))
            if problem:
                problems.append(problem)
        if not any(e["taken"] == "true" for e in edges):
            problems.append(f"no path.edge[data-taken=true] among {len(edges)} edges")
        return problems

    page.wait_graph(check, "graph with every state succeeded or not-run")
    page.click('svg#graph g.node[data-id="RegisterOrder"]', "the RegisterOrder node")

    def detail():
        text = page.js("const e = document.querySelector('#state-detail [data-field=input]');"
                       " return e ? e.textContent.trim() : null")
        return bool(text), ("no #state-detail [data-field=input]" if text is None
                            else f"[data-field=input] text {' '.join(text.split())!r}")
    seen = page.wait_for(detail, "non-empty #state-detail [data-field=input] after clicking"
                                 " RegisterOrder")
    return f"graph all green, RegisterOrder {short(seen, 80)}"


def case_payment_declined(page, serve):
    serve.put_scenario("payment-declined")
    ended = lambda s: bool(s) and s != "RUNNING"  # noqa: E731
    page.open_execution("corr-declined-1", ended, "a status other than RUNNING")
    status = page.wait_for(lambda: (ended(page.status()), page.status()),
                           "#execution-status other than RUNNING")

    def check(nodes, edges):
        problems = [p for p in (
            node_status(nodes, "Fulfil", ("caught",)),
            node_status(nodes, "PaymentDeclined", ("succeeded",)),
            node_status(nodes, "Compensate", ("succeeded",)),
            node_status(nodes, "VoidPayment", ("succeeded",)),
            node_status(nodes, "PublishOrderConfirmed", ("not-run",)),
            node_status(nodes, "ReleaseItems", ("succeeded",)) if "ReleaseItems" in nodes
            else None) if p]
        catch = [e for e in edges if (e["kind"], e["from"], e["to"])
                 == ("catch", "Fulfil", "PaymentDeclined")]
        if not catch:
            from_fulfil = [f"{e['kind']}->{e['to']}" for e in edges if e["from"] == "Fulfil"]
            problems.append(f"no path.edge[data-kind=catch][data-from=Fulfil]"
                            f"[data-to=PaymentDeclined]; edges from Fulfil: {from_fulfil}")
        elif not any(e["taken"] == "true" for e in catch):
            problems.append(f"the catch edge Fulfil->PaymentDeclined has data-taken="
                            f"{catch[0]['taken']!r}")
        return problems

    page.wait_graph(check, "graph of the caught, compensated payment")
    return f"status {status}, Fulfil caught into PaymentDeclined, compensated"


def case_approval(page, serve):
    serve.put_scenario("approval-needed")
    page.open_execution("corr-approval-1")

    def waiting():
        graph = page.graph()
        node = next((n for n in (graph or {"nodes": []})["nodes"]
                     if n["id"] == "RequestApproval"), None)
        form = page.js("""
            const s = document.querySelector('section#callback');
            if (!s) return null;
            const b = s.querySelector('button#callback-success'),
                  f = s.querySelector('button#callback-failure'),
                  t = s.querySelector('textarea#callback-output');
            return {success: !!b && b.offsetParent !== null, failure: !!f,
                    output: t ? t.value : null};""")
        problems = []
        if node is None:
            problems.append("no g.node[data-id=RequestApproval]"
                            + (" (no svg#graph)" if graph is None else ""))
        elif node["status"] != "waiting":
            problems.append(f"RequestApproval is {node['status']!r}")
        if form is None:
            problems.append("no section#callback")
        else:
            if not form["success"]:
                problems.append("no visible button#callback-success")
            if not form["failure"]:
                problems.append("no button#callback-failure")
            if not (form["output"] or "").strip():
                problems.append(f"textarea#callback-output not prefilled ({form['output']!r})")
        return not problems, f"status {page.status()!r}; " + "; ".join(problems)

    page.wait_for(waiting, "RequestApproval waiting with section#callback")
    page.click("section#callback button#callback-success", "button#callback-success")
    page.wait_for(lambda: (page.status() == "SUCCEEDED", f"#execution-status={page.status()!r}"),
                  "#execution-status SUCCEEDED after the callback success")
    page.wait_graph(lambda nodes, _: [p for p in [node_status(nodes, "RequestApproval",
                                                              ("succeeded",))] if p],
                    "RequestApproval succeeded")
    return "RequestApproval waited, answered from the console, execution SUCCEEDED"


def at_key(value):
    """data-at as something comparable: a number, else an ISO-8601 time, else the text."""
    try:
        return (0, float(value))
    except (TypeError, ValueError):
        pass
    try:
        parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=datetime.timezone.utc)
        return (1, parsed.timestamp())
    except (AttributeError, ValueError):
        return (2, value)


def flow_problems(hops):
    """What the hops of corr-happy-1 lack, in the order the contract names them."""
    problems = []
    first = lambda pred, after=-1: next(  # noqa: E731
        (h["i"] for h in hops if h["i"] > after and pred(h)), None)
    puts = [h for h in hops if h["kind"] == "event-put"]
    if not puts:
        return ["no event-put hop"]
    if puts[0]["name"] != "OrderCreated":
        problems.append(f"the first event-put is {puts[0]['name']!r}, not OrderCreated")
    created = first(lambda h: h["kind"] == "event-put" and h["name"] == "OrderCreated")
    if created is None:
        return problems + ["no event-put OrderCreated"]
    matched = first(lambda h: h["kind"] == "rule-matched", created)
    if matched is None:
        problems.append("no rule-matched after the OrderCreated put")
        matched = created
    invoked = first(lambda h: h["kind"] == "invoked" and "RegisterOrder" in (h["name"] or ""),
                    matched)
    if invoked is None:
        problems.append("no invoked of a RegisterOrder function after the rule-matched")
    entered = first(lambda h: h["kind"] == "state-entered" and h["name"] == "RegisterOrder",
                    matched)
    if entered is None:
        problems.append("no state-entered RegisterOrder after the rule-matched")
    elif first(lambda h: h["kind"] == "execution-ended", entered) is None:
        problems.append("no execution-ended after the state-entered RegisterOrder")
    if invoked is not None and first(lambda h: h["kind"] == "event-put"
                                     and h["name"] == "OrderConfirmed", invoked) is None:
        problems.append("no event-put OrderConfirmed after the RegisterOrder invocation")
    missing = [h["i"] for h in hops if not h["at"]]
    if missing:
        problems.append(f"hops without data-at: {missing[:10]}")
    else:
        keys = [at_key(h["at"]) for h in hops]
        if len({k[0] for k in keys}) > 1:
            problems.append("data-at values of mixed formats")
        else:
            back = [i for i in range(1, len(keys)) if keys[i] < keys[i - 1]]
            if back:
                i = back[0]
                problems.append(f"data-at decreases at hop {i} ({len(back)} such place(s)):"
                                f" {hops_text(hops[max(0, i - 3):i + 3])}")
    return problems


def case_event_flow(page, serve):
    if "happy-path" not in serve.put:  # run alone: put the order this case reads
        serve.put_scenario("happy-path")
    page.open("#/flow/" + urllib.parse.quote("corr-happy-1", safe=""), "flow")

    def ordered():
        hops = page.hops()
        if hops is None:
            return False, "no ol#flow"
        problems = flow_problems(hops)
        if not page.js("return !!document.querySelector('svg#swimlane')"):
            problems.append("no svg#swimlane")
        if problems:
            return False, "; ".join(problems) + f" -- {len(hops)} hops: {hops_text(hops)}"
        return True, hops

    hops = page.wait_for(ordered, "hops of corr-happy-1 in the contract's order")
    count = len(hops)
    page.open("#/flow/" + urllib.parse.quote("o-happy-1", safe=""), "flow")

    def same():
        by_order = page.hops()
        if by_order is None:
            return False, "no ol#flow"
        # Hops may still arrive (the audit and notification queues): at least as many.
        return len(by_order) >= count, (f"{len(by_order)} hops for o-happy-1 against {count}"
                                        f" for corr-happy-1: {hops_text(by_order)}")
    page.wait_for(same, f"the same {count} hops at #/flow/o-happy-1")
    return f"{count} hops in order, the same by order id"


def case_dead_letter(page, serve):
    audit = serve.audit_queue()
    serve.call("AmazonSQS.SendMessage", {"QueueUrl": audit, "MessageBody": POISON})
    page.open("#/queues", "queues")

    def dead_letter():
        rows = page.js("""
            const t = (r, c) => { const e = r.querySelector(c);
                                  return e ? e.textContent : null; };
            return [...document.querySelectorAll('table#dead-letters tr.dead-letter')].map(r =>
              ({queue: r.getAttribute('data-queue'), body: t(r, 'td.body'),
                reason: t(r, 'td.reason'), count: t(r, 'td.receive-count')}));""")
        for row in rows:
            body = row["body"] or ""
            # The poison text, less its trailing space (a cell may trim it).
            if POISON.strip() in body and (row["reason"] or "").strip():
                return True, row
        seen = f"{len(rows)} tr.dead-letter: {short(rows, 600)}"
        if not page.js("return !!document.querySelector('table#dead-letters')"):
            seen = "no table#dead-letters"
        try:  # what the server itself holds, to tell a page fault from a slow redrive
            dlq = next(u for u in serve.queue_urls()
                       if "Audit" in u.rsplit("/", 1)[-1] and "dlq" in u.lower())
            visible, in_flight = serve.queue_counts(audit)
            dlq_visible, _ = serve.queue_counts(dlq)
            seen += (f" (SQS API: audit queue {visible} visible/{in_flight} in flight,"
                     f" its DLQ {dlq_visible})")
        except (CaseFailure, StopIteration, OSError):
            pass
        return False, seen

    # Five receives two seconds apart: longer than the other waits, and a busy machine slower.
    row = page.wait_for(dead_letter, "tr.dead-letter with the poison body and a reason",
                        timeout=max(page.timeout, 60))
    dlq = row["queue"]

    def queue():
        rows = page.js("""
            const t = (r, c) => { const e = r.querySelector(c);
                                  return e ? e.textContent.trim() : null; };
            return [...document.querySelectorAll('table#queues tr.queue')].map(r =>
              ({name: r.getAttribute('data-name'), dlq: r.getAttribute('data-dlq'),
                depth: t(r, 'td.depth'), inFlight: t(r, 'td.in-flight'),
                oldest: t(r, 'td.oldest-age')}));""")
        mine = [r for r in rows if r["name"] == dlq]
        if not mine:
            return False, f"no tr.queue[data-name={dlq!r}] among {[r['name'] for r in rows]}"
        r = mine[0]
        try:
            depth = int((r["depth"] or "").replace(",", ""))
        except ValueError:
            depth = None
        ok = r["dlq"] == "true" and depth is not None and depth >= 1
        return ok, f"tr.queue of {dlq}: data-dlq={r['dlq']!r} td.depth={r['depth']!r}"

    page.wait_for(queue, f"tr.queue of {dlq} with data-dlq=true and td.depth >= 1")
    if not page.js("return !!document.querySelector(arguments[0])",
                   f'button.redrive[data-queue="{css_string(dlq)}"]'):
        page.notes.append(f"no button.redrive[data-queue={dlq}] (the contract has one per DLQ"
                          " with messages; not a check of this case)")
    return f"poison in {dlq} with reason {short(row['reason'].strip(), 80)!r}"


CASES = [
    ("happy_path", case_happy_path),
    ("payment_declined", case_payment_declined),
    ("approval", case_approval),
    ("event_flow", case_event_flow),
    ("dead_letter", case_dead_letter),
]


# ---------------------------------------------------------------------------------------
# The runner


def browser_errors(driver):
    try:
        return [e["message"] for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
    except WebDriverException:
        return []


def smoke(args, out):
    try:
        with urllib.request.urlopen(args.console, timeout=10) as r:
            answer = f"HTTP {r.status} {r.headers.get('Content-Type')}"
    except urllib.error.HTTPError as e:
        answer = f"HTTP {e.code} {e.headers.get('Content-Type')}"
    profile = tempfile.mkdtemp(prefix="orderly-console-")
    driver = start_browser(profile)
    try:
        print(f"browser {driver.capabilities.get('browserVersion')}, chromedriver "
              f"{driver.capabilities.get('chrome', {}).get('chromedriverVersion', '?').split()[0]}")
        driver.get(args.console)
        WebDriverWait(driver, args.timeout).until(
            lambda d: d.execute_script("return document.readyState") == "complete")
        text = driver.execute_script("return document.body ? document.body.innerText : ''")
        driver.save_screenshot(str(out / "smoke.png"))
        print(f"{args.console}: {answer}; title {driver.title!r}; text "
              f"{short(' '.join(text.split()), 200)!r}; screenshot {out / 'smoke.png'}")
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--console", required=True, help="the console's address (…/_console/)")
    p.add_argument("--endpoint", required=True, help="orderly serve's endpoint")
    p.add_argument("--out", default=str(ROOT / "target" / "console"),
                   help="where screenshots go (default: target/console)")
    p.add_argument("--cases", help="comma-separated cases to run (default: all, in order)")
    p.add_argument("--timeout", type=float, default=20.0,
                   help="seconds each wait may take (default: 20)")
    p.add_argument("--smoke", action="store_true",
                   help="only load the console, screenshot it, report what answered")
    args = p.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.smoke:
        return smoke(args, out)

    names = [n for n, _ in CASES]
    chosen = names if not args.cases else [c.strip() for c in args.cases.split(",") if c.strip()]
    unknown = [c for c in chosen if c not in names]
    if unknown:
        p.error(f"unknown case(s) {unknown}; cases: {', '.join(names)}")
    serve = Serve(args.endpoint)
    profile = tempfile.mkdtemp(prefix="orderly-console-")
    driver = None
    failed = []
    try:
        for name, case in CASES:
            if name not in chosen:
                continue
            if driver is None:
                driver = start_browser(profile)
            page = Page(driver, args.console, args.timeout)
            (out / f"{name}.html").unlink(missing_ok=True)  # a page of an earlier failure
            started = time.monotonic()
            try:
                detail = case(page, serve)
                result = f"PASS {name} ({time.monotonic() - started:.1f} s): {detail}"
            except CaseFailure as e:
                result = f"FAIL {name} ({time.monotonic() - started:.1f} s): {e}"
            except Exception as e:  # noqa: BLE001 - a broken case is a failed case
                result = (f"FAIL {name} ({time.monotonic() - started:.1f} s): "
                          f"{type(e).__name__}: {short(str(e).strip(), 400)}")
                traceback.print_exc(file=sys.stderr)
            ok = result.startswith("PASS")
            try:
                driver.save_screenshot(str(out / f"{name}.png"))
                if not ok:
                    (out / f"{name}.html").write_text(driver.page_source)
            except WebDriverException as e:  # the browser is gone: a new one for the next
                result += f" (no screenshot: {str(e).splitlines()[0]})"
                try:
                    driver.quit()
                except WebDriverException:
                    pass
                driver = None
            print(result, flush=True)
            for note in page.notes:
                print(f"  note: {note}", flush=True)
            if not ok:
                failed.append(name)
            if driver is not None:  # the page's own errors, passed or not, each once
                errors = list(dict.fromkeys(browser_errors(driver)))
                for message in errors[:5]:
                    print(f"  browser console: {short(message, 300)}", flush=True)
                if len(errors) > 5:
                    print(f"  browser console: ... {len(errors) - 5} more", flush=True)
    finally:
        if driver is not None:
            driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
    ran = [c for c in names if c in chosen]
    print(f"{len(ran) - len(failed)} of {len(ran)} console cases passed"
          + (f"; failed: {', '.join(failed)}" if failed else "")
          + f"; screenshots in {out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
