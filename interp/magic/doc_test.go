package magic

import (
	"go/parser"
	"go/token"
	"regexp"
	"testing"
)

// TestPackageDocNamesEveryMagic checks that the package doc names every
// magic of the table, in its line and cell forms, and no magic the table
// lacks.
func TestPackageDocNamesEveryMagic(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "magic.go", nil, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		t.Fatal(err)
	}
	doc := f.Doc.Text()
	named := map[string]bool{}
	for _, m := range regexp.MustCompile(`%%?[a-z]+`).FindAllString(doc, -1) {
		named[m] = true
	}
	want := map[string]bool{}
	for _, s := range magics {
		if s.bare {
			continue
		}
		if s.line != nil {
			want["%"+s.name] = true
		}
		if s.cell != nil {
			want["%%"+s.name] = true
		}
	}
	for m := range want {
		if !named[m] {
			t.Errorf("the package doc does not name %s", m)
		}
	}
	for m := range named {
		if !want[m] {
			t.Errorf("the package doc names %s, which the table lacks", m)
		}
	}
}
