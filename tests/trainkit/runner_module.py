"""The package's train.py imported as a module, with the core files copied beside it as the
package builder copies them."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from trainpkg_app.package.builder import RUNNER_FILES, copy_runner


def runner_module(folder: Path):
    folder.mkdir(parents=True, exist_ok=True)
    copy_runner(folder)
    for name in RUNNER_FILES:  # the modules of another copy, imported earlier
        sys.modules.pop(name.removesuffix(".py"), None)
    spec = importlib.util.spec_from_file_location(f"train_{id(folder)}", folder / "train.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
