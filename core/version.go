package core

// Version is ndalab's own version, recorded with every run.
const Version = "0.1.0"

// ProtocolVersion is the plugin protocol this build speaks. It is in
// package core so that records and descriptors can name it without importing
// the protocol package.
const ProtocolVersion = 1
