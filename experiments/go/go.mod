module lfmap/experiments/go

go 1.19
