"""The Hugging Face Hub, through huggingface_hub: search, model details, errors in plain words."""
