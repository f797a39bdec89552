"""How the sandbox policy's refusal is worded: the POLICY_VIOLATION outcome and its message.

Installed as the module ``_mcp_policy_report`` before ``_mcp_policy`` (which imports it). A
violation here is a dict (rule, line, col, text, fix) as the checker collects it; the message
lists at most ``MAX_LISTED`` of them and shows a repeated fix (the long list of allowed modules)
once. It imports nothing of the sandbox.
"""

MAX_LISTED = 50
MAX_LISTED_CHARS = 1500  # a violation's message must stay under the relay's 4096 characters
ALLOWED = "allowed modules: "


def shorten(names, limit=MAX_LISTED_CHARS):
    """``a, b, c`` — cut at about ``limit`` characters with a count of the rest."""
    text = ", ".join(names) or "none"
    if len(text) <= limit:
        return text
    shown = text[:limit].rsplit(", ", 1)[0]
    rest = len(names) - shown.count(", ") - 1
    return f"{shown}, … and {rest} more (see the policy's allowed_imports)"


def _message(violations):
    """The error message: a header and one line per violation, a repeated fix shown once."""
    total = len(violations)
    places = "1 place" if total == 1 else f"{total} places"
    lines = []
    listed_once = False
    for v in violations[:MAX_LISTED]:
        fix = v["fix"]
        if ALLOWED in fix:
            # The module list is long: print it once, point back to it afterwards.
            if listed_once:
                fix = fix.split(ALLOWED)[0] + ALLOWED + "as listed above"
            listed_once = True
        lines.append(f"- {v['text']}; {fix}")
    if total > MAX_LISTED:
        lines.append(f"- … and {total - MAX_LISTED} more")
    each = "it" if total == 1 else "each one"
    return (f"The code was not run: it breaks the sandbox policy in {places}. "
            f"Fix {each} and run it again:\n" + "\n".join(lines))


def refusal(violations):
    """The POLICY_VIOLATION outcome listing ``violations`` (at most ``MAX_LISTED``)."""
    listed = [
        {"rule": v["rule"], "line": v["line"], "col": v["col"], "message": f"{v['text']}; {v['fix']}"}
        for v in violations[:MAX_LISTED]
    ]
    return {
        "ok": False,
        "error": {"code": "POLICY_VIOLATION", "message": _message(violations), "violations": listed},
    }


__all__ = ["ALLOWED", "MAX_LISTED", "MAX_LISTED_CHARS", "refusal", "shorten"]
