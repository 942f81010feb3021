module github.com/gittix/ticketing/notifications

go 1.26.0

replace github.com/gittix/ticketing/common => ../common

require github.com/wneessen/go-mail v0.8.1

require (
	github.com/gittix/ticketing/common v0.0.0 // indirect
	go.mongodb.org/mongo-driver/v2 v2.10.0 // indirect
	golang.org/x/crypto v0.59.0 // indirect
	golang.org/x/text v0.44.0 // indirect
)
