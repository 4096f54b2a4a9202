"""The program checker's escape corpus: every attempt to reach beyond the engine is rejected
before anything runs, with a message that says what and why. Also: ordinary PyTorch programs
pass the checker and run correctly in the sandbox, and the sandbox is a second wall."""

import pytest

from conformance.checker import ProgramRejected, check_program
from conformance.sandbox import compile_checked, make_globals

ESCAPES = [
    ("import os", "import is not allowed"),
    ("from os import system", "import is not allowed"),
    ("__import__('os')", "dunder name '__import__' is not allowed"),
    ("x = torch.ones(1)\nx.__class__", "dunder attribute '__class__' is not allowed"),
    ("().__class__.__bases__[0].__subclasses__()", "dunder attribute '__class__' is not allowed"),
    ("open('/etc/passwd')", "'open' is not available to spec programs"),
    ("eval('1 + 1')", "'eval' is not available to spec programs"),
    ("exec('x = 1')", "'exec' is not available to spec programs"),
    ("compile('1', 'f', 'eval')", "'compile' is not available to spec programs"),
    ("getattr(torch, 'load')", "'getattr' is not available to spec programs"),
    ("setattr(torch, 'x', 1)", "'setattr' is not available to spec programs"),
    ("globals()", "'globals' is not available to spec programs"),
    ("locals()", "'locals' is not available to spec programs"),
    ("vars(torch)", "'vars' is not available to spec programs"),
    ("type(torch.ones(1))", "'type' is not available to spec programs"),
    ("dir(torch)", "'dir' is not available to spec programs"),
    ("breakpoint()", "'breakpoint' is not available to spec programs"),
    ("input()", "'input' is not available to spec programs"),
    ("print('hi')", "'print' is not available to spec programs"),
    ("exit()", "'exit' is not available to spec programs"),
    ("torch.load('weights.pt')", "attribute 'load' is not allowed"),
    ("torch.save(torch.ones(1), 'x.pt')", "attribute 'save' is not allowed"),
    ("torch.hub.load('repo', 'model')", "'torch.hub' is not on the allow-list of torch"),
    ("torch.ops.aten.add", "'torch.ops' is not on the allow-list of torch"),
    (
        "torch.utils.cpp_extension.load_inline('x', '')",
        "'torch.utils' is not on the allow-list of tor",
    ),
    ("torch._C._get_tracing_state()", "private attribute '_C' is not allowed"),
    ("torch.jit.load('m.pt')", "'torch.jit' is not on the allow-list of torch"),
    ("torch.library.Library('x', 'DEF')", "'torch.library' is not on the allow-list of t"),
    ("torch.from_file('/etc/passwd')", "attribute 'from_file' is not allowed"),
    ("np.load('a.npy')", "attribute 'load' is not allowed"),
    ("np.save('a.npy', np.zeros(1))", "attribute 'save' is not allowed"),
    ("np.fromfile('/etc/passwd')", "attribute 'fromfile' is not allowed"),
    ("np.ctypeslib.as_array", "'np.ctypeslib' is not on the allow-list of to"),
    (
        "np.lib.format.open_memmap('x')",
        "'np.lib' is not on the allow-list of torch and NumPy names",
    ),
    ("t = torch\nt.load('x')", "'torch' can only be used through allow-listed"),
    ("torch.load = 1", "specs may not modify the engine namespace ('t"),
    ("del torch", "spec programs may not rebind or delete 'torch"),
    ("torch = 1", "spec programs may not rebind or delete 'torch"),
    ("def f():\n    global x\n    x = 1", "'global' is not allowed"),
    (
        "def f():\n    x = 1\n    def g():\n        nonlocal x\n        x = 2",
        "'nonlocal' is not allowed",
    ),
    ("async def f():\n    pass", "async code is not allowed"),
    ("def g():\n    yield 1", "generators are not allowed"),
    (
        "g = (i for i in range(3))\ng.gi_frame.f_back",
        "attribute 'gi_frame' reaches interpreter fram",
    ),
    (
        "try:\n    1 / 0\nexcept ZeroDivisionError as e:\n    e.__traceback__.tb_frame",
        "dunder attribute '__traceback__' is not allowed",
    ),
    ("x = torch.ones(1)\n'{0.__class__}'.format(x)", "attribute 'format' is not allowed"),
    ("x = torch.ones(1)\nf'{x.__class__}'", "dunder attribute '__class__' is not allowed"),
    ("match 1:\n    case str(__class__=c):\n        pass", "match statements are not allowed"),
    ("class A(metaclass=type):\n    pass", "class keyword 'metaclass=' is not allowed"),
    ("f = lambda: 0\nf.__code__.co_consts", "dunder attribute '__code__' is not allowed"),
    ("x = torch.ones(1)\nx._foo", "private attribute '_foo' is not allowed"),
    ("__builtins__['open']", "dunder name '__builtins__' is not allowed"),
    ("x = torch.ones(1)\nx.grad_fn.__dict__", "dunder attribute '__dict__' is not allowed"),
    ("@exec\ndef f():\n    pass", "'exec' is not available to spec programs"),
    ("os.system('true')", "unknown name 'os'; spec programs can use torc"),
    ("sys.modules", "unknown name 'sys'; spec programs can use tor"),
]


@pytest.mark.parametrize(
    ("program", "reason"), ESCAPES, ids=[p.splitlines()[-1][:40] for p, _ in ESCAPES]
)
def test_escape_attempt_is_rejected_with_a_specific_message(program, reason):
    errors = check_program(program)
    assert errors, f"accepted: {program!r}"
    assert any(reason in e.message for e in errors), [e.message for e in errors]
    assert all(e.line >= 1 and e.column >= 1 for e in errors)


def test_the_escape_corpus_has_at_least_forty_attempts():
    assert len(ESCAPES) >= 40


def test_every_problem_of_a_program_is_reported_not_just_the_first():
    errors = check_program("import os\nx = eval('1')\ny = torch.load('f')")
    assert [e.line for e in errors] == [1, 2, 3]


def test_compile_checked_raises_with_all_errors():
    with pytest.raises(ProgramRejected) as info:
        compile_checked("open('x')\ntorch.save(1, 'y')", "spec.yaml")
    assert len(info.value.errors) == 2


torch = pytest.importorskip("torch")

PROGRAMS = {
    "leaf grads": (
        "w = torch.tensor([1.], requires_grad=True)\nx = torch.tensor([2.], requires_grad=True)\n"
        "y = torch.mul(torch.add(w, x), torch.add(w, 1))\ny.backward()\nresult = w.grad.item()",
        5.0,
    ),
    "no_grad block and decorator": (
        "x = torch.ones(2, requires_grad=True)\nwith torch.no_grad():\n    y = x * 2\n"
        "@torch.no_grad()\ndef f(t):\n    return t * 3\nresult = (y.requires_grad, f(x).requires_grad)",
        (False, False),
    ),
    "hook doubling the gradient": (
        "x = torch.ones(2, requires_grad=True)\nh = x.register_hook(lambda g: g * 2)\n"
        "x.sum().backward()\nh.remove()\nresult = x.grad.tolist()",
        [2.0, 2.0],
    ),
    "custom autograd.Function": (
        "class Exp(torch.autograd.Function):\n    @staticmethod\n    def forward(ctx, x):\n"
        "        y = x.exp()\n        ctx.save_for_backward(y)\n        return y\n"
        "    @staticmethod\n    def backward(ctx, g):\n        (y,) = ctx.saved_tensors\n        return g * y\n"
        "x = torch.zeros(1, requires_grad=True)\nExp.apply(x).backward()\nresult = x.grad.item()",
        1.0,
    ),
    "nn.Module subclass": (
        "class Net(torch.nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.fc = torch.nn.Linear(2, 1)\n    def forward(self, x):\n        return self.fc(x)\n"
        "net = Net()\nresult = len(list(net.parameters()))",
        2,
    ),
    "try/except and raise in a with block": (
        "try:\n    with torch.no_grad():\n        raise RuntimeError('boom')\nexcept RuntimeError:\n    pass\n"
        "result = torch.is_grad_enabled()",
        True,
    ),
    "version counter and comprehension": (
        "x = torch.ones(3)\nx.add_(1)\nresult = (x._version, [v * 2 for v in x.tolist()])",
        (1, [4.0, 4.0, 4.0]),
    ),
}


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_ordinary_pytorch_programs_pass_the_checker_and_run_in_the_sandbox(name):
    program, expected = PROGRAMS[name]
    assert check_program(program) == []
    namespace = make_globals(torch, "cpu")
    exec(compile_checked(program, "spec.yaml"), namespace)
    assert namespace["result"] == expected


def test_the_sandbox_binds_no_dangerous_builtins():
    builtins = make_globals(torch, "cpu")["__builtins__"]
    for name in ("open", "eval", "exec", "getattr", "type", "globals", "vars", "compile", "print"):
        assert name not in builtins


def test_the_sandbox_import_serves_only_engine_packages():
    guarded = make_globals(torch, "cpu")["__builtins__"]["__import__"]
    assert guarded("torch.storage") is torch
    for outside in ("os", "subprocess", "builtins"):
        with pytest.raises(ImportError, match="cannot import"):
            guarded(outside)


def test_tracebacks_point_at_the_yaml_line():
    code = compile_checked("x = torch.ones(2)\ny = x.view(3)", "specs/a.yaml", first_line=12)
    with pytest.raises(RuntimeError) as info:
        exec(code, make_globals(torch, "cpu"))
    frame = info.traceback[-1]
    assert frame.lineno + 1 == 13 and str(frame.path).endswith("a.yaml")
