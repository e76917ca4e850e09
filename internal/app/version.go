package app

import (
	"fmt"
	"runtime/debug"
	"strings"
)

// Version is this build's version: what -ldflags "-X
// github.com/lintel-dev/lintel/internal/app.Version=..." set, or else the
// one the Go toolchain recorded in the binary (the module version of a `go
// install ...@vX`, or "devel" with the commit of a build from a checkout).
var Version = ""

func init() {
	if Version == "" {
		bi, _ := debug.ReadBuildInfo()
		Version = shortVersion(bi)
	}
}

// BuildInfo is what the toolchain recorded about this binary.
type BuildInfo struct {
	Version  string // as Version
	Module   string // the main module's path
	Revision string // the VCS commit, when built from a checkout
	Time     string // the commit's time (RFC 3339)
	Modified bool   // the checkout had uncommitted changes
	Go       string // the Go version that built it
}

// ReadBuildInfo returns the build's version, module, VCS revision and Go
// version, as far as they were recorded.
func ReadBuildInfo() BuildInfo {
	bi, _ := debug.ReadBuildInfo()
	return describe(bi, Version)
}

func describe(bi *debug.BuildInfo, version string) BuildInfo {
	b := BuildInfo{Version: version}
	if bi == nil {
		return b
	}
	b.Module, b.Go = bi.Main.Path, bi.GoVersion
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Revision = s.Value
		case "vcs.time":
			b.Time = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		}
	}
	return b
}

// shortVersion is the one-word version of a build: the module version when
// it is a release or pseudo-version, else "devel" and the first 12 digits
// of the commit ("+dirty" when the checkout was modified).
func shortVersion(bi *debug.BuildInfo) string {
	if bi == nil {
		return "unknown"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	d := describe(bi, "")
	v := "devel"
	if d.Revision != "" {
		v += "+" + d.Revision[:min(12, len(d.Revision))]
		if d.Modified {
			v += "-dirty"
		}
	}
	return v
}

// String is the multi-line description lintel version prints.
func (b BuildInfo) String() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "lintel %s\n", b.Version)
	if b.Module != "" {
		fmt.Fprintf(&sb, "  module    %s\n", b.Module)
	}
	if b.Revision != "" {
		rev := b.Revision
		if b.Time != "" {
			rev += " (" + b.Time + ")"
		}
		if b.Modified {
			rev += " with uncommitted changes"
		}
		fmt.Fprintf(&sb, "  revision  %s\n", rev)
	}
	if b.Go != "" {
		fmt.Fprintf(&sb, "  go        %s\n", b.Go)
	}
	return sb.String()
}
