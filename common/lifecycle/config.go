package lifecycle

import (
	"time"

	"github.com/gittix/ticketing/common/auth"
	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/env"
)

// MongoConfig is the configuration every MongoService reads alike: where it
// listens, the session key, its database and its bus.
type MongoConfig struct {
	Addr            string     // HOST:PORT; HOST empty (every interface, as in a pod), PORT default 3000
	JWTKey          []byte     // JWT_KEY, required, at least auth.MinKeyLen bytes
	MongoURI        string     // MONGO_URI, required; its path names the database (default: the service's name)
	Bus             bus.Config // BUS, NATS_URL (required), NATS_CLUSTER_ID, NATS_CLIENT_ID, BUS_MAX_DELIVERIES
	ShutdownTimeout time.Duration
}

// ReadMongoConfig reads the MongoConfig of the service name with r; r
// collects what is missing or invalid.
func ReadMongoConfig(r *env.Reader, name string) MongoConfig {
	return MongoConfig{
		Addr:            r.Addr("3000"),
		JWTKey:          r.Secret("JWT_KEY", auth.MinKeyLen),
		MongoURI:        r.Required("MONGO_URI"),
		Bus:             bus.ConfigFrom(r, name),
		ShutdownTimeout: 10 * time.Second,
	}
}
