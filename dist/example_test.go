package dist_test

import (
	"context"
	"fmt"
	"os"

	"github.com/gopar/gopar/dist"
)

// The examples' workers are this test binary in worker mode (see
// TestMain); in a notebook they are `gopar worker` processes and the
// functions come from %%everywhere cells.
func exampleCluster() *dist.Cluster {
	return &dist.Cluster{Command: []string{os.Args[0]}, Env: []string{"GOPAR_DIST_TEST_WORKER=1"}}
}

func ExampleCluster_Pmap() {
	c := exampleCluster()
	defer c.Close()
	ctx := context.Background()
	ids, err := c.AddProcs(ctx, 2)
	if err != nil {
		panic(err)
	}
	fmt.Println("workers:", ids)
	squares, err := c.Pmap(ctx, "square", []any{1, 2, 3, 4}, dist.Options{BatchSize: 2})
	fmt.Println(squares, err)
	sums, err := c.Pmap(ctx, "add", []any{dist.Args{1, 2}, dist.Args{3, 4}})
	fmt.Println(sums, err)
	// Output:
	// workers: [2 3]
	// [1 4 9 16] <nil>
	// [3 7] <nil>
}

func ExampleCluster_Reduce() {
	c := exampleCluster()
	defer c.Close()
	ctx := context.Background()
	if _, err := c.AddProcs(ctx, 2); err != nil {
		panic(err)
	}
	// @distributed (+) for k in 1:1000: each worker sums 1/k over its
	// half (the stub's "partial"), the notebook adds the halves.
	s, err := c.Reduce(ctx, dist.Sum, "partial", 1, 1001)
	fmt.Printf("%.6f %v\n", s, err)
	// Output: 7.485471 <nil>
}

func ExampleMarshal() {
	type point struct {
		X, Y float64
	}
	data, _ := dist.Marshal(map[string]any{"origin": point{0, 0}, "n": 3})
	v, _ := dist.Unmarshal(data)
	fmt.Printf("%T\n", v.(map[string]any)["origin"])
	fmt.Printf("%T\n", v.(map[string]any)["n"])
	_, err := dist.Marshal([]any{1, make(chan int)})
	fmt.Println(err)
	// Output:
	// struct { X float64; Y float64 }
	// int
	// dist: cannot send a value of type []interface {}: at [1]: chan int values cannot cross processes (chan)
}
