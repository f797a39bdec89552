"""Skills: saved Python functions, callable from every run as ``skills.<name>(...)``.

Installed as the module ``_mcp_skills`` before the memory snapshot is taken (after the policy,
before the runner). The host sends each skill's source with the run, like the program; a skill is
checked (it parses, the policy, it defines the function ``name``) when it is first used in a run,
then its module is executed with the run's ``tools`` and ``skills``, so its tool calls are the
run's own (counted, authorised and approved by the host alike) and a skill may call another.

``check_many`` is the same check as the host's save and listing use it (run by the host in a
child, with no policy of its own: the host wrote that program).
"""

import ast
import base64
import builtins
import json
import linecache
import types

import _mcp_policy

MAX_MESSAGE = 3000


class SkillError(Exception):
    """Raised when a skill cannot be used: it is invalid (``code`` says why) or unknown."""

    def __init__(self, message, code="INVALID_INPUT"):
        super().__init__(message)
        self.code = code


def filename(name):
    """The file name tracebacks show for a skill."""
    return f"skills/{name}.py"


def _with_docstring(code, description):
    if not description:
        return code
    try:
        if ast.get_docstring(ast.parse(code)) is not None:
            return code
    except (SyntaxError, ValueError):
        return code
    text = description.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    return f'"""{text}"""\n{code}'


def _function(tree, name):
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            return node
    return None


def _first_line(text):
    for line in (text or "").strip().splitlines():
        if line.strip():
            return line.strip()
    return ""


def check(name, code, policy):
    """``{ok: True, doc, signature}`` when the skill may be used, else ``{ok: False, error}``."""
    try:
        tree = ast.parse(code, filename(name), "exec")
    except (SyntaxError, ValueError) as exc:
        where = f" (line {exc.lineno}, col {exc.offset})" if getattr(exc, "lineno", None) else ""
        message = f"{type(exc).__name__}: {getattr(exc, 'msg', exc)}{where}"
        return {"ok": False, "error": {"code": "SYNTAX_ERROR", "message": message}}
    if policy is not None:
        refused = _mcp_policy.check(code, policy)
        if refused is not None:
            error = refused["error"]
            error["message"] = error["message"].replace(
                "The code was not run", f"The skill {name} cannot be used", 1
            )
            return {"ok": False, "error": error}
    fn = _function(tree, name)
    if fn is None:
        message = (f"The code defines no top-level function {name}; a skill's file holds a "
                   f"function with the skill's name: def {name}(...): ...")
        return {"ok": False, "error": {"code": "INVALID_INPUT", "message": message}}
    returns = f" -> {ast.unparse(fn.returns)}" if fn.returns else ""
    doc = _first_line(ast.get_docstring(tree)) or _first_line(ast.get_docstring(fn))
    return {"ok": True, "doc": doc, "signature": f"({ast.unparse(fn.args)}){returns}"}


def check_many(items_b64, policy_json):
    """Checks skills for the host: items ``[{name, code, description?}]`` (base64 of JSON)."""
    items = json.loads(base64.b64decode(items_b64).decode())
    policy = json.loads(policy_json)
    verdicts = []
    for item in items:
        code = _with_docstring(item["code"], item.get("description"))
        verdict = check(item["name"], code, policy)
        if not verdict["ok"]:
            verdict["error"]["message"] = verdict["error"]["message"][:MAX_MESSAGE]
        elif code != item["code"]:
            verdict["code"] = code
        verdicts.append(verdict)
    return verdicts


def build(sources, policy, tools, tool_error):
    """The ``skills`` namespace of one run from the host's ``[{name, code, invalid?}]``.

    The sources stay in this closure (not in attributes a program could rewrite before a skill
    is checked).
    """
    by_name = {s["name"]: s for s in sources}
    loaded = {}
    loading = set()

    def load(name):
        if name in loaded:
            return loaded[name]
        source = by_name.get(name)
        if source is None:
            known = ", ".join(sorted(by_name)) or "none"
            raise AttributeError(f"There is no skill {name!r}; available: {known}")
        if source.get("invalid"):
            raise SkillError(f"The skill {name} is invalid: {source['invalid']}")
        if name in loading:
            raise SkillError(f"The skill {name} uses itself while it is being loaded")
        verdict = check(name, source["code"], policy)
        if not verdict["ok"]:
            error = verdict["error"]
            message = error["message"]
            if not message.startswith(f"The skill {name} "):
                message = f"The skill {name} is invalid: {message}"
            raise SkillError(message, error["code"])
        loading.add(name)
        try:
            loaded[name] = _execute(name, source["code"], tools, namespace, tool_error)
        finally:
            loading.discard(name)
        return loaded[name]

    class Skills:
        """The saved skills: ``skills.<name>(...)`` calls one; ``dir(skills)`` lists them."""

        __slots__ = ()

        def __getattr__(self, name):
            if name.startswith("_"):
                raise AttributeError(name)
            return load(name)

        def __dir__(self):
            return sorted(by_name)

        def __repr__(self):
            return f"<skills: {', '.join(sorted(by_name)) or 'none saved'}>"

    namespace = Skills()
    return namespace


def _execute(name, code, tools, skills, tool_error):
    path = filename(name)
    linecache.cache[path] = (len(code), None, code.splitlines(True), path)
    module = types.ModuleType(f"skills.{name}")
    module.__dict__.update(
        {"__builtins__": builtins, "__file__": path, "tools": tools, "skills": skills,
         "ToolError": tool_error}
    )
    exec(compile(code, path, "exec", dont_inherit=True), module.__dict__)  # noqa: S102 - checked
    fn = module.__dict__.get(name)
    if not callable(fn):
        raise SkillError(f"The skill {name} does not define a function {name}")
    if not getattr(fn, "__doc__", None) and module.__doc__:
        fn.__doc__ = module.__doc__
    return fn


__all__ = ["SkillError", "build", "check", "check_many", "filename"]
