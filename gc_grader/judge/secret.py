"""The course's secret and the per-student seeds drawn from it.

The secret is made once, at random, in the course root (``assignment.SECRET_FILE``,
ignored by git, readable by its owner only), and read back afterwards: regrading with
the same file draws the same hidden inputs, so it gives the same results.
"""

import hashlib
import os
import secrets
from pathlib import Path

from gc_grader.assignment import SECRET_FILE


def course_secret(course_dir="."):
    """This course's secret, made once (random) and then read back."""
    path = Path(course_dir) / SECRET_FILE
    if not path.exists():
        path.write_text(secrets.token_hex(16) + "\n")
        os.chmod(path, 0o600)
    return path.read_text().strip()


def seed_for(secret, student, exercise):
    """A 32-bit seed for one student's hidden inputs of one exercise."""
    digest = hashlib.sha256(f"{secret}/{student}/{exercise}".encode()).hexdigest()
    return int(digest[:8], 16)
