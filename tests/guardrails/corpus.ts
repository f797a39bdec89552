/**
 * The guardrail corpus: programs with the verdict the default policy must give them. Allowed
 * look-alikes (denied words in strings, comments, longer names, attributes of allowed modules)
 * must run and succeed; violations must be refused with the expected rules and run nothing.
 * Each line of `code` is one line of the Python program.
 */
import type { PolicyRule } from "../../src/contracts.ts";

/** One case of the corpus. */
export interface GuardrailCase {
  name: string;
  /** The program, one string per line. */
  code: string[];
  /** allow: it runs and succeeds; deny: POLICY_VIOLATION; syntax_error: SYNTAX_ERROR. */
  verdict: "allow" | "deny" | "syntax_error";
  /** deny: the rules the violations name (each at least once, no other). */
  rules?: PolicyRule[];
  /** deny: the exact number of violations. */
  count?: number;
  /** deny: line and column of the first violation. */
  at?: [number, number];
  /** allow: the value the program returns. */
  result?: unknown;
}

const repeat = (line: string, n: number) => Array.from({ length: n }, () => line);

/** Every case; `deno task test:guardrails` runs them alone, `deno task test` with the rest. */
export const CORPUS: GuardrailCase[] = [
  // ---- Allowed: look-alikes -----------------------------------------------------------------
  {
    name: "denied words inside a string",
    code: ['s = "eval exec compile __import__ os subprocess js"', "len(s.split())"],
    verdict: "allow",
    result: 7,
  },
  {
    name: "denied words inside comments",
    code: [
      "# import os",
      "# eval(x); exec(y); __import__('js')",
      "x = 1  # .__subclasses__()",
      "x",
    ],
    verdict: "allow",
    result: 1,
  },
  {
    name: "a docstring that mentions exec and __import__",
    code: [
      "def f():",
      '    """Never call exec, eval or __import__("os")."""',
      "    return 2",
      "f()",
    ],
    verdict: "allow",
    result: 2,
  },
  {
    name: "longer names that contain denied words",
    code: [
      "evaluate = 1",
      "executor = 2",
      "compiled = 3",
      "globals_count = 4",
      "my_vars = 5",
      "evaluate + executor + compiled + globals_count + my_vars",
    ],
    verdict: "allow",
    result: 15,
  },
  {
    name: "denied words with a prefix or suffix",
    code: [
      "_eval = 1",
      "eval_ = 2",
      "exec2 = 3",
      "os_name = 'linux'",
      "[_eval + eval_ + exec2, os_name]",
    ],
    verdict: "allow",
    result: [6, "linux"],
  },
  {
    name: "re.compile is an attribute, not the builtin compile",
    code: [
      "import re",
      'pattern = re.compile(r"(\\d+)-(\\d+)")',
      'list(pattern.match("12-34").groups())',
    ],
    verdict: "allow",
    result: ["12", "34"],
  },
  {
    name: "a method named eval, called as an attribute",
    code: [
      "class Expr:",
      "    def __init__(self, v):",
      "        self.v = v",
      "    def eval(self):",
      "        return self.v * 2",
      "Expr(21).eval()",
    ],
    verdict: "allow",
    result: 42,
  },
  {
    name: "keyword arguments and dict keys named like denied names",
    code: ["d = dict(exec=1, eval=2)", 'd["compile"] = 3', "sorted(d)"],
    verdict: "allow",
    result: ["compile", "eval", "exec"],
  },
  {
    name: "an f-string whose text contains denied words",
    code: ['name = "eval"', 'f"{name} and exec are words here"'],
    verdict: "allow",
    result: "eval and exec are words here",
  },
  {
    name: "a string holding an import statement",
    code: ['snippet = "import os\\nos.system(1)"', "len(snippet.splitlines())"],
    verdict: "allow",
    result: 2,
  },
  {
    name: "a bytes literal with denied words",
    code: ['data = b"exec(eval(__import__))"', "len(data)"],
    verdict: "allow",
    result: 22,
  },
  {
    name: "ordinary dunders: __class__.__name__, super().__init__, __name__",
    code: [
      "class Base:",
      "    def __init__(self):",
      "        self.kind = type(self).__name__",
      "class Child(Base):",
      "    def __init__(self):",
      "        super().__init__()",
      "c = Child()",
      "[c.kind, c.__class__.__name__, __name__]",
    ],
    verdict: "allow",
    result: ["Child", "Child", "__main__"],
  },
  {
    name: "getattr and attrgetter with ordinary attribute names",
    code: [
      "from operator import attrgetter",
      "from dataclasses import dataclass",
      "@dataclass",
      "class Row:",
      "    name: str",
      "    size: int",
      "rows = [Row('b', 2), Row('a', 1)]",
      "[getattr(rows[0], 'name'), [r.name for r in sorted(rows, key=attrgetter('size'))]]",
    ],
    verdict: "allow",
    result: ["b", ["a", "b"]],
  },
  {
    name: "a match statement with ordinary patterns",
    code: [
      'order = {"id": 7, "items": [1, 2]}',
      "match order:",
      '    case {"id": int(n), "items": [first, *rest]}:',
      "        result = [n, first, rest]",
    ],
    verdict: "allow",
    result: [7, 1, [2]],
  },

  // ---- Allowed: the standard library of data wrangling --------------------------------------
  {
    name: "json, and json.loads instead of eval",
    code: ["import json", "data = json.loads('{\"a\": [1, 2, 3]}')", "sum(data['a'])"],
    verdict: "allow",
    result: 6,
  },
  {
    name: "collections and collections.abc (a submodule of an allowed module)",
    code: [
      "from collections import Counter, defaultdict",
      "from collections.abc import Mapping",
      "c = Counter('abracadabra')",
      "d = defaultdict(list)",
      "[c.most_common(1)[0][0], isinstance(d, Mapping)]",
    ],
    verdict: "allow",
    result: ["a", true],
  },
  {
    name: "urllib.parse: a dotted allowlist entry, both import forms",
    code: [
      "import urllib.parse",
      "from urllib.parse import urlparse, parse_qs",
      'u = urlparse("https://example.com/p?x=1&y=2")',
      '[u.netloc, parse_qs(u.query), urllib.parse.quote("a b")]',
    ],
    verdict: "allow",
    result: ["example.com", { x: ["1"], y: ["2"] }, "a%20b"],
  },
  {
    name: "the safe part of sys: from sys import stderr, stdout, exit",
    code: [
      "from sys import stderr, stdout, exit",
      'print("out", file=stdout)',
      'print("err", file=stderr)',
      '"done"',
    ],
    verdict: "allow",
    result: "done",
  },
  {
    name: "from __future__ import annotations",
    code: ["from __future__ import annotations", "def f(x: Thing) -> int:", "    return 1", "f(0)"],
    verdict: "allow",
    result: 1,
  },
  {
    name: "asyncio.gather with top-level await",
    code: [
      "import asyncio",
      "async def double(x):",
      "    await asyncio.sleep(0)",
      "    return 2 * x",
      "await asyncio.gather(*(double(i) for i in range(4)))",
    ],
    verdict: "allow",
    result: [0, 2, 4, 6],
  },
  {
    name: "datetime, time and an alias",
    code: [
      "import datetime as dt",
      "import time",
      "d = dt.date(2024, 2, 28) + dt.timedelta(days=1)",
      "[d.isoformat(), time.time() > 0]",
    ],
    verdict: "allow",
    result: ["2024-02-29", true],
  },
  {
    name: "typing and dataclasses",
    code: [
      "from dataclasses import dataclass, asdict",
      "from typing import Optional",
      "@dataclass",
      "class P:",
      "    x: int",
      "    y: Optional[int] = None",
      "asdict(P(1))",
    ],
    verdict: "allow",
    result: { x: 1, y: null },
  },
  {
    name: "statistics, math, decimal and fractions",
    code: [
      "import statistics, math",
      "from decimal import Decimal",
      "from fractions import Fraction",
      "[statistics.mean([1, 2, 3]), math.isqrt(17), str(Decimal('0.1') + Decimal('0.2')), str(Fraction(1, 3) * 3)]",
    ],
    verdict: "allow",
    result: [2, 4, "0.3", "1"],
  },
  {
    name: "csv over io.StringIO",
    code: [
      "import csv, io",
      'rows = list(csv.DictReader(io.StringIO("a,b\\n1,2\\n3,4\\n")))',
      "[int(r['a']) + int(r['b']) for r in rows]",
    ],
    verdict: "allow",
    result: [3, 7],
  },
  {
    name: "hashlib, base64 and uuid",
    code: [
      "import hashlib, base64, uuid",
      "[hashlib.sha256(b'x').hexdigest()[:8], base64.b64encode(b'hi').decode(), len(str(uuid.uuid4()))]",
    ],
    verdict: "allow",
    result: ["2d711642", "aGk=", 36],
  },
  {
    name: "itertools, functools and operator",
    code: [
      "import itertools, functools, operator",
      "pairs = list(itertools.combinations([1, 2, 3], 2))",
      "[len(pairs), functools.reduce(operator.mul, [1, 2, 3, 4])]",
    ],
    verdict: "allow",
    result: [3, 24],
  },
  {
    name: "heapq, bisect and a seeded random",
    code: [
      "import heapq, bisect, random",
      "random.seed(1)",
      "xs = [5, 1, 4]",
      "heapq.heapify(xs)",
      "[heapq.heappop(xs), bisect.bisect([1, 3, 5], 4), 0 <= random.random() < 1]",
    ],
    verdict: "allow",
    result: [1, 2, true],
  },
  {
    name: "textwrap, string, pprint and copy",
    code: [
      "import textwrap, string, pprint, copy",
      "d = {'a': [1]}",
      "e = copy.deepcopy(d)",
      "e['a'].append(2)",
      "[textwrap.shorten('hello big world', 12), string.ascii_lowercase[:3], pprint.pformat(d), e]",
    ],
    verdict: "allow",
    result: ["hello [...]", "abc", "{'a': [1]}", { a: [1, 2] }],
  },
  {
    name: "xml.etree.ElementTree (a dotted entry)",
    code: [
      "import xml.etree.ElementTree as ET",
      'root = ET.fromstring(\'<r><i n="1"/><i n="2"/></r>\')',
      "[i.get('n') for i in root]",
    ],
    verdict: "allow",
    result: ["1", "2"],
  },
  {
    name: "a tool call from allowed code",
    code: ["tools.probe.touch(note='allowed')"],
    verdict: "allow",
    result: { touched: true },
  },
  {
    name: "exactly max_lines (400) lines",
    code: [...repeat("x = 1", 399), "x"],
    verdict: "allow",
    result: 1,
  },
  {
    name: "exactly max_chars (8000) characters",
    code: [`s = '${"a".repeat(7987)}'`, "len(s)"],
    verdict: "allow",
    result: 7987,
  },
  {
    name: "8000 characters counted as code points, not UTF-16 units",
    code: [`s = '${"😀".repeat(7987)}'`, "len(s)"],
    verdict: "allow",
    result: 7987,
  },

  // ---- Denied: imports ----------------------------------------------------------------------
  { name: "import os", code: ["import os"], verdict: "deny", rules: ["import"], at: [1, 0] },
  {
    name: "import subprocess on line 3",
    code: ["x = 1", "y = 2", "import subprocess"],
    verdict: "deny",
    rules: ["import"],
    at: [3, 0],
  },
  {
    name: "from os import path",
    code: ["from os import path"],
    verdict: "deny",
    rules: ["import"],
  },
  { name: "import os.path", code: ["import os.path"], verdict: "deny", rules: ["import"] },
  { name: "import js", code: ["import js"], verdict: "deny", rules: ["import"] },
  {
    name: "from pyodide.code import run_js",
    code: ["from pyodide.code import run_js", "run_js('1')"],
    verdict: "deny",
    rules: ["import"],
  },
  {
    name: "from pyodide.ffi import to_js",
    code: ["from pyodide.ffi import to_js"],
    verdict: "deny",
    rules: ["import"],
  },
  { name: "import pyodide_js", code: ["import pyodide_js"], verdict: "deny", rules: ["import"] },
  { name: "import _pyodide", code: ["import _pyodide"], verdict: "deny", rules: ["import"] },
  { name: "import micropip", code: ["import micropip"], verdict: "deny", rules: ["import"] },
  { name: "import ctypes", code: ["import ctypes"], verdict: "deny", rules: ["import"] },
  { name: "import importlib", code: ["import importlib"], verdict: "deny", rules: ["import"] },
  {
    name: "from importlib import import_module",
    code: ["from importlib import import_module"],
    verdict: "deny",
    rules: ["import"],
  },
  { name: "import builtins", code: ["import builtins"], verdict: "deny", rules: ["import"] },
  { name: "import sys", code: ["import sys"], verdict: "deny", rules: ["import"] },
  {
    name: "from sys import modules (outside the safe part of sys)",
    code: ["from sys import stderr, modules"],
    verdict: "deny",
    rules: ["import"],
    count: 1,
  },
  { name: "from sys import *", code: ["from sys import *"], verdict: "deny", rules: ["import"] },
  {
    name: "from urllib import request (urllib.parse only)",
    code: ["from urllib import request"],
    verdict: "deny",
    rules: ["import"],
  },
  {
    name: "one allowed and one denied module in one statement",
    code: ["import json, os"],
    verdict: "deny",
    rules: ["import"],
    count: 1,
  },
  {
    name: "a relative import",
    code: ["from . import helpers"],
    verdict: "deny",
    rules: ["import"],
  },
  {
    name: "an import inside a function",
    code: ["def connect():", "    import socket", "    return socket", "connect"],
    verdict: "deny",
    rules: ["import"],
    at: [2, 4],
  },
  {
    name: "an import guarded by try/except",
    code: ["try:", "    import os", "except ImportError:", "    os = None"],
    verdict: "deny",
    rules: ["import"],
    at: [2, 4],
  },

  // ---- Denied: names ------------------------------------------------------------------------
  {
    name: "__import__('os')",
    code: ["m = __import__('os')"],
    verdict: "deny",
    rules: ["name"],
    at: [1, 4],
  },
  { name: "eval of a string", code: ["eval('1 + 1')"], verdict: "deny", rules: ["name"] },
  { name: "exec of a string", code: ["exec('x = 1')"], verdict: "deny", rules: ["name"] },
  {
    name: "compile a string",
    code: ["code = compile('1', '<s>', 'eval')"],
    verdict: "deny",
    rules: ["name"],
    at: [1, 7],
  },
  {
    name: "aliasing: run = exec",
    code: ["run = exec", 'run("print(1)")'],
    verdict: "deny",
    rules: ["name"],
    at: [1, 6],
  },
  {
    name: "eval as a default argument",
    code: ["def calc(x, e=eval):", "    return e(x)", "calc('2')"],
    verdict: "deny",
    rules: ["name"],
  },
  {
    name: "eval passed to map",
    code: ["list(map(eval, ['1', '2']))"],
    verdict: "deny",
    rules: ["name"],
  },
  {
    name: "eval inside an f-string expression",
    code: ["f\"{eval('6 * 7')}\""],
    verdict: "deny",
    rules: ["name"],
  },
  {
    name: "exec returned by a lambda",
    code: ["(lambda: exec)()('x = 1')"],
    verdict: "deny",
    rules: ["name"],
  },
  {
    name: "exec as a class attribute",
    code: ["class Runner:", "    run = exec"],
    verdict: "deny",
    rules: ["name"],
    at: [2, 10],
  },
  {
    name: "getattr(__builtins__, ...)",
    code: ["getattr(__builtins__, 'ev' + 'al')('1')"],
    verdict: "deny",
    rules: ["name"],
    at: [1, 8],
  },
  {
    name: "globals() to reach the builtins",
    code: ["b = globals()['__builtins__']"],
    verdict: "deny",
    rules: ["name"],
  },
  {
    name: "vars() to reach the builtins",
    code: ["vars()['__builtins__']"],
    verdict: "deny",
    rules: ["name"],
  },
  { name: "locals()", code: ["scope = locals()"], verdict: "deny", rules: ["name"] },
  { name: "breakpoint()", code: ["breakpoint()"], verdict: "deny", rules: ["name"] },
  {
    name: "a column counted in characters after non-ASCII text",
    code: ['s = "héllo"; t = eval(s)'],
    verdict: "deny",
    rules: ["name"],
    at: [1, 17],
  },
  {
    name: "importing a denied name under an alias",
    code: ["from json import loads as exec"],
    verdict: "deny",
    rules: ["name"],
  },

  // ---- Denied: attributes -------------------------------------------------------------------
  {
    name: "().__class__.__bases__[0].__subclasses__()",
    code: ["().__class__.__bases__[0].__subclasses__()"],
    verdict: "deny",
    rules: ["attribute"],
    count: 2,
    at: [1, 13],
  },
  {
    name: "a function's __globals__",
    code: ["def f():", "    pass", "f.__globals__['__builtins__']"],
    verdict: "deny",
    rules: ["attribute"],
    at: [3, 2],
  },
  {
    name: "a function's __code__",
    code: ["def f():", "    return 1", "f.__code__.co_consts"],
    verdict: "deny",
    rules: ["attribute"],
  },
  { name: "int.__mro__", code: ["int.__mro__"], verdict: "deny", rules: ["attribute"] },
  {
    name: "a module's __builtins__",
    code: ["import json", "json.__builtins__"],
    verdict: "deny",
    rules: ["attribute"],
  },
  {
    name: "from json import __builtins__",
    code: ["from json import __builtins__ as b"],
    verdict: "deny",
    rules: ["attribute"],
  },
  {
    name: "a module's __dict__",
    code: ["import json", "json.__dict__['__builtins__']"],
    verdict: "deny",
    rules: ["attribute"],
  },
  {
    name: "print.__self__ (the builtins module)",
    code: ["print.__self__"],
    verdict: "deny",
    rules: ["attribute"],
  },
  {
    name: "a traceback's frame globals",
    code: [
      "try:",
      "    1 / 0",
      "except ZeroDivisionError as e:",
      "    g = e.__traceback__.tb_frame.f_globals",
    ],
    verdict: "deny",
    rules: ["attribute"],
    count: 2,
  },
  {
    name: "a generator's frame",
    code: ["g = (x for x in [1])", "g.gi_frame.f_back"],
    verdict: "deny",
    rules: ["attribute"],
    count: 2,
  },
  {
    name: "os kept inside an allowed module (random._os)",
    code: ["import random", "random._os"],
    verdict: "deny",
    rules: ["attribute"],
  },
  {
    name: "sys kept inside an allowed module",
    code: ["import asyncio", "asyncio.base_events.sys.modules['js']"],
    verdict: "deny",
    rules: ["attribute"],
  },
  {
    name: "from typing import sys",
    code: ["from typing import sys"],
    verdict: "deny",
    rules: ["attribute"],
  },
  {
    name: "getattr with a denied attribute name",
    code: ["def f():", "    pass", "getattr(f, '__globals__')"],
    verdict: "deny",
    rules: ["attribute"],
    at: [3, 11],
  },
  {
    name: "attrgetter with a dotted denied path",
    code: ["from operator import attrgetter", "attrgetter('__class__.__base__')(1)"],
    verdict: "deny",
    rules: ["attribute"],
  },
  {
    name: "a class pattern that captures __self__",
    code: ["match print:", "    case object(__self__=m):", "        pass"],
    verdict: "deny",
    rules: ["attribute"],
  },

  // ---- Denied: bypasses found by an attack (issue 10) ---------------------------------------
  {
    name: "dataclasses.inspect.getmodule(print).exec(...)",
    code: ["import dataclasses", "dataclasses.inspect.getmodule(print).exec('import os')"],
    verdict: "deny",
    rules: ["attribute"],
    count: 2,
    at: [2, 12],
  },
  {
    name: "inspect.getmembers(getmodule(ToolError)) through asyncio",
    code: [
      "import asyncio",
      "ins = asyncio.coroutines.inspect",
      "mod = ins.getmodule(ToolError)",
      "ins.getmembers(mod)",
    ],
    verdict: "deny",
    rules: ["attribute"],
    count: 3,
    at: [2, 25],
  },
  {
    name: "from dataclasses import inspect",
    code: ["from dataclasses import inspect", "inspect.currentframe()"],
    verdict: "deny",
    rules: ["attribute"],
    count: 2,
  },
  {
    name: "string.Formatter().get_field with a dunder path",
    code: [
      "import string",
      "string.Formatter().get_field('0.__self__', [print], {})",
    ],
    verdict: "deny",
    rules: ["attribute"],
    count: 1,
    at: [2, 29],
  },
  {
    name: '"{0.__self__}".format(x)',
    code: ['"{0.__self__}".format(print)'],
    verdict: "deny",
    rules: ["attribute"],
    count: 1,
    at: [1, 0],
  },
  {
    name: "a dunder in a nested format field and in format_map",
    code: ["'{0:{1.__class__}}'.format(1, 2)", "'{x.__doc__}'.format_map({'x': 1})"],
    verdict: "deny",
    rules: ["attribute"],
    count: 2,
  },
  {
    name: "str.format with a literal format string",
    code: ["str.format('{0.__globals__}', print)"],
    verdict: "deny",
    rules: ["attribute"],
    count: 1,
  },
  {
    name: "functools.reduce(getattr, ...)",
    code: ["import functools", "functools.reduce(getattr, ['__self__'], print)"],
    verdict: "deny",
    rules: ["name"],
    count: 1,
    at: [2, 17],
  },
  {
    name: "operator.attrgetter(*[...]) with a literal list",
    code: ["import operator", "operator.attrgetter(*['__self__'])(print)"],
    verdict: "deny",
    rules: ["attribute"],
    count: 1,
    at: [2, 22],
  },
  {
    name: "g = getattr; g(x, '__self__')",
    code: ["g = getattr", "g(print, '__self__')"],
    verdict: "deny",
    rules: ["name"],
    count: 1,
    at: [1, 4],
  },
  {
    name: "attrgetter renamed on import",
    code: ["from operator import attrgetter as ag", "ag('__self__')(print)"],
    verdict: "deny",
    rules: ["name"],
  },
  {
    name: "operator.methodcaller passed around",
    code: ["import operator", "m = operator.methodcaller", "m('__reduce__')(print)"],
    verdict: "deny",
    rules: ["attribute"],
  },
  {
    name: 'type.__getattribute__(x, "...")',
    code: ["type.__getattribute__(print, '__self__')"],
    verdict: "deny",
    rules: ["attribute"],
  },

  // ---- Allowed: look-alikes of those bypasses -------------------------------------------------
  {
    name: "str.format with indexes, keys and plain attributes",
    code: ["'{0} {1[x]} {n.real} {2:>4}'.format(1, {'x': 2}, 'a', n=3)"],
    verdict: "allow",
    result: "1 2 3    a",
  },
  {
    name: "getattr called directly, attrgetter as a sort key",
    code: [
      "import operator",
      "rows = [{'n': 2}, {'n': 1}]",
      "first = sorted([3, 1], key=operator.attrgetter('real'))",
      "[getattr(1, 'real'), first, sorted(rows, key=operator.itemgetter('n'))[0]['n']]",
    ],
    verdict: "allow",
    result: [1, [1, 3], 1],
  },
  {
    name: "a class that defines __getattribute__ and a field named stack",
    code: [
      "class Config:",
      "    def __init__(self):",
      "        self.stack = [1, 2]",
      "    def __getattribute__(self, name):",
      "        return 7",
      "Config().stack",
    ],
    verdict: "allow",
    result: 7,
  },
  {
    name: "Formatter().format with a dunder field",
    code: ["import string", "string.Formatter().format('{0.__self__}', print)"],
    verdict: "deny",
    rules: ["attribute"],
    count: 1,
  },
  {
    name: "a method and a field named like inspect functions' callers",
    code: [
      "class Walker:",
      "    def members(self):",
      "        return ['a']",
      "    def frames(self):",
      "        return 2",
      "w = Walker()",
      "[w.members(), w.frames(), '{0}{1}'.format('get', 'module')]",
    ],
    verdict: "allow",
    result: [["a"], 2, "getmodule"],
  },
  {
    name: "a format string with a dunder that is only data",
    code: ["template = '{0}'", "template.format('{0.__self__} is just text')"],
    verdict: "allow",
    result: "{0.__self__} is just text",
  },

  // ---- Denied: every violation listed, nothing run ------------------------------------------
  {
    name: "every violation is listed, not just the first",
    code: [
      "import os",
      "import subprocess",
      "x = eval('1')",
      "y = ().__class__.__bases__",
    ],
    verdict: "deny",
    rules: ["import", "name", "attribute"],
    count: 4,
    at: [1, 0],
  },
  {
    name: "a tool call and a print before the violation do not happen",
    code: ["tools.probe.touch(note='must not happen')", "print('ran')", "import os"],
    verdict: "deny",
    rules: ["import"],
    at: [3, 0],
  },
  {
    name: "a violation after a long valid prefix",
    code: [
      "import json",
      "rows = [{'n': i} for i in range(10)]",
      "total = sum(r['n'] for r in rows)",
      "print(json.dumps({'total': total}))",
      "tools.probe.touch(total=total)",
      "result = compile('x', 's', 'eval')",
    ],
    verdict: "deny",
    rules: ["name"],
    at: [6, 9],
  },

  // ---- Denied: size (checked in the host, no child used) ------------------------------------
  {
    name: "8001 characters",
    code: [`s = '${"a".repeat(7988)}'`, "len(s)"],
    verdict: "deny",
    rules: ["max_chars"],
    at: [2, 5], // line 1 holds 7994 characters and its line break; 8001 is "len(s)"[5]
  },
  {
    name: "8001 characters that are astral code points",
    code: [`s = '${"😀".repeat(7988)}'`, "len(s)"],
    verdict: "deny",
    rules: ["max_chars"],
  },
  {
    name: "401 lines",
    code: [...repeat("x = 1", 400), "x"],
    verdict: "deny",
    rules: ["max_lines"],
    at: [401, 0],
  },
  {
    name: "too long and too many lines: both listed",
    code: repeat("x = 'this line is long enough to pass 8000 characters'", 450),
    verdict: "deny",
    rules: ["max_chars", "max_lines"],
    count: 2,
  },
  {
    name: "size is checked first: an oversized program with a denied import",
    code: ["import os", ...repeat("x = 1", 400)],
    verdict: "deny",
    rules: ["max_lines"],
    count: 1,
  },

  // ---- Syntax errors: nothing runs, the syntax error is reported ----------------------------
  {
    name: "a syntax error with a denied import is SYNTAX_ERROR",
    code: ["import os", "def broken(:", "    pass"],
    verdict: "syntax_error",
  },
];
