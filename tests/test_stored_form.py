"""The repository keeps notebooks in their stored form (mlsysim.nbrun.stored_form): text a reviewer can
read, written byte for byte as nbformat (and so JupyterLab) writes it. A notebook saved with images,
widget state or another serialisation fails here, before it bloats a diff or makes JupyterLab mark the
notebook modified on opening."""
import copy
from pathlib import Path

import nbformat
import pytest

from mlsysim.nbrun import KERNELSPEC, STORED_MIME, stored_form

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_in_stored_form(path):
    text = path.read_text(encoding="utf-8")
    nb = nbformat.reads(text, as_version=4)
    assert "widgets" not in nb.metadata, "widget state is generated data: re-run `make execute`"
    assert nb.metadata.get("kernelspec") == KERNELSPEC
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            extra = set(out.get("data", {})) - set(STORED_MIME)
            assert not extra, f"cell {i} stores {sorted(extra)}: re-run `make execute`"
    assert stored_form(copy.deepcopy(nb), nb.metadata.get("language_info")) == nb
    assert nbformat.writes(nb) + "\n" == text, "not serialised as nbformat/JupyterLab writes it"


def test_stored_form_strips_generated_data():
    nb = nbformat.v4.new_notebook(metadata={"widgets": {"x": 1}, "kernelspec": {"name": "python3", "display_name": "Python 3"}})
    code = nbformat.v4.new_code_cell("f()", outputs=[
        nbformat.v4.new_output("display_data", data={"image/png": "iVBOR", "text/plain": "<Figure>"},
                               metadata={"image/png": {"width": 500}}),
        nbformat.v4.new_output("display_data", data={"image/svg+xml": "<svg/>"}),
        nbformat.v4.new_output("execute_result", data={
            "application/vnd.jupyter.widget-view+json": {"model_id": "abc"}, "text/plain": "Explorer"}),
    ])
    md = nbformat.v4.new_markdown_cell("{eval}`x`", metadata={"user_expressions": [
        {"expression": "x", "result": {"status": "ok", "data": {"text/plain": "1", "text/html": "<b>1</b>"},
                                       "metadata": {"a": 1}}}]})
    nb.cells = [code, md]
    stored_form(nb, {"name": "python"})
    assert [o["data"] for o in code.outputs] == [{"text/plain": "<Figure>"}, {"text/plain": "Explorer"}]
    assert all(o["metadata"] == {} for o in code.outputs)
    assert md.metadata["user_expressions"][0]["result"] == {"status": "ok", "data": {"text/plain": "1"},
                                                             "metadata": {}}
    assert "widgets" not in nb.metadata and nb.metadata["kernelspec"] == KERNELSPEC
    assert nb.metadata["language_info"] == {"name": "python"}
