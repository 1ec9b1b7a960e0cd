// Package symbols holds the yaegi symbol tables that expose gopar's compiled
// packages (parlib, display) and gonum/plot to notebook cells. The tables are
// generated with yaegi's extract tool; run `go generate ./interp/symbols/`
// after changing the exported API of one of these packages.
package symbols

import "reflect"

// Symbols maps "importpath/pkgname" to the exported symbols of that package,
// in the layout yaegi's Interpreter.Use expects.
var Symbols = map[string]map[string]reflect.Value{}

//go:generate go run github.com/traefik/yaegi/cmd/yaegi extract gonum.org/v1/plot gonum.org/v1/plot/plotter gonum.org/v1/plot/plotutil gonum.org/v1/plot/vg gonum.org/v1/plot/vg/draw gonum.org/v1/plot/vg/vgimg gonum.org/v1/plot/vg/vgsvg gonum.org/v1/plot/font gonum.org/v1/gonum/mat
//go:generate go run github.com/traefik/yaegi/cmd/yaegi extract github.com/gopar/gopar/parlib github.com/gopar/gopar/display
//go:generate go run github.com/traefik/yaegi/cmd/yaegi extract github.com/gopar/gopar/dist
