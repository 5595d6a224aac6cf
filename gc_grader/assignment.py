"""The assignment's facts, each written once: every other module imports them from here.

These are SPEC's contract (names, grade ids, signatures, points) and the names of the
files grading relies on. Nothing here imports numpy, nbgrader or the course's helper
modules, so any part of the package (the class report, say) can use it anywhere.

The figures a correct answer must reproduce are not here: students need them too, so
they live in the shipped ``public_tests.EXPECTED``.
"""

#: The nbgrader assignment this course ships.
ASSIGNMENT = "gradient_checking"
#: The notebook's nbgrader name (the gradebook's ``notebook`` id) and its file name.
NOTEBOOK = "Gradient_Checking"
NOTEBOOK_FILE = f"{NOTEBOOK}.ipynb"

#: The graded functions, in the notebook's order. Each one's answer cell has its name as
#: grade_id. Their signatures, which graders and tests call them with, are shipped to
#: students: ``public_tests.SIGNATURES``.
EXERCISES = ("forward_propagation", "backward_propagation", "gradient_check", "gradient_check_n")
#: Points of each exercise (the sum of its test cells' points in the source notebook).
POINTS = {"forward_propagation": 10, "backward_propagation": 10, "gradient_check": 30, "gradient_check_n": 50}

#: The helper modules shipped with the assignment. Each exists once, at the repository
#: root; source/<assignment>/ links to them, and students get plain copies.
HELPERS = ("gc_utils.py", "testCases.py", "public_tests.py", "gc_epsilon.py", "gc_explorer.py", "gc_i18n.py")
#: What a translated edition ships beside its helpers (see gc_i18n): the marker naming its
#: language, and that language's compiled catalog. Student code may read them like the helpers.
LANGUAGE_FILES = ("gc_language", "gc_messages.mo")
#: Every edition also ships each translation's catalog by its language, so that GC_LANGUAGE can
#: choose one where no marker does (see gc_i18n).
CATALOG_FILES = ("gc_messages.es.mo", "gc_messages.zh_CN.mo")
#: Every file of an assignment, besides its notebook, that a kernel or an answer's process gets.
SUPPORT_FILES = HELPERS + LANGUAGE_FILES + CATALOG_FILES
#: Helpers that exist only for the epsilon explorers. They compute finite differences,
#: so an answer built on them is not the student's own: the outside judge withholds them.
EXPLORER_MODULES = ("gc_epsilon", "gc_explorer")
#: What the notebook's first code cell imports (SPEC, section 1).
STANDARD_IMPORTS = """\
import numpy as np
from testCases import *
from public_tests import *
from gc_utils import sigmoid, relu, dictionary_to_vector, vector_to_dictionary, gradients_to_vector
"""

#: The course's secret, in the course root: hidden inputs are drawn per student from it.
SECRET_FILE = ".gc_grader_secret"


def exercise_of(test_id):
    """The exercise a test cell grades: the longest exercise name its grade id starts with,
    followed by '_' (SPEC's rule), or None."""
    owners = [name for name in EXERCISES if test_id.startswith(name + "_")]
    return max(owners, key=len) if owners else None


def grade_id(cell):
    """A cell's nbgrader grade_id, or None (also when its metadata is malformed)."""
    meta = cell.get("metadata", {}).get("nbgrader")
    return meta.get("grade_id") if isinstance(meta, dict) else None
