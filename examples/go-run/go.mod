module example.com/tempconv

go 1.24
