"""InertOutputs: a student's outputs and markdown are shown to the grader, never run.

Unit tests of the preprocessor on hand-made notebooks (each hostile kind, and what must
survive), then end to end: a hostile submission autograded and its feedback generated
with nbgrader's command line (``slow``), and formgrader's manual-grading page of it opened
in a real Chromium (``slow``, ``browser``), where its payload must neither run nor call
the server's API.
"""

import base64
import copy
import html.parser
import re
import time
import urllib.parse

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output, new_raw_cell

from course import ASSIGNMENT, NOTEBOOK, RELEASE_NB, fill_release, nbgrader, place_submission, read_notebook
from gc_grader.assignment import grade_id
from gc_grader.plugins import InertOutputs
from submissions import correct_answers

PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
DATAFRAME = ('<div><style scoped>.dataframe tbody tr th { vertical-align: top; }</style>'
             '<table border="1" class="dataframe"><thead><tr style="text-align: right;"><th></th><th>a</th></tr>'
             '</thead><tbody><tr><th>0</th><td>1</td></tr></tbody></table></div>')

HOSTILE_HTML = {
    "script": '<p>hi</p><script>alert("x")</script>',
    "img onerror": '<img src=x onerror="alert(1)">',
    "svg onload": '<svg onload="alert(1)"><circle r="4"/></svg>',
    "javascript link": '<a href="javascript:alert(1)">click</a>',
    "iframe": '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    "object and embed": '<object data="evil.swf"></object><embed src="evil.svg">',
    "form": '<form action="/api/contents/x" method="post"><button>go</button></form>',
    "style that loads": '<div style="background:url(/logout)">x</div><style>@import "/logout";</style>',
    "id that clobbers": '<div id="statusmessage" name="x">x</div>',
    "base and meta": '<base href="https://evil.example/"><meta http-equiv="refresh" content="0;url=/logout">',
    "image that loads": '<img src="/logout">',
}
# What none of the results may contain (case-insensitive).
DANGEROUS = ("<script", "onerror", "onload", "javascript:", "<iframe", "<object", "<embed", "<form", "<svg",
             "style=", "<style", "url(", "/logout", "id=", "<base", "<meta", "srcdoc")


def display(data, output_type="display_data"):
    output = new_output(output_type, data=data, **({"execution_count": 1} if output_type == "execute_result" else {}))
    return output


def inert(nb, resources=None):
    return InertOutputs().preprocess(copy.deepcopy(nb), resources or {})[0]


def outputs_of(*outputs):
    cell = new_code_cell("x = 1", outputs=list(outputs))
    return inert(new_notebook(cells=[cell])).cells[0].outputs


def assert_harmless(text):
    lowered = text.lower()
    found = [pattern for pattern in DANGEROUS if pattern in lowered]
    assert not found, f"{found} left in {text!r}"


@pytest.mark.parametrize("kind", sorted(HOSTILE_HTML))
def test_hostile_html_outputs_lose_what_could_run(kind):
    (output,) = outputs_of(display({"text/html": HOSTILE_HTML[kind], "text/plain": "<HTML object>"}))
    assert_harmless(output.data["text/html"])
    assert output.data["text/plain"] == "<HTML object>"


def test_the_harmless_part_of_html_stays():
    (output,) = outputs_of(display({"text/html": HOSTILE_HTML["script"] + HOSTILE_HTML["javascript link"]}))
    assert output.data["text/html"] == "<p>hi</p><a>click</a>"   # script *and* its text are gone


def test_a_pandas_table_survives():
    (output,) = outputs_of(display({"text/html": DATAFRAME, "text/plain": "   a\n0  1"}, "execute_result"))
    table = output.data["text/html"]
    assert '<table border="1" class="dataframe">' in table and "<th>a</th>" in table and "<td>1</td>" in table
    assert "vertical-align" not in table        # the <style> went, with its text
    assert_harmless(table)


def test_png_jpeg_and_text_are_untouched():
    data = {"image/png": PNG, "image/jpeg": "/9j/4AAQ", "text/plain": "<Figure size 640x480 with 1 Axes>"}
    (output,) = outputs_of(display(dict(data), "execute_result"))
    assert dict(output.data) == data
    stream = new_output("stream", name="stdout", text="<script>printed, shown escaped</script>\n")
    error = new_output("error", ename="ValueError", evalue="<b>", traceback=["<img src=x onerror=alert(1)>"])
    assert outputs_of(copy.deepcopy(stream), copy.deepcopy(error)) == [stream, error]


def test_javascript_and_other_executable_types_are_dropped():
    outputs = outputs_of(
        display({"application/javascript": "alert(1)", "text/plain": "<IPython.core.display.Javascript object>"}),
        display({"application/vnd.bokehjs_exec.v0+json": "{}", "application/vnd.plotly.v1+json": {},
                 "application/vnd.jupyter.widget-view+json": {"model_id": "abc", "version_major": 2}}),
        display({"text/javascript": "alert(1)", "application/x-javascript": "alert(1)"}))
    assert dict(outputs[0].data) == {"text/plain": "<IPython.core.display.Javascript object>"}
    for output in outputs[1:]:
        assert list(output.data) == ["text/plain"]
        assert output.data["text/plain"].startswith("[output of type ") and "removed" in output.data["text/plain"]
    assert "application/vnd.jupyter.widget-view+json" in outputs[1].data["text/plain"]


def test_svg_becomes_an_image_that_cannot_run_script():
    svg = '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script><circle r="4"/></svg>'
    (output,) = outputs_of(display({"image/svg+xml": svg, "text/plain": "<IPython.core.display.SVG object>"}))
    assert "image/svg+xml" not in output.data
    shown = output.data["text/html"]
    assert shown.startswith('<img src="data:image/svg+xml;base64,')   # an <img>: no script, no loads
    assert_harmless(shown)
    assert output.data["text/plain"] == "<IPython.core.display.SVG object>"


def test_markdown_and_latex_outputs_are_rendered_and_sanitized():
    markdown = '**bold** <img src=x onerror="alert(1)"> [click](javascript:alert(1)) <script>alert(2)</script>'
    outputs = outputs_of(display({"text/markdown": markdown, "text/plain": "<Markdown>"}),
                         display({"text/latex": r"$x^2$ <img src=x onerror=alert(1)>"}))
    assert "text/markdown" not in outputs[0].data and "text/latex" not in outputs[1].data
    assert "<strong>bold</strong>" in outputs[0].data["text/html"]
    assert "$x^2$" in outputs[1].data["text/html"]           # left for MathJax, as nbconvert does
    for output in outputs:
        assert_harmless(output.data["text/html"])


#: Output metadata a student can set (``display(data, raw=True, metadata=...)``): nbconvert's
#: classic template writes an image's width and height into an *unquoted* attribute, so a
#: space starts an event handler; ``filenames`` becomes the image's URL.
EVIL_SIZE = "1 onerror=document.title=`XSS`"
HOSTILE_METADATA = {
    "top-level width": ({"image/png": "x"}, {"width": EVIL_SIZE}),
    "top-level height": ({"image/png": "x"}, {"height": EVIL_SIZE}),
    "per-mimetype height": ({"image/jpeg": "x"}, {"image/jpeg": {"height": EVIL_SIZE}}),
    "per-mimetype width": ({"image/png": "x"}, {"image/png": {"width": EVIL_SIZE, "alt": "a"}}),
    "filenames URL": ({"image/png": PNG}, {"filenames": {"image/png": "/api/contents/x?evil",
                                                         "image/jpeg": "https://tracker.example/p.gif"}}),
    "isolated iframe": ({"text/html": "<b>hi</b>"}, {"text/html": {"isolated": True}}),
    "unknown and ill-typed": ({"image/png": PNG}, {"image/png": "not a dict", "unconfined": "x onerror=1",
                                                   "needs_background": "x onerror=1", "alt": "x", "other": 1}),
}


def rendered(nb, template="classic"):
    """``nb`` as nbconvert renders it, with the classic template or nbgrader's formgrade/feedback one."""
    import os

    import nbgrader
    from nbconvert import HTMLExporter
    from traitlets.config import Config
    templates = os.path.join(os.path.dirname(nbgrader.__file__), "server_extensions", "formgrader", "templates")
    config = Config()
    config.HTMLExporter.template_name = template
    if template != "classic":
        config.HTMLExporter.extra_template_basedirs = [templates]
        config.HTMLExporter.extra_template_paths = [
            os.path.join(templates, "..", "static", "node_modules", "bootstrap", "dist", "css")]
    resources = {"base_url": "", "index": 0, "total": 1,
                 "nbgrader": {"notebook": NOTEBOOK, "score": 0, "max_score": 1, "late_penalty": 0}}
    return HTMLExporter(config=config).from_notebook_node(nb, resources=resources)[0]


@pytest.mark.parametrize("kind", sorted(HOSTILE_METADATA))
def test_hostile_output_metadata_is_dropped(kind):
    data, metadata = HOSTILE_METADATA[kind]
    (output,) = outputs_of(new_output("display_data", data=dict(data), metadata=copy.deepcopy(metadata)))
    assert dict(output.metadata) == {}
    shown = nbformat.v4.nbjson.json.dumps(output)
    assert "onerror" not in shown and "filenames" not in shown and "isolated" not in shown


@pytest.mark.parametrize("template", ["classic", "formgrade", "feedback"])
def test_hostile_output_metadata_renders_inert(template):
    """Rendered as formgrader and the feedback render it: no handler, no image from a URL, no iframe."""
    outputs = [new_output("display_data", data=dict(data), metadata=copy.deepcopy(metadata))
               for data, metadata in HOSTILE_METADATA.values()]
    nb = new_notebook(cells=[new_code_cell("x = 1", outputs=outputs)])
    page = rendered(inert(nb), template)
    assert_page_is_inert(page)
    assert "onerror" not in page and "/api/contents" not in page and "tracker.example" not in page
    images = sum(1 for data, _ in HOSTILE_METADATA.values() if any(key.startswith("image/") for key in data))
    assert page.count('src="data:image/') == images == 6   # every image still shows, from its data


def test_a_figures_metadata_stays():
    """What matplotlib and IPython write: retina size (ints), needs_background, unconfined."""
    metadata = {"needs_background": "light",
                "image/png": {"width": 320, "height": 240, "unconfined": True},
                "image/jpeg": {"width": "300"}}          # IPython's Image(width="300"): digits
    (output,) = outputs_of(display({"image/png": PNG, "image/jpeg": "/9j/4AAQ",
                                    "text/plain": "<Figure size 640x480 with 1 Axes>"}))
    output.metadata = copy.deepcopy(metadata)
    (output,) = outputs_of(output)
    assert output.metadata == {"needs_background": "light",
                               "image/png": {"width": 320, "height": 240, "unconfined": True},
                               "image/jpeg": {"width": 300}}
    page = rendered(new_notebook(cells=[new_code_cell("plt.show()", outputs=[output])]))
    assert f'src="data:image/png;base64,{PNG}"' in page
    assert "width=320" in page.replace('"', "") and "height=240" in page.replace('"', "")
    # Sizes that are not whole non-negative numbers go; the figure stays.
    for bad in (-1, True, 1.5, "1.5", "12px", "100%", "1 onerror=x", "1" * 7, None, [1]):
        (output,) = outputs_of(new_output("display_data", data={"image/png": PNG},
                                          metadata={"width": bad, "image/png": {"height": bad}}))
        assert dict(output.metadata) == {} and output.data["image/png"] == PNG, bad
    # Size metadata of an image type the output does not keep is dropped with it.
    (output,) = outputs_of(new_output("display_data", data={"text/plain": "t"},
                                      metadata={"image/png": {"width": 3}, "text/plain": {"width": 3}}))
    assert dict(output.metadata) == {}


def test_a_non_integer_execution_count_is_cleared():
    """The template writes ``In [{{ cell.execution_count }}]`` as it is."""
    result = display({"text/plain": "1"}, "execute_result")
    nb = new_notebook(cells=[new_code_cell("1", outputs=[result], execution_count=1)])
    nb.cells[0].execution_count = "<img src=x onerror=alert(1)>"   # nbformat.read only warns
    nb.cells[0].outputs[0].execution_count = "<img src=x onerror=alert(1)>"
    shown = inert(nb).cells[0]
    assert shown.execution_count is None and shown.outputs[0].execution_count is None
    fine = inert(new_notebook(cells=[new_code_cell("1", execution_count=3)])).cells[0]
    assert fine.execution_count == 3


def test_text_outputs_render_escaped():
    """stream and error outputs are left as they are: every template escapes them (checked here)."""
    evil = "<img src=x onerror=alert(1)>"
    outputs = [new_output("stream", name="stdout", text=evil), new_output("stream", name="stderr", text=evil),
               new_output("error", ename=evil, evalue=evil, traceback=[evil, f"\x1b[31m{evil}\x1b[0m"]),
               display({"text/plain": evil}, "execute_result")]
    nb = new_notebook(cells=[new_code_cell(f"x = {evil!r}", outputs=outputs, execution_count=1)])
    for template in ("classic", "formgrade", "feedback"):
        page = rendered(inert(nb), template)
        assert_page_is_inert(page)
        assert "<img src=x" not in page and page.count("&lt;img src=x onerror=alert(1)&gt;") >= 4


def test_the_widget_state_of_the_notebook_is_dropped():
    nb = new_notebook(cells=[new_code_cell("w")], metadata={
        "widgets": {"application/vnd.jupyter.widget-state+json": {"state": {"abc": {"state": {
            "value": "<img src=x onerror=alert(1)>"}}}}}})
    assert "widgets" not in inert(nb).metadata


STUDENT_MARKDOWN = ("# My notes\n\nSee <img src=x onerror=\"alert(1)\"> and <script>alert(2)</script>"
                    "[click](javascript:alert(3)) ![pic](attachment:pic.png) ![evil](attachment:evil.svg)\n\n"
                    "```\nline one\n\nline three\n```\n\n$a < b$\n")


def test_a_student_markdown_cell_is_sanitized_and_its_attachments_inlined():
    cell = new_markdown_cell(STUDENT_MARKDOWN, attachments={
        "pic.png": {"image/png": PNG}, "evil.svg": {"image/svg+xml": "<svg onload='alert(1)'/>"}})
    shown = inert(new_notebook(cells=[cell])).cells[0]
    assert "attachments" not in shown
    assert "\n" not in shown.source and shown.source.startswith('<div class="gc-inert-markdown">')
    assert f'src="data:image/png;base64,{PNG}"' in shown.source
    assert "<h1>My notes" in shown.source and "line one&#10;&#10;line three" in shown.source
    assert "$a &lt; b$" in shown.source
    assert_harmless(shown.source)
    # nbconvert's renderer passes the one-line block through untouched.
    from nbconvert.filters.markdown_mistune import markdown2html_mistune
    assert markdown2html_mistune(shown.source).strip() == shown.source
    # A second pass changes nothing (autograde, then feedback).
    assert inert(new_notebook(cells=[shown])).cells[0].source == shown.source


def test_a_raw_html_cell_is_sanitized():
    cell = new_raw_cell("<script>alert(1)</script><img src=x onerror=alert(1)>", metadata={"raw_mimetype": "text/html"})
    shown = inert(new_notebook(cells=[cell])).cells[0]
    assert_harmless(shown.source)
    assert "raw_mimetype" not in shown.metadata


def test_the_instructors_markdown_keeps_its_text_and_a_student_edit_does_not(course, monkeypatch):
    monkeypatch.chdir(course)
    resources = {"nbgrader": {"db_url": f"sqlite:///{course / 'gradebook.db'}",
                              "notebook": NOTEBOOK, "assignment": ASSIGNMENT}}
    release = read_notebook(RELEASE_NB)
    nb = copy.deepcopy(release)
    ex1 = next(cell for cell in nb.cells if grade_id(cell) == "ex1-intro")
    title = next(cell for cell in nb.cells if grade_id(cell) == "title")
    title.source += '\n<img src=x onerror="alert(1)">'               # an instructor's cell, edited
    forged = new_markdown_cell("<script>alert(1)</script>", metadata={
        "nbgrader": {"locked": True, "grade_id": "forged", "solution": False, "grade": False}})
    nb.cells.append(forged)
    shown = {grade_id(cell): cell for cell in InertOutputs().preprocess(nb, resources)[0].cells}
    assert shown["ex1-intro"].source == ex1.source                   # untouched
    for name in ("title", "forged"):
        assert_harmless(shown[name].source)
        assert shown[name].source.startswith('<div class="gc-inert-markdown">')
    # Without a gradebook, no cell is the instructor's.
    alone = InertOutputs().preprocess(copy.deepcopy(release), {})[0]
    assert all(cell.source.startswith('<div class="gc-inert-markdown">')
               for cell in alone.cells if cell.cell_type == "markdown")


# --------------------------------------------------------------------------- end to end

#: What every hostile output tries: mark the page, and write a file through the server's API
#: with the grader's session (cookie and XSRF token), as an attacker would.
PAYLOAD_JS = """(function () {
  document.title = 'PWNED';
  var mark = document.createElement('div'); mark.id = 'pwned-marker'; document.body.appendChild(mark);
  var xsrf = (document.cookie.match(/_xsrf=([^;]+)/) || [])[1] || '';
  fetch('/api/contents/PWNED.txt', {method: 'PUT', credentials: 'same-origin',
        headers: {'Content-Type': 'application/json', 'X-XSRFToken': decodeURIComponent(xsrf)},
        body: JSON.stringify({type: 'file', format: 'text', content: 'pwned'})});
})();"""
PAYLOAD = base64.b64encode(PAYLOAD_JS.encode()).decode()
RUN = f"eval(atob(`{PAYLOAD}`))"   # backquotes: it goes inside Python and HTML quotes
URL_RUN = f"eval(atob(%27{PAYLOAD}%27))"   # in a markdown link, where backquotes would make code
HONEST_TEXT = "honest-output-marker: forward_propagation(2, 4) ="
FILENAMES_URL = "/api/contents/gc-filenames-probe"   # an <img src> to it would be a GET the test sees

HOSTILE_CELL = f'''
from IPython.display import HTML, SVG, Javascript, Markdown, display
display(HTML('<img src=x onerror="{RUN}">'))
display(HTML('<script>{RUN}</script>'))
display(HTML('<a id="pwned-link" href="javascript:{RUN}">a link</a>'))
display(HTML('<iframe srcdoc="<script>parent.{RUN}</script>"></iframe>'))
display(SVG('<svg xmlns="http://www.w3.org/2000/svg" onload="{RUN}"><script>{RUN}</script><circle r="4"/></svg>'))
display(Javascript("{RUN}"))
display(Markdown('<img src=x onerror="{RUN}"> [md link](javascript:{URL_RUN})'))
display({{"image/png": "x"}}, raw=True, metadata={{"width": "1 onerror={RUN}"}})
display({{"image/png": "x"}}, raw=True, metadata={{"height": "1 onerror={RUN}"}})
display({{"image/jpeg": "x"}}, raw=True, metadata={{"image/jpeg": {{"height": "1 onerror={RUN}"}}}})
display({{"image/png": "{PNG}"}}, raw=True, metadata={{"filenames": {{"image/png": "{FILENAMES_URL}"}}}})
print("{HONEST_TEXT}", forward_propagation(2, 4))
import matplotlib
matplotlib.use("module://matplotlib_inline.backend_inline")
import matplotlib.pyplot as plt
plt.plot([0, 1], [0, 1])
plt.show()
'''
HOSTILE_MARKDOWN = f'My notes <img src=x onerror="{RUN}"> <script>{RUN}</script> [notes](javascript:{URL_RUN})'
STUDENT = "mallory"


def hostile_notebook():
    answers = correct_answers()
    answers["forward_propagation"] += "\n" + HOSTILE_CELL
    nb = fill_release(answers)
    index = next(i for i, cell in enumerate(nb.cells) if grade_id(cell) == "forward_propagation")
    nb.cells.insert(index + 1, new_markdown_cell(HOSTILE_MARKDOWN))
    return nb


class _Tags(html.parser.HTMLParser):
    """Every start tag with its attributes, and the text of every <script>."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.scripts, self._in_script = [], [], False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data


_ASSIGNMENT_IMAGE = re.compile(r"images/[\w.-]+")

#: The event handlers formgrader's own template puts in its page (the student's name, shown or hidden).
TEMPLATE_HANDLERS = {"toggle_name(true);", "toggle_name(false);"}


def assert_page_is_inert(page_html):
    parsed = _Tags()
    parsed.feed(page_html)
    handlers = [(tag, name, value) for tag, attrs in parsed.tags for name, value in attrs.items()
                if name.lower().startswith("on") and value not in TEMPLATE_HANDLERS]
    assert not handlers, f"event handlers in the page: {handlers}"
    scripting_urls = [(tag, name, value) for tag, attrs in parsed.tags for name, value in attrs.items()
                      if value and value.strip().lower().startswith(("javascript:", "data:text"))]
    assert not scripting_urls, scripting_urls
    assert not [script for script in parsed.scripts if PAYLOAD in script or "atob" in script]
    assert not [tag for tag, _ in parsed.tags if tag in ("iframe", "object", "embed", "svg")]
    # An image shows its own data or one of the assignment's images (the instructor's markdown,
    # a relative path), never loads a URL of the student's choice (a GET with the grader's cookies).
    loading = [attrs["src"] for tag, attrs in parsed.tags if tag == "img" and attrs.get("src")
               and not attrs["src"].startswith("data:image/") and not _ASSIGNMENT_IMAGE.fullmatch(attrs["src"])]
    assert not loading, f"images loading a URL: {loading}"


@pytest.fixture(scope="module")
def hostile_course(generated_course, tmp_path_factory):
    """A scratch course where the hostile submission was autograded and its feedback generated."""
    from course import copy_course
    course = copy_course(generated_course, tmp_path_factory.mktemp("hostile") / "course")
    place_submission(course, STUDENT, hostile_notebook())
    nbgrader(course, "autograde", ASSIGNMENT)
    nbgrader(course, "generate_feedback", ASSIGNMENT)
    return course


@pytest.mark.slow
def test_a_hostile_submission_is_graded_and_shown_inert(hostile_course):
    autograded = read_notebook(hostile_course / "autograded" / STUDENT / ASSIGNMENT / f"{NOTEBOOK}.ipynb")
    answer = next(cell for cell in autograded.cells if grade_id(cell) == "forward_propagation")
    assert not [output for output in answer.outputs if output.output_type == "error"], answer.outputs
    outputs = "\n".join(nbformat.v4.nbjson.json.dumps(output) for output in answer.outputs)
    for pattern in ("<script", "onerror=", "onload=", "javascript:", "application/javascript", "<iframe", PAYLOAD[:40],
                    "filenames", FILENAMES_URL):
        assert pattern not in outputs, f"{pattern!r} is in the autograded outputs"
    # The four hostile images are there, with their metadata gone.
    hostile_images = [output for output in answer.outputs if output.output_type == "display_data"
                      and dict(output.data) in ({"image/png": "x"}, {"image/jpeg": "x"}, {"image/png": PNG})]
    assert len(hostile_images) == 4 and all(output.metadata == {} for output in hostile_images), hostile_images
    # Each hostile display is there, made inert (so the payloads did run in the kernel).
    shown = [output.data for output in answer.outputs if output.output_type == "display_data"]
    assert sum(1 for data in shown if data.get("text/html", "").startswith('<img src="data:image/svg+xml')) == 1
    assert sum(1 for data in shown if dict(data) == {"text/plain": "<IPython.core.display.Javascript object>"}) == 1
    assert len([data for data in shown if "text/html" in data]) >= 6
    # What an honest student shows still shows: printed text and the matplotlib figure.
    assert HONEST_TEXT in outputs and '"image/png"' in outputs
    markdown = [cell.source for cell in autograded.cells if cell.cell_type == "markdown" and "My notes" in cell.source]
    assert len(markdown) == 1 and PAYLOAD not in markdown[0] and "<script" not in markdown[0]

    feedback = (hostile_course / "feedback" / STUDENT / ASSIGNMENT / f"{NOTEBOOK}.html").read_text()
    assert_page_is_inert(feedback)
    assert HONEST_TEXT in feedback and "data:image/png;base64," in feedback
    assert "My notes" in feedback


@pytest.mark.slow
@pytest.mark.browser
def test_formgrader_shows_the_hostile_submission_without_running_it(hostile_course, tmp_path):
    from browser import chromium_page, jupyter_lab, require_chromium, screenshot
    from nbgrader.api import Gradebook

    require_chromium()
    with Gradebook(f"sqlite:///{hostile_course / 'gradebook.db'}") as gb:
        submission_id = gb.find_submission_notebook(NOTEBOOK, ASSIGNMENT, STUDENT).id
    pwned = hostile_course / "PWNED.txt"
    with jupyter_lab(hostile_course, scratch_dir=tmp_path / "lab") as lab, chromium_page() as page:
        api_calls = []   # every request to the contents API, then its response's status
        page.on("request", lambda request: "/api/contents" in urllib.parse.urlparse(request.url).path
                and api_calls.append(f"{request.method} {request.url}"))
        page.on("response", lambda response: "/api/contents" in urllib.parse.urlparse(response.url).path
                and api_calls.append(f"-> {response.status}"))
        # As a grader does: JupyterLab first (which also gives the browser the server's XSRF
        # cookie, what a payload needs to write), then formgrader's page of the submission.
        page.goto(f"{lab.url}/lab?token={lab.token}", wait_until="domcontentloaded")
        page.goto("about:blank")
        api_calls.clear()   # JupyterLab's own (its file browser), now gone with its page
        url = f"{lab.url}/formgrader/submissions/{submission_id}/?index=0"
        response = page.goto(url, wait_until="load")
        assert response.status == 200, f"formgrader answered {response.status} for {url}"
        page.wait_for_load_state("networkidle")
        assert page.locator("text=My notes").count() >= 1, "the page does not show the submission"
        assert HONEST_TEXT in page.content()
        # The links the payload hid behind, clicked as a grader might.
        for link in page.locator("a:has-text('a link'), a:has-text('md link'), a:has-text('notes')").all():
            link.click(no_wait_after=True, timeout=5_000)
        time.sleep(2)   # give any handler, fetch or load time to act
        screenshot(page, "formgrader-hostile-submission")
        assert page.title() == NOTEBOOK   # formgrader's own title, which every payload changes
        assert page.locator("#pwned-marker").count() == 0
        assert api_calls == [], f"the page called the contents API: {api_calls}"
        assert not pwned.exists(), "the payload wrote a file through the server's API"
        assert_page_is_inert(page.content())

        # Control: the very same payload, run in this page, does take the account over; so the
        # checks above would have seen it, had it run.
        page.evaluate(PAYLOAD_JS)
        deadline = time.monotonic() + 15
        while not pwned.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert pwned.exists() and any(call.startswith("PUT ") for call in api_calls), \
            f"control failed: the payload did not reach the API ({api_calls}); the test proves nothing"
        pwned.unlink()
