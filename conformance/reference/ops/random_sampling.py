"""Random sampling: torch.normal, bernoulli, multinomial, poisson and the in-place fills
(normal_, uniform_, random_, bernoulli_, exponential_, ...), drawing from the one global
generator (creation.random_source(), which also enforces vmap's randomness modes). The numbers
are not PyTorch's (its generator is not reproduced); shapes, dtypes, argument checks, errors,
and the distributions are."""

from __future__ import annotations

__all__: list[str] = []

TENSOR_METHODS: dict = {}
TENSOR_IN_PLACE: dict = {}
