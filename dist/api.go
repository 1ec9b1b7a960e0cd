package dist

import (
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/gopar/gopar/parlib"
)

// The package-level functions are what notebook cells call. They use the
// Default cluster and the running cell's context (parlib.Context), so that
// interrupting the cell cancels their work on every worker.

var (
	defaultOnce    sync.Once
	defaultCluster *Cluster
)

// Default returns the cluster that the package-level functions use. It
// runs an embedded NATS server (unless Connect says otherwise) and starts
// one local worker per CPU when a call needs workers and has none.
func Default() *Cluster {
	defaultOnce.Do(func() { defaultCluster = &Cluster{AutoProcs: runtime.NumCPU()} })
	return defaultCluster
}

// inWorker is set while RunWorker runs: a worker is not a master.
var inWorker atomic.Bool

var errInWorker = errors.New("dist: this process is a worker; dist calls belong in the notebook")

// Connect makes the Default cluster use the NATS servers at url instead
// of an embedded server; see Cluster.Connect.
func Connect(url string) error { return Default().Connect(url) }

// AddProcs starts n local worker processes and returns their ids, once
// they are ready (Julia's addprocs). It panics if they cannot start, with
// the reason.
func AddProcs(n int) []int {
	ids, err := Default().AddProcs(parlib.Context(), n)
	if err != nil {
		panic(err)
	}
	return ids
}

// Workers returns the ids of the workers, in increasing order (Julia's
// workers()).
func Workers() []int { return Default().Workers() }

// Procs describes the workers: id, host, process id.
func Procs() []Info { return Default().Procs() }

// RmProcs removes the workers with the given ids; each finishes its work
// in progress first (Julia's rmprocs).
func RmProcs(ids ...int) {
	_ = Default().RmProcs(parlib.Context(), ids...)
}

// Pmap calls the function named fn on every input, on the workers, and
// returns the results in input order (Julia's pmap); see Cluster.Pmap.
func Pmap(fn string, inputs []any, opts ...Options) ([]any, error) {
	return Default().Pmap(parlib.Context(), fn, inputs, opts...)
}

// Reduce calls fn(lo', hi') on the workers for chunks of [lo, hi) and
// combines the partial results with op (Julia's @distributed (op) for);
// see Cluster.Reduce.
func Reduce(op func(a, b any) any, fn string, lo, hi int, opts ...Options) (any, error) {
	return Default().Reduce(parlib.Context(), op, fn, lo, hi, opts...)
}

// SpawnAt calls fn(args...) on the given worker (or Any) and returns a
// Future at once (Julia's @spawnat); see Cluster.SpawnAt.
func SpawnAt(worker int, fn string, args ...any) *Future {
	return Default().SpawnAt(worker, fn, args...)
}

// Everywhere runs src as a cell on every worker, and on the workers added
// later (Julia's @everywhere); see Cluster.Everywhere.
func Everywhere(src string) error { return Default().Everywhere(parlib.Context(), src) }

// Broadcast defines the variable name holding v on every worker, and on
// the workers added later (Julia's `@everywhere x = $x`).
func Broadcast(name string, v any) error { return Default().Broadcast(parlib.Context(), name, v) }

// Sum adds two numbers of the same kind (ints to an int, floats to a
// float64…), or concatenates two strings: the op of Julia's
// @distributed (+). Numbers of different kinds add as float64. It panics
// on anything else.
func Sum(a, b any) any {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	if !va.IsValid() {
		return b
	}
	if !vb.IsValid() {
		return a
	}
	ka, kb := va.Kind(), vb.Kind()
	if va.Type() == vb.Type() {
		out := reflect.New(va.Type()).Elem()
		switch {
		case isSigned(ka):
			out.SetInt(va.Int() + vb.Int())
			return out.Interface()
		case isUnsigned(ka):
			out.SetUint(va.Uint() + vb.Uint())
			return out.Interface()
		case isFloat(ka):
			out.SetFloat(va.Float() + vb.Float())
			return out.Interface()
		case ka == reflect.String:
			out.SetString(va.String() + vb.String())
			return out.Interface()
		}
	}
	if isNumber(ka) && isNumber(kb) {
		return asFloat(va) + asFloat(vb)
	}
	panic(fmt.Sprintf("dist.Sum: cannot add %T and %T", a, b))
}

func asFloat(v reflect.Value) float64 {
	switch {
	case isSigned(v.Kind()):
		return float64(v.Int())
	case isUnsigned(v.Kind()):
		return float64(v.Uint())
	}
	return v.Float()
}

// Range returns the inputs lo, lo+1, …, hi-1, for Pmap (Julia's
// pmap(f, 1:12) is dist.Pmap("f", dist.Range(1, 13))).
func Range(lo, hi int) []any {
	out := make([]any, 0, max(hi-lo, 0))
	for i := lo; i < hi; i++ {
		out = append(out, i)
	}
	return out
}

// Each returns the elements of a slice or array as Pmap's inputs
// (dist.Each([]float64{…})). It panics if xs is neither.
func Each(xs any) []any {
	v := reflect.ValueOf(xs)
	if v.Kind() != reflect.Slice && v.Kind() != reflect.Array {
		panic(fmt.Sprintf("dist.Each: %T is not a slice or an array", xs))
	}
	out := make([]any, v.Len())
	for i := range out {
		out[i] = v.Index(i).Interface()
	}
	return out
}
