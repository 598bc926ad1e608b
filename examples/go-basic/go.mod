module example.com/go-basic

go 1.19
