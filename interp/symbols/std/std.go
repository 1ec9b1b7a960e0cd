// Package std completes yaegi's symbol tables of the standard library,
// written for Go 1.22, for the Go gopar is built with: the packages and
// names yaegi's tables lack (strings.SplitSeq, os.Root, crypto/sha3...),
// generated with yaegi's extract tool from this Go's sources. Run
// `go generate ./interp/symbols/std/` with a new Go; TestTablesAreComplete
// says when it is needed.
//
// The engine adds these tables after yaegi's, name by name, so that
// yaegi's versions of the names it restricts (os.Exit, log.New...) stay.
// Generic functions and types are not in symbol tables (see package
// interp/gostd for slices, maps, cmp and iter).
package std

import "reflect"

//go:generate go run gen.go

// Symbols maps "importpath/pkgname" to the exported symbols of that
// package, in the layout yaegi's Interpreter.Use expects.
var Symbols = map[string]map[string]reflect.Value{}

// Excluded are the standard packages gopar does not expose, with the
// reason, which the engine gives when a cell imports one.
var Excluded = map[string]string{
	"unsafe":       "unsafe lets code read and write any memory, and a memory fault cannot be recovered: it ends the engine and the notebook's variables with it",
	"plugin":       "plugin loads native code into the kernel's process, where a mismatched plugin aborts it (native cells and imports are how gopar loads compiled code)",
	"runtime/cgo":  "runtime/cgo is for compiled programs that link C code",
	"runtime/race": "runtime/race is for programs built with the race detector",
}

// SyscallExcluded are the names of package syscall that gopar leaves out,
// besides those yaegi's restricted table lacks (Exec, ForkExec,
// StartProcess, Kill, Exit, Ptrace…, Reboot, Shutdown and the raw
// Syscall functions), and why: each can take the kernel's process down.
// (Kill and Exit are gopar's own: see the engine's stdlib.go.)
var SyscallExcluded = map[string]string{
	"Tgkill":    "it sends a signal to one thread of a process, the kernel's included",
	"Setrlimit": "it changes the kernel's own resource limits (memory, files), which can make it fail",
}
