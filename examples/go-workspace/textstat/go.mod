module example.com/wordfreq/textstat

go 1.22
