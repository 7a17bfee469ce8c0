"""What this machine can do, for train.py: the precision and kernels it trains with, and how
the base model loads on it (copied into the package beside train.py)."""

from __future__ import annotations


def runtime_arguments(sft: dict, gpu: bool) -> dict:
    """What this machine can do: fp32 on a CPU (both flags set, SFTConfig's bf16 default is on),
    fp16 on a GPU without bf16 (T4, V100); Liger kernels only on a GPU, with liger-kernel."""
    import importlib.util

    import torch

    if not gpu:  # use_cpu: under accelerate launch the ranks then join over gloo
        sft |= {"bf16": False, "fp16": False, "use_cpu": True}
    elif sft.get("bf16") and not torch.cuda.is_bf16_supported():
        print("This GPU has no bf16: training in fp16.", flush=True)
        sft["bf16"], sft["fp16"] = False, True
    if sft.get("use_liger_kernel") and not gpu:
        print("Liger kernels need a GPU: training without them.", flush=True)
        sft["use_liger_kernel"] = False
    if sft.get("use_liger_kernel") and importlib.util.find_spec("liger_kernel") is None:
        raise SystemExit("use_liger_kernel: install liger-kernel (pip install liger-kernel).")
    return sft


def attention_kernel(args: dict, gpu: bool) -> str:
    """The attention the package asks for; sdpa where a flash kernel cannot run (no GPU, or its
    package missing). All of them keep packed rows apart through position_ids."""
    import importlib.util

    wanted = (args.get("model") or {}).get("attn_implementation", "sdpa")
    needs = {"flash_attention_2": "flash_attn", "kernels-community/flash-attn2": "kernels"}
    if wanted in needs and (not gpu or importlib.util.find_spec(needs[wanted]) is None):
        print(f"{wanted} needs a GPU and {needs[wanted]}: using sdpa.", flush=True)
        return "sdpa"
    return wanted


def loading_options(args: dict, gpu: bool) -> dict:
    """How the base model loads: with its attention kernel; QLoRA in 4 bit (bitsandbytes) on
    this process's own GPU (under accelerate launch, never "auto", which would spread one
    model over every GPU); LoRA on a GPU in the 16-bit precision it trains in, as the memory
    estimate assumes; a full fine-tune in fp32, whose weights are the master copy that mixed
    precision needs."""
    import torch

    sft = args["sft"]
    options = {"attn_implementation": attention_kernel(args, gpu)}
    sixteen_bit = "bfloat16" if sft["bf16"] else "float16" if sft["fp16"] else None
    if "quantization" in args:
        from accelerate import PartialState
        from transformers import BitsAndBytesConfig

        quantization = dict(args["quantization"])
        compute = torch.bfloat16 if sft["bf16"] else torch.float16  # as this GPU trains
        quantization["bnb_4bit_compute_dtype"] = compute
        return options | {
            "quantization_config": BitsAndBytesConfig(**quantization),
            "dtype": compute,
            "device_map": {"": PartialState().local_process_index},
        }
    if "lora" in args and gpu and sixteen_bit:
        return options | {"dtype": getattr(torch, sixteen_bit)}
    return options
