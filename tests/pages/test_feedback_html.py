"""The feedback page as a student reads it, and formgrader's page as an instructor reads it, offline.

First the parts on their own: TypesetMath (formulas as MathML, code and escapes and bad TeX left
alone, student markdown never typeset) and HideGraderPaths (a traceback names files, not the
grading machine's folders). Then end to end, with the real nbgrader, kernels and sandbox: a
scratch course grades a correct and three wrong submissions (one with a hinted mistake, two that
crash inside a helper and inside numpy) and generates their feedback, which is parsed as a
browser would: each exercise named with its score, the hint whole in a line that wraps, every
formula MathML, no script from a CDN, no path of the grading machine; the same in Chinese; the
same paths gone after ./grade-class's workers graded unsandboxed; and formgrader's exporter,
built from the course's configuration as formgrader builds it, typesets and loads no CDN.
"""

import base64
import copy
import html.parser
import re
import shutil
import subprocess
import sys

import nbformat
import pytest
from nbformat.v4 import new_markdown_cell, new_notebook, new_output

import public_tests
from course import (ASSIGNMENT, NOTEBOOK, RELEASE_NB, ROOT, cell_by_grade_id, copy_course, grade_id, nbgrader,
                    place_submission, read_notebook, tool_env)
from gc_editions import build, catalogs
from gc_grader.pages import EmbedFigures, HideGraderPaths, TypesetMath
from gc_grader.pages.typeset_math import typeset
from gc_grader.plugins import InertOutputs
from page_dom import dom
from submissions import corpus, variant

# --------------------------------------------------------------------------- TypesetMath alone


def test_inline_and_display_formulas_become_mathml():
    out = typeset(r"The cost $J(\theta)$, then $$\frac{a}{2 \varepsilon} \tag{1}$$ and \(x_i\), \[y\].")
    assert "$" not in out and "\\frac" not in out and "\\(" not in out and "\\[" not in out
    assert out.count("<math>") == 2 and out.count('<math display="block">') == 2
    assert "<mfrac>" in out and "&#x3B8;" in out          # θ, as a character reference


def test_code_spans_fenced_code_and_escaped_dollars_are_left_alone():
    source = ("Call `f($x$)` or ``g(`$y$`)``, it costs \\$5 and \\$6.\n\n"
              "```python\nprint('$z$')\n```\n~~~\n$$w$$\n~~~\n<code>$v$</code> and $u$")
    out = typeset(source)
    assert out.startswith("Call `f($x$)` or ``g(`$y$`)``, it costs \\$5 and \\$6.\n\n```python\nprint('$z$')\n```\n"
                          "~~~\n$$w$$\n~~~\n<code>$v$</code> and <math>")
    assert out.count("<math") == 1


@pytest.mark.parametrize("tex", [r"$\frac{a$", r"$x^{$", r"$\notacommand x$", r"$$\frac{$$"])
def test_a_formula_latex2mathml_cannot_convert_stays_tex(tex):
    assert typeset(f"before {tex} after") == f"before {tex} after"


def test_what_a_formula_could_smuggle_into_the_page_stays_text():
    out = typeset(r"$\text{<img src=x onerror=alert(1)>}$ $\href{javascript:alert(1)}{x}$ $\style{color:red}{y}$")
    assert "<img" not in out and "javascript" not in out and "style=" not in out and "href" not in out
    assert "&#x3C;img" in out                              # the text is shown, as text


def test_markdown_renders_the_mathml_untouched():
    """nbconvert's markdown renderer (the templates' markdown2html) passes the MathML through:
    no * or _ of a formula becomes emphasis, no entity is escaped twice."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune
    rendered = markdown2html_mistune(typeset(r"- $a * b * c$ and $x_1 + y_2 = z_3$"))
    assert "<em>" not in rendered and "&amp;#" not in rendered
    assert "<mo>*</mo>" in rendered and "<msub><mi>x</mi><mn>1</mn></msub>" in rendered


def notebook_with_a_student_cell(course, student_markdown):
    """The release notebook with one markdown cell added by the student, and the resources that
    point at the scratch course's gradebook (which holds the instructor's cells)."""
    resources = {"nbgrader": {"db_url": f"sqlite:///{course / 'gradebook.db'}", "notebook": NOTEBOOK,
                              "assignment": ASSIGNMENT, "student": "alice"}}
    nb = copy.deepcopy(read_notebook(RELEASE_NB))
    nb.cells.insert(3, new_markdown_cell(student_markdown))
    return nb, resources


def test_only_the_instructors_markdown_is_typeset_and_student_markdown_stays_inert(course, monkeypatch):
    """In the feedback's order (InertOutputs, then TypesetMath): the instructor's formulas become
    MathML, a student's stay TeX inside the inert block, with nothing that runs."""
    monkeypatch.chdir(course)
    hostile = r"My notes: $\text{<img src=x onerror=alert(1)>}$ and $\frac{a}{b}$ <b>bold</b>"
    nb, resources = notebook_with_a_student_cell(course, hostile)
    edited = next(cell for cell in nb.cells if grade_id(cell) == "ex1-intro")
    edited.source += " Also $y$."                              # an instructor's cell the student edited
    nb, resources = InertOutputs().preprocess(nb, resources)
    nb, resources = TypesetMath().preprocess(nb, resources)
    cells = {grade_id(cell) or cell.source[:40]: cell for cell in nb.cells}
    how = next(cell for cell in nb.cells if grade_id(cell) == "how-it-works")
    assert "<math" in how.source and "$" not in how.source
    student = next(cell for cell in nb.cells if "My notes" in cell.source)
    assert student.source.startswith('<div class="gc-inert-markdown">') and "<math" not in student.source
    assert r"$\frac{a}{b}$" in student.source and "<img" not in student.source
    assert "<math" not in cells["ex1-intro"].source and "$y$" in cells["ex1-intro"].source


def test_without_a_gradebook_nothing_is_typeset(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)                                # no gradebook.db here
    nb = copy.deepcopy(read_notebook(RELEASE_NB))
    before = [cell.source for cell in nb.cells]
    nb, _ = TypesetMath().preprocess(nb, {})
    assert [cell.source for cell in nb.cells] == before


# --------------------------------------------------------------------------- EmbedFigures alone


def test_only_figures_inside_the_notebooks_folder_are_embedded(tmp_path):
    folder = tmp_path / "autograded" / "alice" / ASSIGNMENT
    (folder / "images").mkdir(parents=True)
    (folder / "images" / "network.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (folder / "big.png").write_bytes(b"\x89PNG" + b"0" * 4096)
    (folder / "notes.txt").write_text("not an image")
    (tmp_path / "secret.svg").write_text("<svg>the course's</svg>")
    (folder / "images" / "linked.svg").symlink_to(tmp_path / "secret.svg")
    links = ["images/network.svg", "../../../secret.svg", str(tmp_path / "secret.svg"), "images/linked.svg",
             "notes.txt", "big.png", "https://example.org/x.svg"]
    nb = new_notebook(cells=[new_markdown_cell(" ".join(f"![f]({link})" for link in links)),
                             new_markdown_cell('<img src="images/network.svg"> <img src="../../../secret.svg">')])
    nb, _ = EmbedFigures(max_bytes=1024).preprocess(nb, {"metadata": {"path": str(folder)}})
    first, second = nb.cells[0].source, nb.cells[1].source
    embedded = "data:image/svg+xml;base64," + base64.b64encode((folder / "images" / "network.svg").read_bytes()).decode()
    assert first.startswith(f"![f]({embedded}) ") and second.startswith(f'<img src="{embedded}">')
    for link in links[1:]:                                  # each of the others keeps its link
        assert f"]({link})" in first, link
    assert '<img src="../../../secret.svg">' in second
    assert base64.b64encode(b"<svg>the course's</svg>").decode() not in first + second


# --------------------------------------------------------------------------- HideGraderPaths alone

GREEN, RESET = "\x1b[32m", "\x1b[39m"
PATHS = {
    f"File {GREEN}/tmp/gc_grade_x1y2/autograded/alice/{ASSIGNMENT}/gc_utils.py:119{RESET}, in f": f"File {GREEN}gc_utils.py:119{RESET}, in f",
    f"File {GREEN}/srv/course/.venv/lib/python3.11/site-packages/numpy/linalg/_linalg.py:2809{RESET}, in norm":
        f"File {GREEN}numpy/linalg/_linalg.py:2809{RESET}, in norm",
    "File ~/gc_utils.py:7, in g": "File gc_utils.py:7, in g",
    "File /home/student/testCases.py:3, in h": "File testCases.py:3, in h",
    "File /usr/lib/python3.11/json/decoder.py:337, in decode": "File json/decoder.py:337, in decode",
    "/tmp/ipykernel_42/336345730.py:5: UserWarning: careful": "336345730.py:5: UserWarning: careful",
    f"File ~/courses/gc/autograded/alice/{ASSIGNMENT}/public_tests.py:40": "File public_tests.py:40",
    "open('/srv/grader/secret/notes.txt')": "open('notes.txt')",
    # Left as they are: the student's own cells, and URLs.
    "Cell In[14], line 28, in gradient_check_n(parameters)": "Cell In[14], line 28, in gradient_check_n(parameters)",
    "see https://example.org/home/page": "see https://example.org/home/page",
}


def test_tracebacks_keep_file_names_and_line_numbers_but_lose_the_graders_folders():
    nb = new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell("x", outputs=[
        new_output("error", ename="ValueError", evalue="/tmp/gc_grade_x1y2/autograded/alice/gradient_checking/a.py",
                   traceback=list(PATHS)),
        new_output("stream", name="stderr", text="/tmp/ipykernel_42/336345730.py:5: UserWarning: careful\n"),
        new_output("execute_result", data={"text/plain": "'/home/student/gc_utils.py'"}, execution_count=1)]))
    nb, _ = HideGraderPaths().preprocess(nb, {"nbgrader": {"student": "alice", "assignment": ASSIGNMENT}})
    error, stream, result = nb.cells[0].outputs
    assert error.traceback == list(PATHS.values())
    assert error.evalue == "a.py"
    assert stream.text == "336345730.py:5: UserWarning: careful\n"
    assert result.data["text/plain"] == "'gc_utils.py'"


# --------------------------------------------------------------------------- end to end

RECIPES = {s.student: s for s in corpus()}
WRONG = RECIPES["gcn_no_unpack"]                      # a hinted mistake, 0 of 50 in exercise 4
HELPER_CRASH = variant("helper-crash", "vector_to_dictionary of a slice: gc_utils raises",
                       {"gradient_check_n": [("vector_to_dictionary(theta_plus)", "vector_to_dictionary(theta_plus[:5])")]},
                       lost=("gradient_check_n",))
NUMPY_CRASH = variant("numpy-crash", "np.linalg.norm with an unknown order: numpy raises",
                      {"forward_propagation": [("J = theta * x", "J = np.linalg.norm(np.array([theta * x]), ord='bad')")]},
                      lost=("forward_propagation",))
STUDENT_NOTE = r"My own note: $\frac{J^+ - J^-}{2}$"
#: A student's markdown that would have the feedback embed files of the course, were its links followed.
STUDENT_IMAGES = ("![secret](../../../.gc_grader_secret) ![gradebook](../../../gradebook.db) "
                  '<img src="../../../.gc_grader_secret"> <img src="images/network.svg">')
SCORES = {
    "correct": ["10 / 10", "10 / 10", "30 / 30", "50 / 50"],
    WRONG.student: ["10 / 10", "10 / 10", "30 / 30", "0 / 50"],
}
EXERCISE_NAMES = ["forward_propagation", "backward_propagation", "gradient_check", "gradient_check_n"]


def with_student_note(nb):
    index = next(i for i, cell in enumerate(nb.cells) if grade_id(cell) == "gradient_check_n")
    nb.cells.insert(index + 1, new_markdown_cell(STUDENT_NOTE))
    nb.cells.insert(index + 2, new_markdown_cell(STUDENT_IMAGES))
    return nb


class Page(html.parser.HTMLParser):
    """The feedback page as a browser builds it: elements with their classes, the text each holds
    (for the list of scores, the headings and the outputs), scripts and style sheets."""

    VOID = {"meta", "link", "br", "img", "hr", "input", "col", "area", "base", "wbr", "source"}

    def __init__(self, page):
        super().__init__(convert_charrefs=True)
        self.elements, self._open = [], []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        element = {"tag": tag, "attrs": dict(attrs), "text": "", "ancestors": [e for e in self._open]}
        self.elements.append(element)
        if tag not in self.VOID:
            self._open.append(element)

    def handle_startendtag(self, tag, attrs):
        self.elements.append({"tag": tag, "attrs": dict(attrs), "text": "", "ancestors": list(self._open)})

    def handle_endtag(self, tag):
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i]["tag"] == tag:
                del self._open[i:]
                break

    def handle_data(self, data):
        for element in self._open:
            element["text"] += data

    def all(self, tag, css_class=None):
        return [e for e in self.elements if e["tag"] == tag
                and (css_class is None or css_class in (e["attrs"].get("class") or "").split())]

    def text(self):
        body = self.all("body")
        return body[0]["text"] if body else ""


def feedback_page(course, student, assignment=ASSIGNMENT):
    return (course / "feedback" / student / assignment / f"{NOTEBOOK}.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def graded(generated_course, tmp_path_factory):
    """The scratch course after `nbgrader autograde` and `generate_feedback` (real kernels in the
    sandbox) of the correct, the wrong and the two crashing submissions, in English; and of the
    wrong one in the Chinese edition."""
    course = copy_course(generated_course, tmp_path_factory.mktemp("feedback_html") / "course")
    for submission in (RECIPES["correct"], HELPER_CRASH, NUMPY_CRASH):
        submission.place(course)
    place_submission(course, WRONG.student, with_student_note(WRONG.notebook()))
    chinese = build.assignment_of("zh_CN")
    nbgrader(course, "generate_assignment", chinese)
    in_chinese = read_notebook(ROOT / "release" / chinese / f"{NOTEBOOK}.ipynb")
    cell_by_grade_id(in_chinese, "gradient_check_n").source = cell_by_grade_id(WRONG.notebook(), "gradient_check_n").source
    folder = course / "submitted" / WRONG.student / chinese
    shutil.copytree(ROOT / "release" / chinese, folder, ignore=shutil.ignore_patterns("*.ipynb"))
    nbformat.write(in_chinese, str(folder / f"{NOTEBOOK}.ipynb"))
    for assignment in (ASSIGNMENT, chinese):
        nbgrader(course, "autograde", assignment)
        nbgrader(course, "generate_feedback", assignment)
    return course


@pytest.mark.slow
@pytest.mark.parametrize("student", sorted(SCORES))
def test_the_list_of_scores_names_each_exercise_with_its_points(graded, student):
    page = Page(feedback_page(graded, student))
    toc = [" ".join(li["text"].split()) for li in page.all("li") if any(a["attrs"].get("id") == "toc" for a in li["ancestors"])]
    assert toc == [f"Exercise {n}: {name} — {score}" for n, (name, score) in
                   enumerate(zip(EXERCISE_NAMES, SCORES[student]), start=1)]
    headings = [" ".join(span["text"].split()) for span in page.all("span", "nbgrader-label")]
    assert [h for h in headings if h.startswith("Exercise")] == [f"Exercise {n}: {name}" for n, name in
                                                               enumerate(EXERCISE_NAMES, start=1)]
    assert not [h for h in headings if h.startswith("Grade cell")] and "Test cell" not in page.text()


@pytest.mark.slow
def test_the_chinese_editions_feedback_names_the_exercises_in_chinese(graded):
    catalog = catalogs.read(catalogs.po_path("zh_CN"))
    line = catalog.get("Exercise {number}: {name} — {score} / {points}").string
    assert line and line != "Exercise {number}: {name} — {score} / {points}"
    text = " ".join(Page(feedback_page(graded, WRONG.student, build.assignment_of("zh_CN"))).text().split())
    assert line.format(number=4, name="gradient_check_n", score=0, points=50) in text
    assert "Exercise 4" not in text


@pytest.mark.slow
def test_the_hint_is_whole_in_an_output_that_wraps(graded):
    raw = feedback_page(graded, WRONG.student)
    page = Page(raw)
    hint = public_tests.HINTS[WRONG.hint]
    holding = [pre for pre in page.all("pre") if hint in pre["text"]]
    assert holding, f"the hint is not whole in any <pre>: {hint}"
    assert all(any("output_subarea" in (a["attrs"].get("class") or "") for a in pre["ancestors"]) for pre in holding)
    # The page's style makes those <pre> wrap at its edge, between words.
    rules = " ".join(style["text"] for style in page.all("style"))
    wrapping = re.search(r"div\.output_subarea pre\s*\{([^}]*)\}", rules)
    assert wrapping, "no style rule for the outputs' <pre>"
    declarations = {k.strip(): v.strip() for k, v in (d.split(":", 1) for d in wrapping.group(1).split(";") if ":" in d)}
    assert declarations.get("white-space") == "pre-wrap" and declarations.get("overflow-wrap") == "anywhere"
    assert declarations.get("word-break") == "normal"


@pytest.mark.slow
@pytest.mark.parametrize("student", ["correct", WRONG.student])
def test_formulas_are_mathml_and_no_script_comes_from_a_cdn(graded, student):
    raw = feedback_page(graded, student)
    page = Page(raw)
    assert len(page.all("math")) >= 80 and page.all("math")[0]["ancestors"], "the formulas are not MathML"
    assert any(m["attrs"].get("display") == "block" for m in page.all("math"))
    text = page.text()
    # The instructor's text holds no TeX any more; the student's own note keeps its TeX, inert.
    assert "$\\frac" not in text.replace(STUDENT_NOTE, "") and "\\varepsilon" not in text
    if student == WRONG.student:
        assert STUDENT_NOTE in text
    assert not [s for s in page.all("script") if s["attrs"].get("src")], "a script is loaded"
    assert "cdnjs" not in raw and "MathJax.Hub" not in raw


@pytest.mark.slow
def test_the_instructors_figures_travel_inside_the_page_and_a_students_image_links_stay_dead(graded):
    """The notebook's three figures are data: images, so the page shows them opened anywhere; a
    student's image links to the course's files embed nothing (their target's bytes are not in
    the page, nor a link to them)."""
    (graded / ".gc_grader_secret").exists() or (graded / ".gc_grader_secret").write_text("unused")
    secret = (graded / ".gc_grader_secret").read_bytes()
    raw = feedback_page(graded, WRONG.student)
    sources = [img["attrs"].get("src") or "" for img in Page(raw).all("img")]
    figures = [src for src in sources if src.startswith("data:image/svg+xml;base64,")]
    assert len(figures) == 3, sources and [src[:60] for src in sources]
    # The student's four images are left with no source at all (InertOutputs).
    assert not [src for src in sources if src and not src.startswith("data:")], "an image still points at a file"
    assert base64.b64encode(secret).decode()[:24] not in raw
    assert base64.b64encode((graded / "gradebook.db").read_bytes()[:48]).decode()[:24] not in raw


@pytest.mark.slow
def test_every_page_shows_what_stock_nbconvert_shows_and_every_image_has_alt_text(graded):
    """The course's exporter (FeedbackHTMLExporter) against nbconvert's own, on the same graded
    notebooks: element for element the same page. A page with an image without alt text (the
    student's raw <img>, its link dropped) is stock's byte for byte: the accessibility pass ran."""
    nbgrader(graded, "generate_feedback", ASSIGNMENT, "--GenerateFeedback.exporter_class=nbconvert.exporters.HTMLExporter",
             "--CourseDirectory.feedback_directory=feedback_stock")
    students = sorted(folder.parent.name for folder in (graded / "feedback").glob(f"*/{ASSIGNMENT}"))
    assert len(students) == 4
    rewritten = []
    for student in students:
        ours = feedback_page(graded, student)
        stock = (graded / "feedback_stock" / student / ASSIGNMENT / f"{NOTEBOOK}.html").read_text(encoding="utf-8")
        assert dom(ours) == dom(stock), student
        assert all("alt" in img["attrs"] for img in Page(ours).all("img")), student
        rewritten += [student] if ours == stock else []
    assert rewritten == [WRONG.student]


#: What a path of the grading machine looks like in a page: its roots, its scratch folders, its venv.
GRADER_PATHS = re.compile(r"/tmp/|/home/|/root/|/srv/|/work/|~/|site-packages|\.venv|gc_grade_|ipykernel_")


@pytest.mark.slow
def test_feedback_shows_no_path_of_the_grading_machine(graded):
    crashes = {}
    for submission in (HELPER_CRASH, NUMPY_CRASH):
        autograded = read_notebook(graded / "autograded" / submission.student / ASSIGNMENT / f"{NOTEBOOK}.ipynb")
        tracebacks = "\n".join(line for cell in autograded.cells for output in cell.get("outputs", [])
                               if output.output_type == "error" for line in output.traceback)
        assert GRADER_PATHS.search(tracebacks), "the autograded notebook names no grader path: nothing to test"
        crashes[submission.student] = Page(feedback_page(graded, submission.student)).text()
    for student in ("correct", WRONG.student):
        crashes[student] = Page(feedback_page(graded, student)).text()
    for student, text in crashes.items():
        assert not GRADER_PATHS.search(text), f"{student}: {GRADER_PATHS.search(text).group(0)!r} in the feedback"
        assert str(graded) not in text
    # The frames still name the file and the line.
    assert re.search(r"File gc_utils\.py:\d+, in vector_to_dictionary", crashes[HELPER_CRASH.student])
    assert re.search(r"File numpy/linalg/_linalg\.py:\d+, in norm", crashes[NUMPY_CRASH.student])
    assert re.search(r"Cell In\[\d+\], line \d+", crashes[NUMPY_CRASH.student])


@pytest.mark.slow
def test_grade_class_workers_scratch_folders_stay_out_of_the_feedback(generated_course, tmp_path):
    """Unsandboxed, a grade-class worker's kernel runs in the worker's scratch copy of the course,
    and tracebacks name it (/tmp/gc_grade_.../autograded/<student>/...)."""
    course = copy_course(generated_course, tmp_path / "course")
    HELPER_CRASH.place(course)
    proc = subprocess.run([sys.executable, "-m", "gc_grader.class_grading", ASSIGNMENT, "--workers", "1", "--no-sandbox"],
                          cwd=course, env=tool_env(), capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    autograded = read_notebook(course / "autograded" / HELPER_CRASH.student / ASSIGNMENT / f"{NOTEBOOK}.ipynb")
    assert "gc_grade_" in nbformat.writes(autograded), "the worker's scratch folder is not in the tracebacks"
    text = Page(feedback_page(course, HELPER_CRASH.student)).text()
    assert not GRADER_PATHS.search(text), GRADER_PATHS.search(text).group(0)
    assert re.search(r"File gc_utils\.py:\d+, in vector_to_dictionary", text)


@pytest.mark.slow
def test_formgraders_page_typesets_formulas_and_loads_no_cdn(graded, monkeypatch):
    """formgrader builds its exporter as HTMLExporter(config=...) from the course's configuration,
    which it reads after setting its own template folder: the course's preprocessors and
    templates hold there too."""
    from nbconvert import HTMLExporter
    from nbgrader.server_extensions.formgrader.formgrader import FormgradeExtension
    monkeypatch.chdir(graded)
    formgrader = FormgradeExtension()
    formgrader.root_dir = str(graded)
    formgrader.initialize([])
    exporter = HTMLExporter(config=formgrader.config)
    assert exporter.template_name == "formgrade"
    resources = {"assignment_id": ASSIGNMENT, "notebook_id": NOTEBOOK, "submission_id": "x", "index": 0, "total": 1,
                 "base_url": "", "student": WRONG.student, "last_name": None, "first_name": None, "notebook_path": "x"}
    page, _ = exporter.from_filename(str(graded / "autograded" / WRONG.student / ASSIGNMENT / f"{NOTEBOOK}.ipynb"),
                                     resources=resources)
    parsed = Page(page)
    assert len(parsed.all("math")) >= 80 and "$\\frac" not in parsed.text().replace(STUDENT_NOTE, "")
    assert "cdnjs" not in page and "MathJax.Hub" not in page
    assert STUDENT_NOTE in parsed.text()                      # the student's own TeX: not typeset


@pytest.mark.slow
@pytest.mark.browser
def test_the_hint_is_read_without_scrolling_sideways(graded):
    """In Chromium, on a narrow window: the output holding the hint is no wider than its box, and
    every formula is laid out as MathML."""
    from browser import chromium_page
    with chromium_page(viewport={"width": 700, "height": 900}) as page:
        page.goto((graded / "feedback" / WRONG.student / ASSIGNMENT / f"{NOTEBOOK}.html").as_uri())
        hint = public_tests.HINTS[WRONG.hint]
        box = page.locator("div.output_subarea pre", has_text=hint[:40]).first
        scroll_width, client_width = box.evaluate("e => [e.scrollWidth, e.clientWidth]")
        assert scroll_width <= client_width, (scroll_width, client_width)
        assert page.locator("math").first.evaluate("e => e.namespaceURI") == "http://www.w3.org/1998/Math/MathML"
        assert page.locator("math").first.evaluate("e => e.getBoundingClientRect().width") > 0
