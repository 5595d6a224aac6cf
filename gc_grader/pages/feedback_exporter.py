"""FeedbackHTMLExporter: nbconvert's HTMLExporter for the feedback, less what it redid per page.

Why: nbgrader's ``generate_feedback`` exports one page per student with one exporter, and most of
each page's time went to work that gives that student nothing new:

- **Parsing the page a second time** (a quarter to a half of it): HTMLExporter's accessibility
  pass, which has nothing to add to the course's pages. It runs only where it could change the
  page (``accessibility_pass``), as in stock nbconvert; every other page is the template's own
  text. Such a page differs from stock in its bytes, not in what a browser builds from it:
  BeautifulSoup wrote the same elements another way (attributes sorted, ``<meta ... />`` as
  ``<meta .../>``, a character reference such as ``&#182;`` or ``&nbsp;`` as the character itself,
  a class list's extra spaces dropped, the white space between two tags cut to one newline,
  outside ``<pre>``). The tests compare both pages element by element.
- **Rendering the same cells again.** Every student's notebook holds the same instructor cells,
  and nbconvert rendered their markdown (the figures embedded in it) and highlighted their code
  for every student. Both are functions of the cell's text: the markdown's when the cell has no
  attachments and ``embed_images`` is off (then neither the cell nor the notebook's folder is
  read), the code's given the notebook's language (and no ``magics_language``), and both of the
  settings of what renders them, the exporter's markdown filter and its highlighter (``_Settings``).
  This process keeps the HTML of the ``KEPT`` cells seen most recently, by their text and those
  settings, for every exporter it makes: a grade-class worker makes one per batch of students, and
  rendering the instructor's cells again cost each batch about 0.1 CPU-s.
- **Compiling the templates**, once per command (about 0.1 s; a grade-class worker runs one
  per batch): jinja's own file cache (in the temp folder, checked against each template's
  source) keeps the compiled code for later commands.

How: HTMLExporter's own ``from_notebook_node`` still runs (its filters, its resources) and hands
the rendered page to its pass through ``super()``; ``_RenderedPage`` sits right behind it in this
class's method resolution order, keeps the page, and gives the pass an empty one to parse.
"""

import functools
import weakref

from jinja2 import FileSystemBytecodeCache, pass_context
from nbconvert.exporters import HTMLExporter, TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML

from gc_grader.pages.accessibility_pass import needs_accessibility_pass

#: How many cells' HTML this process keeps, of each kind: a notebook's instructor cells, many times over.
KEPT = 512


class _Settings:
    """What renders a kind of cell (an exporter's markdown filter, a highlighter), as its kept HTML
    sees it: equal to (and hashed as) any other whose ``key`` is the same, that is, any that
    would render a cell of the same text alike. It refers to what renders weakly: the kept HTML
    keeps no exporter alive, and a cell not kept yet is rendered by the one that asks for it."""

    __slots__ = ("key", "renderer")

    def __init__(self, key, renderer):
        self.key, self.renderer = key, weakref.ref(renderer)

    def __eq__(self, other):
        return isinstance(other, _Settings) and self.key == other.key

    def __hash__(self):
        return hash(self.key)


def _markdown_settings(exporter):
    """The exporter's class (whose filter renders) and the settings HTMLExporter's markdown
    filter hands its renderer, as they are now."""
    return _Settings((type(exporter), exporter.anchor_link_text, exporter.exclude_anchor_links,
                      repr(sorted(exporter.lexer_options.items()))), exporter)


def _code_settings(highlighter):
    """The highlighter's class, lexer and every configurable setting, however it was configured
    (``extra_formatter_options``, say, from the course's configuration or given to it)."""
    return _Settings((type(highlighter), highlighter.pygments_lexer,
                      repr(sorted((name, getattr(highlighter, name)) for name in highlighter.trait_names(config=True)))),
                     highlighter)


@functools.lru_cache(maxsize=KEPT)
def _kept_markdown(settings, source):
    return settings.renderer()._render_markdown(source)


@functools.lru_cache(maxsize=KEPT)
def _kept_code(settings, language, source):
    return settings.renderer()(source, language)


class _RenderedPage(TemplateExporter):
    """The step between HTMLExporter and TemplateExporter: keeps the rendered page, and gives
    HTMLExporter's accessibility pass an empty one, unless the pass could change the page."""

    _kept_page = None

    def from_notebook_node(self, nb, resources=None, **kw):
        page, resources = super().from_notebook_node(nb, resources, **kw)
        if needs_accessibility_pass(page):
            return page, resources
        self._kept_page = page
        return "", resources


class FeedbackHTMLExporter(HTMLExporter, _RenderedPage):
    """HTMLExporter that parses a page again only where that could change it, renders each
    distinct cell once, and keeps its compiled templates between commands (see the module)."""

    def from_notebook_node(self, nb, resources=None, **kw):
        self._kept_page = None
        try:
            page, resources = super().from_notebook_node(nb, resources, **kw)
            return (page if self._kept_page is None else self._kept_page), resources
        finally:
            self._kept_page = None

    @pass_context
    def markdown2html(self, context, source):
        """nbconvert's markdown filter, its HTML kept by the text where nothing else goes in."""
        if self.embed_images or (context.get("cell") or {}).get("attachments"):
            return super().markdown2html(context, source)
        return _kept_markdown(_markdown_settings(self), source)

    def _render_markdown(self, source):
        return super().markdown2html({}, source)

    def register_filter(self, name, jinja_filter):
        """HTMLExporter registers a highlighter of the notebook's language for each notebook:
        this one keeps its HTML by the language and the code."""
        if name == "highlight_code" and type(jinja_filter) is Highlight2HTML:
            jinja_filter = functools.partial(self._highlight, jinja_filter, _code_settings(jinja_filter))
        return super().register_filter(name, jinja_filter)

    @staticmethod
    def _highlight(highlighter, settings, source, language=None, metadata=None):
        if (metadata and "magics_language" in metadata) or not isinstance(language, (str, type(None))):
            return highlighter(source, language, metadata)
        return _kept_code(settings, language, source)

    def _create_environment(self):
        environment = super()._create_environment()
        environment.bytecode_cache = FileSystemBytecodeCache()
        return environment


__all__ = ["FeedbackHTMLExporter"]
