"""Parses `lvs-dr-gen verify --format prometheus` with the Prometheus Python
client's text parser and checks it against `--format json` of the same run:
one gauge family, one sample per check, labels host, role, check, subject,
value 1 exactly for the checks that are ok.

Usage: prometheus-check.py METRICS-FILE JSON-FILE
"""

import json
import sys

from prometheus_client.parser import text_string_to_metric_families


def main(metrics_path, json_path):
    with open(metrics_path, encoding="utf-8") as metrics_file:
        families = list(text_string_to_metric_families(metrics_file.read()))
    with open(json_path, encoding="utf-8") as json_file:
        report = json.load(json_file)
    assert [f.name for f in families] == ["lvs_dr_gen_verify_ok"], families
    family = families[0]
    assert family.type == "gauge", family.type
    found = [(s.labels, s.value) for s in family.samples]
    expected = [
        (
            {
                "host": report["host"],
                "role": report["role"],
                "check": check["check"],
                "subject": check["subject"],
            },
            1.0 if check["status"] == "ok" else 0.0,
        )
        for check in report["checks"]
    ]
    assert len(found) == len(expected), (len(found), len(expected))
    for index, (sample, check) in enumerate(zip(found, expected)):
        assert sample == check, f"sample {index}: {sample} where the JSON says {check}"
    print(f"ok - {len(found)} samples parsed, as the JSON report says")


if __name__ == "__main__":
    main(*sys.argv[1:])
