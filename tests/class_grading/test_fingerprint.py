"""What the class fingerprint covers: a change there regrades everyone, a change elsewhere nobody."""

from gc_grader.class_grading.fingerprint import grading_code


def test_the_grading_fingerprint_covers_what_decides_a_grade_and_nothing_else():
    code = grading_code()
    for module in ("gc_grader/assignment.py", "gc_grader/checks/verdicts.py", "gc_grader/judge/runner.py",
                   "gc_grader/plugins/judge_outside_kernel.py", "gc_grader/plugins/resilient_execute.py"):
        assert module in code, module
    assert "gc_grader/class_grading/worker.py" in code          # it runs nbgrader: it decides what is recorded
    # The feedback page's templates and the grading kernel's spec count too.
    for part in ("gc_grader/pages/templates/feedback/index.html.j2", "gc_grader/pages/templates/base/mathjax.html.j2",
                 "gc_grader/sandbox/kernelspec/kernel.json"):
        assert part in code, part
    assert "gc_grader/pages/templates/README.md" not in code
    for module in ("report.py", "cli.py", "coordinator.py", "check_submissions.py"):
        assert f"gc_grader/class_grading/{module}" not in code, module
    assert not [path for path in code if path.startswith("gc_editions/")]
