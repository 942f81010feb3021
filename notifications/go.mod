module github.com/gittix/ticketing/notifications

go 1.26.0

replace github.com/gittix/ticketing/common => ../common
