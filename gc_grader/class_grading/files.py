"""Folders as data: read a tree of files into {relative path: bytes}, and write one back.

Submissions are read without following symbolic links (a link could point at another
student's work or at the solutions), and nothing is ever written outside its folder.
"""

import os
from pathlib import Path

#: Files never shipped to workers: caches, not course material.
SKIPPED_PARTS = {"__pycache__", ".ipynb_checkpoints"}


def read_tree(folder, follow_links=True):
    """Every file under ``folder``, as {relative path: bytes}.

    With ``follow_links=False`` (a student's submission) symbolic links are left out: a
    link could point at another student's work or at the instructor's solutions.
    File names that are not valid text keep their bytes (as surrogate escapes).
    """
    folder = Path(folder)
    files = {}
    for top, dirs, names in os.walk(folder, followlinks=follow_links):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_PARTS
                         and (follow_links or not os.path.islink(os.path.join(top, d))))
        for name in sorted(names):
            path = Path(top) / name
            if follow_links or not path.is_symlink():
                files[path.relative_to(folder).as_posix()] = path.read_bytes()
    return dict(sorted(files.items()))


def write_tree(folder, files):
    """Write {relative path: bytes} under ``folder``; a path leading outside it is refused."""
    folder = Path(folder)
    for relative, data in files.items():
        path = folder / relative
        if Path(relative).is_absolute() or ".." in Path(relative).parts:
            raise ValueError(f"refusing to write {relative!r} outside {folder}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
