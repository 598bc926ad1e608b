module example.com/wordfreq/cmd/wordfreq

go 1.22
