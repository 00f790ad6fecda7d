"""The build side of going live (_ext/live_explorers.py): which kernel sources a page's config names.

The browser tests (test_browser_live*.py) exercise what the page does with each source; these check that
``_config.yml`` settings reach the page: the course's JupyterHub only when ``jupyterhub_url`` is set (empty
by default: no hub at all), Binder from ``binderhub_url`` + the repository, and a bad hub address stops
the build with a message naming the setting.
"""
from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from sphinx.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "_ext"))
import live_explorers  # noqa: E402


def app(jupyterhub_url="", live_kernels=None, binderhub_url="https://mybinder.org"):
    theme = {"repository_url": "https://github.com/mlsysbook/ml-operations-executable", "repository_branch": "main",
             "launch_buttons": {"jupyterhub_url": jupyterhub_url, "binderhub_url": binderhub_url}}
    return SimpleNamespace(config=SimpleNamespace(html_theme_options=theme,
                                                  live_kernels=live_kernels or {"binder": True, "hub": True}))


def test_the_books_config_has_no_hub_by_default():
    cfg = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert cfg["launch_buttons"]["jupyterhub_url"] == ""
    assert cfg["sphinx"]["config"]["live_kernels"] == {"binder": True, "hub": True}


def test_no_hub_url_means_no_hub():
    assert live_explorers.hub_options(app("")) is None
    assert live_explorers.hub_options(app("  ")) is None


def test_a_hub_url_reaches_the_page_with_a_trailing_slash():
    assert live_explorers.hub_options(app("https://hub.example.edu")) == {"url": "https://hub.example.edu/"}
    assert live_explorers.hub_options(app("https://x.edu/jupyter/")) == {"url": "https://x.edu/jupyter/"}


def test_hub_false_turns_it_off():
    assert live_explorers.hub_options(app("https://hub.example.edu", {"binder": True, "hub": False})) is None


def test_a_hub_address_without_scheme_stops_the_build_with_the_setting_named():
    with pytest.raises(ConfigError, match="jupyterhub_url"):
        live_explorers.hub_options(app("hub.example.edu"))


def test_binder_comes_from_binderhub_url_and_the_repository():
    assert live_explorers.binder_options(app(binderhub_url="https://binder.example.edu/")) == {
        "repo": "mlsysbook/ml-operations-executable", "ref": "main",
        "binderUrl": "https://binder.example.edu", "repoProvider": "github"}
    assert live_explorers.binder_options(app(live_kernels={"binder": False})) is None
