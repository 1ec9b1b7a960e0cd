// Package docs holds the signatures and doc comments of the packages gopar
// cells can use: the standard-library packages yaegi exposes, gopar's parlib
// and display, and gonum's plot and mat packages. The data is generated at
// build time (go generate) and embedded, so documentation works on machines
// without Go sources; it is decompressed on first use.
package docs

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/json"
	"io"
	"sort"
	"strings"
	"sync"
)

//go:generate go run gen.go -o docs.json.gz

//go:embed docs.json.gz
var data []byte

// Entry documents one exported name of a package, or a method as
// "Type.Method".
type Entry struct {
	// Pkg is the package's import path.
	Pkg string
	// Name is the name, or "Type.Method" for a method; empty for the
	// package itself.
	Name string
	// Kind is "func", "method", "type", "var", "const" or "package".
	Kind string
	// Signature is the Go declaration, without body: for example
	// "func Split(s, sep string) []string".
	Signature string
	// Doc is the doc comment's text.
	Doc string
}

type entry struct {
	Name      string `json:"n"`
	Kind      string `json:"k"`
	Signature string `json:"s"`
	Doc       string `json:"d"`
}

type pkgDoc struct {
	Name     string  `json:"name"`
	Synopsis string  `json:"synopsis"`
	Doc      string  `json:"doc"`
	Entries  []entry `json:"entries"`
}

var (
	loadOnce sync.Once
	pkgs     map[string]*pkgDoc
)

// load decompresses the embedded data once.
func load() map[string]*pkgDoc {
	loadOnce.Do(func() {
		pkgs = map[string]*pkgDoc{}
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return
		}
		raw, err := io.ReadAll(zr)
		if err != nil {
			return
		}
		var m map[string]*pkgDoc
		if json.Unmarshal(raw, &m) == nil {
			pkgs = m
		}
	})
	return pkgs
}

// find resolves an import path, also accepting yaegi's "path/name" symbol
// table keys such as "math/rand/rand".
func find(pkgPath string) (string, *pkgDoc) {
	m := load()
	if p, ok := m[pkgPath]; ok {
		return pkgPath, p
	}
	if i := strings.LastIndex(pkgPath, "/"); i > 0 {
		if p, ok := m[pkgPath[:i]]; ok && p.Name == pkgPath[i+1:] {
			return pkgPath[:i], p
		}
	}
	return "", nil
}

// Lookup finds the documentation of name in the package with import path
// pkgPath. name may be "Type.Method"; an empty name gives the package's own
// documentation (Kind "package").
func Lookup(pkgPath, name string) (Entry, bool) {
	path, p := find(pkgPath)
	if p == nil {
		return Entry{}, false
	}
	if name == "" {
		return Entry{Pkg: path, Kind: "package", Signature: "package " + p.Name, Doc: p.Doc}, true
	}
	i := sort.Search(len(p.Entries), func(i int) bool { return p.Entries[i].Name >= name })
	if i < len(p.Entries) && p.Entries[i].Name == name {
		e := p.Entries[i]
		return Entry{Pkg: path, Name: e.Name, Kind: e.Kind, Signature: e.Signature, Doc: e.Doc}, true
	}
	return Entry{}, false
}

// Package returns the one-sentence synopsis of the package with import path
// pkgPath and the entries of all its documented names, sorted by name
// (methods as "Type.Method" after their type).
func Package(pkgPath string) (synopsis string, entries []Entry, ok bool) {
	path, p := find(pkgPath)
	if p == nil {
		return "", nil, false
	}
	entries = make([]Entry, len(p.Entries))
	for i, e := range p.Entries {
		entries[i] = Entry{Pkg: path, Name: e.Name, Kind: e.Kind, Signature: e.Signature, Doc: e.Doc}
	}
	return p.Synopsis, entries, true
}

// Methods returns the documented methods of type typeName in package
// pkgPath, sorted by name.
func Methods(pkgPath, typeName string) []Entry {
	path, p := find(pkgPath)
	if p == nil {
		return nil
	}
	prefix := typeName + "."
	i := sort.Search(len(p.Entries), func(i int) bool { return p.Entries[i].Name >= prefix })
	var res []Entry
	for ; i < len(p.Entries) && strings.HasPrefix(p.Entries[i].Name, prefix); i++ {
		e := p.Entries[i]
		res = append(res, Entry{Pkg: path, Name: e.Name, Kind: e.Kind, Signature: e.Signature, Doc: e.Doc})
	}
	return res
}
