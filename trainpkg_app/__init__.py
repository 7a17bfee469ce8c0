"""Training Packages: assemble, version and deploy LLM fine-tuning packages."""
