"""``optim``: PyTorch-compatible optimizers and learning-rate schedulers.

``import optim`` replaces ``import torch.optim as optim``::

    opt = optim.Adam(model.parameters(), lr=1e-3)
    sched = optim.lr_scheduler.StepLR(opt, step_size=10)
    for x, y in loader:
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()
    sched.step()

Every update rule matches ``torch.optim``'s numerically (float32 and float64) and runs
as one fused Numba pass per parameter (``autograd/kernels/optim.py``), writing the
parameter's storage in place under ``no_grad`` through ``autograd._inplace.writing``
(which bumps its version counter).
"""
from . import _check, lr_scheduler  # noqa: F401  (_check first: it names a foreign autograd)
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam
from .adamw import AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta",
           "lr_scheduler"]
