// Package textstat counts words in text, for the wordfreq command.
package textstat

import (
	"sort"
	"strings"
	"unicode"
)

// Count is one word and how often it occurs.
type Count struct {
	Word string
	N    int
}

// Words splits text into lowercase words: runs of letters, digits and apostrophes.
func Words(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\''
	})
}

// Top returns the n most frequent words, most frequent first, ties in alphabetical order.
func Top(text string, n int) []Count {
	seen := map[string]int{}
	for _, w := range Words(text) {
		seen[w]++
	}
	counts := make([]Count, 0, len(seen))
	for w, c := range seen {
		counts = append(counts, Count{w, c})
	}
	sort.Slice(counts, func(i, j int) bool {
		if counts[i].N != counts[j].N {
			return counts[i].N > counts[j].N
		}
		return counts[i].Word < counts[j].Word
	})
	if n < len(counts) {
		counts = counts[:n]
	}
	return counts
}
