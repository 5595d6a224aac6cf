"""ReadyClient (gc_grader/plugins/ready_client.py) on real sandboxed kernels: ready means both
channels carry the kernel's answers, with no fixed wait; a dead kernel is said to be dead."""

import asyncio
import os
import signal
import time

import pytest
from jupyter_client.manager import AsyncKernelManager
from nbformat.v4 import new_code_cell, new_notebook

from gc_grader.plugins import ResilientExecute
from gc_grader.plugins.ready_client import ReadyClient

RELEASED = os.path.join(os.path.dirname(__file__), "..", "..", "release", "gradient_checking")


async def _started():
    km = AsyncKernelManager(kernel_name="gc-sandbox")
    km.client_class = "gc_grader.plugins.ready_client.ReadyClient"
    await km.start_kernel()
    kc = km.client()
    kc.start_channels()
    return km, kc


def test_ready_means_the_first_request_is_answered_on_both_channels():
    async def scenario():
        km, kc = await _started()
        try:
            assert isinstance(kc, ReadyClient)
            start = time.monotonic()
            await kc.wait_for_ready(timeout=60)
            ready = time.monotonic() - start
            seen = []
            reply = await kc.execute_interactive("print('on iopub')", timeout=10,
                                                 output_hook=lambda msg: seen.append(msg["content"].get("text")))
            return ready, reply["content"]["status"], seen
        finally:
            kc.stop_channels()
            await km.shutdown_kernel(now=True)

    ready, status, seen = asyncio.run(scenario())
    assert status == "ok" and "on iopub\n" in seen
    # jupyter_client's own client listens to a quiet IOPub for 0.2 s before it is ready.
    assert ready < 5


def test_a_kernel_that_died_is_reported_dead():
    async def scenario():
        km, kc = await _started()
        try:
            os.killpg(km.provisioner.pgid, signal.SIGKILL)
            await asyncio.sleep(0.2)
            with pytest.raises(RuntimeError, match="died before replying"):
                await kc.wait_for_ready(timeout=30)
        finally:
            kc.stop_channels()
            await km.shutdown_kernel(now=True)

    asyncio.run(scenario())


def test_the_grading_execution_uses_it():
    executor = ResilientExecute(kernel_name="gc-sandbox")
    nb = new_notebook(cells=[new_code_cell("print(6 * 7)")])
    executor.preprocess(nb, {"metadata": {"path": RELEASED}})
    assert nb.cells[0].outputs[0]["text"] == "42\n"
    assert executor.create_kernel_manager().client_factory is ReadyClient
