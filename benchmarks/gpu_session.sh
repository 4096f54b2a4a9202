#!/usr/bin/env bash
# Everything a session with a lent GPU checks and times, in one call of the device tool (whose
# machine has Python 3.12, torch and CuPy but no package registry):
#
#   run(command="bash benchmarks/gpu_session.sh", carry=[".whl"])
#
# where .whl holds the wheels of the kit's dependencies that machine lacks (jsonschema and its
# three dependencies, orjson; see benchmarks/README.md for the pip download line). It writes
# env.txt, bench.txt, profile.txt, corpus.txt, summary.json and pytest.txt under $OUT (or /tmp/gpu-session),
# in that order, each step under its own time limit so that a slow one cannot cost the others.
set -uo pipefail
OUT=${OUT:-/tmp/gpu-session}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
if compgen -G ".whl/*.whl" >/dev/null; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/site .whl/*.whl || exit 1
    export PYTHONPATH=/tmp/site
fi
# The kit itself, editable, for its entry points and the bundled corpus (conformance.specs).
python3 -m pip install -q --no-deps --no-build-isolation --no-index -e . || exit 1

{
    date -u
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
    python3 -V
    python3 -c 'import torch, cupy, numpy; print("torch", torch.__version__, "CUDA", torch.version.cuda, "| cupy", cupy.__version__, "| numpy", numpy.__version__)'
    python3 -c 'import conformance.reference as r; print("reference sees:", r.cuda.is_available(), r.cuda.get_device_name(), "simulated" if r.cuda.is_simulated() else "real")'
} 2>&1 | tee "$OUT/env.txt"

echo "== benchmarks/reference_gpu.py" | tee "$OUT/bench.txt"
for run in 1 2 3; do  # three runs: one run's ratio has swung between 1.6x and 1.9x
    timeout 100 python3 benchmarks/reference_gpu.py 2>&1 | tee -a "$OUT/bench.txt"
done
timeout 100 python3 benchmarks/reference_gpu.py --profile > "$OUT/profile.txt" 2>&1

echo "== conformance run, both engines, cuda" | tee "$OUT/corpus.txt"
timeout 200 python3 -m conformance run --engine reference --engine torch --device cuda \
    --out /tmp/gpu-runs -j 2 2>&1 | tee -a "$OUT/corpus.txt"
cp /tmp/gpu-runs/latest/summary.json "$OUT/summary.json" 2>/dev/null

echo "== pytest: the CUDA backend against the CPU" | tee "$OUT/pytest.txt"
timeout 200 python3 -m pytest -q -n 8 -p no:cacheprovider --tb=line -rf \
    tests/reference/test_cuda_backend.py \
    tests/reference/test_statistics.py::test_ops_run_on_the_cuda_backend \
    2>&1 | tee -a "$OUT/pytest.txt"
