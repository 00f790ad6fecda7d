"""One bubblewrap sandbox per submission run (the grader's equivalent of otter-grader's container).

What a sandbox is (``bwrap`` from the Debian package ``bubblewrap``; argv built by :meth:`Sandbox.argv`):

* **namespaces**: its own network (only a private loopback: no network, and no way to reach another
  kernel's ports), IPC, PID (the worker, the kernel and everything they start die together when
  the sandbox ends — ``setsid`` daemons included), UTS and cgroup namespaces; ``--die-with-parent``
  and ``--new-session`` (no terminal injection);
* **file system**: an empty root with the system (``/usr``, ``/bin``, ``/lib*``, ``/etc``), the
  Python installation, the virtual environment and the ``mlsysim`` package bound **read-only**; a
  private ``/tmp`` (HOME, working folder, Jupyter runtime and connection files, bytecode cache)
  that disappears with the sandbox.  Nothing of the instructor's is visible: no home, no
  assignment folder, no secret, no other submission;
* **identity and environment**: as root, the run drops to an unprivileged uid of its own per
  parallel slot with no capabilities and ``no_new_privs``; ``--clearenv`` then a minimal
  environment (no instructor variables);
* **limits** (``prlimit``): address space (memory), processes, file size, open files, CPU time, no
  core dumps; the grader adds a wall-clock limit and caps what it reads back.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

from .common import CourseError

__all__ = ["RunOutcome", "Sandbox", "SandboxUnavailable"]

SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")
UID_BASE = 100_000


class SandboxUnavailable(CourseError):
    pass


class RunOutcome:
    """What came back from one sandbox: ``stdout`` (capped), ``stderr`` (capped), return code, and
    whether the grader had to kill it at the wall-clock limit."""

    def __init__(self, returncode, stdout: bytes, stderr: bytes, killed: bool, seconds: float):
        self.returncode, self.stdout, self.stderr, self.killed, self.seconds = (returncode, stdout, stderr,
                                                                                 killed, seconds)


def _reader(stream, cap: int, sink: list):
    """Read ``stream`` to its end, keeping the first ``cap // 4`` and the last ``3·cap // 4`` bytes."""
    head, tail, head_cap, tail_cap = bytearray(), bytearray(), cap // 4, cap - cap // 4
    while True:
        chunk = stream.read(65536)
        if not chunk:
            break
        if len(head) < head_cap:
            take = chunk[:head_cap - len(head)]
            head += take
            chunk = chunk[len(take):]
        tail += chunk
        if len(tail) > 2 * tail_cap:
            del tail[:-tail_cap]
    sink.append(bytes(head) + bytes(tail[-tail_cap:]))


class Sandbox:
    """Run ``python -m mlsysim.course.worker`` for one job, sandboxed (or, with ``unsafe=True``, in a
    plain child process with a clean environment and the same resource limits — no isolation)."""

    def __init__(self, unsafe: bool = False, memory_mb: int = 2048, processes: int = 128, file_mb: int = 64,
                 open_files: int = 256, extra_ro=(), bwrap: str | None = None):
        self.unsafe = unsafe
        self.memory_mb, self.processes, self.file_mb, self.open_files = memory_mb, processes, file_mb, open_files
        self.extra_ro = [str(Path(p).resolve()) for p in extra_ro]
        self.bwrap = bwrap or shutil.which("bwrap")
        self.root = os.geteuid() == 0

    # -- the command ---------------------------------------------------------------------------
    def ro_paths(self) -> list[str]:
        import mlsysim

        paths = {os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix), sys.prefix,
                 os.path.dirname(os.path.realpath(sys.executable)),
                 str(Path(mlsysim.__file__).resolve().parent), *self.extra_ro}
        keep = sorted(p for p in paths if p and not any(p.startswith(s + "/") or p == s for s in SYSTEM_DIRS))
        # drop paths inside another bound path
        return [p for p in keep if not any(p != q and p.startswith(q.rstrip("/") + "/") for q in keep)]

    def environment(self, tmp: str = "/tmp") -> dict:
        return {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": f"{tmp}/home", "TMPDIR": tmp, "LANG": "C.UTF-8",
                "LC_ALL": "C.UTF-8", "IPYTHONDIR": f"{tmp}/home/.ipython", "MPLCONFIGDIR": f"{tmp}/mpl",
                "MPLBACKEND": "Agg", "JUPYTER_RUNTIME_DIR": f"{tmp}/jupyter/runtime",
                "JUPYTER_CONFIG_DIR": f"{tmp}/home/.jupyter", "JUPYTER_DATA_DIR": f"{tmp}/home/.local/share/jupyter",
                "JUPYTER_PLATFORM_DIRS": "1", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
                "MKL_NUM_THREADS": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}

    def limits(self, cpu_seconds: float) -> list[str]:
        lim = [f"--nofile={self.open_files}", f"--fsize={self.file_mb * 1024 * 1024}", "--core=0",
               f"--cpu={int(cpu_seconds) + 1}"]
        if self.memory_mb:
            lim.append(f"--as={self.memory_mb * 1024 * 1024}")
        if self.processes and self.root and not self.unsafe:      # root's own count is never limited
            lim.append(f"--nproc={self.processes}")
        return ["prlimit", *lim, "--"]

    def python(self, tmp: str = "/tmp") -> list[str]:
        return [sys.executable, "-I", "-X", f"pycache_prefix={tmp}/pycache", "-m", "mlsysim.course.worker"]

    def argv(self, slot: int, cpu_seconds: float, tmp: str = "/tmp") -> list[str]:
        if self.unsafe:
            return self.limits(cpu_seconds) + self.python(tmp)
        assert self.bwrap is not None, "probe() reports a missing bwrap before any sandboxed run"
        a = [self.bwrap, "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
             "--die-with-parent", "--new-session", "--hostname", "sandbox", "--proc", "/proc", "--dev", "/dev"]
        if not self.root:
            a.insert(1, "--unshare-user")
        for d in SYSTEM_DIRS:
            a += ["--ro-bind-try", d, d]
        # The private /tmp first: the environment and the package are bound after it, so a clone or venv
        # that lives under /tmp (a CI checkout, say) is still visible, read-only, inside the sandbox.
        a += ["--perms", "01777", "--tmpfs", "/tmp"]
        made = set()
        for p in self.ro_paths():
            parts = Path(p).parts
            for i in range(2, len(parts)):
                parent = str(Path(*parts[:i]))
                if parent not in made:
                    a += ["--perms", "0755", "--dir", parent]
                    made.add(parent)
            a += ["--ro-bind", p, p]
        a += ["--chdir", "/tmp", "--clearenv"]
        for k, v in self.environment().items():
            a += ["--setenv", k, v]
        if self.root:
            uid = str(self.uid(slot))
            a += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--",
                  "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all",
                  "--bounding-set=-all", "--no-new-privs", "--"]
        else:
            a += ["--"]
        return a + self.limits(cpu_seconds) + self.python()

    @staticmethod
    def uid(slot: int) -> int:
        """The unprivileged uid of a parallel slot: its own per grader process and slot, so that the
        process limit of one sandbox never counts another's (two graders may run at once)."""
        return UID_BASE + (os.getpid() % 10_000) * 64 + slot % 64

    # -- availability --------------------------------------------------------------------------
    def probe(self) -> None:
        """Raise :class:`SandboxUnavailable` (one clear message) unless a sandbox can be started."""
        if self.unsafe:
            return
        if not self.bwrap:
            raise SandboxUnavailable(
                "no sandbox available: `bwrap` (bubblewrap) is not installed. Submissions are untrusted code; "
                "install it (Debian/Ubuntu: apt-get install bubblewrap), or — only for work you trust — "
                "pass --unsafe-no-sandbox")
        probe = self.argv(0, 10)
        probe = probe[:probe.index("prlimit")] + ["true"]
        try:
            proc = subprocess.run(probe, capture_output=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SandboxUnavailable(f"no sandbox available: bwrap could not be started ({exc}); "
                                     f"pass --unsafe-no-sandbox only for work you trust") from None
        if proc.returncode != 0:
            why = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["(no message)"]
            raise SandboxUnavailable(
                f"no sandbox available: bwrap refused to start here ({why[0]}). User namespaces may be "
                f"disabled (sysctl kernel.unprivileged_userns_clone=1) or the grader needs to run as root; "
                f"pass --unsafe-no-sandbox only for work you trust")

    # -- one run -------------------------------------------------------------------------------
    def run(self, stdin: bytes, slot: int, wall_seconds: float, stdout_cap: int = 8 << 20,
            stderr_cap: int = 64 << 10) -> RunOutcome:
        import time

        env = None
        if self.unsafe:
            env = self.environment(tmp=_unsafe_tmp())
            os.makedirs(env["HOME"], exist_ok=True)
        t0 = time.monotonic()
        argv = self.argv(slot, wall_seconds, tmp=env["TMPDIR"] if env else "/tmp")
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, start_new_session=True, env=env,
                                cwd=env["TMPDIR"] if env else None)
        out: list[bytes] = []
        err: list[bytes] = []
        threads = [threading.Thread(target=_reader, args=(proc.stdout, stdout_cap, out), daemon=True),
                   threading.Thread(target=_reader, args=(proc.stderr, stderr_cap, err), daemon=True)]
        for t in threads:
            t.start()
        assert proc.stdin is not None                      # stdin=PIPE above
        try:
            proc.stdin.write(stdin)
            proc.stdin.close()
        except (BrokenPipeError, OSError):
            pass
        killed = False
        try:
            proc.wait(timeout=wall_seconds)
        except subprocess.TimeoutExpired:
            killed = True
        if killed or self.unsafe:
            try:
                os.killpg(proc.pid, signal.SIGKILL)        # the sandbox's PID namespace dies with it
            except (ProcessLookupError, PermissionError):
                pass
        proc.wait()
        for t in threads:
            t.join(timeout=10)
        if env:
            shutil.rmtree(env["TMPDIR"], ignore_errors=True)
        return RunOutcome(proc.returncode, out[0] if out else b"", err[0] if err else b"", killed,
                          time.monotonic() - t0)


def _unsafe_tmp() -> str:
    import tempfile

    return tempfile.mkdtemp(prefix="mlsysim-unsafe-")
