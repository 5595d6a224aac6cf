"""PromptKernelManager (gc_grader/plugins/prompt_kernel_manager.py): jupyter_client's start and
shutdown of a kernel, and its ``ready`` future around them, without the sleep that ended both;
ResilientExecute runs every graded notebook's kernel with it."""

import asyncio
import hashlib
import inspect
from pathlib import Path

import jupyter_client.manager
import pytest
from jupyter_client.manager import AsyncKernelManager
from nbformat.v4 import new_code_cell, new_notebook

from gc_grader.plugins.prompt_kernel_manager import PromptKernelManager
from gc_grader.plugins.resilient_execute import ResilientExecute

RELEASED = Path(__file__).resolve().parents[2] / "release" / "gradient_checking"

#: The jupyter_client code (8.10.0, constraints.txt) whose wrapper PromptKernelManager rebuilds
#: without its sleep. A change there fails this test: re-read the new code, bring
#: gc_grader/plugins/prompt_kernel_manager.py in line with it, then update the digest.
REBUILT = {
    "in_pending_state": (jupyter_client.manager.in_pending_state,
                         "e478ea2ce86c3088ef18cad68b024034cb534eb0bcdb16f8dcd0c218afb1a9c5"),
    "_get_future": (jupyter_client.manager._get_future,
                    "028fed9c718ee67b4567bc74b3e67b8a23ccfb8081ba07f23a3966fcf549bae3"),
}


@pytest.mark.parametrize("name", REBUILT)
def test_the_rebuilt_jupyter_client_code_has_not_changed_upstream(name):
    function, digest = REBUILT[name]
    assert hashlib.sha256(inspect.getsource(function).encode()).hexdigest() == digest, \
        f"jupyter_client.manager.{name} changed: re-check PromptKernelManager against it"


def test_it_runs_jupyter_clients_own_start_and_shutdown():
    for name in ("_async_start_kernel", "_async_shutdown_kernel"):
        ours, theirs = getattr(PromptKernelManager, name), getattr(AsyncKernelManager, name)
        assert ours is not theirs and ours.__wrapped__ is theirs.__wrapped__
    assert PromptKernelManager.start_kernel is PromptKernelManager._async_start_kernel
    assert PromptKernelManager.shutdown_kernel is PromptKernelManager._async_shutdown_kernel


def test_a_sandboxed_kernel_starts_restarts_and_stops_ready_each_time_and_a_failed_start_says_why():
    async def lifecycle():
        km = PromptKernelManager(kernel_name="gc-sandbox")
        seen = []
        await km.start_kernel(cwd=str(RELEASED))
        await asyncio.wait_for(km.ready, 30)
        seen.append(await km.is_alive())
        await km.restart_kernel(now=True)
        await asyncio.wait_for(km.ready, 30)
        seen.append(await km.is_alive())
        await km.shutdown_kernel(now=True)
        await asyncio.wait_for(km.ready, 30)
        seen.append(await km.is_alive())
        broken = PromptKernelManager(kernel_name="no-such-kernel")
        with pytest.raises(Exception) as raised:
            await broken.start_kernel(cwd=str(RELEASED))
        return seen, raised.value, broken.ready.exception()

    seen, raised, reported = asyncio.run(lifecycle())
    assert seen == [True, True, False]
    assert reported is raised


def test_graded_notebooks_run_with_it():
    executor = ResilientExecute(kernel_name="gc-sandbox", timeout=30)
    nb = new_notebook(cells=[new_code_cell("print(6 * 7)")])
    executor.preprocess(nb, {"metadata": {"path": str(RELEASED)}})
    assert executor.kernel_manager_class is PromptKernelManager
    assert nb.cells[0].outputs[0]["text"] == "42\n"
