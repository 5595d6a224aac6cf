"""The language the assignment speaks at run time, and its translations (gettext catalogs).

Every sentence a student or an instructor reads at run time (a test's verdict, a hint,
an explorer's label, grade-class's summary) is written in English in the code, marked
with ``N_`` where it is defined and translated with ``_`` where it is shown; the
Spanish and Chinese catalogs live in ``locale/<language>/LC_MESSAGES/``.

Which language, in this order:
1. the marker of the edition, a file ``gc_language`` beside this module holding a code
   such as ``es`` (the Spanish and Chinese editions ship one);
2. the environment variable ``GC_LANGUAGE``;
3. English.

This module never calls ``gettext.install()``: IPython and the notebooks use ``_`` for
other things, so the translating function stays a name of the modules that import it.
"""

import gettext
import os
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

#: The gettext domain: the catalogs are locale/<language>/LC_MESSAGES/gradient_checking.mo.
DOMAIN = "gradient_checking"
#: The editions' languages (English is the source, and has no catalog).
LANGUAGES = ("en", "es", "zh_CN")
#: The name of an edition's marker file, beside this module.
MARKER = "gc_language"
#: The edition's compiled catalog, beside the marker: one flat file, so that it travels with
#: the helpers wherever they go (a kernel's sandbox, a student's download).
CATALOG = "gc_messages.mo"
#: The environment variable that chooses a language when no marker does.
VARIABLE = "GC_LANGUAGE"

_HERE = Path(__file__).parent          # not resolved: an edition's link to this file finds its own marker
#: Languages chosen for a while by ``speaking`` (the grader's, for one edition's feedback).
_SPOKEN = []


def edition_language(folder):
    """The language of the edition in ``folder``: its marker's, or English."""
    try:
        chosen = (Path(folder) / MARKER).read_text(encoding="utf-8").strip()
    except OSError:
        return "en"
    return chosen if chosen in LANGUAGES else "en"


def language():
    """The language to speak: the one ``speaking`` chose, else the edition's marker beside this
    module, else $GC_LANGUAGE, else English."""
    if _SPOKEN:
        return _SPOKEN[-1]
    if (_HERE / MARKER).is_file():
        return edition_language(_HERE)
    chosen = os.environ.get(VARIABLE, "").strip()
    return chosen if chosen in LANGUAGES else "en"


@contextmanager
def speaking(lang):
    """Speak ``lang`` inside the block, whatever the marker says: the grader's process serves
    every edition, and judges each one's submissions in that edition's language."""
    _SPOKEN.append(lang if lang in LANGUAGES else "en")
    try:
        yield
    finally:
        _SPOKEN.pop()


def translator(lang=None):
    """The translations of ``lang`` (default: ``language()``); English when it has no catalog."""
    return _translations(lang or language())


@lru_cache(maxsize=None)
def _translations(lang):
    """The edition's own catalog when it speaks ``lang``; else the one of the course's locale/
    folder (the grader's, which serves every edition); else none (English)."""
    if lang == "en":
        return gettext.NullTranslations()
    beside = _HERE / CATALOG
    if edition_language(_HERE) == lang and beside.is_file():
        with open(beside, "rb") as catalog:
            return gettext.GNUTranslations(catalog)
    return gettext.translation(DOMAIN, localedir=str(_HERE / "locale"), languages=[lang], fallback=True)


def _(message, lang=None):
    """``message`` in the language of this edition (or in ``lang``)."""
    return translator(lang).gettext(message)


def pgettext(context, message, lang=None):
    """``message`` in the language of this edition, for one ``context`` (a notebook cell's id, say)."""
    return translator(lang).pgettext(context, message)


def N_(message):
    """Mark ``message`` for translation where it is defined; ``_`` translates it where it is shown."""
    return message
