package native

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"plugin"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options configures a Compiler. The zero value is ready to use.
type Options struct {
	// CacheDir is where workspaces and plugins are kept; empty means
	// $GOPAR_NATIVE_CACHE, else os.UserCacheDir()/gopar/native.
	CacheDir string
	// Env is the go command's environment (proxy, module cache, build
	// cache settings); nil means the process's.
	Env []string
}

// Compiler builds native cells and imported packages into plugins and
// loads them into the program. Plugins cannot be unloaded, so a program
// needs one Compiler; its methods are safe for concurrent use, and build
// one thing at a time.
type Compiler struct {
	host *Host
	tc   *Toolchain
	ws   *workspace

	mu     sync.Mutex
	loaded map[string]*plugin.Plugin // by plugin file
	mods   map[string]string         // module path → version loaded
}

// New prepares a Compiler for the running program: it reads the program's
// build information, checks that it can load plugins, finds the matching
// Go toolchain and opens the cache. Its error says why native cells are
// not available; callers then run them interpreted.
func New(ctx context.Context, opts Options) (*Compiler, error) {
	h, err := ReadHost()
	if err != nil {
		return nil, err
	}
	if err := h.CheckPlatform(); err != nil {
		return nil, err
	}
	tc, err := FindToolchain(h, opts.Env)
	if err != nil {
		return nil, err
	}
	root := opts.CacheDir
	if root == "" {
		root = os.Getenv("GOPAR_NATIVE_CACHE")
	}
	if root == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			return nil, fmt.Errorf("no cache directory for plugins: %w", err)
		}
		root = filepath.Join(dir, "gopar", "native")
	}
	ws, err := openWorkspace(ctx, root, h, tc)
	if err != nil {
		return nil, err
	}
	return &Compiler{host: h, tc: tc, ws: ws, loaded: map[string]*plugin.Plugin{}, mods: map[string]string{}}, nil
}

// Available tells whether the running program can compile and load
// native code, without preparing a cache: it reads the program's build,
// checks that it can load plugins and finds the go command of its release.
// The error says why not.
func Available() (*Toolchain, error) {
	h, err := ReadHost()
	if err != nil {
		return nil, err
	}
	if err := h.CheckPlatform(); err != nil {
		return nil, err
	}
	return FindToolchain(h, nil)
}

// Host is the program the compiler builds plugins for.
func (c *Compiler) Host() *Host { return c.host }

// Toolchain is the go command the compiler runs.
func (c *Compiler) Toolchain() *Toolchain { return c.tc }

// Dir is the compiler's workspace directory.
func (c *Compiler) Dir() string { return c.ws.dir }

// Package is a package compiled into a plugin and loaded: a native cell's
// or an imported one.
type Package struct {
	// Path is the import path: "gopar-native/c<hash>" for a cell (the
	// package of its functions, when its types have one of their own).
	Path string
	// Name is the package name ("cell" for a cell).
	Name string
	// Symbols are its exported functions, types, variables and constants
	// (for a cell: functions, types and variables, lower-case ones
	// included), in yaegi's layout: a type is a nil pointer to it, a
	// variable is addressable.
	Symbols map[string]reflect.Value
	// Decls are a cell's top-level declarations, in source order. Their
	// Pkg is the package that holds them: this one, or the package of the
	// cell's types.
	Decls []Decl
	// Built tells whether this call built the plugin (false: it came
	// from the cache).
	Built bool
	// Module and Version are an imported package's module.
	Module, Version string

	cell   *cellSource
	tables map[string]map[string]reflect.Value // a cell's symbols, by package path
}

// Exports is the package in the layout yaegi's Interpreter.Use takes. A
// cell's variables are in packages of their own, VarsPaths, meant to be
// dot-imported: the interpreter reads them where they live.
func (p *Package) Exports() map[string]map[string]reflect.Value {
	if p.cell == nil {
		return map[string]map[string]reflect.Value{p.Path + "/" + p.Name: p.Symbols}
	}
	ex := map[string]map[string]reflect.Value{}
	for _, part := range p.cell.parts {
		syms := p.tables[part.path+"/"+cellPkgName]
		funcs, vars := map[string]reflect.Value{}, map[string]reflect.Value{}
		for _, i := range part.decls {
			d := p.cell.decls[i]
			v, ok := syms[d.Name]
			if !ok {
				continue
			}
			if d.Kind == Var {
				vars[d.Name] = v
			} else {
				funcs[d.Name] = v
			}
		}
		ex[part.path+"/"+cellPkgName] = funcs
		if len(vars) > 0 {
			ex[part.path+"/vars/vars"] = vars
		}
	}
	return ex
}

// VarsPaths are the import paths of the pseudo-packages that hold a cell's
// package-level variables (none when it declares none).
func (p *Package) VarsPaths() []string {
	var out []string
	for path, syms := range p.Exports() {
		if strings.HasSuffix(path, "/vars/vars") && len(syms) > 0 {
			out = append(out, strings.TrimSuffix(path, "/vars"))
		}
	}
	slices.Sort(out)
	return out
}

// Shim is Go source that declares a loaded cell's functions, types and
// constants in an interpreter that has the package's Exports: the cell's
// packages imported as prefix+<directory> ("__gopar_c3f…"), types as
// aliases of the compiled ones, constants as the cell wrote them, and each
// function as a function that calls the compiled one, so that redefining
// it later works as for interpreted functions. Generic declarations are
// left out (Decl.Generic).
func (p *Package) Shim(prefix string) string {
	if p.cell == nil {
		return ""
	}
	return p.cell.shim(prefix)
}

// Cell compiles a native cell into a plugin (or finds it in the cache) and
// loads it. src is the cell's source: declarations only (imports, types,
// functions, methods, constants, variables), without a package clause. A
// cell that does not compile gives a *CompileError whose positions are the
// cell's lines. Cancelling ctx stops the build.
func (c *Compiler) Cell(ctx context.Context, src string, scope Scope) (*Package, error) {
	cs, err := prepareCell(src, scope)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	ms, err := c.ws.modState()
	if err != nil {
		return nil, err
	}
	main := cs.parts[len(cs.parts)-1]
	pname := "p" + hashOf(main.path, string(ms.mod), string(ms.sum))
	pkg := &Package{Path: main.path, Name: cellPkgName, Decls: cs.decls, cell: cs}
	so := c.ws.pluginFile(pname)
	if _, err := os.Stat(so); err != nil {
		stop := progressAfter(progressDelay, func() {
			if scope.Progress != nil {
				scope.Progress("compiling the native cell… (the first native build of a gopar installation compiles its packages for plugins, once: up to a minute)")
			}
		})
		err := c.buildCell(ctx, cs, pname)
		stop()
		if err != nil {
			return nil, err
		}
		pkg.Built = true
	}
	if pkg.tables, err = c.open(so); err != nil {
		return nil, err
	}
	pkg.Symbols = map[string]reflect.Value{}
	parts := map[*cellPart]*Package{main: pkg}
	for _, part := range cs.parts {
		pp := parts[part]
		if pp == nil {
			pp = &Package{Path: part.path, Name: cellPkgName, Symbols: pkg.tables[part.path+"/"+cellPkgName], cell: cs, tables: pkg.tables}
			parts[part] = pp
		}
		for _, i := range part.decls {
			pkg.Decls[i].Pkg = pp
			pp.Decls = append(pp.Decls, pkg.Decls[i])
		}
		for n, v := range pkg.tables[part.path+"/"+cellPkgName] {
			pkg.Symbols[n] = v
		}
	}
	return pkg, nil
}

// buildCell writes a cell's packages and its plugin's main package, and
// builds the plugin (c.mu held).
func (c *Compiler) buildCell(ctx context.Context, cs *cellSource, pname string) error {
	unlock, err := c.ws.lock()
	if err != nil {
		return err
	}
	defer unlock()
	if _, err := os.Stat(c.ws.pluginFile(pname)); err == nil {
		return nil // built meanwhile by another kernel
	}
	var imports, entries strings.Builder
	for i, part := range cs.parts {
		if err := c.ws.writePackage(path.Base(part.path), part.files); err != nil {
			return err
		}
		fmt.Fprintf(&imports, "\tcell%d %q\n", i, part.path)
		fmt.Fprintf(&entries, "\t\t%q: cell%d.GoparSymbols(),\n", part.path+"/"+cellPkgName, i)
	}
	main := fmt.Sprintf(`// Code generated by gopar: the plugin of a native cell. DO NOT EDIT.

package main

import (
	"reflect"

%s)

// GoparSymbols returns the cell's API in yaegi's layout.
func GoparSymbols() map[string]map[string]reflect.Value {
	return map[string]map[string]reflect.Value{
%s	}
}
`, imports.String(), entries.String())
	if err := c.ws.writePackage(pname, map[string]string{"main.go": main}); err != nil {
		return err
	}
	out, err := c.build(ctx, pname)
	if err != nil {
		return c.cellError(cs, out, err)
	}
	return nil
}

// build builds the plugin of main package pname (workspace locked). If
// the build changed go.mod (a cell imported a module it did not require
// yet), the program's modules must have kept their versions. It returns
// the go command's error output.
func (c *Compiler) build(ctx context.Context, pname string) (string, error) {
	before, err := c.ws.modState()
	if err != nil {
		return "", err
	}
	so := c.ws.pluginFile(pname)
	tmp := so + ".tmp"
	args := []string{"build", "-mod=mod"}
	for _, f := range c.host.BuildFlags() {
		if ld, ok := strings.CutPrefix(f, "-ldflags="); ok && !slices.Contains(strings.Fields(ld), "-w") {
			// No DWARF: it is a third of the link's time, and no part of
			// what must match the program.
			f = strings.TrimSpace("-ldflags=" + ld + " -w")
		}
		args = append(args, f)
	}
	args = append(args, "-o", tmp, "./"+pname)
	_, err = c.tc.output(ctx, c.ws.dir, args...)
	if err != nil {
		os.Remove(tmp)
		c.ws.restore(before)
		var ge *goError
		if errors.As(err, &ge) {
			return ge.stderr, err
		}
		return "", err
	}
	after, err := c.ws.modState()
	if err != nil {
		return "", err
	}
	if string(after.mod) != string(before.mod) {
		if err := c.checkHostVersions(ctx); err != nil {
			os.Remove(tmp)
			c.ws.restore(before)
			return "", err
		}
	}
	return "", os.Rename(tmp, so)
}

// checkHostVersions checks that the workspace's module graph selects the
// program's modules at the versions the program was built with: a newer
// one would make every plugin fail to load.
func (c *Compiler) checkHostVersions(ctx context.Context) error {
	want := map[string]string{}
	var paths []string
	for _, d := range c.host.Deps {
		if d.Replace == nil {
			want[d.Path] = d.Version
			paths = append(paths, d.Path)
		}
	}
	if len(paths) == 0 {
		return nil
	}
	out, err := c.tc.output(ctx, c.ws.dir, append([]string{"list", "-mod=mod", "-m", "-f", "{{.Path}} {{.Version}}"}, paths...)...)
	if err != nil {
		return err
	}
	var bad []string
	for line := range strings.Lines(string(out)) {
		f := strings.Fields(line)
		if len(f) == 2 && want[f[0]] != "" && want[f[0]] != f[1] {
			bad = append(bad, fmt.Sprintf("%s %s (gopar has %s)", f[0], f[1], want[f[0]]))
		}
	}
	if len(bad) > 0 {
		return &VersionError{Conflicts: bad}
	}
	return nil
}

// VersionError is a module that needs newer versions of modules gopar
// itself was built with: its plugin could not share their packages with
// gopar.
type VersionError struct {
	// Conflicts are "module version (gopar has version)".
	Conflicts []string
}

func (e *VersionError) Error() string {
	return "it needs newer versions of modules gopar was built with: " + strings.Join(e.Conflicts, ", ") +
		"; pin an older version of it with %go get module@version, or rebuild gopar with these versions"
}

// errLineRE matches a compiler message "dir/file.go:line:col: message".
var errLineRE = regexp.MustCompile(`^(?:\./)?(?:[^:\s]*/)?([cpm][0-9a-f]{16})/([^/:\s]+\.go):(\d+)(?::(\d+))?: (.*)$`)

// cellError turns a failed build of a cell's packages into a
// *CompileError at the cell's positions.
func (c *Compiler) cellError(cs *cellSource, out string, err error) error {
	if out == "" {
		return err
	}
	prefixes := map[string]int{}
	for _, p := range cs.parts {
		prefixes[path.Base(p.path)] = p.prefix
	}
	ce := &CompileError{Output: out}
	var other []string
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	for _, l := range lines {
		m := errLineRE.FindStringSubmatch(l)
		prefix, ours := 0, false
		if m != nil {
			prefix, ours = prefixes[m[1]]
		}
		if !ours || m[2] != "cell.go" {
			if strings.HasPrefix(l, "# ") || strings.TrimSpace(l) == "" {
				continue
			}
			if len(ce.Errors) > 0 && strings.HasPrefix(l, "\t") {
				ce.Errors[len(ce.Errors)-1].Msg += "\n" + strings.TrimSpace(l)
				continue
			}
			if ours {
				// An error in a generated file: from a name the cell uses or
				// declares; the message names it.
				other = append(other, m[5])
				continue
			}
			other = append(other, l)
			continue
		}
		line, _ := strconv.Atoi(m[3])
		col := 1
		if m[4] != "" {
			col, _ = strconv.Atoi(m[4])
		}
		line, col = cellPos(line, col, prefix)
		if line > strings.Count(cs.src, "\n")+1 {
			continue
		}
		ce.add(line, col, explainCompileError(m[5]))
	}
	if len(ce.Errors) == 0 {
		ce.Output = strings.Join(other, "\n")
		if ce.Output == "" {
			ce.Output = out
		}
		ce.Output = explainGoOutput(ce.Output)
	}
	return ce
}

// explainCompileError adds advice to a compiler message about a cell.
func explainCompileError(msg string) string {
	if strings.Contains(msg, "cannot refer to unexported") || strings.Contains(msg, "unexported field") {
		return msg + " (a type of an earlier native cell is used from another package: give it exported, capitalised, fields and methods)"
	}
	return msg
}

// explainGoOutput rewords the go command's messages about modules.
func explainGoOutput(out string) string {
	if strings.Contains(out, "cannot find module providing package") || strings.Contains(out, "no required module provides package") {
		return "a package the cell imports cannot be found: " + out
	}
	return out
}

// open loads a plugin (once per file) and returns its symbol tables (c.mu
// held).
func (c *Compiler) open(so string) (map[string]map[string]reflect.Value, error) {
	p := c.loaded[so]
	if p == nil {
		var err error
		p, err = plugin.Open(so)
		if err != nil {
			return nil, c.loadError(err)
		}
		c.loaded[so] = p
	}
	sym, err := p.Lookup("GoparSymbols")
	if err != nil {
		return nil, fmt.Errorf("plugin %s: %w", so, err)
	}
	f, ok := sym.(func() map[string]map[string]reflect.Value)
	if !ok {
		return nil, fmt.Errorf("plugin %s: GoparSymbols has type %T", so, sym)
	}
	return f(), nil
}

var differentVersionRE = regexp.MustCompile(`different version of package (\S+)`)

// loadError explains why a plugin did not load.
func (c *Compiler) loadError(err error) error {
	msg := err.Error()
	if m := differentVersionRE.FindStringSubmatch(msg); m != nil {
		pkg := m[1]
		switch {
		case strings.HasPrefix(pkg, modulePrefix+"/"):
			return fmt.Errorf("cannot load the compiled code: this kernel already loaded another build of %s (a module it uses changed version since); restart the kernel", pkg)
		case c.host.SourceDir != "" && strings.HasPrefix(pkg, c.host.Main.Path+"/"):
			return fmt.Errorf("cannot load the compiled code: the source tree %s changed since this gopar was built (package %s differs); rebuild and reinstall gopar from it (go run . install) and restart the kernel", c.host.SourceDir, pkg)
		default:
			return fmt.Errorf("cannot load the compiled code: it was built with another version of package %s than this kernel holds; restart the kernel (%v)", pkg, err)
		}
	}
	return fmt.Errorf("cannot load the compiled code: %v", err)
}

// progressDelay is how long a build runs before progress is told.
const progressDelay = 2 * time.Second

// progressAfter calls report once if the build still runs after d, to say
// why a build takes long; the returned function stops it.
func progressAfter(d time.Duration, report func()) (stop func()) {
	t := time.AfterFunc(d, report)
	return func() { t.Stop() }
}

func sortedValues(m map[string]string) []string {
	var out []string
	for _, k := range sortedKeys(m) {
		out = append(out, k, m[k])
	}
	return out
}
