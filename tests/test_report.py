"""Reports: index.html, summary.json and junit.xml from results files; merging; diffs.

No browser here: the page's behaviour is checked by a browser test elsewhere; these tests check
what it is built from, the DOM contract's static parts, and that data is never markup.
"""

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from conformance.cli import main
from conformance.report import write_report

SCHEMA = json.loads(
    (Path(__file__).parents[1] / "conformance/templates/summary.schema.json").read_text()
)
BUNDLED_ID = "autograd.leaf.grad-populated-on-leaves-only"
CONTRACT_IDS = (
    'id="summary"',
    'id="summary-table"',
    'id="summary-chart"',
    'id="interop"',
    'id="by-area"',
    'id="metadata"',
    'id="matrix"',
    'id="filter-status"',
    'id="filter-area"',
    'id="filter-tag"',
    'id="filter-engine"',
    'id="filter-text"',
)


def engine(name, labels=None):
    info = {
        "name": name,
        "version": "1.0",
        "devices": ["cpu", "cuda"],
        "capabilities": [],
        "device_labels": labels or {},
        "details": {"gpu": "none"},
    }
    return {"type": "engine", "engine": name, "info": info}


def result(case_id, status, engine="eng", device="cpu", reason="", **extra):
    check = {
        "subject": "x.grad",
        "matcher": "values",
        "ok": status in ("pass", "xfail"),
        "expected": [1.0],
        "actual": [1.0] if status == "pass" else [2.0],
        "detail": "",
        "message_ok": None,
    }
    data = {
        "type": "result",
        "case_id": case_id,
        "engine": engine,
        "device": device,
        "status": status,
        "reason": reason,
        "checks": [check],
        "message_conforms": None,
        "traceback": None,
        "duration_s": 0.01,
        "location": "specs/x.yaml:1:5",
    }
    return data | extra


def write_results(path, *records, run_id="run-1", end=True):
    path.parent.mkdir(parents=True, exist_ok=True)
    head = {"type": "run", "run_id": run_id, "kit_version": "0.1.0", "spec_digest": "abc"}
    lines = [head, *records] + ([{"type": "end", "finished": "now", "counts": {}}] if end else [])
    path.write_text("".join(json.dumps(r) + "\n" for r in lines))
    return path


def hand_written(tmp_path):
    return write_results(
        tmp_path / "a" / "results.jsonl",
        engine("eng", {"cuda": "cuda (simulated)"}),
        result(BUNDLED_ID, "pass"),
        result(BUNDLED_ID, "fail", device="cuda", reason="values differ"),
        result("area2.case-b", "error", reason="RuntimeError: boom"),
        result("area2.case-b", "xfail", device="cuda"),
        result("area2.case-c", "unsupported", reason="needs cuda"),
        result("area2.case-c", "crash", device="cuda", reason="worker died"),
    )


def built(tmp_path, *paths):
    html = write_report(list(paths), tmp_path / "out" / "index.html")
    summary = json.loads((html.parent / "summary.json").read_text())
    junit = ET.parse(html.parent / "junit.xml").getroot()
    return html.read_text(), summary, junit


def test_hand_written_results_give_a_valid_summary_with_matching_counts(tmp_path):
    html, summary, _ = built(tmp_path, hand_written(tmp_path))
    jsonschema.validate(summary, SCHEMA)
    assert summary["totals"]["results"] == 6 and summary["totals"]["cases"] == 3
    lanes = {lane["label"]: lane for lane in summary["lanes"]}
    assert set(lanes) == {"eng / cpu", "eng / cuda (simulated)"}
    cpu = lanes["eng / cpu"]
    assert cpu["counts"]["pass"] == 1 and cpu["counts"]["error"] == 1 and cpu["ran"] == 2
    assert cpu["pass_rate"] == 0.5
    assert lanes["eng / cuda (simulated)"]["unexpected"] == 2
    assert {u["status"] for u in summary["unexpected"]} == {"fail", "error", "crash"}
    interop = {row["passing_lanes"]: row["cases"] for row in summary["interop"]}
    assert interop == {2: 0, 1: 2, 0: 1}
    assert [a["name"] for a in summary["areas"]] == ["area2", "autograd"]
    # Titles and tags come from the bundled spec of the one case that has one.
    assert "leaf" in {t["name"] for t in summary["tags"]}
    assert "cuda (simulated)" in html and 'data-lane="eng / cuda (simulated)"' in html
    for contract_id in CONTRACT_IDS:
        assert contract_id in html
    assert '<option value="">' in html and '<option value="crash">crash</option>' in html
    assert 'data-sort="id"' in html and "report-ready" in html


def test_junit_has_a_suite_per_lane_and_failures_errors_skips(tmp_path):
    _, _, junit = built(tmp_path, hand_written(tmp_path))
    suites = {s.get("name"): s for s in junit.iter("testsuite")}
    assert set(suites) == {"eng / cpu", "eng / cuda (simulated)"}
    cpu, cuda = suites["eng / cpu"], suites["eng / cuda (simulated)"]
    assert (cpu.get("tests"), cpu.get("failures"), cpu.get("errors"), cpu.get("skipped")) == (
        "3",
        "0",
        "1",
        "1",
    )
    assert (cuda.get("failures"), cuda.get("errors")) == ("1", "1")
    cases = {c.get("name"): c for c in cuda.iter("testcase")}
    assert cases[BUNDLED_ID].find("failure").get("message") == "values differ"
    assert cases["area2.case-c"].find("error").get("type") == "crash"
    xfail = cases["area2.case-b"]
    assert xfail.find("failure") is None and xfail.find("error") is None
    assert xfail.find("properties/property").get("value") == "xfail"


def test_shards_merge_and_the_later_file_wins(tmp_path):
    first = write_results(
        tmp_path / "s1.jsonl",
        engine("eng"),
        result("a.one", "fail", reason="old"),
        result("a.two", "pass"),
    )
    second = write_results(
        tmp_path / "s2.jsonl", engine("eng"), result("a.one", "pass"), result("b.three", "skip")
    )
    _, summary, junit = built(tmp_path, first, second)
    jsonschema.validate(summary, SCHEMA)
    assert summary["totals"]["cases"] == 3 and summary["totals"]["results"] == 3
    assert summary["totals"]["counts"]["pass"] == 2 and summary["totals"]["unexpected"] == 0
    assert len(summary["runs"]) == 2
    assert len(list(junit.iter("testcase"))) == 3


def test_a_torn_last_line_is_skipped(tmp_path):
    path = write_results(tmp_path / "r.jsonl", result("a.one", "pass"), end=False)
    with path.open("a") as f:
        f.write('{"type": "result", "case_id": "a.tw')
    _, summary, _ = built(tmp_path, path)
    assert summary["totals"]["results"] == 1 and summary["runs"][0]["complete"] is False


def test_engine_output_and_spec_strings_are_text_never_markup(tmp_path):
    evil = "<script>alert(1)</script>"
    path = write_results(
        tmp_path / "r.jsonl",
        engine(evil),
        result(
            "a.x",
            "error",
            engine=evil,
            reason=evil,
            traceback=evil + "&\x01",
            title=evil,
            tags=[evil],
        ),
    )
    html, summary, junit = built(tmp_path, path)
    assert "<script>alert" not in html
    # Only the page's own script tags: two JSON data blocks and the code.
    assert html.count("<script") == 3 and html.count("</script>") == 3
    assert "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e" in html  # the data, escaped
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the server-rendered labels
    assert summary["unexpected"][0]["reason"] == evil
    assert junit.find(".//error").get("message") == evil  # XML-escaped, parses back


def test_a_real_run_writes_the_report_beside_its_results(tmp_path):
    pytest.importorskip("torch")
    ran = subprocess.run(
        [
            sys.executable,
            "-m",
            "conformance",
            "run",
            "--engine",
            "torch",
            "--engine",
            "reference",
            "-k",
            "leaf",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert ran.returncode == 0, ran.stdout[-3000:]
    run_dir = (tmp_path / "latest").resolve()
    assert f"report: {run_dir / 'index.html'}" in ran.stdout.replace("\n", "")
    for name in ("index.html", "summary.json", "junit.xml", "results.jsonl"):
        assert (run_dir / name).is_file()
    summary = json.loads((run_dir / "summary.json").read_text())
    jsonschema.validate(summary, SCHEMA)
    lines = [json.loads(x) for x in (run_dir / "results.jsonl").read_text().splitlines()]
    results = [x for x in lines if x["type"] == "result"]
    assert summary["totals"]["results"] == len(results)
    assert summary["totals"]["counts"]["pass"] == sum(r["status"] == "pass" for r in results)
    assert {lane["label"] for lane in summary["lanes"]} == {"torch / cpu", "reference / cpu"}
    html = (run_dir / "index.html").read_text()
    data = json.loads(re.search(r'id="report-data">(.*?)</script>', html, re.S).group(1))
    ids = [c[0] for c in data["cases"]]
    assert BUNDLED_ID in ids
    spec = data["specs"][str(ids.index(BUNDLED_ID))]
    assert BUNDLED_ID in spec[0] and "@@ENGINE@@" in spec[3]  # YAML, and the repro template
    junit = ET.parse(run_dir / "junit.xml").getroot()
    assert len(junit.findall("testsuite")) == 2
    # `conformance report` rebuilds it from the run folder, to -o if given.
    assert main(["report", str(tmp_path / "latest"), "-o", str(tmp_path / "r" / "x.html")]) == 0
    assert (tmp_path / "r" / "summary.json").is_file()


def test_diff_finds_fixed_regressed_new_removed_and_exits_1_on_regression(tmp_path, capsys):
    old = write_results(
        tmp_path / "old.jsonl",
        result("a.fixed", "fail"),
        result("a.regressed", "pass"),
        result("a.removed", "pass"),
        result("a.same", "pass"),
    )
    new = write_results(
        tmp_path / "new.jsonl",
        result("a.fixed", "pass"),
        result("a.regressed", "error", reason="boom"),
        result("a.new", "pass"),
        result("a.same", "pass"),
    )
    from conformance.report_diff import diff_runs

    diff = diff_runs([old], [new])
    assert [c.case_id for c in diff.fixed] == ["a.fixed"]
    assert [(c.case_id, c.old, c.new) for c in diff.regressed] == [("a.regressed", "pass", "error")]
    assert [c.case_id for c in diff.added] == ["a.new"]
    assert [c.case_id for c in diff.removed] == ["a.removed"]
    out_html = tmp_path / "diff.html"
    assert main(["report", "diff", str(old), str(new), "-o", str(out_html)]) == 1
    printed = capsys.readouterr().out
    assert "a.regressed" in printed and "1 regressed" in printed
    page = out_html.read_text()
    assert 'id="regressed"' in page and 'id="fixed"' in page and "a.removed" in page
    assert main(["report", "diff", str(new), str(new)]) == 0


def test_report_command_writes_beside_the_first_results_file(tmp_path):
    path = hand_written(tmp_path)
    assert main(["report", str(path)]) == 0
    assert {p.name for p in path.parent.iterdir()} >= {"index.html", "summary.json", "junit.xml"}
    assert main(["report", str(tmp_path / "missing.jsonl")]) == 2
