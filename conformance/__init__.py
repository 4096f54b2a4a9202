"""torch-conformance: PyTorch semantics written down as YAML specs, checked against any engine."""

__version__ = "0.1.0"
