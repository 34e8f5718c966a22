"""Numba-jitted kernels: pure functions on NumPy arrays.

Rules: no import of the engine (``autograd.*`` other than ``autograd.kernels``), no
Tensor, no grad mode, no global state. Each kernel has a NumPy reference in the tests.
Importing this package compiles nothing: kernels compile on first call and are cached
on disk (``cache=True``).
"""
