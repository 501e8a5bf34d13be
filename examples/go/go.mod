module example.com/mintca-mtls

go 1.19
