// Package runner trains and evaluates experiment cells: the GAN,
// contrastive, anomaly and classifier loops, the prefetch pipeline, the
// evaluation schedule, checkpoints, artifacts, progress and the resume
// logic. It talks to plugins only through the core interfaces, started by a
// Launcher, and records everything in a results store.
package runner
