"""Parses `lvs-dr-gen verify --format prometheus` with the Prometheus Python
client's text parser and checks it against `--format json` of the same run:
- lvs_dr_gen_verify_ok: one sample per check, labels host, role, check,
  subject, value 1 exactly for the checks that are ok;
- lvs_dr_gen_verify_status: four samples per check (ok, down, drift, error),
  1 for the check's status and 0 for the others;
- on a director, lvs_dr_gen_vrrp_state (one state of each instance at 1),
  lvs_dr_gen_ipvs_backend_weight_expected and lvs_dr_gen_ipvs_backend_down:
  one sample per real-server check, its weight the one the check expects
  ("rs1, route, weight 1") and down exactly when the check is down.

Usage: prometheus-check.py METRICS-FILE JSON-FILE
"""

import json
import re
import sys

from prometheus_client.parser import text_string_to_metric_families

STATUSES = ["ok", "down", "drift", "error"]
VRRP_STATES = ["master", "backup", "fault", "stopped", "partial"]


def check_labels(report, check):
    return {
        "host": report["host"],
        "role": report["role"],
        "check": check["check"],
        "subject": check["subject"],
    }


def check_ok(family, report):
    assert family.type == "gauge", family.type
    found = [(s.labels, s.value) for s in family.samples]
    expected = [
        (check_labels(report, check), 1.0 if check["status"] == "ok" else 0.0)
        for check in report["checks"]
    ]
    assert len(found) == len(expected), (len(found), len(expected))
    for index, (sample, check) in enumerate(zip(found, expected)):
        assert sample == check, f"sample {index}: {sample} where the JSON says {check}"
    return len(found)


def check_status(family, report):
    assert family.type == "gauge", family.type
    found = [(s.labels, s.value) for s in family.samples]
    expected = [
        (
            dict(check_labels(report, check), status=status),
            1.0 if check["status"] == status else 0.0,
        )
        for check in report["checks"]
        for status in STATUSES
    ]
    assert found == expected, f"status samples differ from the JSON: {found} != {expected}"
    return len(found)


def check_vrrp(family, report):
    instances = {}
    for sample in family.samples:
        assert sample.labels["host"] == report["host"], sample
        key = (sample.labels["vrrp_instance"], sample.labels["vrid"])
        instances.setdefault(key, []).append((sample.labels["state"], sample.value))
    assert instances, "no VRRP instance"
    for key, states in instances.items():
        assert [state for state, _ in states] == VRRP_STATES, (key, states)
        assert sum(value for _, value in states) == 1.0, (key, states)
    return len(family.samples)


def check_backends(families, report):
    """Each real-server check of a TCP or UDP service against the backend
    samples: the expected weight and the down flag."""
    weights = {}
    downs = {}
    for name, store in (
        ("lvs_dr_gen_ipvs_backend_weight_expected", weights),
        ("lvs_dr_gen_ipvs_backend_down", downs),
    ):
        for sample in families[name].samples:
            labels = sample.labels
            remote = labels["remote_address"]
            if ":" in remote:
                remote = f"[{remote}]"
            local = labels["local_address"]
            if ":" in local:
                local = f"[{local}]"
            subject = f'{labels["proto"]} {local}:{labels["local_port"]} -> {remote}:{labels["remote_port"]}'
            store[subject] = (labels["real_server"], sample.value)
    checks = [c for c in report["checks"] if c["check"] == "real-server" and "->" in c["subject"]]
    assert checks, "no real-server check in the JSON"
    for check in checks:
        if check["subject"].startswith("FWM"):
            continue
        host, weight = re.fullmatch(r"(.+), route, weight (\d+)", check["expected"]).groups()
        assert weights.get(check["subject"]) == (host, float(weight)), (check, weights)
        want_down = 1.0 if check["status"] == "down" else 0.0
        assert downs.get(check["subject"]) == (host, want_down), (check, downs)
    return len(checks)


def main(metrics_path, json_path):
    with open(metrics_path, encoding="utf-8") as metrics_file:
        families = {f.name: f for f in text_string_to_metric_families(metrics_file.read())}
    with open(json_path, encoding="utf-8") as json_file:
        report = json.load(json_file)
    names = ["lvs_dr_gen_verify_ok", "lvs_dr_gen_verify_status"]
    if report["role"] == "director":
        names += [
            "lvs_dr_gen_vrrp_state",
            "lvs_dr_gen_ipvs_backend_weight_expected",
            "lvs_dr_gen_ipvs_backend_down",
        ]
    assert sorted(families) == sorted(names), sorted(families)
    counts = [check_ok(families[names[0]], report), check_status(families[names[1]], report)]
    if report["role"] == "director":
        counts.append(check_vrrp(families["lvs_dr_gen_vrrp_state"], report))
        counts.append(check_backends(families, report))
    print(f"ok - {report['host']}: {' + '.join(map(str, counts))} samples parsed, as the JSON report says")


if __name__ == "__main__":
    main(*sys.argv[1:])
