package textstat

import (
	"reflect"
	"testing"
)

func TestWords(t *testing.T) {
	got := Words("It's a test, a TEST: 42 times!")
	want := []string{"it's", "a", "test", "a", "test", "42", "times"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Words = %q, want %q", got, want)
	}
}

func TestTopOrdersByCountThenWord(t *testing.T) {
	got := Top("b a c b a b", 2)
	want := []Count{{"b", 3}, {"a", 2}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Top = %v, want %v", got, want)
	}
	if len(Top("", 3)) != 0 {
		t.Fatal("Top of empty text is not empty")
	}
}
