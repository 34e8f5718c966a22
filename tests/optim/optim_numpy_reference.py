"""Plain NumPy references for the fused optimizer kernels (one expression per term).

Each function updates ``p`` and the state arrays in place with whole-array NumPy
expressions, in the same order of operations as ``autograd.kernels.optim``; the
kernels are tested against these, and the benchmark times them as the "before".
"""
import numpy as np


def sgd(p, g, buf, *, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False,
        maximize=False, first=False):
    dt = p.dtype.type
    g = -g if maximize else g
    if weight_decay:
        g = g + dt(weight_decay) * p
    if momentum:
        if first:
            buf[...] = g
        else:
            buf *= dt(momentum)
            buf += dt(1 - dampening) * g
        g = g + dt(momentum) * buf if nesterov else buf
    p += dt(-lr) * g


def adam(p, g, m, v, vmax, *, step, lr, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0,
         amsgrad=False, maximize=False, decoupled=False):
    dt = p.dtype.type
    g = -g if maximize else g
    if weight_decay and decoupled:
        p *= dt(1 - lr * weight_decay)
    elif weight_decay:
        g = g + dt(weight_decay) * p
    w1 = dt(1 - beta1)
    if abs(w1) < 0.5:
        m += w1 * (g - m)
    else:
        m[...] = g - (g - m) * (dt(1) - w1)
    v *= dt(beta2)
    v += dt(1 - beta2) * g * g
    if amsgrad:
        np.maximum(vmax, v, out=vmax)
        v = vmax
    denom = np.sqrt(v) / dt((1 - beta2 ** step) ** 0.5) + dt(eps)
    p += dt(-lr / (1 - beta1 ** step)) * m / denom


def rmsprop(p, g, sq, gavg, buf, *, lr, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
            centered=False, maximize=False):
    dt = p.dtype.type
    g = -g if maximize else g
    if weight_decay:
        g = g + dt(weight_decay) * p
    w = dt(1 - alpha)
    sq *= dt(alpha)
    sq += w * g * g
    if centered:
        if abs(w) < 0.5:
            gavg += w * (g - gavg)
        else:
            gavg[...] = g - (g - gavg) * (dt(1) - w)
        avg = np.sqrt(sq + (-gavg) * gavg)
    else:
        avg = np.sqrt(sq)
    avg += dt(eps)
    if momentum > 0:
        buf *= dt(momentum)
        buf += g / avg
        p += dt(-lr) * buf
    else:
        p += dt(-lr) * g / avg


def adagrad(p, g, acc, *, step, lr, lr_decay=0.0, weight_decay=0.0, eps=1e-10, maximize=False):
    dt = p.dtype.type
    g = -g if maximize else g
    if weight_decay:
        g = g + dt(weight_decay) * p
    acc += g * g
    p += dt(-lr / (1 + (step - 1) * lr_decay)) * g / (np.sqrt(acc) + dt(eps))


def adadelta(p, g, sq, acc, *, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0, maximize=False):
    dt = p.dtype.type
    g = -g if maximize else g
    if weight_decay:
        g = g + dt(weight_decay) * p
    sq *= dt(rho)
    sq += dt(1 - rho) * g * g
    delta = np.sqrt(acc + dt(eps)) / np.sqrt(sq + dt(eps)) * g
    acc *= dt(rho)
    acc += dt(1 - rho) * delta * delta
    p += dt(-lr) * delta
