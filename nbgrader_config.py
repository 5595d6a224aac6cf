"""nbgrader configuration of the gradient-checking course.

Run every nbgrader command from this directory (the course root), with the
project's virtual environment first on PATH (nbgrader calls `alembic` from it).
"""

from pathlib import Path

from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import (AssignLatePenalties, ClearOutput, DeduplicateIds, GetGrades, IgnorePattern,
                                    LimitOutput, OverwriteKernelspec, SaveAutoGrades)

import nbgrader
from gc_grader.pages import TEMPLATES, EmbedFigures, ExerciseTitles, HideGraderPaths, HideHiddenTests, TypesetMath
from gc_grader.plugins import (AssignmentFilesOnly, CachedOverwriteCells, ClearOldHiddenTests, FastCheckCellMetadata,
                               InertOutputs, JudgeOutsideKernel, RepairCells, ResilientExecute, StartJudging,
                               ValidateNotebook, WarningsAreNotFailures)

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

# The course, and the one assignment it ships.
c.CourseDirectory.course_id = "gradient-checking"

# The exchange: where Release puts the assignment for students to fetch, and Submit and
# Release Feedback put their files. Out of the box it is exchange/ in this course directory
# (ignored by git; `./start-lab --instructor` makes it), so the whole cycle works on one
# machine: students tried out with `./start-lab --student NAME` reach it too. On a shared
# machine or a JupyterHub, point it at a directory every student can reach, e.g. nbgrader's
# default "/usr/local/share/nbgrader/exchange" (made with `mkdir -p` and `chmod 1777`), and
# give students the same course id and exchange root; keep this course directory private then
# (it holds the gradebook, the secret and the submissions) (README, "For instructors").
c.Exchange.root = str(Path(__file__).resolve().parent / "exchange")

# Every notebook runs on the same kernel, whatever the submitted metadata says: the
# grading kernel, which runs student code in a sandbox (gc_grader/sandbox; its limits
# are c.Sandbox.*, e.g. c.Sandbox.memory_limit = 4 * 1024**3). Without bubblewrap,
# grading stops and says what to install, unless you opt out by name with
# c.Sandbox.enabled = False (student code then runs with your privileges).
c.Execute.kernel_name = "gc-sandbox"
# Seconds one cell may run before it is interrupted; the notebook then goes on,
# so an endless loop costs its own exercise only.
c.Execute.timeout = 30

# Grading runs nbgrader's own preprocessors, with four changes (see gc_grader/plugins), and
# nbgrader's CheckCellMetadata (last of both lists) as FastCheckCellMetadata: the same checks,
# messages and logs, the JSON schema checked once per process instead of once per cell; and
# nbgrader's OverwriteCells as CachedOverwriteCells: the same code, the instructor's cells read
# from the gradebook once per command instead of about 30 times per student:
# 1. first, AssignmentFilesOnly removes from the autograded folder every file that is not
#    the notebook or the assignment's (nbgrader copies a submitted link's target with your
#    rights: the secret, the gradebook, another student's work); then, before its checks,
#    RepairCells demotes duplicated cells and puts back deleted
#    instructor cells (nbgrader 0.9 crashes on both); once OverwriteCells has put the
#    gradebook's test cells back, ClearOldHiddenTests drops any hidden-test block they hold
#    (gradebooks generated before the hidden checks left the kernel store such blocks), so
#    the kernel runs the public tests only (the hidden checks run outside it, see 2.);
c.Autograde.sanitize_preprocessors = [
    AssignmentFilesOnly,
    ValidateNotebook,  # see 4.
    RepairCells,
    ClearOutput,
    DeduplicateIds,
    OverwriteKernelspec,
    CachedOverwriteCells,
    ClearOldHiddenTests,
    FastCheckCellMetadata,
]
# what RepairCells leaves missing, nbgrader restores (nothing, in practice).
c.OverwriteCells.add_missing_cells = True  # settings of OverwriteCells apply to CachedOverwriteCells too
# 2. execution survives a kernel killed by student code; every answer is judged a
#    second time outside the kernel, on inputs drawn per student from a secret seed
#    (.gc_grader_secret); and a warning on stderr no longer fails a test that passed;
c.Autograde.autograde_preprocessors = [
    StartJudging,  # the judge's process starts on the answers' sources, and runs while the notebook does
    ResilientExecute,
    ValidateNotebook,  # see 4.
    JudgeOutsideKernel,
    InertOutputs,  # student output is shown, never run, in formgrader and feedback
    IgnorePattern,
    ClearMetadataPreprocessor,
    LimitOutput,
    WarningsAreNotFailures,
    ValidateNotebook,  # see 4.
    SaveAutoGrades,
    AssignLatePenalties,
    FastCheckCellMetadata,
]
# 3. feedback (gc_grader/pages) shows each failed check's message, never the hidden tests' code nor the grading
#    machine's folders in a traceback; it names each exercise with its score, in the edition's
#    language; and its formulas are MathML, typeset after InertOutputs (which would take a
#    typeset instructor cell for one the student edited), so its exporter runs no preprocessor
#    of its own (the HTMLExporter.preprocessors below are formgrader's).
c.GenerateFeedback.preprocessors = [GetGrades, CSSHTMLHeaderPreprocessor, HideHiddenTests, HideGraderPaths, InertOutputs,
                                    ExerciseTitles, TypesetMath, EmbedFigures]
c.GenerateFeedback.HTMLExporter.preprocessors = []
# Its exporter is nbconvert's HTMLExporter, less two costs per page: it keeps the compiled templates
# between commands, and parses a rendered page again only where that could add an image's alt text
# (gc_grader/pages/feedback_exporter.py; grade-class's workers use it too).
c.GenerateFeedback.exporter_class = "gc_grader.pages.feedback_exporter.FeedbackHTMLExporter"
# 4. nbconvert validates the whole notebook against nbformat's schema after every preprocessor
#    (each of the steps above, for every student). Once after the last one is enough for the feedback,
#    whose notebook autograde validated and whose steps write no grade, and for autograde's two
#    passes with ValidateNotebook (gc_grader/plugins/validate_notebook.py) at the three moments
#    that matter, where nbconvert's check refused a notebook: after AssignmentFilesOnly (an
#    invalid submission), after execution (a notebook the kernel made invalid), and before any
#    grade is recorded.
c.FeedbackHTMLExporter.optimistic_validation = True
c.Autograde.NotebookExporter.optimistic_validation = True

# The HTML pages (the feedback, formgrader's manual grading) read offline: the instructor's
# formulas are typeset as MathML when the notebook is exported, and no page loads MathJax from a
# CDN. The course's templates (gc_grader/pages/templates: the feedback page, an empty MathJax macro)
# come first, then nbgrader's; its folder's parent last, so that the course's feedback template
# can extend nbgrader's by name (gc_grader/pages/templates/README.md).
# The figures (images/*.svg beside the notebook) travel inside the page as data: images
# (EmbedFigures), so a feedback file shows them wherever it is opened.
c.HTMLExporter.preprocessors = [TypesetMath, EmbedFigures]
_NBGRADER_TEMPLATES = Path(nbgrader.__file__).resolve().parent / "server_extensions" / "formgrader" / "templates"
c.HTMLExporter.extra_template_basedirs = [str(TEMPLATES),
                                          str(_NBGRADER_TEMPLATES), str(_NBGRADER_TEMPLATES.parent)]

# Keep the graded notebooks and the feedback readable when student code floods output.
c.LimitOutput.max_lines = 200
c.LimitOutput.max_traceback = 50

# `nbgrader zip_collect` reads an LMS download whose files are named
# "<student id>_<notebook name>", e.g. alice_Gradient_Checking.ipynb (the student id
# has no underscore). nbgrader matches the pattern against the file's whole path.
# Change it to your LMS's file naming if that differs.
c.FileNameCollectorPlugin.named_regexp = r".*/(?P<student_id>[^_/]+)_(?P<file_id>[^/]+\.ipynb)$"
