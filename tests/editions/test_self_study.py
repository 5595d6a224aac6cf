"""The self-study edition, notebooks/: it is exactly what gc_editions.self_study generates from the
release and the source, keeps of nbgrader only the release's cell metadata (what its Validate
button reads; nothing of the solutions or hidden tests), and works for a learner in a real
kernel: solved, every public test passes; as shipped, it stops at the first exercise."""

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from course import (HELPERS, POINTS, RELEASE_NB, ROOT, SOURCE_NB, given_code, grade_id, read_notebook, solution_code,
                    tool_env)
from gc_editions import self_study

NOTEBOOKS = ROOT / "notebooks"
STUDENT_NB = NOTEBOOKS / self_study.NOTEBOOK
EXPLORER_NB = NOTEBOOKS / self_study.EXPLORER
#: What public_tests prints when a public test passes (between colour codes).
PASSED = "All tests passed."
#: The public test cell of each exercise, by cell id.
PUBLIC_TESTS = {
    "forward_propagation": "forward-propagation-tests",
    "backward_propagation": "backward-propagation-tests",
    "gradient_check": "gradient-check-tests",
    "gradient_check_n": "gradient-check-n-tests",
}


def generate(*args):
    """Run the generator's command line in-process: (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = self_study.main([str(a) for a in args])
    return status, out.getvalue(), err.getvalue()


def write_template(path, cells):
    nb = nbformat.v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}})
    nbformat.write(nb, str(path))
    return path


@pytest.fixture
def throwaway_template(tmp_path):
    """A template like the real one, but with outputs and nbgrader and widget metadata to strip."""
    printing = nbformat.v4.new_code_cell("print(1)", id="print-one", execution_count=3,
                                         outputs=[nbformat.v4.new_output("stream", text="1\n")])
    printing.metadata["nbgrader"] = {"grade": False, "locked": True, "schema_version": 3}
    path = write_template(tmp_path / "template.ipynb", [
        nbformat.v4.new_markdown_cell("# A throwaway explorer", id="intro"),
        nbformat.v4.new_code_cell("# placeholder: filled in from the source", id="backward-propagation-n"),
        printing,
    ])
    nb = read_notebook(path)
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}, "version_major": 2}}
    nbformat.write(nb, str(path))
    return path


def test_committed_notebooks_are_what_the_generator_makes():
    proc = subprocess.run([sys.executable, "-m", "gc_editions.self_study", "--check"],
                          cwd=ROOT, env=tool_env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"notebooks/ is stale; run scripts/generate:\n{proc.stdout}{proc.stderr}"


def test_check_names_every_file_that_differs_and_generating_again_repairs_it(tmp_path):
    out = tmp_path / "notebooks"
    assert generate("--out", out)[0] == 0
    first = {p.name: p.read_bytes() for p in out.glob("*.ipynb")}
    assert generate("--check", "--out", out)[0] == 0

    notebook = out / self_study.NOTEBOOK
    notebook.write_text(notebook.read_text(encoding="utf-8").replace("# Gradient Checking", "# Gradient Check", 1),
                        encoding="utf-8")
    (out / "gc_utils.py").unlink()
    (out / "notes.txt").write_text("mine")
    status, _, err = generate("--check", "--out", out)
    assert status == 1
    assert f"{notebook}: differs" in err
    assert f"{out / 'gc_utils.py'}: missing" in err
    assert f"{out / 'notes.txt'}: not generated" in err
    assert self_study.EXPLORER not in err

    (out / "notes.txt").unlink()
    assert generate("--out", out)[0] == 0
    assert generate("--check", "--out", out)[0] == 0
    # Deterministic: the same bytes as the first run, and as the committed notebooks.
    assert {p.name: p.read_bytes() for p in out.glob("*.ipynb")} == first
    assert first == {p.name: p.read_bytes() for p in NOTEBOOKS.glob("*.ipynb")}


@pytest.mark.parametrize("path", [STUDENT_NB, EXPLORER_NB], ids=lambda p: p.name)
def test_generated_notebooks_carry_no_outputs_widget_state_or_secrets(path):
    text = path.read_text(encoding="utf-8")
    assert text.endswith("}\n") and json.dumps(json.loads(text), indent=1, sort_keys=True,
                                                ensure_ascii=False) + "\n" == text
    nb = read_notebook(path)
    nbformat.validate(nb)
    assert "nbgrader" not in nb.metadata and "widgets" not in nb.metadata
    assert nb.metadata.kernelspec.name == "python3"
    for cell in nb.cells:
        assert "execution" not in cell.metadata, cell.id
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.id
    # Nothing of the solutions, the hidden tests or the grader reaches learners.
    for secret in (*self_study.SECRET_MARKERS, "gc_grader"):
        assert secret not in text, secret


def test_student_notebook_is_the_release_with_its_cell_ids_and_grading_metadata():
    release, student = read_notebook(RELEASE_NB), read_notebook(STUDENT_NB)
    assert [c.id for c in student.cells] == [c.id for c in release.cells]
    assert [(c.cell_type, c.source) for c in student.cells] == [(c.cell_type, c.source) for c in release.cells]
    # nbgrader's Validate finds the tests, answers and locked cells through this metadata, as
    # in the course; it is the release's, so it holds nothing the release does not.
    assert [c.metadata.get("nbgrader") for c in student.cells] == [c.metadata.get("nbgrader") for c in release.cells]
    assert {grade_id(c) for c in student.cells if c.metadata.get("nbgrader", {}).get("grade")} == \
        {f"{gid}_tests" for gid in POINTS}
    for gid in POINTS:
        answer = next(c for c in student.cells if c.id == gid)
        assert "raise NotImplementedError()" in answer.source, gid
        assert answer.metadata.nbgrader.solution and answer.metadata.nbgrader.grade_id == gid


def test_explorer_carries_no_nbgrader_metadata():
    # Nothing in it is graded; Validate there says it has nothing to check (gc_editions.lab_validate).
    assert not any("nbgrader" in cell.metadata for cell in read_notebook(EXPLORER_NB).cells)


def test_explorer_is_the_template_with_the_source_cells_it_names():
    template, explorer = read_notebook(self_study.TEMPLATE), read_notebook(EXPLORER_NB)
    source = {c.id: c for c in read_notebook(SOURCE_NB).cells}
    assert [c.id for c in explorer.cells] == [c.id for c in template.cells]
    for kept, cell in zip(template.cells, explorer.cells):
        assert cell.source == (source[cell.id].source if cell.id in source else kept.source), cell.id


def test_links_point_to_the_one_copy_of_each_helper():
    assert set(self_study.HELPERS) == set(HELPERS) == {"gc_utils.py", "testCases.py", "public_tests.py",
                                                       "gc_epsilon.py", "gc_explorer.py", "gc_i18n.py"}
    for name, target in self_study.LINKS.items():
        link = NOTEBOOKS / name
        if not target.exists():
            assert not link.is_symlink(), f"{name} links to a file that does not exist"
            continue
        assert link.is_symlink() and not os.path.isabs(os.readlink(link)), name
        assert link.resolve() == target.resolve(), name
    assert (NOTEBOOKS / "images").resolve() == (SOURCE_NB.parent / "images").resolve()


def test_a_template_cell_with_a_source_cell_id_gets_its_text_and_the_rest_is_cleaned(tmp_path, throwaway_template):
    out = tmp_path / "out"
    status, _, err = generate("--template", throwaway_template, "--out", out)
    assert status == 0, err
    nb = read_notebook(out / self_study.EXPLORER)
    assert [c.id for c in nb.cells] == ["intro", "backward-propagation-n", "print-one"]
    assert nb.cells[0].source == "# A throwaway explorer"
    assert nb.cells[1].source == given_code("backward-propagation-n")
    printing = nb.cells[2]
    assert printing.source == "print(1)" and printing.outputs == [] and printing.execution_count is None
    assert printing.metadata == {} and "widgets" not in nb.metadata


def test_a_template_cell_of_another_type_than_its_source_cell_is_refused(tmp_path):
    template = write_template(tmp_path / "template.ipynb", [
        nbformat.v4.new_markdown_cell("The bugs are here.", id="backward-propagation-n")])
    out = tmp_path / "out"
    status, _, err = generate("--template", template, "--out", out)
    assert status == 2
    assert ("cell 'backward-propagation-n' is a markdown cell, but the cell with that id in "
            "source/gradient_checking/Gradient_Checking.ipynb is a code cell") in err
    assert not out.exists(), "nothing is written when the inputs are wrong"


def test_a_template_cell_cannot_copy_a_solution_or_hidden_tests(tmp_path):
    template = write_template(tmp_path / "template.ipynb", [nbformat.v4.new_code_cell("", id="gradient_check_n")])
    status, _, err = generate("--template", template, "--out", tmp_path / "out")
    assert status == 2 and "cell 'gradient_check_n' would copy a solution or hidden tests" in err
    # The source's test cells hold no hidden tests any more (the judge runs them outside the
    # kernel); one that held some again must not be copied either.
    source = read_notebook(SOURCE_NB)
    (tests,) = [cell for cell in source.cells if cell.get("id") == "gradient-check-n-tests"]
    assert "HIDDEN TESTS" not in tests.source
    tests.source += "\n### BEGIN HIDDEN TESTS\nassert True\n### END HIDDEN TESTS"
    copying = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("", id="gradient-check-n-tests")])
    with pytest.raises(self_study.GenerateError, match="'gradient-check-n-tests' would copy a solution or hidden tests"):
        self_study.fill_template(copying, source, tmp_path / "template.ipynb", SOURCE_NB)


def test_a_missing_release_says_how_to_make_it(tmp_path):
    with pytest.raises(self_study.GenerateError, match="run scripts/generate"):
        self_study.build(release_nb=tmp_path / "release" / self_study.NOTEBOOK, out=tmp_path / "out")


def learner_copy(tmp_path):
    """What start-lab gives a learner: notebooks/ with every link replaced by a real file."""
    folder = tmp_path / "gradient_checking"
    shutil.copytree(NOTEBOOKS, folder, symlinks=False,
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    assert not any(p.is_symlink() for p in folder.rglob("*"))
    return folder


def run(nb, folder):
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(folder)}}).execute()


def printed(cell):
    return "".join(o.get("text", "") for o in cell.outputs)


def test_solved_self_study_notebook_passes_every_public_test(tmp_path):
    folder = learner_copy(tmp_path)
    nb = read_notebook(folder / self_study.NOTEBOOK)
    cells = {c.id: c for c in nb.cells}
    for gid in POINTS:
        cells[gid].source = solution_code(gid)
    run(nb, folder)
    for gid, test_id in PUBLIC_TESTS.items():
        assert printed(cells[test_id]).count(PASSED) == 1, f"{test_id}:\n{printed(cells[test_id])}"
    # The network as given fails the check (its two planted bugs are the learner's to fix).
    assert "difference = 0.285" in printed(cells["demo-gradient-check-n"])


def test_unsolved_self_study_notebook_stops_at_the_first_exercise(tmp_path):
    folder = learner_copy(tmp_path)
    nb = read_notebook(folder / self_study.NOTEBOOK)
    with pytest.raises(CellExecutionError) as failure:
        run(nb, folder)
    assert failure.value.ename == "NotImplementedError"
    failed = [c.id for c in nb.cells if c.cell_type == "code"
              and any(o.output_type == "error" for o in c.outputs)]
    code_ids = [c.id for c in nb.cells if c.cell_type == "code"]
    # The first cell that calls forward_propagation, right after its (unanswered) definition.
    assert failed == [code_ids[code_ids.index("forward_propagation") + 1]]


def test_explorer_runs_top_to_bottom_in_a_learners_copy(tmp_path):
    folder = learner_copy(tmp_path)
    nb = read_notebook(folder / self_study.EXPLORER)
    run(nb, folder)
    explorers = [c for c in nb.cells if c.cell_type == "code" and "explore_epsilon(" in c.source]
    assert explorers, "the explorer notebook calls explore_epsilon nowhere"
    for cell in explorers:
        assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in cell.outputs), cell.id
