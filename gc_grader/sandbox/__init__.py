"""The sandbox: the one place where a process for student code is started, confined and limited.

- ``bubblewrap``: ``Sandbox`` (the limits, set in nbgrader_config.py as ``c.Sandbox.*``)
  starts a process in a bubblewrap sandbox and cleans up after it (``Confined``).
- ``uids``: one unprivileged uid per concurrent sandbox when grading runs as root.
- ``provisioner``: the Jupyter kernel provisioner of the ``gc-sandbox`` kernel, which
  nbgrader's Execute picks by name (``c.Execute.kernel_name``): every graded notebook's
  kernel runs through ``Sandbox.start``.
"""

from gc_grader.sandbox.bubblewrap import HOME, Confined, Sandbox, SandboxUnavailable

__all__ = ["HOME", "Confined", "Sandbox", "SandboxUnavailable"]
