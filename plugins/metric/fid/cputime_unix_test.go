//go:build unix

package fid

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time this process has used, all threads together.
// Benchmarks report it per op next to wall time, because on a shared
// machine the wall time mostly measures the other tenants.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
