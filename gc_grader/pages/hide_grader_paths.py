"""HideGraderPaths: feedback shows where an error happened, never where the grader keeps its files.

Why: a traceback names the file of every frame by its absolute path on the machine that graded
it: the sandbox's home (``~/gc_utils.py``, ``/home/student/...``), a grade-class worker's
scratch copy of the course (``/tmp/gc_grade_x1y2/autograded/alice/gradient_checking/gc_utils.py``),
the course directory, the grader's Python environment (``/srv/course/.venv/lib/python3.11/
site-packages/numpy/linalg/_linalg.py``), an IPython scratch file (``/tmp/ipykernel_42/1234.py``).
They tell a student nothing, change from one grading to the next, and show how the grading
machine is laid out.

What: one of ``GenerateFeedback.preprocessors``. In the text of every error (its message and
traceback), stream and ``text/plain`` output, such a path keeps only what names the file:

- a file beside the notebook (the assignment's folder, wherever it was graded, or the sandbox's
  home): its name, ``gc_utils.py``;
- a module of the Python environment: its path from ``site-packages`` or the standard library,
  ``numpy/linalg/_linalg.py``;
- any other path under a machine's usual roots (``/tmp``, ``/home``, ``/root``, ``/srv``, ...,
  ``~``): its last part.

Line numbers, function names and the student's own cell references ("Cell In[14], line 28")
stay as they are. The autograded notebook keeps the full paths, for the instructor.
"""

import re

from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import List, Unicode

from gc_grader.sandbox.bubblewrap import HOME as SANDBOX_HOME

#: One segment of a path as tracebacks print it (ANSI colour codes, quotes and ':line' end it).
_SEGMENT = r"[^\s\x1b'\"()<>,;:/\\]+"
#: Python's environment: installed packages first (they live inside the standard library's folder).
_ENVIRONMENT = (re.compile(rf"(?:~|/{_SEGMENT})(?:/{_SEGMENT})*?/(?:site|dist)-packages/"),
                re.compile(rf"(?:~|/{_SEGMENT})(?:/{_SEGMENT})*?/lib/python3(?:\.\d+)?/"))
_ANSI_END = re.compile(r"\x1b\[[0-9;]*m$")
_IPYKERNEL_SCRATCH = re.compile(rf"(?:/{_SEGMENT})*/ipykernel_\d+/")


class HideGraderPaths(NbGraderPreprocessor):
    """Cut the grading machine's folders from the paths in a notebook's outputs (see the module)."""

    roots = List(
        Unicode(),
        default_value=["/tmp", "/var", "/home", "/root", "/Users", "/srv", "/opt", "/usr", "/mnt", "/media", "/work",
                       "/scratch", "/private", "/data", "/nfs"],
        help="Folders under which a path of the grading machine starts: such a path keeps its last part only.",
    ).tag(config=True)

    def preprocess(self, nb, resources):
        info = resources.get("nbgrader") or {}
        student, assignment = info.get("student"), info.get("assignment")
        rules = []
        if student and assignment:
            # The notebook's own folder, wherever it was graded: .../<student>/<assignment>/.
            rules.append(re.compile(rf"(?:~|/{_SEGMENT})?(?:/{_SEGMENT})*?/{re.escape(student)}/{re.escape(assignment)}/"))
        rules += [re.compile(re.escape(SANDBOX_HOME.rstrip("/")) + "/"), re.compile(r"~/"), _IPYKERNEL_SCRATCH,
                  *_ENVIRONMENT]
        roots = "|".join(re.escape(root.rstrip("/")) for root in self.roots if root.strip("/"))
        if roots:
            # Whatever else is left under a machine's roots: its folders go, its file's name stays.
            rules.append(re.compile(rf"(?:{roots})(?:/{_SEGMENT})*/(?={_SEGMENT})"))
        self._rules = rules
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            kind = output.get("output_type")
            if kind == "error":
                output.evalue = self.hide(output.get("evalue", ""))
                output.traceback = [self.hide(line) for line in output.get("traceback", [])]
            elif kind == "stream":
                output.text = self.hide(_text(output.get("text", "")))
            elif kind in ("execute_result", "display_data") and "text/plain" in output.get("data", {}):
                output.data["text/plain"] = self.hide(_text(output.data["text/plain"]))
        return cell, resources

    def hide(self, text):
        """``text`` with the grading machine's folders cut from every path in it."""
        for rule in self._rules:
            text = rule.sub(lambda match: "" if _starts_a_path(match) else match.group(0), text)
        return text


#: How far back from a match ``_starts_a_path`` looks: enough for an ANSI colour code. Looking at
#: the whole text before every match would cost time growing with the square of an output's size.
_LOOKBEHIND = 32


def _starts_a_path(match):
    """Whether ``match`` begins where a path can begin: not inside a word or a URL
    ("https://example.org/home/..."), though right after an ANSI colour code."""
    before = match.string[max(0, match.start() - _LOOKBEHIND):match.start()]
    return not before or not re.search(r"[\w.:/~-]$", before) or bool(_ANSI_END.search(before))


def _text(value):
    return "".join(value) if isinstance(value, list) else str(value)


__all__ = ["HideGraderPaths"]
