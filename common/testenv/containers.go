package testenv

import (
	"context"
	"fmt"

	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"
)

// Images for the containers, close to what production runs.
const (
	mongoImage  = "mongo:7"
	redisImage  = "redis:7"
	stripeImage = "stripe/stripe-mock:v0.203.0"
)

// dockerHealth reports whether a Docker engine answers. Without one it
// fails in microseconds.
func dockerHealth(ctx context.Context) error {
	p, err := testcontainers.NewDockerProvider()
	if err != nil {
		return fmt.Errorf("%w: %w", errNoDocker, err)
	}
	if err := p.Health(ctx); err != nil { // Health closes p
		return fmt.Errorf("%w: %w", errNoDocker, err)
	}
	return nil
}

// run starts image and returns proto://host:port of its port.
func run(ctx context.Context, image, port, proto string, opts ...testcontainers.ContainerCustomizer) (string, error) {
	opts = append([]testcontainers.ContainerCustomizer{testcontainers.WithExposedPorts(port)}, opts...)
	c, err := testcontainers.Run(ctx, image, opts...)
	if err != nil {
		return "", fmt.Errorf("run %s: %w", image, err)
	}
	endpoint, err := c.PortEndpoint(ctx, port, proto)
	if err != nil {
		_ = testcontainers.TerminateContainer(c)
		return "", fmt.Errorf("%s endpoint: %w", image, err)
	}
	return endpoint, nil
}

func startMongo(ctx context.Context) (string, error) {
	uri, err := run(ctx, mongoImage, "27017/tcp", "mongodb", testcontainers.WithWaitStrategy(
		wait.ForLog("Waiting for connections"), wait.ForListeningPort("27017/tcp")))
	if err != nil {
		return "", err
	}
	return uri + "/", nil
}

func startRedis(ctx context.Context) (string, error) {
	return run(ctx, redisImage, "6379/tcp", "redis", testcontainers.WithWaitStrategy(
		wait.ForLog("Ready to accept connections"), wait.ForListeningPort("6379/tcp")))
}

func startStripe(ctx context.Context) (string, error) {
	return run(ctx, stripeImage, "12111/tcp", "http",
		testcontainers.WithWaitStrategy(wait.ForListeningPort("12111/tcp")))
}
