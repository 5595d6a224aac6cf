"""The system calls student code may not make: a seccomp filter for bubblewrap's ``--seccomp FD``.

``filter_program()`` returns the filter as bubblewrap reads it from a file descriptor: a
classic BPF program, an array of ``struct sock_filter {u16 code; u8 jt; u8 jf; u32 k;}``
in the machine's byte order with no header (what libseccomp's ``seccomp_export_bpf``
writes); ``program_fd()`` returns a memfd holding it, ready to be passed to bubblewrap.
bubblewrap loads it just before it executes the command, after its own setup (mounts,
namespaces, ``--disable-userns``), and in the sandbox's PID 1 too; everything the
command starts inherits it, and no process can remove it.

The namespaces, the read-only root, the unprivileged uid and the limits of
``bubblewrap`` already keep student code away from the host's files and processes.
The filter closes what those leave open: kernel interfaces that every process may use,
whatever its uid, and that reach beyond the sandbox or are a large attack surface of
the kernel itself. A notebook (Python, numpy/OpenBLAS, matplotlib, ipykernel and pyzmq,
subprocess) needs none of them. What it denies, and why:

- ``keyctl``, ``add_key``, ``request_key``: the kernel's keyrings are not namespaced by
  the mount or PID namespaces, and bubblewrap keeps the session keyring it inherits: the
  sandbox otherwise shares the grader's, and a review read the grader's keys from inside.
- ``ptrace``, ``process_vm_readv``, ``process_vm_writev``, ``kcmp``, ``pidfd_getfd``,
  ``process_madvise``, ``process_mrelease``: reading, writing or stealing from another
  process's memory and files. Each sandbox has its own PID namespace and uid, but
  within one sandbox a student's process could trace the kernel it runs in (and its
  ZMQ keys), and ptrace has a long history of kernel bugs.
- ``unshare`` and ``clone`` with any ``CLONE_NEW*`` flag, and ``setns``: new
  namespaces. A user namespace gives its creator every capability inside it and with
  them the mount, netfilter and other code of the kernel that unprivileged processes
  never otherwise reach (most local privilege escalations of recent years start with
  ``unshare(CLONE_NEWUSER)``); bubblewrap's ``--disable-userns`` is only used when
  grading does not run as root. ``clone3`` passes its flags in memory, where a filter
  cannot read them: it fails with ENOSYS, which makes glibc (threads, fork, posix_spawn)
  fall back to ``clone``, which is checked.
- ``mount``, ``umount2``, ``pivot_root``, the new mount API (``open_tree``,
  ``move_mount``, ``fsopen``, ``fsconfig``, ``fsmount``, ``fspick``, ``mount_setattr``,
  ``open_tree_attr``), ``swapon``, ``swapoff``, ``quotactl``, ``quotactl_fd``,
  ``name_to_handle_at``, ``open_by_handle_at``: changing what the sandbox sees of the
  file systems, or opening a file by its handle past the mounts that hide it (the
  "shocker" escape from Docker).
- ``bpf``, ``perf_event_open``, ``userfaultfd``, ``io_uring_setup``,
  ``io_uring_enter``, ``io_uring_register``: large, often exploited kernel interfaces
  (eBPF verifier, perf, userfaultfd to win races, io_uring) that Docker and the major
  distributions restrict as well; io_uring also performs its work outside the
  seccomp checks of the calls it replaces.
- ``memfd_create``: anonymous files in memory outside the size-limited tmpfs of the
  sandbox and outside RLIMIT_AS (where the machine gives no cgroup, they could fill its
  memory), from which a downloaded program can also be executed without touching a
  file system. (libffi, for ctypes callbacks, falls back to a file in /tmp.)
- ``reboot``, ``kexec_load``, ``kexec_file_load``, ``init_module``, ``finit_module``,
  ``delete_module`` (and the obsolete ``create_module``, ``get_kernel_syms``,
  ``query_module``), ``acct``, ``settimeofday``, ``clock_settime``, ``syslog``,
  ``vhangup``, ``fanotify_init``, ``lookup_dcookie``, ``nfsservctl``, ``uselib``,
  ``ustat``, ``sysfs``, ``_sysctl``, ``iopl``, ``ioperm``, ``modify_ldt``: the machine's
  administration, obsolete interfaces and x86 hardware access. They need capabilities
  the sandbox does not have (or are gone from current kernels); denying them outright,
  as Docker's default profile does, leaves no kernel code behind them to attack.

Whatever else a process asks for is allowed. The filter also checks the calling
convention: a system call of another architecture (32-bit ``int 0x80`` on x86_64, or
AArch32 on arm64), whose numbers would mean other calls, kills the process; x32 calls
(numbers with bit 0x40000000 set, x86_64's other table) fail with EPERM.

Only x86_64 and little-endian arm64 are supported, with a 64-bit Python:
``filter_program()`` returns None elsewhere. The numbers below are those of the kernel's
``arch/x86/entry/syscalls/syscall_64.tbl`` and of ``include/uapi/asm-generic/unistd.h``
(arm64), checked against the C library's headers (``<sys/syscall.h>`` on x86_64, and
``<asm-generic/unistd.h>`` with arm64's ``__ARCH_WANT_*`` settings); the calls added
since 5.1 (424 and above) have the same number on every architecture.
"""

import os
import platform
import struct
import sys

# -- the kernel's constants (include/uapi/linux/{audit,seccomp,filter,bpf_common,sched}.h)

AUDIT_ARCH_X86_64 = 0xC000003E      # EM_X86_64 | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE
AUDIT_ARCH_AARCH64 = 0xC00000B7     # EM_AARCH64 | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE
X32_SYSCALL_BIT = 0x40000000

SECCOMP_RET_KILL_PROCESS = 0x80000000
SECCOMP_RET_ERRNO = 0x00050000
SECCOMP_RET_ALLOW = 0x7FFF0000
EPERM, ENOSYS = 1, 38

# struct seccomp_data { int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6]; }
OFFSET_NR, OFFSET_ARCH, OFFSET_ARGS = 0, 4, 16

# Classic BPF opcodes.
BPF_LD_W_ABS = 0x00 | 0x00 | 0x20           # BPF_LD | BPF_W | BPF_ABS
BPF_JEQ_K = 0x05 | 0x10 | 0x00              # BPF_JMP | BPF_JEQ | BPF_K
BPF_JGE_K = 0x05 | 0x30 | 0x00              # BPF_JMP | BPF_JGE | BPF_K
BPF_JSET_K = 0x05 | 0x40 | 0x00             # BPF_JMP | BPF_JSET | BPF_K
BPF_RET_K = 0x06 | 0x00                     # BPF_RET | BPF_K
INSTRUCTION = struct.Struct("=HBBI")        # struct sock_filter, native byte order

CLONE_NEWTIME = 0x00000080
CLONE_NEWNS = 0x00020000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
#: clone's low byte is the exit signal (CSIGNAL), so CLONE_NEWTIME (0x80) is only a flag of unshare.
CLONE_DENIED = CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET
UNSHARE_DENIED = CLONE_DENIED | CLONE_NEWTIME

# -- what is denied (EPERM), grouped by why (see the module's docstring)

DENIED = {
    "keyrings": ("keyctl", "add_key", "request_key"),
    "other processes": ("ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
                        "process_madvise", "process_mrelease"),
    "namespaces": ("setns",),
    "mounts and file handles": ("mount", "umount2", "pivot_root", "open_tree", "move_mount", "fsopen",
                                "fsconfig", "fsmount", "fspick", "mount_setattr", "open_tree_attr",
                                "swapon", "swapoff", "quotactl", "quotactl_fd",
                                "name_to_handle_at", "open_by_handle_at"),
    "kernel attack surface": ("bpf", "perf_event_open", "userfaultfd",
                              "io_uring_setup", "io_uring_enter", "io_uring_register"),
    "anonymous memory files": ("memfd_create",),
    "administration and obsolete": ("reboot", "kexec_load", "kexec_file_load", "init_module", "finit_module",
                                    "delete_module", "create_module", "get_kernel_syms", "query_module",
                                    "acct", "settimeofday", "clock_settime", "syslog", "vhangup",
                                    "fanotify_init", "lookup_dcookie", "nfsservctl", "uselib", "ustat",
                                    "sysfs", "_sysctl", "iopl", "ioperm", "modify_ldt"),
}

#: The system calls' numbers, for the calls named here (those an architecture lacks are absent).
SYSCALLS = {
    # arch/x86/entry/syscalls/syscall_64.tbl ("common" and "64" entries)
    "x86_64": {
        "clone": 56, "ptrace": 101, "syslog": 103, "uselib": 134, "ustat": 136, "sysfs": 139,
        "vhangup": 153, "modify_ldt": 154, "pivot_root": 155, "_sysctl": 156, "acct": 163,
        "settimeofday": 164, "mount": 165, "umount2": 166, "swapon": 167, "swapoff": 168, "reboot": 169,
        "iopl": 172, "ioperm": 173, "create_module": 174, "init_module": 175, "delete_module": 176,
        "get_kernel_syms": 177, "query_module": 178, "quotactl": 179, "nfsservctl": 180,
        "lookup_dcookie": 212, "clock_settime": 227, "kexec_load": 246, "add_key": 248, "request_key": 249,
        "keyctl": 250, "unshare": 272, "perf_event_open": 298, "fanotify_init": 300,
        "name_to_handle_at": 303, "open_by_handle_at": 304, "setns": 308, "process_vm_readv": 310,
        "process_vm_writev": 311, "kcmp": 312, "finit_module": 313, "memfd_create": 319,
        "kexec_file_load": 320, "bpf": 321, "userfaultfd": 323,
        "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427, "open_tree": 428,
        "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433, "clone3": 435,
        "pidfd_getfd": 438, "process_madvise": 440, "mount_setattr": 442, "quotactl_fd": 443,
        "process_mrelease": 448, "open_tree_attr": 467,
    },
    # include/uapi/asm-generic/unistd.h, as arm64 includes it (with __ARCH_WANT_SYS_CLONE3)
    "aarch64": {
        "lookup_dcookie": 18, "umount2": 39, "mount": 40, "pivot_root": 41, "nfsservctl": 42,
        "vhangup": 58, "quotactl": 60, "acct": 89, "unshare": 97, "kexec_load": 104, "init_module": 105,
        "delete_module": 106, "clock_settime": 112, "syslog": 116, "ptrace": 117, "reboot": 142,
        "settimeofday": 170, "add_key": 217, "request_key": 218, "keyctl": 219, "clone": 220,
        "swapon": 224, "swapoff": 225, "perf_event_open": 241, "fanotify_init": 262,
        "name_to_handle_at": 264, "open_by_handle_at": 265, "setns": 268, "process_vm_readv": 270,
        "process_vm_writev": 271, "kcmp": 272, "finit_module": 273, "memfd_create": 279, "bpf": 280,
        "userfaultfd": 282, "kexec_file_load": 294,
        "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427, "open_tree": 428,
        "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433, "clone3": 435,
        "pidfd_getfd": 438, "process_madvise": 440, "mount_setattr": 442, "quotactl_fd": 443,
        "process_mrelease": 448, "open_tree_attr": 467,
    },
}

#: seccomp_data.arch of each supported machine (as platform.machine() names it).
AUDIT_ARCH = {"x86_64": AUDIT_ARCH_X86_64, "aarch64": AUDIT_ARCH_AARCH64}
MACHINE_ALIASES = {"amd64": "x86_64", "arm64": "aarch64"}


def supported_machine():
    """This machine's name in SYSCALLS, or None where no filter can be made."""
    machine = platform.machine().lower()
    machine = MACHINE_ALIASES.get(machine, machine)
    # A 32-bit Python on a 64-bit kernel would make every call under another arch (and be killed).
    if machine not in SYSCALLS or sys.maxsize <= 2 ** 32 or sys.byteorder != "little":
        return None
    return machine


def filter_program(machine=None):
    """The filter for this machine (or ``machine``, a key of SYSCALLS), as bytes for
    ``bwrap --seccomp FD``; None on an architecture it does not know."""
    machine = machine or supported_machine()
    if machine not in SYSCALLS:
        return None
    numbers = SYSCALLS[machine]
    denied = sorted({numbers[name] for names in DENIED.values() for name in names if name in numbers})
    # The low 32 bits of args[0] (the flags of clone and unshare), in this byte order.
    flags_offset = OFFSET_ARGS + (0 if sys.byteorder == "little" else 4)

    program = _Assembler()
    program.load(OFFSET_ARCH)
    program.jump(BPF_JEQ_K, AUDIT_ARCH[machine], "nr", None)
    program.ret(SECCOMP_RET_KILL_PROCESS)
    program.label("nr")
    program.load(OFFSET_NR)
    if machine == "x86_64":
        program.jump(BPF_JGE_K, X32_SYSCALL_BIT, "eperm", None)
    for number in denied:
        program.jump(BPF_JEQ_K, number, "eperm", None)
    program.jump(BPF_JEQ_K, numbers["clone3"], "enosys", None)
    program.jump(BPF_JEQ_K, numbers["clone"], "clone", None)
    program.jump(BPF_JEQ_K, numbers["unshare"], "unshare", None)
    program.ret(SECCOMP_RET_ALLOW)
    program.label("clone")
    program.load(flags_offset)
    program.jump(BPF_JSET_K, CLONE_DENIED, "eperm", None)
    program.ret(SECCOMP_RET_ALLOW)
    program.label("unshare")
    program.load(flags_offset)
    program.jump(BPF_JSET_K, UNSHARE_DENIED, "eperm", None)
    program.ret(SECCOMP_RET_ALLOW)
    program.label("eperm")
    program.ret(SECCOMP_RET_ERRNO | EPERM)
    program.label("enosys")
    program.ret(SECCOMP_RET_ERRNO | ENOSYS)
    return program.assemble()


def program_fd():
    """A new file descriptor (a memfd, close-on-exec, at offset 0) holding ``filter_program()``,
    for ``bwrap --seccomp FD`` with the descriptor in ``pass_fds``; None where no filter can be
    made. bubblewrap reads it whole and closes its copy; the caller closes its own."""
    program = filter_program()
    if program is None:
        return None
    fd = os.memfd_create("gc-sandbox-seccomp", os.MFD_CLOEXEC)
    try:
        os.write(fd, program)
        os.lseek(fd, 0, os.SEEK_SET)
    except BaseException:
        os.close(fd)
        raise
    return fd


class _Assembler:
    """Instructions with forward jumps to labels, resolved into 8-bit offsets."""

    def __init__(self):
        self.instructions, self.labels = [], {}

    def load(self, offset):
        self.instructions.append((BPF_LD_W_ABS, None, None, offset))

    def jump(self, code, k, if_true, if_false):
        """Jump to label ``if_true`` when the test holds, else ``if_false`` (None: the next instruction)."""
        self.instructions.append((code, if_true, if_false, k))

    def ret(self, value):
        self.instructions.append((BPF_RET_K, None, None, value))

    def label(self, name):
        self.labels[name] = len(self.instructions)

    def assemble(self):
        out = bytearray()
        for index, (code, if_true, if_false, k) in enumerate(self.instructions):
            out += INSTRUCTION.pack(code, self._offset(index, if_true), self._offset(index, if_false), k)
        return bytes(out)

    def _offset(self, index, label):
        if label is None:
            return 0
        offset = self.labels[label] - index - 1
        if not 0 <= offset <= 255:
            raise ValueError(f"a jump to {label!r} is out of reach ({offset})")
        return offset
