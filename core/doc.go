// Package core is ndalab's vocabulary: batches, component kinds, descriptors,
// the four component interfaces and the error kinds that survive the plugin
// boundary.
package core
