"""The static checker for spec programs and `expect` expressions.

A spec program is text from a YAML file that the kit runs inside an engine's process, so it is
checked before anything runs. The rule it enforces is the project's promise: a spec can never
do more than call the engine. Concretely: no imports, no dunders, no builtins that reach code,
files or namespaces, nothing that reaches frames or code objects, and only the torch and NumPy
names and the value attributes listed in `allowlist.yaml`. Every problem is reported, with its
line and column in the program text, so a spec author fixes them all in one go.

The checker is the first wall; `sandbox.py` runs programs with a handful of builtins as the
second, so a gap in one is not an escape.
"""

from __future__ import annotations

import ast
import contextlib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from conformance.suggest import did_you_mean

# Globals bound when a program runs. Attribute chains rooted at `torch` or `np` are API paths.
ROOTS = ("torch", "np")
GLOBALS = ("torch", "device", "np")

FORBIDDEN_NAMES: dict[str, str] = {
    "eval": "it runs arbitrary code",
    "exec": "it runs arbitrary code",
    "compile": "it compiles arbitrary code",
    "open": "it reads and writes files",
    "getattr": "it reaches attributes by a string name, around this checker",
    "setattr": "it sets attributes by a string name, around this checker",
    "delattr": "it deletes attributes by a string name, around this checker",
    "hasattr": "it probes attributes by a string name, around this checker",
    "globals": "it exposes the interpreter's namespaces",
    "locals": "it exposes the interpreter's namespaces",
    "vars": "it exposes the interpreter's namespaces",
    "dir": "it lists the interpreter's namespaces",
    "type": "it reaches and builds classes (type(x).mro(), type(name, bases, ns))",
    "object": "it is the root of the class hierarchy, the start of every subclass walk",
    "memoryview": "it exposes raw memory",
    "breakpoint": "it starts a debugger",
    "input": "it reads the terminal",
    "help": "it starts the interactive help system",
    "exit": "it ends the process",
    "quit": "it ends the process",
    "print": "specs state what they check in `expect`; output is not observed",
    "BaseException": "catching it would swallow the runner's interrupts; catch Exception",
    "KeyboardInterrupt": "it belongs to the runner, not to specs",
    "SystemExit": "it belongs to the runner, not to specs",
    "GeneratorExit": "it belongs to the interpreter, not to specs",
}

# Attributes that lead from any object to frames and code: the classic sandbox escapes.
FRAME_PREFIXES = ("gi_", "cr_", "ag_", "tb_", "f_", "co_")
FRAME_ATTRIBUTES = frozenset(
    {"func_globals", "func_code", "func_closure", "im_func", "im_self", "im_class"}
    | {"cell_contents"}
)

# Attribute names refused on any value with a reason, even when a program defines them itself.
ATTRIBUTE_REASONS: dict[str, str] = {
    "format": "str.format reads attributes through its fields ('{0.__class__}'); use an f-string",
    "format_map": "str.format_map reads attributes through its fields; use an f-string",
    "mro": "it walks the class hierarchy",
    "load": "it reads files, and unpickling runs code",
    "save": "it writes files",
    "from_file": "it reads files",
    "fromfile": "it reads files",
    "tofile": "it writes files",
    "dump": "it writes pickles to files",
    "dumps": "it pickles objects",
    "ctypes": "it exposes raw memory and C calls",
    "storage": "storages import modules by name (storage.type('os.system'))",
    "untyped_storage": "storages import modules by name (storage.type('os.system'))",
    "share_memory_": "it shares memory with other processes through files",
    "share_memory": "it shares memory with other processes through files",
    "storage_type": "storages import modules by name (storage.type('os.system'))",
    "set_default_tensor_type": "it imports modules by name",
    "compile": "it compiles code (nn.Module.compile)",
    "set_submodule": "it sets attributes by a string name, around this checker",
    "get_submodule": "it reaches attributes by a string name, around this checker",
    "get_parameter": "it reaches attributes by a string name, around this checker",
    "get_buffer": "it reaches attributes by a string name, around this checker",
    "system": "it runs shell commands",
    "popen": "it runs shell commands",
}

# Parts of torch and NumPy that must stay out of reach, with the reason a spec author is told.
API_REASONS: dict[str, str] = {
    "torch.hub": "it downloads and runs code",
    "torch.jit": "it compiles, saves and loads code",
    "torch.compile": "it compiles code",
    "torch.ops": "it reaches every registered native operator",
    "torch.library": "it registers new operators",
    "torch.utils": "it holds code loaders (cpp_extension) and data loaders that spawn processes",
    "torch.package": "it loads packaged code",
    "torch.multiprocessing": "it spawns processes",
    "torch.distributed": "it opens network connections and spawns processes",
    "torch.serialization": "it reads and writes files",
    "np.lib": "it holds file readers and writers (np.lib.format)",
    "np.ctypeslib": "it loads shared libraries",
    "np.f2py": "it builds extension modules",
    "np.distutils": "it builds extension modules",
}

_NO_IMPORT = "import is not allowed: specs reach the engine only through torch, device and np"
_REJECTED_NODES: dict[type, str] = {
    ast.Import: _NO_IMPORT,
    ast.ImportFrom: _NO_IMPORT,
    ast.Global: "'global' is not allowed: specs may not rebind names outside their own scope",
    ast.Nonlocal: "'nonlocal' is not allowed: specs may not rebind names outside their own scope",
    ast.AsyncFunctionDef: "async code is not allowed: coroutines expose frames (cr_frame)",
    ast.AsyncFor: "async code is not allowed: coroutines expose frames (cr_frame)",
    ast.AsyncWith: "async code is not allowed: coroutines expose frames (cr_frame)",
    ast.Await: "async code is not allowed: coroutines expose frames (cr_frame)",
    ast.Yield: "generators are not allowed: 'yield' creates suspended frames (gi_frame)",
    ast.YieldFrom: "generators are not allowed: 'yield' creates suspended frames (gi_frame)",
    ast.Match: "match statements are not allowed: class patterns read attributes by name",
}
if hasattr(ast, "TryStar"):  # Python 3.11+
    _REJECTED_NODES[ast.TryStar] = (
        "'except*' is not allowed: exception groups are not PyTorch semantics"
    )

_ALLOWED_NODES: tuple[type, ...] = (
    ast.Module, ast.Expression, ast.Expr, ast.Assign, ast.AugAssign, ast.AnnAssign,
    ast.Delete, ast.If, ast.For, ast.While, ast.Break, ast.Continue, ast.Pass, ast.With,
    ast.withitem, ast.Try, ast.ExceptHandler, ast.Raise, ast.Assert, ast.Return,
    ast.FunctionDef, ast.ClassDef, ast.Lambda, ast.arguments, ast.arg, ast.keyword,
    ast.Name, ast.Attribute, ast.Subscript, ast.Slice, ast.Starred, ast.NamedExpr, ast.Call,
    ast.Constant, ast.JoinedStr, ast.FormattedValue, ast.List, ast.Tuple, ast.Set, ast.Dict,
    ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.comprehension, ast.BoolOp,
    ast.BinOp, ast.UnaryOp, ast.Compare, ast.IfExp, ast.expr_context, ast.operator,
    ast.unaryop, ast.cmpop, ast.boolop,
)  # fmt: skip


@dataclass(frozen=True)
class ProgramError:
    line: int  # 1-based, within the program text
    column: int  # 1-based
    message: str

    def __str__(self) -> str:
        return f"{self.line}:{self.column}: {self.message}"


class ProgramRejected(Exception):
    """A program failed the checker; `errors` holds every problem found."""

    def __init__(self, errors: list[ProgramError]) -> None:
        super().__init__("; ".join(str(error) for error in errors))
        self.errors = errors


@dataclass(frozen=True)
class AllowList:
    """The allow-list as sets. `sections` maps each section title to its dotted API names so
    coverage can report per area; `namespaces` are the dotted paths on the way to an entry."""

    sections: dict[str, frozenset[str]]
    api: frozenset[str]
    namespaces: frozenset[str]
    attributes: frozenset[str]
    builtins: frozenset[str]

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> AllowList:
        sections = {
            title: frozenset(f"{space}.{name}" for space, names in spaces.items() for name in names)
            for title, spaces in data["api"].items()
        }
        api = frozenset().union(*sections.values())
        namespaces = frozenset(
            ".".join(parts[:i])
            for parts in (name.split(".") for name in api)
            for i in range(1, len(parts))
        )
        return cls(
            sections=sections,
            api=api,
            namespaces=namespaces,
            attributes=frozenset(n for names in data["value_attributes"].values() for n in names),
            builtins=frozenset(n for names in data["builtins"].values() for n in names),
        )


@cache
def allowlist() -> AllowList:
    text = resources.files("conformance").joinpath("allowlist.yaml").read_text(encoding="utf-8")
    return AllowList.from_data(yaml.safe_load(text))


def check_program(
    source: str, mode: str = "exec", *, program: str | None = None
) -> list[ProgramError]:
    """Every problem in `source`, sorted by position; empty when it may run.

    `mode` is "exec" for programs and "eval" for `expect` expressions. An expression is judged
    against the names and attributes its `program` defines; without one, any plain name is
    accepted (the sandbox still only binds what the program bound) but only allow-listed
    value attributes are.
    """
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError as exc:
        return [_syntax_error(exc)]
    checker = _Checker(source, tree, program)
    checker.visit(tree)
    if not checker.errors:
        try:
            compile(tree, "<spec>", mode, dont_inherit=True)
        except SyntaxError as exc:
            return [_syntax_error(exc)]
    return sorted(set(checker.errors), key=lambda e: (e.line, e.column, e.message))


def api_names(source: str, mode: str = "exec") -> set[str]:
    """The allow-listed torch./np. names `source` uses, for coverage; empty if it does not parse."""
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError:
        return set()
    checker = _Checker(source, tree, None)
    checker.visit(tree)
    return checker.api_used


def _syntax_error(exc: SyntaxError) -> ProgramError:
    return ProgramError(exc.lineno or 1, exc.offset or 1, f"syntax error: {exc.msg}")


def _is_dunder(name: str) -> bool:
    return len(name) > 4 and name.startswith("__") and name.endswith("__")


def _root_of(node: ast.expr) -> ast.expr:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node


def _is_api_chain(node: ast.expr) -> bool:
    root = _root_of(node)
    return isinstance(node, ast.Attribute) and isinstance(root, ast.Name) and root.id in ROOTS


def _bound_names(tree: ast.AST) -> set[str]:
    """Every name a program binds anywhere; scopes are not tracked, the sandbox does that."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            names.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
    return names


def _defined_attributes(tree: ast.AST) -> set[str]:
    """Attribute names a program gives its own objects: `self.fc = ...`, methods, class fields."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and not isinstance(node.ctx, ast.Load):
            names.add(node.attr)
        elif isinstance(node, ast.ClassDef):
            for stmt in node.body:
                if isinstance(stmt, ast.FunctionDef):
                    names.add(stmt.name)
                elif isinstance(stmt, ast.Assign | ast.AnnAssign):
                    targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                    names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


def _engine_aliases(tree: ast.AST) -> dict[str, str]:
    """Names bound directly to a torch/np entry (`T = torch.Tensor`), so `T.add = f` is caught
    as the engine modification it is. Best effort: the engine is also isolated per worker."""
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        value = getattr(node, "value", None)
        assigns = isinstance(node, ast.Assign | ast.AnnAssign | ast.NamedExpr)
        if assigns and value is not None and _is_api_chain(value):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    aliases[target.id] = ast.unparse(value)
    return aliases


class _Checker(ast.NodeVisitor):
    def __init__(self, source: str, tree: ast.AST, program: str | None) -> None:
        self.allowed = allowlist()
        self.lines = source.splitlines()
        self.errors: list[ProgramError] = []
        self.api_used: set[str] = set()
        trees = [tree]
        if program is not None:
            with contextlib.suppress(SyntaxError):  # the program's own check reports it
                trees.append(ast.parse(program))
        # An expression alone cannot say which names exist; it is only strict with its program.
        self.strict_names = isinstance(tree, ast.Module) or program is not None
        self.bound = set().union(*map(_bound_names, trees))
        self.defined_attributes = {
            name
            for name in set().union(*map(_defined_attributes, trees))
            if self._attribute_problem(name) is None
        }
        self.aliases = {k: v for t in trees for k, v in _engine_aliases(t).items()}
        self.last_position = (1, 0)

    # -- reporting ---------------------------------------------------------------------------

    def error(self, node: ast.AST, message: str, at_attribute: bool = False) -> None:
        if at_attribute and isinstance(node, ast.Attribute) and node.end_lineno is not None:
            line = node.end_lineno
            offset = (node.end_col_offset or 0) - len(node.attr.encode())
        else:
            line = getattr(node, "lineno", self.last_position[0])
            offset = getattr(node, "col_offset", self.last_position[1])
        self.errors.append(ProgramError(line, self._column(line, offset), message))

    def _column(self, line: int, byte_offset: int) -> int:
        if 1 <= line <= len(self.lines):
            return len(self.lines[line - 1].encode()[:byte_offset].decode(errors="ignore")) + 1
        return byte_offset + 1

    # -- dispatch ----------------------------------------------------------------------------

    def visit(self, node: ast.AST) -> Any:
        if hasattr(node, "lineno"):
            self.last_position = (node.lineno, node.col_offset)
        if not isinstance(node, _ALLOWED_NODES):
            reason = _REJECTED_NODES.get(type(node), f"'{type(node).__name__}' is not allowed")
            self.error(node, reason)
            # Keep looking inside (an import in an async def is a second problem), but not at
            # parts that only exist there: aliases, match patterns.
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.stmt | ast.expr):
                    self.visit(child)
            return None
        return super().visit(node)

    # -- names -------------------------------------------------------------------------------

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self.check_name_load(node.id, node)
        else:
            self.check_binding(node.id, node)

    def check_name_load(self, name: str, node: ast.AST) -> None:
        if self.name_problem(name, node):
            return
        if name in ROOTS:
            self.error(
                node,
                f"'{name}' can only be used through allow-listed names such as {name}."
                f"{'tensor' if name == 'torch' else 'array'}; the namespace itself cannot be "
                "stored, aliased or passed around",
            )
        elif self.strict_names and not (
            name in GLOBALS or name in self.allowed.builtins or name in self.bound
        ):
            hint = did_you_mean(name, [*GLOBALS, *self.bound, *self.allowed.builtins])
            self.error(
                node,
                f"unknown name '{name}'{hint + ' S' if hint else '; s'}pec programs can use "
                "torch, device, np, the names they define, and the builtins listed in "
                "conformance/allowlist.yaml",
            )

    def check_binding(self, name: str, node: ast.AST) -> None:
        if self.name_problem(name, node):
            return
        if name in GLOBALS:
            self.error(node, f"spec programs may not rebind or delete '{name}'")

    def name_problem(self, name: str, node: ast.AST) -> bool:
        """Report what is wrong with `name` in any position; True if something was."""
        if _is_dunder(name):
            self.error(
                node,
                f"dunder name '{name}' is not allowed: double-underscore names reach "
                "interpreter internals",
            )
        elif name in FORBIDDEN_NAMES:
            self.error(node, f"'{name}' is not available to spec programs: {FORBIDDEN_NAMES[name]}")
        else:
            return False
        return True

    def visit_arg(self, node: ast.arg) -> None:
        self.check_binding(node.arg, node)
        if node.annotation is not None:
            self.visit(node.annotation)

    def visit_keyword(self, node: ast.keyword) -> None:
        if node.arg is not None and _is_dunder(node.arg):
            self.error(node, f"dunder keyword argument '{node.arg}' is not allowed")
        self.visit(node.value)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.type is None:
            self.error(
                node,
                "bare 'except:' is not allowed: it would swallow the runner's interrupts; "
                "name the exception (except RuntimeError:)",
            )
        if node.name is not None:
            self.check_binding(node.name, node)
        self.generic_visit(node)

    def visit_comprehension(self, node: ast.comprehension) -> None:
        if node.is_async:
            self.error(node.target, _REJECTED_NODES[ast.AsyncFor])
        self.generic_visit(node)

    # -- definitions -------------------------------------------------------------------------

    def visit_FunctionDef(self, node: ast.FunctionDef, method: bool = False) -> None:
        if node.name == "__init__" and method:
            pass
        elif _is_dunder(node.name):
            self.error(
                node,
                f"dunder method '{node.name}' is not allowed: the only special method a spec "
                "may define is __init__, directly in a class body",
            )
        else:
            self.check_binding(node.name, node)
        for item in [*node.decorator_list, node.args, *node.body]:
            self.visit(item)
        if node.returns is not None:
            self.visit(node.returns)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.check_binding(node.name, node)
        for keyword in node.keywords:
            self.error(
                keyword,
                f"class keyword '{keyword.arg}=' is not allowed: metaclasses and class "
                "keywords run code while the class is built",
            )
        for item in [*node.decorator_list, *node.bases]:
            self.visit(item)
        for stmt in node.body:
            if isinstance(stmt, ast.FunctionDef):
                self.last_position = (stmt.lineno, stmt.col_offset)
                self.visit_FunctionDef(stmt, method=True)
            else:
                self.visit(stmt)

    # -- attributes --------------------------------------------------------------------------

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        is_super_init = (
            isinstance(func, ast.Attribute)
            and func.attr == "__init__"
            and isinstance(func.value, ast.Call)
            and isinstance(func.value.func, ast.Name)
            and func.value.func.id == "super"
            and not func.value.args
            and not func.value.keywords
        )
        if not is_super_init:
            self.visit(func)
        for item in [*node.args, *node.keywords]:
            self.visit(item)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if _is_api_chain(node):
            self.check_api_chain(node)
            return
        self.check_value_attribute(node)
        self.visit(node.value)

    def check_api_chain(self, node: ast.Attribute) -> None:
        """`torch.a.b.c`: the longest part that is an entry must be one, and what follows it is
        value attributes (`torch.float32.is_floating_point`)."""
        links: list[ast.Attribute] = []
        current: ast.expr = node
        while isinstance(current, ast.Attribute):
            links.insert(0, current)
            current = current.value
        path = current.id if isinstance(current, ast.Name) else ""
        dotted = ast.unparse(node)
        if not isinstance(node.ctx, ast.Load):
            self.error(node, f"specs may not modify the engine namespace ('{dotted}')")
            return
        for index, link in enumerate(links):
            problem = self._attribute_problem(link.attr)
            path = f"{path}.{link.attr}"
            if problem is not None:
                self.error(link, f"{problem} ('{path}')", at_attribute=True)
                return
            if path in self.allowed.api:
                self.api_used.add(path)
                for rest in links[index + 1 :]:
                    self.check_value_attribute(rest)
                return
            if path not in self.allowed.namespaces:
                self.error(link, self._api_refusal(path), at_attribute=True)
                return
        example = min(name for name in self.allowed.api if name.startswith(path + "."))
        self.error(
            node,
            f"'{path}' is a namespace, not an allow-listed name; spell out what you use "
            f"(e.g. '{example}'), a namespace cannot be stored or passed around",
        )

    def _api_refusal(self, path: str) -> str:
        message = f"'{path}' is not on the allow-list of torch and NumPy names"
        parts = path.split(".")
        prefixes = [".".join(parts[:i]) for i in range(2, len(parts) + 1)]
        reason = next((API_REASONS[p] for p in prefixes if p in API_REASONS), None)
        reason = reason or ATTRIBUTE_REASONS.get(parts[-1])
        if reason:
            return f"{message}: {reason}"
        hint = did_you_mean(path, self.allowed.api)
        return f"{message}{hint} (add it to conformance/allowlist.yaml if it is safe)"

    def check_value_attribute(self, node: ast.Attribute) -> None:
        name = node.attr
        problem = self._attribute_problem(name)
        if problem is not None:
            self.error(node, problem, at_attribute=True)
        elif not isinstance(node.ctx, ast.Load):
            if isinstance(node.value, ast.Name) and node.value.id in self.aliases:
                alias = node.value.id
                self.error(
                    node,
                    f"specs may not modify the engine namespace ('{alias}' is "
                    f"{self.aliases[alias]})",
                )
        elif name not in self.allowed.attributes and name not in self.defined_attributes:
            self.error(
                node,
                f"attribute '{name}' is not on the allow-list of value attributes (methods "
                "and attributes of tensors, modules, grad_fn nodes, ...) and the program does "
                "not define it; torch API is reached by its full name (torch.nn.Linear)",
                at_attribute=True,
            )

    def _attribute_problem(self, name: str) -> str | None:
        """Why `name` can never be an attribute in a spec, whatever the program defines."""
        if _is_dunder(name):
            return (
                f"dunder attribute '{name}' is not allowed: double-underscore attributes "
                "reach interpreter internals (the one exception is super().__init__(...))"
            )
        if name in FRAME_ATTRIBUTES or name.startswith(FRAME_PREFIXES):
            return f"attribute '{name}' reaches interpreter frames or code objects"
        if name in ATTRIBUTE_REASONS:
            return f"attribute '{name}' is not allowed: {ATTRIBUTE_REASONS[name]}"
        if name.startswith("_") and name not in self.allowed.attributes:
            private = ", ".join(sorted(n for n in self.allowed.attributes if n.startswith("_")))
            return (
                f"private attribute '{name}' is not allowed: specs use public API "
                f"(allowed private attributes: {private})"
            )
        return None
