//go:build !linux

package memguard

import "runtime/metrics"

// rssReader approximates the resident set size with the runtime's metrics:
// the memory mapped by the Go runtime less what it returned to the system.
type rssReader struct {
	samples []metrics.Sample
}

func newRSSReader() *rssReader {
	return &rssReader{samples: []metrics.Sample{
		{Name: "/memory/classes/total:bytes"},
		{Name: "/memory/classes/heap/released:bytes"},
	}}
}

func (r *rssReader) read() (int64, error) {
	metrics.Read(r.samples)
	var v [2]int64
	for i, s := range r.samples {
		if s.Value.Kind() == metrics.KindUint64 {
			v[i] = int64(s.Value.Uint64())
		}
	}
	return v[0] - v[1], nil
}

// availableMemory is unknown outside Linux: no default limit.
func availableMemory() int64 { return 0 }
