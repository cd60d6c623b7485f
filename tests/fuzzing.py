"""Tools for the property-based tests in test_fuzz.py: hostile inputs, raw requests, and the checks on every answer.

Inputs are bytes, so a query string or form body can carry what no browser form would send:
invalid UTF-8, lone surrogates, NUL, megabyte-long values. Every answer is checked for a 500
and for anything in the HTML that would run as script.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from html.parser import HTMLParser
from urllib.parse import quote_from_bytes
from xml.etree import ElementTree

from hypothesis import strategies as st

# Inputs people paste by mistake and inputs attackers send on purpose.
ATTACKS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    '"><script>alert(document.cookie)</script>',
    "'><img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
    "[click me](javascript:alert(1))",
    "[click me](JaVaScRiPt&#58;alert(1))",
    "[x](  javascript:alert(1))",
    "![img](javascript:alert(1))",
    "<javascript:alert(1)>",
    "[a](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<iframe src="https://evil.example"></iframe>',
    "<style>body{display:none}</style>",
    "<div style=\"background:url('javascript:alert(1)')\">x</div>",
    "<<script>script>alert(1)<</script>/script>",
    "<a href='#' onclick='x()'>",
    "<details open ontoggle=alert(1)>",
    "{{ settings.SECRET_KEY }}{% debug %}",
    "%(password)s {0.__class__}",
    "' OR 1=1 --",
    "\x00",
    "a\x00b",
    "\r\nSet-Cookie: x=1",
    "‮reversed",
    "café Llanfairpwllgwyngyll Ṁ 東京 🚌",
    "²³¹ ١٢٣ ⅷ",
    "-1",
    "0",
    "99999999999999999999999",
    "1e400",
    "NaN",
]

_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(ATTACKS),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=12),
    st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF).map(lambda c: f"x{c}y"),  # lone surrogates
)


def _encoded(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def _huge(part: str, times: int) -> str:
    return part * times


#: One value as bytes: text (including lone surrogates), hostile markup, raw invalid UTF-8, or huge.
values = st.one_of(
    _text.map(_encoded),
    st.lists(_text, min_size=2, max_size=4).map(lambda parts: _encoded(" ".join(parts))),
    st.binary(max_size=24),
    st.builds(_huge, st.sampled_from(["a", "é", "<script>", "x\x00", "9"]), st.integers(1_000, 120_000)).map(_encoded),
)


def query_string(pairs: list[tuple[str, bytes]]) -> str:
    """A WSGI QUERY_STRING (bytes as latin-1) with every value percent-encoded from raw bytes."""
    return "&".join(f"{quote_from_bytes(name.encode())}={quote_from_bytes(value)}" for name, value in pairs)


def form_body(pairs: list[tuple[str, bytes]]) -> bytes:
    return query_string(pairs).encode("ascii")


def post_raw(client, path: str, pairs: list[tuple[str, bytes]]):
    return client.generic("POST", path, form_body(pairs), content_type="application/x-www-form-urlencoded")


def get_raw(client, path: str, pairs: list[tuple[str, bytes]]):
    return client.get(path, QUERY_STRING=query_string(pairs))


class FormFields(HTMLParser):
    """The fields of each form on a page, with the values a browser would send, and choices offered."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append(
                {
                    "action": a.get("action", ""),
                    "method": (a.get("method") or "get").lower(),
                    "fields": {},
                    "choices": defaultdict(list),
                }
            )
            return
        if not self.forms:
            return
        form = self.forms[-1]
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in {"checkbox", "radio"}:
                form["choices"][name].append(a.get("value", "on"))
                if "checked" in a:
                    form["fields"].setdefault(name, []).append(a.get("value", "on"))
                else:
                    form["fields"].setdefault(name, [])
            elif kind not in {"submit", "button", "image", "file"}:
                form["fields"][name] = [a.get("value") or ""]
        elif tag == "textarea" and name:
            self._textarea = name
            form["fields"][name] = [""]
        elif tag == "select" and name:
            self._select = name
            form["fields"].setdefault(name, [])
        elif tag == "option" and self._select:
            value = a.get("value", "")
            form["choices"][self._select].append(value)
            if "selected" in a:
                form["fields"][self._select] = [value]
        elif tag == "button" and name:
            form["choices"][name].append(a.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea and self.forms:
            field = self.forms[-1]["fields"][self._textarea]
            # Django writes a newline straight after <textarea>; browsers drop it.
            field[0] += data.removeprefix("\n") if not field[0] else data


def form_on(html: str, action: str, *, page: str) -> dict:
    """The form on ``page`` that posts to ``action`` (a form without an action posts to its own page)."""
    parser = FormFields()
    parser.feed(html)
    for form in parser.forms:
        if form["method"] == "post" and (form["action"] or page) == action:
            return form
    raise AssertionError(f"no form posting to {action}")


# --- Nothing submitted runs as script -------------------------------------------------------

_URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcdoc", "background"}
_DANGEROUS_SCHEMES = re.compile(r"^(javascript|vbscript|data):", re.I)
_STRIPPED = re.compile(r"[\x00-\x20\x7f-\x9f]+")
_SAFE_INLINE_SCRIPT = re.compile(r"^\s*document\.body\.className \+=")
_NEVER_IN_OUR_PAGES = {"iframe", "object", "embed", "frame", "frameset", "base", "applet"}


class ScriptFinder(HTMLParser):
    """Collects what in a page would run as script, the way a browser reads the markup."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._script_start: int | None = None
        self._script_text = ""

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…> event handler")
            if name in _URL_ATTRIBUTES and value and _DANGEROUS_SCHEMES.match(_STRIPPED.sub("", value)):
                self.problems.append(f"<{tag} {name}={value[:60]!r}>")
            if name == "style" and value and "javascript:" in _STRIPPED.sub("", value).lower():
                self.problems.append(f"<{tag} style={value[:60]!r}>")
        if tag in _NEVER_IN_OUR_PAGES:
            self.problems.append(f"<{tag}>")
        if tag == "meta" and dict(attrs).get("http-equiv", "").lower() == "refresh":
            self.problems.append("<meta http-equiv=refresh>")
        if tag == "script":
            src = dict(attrs).get("src")
            if src is not None and not src.startswith("/static/"):
                self.problems.append(f"<script src={src[:60]!r}>")
            self._script_start = 0
            self._script_text = ""

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        if self._script_start is not None:
            self._script_text += data

    def handle_endtag(self, tag):
        if tag == "script" and self._script_start is not None:
            text = self._script_text.strip()
            if text and not _SAFE_INLINE_SCRIPT.match(text):
                self.problems.append(f"inline <script>{text[:60]!r}")
            self._script_start = None


def script_problems(html: str) -> list[str]:
    finder = ScriptFinder()
    finder.feed(html)
    finder.close()
    return finder.problems


def check_answer(response, what: str) -> None:
    """No server error, and no script in what came back (HTML, or HTML carried inside a feed)."""
    assert response.status_code != 500, f"{what}: 500"
    content_type = response.headers.get("Content-Type", "")
    if getattr(response, "streaming", False):
        return
    body = response.content.decode("utf-8", "replace")
    if content_type.startswith("text/html"):
        problems = script_problems(body)
        assert problems == [], f"{what}: would run as script: {problems}"
    elif "atom" in content_type or "rss" in content_type or content_type.startswith("application/xml"):
        root = ElementTree.fromstring(response.content)  # noqa: S314 - our own feed; it must stay well-formed XML
        for element in root.iter():
            if element.get("type") in {"html", "xhtml"} and element.text:
                problems = script_problems(element.text)
                assert problems == [], f"{what}: feed HTML would run as script: {problems}"


# --- Counting, for `make fuzz`'s summary ---------------------------------------------------

TALLY: dict[str, Counter] = defaultdict(Counter)


def tally(target: str, response) -> None:
    TALLY[target]["inputs"] += 1
    TALLY[target][str(response.status_code)] += 1


def send(target: str, request):
    """Make the request and count its answer; the test client raises a view's exception, which counts as a 500."""
    try:
        response = request()
    except Exception:
        TALLY[target]["inputs"] += 1
        TALLY[target]["500"] += 1
        raise
    tally(target, response)
    return response
