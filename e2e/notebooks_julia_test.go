package e2e

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// requireAll fails the test for every want that text does not contain.
func requireAll(t *testing.T, label, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("%s: output lacks %q", label, w)
		}
	}
}

// TestNotebookThreadedPrimeSearch executes notebooks/threaded-prime-search.ipynb
// (seed 000, "Thread Parallelism in Julia") and checks that every prime search
// finds the right primes and that the report carries its plots and verdict.
func TestNotebookThreadedPrimeSearch(t *testing.T) {
	nativeRow := regexp.MustCompile(`(?m)^(eager array|locked list \(post's threaded\)|new plan) +\d+ +[12] `)
	nativeGain := regexp.MustCompile(`in the native cell: ([0-9.]+)×`)
	nbs, labels := notebookRuns(t, "threaded-prime-search.ipynb")
	for i, nb := range nbs {
		label := labels[i]
		text := notebookText(nb)
		requireAll(t, label, text,
			"first 20 primes: [2 3 5 7 11 13 17 19 23 29 31 37 41 43 47 53 59 61 67 71]",
			"same primes: true", // the channel generator written in the cell
			"same primes as parlib.PrimesEager: true",
			"the 10000th prime is 104729",
			"[0 1 2 3 4 5]", // pushSorted
			"PrimesLocked agrees with PrimesEager: true",
			"PrimesAvoid agrees with PrimesEager: true",
			"PrimesBlocks agrees with PrimesEager: true",
			"primesPhased agrees with PrimesEager: true",
			"Primes agrees with PrimesEager: true",
			"all six searches agree: true",
			"sieve agrees with the trial-division searches: true",
			// the searches written in %%native cells find parlib's primes
			"primesEagerNative agrees with parlib.PrimesEager: true",
			"primesLockedNative agrees with parlib.PrimesLocked: true",
			"primesPhasedNative agrees with parlib.Primes on 1 and 2 threads: true",
			"On this machine (",
		)
		if n := len(nativeRow.FindAllString(text, -1)); n != 5 {
			t.Errorf("%s: the native-vs-parlib table has %d rows, want 5", label, n)
		}
		// A %%native cell that fell back to the interpreter would find the
		// same primes, but at the interpreter's speed (tens of times slower).
		if m := nativeGain.FindStringSubmatch(text); m == nil {
			t.Errorf("%s: no interpreted-vs-native timing of the eager loop", label)
		} else if g, _ := strconv.ParseFloat(m[1], 64); g < 3 {
			t.Errorf("%s: the eager loop in a native cell ran only %s× faster than interpreted; was it compiled?", label, m[1])
		}
		if strings.Contains(text, ": false") {
			t.Errorf("%s: a check printed false:\n%s", label, falseLines(text))
		}
		if !hasImage(nb) {
			t.Errorf("%s: no plot in the executed notebook", label)
		}
	}
}

// TestNotebookThreadsSpawnPmap executes notebooks/threads-spawn-pmap.ipynb
// (seed 001, the Julia parallelization notes) and checks the results of the
// threaded BLAS, loops, psort, pmap, reduction and worker-data sections.
func TestNotebookThreadsSpawnPmap(t *testing.T) {
	factor := regexp.MustCompile(`U\[1,1\] on 1 thread: (\S+), on 2 threads: (\S+)`)
	nbs, labels := notebookRuns(t, "threads-spawn-pmap.ipynb")
	for i, nb := range nbs {
		label := labels[i]
		text := notebookText(nb)
		requireAll(t, label, text,
			"every version computes the same vector: true",
			"task 0 sorts [0, 250000)",
			"task 0 sorts [187500, 250000)",
			"psort output sorted: true   same as sort.Float64s: true   tasks started: 3",
			"pmap gives the threaded loop's results: true",
			"identical on 1 and 2 threads: true",
			"(expected 0.5): within 1e-3: true",
			"sum of 1..100000 = 5000050000 (n(n+1)/2 = 5000050000)",
			"shared addresses all equal main's: true   copies at distinct addresses: 4",
			// each worker's own x gives its own sum, repeated for its batch of three
			"2.12955", "2.94269", "2.6114", "2.03006",
			// the same experiments on dist worker processes
			"pmap on worker processes gives the threaded loop's results, in order: true",
			"the cube roots from the workers are complete, in order and exact: true",
			"ranges of 2^16 give SumChunks's total bit for bit: true",
			"one range per worker is within 1e-12 of it: true",
			"every batch of 3 repeats one value: true   each value is a worker's own sum: true",
			"the spawned tasks give the threaded loop's results: true",
			"data sent to workers [2 3]",
			"On this machine (",
		)
		checkBroadcast(t, label, text)
		if n := strings.Count(text, " sorts ["); n < 7 {
			t.Errorf("%s: psort logged %d ranges, want the 7 calls of the notes' tree", label, n)
		}
		if m := factor.FindStringSubmatch(text); m == nil {
			t.Errorf("%s: no Cholesky factor line", label)
		} else if m[1] != m[2] {
			t.Errorf("%s: Cholesky factor differs between 1 and 2 threads: %s vs %s", label, m[1], m[2])
		}
		if strings.Contains(text, ": false") {
			t.Errorf("%s: a check printed false:\n%s", label, falseLines(text))
		}
		if !hasImage(nb) {
			t.Errorf("%s: no plot in the executed notebook", label)
		}
	}
}

// checkBroadcast checks the %%everywhere cell that prints, in the notebook
// and in each worker process, where that process holds the broadcast data:
// two workers, each in a process of its own, each holding the notebook's
// value.
func checkBroadcast(t *testing.T, label, text string) {
	t.Helper()
	here := regexp.MustCompile(`(?m)^process (\d+) holds data at (\S+) data\[0\] = (\S+)$`).FindStringSubmatch(text)
	if here == nil {
		t.Errorf("%s: the notebook's own line of the broadcast cell is missing", label)
		return
	}
	workers := regexp.MustCompile(`From worker (\d+):\s+process (\d+) holds data at (\S+) data\[0\] = (\S+)`).FindAllStringSubmatch(text, -1)
	if len(workers) != 2 {
		t.Errorf("%s: %d workers printed their copy of data, want 2", label, len(workers))
	}
	pids := map[string]bool{here[1]: true}
	for _, w := range workers {
		if pids[w[2]] {
			t.Errorf("%s: worker %s runs in process %s, which is not a process of its own", label, w[1], w[2])
		}
		pids[w[2]] = true
		if w[4] != here[3] {
			t.Errorf("%s: worker %s holds data[0] = %s, the notebook %s", label, w[1], w[4], here[3])
		}
	}
}

// falseLines returns the lines of text that report a failed check.
func falseLines(text string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, ": false") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
