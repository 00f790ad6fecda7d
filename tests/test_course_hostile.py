"""The grader against a hostile class: every attack of issue 11, on a tiny notebook so kernels are cheap.

One sandboxed grading run (honest students + one attacker per attack, two at a time) is shared by
the assertions below; each attack only targets paths inside the test's temporary folder (the
grader's HOME, output, record, secret and a "protected" package copy all live there).  Asserted:
honest students' scores are exactly right, nothing outside the sandbox changed, no instructor
secret appears in any output, no process survives, and an infrastructure failure (a worker killed
by its submission) is retried, reported and gives a non-zero exit status.
"""
import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from mlsysim.course import grade as grade_mod
from mlsysim.course.__main__ import main
from mlsysim.course.sandbox import Sandbox, SandboxUnavailable

CELLS = [
    ([], "from mlsysim.calc import Calculation, Param\n"
         "from mlsysim.course import ChoiceExercise, Draw, NumericExercise, variant"),
    (["parameters"], "ex_rate = 0.1"),
    ([], "class Toy(Calculation):\n"
         "    rate = Param(0.1, lo=0.01, hi=1.0, log=True, label='Rate')\n"
         "    def execute(self):\n"
         "        self.days = 1 / self.rate\n"
         "inputs = variant(ex_rate=Draw(Toy.rate, lo=0.02, hi=0.5, sig=3))"),
    (["exercise-key"], "ex1 = NumericExercise('ex1', key=lambda: Toy(rate=ex_rate).days, tol=0.01, unit='days')\n"
                       "def _ex2_key():\n"
                       "    return 'slow' if ex_rate < 0.1 else 'fast'\n"
                       "ex2 = ChoiceExercise('ex2', key=_ex2_key, options=['slow', 'fast'])"),
    (["answer"], "answer_ex1 = None\nanswer_ex2 = None\nexplain_ex2 = ''"),
    (["self-check"], "ex1.check(answer_ex1)\nex2.check(answer_ex2, explain_ex2)"),
]
HONEST = ["h1", "h2", "h3"]
ATTACKERS = ["inject", "startup", "daemon", "planter", "exfil", "suicide", "ansi", "greedy", "forkbomb", "flood"]
MARK = "987.6543"                      # sleep argument that identifies every process an attacker starts

pytestmark = pytest.mark.skipif(Sandbox().bwrap is None, reason="bubblewrap is not installed")


def make_toy(root: Path, students):
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    for tags, src in CELLS:
        cell = nbformat.v4.new_code_cell(src)
        cell.metadata["tags"] = tags
        nb.cells.append(cell)
    nbformat.write(nb, root / "toy.ipynb")
    (root / "roster.csv").write_text("student_id\n" + "\n".join(students) + "\n")
    assert main(["assign", "--notebook", str(root / "toy.ipynb"), "--roster", str(root / "roster.csv"),
                 "--out", str(root / "dist"), "--seed", "7", "--secret-file", str(root / "secret.key")]) == 0


def record(root):
    return json.loads((root / "dist" / "instructor" / "params.json").read_text())


def submission(root, sid, extra=None, answer=None, choice=None):
    keys = record(root)["students"][sid]["keys"]
    nb = nbformat.read(root / "dist" / "students" / f"{sid}.ipynb", as_version=4)
    for cell in nb.cells:
        if "answer" in cell.metadata.get("tags", []):
            cell.source = (f"answer_ex1 = {answer if answer is not None else repr(keys['ex1'])}\n"
                           f"answer_ex2 = {choice if choice is not None else repr(keys['ex2'])}\n"
                           f"explain_ex2 = 'because'")
    if extra:
        nb.cells.append(nbformat.v4.new_code_cell(extra))
    return nb


def survivors():
    found = []
    for p in Path("/proc").iterdir():
        try:
            if p.name.isdigit() and MARK.encode() in (p / "cmdline").read_bytes():
                found.append(p.name)
        except OSError:
            pass
    return found


def attacks(root: Path, out: Path, protected: Path, home: Path) -> dict:
    r = repr
    return {
        # another kernel's connection file: look everywhere, connect, overwrite its answers
        "inject": (
            "import glob, os\n"
            "from jupyter_client import BlockingKernelClient\n"
            "hits = []\n"
            f"for pattern in ['/tmp/**/kernel-*.json', {r(str(home))} + '/**/kernel-*.json',"
            " os.path.expanduser('~/.local/share/jupyter/runtime/kernel-*.json'), '/run/**/kernel-*.json']:\n"
            "    hits += glob.glob(pattern, recursive=True)\n"
            "for f in hits:\n"
            "    try:\n"
            "        kc = BlockingKernelClient(connection_file=f); kc.load_connection_file(); kc.start_channels()\n"
            "        kc.execute('answer_ex1 = -1.0; answer_ex2 = None'); kc.stop_channels()\n"
            "    except Exception:\n"
            "        pass\n"
            "import socket\n"
            "for port in range(40000, 40050):\n"
            "    try:\n"
            "        socket.create_connection(('127.0.0.1', port), timeout=0.01).close()\n"
            "    except OSError:\n"
            "        pass"),
        # an IPython startup file in HOME (the sandbox's own, and the grader's by its real path)
        "startup": (
            "import os\n"
            f"for base in [os.path.expanduser('~'), {r(str(home))}]:\n"
            "    d = os.path.join(base, '.ipython', 'profile_default', 'startup')\n"
            "    try:\n"
            "        os.makedirs(d, exist_ok=True)\n"
            "        open(os.path.join(d, '00-win.py'), 'w').write('answer_ex1 = 1.0')\n"
            "    except OSError:\n"
            "        pass"),
        # a detached daemon that rewrites the grades after grading, plus setsid'd stragglers
        "daemon": (
            "import os, subprocess, time\n"
            f"for _ in range(5): subprocess.Popen(['setsid', 'sleep', {r(MARK)}])\n"
            "if os.fork() == 0:\n"
            "    os.setsid()\n"
            "    if os.fork() == 0:\n"
            "        os.closerange(0, 1024)\n"
            "        for _ in range(60):\n"
            "            time.sleep(0.25)\n"
            f"            for target in [{r(str(out))}, {r(str(root / 'daemon-was-here'))}]:\n"
            "                try:\n"
            "                    open(target, 'w').write('student,total\\nh1,0\\n')\n"
            "                except OSError:\n"
            "                    pass\n"
            f"        os.execvp('sleep', ['sleep', {r(MARK)}])\n"
            "    os._exit(0)\n"
            "time.sleep(0.5)"),
        # plant bytecode and a .pth into the grader's (protected) environment, edit a package file
        "planter": (
            "import os\n"
            f"p = {r(str(protected))}\n"
            "for path, text in [(os.path.join(p, 'site', 'zz_evil.pth'), 'import os'),\n"
            "                   (os.path.join(p, 'pkg', '__pycache__', 'mod.cpython-311.pyc'), 'x'),\n"
            "                   (os.path.join(p, 'pkg', 'mod.py'), 'VALUE = 666')]:\n"
            "    try:\n"
            "        os.makedirs(os.path.dirname(path), exist_ok=True); open(path, 'w').write(text)\n"
            "    except OSError:\n"
            "        pass\n"
            "import sys\n"
            "explain_ex2 = repr((sys.flags.isolated, sys.pycache_prefix, os.getuid(), sys.flags.no_user_site))"),
        # environment variables, command lines, the secret and the keys, into the feedback
        "exfil": (
            "import os, glob\n"
            "loot = [repr(dict(os.environ))]\n"
            "for f in glob.glob('/proc/*/cmdline') + glob.glob('/proc/*/environ'):\n"
            "    try: loot.append(open(f, 'rb').read().decode('utf-8', 'replace'))\n"
            "    except OSError: pass\n"
            f"for f in [{r(str(root / 'secret.key'))}, {r(str(root / 'dist' / 'instructor' / 'params.json'))}]:\n"
            "    try: loot.append(open(f).read())\n"
            "    except OSError as e: loot.append(str(e))\n"
            "answer_ex1 = ' '.join(loot)[:100000]\n"
            "explain_ex2 = answer_ex1"),
        # kill the process that runs this kernel
        "suicide": "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\nimport time; time.sleep(5)",
        # terminal escapes, a forged heading and HTML into the report and the instructor's terminal
        "ansi": (
            "answer_ex1 = '\\x1b[2J\\x1b[31m\\n# Forged heading\\n<script>alert(1)</script>| ok |'\n"
            "explain_ex2 = '\\x1b]0;pwned\\x07\\n## all grades: 5\\n<img src=x onerror=alert(1)>'\n"
            "raise RuntimeError('\\x1b[2J\\n# Grader says: everyone passes')"),
        # memory, processes and output without end
        "greedy": "hog = bytearray(6 * 10**9)",
        "forkbomb": (
            "import os\n"
            "n = 0\n"
            "try:\n"
            "    while n < 5000:\n"
            "        if os.fork() == 0:\n"
            f"            os.execvp('sleep', ['sleep', {r(MARK)}])\n"
            "        n += 1\n"
            "except OSError as e:\n"
            "    raise RuntimeError(f'stopped after {n} processes: {e}')"),
        "flood": "for _ in range(300):\n    print('x' * 100_000)",
    }


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    make_toy(root, HONEST + ATTACKERS)
    home = root / "grader-home"
    home.mkdir()
    protected = root / "env"
    (protected / "pkg").mkdir(parents=True)
    (protected / "site").mkdir()
    (protected / "pkg" / "mod.py").write_text("VALUE = 1\n")
    subs, out = root / "subs", root / "grades.csv"
    subs.mkdir()
    for sid in HONEST:
        nbformat.write(submission(root, sid), subs / f"{sid}.ipynb")
    for sid, code in attacks(root, out, protected, home).items():
        nbformat.write(submission(root, sid, extra=code), subs / f"{sid}.ipynb")
    # a file name built to inject into the report (it records no identity, so it is "unknown")
    evil = nbformat.v4.new_notebook()
    nbformat.write(evil, subs / "x\x1b[31m# Forged.ipynb")
    instructor_secret = "INSTRUCTOR-" + secrets.token_hex(8)
    env = {**os.environ, "HOME": str(home), "MLSYSIM_TEST_INSTRUCTOR_SECRET": instructor_secret,
           "AWS_SECRET_ACCESS_KEY": instructor_secret}
    script = ("import sys\nfrom mlsysim.course import grade as g\nfrom mlsysim.course.__main__ import main\n"
              f"orig = g.grade\ng.grade = lambda *a, **k: orig(*a, **{{**k, 'protected': [{str(protected)!r}], 'watch_package': False}})\n"
              "sys.exit(main(sys.argv[1:]))")
    before = {p: p.read_bytes() for p in protected.rglob("*") if p.is_file()}
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", script, "grade", "--submissions", str(subs),
                           "--params", str(root / "dist" / "instructor" / "params.json"),
                           "--secret-file", str(root / "secret.key"), "--out", str(out), "--timeout", "20",
                           "--jobs", "2", "--feedback", str(root / f"feedback-{instructor_secret}")],
                          capture_output=True, env=env, timeout=600)
    seconds = time.monotonic() - t0
    grades_at_exit = out.read_bytes() if out.exists() else b""
    time.sleep(3)                                          # give a surviving daemon time to act
    return {"root": root, "proc": proc, "out": out, "secret": instructor_secret, "before": before,
            "protected": protected, "home": home, "grades_at_exit": grades_at_exit, "seconds": seconds,
            "feedback": root / f"feedback-{instructor_secret}"}


def rows(text):
    return {line.split(",")[0]: line.split(",") for line in text.strip().splitlines()[1:]}


def test_honest_students_keep_full_marks(hostile):
    assert hostile["proc"].returncode == 3, hostile["proc"].stderr.decode()
    got = rows(hostile["out"].read_text())
    header = hostile["out"].read_text().splitlines()[0]
    assert header == "student,ex1,ex2,ex2:manual,late_penalty,total,status"
    for sid in HONEST:
        assert got[sid] == [sid, "1", "1", "", "0", "2", "ok"], got[sid]


def test_attackers_gain_nothing_and_are_named(hostile):
    got = rows(hostile["out"].read_text())
    assert got["suicide"][-1] == "infrastructure" and got["suicide"][5] == "0"
    for sid in ("exfil", "ansi"):
        assert float(got[sid][5]) < 2, got[sid]
    report = (hostile["feedback"] / "report.md").read_text()
    assert "## Infrastructure failures (exit status 3)" in report
    assert "- suicide: the worker ended without a result" in report and "tried 3 times" in report
    assert "error: 1 submission(s) could not be graded because of infrastructure failures: suicide" in \
        hostile["proc"].stderr.decode()


def test_limits_hold(hostile):
    fb = hostile["feedback"]
    assert "MemoryError" in (fb / "greedy.md").read_text()
    forks = (fb / "forkbomb.md").read_text()
    assert "stopped after" in forks and "Resource temporarily unavailable" in forks
    n = int(forks.split("stopped after ")[1].split(" ")[0])
    assert n < 128                                       # the per-sandbox process limit
    assert "more output than the grader keeps" in (fb / "flood.md").read_text()
    # kernels run isolated (-I), with their bytecode cache in the sandbox's /tmp, as an unprivileged uid
    loot = (fb / "explanations.csv").read_text()
    planter = next(line for line in loot.splitlines() if line.startswith("planter,"))
    isolated, prefix, uid, no_user_site = planter.split('"(')[1].split(')"')[0].split(", ")
    assert (isolated, prefix, no_user_site) == ("1", "'/tmp/pycache'", "1") and int(uid) >= 100_000


def test_nothing_outside_the_sandbox_changed(hostile):
    assert hostile["out"].read_bytes() == hostile["grades_at_exit"]          # the daemon did not rewrite it
    assert not (hostile["root"] / "daemon-was-here").exists()
    assert not (hostile["home"] / ".ipython").exists()                        # no startup file for next time
    now = {p: p.read_bytes() for p in hostile["protected"].rglob("*") if p.is_file()}
    assert now == hostile["before"]                                           # no .pth, no .pyc, no edit


def test_no_process_survives(hostile):
    assert survivors() == []


def test_no_instructor_secret_in_any_output(hostile):
    secret_key = (hostile["root"] / "secret.key").read_text().strip()
    rec = record(hostile["root"])
    keys = [repr(rec["students"][s]["keys"]["ex1"]) for s in rec["students"]]
    outputs = [hostile["proc"].stdout.decode(), hostile["proc"].stderr.decode(), hostile["out"].read_text()]
    outputs += [p.read_text() for p in hostile["feedback"].iterdir()]
    loot = (hostile["feedback"] / "explanations.csv").read_text()      # the explanation, in full
    assert "'HOME': '/tmp/home'" in loot and "No such file or directory" in loot   # it ran, saw only its sandbox
    for text in outputs:
        assert hostile["secret"] not in text.replace(str(hostile["feedback"]), "")
        assert secret_key not in text and "hmac-sha256" not in text
    for sid in ATTACKERS:
        fb = (hostile["feedback"] / f"{sid}.md").read_text()
        own = rec["students"][sid]["keys"]["ex1"]
        assert not any(k in fb for k in keys if k != repr(own)), sid        # nobody else's key


def test_student_text_is_inert_in_report_and_terminal(hostile):
    texts = [hostile["proc"].stdout.decode(), hostile["proc"].stderr.decode()]
    texts += [(hostile["feedback"] / n).read_text() for n in ("report.md", "ansi.md", "exfil.md", "explanations.csv")]
    for text in texts:
        assert "\x1b" not in text and "\x07" not in text
        if not text.startswith("student_id,"):                 # the CSV keeps text as text, minus controls
            assert "<script" not in text and "<img" not in text
            assert not any(line.startswith(("# Forged", "# Grader", "## all grades")) for line in text.splitlines())
    report = (hostile["feedback"] / "report.md").read_text()
    assert "x\ufffd\\[31m\\# Forged.ipynb" in report                          # listed, escaped, not obeyed


def test_tampered_record_is_refused(hostile, tmp_path, capsys):
    rec = record(hostile["root"])
    rec["exercises"][0]["tol"] = 0.5                      # widen the tolerance for everyone
    (tmp_path / "params.json").write_text(json.dumps(rec))
    subs = tmp_path / "subs"
    subs.mkdir()
    nbformat.write(submission(hostile["root"], "h1"), subs / "h1.ipynb")
    code = main(["grade", "--submissions", str(subs), "--params", str(tmp_path / "params.json"),
                 "--secret-file", str(hostile["root"] / "secret.key"), "--out", str(tmp_path / "g.csv")])
    err = capsys.readouterr().err
    assert code == 2 and "has been modified since `assign` wrote it" in err and err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["params.json", "subs"]
    del rec["signature"]
    (tmp_path / "params.json").write_text(json.dumps(rec))
    assert main(["grade", "--submissions", str(subs), "--params", str(tmp_path / "params.json"),
                 "--secret-file", str(hostile["root"] / "secret.key"), "--out", str(tmp_path / "g.csv")]) == 2
    assert "is not signed" in capsys.readouterr().err
    (tmp_path / "other.key").write_text("f" * 64)         # right record, wrong secret
    assert main(["grade", "--submissions", str(subs), "--params", str(hostile["root"] / "dist" / "instructor" /
                                                                     "params.json"),
                 "--secret-file", str(tmp_path / "other.key"), "--out", str(tmp_path / "g.csv")]) == 2
    assert "has been modified" in capsys.readouterr().err


def test_package_edit_names_the_culprit_without_sandbox(hostile, tmp_path, capsys):
    """Without the sandbox, a submission can edit the grader's files; the tripwire stops grading,
    names exactly that submission (one at a time) and writes nothing."""
    root = hostile["root"]
    protected = tmp_path / "env"
    protected.mkdir()
    (protected / "mod.py").write_text("VALUE = 1\n")
    subs = tmp_path / "subs"
    subs.mkdir()
    nbformat.write(submission(root, "h1"), subs / "h1.ipynb")
    nbformat.write(submission(root, "planter", extra=f"open({str(protected / 'mod.py')!r}, 'w').write('VALUE = 666')"),
                   subs / "planter.ipynb")
    nbformat.write(submission(root, "h2"), subs / "h2.ipynb")
    out = tmp_path / "g.csv"
    with pytest.raises(grade_mod.CourseError) as err:
        grade_mod.grade(subs, out, params=root / "dist" / "instructor" / "params.json",
                        secret_file=root / "secret.key", unsafe_no_sandbox=True, jobs=1, timeout=20,
                        protected=[protected], watch_package=False, progress=False, log=lambda *a: None)
    msg = str(err.value)
    assert "changed on disk while grading" in msg and "just finished: planter." in msg and "h1" not in msg
    assert not out.exists() and not (tmp_path / "g-feedback").exists()


def test_outside_change_is_reported_not_blamed_in_the_sandbox(hostile, tmp_path, monkeypatch):
    """With the sandbox, watched files are read-only to submissions: a change comes from outside
    (someone editing the package meanwhile) and is reported as a warning, blaming nobody."""
    subs = tmp_path / "subs"
    subs.mkdir()
    nbformat.write(submission(hostile["root"], "h1"), subs / "h1.ipynb")
    hashes = iter(["before", "after", "after"])
    monkeypatch.setattr(grade_mod, "_fingerprint", lambda *a: next(hashes))
    summary = grade_mod.grade(subs, tmp_path / "g.csv", params=hostile["root"] / "dist" / "instructor" / "params.json",
                              secret_file=hostile["root"] / "secret.key", timeout=20, progress=False,
                              log=lambda *a: None)
    assert summary["exit_status"] == 0 and summary["rows"][0]["total"] == 2
    assert "## Warnings\n\n- the mlsysim package, a .pth file or a protected path changed on disk while grading, " \
           "not by a submission (sandboxes mount them read-only); runs that started after h1 used the changed " \
           "files" in summary["report"]


def test_planted_pth_is_found_by_name(tmp_path):
    site = tmp_path / "site-packages"
    (site / "good-1.0.dist-info").mkdir(parents=True)
    (site / "good.pth").write_text("import os\n")
    import base64
    import hashlib

    digest = base64.urlsafe_b64encode(hashlib.sha256(b"import os\n").digest()).rstrip(b"=").decode()
    (site / "good-1.0.dist-info" / "RECORD").write_text(f"good.pth,sha256={digest},10\n")
    assert grade_mod.environment_problems([site]) == []
    (site / "zz_evil.pth").write_text("import evil\n")
    (site / "good.pth").write_text("import evil\n")
    problems = grade_mod.environment_problems([site])
    assert problems == [f"{site / 'good.pth'} differs from what pip installed",
                        f"{site / 'zz_evil.pth'} was not installed by pip (no package records it)"]
    assert grade_mod.environment_problems() == []              # the grader's own environment is clean


def test_no_sandbox_means_one_clear_refusal(hostile, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("shutil.which", lambda name: None)
    subs = tmp_path / "subs"
    subs.mkdir()
    nbformat.write(submission(hostile["root"], "h1"), subs / "h1.ipynb")
    code = main(["grade", "--submissions", str(subs), "--params", str(hostile["root"] / "dist" / "instructor" /
                                                                     "params.json"),
                 "--secret-file", str(hostile["root"] / "secret.key"), "--out", str(tmp_path / "g.csv")])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: no sandbox available: `bwrap` (bubblewrap) is not installed")
    assert "--unsafe-no-sandbox" in err and err.count("\n") == 1 and not (tmp_path / "g.csv").exists()
    with pytest.raises(SandboxUnavailable):
        Sandbox(bwrap=None).probe()
