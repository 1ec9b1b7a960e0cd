package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// dataImageRE finds <img> elements whose source is a base64 data URI of a
// PNG or an SVG image: groups are the whole tag, the MIME type and the data.
var dataImageRE = regexp.MustCompile(`<img\b[^>]*?\bsrc="data:(image/png|image/svg\+xml);base64,([A-Za-z0-9+/=\s]+)"[^>]*>`)

// widthAttrRE finds an element's width attribute, quoted or not.
var widthAttrRE = regexp.MustCompile(`\bwidth="?(\d+)`)

// altRE finds an element's alt text.
var altRE = regexp.MustCompile(`\balt="([^"]*)"`)

// checkImage decodes one image of an HTML page and fails the test when it is
// not a well-formed PNG or SVG; it returns the image's size as text.
func checkImage(t *testing.T, mime, b64 string) string {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(b64), ""))
	if err != nil {
		t.Errorf("%s data URI does not decode: %v", mime, err)
		return ""
	}
	switch mime {
	case "image/png":
		cfg, err := png.DecodeConfig(bytes.NewReader(raw))
		if err != nil {
			t.Errorf("inline PNG does not decode: %v", err)
			return ""
		}
		if _, err := png.Decode(bytes.NewReader(raw)); err != nil {
			t.Errorf("inline PNG is corrupt: %v", err)
		}
		return fmt.Sprintf("PNG %dx%d", cfg.Width, cfg.Height)
	default:
		return checkSVG(t, raw)
	}
}

// checkSVG parses raw as XML, fails the test unless it is a well-formed
// document whose root is <svg> with something drawn in it, and returns the
// root's width and height.
func checkSVG(t *testing.T, raw []byte) string {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(raw))
	var root *xml.StartElement
	elements := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			if err != io.EOF {
				t.Errorf("inline SVG is not well-formed XML: %v", err)
				return ""
			}
			break
		}
		if se, ok := tok.(xml.StartElement); ok {
			elements++
			if root == nil {
				se := se.Copy()
				root = &se
			}
		}
	}
	if root == nil || root.Name.Local != "svg" {
		t.Errorf("inline SVG has root %v, want <svg>", root)
		return ""
	}
	if elements < 10 {
		t.Errorf("inline SVG has %d elements: nothing plotted", elements)
	}
	var w, h string
	for _, a := range root.Attr {
		switch a.Name.Local {
		case "width":
			w = a.Value
		case "height":
			h = a.Value
		}
	}
	return "SVG " + w + "x" + h
}

// TestPlotsNbconvertHTML executes testdata/plots.ipynb with nbconvert
// against the installed kernel and checks that the HTML export holds the
// plots inline as images that decode, the table, and the final state of the
// progress bar.
func TestPlotsNbconvertHTML(t *testing.T) {
	requireTools(t, nbconvert, nbclient, jupyterClient)
	env := jupyterEnv(t)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	start := time.Now()
	cmd := exec.CommandContext(ctx, python, "-m", "nbconvert", "--to", "html", "--execute",
		"--ExecutePreprocessor.kernel_name=gopar", "--ExecutePreprocessor.timeout=120",
		"--output-dir", dir, "--output", "plots", filepath.Join("testdata", "plots.ipynb"))
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nbconvert --to html --execute: %v\n%s", err, out)
	}
	t.Logf("nbconvert --to html --execute took %v", time.Since(start).Round(time.Millisecond))
	b, err := os.ReadFile(filepath.Join(dir, "plots.html"))
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	// The template's own styles hold data URIs too: look at the body only.
	if i := strings.Index(page, "<body"); i >= 0 {
		page = page[i:]
	}

	checkPlotImages(t, page, "HTML export")

	// The table, the progress bar's final state and the cell's printout.
	for _, want := range []string{
		"<table", "<th", ">n squared</th>", ">9</td>",
		"slow series", "100%", "10/10",
		"sum of 10 slow series:",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("HTML export lacks %q", want)
		}
	}
	// No error output and no stderr.
	for _, bad := range []string{"application/vnd.jupyter.stderr", "jp-OutputArea-error", "output_error", "Traceback"} {
		if strings.Contains(page, bad) {
			t.Errorf("HTML export holds error output (%q)", bad)
		}
	}
}

// checkPlotImages checks the plots of testdata/plots.ipynb in an HTML page
// (what names it): both plots (the line plot and the speed-up plot) are
// inline images that decode, PNGs drawn at twice the width the page shows
// them at.
func checkPlotImages(t *testing.T, page, what string) {
	t.Helper()
	// Both plots (the line plot and the speed-up plot) are inline images,
	// and every inline image decodes.
	imgs := dataImageRE.FindAllStringSubmatch(page, -1)
	var plots []string
	for _, m := range imgs {
		size := checkImage(t, m[1], m[2])
		alt := ""
		if a := altRE.FindStringSubmatch(m[0]); a != nil {
			alt = html.UnescapeString(a[1])
		}
		plots = append(plots, fmt.Sprintf("%s (%s)", alt, size))
	}
	t.Logf("inline images: %q", plots)
	if len(imgs) < 2 {
		t.Fatalf("%s holds %d inline images, want the 2 plots", what, len(imgs))
	}
	// Both are PNGs drawn at twice the size the page shows them at.
	twice := 0
	for _, m := range imgs {
		w := widthAttrRE.FindStringSubmatch(m[0])
		if m[1] == "image/png" && w != nil && strings.HasPrefix(checkImage(t, m[1], m[2]), "PNG "+strconv.Itoa(2*atoi(t, w[1]))+"x") {
			twice++
		}
	}
	if twice < 2 {
		t.Errorf("%s: %d inline PNGs of twice their shown width, want the 2 plots: %q", what, twice, plots)
	}
}

// TestPlotsRunHTML: gopar run's HTML report shows the plots as the
// notebook frontends do, each PNG at the CSS size its metadata gives.
func TestPlotsRunHTML(t *testing.T) {
	dir := t.TempDir()
	page := filepath.Join(dir, "plots.html")
	if _, errOut, code := gopar(t, nil, "run", filepath.Join("testdata", "plots.ipynb"), "-o", filepath.Join(dir, "plots.out.ipynb"), "--html", page, "-q"); code != 0 {
		t.Fatalf("gopar run: exit %d\n%s", code, errOut)
	}
	b, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	checkPlotImages(t, string(b), "gopar run --html")
}

// probeMessage is one iopub message as testdata/progress_probe.py prints it.
type probeMessage struct {
	MsgType string `json:"msg_type"`
	Content struct {
		ExecutionState string            `json:"execution_state"`
		Data           map[string]string `json:"data"`
		Transient      struct {
			DisplayID string `json:"display_id"`
		} `json:"transient"`
		EName  string `json:"ename"`
		EValue string `json:"evalue"`
		Name   string `json:"name"`
		Text   string `json:"text"`
	} `json:"content"`
}

// TestPlotsProgressUpdates runs a cell with a progress bar in the kernel,
// through jupyter_client, and checks the iopub traffic: one display_data with
// a display_id, then update_display_data messages all for that id, the last
// showing the bar complete.
func TestPlotsProgressUpdates(t *testing.T) {
	requireTools(t, jupyterClient)
	env := jupyterEnv(t)
	// Each step does real work (about 0.1 s of compiled code), so that the
	// bar, rate-limited to five updates a second, updates while it runs;
	// however fast the machine, the final state is always sent.
	const steps = 8
	cell := fmt.Sprintf(`bar := display.NewProgress(%d, "probe")
for i := 0; i < %d; i++ {
	parlib.SlowSeries(20_000_000, 1)
	bar.Add(1)
}
`, steps, steps)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, filepath.Join("testdata", "progress_probe.py"))
	cmd.Env = env
	cmd.Stdin = strings.NewReader(cell)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Run(); err != nil {
		t.Fatalf("progress_probe.py: %v\n%s\n%s", err, o.String(), e.String())
	}
	var res struct {
		Reply struct {
			Status string `json:"status"`
		} `json:"reply"`
		Messages []probeMessage `json:"messages"`
	}
	found := false
	for _, line := range strings.Split(o.String(), "\n") {
		if rest, ok := strings.CutPrefix(line, "GOPAR-PROBE "); ok {
			if err := json.Unmarshal([]byte(rest), &res); err != nil {
				t.Fatalf("bad probe output %q: %v", rest, err)
			}
			found = true
		}
	}
	if !found {
		t.Fatalf("progress_probe.py printed no result:\n%s\n%s", o.String(), e.String())
	}
	if res.Reply.Status != "ok" {
		t.Errorf("execute_reply status %q, want ok", res.Reply.Status)
	}

	var types []string
	var id string
	displays, updates := 0, 0
	var last probeMessage
	for _, m := range res.Messages {
		types = append(types, m.MsgType)
		switch m.MsgType {
		case "display_data":
			displays++
			id = m.Content.Transient.DisplayID
			if updates > 0 {
				t.Errorf("display_data after an update_display_data")
			}
			if !strings.Contains(m.Content.Data["text/plain"], "0%") {
				t.Errorf("the bar does not start at 0%%: %q", m.Content.Data["text/plain"])
			}
		case "update_display_data":
			updates++
			if got := m.Content.Transient.DisplayID; got == "" || got != id {
				t.Errorf("update_display_data for display_id %q, want %q (the display_data's)", got, id)
			}
			last = m
		case "error":
			t.Errorf("error: %s: %s", m.Content.EName, m.Content.EValue)
		case "stream":
			if m.Content.Name == "stderr" {
				t.Errorf("stderr: %q", m.Content.Text)
			}
		}
		for _, mime := range []string{"text/plain", "text/html"} {
			if (m.MsgType == "display_data" || m.MsgType == "update_display_data") && m.Content.Data[mime] == "" {
				t.Errorf("%s without %s", m.MsgType, mime)
			}
		}
	}
	t.Logf("iopub: %v", types)
	if displays != 1 || id == "" {
		t.Fatalf("%d display_data messages (display_id %q), want one with a display_id", displays, id)
	}
	if updates < 1 {
		t.Fatalf("no update_display_data for the progress bar")
	}
	final := last.Content.Data["text/plain"]
	wantCount := fmt.Sprintf("%d/%d", steps, steps)
	if !strings.Contains(final, "100%") || !strings.Contains(final, wantCount) {
		t.Errorf("last update shows %q, want 100%% and %s", final, wantCount)
	}
	if h := last.Content.Data["text/html"]; !strings.Contains(h, "100%") {
		t.Errorf("last update's HTML is not complete: %q", h)
	}
	if n := len(types); n == 0 || types[n-1] != "status" {
		t.Errorf("iopub does not end with status idle: %v", types)
	}
}
