"""Reference values for crosscheck_test.go.

    go test ./plugins/metric/internal/crosscheck -run TestCrossCheck -dump /tmp/xc
    python3 testdata/crosscheck.py /tmp/xc/far.json /tmp/xc/near.json /tmp/xc/knn.json /tmp/xc/probe.json

Needs numpy, scipy and scikit-learn (Debian: python3-numpy python3-scipy
python3-sklearn). Each implementation follows its reference: FID as
pytorch-fid's calculate_frechet_distance, KID as the unbiased polynomial
MMD of Binkowski et al.'s code, PRDC as Naeem et al.'s compute_prdc.
"""
import json
import sys

import numpy as np
import scipy.linalg
from sklearn.metrics import average_precision_score, roc_auc_score, roc_curve


def fid(g, r):
    mu1, s1 = g.mean(0), np.cov(g, rowvar=False)
    mu2, s2 = r.mean(0), np.cov(r, rowvar=False)
    covmean, _ = scipy.linalg.sqrtm(s1.dot(s2), disp=False)
    if not np.isfinite(covmean).all():
        off = np.eye(s1.shape[0]) * 1e-6
        covmean = scipy.linalg.sqrtm((s1 + off).dot(s2 + off))
    covmean = covmean.real
    return ((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean)


def mmd(g, r):
    d, m = g.shape[1], g.shape[0]
    k = lambda a, b: (a @ b.T / d + 1) ** 3
    kxx, kyy, kxy = k(g, g), k(r, r), k(g, r)
    return ((kxx.sum() - np.trace(kxx)) / (m * (m - 1))
            + (kyy.sum() - np.trace(kyy)) / (m * (m - 1)) - 2 * kxy.sum() / (m * m))


def prdc(real, fake, k=5):
    def dist(a, b):
        return np.sqrt(np.maximum((a ** 2).sum(1)[:, None] + (b ** 2).sum(1)[None, :] - 2 * a @ b.T, 0))
    rr = np.sort(dist(real, real), axis=1)[:, k]
    rf = np.sort(dist(fake, fake), axis=1)[:, k]
    d = dist(real, fake)
    return ((d < rr[:, None]).any(0).mean(), (d < rf[None, :]).any(1).mean(),
            (1 / k) * (d < rr[:, None]).sum(0).mean(), (d.min(1) < rr).mean())


for path in sys.argv[1:]:
    o = json.load(open(path))
    if "wd" in o:
        from sklearn.linear_model import LogisticRegression
        d = o["d"]
        x = np.array(o["x"]).reshape(-1, d)
        xs = (x - x.mean(0)) / x.std(0)
        clf = LogisticRegression(C=1 / (o["wd"] * len(x)), tol=1e-12, max_iter=100000)
        clf.fit(xs, o["y"])
        print(path, "probe W:", repr(clf.coef_.tolist()), "b:", repr(clf.intercept_.tolist()))
        continue
    if "train" in o:
        from sklearn.neighbors import KNeighborsClassifier
        d = o["d"]
        tr, te = np.array(o["train"]).reshape(-1, d), np.array(o["test"]).reshape(-1, d)
        clf = KNeighborsClassifier(n_neighbors=20, metric="cosine", algorithm="brute",
                                   weights=lambda dist: np.exp((1 - dist) / 0.07))
        clf.fit(tr, o["train_y"])
        print(path, "knn right:", int((clf.predict(te) == np.array(o["test_y"])).sum()), "of", len(te))
        continue
    n, d = o["n"], o["d"]
    g = np.array(o["gen"]).reshape(n, d)
    r = np.array(o["real"]).reshape(n, d)
    pos, neg = np.array(o["pos"]), np.array(o["neg"])
    y, s = np.r_[np.ones(len(pos)), np.zeros(len(neg))], np.r_[pos, neg]
    fpr, tpr, _ = roc_curve(y, s)
    print(path)
    print("  fid", repr(fid(g, r)), "mmd", repr(mmd(g, r)))
    print("  precision, recall, density, coverage", [repr(v) for v in prdc(r, g)])
    print("  auroc", repr(roc_auc_score(y, s)), "fpr95", repr(fpr[np.argmax(tpr >= 0.95)]),
          "aupr", repr(average_precision_score(y, s)))
