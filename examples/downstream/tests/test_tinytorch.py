"""tinytorch's own unit tests, beside which the plugin adds one item per conformance case."""

import tinytorch


def test_tensor_keeps_its_values():
    assert tinytorch.tensor([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]


def test_add_and_mul_compose():
    x = tinytorch.ones(3)
    assert (x + x * 2).tolist() == [3.0, 3.0, 3.0]


def test_the_adapter_is_registered():
    from conformance.adapter import available_engines

    assert available_engines()["tinytorch"] == "tinytorch.conformance_adapter:Adapter"
