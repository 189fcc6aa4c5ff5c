"""Reading a page the way a shopper's browser does: elements, their text and values.

Assertions then say what the page shows ("the cart count reads 2"), not how the
template happens to spell it. Selectors are the small subset of CSS the tests need:
``.class``, ``[attribute]``, ``[attribute=value]``, ``tag``, and combinations of them
on one element (``input[name=quantity]``).
"""

import re
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
_PART = re.compile(r"\.(?P<cls>[\w-]+)|\[(?P<attr>[\w-]+)(?:=(?P<value>[^\]]*))?\]|(?P<tag>\w+)")


def _matcher(selector):
    parts = [m.groupdict() for m in _PART.finditer(selector)]
    if "".join(m.group(0) for m in _PART.finditer(selector)) != selector:
        raise ValueError(f"unsupported selector {selector!r}")

    def matches(tag, attrs):
        for part in parts:
            if part["tag"] and part["tag"] != tag:
                return False
            if part["cls"] and part["cls"] not in (attrs.get("class") or "").split():
                return False
            if part["attr"]:
                if part["attr"] not in attrs:
                    return False
                if part["value"] is not None and attrs[part["attr"]] != part["value"].strip("\"'"):
                    return False
        return True

    return matches


class _Elements(HTMLParser):
    """Collects every element matching a selector: its attributes and its text."""

    def __init__(self, selector):
        super().__init__(convert_charrefs=True)
        self.matches = _matcher(selector)
        self.found = []  # [attrs, text parts]
        self.open = []  # per open element: the found entries it is collecting text for

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        entry = [attrs, []] if self.matches(tag, attrs) else None
        if entry is not None:
            self.found.append(entry)
        if tag not in VOID:
            self.open.append((tag, entry))

    def handle_endtag(self, tag):
        for index in range(len(self.open) - 1, -1, -1):  # tolerate unclosed children
            if self.open[index][0] == tag:
                del self.open[index:]
                break

    def handle_data(self, data):
        for _, entry in self.open:
            if entry is not None:
                entry[1].append(data)


def elements(html, selector):
    """``[(attributes, text)]`` of the elements matching ``selector``, in page order."""
    parser = _Elements(selector)
    parser.feed(html.decode() if isinstance(html, bytes) else html)
    parser.close()
    return [(attrs, " ".join("".join(parts).split())) for attrs, parts in parser.found]


def text(html, selector):
    """The text of the one element matching ``selector`` (whitespace collapsed)."""
    found = elements(html, selector)
    assert len(found) == 1, f"{len(found)} elements match {selector!r}"
    return found[0][1]


def value(html, selector):
    """The ``value`` attribute of the one element matching ``selector``."""
    found = elements(html, selector)
    assert len(found) == 1, f"{len(found)} elements match {selector!r}"
    return found[0][0].get("value")
