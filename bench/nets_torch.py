"""PyTorch's side of `npm run bench:nets`: one thread, relu MLPs on MSE loss with
Adam. It reads one JSON request per line on stdin and answers each with one
JSON line on stdout, so that bench/nets.ts can interleave PyTorch's trials with
Arena's (the machines are shared, and load that falls on one side only would
skew the ratios). The first line it prints names the BLAS library it loaded.

Requests: {"name", "sizes", "batch", "op": "train" | "act" | "dqn" | "ddpg" |
"td3" | "sac", "rows", "seconds", "hp"} and, for a conv case, "cnn":
{"inputShape" [H, W, C], "filters", "kernels", "strides", "dense"}: relu
convolutions on frames scaled by 1/255, a relu dense layer and a linear head of
sizes[-1] (agents/lib/cnn.ts's trunk under a head). The answer is CPU ms
(time.process_time) per call over a trial of about `seconds` of wall time, each
case's model built and warmed up on its first request and kept for the next:
per Adam step at `batch`, per batched forward pass (acting) of `rows` rows, or
per update of an agent as Stable-Baselines3 takes it (for the continuous ones,
sizes are [obs, hidden..., action] and "hp" holds the agent's numbers):
- dqn: target net's max without gradients, Q(s, a) by gather, smooth L1 loss,
  gradient-norm clip at 10, Adam;
- ddpg: its TD3 with one critic, no delay and no target noise: critic step on
  the TD target of the target nets, actor step on -Q(s, mu(s)), Polyak updates
  of both targets (SB3's polyak_update, a loop over the tensors);
- td3: TD3.train over one policy-delay cycle (policyDelay gradient steps):
  target actions with clipped smoothing noise, the min of the twin target
  critics, both critics' MSE summed, and every policyDelay-th step the actor
  step on -Q1(s, mu(s)) and the Polyak updates (as foreach ops);
- sac: SAC.train with ent_coef 'auto': one reparameterized sample of pi(.|s)
  for both the entropy coefficient's loss and the actor's, the critic step on
  min of the target critics minus alpha log pi(a'|s'), 0.5 times both critics'
  MSE, the actor step on alpha log pi - min(Q1, Q2)(s, pi(s)), the target
  critics' Polyak update (foreach ops).
"""
import copy
import json
import math
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


def continuous_batch(batch, obs_dim, act_dim, gen):
    """A fixed random batch for a continuous-action update: actions in [-1, 1), 1% of them terminal."""
    obs = torch.rand(batch, obs_dim, generator=gen)
    next_obs = torch.rand(batch, obs_dim, generator=gen)
    actions = 2 * torch.rand(batch, act_dim, generator=gen) - 1
    rewards = torch.rand(batch, 1, generator=gen)
    dones = (torch.rand(batch, 1, generator=gen) < 0.01).float()
    return obs, actions, rewards, next_obs, dones


def polyak(nets, targets, tau):
    """Every target tensor moves tau of the way to its online tensor, in two foreach calls."""
    online = [p for net in nets for p in net.parameters()]
    target = [p for net in targets for p in net.parameters()]
    with torch.no_grad():
        torch._foreach_mul_(target, 1 - tau)
        torch._foreach_add_(target, online, alpha=tau)


def twin_critics(obs_dim, hidden, act_dim):
    """Two Q networks on [s, a] under one optimizer (SB3's ContinuousCritic with n_critics=2) and their target copies."""
    critics = torch.nn.ModuleList([mlp([obs_dim + act_dim, *hidden, 1]) for _ in range(2)])
    return critics, copy.deepcopy(critics)


def td3_fn(req):
    """TD3's gradient steps as SB3's TD3.train takes them, one policy-delay cycle per call."""
    sizes, batch, hp = req["sizes"], req["batch"], req["hp"]
    obs_dim, hidden, act_dim = sizes[0], sizes[1:-1], sizes[-1]
    gamma, tau, delay = hp["gamma"], hp["tau"], int(hp["policyDelay"])
    torch.manual_seed(0)
    actor = mlp([obs_dim, *hidden, act_dim], torch.nn.Tanh())
    actor_target = copy.deepcopy(actor)
    critics, critic_targets = twin_critics(obs_dim, hidden, act_dim)
    actor_opt = torch.optim.Adam(actor.parameters(), lr=hp["learningRate"])
    critic_opt = torch.optim.Adam(critics.parameters(), lr=hp["learningRate"])
    obs, actions, rewards, next_obs, dones = continuous_batch(batch, obs_dim, act_dim, torch.Generator().manual_seed(0))
    updates = [0]

    def step():
        updates[0] += 1
        with torch.no_grad():
            # Target policy smoothing: clipped Gaussian noise on the target actor's action.
            noise = actions.clone().normal_(0, hp["targetNoise"]).clamp(-hp["targetNoiseClip"], hp["targetNoiseClip"])
            next_actions = (actor_target(next_obs) + noise).clamp(-1, 1)
            next_in = torch.cat([next_obs, next_actions], dim=1)
            next_q, _ = torch.min(torch.cat([q(next_in) for q in critic_targets], dim=1), dim=1, keepdim=True)
            target_q = rewards + (1 - dones) * gamma * next_q
        current_in = torch.cat([obs, actions], dim=1)
        critic_loss = sum(torch.nn.functional.mse_loss(q(current_in), target_q) for q in critics)
        critic_loss.item()
        critic_opt.zero_grad()
        critic_loss.backward()
        critic_opt.step()
        if updates[0] % delay == 0:
            actor_loss = -critics[0](torch.cat([obs, actor(obs)], dim=1)).mean()
            actor_loss.item()
            actor_opt.zero_grad()
            actor_loss.backward()
            actor_opt.step()
            polyak([critics, actor], [critic_targets, actor_target], tau)

    def cycle():
        for _ in range(delay):
            step()

    return cycle


class SquashedGaussianActor(torch.nn.Module):
    """SB3's SAC actor: a relu MLP trunk, linear mean and log-std heads, log-std clamped to [-20, 2]."""

    def __init__(self, obs_dim, hidden, act_dim):
        super().__init__()
        self.latent = torch.nn.Sequential(mlp([obs_dim, *hidden]), torch.nn.ReLU())
        self.mu = torch.nn.Linear(hidden[-1], act_dim)
        self.log_std = torch.nn.Linear(hidden[-1], act_dim)

    def action_log_prob(self, obs):
        """A reparameterized sample tanh(u), u ~ N(mean, std^2), and its log-density with SB3's 1e-6 inside the log."""
        latent = self.latent(obs)
        mean = self.mu(latent)
        std = self.log_std(latent).clamp(-20, 2).exp()
        u = mean + std * torch.randn_like(mean)
        a = torch.tanh(u)
        gaussian = -((u - mean) ** 2) / (2 * std**2) - std.log() - math.log(math.sqrt(2 * math.pi))
        return a, gaussian.sum(dim=1, keepdim=True) - torch.log(1 - a**2 + 1e-6).sum(dim=1, keepdim=True)


def sac_fn(req):
    """One SAC gradient step as SB3's SAC.train takes it with ent_coef 'auto'."""
    sizes, batch, hp = req["sizes"], req["batch"], req["hp"]
    obs_dim, hidden, act_dim = sizes[0], sizes[1:-1], sizes[-1]
    gamma, tau, target_entropy = hp["gamma"], hp["tau"], hp["targetEntropy"]
    torch.manual_seed(0)
    actor = SquashedGaussianActor(obs_dim, hidden, act_dim)
    critics, critic_targets = twin_critics(obs_dim, hidden, act_dim)
    log_ent_coef = torch.full((1,), math.log(hp["entCoefInit"]), requires_grad=True)
    actor_opt = torch.optim.Adam(actor.parameters(), lr=hp["learningRate"])
    critic_opt = torch.optim.Adam(critics.parameters(), lr=hp["learningRate"])
    ent_opt = torch.optim.Adam([log_ent_coef], lr=hp["learningRate"])
    obs, actions, rewards, next_obs, dones = continuous_batch(batch, obs_dim, act_dim, torch.Generator().manual_seed(0))

    def step():
        # One sample of pi(.|s) serves the entropy coefficient's loss and the actor's.
        actions_pi, log_prob = actor.action_log_prob(obs)
        ent_coef = torch.exp(log_ent_coef.detach())
        ent_coef_loss = -(log_ent_coef * (log_prob + target_entropy).detach()).mean()
        ent_coef_loss.item()
        ent_opt.zero_grad()
        ent_coef_loss.backward()
        ent_opt.step()
        with torch.no_grad():
            next_actions, next_log_prob = actor.action_log_prob(next_obs)
            next_in = torch.cat([next_obs, next_actions], dim=1)
            next_q, _ = torch.min(torch.cat([q(next_in) for q in critic_targets], dim=1), dim=1, keepdim=True)
            target_q = rewards + (1 - dones) * gamma * (next_q - ent_coef * next_log_prob)
        current_in = torch.cat([obs, actions], dim=1)
        critic_loss = 0.5 * sum(torch.nn.functional.mse_loss(q(current_in), target_q) for q in critics)
        critic_loss.item()
        critic_opt.zero_grad()
        critic_loss.backward()
        critic_opt.step()
        pi_in = torch.cat([obs, actions_pi], dim=1)
        min_q_pi, _ = torch.min(torch.cat([q(pi_in) for q in critics], dim=1), dim=1, keepdim=True)
        actor_loss = (ent_coef * log_prob - min_q_pi).mean()
        actor_loss.item()
        actor_opt.zero_grad()
        actor_loss.backward()
        actor_opt.step()
        polyak([critics], [critic_targets], tau)

    return step


UPDATES = {"dqn": dqn_fn, "ddpg": ddpg_fn, "td3": td3_fn, "sac": sac_fn}


def step_fn(req):
    if req["op"] in UPDATES:
        return UPDATES[req["op"]](req)
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


fns = {}


def trial_ms(req):
    """CPU ms per call (time.process_time: the process's user and system time) over a trial of about `seconds` of wall time."""
    key = (req["name"], req["op"], req.get("rows"))
    if key not in fns:
        # One model per case, kept across its trials (as Arena's side keeps its own), warmed up once.
        fns[key] = step_fn(req)
        for _ in range(20):
            fns[key]()
    fn = fns[key]
    n = 0
    start = time.perf_counter()
    cpu = time.process_time()
    while True:
        fn()
        n += 1
        if time.perf_counter() - start >= req["seconds"]:
            return 1000 * (time.process_time() - cpu) / n


if __name__ == "__main__":
    print(json.dumps({"blas": blas_library()}), flush=True)
    for line in sys.stdin:
        if line.strip():
            print(json.dumps({"ms": trial_ms(json.loads(line))}), flush=True)
