package parlib

import (
	"fmt"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// CholeskyTask is the notes' test(n): a size x size matrix x of uniform
// random numbers (seeded by seed, so reproducible), z = x'x (positive
// definite), its Cholesky factor U, and U[1,2] (0-based; the notes'
// C.U[2,3]) as an arbitrary output proving the work was done. size >= 3.
func CholeskyTask(size int, seed uint64) float64 {
	if size < 3 {
		panic(fmt.Sprintf("parlib.CholeskyTask: size = %d must be >= 3", size))
	}
	r := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	data := make([]float64, size*size)
	for i := range data {
		data[i] = r.Float64()
	}
	x := mat.NewDense(size, size, data)
	var z mat.SymDense
	z.SymOuterK(1, x.T()) // x'x
	var c mat.Cholesky
	if !c.Factorize(&z) {
		panic("parlib.CholeskyTask: x'x is not positive definite")
	}
	var u mat.TriDense
	c.UTo(&u)
	return u.At(1, 2)
}

// CholeskyMap runs n CholeskyTask(size, i) for i in [0, n) on threads
// workers, one task at a time per worker (the notes' pmap(test,
// repeat([5000], 12))), and returns the outputs in order. The result does
// not depend on threads.
func CholeskyMap(n, size, threads int) []float64 {
	checkN("CholeskyMap", "n", n)
	if size < 3 {
		panic(fmt.Sprintf("parlib.CholeskyMap: size = %d must be >= 3", size))
	}
	threads = checkThreads("CholeskyMap", threads)
	out := make([]float64, n)
	raise(loop(Context(), "CholeskyMap", 0, n, Options{Threads: threads, Schedule: Dynamic, Chunk: 1}, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			out[i] = CholeskyTask(size, uint64(i))
		}
	}))
	return out
}
