package nbrun

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestNBFormat3 checks that an nbformat 3 notebook is converted as Debian's
// nbformat converts it, cell ids aside (they are random).
func TestNBFormat3(t *testing.T) {
	const path = "testdata/v3.ipynb"
	nb, err := ReadNotebook(path)
	if err != nil {
		t.Fatal(err)
	}
	nb.Upgrade()
	got, err := nb.Encode()
	if err != nil {
		t.Fatal(err)
	}
	want := nbformatWrites(t, path)
	// Give gopar's cells nbformat's ids.
	var w struct {
		Cells []struct {
			ID string `json:"id"`
		} `json:"cells"`
	}
	if err := json.Unmarshal(want, &w); err != nil || len(w.Cells) != len(nb.Cells) {
		t.Fatalf("nbformat made %d cells (%v), gopar %d", len(w.Cells), err, len(nb.Cells))
	}
	for i, c := range w.Cells {
		nb.Cells[i].ID = c.ID
	}
	if got, err = nb.Encode(); err != nil {
		t.Fatal(err)
	}
	diffNotebooks(t, got, want)
	p := filepath.Join(t.TempDir(), "v4.ipynb")
	if err := nb.WriteFile(p); err != nil {
		t.Fatal(err)
	}
	validate(t, p)
}

// TestNBFormat3Careless checks the conversion of what nbformat 3 allows or
// what careless tools wrote: the result is valid nbformat 4.5 however odd
// the input.
func TestNBFormat3Careless(t *testing.T) {
	src := `{"nbformat": 3, "nbformat_minor": 0, "metadata": {"name": "x", "orig_nbformat": 2},
 "worksheets": [{"cells": [
  {"cell_type": "heading", "source": "no level\r\nand a CR LF\u2028and a separator"},
  {"cell_type": "heading", "level": 0, "source": ["zero"]},
  {"cell_type": "markdown", "source": "md", "rendered": "<p>md</p>", "trusted": true},
  {"cell_type": "code", "input": "a", "prompt_number": "*", "outputs": [
   {"output_type": "pyout", "text": "no count"},
   {"output_type": "stream", "text": ["no stream name"]},
   {"output_type": "display_data", "text": "t", "metadata": {"jpeg": {"height": 1}}, "weird": "kept as data"}
  ]},
  {"cell_type": "code"}
 ]}]}`
	nb, err := ParseNotebook([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	nb.Upgrade()
	var texts []string
	for _, c := range nb.Cells {
		texts = append(texts, c.CellType+":"+string(c.Source)+":"+outputsOf(c))
	}
	want := []string{
		"markdown:# no level and a CR LF and a separator:",
		"markdown: zero:",
		"markdown:md:",
		"code:a:execute_result:no count|stdout:no stream name|display_data:t",
		"code::",
	}
	if !reflect.DeepEqual(texts, want) {
		t.Errorf("cells\n%q\nwant\n%q", texts, want)
	}
	if c := nb.Cells[3]; c.ExecutionCount != nil || c.Outputs[0].ExecutionCount != nil || c.Outputs[2].Data["weird"] != "kept as data" ||
		!reflect.DeepEqual(c.Outputs[2].Metadata, map[string]any{"image/jpeg": map[string]any{"height": float64(1)}}) {
		t.Errorf("cell 4: %+v %+v", c, c.Outputs[2])
	}
	if _, ok := nb.Metadata["orig_nbformat"]; ok || len(nb.Metadata) != 0 {
		t.Errorf("metadata %v, want {}", nb.Metadata)
	}
	p := filepath.Join(t.TempDir(), "careless.ipynb")
	if err := nb.WriteFile(p); err != nil {
		t.Fatal(err)
	}
	validate(t, p)

	for _, bad := range []string{
		`{"nbformat": 3, "cells": []}`,
		`{"nbformat": 3, "worksheets": [{"cells": [{"cell_type": "code", "outputs": [{"output_type": "pyout", "json": "{not json"}]}]}]}`,
		`{"nbformat": 3, "worksheets": [{"cells": [{"cell_type": "heading", "source": [1]}]}]}`,
		`{"nbformat": 3, "worksheets": [{"cells": [{"cell_type": "weird"}]}]}`,
		`{"nbformat": 3, "worksheets": [{}]}`,
	} {
		if _, err := ParseNotebook([]byte(bad)); err == nil {
			t.Errorf("ParseNotebook(%s) accepted", bad)
		} else {
			t.Logf("%s: %v", bad, err)
		}
	}
}

// TestOldFormats checks that nbformat 1 and 2 notebooks are refused with
// the command that converts them.
func TestOldFormats(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"v2.ipynb", "it's old.ipynb"} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(`{"metadata": {"name": ""}, "nbformat": 2, "worksheets": [{"cells": []}]}`), 0o644)
		_, err := ReadNotebook(p)
		quoted := p
		if strings.Contains(name, " ") {
			quoted = "'" + strings.ReplaceAll(p, "'", `'\''`) + "'"
		}
		want := p + ": nbformat 2 is too old for gopar: convert it first with: jupyter nbconvert --to notebook --nbformat 4 " + quoted
		if err == nil || err.Error() != want {
			t.Errorf("ReadNotebook(%s) = %v, want %s", p, err, want)
		}
	}
	if _, err := ParseNotebook([]byte(`{"nbformat": 5, "cells": []}`)); err == nil || err.Error() != "nbformat 5 is not supported (only 3 and 4)" {
		t.Errorf("nbformat 5: %v", err)
	}
}

// TestRunNBFormat3 runs an nbformat 3 notebook in place: it is written as
// valid nbformat 4.5, and the log says it was converted.
func TestRunNBFormat3(t *testing.T) {
	b, err := os.ReadFile("testdata/v3.ipynb")
	if err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(t.TempDir(), "old.ipynb")
	if err := os.WriteFile(in, b, 0o644); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	eng := &fakeEngine{}
	nb, err := run(t, eng, Options{Input: in, Output: in, Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	if len(nb.Cells) != 11 || len(eng.reqs) != 4 || eng.reqs[0].Code != "x := 6 * 7\nfmt.Println(\"x is\", x)\nx" {
		t.Errorf("%d cells, requests %+v", len(nb.Cells), eng.reqs)
	}
	if want := in + " is in nbformat 3: converted to nbformat 4 as Jupyter does\n"; !strings.HasPrefix(log.String(), want) {
		t.Errorf("log %q, want it to start with %q", log.String(), want)
	}
}
