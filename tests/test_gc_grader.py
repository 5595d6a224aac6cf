"""gc_grader in-process, without nbgrader: the grader's network copy, the simulated
mistakes, the hidden checks, and the pre-grading check of submitted/."""


import numpy as np
import pytest

import public_tests
import testCases
from course import ASSIGNMENT, NOTEBOOK, RELEASE_NB, given_code, notebook_functions
from gc_grader import check_submissions, hidden_tests, mistakes
from gc_grader.network import forward_propagation_n as grader_forward_n
from submissions import corpus


def namespace_of(submission):
    """The notebook's globals after running a submission's answers (no kernel, no demos)."""
    ns = notebook_functions()
    for code in submission.answers.values():
        exec(compile(code, "<answer>", "exec"), ns)
    ns.update(x=2, theta=4, dtheta=2)   # what the notebook's demo cells leave behind
    return ns


def test_grader_network_is_the_notebooks_given_forward_pass():
    ns = {}
    exec(given_code("imports"), ns)
    exec(given_code("forward-propagation-n"), ns)
    rng = np.random.RandomState(5)
    for X, Y, parameters in [testCases.gradient_check_n_test_case(),
                             (rng.randn(4, 7), rng.randint(0, 2, 7),
                              {k: rng.randn(*s) for k, s in [("W1", (5, 4)), ("b1", (5, 1)), ("W2", (3, 5)),
                                                             ("b2", (3, 1)), ("W3", (1, 3)), ("b3", (1, 1))]})]:
        assert grader_forward_n(X, Y, parameters)[0] == ns["forward_propagation_n"](X, Y, parameters)[0]


def test_simulated_mistakes_give_specs_figures_and_the_public_table():
    X, Y, parameters = testCases.gradient_check_n_test_case()
    gradients = testCases.buggy_gradients_test_case()
    assert mistakes.gradient_check_nd(grader_forward_n, parameters, gradients, X, Y, 1e-7) == \
        pytest.approx(0.2850931567761623, rel=1e-9)
    spec = {"no_copy": 0.518, "copy_once": 0.829, "whole_vector": 0.698, "precedence": 1.0}
    for name, value in spec.items():
        got = mistakes.gradient_check_nd(grader_forward_n, parameters, gradients, X, Y, 1e-7, name)
        assert got == pytest.approx(value, rel=2e-3), name
    for name, value in public_tests.KNOWN_WRONG["gradient_check_n"].items():
        got = mistakes.gradient_check_nd(grader_forward_n, parameters, gradients, X, Y, 1e-7, name)
        assert got == pytest.approx(value, rel=1e-9, abs=0), name
    linear = (lambda x, theta: theta * x, lambda x, theta: x)
    assert mistakes.gradient_check_1d(*linear, 2, 4, 1e-7, "divides_by_epsilon") == pytest.approx(1 / 3, rel=1e-8)
    for name, value in public_tests.KNOWN_WRONG["gradient_check"].items():
        assert mistakes.gradient_check_1d(*linear, 2, 4, 1e-7, name) == pytest.approx(value, rel=1e-9, abs=0), name


def test_every_hint_is_named_by_the_public_table_or_a_hidden_simulation():
    used = set(mistakes.MISTAKES_1D) | set(mistakes.MISTAKES_ND) | {"stale_dtheta", "notebook_values", "hard_coded",
                                                                    "inline_model"}
    assert used == set(public_tests.HINTS)


CORRECT = [s for s in corpus() if not s.lost and not s.edit_notebook and not s.filename]
CHECKS = {"forward_propagation": hidden_tests.check_forward_propagation,
          "backward_propagation": hidden_tests.check_backward_propagation,
          "gradient_check": hidden_tests.check_gradient_check,
          "gradient_check_n": hidden_tests.check_gradient_check_n}


@pytest.mark.parametrize("submission", CORRECT, ids=lambda s: s.student)
def test_hidden_checks_pass_every_correct_style(submission):
    ns = namespace_of(submission)
    for check in CHECKS.values():
        check(ns)


@pytest.mark.parametrize("submission", [s for s in corpus() if s.hint], ids=lambda s: s.student)
def test_hidden_checks_name_each_known_mistake(submission):
    ns = namespace_of(submission)
    (exercise,) = submission.lost
    with pytest.raises(AssertionError) as failure:
        CHECKS[exercise](ns)
    assert public_tests.HINTS[submission.hint] in str(failure.value)


def test_one_ambiguous_case_does_not_decide_the_hint():
    # With grad = the notebook's dtheta (2), the first hidden case gives 1.0, as the
    # precedence mistake does; the other cases tell them apart.
    ns = namespace_of(next(s for s in corpus() if s.student == "gc_stale_dtheta"))
    with pytest.raises(AssertionError, match="reusing a variable of the notebook"):
        hidden_tests.check_gradient_check(ns)


def test_isolation_uses_known_good_callees_and_gives_the_students_back():
    ns = namespace_of(next(s for s in corpus() if s.student == "fp_wrong"))
    student_forward = ns["forward_propagation"]
    restore = hidden_tests.isolate_gradient_check(ns)
    assert ns["forward_propagation"](2, 4) == 8
    hidden_tests.check_gradient_check(ns)            # passes although forward_propagation is wrong
    restore()
    assert ns["forward_propagation"] is student_forward


def test_a_replaced_numpy_function_refuses_grading():
    ns = namespace_of(CORRECT[0])
    original = np.linalg.norm
    np.linalg.norm = lambda *args, **kwargs: 1.0
    try:
        with pytest.raises(AssertionError, match="numpy.linalg.norm was replaced"):
            hidden_tests.check_gradient_check_n(ns)
    finally:
        np.linalg.norm = original
    hidden_tests.check_gradient_check_n(ns)


def test_a_signature_change_or_a_deleted_answer_fails_with_a_sentence():
    ns = notebook_functions()
    exec("def gradient_check(x, theta):\n    return 0.5", ns)
    with pytest.raises(AssertionError, match=r"has the signature \(x, theta\); the assignment fixes it as "
                                             r"\(x, theta, epsilon=1e-07, print_msg=False\)"):
        hidden_tests.check_gradient_check(ns)
    exec("def gradient_check(x, theta, epsilon=1e-7, print_msg=False):\n    raise ValueError('oops')", ns)
    with pytest.raises(AssertionError, match="raised ValueError: oops"):
        hidden_tests.check_gradient_check(ns)
    del ns["gradient_check_n"]
    with pytest.raises(AssertionError, match="gradient_check_n is not defined"):
        hidden_tests.check_gradient_check_n(ns)


# ---------------------------------------------------------------- check_submissions

def make_course(tmp_path, notebooks_by_student):
    (tmp_path / "release" / ASSIGNMENT).mkdir(parents=True)
    (tmp_path / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb").write_bytes(RELEASE_NB.read_bytes())
    for student, files in notebooks_by_student.items():
        folder = tmp_path / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        for name, text in files.items():
            (folder / name).write_text(text)
    return tmp_path


def test_check_submissions_fixes_renames_and_reports_what_scores_zero(tmp_path, capsys):
    good = RELEASE_NB.read_text()
    course = make_course(tmp_path, {
        "renamed": {"Gradient_Checking (1).ipynb": good},
        "two": {"a.ipynb": good, "b.ipynb": good},
        "none": {"notes.txt": "hello"},
        "corrupt": {f"{NOTEBOOK}.ipynb": "{not json"},
        "fine": {f"{NOTEBOOK}.ipynb": good, "extra.ipynb": "keep me"},
    })
    assert check_submissions.main([ASSIGNMENT, "--course", str(course)]) == 0
    out = capsys.readouterr().out
    renamed = course / "submitted" / "renamed" / ASSIGNMENT
    assert (renamed / f"{NOTEBOOK}.ipynb").read_text() == good
    assert (renamed / "Gradient_Checking (1).ipynb").read_text() == good, "the student's file must stay"
    assert "renamed: 'Gradient_Checking (1).ipynb' is graded as Gradient_Checking.ipynb" in out
    assert "two: no Gradient_Checking.ipynb, but several other notebooks ('a.ipynb', 'b.ipynb')" in out
    assert not (course / "submitted" / "two" / ASSIGNMENT / f"{NOTEBOOK}.ipynb").exists()
    assert "none: no Gradient_Checking.ipynb was submitted; it scores 0" in out
    assert "corrupt: Gradient_Checking.ipynb is not a valid notebook file" in out
    assert "fine:" not in out
    assert (course / "submitted" / "fine" / ASSIGNMENT / "extra.ipynb").read_text() == "keep me"
    assert "5 submissions of 'gradient_checking' checked, 4 remarks" in out


def test_check_submissions_names_a_wrong_assignment(tmp_path):
    with pytest.raises(SystemExit, match="no notebook in"):
        check_submissions.main(["no_such_assignment", "--course", str(tmp_path)])


def test_check_submissions_survives_odd_names_and_never_writes_through_links(tmp_path, capsys):
    good = RELEASE_NB.read_text()
    course = make_course(tmp_path, {"linked": {}, "odd": {}})
    outside = tmp_path / "instructor_file.txt"
    outside.write_text("precious")
    linked = course / "submitted" / "linked" / ASSIGNMENT
    (linked / f"{NOTEBOOK}.ipynb").symlink_to(outside)
    (linked / "mine.ipynb").write_text(good)
    odd = course / "submitted" / "odd" / ASSIGNMENT
    (odd / "r\udce9ponse.ipynb").write_text(good)          # a file name that is not valid UTF-8
    assert check_submissions.main([ASSIGNMENT, "--course", str(course)]) == 0
    out = capsys.readouterr().out
    assert outside.read_text() == "precious"
    assert "linked: Gradient_Checking.ipynb is a symbolic link" in out
    assert "odd: 'r\\udce9ponse.ipynb' is graded as Gradient_Checking.ipynb" in out
    assert (odd / f"{NOTEBOOK}.ipynb").read_text() == good


# ---------------------------------------------------------------- judging outside the kernel

from gc_grader import answer_runner, judge  # noqa: E402


def test_the_runner_keeps_definitions_only():
    tree = answer_runner.definitions_of("import os\nX = 3\ndef f():\n    return X\nos._exit(1)\nprint('hi')\n")
    kinds = [type(node).__name__ for node in tree.body]
    assert kinds == ["Import", "Assign", "FunctionDef"]
    assert answer_runner.definitions_of("def broken(:\n") is None


@pytest.mark.parametrize("student", ["correct", "style_vectorised", "gcn_no_copy", "attack_lookup_table",
                                     "attack_rebinds_grader", "gc_inline_model", "attack_explorer_module"])
def test_judging_a_lone_answer_agrees_with_the_expected_points(monkeypatch, student):
    monkeypatch.chdir(RELEASE_NB.parent)          # where the assignment's helpers import from
    submission = next(s for s in corpus() if s.student == student)
    for exercise in CHECKS:
        seed = judge.seed_for("a secret", student, exercise)
        reported = answer_runner.run(exercise, [submission.answers[exercise]], seed)
        if exercise in submission.lost:
            with pytest.raises(AssertionError):
                hidden_tests.judge_result(exercise, reported, seed)
        else:
            hidden_tests.judge_result(exercise, reported, seed)


def test_answers_built_on_the_explorers_module_pass_in_kernel_but_not_outside(monkeypatch):
    """gc_epsilon ships for the explorers; the outside judge runs answers without it, and says why."""
    monkeypatch.chdir(RELEASE_NB.parent)
    submission = next(s for s in corpus() if s.student == "attack_explorer_module")
    namespace = namespace_of(submission)
    hidden_tests.check_gradient_check_n(namespace)       # the in-kernel check alone is fooled
    seed = judge.seed_for("a secret", "someone", "gradient_check_n")
    reported = answer_runner.run("gradient_check_n", [submission.answers["gradient_check_n"]], seed)
    with pytest.raises(AssertionError, match="belongs to the epsilon explorers"):
        hidden_tests.judge_result("gradient_check_n", reported, seed)


def test_seeds_are_secret_per_student_and_stable(tmp_path):
    secret = judge.course_secret(tmp_path)
    assert (tmp_path / judge.SECRET_FILE).stat().st_mode & 0o777 == 0o600
    assert judge.course_secret(tmp_path) == secret
    assert judge.seed_for(secret, "ann", "gradient_check") == judge.seed_for(secret, "ann", "gradient_check")
    assert judge.seed_for(secret, "ann", "gradient_check") != judge.seed_for(secret, "bob", "gradient_check")
    assert hidden_tests.gradient_check_cases(1) != hidden_tests.gradient_check_cases(2)


def test_a_forged_report_is_data_not_code():
    with pytest.raises((AssertionError, KeyError, TypeError, IndexError, ValueError)):
        hidden_tests.judge_result("gradient_check", {"signature": "(x, theta, epsilon=1e-07, print_msg=False)",
                                                     "values": [["number", "nan", "float", False]]}, 1)


def test_every_drawn_hidden_network_gives_finite_differences():
    """Seeds are 32-bit and drawn per student: none may give a network whose output saturates
    (cost inf or nan), on which a correct gradient_check_n would fail. One in about fifty did."""
    import warnings
    seeds = np.random.RandomState(7).randint(0, 2**32 - 1, 1500, dtype=np.int64)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)      # log(0), 0 * inf: caught, not averaged away
        for seed in seeds:
            X, Y, parameters, gradients = hidden_tests.hidden_network(int(seed))
            differences = [mistakes.gradient_check_nd(grader_forward_n, parameters, gradients[label], X, Y, epsilon)
                           for label, epsilon in hidden_tests._GRADIENT_CHECK_N_CASES]
            assert all(np.isfinite(differences)), f"seed {seed}: {differences}"
            # The planted bugs always show, far above the notebook's threshold.
            assert differences[0] > 1e-3, f"seed {seed}: {differences}"
