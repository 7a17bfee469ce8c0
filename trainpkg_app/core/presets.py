"""Config presets: starting points the user can edit once applied."""

from __future__ import annotations

PRESETS: dict[str, dict[str, str]] = {
    "quick_test": {
        "method": "lora",
        "learning_rate": "0.0002",
        "num_epochs": "1",
        "max_steps": "20",
        "per_device_batch_size": "2",
        "gradient_accumulation_steps": "1",
        "max_seq_length": "512",
        "warmup_ratio": "0",
        "lr_scheduler": "constant",
        "lora_r": "8",
        "lora_alpha": "16",
        "lora_dropout": "0.05",
        "eval_strategy": "no",
        "save_strategy": "no",
    },
    "balanced": {
        "method": "lora",
        "learning_rate": "0.0002",
        "num_epochs": "3",
        "max_steps": "",
        "per_device_batch_size": "4",
        "gradient_accumulation_steps": "4",
        "max_seq_length": "1024",
        "warmup_ratio": "0.03",
        "lr_scheduler": "cosine",
        "lora_r": "16",
        "lora_alpha": "32",
        "lora_dropout": "0.05",
        "eval_strategy": "steps",
        "save_strategy": "steps",
    },
    "quality": {
        "method": "lora",
        "learning_rate": "0.0001",
        "num_epochs": "5",
        "max_steps": "",
        "per_device_batch_size": "4",
        "gradient_accumulation_steps": "8",
        "max_seq_length": "2048",
        "warmup_ratio": "0.05",
        "lr_scheduler": "cosine",
        "lora_r": "64",
        "lora_alpha": "128",
        "lora_dropout": "0.1",
        "eval_strategy": "steps",
        "save_strategy": "steps",
    },
}
PRESET_LABELS = {
    "quick_test": ("Quick test", "20 steps, short sequences: checks that everything runs."),
    "balanced": ("Balanced", "3 epochs of LoRA r=16: a sound first real run."),
    "quality": ("Quality", "5 epochs, r=64, longer sequences: slower, usually better."),
}


def apply_preset(form: dict[str, str], preset: str) -> dict[str, str]:
    """The config form with the preset's values; fields it does not name are kept."""
    return form | PRESETS[preset]
