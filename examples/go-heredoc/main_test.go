package main

import (
	"strings"
	"testing"
)

func TestTop(t *testing.T) {
	got := top(strings.NewReader(sample), 3)
	want := []count{{"the", 4}, {"dog", 2}, {"fox", 2}}
	if len(got) != len(want) {
		t.Fatalf("top = %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("top[%d] = %v, want %v", i, got[i], want[i])
		}
	}
}
