package display

import (
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gopar/gopar/parlib"
)

// MaxTableRows is how many rows a Table shows; a longer table shows its
// first MaxTableRows-10 and its last 10 rows, with a row saying how many
// were left out.
const MaxTableRows = 200

// Table is a table of values that shows as an HTML table and as aligned text.
// Numbers and durations (and texts that start like a number, such as
// "1.9×") are right-aligned, other cells left-aligned. A *Table renders
// automatically as a cell's last value.
type Table struct {
	// Caption is shown above the table; may be empty.
	Caption string
	// Header names the columns; may be nil for a table without a header.
	Header []string
	// Rows hold the cells. Rows may be shorter or longer than Header.
	Rows [][]any
}

// NewTable returns a table with the given header and rows.
func NewTable(header []string, rows ...[]any) *Table {
	return &Table{Header: header, Rows: rows}
}

// AddRow appends a row and returns the table, so that calls chain.
func (t *Table) AddRow(cells ...any) *Table {
	t.Rows = append(t.Rows, cells)
	return t
}

// TableOf builds a table from a collection, by reflection:
//
//   - a slice or array of structs (or pointers to structs): one column per
//     exported field, named after it;
//   - a slice or array of maps with string keys: one column per key (sorted);
//   - a slice or array of slices or arrays: their elements as the rows;
//   - a slice or array of anything else: one column "value";
//   - a map: columns "key" and "value", sorted by key;
//   - a single struct: columns "field" and "value".
//
// Anything else gives a one-cell table.
func TableOf(v any) *Table {
	t := &Table{}
	if v == nil {
		return t
	}
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer && !rv.IsNil() && rv.Elem().Kind() != reflect.Struct {
		rv = rv.Elem()
	}
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		tableOfList(t, rv)
	case reflect.Map:
		t.Header = []string{"key", "value"}
		for _, k := range sortedKeys(rv) {
			t.Rows = append(t.Rows, []any{k.Interface(), rv.MapIndex(k).Interface()})
		}
	case reflect.Struct, reflect.Pointer:
		s := rv
		if s.Kind() == reflect.Pointer {
			if s.IsNil() {
				t.Rows = [][]any{{"<nil>"}}
				return t
			}
			s = s.Elem()
		}
		t.Header = []string{"field", "value"}
		for _, i := range exportedFields(s.Type()) {
			t.Rows = append(t.Rows, []any{s.Type().Field(i).Name, s.Field(i).Interface()})
		}
	default:
		t.Rows = [][]any{{v}}
	}
	return t
}

func tableOfList(t *Table, rv reflect.Value) {
	et := rv.Type().Elem()
	base := et
	if base.Kind() == reflect.Pointer {
		base = base.Elem()
	}
	switch {
	case base.Kind() == reflect.Struct && !hasMethods(et):
		fields := exportedFields(base)
		for _, i := range fields {
			t.Header = append(t.Header, base.Field(i).Name)
		}
		for r := range rv.Len() {
			e := rv.Index(r)
			row := make([]any, len(fields))
			if e.Kind() == reflect.Pointer {
				if e.IsNil() {
					t.Rows = append(t.Rows, row)
					continue
				}
				e = e.Elem()
			}
			for c, i := range fields {
				row[c] = e.Field(i).Interface()
			}
			t.Rows = append(t.Rows, row)
		}
	case et.Kind() == reflect.Map && et.Key().Kind() == reflect.String:
		keys := map[string]bool{}
		for r := range rv.Len() {
			for _, k := range rv.Index(r).MapKeys() {
				keys[k.String()] = true
			}
		}
		for k := range keys {
			t.Header = append(t.Header, k)
		}
		sort.Strings(t.Header)
		for r := range rv.Len() {
			m := rv.Index(r)
			row := make([]any, len(t.Header))
			for c, k := range t.Header {
				if x := m.MapIndex(reflect.ValueOf(k).Convert(et.Key())); x.IsValid() {
					row[c] = x.Interface()
				}
			}
			t.Rows = append(t.Rows, row)
		}
	case (et.Kind() == reflect.Slice || et.Kind() == reflect.Array) && !hasMethods(et):
		for r := range rv.Len() {
			e := rv.Index(r)
			row := make([]any, e.Len())
			for c := range row {
				row[c] = e.Index(c).Interface()
			}
			t.Rows = append(t.Rows, row)
		}
	default:
		t.Header = []string{"value"}
		for r := range rv.Len() {
			t.Rows = append(t.Rows, []any{rv.Index(r).Interface()})
		}
	}
}

func exportedFields(t reflect.Type) []int {
	var idx []int
	for i := range t.NumField() {
		if t.Field(i).IsExported() {
			idx = append(idx, i)
		}
	}
	return idx
}

// sortedKeys sorts a map's keys: numbers and strings naturally, others by
// their text.
func sortedKeys(m reflect.Value) []reflect.Value {
	keys := m.MapKeys()
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		switch a.Kind() {
		case reflect.String:
			return a.String() < b.String()
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			return a.Int() < b.Int()
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			return a.Uint() < b.Uint()
		case reflect.Float32, reflect.Float64:
			return a.Float() < b.Float()
		}
		return fmt.Sprint(a.Interface()) < fmt.Sprint(b.Interface())
	})
	return keys
}

// cell is one formatted cell.
type cell struct {
	text  string
	right bool
}

// FormatCell is how a table cell shows: nil is empty, strings as they are,
// floats with 6 significant digits, durations as parlib.FormatDuration
// writes them ("1.235 ms"), anything else as fmt's %v.
func FormatCell(v any) string { return formatCell(v).text }

func formatCell(v any) cell {
	switch x := v.(type) {
	case nil:
		return cell{}
	case string:
		return cell{text: x, right: startsLikeNumber(x)}
	case time.Duration:
		return cell{text: parlib.FormatDuration(x), right: true}
	case float64:
		return cell{text: formatFloat(x), right: true}
	case float32:
		return cell{text: formatFloat(float64(x)), right: true}
	case fmt.Stringer, error:
		s := fmt.Sprint(x)
		return cell{text: s, right: startsLikeNumber(s)}
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return cell{text: fmt.Sprint(v), right: true}
	case reflect.Float32, reflect.Float64:
		return cell{text: formatFloat(rv.Float()), right: true}
	case reflect.String:
		return cell{text: rv.String(), right: startsLikeNumber(rv.String())}
	}
	return cell{text: fmt.Sprintf("%v", v)}
}

func formatFloat(f float64) string {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', 6, 64)
}

func startsLikeNumber(s string) bool {
	s = strings.TrimLeft(s, " +-−")
	return s != "" && (s[0] >= '0' && s[0] <= '9' || s[0] == '.' && len(s) > 1 && s[1] >= '0' && s[1] <= '9')
}

// grid formats the table's cells, leaving out the middle of long tables.
// The omitted row, if any, is at index gap with gapText.
func (t *Table) grid() (header []cell, rows [][]cell, gap int, gapText string) {
	ncol := len(t.Header)
	for _, r := range t.Rows {
		ncol = max(ncol, len(r))
	}
	for i := range ncol {
		var h string
		if i < len(t.Header) {
			h = t.Header[i]
		}
		header = append(header, cell{text: h})
	}
	src := t.Rows
	gap = -1
	if len(src) > MaxTableRows {
		head, tail := MaxTableRows-10, 10
		gap = head
		gapText = fmt.Sprintf("… %d more rows …", len(src)-head-tail)
		src = append(append([][]any{}, src[:head]...), src[len(src)-tail:]...)
	}
	for _, r := range src {
		row := make([]cell, ncol)
		for i, v := range r {
			row[i] = formatCell(v)
			row[i].text = strings.ReplaceAll(row[i].text, "\n", " ")
		}
		rows = append(rows, row)
	}
	// A column of numbers keeps its header right-aligned too.
	for c := range header {
		right, any := true, false
		for _, r := range rows {
			if r[c].text != "" {
				any = true
				right = right && r[c].right
			}
		}
		header[c].right = any && right
	}
	return header, rows, gap, gapText
}

// Text is the table as aligned plain text: columns two spaces apart, a line
// of dashes under the header.
func (t *Table) Text() string {
	header, rows, gap, gapText := t.grid()
	width := make([]int, len(header))
	for c, h := range header {
		width[c] = utf8.RuneCountInString(h.text)
		for _, r := range rows {
			width[c] = max(width[c], utf8.RuneCountInString(r[c].text))
		}
	}
	var sb strings.Builder
	if t.Caption != "" {
		sb.WriteString(t.Caption + "\n")
	}
	line := func(cells []cell) {
		var l strings.Builder
		for c, x := range cells {
			if c > 0 {
				l.WriteString("  ")
			}
			pad := strings.Repeat(" ", width[c]-utf8.RuneCountInString(x.text))
			if x.right {
				l.WriteString(pad + x.text)
			} else {
				l.WriteString(x.text + pad)
			}
		}
		sb.WriteString(strings.TrimRight(l.String(), " ") + "\n")
	}
	if len(t.Header) > 0 {
		line(header)
		dashes := make([]cell, len(header))
		for c := range dashes {
			dashes[c] = cell{text: strings.Repeat("-", width[c])}
		}
		line(dashes)
	}
	for i, r := range rows {
		if i == gap {
			sb.WriteString(gapText + "\n")
		}
		line(r)
	}
	return strings.TrimSuffix(sb.String(), "\n")
}

// String is Text.
func (t *Table) String() string { return t.Text() }

// HTML is the table as an HTML <table>; all text is escaped.
func (t *Table) HTML() string {
	header, rows, gap, gapText := t.grid()
	var sb strings.Builder
	sb.WriteString("<table>\n")
	if t.Caption != "" {
		sb.WriteString("<caption>" + htmlEscape(t.Caption) + "</caption>\n")
	}
	align := func(right bool) string {
		if right {
			return ` style="text-align:right"`
		}
		return ` style="text-align:left"`
	}
	if len(t.Header) > 0 {
		sb.WriteString("<thead><tr>")
		for _, h := range header {
			sb.WriteString("<th" + align(h.right) + ">" + htmlEscape(h.text) + "</th>")
		}
		sb.WriteString("</tr></thead>\n")
	}
	sb.WriteString("<tbody>\n")
	for i, r := range rows {
		if i == gap {
			fmt.Fprintf(&sb, "<tr><td colspan=\"%d\" style=\"text-align:center\">%s</td></tr>\n", len(header), htmlEscape(gapText))
		}
		sb.WriteString("<tr>")
		for _, x := range r {
			sb.WriteString("<td" + align(x.right) + ">" + htmlEscape(x.text) + "</td>")
		}
		sb.WriteString("</tr>\n")
	}
	sb.WriteString("</tbody>\n</table>")
	return sb.String()
}

// MIMEBundle implements MIMEBundler: text/html and text/plain.
func (t *Table) MIMEBundle() map[string]any {
	return map[string]any{"text/html": t.HTML(), "text/plain": t.Text()}
}
