"""The playground's generation process: ``python -m trainpkg_app.deploy.playground_worker``.

It reads requests as JSON lines on stdin and writes events as JSON lines on its own copy of
stdout (libraries that print go to stderr). Each generation runs in its own thread, so several
prompts (users, models side by side) stream at once:

  in:  {"id", "op": "generate", "model": {base, revision, adapter, folder}, "messages",
        "sampling": {...}}  |  {"id", "op": "stop"}
  out: {"id", "event": "loading" | "token" (text) | "done" (tokens, ttft_s, seconds,
        stopped) | "error" (message)}

Loaded models stay in a cache keyed by their spec and are unloaded after IDLE_UNLOAD_S
without a prompt. Before loading, the model's memory need is compared with what this machine
has (core/playground.py); a model that does not fit is refused and never loaded."""

from __future__ import annotations

import gc
import json
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from trainpkg_app.core.model_shape import shape_from_config
from trainpkg_app.core.playground import (
    IDLE_UNLOAD_S,
    fit_refusal,
    memory_need_gb,
    new_token_budget,
    plain_prompt,
)

WEIGHT_SUFFIXES = (".safetensors", ".bin")
CONTEXT_FOR_CACHE = 4096  # tokens the KV cache is sized for when the model allows more


class Refused(Exception):
    """The model cannot be loaded here; the message says why and what to do."""


@dataclass
class Loaded:
    model: object
    tokenizer: object
    last_used: float = field(default_factory=time.monotonic)
    in_use: int = 0


def _device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def _available() -> tuple[float, str]:
    """Free memory (GB) where the model would go, and its name."""
    import torch

    if torch.cuda.is_available():
        free, _total = torch.cuda.mem_get_info()
        return free / 1e9, f"the GPU ({torch.cuda.get_device_name()})"
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) * 1024 / 1e9, "this machine"
    try:
        import psutil

        return psutil.virtual_memory().available / 1e9, "this machine"
    except ImportError:  # psutil is a test extra: the whole memory then
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9, "this machine"


def _weight_bytes(folder: Path) -> int:
    """The weights from_pretrained would read (safetensors when there are any)."""
    files = [p for p in folder.glob("*") if p.name.endswith(WEIGHT_SUFFIXES)]
    safetensors = [p for p in files if p.suffix == ".safetensors"]
    return sum(p.stat().st_size for p in (safetensors or files))


def _hub_weight_bytes(repo_id: str, revision: str | None) -> tuple[int, dict]:
    """A Hub model's weight bytes and config, without downloading its weights."""
    from huggingface_hub import HfApi, hf_hub_download, snapshot_download

    try:  # in the cache already: nothing is fetched
        folder = Path(snapshot_download(repo_id, revision=revision, local_files_only=True))
        if _weight_bytes(folder):
            return _weight_bytes(folder), _config(folder)
    except Exception:  # not cached (or only partly): ask the Hub for the file sizes
        pass
    info = HfApi().model_info(repo_id, revision=revision, files_metadata=True)
    sizes = {s.rfilename: s.size or 0 for s in info.siblings or [] if "/" not in s.rfilename}
    chosen = [n for n in sizes if n.endswith(".safetensors")] or [
        n for n in sizes if n.endswith(WEIGHT_SUFFIXES)
    ]
    config = Path(hf_hub_download(repo_id, "config.json", revision=revision))
    return sum(sizes[n] for n in chosen), json.loads(config.read_text())


def _config(folder: Path) -> dict:
    path = folder / "config.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def _need(spec: dict) -> float:
    if spec.get("folder"):
        folder = Path(spec["folder"])
        weights, config = _weight_bytes(folder), _config(folder)
    elif Path(spec["base"]).is_dir():
        weights, config = _weight_bytes(Path(spec["base"])), _config(Path(spec["base"]))
    else:
        weights, config = _hub_weight_bytes(spec["base"], spec.get("revision"))
    if spec.get("adapter"):
        weights += _weight_bytes(Path(spec["adapter"]))
    positions = config.get("max_position_embeddings") or config.get("n_positions")
    context = min(positions or CONTEXT_FOR_CACHE, CONTEXT_FOR_CACHE)
    return memory_need_gb(weights, shape_from_config(config), context)


def _load(spec: dict) -> Loaded:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    need = _need(spec)
    available, where = _available()
    refusal = fit_refusal(need, available, where)
    if refusal:
        raise Refused(refusal)
    source = spec.get("folder") or spec["base"]
    revision = None if spec.get("folder") else spec.get("revision")
    model = AutoModelForCausalLM.from_pretrained(source, revision=revision, dtype="auto")
    tokenizer_source, tokenizer_revision = source, revision
    if spec.get("adapter"):
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, spec["adapter"])
        if (Path(spec["adapter"]) / "tokenizer_config.json").is_file():  # as trained
            tokenizer_source, tokenizer_revision = spec["adapter"], None
    tokenizer = AutoTokenizer.from_pretrained(tokenizer_source, revision=tokenizer_revision)
    return Loaded(model=model.to(_device()).eval(), tokenizer=tokenizer)


class ModelCache:
    """Loaded models by spec, reused across prompts. One load at a time: from_pretrained is
    not thread-safe (two at once see each other's meta-device context), and each memory
    check must see what the load before it took."""

    def __init__(self, idle_s: float) -> None:
        self.idle_s = idle_s
        self.models: dict[str, Loaded] = {}
        self.lock = threading.Lock()
        self.load_lock = threading.Lock()

    def acquire(self, spec: dict) -> Loaded:
        key = json.dumps(spec, sort_keys=True)
        with self.load_lock:
            with self.lock:
                loaded = self.models.get(key)
            if loaded is None:
                loaded = _load(spec)
                with self.lock:
                    self.models[key] = loaded
            with self.lock:
                loaded.in_use += 1
                loaded.last_used = time.monotonic()
            return loaded

    def release(self, loaded: Loaded) -> None:
        with self.lock:
            loaded.in_use -= 1
            loaded.last_used = time.monotonic()

    def unload_idle(self) -> list[str]:
        now = time.monotonic()
        with self.lock:
            idle = [
                key
                for key, loaded in self.models.items()
                if not loaded.in_use and now - loaded.last_used > self.idle_s
            ]
            for key in idle:
                del self.models[key]
        if idle:
            gc.collect()
            import torch

            if torch.cuda.is_available():
                torch.cuda.empty_cache()
        return idle


def _streamer(tokenizer):
    """A TextIteratorStreamer that hands on each token's text as soon as it decodes (the stock
    one holds text back until a word ends, so a model that writes no spaces would seem
    silent until it is done)."""
    from transformers import TextIteratorStreamer

    class TokenStreamer(TextIteratorStreamer):
        def put(self, value) -> None:
            if len(value.shape) > 1:
                value = value[0]
            if self.skip_prompt and self.next_tokens_are_prompt:
                self.next_tokens_are_prompt = False
                return
            self.token_cache.extend(value.tolist())
            text = self.tokenizer.decode(self.token_cache, **self.decode_kwargs)
            if text.endswith("\ufffd"):  # half a character: wait for the rest of it
                return
            printable = text[self.print_len :]
            if text.endswith("\n"):
                self.token_cache, self.print_len = [], 0
            else:
                self.print_len = len(text)
            self.on_finalized_text(printable)

    return TokenStreamer(tokenizer, skip_prompt=True, skip_special_tokens=True)


def _prompt_ids(tokenizer, messages: list[dict]):
    if getattr(tokenizer, "chat_template", None):
        return tokenizer.apply_chat_template(
            messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
        )
    return tokenizer(plain_prompt(messages), return_tensors="pt")


def _max_positions(model) -> int | None:
    config = model.config
    return getattr(config, "max_position_embeddings", None) or getattr(config, "n_positions", None)


class Worker:
    def __init__(self, channel, idle_s: float = IDLE_UNLOAD_S) -> None:
        self.channel = channel
        self.write_lock = threading.Lock()
        self.cache = ModelCache(idle_s)
        self.stops: dict[str, threading.Event] = {}

    def emit(self, event: dict) -> None:
        with self.write_lock:
            self.channel.write(json.dumps(event) + "\n")
            self.channel.flush()

    def handle(self, request: dict) -> None:
        if request.get("op") == "stop":
            flag = self.stops.get(request.get("id", ""))
            if flag:
                flag.set()
        elif request.get("op") == "generate":
            self.stops[request["id"]] = threading.Event()
            threading.Thread(target=self.generate, args=(request,), daemon=True).start()

    def generate(self, request: dict) -> None:
        rid = request["id"]
        try:
            self.emit({"id": rid, "event": "loading"})
            loaded = self.cache.acquire(request["model"])
            try:
                self.emit({"id": rid, "event": "done", **self._stream(rid, loaded, request)})
            finally:
                self.cache.release(loaded)
        except Refused as refused:
            self.emit({"id": rid, "event": "error", "message": str(refused)})
        except Exception as error:  # the message names the cause; the worker goes on
            message = f"Generation failed: {type(error).__name__}: {error}"
            self.emit({"id": rid, "event": "error", "message": message[:1000]})
        finally:
            self.stops.pop(rid, None)

    def _stream(self, rid: str, loaded: Loaded, request: dict) -> dict:
        from transformers import StoppingCriteria, StoppingCriteriaList

        flag = self.stops[rid]

        class StopFlag(StoppingCriteria):
            def __call__(self, input_ids, scores, **kwargs) -> bool:
                return flag.is_set()

        model, tokenizer = loaded.model, loaded.tokenizer
        inputs = _prompt_ids(tokenizer, request["messages"]).to(model.device)
        prompt_tokens = inputs["input_ids"].shape[-1]
        sampling = dict(request["sampling"])
        sampling["max_new_tokens"] = new_token_budget(
            sampling["max_new_tokens"], prompt_tokens, _max_positions(model)
        )
        if not sampling["max_new_tokens"]:
            raise Refused("The conversation fills this model's context: press Clear.")
        streamer = _streamer(tokenizer)
        outcome: dict = {}

        def run() -> None:
            try:
                outcome["ids"] = model.generate(
                    **inputs,
                    **sampling,
                    streamer=streamer,
                    stopping_criteria=StoppingCriteriaList([StopFlag()]),
                    pad_token_id=tokenizer.pad_token_id or tokenizer.eos_token_id,
                )
            except Exception as error:
                outcome["error"] = error
                streamer.end()

        started, first, shown = time.perf_counter(), None, 0
        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        for text in streamer:
            if text:
                first, shown = first or time.perf_counter(), shown + len(text)
                self.emit({"id": rid, "event": "token", "text": text})
        thread.join()
        if "error" in outcome:
            raise outcome["error"]
        seconds = time.perf_counter() - started
        return {
            "tokens": int(outcome["ids"].shape[-1] - prompt_tokens),
            "ttft_s": round((first or time.perf_counter()) - started, 4),
            "seconds": round(seconds, 4),
            "stopped": flag.is_set(),
            "shown": shown,
        }

    def unload_loop(self, every_s: float) -> None:
        while True:
            time.sleep(every_s)
            self.cache.unload_idle()


def _import_the_libraries() -> None:
    """Before any generation thread starts: transformers imports its classes lazily, and two
    threads importing the same one at once can see it half done (an ImportError)."""
    import peft  # noqa: F401
    import torch  # noqa: F401
    from transformers import (  # noqa: F401
        AutoModelForCausalLM,
        AutoTokenizer,
        StoppingCriteria,
        StoppingCriteriaList,
        TextIteratorStreamer,
    )
    from transformers.generation.streamers import BaseStreamer  # noqa: F401


def main() -> None:
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # whatever a library prints lands in the log, not in the event stream
    sys.stdout = sys.stderr
    _import_the_libraries()
    idle_s = float(os.environ.get("TRAINPKG_PLAYGROUND_IDLE_S", IDLE_UNLOAD_S))
    worker = Worker(channel, idle_s)
    threading.Thread(target=worker.unload_loop, args=(min(30.0, idle_s),), daemon=True).start()
    worker.emit({"id": "", "event": "ready"})
    for line in sys.stdin:
        if line.strip():
            worker.handle(json.loads(line))


if __name__ == "__main__":
    main()
