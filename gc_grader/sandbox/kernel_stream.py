"""The grading kernel's stdout and stderr: ipykernel's OutStream, minus the flushes that send nothing.

Why: ipykernel (7.4) flushes both streams four times per cell (before its reply, and after
each request it handles), and every flush from the kernel's main thread is a round trip to
its output thread: it hands that thread the flush and a marker, then waits until the thread
has run both, even when nothing was printed since the last flush. Skipping those took a
graded notebook's kernel (18 code cells) from 338 to 318 ms of CPU on the 2-core benchmark
machine (the mean over 40 submissions graded by two workers, five alternating runs each
way, measured per kernel by the zygote's ``wait4``): about 1.6 % of a submission's CPU.

What changes: a flush with nothing written since the last flush, nothing waiting to be
flushed and no echo stream returns at once (ipykernel's would have sent nothing either).
Every other flush is ipykernel's own. Nothing a cell prints is skipped: what is written
sits in ``_buffers`` until a flush takes it (ipykernel's ``write`` puts it there before it
schedules its flush), and such a flush is ipykernel's. The only thing given up is the wait
itself, which made the main thread's next message (its reply on the shell channel) leave
after the output thread's earlier messages (a display, say). The Jupyter protocol makes no
promise across channels: clients, nbclient among them, collect a cell's outputs until its
"idle" status, which leaves after them on the same channel, as before.

ipykernel takes its stream class from ``IPKernelApp.outstream_class``. The zygote imports
this file on its own (``zygote_server.KERNEL_STREAM_MODULE``: it never imports the grading
package) and names the class there for every kernel it forks; a kernel started from scratch
keeps ipykernel's. What is read here is ipykernel's own state (ipykernel is pinned in
constraints.txt); tests/sandbox/test_kernel_stream.py fails when the code that keeps it
changes upstream.
"""

from ipykernel.iostream import OutStream


class SkipEmptyFlushOutStream(OutStream):
    """ipykernel's OutStream whose ``flush`` skips the output thread when it has nothing to send."""

    def flush(self):
        if self._buffers or self._flush_pending or self.echo is not None:
            return super().flush()
        return None
