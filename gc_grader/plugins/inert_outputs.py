"""InertOutputs: what a student's notebook shows can be read, never run, in anyone's browser.

Why: a submission is hostile input, and the instructor looks at it *inside the Jupyter
server*. Formgrader's manual-grading page is the autograded notebook rendered to HTML
by nbconvert, served from the server's own origin, and nbconvert passes a ``text/html``
output, a ``text/markdown`` output, an ``application/javascript`` output and the raw
HTML of a markdown cell straight into that page. So ``display(HTML('<img src=x
onerror=...>'))`` in an answer cell would run in the instructor's browser with their
session: it can call the server's REST API (write files, start terminals): a full
account takeover. The feedback HTML (``nbgrader generate_feedback``) is built the same
way and may be opened from the server too.

What it does, to every cell of the notebook (one concern: make it inert):

- code cells' rich outputs (``execute_result``, ``display_data``). ``stream`` and
  ``error`` outputs are plain text, which the templates escape, and stay as they are.

  * ``keep_mimetypes`` (``text/plain``, PNG, JPEG, GIF, JSON) stay untouched, so
    printed text and matplotlib figures still show;
  * ``text/html`` is sanitized with a strict allow-list (``sanitize_html``): no script,
    style, iframe, object, embed, form, SVG or MathML element (dropped with their
    content), no event handler, ``style``, ``id`` or ``name`` attribute, links only to
    ``http(s):``, ``mailto:`` or ``#``, images only from ``data:image/...`` (an image
    that loads a URL could still call the server with a GET);
  * ``text/markdown`` and ``text/latex`` are rendered as nbconvert renders them (its
    markdown renderer lets raw HTML and ``javascript:`` links through), and the HTML is
    sanitized; it becomes the output's ``text/html`` unless the output has one;
  * ``image/svg+xml`` becomes ``text/html`` showing it through ``<img
    src="data:image/svg+xml;base64,...">``, where an SVG can neither run script nor load
    anything (a figure drawn as SVG still shows);
  * anything else is dropped: ``application/javascript``, every ``application/vnd.*``
    type (a renderer extension's data, which is code's input), and ipywidgets' views:
    rendering a widget in exported HTML loads the widget manager from a CDN and feeds it
    the notebook's widget state, which the student wrote (an ``HTML`` widget's value
    goes into the page as markup). The widget's ``text/plain`` repr stays, and so does
    an output's ``text/plain`` in general; an output left with nothing says what was
    removed. The notebook's ``metadata.widgets`` (that state) is dropped for the same
    reason.
  * the output's metadata is rebuilt from an allow-list: an image's ``width`` and
    ``height`` (which the template writes into an *unquoted* attribute, where ``1
    onerror=...`` is an event handler) only as non-negative ints, ``unconfined`` as a bool,
    ``needs_background`` as matplotlib writes it; ``filenames`` (an ``<img src>`` to any
    URL), ``isolated`` (an iframe) and everything else go (``_inert_metadata``). A code
    cell's ``execution_count``, written as it is, is an int or None.

- markdown and raw cells, which a student can add or edit: their markdown is rendered
  and sanitized like a ``text/markdown`` output, and stored back as one HTML block
  (on one line, so that nbconvert's markdown renderer passes it through as it is); a
  markdown cell's attachments are inlined as ``data:`` images (PNG, JPEG, GIF only)
  and removed. The instructor's own cells keep their text: a cell is the instructor's
  when it is locked, has a grade id, and its source is the very source the gradebook
  holds for that id (nbgrader's OverwriteCells has put it back). Without a gradebook
  every cell counts as the student's.

Placed right after ``JudgeOutsideKernel`` in ``Autograde.autograde_preprocessors``, so
the autograded notebook on disk, which formgrader renders, is inert; and in
``GenerateFeedback.preprocessors``, so feedback on a notebook autograded before this
plugin existed is inert too. Running it twice changes nothing more.
"""

import base64
import binascii
import re

import bleach
import nbformat
from bleach import html5lib_shim
from bleach.html5lib_shim import Filter
from nbconvert.filters.markdown_mistune import markdown2html_mistune
from nbgrader import utils
from nbgrader.api import MissingEntry
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import List, Set, Unicode

from gc_grader.plugins.gradebook_cells import gradebook_cells

#: Elements removed together with everything inside them (their text is code or markup).
_DROPPED_WITH_CONTENT = frozenset({
    "script", "style", "template", "iframe", "frame", "frameset", "object", "embed", "applet",
    "noscript", "noembed", "noframes", "textarea", "title", "xmp", "svg", "math", "form", "select",
    "button", "video", "audio", "canvas", "head", "base", "link", "meta",
})
_DATA_IMAGE = re.compile(r"^data:image/(png|jpeg|gif|webp|svg\+xml);base64,[A-Za-z0-9+/=\s]*$", re.I)
_SAFE_HREF = re.compile(r"^(https?://|mailto:|#)", re.I)
_INERT_MARKDOWN = '<div class="gc-inert-markdown">'
_ATTACHMENT_IMAGES = ("image/png", "image/jpeg", "image/gif")
_ATTACHMENT_REF = re.compile(r"attachment:([^\s\"')>]+)")
#: Bitmaps whose own metadata (``metadata["image/png"]``) the templates read; see _inert_metadata.
_METADATA_IMAGES = ("image/png", "image/jpeg", "image/gif")
_DIGITS = re.compile(r"[0-9]{1,6}")


class _DropWithContent(Filter):
    """html5lib token filter: leave out _DROPPED_WITH_CONTENT elements and what they hold."""

    def __iter__(self):
        depth = 0
        for token in Filter.__iter__(self):
            kind, name = token["type"], (token.get("name") or "").lower()
            if name in _DROPPED_WITH_CONTENT and kind in ("StartTag", "EndTag", "EmptyTag"):
                if kind == "StartTag":
                    depth += 1
                elif kind == "EndTag" and depth:
                    depth -= 1
                continue
            if not depth:
                yield token


def _allowed_attribute(tag, name, value):
    if name in ("class", "title"):
        return True
    if tag == "a" and name == "href":
        return bool(_SAFE_HREF.match(value.strip()))
    if tag == "img":
        if name == "src":
            return bool(_DATA_IMAGE.match(value.strip()))
        return name in ("alt", "width", "height")
    if tag in ("td", "th"):
        return name in ("colspan", "rowspan", "align", "valign")
    if tag == "table":
        return name in ("border", "cellpadding", "cellspacing")
    if tag in ("col", "colgroup"):
        return name == "span"
    if tag == "ol":
        return name in ("start", "type")
    return False


class InertOutputs(NbGraderPreprocessor):
    """Make a student's outputs, markdown and raw cells inert: shown, never run (see the module)."""

    keep_mimetypes = Set(
        Unicode(),
        default_value={"text/plain", "image/png", "image/jpeg", "image/gif", "application/json"},
        help="Output MIME types kept as they are: they are shown as text or as a bitmap, never run.",
    ).tag(config=True)

    html_tags = List(
        Unicode(),
        default_value=["a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup",
                       "dd", "del", "details", "div", "dl", "dt", "em", "h1", "h2", "h3", "h4", "h5", "h6",
                       "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp",
                       "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot",
                       "th", "thead", "tr", "u", "ul", "var"],
        help="HTML elements a student's HTML may keep (others are removed, their text kept, except "
             "script, style, iframe, object, embed, form, svg, math... which go with their content). "
             "Attributes are fixed: class and title anywhere, a safe href on links, a data: image on "
             "images, table spans; never an event handler, style, id or name.",
    ).tag(config=True)

    inert_note = Unicode(
        "[output of type {mimetypes} removed: it could run code in the grader's browser]",
        help="text/plain put in an output left with nothing to show; {mimetypes} is replaced.",
    ).tag(config=True)

    def __init__(self, **kw):
        super().__init__(**kw)
        self._cleaner = bleach.Cleaner(tags=set(self.html_tags), attributes=_allowed_attribute,
                                       protocols={"http", "https", "mailto", "data"},
                                       strip=True, strip_comments=True)
        # bleach's parser turns the tags it does not allow into text as it reads them; let it read
        # the dangerous ones as elements, so that _DropWithContent removes them with their content
        # before the sanitizer (which allows html_tags only) sees the rest.
        self._cleaner.parser = html5lib_shim.BleachHTMLParser(
            tags=set(self.html_tags) | _DROPPED_WITH_CONTENT, strip=True, consume_entities=False,
            namespaceHTMLElements=False)
        walker = self._cleaner.walker
        self._cleaner.walker = lambda dom: _DropWithContent(walker(dom))

    # ------------------------------------------------------------------ the notebook

    def preprocess(self, nb, resources):
        self._instructor_sources = self._load_instructor_sources(resources)
        nb.metadata.pop("widgets", None)
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code":
            _clear_non_int_execution_count(cell)
            for output in cell.get("outputs", []):
                if output.get("output_type") in ("execute_result", "display_data"):
                    self._make_inert(output)
                if output.get("output_type") == "execute_result":
                    _clear_non_int_execution_count(output)
        elif cell.cell_type in ("markdown", "raw") and not self._is_instructors(cell):
            cell.source = self._inert_markdown(cell.source, cell.pop("attachments", None) or {})
            if cell.cell_type == "raw":
                cell.metadata.pop("raw_mimetype", None)
                cell.metadata.pop("format", None)
        return cell, resources

    # ------------------------------------------------------------------ code outputs

    def _make_inert(self, output):
        data = output.get("data", {})
        html = data.get("text/html")
        if html is not None:
            html = self.sanitize_html(_text(html))
        for mimetype in ("text/markdown", "text/latex"):
            if html is None and mimetype in data:
                html = self.markdown_to_html(_text(data[mimetype]))
        if html is None and "image/svg+xml" in data:
            html = _svg_as_image(_text(data["image/svg+xml"]))
        removed = sorted(key for key in data if key not in self.keep_mimetypes and key != "text/html")
        for key in removed:
            del data[key]
        if html is not None:
            data["text/html"] = html
        elif "text/html" in data:
            del data["text/html"]
        output["metadata"] = _inert_metadata(output.get("metadata"), data)
        if removed:
            self.log.info("Made an output inert: %s", ", ".join(removed))
        if not data:
            data["text/plain"] = self.inert_note.format(mimetypes=", ".join(removed) or "none")

    # ------------------------------------------------------------------ markdown and raw cells

    def _load_instructor_sources(self, resources):
        """{grade_id: source} of the instructor's locked cells, from the gradebook; {} without one."""
        info = (resources or {}).get("nbgrader") or {}
        if not all(info.get(key) for key in ("db_url", "notebook", "assignment")):
            return {}
        try:
            cells = gradebook_cells(self, info)   # read once per command (gradebook_cells)
        except MissingEntry:
            return {}
        return {name: source for name, _, source, locked in cells.source_cells if locked}

    def _is_instructors(self, cell):
        gid = cell.metadata.get("nbgrader", {}).get("grade_id") if utils.is_locked(cell) else None
        return bool(gid) and not utils.is_solution(cell) and gid in self._instructor_sources \
            and self._instructor_sources[gid].strip() == cell.source.strip()

    def _inert_markdown(self, source, attachments):
        html = self.markdown_to_html(_inline_attachments(source, attachments)).strip()
        # One line starting with <div, so that nbconvert's markdown renderer takes it as one HTML
        # block and passes it through untouched: &#10; is a newline to HTML, wherever it is.
        html = html.replace("\r", "").replace("\n", "&#10;")
        if html.startswith(_INERT_MARKDOWN) and html.endswith("</div>"):
            return html   # made inert before (autograde, then feedback)
        return f"{_INERT_MARKDOWN}{html}</div>"

    # ------------------------------------------------------------------ the sanitizer

    def sanitize_html(self, html):
        """``html`` with only the allow-listed elements and attributes (see ``html_tags``)."""
        return self._cleaner.clean(html)

    def markdown_to_html(self, markdown):
        """``markdown`` rendered as nbconvert renders it, then sanitized."""
        return self.sanitize_html(markdown2html_mistune(markdown))


def _text(value):
    return "".join(value) if isinstance(value, list) else str(value)


def _inert_metadata(metadata, data):
    """An output's metadata rebuilt from what the templates may show, in values that cannot escape.

    nbconvert's classic template (formgrader's and the feedback's) writes an image's ``width``
    and ``height`` into an *unquoted* attribute (``width={{ width | escape_html }}``), so a
    space in them starts a new attribute: ``onerror=...``. It takes them from the image's own
    metadata (``metadata["image/png"]``) or from the top level. ``filenames`` becomes an
    ``<img src>`` (any URL: a GET with the grader's cookies), ``text/html``'s ``isolated`` an
    iframe. Kept: ``width`` and ``height`` as non-negative ints (a string of digits becomes
    one), ``unconfined`` as a bool and ``needs_background`` as matplotlib writes it, at the top
    level and for the bitmaps the output keeps; nothing else.
    """
    metadata = metadata if isinstance(metadata, dict) else {}
    kept = _display_metadata(metadata)
    for mimetype in _METADATA_IMAGES:
        if mimetype in data and isinstance(metadata.get(mimetype), dict):
            per_type = _display_metadata(metadata[mimetype])
            if per_type:
                kept[mimetype] = per_type
    return nbformat.from_dict(kept)


def _display_metadata(metadata):
    kept = {}
    for key in ("width", "height"):
        size = _size(metadata.get(key))
        if size is not None:
            kept[key] = size
    if isinstance(metadata.get("unconfined"), bool):
        kept["unconfined"] = metadata["unconfined"]
    if metadata.get("needs_background") in ("light", "dark"):
        kept["needs_background"] = metadata["needs_background"]
    return kept


def _size(value):
    """``value`` as a non-negative int, or None: an int, or a string of 1 to 6 ASCII digits."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if value >= 0 else None
    if isinstance(value, str) and _DIGITS.fullmatch(value):
        return int(value)
    return None


def _clear_non_int_execution_count(node):
    """An ``execution_count`` that is not an int becomes None: the template writes it as it is.

    (nbgrader clears it and nbclient sets it before a grader sees the notebook; this is for a
    notebook that reached us otherwise.)
    """
    count = node.get("execution_count")
    if count is not None and (not isinstance(count, int) or isinstance(count, bool)):
        node["execution_count"] = None


def _svg_as_image(svg):
    encoded = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return f'<img src="data:image/svg+xml;base64,{encoded}" alt="SVG figure">'


def _inline_attachments(source, attachments):
    """``attachment:NAME`` references made ``data:`` images (bitmaps only), others left dead."""
    def replace(match):
        bundle = attachments.get(match.group(1)) or {}
        for mimetype in _ATTACHMENT_IMAGES:
            if mimetype in bundle:
                payload = _text(bundle[mimetype]).replace("\n", "")
                try:
                    base64.b64decode(payload, validate=True)
                except (binascii.Error, ValueError):
                    break
                return f"data:{mimetype};base64,{payload}"
        return "#removed-attachment"
    return _ATTACHMENT_REF.sub(replace, source)


__all__ = ["InertOutputs"]
