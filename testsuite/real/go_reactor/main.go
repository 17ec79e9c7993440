// A Go library built as a WASI reactor (GOOS=wasip1, -buildmode=c-shared):
// the module exports `_initialize`, which starts the Go runtime and runs
// the package initialisers; every `go:wasmexport` function needs it to
// have run first ("wasmexport function called before runtime
// initialization" otherwise). Run by testsuite/real/go_reactor.sh under
// waot and Wasmtime.
package main

import (
	"fmt"
	"runtime"
	"sort"
	"strings"
)

// Set by package initialisation, which only `_initialize` runs.
var (
	primes   = sieve(10000)
	greeting = fmt.Sprintf("go reactor, %d primes below 10000", len(primes))
	calls    int32
)

func sieve(n int) []int {
	composite := make([]bool, n)
	var out []int
	for i := 2; i < n; i++ {
		if !composite[i] {
			out = append(out, i)
			for j := i * i; j < n; j += i {
				composite[j] = true
			}
		}
	}
	return out
}

//go:wasmexport greet
func greet() int32 {
	calls++
	fmt.Println(greeting)
	return int32(len(primes))
}

// Sums the primes below n on four goroutines joined by a channel.
//
//go:wasmexport prime_sum
func primeSum(n int32) int64 {
	calls++
	results := make(chan int64)
	for w := 0; w < 4; w++ {
		go func(w int) {
			var s int64
			for i := w; i < len(primes) && primes[i] < int(n); i += 4 {
				s += int64(primes[i])
			}
			results <- s
		}(w)
	}
	var total int64
	for w := 0; w < 4; w++ {
		total += <-results
	}
	return total
}

// Counts words in a generated text with a map, prints the most frequent,
// and collects garbage on the way.
//
//go:wasmexport words
func words(n int32) int32 {
	calls++
	counts := map[string]int{}
	var b strings.Builder
	for i := 0; i < int(n); i++ {
		w := fmt.Sprintf("w%d", (i*i+7*i)%97)
		counts[w]++
		b.WriteString(w)
		b.WriteByte(' ')
		if i%1000 == 0 {
			runtime.GC()
		}
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if counts[keys[i]] != counts[keys[j]] {
			return counts[keys[i]] > counts[keys[j]]
		}
		return keys[i] < keys[j]
	})
	for _, k := range keys[:5] {
		fmt.Printf("%s %d\n", k, counts[k])
	}
	return int32(len(strings.Fields(b.String())))
}

//go:wasmexport calls
func callCount() int32 { return calls }

func main() {}
