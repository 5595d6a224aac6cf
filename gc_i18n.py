"""The language the assignment speaks at run time, and its translations (gettext catalogs).

Every sentence a student or an instructor reads at run time (a test's verdict, a hint,
an explorer's label, grade-class's summary) is written in English in the code, marked
with ``N_`` where it is defined and translated with ``_`` where it is shown. The
translations are edited in ``locale/<language>/LC_MESSAGES/gradient_checking.po``; each
edition ships its language's compiled catalog beside its helpers (``gc_messages.mo``).

Which language, in this order:
1. the edition that ``speaking_edition`` names (the grader's process serves every
   edition: it speaks each one's language while judging its submissions);
2. the marker of the edition, a file ``gc_language`` beside this module holding a code
   such as ``es`` (the Spanish and Chinese editions ship one);
3. the environment variable ``GC_LANGUAGE`` (where a catalog is at hand);
4. English.

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
#: Editions chosen for a while by ``speaking_edition``: (language, folder of its catalog).
_SPOKEN = []


def edition_language(folder, environment=True):
    """The language of the edition in ``folder``: its marker's, else (if ``environment``)
    $GC_LANGUAGE's, else English."""
    chosen = _marker(str(folder))
    if chosen is None:
        chosen = os.environ.get(VARIABLE, "").strip() if environment else ""
    return chosen if chosen in LANGUAGES else "en"


@lru_cache(maxsize=None)
def _marker(folder):
    """What the marker in ``folder`` says, or None: read once per process (every ``_`` asks)."""
    try:
        return (Path(folder) / MARKER).read_text(encoding="utf-8").strip()
    except OSError:
        return None


def _speaker():
    """(language, folder of its catalog) to speak now."""
    return _SPOKEN[-1] if _SPOKEN else (edition_language(_HERE), str(_HERE))


def language():
    """The language to speak now (see the module's docstring for the order)."""
    return _speaker()[0]


@contextmanager
def speaking_edition(folder):
    """Inside the block, speak the language of the edition in ``folder`` (an assignment's source
    folder, with its marker and catalog), whatever this module's own marker says. The edition
    decides alone: the grader's environment never changes the language of its feedback."""
    _SPOKEN.append((edition_language(folder, environment=False), str(folder)))
    try:
        yield
    finally:
        _SPOKEN.pop()


def translator(lang=None):
    """The translations to use now, or those of ``lang`` from the catalog beside this module;
    English (no translation) when there is no catalog for it."""
    spoken, folder = _speaker()
    return _translations(lang or spoken, folder if lang in (None, spoken) else str(_HERE))


@lru_cache(maxsize=None)
def _translations(lang, folder):
    """The catalog of ``lang``: the edition's in ``folder`` (``gc_messages.mo`` beside its marker),
    else the one every edition ships by language (``gc_messages.<lang>.mo``), else the course's
    (``locale/`` beside this module, compiled by gc_editions.catalogs), else none: English."""
    if lang == "en":
        return gettext.NullTranslations()
    folder = Path(folder)
    own = folder / CATALOG if _marker(str(folder)) == lang else None
    for catalog in (own, folder / f"gc_messages.{lang}.mo"):
        if catalog is not None and catalog.is_file():
            with open(catalog, "rb") as data:
                return gettext.GNUTranslations(data)
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


#: Fonts that write Chinese, best first: matplotlib's default font (DejaVu Sans) has no Chinese
#: glyphs, and would draw the plot's words as empty boxes. Debian's fonts-noto-cjk (installed by
#: scripts/setup-languages) gives the first.
CJK_FONTS = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei",
             "Droid Sans Fallback", "Noto Sans CJK JP")


def plot_font_family():
    """The font family of a plot's words (the explorers', grade-class's histogram), or None for
    matplotlib's default. matplotlib is imported only when this runs.

    In Chinese, the default family first (for Latin and Greek letters and digits, as in every
    edition), then a font with Chinese glyphs, where one is installed: matplotlib takes each
    glyph from the first font of the family that has it.
    """
    if not language().startswith("zh"):
        return None
    chinese = _chinese_font()
    return ["sans-serif", chinese] if chinese else None


@lru_cache(maxsize=None)
def _chinese_font():
    """The first of CJK_FONTS that matplotlib can use, or None (once per process)."""
    from matplotlib import font_manager

    def known():
        names = {font.name for font in font_manager.fontManager.ttflist}
        return next((name for name in CJK_FONTS if name in names), None)

    if known() is None:
        # matplotlib's list of fonts is the one it cached when it first ran: a font installed
        # since then is not on it. Add the system's Chinese fonts to it (for this process).
        for path in font_manager.findSystemFonts():
            if any(part in Path(path).name for part in ("CJK", "wqy", "DroidSansFallback", "SourceHan")):
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):
                    pass            # a font file matplotlib cannot read: the next one may do
    return known()
