// Command devstack runs the project's backing servers on 127.0.0.1 without
// Docker.
//
//	devstack deps [-data DIR] [-env-file FILE]
//
// starts MongoDB (FerretDB behind mongofront), NATS Streaming, Redis and
// stripe-mock, prints their environment (MONGO_URI=…, NATS_URL=…,
// NATS_CLUSTER_ID=…, REDIS_URL=…, STRIPE_API_BASE=…) on stdout, writes it to
// FILE atomically, and runs until SIGINT or SIGTERM.
//
//	devstack dev
//
// runs the whole app: the backing servers, the five services, the web
// client and a gateway routing like the ingress, at DEV_ADDR (default
// 127.0.0.1:8080), with data kept in DEV_DATA (default .data/dev). Other
// settings of SPEC §1 pass through from the environment.
package main

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/gittix/ticketing/infra/devstack/internal/devapp"
	"github.com/gittix/ticketing/infra/devstack/internal/stack"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// Logs go to stderr: stdout carries only the KEY=value lines. The
	// embedded stripe-mock prints every request to os.Stdout, so os.Stdout
	// is pointed at stderr too, and the real stdout is kept for the lines.
	out := os.Stdout
	os.Stdout = os.Stderr
	log := slog.New(slog.NewTextHandler(os.Stderr, nil)).With("cmd", "devstack")
	if err := run(ctx, log, out, os.Args[1:]); err != nil {
		log.Error("exit", "err", err)
		os.Exit(1)
	}
}

const usage = `usage: devstack deps [-data DIR] [-env-file FILE] | devstack dev`

func run(ctx context.Context, log *slog.Logger, out io.Writer, args []string) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	switch args[0] {
	case "deps":
		return deps(ctx, log, out, args[1:])
	case "dev":
		return dev(ctx, log, out)
	default:
		return fmt.Errorf("unknown subcommand %q\n%s", args[0], usage)
	}
}

// deps runs the backing servers until ctx is done.
func deps(ctx context.Context, log *slog.Logger, out io.Writer, args []string) (err error) {
	fs := flag.NewFlagSet("deps", flag.ContinueOnError)
	dataDir := fs.String("data", filepath.Join(".data", "devstack"), "data directory; '' for a temporary one, removed on exit")
	envFile := fs.String("env-file", "", "also write the KEY=value lines to this file (atomically); removed on exit")
	if err := fs.Parse(args); err != nil {
		return err
	}

	begin := time.Now()
	s, err := stack.Start(ctx, stack.Config{DataDir: *dataDir}, log)
	if err != nil {
		return fmt.Errorf("stack.Start: %w", err)
	}
	defer func() {
		err = errors.Join(err, s.Stop())
	}()
	lines := strings.Join(s.EnvLines(), "\n") + "\n"
	if *envFile != "" {
		if err := writeAtomic(*envFile, lines); err != nil {
			return fmt.Errorf("write env file: %w", err)
		}
		defer func() {
			if rerr := os.Remove(*envFile); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
				err = errors.Join(err, rerr)
			}
		}()
	}
	if _, err := io.WriteString(out, lines); err != nil {
		return fmt.Errorf("print env: %w", err)
	}
	log.Info("ready", "took", time.Since(begin).Round(time.Millisecond), "data", *dataDir, "env_file", *envFile)

	<-ctx.Done()
	log.Info("stopping")
	return nil
}

// writeAtomic writes data to a temporary file next to name and renames it
// into place, so a reader sees either no file or the whole of it.
func writeAtomic(name, data string) error {
	if dir := filepath.Dir(name); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".tmp-*")
	if err != nil {
		return err
	}
	_, werr := f.WriteString(data)
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(f.Name(), name)
	}
	if werr != nil {
		_ = os.Remove(f.Name())
	}
	return werr
}

// dev runs the whole app until ctx is done.
func dev(ctx context.Context, log *slog.Logger, out io.Writer) error {
	tagStdout(log.With("part", "stripe-mock"))
	cfg := devapp.Config{
		Addr:    cmp.Or(os.Getenv("DEV_ADDR"), "127.0.0.1:8080"),
		DataDir: cmp.Or(os.Getenv("DEV_DATA"), filepath.Join(".data", "dev")),
		Getenv:  os.Getenv,
	}
	begin := time.Now()
	return devapp.Run(ctx, cfg, log, func(url string) {
		url = strings.Replace(url, "//127.0.0.1:", "//localhost:", 1)
		log.Info("ready", "took", time.Since(begin).Round(time.Millisecond), "data", cfg.DataDir)
		fmt.Fprintf(out, "GitTix is running at %s (Ctrl-C stops it)\n", url)
	})
}

// tagStdout turns what embedded servers print on os.Stdout (stripe-mock
// prints every request) into debug log lines tagged with their part.
func tagStdout(log *slog.Logger) {
	r, w, err := os.Pipe()
	if err != nil {
		return
	}
	os.Stdout = w
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			log.Debug(sc.Text())
		}
	}()
}
