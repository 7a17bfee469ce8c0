"""What a package carries to run anywhere: train.py (training libraries only)."""
