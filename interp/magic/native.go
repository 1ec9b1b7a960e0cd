package magic

import (
	"context"
	"strings"

	"github.com/gopar/gopar/engine"
)

// NativeHost is implemented by hosts that compile Go natively: %%native
// cells become plugins loaded into the engine, and %go get pins the
// versions of the modules that imports fetch. A host without it runs
// %%native cells interpreted and refuses %go.
type NativeHost interface {
	// RunNative compiles and loads a %%native cell; body is the cell with
	// the magic's line blanked.
	RunNative(ctx context.Context, m Magic, body string) engine.ExecuteResult
	// GoCommand runs `go ARGS` for native imports (%go get …).
	GoCommand(ctx context.Context, args string) engine.ExecuteResult
}

// nativeHelp says what %%native does; shown by %help.
const nativeHelp = `A cell that starts with %%native is compiled by the Go toolchain into a plugin and loaded into the kernel: its functions run at compiled speed. It holds declarations only (imports, types, functions, methods, constants, variables); interpreted cells call its functions (lower-case ones too) and use its types and constants under the same names, and share memory with it (a slice passes without a copy). It may use parlib, display, gonum, packages imported by earlier cells, and the functions, types and constants of earlier native cells. Re-running it with changes redefines its functions for interpreted callers; a changed type needs %reset. A compiled loop cannot be stopped by an interrupt unless it asks, every few thousand iterations: parlib.CheckCanceled() ends the cell as interrupted (or: if parlib.Canceled() { return }, in goroutines); a loop that never asks makes the kernel restart its engine after the interrupt (definitions are restored, variables' values lost). Importing a package gopar does not preload (import "github.com/montanaflynn/stats") fetches and compiles it the same way; %go get MODULE@VERSION pins its version.`

// nativeCell runs a %%native cell.
func nativeCell(ctx context.Context, m Magic, body string, h Host) engine.ExecuteResult {
	if strings.TrimSpace(m.Args) != "" {
		return errResult(engine.UsageError, "%%%%native takes no arguments: the cell below it is the code")
	}
	if n, ok := h.(NativeHost); ok {
		return n.RunNative(ctx, m, body)
	}
	return h.RunSource(ctx, body)
}

// goCommand runs %go.
func goCommand(ctx context.Context, m Magic, _ string, h Host) engine.ExecuteResult {
	args := strings.TrimSpace(m.Args)
	if f := strings.Fields(args); len(f) < 2 || f[0] != "get" {
		return errResult(engine.UsageError, "usage: %%go get MODULE[@VERSION]… (fetches modules, or pins their versions, for native imports)")
	}
	n, ok := h.(NativeHost)
	if !ok {
		return errResult(engine.UsageError, "%%go needs an engine that compiles Go natively")
	}
	return n.GoCommand(ctx, args)
}
