"""Quick start: build a small graph, backpropagate, check the gradient numerically.

Run: ``python examples/quickstart.py``
"""
import autograd as torch

torch.manual_seed(0)

# a tiny least-squares model: y = tanh(x @ w + b)
x = torch.randn(8, 3)
w = torch.randn(3, 2, requires_grad=True)
b = torch.zeros(2, requires_grad=True)
target = torch.randn(8, 2)

y = (x @ w + b).tanh()
loss = ((y - target) ** 2).mean()
loss.backward()

print("loss:", loss)
print("grad_fn chain:", loss.grad_fn, "->", loss.grad_fn.next_functions[0][0])
print("dloss/dw:\n", w.grad)

# second derivative: d/dx of d/dx x**3 at x = 2 is 6x = 12
x3 = torch.tensor(2.0, requires_grad=True)
(g,) = torch.autograd.grad(x3 ** 3, x3, create_graph=True)
(gg,) = torch.autograd.grad(g, x3)
print("d2/dx2 x^3 at 2:", gg.item())

# gradcheck compares the analytic gradient with finite differences (in float64)
ok = torch.gradcheck(lambda w, b: ((x.double() @ w + b).tanh() ** 2).sum(),
                     (w.detach().double().requires_grad_(), b.detach().double().requires_grad_()))
print("gradcheck passed:", ok)
