"""Side-by-side benchmarks against PyTorch CPU: ``python -m benchmarks [--quick]``."""
