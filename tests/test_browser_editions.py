"""The Spanish and Chinese self-study editions in JupyterLab, in Chromium: ``./start-lab --lang``
opens the learner's copy, the solved notebook runs top to bottom without an error, its public
tests pass in its language, and Chinese text is drawn with real glyphs.

What the test relies on, and why:

- ``./start-lab --lang <lang>`` (run for real on a copy of the repository's tree) copies
  ``notebooks_<lang>/`` to ``workspace/gradient_checking_<lang>/`` and serves ``workspace/``;
  the copy carries the edition's marker (``gc_language``) and catalog (``gc_messages.mo``),
  so the helpers speak its language in the kernel.
- The notebook's first markdown cell is the translated title; the public tests print the
  translation of "All tests passed." (both read from the catalog, not written here).
- Glyphs: a canvas in the page draws a Chinese character and U+FFFF (a noncharacter, which
  every font draws as its "missing glyph" box) in the font of the notebook's text; the two
  pixel images differ only when a font with that character is installed (Debian's
  fonts-noto-cjk, by scripts/setup-languages). matplotlib's own "Glyph ... missing from
  font" warnings would show as error-free stderr outputs: the test looks for them too.

Screenshots of each whole notebook are kept in tests/artifacts/browser/ (edition-*.png).
"""

import sys

import nbformat
import pytest

from browser import (assert_no_error_outputs, chromium_page, jupyter_lab, open_notebook, output_texts,
                     require_chromium, run_all_cells, screenshot)
from course import NOTEBOOK_FILE, POINTS, cell_by_grade_id, read_notebook, solution_code
from gc_editions import build, catalogs
from test_quickstart import tracked_copy

pytestmark = [pytest.mark.slow, pytest.mark.browser]

DRAWS_A_REAL_GLYPH = """(text) => {
    const cell = document.querySelector('.jp-MarkdownOutput');
    const font = getComputedStyle(cell).fontFamily;
    const draw = (s) => {
        const canvas = document.createElement('canvas');
        canvas.width = 64; canvas.height = 64;
        const context = canvas.getContext('2d');
        context.font = '40px ' + font;
        context.fillText(s, 4, 48);
        return Array.from(context.getImageData(0, 0, 64, 64).data).join(',');
    };
    return draw(text) !== draw('\\uFFFF');
}"""


@pytest.mark.parametrize("lang", catalogs.TRANSLATED)
def test_the_self_study_edition_runs_in_its_language(tmp_path, lang):
    require_chromium()
    catalog = catalogs.read(catalogs.po_path(lang))
    course = tracked_copy(tmp_path / "course")
    workspace = course / "workspace"
    folder = workspace / build.assignment_of(lang)
    with jupyter_lab(workspace, command=[course / "start-lab", "--lang", lang], cwd=course,
                     extra_env={"VENV_DIR": sys.prefix}, scratch_dir=tmp_path / "lab") as lab, \
            chromium_page() as page:
        notebook = read_notebook(folder / NOTEBOOK_FILE)
        assert (folder / "gc_language").read_text().strip() == lang
        for name in POINTS:
            cell_by_grade_id(notebook, name).source = solution_code(name)
        nbformat.write(notebook, str(folder / NOTEBOOK_FILE))
        open_notebook(page, lab, f"{build.assignment_of(lang)}/{NOTEBOOK_FILE}")
        run_all_cells(page, timeout_s=300)
        screenshot(page, f"edition-{lang}", whole_notebook=True)
        assert_no_error_outputs(page)
        title = catalog.get(read_notebook(build.SOURCE_DIR / NOTEBOOK_FILE).cells[0].source, "title").string
        heading = title.splitlines()[0].lstrip("# ").strip()
        assert page.locator(".jp-MarkdownOutput h1").first.inner_text().strip().startswith(heading)
        printed = "\n".join(output_texts(page))
        passed = catalog.get("All tests passed.").string
        assert passed != "All tests passed." and printed.count(passed) == len(POINTS), printed[-2000:]
        assert "missing from" not in printed, "matplotlib drew a label without its glyphs"
        if lang == "zh_CN":
            assert page.evaluate(DRAWS_A_REAL_GLYPH, heading[0]), "Chinese text is drawn as boxes"
