"""The source notebook keeps SPEC's contract and runs; the committed release is exactly what
nbgrader generates from it, and nothing of the solutions or hidden tests reaches students."""

import ast
import filecmp
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from course import (ASSIGNMENT, HELPERS, POINTS, RELEASE_DIR, RELEASE_NB, ROOT, SOURCE_NB, SPEC_FIGURES, exercise_of,
                    grade_id, read_notebook, run_nbgrader)
from course import README_POINTS, SPEC_SIGNATURES
from gc_grader.assignment import STANDARD_IMPORTS
from public_tests import SIGNATURES
from gc_grader.class_grading.course import Course
from gc_grader.plugins import JudgeOutsideKernel

#: The one code cell a student edits without it being graded: the bug hunt.
EDITABLE_GIVEN = {"backward-propagation-n"}


@pytest.fixture(scope="module")
def source():
    return read_notebook(SOURCE_NB)


def nbgrader_meta(cell):
    return cell.metadata.get("nbgrader", {})


def signature(code, name):
    tree = ast.parse(code)
    defs = [node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == name]
    assert len(defs) == 1, f"the {name} cell must define {name} once"
    args = defs[0].args
    names = [a.arg for a in args.args]
    defaults = [ast.literal_eval(d) for d in args.defaults]
    rendered = names[:len(names) - len(defaults)] + [f"{n}={d!r}" for n, d in zip(names[len(names) - len(defaults):], defaults)]
    return f"({', '.join(rendered)})"


def test_source_is_valid_nbformat_with_no_outputs_and_stable_ids(source):
    nbformat.validate(source)
    ids = [cell.id for cell in source.cells]
    assert len(ids) == len(set(ids))
    for cell in source.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"stored output in {cell.id}"
    assert source.metadata.kernelspec.name == "python3"


def test_the_product_states_specs_signatures_and_readmes_points():
    assert SIGNATURES == SPEC_SIGNATURES
    assert POINTS == README_POINTS


def test_the_shipped_timeouts_are_finite_and_thirty_seconds():
    """The tests grade the submissions that hang with short timeouts: the course's own stay these."""
    config = Course(ROOT).config
    assert config.Execute.timeout == 30
    assert JudgeOutsideKernel(config=config).timeout == 30


def test_student_cells_have_spec_grade_ids_and_signatures(source):
    answers = {grade_id(c): c for c in source.cells if nbgrader_meta(c).get("solution")}
    assert set(answers) == set(POINTS)
    for name, cell in answers.items():
        meta = nbgrader_meta(cell)
        assert meta["schema_version"] == 3 and not meta["grade"] and not meta["locked"]
        assert signature(cell.source, name) == SIGNATURES[name]
        assert "### BEGIN SOLUTION" in cell.source


def test_the_imports_cell_is_the_one_the_judge_runs_answers_with(source):
    (cell,) = [cell for cell in source.cells if cell.get("id") == "imports"]
    assert cell.source.strip() == STANDARD_IMPORTS.strip()


def test_test_cells_carry_all_points_of_their_exercise(source):
    points = dict.fromkeys(POINTS, 0)
    for cell in source.cells:
        meta = nbgrader_meta(cell)
        if meta.get("grade"):
            assert meta["locked"] and cell.cell_type == "code"
            assert meta["schema_version"] == 3
            points[exercise_of(meta["grade_id"])] += meta["points"]
    assert points == POINTS
    assert sum(points.values()) == 100


def test_test_cells_run_the_public_tests_only(source):
    """No hidden check runs in the student's kernel (the outside judge runs them all), and
    nothing of the notebook imports the grader, which the sandboxed kernel cannot import."""
    tests = {meta["grade_id"]: cell.source for cell in source.cells if (meta := nbgrader_meta(cell)).get("grade")}
    assert tests == {f"{name}_tests": f"{name}_test({name})" for name in POINTS}
    for cell in source.cells:
        assert "HIDDEN TESTS" not in cell.source and "gc_grader" not in cell.source, cell.id


def test_text_and_given_cells_are_locked(source):
    for cell in source.cells:
        meta = nbgrader_meta(cell)
        if meta.get("solution") or cell.id in EDITABLE_GIVEN:
            continue
        assert meta.get("locked") is True, f"cell {cell.id} must be locked"
        assert meta.get("schema_version") == 3


def test_figures_are_shipped_and_shown(source):
    text = "\n".join(c.source for c in source.cells if c.cell_type == "markdown")
    shown = re.findall(r"\]\((images/[^)]+)\)", text)
    assert len(shown) == 3
    for path in shown:
        assert (SOURCE_NB.parent / path).is_file(), path
        assert (RELEASE_DIR / path).is_file(), path


def test_one_threshold_everywhere(source):
    code = "\n".join(c.source for c in source.cells if c.cell_type == "code")
    # The explorers' introductions quote other numbers (u, cube roots); they are not thresholds.
    prose = "\n".join(c.source for c in source.cells
                      if c.cell_type == "markdown" and not c.id.startswith("explore-"))
    assert re.findall(r"difference > ([0-9.e-]+)", code) == ["2e-7", "2e-7"]
    # The prose writes the threshold as "2 \times 10^{-7}" (three times) and no other such number.
    written = re.findall(r"\d+(?:\.\d+)?\s*\\times\s*10\^\{-\d+\}", prose)
    assert written == [r"2 \times 10^{-7}"] * 3, written


def printed_difference(text):
    """The number after 'difference = ' in a verdict line."""
    match = re.search(r"difference = ([0-9.e+-]+)", text)
    assert match, f"no verdict in {text!r}"
    return float(match.group(1))


def test_solved_source_runs_top_to_bottom(tmp_path):
    folder = tmp_path / ASSIGNMENT
    shutil.copytree(SOURCE_NB.parent, folder, symlinks=False)
    nb = read_notebook(folder / SOURCE_NB.name)
    # After the public test ran gradient_check with known-good callees, the notebook's own are back.
    nb.cells.append(nbformat.v4.new_code_cell(
        "print(forward_propagation.__name__, backward_propagation.__name__, forward_propagation(2, 4))", id="probe"))
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(folder)}}).execute()
    printed = {cell.id: "".join(o.get("text", "") for o in cell.outputs) for cell in nb.cells if cell.cell_type == "code"}
    assert abs(printed_difference(printed["demo-gradient-check"]) / SPEC_FIGURES["gradient_check"] - 1) < 1e-9
    assert abs(printed_difference(printed["demo-gradient-check-n"]) / SPEC_FIGURES["gradient_check_n"] - 1) < 1e-9
    for cell_id in ("forward-propagation-tests", "backward-propagation-tests", "gradient-check-tests", "gradient-check-n-tests"):
        assert printed[cell_id].count("All tests passed.") == 1, cell_id
    assert printed["probe"].split() == ["forward_propagation", "backward_propagation", "8"]


def test_nbgrader_validate_passes_the_source():
    proc = run_nbgrader(ROOT, "validate", SOURCE_NB)
    assert "Success! Your notebook passes all the tests." in proc.stdout, proc.stdout


def test_nbgrader_validate_invert_on_the_release_passes_nothing():
    proc = run_nbgrader(ROOT, "validate", "--invert", RELEASE_NB)
    assert "Success! The notebook does not pass any tests." in proc.stdout, proc.stdout


def tree(folder):
    return sorted(str(p.relative_to(folder)) for p in Path(folder).rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts and ".ipynb_checkpoints" not in p.parts)


def test_committed_release_equals_a_fresh_generate_assignment(generated_course):
    fresh = generated_course / "release" / ASSIGNMENT   # this session's `nbgrader generate_assignment`
    assert tree(fresh) == tree(RELEASE_DIR)
    differing = [name for name in tree(fresh) if not filecmp.cmp(fresh / name, RELEASE_DIR / name, shallow=False)]
    assert not differing, f"release/ is stale; regenerate it (see README): {differing}"


def test_helpers_have_one_canonical_copy():
    for name in HELPERS:
        linked = SOURCE_NB.parent / name
        assert linked.is_symlink() and linked.resolve() == (ROOT / name).resolve(), name
        released = RELEASE_DIR / name
        assert not released.is_symlink() and released.read_bytes() == (ROOT / name).read_bytes(), name


def marked_regions(code, begin, end):
    return re.findall(rf"^[ \t]*{begin}[ \t]*\n(.*?)^[ \t]*{end}", code, flags=re.MULTILINE | re.DOTALL)


def test_no_solution_and_no_hidden_test_reaches_students(source):
    # Every text file students get (the compiled catalogs are binary; their text is the catalogs').
    shipped = {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8")
               for p in [*RELEASE_DIR.rglob("*"), *(ROOT / h for h in HELPERS)] if p.is_file() and p.suffix != ".mo"}
    for path, text in shipped.items():
        for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
            assert marker not in text, f"{marker} in {path}"
    secret_lines, regions = set(), 0
    everything = "\n".join(cell.source for cell in source.cells)
    for cell in source.cells:
        for region in (marked_regions(cell.source, "### BEGIN SOLUTION", "### END SOLUTION")
                       + marked_regions(cell.source, "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")):
            regions += 1
            # Short lines ("dtheta = x") are too generic to search for.
            secret_lines |= {line.strip() for line in region.splitlines() if len(line.strip()) >= 12}
    assert regions == everything.count("### BEGIN SOLUTION") + everything.count("### BEGIN HIDDEN TESTS")
    # The hidden tests' logic lives in gc_grader, which must never be shipped or named.
    for path, text in shipped.items():
        assert "gc_grader" not in text and not path.startswith(f"release/{ASSIGNMENT}/gc_grader"), path
    released_code = "\n".join(line.strip() for cell in read_notebook(RELEASE_NB).cells for line in cell.source.splitlines())
    released_lines = set(released_code.splitlines()) | {
        line.strip() for path, text in shipped.items() if path.endswith(".py") for line in text.splitlines()}
    leaked = sorted(secret_lines & released_lines)
    assert not leaked, f"these lines of solutions or hidden tests reach students: {leaked}"
