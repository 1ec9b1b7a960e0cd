package nbrun

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/gopar/gopar/internal/atomicfile"
)

// Text is a multi-line string of nbformat: on disk either one string or a
// list of lines (each but the last ending in "\n"); in memory one string.
// It is written as a list of lines, as Jupyter does.
type Text string

// UnmarshalJSON accepts a string or a list of strings.
func (t *Text) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*t = Text(s)
		return nil
	}
	var l []string
	if err := json.Unmarshal(b, &l); err != nil {
		return errors.New("expected a string or a list of strings")
	}
	*t = Text(strings.Join(l, ""))
	return nil
}

// MarshalJSON writes the text as a list of lines.
func (t Text) MarshalJSON() ([]byte, error) {
	return marshal(splitLines(string(t)))
}

// splitLines splits s after each "\n"; "" gives an empty list.
func splitLines(s string) []string {
	lines := []string{}
	for s != "" {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			lines = append(lines, s)
			break
		}
		lines = append(lines, s[:i+1])
		s = s[i+1:]
	}
	return lines
}

// Notebook is an nbformat 4 notebook.
type Notebook struct {
	// Cells are the notebook's cells in order.
	Cells []*Cell `json:"cells"`
	// Metadata is the notebook metadata (kernelspec, language_info, …).
	Metadata map[string]any `json:"metadata"`
	// NBFormat is the major format version (4).
	NBFormat int `json:"nbformat"`
	// NBFormatMinor is the minor format version.
	NBFormatMinor int `json:"nbformat_minor"`

	// from is the nbformat that ParseNotebook converted the notebook from,
	// 0 for none.
	from int
}

// Cell is one cell: code, markdown or raw. Fields that do not belong to a
// cell's type are ignored when writing.
type Cell struct {
	// ID is the cell id (nbformat 4.5 and later).
	ID string
	// CellType is "code", "markdown" or "raw".
	CellType string
	// Source is the cell's text.
	Source Text
	// Metadata is the cell metadata.
	Metadata map[string]any
	// ExecutionCount is In [n] of a code cell; nil when not run.
	ExecutionCount *int
	// Outputs are a code cell's outputs.
	Outputs []*Output
	// Attachments are a markdown or raw cell's attachments (name → bundle).
	Attachments map[string]map[string]any

	// ran tells that the last Execute reached this code cell: it ran it,
	// or cleared it when empty (not saved).
	ran bool
}

type cellJSON struct {
	ID             string                    `json:"id,omitempty"`
	CellType       string                    `json:"cell_type"`
	Source         Text                      `json:"source"`
	Metadata       map[string]any            `json:"metadata"`
	ExecutionCount *int                      `json:"execution_count"`
	Outputs        []*Output                 `json:"outputs"`
	Attachments    map[string]map[string]any `json:"attachments"`
}

// UnmarshalJSON reads a cell.
func (c *Cell) UnmarshalJSON(b []byte) error {
	var j cellJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*c = Cell{ID: j.ID, CellType: j.CellType, Source: j.Source, Metadata: j.Metadata,
		ExecutionCount: j.ExecutionCount, Outputs: j.Outputs, Attachments: j.Attachments}
	return nil
}

// MarshalJSON writes a cell with the fields its type allows.
func (c *Cell) MarshalJSON() ([]byte, error) {
	m := map[string]any{
		"cell_type": c.CellType,
		"source":    c.Source,
		"metadata":  nonNil(c.Metadata),
	}
	if c.ID != "" {
		m["id"] = c.ID
	}
	switch c.CellType {
	case "code":
		m["execution_count"] = c.ExecutionCount
		outs := c.Outputs
		if outs == nil {
			outs = []*Output{}
		}
		m["outputs"] = outs
	default:
		if len(c.Attachments) > 0 {
			m["attachments"] = c.Attachments
		}
	}
	return marshal(m)
}

// marshal is json.Marshal without its escapes of "<", ">" and "&", which
// Jupyter does not write: Encode's encoder keeps what MarshalJSON methods
// return as it is.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func nonNil(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// Output is one output of a code cell: "stream", "display_data",
// "execute_result" or "error".
type Output struct {
	// OutputType is the kind of output.
	OutputType string
	// Name is a stream's name, "stdout" or "stderr".
	Name string
	// Text is a stream's text.
	Text string
	// Data is the MIME bundle of display_data and execute_result. Text
	// values are held as one string; JSON types hold decoded values.
	Data map[string]any
	// Metadata is the per-MIME metadata of display_data and execute_result.
	Metadata map[string]any
	// ExecutionCount is Out [n] of an execute_result.
	ExecutionCount *int
	// EName, EValue and Traceback describe an error.
	EName, EValue string
	// Traceback is the error's traceback lines.
	Traceback []string

	// displayID is the display_id the output was shown with (not saved:
	// nbformat keeps no transient data); update_display_data finds it.
	displayID string
}

type outputJSON struct {
	OutputType     string          `json:"output_type"`
	Name           string          `json:"name"`
	Text           Text            `json:"text"`
	Data           map[string]any  `json:"data"`
	Metadata       map[string]any  `json:"metadata"`
	ExecutionCount *int            `json:"execution_count"`
	EName          string          `json:"ename"`
	EValue         string          `json:"evalue"`
	Traceback      json.RawMessage `json:"traceback"`
}

// isSplitMime reports whether a text value of mime is written as a list of
// lines, as nbformat writes text/*, SVG and JavaScript.
func isSplitMime(mime string) bool {
	return strings.HasPrefix(mime, "text/") || mime == "image/svg+xml" || mime == "application/javascript"
}

// isJSONMime reports whether values of mime are JSON data rather than text.
func isJSONMime(mime string) bool {
	return mime == "application/json" || strings.HasSuffix(mime, "+json")
}

// UnmarshalJSON reads an output, joining multi-line MIME values.
func (o *Output) UnmarshalJSON(b []byte) error {
	var j outputJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*o = Output{OutputType: j.OutputType, Name: j.Name, Text: string(j.Text),
		Metadata: j.Metadata, ExecutionCount: j.ExecutionCount, EName: j.EName, EValue: j.EValue}
	if len(j.Traceback) > 0 {
		if err := json.Unmarshal(j.Traceback, &o.Traceback); err != nil {
			return fmt.Errorf("traceback: %v", err)
		}
	}
	if j.Data != nil {
		o.Data = make(map[string]any, len(j.Data))
		for k, v := range j.Data {
			if l, ok := v.([]any); ok && !isJSONMime(k) {
				var sb strings.Builder
				for _, s := range l {
					str, _ := s.(string)
					sb.WriteString(str)
				}
				v = sb.String()
			}
			o.Data[k] = v
		}
	}
	return nil
}

// MarshalJSON writes an output with the fields its type allows; text,
// SVG and JavaScript values are written as lists of lines, base64 images as
// one string.
func (o *Output) MarshalJSON() ([]byte, error) {
	m := map[string]any{"output_type": o.OutputType}
	switch o.OutputType {
	case "stream":
		m["name"] = o.Name
		m["text"] = Text(o.Text)
	case "display_data", "execute_result":
		data := make(map[string]any, len(o.Data))
		for k, v := range o.Data {
			if s, ok := v.(string); ok && isSplitMime(k) {
				v = splitLines(s)
			}
			data[k] = v
		}
		m["data"] = data
		m["metadata"] = nonNil(o.Metadata)
		if o.OutputType == "execute_result" {
			m["execution_count"] = o.ExecutionCount
		}
	case "error":
		m["ename"] = o.EName
		m["evalue"] = o.EValue
		tb := o.Traceback
		if tb == nil {
			tb = []string{}
		}
		m["traceback"] = tb
	}
	return marshal(m)
}

// ReadNotebook reads a notebook from path, as ParseNotebook does. Its
// errors name the path.
func ReadNotebook(path string) (*Notebook, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if fi, serr := os.Stat(path); serr == nil && fi.IsDir() {
			return nil, fmt.Errorf("%s is a directory, not a notebook", path)
		}
		return nil, err
	}
	nb, err := ParseNotebook(b)
	var ferr *FormatError
	if errors.As(err, &ferr) && ferr.Version < 3 {
		return nil, fmt.Errorf("%s: %v: convert it first with: jupyter nbconvert --to notebook --nbformat 4 %s", path, err, shellQuote(path))
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return nb, nil
}

// A FormatError is a notebook in an nbformat version that ParseNotebook
// does not read.
type FormatError struct {
	// Version is the notebook's major version.
	Version int
}

func (e *FormatError) Error() string {
	if e.Version < 3 {
		return fmt.Sprintf("nbformat %d is too old for gopar", e.Version)
	}
	return fmt.Sprintf("nbformat %d is not supported (only 3 and 4)", e.Version)
}

// ParseNotebook decodes an nbformat 4 notebook, or an nbformat 3 one
// (IPython 1 and 2, with "worksheets"), which it converts to nbformat 4 as
// Jupyter does (see upgradeV3). Other versions are a *FormatError: nbformat
// 1 and 2, which nbconvert converts, and 5 and later, which do not exist
// yet.
func ParseNotebook(b []byte) (*Notebook, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, errors.New("empty file, not a notebook")
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) {
			return nil, errors.New("not a notebook: not a JSON object")
		}
		return nil, fmt.Errorf("not a notebook: %v", err)
	}
	var version float64
	if raw, ok := top["nbformat"]; !ok || json.Unmarshal(raw, &version) != nil || version != float64(int(version)) {
		return nil, errors.New(`not a notebook: no "nbformat" version number`)
	}
	switch version {
	case 4:
	case 3:
		var v3 map[string]any
		if err := json.Unmarshal(b, &v3); err != nil {
			return nil, fmt.Errorf("not a notebook: %v", err)
		}
		v4, err := upgradeV3(v3)
		if err != nil {
			return nil, fmt.Errorf("nbformat 3: %v", err)
		}
		if b, err = json.Marshal(v4); err != nil {
			return nil, err
		}
	default:
		return nil, &FormatError{Version: int(version)}
	}
	if raw := top["cells"]; version == 4 && (raw == nil || string(raw) == "null") {
		return nil, errors.New(`not a notebook: no "cells" list`)
	}
	var nb Notebook
	if err := json.Unmarshal(b, &nb); err != nil {
		return nil, fmt.Errorf("not a notebook: %v", err)
	}
	for i, c := range nb.Cells {
		if c == nil {
			return nil, fmt.Errorf("cell %d is null", i+1)
		}
		switch c.CellType {
		case "code", "markdown", "raw":
		default:
			return nil, fmt.Errorf("cell %d: unknown cell_type %q", i+1, c.CellType)
		}
	}
	if nb.Metadata == nil {
		nb.Metadata = map[string]any{}
	}
	if version != 4 {
		nb.from = int(version)
	}
	return &nb, nil
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+=./:@,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Upgrade brings the notebook to nbformat 4.5, giving every cell a unique
// id as 4.5 requires.
func (nb *Notebook) Upgrade() {
	nb.NBFormat = 4
	if nb.NBFormatMinor < 5 {
		nb.NBFormatMinor = 5
	}
	seen := map[string]bool{}
	for _, c := range nb.Cells {
		if c.ID != "" && !seen[c.ID] && validID(c.ID) {
			seen[c.ID] = true
			continue
		}
		for {
			var b [4]byte
			rand.Read(b[:])
			id := hex.EncodeToString(b[:])
			if !seen[id] {
				c.ID = id
				seen[id] = true
				break
			}
		}
	}
}

// validID reports whether id matches nbformat's ^[a-zA-Z0-9-_]+$, 1–64 long.
func validID(id string) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// Encode returns the notebook as JSON, indented by one space with sorted
// keys and a final newline, as Jupyter writes it.
func (nb *Notebook) Encode() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(nb); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WriteFile writes the notebook to path through a temporary file and a
// rename, so a failed write leaves the old file intact. It saves the file
// as an editor does (atomicfile.Replace): a file that exists keeps its
// mode, a symbolic link keeps pointing to the file, which is replaced, and a
// new file gets 0666 less the umask.
func (nb *Notebook) WriteFile(path string) error {
	b, err := nb.Encode()
	if err != nil {
		return err
	}
	return atomicfile.ReplaceFile(path, b)
}
