"""torch.nn: Parameter, Module and its layers, containers and losses, with the functional
forms in `nn.functional` and the initialisers in `nn.init`."""

from __future__ import annotations

from conformance.reference.nn import functional, init, modules, utils

# Every layer, container and loss, by the one list of them: modules.__all__.
from conformance.reference.nn.modules import *  # noqa: F403
from conformance.reference.nn.parameter import Buffer, Parameter

__all__ = [*modules.__all__, "Buffer", "Parameter", "functional", "init", "utils"]
