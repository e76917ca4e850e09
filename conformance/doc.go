// Package conformance checks that Lintel is wire-compatible with DoorFlow
// API v3 by driving it with the official DoorFlow Node SDK (the npm package
// doorflow, pinned in package.json). The package holds no Go code of its
// own: its test starts Lintel with the demo account on every test backend,
// installs the SDK with npm ci, and runs the Node suite sdk.test.mjs
// against it. README.md explains how to run the suite by hand.
package conformance
