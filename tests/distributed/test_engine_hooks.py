"""The two engine hooks DistributedDataParallel builds on: ``Tensor.register_post_accumulate_
grad_hook`` (once per backward, after the leaf's whole gradient is in ``.grad``) and
``autograd.engine.queue_callback`` (run when the current backward has finished)."""
import numpy as np
import pytest

import autograd as torch
from autograd.engine import queue_callback


def test_post_accumulate_hook_runs_once_after_all_contributions():
    w = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    seen = []
    w.register_post_accumulate_grad_hook(lambda p: seen.append(p.grad.numpy().copy()))
    ((w * 2).sum() + (w * w).sum() + w.sum()).backward()      # three edges into w
    assert len(seen) == 1
    np.testing.assert_allclose(seen[0], 2 + 2 * np.array([1, 2, 3]) + 1)
    (w * 3).sum().backward()                                  # accumulates onto the old grad
    np.testing.assert_allclose(seen[1], seen[0] + 3)


def test_post_accumulate_hook_matches_torch_and_skips_autograd_grad():
    torch_ = pytest.importorskip("torch", reason="PyTorch is the reference for the hook's timing")
    ours, theirs = [], []
    for lib, log in ((torch, ours), (torch_, theirs)):
        w = lib.tensor([1.0, -2.0], requires_grad=True)
        v = lib.tensor([0.5, 4.0], requires_grad=True)
        for t, name in ((w, "w"), (v, "v")):
            t.register_post_accumulate_grad_hook(
                lambda p, name=name: log.append((name, p.grad.tolist())))
        ((w * v).sum() + (w * w).sum()).backward()
        lib.autograd.grad((w * v).sum(), [w])                 # accumulates nothing: no hook
    assert sorted(ours) == sorted(theirs)


def test_post_accumulate_hook_remove_and_errors():
    w = torch.ones(2, requires_grad=True)
    calls = []
    handle = w.register_post_accumulate_grad_hook(lambda p: calls.append(1))
    w.sum().backward()                                        # a leaf as the root
    handle.remove()
    w.sum().backward()
    assert calls == [1]
    with pytest.raises(RuntimeError, match="non-leaf"):
        (w * 2).register_post_accumulate_grad_hook(lambda p: None)
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        torch.ones(2).register_post_accumulate_grad_hook(lambda p: None)


def test_post_accumulate_hook_respects_backward_inputs():
    w = torch.ones(2, requires_grad=True)
    v = torch.ones(2, requires_grad=True)
    calls = []
    w.register_post_accumulate_grad_hook(lambda p: calls.append("w"))
    v.register_post_accumulate_grad_hook(lambda p: calls.append("v"))
    (w * v).sum().backward(inputs=[v])
    assert calls == ["v"] and w.grad is None


def test_queue_callback_runs_after_the_last_node():
    w = torch.ones(3, requires_grad=True)
    order = []

    def hook(g):
        order.append("hook")
        queue_callback(lambda: (order.append(("callback", w.grad is not None)),
                                queue_callback(lambda: order.append("queued by a callback"))))
        return g

    y = w * 2
    y.register_hook(hook)
    y.sum().backward()
    assert order == ["hook", ("callback", True), "queued by a callback"]
    y2 = w * 2
    y2.sum().backward()                                       # callbacks do not outlive their pass
    assert len(order) == 3


def test_queue_callback_outside_backward_raises():
    with pytest.raises(RuntimeError, match="only be installed during backward"):
        queue_callback(lambda: None)
