"""The rules of ``audit_code``: one pass over a module's syntax tree, nothing imported.

Each finding names a rule id; the ids, what they catch and the hint printed with them:

- ``session-read`` / ``session-write``: ``request.session`` (or ``self.request.session``)
  read, or written (item assignment, ``del``, ``pop``/``update``/``flush``/…).
- ``login-call``: ``django.contrib.auth.login()``/``logout()`` called, resolved through
  the module's imports (``from django.contrib.auth import login as auth_login`` counts).
- ``media-write``: a file written under ``MEDIA_ROOT`` (``open(…, "w")``, ``write_bytes``,
  ``shutil.copy``…) where the path mentions ``MEDIA_ROOT`` or a local name built from it.
- ``open-in-view``: ``open()`` in a views module or in a function that takes ``request``.
- ``module-state``: a module-level ``dict``/``list``/``set``/``defaultdict``/… that a
  function of the module changes: each worker process keeps its own copy.
- ``request-cache``: ``functools.lru_cache``/``cache`` on a function taking a request or
  a user: the memo is per process and keyed by objects of one request.
- ``thread-local``: ``threading.local`` (or ``asgiref.local.Local``) created or subclassed.
- ``per-process-cache``: ``caches["alias"]`` (or ``django.core.cache.cache``) where the
  alias is a per-process cache not sanctioned in ``CACHES`` (see shop/migration/checks.py).
"""

import ast
from dataclasses import dataclass

from shop.migration.checks import per_process_backend, sanctioned

HINTS = {
    "session-read": "Per-user state read from the server-side session: identity comes from "
    "the request's identity (request.user), carts from request.cart_session, anything "
    "else from a signed cookie or Redis keyed by the user or cart token.",
    "session-write": "Per-user state written to the server-side session: keep it in a "
    "signed cookie (small, per browser) or in Redis keyed by the user or cart token.",
    "login-call": "Session sign-in outside the identity backends: sign in and out through "
    "the identity interface (accounts), which writes JWT cookies in the stateless profile.",
    "media-write": "A file written to this instance's disk: other instances answer 404. "
    "Save through default_storage (S3 in the stateless profile).",
    "open-in-view": "A view opening a local file: if it was written at run time, only this "
    "instance has it. Read and write through default_storage instead.",
    "module-state": "Process memory shared by the requests of one worker only: use Redis "
    "(or the database) for anything a later request must see.",
    "request-cache": "A per-process memo keyed by a request or user: it never sees changes "
    "made on other workers and keeps objects alive. Cache by id in Redis, or not at all.",
    "thread-local": "State kept per thread lives and dies with the worker: pass it "
    "explicitly, or keep it in Redis.",
    "per-process-cache": "This cache alias lives in each process: point it at Redis, or, "
    'for non-user data only, sanction it in CACHES with "STATELESS_PER_PROCESS": "<why>".',
}

SESSION_WRITERS = {
    "pop", "popitem", "setdefault", "update", "clear", "flush", "cycle_key", "set_expiry",
    "save", "delete", "create", "set_test_cookie", "delete_test_cookie", "__setitem__",
    "__delitem__",
}  # fmt: skip
CONTAINER_CALLS = {
    "dict", "list", "set", "bytearray", "collections.defaultdict", "collections.OrderedDict",
    "collections.Counter", "collections.deque", "weakref.WeakValueDictionary",
    "weakref.WeakKeyDictionary", "weakref.WeakSet",
}  # fmt: skip
CONTAINER_MUTATORS = {
    "append", "extend", "insert", "add", "update", "setdefault", "pop", "popitem", "clear",
    "remove", "discard", "appendleft", "extendleft", "__setitem__", "__delitem__",
}  # fmt: skip
MEMO_DECORATORS = {"functools.lru_cache", "functools.cache"}
THREAD_LOCALS = {"threading.local", "_threading_local.local", "asgiref.local.Local"}
AUTH_CALLS = {"django.contrib.auth.login", "django.contrib.auth.logout"}
FILE_WRITERS = {"write_text", "write_bytes", "touch", "mkdir", "symlink_to", "rename"}
PATH_WRITERS = {
    "shutil.copy", "shutil.copy2", "shutil.copyfile", "shutil.copytree", "shutil.move",
    "os.makedirs", "os.mkdir", "os.rename", "os.replace", "os.symlink",
}  # fmt: skip
REQUEST_OR_USER = {"request", "user", "req"}


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    column: int
    rule: str
    message: str

    @property
    def hint(self):
        return HINTS[self.rule]

    def as_dict(self):
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "rule": self.rule,
            "message": self.message,
            "hint": self.hint,
        }


def audit_source(source, path, *, views_module=False):
    """The findings of one module's source; ``SyntaxError`` propagates."""
    tree = ast.parse(source, filename=path)
    return _ModuleAudit(tree, path, views_module=views_module).run()


class _ModuleAudit(ast.NodeVisitor):
    def __init__(self, tree, path, *, views_module):
        self.tree, self.path, self.views_module = tree, path, views_module
        self.findings = {}
        self.imports = {}
        self.functions = []  # the enclosing FunctionDef nodes, innermost last
        self.tainted = [set()]  # per function: local names built from MEDIA_ROOT
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                child.parent = node
            if isinstance(node, ast.Import):
                for alias in node.names:
                    local = alias.asname or alias.name.split(".")[0]
                    self.imports[local] = alias.name if alias.asname else local
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    self.imports[alias.asname or alias.name] = f"{node.module}.{alias.name}"

    def run(self):
        self.visit(self.tree)
        self._module_state()
        return sorted(self.findings.values(), key=lambda f: (f.line, f.column, f.rule))

    def report(self, node, rule, message):
        # One finding per node: a media write that is also an open() in a view is one.
        self.findings.setdefault(
            (node.lineno, node.col_offset),
            Finding(self.path, node.lineno, node.col_offset + 1, rule, message),
        )

    def qualname(self, node):
        """``a.b.c`` with the first name resolved through the module's imports, or None."""
        if isinstance(node, ast.Name):
            return self.imports.get(node.id, node.id)
        if isinstance(node, ast.Attribute):
            base = self.qualname(node.value)
            return f"{base}.{node.attr}" if base else None
        return None

    # --- Scopes ------------------------------------------------------------------------

    def visit_FunctionDef(self, node):
        self._memo(node)
        self.functions.append(node)
        self.tainted.append(set())
        self.generic_visit(node)
        self.tainted.pop()
        self.functions.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node):
        for base in node.bases:
            if self.qualname(base) in THREAD_LOCALS:
                self.report(node, "thread-local", f"class {node.name} keeps state per thread")
        self.generic_visit(node)

    def visit_Assign(self, node):
        if self._mentions_media(node.value):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    self.tainted[-1].add(target.id)
        self.generic_visit(node)

    # --- Expressions -------------------------------------------------------------------

    def visit_Attribute(self, node):
        if node.attr == "session" and self._is_request(node.value):
            writes = self._session_write(node)
            self.report(
                node,
                "session-write" if writes else "session-read",
                f"request.session {'written' if writes else 'read'}",
            )
        self.generic_visit(node)

    def visit_Subscript(self, node):
        if self.qualname(node.value) == "django.core.cache.caches":
            alias = node.slice
            if isinstance(alias, ast.Constant) and isinstance(alias.value, str):
                self._cache_alias(node, alias.value)
        self.generic_visit(node)

    def visit_Name(self, node):
        if self.imports.get(node.id) == "django.core.cache.cache" and isinstance(
            node.ctx, ast.Load
        ):
            self._cache_alias(node, "default")

    def visit_Call(self, node):
        name = self.qualname(node.func)
        if name in AUTH_CALLS:
            self.report(node, "login-call", f"{name.rsplit('.', 1)[1]}() with a session")
        elif name in THREAD_LOCALS:
            self.report(node, "thread-local", f"{name}() keeps state per thread")
        elif name == "open" or name == "io.open":
            self._open(node)
        elif name in PATH_WRITERS and any(self._mentions_media(arg) for arg in node.args[1:]):
            self.report(node, "media-write", f"{name}() into MEDIA_ROOT")
        elif isinstance(node.func, ast.Attribute) and self._mentions_media(node.func.value):
            method = node.func.attr
            if method in FILE_WRITERS or (method == "open" and _writes(node, 0)):
                self.report(node, "media-write", f".{method}() under MEDIA_ROOT")
        self.generic_visit(node)

    # --- Helpers -----------------------------------------------------------------------

    def _is_request(self, node):
        if isinstance(node, ast.Name):
            return node.id in {"request", "req"}
        return isinstance(node, ast.Attribute) and node.attr == "request"

    def _session_write(self, node):
        parent = node.parent
        if isinstance(parent, ast.Subscript) and parent.value is node:
            return isinstance(parent.ctx, ast.Store | ast.Del)
        if isinstance(parent, ast.Attribute) and parent.value is node:
            if isinstance(parent.ctx, ast.Store):
                return True  # request.session.modified = True
            call = parent.parent
            return (
                isinstance(call, ast.Call)
                and call.func is parent
                and (parent.attr in SESSION_WRITERS)
            )
        return isinstance(parent, ast.Assign | ast.AugAssign) and node in getattr(
            parent, "targets", [getattr(parent, "target", None)]
        )

    def _mentions_media(self, node):
        for child in ast.walk(node):
            if isinstance(child, ast.Attribute) and child.attr == "MEDIA_ROOT":
                return True
            if isinstance(child, ast.Name) and (
                child.id == "MEDIA_ROOT" or any(child.id in names for names in self.tainted)
            ):
                return True
        return False

    def _open(self, node):
        if node.args and self._mentions_media(node.args[0]) and _writes(node, 1):
            self.report(node, "media-write", "open() for writing under MEDIA_ROOT")
        elif self.views_module or self._in_request_function():
            self.report(node, "open-in-view", "open() in a view")

    def _in_request_function(self):
        for function in self.functions:
            params = [arg.arg for arg in function.args.args[:2]]
            if "request" in params:
                return True
        return False

    def _memo(self, node):
        for decorator in node.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            if self.qualname(target) not in MEMO_DECORATORS:
                continue
            params = [
                arg
                for arg in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
                if _is_request_or_user(arg)
            ]
            if params:
                self.report(
                    decorator,
                    "request-cache",
                    f"{self.qualname(target)} on {node.name}({params[0].arg}, …)",
                )

    def _cache_alias(self, node, alias):
        backend = per_process_backend(alias)
        if backend is not None and not sanctioned(alias):
            self.report(node, "per-process-cache", f"cache alias {alias!r} is a {backend.__name__}")

    def _module_state(self):
        containers = {}
        for statement in self.tree.body:
            targets, value = _assignment(statement)
            if value is not None and self._is_container(value):
                for target in targets:
                    if isinstance(target, ast.Name):
                        containers[target.id] = statement
        if not containers:
            return
        for function in ast.walk(self.tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for name in _mutated_names(function) & containers.keys():
                statement = containers.pop(name)
                self.report(
                    statement,
                    "module-state",
                    f"module-level {name} is changed by {function.name}() (line {function.lineno})",
                )

    def _is_container(self, node):
        if isinstance(node, ast.Dict | ast.List | ast.Set | ast.ListComp | ast.DictComp):
            return True
        if isinstance(node, ast.SetComp):
            return True
        return isinstance(node, ast.Call) and self.qualname(node.func) in CONTAINER_CALLS


def _assignment(statement):
    if isinstance(statement, ast.Assign):
        return statement.targets, statement.value
    if isinstance(statement, ast.AnnAssign) and statement.value is not None:
        return [statement.target], statement.value
    return [], None


def _mutated_names(function):
    """Names a function changes in place (``x[k] = v``, ``x.append()``) or rebinds as globals."""
    names = set()
    declared_global = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Global):
            declared_global.update(node.names)
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store | ast.Del):
            if isinstance(node.value, ast.Name):
                names.add(node.value.id)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in CONTAINER_MUTATORS
            and isinstance(node.func.value, ast.Name)
        ):
            names.add(node.func.value.id)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)  # `x |= {...}` changes a list or set in place
    return names | declared_global


def _writes(call, mode_position):
    """Whether an ``open()``-like call opens for writing (its mode has w, a, x or +)."""
    mode = call.args[mode_position] if len(call.args) > mode_position else None
    for keyword in call.keywords:
        if keyword.arg == "mode":
            mode = keyword.value
    if mode is None:
        return False
    if isinstance(mode, ast.Constant) and isinstance(mode.value, str):
        return any(flag in mode.value for flag in "wax+")
    return True  # a computed mode may write; say so rather than miss it


def _is_request_or_user(arg):
    if arg.arg in REQUEST_OR_USER or arg.arg.endswith("_user") or arg.arg.endswith("_request"):
        return True
    annotation = ast.unparse(arg.annotation) if arg.annotation is not None else ""
    return "HttpRequest" in annotation or annotation.endswith("User")
