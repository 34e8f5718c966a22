"""Fail at ``import optim``, saying how to repair it, when the ``autograd`` package found
is not numbagrad's (another distribution named autograd, e.g. HIPS autograd, overwrote it)."""
import autograd

if not hasattr(autograd, "Tensor"):
    raise ImportError(
        f"optim: the 'autograd' package at {getattr(autograd, '__file__', None)} is not "
        "numbagrad's: another distribution named autograd (most likely HIPS autograd; see "
        "`pip show autograd`) was installed over it, and the two cannot share one "
        "environment. Repair: pip uninstall -y autograd numbagrad && pip install "
        "--force-reinstall numbagrad (in a checkout: pip install --force-reinstall -e .)")
