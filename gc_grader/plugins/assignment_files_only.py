"""AssignmentFilesOnly: grading holds the student's notebook and the assignment's files, nothing else.

Before any preprocessor runs, nbgrader copies every file of a submitted folder into the
autograded one with ``shutil.copy``, which follows symbolic links with the grader's
rights. A submission holding ``notes.txt -> <course>/.gc_grader_secret`` (or a link to
the gradebook, or to another student's notebook) thus gets a plain copy of that file in
its autograded folder, where its kernel could read it, and ``generate_feedback`` then
copies it into the feedback handed back to the student. (``./grade-class`` never reads
links; ``nbgrader autograde`` run by hand does.)

Placed first among ``Autograde.sanitize_preprocessors``, after that copy and before any
student code runs, this removes from the autograded folder every file that is not a
notebook nor a file of the assignment's source (which nbgrader has just copied over the
student's), and every copy of a file that was a link in the submission; and it refuses a
submitted notebook that is itself a link. What is removed is logged, by name only.

nbgrader's own two files stay when they were plain files: ``timestamp.txt`` (the submission
time, for late penalties) and ``submission_secret.txt``, which the exchange writes at
*Submit* and Release Feedback reads back from the feedback folder to name the feedback it
hands to that student (without it, releasing feedback fails for everyone). Neither reaches
the kernel, which gets only the notebook and the released helpers.
"""

import os

from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader.utils import find_all_files

#: Written by nbgrader itself (the submission time; the submission's key for Release
#: Feedback), kept when they are plain files.
NBGRADER_FILES = ("timestamp.txt", "submission_secret.txt")


class LinkedNotebook(Exception):
    """The submitted notebook is a symbolic link: grading it would grade the file it points to."""


class AssignmentFilesOnly(NbGraderPreprocessor):
    """Leave in the autograded folder only notebooks and the assignment's own files."""

    def preprocess(self, nb, resources):
        info = resources.get("nbgrader", {})
        student, assignment, notebook = info.get("student"), info.get("assignment"), info.get("notebook")
        if not (student and assignment):
            return nb, resources
        coursedir = CourseDirectory(config=self.config)
        submitted = coursedir.format_path(coursedir.submitted_directory, student, assignment)
        autograded = coursedir.format_path(coursedir.autograded_directory, student, assignment)
        source = coursedir.format_path(coursedir.source_directory, ".", assignment)
        if notebook and os.path.islink(os.path.join(submitted, f"{notebook}.ipynb")):
            raise LinkedNotebook(f"{student}'s submitted {notebook}.ipynb is a symbolic link, not a notebook: "
                                 "not graded")
        # nbgrader has just copied these over the student's, but for those it is told to keep.
        kept = set(self.config.Autograde.get("exclude_overwriting", {}).get(assignment, []))
        overwritten = {os.path.relpath(path, source)
                       for path in find_all_files(source, coursedir.ignore + ["*.ipynb"])} - kept
        for path in find_all_files(autograded, ["*.ipynb"]):
            relative = os.path.relpath(path, autograded)
            if relative in overwritten:
                continue
            linked = _is_link(submitted, relative)
            if linked or not (relative in NBGRADER_FILES or relative in kept):
                os.remove(path)
                self.log.warning("%s: left %s out of grading (%s)", student, relative,
                                 "a symbolic link" if linked else "not a file of the assignment")
        return nb, resources


def _is_link(folder, relative):
    """Whether ``relative`` was reached through a symbolic link inside ``folder``."""
    path = folder
    for part in relative.split(os.sep):
        path = os.path.join(path, part)
        if os.path.islink(path):
            return True
    return False
