"""A course directory as nbgrader sees it: its configuration, gradebook and folders.

Every folder is found through nbgrader's own ``CourseDirectory`` (``format_path`` with
its ``*_directory`` and ``directory_structure`` settings), so a course that renames
``autograded/`` or lays out its folders otherwise is graded where nbgrader grades it.
The coordinator uses it on the instructor's course, each worker on its scratch course.
"""

import glob
import re
from pathlib import Path

from jupyter_core.paths import jupyter_config_path
from nbgrader.coursedir import CourseDirectory
from sqlalchemy.engine import make_url
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from gc_grader.assignment import SECRET_FILE

#: nbgrader's folder settings, by the step they hold.
STEPS = ("source", "release", "submitted", "autograded", "feedback")


def load_course_config(root):
    """nbgrader's configuration for a course root: Jupyter's config paths, then the course's file."""
    config = Config()
    for folder in [*reversed(jupyter_config_path()), str(root)]:
        if (Path(folder) / "nbgrader_config.py").is_file():
            config.merge(PyFileConfigLoader("nbgrader_config.py", path=folder).load_config())
    return config


class CourseError(Exception):
    """The folder is not a course nbgrader can work in; the message says why."""


class Course:
    """The course directory at ``root`` and nbgrader's settings for it.

    ``db_url`` replaces the configured gradebook (``CourseDirectory.db_url``) when given.
    """

    def __init__(self, root, db_url=None):
        self.root = Path(root).resolve()
        if not (self.root / "nbgrader_config.py").is_file():
            raise CourseError(f"{self.root} has no nbgrader_config.py")
        config = load_course_config(self.root)
        config.CourseDirectory.root = str(self.root)
        if db_url:
            config.CourseDirectory.db_url = db_url
        self.coursedir = CourseDirectory(config=config)
        config.CourseDirectory.db_url = self.coursedir.db_url
        self.config, self.db_url, self.course_id = config, self.coursedir.db_url, self.coursedir.course_id
        self.shown_url = make_url(self.db_url).render_as_string(hide_password=True)

    def folder(self, step, assignment, student="."):
        """nbgrader's folder for ``step`` (one of STEPS) of ``assignment`` (and ``student``)."""
        return Path(self.coursedir.format_path(getattr(self.coursedir, f"{step}_directory"), student, assignment))

    @property
    def secret_path(self):
        return self.root / SECRET_FILE

    def submitted_students(self, assignment):
        """Students with a submission folder for ``assignment``, sorted (as nbgrader finds them)."""
        pattern = self.coursedir.format_path(self.coursedir.submitted_directory, "(?P<student_id>[^/]+)",
                                             re.escape(assignment), escape=True)
        found = []
        for path in glob.glob(self.coursedir.format_path(self.coursedir.submitted_directory, "*",
                                                         glob.escape(assignment))):
            match = re.fullmatch(pattern, path)
            if match and Path(path).is_dir():
                found.append(match.group("student_id"))
        return sorted(found)

    def api(self):
        """nbgrader's own API on this course and gradebook, in this process."""
        from nbgrader.apps import NbGraderAPI

        self.config.NbGraderAPI.log_level = "WARN"
        return NbGraderAPI(coursedir=CourseDirectory(config=self.config), config=self.config)

    def safe_text(self, error):
        """An error's text without the gradebook's password."""
        return str(error).replace(self.db_url, self.shown_url)
