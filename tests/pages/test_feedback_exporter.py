"""The feedback's exporter (gc_grader.pages.feedback_exporter) and what it cuts per page.

A page shows what stock nbconvert's HTMLExporter shows, element by element (``page_dom``), and is
stock's byte for byte wherever stock's accessibility pass has something to add (an image without
alt text, JupyterLab's wrappers); the pass's test never clears a page the pass would change;
a cell's HTML kept from an earlier notebook is never served for a cell that differs (its
attachments, its notebook's language). Then TypesetMath, which decides with what InertOutputs
read from the gradebook just before it, and keeps each cell's MathML.
"""

import copy
import gc
import logging
import time
import uuid
import weakref

import nbformat
import pytest
from bs4 import BeautifulSoup
from nbconvert.exporters import HTMLExporter, NotebookExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from traitlets.config import Config

from course import ASSIGNMENT, NOTEBOOK, RELEASE_NB, grade_id, read_notebook
from gc_grader.pages import FeedbackHTMLExporter, TypesetMath
from gc_grader.pages.accessibility_pass import needs_accessibility_pass
from gc_grader.pages.typeset_math import typeset
from gc_grader.plugins import InertOutputs
from page_dom import dom

NO_ALT = "No description has been provided for this image"
PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg=="


def a_notebook(answer="x = 1", outputs=(), language="ipython3"):
    """An instructor's markdown (a formula as MathML, a figure with its alt text) and code, and a
    student's answer with its outputs."""
    return new_notebook(metadata={"language_info": {"name": "python", "pygments_lexer": language}}, cells=[
        new_markdown_cell("# Gradient checking\n\nThe cost <math><mi>&#x3B8;</mi><mo>&#x3C;</mo></math> falls.<br>\n\n"
                          f"![The network: X, then J](data:image/png;base64,{PIXEL})"),
        new_code_cell("import numpy as np  # the given code\n\n\ndef f(x):\n    return 2 * x", outputs=[]),
        new_code_cell(answer, outputs=list(outputs)),
    ])


STUDENT_OUTPUTS = [
    new_output("stream", name="stdout", text="  indented\n\n   three  spaces\n"),
    new_output("display_data", data={"text/html": '<div class=" note  warm"><b>bold</b> &amp; <img src="data:image/png;base64,'
                                                  f'{PIXEL}" alt="a dot"></div>', "text/plain": "note"}),
    new_output("error", ename="ValueError", evalue="x < 0", traceback=["ValueError: x < 0"]),
]


def export(exporter_class, notebooks, template="classic"):
    """The pages one exporter of ``exporter_class`` makes of ``notebooks``, one after the other."""
    exporter = exporter_class(template_name=template)
    return [exporter.from_notebook_node(copy.deepcopy(nb))[0] for nb in notebooks]


def test_a_page_shows_what_stocks_shows_without_parsing_it_again():
    alice = a_notebook("x = 1", STUDENT_OUTPUTS)
    notebooks = [alice, a_notebook("x = 2  # another student", STUDENT_OUTPUTS[:1]), alice]
    ours, stock = export(FeedbackHTMLExporter, notebooks), export(HTMLExporter, notebooks)
    for page, stocks in zip(ours, stock):
        assert page != stocks                     # the template's own text: the pass did not run ...
        assert dom(page) == dom(stocks)           # ... and it had nothing to add
        assert NO_ALT not in page and "three  spaces" in page and "<math>" in page
    assert "another student" in ours[1] and "another student" not in ours[0]
    assert ours[0] == ours[2]                     # a notebook exported again, its cells kept: the same page


@pytest.mark.parametrize("output", [
    new_output("display_data", data={"image/png": PIXEL}),              # a plot: the classic template gives it no alt
    new_output("display_data", data={"text/html": f'<img src="data:image/png;base64,{PIXEL}">'}),
])
def test_an_image_without_alt_text_gets_stocks_page_byte_for_byte(output):
    notebooks = [a_notebook(outputs=[output])]
    ours, stock = export(FeedbackHTMLExporter, notebooks), export(HTMLExporter, notebooks)
    assert ours == stock and NO_ALT in ours[0]


def test_jupyterlabs_wrappers_get_stocks_page_byte_for_byte():
    notebooks = [a_notebook()]
    ours, stock = export(FeedbackHTMLExporter, notebooks, "lab"), export(HTMLExporter, notebooks, "lab")
    assert ours == stock and 'tabindex="0"' in ours[0]


def test_a_cell_with_attachments_shows_its_own():
    """Two students' cells of the same text, with attachments of the same name: each page shows its own."""
    notebooks = []
    for payload in ("AAAA", "BBBB"):
        nb = a_notebook()
        nb.cells.append(new_markdown_cell("![mine](attachment:mine.png)", attachments={"mine.png": {"image/png": payload}}))
        notebooks.append(nb)
    first, second = export(FeedbackHTMLExporter, notebooks)
    assert "base64,AAAA" in first and "base64,BBBB" in second and "base64,AAAA" not in second


def test_code_is_highlighted_in_its_own_notebooks_language():
    notebooks = [a_notebook(language="ipython3"), a_notebook(language="r"), a_notebook(language="ipython3")]
    ours, stock = export(FeedbackHTMLExporter, notebooks), export(HTMLExporter, notebooks)
    assert [dom(page) for page in ours] == [dom(page) for page in stock]
    assert "hl-r" in ours[1] and "hl-r" not in ours[0] + ours[2]


def test_the_cells_rendered_by_one_exporter_serve_the_next_with_the_same_settings(monkeypatch):
    """A grade-class worker makes one exporter per batch: the instructor's cells are rendered by the
    first and served to the next ones, even once the first is gone; an exporter whose settings
    would render them otherwise (its anchor links, its highlighter's options) renders its own."""
    nb = a_notebook(f"y = {uuid.uuid4().int}  # a student's answer no other test has")
    nb.cells.insert(0, new_markdown_cell(f"## A heading of this test only, {uuid.uuid4().hex}"))
    first = FeedbackHTMLExporter(template_name="classic")
    page = first.from_notebook_node(copy.deepcopy(nb))[0]
    gone = weakref.ref(first)
    del first
    gc.collect()
    assert gone() is None
    rendered = []
    for owner, name in ((FeedbackHTMLExporter, "_render_markdown"), (Highlight2HTML, "__call__")):
        original = getattr(owner, name)
        monkeypatch.setattr(owner, name,
                            lambda self, *args, original=original, name=name: rendered.append(name) or original(self, *args))
    assert FeedbackHTMLExporter(template_name="classic").from_notebook_node(copy.deepcopy(nb))[0] == page
    assert rendered == []
    anchors = FeedbackHTMLExporter(template_name="classic", anchor_link_text="#").from_notebook_node(copy.deepcopy(nb))[0]
    assert "_render_markdown" in rendered and ">#</a>" in anchors and ">#</a>" not in page
    rendered.clear()
    numbered = Config()
    numbered.Highlight2HTML.extra_formatter_options = {"linenos": "inline"}
    lines = FeedbackHTMLExporter(config=numbered, template_name="classic").from_notebook_node(copy.deepcopy(nb))[0]
    assert "__call__" in rendered and 'class="linenos"' in lines and 'class="linenos"' not in page


def test_a_highlighter_given_to_the_exporter_highlights_with_its_own_settings():
    """As in stock nbconvert, a highlighter handed to the exporter (not made from its configuration)
    highlights with the settings it was given."""
    nb = a_notebook(f"z = {uuid.uuid4().int}")
    given = {"highlight_code": Highlight2HTML(extra_formatter_options={"linenos": "inline"})}
    ours = FeedbackHTMLExporter(template_name="classic", filters=given).from_notebook_node(copy.deepcopy(nb))[0]
    stock = HTMLExporter(template_name="classic", filters=given).from_notebook_node(copy.deepcopy(nb))[0]
    assert 'class="linenos"' in stock and dom(ours) == dom(stock)


# --------------------------------------------------------------------------- the pass's test

def pass_would_change(fragment):
    """What stock's pass would do to ``fragment``: an image to give alt text, a wrapper to make focusable
    (its selectors, html/parser and all, read by BeautifulSoup as nbconvert reads the page)."""
    soup = BeautifulSoup(fragment, features="html.parser")
    return bool(soup.select("img:not([alt])") or soup.select(".jp-Notebook div.jp-Cell-inputWrapper")
                or soup.select(".jp-Notebook div.jp-OutputArea-output"))


CLEARED = ['<img src="x.png" alt="a figure">', "<IMG SRC=x.png ALT=figure>", '<img alt="" src=x.png/>', "<img src=x alt>",
           '<p>a <img\n  src="a>b.png"\n  alt=\'it\'  /> b</p>', "<div><span>no image at all</span></div>"]
NEEDS_IT = ['<img src="x.png">', "<img>", '<img src="x" title=\' alt="y"\'>', '<img src="x" data-alt="y">',
            '<img alt="a"><img src="b">', '<img/src="x"/alt="y">', '<img src="x" alt="y"', "<!-- <img src=x> -->",
            '<img src=x alt="unclosed>', '<img src="x" &#97;lt="y">', '<img\tsrc="x">',
            '<div class="jp-Notebook"><div class="jp-Cell-inputWrapper">code</div></div>',
            '<div class="jp-Notebook"><div class="jp-OutputArea-output">out</div></div>']


@pytest.mark.parametrize("fragment", CLEARED + NEEDS_IT)
def test_the_pass_is_skipped_only_where_it_would_change_nothing(fragment):
    if pass_would_change(fragment):
        assert needs_accessibility_pass(fragment)
    assert needs_accessibility_pass(fragment) == (fragment in NEEDS_IT)


def test_the_pass_test_takes_linear_time():
    started = time.perf_counter()
    assert needs_accessibility_pass("<img" + ' a="b" c=d' * 50_000)
    assert needs_accessibility_pass("<img src=x alt=y>" * 20_000 + "<img")
    assert time.perf_counter() - started < 2


# --------------------------------------------------------------------------- TypesetMath

def feedback_resources(course):
    return {"nbgrader": {"db_url": f"sqlite:///{course / 'gradebook.db'}", "notebook": NOTEBOOK,
                         "assignment": ASSIGNMENT, "student": "alice"}}


def test_typeset_math_decides_with_what_inert_outputs_read_just_before(course, monkeypatch):
    """In the feedback's exporter (InertOutputs, then TypesetMath): the instructor's formulas become
    MathML, a student's cell and an instructor's cell the student edited keep their TeX, and the
    gradebook is read once, by InertOutputs; after TypesetMath, InertOutputs is no help."""
    monkeypatch.chdir(course)
    nb = copy.deepcopy(read_notebook(RELEASE_NB))
    nb.cells.insert(3, new_markdown_cell(r"Mine: $\frac{a}{b}$"))
    edited = next(cell for cell in nb.cells if grade_id(cell) == "ex1-intro")
    edited.source += " Also $y$."
    exporter = NotebookExporter()
    for preprocessor in (InertOutputs, TypesetMath):
        exporter.register_preprocessor(preprocessor, enabled=True)
    out = nbformat.reads(exporter.from_notebook_node(nb, feedback_resources(course))[0], as_version=4)
    inert, typeset_math = exporter._preprocessors[-2:]
    assert typeset_math._is_instructors.__self__ is inert
    how = next(cell for cell in out.cells if grade_id(cell) == "how-it-works")
    assert "<math" in how.source and "$" not in how.source
    mine = next(cell for cell in out.cells if "Mine:" in cell.source)
    assert "<math" not in mine.source and r"$\frac{a}{b}$" in mine.source
    assert "<math" not in next(c for c in out.cells if grade_id(c) == "ex1-intro").source

    reversed_order = NotebookExporter()
    for preprocessor in (TypesetMath, InertOutputs):
        reversed_order.register_preprocessor(preprocessor, enabled=True)
    late_typeset, late_inert = reversed_order._preprocessors[-2:]
    late_inert.preprocess(copy.deepcopy(nb), feedback_resources(course))     # it has read the gradebook, but runs after
    assert late_typeset._instructor_rule(feedback_resources(course)).__self__ is not late_inert


def test_a_formula_left_as_tex_is_named_every_time(caplog):
    """typeset keeps a cell's result by its text: the warning for its bad formula comes each time all the same."""
    log = logging.getLogger("typeset-test")
    for _ in range(2):
        assert typeset(r"see $\frac{a$ here", log=log) == r"see $\frac{a$ here"
    assert len([r for r in caplog.records if r.getMessage().endswith(r"): $\frac{a$")]) == 2
