"""The effective training arguments of a config, named as transformers/TRL/PEFT name them."""

from __future__ import annotations

from typing import Any

import yaml

from trainpkg_app.core.step_data import TrainingConfig


def training_arguments(config: TrainingConfig) -> dict[str, Any]:
    args: dict[str, Any] = {
        "sft": {
            "learning_rate": config.learning_rate,
            "num_train_epochs": config.num_epochs,
            "max_steps": config.max_steps or -1,
            "per_device_train_batch_size": config.per_device_batch_size,
            "gradient_accumulation_steps": config.gradient_accumulation_steps,
            "max_length": config.max_seq_length,
            "warmup_steps": config.warmup_ratio,  # a float in [0, 1) is a ratio (transformers 5)
            "lr_scheduler_type": config.lr_scheduler,
            "optim": config.optimizer,
            "weight_decay": config.weight_decay,
            "bf16": config.precision == "bf16",
            "fp16": config.precision == "fp16",
            "gradient_checkpointing": config.gradient_checkpointing,
            "seed": config.seed,
            "eval_strategy": config.eval_strategy,
            "save_strategy": config.save_strategy,
            "logging_steps": 1,
        }
    }
    if config.method != "full":
        target = config.lora_target_modules
        args["lora"] = {
            "r": config.lora_r,
            "lora_alpha": config.lora_alpha,
            "lora_dropout": config.lora_dropout,
            "target_modules": target[0] if target == ["all-linear"] else target,
            "task_type": "CAUSAL_LM",
        }
    if config.method == "qlora":
        args["quantization"] = {
            "load_in_4bit": True,
            "bnb_4bit_quant_type": config.qlora_quant_type,
            "bnb_4bit_use_double_quant": config.qlora_double_quant,
            "bnb_4bit_compute_dtype": "bfloat16" if config.precision == "bf16" else "float16",
        }
    return args


def training_yaml(config: TrainingConfig) -> str:
    return yaml.safe_dump(training_arguments(config), sort_keys=False)
