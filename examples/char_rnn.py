"""Character-level LSTM language model (Karpathy's char-rnn, small): train, then sample text.

Run::

    python examples/char_rnn.py                     # trains on a built-in public-domain text
    python examples/char_rnn.py --text my_book.txt --steps 3000

Without ``--text`` it writes ``input.txt`` into ``--out`` from the string below (the
opening of Lewis Carroll's "Alice's Adventures in Wonderland", 1865, public domain) and
trains on that. Model: Embedding -> LSTM -> Linear over the characters, trained with
Adam on random windows (truncated backprop through ``--seq-len`` characters), gradient
norm clipped. At the end it prints a sample and writes ``sample.txt`` and ``loss.png``.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

import autograd as torch
import nn
import nn.functional as F
import optim

# Small models: threads cost more than they save on their matrices, and on a busy
# machine spinning BLAS workers make every step many times slower.
torch.set_num_threads(1)

TEXT = """\
Alice was beginning to get very tired of sitting by her sister on the bank, and of having
nothing to do: once or twice she had peeped into the book her sister was reading, but it had
no pictures or conversations in it, 'and what is the use of a book,' thought Alice 'without
pictures or conversations?'

So she was considering in her own mind (as well as she could, for the hot day made her feel
very sleepy and stupid), whether the pleasure of making a daisy-chain would be worth the
trouble of getting up and picking the daisies, when suddenly a White Rabbit with pink eyes
ran close by her.

There was nothing so very remarkable in that; nor did Alice think it so very much out of the
way to hear the Rabbit say to itself, 'Oh dear! Oh dear! I shall be late!' (when she thought
it over afterwards, it occurred to her that she ought to have wondered at this, but at the
time it all seemed quite natural); but when the Rabbit actually took a watch out of its
waistcoat-pocket, and looked at it, and then hurried on, Alice started to her feet, for it
flashed across her mind that she had never before seen a rabbit with either a
waistcoat-pocket, or a watch to take out of it, and burning with curiosity, she ran across
the field after it, and fortunately was just in time to see it pop down a large rabbit-hole
under the hedge.

In another moment down went Alice after it, never once considering how in the world she was
to get out again.

The rabbit-hole went straight on like a tunnel for some way, and then dipped suddenly down,
so suddenly that Alice had not a moment to think about stopping herself before she found
herself falling down a very deep well.

Either the well was very deep, or she fell very slowly, for she had plenty of time as she
went down to look about her and to wonder what was going to happen next. First, she tried to
look down and make out what she was coming to, but it was too dark to see anything; then she
looked at the sides of the well, and noticed that they were filled with cupboards and
book-shelves; here and there she saw maps and pictures hung upon pegs. She took down a jar
from one of the shelves as she passed; it was labelled 'ORANGE MARMALADE', but to her great

disappointment it was empty: she did not like to drop the jar for fear of killing somebody
underneath, so managed to put it into one of the cupboards as she fell past it.
"""


class CharLSTM(nn.Module):
    """Embedding(V, E) -> LSTM(E, H, layers, batch_first) -> Linear(H, V)."""

    def __init__(self, vocab: int, embed: int = 32, hidden: int = 128, layers: int = 1) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab, embed)
        self.lstm = nn.LSTM(embed, hidden, num_layers=layers, batch_first=True)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, idx, state=None):
        """idx (B, T) int64 -> logits (B, T, V), (h, c) each (layers, B, H)."""
        h, state = self.lstm(self.embed(idx), state)
        return self.head(h), state


def sample(model: CharLSTM, stoi: dict, itos: list, prime: str, length: int,
           temperature: float, rng: np.random.Generator) -> str:
    """Generate ``length`` characters after ``prime``, one at a time, feeding the state on."""
    model.eval()
    out = list(prime)
    with torch.no_grad():
        x = torch.tensor([[stoi[c] for c in prime]])
        logits, state = model(x)
        for _ in range(length):
            p = F.softmax(logits[0, -1] / temperature, dim=-1).numpy().astype(np.float64)
            c = int(rng.choice(len(p), p=p / p.sum()))
            out.append(itos[c])
            logits, state = model(torch.tensor([[c]]), state)
    model.train()
    return "".join(out)


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--text", default=None, help="a UTF-8 text file (default: the built-in text)")
    p.add_argument("--steps", type=int, default=1500)
    p.add_argument("--seq-len", type=int, default=64)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--hidden", type=int, default=128)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--sample-length", type=int, default=400)
    p.add_argument("--temperature", type=float, default=0.8)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="results/char_rnn")
    args = p.parse_args(argv)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.text is None:
        path = out / "input.txt"
        path.write_text(TEXT, encoding="utf-8")
    else:
        path = Path(args.text)
    text = path.read_text(encoding="utf-8")
    if len(text) <= args.seq_len + 1:
        p.error(f"the text in {path} has {len(text)} characters; need more than "
                f"--seq-len + 1 = {args.seq_len + 1}")
    itos = sorted(set(text))
    stoi = {c: i for i, c in enumerate(itos)}
    data = np.array([stoi[c] for c in text], dtype=np.int64)
    print(f"text: {path} ({len(text)} characters, vocabulary {len(itos)})")

    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    model = CharLSTM(len(itos), hidden=args.hidden)
    opt = optim.Adam(model.parameters(), lr=args.lr)
    print(model)
    losses, t0 = [], time.perf_counter()
    bar = tqdm(range(args.steps), desc="char-rnn", dynamic_ncols=True, mininterval=0.5,
               file=sys.stdout)
    for step in bar:
        starts = rng.integers(0, len(data) - args.seq_len - 1, size=args.batch_size)
        window = np.stack([data[s:s + args.seq_len + 1] for s in starts])
        x, y = torch.from_numpy(window[:, :-1].copy()), torch.from_numpy(window[:, 1:].copy())
        logits, _ = model(x)
        loss = F.cross_entropy(logits.reshape(-1, len(itos)), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())
        if step % 10 == 0:
            bar.set_postfix(loss=f"{np.mean(losses[-10:]):.3f}", refresh=False)
    seconds = time.perf_counter() - t0

    prime = text[:1] if text[0].isalpha() else itos[0]
    generated = sample(model, stoi, itos, prime, args.sample_length, args.temperature, rng)
    print(f"\ntrained {args.steps} steps in {seconds:.1f}s; final loss "
          f"{np.mean(losses[-20:]):.3f} (uniform guessing: {np.log(len(itos)):.3f})\n")
    print("--- sample " + "-" * 60)
    print(generated)
    print("-" * 71)

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(losses, lw=0.6, alpha=0.5, label="per step")
    k = max(1, len(losses) // 50)
    ax.plot(np.arange(k - 1, len(losses)), np.convolve(losses, np.ones(k) / k, "valid"),
            label=f"mean of {k}")
    ax.set(xlabel="step", ylabel="cross-entropy (nats/char)", title="char-LSTM training loss")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "loss.png", dpi=120)
    plt.close(fig)
    (out / "sample.txt").write_text(generated + "\n", encoding="utf-8")
    result = {"final_loss": round(float(np.mean(losses[-20:])), 4), "train_seconds": round(seconds, 2),
              "steps": args.steps, "vocab": len(itos)}
    (out / "results.json").write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out / 'sample.txt'}, {out / 'loss.png'} and {out / 'results.json'}")
    return result


if __name__ == "__main__":
    main()
