"""PyTorch's side of `npm run bench:nets`: ms per Adam step of a relu MLP on MSE
loss, and ms per batched forward pass (acting), one thread, for the cases given
as JSON on stdin ([{"name", "sizes", "batch", "actBatches"}]); one JSON line
per case on stdout. bench/nets.ts runs it in the same invocation and prints ratios."""
import json
import sys
import time

import torch

torch.set_num_threads(1)


def median_ms(fn, seconds):
    for _ in range(20):
        fn()
    trials = []
    for _ in range(3):
        n = 0
        start = time.perf_counter()
        while True:
            fn()
            n += 1
            elapsed = time.perf_counter() - start
            if elapsed >= seconds:
                break
        trials.append(1000 * elapsed / n)
    return sorted(trials)[1]


def run(case, seconds):
    sizes = case["sizes"]
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i + 2 < len(sizes):
            layers.append(torch.nn.ReLU())
    net = torch.nn.Sequential(*layers)
    opt = torch.optim.Adam(net.parameters(), lr=1e-4)
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(case["batch"], sizes[0], generator=gen).numpy()
    y = torch.rand(case["batch"], sizes[-1], generator=gen).numpy()

    def train():
        loss = torch.nn.functional.mse_loss(net(torch.from_numpy(x)), torch.from_numpy(y))
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()

    out = {"name": case["name"], "train_ms": median_ms(train, seconds), "act_ms": {}}
    for b in case["actBatches"]:
        xa = torch.rand(b, sizes[0], generator=gen).numpy()

        def act():
            with torch.no_grad():
                return net(torch.from_numpy(xa)).numpy()

        out["act_ms"][str(b)] = median_ms(act, seconds / 2)
    return out


def blas_library():
    """The BLAS shared library this process loaded (Debian's torch calls whichever libblas.so.3 the system selects)."""
    torch.rand(8, 8) @ torch.rand(8, 8)
    with open("/proc/self/maps") as maps:
        paths = {line.split()[-1] for line in maps if "blas" in line.lower() and "/" in line}
    return sorted(paths)


if __name__ == "__main__":
    spec = json.load(sys.stdin)
    print(json.dumps({"blas": blas_library()}), flush=True)
    for case in spec["cases"]:
        print(json.dumps(run(case, spec["seconds"])), flush=True)
