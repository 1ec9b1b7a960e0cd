package native

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/constant"
	"go/importer"
	"go/token"
	"go/types"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
)

// Any package by import: the package is resolved in the workspace (its
// module fetched through the user's Go proxy settings, at the version
// go.mod requires or else the latest), type-checked from the export data
// `go list -export` writes, and built into a plugin whose main package
// lists its exported API as yaegi's extract tool would (generic functions
// and types are left out). imports.json remembers the plugin, so that a
// later kernel loads it without running the go command.

// ImportError is a package that cannot be imported natively.
type ImportError struct {
	// Path is the import path.
	Path string
	// Err says why.
	Err error
}

func (e *ImportError) Error() string { return fmt.Sprintf("cannot import %q: %v", e.Path, e.Err) }

func (e *ImportError) Unwrap() error { return e.Err }

// listedPackage is what `go list -json` says of a package.
type listedPackage struct {
	ImportPath string
	Name       string
	Export     string
	Standard   bool
	Module     *struct {
		Path    string
		Version string
	}
	Error *struct{ Err string }
}

// Import builds the package at import path into a plugin (or finds it in
// the cache) and loads it. progress, if not nil, is told when a build
// starts that takes a while.
func (c *Compiler) Import(ctx context.Context, path string, progress func(string)) (*Package, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.ws.readImports()[path]; ok {
		if _, err := os.Stat(c.ws.pluginFile(e.Plugin)); err == nil {
			return c.openImport(path, e, false)
		}
	}
	unlock, err := c.ws.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	before, err := c.ws.modState()
	if err != nil {
		return nil, err
	}
	stop := progressAfter(progressDelay, func() {
		if progress != nil {
			progress(fmt.Sprintf("fetching and compiling %s for native use…", path))
		}
	})
	defer stop()
	pkgs, err := c.list(ctx, path)
	if err != nil {
		c.ws.restore(before)
		return nil, &ImportError{Path: path, Err: err}
	}
	target := pkgs[len(pkgs)-1]
	if target.Name == "main" {
		c.ws.restore(before)
		return nil, &ImportError{Path: path, Err: errors.New("it is a command (package main), not an importable package")}
	}
	if after, err := c.ws.modState(); err == nil && !bytes.Equal(after.mod, before.mod) {
		if err := c.checkHostVersions(ctx); err != nil {
			c.ws.restore(before)
			return nil, &ImportError{Path: path, Err: err}
		}
	}
	e := importEntry{Name: target.Name}
	if target.Module != nil {
		e.Module, e.Version = target.Module.Path, target.Module.Version
	} else if target.Standard {
		e.Module, e.Version = "std", c.host.GoVersion
	}
	if v, ok := c.mods[e.Module]; ok && v != e.Version && e.Module != "std" {
		return nil, &ImportError{Path: path, Err: fmt.Errorf("this kernel already loaded %s %s, and the workspace now has %s: restart the kernel", e.Module, v, e.Version)}
	}
	api, err := exportedAPI(pkgs)
	if err != nil {
		return nil, &ImportError{Path: path, Err: err}
	}
	e.Plugin = "m" + hashOf(path, e.Module, e.Version, api.main)
	if err := c.ws.writePackage(e.Plugin, map[string]string{"main.go": api.main}); err != nil {
		return nil, err
	}
	if _, err := os.Stat(c.ws.pluginFile(e.Plugin)); err != nil {
		if out, err := c.build(ctx, e.Plugin); err != nil {
			if out != "" {
				err = errors.New(strings.TrimSpace(out))
			}
			return nil, &ImportError{Path: path, Err: err}
		}
	}
	imports := c.ws.readImports()
	imports[path] = e
	if err := c.ws.writeImports(imports); err != nil {
		return nil, err
	}
	return c.openImport(path, e, true)
}

// openImport loads the plugin of an imported package (c.mu held).
func (c *Compiler) openImport(path string, e importEntry, built bool) (*Package, error) {
	if v, ok := c.mods[e.Module]; ok && v != e.Version && e.Module != "std" {
		return nil, &ImportError{Path: path, Err: fmt.Errorf("this kernel already loaded %s %s; restart the kernel to use %s", e.Module, v, e.Version)}
	}
	tables, err := c.open(c.ws.pluginFile(e.Plugin))
	if err != nil {
		return nil, &ImportError{Path: path, Err: err}
	}
	if e.Module != "" {
		c.mods[e.Module] = e.Version
	}
	return &Package{Path: path, Name: e.Name, Symbols: tables[path+"/"+e.Name], Built: built, Module: e.Module, Version: e.Version}, nil
}

// list runs go list on path in the workspace, resolving its module if
// needed, and returns the package and its dependencies, path last, with
// their export data.
func (c *Compiler) list(ctx context.Context, path string) ([]listedPackage, error) {
	out, err := c.tc.output(ctx, c.ws.dir, "list", "-mod=mod", "-deps", "-export",
		"-json=ImportPath,Name,Export,Standard,Module,Error", path)
	if err != nil {
		var ge *goError
		if errors.As(err, &ge) {
			return nil, errors.New(goMessage(ge.stderr))
		}
		return nil, err
	}
	var pkgs []listedPackage
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listedPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("reading go list's output: %w", err)
		}
		if p.Error != nil {
			return nil, errors.New(p.Error.Err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) == 0 || pkgs[len(pkgs)-1].ImportPath != path {
		return nil, errors.New("go list did not list it")
	}
	return pkgs, nil
}

// goMessage keeps the telling lines of the go command's error output.
func goMessage(stderr string) string {
	var keep []string
	for line := range strings.Lines(stderr) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "go: finding module") || strings.HasPrefix(line, "go: downloading") {
			continue
		}
		keep = append(keep, strings.TrimPrefix(line, "go: "))
	}
	msg := strings.Join(keep, "; ")
	switch {
	case strings.Contains(msg, "cannot find module providing package"), strings.Contains(msg, "no matching versions"),
		strings.Contains(msg, "404 Not Found"), strings.Contains(msg, "410 Gone"), strings.Contains(msg, "403 Forbidden"):
		return "no module provides it (" + msg + ")"
	case strings.Contains(msg, "dial tcp"), strings.Contains(msg, "no such host"), strings.Contains(msg, "GOPROXY=off"),
		strings.Contains(msg, "connection refused"), strings.Contains(msg, "i/o timeout"):
		return "its module cannot be fetched: the Go proxy is unreachable (" + msg + "); check GOPROXY, or the network"
	}
	return msg
}

// api is the generated main package of an imported package's plugin.
type api struct {
	main  string
	names []string
}

// exportedAPI type-checks the last of pkgs from export data and generates
// the main package that lists its exported API.
func exportedAPI(pkgs []listedPackage) (api, error) {
	exports := map[string]string{}
	for _, p := range pkgs {
		exports[p.ImportPath] = p.Export
	}
	target := pkgs[len(pkgs)-1]
	fset := token.NewFileSet()
	imp := importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		f := exports[path]
		if f == "" {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(f)
	})
	tp, err := imp.Import(target.ImportPath)
	if err != nil {
		return api{}, fmt.Errorf("reading its export data: %w", err)
	}
	return generateAPI(tp), nil
}

// generateAPI writes the main package of a plugin that exports tp's API in
// yaegi's layout.
func generateAPI(tp *types.Package) api {
	var entries []string
	var names []string
	scope := tp.Scope()
	for _, name := range scope.Names() {
		obj := scope.Lookup(name)
		if !obj.Exported() {
			continue
		}
		q := "pkg." + name
		var e string
		switch o := obj.(type) {
		case *types.Func:
			if o.Type().(*types.Signature).TypeParams().Len() > 0 {
				continue
			}
			e = fmt.Sprintf("reflect.ValueOf(%s)", q)
		case *types.Var:
			e = fmt.Sprintf("reflect.ValueOf(&%s).Elem()", q)
		case *types.TypeName:
			if n, ok := o.Type().(*types.Named); ok && n.TypeParams().Len() > 0 {
				continue
			}
			if a, ok := o.Type().(*types.Alias); ok && a.TypeParams().Len() > 0 {
				continue
			}
			e = fmt.Sprintf("reflect.ValueOf((*%s)(nil))", q)
		case *types.Const:
			if b, ok := o.Type().(*types.Basic); ok && b.Info()&types.IsUntyped != 0 {
				e = "reflect.ValueOf(" + constantExpr(o.Val()) + ")"
			} else {
				e = fmt.Sprintf("reflect.ValueOf(%s)", q)
			}
		default:
			continue
		}
		names = append(names, name)
		entries = append(entries, fmt.Sprintf("\t\t%q: %s,", name, e))
	}
	sort.Strings(entries)
	var b strings.Builder
	fmt.Fprintf(&b, `// Code generated by gopar: the plugin of package %s. DO NOT EDIT.

package main

import (
	"go/constant"
	"go/token"
	"reflect"

	pkg %q
)

var (
	_ = constant.MakeBool
	_ = token.INT
)

// GoparSymbols returns the package's exported API in yaegi's layout.
func GoparSymbols() map[string]map[string]reflect.Value {
	return map[string]map[string]reflect.Value{%q: {
%s
	}}
}
`, tp.Path(), tp.Path(), tp.Path()+"/"+tp.Name(), strings.Join(entries, "\n"))
	return api{main: b.String(), names: names}
}

// constantExpr is Go source for a go/constant.Value equal to v, exactly.
func constantExpr(v constant.Value) string {
	lit := func(x constant.Value) string {
		return fmt.Sprintf("constant.MakeFromLiteral(%q, token.INT, 0)", x.ExactString())
	}
	switch v.Kind() {
	case constant.Bool:
		return fmt.Sprintf("constant.MakeBool(%t)", constant.BoolVal(v))
	case constant.String:
		return "constant.MakeString(" + strconv.Quote(constant.StringVal(v)) + ")"
	case constant.Int:
		return lit(v)
	case constant.Float:
		num, den := constant.Num(v), constant.Denom(v)
		if den.ExactString() == "1" {
			return fmt.Sprintf("constant.ToFloat(%s)", lit(num))
		}
		return fmt.Sprintf("constant.BinaryOp(%s, token.QUO, %s)", lit(num), lit(den))
	case constant.Complex:
		return fmt.Sprintf("constant.BinaryOp(%s, token.ADD, constant.MakeImag(%s))",
			constantExpr(constant.Real(v)), constantExpr(constant.Imag(v)))
	}
	return "constant.MakeUnknown()"
}

// Get runs `go get args…` in the workspace (%go get module@version): it
// pins the versions later imports use. The program's own modules must keep
// their versions. It returns what the go command said.
func (c *Compiler) Get(ctx context.Context, args []string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	unlock, err := c.ws.lock()
	if err != nil {
		return "", err
	}
	defer unlock()
	before, err := c.ws.modState()
	if err != nil {
		return "", err
	}
	_, said, err := c.tc.run(ctx, c.ws.dir, append([]string{"get"}, args...)...)
	if err != nil {
		c.ws.restore(before)
		if said != "" {
			return said, errors.New(goMessage(said))
		}
		return "", err
	}
	if err := c.checkHostVersions(ctx); err != nil {
		c.ws.restore(before)
		return "", err
	}
	// Imports of modules that changed version build again.
	after, _ := c.ws.modState()
	imports := c.ws.readImports()
	changed := false
	for p, e := range imports {
		if e.Module != "std" && !bytes.Contains(after.mod, []byte(e.Module+" "+e.Version)) {
			delete(imports, p)
			changed = true
			if v, ok := c.mods[e.Module]; ok && v == e.Version {
				said += fmt.Sprintf("note: this kernel already loaded %s %s; restart the kernel to use another version\n", e.Module, v)
			}
		}
	}
	if changed {
		if err := c.ws.writeImports(imports); err != nil {
			return said, err
		}
	}
	return said, nil
}
