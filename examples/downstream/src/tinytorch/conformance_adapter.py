"""tinytorch's adapter for torch-conformance, registered under the `conformance.adapters`
entry-point group in pyproject.toml, so `--conformance-engine tinytorch` finds it."""

from __future__ import annotations

import tinytorch
from conformance.adapter import EngineInfo, TorchLikeAdapter


class Adapter(TorchLikeAdapter):
    module = tinytorch
    label = "tinytorch"

    def info(self) -> EngineInfo:
        info = super().info()
        info.details = {"numpy": tinytorch.np.__version__}
        return info

    def devices(self) -> list[str]:
        return ["cpu"]
