"""A tiny GPT-2 and tokenizer in the Hugging Face cache layout, so that the real
``from_pretrained("org/name")`` loads it offline (no PyPI package ships a tiny causal LM)."""

from __future__ import annotations

from pathlib import Path

TINY_MODEL_ID = "trainpkg-tests/tiny-gpt2"
SNAPSHOT = "0123456789abcdef0123456789abcdef01234567"
CORPUS = [
    "The quick brown fox jumps over the lazy dog.",
    "A training package bundles a model, a config, datasets and a target.",
    "Question: what is two plus two? Answer: four.",
] * 20


def build_tiny_model(cache_dir: Path, model_id: str = TINY_MODEL_ID) -> Path:
    """Write config, weights and tokenizer under ``cache_dir``; return the snapshot folder."""
    from tokenizers import ByteLevelBPETokenizer
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    repo = cache_dir / f"models--{model_id.replace('/', '--')}"
    snapshot = repo / "snapshots" / SNAPSHOT
    snapshot.mkdir(parents=True, exist_ok=True)
    (repo / "refs").mkdir(exist_ok=True)
    (repo / "refs" / "main").write_text(SNAPSHOT)

    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(
        CORPUS, vocab_size=300, min_frequency=1, special_tokens=["<|endoftext|>"]
    )
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe,
        eos_token="<|endoftext|>",
        pad_token="<|endoftext|>",
        bos_token="<|endoftext|>",
    )
    tokenizer.save_pretrained(snapshot)
    config = GPT2Config(
        vocab_size=len(tokenizer),
        n_positions=128,
        n_embd=64,
        n_layer=2,
        n_head=2,
        bos_token_id=tokenizer.eos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    GPT2LMHeadModel(config).save_pretrained(snapshot)
    return snapshot


CHAT_TEMPLATE = "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}{% endfor %}"


def hub_tiny_model(hub, scratch: Path) -> Path:
    """The tiny model, with a chat template, as a model repo of the fake Hub at SNAPSHOT (a
    Space or Job downloads it from there); returns its local folder."""
    from transformers import AutoTokenizer

    folder = build_tiny_model(scratch / "hub-model")
    tokenizer = AutoTokenizer.from_pretrained(folder)
    tokenizer.chat_template = CHAT_TEMPLATE
    tokenizer.save_pretrained(folder)
    hub.repo_service.add_folder("model", TINY_MODEL_ID, folder, SNAPSHOT)
    return folder
