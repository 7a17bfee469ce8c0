"""Deployment backends: run a package's train.py somewhere and follow it."""
