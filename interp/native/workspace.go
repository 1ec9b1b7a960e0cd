package native

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"
)

// The workspace is the directory, one per program build (Host.Key), where
// plugins are built and kept:
//
//	go.mod, go.sum   the module gopar-native: the program's modules at its
//	                 versions, and the modules cells and imports added
//	.lock            taken (flock) while the directory changes
//	c<hash>/         a native cell's package, named by the hash of its files
//	p<hash>/         the main package of the plugin of cell c<hash>
//	m<hash>/         the main package of the plugin of an imported package
//	plugins/         the built plugins, <dir>.so
//	imports.json     import path → the plugin that holds it
//
// Package directories are written once and never changed, so that a
// package two plugins share compiles the same in both (the runtime checks
// it when the second loads).

// modulePrefix is the module path of the workspace: every cell package's
// import path starts with it.
const modulePrefix = "gopar-native"

type workspace struct {
	dir string
	tc  *Toolchain
	h   *Host
}

// openWorkspace opens (creating it if needed) the workspace of h under
// root.
func openWorkspace(ctx context.Context, root string, h *Host, tc *Toolchain) (*workspace, error) {
	w := &workspace{dir: filepath.Join(root, h.Key()), tc: tc, h: h}
	if err := os.MkdirAll(filepath.Join(w.dir, "plugins"), 0o755); err != nil {
		return nil, fmt.Errorf("creating the plugin cache: %w", err)
	}
	now := time.Now()
	os.Chtimes(w.dir, now, now) // last used: see prune
	prune(root, w.dir, now)
	if _, err := os.Stat(filepath.Join(w.dir, "go.mod")); err == nil {
		return w, nil
	}
	unlock, err := w.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	if _, err := os.Stat(filepath.Join(w.dir, "go.mod")); err == nil {
		return w, nil // another kernel made it meanwhile
	}
	sum := w.initialGoSum(ctx)
	if err := writeFileAtomic(filepath.Join(w.dir, "go.sum"), []byte(sum)); err != nil {
		return nil, err
	}
	if err := writeFileAtomic(filepath.Join(w.dir, "go.mod"), []byte(h.GoMod(modulePrefix))); err != nil {
		return nil, err
	}
	return w, nil
}

// unusedFor is how long a workspace may go unused before prune removes
// it: a workspace serves one build of gopar, which an upgrade or a rebuild
// leaves behind.
const unusedFor = 30 * 24 * time.Hour

// prune removes the workspaces under root, other than keep, that were not
// used for unusedFor.
func prune(root, keep string, now time.Time) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return
	}
	for _, e := range entries {
		dir := filepath.Join(root, e.Name())
		if !e.IsDir() || dir == keep {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
			continue // not a workspace
		}
		if fi, err := e.Info(); err == nil && now.Sub(fi.ModTime()) > unusedFor {
			os.RemoveAll(dir)
		}
	}
}

// lock takes the workspace's lock, for the changes of one build; it
// returns the function that releases it.
func (w *workspace) lock() (func(), error) {
	f, err := os.OpenFile(filepath.Join(w.dir, ".lock"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("locking the plugin cache: %w", err)
	}
	return func() {
		unlockFile(f)
		f.Close()
	}, nil
}

// initialGoSum is the checksums the workspace starts with: those of the
// program's main module (its go.sum, from its source tree or the module
// cache) and of the main module itself at its version, so that the first
// build needs no checksum database.
func (w *workspace) initialGoSum(ctx context.Context) string {
	h := w.h
	if h.SourceDir != "" {
		data, _ := os.ReadFile(filepath.Join(h.SourceDir, "go.sum"))
		return string(data)
	}
	out, err := w.tc.output(ctx, w.dir, "env", "GOMODCACHE")
	if err != nil {
		return ""
	}
	cache := strings.TrimSpace(string(out))
	esc, err := escapePath(h.Main.Path)
	if err != nil {
		return ""
	}
	var b strings.Builder
	if data, err := os.ReadFile(filepath.Join(cache, esc+"@"+h.Main.Version, "go.sum")); err == nil {
		b.Write(data)
	}
	if h.Main.Sum != "" {
		fmt.Fprintf(&b, "%s %s %s\n", h.Main.Path, h.Main.Version, h.Main.Sum)
	}
	if mod, err := os.ReadFile(filepath.Join(cache, "cache", "download", esc, "@v", h.Main.Version+".mod")); err == nil {
		fmt.Fprintf(&b, "%s %s/go.mod %s\n", h.Main.Path, h.Main.Version, hashGoMod(mod))
	}
	return b.String()
}

// hashGoMod is the go.sum hash of a go.mod file ("h1:…", the dirhash of a
// tree holding only go.mod).
func hashGoMod(data []byte) string {
	sum := sha256.Sum256(data)
	line := fmt.Sprintf("%x  go.mod\n", sum)
	h := sha256.Sum256([]byte(line))
	return "h1:" + base64.StdEncoding.EncodeToString(h[:])
}

// escapePath escapes a module path for the module cache: an upper-case
// letter becomes ! and the lower-case letter.
func escapePath(p string) (string, error) {
	var b strings.Builder
	for _, r := range p {
		if r >= 0x80 {
			return "", fmt.Errorf("module path %q is not ASCII", p)
		}
		if unicode.IsUpper(r) {
			b.WriteByte('!')
			b.WriteRune(unicode.ToLower(r))
			continue
		}
		b.WriteRune(r)
	}
	return b.String(), nil
}

// state is the workspace's go.mod and go.sum, to hash builds with and to
// put back after a change that must not stay.
type modState struct{ mod, sum []byte }

func (w *workspace) modState() (modState, error) {
	mod, err := os.ReadFile(filepath.Join(w.dir, "go.mod"))
	if err != nil {
		return modState{}, err
	}
	sum, _ := os.ReadFile(filepath.Join(w.dir, "go.sum"))
	return modState{mod, sum}, nil
}

func (w *workspace) restore(s modState) {
	writeFileAtomic(filepath.Join(w.dir, "go.mod"), s.mod)
	writeFileAtomic(filepath.Join(w.dir, "go.sum"), s.sum)
}

// writePackage writes a package directory if it does not exist yet.
func (w *workspace) writePackage(name string, files map[string]string) error {
	dir := filepath.Join(w.dir, name)
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	tmp, err := os.MkdirTemp(w.dir, ".tmp-"+name+"-")
	if err != nil {
		return err
	}
	for n, text := range files {
		if err := os.WriteFile(filepath.Join(tmp, n), []byte(text), 0o644); err != nil {
			os.RemoveAll(tmp)
			return err
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		os.RemoveAll(tmp)
		if _, statErr := os.Stat(dir); statErr == nil {
			return nil // written meanwhile by another kernel
		}
		return err
	}
	return nil
}

// pluginFile is where the plugin of main package dir name is kept.
func (w *workspace) pluginFile(name string) string {
	return filepath.Join(w.dir, "plugins", name+".so")
}

// importEntry is what imports.json records for an imported package.
type importEntry struct {
	Module  string `json:"module"`
	Version string `json:"version"`
	Name    string `json:"name"`   // the package's name
	Plugin  string `json:"plugin"` // main package directory, m<hash>
}

func (w *workspace) readImports() map[string]importEntry {
	m := map[string]importEntry{}
	data, err := os.ReadFile(filepath.Join(w.dir, "imports.json"))
	if err == nil {
		json.Unmarshal(data, &m)
	}
	return m
}

func (w *workspace) writeImports(m map[string]importEntry) error {
	data, err := json.MarshalIndent(m, "", "\t")
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(w.dir, "imports.json"), data)
}

// writeFileAtomic writes a file through a temporary file and a rename.
func writeFileAtomic(name string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), ".tmp-"+filepath.Base(name)+"-")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), name)
}

// hashOf is a short hex hash of texts.
func hashOf(parts ...string) string {
	s := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(s, "%d:%s;", len(p), p)
	}
	return hex.EncodeToString(s.Sum(nil))[:16]
}
