package stack

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	stripeembedded "github.com/stripe/stripe-mock/embedded"
	stripemock "github.com/stripe/stripe-mock/server"
)

// startStripe runs stripe-mock in process, HTTP and HTTPS both on 127.0.0.1,
// wired as its main does; or uses STRIPE_API_BASE. Note that stripe-mock
// prints two lines per request to stdout, unconditionally.
func startStripe(_ context.Context, cfg Config, log *slog.Logger) (part, error) {
	if base := cfg.Getenv(EnvStripeAPIBase); base != "" {
		log.Info("using external server", "server", "stripe-mock", "env", EnvStripeAPIBase)
		return part{name: "stripe-mock", env: map[string]string{EnvStripeAPIBase: base}}, nil
	}
	spec, err := stripemock.LoadSpec(stripeembedded.OpenAPISpec, "")
	if err != nil {
		return part{}, fmt.Errorf("stripe-mock spec: %w", err)
	}
	fixtures, err := stripemock.LoadFixtures(stripeembedded.OpenAPIFixtures, "")
	if err != nil {
		return part{}, fmt.Errorf("stripe-mock fixtures: %w", err)
	}
	stub, err := stripemock.NewStubServer(fixtures, spec, false, false)
	if err != nil {
		return part{}, fmt.Errorf("stripe-mock router: %w", err)
	}
	cert, err := tls.X509KeyPair(stripeembedded.CertCert, stripeembedded.CertKey)
	if err != nil {
		return part{}, fmt.Errorf("stripe-mock certificate: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", stub.HandleRequest)
	handler := &stripemock.DoubleSlashFixHandler{Mux: mux}

	httpLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return part{}, fmt.Errorf("stripe-mock http listen: %w", err)
	}
	httpsLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = httpLn.Close()
		return part{}, fmt.Errorf("stripe-mock https listen: %w", err)
	}
	tlsConfig := &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2"}}
	httpSrv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	httpsSrv := &http.Server{Handler: handler, TLSConfig: tlsConfig, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{}, 2)
	serve := func(srv *http.Server, ln net.Listener) {
		defer func() { done <- struct{}{} }()
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			log.Error("stripe-mock serve", "err", err)
		}
	}
	go serve(httpSrv, httpLn)
	go serve(httpsSrv, tls.NewListener(httpsLn, tlsConfig))

	base := "http://" + httpLn.Addr().String()
	log.Info("started", "server", "stripe-mock", "kind", "embedded", "url", base,
		"https_addr", httpsLn.Addr().String())
	return part{
		name: "stripe-mock",
		env:  map[string]string{EnvStripeAPIBase: base},
		stop: func() error {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			err := errors.Join(httpSrv.Shutdown(ctx), httpsSrv.Shutdown(ctx))
			<-done
			<-done
			return err
		},
	}, nil
}
