"""Fingerprints that decide whether a student must be graded again.

A student is up to date when this command graded exactly their current files with
exactly what decides a grade now: the course's configuration, its secret, the source
files, the assignment's definitions in the gradebook, and the code that judges answers
or runs nbgrader and records what it gives (``GRADING_CODE``). Rewording the class
report, the command line or how batches are scheduled changes none of these, so it
regrades nobody.
"""

import hashlib
import os
from pathlib import Path

import gc_grader

#: The parts of gc_grader that decide a grade or what its feedback shows, relative to the package
#: (pages/ makes the feedback page, its templates included).
GRADING_CODE = ("assignment.py", "checks", "judge", "plugins", "pages", "sandbox", "class_grading/worker.py",
                "class_grading/definitions.py", "class_grading/gradebook_writer.py")
#: The files of those folders that count: code, templates and the settings they read.
GRADING_SUFFIXES = (".py", ".j2", ".json")


def fingerprint(files):
    """A digest of {file name: bytes}, e.g. a submission (timestamp.txt included)."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(os.fsencode(name) + b"\0" + hashlib.sha256(files[name]).digest())
    return digest.hexdigest()


def grading_code():
    """{path: bytes} of every module in GRADING_CODE."""
    package = Path(gc_grader.__file__).parent
    code = {}
    for part in GRADING_CODE:
        paths = [package / part] if part.endswith(".py") else sorted(
            path for path in (package / part).rglob("*") if path.is_file() and path.suffix in GRADING_SUFFIXES)
        code.update({f"gc_grader/{path.relative_to(package).as_posix()}": path.read_bytes() for path in paths})
    return code


def grading_fingerprint(bundle):
    """What a grading depended on besides the submission (see the module's docstring)."""
    return fingerprint({"config": bundle.config, "secret": bundle.secret, "definitions": bundle.definitions.encode(),
                        **{f"source/{name}": data for name, data in bundle.source.items()},
                        **grading_code()})[:16]
