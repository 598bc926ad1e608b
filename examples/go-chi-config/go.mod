module example.com/pantry

go 1.24

require (
	github.com/go-chi/chi/v5 v5.5.0
	gopkg.in/yaml.v3 v3.0.1
)
