// Package native compiles Go code of a notebook into plugins and loads them
// into the running program, for compiled speed where the interpreter would
// be slow: %%native cells, and imports of packages gopar does not preload
// (any module, fetched through the user's Go proxy settings).
//
// A plugin (go build -buildmode=plugin, opened with package plugin) shares
// with the program every package both hold: parlib in a plugin is the
// program's parlib, with its state. The Go runtime checks that each shared
// package was compiled alike, so a plugin must be built by the program's Go
// release, with its build flags and at its module versions. Host reads
// them from the program's build information (runtime/debug.ReadBuildInfo)
// and says whether plugins can load at all (CheckPlatform: Linux, macOS or
// FreeBSD, cgo, an ordinary executable); FindToolchain looks for the go
// command of that release; Host.GoMod writes the go.mod that requires the
// program's modules at its versions: the main module at its version when
// the program was installed with `go install module@version`, or replaced
// by its source tree for a development build (`go run . install`, found
// from the source file names the program records; a program built with
// -trimpath from a checkout cannot use plugins).
//
// A Compiler (New) does the work, one build at a time, in a workspace: a
// directory per build of the program under os.UserCacheDir()/gopar/native
// (or $GOPAR_NATIVE_CACHE), holding the module gopar-native and a package
// per native cell, named by the hash of its source, so that rebuilding an
// unchanged cell, in this kernel or in a later one, only loads its plugin
// again. Workspaces unused for 30 days are removed.
//
// Compiler.Cell compiles a native cell: declarations only, on the lines
// they have in the cell, so that compile errors (CompileError) point at
// the cell's lines and columns. The packages a cell uses without importing
// them are imported for it (Scope.Packages), and the functions, types and
// constants of earlier native cells (Scope.Natives) are declared in it as
// aliases of theirs: two native cells share types. A cell's types, with
// their methods and what these need, get a package of their own when the
// cell has other functions, so that running the cell again with changed
// functions keeps its types (values interpreted cells hold fit the new
// functions). The loaded Package
// gives the cell's API in yaegi's layout (Package.Exports), variables as a
// pseudo-package to dot-import so that the interpreter reads them where
// they live, and the Go source (Package.Shim) that declares the cell's
// functions, types and constants in the interpreter.
//
// Compiler.Import builds any importable package into a plugin whose main
// package lists its exported API as yaegi's extract tool would (generic
// functions and types are left out), type-checked from the export data of
// go list -export; the module is resolved in the workspace, at the version
// go.mod requires (Compiler.Get runs go get to pin one) or else the latest.
// A package that needs newer versions of modules the program was built
// with cannot share their packages: that is a VersionError, and the
// workspace is left as it was. The workspace remembers which plugin holds
// an import, so that a later kernel loads it without running the go
// command.
//
// Compiled code cannot be stopped by the interpreter: a long loop calls
// parlib.CheckCanceled or polls parlib.Canceled (the engine cancels
// parlib's context on an interrupt);
// one that never does is stopped by the supervisor of the engine's process,
// which restarts the engine and runs the cells' definitions again, loading
// the cached plugins.
package native
