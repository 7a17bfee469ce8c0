"""Packed rows do not attend to each other: a tiny Llama gives the same logits for two rows
packed by TRL's padding-free collator (position_ids restart at 0, no attention mask) as for
each row alone, with sdpa and with eager attention (core/throughput.py relies on it)."""

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("trl", reason="the training libraries come with the train extra")

from tests.trainkit.tiny_llama import tiny_llama_model  # noqa: E402

ROWS = [[5, 17, 3, 44, 9], [12, 7, 30, 2, 61, 8, 19]]


def tiny_llama(attention: str):
    torch.manual_seed(0)
    return tiny_llama_model(
        64,
        hidden_size=32,
        intermediate_size=64,
        num_attention_heads=4,
        max_position_embeddings=64,
        attn_implementation=attention,
    ).eval()


def packed_batch():
    """What SFTTrainer feeds the model with bfd packing (padding-free), labels left out."""
    from trl.trainer.sft_trainer import DataCollatorForLanguageModeling

    collator = DataCollatorForLanguageModeling(pad_token_id=0, padding_free=True)
    batch = collator([{"input_ids": row} for row in ROWS])
    assert "attention_mask" not in batch and batch["position_ids"][0, 5] == 0
    return {k: v for k, v in batch.items() if k != "labels"}


@pytest.mark.parametrize("attention", ["sdpa", "eager"])
def test_packed_and_separate_logits_match(attention):
    model = tiny_llama(attention)
    with torch.no_grad():
        packed = model(**packed_batch(), use_cache=False).logits[0]
        alone = [model(input_ids=torch.tensor([row]), use_cache=False).logits[0] for row in ROWS]
    torch.testing.assert_close(packed[:5], alone[0], atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(packed[5:12], alone[1], atol=1e-5, rtol=1e-4)


def test_without_restarting_positions_the_second_row_sees_the_first():
    """The control: the same tokens with one running position sequence (what a packed block
    with one mask amounts to, as in wrapped packing) change the second row's logits."""
    model = tiny_llama("sdpa")
    tokens = torch.tensor([ROWS[0] + ROWS[1]])
    with torch.no_grad():
        joined = model(input_ids=tokens, use_cache=False).logits[0]
        alone = model(input_ids=torch.tensor([ROWS[1]]), use_cache=False).logits[0]
    assert not torch.allclose(joined[5:12], alone, atol=1e-3)
