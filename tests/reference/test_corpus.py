"""The whole bundled corpus passes on the reference engine's CPU backend: every case that runs
passes, and only cases that need CUDA are left out."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter


def test_every_bundled_case_passes_on_reference_cpu(tmp_path):
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "conformance",
            "run",
            "--engine",
            "reference",
            "--device",
            "cpu",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-3000:]
    results = [
        json.loads(line)
        for line in (tmp_path / "latest" / "results.jsonl").read_text().splitlines()
        if line.strip()
    ]
    cases = [r for r in results if r.get("type") == "result"]
    statuses = Counter(r["status"] for r in cases)
    assert statuses["pass"] >= 250, statuses
    assert set(statuses) <= {"pass", "unsupported"}, statuses
    unsupported = [r for r in cases if r["status"] == "unsupported"]
    assert all("cuda" in r["reason"] for r in unsupported), unsupported
