"""The package's train.py imported as a module, with the core files copied beside it as the
package builder copies them."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

from trainpkg_app.core import chat_format, dataset_formats
from trainpkg_app.package.builder import TRAIN_SCRIPT


def runner_module(folder: Path):
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy2(TRAIN_SCRIPT, folder / "train.py")
    shutil.copy2(dataset_formats.__file__, folder / "formats.py")
    shutil.copy2(chat_format.__file__, folder / "chat_format.py")
    for name in ("formats", "chat_format"):
        sys.modules.pop(name, None)
    spec = importlib.util.spec_from_file_location(f"train_{id(folder)}", folder / "train.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
