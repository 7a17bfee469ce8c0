"""The effective training arguments of a config, named as transformers/TRL/PEFT name them.

``sft`` goes to SFTConfig as it is; ``model`` to from_pretrained (the attention kernel)."""

from __future__ import annotations

from typing import Any

import yaml

from trainpkg_app.core.cadence import cadence, pinned_transformers, warmup_arguments
from trainpkg_app.core.hardware import Hardware
from trainpkg_app.core.precision import effective_precision, precision_flags
from trainpkg_app.core.step_data import TrainingConfig
from trainpkg_app.core.throughput import padding_free

UNKNOWN = Hardware(gpu=None, gpus=1, known=False)
# FSDP2 (transformers 5: fsdp=True, the rest in fsdp_config; the string form is deprecated):
# parameters resharded after the forward (full shard), layers wrapped by the model's own
# _no_split_modules, activation checkpointing the FSDP way (gradient_checkpointing would add an
# all-gather), a full state dict at the end so that save_model writes plain HF files.
FSDP_CONFIG = {"version": 2, "reshard_after_forward": True, "state_dict_type": "FULL_STATE_DICT"}


def _throughput(config: TrainingConfig) -> dict[str, Any]:
    return {
        "max_length": config.max_seq_length,
        "packing": config.packing,
        **({"packing_strategy": config.packing_strategy} if config.packing else {}),
        "padding_free": padding_free(config.packing, config.packing_strategy),
        "gradient_checkpointing": config.gradient_checkpointing and not config.fsdp,
        "use_liger_kernel": config.use_liger_kernel,
    }


def _fsdp(config: TrainingConfig) -> dict[str, Any]:
    if not config.fsdp:
        return {}
    return {
        "fsdp": True,
        "fsdp_config": FSDP_CONFIG | {"activation_checkpointing": config.gradient_checkpointing},
    }


def training_arguments(
    config: TrainingConfig,
    hardware: Hardware = UNKNOWN,
    transformers_version: str | None = None,
) -> dict[str, Any]:
    precision = effective_precision(config.precision, hardware.gpu, hardware.known)
    sft: dict[str, Any] = {
        "learning_rate": config.learning_rate,
        "num_train_epochs": config.num_epochs,
        "max_steps": config.max_steps or -1,
        "per_device_train_batch_size": config.per_device_batch_size,
        "gradient_accumulation_steps": config.gradient_accumulation_steps,
        **warmup_arguments(config.warmup_ratio, transformers_version or pinned_transformers()),
        "lr_scheduler_type": config.lr_scheduler,
        "optim": config.optimizer,
        "weight_decay": config.weight_decay,
        **precision_flags(precision),
        **_throughput(config),
        **_fsdp(config),
        "seed": config.seed,
        **cadence(config.eval_strategy, config.save_strategy, config.save_total_limit),
    }
    args: dict[str, Any] = {
        "sft": sft,
        "model": {"attn_implementation": config.attn_implementation},
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
            "bnb_4bit_compute_dtype": "bfloat16" if precision == "bf16" else "float16",
        }
    return args


def training_yaml(config: TrainingConfig, hardware: Hardware = UNKNOWN) -> str:
    return yaml.safe_dump(training_arguments(config, hardware), sort_keys=False)
