"""One dcgan step (D then G) in PyTorch on weights and inputs written by
parity_test.go, for comparison with ndalab's dcgan model.

usage: python3 parity.py IN.json OUT.json

The networks are built exactly as shared/peers/torch_dcgan_mnist.py builds
them; the input file carries every tensor by ndalab's name, the noise z,
the real and negative batches and lambda. The output holds the D and G
losses and the gradients of every trainable tensor under ndalab's names.
"""
import json
import sys

import torch
import torch.nn as nn

src, dst = sys.argv[1], sys.argv[2]
with open(src) as f:
    inp = json.load(f)
torch.set_num_threads(1)
torch.set_default_dtype(torch.float32)

G = nn.Sequential(
    nn.Linear(64, 128 * 7 * 7), nn.BatchNorm1d(128 * 7 * 7), nn.ReLU(), nn.Unflatten(1, (128, 7, 7)),
    nn.Upsample(scale_factor=2), nn.Conv2d(128, 64, 3, 1, 1), nn.BatchNorm2d(64), nn.ReLU(),
    nn.Upsample(scale_factor=2), nn.Conv2d(64, 1, 3, 1, 1), nn.Tanh())
D = nn.Sequential(
    nn.Conv2d(1, 64, 4, 2, 1), nn.LeakyReLU(0.2),
    nn.Conv2d(64, 128, 4, 2, 1), nn.LeakyReLU(0.2),
    nn.Flatten(), nn.Linear(128 * 7 * 7, 1))

# ndalab name -> (module, torch attribute)
names = {
    "G/fc.w": (G[0], "weight"), "G/fc.b": (G[0], "bias"),
    "G/bn0.gamma": (G[1], "weight"), "G/bn0.beta": (G[1], "bias"),
    "G/bn0.mean": (G[1], "running_mean"), "G/bn0.var": (G[1], "running_var"),
    "G/conv1.w": (G[5], "weight"), "G/conv1.b": (G[5], "bias"),
    "G/bn1.gamma": (G[6], "weight"), "G/bn1.beta": (G[6], "bias"),
    "G/bn1.mean": (G[6], "running_mean"), "G/bn1.var": (G[6], "running_var"),
    "G/conv2.w": (G[9], "weight"), "G/conv2.b": (G[9], "bias"),
    "D/conv1.w": (D[0], "weight"), "D/conv1.b": (D[0], "bias"),
    "D/conv2.w": (D[2], "weight"), "D/conv2.b": (D[2], "bias"),
    "D/fc.w": (D[5], "weight"), "D/fc.b": (D[5], "bias"),
}
with torch.no_grad():
    for name, (mod, attr) in names.items():
        t = getattr(mod, attr)
        t.copy_(torch.tensor(inp["tensors"][name], dtype=torch.float32).reshape(t.shape))

oG = torch.optim.Adam(G.parameters(), 2e-4, betas=(0.5, 0.999))
oD = torch.optim.Adam(D.parameters(), inp["lr_d"], betas=(0.5, 0.999))
n = inp["n"]
real = torch.tensor(inp["real"]).reshape(n, 1, 28, 28)
neg = torch.tensor(inp["neg"]).reshape(n, 1, 28, 28)
z = torch.tensor(inp["z"]).reshape(n, 64)
lam = inp["lambda"]

# The D step, as the peer does it.
fake = G(z)
oD.zero_grad()
l_real = torch.relu(1 - D(real)).mean()
l_fake = lam * torch.relu(1 + D(fake.detach())).mean() + (1 - lam) * torch.relu(1 + D(neg)).mean()
loss_d = l_real + l_fake
loss_d.backward()
grads = {name: getattr(mod, attr).grad.flatten().tolist()
         for name, (mod, attr) in names.items() if name.startswith("D/") and attr in ("weight", "bias")}
oD.step()

# The G step against the updated D.
oG.zero_grad()
loss_g = -D(fake).mean()
loss_g.backward()
grads.update({name: getattr(mod, attr).grad.flatten().tolist()
              for name, (mod, attr) in names.items() if name.startswith("G/") and attr in ("weight", "bias")})
state = {name: getattr(mod, attr).flatten().tolist()
         for name, (mod, attr) in names.items() if attr.startswith("running")}

with open(dst, "w") as f:
    json.dump({"loss_d": loss_d.item(), "loss_g": loss_g.item(), "grads": grads, "state": state}, f)
