//go:build unix

package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The JupyterLab test builds a JupyterLab 4 frontend from the npm packages
// that e2e/jupyterlab/package-lock.json pins (Debian 12 does not package
// JupyterLab, and the tests do not use PyPI), serves it with Debian's
// jupyter_server and jupyterlab_server (jupyterlab/serve_lab.py), and
// drives it in headless Chromium (jupyterlab/lab.py).

// labDir holds the frontend's sources.
const labDir = "jupyterlab"

// labBuildInputs are the files the build depends on: a change to any of
// them (or to node's version) makes a new build.
var labBuildInputs = []string{"package.json", "package-lock.json", "index.js", "webpack.config.js"}

// labBuild returns the directory of the built frontend (bundle.js,
// schemas/, themes/), building it on first use into the user's cache
// directory, under a key hashed from labBuildInputs and node's version.
// A build takes about half a minute (npm ci, then webpack) on two cores;
// later runs reuse it. Only the build is kept, not node_modules (npm keeps
// its own cache of the packages).
func labBuild(t *testing.T) string {
	t.Helper()
	nodeVersion, err := node.check()
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	fmt.Fprintf(h, "node %s\n", nodeVersion)
	for _, f := range labBuildInputs {
		b, err := os.ReadFile(filepath.Join(labDir, f))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(h, "%s %d\n", f, len(b))
		h.Write(b)
	}
	key := hex.EncodeToString(h.Sum(nil))[:16]
	cache, err := os.UserCacheDir()
	if err != nil {
		t.Fatalf("no cache directory for the JupyterLab build: %v", err)
	}
	root := filepath.Join(cache, "gopar-e2e", "jupyterlab")
	final := filepath.Join(root, key)
	build := filepath.Join(final, "build")
	if _, err := os.Stat(filepath.Join(build, "bundle.js")); err == nil {
		now := time.Now()
		os.Chtimes(final, now, now) // used: see pruneLabBuilds
		t.Logf("JupyterLab frontend: %s (cached)", build)
		return build
	}

	if err := os.MkdirAll(root, 0o755); err != nil {
		t.Fatal(err)
	}
	work, err := os.MkdirTemp(root, "building-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(work)
	for _, f := range labBuildInputs {
		b, err := os.ReadFile(filepath.Join(labDir, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(work, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		name string
		args []string
	}{
		{"npm ci", []string{"npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"}},
		{"webpack", []string{"node", filepath.Join("node_modules", "webpack", "bin", "webpack.js"), "--config", "webpack.config.js"}},
	}
	for _, s := range steps {
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		cmd := exec.CommandContext(ctx, s.args[0], s.args[1:]...)
		cmd.Dir = work
		out, err := cmd.CombinedOutput()
		cancel()
		if err != nil {
			t.Fatalf("building the JupyterLab frontend: %s: %v\n%s", s.name, err, out)
		}
		t.Logf("JupyterLab frontend: %s took %v", s.name, time.Since(start).Round(100*time.Millisecond))
	}
	if _, err := os.Stat(filepath.Join(work, "build", "bundle.js")); err != nil {
		t.Fatalf("the JupyterLab build wrote no bundle.js: %v", err)
	}
	if err := os.RemoveAll(filepath.Join(work, "node_modules")); err != nil {
		t.Fatal(err)
	}
	// Another test run may have finished the same build meanwhile: the first
	// one in place wins.
	if err := os.Rename(work, final); err != nil {
		if _, statErr := os.Stat(filepath.Join(build, "bundle.js")); statErr != nil {
			t.Fatalf("keeping the JupyterLab build: %v", err)
		}
	}
	pruneLabBuilds(t, root, key)
	t.Logf("JupyterLab frontend: %s (built)", build)
	return build
}

// pruneLabBuilds removes the builds of other keys that no test has used
// for a month (and builds left unfinished): the sources they were built
// from are long gone.
func pruneLabBuilds(t *testing.T, root, keep string) {
	entries, _ := os.ReadDir(root)
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || e.Name() == keep || time.Since(info.ModTime()) < 30*24*time.Hour {
			continue
		}
		if err := os.RemoveAll(filepath.Join(root, e.Name())); err == nil {
			t.Logf("removed the old JupyterLab build %s", e.Name())
		}
	}
}

// startLabServer starts serve_lab.py with the frontend build, serving dir,
// in env, as startJupyterServer does.
func startLabServer(t *testing.T, env []string, build, dir string) *notebookServer {
	t.Helper()
	state := t.TempDir()
	return startJupyterServer(t, "the JupyterLab server", env, func(port int, token string) []string {
		return []string{filepath.Join(labDir, "serve_lab.py"),
			"--build", build, "--state", state,
			"--ip=127.0.0.1", "--port=" + strconv.Itoa(port), "--port-retries=0",
			"--ServerApp.token=" + token, "--ServerApp.root_dir=" + dir,
			"--no-browser", "--allow-root"}
	})
}

// labImage is an <img> as Lab rendered it.
type labImage struct {
	Src           string  `json:"src"`
	Alt           string  `json:"alt"`
	Complete      bool    `json:"complete"`
	NaturalWidth  int     `json:"naturalWidth"`
	NaturalHeight int     `json:"naturalHeight"`
	Width         float64 `json:"width"`
	Height        float64 `json:"height"`
}

// labCell is a code cell as lab.py reports it: its outputs in the
// notebook's model, and as Lab rendered them, one element each.
type labCell struct {
	Index          int    `json:"index"`
	Source         string `json:"source"`
	ExecutionCount *int   `json:"executionCount"`
	Prompt         string `json:"prompt"`
	Outputs        []struct {
		Type       string                    `json:"type"`
		Name       string                    `json:"name"`
		EName      string                    `json:"ename"`
		EValue     string                    `json:"evalue"`
		Mimes      []string                  `json:"mimes"`
		Metadata   map[string]map[string]any `json:"metadata"`
		Text       string                    `json:"text"`
		HTMLTables int                       `json:"htmlTables"`
		HTMLImages int                       `json:"htmlImages"`
	} `json:"outputs"`
	Rendered []struct {
		Mime   string     `json:"mime"`
		Text   string     `json:"text"`
		Tables int        `json:"tables"`
		Images []labImage `json:"images"`
	} `json:"rendered"`
}

// labState is the notebook as lab.py reports it.
type labState struct {
	KernelName   string    `json:"kernelName"`
	KernelStatus string    `json:"kernelStatus"`
	Indicator    string    `json:"indicator"`
	Cells        []labCell `json:"cells"`
}

// labResult is the line lab.py prints.
type labResult struct {
	OK            bool               `json:"ok"`
	Error         string             `json:"error"`
	Steps         map[string]float64 `json:"steps"`
	KernelOptions []string           `json:"kernelOptions"`
	Stored        *labState          `json:"stored"`
	Final         *labState          `json:"final"`
	Executed      int                `json:"executed"`
	Iopub         []struct {
		Type      string `json:"type"`
		DisplayID string `json:"displayId"`
		Text      string `json:"text"`
	} `json:"iopub"`
	Checks          json.RawMessage `json:"checks"`
	BrowserErrors   []string        `json:"browserErrors"`
	Screenshot      string          `json:"screenshot"`
	ScreenshotError string          `json:"screenshotError"`
}

// runLab runs lab.py command on notebook and returns its report; a
// failed step fails the test, with the report's error and the server's log.
func runLab(t *testing.T, srv *notebookServer, env []string, command, notebook, shot string) *labResult {
	t.Helper()
	res := new(labResult)
	stderr, runErr := runDriver(t, env, 12*time.Minute, "lab.py "+command+" "+notebook, "GOPAR-LAB ", res,
		filepath.Join(labDir, "lab.py"), command, srv.base, srv.token, notebook, shot)
	t.Logf("screenshot: %s", shot)
	t.Logf("steps (seconds since the browser started): %v", res.Steps)
	for _, be := range res.BrowserErrors {
		t.Errorf("browser console error: %s", be)
	}
	if !res.OK || runErr != nil {
		t.Fatalf("lab.py %s %s failed (%v): %s\n%s", command, notebook, runErr, res.Error, stderr)
	}
	checkScreenshot(t, shot, res.ScreenshotError)
	return res
}

// TestJupyterLab runs every notebook in notebooks/ in JupyterLab 4, with
// GOPAR_QUICK=1, through Lab's own UI (file browser, kernel dialog, Run >
// Run All Cells), and checks what Lab shows: no error, every plot an image
// Lab's image renderer shows at its CSS size from a PNG of twice that size
// that decodes and is not blank, the tables as HTML tables, progress bars
// updated in place, the kernel idle at the end. Then it uses completion,
// the tooltip, interrupt, stdin and restart on a notebook of its own.
// labNote is a line that gopar writes to stderr on purpose in the
// notebooks: the first native build's notice (the tests start from empty
// caches) and the report of the worker that threads-vs-processes kills.
var labNote = regexp.MustCompile(`^(compiling the native cell… \(.*\)|dist: worker \d+ was lost \(.*\); its \d+ unfinished tasks? (is|are) sent to other workers)$`)

// expectedNotes reports whether a stderr text is only such lines.
func expectedNotes(text string) bool {
	for _, l := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		if !labNote.MatchString(l) {
			return false
		}
	}
	return true
}

// Screenshots go to $GOPAR_ARTIFACTS (default: a temporary directory).
func TestJupyterLab(t *testing.T) {
	start := time.Now()
	requireTools(t, jupyterClient, jupyterServer, jupyterlabServer, node, npm, selenium, chromium, chromedriver)
	build := labBuild(t)

	// The kernels inherit GOPAR_QUICK from the server.
	env, kernelBin := browserEnv(t)
	env = append(env, quickEnv)
	artifacts := artifactsDir(t)

	// The notebooks, without the metadata that names their kernel and
	// language: Lab then asks which kernel to use, and lab.py picks
	// "Go (gopar)" as a user would.
	nbDir := t.TempDir()
	paths, err := filepath.Glob(filepath.Join("..", "notebooks", "*.ipynb"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no notebooks in ../notebooks: %v", err)
	}
	for _, p := range paths {
		writeNotebookCopy(t, p, filepath.Join(nbDir, filepath.Base(p)))
	}
	writeInteractiveNotebook(t, filepath.Join(nbDir, "interactive.ipynb"))

	srv := startLabServer(t, env, build, nbDir)
	t.Logf("JupyterLab server up after %v", time.Since(start).Round(time.Millisecond))
	defer srv.saveLog(t, filepath.Join(artifacts, "lab-server.log"))

	bars := 0
	for _, p := range paths {
		name := filepath.Base(p)
		t.Run(strings.TrimSuffix(name, ".ipynb"), func(t *testing.T) {
			shot := filepath.Join(artifacts, "lab-"+strings.TrimSuffix(name, ".ipynb")+".png")
			os.Remove(shot)
			res := runLab(t, srv, env, "run", name, shot)
			checkLabStored(t, res.Stored)
			bars += checkLabRun(t, res)
		})
	}
	if bars == 0 {
		t.Errorf("no notebook showed a progress bar updated in place")
	}

	t.Run("interactive", func(t *testing.T) {
		shot := filepath.Join(artifacts, "lab-interactive.png")
		os.Remove(shot)
		res := runLab(t, srv, env, "interactive", "interactive.ipynb", shot)
		checkLabInteractive(t, res)
	})

	// The server stops its kernels when it stops.
	srv.stopWithKernels(t, kernelBin)
	t.Logf("JupyterLab test took %v", time.Since(start).Round(time.Millisecond))
}

// writeNotebookCopy writes the notebook src to dst without its kernelspec
// and language_info.
func writeNotebookCopy(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	var nb map[string]any
	if err := json.Unmarshal(b, &nb); err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	if md, ok := nb["metadata"].(map[string]any); ok {
		delete(md, "kernelspec")
		delete(md, "language_info")
	}
	if b, err = json.Marshal(nb); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// interactiveCells are the cells of the notebook the interactive checks
// work on; lab.py knows them by position.
var interactiveCells = []string{
	"x := 41",
	"strings.ToUp",
	"for {\n}",
	`fmt.Println("after the interrupt, x =", x)`,
	"var name string\nfmt.Print(\"name? \")\nfmt.Scanln(&name)\nfmt.Println(\"hello,\", name)",
}

// writeInteractiveNotebook writes the notebook of the interactive checks:
// its metadata names the gopar kernel, which Lab then starts without
// asking.
func writeInteractiveNotebook(t *testing.T, path string) {
	t.Helper()
	var cells []map[string]any
	for i, src := range interactiveCells {
		cells = append(cells, map[string]any{"cell_type": "code", "id": fmt.Sprintf("interactive-%d", i),
			"metadata": map[string]any{}, "execution_count": nil, "outputs": []any{}, "source": src})
	}
	nb := map[string]any{
		"cells":          cells,
		"metadata":       map[string]any{"kernelspec": map[string]any{"name": "gopar", "display_name": "Go (gopar)", "language": "go"}},
		"nbformat":       4,
		"nbformat_minor": 5,
	}
	b, err := json.MarshalIndent(nb, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// promptRE matches the prompt of a cell that has run.
var promptRE = regexp.MustCompile(`^\[\d+\]:$`)

// checkLabRun checks one notebook's Run All and returns how many progress
// bars it showed updated in place.
func checkLabRun(t *testing.T, res *labResult) int {
	t.Helper()
	if !slices.Contains(res.KernelOptions, "Go (gopar)") {
		t.Errorf("Lab's kernel dialog offered %q, without Go (gopar)", res.KernelOptions)
	}
	st := res.Final
	if st == nil {
		t.Fatal("lab.py reported no final state")
	}
	if st.KernelName != "Go (gopar)" || st.KernelStatus != "idle" || st.Indicator != "idle" {
		t.Errorf("kernel %q, status %q, indicator %q after Run All; want Go (gopar), idle, idle", st.KernelName, st.KernelStatus, st.Indicator)
	}
	nonEmpty := 0
	images, tables := 0, 0
	for _, c := range st.Cells {
		if strings.TrimSpace(c.Source) == "" {
			continue
		}
		nonEmpty++
		where := fmt.Sprintf("cell %d (%.40q)", c.Index, c.Source)
		if c.ExecutionCount == nil || !promptRE.MatchString(c.Prompt) {
			t.Errorf("%s did not run: prompt %q", where, c.Prompt)
		}
		if len(c.Rendered) != len(c.Outputs) {
			t.Errorf("%s: Lab rendered %d outputs of %d", where, len(c.Rendered), len(c.Outputs))
			continue
		}
		for j, o := range c.Outputs {
			r := c.Rendered[j]
			switch {
			case o.Type == "error":
				t.Errorf("%s: error output %s: %s", where, o.EName, o.EValue)
				continue
			case o.Type == "stream" && o.Name == "stderr":
				if !expectedNotes(o.Text) {
					t.Errorf("%s: stderr output %q", where, o.Text)
				}
				continue
			case r.Mime == "application/vnd.jupyter.stderr":
				t.Errorf("%s: Lab shows an error: %q", where, r.Text)
				continue
			case o.Type == "stream":
				continue
			}
			// A display: its text/plain is there for consoles.
			if !slices.Contains(o.Mimes, "text/plain") {
				t.Errorf("%s: output %d has %q, no text/plain", where, j, o.Mimes)
			}
			if slices.Contains(o.Mimes, "image/png") {
				images++
				checkLabPlot(t, where, o.Metadata["image/png"], r.Mime, r.Images)
			}
			if o.HTMLTables > 0 {
				tables++
				if r.Mime != "text/html" || r.Tables < o.HTMLTables {
					t.Errorf("%s: output %d holds %d HTML tables; Lab rendered it as %s with %d tables", where, j, o.HTMLTables, r.Mime, r.Tables)
				}
				if len(r.Images) != o.HTMLImages {
					t.Errorf("%s: output %d's HTML holds %d images; Lab shows %d", where, j, o.HTMLImages, len(r.Images))
				}
				for _, img := range r.Images {
					checkLabHTMLImage(t, where, img)
				}
			}
		}
	}
	if res.Executed != nonEmpty {
		t.Errorf("the kernel got %d cells to execute; the notebook has %d", res.Executed, nonEmpty)
	}
	if images == 0 {
		t.Error("no plot in the notebook")
	}
	if tables == 0 {
		t.Error("no table in the notebook")
	}
	t.Logf("%d cells ran: %d plots, %d tables", nonEmpty, images, tables)
	return checkLabProgress(t, res)
}

// checkLabStored checks the outputs stored in a committed notebook, as Lab
// shows them on opening it, untrusted: every plot through Lab's image
// renderer, and the plots in tables of results, SVG images in HTML, kept by
// Lab's HTML sanitizer.
func checkLabStored(t *testing.T, st *labState) {
	t.Helper()
	if st == nil {
		t.Fatal("lab.py reported no stored outputs")
	}
	plots := 0
	for _, c := range st.Cells {
		where := fmt.Sprintf("stored output of cell %d (%.40q)", c.Index, c.Source)
		if len(c.Rendered) != len(c.Outputs) {
			t.Errorf("%s: Lab rendered %d outputs of %d", where, len(c.Rendered), len(c.Outputs))
			continue
		}
		for j, o := range c.Outputs {
			r := c.Rendered[j]
			if slices.Contains(o.Mimes, "image/png") {
				plots++
				checkLabPlot(t, where, o.Metadata["image/png"], r.Mime, r.Images)
			}
			if o.HTMLImages > 0 {
				if r.Mime != "text/html" || len(r.Images) != o.HTMLImages {
					t.Errorf("%s: HTML with %d images rendered as %s with %d images", where, o.HTMLImages, r.Mime, len(r.Images))
				}
				for _, img := range r.Images {
					plots++
					checkLabHTMLImage(t, where, img)
				}
			}
		}
	}
	if plots == 0 {
		t.Error("the committed notebook holds no plot")
	}
	t.Logf("the committed notebook opens with %d plots (PNG outputs, and SVGs in tables), all shown", plots)
}

// checkLabPlot checks a plot's output: Lab's image renderer shows it as an
// <img> of the PNG, which the browser decoded, at the CSS size the
// metadata gives, from a PNG of twice that size that is not blank.
func checkLabPlot(t *testing.T, where string, meta map[string]any, mime string, imgs []labImage) {
	t.Helper()
	if mime != "image/png" || len(imgs) != 1 {
		t.Errorf("%s: a plot rendered as %s with %d images, want Lab's image/png renderer", where, mime, len(imgs))
		return
	}
	img := imgs[0]
	w, _ := meta["width"].(float64)
	h, _ := meta["height"].(float64)
	if w <= 0 || h <= 0 {
		t.Errorf("%s: plot metadata %v has no width and height", where, meta)
		return
	}
	b64, ok := strings.CutPrefix(img.Src, "data:image/png;base64,")
	if !ok {
		t.Errorf("%s: plot <img> src %.40q is not a PNG data URI", where, img.Src)
		return
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Errorf("%s: plot data: %v", where, err)
		return
	}
	decoded, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Errorf("%s: plot PNG: %v", where, err)
		return
	}
	size := decoded.Bounds().Size()
	if size.X != 2*int(w) || size.Y != 2*int(h) {
		t.Errorf("%s: plot PNG is %v, want twice its CSS size %gx%g", where, size, w, h)
	}
	if n := distinctColors(decoded, 16); n < 8 {
		t.Errorf("%s: plot PNG has %d colours: blank?", where, n)
	}
	if !img.Complete || img.NaturalWidth != size.X || img.NaturalHeight != size.Y {
		t.Errorf("%s: the browser decoded the plot as %dx%d (complete %v), want %v", where, img.NaturalWidth, img.NaturalHeight, img.Complete, size)
	}
	if math.Abs(img.Width-w) > 1 || math.Abs(img.Height-h) > 1 {
		t.Errorf("%s: Lab shows the plot at %gx%g, want its CSS size %gx%g", where, img.Width, img.Height, w, h)
	}
}

// checkLabHTMLImage checks an image inside an HTML output (the plot of a
// table of results): an SVG that the browser decoded.
func checkLabHTMLImage(t *testing.T, where string, img labImage) {
	t.Helper()
	b64, ok := strings.CutPrefix(img.Src, "data:image/svg+xml;base64,")
	if !ok {
		t.Errorf("%s: <img> in HTML with src %.40q, want an SVG data URI", where, img.Src)
		return
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Errorf("%s: SVG data: %v", where, err)
		return
	}
	checkSVG(t, raw)
	if !img.Complete || img.NaturalWidth == 0 || img.Width == 0 {
		t.Errorf("%s: the browser did not show the SVG %q (complete %v, %dx%d)", where, img.Alt, img.Complete, img.NaturalWidth, img.NaturalHeight)
	}
}

// checkLabProgress checks the progress bars the kernel sent: each is one
// display_data then update_display_data messages for its display_id, ends
// complete, and shows once in the notebook. It returns how many bars were
// updated at least twice.
func checkLabProgress(t *testing.T, res *labResult) int {
	t.Helper()
	type bar struct {
		displays, updates int
		last              string
	}
	bars := map[string]*bar{}
	var order []string
	for _, m := range res.Iopub {
		if m.DisplayID == "" || (m.Type != "display_data" && m.Type != "update_display_data") {
			continue
		}
		b := bars[m.DisplayID]
		if b == nil {
			b = &bar{}
			bars[m.DisplayID] = b
			order = append(order, m.DisplayID)
		}
		if m.Type == "display_data" {
			b.displays++
		} else {
			b.updates++
		}
		b.last = m.Text
	}
	shown := map[string]int{}
	for _, c := range res.Final.Cells {
		for _, o := range c.Outputs {
			shown[o.Text]++
		}
	}
	live := 0
	for _, id := range order {
		b := bars[id]
		if b.updates == 0 {
			continue // a display never updated: not a progress bar
		}
		if b.displays != 1 {
			t.Errorf("progress bar %s: %d display_data messages, want 1 updated in place", id, b.displays)
		}
		if !strings.Contains(b.last, "100%") {
			t.Errorf("progress bar %s ends at %q, not 100%%", id, b.last)
		}
		if n := shown[b.last]; n != 1 {
			t.Errorf("progress bar %s (%q) shows %d times in the notebook, want once", id, b.last, n)
		}
		if b.updates >= 2 {
			live++
		}
		t.Logf("progress bar: 1 display, %d updates, ends %q", b.updates, b.last)
	}
	return live
}

// checkLabInteractive checks what lab.py's interactive command saw.
func checkLabInteractive(t *testing.T, res *labResult) {
	t.Helper()
	var c struct {
		KernelName       string   `json:"kernelName"`
		Completions      []string `json:"completions"`
		CompletedSource  string   `json:"completedSource"`
		Tooltip          string   `json:"tooltip"`
		InterruptSeconds float64  `json:"interruptSeconds"`
		Interrupted      labCell  `json:"interrupted"`
		AfterInterrupt   labCell  `json:"afterInterrupt"`
		Stdin            labCell  `json:"stdin"`
		RestartAttempts  []string `json:"restartAttempts"`
		KernelStatuses   []string `json:"kernelStatuses"`
		AfterRestart     labCell  `json:"afterRestart"`
		RestartSeconds   float64  `json:"restartSeconds"`
	}
	if err := json.Unmarshal(res.Checks, &c); err != nil {
		t.Fatalf("lab.py's checks: %v", err)
	}
	if c.KernelName != "Go (gopar)" {
		t.Errorf("Lab started kernel %q for a notebook naming gopar", c.KernelName)
	}
	if !slices.Contains(c.Completions, "ToUpper") || c.CompletedSource != "strings.ToUpper" {
		t.Errorf("Tab after strings.ToUp: completer offered %q and the cell became %q; want ToUpper", c.Completions, c.CompletedSource)
	}
	if !strings.Contains(c.Tooltip, "func ToUpper(s string) string") {
		t.Errorf("Shift+Tab in strings.ToUpper(: tooltip %q", c.Tooltip)
	}

	interrupted := false
	for _, o := range c.Interrupted.Outputs {
		interrupted = interrupted || (o.Type == "error" && o.EName == "Interrupt")
	}
	if !interrupted || !renderedText(c.Interrupted, "interrupted") {
		t.Errorf("the interrupted loop's cell shows %+v, want the Interrupt error", c.Interrupted.Rendered)
	}
	t.Logf("interrupt: back to idle after %.2fs", c.InterruptSeconds)
	if !renderedText(c.AfterInterrupt, "after the interrupt, x = 41") {
		t.Errorf("the cell after the interrupt shows %+v", c.AfterInterrupt.Rendered)
	}
	if !renderedText(c.Stdin, "hello, gopher") {
		t.Errorf("the cell reading stdin shows %+v, want hello, gopher", c.Stdin.Rendered)
	}

	if !slices.Contains(c.KernelStatuses, "restarting") {
		t.Errorf("the kernel's statuses after Kernel > Restart were %q, without restarting", c.KernelStatuses)
	}
	if c.AfterRestart.ExecutionCount == nil || *c.AfterRestart.ExecutionCount != 1 {
		t.Errorf("after the restart, a cell ran as %q; want [1]: (a fresh kernel)", c.AfterRestart.Prompt)
	}
	if len(c.RestartAttempts) > 1 {
		t.Logf("the first restart did not come back: %q", c.RestartAttempts)
	}
	t.Logf("restart: %q; a cell ran %.2fs after the first click", c.RestartAttempts, c.RestartSeconds)
}

// renderedText tells whether Lab shows text in one of the cell's outputs.
func renderedText(c labCell, text string) bool {
	for _, r := range c.Rendered {
		if strings.Contains(r.Text, text) {
			return true
		}
	}
	return false
}
