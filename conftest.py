"""Root conftest: loads the book's nbval extension for every pytest run (`make test`, `make nbval`)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "tests"))

pytest_plugins = ["nbval_inline"]
