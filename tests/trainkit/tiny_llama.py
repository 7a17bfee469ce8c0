"""A tiny Llama-architecture model whose tokenizer knows the ChatML and Llama 3 special tokens,
saved to a local folder (built in memory by each test run, never committed)."""

from __future__ import annotations

from pathlib import Path

from tests.trainkit.tiny_model import CORPUS

SPECIAL = [
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|begin_of_text|>",
    "<|start_header_id|>",
    "<|end_header_id|>",
    "<|eot_id|>",
    "<start_of_turn>",
    "<end_of_turn>",
]


def tiny_chat_tokenizer(chat_template: str | None = None):
    """A byte-level BPE tokenizer with the chat tokens, and ``chat_template`` when given."""
    from tokenizers import ByteLevelBPETokenizer
    from transformers import PreTrainedTokenizerFast

    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(CORPUS, vocab_size=320, min_frequency=1, special_tokens=SPECIAL)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe,
        eos_token="<|endoftext|>",
        pad_token="<|endoftext|>",
        bos_token="<|begin_of_text|>",
    )
    tokenizer.chat_template = chat_template
    return tokenizer


def tiny_llama_model(vocab_size: int, **overrides):
    """A randomly initialised Llama-architecture model: 2 layers, 64 wide unless overridden."""
    from transformers import LlamaConfig, LlamaForCausalLM

    settings = {
        "vocab_size": vocab_size,
        "hidden_size": 64,
        "intermediate_size": 128,
        "num_hidden_layers": 2,
        "num_attention_heads": 2,
        "num_key_value_heads": 2,
        "max_position_embeddings": 256,
    }
    return LlamaForCausalLM(LlamaConfig(**settings | overrides))


def build_tiny_llama(folder: Path, chat_template: str | None = None) -> Path:
    """Config, random weights and tokenizer of a 2-layer, 64-wide Llama in ``folder``."""
    tokenizer = tiny_chat_tokenizer(chat_template)
    model = tiny_llama_model(
        len(tokenizer),
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
