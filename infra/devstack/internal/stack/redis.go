package stack

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/alicebob/miniredis/v2"
)

// startRedis uses REDIS_URL, else runs redis-server from PATH as a child
// process, else miniredis embedded. A server it starts requires a password
// made for this run, as the cluster's Redis does (REDIS_URL carries it), so
// make dev and the tests go through the same authenticated connection.
func startRedis(ctx context.Context, cfg Config, log *slog.Logger) (part, error) {
	if url := cfg.Getenv(EnvRedisURL); url != "" {
		log.Info("using external server", "server", "redis", "env", EnvRedisURL)
		return part{name: "redis", env: map[string]string{EnvRedisURL: url}}, nil
	}
	password := randomSecret()
	if bin, err := cfg.LookPath("redis-server"); err == nil {
		return startRedisServer(ctx, bin, cfg.subdir("redis"), password, log)
	}
	m := miniredis.NewMiniRedis()
	m.RequireAuth(password)
	if err := m.StartAddr("127.0.0.1:0"); err != nil {
		return part{}, fmt.Errorf("miniredis: %w", err)
	}
	log.Info("started", "server", "redis", "kind", "miniredis (embedded, in memory; redis-server not in PATH)",
		"addr", m.Addr())
	return part{
		name: "redis",
		env:  map[string]string{EnvRedisURL: redisURL(m.Addr(), password)},
		stop: func() error { m.Close(); return nil },
	}, nil
}

// redisURL is the REDIS_URL of the server at addr with password.
func redisURL(addr, password string) string {
	return (&url.URL{Scheme: "redis", User: url.UserPassword("", password), Host: addr}).String()
}

// startRedisServer runs redis-server on a free port of 127.0.0.1, requiring
// password, and waits until it answers PING. With a dir, it snapshots there
// (and on shutdown).
func startRedisServer(ctx context.Context, bin, dir, password string, log *slog.Logger) (part, error) {
	port, err := freePort()
	if err != nil {
		return part{}, fmt.Errorf("redis port: %w", err)
	}
	// The password goes in on stdin, as a config file, not on the command
	// line that every process of the machine can read.
	args := []string{"-", "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"}
	if dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return part{}, fmt.Errorf("redis data dir: %w", err)
		}
		args = append(args, "--save", "60 1", "--dir", dir)
	} else {
		args = append(args, "--save", "")
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdin = strings.NewReader("requirepass " + password + "\n")
	out := &lineLog{log: log.With("server", "redis")}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		return part{}, fmt.Errorf("start redis-server: %w", err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	stop := func() error {
		select {
		case <-exited:
			return fmt.Errorf("redis-server exited early: %w", waitErr)
		default:
		}
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		return nil
	}

	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	if err := waitPing(ctx, addr, password, exited); err != nil {
		return part{}, errors.Join(fmt.Errorf("redis-server: %w", err), stop())
	}
	log.Info("started", "server", "redis", "kind", "redis-server (child process)", "bin", bin,
		"addr", addr, "pid", cmd.Process.Pid, "dir", dir)
	return part{name: "redis", env: map[string]string{EnvRedisURL: redisURL(addr, password)}, stop: stop}, nil
}

// waitPing polls addr with AUTH and PING until it answers +PONG, the process
// exits or 10 s pass.
func waitPing(ctx context.Context, addr, password string, exited <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if ping(addr, password) {
			return nil
		}
		select {
		case <-exited:
			return errors.New("exited before answering")
		case <-ctx.Done():
			return fmt.Errorf("no answer on %s: %w", addr, ctx.Err())
		case <-tick.C:
		}
	}
}

func ping(addr, password string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := fmt.Fprintf(c, "AUTH %s\r\nPING\r\n", password); err != nil {
		return false
	}
	r := bufio.NewReader(c)
	auth, err := r.ReadString('\n')
	if err != nil || auth != "+OK\r\n" {
		return false
	}
	line, err := r.ReadString('\n')
	return err == nil && line == "+PONG\r\n"
}

// freePort returns a TCP port of 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// lineLog logs a child process's output, one record per line.
type lineLog struct {
	log *slog.Logger
	buf []byte
}

func (l *lineLog) Write(p []byte) (int, error) {
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		if line := bytes.TrimSpace(l.buf[:i]); len(line) > 0 {
			l.log.Info("output", "line", string(line))
		}
		l.buf = l.buf[i+1:]
	}
}

// randomSecret returns a password for a server the stack starts (crypto/rand,
// 26 base32 characters: 130 bits).
func randomSecret() string {
	return rand.Text()
}
