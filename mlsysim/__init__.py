"""mlsysim — the executable ML Operations chapter's own library.

Importing the package is cheap: units (pint), plotting (matplotlib) and widgets (ipywidgets) load
only when first used.  The public pieces:

* ``mlsysim.core.constants`` – units (lazy pint registry) and plain constants
* ``mlsysim.fmt`` – number formatting for prose; ``check``/``claim`` guards
* ``mlsysim.calc`` – ``Param`` and ``Calculation``, the LEGO contract
* ``mlsysim.widgets`` – ``explore(...)`` explorers
* ``mlsysim.viz`` – plotting style, palette, diagram helpers
* ``mlsysim.models.*`` – tested formulas by topic
"""
__version__ = "0.1.0"

_LAZY = {
    "Param": ("mlsysim.calc", "Param"), "Calculation": ("mlsysim.calc", "Calculation"),
    "ParamError": ("mlsysim.calc", "ParamError"), "GuardError": ("mlsysim.fmt", "GuardError"),
    "ClaimError": ("mlsysim.fmt", "ClaimError"),
    "fmt": ("mlsysim.fmt", "fmt"), "check": ("mlsysim.fmt", "check"), "claim": ("mlsysim.fmt", "claim"),
    "explore": ("mlsysim.widgets", "explore"),
}


def __getattr__(name):
    import importlib

    if name in _LAZY:
        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value
        return value
    if name in ("viz", "widgets", "calc", "core", "models", "course"):
        return importlib.import_module(f"mlsysim.{name}")
    raise AttributeError(f"module 'mlsysim' has no attribute {name!r}")
