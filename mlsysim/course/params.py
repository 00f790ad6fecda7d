"""Variant parameters: reproducible drawing, papermill-style injection, reading them back.

Nothing here needs a kernel, so everything is unit-tested directly.

* :func:`draw_variant` draws one student's exercise inputs.  The generator is
  ``numpy.random.default_rng`` seeded from ``(seed, notebook, student, parameter, attempt)``
  through SHA-256 (never Python's salted ``hash()``), so the same roster and seed give the same
  variants on every machine, a student's variant does not depend on who else is on the roster,
  and adding an input to a notebook does not change the values already drawn for the others.
* A *spec* is the plain dict that :class:`mlsysim.course.Draw` exports (``lo``, ``hi``, ``log``,
  ``integer``, ``sig``): values are uniform on ``[lo, hi]``, or log-uniform when ``log`` is true,
  then rounded to ``sig`` significant figures and kept inside the range.
* :func:`inject_parameters` does what papermill does: a cell tagged ``injected-parameters``
  right after the cell tagged ``parameters`` (replacing an earlier injected cell).
"""
from __future__ import annotations

import ast
import copy
import hashlib
import math
from numbers import Integral, Real

__all__ = [
    "INJECTED_TAG",
    "PARAMETERS_TAG",
    "assigned_values",
    "check_spec",
    "draw_value",
    "draw_variant",
    "find_tagged",
    "inject_parameters",
    "parameters_source",
    "rng_for",
    "round_sig",
    "stable_hash",
    "values_equal",
]

PARAMETERS_TAG = "parameters"
INJECTED_TAG = "injected-parameters"
_MASK64 = (1 << 64) - 1


# -- reproducible randomness -------------------------------------------------------------------
def stable_hash(text: str) -> int:
    """A 64-bit integer from the SHA-256 of ``text``: identical in every process and on every machine."""
    return int.from_bytes(hashlib.sha256(str(text).encode("utf-8")).digest()[:8], "big")


def rng_for(seed: int, *keys: str):
    """``numpy.random.default_rng`` seeded by ``seed`` and the stable hashes of ``keys``."""
    import numpy as np

    if isinstance(seed, bool) or not isinstance(seed, Integral) or seed < 0:
        raise ValueError(f"the seed must be a non-negative whole number, not {seed!r}")
    return np.random.default_rng([int(seed) & _MASK64, *(stable_hash(k) for k in keys)])


def round_sig(x: float, sig: int) -> float:
    """``x`` rounded to ``sig`` significant figures (``round_sig(0.0123456, 3) == 0.0123``)."""
    if x == 0 or not math.isfinite(x):
        return float(x)
    return float(f"{x:.{int(sig)}g}")


def check_spec(name: str, spec: dict) -> dict:
    """Validate one spec (as exported by ``Draw.spec()``); returns it. Raises ``ValueError``."""
    try:
        lo, hi = float(spec["lo"]), float(spec["hi"])
    except (KeyError, TypeError, ValueError):
        raise ValueError(f"variant input {name!r} needs numeric bounds lo and hi") from None
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo > hi:
        raise ValueError(f"variant input {name!r}: bounds must be finite with lo ≤ hi (got {lo}, {hi})")
    if spec.get("log") and lo <= 0:
        raise ValueError(f"variant input {name!r} is log-scaled and needs lo > 0 (got {lo})")
    if int(spec.get("sig", 3)) < 1:
        raise ValueError(f"variant input {name!r}: sig must be at least 1")
    return spec


def draw_value(spec: dict, rng):
    """One value for ``spec`` from the generator ``rng`` (see the module docstring)."""
    lo, hi = float(spec["lo"]), float(spec["hi"])
    if spec.get("integer"):
        ilo, ihi = math.ceil(lo), math.floor(hi)
        if spec.get("log"):
            x = math.exp(rng.uniform(math.log(max(ilo, 1e-300)), math.log(ihi + 1)))
            return int(min(max(math.floor(x), ilo), ihi))
        return int(rng.integers(ilo, ihi + 1))
    if lo == hi:
        return lo
    if spec.get("log"):
        x = math.exp(rng.uniform(math.log(lo), math.log(hi)))
    else:
        x = rng.uniform(lo, hi)
    x = round_sig(x, int(spec.get("sig", 3)))
    return min(max(x, lo), hi)


def draw_variant(specs: dict, seed: int, notebook: str, student: str, attempt: int = 0) -> dict:
    """Every input of one student's variant: ``{name: value}`` in the order of ``specs``.

    Each input has its own stream, keyed by notebook, student, input name and attempt number
    (attempts > 0 redraw a variant whose answer key turned out to be invalid).
    """
    out = {}
    for name, spec in specs.items():
        check_spec(name, spec)
        out[name] = draw_value(spec, rng_for(seed, notebook, str(student), name, f"attempt:{attempt}"))
    return out


def values_equal(a, b) -> bool:
    """Parameter values compare equal (exactly for text, to 1e-12 relative for numbers)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, Real) and isinstance(b, Real):
        return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=0.0)
    return a == b


# -- notebooks ------------------------------------------------------------------------------
def find_tagged(nb, tag: str) -> list[int]:
    """Indices of the cells carrying ``tag``."""
    return [i for i, c in enumerate(nb.cells) if tag in (c.get("metadata", {}).get("tags") or [])]


def _literal(value) -> str:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return repr(value)
    if isinstance(value, Integral):
        return repr(int(value))
    if isinstance(value, Real):
        v = float(value)
        if not math.isfinite(v):
            raise ValueError(f"cannot inject a non-finite parameter value {value!r}")
        return repr(v)
    if isinstance(value, (list, tuple, dict)):
        return repr(value)
    raise TypeError(f"cannot inject a parameter of type {type(value).__name__}: {value!r}")


def parameters_source(parameters: dict, comment: str = "Parameters") -> str:
    """The code of an injected cell: one ``name = literal`` line per parameter."""
    lines = [f"# {comment}"]
    for name, value in parameters.items():
        if not str(name).isidentifier():
            raise ValueError(f"parameter name {name!r} is not a Python identifier")
        lines.append(f"{name} = {_literal(value)}")
    return "\n".join(lines) + "\n"


def inject_parameters(nb, parameters: dict, comment: str = "Parameters"):
    """Return a copy of ``nb`` with ``parameters`` injected the way papermill does it.

    The new code cell is tagged ``injected-parameters`` and placed right after the first cell
    tagged ``parameters`` (at the top when there is none); an existing injected cell is replaced
    in place.  ``nb.metadata.papermill.parameters`` records the values, as papermill does.
    """
    import nbformat

    nb = copy.deepcopy(nb)
    cell = nbformat.v4.new_code_cell(source=parameters_source(parameters, comment))
    cell.metadata["tags"] = [INJECTED_TAG]
    cell.pop("id", None)
    injected = find_tagged(nb, INJECTED_TAG)
    if injected:
        nb.cells[injected[0]] = cell
        for extra in reversed(injected[1:]):
            del nb.cells[extra]
    else:
        tagged = find_tagged(nb, PARAMETERS_TAG)
        nb.cells.insert(tagged[0] + 1 if tagged else 0, cell)
    _ensure_cell_ids(nb)
    nb.metadata.setdefault("papermill", {})["parameters"] = dict(parameters)
    return nb


def _ensure_cell_ids(nb):
    """nbformat ≥ 4.5 wants a unique id on every cell; give new cells a deterministic one."""
    if (nb.get("nbformat"), nb.get("nbformat_minor", 0)) < (4, 5):
        return
    seen = set()
    for i, cell in enumerate(nb.cells):
        cid = cell.get("id")
        if not cid or cid in seen:
            cid = hashlib.sha256(f"{i}:{cell.get('source', '')}".encode()).hexdigest()[:8]
            while cid in seen:
                cid = hashlib.sha256(cid.encode()).hexdigest()[:8]
            cell["id"] = cid
        seen.add(cid)


def assigned_values(source: str) -> dict:
    """``{name: value}`` for the top-level ``name = <literal>`` statements of a parameters cell.

    Values that are not literals (``x = 2 * y``) are reported as the text ``"<expr: …>"`` so a
    comparison with a recorded value fails visibly.  Raises ``SyntaxError`` on unparsable code.
    """
    tree = ast.parse(source)
    out = {}
    for node in tree.body:
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        if value is None:                  # not an assignment: targets is empty, nothing to record
            continue
        for t in targets:
            if isinstance(t, ast.Name):
                try:
                    out[t.id] = ast.literal_eval(value)
                except (ValueError, SyntaxError, TypeError):
                    out[t.id] = f"<expr: {ast.unparse(value)}>"
    return out
