//go:build unix

package e2e

import (
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// startNotebookServer starts the classic Notebook server (version 6)
// serving dir, in env, as startJupyterServer does.
func startNotebookServer(t *testing.T, env []string, dir, version string) *notebookServer {
	t.Helper()
	if major, _, _ := strings.Cut(version, "."); major != "6" {
		// Notebook 7 is JupyterLab-based: its UI is not what
		// browser_run_all.py drives.
		t.Fatalf("the Notebook server is version %s; this test drives the classic Notebook 6 (Debian bookworm's jupyter-notebook)", version)
	}
	return startJupyterServer(t, "the Notebook server", env, func(port int, token string) []string {
		return []string{"-m", "notebook",
			"--no-browser", "--allow-root", "--ip=127.0.0.1", "--port=" + strconv.Itoa(port), "--port-retries=0",
			"--NotebookApp.token=" + token, "--notebook-dir=" + dir, "--NotebookApp.open_browser=False"}
	})
}

// browserResult is the line testdata/browser_run_all.py prints.
type browserResult struct {
	OK     bool               `json:"ok"`
	Error  string             `json:"error"`
	Steps  map[string]float64 `json:"steps"`
	Images []struct {
		Src           string  `json:"src"`
		Alt           string  `json:"alt"`
		Complete      bool    `json:"complete"`
		NaturalWidth  int     `json:"naturalWidth"`
		NaturalHeight int     `json:"naturalHeight"`
		Width         float64 `json:"width"`
		Height        float64 `json:"height"`
	} `json:"images"`
	InlineSVGs      int      `json:"inlineSvgs"`
	Errors          []string `json:"errors"`
	Tables          []string `json:"tables"`
	Outputs         []string `json:"outputs"`
	Prompts         []string `json:"prompts"`
	KernelName      string   `json:"kernelName"`
	Screenshot      string   `json:"screenshot"`
	ScreenshotError string   `json:"screenshotError"`
}

// TestBrowserRunAll opens testdata/plots.ipynb in the classic Notebook with
// the gopar kernel, in headless Chromium, runs all cells from the menu, and
// checks that the plots show as images the browser decoded, that the table
// and the finished progress bar are there, and that no cell shows an error.
// A screenshot of the page is saved in $GOPAR_ARTIFACTS (default: a
// temporary directory) and its path logged.
func TestBrowserRunAll(t *testing.T) {
	start := time.Now()
	requireTools(t, jupyterClient, classicNotebook, selenium, chromium, chromedriver)
	version, _ := classicNotebook.check()
	env, kernelBin := browserEnv(t)
	artifacts := artifactsDir(t)
	shot := filepath.Join(artifacts, "browser-plots.png")
	os.Remove(shot)

	nbDir := t.TempDir()
	src, err := os.ReadFile(filepath.Join("testdata", "plots.ipynb"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(nbDir, "plots.ipynb"), src, 0o644); err != nil {
		t.Fatal(err)
	}

	srv := startNotebookServer(t, env, nbDir, version)
	t.Logf("Notebook server up after %v", time.Since(start).Round(time.Millisecond))
	defer srv.saveLog(t, filepath.Join(artifacts, "browser-notebook-server.log"))

	res := new(browserResult)
	stderr, runErr := runDriver(t, env, 105*time.Second, "browser_run_all.py", "GOPAR-BROWSER ", res,
		filepath.Join("testdata", "browser_run_all.py"), srv.base, srv.token, "plots.ipynb", shot)
	t.Logf("screenshot: %s", shot)
	t.Logf("browser steps (seconds since the driver started): %v", res.Steps)
	if !res.OK || runErr != nil {
		t.Fatalf("browser run failed (%v): %s\n%s", runErr, res.Error, stderr)
	}

	// Every code cell ran.
	if len(res.Prompts) != 4 {
		t.Errorf("%d code cells ran, want 4: prompts %q", len(res.Prompts), res.Prompts)
	}
	for _, p := range res.Prompts {
		if _, err := strconv.Atoi(p); err != nil {
			t.Errorf("a cell's prompt is %q after Run All: prompts %q", p, res.Prompts)
		}
	}
	if res.KernelName != "gopar" {
		t.Errorf("the page's kernel is %q, want gopar", res.KernelName)
	}
	// The plots are images the browser decoded.
	plots := 0
	for _, img := range res.Images {
		t.Logf("image %q: %s… %dx%d shown at %gx%g", img.Alt, img.Src, img.NaturalWidth, img.NaturalHeight, img.Width, img.Height)
		if !strings.HasPrefix(img.Src, "data:image/png") && !strings.HasPrefix(img.Src, "data:image/svg+xml") {
			continue
		}
		if !img.Complete || img.NaturalWidth == 0 || img.NaturalHeight == 0 {
			t.Errorf("image %q did not decode in the browser", img.Alt)
			continue
		}
		// A plot is a PNG drawn at twice the size it is shown at.
		if strings.HasPrefix(img.Src, "data:image/png") && img.NaturalWidth == 2*int(img.Width) && img.NaturalHeight == 2*int(img.Height) {
			plots++
		}
	}
	if plots < 2 {
		t.Errorf("%d decoded plot images on the page, want 2 (Squares, Speed-up)", plots)
	}
	// The table, the finished progress bar, no error.
	all := strings.Join(res.Outputs, "\n")
	if len(res.Tables) == 0 || !strings.Contains(res.Tables[0], "n squared") {
		t.Errorf("no table with \"n squared\" on the page: %q", res.Tables)
	}
	for _, want := range []string{"slow series", "100%", "10/10", "sum of 10 slow series: "} {
		if !strings.Contains(all, want) {
			t.Errorf("the outputs lack %q:\n%s", want, all)
		}
	}
	if len(res.Errors) > 0 {
		t.Errorf("error output on the page: %q", res.Errors)
	}

	checkScreenshot(t, shot, res.ScreenshotError)

	// The server stops its kernel when it stops.
	srv.stopWithKernels(t, kernelBin)
	t.Logf("browser test took %v", time.Since(start).Round(time.Millisecond))
}

// checkScreenshot fails the test unless path is a PNG screenshot of a
// notebook page: at least 1280×800 and not blank.
func checkScreenshot(t *testing.T, path, shotErr string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Errorf("no screenshot: %v %s", err, shotErr)
		return
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Errorf("screenshot %s: %v", path, err)
		return
	}
	b := img.Bounds()
	if b.Dx() < 1280 || b.Dy() < 800 {
		t.Errorf("screenshot is %dx%d, want at least 1280x800", b.Dx(), b.Dy())
	}
	if n := distinctColors(img, 64); n < 16 {
		t.Errorf("screenshot has %d distinct colours: blank?", n)
	}
}

// distinctColors counts distinct colours among a grid of samples of img,
// stopping at max.
func distinctColors(img image.Image, max int) int {
	b := img.Bounds()
	seen := map[[4]uint32]bool{}
	for y := b.Min.Y; y < b.Max.Y; y += 7 {
		for x := b.Min.X; x < b.Max.X; x += 7 {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bl, a}] = true
			if len(seen) >= max {
				return len(seen)
			}
		}
	}
	return len(seen)
}
