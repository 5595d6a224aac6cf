"""TypesetMath: the instructor's formulas typeset as MathML when a notebook becomes HTML, offline.

Why: nbconvert's templates, and nbgrader's feedback and formgrade templates built on them,
leave ``$...$`` as TeX and load MathJax from a CDN to typeset it in the browser. Without
internet (an exam room, a laptop on a train, an LMS or a school network that blocks
third-party scripts, JupyterLab's HTML viewer, which runs no script at all) every formula
shows as raw TeX. Browsers render MathML natively (Chromium since version 109, Firefox,
Safari), so typesetting at export time needs no script and no network, and the page reads
the same opened from disk, from the Jupyter server or from an LMS.

What it does, to the markdown cells the instructor wrote (InertOutputs' own rule decides
which: locked, with a grade id, and the very source the gradebook holds for that id):
``$...$`` and ``\\(...\\)`` become inline ``<math>`` elements, ``$$...$$`` and ``\\[...\\]``
``<math display="block">``, made by latex2mathml. Left as they are:

- code spans and fenced code blocks (and raw ``<code>``/``<pre>`` elements);
- an escaped dollar, ``\\$``;
- a formula latex2mathml cannot convert, or converts only in part (an unknown command, a
  fraction without its denominator): it stays TeX, and the export goes on (a warning names it);
- every cell a student wrote or edited. Student markdown is inert (InertOutputs renders and
  sanitizes it, and drops MathML from it as it drops SVG); typesetting it would mean trusting
  a converter with the student's markup, so it keeps its TeX.

The MathML is rebuilt from what latex2mathml gives, through an allow-list: MathML's
presentation elements, a few layout attributes with plain values, never ``href``, ``style``
or ``class``; a formula whose result holds anything else stays TeX. Every character of its
text is written as a character reference, and it is one line, so the markdown renderer reads
it as inline HTML and changes none of it (a ``*`` or ``_`` in a formula never becomes
emphasis).

Where (nbgrader_config.py): in ``HTMLExporter.preprocessors``, which formgrader's exporter
runs, and last in ``GenerateFeedback.preprocessors``, after InertOutputs. The feedback's own
exporter runs no exporter-level preprocessor: InertOutputs, which follows them, would take a
typeset instructor cell (no longer its gradebook source) for one the student edited.

Cost, per page: the feedback exports one notebook per student, and each holds the same
instructor cells. So where InertOutputs ran before it in the same export, TypesetMath decides
with the instructor's sources InertOutputs has just read from the gradebook (one read per page,
not two), and a cell's MathML is kept by its text (``typeset`` is a function of the text alone),
so each distinct cell is typeset once per process, however many students there are.
"""

import functools
import html
import re

from latex2mathml.converter import convert_to_element
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor

from gc_grader.plugins.inert_outputs import InertOutputs

#: MathML presentation elements a formula may hold (what latex2mathml makes of standard TeX).
MATHML_ELEMENTS = frozenset({
    "math", "menclose", "merror", "mfenced", "mfrac", "mi", "mmultiscripts", "mn", "mo", "mover",
    "mpadded", "mphantom", "mprescripts", "mroot", "mrow", "ms", "mspace", "msqrt", "mstyle", "msub",
    "msubsup", "msup", "mtable", "mtd", "mtext", "mtr", "munder", "munderover", "none",
})
#: Their layout attributes that are kept, when the value is plain (_PLAIN_VALUE); others are dropped.
MATHML_ATTRIBUTES = frozenset({
    "accent", "accentunder", "columnalign", "columnlines", "columnspacing", "depth", "display",
    "displaystyle", "fence", "form", "frame", "height", "largeop", "linethickness", "lspace",
    "mathsize", "mathvariant", "maxsize", "minsize", "movablelimits", "notation", "rowalign",
    "rowlines", "rowspacing", "rspace", "scriptlevel", "separator", "stretchy", "symmetric", "width",
})
#: How many children a MathML element must have: latex2mathml makes a short one of a truncated
#: formula (a fraction with no denominator, of \frac{a), which then stays TeX.
MATHML_ARITY = {"mfrac": 2, "mroot": 2, "msub": 2, "msup": 2, "munder": 2, "mover": 2, "msubsup": 3, "munderover": 3}
_PLAIN_VALUE = re.compile(r"[A-Za-z0-9 .%#-]{0,64}")
#: A command latex2mathml did not know, left in the result as text ("\unknown").
_LEFT_AS_TEXT = re.compile(r"\\[A-Za-z]+")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_RAW_CODE = re.compile(r"<(pre|code)\b.*?</\1\s*>", re.I | re.S)
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_BACKTICKS = re.compile(r"`+")


class TypesetMath(NbGraderPreprocessor):
    """Typeset the formulas of the instructor's markdown cells as MathML (see the module)."""

    def preprocess(self, nb, resources):
        self._is_instructors = self._instructor_rule(resources or {})
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "markdown" and self._is_instructors(cell):
            cell.source = typeset(cell.source, log=self.log)
        return cell, resources

    def _instructor_rule(self, resources):
        """InertOutputs' test of an instructor's cell, with the gradebook entry of this notebook.

        nbgrader's converters (the feedback) give the gradebook in ``resources["nbgrader"]``;
        formgrader's page gives the assignment and notebook only, and the gradebook is the
        course's (``CourseDirectory.db_url``). Without one, no cell is the instructor's."""
        earlier = self._inert_outputs_before_me(resources)
        if earlier is not None:
            return earlier._is_instructors
        info = dict(resources.get("nbgrader") or {})
        info.setdefault("assignment", resources.get("assignment_id"))
        info.setdefault("notebook", resources.get("notebook_id"))
        if not info.get("db_url"):
            info["db_url"] = CourseDirectory(config=self.config).db_url
        # The very code InertOutputs decides with, so that the two never disagree on a cell.
        rule = InertOutputs(parent=self)
        try:
            rule._instructor_sources = rule._load_instructor_sources({"nbgrader": info})
        except Exception as error:  # no gradebook there (a notebook exported outside a course)
            self.log.warning("No gradebook to tell the instructor's cells (%s): formulas stay TeX", error)
            rule._instructor_sources = {}
        return rule._is_instructors

    def _inert_outputs_before_me(self, resources):
        """The InertOutputs that ran on this very notebook just before, with the gradebook entry
        this one would read (``resources["nbgrader"]``, as nbgrader's converters give it); None
        when there is none (formgrader's page, a notebook exported alone).

        nbconvert runs an exporter's preprocessors one after the other on each notebook, in the
        order of its list: one placed before this one has read this notebook's gradebook entry.
        """
        info = resources.get("nbgrader") or {}
        if not all(info.get(key) for key in ("db_url", "notebook", "assignment")):
            return None
        preprocessors = list(getattr(self.parent, "_preprocessors", None) or [])
        mine = next((i for i, preprocessor in enumerate(preprocessors) if preprocessor is self), 0)
        for preprocessor in preprocessors[:mine]:
            if isinstance(preprocessor, InertOutputs) and preprocessor.enabled \
                    and isinstance(getattr(preprocessor, "_instructor_sources", None), dict):
                return preprocessor
        return None


def typeset(markdown, log=None):
    """``markdown`` with its formulas as one-line MathML, outside code (see the module); a
    formula left as TeX is named in a warning on ``log``, every time."""
    text, left_as_tex = _typeset_once(markdown)
    if log is not None:
        for error, original in left_as_tex:
            log.warning("Formula left as TeX (%s): %s", error, original)
    return text


@functools.lru_cache(maxsize=512)
def _typeset_once(markdown):
    """``typeset``'s text and the formulas it left as TeX ((error name, formula) pairs), kept
    by the text: the same instructor cell comes back in every student's notebook."""
    left_as_tex = []
    pieces, prose, fence = [], [], None
    for line in markdown.splitlines(keepends=True):
        opening = _FENCE.match(line)
        if fence is None and opening:
            pieces.append(_typeset_prose("".join(prose), left_as_tex))
            prose, fence = [], opening.group(1)
            pieces.append(line)
        elif fence is not None:
            pieces.append(line)
            closing = line.strip()
            if closing and closing[0] == fence[0] and len(closing) >= len(fence) and set(closing) == {fence[0]}:
                fence = None
        else:
            prose.append(line)
    pieces.append(_typeset_prose("".join(prose), left_as_tex))
    return "".join(pieces), tuple(left_as_tex)


def _typeset_prose(text, left_as_tex):
    """Text outside fenced code: its formulas typeset, its code spans and escapes kept."""
    out, i, n = [], 0, len(text)
    while i < n:
        char = text[i]
        if char == "\\":
            delimiter = text[i + 1:i + 2]
            if delimiter in ("(", "["):
                end = text.find("\\)" if delimiter == "(" else "\\]", i + 2)
                if end != -1:
                    out.append(_formula(text[i + 2:end], delimiter == "[", text[i:end + 2], left_as_tex))
                    i = end + 2
                    continue
            out.append(text[i:i + 2])  # an escaped character (\$ among them) stays as it is
            i += 2
        elif char == "`":
            run = len(_BACKTICKS.match(text, i).group(0))
            end = _closing_backticks(text, i + run, run)
            stop = i + run if end == -1 else end + run
            out.append(text[i:stop])    # a code span (or backticks that open none) stays as it is
            i = stop
        elif char == "$":
            block = text.startswith("$$", i)
            start = i + (2 if block else 1)
            end = _closing_dollar(text, start, block)
            if end == -1:
                out.append(text[i:start])
                i = start
            else:
                stop = end + (2 if block else 1)
                out.append(_formula(text[start:end], block, text[i:stop], left_as_tex))
                i = stop
        elif char == "<" and (raw := _RAW_CODE.match(text, i)):
            out.append(raw.group(0))
            i = raw.end()
        else:
            out.append(char)
            i += 1
    return "".join(out)


def _closing_backticks(text, start, run):
    """Where a run of exactly ``run`` backticks starts, at or after ``start``; -1 if none."""
    for match in _BACKTICKS.finditer(text, start):
        if len(match.group(0)) == run:
            return match.start()
    return -1


def _closing_dollar(text, start, block):
    """Where the unescaped ``$`` (``$$`` if ``block``) closing a formula opened before ``start`` is;
    -1 if none. An inline formula is not empty, not ended by ``$$`` and spans no blank line."""
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == "$":
            if block:
                return i if text.startswith("$$", i) and text[start:i].strip() else -1
            if text.startswith("$$", i) or i == start or _BLANK_LINE.search(text, start, i):
                return -1
            return i
        i += 1
    return -1


def _formula(tex, block, original, left_as_tex):
    """``tex`` as one line of MathML, or ``original`` (its TeX with delimiters) if it cannot be,
    named in ``left_as_tex``."""
    try:
        element = convert_to_element(tex, display="block" if block else "inline")
        return _mathml(element, block)
    except Exception as error:  # latex2mathml's own errors, and whatever a malformed formula raises
        left_as_tex.append((type(error).__name__, original))
        return original


def _mathml(element, block):
    """The allow-listed MathML of ``element``, its text as character references."""
    tag = element.tag.rsplit("}", 1)[-1]
    if tag not in MATHML_ELEMENTS:
        raise ValueError(f"unexpected element <{tag}>")
    if len(element) != MATHML_ARITY.get(tag, len(element)):
        raise ValueError(f"<{tag}> with {len(element)} parts")
    if tag == "math":
        attributes = ' display="block"' if block else ""
    else:
        attributes = "".join(f' {name}="{value}"' for name, value in sorted(element.attrib.items())
                             if name in MATHML_ATTRIBUTES and _PLAIN_VALUE.fullmatch(value))
    text = html.unescape(element.text or "")   # latex2mathml writes symbols as references already
    if tag in ("mi", "mo", "mtext") and _LEFT_AS_TEXT.fullmatch(text.strip()):
        raise ValueError(f"unknown command {text.strip()}")
    inner = _references(text) + "".join(_mathml(child, block) + _references(html.unescape(child.tail or "")) for child in element)
    return f"<{tag}{attributes}>{inner}</{tag}>"


def _references(text):
    """``text`` with every character but ASCII letters and digits as a character reference."""
    return "".join(char if char.isascii() and char.isalnum() else f"&#x{ord(char):X};" for char in text)


__all__ = ["TypesetMath", "typeset"]
