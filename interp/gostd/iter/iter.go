// Package iter is gopar's Go-source version of the standard library's iter
// package, which notebook cells get (the interpreter has none): see package
// gostd.
//
// Pull and Pull2 take their sequence as a plain function type, which the
// interpreter infers type arguments from (an iter.Seq argument is
// assignable to it), and run it in a goroutine of its own.
package iter

// Seq is an iterator over sequences of individual values: it calls yield
// with each value until there are no more or yield returns false.
type Seq[V any] func(yield func(V) bool)

// Seq2 is an iterator over sequences of pairs of values.
type Seq2[K, V any] func(yield func(K, V) bool)

// Pull converts the push iterator seq into a pull iterator: next returns
// the next value and true, or the zero value and false at the end; stop
// ends the iteration. A panic of seq reaches the caller of next or stop.
func Pull[V any](seq func(yield func(V) bool)) (next func() (V, bool), stop func()) {
	wake := make(chan bool) // true: give the next value; false: stop
	vals := make(chan V)
	done := make(chan any, 1) // seq returned, with its panic if any
	started, finished := false, false
	run := func() {
		defer func() { done <- recover() }()
		if more := <-wake; !more {
			return
		}
		seq(func(v V) bool {
			vals <- v
			more := <-wake // (yaegi cannot return a receive expression)
			return more
		})
	}
	next = func() (V, bool) {
		var zero V
		if finished {
			return zero, false
		}
		if !started {
			started = true
			go run()
		}
		wake <- true
		select {
		case v := <-vals:
			return v, true
		case p := <-done:
			finished = true
			if p != nil {
				panic(p)
			}
			return zero, false
		}
	}
	stop = func() {
		if finished {
			return
		}
		finished = true
		if !started {
			return
		}
		wake <- false
		if p := <-done; p != nil {
			panic(p)
		}
	}
	return next, stop
}

// Pull2 converts the push iterator seq into a pull iterator over pairs,
// as Pull does.
func Pull2[K, V any](seq func(yield func(K, V) bool)) (next func() (K, V, bool), stop func()) {
	wake := make(chan bool)
	keys := make(chan K)
	vals := make(chan V)
	done := make(chan any, 1)
	started, finished := false, false
	run := func() {
		defer func() { done <- recover() }()
		if more := <-wake; !more {
			return
		}
		seq(func(k K, v V) bool {
			keys <- k
			vals <- v
			more := <-wake
			return more
		})
	}
	next = func() (K, V, bool) {
		var zk K
		var zv V
		if finished {
			return zk, zv, false
		}
		if !started {
			started = true
			go run()
		}
		wake <- true
		select {
		case k := <-keys:
			v := <-vals
			return k, v, true
		case p := <-done:
			finished = true
			if p != nil {
				panic(p)
			}
			return zk, zv, false
		}
	}
	stop = func() {
		if finished {
			return
		}
		finished = true
		if !started {
			return
		}
		wake <- false
		if p := <-done; p != nil {
			panic(p)
		}
	}
	return next, stop
}
