//go:build !unix

package native

import (
	"os"
	"os/exec"
)

// killGroup leaves cmd as it is: cancelling its context kills the go
// command only.
func killGroup(*exec.Cmd) {}

// lockFile does nothing where plugins cannot load anyway.
func lockFile(*os.File) error { return nil }

// unlockFile does nothing.
func unlockFile(*os.File) error { return nil }
