package stack

import (
	"fmt"
	"net/url"
	"strconv"
)

// ServiceEnv returns the settings that connect one service to the stack
// whose settings are env (Stack.Env): it listens on 127.0.0.1:port, uses
// the MongoDB database db (none when db is empty), NATS Streaming as
// clientID, Redis and stripe-mock. The callers (make dev, the fault tests,
// the bench's footprint) add their own settings or override these.
func ServiceEnv(env map[string]string, clientID string, port int, db string) (map[string]string, error) {
	s := map[string]string{
		"HOST":            "127.0.0.1",
		"PORT":            strconv.Itoa(port),
		"BUS":             env[EnvBus],
		"NATS_URL":        env[EnvNATSURL],
		"NATS_CLUSTER_ID": env[EnvNATSClusterID],
		"NATS_CLIENT_ID":  clientID,
		"REDIS_URL":       env[EnvRedisURL],
		"STRIPE_API_BASE": env[EnvStripeAPIBase],
	}
	if db != "" {
		uri, err := WithDatabase(env[EnvMongoURI], db)
		if err != nil {
			return nil, err
		}
		s["MONGO_URI"] = uri
	}
	return s, nil
}

// WithDatabase returns the MongoDB URI uri naming the database db.
func WithDatabase(uri, db string) (string, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return "", fmt.Errorf("MONGO_URI: %w", err)
	}
	u.Path = "/" + db
	return u.String(), nil
}
