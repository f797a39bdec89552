"""Checks agent-written Python against the sandbox policy before any of it runs.

Installed as the module ``_mcp_policy`` before the memory snapshot is taken (like the runner).
The runner calls ``check`` first; nothing of the program has run at that point.

The checks work on the syntax tree from Python's own ``ast`` parser, so they are exact: a word
inside a string or a comment is not code, and ``evaluate`` is not ``eval``. They cover imports
outside the allowlist, denied names (as a variable read, assigned or deleted, a function, class or
parameter name, an ``import … as`` name; a method name is an attribute and may stay),
denied attributes (``x.attr``, ``from m import attr``, ``getattr(x, "attr")``,
``attrgetter("attr")`` and ``attrgetter(*["attr"])``, class patterns in ``match``, and fields of
literal format strings: ``"{0.__self__}".format(x)``, ``Formatter().get_field("0.__self__", …)``,
where every dunder is refused), and the functions that look attributes up by name used other than
by a direct call (``g = getattr``, ``reduce(getattr, …)``, ``from operator import attrgetter as
ag``). Every violation is reported with its line (from 1) and column (from 0, in characters) and
how to comply.

What the checks read from literal strings is in ``policy_literals.py`` (``_mcp_policy_literals``),
how a refusal is worded in ``policy_report.py`` (``_mcp_policy_report``); both are installed
before this module, which imports them (they import nothing of the sandbox).

This is policy and defence in depth: code can still compute names at run time
(``getattr(x, name)``). The zero-permission child process is the security boundary.
"""

import ast
import re

from _mcp_policy_literals import (
    field_attributes,
    format_fields,
    formats_its_argument,
    is_text,
    literal_strings,
)
from _mcp_policy_report import ALLOWED, MAX_LISTED, refusal, shorten

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_ATTRIBUTE_FUNCTIONS = {"getattr": 1, "setattr": 1, "delattr": 1, "hasattr": 1}
# Functions that look attributes up by a name given as a string: only a direct call shows the name.
_CALL_ONLY = {"getattr", "setattr", "delattr", "attrgetter", "methodcaller"}
# Methods whose format string (receiver or first argument) may reach attributes: "{0.attr}".
_FORMAT_RECEIVERS = {"format", "format_map"}
_FORMAT_ARGUMENTS = {"format", "format_map", "vformat"}
_CALL_ONLY_HINT = (
    "call it directly, getattr(obj, \"name\") with the name written out, instead of passing it "
    "around or renaming it"
)

_CODE_FROM_STRINGS = "write the code itself instead of building it from strings"
_NAME_HINTS = {
    "eval": _CODE_FROM_STRINGS + " (json.loads parses JSON data)",
    "exec": _CODE_FROM_STRINGS,
    "compile": _CODE_FROM_STRINGS + " (re.compile is fine)",
    "__import__": "use an import statement for an allowed module",
    "__builtins__": "call built-in functions by their own names (len, print, …)",
    "globals": "refer to variables by name, or keep dynamic data in a dict",
    "locals": "refer to variables by name, or keep dynamic data in a dict",
    "vars": "refer to variables by name; for an object's fields use dataclasses.asdict()",
    "breakpoint": "there is no debugger in the sandbox; print() the values instead",
}
_NAME_HINT = "the sandbox policy denies this name (denied_names); choose another name or approach"
_ATTRIBUTE_HINT = (
    "it reaches Python's internals or a module outside the allowlist (denied_attributes); "
    "use your data's own attributes and the allowed modules"
)


class _Checker:
    """Collects every violation in one syntax tree."""

    def __init__(self, code, policy):
        self.lines = _LINE_BREAK.split(code)
        self.allowed = list(policy.get("allowed_imports") or [])
        self.denied_names = set(policy.get("denied_names") or [])
        self.denied_attributes = set(policy.get("denied_attributes") or [])
        self.violations = []
        self.methods = set()
        self.called = set()

    # Positions -----------------------------------------------------------------------------

    def _col(self, line, byte_col):
        """Converts the parser's UTF-8 byte offset into a character column."""
        if not 1 <= line <= len(self.lines):
            return byte_col
        return len(self.lines[line - 1].encode("utf-8")[:byte_col].decode("utf-8", "ignore"))

    def _add(self, rule, line, byte_col, text, fix):
        col = self._col(line, byte_col)
        self.violations.append(
            {"rule": rule, "line": line, "col": col, "text": f"{text} (line {line}, col {col})",
             "fix": fix}
        )

    # Imports -------------------------------------------------------------------------------

    def _allowed(self, module):
        return any(module == entry or module.startswith(entry + ".") for entry in self.allowed)

    def _import_fix(self, module):
        top = module.split(".")[0]
        parts = sorted(e for e in self.allowed if e.startswith(top + "."))
        listed = shorten(self.allowed)
        if parts and not self._allowed(top):
            parent, name = parts[0].rsplit(".", 1)
            return (f'of "{top}" only {", ".join(parts)} may be imported (from {parent} import '
                    f"{name}); {ALLOWED}{listed}")
        return f"{ALLOWED}{listed}"

    def _import_violation(self, node, module):
        self._add("import", node.lineno, node.col_offset, f'import "{module}" is not allowed',
                  self._import_fix(module))

    def _check_import(self, node):
        for alias in node.names:
            if not self._allowed(alias.name):
                self._import_violation(node, alias.name)

    def _check_import_from(self, node):
        if node.level:
            dots = "." * node.level
            self._add("import", node.lineno, node.col_offset,
                      f'relative import "from {dots}{node.module or ""} import …" is not allowed',
                      "there is no package around the program, import modules by their full "
                      f"name; {ALLOWED}{shorten(self.allowed)}")
            return
        module = node.module or ""
        if self._allowed(module):
            return
        refused = [a.name for a in node.names if a.name == "*" or not self._allowed(
            f"{module}.{a.name}")]
        if len(refused) == len(node.names):
            self._import_violation(node, module)
        else:
            for name in refused:
                self._import_violation(node, f"{module}.{name}")

    # Names and attributes ------------------------------------------------------------------

    def _name(self, name, line, byte_col):
        if name in self.denied_names:
            self._add("name", line, byte_col, f'name "{name}" is not allowed',
                      _NAME_HINTS.get(name, _NAME_HINT))

    def _attribute(self, name, line, byte_col, how=None):
        if name in self.denied_attributes:
            self._add("attribute", line, byte_col,
                      how or f'attribute "{name}" is not allowed', _ATTRIBUTE_HINT)

    def _attribute_strings(self, call):
        """``getattr(x, "__globals__")`` and ``attrgetter("a.__globals__")`` name attributes."""
        func = call.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name in _ATTRIBUTE_FUNCTIONS:
            index = _ATTRIBUTE_FUNCTIONS[name]
            args = call.args[index:index + 1]
        elif name in ("attrgetter", "methodcaller"):
            args = call.args[:1] if name == "methodcaller" else call.args
        else:
            return
        for arg in literal_strings(args):
            for part in arg.value.split("."):
                self._attribute(part, arg.lineno, arg.col_offset,
                                f'attribute "{part}" is not allowed, not even by name in '
                                f"{name}()")

    def _format_fields(self, call):
        """``"{0.__self__}".format(x)`` and ``Formatter().get_field("0.__self__", …)``."""
        func = call.func
        if not isinstance(func, ast.Attribute):
            return
        receiver = func.value
        if func.attr in _FORMAT_RECEIVERS and is_text(receiver):
            self._format_string(receiver, func.attr)
        elif (func.attr in _FORMAT_ARGUMENTS and call.args and is_text(call.args[0])
              and formats_its_argument(receiver, func.attr)):
            self._format_string(call.args[0], func.attr)
        elif func.attr == "get_field" and call.args and is_text(call.args[0]):
            self._field(call.args[0], call.args[0].value, "get_field")

    def _format_string(self, node, how):
        for field in format_fields(node.value):
            self._field(node, field, how)

    def _field(self, node, field, how):
        for part in field_attributes(field):
            if part in self.denied_attributes or (part.startswith("__") and part.endswith("__")):
                self._add("attribute", node.lineno, node.col_offset,
                          f'attribute "{part}" is not allowed, not even in a format field '
                          f"({how})", _ATTRIBUTE_HINT)

    def _call_only(self, name, node, called):
        """``getattr`` and friends as a value (``g = getattr``, ``reduce(getattr, …)``)."""
        if name in _CALL_ONLY and id(node) not in called:
            rule = "name" if isinstance(node, ast.Name) else "attribute"
            self._add(rule, node.lineno, node.col_offset,
                      f'"{name}" may only be called directly', _CALL_ONLY_HINT)

    def _node(self, node):
        if isinstance(node, ast.Import):
            self._check_import(node)
            for alias in node.names:
                if alias.asname:
                    self._name(alias.asname, node.lineno, node.col_offset)
        elif isinstance(node, ast.ImportFrom):
            self._check_import_from(node)
            for alias in node.names:
                if alias.name in self.denied_attributes:
                    self._attribute(alias.name, node.lineno, node.col_offset,
                                    f'attribute "{alias.name}" is not allowed, not even '
                                    "through from … import")
                else:
                    self._name(alias.name, node.lineno, node.col_offset)
                if alias.asname:
                    self._name(alias.asname, node.lineno, node.col_offset)
                    if alias.name in _CALL_ONLY and alias.asname != alias.name:
                        self._add("name", node.lineno, node.col_offset,
                                  f'"{alias.name}" may not be renamed', _CALL_ONLY_HINT)
        elif isinstance(node, ast.Name):
            self._name(node.id, node.lineno, node.col_offset)
            if isinstance(node.ctx, ast.Load):
                self._call_only(node.id, node, self.called)
        elif isinstance(node, ast.Attribute):
            # Point at the attribute itself, not at the start of the expression before the dot.
            self._attribute(node.attr, node.end_lineno,
                            node.end_col_offset - len(node.attr.encode("utf-8")))
            if isinstance(node.ctx, ast.Load):
                self._call_only(node.attr, node, self.called)
        elif isinstance(node, ast.arg):
            self._name(node.arg, node.lineno, node.col_offset)
        elif isinstance(node, ast.ClassDef):
            self._name(node.name, node.lineno, node.col_offset)
            # A method is an attribute of its class, not a variable: `def eval(self)` may stay.
            self.methods.update(
                id(item) for item in node.body
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
            )
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if id(node) not in self.methods:
                self._name(node.name, node.lineno, node.col_offset)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            for name in node.names:
                self._name(name, node.lineno, node.col_offset)
        elif isinstance(node, ast.Call):
            # Breadth first: a call is seen before the function it calls.
            self.called.add(id(node.func))
            self._attribute_strings(node)
            self._format_fields(node)
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            self._name(node.name, node.lineno, node.col_offset)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            self._name(node.rest, node.lineno, node.col_offset)
        elif isinstance(node, ast.MatchClass):
            for attr in node.kwd_attrs:
                self._attribute(attr, node.lineno, node.col_offset)

    def run(self, tree):
        # ast.walk is iterative (breadth first, so a class is seen before its methods): deeply
        # nested code cannot overflow the checker's stack.
        for node in ast.walk(tree):
            self._node(node)
        self.violations.sort(key=lambda v: (v["line"], v["col"], v["rule"], v["text"]))
        return self.violations


def violations(code, policy):
    """Every violation of ``policy`` in ``code`` as dicts (rule, line, col, text, fix).

    Raises SyntaxError or ValueError when the code does not parse.
    """
    tree = ast.parse(code, "<code>", "exec")
    return _Checker(code, policy).run(tree)


def check(code, policy):
    """None when ``code`` may run (or does not parse: the runner reports the syntax error),
    else the POLICY_VIOLATION outcome listing every violation."""
    try:
        found = violations(code, policy)
    except (SyntaxError, ValueError):
        return None
    except Exception as exc:  # noqa: BLE001 - code that cannot be checked must not run
        found = [{
            "rule": "uncheckable", "line": 1, "col": 0,
            "text": f"the code could not be checked ({type(exc).__name__}) (line 1, col 0)",
            "fix": "simplify it (for example, fewer nested brackets) and run it again",
        }]
    return refusal(found) if found else None


__all__ = ["check", "violations", "MAX_LISTED"]
