"""Evaluates every query of a Grafana dashboard against a real Prometheus
and checks that each returns the series its panel shows.

The dashboard's query variables (`label_values(SELECTOR, LABEL)`) are
resolved through Prometheus's series API, in order, each one's values
non-empty. Then every target of every panel is evaluated (an instant query,
`$__rate_interval` as 1m) twice: with each variable at "All" (its
`allValue`), and with each at its first value; no `$` may be left in a
query. Each must return at least one series, every `{{label}}` of its
legend must be a label of every series, and in the second run each panel's
legends (for a table without legend: the `alertname`) must be exactly the
lines of EXPECTED for that panel (`TITLE<TAB>LEGEND`).

Usage: dashboard-check.py DASHBOARD PROMETHEUS-URL EXPECTED
Prints one line per panel; exit 1 when any fails, naming the panel.
"""

import json
import re
import sys
import urllib.parse
import urllib.request

LEGEND_LABEL = re.compile(r"\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}")
LABEL_VALUES = re.compile(r"^label_values\((.*),\s*([a-zA-Z_][a-zA-Z0-9_]*)\)$")


def api(url, path, params):
    query = urllib.parse.urlencode(params, doseq=True)
    with urllib.request.urlopen(f"{url}/api/v1/{path}?{query}", timeout=30) as answer:
        body = json.load(answer)
    if body.get("status") != "success":
        raise RuntimeError(f"{path}: {body}")
    return body["data"]


def regex_escape(value):
    """A value as Grafana's Prometheus data source escapes it for =~."""
    return re.sub(r"([\\^$.|?*+()\[\]{}])", r"\\\\\1", value)


def substitute(text, values):
    for name, value in values.items():
        text = text.replace(f"${{{name}}}", value).replace(f"${name}", value)
    return text.replace("$__rate_interval", "1m")


def resolve_variables(dashboard, url):
    """Each query variable's values, in order."""
    found = {}
    for variable in dashboard["templating"]["list"]:
        if variable["type"] != "query":
            continue
        definition = variable["query"]["query"] if isinstance(variable["query"], dict) else variable["query"]
        match = LABEL_VALUES.match(definition)
        if not match:
            raise RuntimeError(f"variable {variable['name']}: not label_values(...): {definition}")
        selector = substitute(match.group(1), {n: regex_escape(v[0]) for n, v in found.items()})
        series = api(url, "series", {"match[]": selector})
        values = sorted({s[match.group(2)] for s in series if match.group(2) in s})
        if not values:
            raise RuntimeError(f"variable {variable['name']}: {selector} gives no value of {match.group(2)}")
        found[variable["name"]] = values
    return found


def legends(target, series):
    legend = target.get("legendFormat", "")
    if not legend:
        return [s["metric"].get("alertname", json.dumps(s["metric"], sort_keys=True)) for s in series]
    return [LEGEND_LABEL.sub(lambda m: s["metric"].get(m.group(1), ""), legend) for s in series]


def check_panel(panel, url, values, failures):
    """The panel's targets evaluated with `values`; returns its legends."""
    shown = []
    for target in panel["targets"]:
        expr = substitute(target["expr"], values)
        if "$" in expr:
            failures.append(f"{panel['title']}: a variable is left in {expr}")
            continue
        try:
            series = api(url, "query", {"query": expr})["result"]
        except Exception as error:  # the query itself fails
            failures.append(f"{panel['title']}: {expr}: {error}")
            continue
        if not series:
            failures.append(f"{panel['title']}: {expr}: no series")
            continue
        for label in LEGEND_LABEL.findall(target.get("legendFormat", "")):
            missing = [s["metric"] for s in series if label not in s["metric"]]
            if missing:
                failures.append(f"{panel['title']}: legend label {label} missing from {missing[0]}")
        shown += legends(target, series)
    return shown


def main(dashboard_path, url, expected_path):
    with open(dashboard_path, encoding="utf-8") as file:
        dashboard = json.load(file)
    expected = {}
    with open(expected_path, encoding="utf-8") as file:
        for line in file:
            if line.strip() and not line.startswith("#"):
                title, legend = line.rstrip("\n").split("\t")
                expected.setdefault(title, []).append(legend)
    variables = resolve_variables(dashboard, url)
    for name, found in variables.items():
        print(f"variable {name}: {', '.join(found)}")
    panels = [p for p in dashboard["panels"] if p["type"] != "row"]
    all_values = {v["name"]: v["allValue"] for v in dashboard["templating"]["list"] if v["type"] == "query"}
    first_values = {name: regex_escape(found[0]) for name, found in variables.items()}
    failures = []
    for panel in panels:
        before = len(failures)
        check_panel(panel, url, all_values, failures)
        shown = sorted(check_panel(panel, url, first_values, failures))
        want = sorted(expected.get(panel["title"], []))
        if shown != want and len(failures) == before:
            failures.append(f"{panel['title']}: shows {shown}, expected {want}")
        status = "ok" if len(failures) == before else "not ok"
        print(f"{status} - panel {panel['title']}: {len(shown)} series ({'; '.join(shown)})")
    unknown = sorted(set(expected) - {p["title"] for p in panels})
    if unknown:
        failures.append(f"EXPECTED names panels the dashboard lacks: {unknown}")
    for failure in failures:
        print(f"FAIL: {failure}")
    print(f"{len(panels)} panels, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
