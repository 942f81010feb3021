// Package app runs the web client: it is what cmd/client and `make dev` call.
package app

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/gittix/ticketing/client/internal/apiclient"
	"github.com/gittix/ticketing/client/internal/config"
	"github.com/gittix/ticketing/client/internal/web"
	"github.com/gittix/ticketing/common/telemetry"
	commonweb "github.com/gittix/ticketing/common/web"
)

// Run serves the pages until ctx is done, then shuts down gracefully.
func Run(ctx context.Context, log *slog.Logger, getenv func(string) string) error {
	cfg, err := config.Load(getenv)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	api, err := apiclient.New(apiclient.Endpoints{Base: cfg.APIBaseURL, Host: cfg.APIHost, Services: cfg.APIServices}, cfg.APITimeout)
	if err != nil {
		return err
	}
	defer api.CloseIdleConnections()
	pages, err := web.New(log, api, web.Options{StripeKey: cfg.StripePublishableKey, StripeJS: cfg.StripeJS})
	if err != nil {
		return fmt.Errorf("templates: %w", err)
	}
	log.Info("listening", "addr", cfg.Addr(), "api", cfg.APIBaseURL, "api_host", cfg.APIHost, "api_services", cfg.APIServices,
		"stripe_js", cfg.StripePublishableKey != "")
	return commonweb.Serve(ctx, commonweb.NewServer(cfg.Addr(), telemetry.HTTP("client", pages.Routes())), cfg.ShutdownTimeout)
}
