"""``./grade-class``: a whole class graded in parallel, and the check of submissions before it.

- ``cli``: the command (``python -m gc_grader.class_grading``): collect, check, grade,
  export, report.
- ``course``: the course directory through nbgrader's CourseDirectory.
- ``check_submissions``: renamed and broken notebooks, before grading (also a command).
- ``coordinator`` and ``worker``: batches handed to Dask workers; nbgrader run on a worker.
- ``cluster``: the Dask cluster, its workers started with the grading code imported.
- ``model``, ``files``, ``definitions``: what travels between them, as data.
- ``gradebook_writer``: the single writer (one transaction per student, files, the mark).
- ``fingerprint``: what decides a grade, so that a change regrades everyone.
- ``report``: the summary, the reasons points were lost, the histogram.
"""

import sys

# nbgrader imports nbformat, which imports jsonschema, which imports rfc3987-syntax where it is
# installed (jupyter-events, for JupyterLab, asks for it) to check the "iri" string format, and
# that builds a grammar: about a second of CPU in every process, the command's and each worker's.
# No schema that grading validates (nbformat's, nbgrader's) uses that format, so grade-class's
# processes do without it: jsonschema skips the format when the import fails. A process that
# imported jsonschema already is unchanged.
sys.modules.setdefault("rfc3987_syntax", None)
