package encoder

import "math"

// infoNCE computes, for n anchors q (n×d) and their positives k (n×d), with
// m NDA negatives per anchor in neg (n·m×d, anchor i's at rows i·m…), all
// rows already L2-normalised,
//
//	L = -mean_i log( exp(q_i·k_i/τ) / Σ_{c ∈ C_i} exp(q_i·c/τ) ),
//
// C_i being every k_j and anchor i's own negatives: the loss of
// core/objective.InfoNCE without a queue. It adds the gradients to dq, dk
// and dneg and returns the loss and the fraction of anchors whose positive
// scores highest.
func infoNCE(q, k, neg []float32, n, m, d int, tau float64, dq, dk, dneg []float32) (float64, float64) {
	var loss float64
	correct := 0
	logits := make([]float64, n+m)
	for i := range n {
		qi := q[i*d : (i+1)*d]
		best := 0
		for j := range n {
			logits[j] = dot(qi, k[j*d:(j+1)*d]) / tau
		}
		for j := range m {
			logits[n+j] = dot(qi, neg[(i*m+j)*d:(i*m+j+1)*d]) / tau
		}
		for j := range logits {
			if logits[j] > logits[best] {
				best = j
			}
		}
		if best == i {
			correct++
		}

		// Softmax over the candidates, shifted by the maximum.
		var sum float64
		for _, l := range logits {
			sum += math.Exp(l - logits[best])
		}
		loss += (logits[best] + math.Log(sum) - logits[i]) / float64(n)

		// dL/dlogit_c = (p_c - [c is the positive])/n; logit = q·c/τ.
		for j, l := range logits {
			g := math.Exp(l-logits[best]) / sum
			if j == i {
				g--
			}
			g /= float64(n) * tau
			var c, dc []float32
			if j < n {
				c, dc = k[j*d:(j+1)*d], dk[j*d:(j+1)*d]
			} else {
				r := i*m + j - n
				c, dc = neg[r*d:(r+1)*d], dneg[r*d:(r+1)*d]
			}
			dqi := dq[i*d : (i+1)*d]
			for t := range d {
				dqi[t] += float32(g * float64(c[t]))
				dc[t] += float32(g * float64(qi[t]))
			}
		}
	}
	return loss, float64(correct) / float64(n)
}

func dot(a, b []float32) float64 {
	var s float64
	for i, v := range a {
		s += float64(v) * float64(b[i])
	}
	return s
}

// normalizeRows writes u/‖u‖ row by row (n rows of d) into z and keeps the
// norms for the backward pass.
func normalizeRows(u, z []float32, norms []float64, d int) {
	for i := range norms {
		row := u[i*d : (i+1)*d]
		norms[i] = math.Max(math.Sqrt(dot(row, row)), 1e-12)
		for t, v := range row {
			z[i*d+t] = float32(float64(v) / norms[i])
		}
	}
}

// normalizeRowsBackward turns dz into du = (dz - z·(z·dz))/‖u‖, in place.
func normalizeRowsBackward(z, dz []float32, norms []float64, d int) {
	for i, nrm := range norms {
		zr, g := z[i*d:(i+1)*d], dz[i*d:(i+1)*d]
		zd := dot(zr, g)
		for t := range g {
			g[t] = float32((float64(g[t]) - float64(zr[t])*zd) / nrm)
		}
	}
}
