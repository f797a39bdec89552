"""Runs one program of agent-written Python inside the sandbox child.

Installed as the module ``_mcp_runner`` before the memory snapshot is taken, so every child
starts with it (and the stdlib modules it imports) already loaded. It never touches JS objects at
import time. The ``tools`` namespace comes from ``_mcp_tools`` (sandbox/tools.py).
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
import random
import re  # noqa: F401
import statistics  # noqa: F401
import textwrap  # noqa: F401
import tokenize  # noqa: F401
import typing  # noqa: F401

import _mcp_policy  # sandbox/policy.py, installed before this module
import _mcp_skills  # sandbox/skills.py
from _mcp_tools import ToolCallLimitExceeded, ToolError, build_tools, help  # sandbox/tools.py

CODE_FILENAME = "<code>"
_LAST = "__mcp_last_value__"
_INTERNAL_FILES = ("<mcp-runner>", "<mcp-tools>", "<mcp-skills>", "<exec>")
_INTERNAL_DIRS = ("/_pyodide/", "/pyodide/", "<frozen ")


def reseed():
    """Draws fresh seeds for what a memory snapshot would otherwise freeze: ``random``'s generator."""
    random.seed()


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
        # Both new nodes take the expression's place (no walk over the whole tree to fix them).
        target = ast.copy_location(ast.Name(_LAST, ast.Store()), last)
        assign = ast.Assign(targets=[target], value=last.value)
        tree.body[-1] = ast.copy_location(assign, last)
    flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    return compile(tree, CODE_FILENAME, "exec", flags=flags, dont_inherit=True), has_value


def _flush():
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001 - a user-replaced stream may be anything
            pass


_session_namespace = None
_UNSET = object()


def _namespace(keep):
    """A fresh namespace, or (``keep``: a session) the one every run of this child shares."""
    global _session_namespace
    namespace = _session_namespace if keep else None
    if namespace is None:
        namespace = {"__name__": "__main__", "__builtins__": builtins}
        if keep:
            _session_namespace = namespace
    namespace.pop(_LAST, None)
    return namespace


_prepared = None


def prepare(tools_json):
    """Parses the host's tool catalog and builds ``tools`` ahead of the run, while the child waits."""
    global _prepared
    refs = json.loads(tools_json)
    _prepared = [refs, build_tools(refs)]


def _tools(tools_json):
    """``tools`` from the run's catalog, or (None) from the prepared one: built once, used once."""
    if tools_json is not None:
        return build_tools(json.loads(tools_json))
    refs, built = _prepared
    _prepared[1] = None
    return built if built is not None else build_tools(refs)


def cancel_leftovers():
    """Cancels the tasks a program left running when it ended (as ``asyncio.run`` does), so that
    none of them goes on into a session's next run."""
    for task in asyncio.all_tasks(asyncio.get_event_loop()):
        task.cancel()


def start(code, tools_json, result_limit, policy_json="null", *, skills_json="[]", keep=False):
    """Starts :func:`run` as an eager task: the JSON text when the program finished without
    waiting (no trip through the event loop), else the task, for JavaScript to await."""
    task = asyncio.Task(
        run(code, tools_json, result_limit, policy_json, skills_json=skills_json, keep=keep),
        loop=asyncio.get_event_loop(),
        eager_start=True,
    )
    return task.result() if task.done() else task


async def run(code, tools_json, result_limit, policy_json="null", *, skills_json="[]", keep=False):
    """Runs ``code``; returns the JSON text of ``{ok, result?, error?, truncated?}``.

    ``tools_json`` is the host's tool catalog, or None for the one given to :func:`prepare`.
    ``skills_json`` holds the saved skills' sources (``[{name, code, invalid?}]``): the global
    ``skills`` checks and loads one when the program first uses it.

    With a policy (``policy_json`` not ``null``), code that breaks it is refused before any of it
    runs: a POLICY_VIOLATION listing every violation. With ``keep`` (a session) the program's
    variables stay for the next run; ``result`` counts only when this run assigned it.
    """
    policy = json.loads(policy_json)
    if policy is not None:
        refused = _mcp_policy.check(code, policy)
        if refused is not None:
            return json.dumps(refused)
    linecache.cache[CODE_FILENAME] = (len(code), None, code.splitlines(True), CODE_FILENAME)
    tools = _tools(tools_json)
    namespace = _namespace(keep)
    namespace.update({
        "tools": tools,
        "skills": _mcp_skills.build(json.loads(skills_json), policy, tools, ToolError),
        "ToolError": ToolError,
        "help": help,
    })
    earlier_result = namespace.get("result", _UNSET)
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
        if value is None and namespace.get("result", _UNSET) is not earlier_result:
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
        namespace.pop(_LAST, None)
    return json.dumps(outcome)


__all__ = ["ToolError", "ToolCallLimitExceeded", "run", "build_tools", "format_traceback"]
_ = asyncio  # imported for the snapshot: the event loop is ready before any run
