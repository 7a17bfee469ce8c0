"""The import contract that `make lint` checks: no cycle (late imports count), layers in order."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("check_imports", ROOT / "scripts/check_imports.py")
check = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check)


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, body in {"__init__.py": "", "core/__init__.py": "", "state/__init__.py": ""}.items():
        files.setdefault(name, body)
    for name, body in files.items():
        path = tmp_path / "trainpkg_app" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body)
    return tmp_path


def test_the_app_has_no_cycle_and_keeps_its_layers():
    edges = check.graph(ROOT)
    assert "trainpkg_app.state.drafts" in edges
    assert check.cycles(edges) == []
    assert check.layer_violations(edges) == []


def test_a_cycle_hidden_in_a_function_is_found(tmp_path):
    root = _tree(
        tmp_path,
        {
            "state/a.py": "from trainpkg_app.state.b import B\n",
            "state/b.py": "def late():\n    from trainpkg_app.state import a\n",
        },
    )
    assert check.cycles(check.graph(root)) == [["trainpkg_app.state.a", "trainpkg_app.state.b"]]


def test_a_core_module_importing_a_state_breaks_the_layers(tmp_path):
    rule = "from .. import state\nfrom ..state import s\n"
    root = _tree(tmp_path, {"core/rule.py": rule, "state/s.py": ""})
    assert check.layer_violations(check.graph(root)) == [
        "trainpkg_app.core.rule imports trainpkg_app.state, a higher layer",
        "trainpkg_app.core.rule imports trainpkg_app.state.s, a higher layer",
    ]


def test_every_link_is_provided_once_the_pages_load():
    """A link nobody provides fails at the first event that fires it: catch it here."""
    import trainpkg_app.pages.training  # noqa: F401  (imports every state the app uses)
    from trainpkg_app.state import links

    declared = {name: v for name, v in vars(links).items() if isinstance(v, links.Link)}
    assert declared, "no link found: the test looks in the wrong place"
    for name, link in declared.items():
        assert link.get() is not None, name
