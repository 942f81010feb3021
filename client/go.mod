module github.com/gittix/ticketing/client

go 1.26.0

require github.com/gittix/ticketing/common v0.0.0

require (
	github.com/go-chi/chi/v5 v5.5.0 // indirect
	go.mongodb.org/mongo-driver/v2 v2.10.0 // indirect
)

replace github.com/gittix/ticketing/common => ../common
