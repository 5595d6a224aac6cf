"""Execution for autograding that survives a kernel killed or hung by student code.

Stock nbgrader runs a submission in one kernel. If student code kills that kernel
(``os._exit``, a segfault, running out of memory), nbclient raises DeadKernelError
and nbgrader gives the whole submission zero, although only one exercise was
wrong. A cell that swallows the KeyboardInterrupt sent at its timeout does the same,
as nbclient then gives up waiting for the kernel to become idle.

A cell whose output cannot arrive (one message over ``max_message_bytes``, dropped by
ZMQ, so nbclient never sees the cell end) is the same kind of failure.

``ResilientExecute`` turns any of these into an error output on the cell that
caused it (so that cell, and only it, fails), starts a fresh kernel, silently
re-runs the code cells that had run normally before it, and carries on with the
next cell. Everything else is nbgrader's ``Execute``, with the same settings, and the
byte bounds of ``BoundedOutputs`` on what the kernel sends back.
"""

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import ensure_async, run_sync
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute
from traitlets import default

from gc_grader import stopwatch
from gc_grader.plugins.bounded_outputs import BoundedOutputs
from gc_grader.plugins.prompt_kernel_manager import PromptKernelManager

KERNEL_DIED = ("KernelDied",
               "The kernel died while running this cell (os._exit, a crash or running out of "
               "memory?). The cells after it ran in a fresh kernel.")

OUTPUT_LOST = ("OutputLost",
               "The output of this cell did not arrive (it printed or displayed more at once than grading "
               "accepts), so its kernel was restarted. The cells after it ran in a fresh kernel.")

UNRESPONSIVE = ("CellTimeoutError",
                "This cell ran longer than the {timeout}-second time limit and did not stop when "
                "interrupted, so its kernel was restarted. The cells after it ran in a fresh kernel.")


class ResilientExecute(BoundedOutputs, Execute):
    """nbgrader's Execute, except that a cell that kills or hangs the kernel fails alone
    (and what the kernel sends back is bounded in bytes: ``BoundedOutputs``).

    It hooks into nbclient 0.11 at ``async_execute_cell`` and ``output`` (public) and
    at ``_async_handle_timeout`` and ``_check_raise_for_error`` (private; the project
    pins nbclient, and tests/plugins/test_resilient_execute.py exercises every path).
    """

    @default("shutdown_kernel")
    def _kill_at_the_end(self):
        """Kill the kernel once the notebook has run, rather than ask it to stop and poll until it
        has (nbclient's "graceful", about 0.2 s per notebook): nothing is read from it after its
        last cell, and its sandbox goes with it."""
        return "immediate"

    def __init__(self, *args, **kwargs):
        # nbgrader's Execute names jupyter_client's asynchronous kernel manager here; this one is
        # it without the sleep that ends a kernel's start and shutdown (``PromptKernelManager``).
        kwargs.setdefault("kernel_manager_class", PromptKernelManager)
        super().__init__(*args, **kwargs)

    def preprocess(self, nb, resources=None, km=None):
        """nbclient's run of the whole notebook, timed (gc_grader.stopwatch: "notebook")."""
        with stopwatch.phase("notebook"):
            return super().preprocess(nb, resources, km)

    def create_kernel_manager(self):
        """nbclient's kernel manager, whose clients are ready without a fixed wait (``ReadyClient``)."""
        km = super().create_kernel_manager()
        km.client_class = "gc_grader.plugins.ready_client.ReadyClient"
        return km

    async def async_start_new_kernel(self, **kwargs):
        """Start the (sandboxed) kernel, timed with its client below as "kernel start"."""
        with stopwatch.phase("kernel start"):
            return await super().async_start_new_kernel(**kwargs)

    async def async_start_new_kernel_client(self):
        with stopwatch.phase("kernel start"):
            return await super().async_start_new_kernel_client()

    # nbclient's synchronous names wrap its own coroutines, not these: wrap these instead.
    start_new_kernel = run_sync(async_start_new_kernel)
    start_new_kernel_client = run_sync(async_start_new_kernel_client)

    def reset_execution_trackers(self):
        """Start each notebook with nothing to replay (nbclient calls this per notebook)."""
        super().reset_execution_trackers()
        #: Indexes of the code cells that ran to the end, without timing out or killing
        #: the kernel: what a fresh kernel must run again to be where the old one was.
        self._replayable = []
        self._timed_out_after = None

    async def _async_handle_timeout(self, timeout, cell=None):
        """Remember that the current cell reached its timeout (nbclient then interrupts it).

        A later CellTimeoutError is then known to mean "did not stop when interrupted",
        not a late IOPub message from a cell that finished in time.
        """
        self._timed_out_after = timeout
        return await super()._async_handle_timeout(timeout, cell)

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        """Execute one cell like nbclient; if the kernel dies or hangs, fail this cell only."""
        self._timed_out_after = None
        launched = self.code_cells_executed
        try:
            cell = await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        except DeadKernelError:
            ename, evalue = KERNEL_DIED
        except CellTimeoutError as error:
            if self.interrupt_on_timeout and self._timed_out_after:
                ename, evalue = UNRESPONSIVE[0], UNRESPONSIVE[1].format(timeout=self._timed_out_after)
            elif "IOPub" in str(error):
                ename, evalue = OUTPUT_LOST
            else:
                raise  # a timeout nbclient does not recover from either: nbgrader's behaviour
        else:
            # A cell that timed out but stopped when interrupted keeps nbgrader's normal
            # outcome; it is not replayed, as it would only hang the fresh kernel again.
            if self.code_cells_executed > launched and self._timed_out_after is None:
                self._replayable.append(cell_index)
            return cell

        # What reached us before the kernel died or was killed (a prompt number, the last
        # lines printed) depends on timing: drop it, so that grading twice gives the same
        # notebook. The error alone says what happened.
        self.clear_display_id_mapping(cell_index)
        cell.execution_count = None
        cell.outputs = [new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])]
        self.log.warning("%s, cell %s: %s", self._where(), self._name(cell, cell_index), evalue)
        # The same rules as for any error: with allow_errors (nbgrader's default) grading
        # goes on; a cell that may not fail raises CellExecutionError.
        reply = {"content": {"status": "error", "ename": ename, "evalue": evalue,
                             "traceback": cell.outputs[-1].traceback}}
        await self._check_raise_for_error(cell, cell_index, reply)
        await self._async_restart_and_replay()
        self.nb.cells[cell_index] = cell
        return cell

    # The sync wrapper nbconvert's preprocess_cell calls is bound to the function it
    # wraps, NotebookClient.async_execute_cell: wrap ours again, or it is never used.
    execute_cell = run_sync(async_execute_cell)

    def output(self, outs, msg, display_id, cell_index):
        """Add a stream chunk to the output before it when that is the same stream.

        How ipykernel cuts printed text into messages depends on timing (``print(x)``
        may arrive as "x" then "\\n"), so without this the same submission graded twice
        can get different outputs and feedback. Jupyter's frontends join them the same way.
        Merging as outputs arrive keeps nbclient's display-id indexes right.
        """
        last = outs[-1] if outs else None
        if (msg["msg_type"] == "stream" and last is not None and last.get("output_type") == "stream"
                and last.get("name") == msg["content"]["name"] and not self.clear_before_next_output
                and not self.output_hook_stack[msg["parent_header"].get("msg_id")]):
            last.text += msg["content"]["text"]
            return last
        return super().output(outs, msg, display_id, cell_index)

    async def _async_restart_and_replay(self):
        """Bring a fresh kernel to the state the dead one had before the failing cell.

        Replayed cells run as ordinary (non-silent) executions, so IPython's history and
        its pre/post_run_cell hooks behave as the first time (the hidden tests rely on
        post_run_cell), but their messages are never read into the notebook: the
        outputs stay as they were. A replayed cell that kills or hangs the kernel
        again is dropped, and the replay starts over in another fresh kernel.
        """
        while True:
            await ensure_async(self.kc.stop_channels())
            # Kill the old kernel's whole process group at once, start another with the
            # same arguments, on new ports so nothing from the old one can reach us.
            await ensure_async(self.km.restart_kernel(now=True, newports=True))
            await self.async_start_new_kernel_client()
            failed = await self._async_replay()
            if failed is None:
                return
            self.log.warning("%s, cell %s: killed or hung the kernel when replayed; skipped from now on",
                             self._where(), self._name(self.nb.cells[failed], failed))
            self._replayable.remove(failed)

    async def _async_replay(self):
        """Run the replayable cells again; return the index of one that failed, else None."""
        for index in self._replayable:
            msg_id = await ensure_async(self.kc.execute(self.nb.cells[index].source,
                                                        store_history=True, stop_on_error=False))
            try:
                reply = await self.async_wait_for_reply(msg_id, self.nb.cells[index])
            except (DeadKernelError, CellTimeoutError):
                return index
            if reply is None:  # timed out (and interrupted)
                return index
        return None

    def _where(self):
        names = self.resources.get("nbgrader", {}) if isinstance(self.resources, dict) else {}
        return f"student {names.get('student', '?')}, notebook {names.get('notebook', '?')}"

    @staticmethod
    def _name(cell, index):
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        return repr(grade_id or cell.get("id") or f"#{index}")
