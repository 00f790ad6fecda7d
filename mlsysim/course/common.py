"""Shared pieces of the instructor commands: errors, roster, notebooks, atomic output."""
from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import os
import re
import secrets
import shutil
import tempfile
import unicodedata
from pathlib import Path

__all__ = [
    "ID_COLUMN",
    "SECRET_ENV",
    "STUDENT_ID",
    "CourseError",
    "atomic_dir",
    "atomic_file",
    "load_secret",
    "read_notebook_bytes",
    "read_roster",
    "read_roster_table",
    "safe_text",
    "secret_path",
    "sha256",
    "sign_record",
    "verify_record",
]

ID_COLUMN = "student_id"
STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


class CourseError(Exception):
    """A problem with the instructor's inputs. The CLI prints the message and exits non-zero."""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_roster(path) -> list[str]:
    """Student ids from a roster CSV (see :func:`read_roster_table`)."""
    return read_roster_table(path)[0]


def read_roster_table(path) -> tuple[list[str], dict]:
    """``(ids, {id: {column: value}})`` from a CSV with a ``student_id`` column.

    Other columns (name, email, LMS ids, section) are kept for the LMS exports.
    Student ids from a CSV with a ``student_id`` column (other columns are ignored).

    Refuses — with one clear message — a missing or unreadable file, a file that is not valid
    UTF-8 CSV, rows with a different number of fields than the header, a missing column, an empty
    roster, empty or unusable ids (they become file names) and duplicate ids.
    """
    path = Path(path)
    if not path.is_file():
        raise CourseError(f"roster {path} does not exist (expected a CSV file with a '{ID_COLUMN}' column)")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CourseError(f"roster {path} is not a UTF-8 text file; save it as CSV (UTF-8)") from None
    if "\x00" in text:
        raise CourseError(f"roster {path} is malformed: it contains NUL bytes (is it a spreadsheet, not CSV?)")
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as exc:
        raise CourseError(f"roster {path} is malformed CSV: {exc}") from None
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise CourseError(f"roster {path} is empty: it needs a header row with '{ID_COLUMN}' and one row per student")
    header = [h.strip() for h in rows[0]]
    if ID_COLUMN not in header:
        raise CourseError(f"roster {path} has no '{ID_COLUMN}' column (found: {', '.join(header) or 'nothing'})")
    col = header.index(ID_COLUMN)
    ids: list[str] = []
    seen: dict[str, int] = {}
    table: dict[str, dict[str, str]] = {}
    for lineno, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise CourseError(f"roster {path} is malformed: line {lineno} has {len(row)} fields, "
                              f"the header has {len(header)}")
        sid = row[col].strip()
        if not sid:
            raise CourseError(f"roster {path}: line {lineno} has an empty {ID_COLUMN}")
        if not STUDENT_ID.fullmatch(sid):
            raise CourseError(f"roster {path}: line {lineno}: student id {sid!r} must be 1–64 letters, digits, "
                              f"'.', '_' or '-' (it becomes a file name)")
        if sid in seen:
            raise CourseError(f"roster {path}: duplicate student id {sid!r} (lines {seen[sid]} and {lineno})")
        seen[sid] = lineno
        ids.append(sid)
        table[sid] = {h: v.strip() for h, v in zip(header, row) if h and h != ID_COLUMN}
    if not ids:
        raise CourseError(f"roster {path} is empty: it has a header but no students")
    return ids, table


def read_notebook_bytes(path) -> bytes:
    """The bytes of an instructor notebook, or a CourseError saying why not."""
    path = Path(path)
    if path.suffix != ".ipynb":
        raise CourseError(f"{path} is not a notebook (.ipynb)")
    if not path.is_file():
        raise CourseError(f"notebook {path} does not exist")
    return path.read_bytes()


class atomic_dir:
    """Context manager: build a directory in a temporary sibling, rename it into place on success.

    On error the temporary directory is removed and ``target`` is left as it was.  With
    ``replace=True`` an existing ``target`` is swapped out (and then removed) only at the end.
    """

    def __init__(self, target, replace: bool = False):
        self.target = Path(target)
        self.replace = replace

    def __enter__(self) -> Path:
        parent = self.target.resolve().parent
        if not parent.is_dir():
            raise CourseError(f"cannot write {self.target}: folder {parent} does not exist")
        if self.target.exists() and not self.replace:
            if not self.target.is_dir() or any(self.target.iterdir()):
                raise CourseError(f"{self.target} already exists and is not empty; choose another --out "
                                  f"or pass --force to replace it")
        self.tmp = Path(tempfile.mkdtemp(prefix=f".{self.target.name}.", dir=parent))
        return self.tmp

    def __exit__(self, etype, exc, tb):
        if etype is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            return False
        old = None
        if self.target.exists():
            old = self.target.with_name(f".{self.target.name}.old-{os.getpid()}")
            os.replace(self.target, old)
        os.replace(self.tmp, self.target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True) if old.is_dir() else old.unlink()
        return False


def atomic_file(target, data: str | bytes) -> None:
    """Write ``data`` to ``target`` through a temporary file in the same folder and a rename."""
    target = Path(target)
    parent = target.resolve().parent
    if not parent.is_dir():
        raise CourseError(f"cannot write {target}: folder {parent} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


# -- the instructor's secret and signed records -------------------------------------------------
SECRET_ENV = "MLSYSIM_COURSE_SECRET_FILE"


def secret_path(arg=None) -> Path:
    """Where the signing secret lives: ``--secret-file``, else ``$MLSYSIM_COURSE_SECRET_FILE``, else
    ``~/.config/mlsysim-course/secret.key`` — never inside an assignment folder."""
    if arg:
        return Path(arg).expanduser()
    if os.environ.get(SECRET_ENV):
        return Path(os.environ[SECRET_ENV]).expanduser()
    return Path.home() / ".config" / "mlsysim-course" / "secret.key"


def load_secret(path, create: bool = False, forbidden=()) -> bytes:
    """The secret bytes; with ``create`` a new random secret is written (mode 0600) if none exists.

    ``forbidden`` lists folders the secret must not be inside (the assignment or submissions)."""
    path = Path(path)
    for folder in forbidden:
        folder = Path(folder).resolve()
        if path.resolve() == folder or folder in path.resolve().parents:
            raise CourseError(f"the signing secret {path} must be kept outside {folder} "
                              f"(it would be handed out or readable by submissions); use --secret-file")
    if not path.exists():
        if not create:
            raise CourseError(f"the signing secret {path} does not exist: grade with the same --secret-file "
                              f"(or ${SECRET_ENV}) that assign used")
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32) + "\n")
    data = path.read_bytes().strip()
    if len(data) < 32:
        raise CourseError(f"the signing secret {path} is too short (at least 32 characters)")
    return data


def _canonical(record: dict) -> bytes:
    body = {k: v for k, v in record.items() if k != "signature"}
    return json.dumps(body, sort_keys=True, ensure_ascii=True, separators=(",", ":")).encode()


def sign_record(record: dict, secret: bytes) -> dict:
    record = dict(record)
    record["signature"] = "hmac-sha256:" + hmac.new(secret, _canonical(record), hashlib.sha256).hexdigest()
    return record


def verify_record(record: dict, secret: bytes, path) -> None:
    """Raise a CourseError unless ``record`` carries a valid signature made with ``secret``."""
    sig = record.get("signature")
    if not isinstance(sig, str) or not sig.startswith("hmac-sha256:"):
        raise CourseError(f"{path} is not signed; it was not written by `assign` (or was edited): refusing to grade")
    good = hmac.new(secret, _canonical(record), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(sig.split(":", 1)[1], good):
        raise CourseError(f"{path} has been modified since `assign` wrote it (its signature does not match): "
                          f"refusing to grade. Restore the original file; do not edit tolerances, points or "
                          f"keys by hand — change the notebook and run assign again")


# -- text a student controls, on its way to a report or a terminal ------------------------------
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~$])")


def safe_text(value, limit: int = 300) -> str:
    """One line of inert text: control characters (ANSI escapes included) and line breaks become
    visible placeholders, markdown specials are backslash-escaped, ``& < >`` become HTML entities,
    and it is cut to ``limit``."""
    text = str(value)
    out = []
    for ch in text:
        if ch in "\n\r":
            out.append(" ⏎ ")
        elif ch == "\t":
            out.append(" ")
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            out.append("\ufffd")
        else:
            out.append(ch)
    text = "".join(out)
    if len(text) > limit:
        text = text[:limit] + "…"
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
