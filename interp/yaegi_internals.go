package interp

import (
	"fmt"
	"reflect"
	"strings"
	"sync/atomic"
	"unsafe"

	yaegi "github.com/traefik/yaegi/interp"
)

// This file holds every access the engine makes to unexported fields of
// yaegi's Interpreter (v0.16.1). Each accessor is checked when an engine
// starts (checkInternals): a yaegi whose fields are renamed or retyped makes
// New fail with a message naming the field, instead of an engine that
// misbehaves silently. TestYaegiInternals pins what each one does.
//
//   - id (uint64, read atomically by yaegi): the interpreter's run id. A
//     frame runs only while its id equals it; cancelling EvalWithContext
//     adds one, which stops every goroutine of the interpreter, and also
//     every closure made before the interrupt (a closure keeps the id of
//     the frame that made it). The engine restores the id once the
//     interrupted code has stopped (see runID, setRunID, bumpRunID).
//   - frame.id (uint64): the global frame's run id, which yaegi sets to the
//     interpreter's when an evaluation starts; setRunID sets it too, so
//     that function values made from declarations work when compiled code
//     calls them before the next evaluation (a dist worker's task).
//   - roots ([]*node): every AST yaegi compiles is appended to it, for its
//     debugger only; the engine empties it after each evaluation, or it
//     would keep every cell's syntax tree alive (dropRoots).
//   - generic (map[string]*node): the instances of generic functions by
//     name and type arguments ("Sum[int]"). They are never refreshed, so a
//     redefined generic function would keep running its first body for the
//     type arguments used before; the engine forgets them
//     (forgetGenericInstances).
//   - scopes["main"].child ([]*scope): every scope opened at the package
//     level (each function, each init, each block of global code) is
//     appended to it, and nothing reads it: it would keep every function
//     ever compiled alive, redefined ones included. The engine empties it
//     after each evaluation (dropRoots).
//   - scopes["main"].sym (map[string]*symbol): the package's names. yaegi
//     looks a name up there before the packages imported under it, so a
//     global variable shadows a package of the same name for good; the
//     engine removes the variable's name when a later cell imports the
//     package (hideGlobal). Code compiled before keeps its slot.

// internals gives the engine's accessors over one interpreter.
type internals struct {
	id       *uint64
	frameID  *uint64       // the global frame's run id
	roots    reflect.Value // the roots field, settable
	generic  reflect.Value // the generic map, settable
	children reflect.Value // the main package scope's child field, settable
	syms     reflect.Value // the main package scope's sym map
}

// internalField returns the settable unexported field name of the struct
// v (addressable), or an error saying what is missing.
func internalField(v reflect.Value, name string, kind reflect.Kind) (reflect.Value, error) {
	f := v.FieldByName(name)
	if !f.IsValid() {
		return reflect.Value{}, fmt.Errorf("yaegi's %s has no field %q", v.Type().Name(), name)
	}
	if f.Kind() != kind {
		return reflect.Value{}, fmt.Errorf("yaegi's %s.%s is a %s, not a %s", v.Type().Name(), name, f.Kind(), kind)
	}
	return reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem(), nil
}

// checkInternals finds and checks the fields the engine uses, in an
// interpreter that has evaluated code of package main.
func checkInternals(it *yaegi.Interpreter) (*internals, error) {
	v := reflect.ValueOf(it).Elem()
	id, err := internalField(v, "id", reflect.Uint64)
	if err != nil {
		return nil, err
	}
	frame, err := internalField(v, "frame", reflect.Pointer)
	if err != nil {
		return nil, err
	}
	if frame.IsNil() || frame.Elem().Kind() != reflect.Struct {
		return nil, fmt.Errorf("yaegi's Interpreter.frame is not a pointer to a frame")
	}
	frameID, err := internalField(frame.Elem(), "id", reflect.Uint64)
	if err != nil {
		return nil, err
	}
	roots, err := internalField(v, "roots", reflect.Slice)
	if err != nil {
		return nil, err
	}
	if k := roots.Type().Elem().Kind(); k != reflect.Pointer {
		return nil, fmt.Errorf("yaegi's Interpreter.roots holds %s, not pointers", k)
	}
	generic, err := internalField(v, "generic", reflect.Map)
	if err != nil {
		return nil, err
	}
	if generic.Type().Key().Kind() != reflect.String {
		return nil, fmt.Errorf("yaegi's Interpreter.generic is not indexed by strings")
	}
	scopes, err := internalField(v, "scopes", reflect.Map)
	if err != nil {
		return nil, err
	}
	if scopes.Type().Key().Kind() != reflect.String || scopes.Type().Elem().Kind() != reflect.Pointer ||
		scopes.Type().Elem().Elem().Kind() != reflect.Struct {
		return nil, fmt.Errorf("yaegi's Interpreter.scopes is not a map of names to scopes")
	}
	main := scopes.MapIndex(reflect.ValueOf("main"))
	if !main.IsValid() || main.IsNil() {
		return nil, fmt.Errorf("yaegi's Interpreter.scopes has no scope for package main")
	}
	children, err := internalField(main.Elem(), "child", reflect.Slice)
	if err != nil {
		return nil, err
	}
	if children.Type().Elem() != main.Type() {
		return nil, fmt.Errorf("yaegi's scope.child does not hold scopes")
	}
	syms, err := internalField(main.Elem(), "sym", reflect.Map)
	if err != nil {
		return nil, err
	}
	if syms.Type().Key().Kind() != reflect.String {
		return nil, fmt.Errorf("yaegi's scope.sym is not indexed by names")
	}
	return &internals{id: (*uint64)(id.Addr().UnsafePointer()), frameID: (*uint64)(frameID.Addr().UnsafePointer()), roots: roots, generic: generic,
		children: children, syms: syms}, nil
}

// hideGlobal removes name, a global of package main, from the names later
// code sees (code compiled before keeps using it), and reports whether it
// was there. Only between evaluations.
func (in *internals) hideGlobal(name string) bool {
	k := reflect.ValueOf(name)
	if !in.syms.MapIndex(k).IsValid() {
		return false
	}
	in.syms.SetMapIndex(k, reflect.Value{})
	return true
}

// runID is the interpreter's run id.
func (in *internals) runID() uint64 { return atomic.LoadUint64(in.id) }

// setRunID sets the run id, as restoring it after an interrupt does, and
// the global frame's, as yaegi does when an evaluation starts: function
// values made from declarations take their frames' run id from the global
// frame, and compiled code (a dist worker, a callback) may call them before
// the next evaluation.
func (in *internals) setRunID(id uint64) {
	atomic.StoreUint64(in.id, id)
	atomic.StoreUint64(in.frameID, id)
}

// bumpRunID changes the run id, as yaegi's cancellation does: every frame
// of the interpreter stops at its next step.
func (in *internals) bumpRunID() { atomic.AddUint64(in.id, 1) }

// dropRoots forgets the syntax trees yaegi kept for its debugger, and the
// package's list of the scopes opened in it. Only between evaluations
// (yaegi appends to them while it compiles).
func (in *internals) dropRoots() {
	if in.roots.Len() > 0 {
		in.roots.SetZero()
	}
	if in.children.Len() > 0 {
		in.children.SetZero()
	}
}

// kept is the number of syntax trees and package-level scopes yaegi keeps
// (for tests).
func (in *internals) kept() (roots, scopes int) { return in.roots.Len(), in.children.Len() }

// forgetGenericInstances drops the instances of the generic function
// name, so that the next use compiles its current body. Only between
// evaluations.
func (in *internals) forgetGenericInstances(name string) {
	if in.generic.Len() == 0 {
		return
	}
	prefix := name + "["
	for _, k := range in.generic.MapKeys() {
		if strings.HasPrefix(k.String(), prefix) {
			in.generic.SetMapIndex(k, reflect.Value{})
		}
	}
}

// genericInstances lists the instances yaegi keeps (for tests).
func (in *internals) genericInstances() []string {
	var out []string
	for _, k := range in.generic.MapKeys() {
		out = append(out, k.String())
	}
	return out
}

// globalSlots is the size of yaegi's global frame (for tests): every
// global variable, and every temporary of code evaluated at the global
// level, takes a slot in it for good, and it is copied whenever it grows.
func globalSlots(it *yaegi.Interpreter) (int, error) {
	f, err := internalField(reflect.ValueOf(it).Elem(), "frame", reflect.Pointer)
	if err != nil {
		return 0, err
	}
	data, err := internalField(f.Elem(), "data", reflect.Slice)
	if err != nil {
		return 0, err
	}
	return data.Len(), nil
}
