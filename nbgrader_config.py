"""nbgrader configuration of the gradient-checking course.

Run every nbgrader command from this directory (the course root), with the
project's virtual environment first on PATH (nbgrader calls `alembic` from it).
"""

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

# The course, and the one assignment it ships.
c.CourseDirectory.course_id = "gradient-checking"

# Every notebook runs on the same kernel, whatever the submitted metadata says.
c.Execute.kernel_name = "python3"
# Seconds one cell may run before it is interrupted; the notebook then goes on,
# so an endless loop costs its own exercise only.
c.Execute.timeout = 60

# A grade or test cell deleted by a student is put back before grading.
c.OverwriteCells.add_missing_cells = True

# Keep the graded notebooks and the feedback readable when student code floods output.
c.LimitOutput.max_lines = 200
c.LimitOutput.max_traceback = 50
