module strip

go 1.19
