"""The program checker and the sandbox: escape attempts are refused with a message that names
the problem, realistic PyTorch programs pass and run, and the allow-list names real, safe API."""

from __future__ import annotations

import builtins
import functools
import textwrap
import types
from pathlib import Path

import numpy as np
import pytest
import yaml

from conformance.checker import (
    ATTRIBUTE_REASONS,
    FORBIDDEN_NAMES,
    FRAME_PREFIXES,
    ProgramRejected,
    allowlist,
    api_names,
    check_program,
)
from conformance.sandbox import compile_checked, make_globals

torch = pytest.importorskip("torch")

ESCAPES = yaml.safe_load((Path(__file__).parent / "escapes.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", ESCAPES, ids=[case["id"] for case in ESCAPES])
def test_escape_attempt_is_rejected_with_a_specific_message_at_its_line(case):
    errors = check_program(case["program"], case.get("mode", "exec"))
    assert errors, "accepted"
    found = [(e.line, e.message) for e in errors]
    assert any(e.line == case["line"] and case["message"] in e.message for e in errors), found


def test_escape_corpus_is_large_and_every_case_is_distinct():
    assert len(ESCAPES) >= 40
    assert len({case["id"] for case in ESCAPES}) == len(ESCAPES)
    assert len({case["program"] for case in ESCAPES}) >= len(ESCAPES) - 1  # one program, 2 errors


def dedent(program: str) -> str:
    return textwrap.dedent(program).strip() + "\n"


# Realistic programs and what must hold after they run with real torch.
PROGRAMS = {
    "leaf tensors get grad": (
        """
        w = torch.tensor([1.], requires_grad=True)
        x = torch.tensor([2.], requires_grad=True, device=device)
        a = torch.add(w, x)
        y = torch.mul(a, torch.add(w, 1))
        y.backward()
        result = (w.grad.tolist(), x.grad.tolist(), a.is_leaf, y.grad_fn.name())
        """,
        ([5.0], [2.0], False, "MulBackward0"),
    ),
    "no_grad block and decorated def": (
        """
        x = torch.ones(2, requires_grad=True)
        with torch.no_grad():
            y = x * 2
        @torch.no_grad()
        def triple(t):
            return t * 3
        result = (y.requires_grad, triple(x).requires_grad, torch.is_grad_enabled())
        """,
        (False, False, True),
    ),
    "hook doubles the gradient": (
        """
        x = torch.ones(2, requires_grad=True)
        handle = x.register_hook(lambda g: g * 2)
        x.sum().backward()
        handle.remove()
        result = x.grad.tolist()
        """,
        [2.0, 2.0],
    ),
    "custom autograd Function": (
        """
        class Exp(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                y = x.exp()
                ctx.save_for_backward(y)
                return y

            @staticmethod
            def backward(ctx, g):
                (y,) = ctx.saved_tensors
                return g * y

        x = torch.zeros(1, requires_grad=True)
        out = Exp.apply(x)
        out.backward()
        result = (x.grad.item(), out.grad_fn.name())
        """,
        (1.0, "ExpBackward"),
    ),
    "nn.Module subclass trained one step": (
        """
        class Net(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = torch.nn.Linear(2, 1)

            def forward(self, x):
                return torch.nn.functional.relu(self.fc(x))

        torch.manual_seed(0)
        net = Net()
        opt = torch.optim.SGD(net.parameters(), lr=0.1)
        loss = torch.nn.MSELoss()(net(torch.ones(3, 2)), torch.zeros(3, 1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        result = (len(net.state_dict()), net.fc.weight.grad.shape == torch.Size([1, 2]))
        """,
        (2, True),
    ),
    "raise inside a with block is caught": (
        """
        caught = False
        try:
            with torch.no_grad():
                raise RuntimeError("boom")
        except RuntimeError as e:
            caught = e.args[0] == "boom"
        result = (caught, torch.is_grad_enabled())
        """,
        (True, True),
    ),
    "second backward fails": (
        """
        a = torch.tensor([3.0], requires_grad=True)
        b = a.exp()
        b.backward()
        try:
            b.backward()
            result = "no error"
        except RuntimeError as e:
            result = "second time" in str(e)
        """,
        True,
    ),
    "version counter, base and comprehensions": (
        """
        x = torch.ones(3)
        v = x.view(3)
        x.add_(1)
        squares = [t * t for t in x.tolist()]
        total = 0
        for i, s in enumerate(squares):
            total += s
        result = (x._version, v._base is x, total, {k: k + 1 for k in range(2)})
        """,
        (1, True, 12.0, {0: 1, 1: 2}),
    ),
    "numpy bridge shares memory": (
        """
        a = np.zeros(3, dtype=np.float32)
        t = torch.from_numpy(a)
        t.add_(1)
        result = (a.tolist(), t.dtype == torch.float32, np.shares_memory(a, t.numpy()))
        """,
        ([1.0, 1.0, 1.0], True, True),
    ),
    "detach shares storage and dtype promotion": (
        """
        x = torch.tensor([1.0, 2.0], requires_grad=True)
        d = x.detach()
        d.zero_()
        result = (x.tolist(), torch.result_type(torch.tensor([1]), 1.0) == torch.float32)
        """,
        ([0.0, 0.0], True),
    ),
}


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_realistic_program_passes_the_checker_and_runs_in_the_sandbox(name):
    program, expected = PROGRAMS[name]
    program = dedent(program)
    assert check_program(program) == []
    namespace = make_globals(torch, "cpu")
    exec(compile_checked(program, "spec.yaml"), namespace)
    assert namespace["result"] == expected


def test_every_problem_of_a_program_is_reported_with_its_position():
    program = "import os\nx = eval('1')\ny = torch.ones(1)._cdata\nz = q\n"
    errors = check_program(program)
    assert [(e.line, e.column) for e in errors] == [(1, 1), (2, 5), (3, 19), (4, 5)]


def test_columns_count_characters_not_utf8_bytes():
    (error,) = check_program("x = 1\ns = 'ééé' + x.__class__\n")
    assert (error.line, error.column) == (2, 15)


def test_syntax_errors_are_program_errors():
    (error,) = check_program("x = (1,\n")
    assert error.line == 1 and error.message.startswith("syntax error")


def test_compiler_only_errors_are_reported_before_anything_runs():
    (error,) = check_program("return 1\n")
    assert "outside function" in error.message


def test_compile_checked_raises_with_every_error():
    with pytest.raises(ProgramRejected) as info:
        compile_checked("open('x')\ntorch.save(1, 'y')\n", "spec.yaml")
    assert [e.line for e in info.value.errors] == [1, 2]
    assert "1:1" in str(info.value)


def test_tracebacks_point_at_the_line_in_the_yaml_file():
    code = compile_checked("x = torch.ones(2)\ny = x.view(3)\n", "specs/a.yaml", first_line=12)
    with pytest.raises(RuntimeError) as info:
        exec(code, make_globals(torch, "cpu"))
    frame = info.traceback[-1]
    assert str(frame.path).endswith("a.yaml") and frame.lineno + 1 == 13


def test_expression_without_its_program_accepts_plain_names_but_only_listed_attributes():
    assert check_program("w.grad", "eval") == []
    assert check_program("len(m.state_dict())", "eval") == []
    (error,) = check_program("m.fc.weight", "eval")
    assert "attribute 'fc' is not on the allow-list" in error.message


def test_expression_with_its_program_sees_what_the_program_defines():
    program = "class N:\n    def __init__(self):\n        self.fc = 1\nm = N()\n"
    assert check_program("m.fc", "eval", program=program) == []
    (error,) = check_program("q.grad", "eval", program=program)
    assert "unknown name 'q'" in error.message


def test_super_init_is_the_only_dunder_call_allowed():
    ok = "class A(torch.nn.Module):\n    def __init__(self):\n        super().__init__()\n"
    assert check_program(ok) == []
    bad = ok.replace("super().__init__()", "super(A, self).__init__()")
    assert "dunder attribute '__init__'" in check_program(bad)[0].message


def test_value_attributes_after_an_api_entry_are_checked_as_values():
    assert check_program("ok = torch.float32.is_floating_point\n") == []
    (error,) = check_program("bad = torch.float32.nope\n")
    assert "attribute 'nope'" in error.message


def test_api_names_lists_the_dotted_entries_a_program_uses():
    program = dedent(
        """
        x = torch.tensor([1.0], dtype=torch.float32)
        y = torch.nn.functional.relu(x).sum()
        a = np.array([1]) + x.numpy()
        ok = torch.float32.is_floating_point
        """
    )
    assert api_names(program) == {
        "torch.tensor",
        "torch.float32",
        "torch.nn.functional.relu",
        "np.array",
    }
    assert api_names("torch.equal(a, b)", "eval") == {"torch.equal"}
    assert api_names("x = (") == set()


def test_sandbox_builtins_are_the_allow_list_plus_what_the_interpreter_needs():
    table = make_globals(torch, "cpu")["__builtins__"]
    assert set(table) - allowlist().builtins == {"__build_class__", "__import__"}
    assert not set(table) & set(FORBIDDEN_NAMES)


def test_sandbox_is_a_second_wall_when_the_checker_is_bypassed():
    for source in ("open('/etc/passwd')", "eval('1')", "getattr(1, 'real')", "print(1)"):
        with pytest.raises(NameError):
            exec(compile(source, "spec", "exec"), make_globals(torch, "cpu"))
    with pytest.raises(ImportError):
        exec(compile("import os", "spec", "exec"), make_globals(torch, "cpu"))


def test_make_globals_binds_the_engine_device_numpy_and_a_module_name():
    namespace = make_globals(torch, "cuda:0")
    assert namespace["torch"] is torch and namespace["device"] == "cuda:0"
    assert namespace["np"] is np and namespace["__name__"] == "spec"


def resolve(dotted: str) -> object:
    root, *rest = dotted.split(".")
    return functools.reduce(getattr, rest, {"torch": torch, "np": np}[root])


def test_every_api_entry_exists_and_none_is_a_module():
    modules = [name for name in allowlist().api if isinstance(resolve(name), types.ModuleType)]
    assert modules == []


def test_allow_list_sections_cover_the_api_exactly():
    lists = allowlist()
    assert frozenset().union(*lists.sections.values()) == lists.api
    assert {"torch.nn.functional", "torch.cuda", "np.random"} <= lists.namespaces


def sample_values() -> list[object]:
    class Exp(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.exp()

        @staticmethod
        def backward(ctx, g):
            return g

    x = torch.ones(2, requires_grad=True)
    linear = torch.nn.Linear(2, 1)
    optimizer = torch.optim.SGD(linear.parameters(), lr=0.1)
    return [
        torch.Tensor,
        Exp,
        Exp.apply(x).grad_fn,
        (x * 2).grad_fn.next_functions[0][0],
        linear,
        torch.nn.BatchNorm1d(2),
        torch.nn.utils.rnn.pack_sequence([torch.ones(1)]),
        optimizer,
        torch.optim.lr_scheduler.StepLR(optimizer, 1),
        x.register_hook(lambda g: g),
        torch.finfo(torch.float32),
        torch.device("cpu"),
        np.ones(2),
        np.ones(2).flags,
        [],
        {},
        "",
        set(),
        1.0,
        RuntimeError(),
    ]


def test_every_value_attribute_exists_on_something_specs_handle():
    values = sample_values()
    missing = [a for a in allowlist().attributes if not any(a in dir(v) for v in values)]
    assert missing == []


def test_no_dangerous_or_frame_name_is_allow_listed():
    lists = allowlist()
    assert not set(ATTRIBUTE_REASONS) & lists.attributes
    assert not [a for a in lists.attributes if a.startswith(FRAME_PREFIXES)]
    never = {"load", "save", "from_file", "set_default_tensor_type", "fromfile", "compile"}
    assert not {name.rsplit(".", 1)[1] for name in lists.api} & never
    assert not [a for a in lists.attributes if a.startswith("__")]
    assert {a for a in lists.attributes if a.startswith("_")} == {"_version", "_base"}


def test_builtins_on_the_allow_list_are_real_and_harmless():
    lists = allowlist()
    assert all(hasattr(builtins, name) for name in lists.builtins)
    assert not lists.builtins & set(FORBIDDEN_NAMES)
