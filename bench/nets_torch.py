"""PyTorch's side of `npm run bench:nets`: one thread, relu MLPs on MSE loss with
Adam. It reads one JSON request per line on stdin and answers each with one
JSON line on stdout, so that bench/nets.ts can interleave PyTorch's trials with
Arena's (the machines are shared, and load that falls on one side only would
skew the ratios). The first line it prints names the BLAS library it loaded.

Requests: {"name", "sizes", "batch", "op": "train" | "act" | "dqn" | "ddpg", "rows", "seconds"}
and, for a conv case, "cnn": {"inputShape" [H, W, C], "filters", "kernels",
"strides", "dense"}: relu convolutions on frames scaled by 1/255, a relu dense
layer and a linear head of sizes[-1] (agents/lib/cnn.ts's trunk under a head).
ms per Adam step at `batch`, per batched forward pass (acting) of `rows`
rows, or per DQN gradient step as Stable-Baselines3 takes it (target net's
max without gradients, Q(s, a) by gather, smooth L1 loss, gradient-norm clip
at 10, Adam), or per DDPG update as Stable-Baselines3 takes it (its TD3 with one
critic, no delay and no target noise: critic step on the TD target of the
target nets, actor step on -Q(s, mu(s)), Polyak updates of both targets; for a
"ddpg" request, sizes are [obs, hidden..., action]), over a trial of about
`seconds` (after a warm-up, the first time)."""
import copy
import json
import sys
import time

import torch

torch.set_num_threads(1)


def blas_library():
    """The BLAS shared libraries this process loaded (Debian's torch calls whichever libblas.so.3 the system selects)."""
    torch.rand(8, 8) @ torch.rand(8, 8)
    with open("/proc/self/maps") as maps:
        paths = {line.split()[-1] for line in maps if "blas" in line.lower() and "/" in line}
    return sorted(paths)


nets = {}
warm = set()


class Scale(torch.nn.Module):
    """Pixels 0-255 to 0-1, as the trunk does it."""

    def forward(self, x):
        return x * (1 / 255)


def conv_net(spec, outputs):
    h, w, c = spec["inputShape"]
    layers = [Scale()]
    for filters, k, s in zip(spec["filters"], spec["kernels"], spec["strides"]):
        layers += [torch.nn.Conv2d(c, filters, k, s), torch.nn.ReLU()]
        h, w, c = (h - k) // s + 1, (w - k) // s + 1, filters
    layers += [torch.nn.Flatten(), torch.nn.Linear(h * w * c, spec["dense"]), torch.nn.ReLU(), torch.nn.Linear(spec["dense"], outputs)]
    return torch.nn.Sequential(*layers)


def input_shape(req):
    """One row's input shape: [C, H, W] frames for a conv case, else the MLP's input size."""
    if "cnn" in req:
        h, w, c = req["cnn"]["inputShape"]
        return [c, h, w]
    return [req["sizes"][0]]


def pixel_scale(req):
    """Inputs in [0, 255) for a conv case (pixels), in [0, 1) for an MLP."""
    return 255 if "cnn" in req else 1


def case(req):
    name = req["name"]
    if name not in nets:
        sizes = req["sizes"]
        layers = []
        for i in range(len(sizes) - 1):
            layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
            if i + 2 < len(sizes):
                layers.append(torch.nn.ReLU())
        net = conv_net(req["cnn"], sizes[-1]) if "cnn" in req else torch.nn.Sequential(*layers)
        gen = torch.Generator().manual_seed(0)
        x = (pixel_scale(req) * torch.rand(req["batch"], *input_shape(req), generator=gen)).numpy()
        y = torch.rand(req["batch"], sizes[-1], generator=gen).numpy()
        nets[name] = (net, torch.optim.Adam(net.parameters(), lr=1e-4), x, y, gen)
    return nets[name]


def dqn_fn(req):
    net, opt, x, y, gen = case(req)
    target = copy.deepcopy(net)
    sizes, batch = req["sizes"], req["batch"]
    obs = torch.rand(batch, sizes[0], generator=gen).numpy()
    next_obs = torch.rand(batch, sizes[0], generator=gen).numpy()
    actions = torch.randint(0, sizes[-1], (batch, 1), generator=gen).numpy()
    rewards = torch.rand(batch, generator=gen).numpy()
    dones = (torch.rand(batch, generator=gen) < 0.1).float().numpy()

    def update():
        with torch.no_grad():
            next_q = target(torch.from_numpy(next_obs)).max(dim=1)[0]
            y = torch.from_numpy(rewards) + 0.99 * (1 - torch.from_numpy(dones)) * next_q
        q = torch.gather(net(torch.from_numpy(obs)), 1, torch.from_numpy(actions)).squeeze(1)
        loss = torch.nn.functional.smooth_l1_loss(q, y)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 10)
        opt.step()
        return loss.item()

    return update


def mlp(sizes, last=None):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i + 2 < len(sizes):
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers, *([last] if last else []))


def ddpg_fn(req):
    sizes, batch = req["sizes"], req["batch"]
    obs_dim, hidden, act_dim = sizes[0], sizes[1:-1], sizes[-1]
    gen = torch.Generator().manual_seed(0)
    actor = mlp([obs_dim, *hidden, act_dim], torch.nn.Tanh())
    critic = mlp([obs_dim + act_dim, *hidden, 1])
    actor_target, critic_target = copy.deepcopy(actor), copy.deepcopy(critic)
    actor_opt = torch.optim.Adam(actor.parameters(), lr=1e-3)
    critic_opt = torch.optim.Adam(critic.parameters(), lr=1e-3)
    obs = torch.rand(batch, obs_dim, generator=gen)
    next_obs = torch.rand(batch, obs_dim, generator=gen)
    actions = 2 * torch.rand(batch, act_dim, generator=gen) - 1
    rewards = torch.rand(batch, 1, generator=gen)
    dones = (torch.rand(batch, 1, generator=gen) < 0.01).float()
    tau, gamma = 0.005, 0.98

    def update():
        with torch.no_grad():
            noise = actions.clone().data.normal_(0, 0.0).clamp(-0.0, 0.0)
            next_actions = (actor_target(next_obs) + noise).clamp(-1, 1)
            next_q = critic_target(torch.cat([next_obs, next_actions], dim=1))
            target_q = rewards + (1 - dones) * gamma * next_q
        current_q = critic(torch.cat([obs, actions], dim=1))
        critic_loss = torch.nn.functional.mse_loss(current_q, target_q)
        critic_opt.zero_grad()
        critic_loss.backward()
        critic_opt.step()
        actor_loss = -critic(torch.cat([obs, actor(obs)], dim=1)).mean()
        actor_opt.zero_grad()
        actor_loss.backward()
        actor_opt.step()
        with torch.no_grad():
            for net, target in ((critic, critic_target), (actor, actor_target)):
                for p, tp in zip(net.parameters(), target.parameters()):
                    tp.data.mul_(1 - tau)
                    torch.add(tp.data, p.data, alpha=tau, out=tp.data)
        return critic_loss.item()

    return update


def step_fn(req):
    if req["op"] == "dqn":
        return dqn_fn(req)
    if req["op"] == "ddpg":
        return ddpg_fn(req)
    net, opt, x, y, gen = case(req)
    if req["op"] == "train":

        def train():
            loss = torch.nn.functional.mse_loss(net(torch.from_numpy(x)), torch.from_numpy(y))
            opt.zero_grad()
            loss.backward()
            opt.step()
            return loss.item()

        return train
    xa = (pixel_scale(req) * torch.rand(req["rows"], *input_shape(req), generator=gen)).numpy()

    def act():
        with torch.no_grad():
            return net(torch.from_numpy(xa)).numpy()

    return act


def trial_ms(req):
    fn = step_fn(req)
    key = (req["name"], req["op"], req.get("rows"))
    if key not in warm:
        for _ in range(20):
            fn()
        warm.add(key)
    n = 0
    start = time.perf_counter()
    while True:
        fn()
        n += 1
        elapsed = time.perf_counter() - start
        if elapsed >= req["seconds"]:
            return 1000 * elapsed / n


if __name__ == "__main__":
    print(json.dumps({"blas": blas_library()}), flush=True)
    for line in sys.stdin:
        if line.strip():
            print(json.dumps({"ms": trial_ms(json.loads(line))}), flush=True)
