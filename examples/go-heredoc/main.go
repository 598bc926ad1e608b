// wordfreq: prints the most frequent words of its input (or of a built-in sample when stdin is
// a terminal or empty), standard library only.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"unicode"
)

const sample = `The quick brown fox jumps over the lazy dog. The dog sleeps; the fox runs.`

type count struct {
	word string
	n    int
}

func top(r io.Reader, k int) []count {
	seen := map[string]int{}
	sc := bufio.NewScanner(r)
	sc.Split(bufio.ScanWords)
	for sc.Scan() {
		w := strings.ToLower(strings.TrimFunc(sc.Text(), func(r rune) bool { return !unicode.IsLetter(r) }))
		if w != "" {
			seen[w]++
		}
	}
	out := make([]count, 0, len(seen))
	for w, n := range seen {
		out = append(out, count{w, n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].n != out[j].n {
			return out[i].n > out[j].n
		}
		return out[i].word < out[j].word
	})
	if len(out) > k {
		out = out[:k]
	}
	return out
}

func main() {
	var in io.Reader = strings.NewReader(sample)
	if st, err := os.Stdin.Stat(); err == nil && st.Mode()&os.ModeCharDevice == 0 && st.Size() > 0 {
		in = os.Stdin
	}
	for _, c := range top(in, 5) {
		fmt.Printf("%-8s %d\n", c.word, c.n)
	}
}
