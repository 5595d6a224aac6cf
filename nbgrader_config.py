"""nbgrader configuration of the gradient-checking course.

Run every nbgrader command from this directory (the course root), with the
project's virtual environment first on PATH (nbgrader calls `alembic` from it).
"""

from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbgrader.preprocessors import AssignLatePenalties, CheckCellMetadata, IgnorePattern, LimitOutput, SaveAutoGrades

from gc_grader.resilient_execute import ResilientExecute

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

# The course, and the one assignment it ships.
c.CourseDirectory.course_id = "gradient-checking"

# Every notebook runs on the same kernel, whatever the submitted metadata says.
c.Execute.kernel_name = "python3"
# Seconds one cell may run before it is interrupted; the notebook then goes on,
# so an endless loop costs its own exercise only.
c.Execute.timeout = 30

# A grade or test cell deleted by a student is put back before grading.
c.OverwriteCells.add_missing_cells = True

# nbgrader's own list, with Execute replaced by one that survives a killed kernel.
c.Autograde.autograde_preprocessors = [
    ResilientExecute,
    IgnorePattern,
    ClearMetadataPreprocessor,
    LimitOutput,
    SaveAutoGrades,
    AssignLatePenalties,
    CheckCellMetadata,
]

# Keep the graded notebooks and the feedback readable when student code floods output.
c.LimitOutput.max_lines = 200
c.LimitOutput.max_traceback = 50

# `nbgrader zip_collect` reads an LMS download whose files are named
# "<student id>_<notebook name>", e.g. alice_Gradient_Checking.ipynb (the student id
# has no underscore). nbgrader matches the pattern against the file's whole path.
# Change it to your LMS's file naming if that differs.
c.FileNameCollectorPlugin.named_regexp = r".*/(?P<student_id>[^_/]+)_(?P<file_id>[^/]+\.ipynb)$"
