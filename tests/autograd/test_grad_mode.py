"""no_grad / enable_grad / set_grad_enabled: context managers, decorators, nesting,
thread-locality; nothing is recorded when grad is off."""
import threading

import pytest

import autograd


def _leaf():
    return autograd.ones(3, requires_grad=True)


def test_no_grad_context_records_no_node():
    x = _leaf()
    with autograd.no_grad():
        assert not autograd.is_grad_enabled()
        y = x * 2
    assert autograd.is_grad_enabled()
    assert y.grad_fn is None and not y.requires_grad


def test_no_grad_as_decorator_and_restores_on_exception():
    @autograd.no_grad()
    def f(x):
        assert not autograd.is_grad_enabled()
        return x * 2
    assert f(_leaf()).grad_fn is None

    @autograd.no_grad()
    def boom():
        raise ValueError("x")
    with pytest.raises(ValueError):
        boom()
    assert autograd.is_grad_enabled()


def test_bare_decorator_form():
    @autograd.no_grad
    def f(x):
        return x * 2
    assert f(_leaf()).grad_fn is None


def test_enable_grad_inside_no_grad():
    x = _leaf()
    with autograd.no_grad():
        with autograd.enable_grad():
            y = x * 2
        z = x * 2
    assert y.grad_fn is not None and z.grad_fn is None

    @autograd.enable_grad()
    def f():
        return x * 3
    with autograd.no_grad():
        assert f().requires_grad


@pytest.mark.parametrize("mode", [True, False])
def test_set_grad_enabled_context_and_decorator(mode):
    x = _leaf()
    with autograd.set_grad_enabled(mode):
        assert autograd.is_grad_enabled() is mode
        assert (x * 2).requires_grad is mode
    assert autograd.is_grad_enabled()

    @autograd.set_grad_enabled(mode)
    def f():
        return autograd.is_grad_enabled()
    assert f() is mode and autograd.is_grad_enabled()


def test_set_grad_enabled_as_function_call():
    try:
        autograd.set_grad_enabled(False)
        assert not autograd.is_grad_enabled()
    finally:
        autograd.set_grad_enabled(True)
    assert autograd.is_grad_enabled()


def test_grad_mode_is_thread_local():
    seen = {}
    inside, release = threading.Event(), threading.Event()

    def worker():
        seen["worker_start"] = autograd.is_grad_enabled()
        with autograd.no_grad():
            inside.set()
            release.wait(5)
            seen["worker_inside"] = autograd.is_grad_enabled()

    t = threading.Thread(target=worker)
    t.start()
    inside.wait(5)
    seen["main_while_worker_off"] = autograd.is_grad_enabled()
    with autograd.no_grad():
        release.set()
        t.join(5)
    assert seen == {"worker_start": True, "worker_inside": False, "main_while_worker_off": True}


def test_inference_mode_behaves_like_no_grad():
    with autograd.inference_mode():
        assert not (_leaf() * 2).requires_grad


def test_autograd_autograd_is_the_package():
    assert autograd.autograd is autograd
    assert autograd.autograd.grad is autograd.grad
    assert autograd.autograd.Function is autograd.Function
