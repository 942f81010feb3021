package lifecycle_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gittix/ticketing/common/lifecycle"
)

type steps struct {
	mu   sync.Mutex
	seen []string
}

func (s *steps) add(step string) {
	s.mu.Lock()
	s.seen = append(s.seen, step)
	s.mu.Unlock()
}

func (s *steps) list() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.seen)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestShutdownOrder: a request in flight at shutdown finishes, and only
// then does the worker stop, and the stores close last.
func TestShutdownOrder(t *testing.T) {
	t.Parallel()
	var s steps
	inRequest, release := make(chan struct{}), make(chan struct{})
	addr := freeAddr(t)
	svc := lifecycle.Service{
		Addr: addr,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/slow" {
				return
			}
			close(inRequest)
			<-release
			s.add("request done")
		}),
		Workers: []func(context.Context) error{func(ctx context.Context) error {
			<-ctx.Done()
			s.add("worker stopped")
			return nil
		}},
		Close: []func(context.Context) error{func(context.Context) error { s.add("store closed"); return nil }},
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- lifecycle.Run(ctx, slog.New(slog.DiscardHandler), svc) }()

	waitUp(t, "http://"+addr+"/")
	answered := make(chan error, 1)
	go func() {
		res, err := http.Get("http://" + addr + "/slow")
		if err == nil {
			res.Body.Close()
		}
		answered <- err
	}()
	<-inRequest
	cancel()
	time.Sleep(50 * time.Millisecond) // give a wrong order the chance to show
	if got := s.list(); len(got) != 0 {
		t.Fatalf("while a request is in flight: %v, want nothing stopped yet", got)
	}
	close(release)
	if err := <-answered; err != nil {
		t.Errorf("in-flight request: %v, want an answer", err)
	}
	if err := <-done; err != nil {
		t.Errorf("Run = %v, want nil after cancel", err)
	}
	if got, want := s.list(), []string{"request done", "worker stopped", "store closed"}; !slices.Equal(got, want) {
		t.Errorf("shutdown steps = %v, want %v", got, want)
	}
}

// TestWorkerFailureStops: a worker that fails stops the service with its
// error, and the stores still close.
func TestWorkerFailureStops(t *testing.T) {
	t.Parallel()
	boom := errors.New("relay broke")
	closed := false
	err := lifecycle.Run(context.Background(), slog.New(slog.DiscardHandler), lifecycle.Service{
		Addr:    freeAddr(t),
		Handler: http.NotFoundHandler(),
		Workers: []func(context.Context) error{func(context.Context) error { return boom }},
		Close:   []func(context.Context) error{func(context.Context) error { closed = true; return nil }},
	})
	if !errors.Is(err, boom) {
		t.Errorf("Run = %v, want %v", err, boom)
	}
	if !closed {
		t.Error("stores not closed after a failure")
	}
}

// TestListenFailureStops: an address that cannot be bound is an error.
func TestListenFailureStops(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	err = lifecycle.Run(context.Background(), slog.New(slog.DiscardHandler), lifecycle.Service{Addr: l.Addr().String(), Handler: http.NotFoundHandler()})
	if err == nil {
		t.Error("Run on a taken address = nil, want an error")
	}
}

func waitUp(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get(url); err == nil {
			res.Body.Close()
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s never answered", url)
}
