"""Reads literal strings out of the syntax tree for the sandbox policy's checks.

Installed as the module ``_mcp_policy_literals`` before ``_mcp_policy`` (which imports it): which
argument of a call is a string constant, which call formats its first argument, and the fields and
attribute names a format string reads (``"{0.__self__}"`` reads ``__self__``). Pure functions of
``ast`` nodes and strings; they import nothing of the sandbox.
"""

import _string
import ast


def is_text(node):
    """True for a string constant."""
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def formats_its_argument(receiver, method):
    """``str.format(text, …)``, ``Formatter().format(text, …)``, ``….vformat(text, …)``: the first
    argument is a format string (``template.format(text)`` only formats ``text`` as data)."""
    if method == "vformat" or (isinstance(receiver, ast.Name) and receiver.id == "str"):
        return True
    if not isinstance(receiver, ast.Call):
        return False
    func = receiver.func
    return (func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)) == "Formatter"


def literal_strings(args):
    """The string constants among ``args``, also inside a starred literal: ``f(*["a", "b"])``."""
    for arg in args:
        if is_text(arg):
            yield arg
        elif isinstance(arg, ast.Starred) and isinstance(arg.value, (ast.List, ast.Tuple)):
            yield from (item for item in arg.value.elts if is_text(item))


def format_fields(text, depth=0):
    """The field names of a format string, nested ones (``{0:{1.x}}``) included."""
    try:
        parsed = list(_string.formatter_parser(text))
    except ValueError:
        return  # not a valid format string: formatting it fails before any attribute is read
    for _literal, field, spec, _conversion in parsed:
        if field is not None:
            yield field
        if spec and depth < 2:
            yield from format_fields(spec, depth + 1)


def field_attributes(field):
    """The attribute names a field reads: ``0.a[k].b`` reads ``a`` and ``b``."""
    try:
        _first, rest = _string.formatter_field_name_split(field)
        return [key for is_attribute, key in rest if is_attribute]
    except ValueError:
        return []


__all__ = ["field_attributes", "format_fields", "formats_its_argument", "is_text",
           "literal_strings"]
