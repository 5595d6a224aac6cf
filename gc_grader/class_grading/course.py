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

#: The steps whose folders grade-class reads or writes (besides the release, read by the check).
GRADING_STEPS = ("source", "submitted", "autograded", "feedback")


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
        """The root is ``root`` itself, whatever ``CourseDirectory.root`` the configuration sets:
        grade-class works on the course it is given (``--course``), as nbgrader does on its cwd."""
        self.root = Path(root).resolve()
        if not (self.root / "nbgrader_config.py").is_file():
            raise CourseError(f"{self.root} has no nbgrader_config.py; run it from the course directory "
                              "or give --course")
        config = load_course_config(self.root)
        config.CourseDirectory.root = str(self.root)
        if db_url:
            config.CourseDirectory.db_url = db_url
        self.coursedir = CourseDirectory(config=config)
        config.CourseDirectory.db_url = self.coursedir.db_url
        self.config, self.db_url, self.course_id = config, self.coursedir.db_url, self.coursedir.course_id
        self.shown_url = make_url(self.db_url).render_as_string(hide_password=True)

    def folder(self, step, assignment, student="."):
        """nbgrader's folder for ``step`` ("source", "release", "submitted", "autograded",
        "feedback") of ``assignment`` (and ``student``)."""
        return Path(self.coursedir.format_path(getattr(self.coursedir, f"{step}_directory"), student, assignment))

    def require_folders_inside(self):
        """Refuse a course whose grading folders lie outside its root (absolute settings).

        grade-class grades in scratch copies of the course: a folder outside the root would
        make a worker write into the instructor's real folders. nbgrader's own commands
        work with such settings; grade-class says so instead of guessing.
        """
        for step in GRADING_STEPS:
            folder = self.folder(step, "ASSIGNMENT", "STUDENT")
            if not folder.resolve().is_relative_to(self.root):
                raise CourseError(f"CourseDirectory.{step}_directory (or directory_structure) puts the {step} "
                                  f"folder outside the course root ({folder}); grade-class grades in copies of "
                                  f"the course and needs every folder inside it: make the setting relative")

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
