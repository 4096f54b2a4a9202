"""The whole bundled corpus passes on the reference engine: on the CPU every case that runs
passes and only cases that need CUDA are left out; on the simulated CUDA device every case
passes but those about errors PyTorch's CUDA kernels report by device-side asserts (CPU only),
and the device is labelled as simulated."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter


def run_reference(device: str, out, env: dict | None = None) -> tuple[str, list[dict]]:
    """`conformance run --engine reference --device DEVICE`: its output and its records."""
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "conformance",
            "run",
            "--engine",
            "reference",
            "--device",
            device,
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **(env or {})},
    )
    assert run.returncode == 0, run.stdout[-3000:]
    lines = (out / "latest" / "results.jsonl").read_text().splitlines()
    return run.stdout, [json.loads(line) for line in lines if line.strip()]


def test_every_bundled_case_passes_on_reference_cpu(tmp_path):
    _, records = run_reference("cpu", tmp_path)
    cases = [r for r in records if r.get("type") == "result"]
    statuses = Counter(r["status"] for r in cases)
    assert statuses["pass"] >= 250, statuses
    assert set(statuses) <= {"pass", "unsupported"}, statuses
    unsupported = [r for r in cases if r["status"] == "unsupported"]
    assert all("cuda" in r["reason"] for r in unsupported), unsupported


def test_the_whole_corpus_passes_on_the_simulated_device(tmp_path):
    stdout, records = run_reference("cuda", tmp_path, {"CONFORMANCE_SIMULATED_CUDA": "1"})
    assert "reference / cuda (simulated)" in stdout
    cases = [r for r in records if r.get("type") == "result"]
    statuses = Counter(r["status"] for r in cases)
    assert statuses["pass"] >= 350 and set(statuses) <= {"pass", "unsupported"}, statuses
    unsupported = [r for r in cases if r["status"] == "unsupported"]
    assert all("needs a cpu device" in r["reason"] for r in unsupported), unsupported
    engine = next(r for r in records if r.get("type") == "engine")
    assert engine["info"]["device_labels"] == {"cuda": "cuda (simulated)"}
