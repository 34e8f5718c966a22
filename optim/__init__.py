"""``optim``: PyTorch-compatible optimizers and learning-rate schedulers.

``import optim`` replaces ``import torch.optim as optim``::

    opt = optim.Adam(model.parameters(), lr=1e-3)
    sched = optim.lr_scheduler.StepLR(opt, step_size=10)
    for x, y in loader:
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()
    sched.step()

Every update rule matches ``torch.optim``'s numerically (float32 and float64). SGD, Adam,
AdamW, RMSprop, Adagrad and Adadelta run as one fused Numba pass per parameter
(``autograd/kernels/optim.py``); Adamax, NAdam, RAdam, ASGD, Rprop, SparseAdam and LBFGS
are NumPy in PyTorch's single-tensor operation order. All write the parameter's storage
in place under ``no_grad`` through ``autograd._inplace.writing`` (which bumps its version
counter).
"""
from . import _check, lr_scheduler  # noqa: F401  (_check first: it names a foreign autograd)
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam
from .adamax import Adamax
from .adamw import AdamW
from .asgd import ASGD
from .lbfgs import LBFGS
from .nadam import NAdam
from .optimizer import Optimizer
from .radam import RAdam
from .rmsprop import RMSprop
from .rprop import Rprop
from .sgd import SGD
from .sparse_adam import SparseAdam

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax",
           "NAdam", "RAdam", "ASGD", "Rprop", "SparseAdam", "LBFGS", "lr_scheduler"]
