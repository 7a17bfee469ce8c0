"""The merge worker (run with ``python -m`` by deploy/ship.start_merge, never in the app's process):
loads the base model, puts the run's adapter on it, folds it in with PEFT's
``merge_and_unload()`` and saves the plain model with the tokenizer. Its progress goes to a JSON
file that the app reads; the result lands in a partial folder renamed when complete.

usage: python -m trainpkg_app.deploy.merge_worker ADAPTER BASE REVISION OUT PROGRESS_FILE"""

from __future__ import annotations

import json
import os
import shutil
import sys
import traceback
from pathlib import Path


def _report(path: Path, state: str, progress: int, message: str) -> None:
    partial = path.with_suffix(".tmp")
    partial.write_text(
        json.dumps({"state": state, "progress": progress, "message": message, "pid": os.getpid()})
    )
    partial.replace(path)


def merge(adapter: Path, base_model: str, revision: str | None, out: Path, progress: Path) -> None:
    _report(progress, "running", 5, "Loading the libraries")
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    _report(progress, "running", 15, f"Loading the base model {base_model}")
    base = AutoModelForCausalLM.from_pretrained(base_model, revision=revision, dtype="auto")
    _report(progress, "running", 50, "Loading the adapter")
    model = PeftModel.from_pretrained(base, str(adapter))
    _report(progress, "running", 65, "Merging the adapter into the base (merge_and_unload)")
    merged = model.merge_and_unload()
    _report(progress, "running", 80, "Saving the merged model")
    partial = out.with_name(out.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    merged.save_pretrained(partial)
    AutoTokenizer.from_pretrained(str(adapter)).save_pretrained(partial)
    shutil.rmtree(out, ignore_errors=True)
    partial.rename(out)
    _report(progress, "done", 100, "Merged.")


def main(argv: list[str]) -> int:
    adapter, base_model, revision, out, progress = argv
    progress_path = Path(progress)
    try:
        merge(Path(adapter), base_model, revision or None, Path(out), progress_path)
    except Exception as error:
        traceback.print_exc()
        _report(progress_path, "failed", 0, f"The merge failed: {error}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
