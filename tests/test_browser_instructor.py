"""The whole nbgrader cycle through JupyterLab's panels, as an instructor and two students do it
on one machine: Formgrader generates, previews and releases the assignment; each student
fetches it in the Assignments panel, validates it blank, answers, validates again and
submits; Formgrader collects, autogrades, shows a submission for manual grading, generates
and releases feedback; each student fetches the feedback and reads it. At the end the
gradebook and the feedback files are read back.

What the test relies on, and why:

- ``./start-lab --instructor`` and ``./start-lab --student NAME``, run for real on a copy of
  the repository's tree: three JupyterLab servers on free loopback ports, the instructor's
  serving the course root and each student's ``workspace/students/NAME/``, sharing the
  course's exchange (``exchange/`` in the copy). Each student's id comes from the
  ``nbgrader_config.py`` that ``start-lab`` writes, since all three run under one account.
- Everything a person does goes through the panels: nbgrader's lab extension (menu
  *Nbgrader*: *Formgrader*, *Assignment List*) and Formgrader's pages inside it (an
  iframe served at ``/formgrader``). Only the answers are not typed: they are saved into
  the fetched notebook through the server's contents API, as the editor's *Save* would,
  because typing sixty lines through CodeMirror would test CodeMirror, not this course.
- Formgrader's DOM (nbgrader 0.9.6): each assignment is a table row whose first cell links
  its name; its action links are glyphicons (``glyphicon-education`` Generate,
  ``-search`` Preview, ``-cloud-upload`` Release, ``-cloud-download`` Collect,
  ``-comment`` Generate Feedback, ``-envelope`` Release Feedback, ``-flash`` Autograde in
  a submission's row); each action ends in a Bootstrap modal titled *Success* or *Error*.
- The Assignments panel's DOM: ``#released_assignments_list``,
  ``#fetched_assignments_list`` and ``#submitted_assignments_list``, with buttons named
  *Fetch*, *Validate*, *Submit*, *Fetch Feedback*; Validate's answer is a JupyterLab dialog.

A screenshot of every step is kept in tests/artifacts/browser/cycle-*.png.
"""

import re
import shutil
import subprocess
import sys
import time
from contextlib import ExitStack

import pytest

from browser import ARTIFACTS_DIR, chromium_page, jupyter_lab, require_chromium
from course import ASSIGNMENT, NOTEBOOK_FILE, POINTS, fill_release, nbgrader, points_by_exercise, tool_env
from public_tests import HINTS
from submissions import correct_answers, corpus, variant
from test_quickstart import tracked_copy

pytestmark = [pytest.mark.slow, pytest.mark.browser]

WIDE = {"width": 1600, "height": 1000}     # Formgrader's tables fit side by side from 1200 px
STUDENTS = ("alice", "bob")


def shot(page, step):
    page.screenshot(path=str(ARTIFACTS_DIR / f"cycle-{step}.png"))


def open_lab(page, lab):
    page.goto(f"{lab.url}/lab?token={lab.token}")
    page.locator(".lm-MenuBar-item").first.wait_for(timeout=90_000)


def menu(page, command):
    """Nbgrader > (the item of ``command``)."""
    page.locator(".lm-MenuBar-item", has_text=re.compile(r"^\s*Nbgrader\s*$")).click()
    page.locator(f'.lm-Menu-item[data-command="{command}"]').click()


def formgrader(page, lab):
    """Open Formgrader from the menu; return its frame once its assignment table is shown."""
    menu(page, "nbgrader:open-formgrader")
    frame = None
    for _ in range(150):     # the iframe's frame appears once its page starts loading
        frame = next((f for f in page.frames if "/formgrader" in f.url), None)
        if frame:
            break
        page.wait_for_timeout(200)
    assert frame, "Nbgrader > Formgrader opened no Formgrader page"
    frame.locator("td a", has_text=re.compile(f"^{ASSIGNMENT}$")).wait_for(timeout=60_000)
    return frame


def row(frame, name):
    """The table row of Formgrader's page whose first cells name ``name`` (an assignment, a student)."""
    return frame.locator("tbody tr", has=frame.locator("td", has_text=re.compile(rf"^\s*{re.escape(name)}\s*$")))


def act(frame, locator, expect="Success", timeout_s=300):
    """Click ``locator``; wait for Formgrader's modal; return its text (it must be ``expect``)."""
    locator.click()
    modal = frame.locator(".modal.in .modal-content")
    modal.wait_for(timeout=timeout_s * 1000)
    text = modal.inner_text()
    title = modal.locator(".modal-title").inner_text()
    assert title == expect, text
    return text


def close_modal(frame):
    frame.locator(".modal.in .modal-footer button", has_text="OK").click()
    frame.locator(".modal.in").wait_for(state="detached", timeout=10_000)


#: alice answers everything right. bob computes forward_propagation in float32 (its public test
#: says so) and answers gradient_check_n wrongly, then patches its public test to say nothing
#: (so the test is green in his kernel, and the hidden checks fail it).
PATCHED = next(s for s in corpus() if s.student == "patch_public_tests").answers["gradient_check_n"]
SUBMISSIONS = {"alice": None,
               "bob": variant("bob", "float32 forward_propagation; a wrong gradient_check_n, its test patched", {
                   "forward_propagation": [("    J = theta * x", "    J = np.float32(theta) * np.float32(x)")],
                   "gradient_check_n": PATCHED}, lost=("forward_propagation", "gradient_check_n"))}
#: The hint bob's public test of forward_propagation gives.
BOB_HINT = "forward_propagation"
#: What nbgrader's Validate says (the same dialog as the notebook's own Validate button).
SUCCESS = "Success! Your notebook passes all the tests."
FAILED_CELL = "The following cell failed:"
#: What the instructor writes on bob's gradient_check_n in Manual Grading.
COMMENT = "Patching the test does not change what your function returns: compare with formula (2)."
#: Validate, Autograde: a whole notebook runs before the answer.
RUN_S = 300


def sentence(hint):
    """The hint ``hint`` of public_tests, on one line."""
    return " ".join(str(HINTS[hint]).split())


def submission_of(student):
    """The notebook ``student`` saves: the release with their answers."""
    recipe = SUBMISSIONS[student]
    return recipe.notebook() if recipe else fill_release(correct_answers())


def expected_points(student):
    recipe = SUBMISSIONS[student]
    return recipe.expected_points() if recipe else dict(POINTS)


def assert_figures_shown(frame, where, timeout_s=30):
    """Every figure of the page is loaded (a broken image has no natural width), once the browser
    has finished with each (a data: image is decoded after the page is parsed)."""
    deadline = time.monotonic() + timeout_s
    while True:
        images = frame.locator("img").evaluate_all(
            "(images) => images.filter((i) => i.getAttribute('src'))"
            ".map((i) => [i.complete, i.naturalWidth, (i.getAttribute('alt') || '').slice(0, 40)])")
        if all(done for done, _, _ in images) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    sizes = [(width, alt) for _, width, alt in images]
    assert len(sizes) >= 3 and all(width > 0 for width, _ in sizes), f"broken figures in {where}: {sizes}"


def assignments_panel(page, lab):
    """Open Nbgrader > Assignment List; return the panel once the released list is shown."""
    open_lab(page, lab)
    menu(page, "nbgrader:open-assignment-list")
    panel = page.locator("#assignments")
    panel.locator("#released_assignments_list").wait_for(timeout=30_000)
    return panel


def validate(page, panel, step):
    """Press Validate beside the fetched notebook; return the dialog's text (after a screenshot)."""
    panel.locator("#fetched_assignments_list").get_by_role("button", name="Validate").click()
    dialog = page.locator(".jp-Dialog")
    message = dialog.locator("#validation-message")
    message.wait_for(timeout=RUN_S * 1000)
    assert "Validation Results" in dialog.locator(".jp-Dialog-header").inner_text()
    text = message.inner_text()
    shot(page, step)
    dialog.locator(".jp-Dialog-button.jp-mod-accept").click()
    dialog.wait_for(state="detached", timeout=10_000)
    return text


def student_fetches_validates_and_submits(page, lab, student, n):
    panel = assignments_panel(page, lab)
    # A student's lab has the Assignment List and none of the instructor's panels.
    page.locator(".lm-MenuBar-item", has_text=re.compile(r"^\s*Nbgrader\s*$")).click()
    items = page.locator(".lm-Menu-item:not(.lm-mod-hidden)")
    items.first.wait_for(timeout=10_000)
    commands = items.evaluate_all("(items) => items.map((i) => i.dataset.command)")
    assert "nbgrader:open-assignment-list" in commands, commands
    assert not {"nbgrader:open-formgrader", "nbgrader:open-create-assignment", "nbgrader:open-course-list"} & set(commands), commands
    page.keyboard.press("Escape")
    panel.locator("#released_assignments_list").get_by_role("button", name="Fetch").click()
    panel.locator("#fetched_assignments_list .assignment-notebooks-link").click()
    panel.locator("#fetched_assignments_list").get_by_role("button", name="Validate").wait_for(timeout=30_000)
    shot(page, f"{n}a-{student}-fetched")
    fetched = lab.root_dir / ASSIGNMENT / NOTEBOOK_FILE
    assert fetched.is_file(), f"Fetch put no {NOTEBOOK_FILE} in {fetched.parent}"

    # The notebook as released fails validation: every exercise still raises NotImplementedError.
    text = validate(page, panel, f"{n}b-{student}-validate-blank")
    assert SUCCESS not in text and text.count(FAILED_CELL) == len(POINTS), text
    assert "NotImplementedError" in text, text

    # The student's answers, saved as the editor saves them.
    notebook = submission_of(student)
    status, _ = lab.api(f"/api/contents/{ASSIGNMENT}/{NOTEBOOK_FILE}", method="PUT",
                        body={"type": "notebook", "format": "json", "content": notebook})
    assert status == 200, f"saving {student}'s answers: HTTP {status}"
    text = validate(page, panel, f"{n}c-{student}-validate-answered")
    if SUBMISSIONS[student] is None:
        assert SUCCESS in text and FAILED_CELL not in text, text
    else:
        # Validate runs the public tests only, in the student's kernel: the patched one says nothing.
        assert text.count(FAILED_CELL) == 1 and "forward_propagation failed its test" in text, text
        assert sentence(BOB_HINT)[:60] in " ".join(text.split()), text

    panel.locator("#fetched_assignments_list").get_by_role("button", name="Submit").click()
    panel.locator("#submitted_assignments_list .list_item").first.wait_for(timeout=60_000)
    shot(page, f"{n}d-{student}-submitted")


def test_the_whole_nbgrader_cycle_through_the_panels(tmp_path):
    require_chromium()
    course = tracked_copy(tmp_path / "course")
    env = {"VENV_DIR": sys.prefix}
    with ExitStack() as stack:
        instructor = stack.enter_context(jupyter_lab(
            course, command=[course / "start-lab", "--instructor"], cwd=course, extra_env=env,
            scratch_dir=tmp_path / "lab-instructor"))
        labs = {student: stack.enter_context(jupyter_lab(
                    course / "workspace" / "students" / student,
                    command=[course / "start-lab", "--student", student], cwd=course, extra_env=env,
                    scratch_dir=tmp_path / f"lab-{student}"))
                for student in STUDENTS}
        page = stack.enter_context(chromium_page(viewport=WIDE))
        open_lab(page, instructor)
        fg = formgrader(page, instructor)
        shot(page, "01-formgrader")

        # Generate, Preview, Release.
        text = act(fg, row(fg, ASSIGNMENT).locator(".glyphicon-education"))
        assert "Successfully created the student version" in text
        shot(page, "02-generated")
        close_modal(fg)
        row(fg, ASSIGNMENT).locator(".glyphicon-search").click()
        page.locator(".jp-DirListing-item", has_text=NOTEBOOK_FILE).dblclick()
        preview = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
        preview.locator(".jp-RenderedMarkdown mjx-container").first.wait_for(timeout=60_000)
        shot(page, "03-preview")
        page.locator(".lm-TabBar-tab", has_text="Formgrader").click()
        act(fg, row(fg, ASSIGNMENT).locator(".glyphicon-cloud-upload"))
        close_modal(fg)
        row(fg, ASSIGNMENT).locator(".label-success", has_text="released").wait_for()
        shot(page, "04-released")

        # Each student fetches, validates, answers, validates and submits.
        spages = {}
        for n, student in enumerate(STUDENTS, start=5):
            spages[student] = page.context.new_page()
            spages[student].set_viewport_size(WIDE)
            student_fetches_validates_and_submits(spages[student], labs[student], student, n)

        # Collect, then autograde each submission from its row.
        page.bring_to_front()
        act(fg, row(fg, ASSIGNMENT).locator(".glyphicon-cloud-download"))
        shot(page, "07-collected")
        close_modal(fg)
        row(fg, ASSIGNMENT).locator("a", has_text=re.compile(f"^{len(STUDENTS)}$")).click()
        for student in STUDENTS:
            act(fg, row(fg, student).locator(".glyphicon-flash"), timeout_s=RUN_S)
            close_modal(fg)
        for student in STUDENTS:
            row(fg, student).locator(".label", has_text=re.compile(r"^\s*graded\s*$")).wait_for(timeout=30_000)
        shot(page, "08-autograded")
        for student in STUDENTS:
            total = sum(expected_points(student).values())
            assert row(fg, student).locator("td", has_text=re.compile(rf"^\s*{total:g}(\.0)? / 100(\.0)?\s*$")).count() == 1, \
                row(fg, student).inner_text()

        # Manual grading: bob's submission shows the hidden checks' messages, never their code;
        # the instructor leaves a comment on his gradient_check.
        fg.locator(".nav a", has_text="Manual Grading").click()
        fg.locator("td a", has_text=re.compile(f"^{ASSIGNMENT}$")).click()
        fg.locator("td a", has_text=re.compile(f"^{NOTEBOOK_FILE[:-6]}$")).click()
        fg.locator("tbody tr", has=fg.locator("a", has_text="bob")).locator("a", has_text="Submission #").click()
        # Formgrader binds its comment boxes once the page has loaded (figures too) and it has
        # fetched the comments: the boxes are in the page's HTML before that, and a comment typed
        # too early is silently never saved. Then the whole page is there to be read.
        fg.wait_for_function("() => window.formgrader && formgrader.comments && formgrader.comments.loaded === true",
                             timeout=60_000)
        graded = fg.locator("#notebook").first.inner_text()
        hint = sentence(BOB_HINT)
        assert hint in " ".join(graded.split()), "the public test's sentence is not on the grading page"
        assert "gradient_check_n failed a hidden check" in graded, "the hidden checks' verdict is not on the grading page"
        for code in ("gc_grader", "BEGIN HIDDEN TESTS", "judge"):
            assert code not in graded, f"the grading page shows {code!r}"
        assert fg.locator("#notebook-container math").count() > 0, "formulas are not typeset on the grading page"
        assert_figures_shown(fg, "the grading page")
        comment = fg.locator("#gradient_check_n-comment")
        comment.fill(COMMENT)
        with page.expect_response(lambda r: "/api/comment" in r.url and r.request.method != "GET") as saved:
            fg.locator(".panel-title").first.click()
        assert saved.value.ok, f"the comment was not saved: HTTP {saved.value.status}"
        shot(page, "09-manual-grading")

        # The gradebook's views: each student's total.
        fg.locator(".breadcrumb a", has_text="Manual Grading").click()
        fg.locator(".nav a", has_text="Manage Students").click()
        for student in STUDENTS:
            total = sum(expected_points(student).values())
            row(fg, student).locator("td", has_text=re.compile(rf"^\s*{total:g}(\.0)? / 100(\.0)?\s*$")).wait_for(timeout=30_000)
        shot(page, "10-students")
        fg.locator(".nav a", has_text="Manage Assignments").click()
        row(fg, ASSIGNMENT).locator("a", has_text=re.compile(f"^{len(STUDENTS)}$")).wait_for(timeout=30_000)

        # Feedback: generated, then released.
        act(fg, row(fg, ASSIGNMENT).locator(".glyphicon-comment"), timeout_s=RUN_S)
        close_modal(fg)
        act(fg, row(fg, ASSIGNMENT).locator(".glyphicon-envelope"))
        close_modal(fg)
        shot(page, "11-feedback-released")

        # Each student fetches the feedback and opens it from the Assignments panel.
        for n, student in enumerate(STUDENTS, start=12):
            spage = spages[student]
            spage.bring_to_front()
            panel = assignments_panel(spage, labs[student])
            panel.locator("#submitted_assignments_list").get_by_role("button", name="Fetch Feedback").click()
            panel.locator("#submitted_assignments_list a", has_text="view feedback").click()
            spage.locator(".jp-DirListing-item", has_text=NOTEBOOK_FILE.replace(".ipynb", ".html")).dblclick()
            viewer = spage.frame_locator(".jp-HTMLViewer iframe")
            viewer.locator("math").first.wait_for(timeout=30_000)
            # The first formula shows while the rest of a long page may still be parsed.
            spage.locator(".jp-HTMLViewer iframe").element_handle().content_frame().wait_for_load_state("load")
            shot(spage, f"{n}-{student}-feedback")
            text = " ".join(viewer.locator("body").inner_text().split())
            for number, (name, points) in enumerate(expected_points(student).items(), start=1):
                title = f"Exercise {number}: {name} — {points:g} / {POINTS[name]:g}"
                assert title in text, f"{student}'s feedback does not say {title!r}"
            assert_figures_shown(viewer, f"{student}'s feedback")
            if SUBMISSIONS[student]:
                assert hint in text and COMMENT in text, text[:3000]
                assert "Comment on exercise 4: gradient_check_n" in text, "the comment's line names no exercise"
                assert "gradient_check_n failed a hidden check" in text, text[:3000]

    # The gradebook: every exercise's points as expected, and as ./grade-class gives them for the
    # same submissions (with the same course secret, hence the same hidden inputs).
    for student in STUDENTS:
        assert points_by_exercise(course, student) == expected_points(student), student
    again = tmp_path / "grade-class"
    shutil.copytree(course, again, symlinks=True, ignore=shutil.ignore_patterns(
        "gradebook.db", "autograded", "feedback", "workspace", "exchange", ".git"))
    nbgrader(again, "generate_assignment", ASSIGNMENT, "--force")
    run = subprocess.run([sys.executable, "-m", "gc_grader.class_grading", ASSIGNMENT, "--workers", "1"],
                         cwd=again, env=tool_env(), capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    for student in STUDENTS:
        assert points_by_exercise(again, student) == points_by_exercise(course, student), student
    feedback = {student: next((course / "workspace" / "students" / student / ASSIGNMENT / "feedback").glob(f"*/{NOTEBOOK_FILE[:-6]}.html"))
                for student in STUDENTS}
    for student, path in feedback.items():
        html = path.read_text()
        assert "cdnjs" not in html and "/tmp/" not in html and "/home/student" not in html, student
