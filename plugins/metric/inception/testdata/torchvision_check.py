"""Regenerates torchvision_features.json for torch_test.go.

    echo '{}' > testdata/torchvision_features.json   # if it does not exist
    go test ./plugins/metric/inception -run TestAgainstTorchvision -torchdump /tmp/tv
    python3 plugins/metric/inception/testdata/torchvision_check.py /tmp/tv \
        > plugins/metric/inception/testdata/torchvision_features.json

Needs torch and torchvision (Debian: python3-torchvision). The safetensors
file is parsed by hand (8-byte header length, JSON header, raw data).
"""
import json
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F
import torchvision

d = sys.argv[1]
raw = open(d + "/weights.safetensors", "rb").read()
(hlen,) = struct.unpack("<Q", raw[:8])
header = json.loads(raw[8:8 + hlen])
body = raw[8 + hlen:]
state = {}
for name, info in header.items():
    if name == "__metadata__" or name.startswith("fc."):
        continue
    a, b = info["data_offsets"]
    arr = np.frombuffer(body[a:b], dtype="<f4").reshape(info["shape"])
    state[name] = torch.from_numpy(arr.copy())

net = torchvision.models.Inception3(aux_logits=False, transform_input=False, init_weights=False)
missing, unexpected = net.load_state_dict(state, strict=False)
assert set(missing) <= {"fc.weight", "fc.bias"} | {k for k in missing if k.endswith("num_batches_tracked")}, missing
assert not unexpected, unexpected
net.fc = torch.nn.Identity()
net.eval()

# pytorch-fid's FIDInception blocks differ only in pooling: their average
# pools leave padding out of the count, and Mixed_7c's pooling branch is a
# 3×3 max pool. Emulate them by routing the blocks' avg_pool2d calls.
mode = {"fid": False, "max": False}
plain_avg_pool2d = F.avg_pool2d


def routed_avg_pool2d(x, kernel_size, stride=None, padding=0, **kw):
    if not mode["fid"]:
        return plain_avg_pool2d(x, kernel_size, stride=stride, padding=padding, **kw)
    if mode["max"]:
        return F.max_pool2d(x, kernel_size, stride=stride, padding=padding)
    return plain_avg_pool2d(x, kernel_size, stride=stride, padding=padding, count_include_pad=False)


F.avg_pool2d = routed_avg_pool2d
net.Mixed_7c.register_forward_pre_hook(lambda m, i: mode.update(max=True))
net.Mixed_7c.register_forward_hook(lambda m, i, o: mode.update(max=False))

shapes = [(3, 40, 40), (1, 33, 47)]
out = {}
with torch.no_grad():
    for variant in ("torchvision", "fid"):
        mode["fid"] = variant == "fid"
        out[variant] = []
        for k, (c, h, w) in enumerate(shapes):
            x = np.fromfile(f"{d}/image{k}.bin", dtype="<f4").reshape(1, c, h, w)
            x = torch.from_numpy(x).repeat(1, 3 // c, 1, 1)
            x = F.interpolate(x, size=(107, 107), mode="bilinear", align_corners=False)
            out[variant].append(net(x)[0].double().tolist())
json.dump(out, sys.stdout)
