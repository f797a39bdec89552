"""Runs one program of agent-written Python inside the sandbox child.

Installed as the module ``_mcp_runner`` before the memory snapshot is taken, so every child
starts with it (and the stdlib modules it imports) already loaded. It never touches JS objects at
import time: the relay module ``_mcp_relay`` is registered by the worker after the snapshot is
restored and imported lazily here.
"""

import ast
import asyncio
import builtins
import inspect
import json
import linecache
import sys
import traceback

# Warm the modules agent code reaches for most, so that importing them costs nothing per run.
import base64  # noqa: F401
import collections  # noqa: F401
import csv  # noqa: F401
import dataclasses  # noqa: F401
import datetime  # noqa: F401
import decimal  # noqa: F401
import functools  # noqa: F401
import hashlib  # noqa: F401
import itertools  # noqa: F401
import math  # noqa: F401
import random  # noqa: F401
import re  # noqa: F401
import statistics  # noqa: F401
import textwrap  # noqa: F401
import tokenize  # noqa: F401
import typing  # noqa: F401

import _mcp_policy  # sandbox/policy.py, installed before this module

CODE_FILENAME = "<code>"
_LAST = "__mcp_last_value__"
_INTERNAL_FILES = ("<mcp-runner>", "<exec>")
_INTERNAL_DIRS = ("/_pyodide/", "/pyodide/", "<frozen ")


class ToolError(Exception):
    """Raised when a tool call fails: the upstream reported an error or could not be reached.

    Attributes: ``server``, ``tool``, ``code`` (an error code such as ``TOOL_ERROR``,
    ``INVALID_ARGUMENTS`` or ``UPSTREAM_UNAVAILABLE``) and the message as ``str(err)``.
    """

    def __init__(self, message, server="", tool="", code="TOOL_ERROR"):
        super().__init__(message)
        self.server = server
        self.tool = tool
        self.code = code


class ToolCallLimitExceeded(BaseException):
    """Raised when a run makes more tool calls than allowed; it ends the run."""


def _payload(label, args):
    try:
        return json.dumps(args, allow_nan=False)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{label}: arguments must be JSON-serialisable ({err})") from None


def _unwrap(raw, server, tool):
    reply = json.loads(raw)
    if reply["ok"]:
        return reply["value"]
    error = reply["error"]
    if error["code"] == "TOOL_CALL_LIMIT":
        raise ToolCallLimitExceeded(error["message"])
    raise ToolError(error["message"], server=server, tool=tool, code=error["code"])


def _arguments(label, args, kwargs):
    if not args:
        return kwargs
    if len(args) == 1 and isinstance(args[0], dict) and not kwargs:
        return dict(args[0])
    raise TypeError(f"{label}() takes keyword arguments only (or one dict of them)")


def _make_tool(ref):
    server, tool = ref["server"], ref["tool"]
    label = f"tools.{ref['py_server']}.{ref['py_name']}"

    def call(*args, **kwargs):
        import _mcp_relay  # registered by the worker after the snapshot is restored
        from pyodide.ffi import run_sync

        payload = _payload(label, _arguments(label, args, kwargs))
        # A blocking read of the answer when no async call is in flight; otherwise suspend on the
        # JS promise (JSPI), which costs about 0.25 ms more.
        raw = _mcp_relay.call_sync(server, tool, payload)
        if raw is None:
            raw = run_sync(_mcp_relay.call(server, tool, payload))
        return _unwrap(raw, server, tool)

    async def aio(*args, **kwargs):
        import _mcp_relay

        payload = _payload(label, _arguments(label, args, kwargs))
        return _unwrap(await _mcp_relay.call(server, tool, payload), server, tool)

    for fn, suffix in ((call, ""), (aio, ".aio")):
        fn.__name__ = ref["py_name"]
        fn.__qualname__ = label + suffix
        fn.__doc__ = ref["doc"]
        fn.__module__ = "tools"
        fn._mcp_tool = label + suffix
    call.aio = aio
    signature = _signature(ref.get("signature"))
    if signature is not None:
        call.__signature__ = aio.__signature__ = signature
    return call


def _signature(text):
    """An ``inspect.Signature`` from the host's rendered signature text (None if it won't parse)."""
    if not text:
        return None
    scope = {"Any": typing.Any, "Literal": typing.Literal}
    try:
        exec(f"def _stub{text}: ...", scope)  # noqa: S102 - text built by the host from a schema
        signature = inspect.signature(scope["_stub"])
    except Exception:  # noqa: BLE001 - a stub that does not parse only loses its signature
        return None
    returns = text.rpartition(") -> ")[2]
    if returns.startswith("{"):
        signature = signature.replace(return_annotation=_Shown(returns))
    return signature


class _Shown:
    """A return shape shown as the host wrote it (``{"content": str}``), not as a dict's repr."""

    __slots__ = ("text",)

    def __init__(self, text):
        self.text = text

    def __repr__(self):
        return self.text


class _Namespace:
    """Attribute access to named members with a helpful error for unknown names."""

    def __init__(self, label, kind, members):
        self.__dict__.update(members)
        object.__setattr__(self, "_label", label)
        object.__setattr__(self, "_kind", kind)

    def __getattr__(self, name):
        known = ", ".join(sorted(k for k in self.__dict__ if not k.startswith("_"))) or "none"
        raise AttributeError(f"{self._label} has no {self._kind} {name!r}; available: {known}")

    def __dir__(self):
        return sorted(k for k in self.__dict__ if not k.startswith("_"))

    def __repr__(self):
        return f"<{self._label}: {', '.join(self.__dir__())}>"


class _UnavailableServer:
    """A server the host cannot reach: every tool of it raises ``ToolError`` (UPSTREAM_UNAVAILABLE)."""

    def __init__(self, ref):
        object.__setattr__(self, "_ref", ref)

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        ref = self._ref

        def fail(*args, **kwargs):
            raise ToolError(
                ref["unavailable"], server=ref["server"], tool=name, code="UPSTREAM_UNAVAILABLE"
            )

        async def aio(*args, **kwargs):
            fail()

        fail.__name__ = aio.__name__ = name
        fail.aio = aio
        return fail

    def __dir__(self):
        return []

    def __repr__(self):
        return f"<tools.{self._ref['py_server']}: unavailable>"


def _tool_help(fn):
    """``help()`` of a tool function: its qualified name, signature and docstring."""
    is_async = fn._mcp_tool.endswith(".aio")
    head = f"{'async ' if is_async else ''}{fn._mcp_tool}{inspect.signature(fn)}"
    doc = inspect.cleandoc(fn.__doc__ or "")
    body = textwrap.indent(doc, "    ") if doc else "    (no description)"
    return f"Help on tool {fn._mcp_tool}:\n\n{head}\n{body}\n"


def _summary(fn):
    lines = inspect.cleandoc(fn.__doc__ or "").splitlines()
    return f"{fn._mcp_tool}{inspect.signature(fn)}\n    {lines[0] if lines else '(no description)'}"


def _server_row(label, name, server):
    if isinstance(server, _UnavailableServer):
        return f"{label}.{name}: unavailable ({server._ref['unavailable']})"
    return f"{label}.{name}: {', '.join(server.__dir__())}"


def _namespace_help(namespace):
    """``help()`` of ``tools`` (its servers) or of ``tools.<server>`` (its tools' signatures)."""
    label = namespace._label
    names = namespace.__dir__()
    if namespace._kind == "server":
        rows = [_server_row(label, name, getattr(namespace, name)) for name in names]
        count = f"{len(names)} server{'' if len(names) == 1 else 's'}"
        hint = "help(tools.<server>) lists a server's tools with their signatures."
    else:
        rows = [_summary(getattr(namespace, name)) for name in names]
        count = f"{len(names)} tool{'' if len(names) == 1 else 's'}"
        hint = f"help({label}.<tool>) shows a tool's whole docstring."
    return f"Help on {label} ({count}):\n\n" + "\n".join(rows) + f"\n\n{hint}\n"


def help(*args, **kwargs):  # noqa: A001 - replaces the builtin inside the program's namespace
    """Shows the signature and docstring of a tool (or the tools of ``tools``/a server) at once;
    anything else goes to Python's own ``help`` (pydoc)."""
    if len(args) == 1 and not kwargs:
        target = args[0]
        if callable(target) and isinstance(getattr(target, "_mcp_tool", None), str):
            print(_tool_help(target), end="")
            return
        if isinstance(target, _Namespace):
            print(_namespace_help(target), end="")
            return
        if isinstance(target, _UnavailableServer):
            print(f"{target!r}: {target._ref['unavailable']}")
            return
    builtins.help(*args, **kwargs)


def build_tools(refs):
    """Builds the ``tools`` namespace from the host's catalog."""
    servers = {}
    down = {}
    for ref in refs:
        if ref.get("unavailable"):
            down[ref["py_server"]] = _UnavailableServer(ref)
        else:
            servers.setdefault(ref["py_server"], {})[ref["py_name"]] = _make_tool(ref)
    namespaces = {name: _Namespace(f"tools.{name}", "tool", tools) for name, tools in servers.items()}
    return _Namespace("tools", "server", {**down, **namespaces})


def _keep_frame(filename):
    if filename in _INTERNAL_FILES:
        return False
    return not any(part in filename for part in _INTERNAL_DIRS)


def _prune(te, seen):
    if te is None or id(te) in seen:
        return
    seen.add(id(te))
    te.stack = traceback.StackSummary.from_list([f for f in te.stack if _keep_frame(f.filename)])
    _prune(te.__cause__, seen)
    _prune(te.__context__, seen)
    for sub in getattr(te, "exceptions", None) or ():
        _prune(sub, seen)


def format_traceback(exc):
    """The traceback of ``exc`` without the runner's or Pyodide's own frames."""
    te = traceback.TracebackException.from_exception(exc)
    _prune(te, set())
    return "".join(te.format())


def _error(code, exc, message=None, tb=True):
    error = {"code": code, "type": type(exc).__name__, "message": message or _message(exc)}
    if tb:
        error["traceback"] = format_traceback(exc)
    return {"ok": False, "error": error}


def _message(exc):
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _syntax_error(exc):
    where = f" (line {exc.lineno}, col {exc.offset})" if exc.lineno else ""
    detail = "".join(traceback.format_exception_only(exc)).rstrip()
    error = {
        "code": "SYNTAX_ERROR",
        "type": type(exc).__name__,
        "message": f"{type(exc).__name__}: {exc.msg}{where}",
        "traceback": detail,
    }
    return {"ok": False, "error": error}


def _encode(value, limit):
    """JSON text of the run's value (``repr`` when it is not JSON), cut at ``limit`` bytes."""
    try:
        text = json.dumps(value, allow_nan=False, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        text = json.dumps(repr(value), ensure_ascii=False)
    if len(text.encode()) <= limit:
        return text, False
    shown = repr(value)[: max(0, limit - 64)]
    return json.dumps(shown + f"… [result truncated at {limit} bytes]", ensure_ascii=False), True


def _compile(code):
    tree = ast.parse(code, CODE_FILENAME, "exec")
    has_value = bool(tree.body) and isinstance(tree.body[-1], ast.Expr)
    if has_value:
        last = tree.body[-1]
        assign = ast.Assign(targets=[ast.Name(_LAST, ast.Store())], value=last.value)
        tree.body[-1] = ast.copy_location(assign, last)
        ast.fix_missing_locations(tree)
    flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    return compile(tree, CODE_FILENAME, "exec", flags=flags, dont_inherit=True), has_value


def _flush():
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001 - a user-replaced stream may be anything
            pass


async def run(code, tools_json, result_limit, policy_json="null"):
    """Runs ``code``; returns the JSON text of ``{ok, result?, error?, truncated?}``.

    With a policy (``policy_json`` not ``null``), code that breaks it is refused before any of it
    runs: a POLICY_VIOLATION listing every violation.
    """
    policy = json.loads(policy_json)
    if policy is not None:
        refused = _mcp_policy.check(code, policy)
        if refused is not None:
            return json.dumps(refused)
    linecache.cache[CODE_FILENAME] = (len(code), None, code.splitlines(True), CODE_FILENAME)
    namespace = {
        "__name__": "__main__",
        "__builtins__": builtins,
        "tools": build_tools(json.loads(tools_json)),
        "ToolError": ToolError,
        "help": help,
    }
    try:
        compiled, has_value = _compile(code)
    except (SyntaxError, ValueError) as exc:
        if isinstance(exc, SyntaxError):
            return json.dumps(_syntax_error(exc))
        return json.dumps(_error("SYNTAX_ERROR", exc, tb=False))
    outcome = {"ok": True}
    try:
        value = eval(compiled, namespace)  # noqa: S307 - this is the sandbox's purpose
        if compiled.co_flags & inspect.CO_COROUTINE:
            value = await value
        value = namespace.get(_LAST) if has_value else None
        if value is None:
            value = namespace.get("result")
        if value is not None:
            text, cut = _encode(value, result_limit)
            outcome["result_json"] = text
            if cut:
                outcome["truncated"] = True
    except ToolCallLimitExceeded as exc:
        outcome = _error("TOOL_CALL_LIMIT", exc, message=str(exc))
    except ToolError as exc:
        code = "UPSTREAM_UNAVAILABLE" if exc.code == "UPSTREAM_UNAVAILABLE" else "RUNTIME_ERROR"
        outcome = _error(code, exc)
    except SystemExit as exc:
        if exc.code not in (None, 0):
            outcome = _error("RUNTIME_ERROR", exc, message=f"SystemExit: {exc.code}")
    except MemoryError as exc:
        outcome = _error("MEMORY_LIMIT", exc, message="MemoryError: the program ran out of memory")
    except KeyboardInterrupt as exc:
        # Only the worker's deadline raises it (there are no signals in the sandbox); the host
        # words the message, the traceback shows where the program was.
        outcome = _error("TIMEOUT", exc, message="The program reached its deadline")
    except BaseException as exc:  # noqa: BLE001 - every failure becomes a result
        outcome = _error("RUNTIME_ERROR", exc)
    finally:
        _flush()
        linecache.cache.pop(CODE_FILENAME, None)
    return json.dumps(outcome)


__all__ = ["ToolError", "ToolCallLimitExceeded", "run", "build_tools", "format_traceback"]
_ = asyncio  # imported for the snapshot: the event loop is ready before any run
