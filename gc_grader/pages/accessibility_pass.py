"""Whether nbconvert's accessibility pass could change a rendered page: ``needs_accessibility_pass``.

Why: after rendering, ``HTMLExporter.from_notebook_node`` parses the whole page again with
BeautifulSoup, gives every ``<img>`` without an ``alt`` attribute a default one ("No description
has been provided for this image"), makes JupyterLab's input and output wrappers focusable
(``tabindex="0"``), and writes the page out again. On a feedback page that pass was a quarter to a
half of the export's time, and it mostly has nothing to add: nbgrader's feedback template is the
classic one, which makes no such wrapper, and the notebook's figures carry their alt text. The
feedback's exporter (``feedback_exporter``) skips the pass on a page this module clears, and runs
it, unchanged, on any other: a plot a student's code drew (the classic template gives a PNG no
``alt``), an image in a student's HTML output without one.

The test errs on the side of running the pass: an ``<img`` tag it cannot read plainly (an unclosed
quote, a ``>`` inside a value, an attribute separated by ``/``...) counts as one without ``alt``,
and so does an ``<img`` that is only text inside a comment or a script. The wrappers are looked
for by their class names as written.
"""

import re

#: Where an ``<img`` start tag begins: the tag name ends at a space, ``/``, ``>`` or NUL.
_IMG = re.compile(r"<img(?![^\s/>\x00])", re.IGNORECASE)
_NAME = r"[^\s\"'<>/=\x00]+"
_VALUE = r"(?:\"[^\"]*\"|'[^']*'|[^\s\"'=<>`]+)"
#: An ``<img>`` tag whose attributes are all plainly written, separated by white space: ``name``,
#: ``name="value"``, ``name='value'`` or ``name=value``.
_PLAIN_IMG_TAG = re.compile(rf"<img((?:\s+{_NAME}(?:\s*=\s*{_VALUE})?)*)\s*/?>", re.IGNORECASE)
_ATTRIBUTE = re.compile(rf"\s+({_NAME})(?:\s*=\s*{_VALUE})?")
#: The classes of the wrappers the pass makes focusable (JupyterLab's template).
_LAB_WRAPPERS = ("jp-Cell-inputWrapper", "jp-OutputArea-output")


def needs_accessibility_pass(page):
    """Whether HTMLExporter's pass could change ``page``: an ``<img`` tag without a plainly
    written ``alt`` attribute, or a mention of the wrappers it makes focusable (see the module)."""
    if any(wrapper in page for wrapper in _LAB_WRAPPERS):
        return True
    for start in _IMG.finditer(page):
        tag = _PLAIN_IMG_TAG.match(page, start.start())
        if not tag or "alt" not in {name.lower() for name in _ATTRIBUTE.findall(tag.group(1))}:
            return True
    return False


__all__ = ["needs_accessibility_pass"]
