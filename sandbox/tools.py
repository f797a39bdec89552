"""The ``tools`` namespace of a run: one function per upstream tool (and its ``.aio`` form), which
sends the call through the relay and unwraps the answer, ``ToolError``, servers the host cannot
reach, and a ``help`` that shows a tool's signature and docstring at once (Python's pydoc takes a
second to load).

Installed as the module ``_mcp_tools`` before the memory snapshot is taken (after the policy,
before the runner, which imports it). The relay module ``_mcp_relay`` is registered by the worker
after the snapshot is restored and imported lazily here.
"""

import builtins
import inspect
import json
import textwrap
import typing


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
    """Raised by every tool call past ``sandbox.max_tool_calls``; the run ends with TOOL_CALL_LIMIT.

    A ``BaseException`` on purpose (like ``KeyboardInterrupt``): ``except Exception`` and
    ``except ToolError`` do not catch it, so a retry loop cannot swallow it and keep calling. It
    has ToolError's attributes: ``server``, ``tool`` and ``code`` (``TOOL_CALL_LIMIT``).
    """

    def __init__(self, message, server="", tool=""):
        super().__init__(message)
        self.server = server
        self.tool = tool
        self.code = "TOOL_CALL_LIMIT"


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
        raise ToolCallLimitExceeded(error["message"], server=server, tool=tool)
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


__all__ = ["ToolError", "ToolCallLimitExceeded", "build_tools", "help"]
