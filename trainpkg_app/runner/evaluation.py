"""The evaluation card of a run: the base model's and the fine-tuned model's eval loss on the
same held-out split (the Trainer's evaluate), perplexity, the relative improvement, and 8
greedy generations from held-out prompts, each answered by the base and the fine-tuned model,
with exact match and token-F1 for prompt/completion and chat data. Copied beside train.py
(with answer_scores.py) by the package builder; imports only the training libraries.

The base answers of an adapter come from PEFT's ``disable_adapter()`` context after training;
a full fine-tune's are generated before training, as nothing else keeps the base weights."""

from __future__ import annotations

import contextlib
import math
import os
import sys
import time

from answer_scores import mean_scores, perplexity, pick_samples, relative_improvement

SEED = 0  # generation is greedy; the seed only pins what a library might still draw
MAX_PROMPT_TOKENS = 512
NEW_TOKENS = (16, 128)  # a reference's length + 8, within these bounds
KEPT_CHARS = 2000  # per text on the card
BASE_PREFIX = "base_eval"  # the base evaluation's metric names (not a training log line)


def _finite(value) -> float | None:
    return float(value) if isinstance(value, int | float) and math.isfinite(value) else None


def is_adapter(model) -> bool:
    return hasattr(model, "disable_adapter") and hasattr(model, "peft_config")


def base_context(model):
    """The adapter switched off (PEFT's disable_adapter), or nothing for a full model."""
    return model.disable_adapter() if is_adapter(model) else contextlib.nullcontext()


class EvaluationCard:
    """Collects the card around trainer.train(): ``before`` and ``after`` it."""

    def __init__(self, raw_rows, tokenizer):
        """``raw_rows``: the held-out rows in TRL's shapes, before any tokenization."""
        self.tokenizer = tokenizer
        single = int(os.environ.get("WORLD_SIZE", "1")) == 1  # one process: it may generate
        self.samples = pick_samples(raw_rows) if single else []
        self.rows, self.base_loss, self.base_answers = len(raw_rows), None, None
        self.spent_s = 0.0  # what the card added to the run, said in its log
        self.failure: str | None = None
        self.scored = "text" not in raw_rows.column_names  # EM/F1: answers, not continuations

    def before(self, trainer) -> None:
        """The base model's eval loss (every rank: evaluation is collective) and, for a full
        fine-tune, its answers. A failure is kept for the card; the training goes on."""
        try:
            self._before(trainer)
        except Exception as error:  # out of memory, a model that cannot generate...
            self.failure = f"{type(error).__name__}: {error}"
            print(f"Evaluation card skipped: {self.failure}", file=sys.stderr, flush=True)

    def _before(self, trainer) -> None:
        started = time.monotonic()
        with base_context(trainer.model):
            measured = trainer.evaluate(metric_key_prefix=BASE_PREFIX)
        self.base_loss = _finite(measured.get(f"{BASE_PREFIX}_loss"))
        if not is_adapter(trainer.model) and trainer.is_world_process_zero():
            self.base_answers = self._answers(trainer.model)
        self.spent_s += time.monotonic() - started

    def after(self, trainer, tuned_loss: float | None) -> dict:
        """The card, once the fine-tuned eval loss is known; else why there is none."""
        if self.failure is None:
            try:
                return self._after(trainer, tuned_loss)
            except Exception as error:
                self.failure = f"{type(error).__name__}: {error}"
        return {"missing": f"The evaluation card could not be made: {self.failure}"[:300]}

    def _after(self, trainer, tuned_loss: float | None) -> dict:
        started, model = time.monotonic(), trainer.model
        tuned = self._answers(model)
        if self.base_answers is None:
            with base_context(model):
                self.base_answers = self._answers(model)
        self.spent_s += time.monotonic() - started
        print(f"Evaluation card: {self.spent_s:.1f} s (base eval, 2 x 8 answers).", flush=True)
        tuned_loss = _finite(tuned_loss)
        samples = [
            {
                "prompt": text[-KEPT_CHARS:],
                "reference": reference[:KEPT_CHARS],
                "base": base[:KEPT_CHARS],
                "tuned": answer[:KEPT_CHARS],
            }
            for (_, text, reference), base, answer in zip(
                self.samples, self.base_answers, tuned, strict=True
            )
        ]
        return {
            "base": {"eval_loss": self.base_loss, "perplexity": perplexity(self.base_loss)},
            "tuned": {"eval_loss": tuned_loss, "perplexity": perplexity(tuned_loss)},
            "improvement": relative_improvement(self.base_loss, tuned_loss),
            "eval_rows": self.rows,
            "samples": samples,
            "scores": {
                "base": mean_scores([(s["base"], s["reference"]) for s in samples]),
                "tuned": mean_scores([(s["tuned"], s["reference"]) for s in samples]),
            }
            if self.scored and samples
            else None,
            "decoding": {"greedy": True, "seed": SEED, "max_new_tokens": list(NEW_TOKENS)},
        }

    def _answers(self, model) -> list[str]:
        """Greedy answers to the sample prompts, in one batch (left-padded): greedy decoding
        gives the same first tokens whatever the budget, so each answer is cut at its own."""
        import torch
        from transformers import set_seed

        if not self.samples:
            return []
        prompts = [self._prompt_ids(given)[0] for given, _, _ in self.samples]
        budgets = [self._budget(reference) for _, _, reference in self.samples]
        width, pad = max(len(p) for p in prompts), self.tokenizer.pad_token_id
        ids = torch.full((len(prompts), width), pad, dtype=torch.long)
        mask = torch.zeros_like(ids)
        for row, prompt in enumerate(prompts):
            ids[row, width - len(prompt) :], mask[row, width - len(prompt) :] = prompt, 1
        was_training = model.training
        model.eval()
        try:
            set_seed(SEED)
            with torch.no_grad():
                out = model.generate(
                    input_ids=ids.to(model.device),
                    attention_mask=mask.to(model.device),
                    do_sample=False,
                    max_new_tokens=max(budgets),
                    pad_token_id=pad,
                )
        finally:
            model.train(was_training)
        return [self._text(out[row, width : width + budget]) for row, budget in enumerate(budgets)]

    def _budget(self, reference: str) -> int:
        """New tokens for an answer: the reference's length + 8, within NEW_TOKENS."""
        wanted = len(self.tokenizer(reference, add_special_tokens=False)["input_ids"]) + 8
        return min(max(wanted, NEW_TOKENS[0]), NEW_TOKENS[1])

    def _text(self, tokens) -> str:
        """The answer up to its first end-of-sequence token."""
        tokens = tokens.tolist()
        eos = self.tokenizer.eos_token_id
        if eos is not None and eos in tokens:
            tokens = tokens[: tokens.index(eos)]
        return self.tokenizer.decode(tokens, skip_special_tokens=True).strip()

    def _prompt_ids(self, given):
        """The prompt's tokens: the model's chat template for messages, else the text itself;
        at most the last MAX_PROMPT_TOKENS."""
        if isinstance(given, list):
            encoded = self.tokenizer.apply_chat_template(
                given, add_generation_prompt=True, return_dict=True, return_tensors="pt"
            )
            ids = encoded["input_ids"]
        else:
            ids = self.tokenizer(given, return_tensors="pt")["input_ids"]
        return ids[:, -MAX_PROMPT_TOKENS:]
