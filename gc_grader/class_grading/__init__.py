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
