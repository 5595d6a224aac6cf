"""The seccomp filter (gc_grader/sandbox/seccomp.py): its program, read by a small BPF
interpreter for x86_64 and arm64; its system call numbers, against the C headers; and
the filter itself, with real bubblewrap (``--seccomp FD``): what it denies, and that
what a notebook does (threads, subprocesses, fork, numpy with OpenBLAS threads,
matplotlib, pyzmq, ctypes callbacks, ipykernel) still works under it, as root through
setpriv, with the sandbox's own command line (``Sandbox.command``)."""

import errno
import json
import os
import shutil
import struct
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from gc_grader.sandbox import Sandbox, bubblewrap, seccomp
from gc_grader.sandbox.uids import UidSlot

AS_ROOT = os.geteuid() == 0
MACHINE = seccomp.supported_machine()
ALLOW = seccomp.SECCOMP_RET_ALLOW
EPERM = seccomp.SECCOMP_RET_ERRNO | errno.EPERM
ENOSYS = seccomp.SECCOMP_RET_ERRNO | errno.ENOSYS
KILL = seccomp.SECCOMP_RET_KILL_PROCESS
#: glibc's flags for a thread (pthread_create), and fork's.
THREAD_FLAGS = 0x3D0F00
FORK_FLAGS = 0x01200000 | 17    # CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD


def decide(program, nr, arch, flags=0):
    """What ``program`` returns for system call ``nr`` of ``arch`` with ``flags`` as args[0]."""
    data = struct.pack("=IIQ6Q", nr, arch, 0, flags, 0, 0, 0, 0, 0)
    instructions = [seccomp.INSTRUCTION.unpack_from(program, i) for i in range(0, len(program), 8)]
    pc = accumulator = 0
    for _ in range(len(instructions)):
        code, jt, jf, k = instructions[pc]
        if code == seccomp.BPF_LD_W_ABS:
            accumulator, pc = struct.unpack_from("=I", data, k)[0], pc + 1
        elif code == seccomp.BPF_JEQ_K:
            pc += 1 + (jt if accumulator == k else jf)
        elif code == seccomp.BPF_JGE_K:
            pc += 1 + (jt if accumulator >= k else jf)
        elif code == seccomp.BPF_JSET_K:
            pc += 1 + (jt if accumulator & k else jf)
        elif code == seccomp.BPF_RET_K:
            return k
        else:
            raise AssertionError(f"unexpected instruction {code:#x} at {pc}")
    raise AssertionError("the program loops or runs off its end")


# ---------------------------------------------------------------------- the program


@pytest.mark.parametrize("machine", ["x86_64", "aarch64"])
def test_the_program_has_the_shape_bubblewrap_reads(machine):
    program = seccomp.filter_program(machine)
    assert len(program) % 8 == 0 and 0 < len(program) // 8 <= 4096     # BPF_MAXINSNS
    first = seccomp.INSTRUCTION.unpack_from(program, 0)
    assert first == (seccomp.BPF_LD_W_ABS, 0, 0, 4)                     # seccomp_data.arch
    code, _, _, k = seccomp.INSTRUCTION.unpack_from(program, 8)
    assert (code, k) == (seccomp.BPF_JEQ_K, seccomp.AUDIT_ARCH[machine])
    last = seccomp.INSTRUCTION.unpack_from(program, len(program) - 8)
    assert last[0] == seccomp.BPF_RET_K


def test_an_unknown_machine_gets_no_filter():
    assert seccomp.filter_program("riscv64") is None
    assert seccomp.filter_program() == (seccomp.filter_program(MACHINE) if MACHINE else None)


@pytest.mark.parametrize("machine", ["x86_64", "aarch64"])
def test_each_system_call_gets_its_decision(machine):
    program, numbers = seccomp.filter_program(machine), seccomp.SYSCALLS[machine]
    arch = seccomp.AUDIT_ARCH[machine]
    denied = {numbers[name] for names in seccomp.DENIED.values() for name in names if name in numbers}
    assert {"keyctl", "add_key", "request_key", "memfd_create", "ptrace", "bpf", "mount", "setns",
            "io_uring_setup", "userfaultfd", "open_by_handle_at"} <= {n for n in numbers if numbers[n] in denied}
    for nr in range(600):
        expected = (EPERM if nr in denied else ENOSYS if nr == numbers["clone3"] else ALLOW)
        assert decide(program, nr, arch) == expected, (machine, nr)
    for name, flags, expected in [
            ("clone", THREAD_FLAGS, ALLOW), ("clone", FORK_FLAGS, ALLOW), ("clone", 0x4111, ALLOW),  # vfork
            ("clone", seccomp.CLONE_NEWUSER | 17, EPERM), ("clone", seccomp.CLONE_NEWNET, EPERM),
            ("clone", seccomp.CLONE_NEWPID | FORK_FLAGS, EPERM), ("clone", seccomp.CLONE_NEWNS, EPERM),
            ("unshare", 0x400 | 0x200, ALLOW),                              # CLONE_FILES | CLONE_FS
            ("unshare", seccomp.CLONE_NEWUSER, EPERM), ("unshare", seccomp.CLONE_NEWNS, EPERM),
            ("unshare", seccomp.CLONE_NEWNET, EPERM), ("unshare", seccomp.CLONE_NEWPID, EPERM),
            ("unshare", seccomp.CLONE_NEWIPC, EPERM), ("unshare", seccomp.CLONE_NEWUTS, EPERM),
            ("unshare", seccomp.CLONE_NEWCGROUP, EPERM), ("unshare", seccomp.CLONE_NEWTIME, EPERM),
            ("unshare", seccomp.CLONE_NEWUSER | (1 << 32), EPERM)]:
        assert decide(program, numbers[name], arch, flags) == expected, (machine, name, hex(flags))
    # The upper half of args[0] is not what the kernel reads as flags: no hiding a flag there.
    assert decide(program, numbers["unshare"], arch, 1 << 60) == ALLOW
    # Another calling convention: killed, whatever the call.
    for other in (0x40000003, 0x40000028, seccomp.AUDIT_ARCH_X86_64 ^ seccomp.AUDIT_ARCH_AARCH64 ^ arch):
        assert decide(program, 0, other) == KILL
    if machine == "x86_64":
        for nr in (0, 1, numbers["keyctl"], 512, 545):
            assert decide(program, seccomp.X32_SYSCALL_BIT | nr, arch) == EPERM


def test_every_denied_name_has_a_number():
    for names in seccomp.DENIED.values():
        for name in names:
            assert any(name in table for table in seccomp.SYSCALLS.values()), name


def _header_numbers(tmp_path, preamble, prefix, names):
    """The numbers the C headers give ``names`` (those they lack: absent), compiled with gcc."""
    lines = [preamble, "#include <stdio.h>", "int main(void) {"]
    for name in names:
        lines += [f"#ifdef {prefix}{name}", f'printf("{name} %d\\n", (int) {prefix}{name});', "#endif"]
    (tmp_path / "numbers.c").write_text("\n".join(lines + ["return 0; }"]) + "\n")
    subprocess.run(["gcc", "-o", str(tmp_path / "numbers"), str(tmp_path / "numbers.c")], check=True)
    out = subprocess.run([str(tmp_path / "numbers")], check=True, capture_output=True, text=True).stdout
    return {name: int(number) for name, number in (line.split() for line in out.splitlines())}


@pytest.mark.skipif(shutil.which("gcc") is None or MACHINE != "x86_64", reason="needs gcc on x86_64")
def test_the_x86_64_numbers_are_the_c_librarys(tmp_path):
    table = seccomp.SYSCALLS["x86_64"]
    headers = _header_numbers(tmp_path, "#include <sys/syscall.h>", "SYS_", table)
    assert len(headers) >= len(table) - 3          # new calls may be missing from older headers
    assert {name: table[name] for name in headers} == headers


@pytest.mark.skipif(shutil.which("gcc") is None or not os.path.exists("/usr/include/asm-generic/unistd.h"),
                    reason="needs gcc and the kernel's asm-generic headers")
def test_the_arm64_numbers_are_the_generic_tables(tmp_path):
    table = seccomp.SYSCALLS["aarch64"]
    preamble = "\n".join(f"#define __ARCH_WANT_{want}" for want in (
        "RENAMEAT", "NEW_STAT", "SET_GET_RLIMIT", "TIME32_SYSCALLS", "SYS_CLONE3", "MEMFD_SECRET"))
    headers = _header_numbers(tmp_path, preamble + "\n#define __BITS_PER_LONG 64\n#include <asm-generic/unistd.h>",
                              "__NR_", table)
    assert len(headers) >= len(table) - 3
    assert {name: table[name] for name in headers} == headers


# ---------------------------------------------------------------------- under real bubblewrap

needs_bwrap = pytest.mark.skipif(MACHINE is None or shutil.which("bwrap") is None or sys.platform != "linux",
                                 reason="needs bubblewrap on x86_64 or arm64 Linux")

PROBE = r"""
import ctypes, errno, json, os, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
NR = json.loads(sys.argv[1])

def call(name, *args):
    result = libc.syscall(ctypes.c_long(NR[name]), *[ctypes.c_long(a) for a in args])
    return errno.errorcode.get(ctypes.get_errno(), "?") if result == -1 else "allowed"

def raises(function):
    try:
        function()
    except OSError as error:
        return errno.errorcode.get(error.errno, "?")
    return "allowed"

KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING = 0, -3
seen = {
    "keyctl": call("keyctl", KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0),
    "unshare user": call("unshare", 0x10000000),
    "unshare mount": call("unshare", 0x00020000),
    "unshare files": call("unshare", 0x00000400),
    "memfd_create": raises(lambda: os.memfd_create("probe")),
    "bpf": call("bpf", 0, 0, 0),
    "io_uring_setup": call("io_uring_setup", 1, 0),
    "clone3": call("clone3", 0, 0),
    "mount": call("mount", 0, 0, 0, 0, 0),
    "uid": os.getuid(),
}
# A key in a keyring of this thread alone (so that, unfiltered, it leaves nothing in the grader's).
KEY_SPEC_THREAD_KEYRING, key_type, description, payload = -1, b"user\0", b"gc-probe\0", b"secret"
seen["add_key"] = errno.errorcode.get(ctypes.get_errno(), "?") if libc.syscall(
    ctypes.c_long(NR["add_key"]), key_type, description, payload, ctypes.c_long(len(payload)),
    ctypes.c_long(KEY_SPEC_THREAD_KEYRING)) == -1 else "allowed"
# ptrace: PTRACE_TRACEME in a child, which exits at once (its tracer is this process).
read, write = os.pipe()
child = os.fork()
if child == 0:
    os.write(write, call("ptrace", 0, 0, 0, 0).encode())
    os._exit(0)
os.close(write)
os.waitpid(child, 0)
seen["ptrace"] = os.read(read, 100).decode()
print(json.dumps(seen))
"""

WORKLOAD = r"""
import ctypes, json, os, subprocess, sys, threading
seen = {}
threads = [threading.Thread(target=lambda i=i: seen.__setitem__(f"thread {i}", True)) for i in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
seen["threads"] = sum(seen.pop(f"thread {i}", False) for i in range(8))
seen["subprocess"] = subprocess.run(["true"]).returncode
seen["subprocess output"] = subprocess.run([sys.executable, "-c", "print(6 * 7)"], capture_output=True,
                                           text=True).stdout.strip()
child = os.fork()
if child == 0:
    os._exit(7)
seen["fork"] = os.waitstatus_to_exitcode(os.waitpid(child, 0)[1])

import numpy
a = numpy.random.default_rng(0).standard_normal((300, 300))
seen["numpy"] = bool(numpy.allclose(a @ numpy.linalg.inv(a), numpy.eye(300), atol=1e-6))
seen["numpy dot"] = float(numpy.dot(a, a.T).trace()) > 0
# OpenBLAS started its threads (OPENBLAS_NUM_THREADS=4, at most one per processor, the main one included).
seen["blas threads"] = len(os.listdir("/proc/self/task")) >= min(4, len(os.sched_getaffinity(0)))

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
figure, axes = plt.subplots()
axes.plot([0, 1], [1, 0])
figure.savefig("/tmp/figure.png")
seen["matplotlib"] = os.path.getsize("/tmp/figure.png") > 1000

# A ctypes callback: libffi's closures (it falls back from memfd_create to a file).
compare = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_int))(
    lambda a, b: a[0] - b[0])
values = (ctypes.c_int * 5)(5, 1, 4, 2, 3)
ctypes.CDLL(None).qsort(values, 5, ctypes.sizeof(ctypes.c_int), compare)
seen["ctypes callback"] = list(values)

import zmq
context = zmq.Context()
server, client = context.socket(zmq.REP), context.socket(zmq.REQ)
server.bind("ipc:///tmp/probe.sock")
client.connect("ipc:///tmp/probe.sock")
client.send(b"ping")
seen["zmq"] = server.recv().decode()
server.close(); client.close(); context.term()
print(json.dumps(seen))
"""


def run_filtered(argv, program=True, env=None):
    """Run ``argv`` as ``Sandbox.start`` would (its very command line: prlimit, bubblewrap, and as root
    setpriv to a sandbox uid), with ``--seccomp FD`` added after ``bwrap`` unless ``program`` is False.
    (exit code, stdout, stderr)."""
    fd = seccomp.program_fd() if program else None
    sandbox = Sandbox()
    slot = UidSlot.acquire(sandbox) if AS_ROOT else None
    info_read, info_write = os.pipe()
    try:
        command = sandbox.command(argv, [], info_write, slot, env)
        if fd is not None and "--seccomp" not in command:
            at = command.index(sandbox.bwrap) + 1
            command[at:at] = ["--seccomp", str(fd)]
        passed = [info_write] + ([fd] if fd is not None else [])
        done = subprocess.run(command, pass_fds=passed, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=180, start_new_session=True)
        return done.returncode, done.stdout, done.stderr
    finally:
        for descriptor in (info_read, info_write, fd):
            if descriptor is not None:
                os.close(descriptor)
        if slot:
            slot.release()


def probe(program=True):
    code, out, err = run_filtered([sys.executable, "-c", PROBE, json.dumps(seccomp.SYSCALLS[MACHINE])], program)
    assert code == 0, err
    return json.loads(out)


@needs_bwrap
def test_without_the_filter_the_probe_reaches_what_the_filter_denies():
    """The baseline: the probe's calls do work in bubblewrap alone (so the denials below are the filter's)."""
    seen = probe(program=False)
    assert seen["keyctl"] == "allowed" and seen["add_key"] == "allowed"
    assert seen["memfd_create"] == "allowed"
    if AS_ROOT:      # otherwise bubblewrap's --disable-userns refuses it already
        assert seen["unshare user"] == "allowed"
    assert seen["ptrace"] == "allowed" and seen["clone3"] == "EINVAL"


@needs_bwrap
def test_the_filter_denies_keyrings_namespaces_memfd_ptrace_and_the_rest():
    seen = probe()
    assert seen["keyctl"] == "EPERM" and seen["add_key"] == "EPERM"
    assert seen["unshare user"] == "EPERM" and seen["unshare mount"] == "EPERM"
    assert seen["unshare files"] == "allowed"
    assert seen["memfd_create"] == "EPERM"
    assert seen["ptrace"] == "EPERM"
    assert seen["bpf"] == "EPERM" and seen["io_uring_setup"] == "EPERM" and seen["mount"] == "EPERM"
    assert seen["clone3"] == "ENOSYS"
    if AS_ROOT:
        assert seen["uid"] >= Sandbox().uid_base        # setpriv dropped to the sandbox uid under the filter


@needs_bwrap
def test_a_python_unshare_of_a_user_namespace_is_refused():
    code, out, err = run_filtered([sys.executable, "-c", textwrap.dedent("""
        import ctypes, os
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.unshare(0x10000000) == -1:
            raise PermissionError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
        print("unshared")
    """)])
    assert code == 1 and "PermissionError: [Errno 1]" in err and "unshared" not in out


@needs_bwrap
def test_a_notebooks_work_runs_under_the_filter():
    code, out, err = run_filtered([sys.executable, "-c", WORKLOAD], env={"OPENBLAS_NUM_THREADS": "4"})
    assert code == 0, err
    seen = json.loads(out)
    assert seen == {"threads": 8, "subprocess": 0, "subprocess output": "42", "fork": 7, "numpy": True,
                    "numpy dot": True, "blas threads": True, "matplotlib": True, "ctypes callback": [1, 2, 3, 4, 5],
                    "zmq": "ping"}


@needs_bwrap
def test_ipykernel_starts_under_the_filter():
    code, out, err = run_filtered([sys.executable, "-m", "ipykernel_launcher", "--help"])
    assert code == 0, err
    assert "IPKernelApp" in out or "kernel" in out.lower()


@needs_bwrap
def test_a_wrong_program_is_refused_by_bubblewrap():
    """bubblewrap reads the whole descriptor and refuses what is not whole instructions."""
    fd = os.memfd_create("bad", os.MFD_CLOEXEC)
    try:
        os.write(fd, seccomp.filter_program()[:-3])
        os.lseek(fd, 0, os.SEEK_SET)
        done = subprocess.run(["bwrap", "--ro-bind", "/", "/", "--seccomp", str(fd), "--", "true"],
                              pass_fds=[fd], capture_output=True, text=True, timeout=30)
    finally:
        os.close(fd)
    assert done.returncode != 0 and "multiple of 8" in done.stderr


WIRED = "--seccomp" in Path(bubblewrap.__file__).read_text()


@needs_bwrap
@pytest.mark.xfail(not WIRED, reason="Sandbox.command does not pass --seccomp yet", strict=True)
def test_sandbox_start_applies_the_filter():
    with Sandbox().start([sys.executable, "-c", PROBE, json.dumps(seccomp.SYSCALLS[MACHINE])],
                         stdout=subprocess.PIPE) as confined:
        out = confined.process.stdout.read()
        assert confined.wait(timeout=60) == 0, confined.error()
    seen = json.loads(out)
    assert seen["keyctl"] == "EPERM" and seen["unshare user"] == "EPERM" and seen["memfd_create"] == "EPERM"
