"""What a browser builds from an HTML page, as a list to compare two pages by: ``dom(page)``.

Two spellings of one page (the template's text, and BeautifulSoup's rewrite of it that stock
nbconvert writes) give the same list: attributes in any order, ``<br>`` or ``<br/>``, a character
as itself or as a reference, a class list's spacing, the white space between two tags (which
collapses to one space, outside ``<pre>`` and ``<textarea>``). Any other difference (an element, an attribute
or its value, a text, the white space inside ``<pre>``) shows.
"""

import html.parser

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_KEEPS_WHITE_SPACE = {"pre", "textarea"}


class _Events(html.parser.HTMLParser):
    def __init__(self, page):
        super().__init__(convert_charrefs=True)
        self.events, self._open = [], []
        self.feed(page)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = {name: " ".join((value or "").split()) if name == "class" else value for name, value in attrs}
        self.events.append(("start", tag, tuple(sorted(attrs.items()))))
        if tag not in _VOID:
            self._open.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag in _VOID:
            return
        self.events.append(("end", tag))
        if tag in self._open:
            del self._open[len(self._open) - 1 - self._open[::-1].index(tag):]

    def handle_data(self, data):
        if self.events and self.events[-1][0] == "text":
            data = self.events.pop()[1] + data
        self.events.append(("text", data))

    def handle_decl(self, decl):
        self.events.append(("declaration", decl.lower()))

    def handle_comment(self, data):
        self.events.append(("comment", data))

    def close(self):
        super().close()
        # White space alone between two tags, outside <pre>/<textarea>, renders as one space at most.
        kept, inside = [], []
        for event in self.events:
            if event[0] == "start" and event[1] in _KEEPS_WHITE_SPACE:
                inside.append(event[1])
            elif event[0] == "end" and inside and event[1] == inside[-1]:
                inside.pop()
            if event[0] == "text" and not event[1].strip() and not inside:
                event = ("text", " ")
            kept.append(event)
        self.events = kept


def dom(page):
    """``page``'s elements (tag, attributes sorted), texts, comments and doctype, in order."""
    return _Events(page).events
