package main

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestIndexRendersSortedItems(t *testing.T) {
	h, err := newHandler("templates")
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/?add=cocoa", nil))
	body, _ := io.ReadAll(rec.Body)
	s := string(body)
	if rec.Code != 200 {
		t.Fatalf("status %d", rec.Code)
	}
	if !strings.Contains(s, "<h1>Drinks</h1>") {
		t.Errorf("missing title in %q", s)
	}
	if strings.Index(s, "cocoa") > strings.Index(s, "tea") {
		t.Errorf("items not sorted: %q", s)
	}
}
