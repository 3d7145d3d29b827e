#!/bin/sh
# bench-vs-torch.sh: train the dcgan reference configuration (28×28×1, batch
# 64, one D step with an NDA batch and one G step) with ndalab and with the
# PyTorch peer at the same thread count, and print both figures and their
# ratio.
#
# usage: scripts/bench-vs-torch.sh [THREADS [STEPS [BATCH [ROUNDS]]]]
#
# Each round runs ndalab, then PyTorch right after it. A shared machine's
# speed drifts between runs, so with several rounds (default 3) the last
# line gives the median of each side's figures and the ratio of the medians.
#
# Environment: TAGS (go build tags; by default, as the Makefile picks them,
# openblas and onednn where their libraries are installed; "" for pure Go),
# PEER (the PyTorch script, default ../shared/peers/torch_dcgan_mnist.py
# from the repository root), PYTHON (default /usr/bin/python3).
set -eu

threads=${1:-2}
steps=${2:-30}
batch=${3:-64}
rounds=${4:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
if [ "${TAGS+set}" = set ]; then
	tags=$TAGS
else
	tags=
	ldconfig -p 2>/dev/null | grep -q 'libopenblas\.so ' && tags=openblas
	ldconfig -p 2>/dev/null | grep -q 'libdnnl\.so ' && tags="$tags onednn"
fi
peer=${PEER:-$root/../shared/peers/torch_dcgan_mnist.py}
python=${PYTHON:-/usr/bin/python3}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$root" && go build -tags "$tags" -o "$tmp/ndalab" ./cmd/ndalab)

round=1
while [ "$round" -le "$rounds" ]; do
	# The kernels hold OpenBLAS to one thread themselves; the variable
	# makes sure its pool never starts more.
	echo "== round $round/$rounds: ndalab (tags: ${tags:-none})"
	OPENBLAS_NUM_THREADS=1 "$tmp/ndalab" bench gan --threads "$threads" --steps "$steps" \
		--batch "$batch" | tee "$tmp/ours"
	echo "== round $round/$rounds: PyTorch ($peer)"
	"$python" "$peer" "$threads" "$steps" "$batch" | tee "$tmp/peer"

	ours=$(sed -n 's/^images_per_s=\([0-9.]*\)$/\1/p' "$tmp/ours")
	theirs=$(sed -n 's/.*images_per_s=\([0-9.]*\).*/\1/p' "$tmp/peer")
	if [ -z "$ours" ] || [ -z "$theirs" ]; then
		echo "bench-vs-torch: could not read images_per_s from both runs" >&2
		exit 1
	fi
	echo "$ours" >>"$tmp/ours.all"
	echo "$theirs" >>"$tmp/peer.all"
	awk -v o="$ours" -v t="$theirs" -v n="$threads" -v r="$round" 'BEGIN {
		printf "round=%d threads=%d ndalab_images_per_s=%s torch_images_per_s=%s ratio=%.2f\n",
			r, n, o, t, o / t
	}'
	round=$((round + 1))
done

median() { sort -n "$1" | awk '{ v[NR] = $1 } END {
	print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
}'; }
ours=$(median "$tmp/ours.all")
theirs=$(median "$tmp/peer.all")
awk -v o="$ours" -v t="$theirs" -v n="$threads" -v k="$rounds" 'BEGIN {
	printf "median of %d: threads=%d ndalab_images_per_s=%s torch_images_per_s=%s ratio=%.2f\n",
		k, n, o, t, o / t
}'
