"""Write the tutorial notebooks (outputs cleared) from the cell sources below.

Run ``python notebooks/make_notebooks.py`` after editing; the .ipynb files are generated
so that their text stays reviewable here. tests/notebooks/test_notebooks.py executes them.
"""
from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

SETUP = """\
%matplotlib inline
import numpy as np
import matplotlib.pyplot as plt
import autograd as torch          # was: import torch
import nn                         # was: import torch.nn as nn
import nn.functional as F         # was: import torch.nn.functional as F
import optim                      # was: import torch.optim as optim
torch.set_num_threads(1)          # these examples are tiny: one thread is fastest
torch.manual_seed(0)"""

NB01 = [
    ("md", """\
# 1. Tensors and autograd

numbagrad's `autograd` package is a small PyTorch: a `Tensor` wraps a NumPy array and records
the operations applied to it, and `backward()` walks that record in reverse. Code written for
PyTorch runs after swapping the imports."""),
    ("code", SETUP),
    ("md", "## Tensors, dtypes and broadcasting"),
    ("code", """\
a = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])   # Python floats -> float32
b = torch.arange(3)                                    # Python ints   -> int64
print(a.dtype, b.dtype, a.shape)
print(a + b)                 # (2, 3) + (3,) broadcasts over rows; int64 promotes to float32
print(a.sum(dim=0), a.mean(), a.T @ a)"""),
    ("code", """\
x = torch.randn(4, 1)
y = torch.randn(1, 5)
print((x * y).shape)         # (4, 1) * (1, 5) -> (4, 5), as in NumPy and PyTorch
print(torch.from_numpy(np.eye(2)).dtype)   # from_numpy keeps float64"""),
    ("md", """\
## The graph

Every result of an operation on a tensor that requires grad remembers the node that made it
(`grad_fn`). Following `next_functions` walks back to the leaves."""),
    ("code", """\
w = torch.randn(3, 2, requires_grad=True)
b = torch.zeros(2, requires_grad=True)
x = torch.randn(5, 3)
loss = (x @ w + b).tanh().pow(2).mean()

node, depth = loss.grad_fn, 0
while node is not None:
    print("  " * depth + node.name())
    nxt = [f for f, _ in getattr(node, "next_functions", ()) if f is not None]
    node, depth = (nxt[0] if nxt else None), depth + 1"""),
    ("md", """\
`autograd.viz.draw` draws the same graph: op nodes with output shapes, blue leaves that
require grad, grey constants, the output in green. It renders inline with Graphviz when the
`dot` program is installed, and otherwise as an SVG that numbagrad lays out itself;
`autograd.viz.to_dot` gives the `graphviz.Digraph` (DOT text, files)."""),
    ("code", """\
from autograd.viz import draw
draw(loss, params={"w": w, "b": b})"""),
    ("md", "## backward, gradients and `no_grad`"),
    ("code", """\
loss.backward()
print("dloss/dw =", w.grad)
print("dloss/db =", b.grad)

# Check against the formula: d/dz mean(tanh(z)^2) = 2 tanh(z) (1 - tanh(z)^2) / z.numel()
z = x.numpy() @ w.detach().numpy() + b.detach().numpy()
dz = 2 * np.tanh(z) * (1 - np.tanh(z) ** 2) / z.size
print(np.allclose(w.grad.numpy(), x.numpy().T @ dz, atol=1e-6))"""),
    ("code", """\
with torch.no_grad():
    y = x @ w
print(y.requires_grad, y.grad_fn)   # nothing recorded: no graph, no memory held
w.grad = None                        # gradients accumulate until reset"""),
    ("md", """\
## A custom `Function`

As in PyTorch: `forward` gets tensors, saves what `backward` needs, and `backward` returns one
gradient per input."""),
    ("code", """\
class Softplus(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return (1 + x.exp()).log()

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x.sigmoid()

x = torch.randn(6, dtype=torch.float64, requires_grad=True)
Softplus.apply(x).sum().backward()
print(torch.allclose(x.grad, x.sigmoid()))
print("gradcheck:", torch.autograd.gradcheck(Softplus.apply, (x,)))"""),
    ("md", """\
## `gradcheck` catches a wrong backward

`gradcheck` compares the analytic gradient with central finite differences in float64. Here
the backward forgets the factor 2 of d(x²)/dx:"""),
    ("code", """\
class BadSquare(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x            # wrong: should be 2 * x * grad

x = torch.randn(4, dtype=torch.float64, requires_grad=True)
print("gradcheck passes:", torch.autograd.gradcheck(BadSquare.apply, (x,), raise_exception=False))
try:
    torch.autograd.gradcheck(BadSquare.apply, (x,))
except Exception as e:
    print(type(e).__name__, str(e)[:300])"""),
    ("md", """\
## Second derivatives

`create_graph=True` records the backward pass itself, so gradients can be differentiated
again (Hessians, gradient penalties, meta-learning — see notebook 4)."""),
    ("code", """\
x = torch.tensor(1.5, requires_grad=True)
y = x.sin() * x ** 2
(dy,) = torch.autograd.grad(y, x, create_graph=True)
(d2y,) = torch.autograd.grad(dy, x)
xv = 1.5
print(dy.item(), np.cos(xv) * xv**2 + 2 * xv * np.sin(xv))
print(d2y.item(), -np.sin(xv) * xv**2 + 4 * xv * np.cos(xv) + 2 * np.sin(xv))"""),
    ("code", """\
from autograd.functional import hessian
f = lambda v: (v[0] ** 2 * v[1] + v[1] ** 3).sum()
print(hessian(f, torch.tensor([1.0, 2.0], dtype=torch.float64)))   # [[2y, 2x], [2x, 6y]]
xs = torch.linspace(-3, 3, 200, requires_grad=True)
ys = xs.tanh()
(g1,) = torch.autograd.grad(ys.sum(), xs, create_graph=True)
(g2,) = torch.autograd.grad(g1.sum(), xs)
plt.figure(figsize=(6, 3.5))
for v, label in ((ys, "tanh"), (g1, "tanh'"), (g2, "tanh''")):
    plt.plot(xs.detach().numpy(), v.detach().numpy(), label=label)
plt.legend(); plt.title("derivatives by autograd"); plt.show()"""),
]

NB02 = [
    ("md", """\
# 2. An MLP and a CNN on MNIST-1D

MNIST-1D (Greydanus, 2020) is MNIST squeezed into 40-sample 1-D signals: small enough to train
in seconds, hard enough to separate models (a linear model reaches ~32%, a CNN ~94%). It is
generated offline by the authors' `mnist1d` package and cached as `.npz`."""),
    ("code", SETUP + """
from autograd.datasets import MNIST1D
from autograd.utils.data import DataLoader
from autograd.utils import transforms as T"""),
    ("code", """\
train, test = MNIST1D(train=True), MNIST1D(train=False)
print(len(train), "train,", len(test), "test; sample shape", tuple(train[0][0].shape))
fig, axes = plt.subplots(1, 10, figsize=(14, 2), sharey=True)
for d, ax in enumerate(axes):
    i = int(np.flatnonzero(train.targets.numpy() == d)[0])
    ax.plot(train.data.numpy()[i], train.t, "k"); ax.set_title(str(d)); ax.set_xticks([])
plt.show()"""),
    ("md", """\
## Data pipeline with augmentation

Transforms run per sample inside the `DataLoader`: a random shift of up to 3 steps and a
little Gaussian noise, drawn from a seeded generator so runs repeat."""),
    ("code", """\
g = torch.Generator().manual_seed(0)
augment = T.Compose([T.RandomShift(3, generator=g), T.GaussianNoise(0.05, generator=g)])
train_aug = MNIST1D(train=True, transform=augment)
loader = DataLoader(train_aug, batch_size=100, shuffle=True, generator=g)
xb, yb = next(iter(loader))
print(xb.shape, xb.dtype, yb.shape, yb.dtype)"""),
    ("md", "## Models and `summary()`"),
    ("code", """\
mlp = nn.Sequential(nn.Linear(40, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))

class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv1d(1, 25, 5, stride=2, padding=1), nn.ReLU(),
            nn.Conv1d(25, 25, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv1d(25, 25, 3, stride=2, padding=1), nn.ReLU(), nn.Flatten())
        self.head = nn.Linear(125, 10)

    def forward(self, x):                    # (B, 40) -> (B, 10)
        return self.head(self.features(x.unsqueeze(1)))

cnn = CNN()
_ = mlp.summary((1, 40))
_ = cnn.summary((1, 40))"""),
    ("code", """\
def evaluate(model, ds):
    model.eval()
    with torch.no_grad():
        logits = model(ds.data)
        acc = (logits.argmax(1) == ds.targets).float().mean().item() * 100
        loss = F.cross_entropy(logits, ds.targets).item()
    model.train()
    return loss, acc

def fit(model, loader, steps, lr=1e-2, eval_every=50):
    opt = optim.Adam(model.parameters(), lr=lr)
    hist = {"step": [], "train": [], "test": [], "acc": []}
    step, running = 0, []
    while step < steps:
        for x, y in loader:
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad(); loss.backward(); opt.step()
            running.append(loss.item()); step += 1
            if step % eval_every == 0:
                test_loss, acc = evaluate(model, test)
                hist["step"].append(step); hist["train"].append(np.mean(running))
                hist["test"].append(test_loss); hist["acc"].append(acc); running = []
            if step == steps:
                break
    return hist

STEPS = 250
curves = {name: fit(m, loader, STEPS) for name, m in (("mlp", mlp), ("cnn", cnn))}
for name, h in curves.items():
    print(f"{name}: test accuracy {h['acc'][-1]:.1f}% after {STEPS} steps")"""),
    ("code", """\
fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 3.5))
for i, (name, h) in enumerate(curves.items()):
    a1.plot(h["step"], h["train"], f"C{i}", label=f"{name} train")
    a1.plot(h["step"], h["test"], f"C{i}--", label=f"{name} test")
    a2.plot(h["step"], h["acc"], f"C{i}", label=name)
a1.set(xlabel="step", ylabel="cross-entropy"); a1.legend()
a2.set(xlabel="step", ylabel="test accuracy (%)"); a2.legend(); plt.show()"""),
    ("md", "## Confusion matrix"),
    ("code", """\
from autograd.metrics.functional import confusion_matrix
with torch.no_grad():
    pred = cnn.eval()(test.data).argmax(1)
cm = confusion_matrix(pred, test.targets, task="multiclass", num_classes=10).numpy()
fig, ax = plt.subplots(figsize=(5.2, 4.2))
im = ax.imshow(cm, cmap="Blues")
fig.colorbar(im, ax=ax, label="test signals")
for i in range(10):
    for j in range(10):
        ax.text(j, i, cm[i, j], ha="center", va="center", fontsize=7,
                color="white" if cm[i, j] > cm.max() / 2 else "black")
ax.set_xticks(range(10)); ax.set_yticks(range(10))  # every class labelled
ax.set(xlabel="predicted digit", ylabel="true digit", title="CNN on MNIST-1D"); plt.show()
cnn.train();"""),
    ("md", """\
## Save and load weights

`autograd.save` writes a state dict in the safetensors format (plain tensors, never pickle),
atomically; `autograd.load` reads it back. The file goes to a temporary folder, so running
the notebook never writes into the repository."""),
    ("code", """\
import tempfile
from pathlib import Path
ckpt = Path(tempfile.mkdtemp()) / "cnn_mnist1d.safetensors"
torch.save(cnn.state_dict(), ckpt)
restored = CNN()
restored.load_state_dict(torch.load(ckpt))
print(f"test accuracy: original {evaluate(cnn, test)[1]:.1f}%, reloaded {evaluate(restored, test)[1]:.1f}%")"""),  # noqa: E501
    ("md", """\
## Transfer learning: freeze the features, replace the head

A shifted task: tell *even* from *odd* digits, with only 300 labelled training signals. We
freeze the trained convolutional layers (`requires_grad_(False)`), put a fresh 2-way head on
top, and fine-tune only that head; a network trained from scratch on the same 300 signals is
the baseline."""),
    ("code", """\
from autograd.utils.data import TensorDataset
small = TensorDataset(train.data[:300], train.targets[:300] % 2)
test_parity = (test.data, test.targets % 2)

def parity_acc(model):
    with torch.no_grad():
        return (model(test_parity[0]).argmax(1) == test_parity[1]).float().mean().item() * 100

def finetune(model, steps=90):
    opt = optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-2)
    for _ in range(steps // 3):
        for x, y in DataLoader(small, batch_size=100, shuffle=True):
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad(); loss.backward(); opt.step()
    return parity_acc(model)

transfer = CNN()
transfer.load_state_dict(torch.load(ckpt))
transfer.features.requires_grad_(False)          # freeze the convolutions
transfer.head = nn.Linear(125, 2)                # a new head for the new task
frozen_before = [p.numpy().copy() for p in transfer.features.parameters()]
print("trainable parameters:", sum(p.numel() for p in transfer.parameters() if p.requires_grad))
acc_transfer = finetune(transfer)

scratch = CNN(); scratch.head = nn.Linear(125, 2)
acc_scratch = finetune(scratch)
print(f"even/odd accuracy: transfer {acc_transfer:.1f}%, from scratch {acc_scratch:.1f}%")
print("frozen weights unchanged:", all(np.array_equal(a, p.numpy())
                                       for a, p in zip(frozen_before, transfer.features.parameters())))"""),
]

NB03 = [
    ("md", """\
# 3. Recurrent networks: GRU and LSTM on MNIST-1D, and a character-level LSTM

`nn.GRU` and `nn.LSTM` follow PyTorch (gate order, `batch_first`, `bidirectional`,
`num_layers`, the `(h, c)` state)."""),
    ("code", SETUP + """
from autograd.datasets import MNIST1D
from autograd.utils.data import DataLoader
train, test = MNIST1D(train=True), MNIST1D(train=False)"""),
    ("code", """\
class RNNClassifier(nn.Module):
    \"\"\"A recurrent layer over the 40 time steps, all its outputs flattened -> Linear.\"\"\"
    def __init__(self, cell, hidden=6):
        super().__init__()
        self.rnn = cell(1, hidden, batch_first=True, bidirectional=True)
        self.head = nn.Linear(2 * hidden * 40, 10)

    def forward(self, x):                        # (B, 40) -> (B, 40, 1) -> (B, 40, 12)
        out, _ = self.rnn(x.unsqueeze(-1))
        return self.head(out.reshape(out.shape[0], -1))

def accuracy(model, ds):
    with torch.no_grad():
        return (model(ds.data).argmax(1) == ds.targets).float().mean().item() * 100

def train_model(model, steps=300, eval_every=50):
    opt = optim.Adam(model.parameters(), lr=1e-2)
    loader = DataLoader(train, batch_size=100, shuffle=True, generator=torch.Generator().manual_seed(0))
    hist, step = {"step": [], "loss": [], "acc": []}, 0
    while step < steps:
        for x, y in loader:
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad(); loss.backward(); opt.step(); step += 1
            if step % eval_every == 0:
                hist["step"].append(step); hist["loss"].append(loss.item())
                hist["acc"].append(accuracy(model, test))
            if step == steps:
                break
    return hist

hists = {}
for name, cell in (("GRU", nn.GRU), ("LSTM", nn.LSTM)):
    torch.manual_seed(0)
    hists[name] = train_model(RNNClassifier(cell))
    print(f"{name}: test accuracy {hists[name]['acc'][-1]:.1f}%")"""),
    ("code", """\
fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 3.5))
for name, h in hists.items():
    a1.plot(h["step"], h["loss"], label=name); a2.plot(h["step"], h["acc"], label=name)
a1.set(xlabel="step", ylabel="train loss"); a2.set(xlabel="step", ylabel="test accuracy (%)")
a1.legend(); a2.legend(); plt.show()"""),
    ("md", """\
## A character-level LSTM

The same model as `examples/char_rnn.py`, trained briefly on a short public-domain text
(Lewis Carroll, 1865). It learns spelling of frequent words quickly; given more steps and
text it learns much more."""),
    ("code", """\
text = ("Alice was beginning to get very tired of sitting by her sister on the bank, and of "
        "having nothing to do: once or twice she had peeped into the book her sister was "
        "reading, but it had no pictures or conversations in it, 'and what is the use of a "
        "book,' thought Alice 'without pictures or conversations?' ") * 3
chars = sorted(set(text)); stoi = {c: i for i, c in enumerate(chars)}
data = np.array([stoi[c] for c in text])

class CharLSTM(nn.Module):
    def __init__(self, vocab, hidden=64):
        super().__init__()
        self.embed = nn.Embedding(vocab, 16)
        self.lstm = nn.LSTM(16, hidden, batch_first=True)
        self.head = nn.Linear(hidden, vocab)
    def forward(self, idx, state=None):
        h, state = self.lstm(self.embed(idx), state)
        return self.head(h), state

torch.manual_seed(0); rng = np.random.default_rng(0)
model = CharLSTM(len(chars)); opt = optim.Adam(model.parameters(), lr=1e-2)
losses = []
for step in range(150):
    starts = rng.integers(0, len(data) - 33, size=16)
    w = np.stack([data[s:s + 33] for s in starts])
    logits, _ = model(torch.tensor(w[:, :-1]))
    loss = F.cross_entropy(logits.reshape(-1, len(chars)), torch.tensor(w[:, 1:]).reshape(-1))
    opt.zero_grad(); loss.backward(); nn.utils.clip_grad_norm_(model.parameters(), 1.0); opt.step()
    losses.append(loss.item())
plt.figure(figsize=(6, 3)); plt.plot(losses); plt.xlabel("step"); plt.ylabel("loss (nats/char)"); plt.show()"""),  # noqa: E501
    ("code", """\
def sample(model, prime="Alice ", n=150, temperature=0.7):
    out = list(prime)
    with torch.no_grad():
        logits, state = model(torch.tensor([[stoi[c] for c in prime]]))
        for _ in range(n):
            p = F.softmax(logits[0, -1] / temperature, dim=-1).numpy().astype(float)
            c = int(rng.choice(len(p), p=p / p.sum())); out.append(chars[c])
            logits, state = model(torch.tensor([[c]]), state)
    return "".join(out)

print(sample(model))"""),
]

NB04 = [
    ("md", """\
# 4. Meta-learning the learning rate

Following the MNIST-1D paper's meta-learning notebook: the learning rate of plain SGD is
itself learned by gradient descent. Each meta-step

1. starts a small MLP from fresh random weights,
2. takes `K` SGD steps on training batches, **keeping the graph of every update**
   (`create_graph=True`, so each new weight is a differentiable function of the rate),
3. measures the loss on a held-out batch after those steps, and
4. backpropagates that loss through all `K` updates — second-order derivatives through the
   optimizer — to the (log) learning rate, which Adam then updates."""),
    ("code", SETUP + """
from autograd.datasets import MNIST1D
train, test = MNIST1D(train=True), MNIST1D(train=False)
X, Y = train.data, train.targets"""),
    ("code", """\
def init_params(gen):
    \"\"\"A 40-100-10 MLP as plain tensors (functional style, so updates stay in the graph).\"\"\"
    def layer(n_in, n_out):
        bound = 1 / np.sqrt(n_in)
        w = torch.empty(n_out, n_in).uniform_(-bound, bound, generator=gen).requires_grad_()
        b = torch.empty(n_out).uniform_(-bound, bound, generator=gen).requires_grad_()
        return [w, b]
    return layer(40, 100) + layer(100, 10)

def forward(params, x):
    w1, b1, w2, b2 = params
    return F.linear(F.linear(x, w1, b1).relu(), w2, b2)

def batch(gen, n=100):
    idx = torch.randint(0, len(Y), (n,), generator=gen)
    return X[idx], Y[idx]

def unrolled_loss(log_lr, gen, K=10):
    \"\"\"Validation loss after K differentiable SGD steps from fresh weights.\"\"\"
    params, lr = init_params(gen), log_lr.exp()
    for _ in range(K):
        x, y = batch(gen)
        loss = F.cross_entropy(forward(params, x), y)
        grads = torch.autograd.grad(loss, params, create_graph=True)
        params = [p - lr * g for p, g in zip(params, grads)]   # the update stays in the graph
    xv, yv = batch(gen, 500)
    return F.cross_entropy(forward(params, xv), yv)"""),
    ("code", """\
log_lr = torch.tensor(float(np.log(0.01)), requires_grad=True)   # start from lr = 0.01
meta_opt = optim.Adam([log_lr], lr=0.1)
gen = torch.Generator().manual_seed(0)
lrs, meta_losses = [float(log_lr.exp().item())], []
for meta_step in range(40):
    val_loss = unrolled_loss(log_lr, gen)
    meta_opt.zero_grad()
    val_loss.backward()            # d(validation loss) / d(log lr), through all K updates
    meta_opt.step()
    lrs.append(float(log_lr.exp().item())); meta_losses.append(val_loss.item())
print(f"learning rate: {lrs[0]:.3f} -> {lrs[-1]:.3f}; "
      f"validation loss after 10 steps: {meta_losses[0]:.3f} -> {meta_losses[-1]:.3f}")"""),
    ("code", """\
fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 3.5))
a1.plot(lrs); a1.set(xlabel="meta-step", ylabel="learned SGD learning rate", yscale="log",
                     title="the learning rate, learned")
a2.plot(meta_losses); a2.set(xlabel="meta-step", ylabel="validation loss after 10 SGD steps")
plt.show()"""),
    ("md", """\
The meta-gradient is an ordinary gradient of a longer graph: checking it against a finite
difference of the unrolled loss (same batches, in float32) confirms the higher-order
derivatives through the SGD updates."""),
    ("code", """\
def unrolled_at(v, seed=1):
    return unrolled_loss(torch.tensor(float(v), requires_grad=True), torch.Generator().manual_seed(seed))

v0 = float(np.log(0.1))
p = torch.tensor(v0, requires_grad=True)
(analytic,) = torch.autograd.grad(unrolled_loss(p, torch.Generator().manual_seed(1)), p)
eps = 1e-2
numeric = (unrolled_at(v0 + eps).item() - unrolled_at(v0 - eps).item()) / (2 * eps)
print(f"meta-gradient: autograd {analytic.item():.4f}, finite difference {numeric:.4f}")"""),
]

NB05 = [
    ("md", """\
# 5. Keras-style training: `compile`, `fit`, `evaluate`, `predict`, `summary`

Much deep-learning teaching material is written for Keras. `autograd.train.Model` wraps a
plain `nn.Module` with Keras's calls, so those recipes carry over almost word for word, while
the module itself stays an ordinary PyTorch-style module (`model.module`) that a hand-written
loop can keep training.

Two differences from Keras to keep in mind:

* **No softmax at the end.** A classifier ends in `nn.Linear`; the loss
  `'sparse_categorical_crossentropy'` takes those logits (Keras's `from_logits=True`), as
  `F.cross_entropy` does. Keras's `Dense(10, activation='softmax')` becomes `nn.Linear(..., 10)`.
* **Channels first.** Images are `(N, C, H, W)` as in PyTorch, not Keras's `(N, H, W, C)`.

The data are scikit-learn's bundled 8x8 digits and MNIST-1D, both offline."""),
    ("code", SETUP + """
import tempfile
from pathlib import Path
from autograd.datasets import Digits, MNIST1D
from autograd.train import Model, EarlyStopping, ModelCheckpoint, ReduceLROnPlateau, CSVLogger

train, test = Digits(train=True), Digits(train=False)
x_train, y_train = train.data.numpy(), train.targets.numpy()   # (1438, 1, 8, 8) in [0, 1], labels
x_test, y_test = test.data.numpy(), test.targets.numpy()
print(x_train.shape, y_train[:10])"""),
    ("md", """\
## 1. An MLP (Keras: `Sequential([Flatten(), Dense(128, 'relu'), Dropout(0.2), Dense(10, 'softmax')])`)"""),
    ("code", """\
model = Model(nn.Sequential(
    nn.Flatten(),                    # Flatten(input_shape=(8, 8))
    nn.Linear(64, 128), nn.ReLU(),   # Dense(128, activation='relu')
    nn.Dropout(0.2),                 # Dropout(0.2)
    nn.Linear(128, 10),              # Dense(10, activation='softmax'): the softmax is in the loss
))
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
history = model.fit(x_train, y_train, epochs=10, validation_split=0.1)
test_loss, test_acc = model.evaluate(x_test, y_test)
print(f"test accuracy {test_acc:.3f}")"""),
    ("md", """\
`fit` returns a `History`: `.history` holds one list per quantity, `.plot()` draws them.
`predict` returns the outputs as a NumPy array: logits here, so a softmax gives probabilities."""),
    ("code", """\
print({k: round(v[-1], 3) for k, v in history.history.items()})
history.plot();"""),
    ("code", """\
logits = model.predict(x_test[:5])
probs = F.softmax(torch.tensor(logits), dim=1)
print("predicted:", probs.argmax(1).tolist(), " true:", y_test[:5].tolist())
print("confidence:", probs.max(1).values.numpy().round(3))"""),
    ("md", """\
## 2. A CNN (Keras: `Conv2D`, `MaxPooling2D`, `Flatten`, `Dense`)

`Conv2D(32, (3, 3), activation='relu', input_shape=(8, 8, 1))` is `nn.Conv2d(1, 32, 3)` plus
`nn.ReLU()`; the input channels are explicit and come first. Metrics can be several:
precision, recall and F1 are macro averages over the ten classes (`autograd.metrics`)."""),
    ("code", """\
torch.manual_seed(0)
cnn = Model(nn.Sequential(
    nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(),   # Conv2D(32, (3, 3), padding='same', activation='relu')
    nn.MaxPool2d(2),                             # MaxPooling2D((2, 2))
    nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(),  # Conv2D(64, (3, 3), padding='same', activation='relu')
    nn.MaxPool2d(2),                             # MaxPooling2D((2, 2))
    nn.Flatten(),                                # Flatten()
    nn.Linear(64 * 2 * 2, 10),                   # Dense(10, activation='softmax')
))
cnn.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
            metrics=["accuracy", "precision", "recall", "f1"])
cnn.summary((1, 8, 8))     # one sample's shape, no batch dimension (Keras's input_shape habit)
cnn_history = cnn.fit(x_train, y_train, epochs=8, batch_size=32, validation_data=(x_test, y_test),
                      verbose=2)
cnn_history.plot(["loss", "accuracy", "f1"]);"""),
    ("md", """\
## 3. The 64-64-softmax classifier, with `summary()` and callbacks, on MNIST-1D

Keras: `Sequential([Dense(64, activation='relu', input_shape=(40,)), Dense(64, activation='relu'),
Dense(10, activation='softmax')])` then `model.summary()`. MNIST-1D signals have 40 values.

The callbacks are Keras's: stop when the validation loss stalls and go back to the best
weights, lower the learning rate on a plateau, keep the best checkpoint (a safetensors file
written by `autograd.save`) and log every epoch to CSV. Outputs go to a temporary folder,
never into the repository. (An MLP has no notion of a shifted pattern, so on MNIST-1D it
stays far below the CNN of notebook 2: that gap is what the benchmark was made to show.)"""),
    ("code", """\
m1d_train, m1d_test = MNIST1D(train=True), MNIST1D(train=False)
torch.manual_seed(0)
clf = Model(nn.Sequential(
    nn.Linear(40, 64), nn.ReLU(),    # Dense(64, activation='relu', input_shape=(40,))
    nn.Linear(64, 64), nn.ReLU(),    # Dense(64, activation='relu')
    nn.Linear(64, 10),               # Dense(10, activation='softmax')
))
clf.compile(optimizer=optim.Adam(clf.parameters(), lr=3e-3),
            loss="sparse_categorical_crossentropy", metrics=["accuracy"])
clf.summary(40)"""),
    ("code", """\
out = Path(tempfile.mkdtemp(prefix="numbagrad-nb05-"))
callbacks = [
    EarlyStopping(monitor="val_loss", patience=4, restore_best_weights=True, verbose=1),
    ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=2, verbose=1),
    ModelCheckpoint(out / "best.pt", monitor="val_accuracy", save_best_only=True),
    CSVLogger(out / "log.csv"),
]
# A Dataset works as x too (here MNIST1D: items are (signal, label) pairs)
clf_history = clf.fit(m1d_train, epochs=40, batch_size=64, validation_split=0.2,
                      callbacks=callbacks, verbose=2)
print(clf.evaluate(m1d_test, return_dict=True, verbose=0))
print((out / "log.csv").read_text().splitlines()[:3])
clf_history.plot(["loss", "accuracy", "learning_rate"]);"""),
    ("md", """\
The checkpoint loads back into a fresh model, and `model.module` is an ordinary module: a
PyTorch-style loop, `state_dict()` or `autograd.save` all work on it directly."""),
    ("code", """\
fresh = Model(nn.Sequential(nn.Linear(40, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(),
                            nn.Linear(64, 10)))
fresh.load_weights(out / "best.pt")
fresh.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
print("best checkpoint, test set:", fresh.evaluate(m1d_test, verbose=0, return_dict=True))
print(type(clf.module).__name__, sum(p.numel() for p in clf.module.parameters()), "parameters")"""),
]

NOTEBOOKS = {
    "01_tensors_and_autograd.ipynb": NB01,
    "02_mlp_and_cnn.ipynb": NB02,
    "03_recurrent.ipynb": NB03,
    "04_metalearning_learning_rate.ipynb": NB04,
    "05_keras_style.ipynb": NB05,
}


def build(cells) -> nbformat.NotebookNode:
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = [new_markdown_cell(src) if kind == "md" else new_code_cell(src)
                for kind, src in cells]
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:02d}"  # stable ids: regenerating gives identical files
    return nb


def main() -> None:
    for name, cells in NOTEBOOKS.items():
        nbformat.write(build(cells), HERE / name)
        print("wrote", HERE / name)


if __name__ == "__main__":
    main()
