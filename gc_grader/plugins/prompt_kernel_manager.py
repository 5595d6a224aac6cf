"""PromptKernelManager: jupyter_client's asynchronous kernel manager, done with a kernel's start
and its shutdown as soon as they are.

Why: jupyter_client (8.10) ends both with a sleep of 10 ms, there so that its own tests can
see the manager's state before the call returns (``in_pending_state``). nbclient awaits both
for every notebook. After the start the kernel is still setting up, so that sleep mostly
moves into the wait for its client; after the shutdown the worker has nothing to do. A kernel
started, run one cell and killed on one core took 157 and 181 ms instead of 165 and 204 (the
median of ten each, two runs), the shutdown 13 and 16 ms instead of 24 and 26.

What is jupyter_client's, unchanged: the start and the shutdown themselves (the functions
``in_pending_state`` wraps, which it keeps as ``__wrapped__``), and everything the wrapper does
around them but the sleep: a fresh ``ready`` future when a start was attempted before or there
is none, its result set when the call ends (if this manager owns the kernel), and on failure
its exception set, logged and raised again. A restart runs these two as well.
tests/plugins/test_prompt_kernel_manager.py fails when that code changes upstream (jupyter_client
is pinned in constraints.txt).
"""

import functools

from jupyter_client.manager import AsyncKernelManager, _get_future


def _pending_until_done(method):
    """``method`` (a coroutine function of the manager), with ``ready`` pending while it runs."""

    @functools.wraps(method)
    async def pending(self, *args, **kwargs):
        if self._attempted_start or not self._ready:
            self._ready = _get_future()
        try:
            result = await method(self, *args, **kwargs)
        except Exception as failure:
            self._ready.set_exception(failure)
            self.log.exception(self._ready.exception())
            raise
        if self.owns_kernel:
            self._ready.set_result(None)
        return result

    return pending


class PromptKernelManager(AsyncKernelManager):
    """AsyncKernelManager whose start and shutdown return when done, with no sleep (see the module)."""

    _async_start_kernel = _pending_until_done(AsyncKernelManager._async_start_kernel.__wrapped__)
    _async_shutdown_kernel = _pending_until_done(AsyncKernelManager._async_shutdown_kernel.__wrapped__)
    start_kernel = _async_start_kernel
    shutdown_kernel = _async_shutdown_kernel


__all__ = ["PromptKernelManager"]
