package main

import (
	"html/template"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestPantry(t *testing.T) {
	c, err := loadConfig("config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	pages := template.Must(template.ParseGlob("templates/*.html"))
	srv := httptest.NewServer(newRouter(c, pages))
	defer srv.Close()

	for _, tc := range []struct{ path, want string }{
		{"/", "<li>rice: 3</li>"},
		{"/?q=bean", "<li>black beans: 4</li>"},
		{"/items/rice", `{"name":"rice","count":3}`},
		{"/healthz", "ok"},
	} {
		res, err := http.Get(srv.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		buf := make([]byte, 4096)
		for {
			n, err := res.Body.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				break
			}
		}
		res.Body.Close()
		if res.StatusCode != 200 || !strings.Contains(b.String(), tc.want) {
			t.Errorf("GET %s: %d %q, want %q", tc.path, res.StatusCode, b.String(), tc.want)
		}
	}
	if res, _ := http.Get(srv.URL + "/items/caviar"); res.StatusCode != 404 {
		t.Errorf("GET /items/caviar: %d, want 404", res.StatusCode)
	}
}
