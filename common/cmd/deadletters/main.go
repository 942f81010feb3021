// Command deadletters lists, shows, replays and deletes the dead letters of
// the JetStream bus (BUS=jetstream): events that a listener gave up on
// after its last delivery, kept in stream GITTIX_DLQ (see common/bus).
//
//	deadletters list [-limit N] [-json]   one line (or JSON object) per dead letter, oldest first
//	deadletters show SEQ                  one dead letter with its whole body
//	deadletters replay SEQ... | -all      publish again on the original subject, then delete
//	deadletters delete SEQ... | -all      delete without replaying
//
// It connects to NATS_URL. From the repository root:
//
//	NATS_URL=nats://127.0.0.1:4222 go run ./common/cmd/deadletters list
//
// A replay reaches every queue group that listens to the subject, not only
// the one that gave up; listeners are idempotent (SPEC §8). Fix the cause
// first, or the event comes back after its deliveries run out again.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/env"
)

const usage = `usage:
  deadletters list [-limit N] [-json]
  deadletters show SEQ
  deadletters replay SEQ... | -all
  deadletters delete SEQ... | -all
environment: NATS_URL (a NATS server with JetStream)`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "deadletters:", err)
		os.Exit(1)
	}
}

var errUsage = errors.New(usage)

func run(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	if len(args) == 0 {
		return errUsage
	}
	cmd := args[0]
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	limit := fs.Int("limit", 0, "list at most N (0: all)")
	asJSON := fs.Bool("json", false, "list as JSON objects, one a line")
	all := fs.Bool("all", false, "every dead letter")
	if err := fs.Parse(args[1:]); err != nil {
		return fmt.Errorf("%w\n%s", err, usage)
	}

	r := env.NewReader(getenv)
	url := r.Required("NATS_URL")
	if err := r.Err(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	c, err := bus.Connect(ctx, bus.Config{Transport: bus.TransportJetStream, URL: url, ClientID: "deadletters"},
		slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer c.Close()

	switch cmd {
	case "list":
		dls, err := c.DeadLetters(ctx, *limit)
		if err != nil {
			return err
		}
		for _, dl := range dls {
			if *asJSON {
				if err := json.NewEncoder(out).Encode(toJSON(dl)); err != nil {
					return err
				}
				continue
			}
			fmt.Fprintf(out, "%d\t%s\t%s\tseq=%d\tgroup=%s\tdeliveries=%d\t%s\n", dl.Seq, dl.Time.UTC().Format(time.RFC3339),
				dl.Subject, dl.StreamSeq, dl.QueueGroup, dl.Deliveries, clip(string(dl.Data), 120))
		}
		if !*asJSON {
			fmt.Fprintf(out, "%d dead letter(s)\n", len(dls))
		}
		return nil
	case "show":
		seqs, err := sequences(fs.Args())
		if err != nil || len(seqs) != 1 {
			return fmt.Errorf("show takes one sequence\n%s", usage)
		}
		dl, err := c.DeadLetter(ctx, seqs[0])
		if err != nil {
			return err
		}
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(toJSON(dl))
	case "replay", "delete":
		seqs, err := sequences(fs.Args())
		if err != nil {
			return err
		}
		if *all == (len(seqs) > 0) {
			return fmt.Errorf("%s takes sequences or -all\n%s", cmd, usage)
		}
		if *all {
			dls, err := c.DeadLetters(ctx, 0)
			if err != nil {
				return err
			}
			for _, dl := range dls {
				seqs = append(seqs, dl.Seq)
			}
		}
		for _, seq := range seqs {
			if cmd == "replay" {
				dl, err := c.ReplayDeadLetter(ctx, seq)
				if err != nil {
					return err
				}
				fmt.Fprintf(out, "replayed %d on %s\n", seq, dl.Subject)
				continue
			}
			if err := c.DeleteDeadLetter(ctx, seq); err != nil {
				return err
			}
			fmt.Fprintf(out, "deleted %d\n", seq)
		}
		return nil
	default:
		return fmt.Errorf("unknown command %q\n%s", cmd, usage)
	}
}

type deadLetterJSON struct {
	Seq        uint64          `json:"seq"`
	Time       time.Time       `json:"time"`
	Subject    string          `json:"subject"`
	StreamSeq  uint64          `json:"streamSeq"`
	Consumer   string          `json:"consumer"`
	QueueGroup string          `json:"queueGroup"`
	Deliveries int             `json:"deliveries"`
	Data       json.RawMessage `json:"data"`
}

func toJSON(dl bus.DeadLetter) deadLetterJSON {
	data := json.RawMessage(dl.Data)
	if !json.Valid(dl.Data) {
		data, _ = json.Marshal(string(dl.Data)) // a poison body, as a string
	}
	return deadLetterJSON{dl.Seq, dl.Time.UTC(), string(dl.Subject), dl.StreamSeq, dl.Consumer, dl.QueueGroup, dl.Deliveries, data}
}

func sequences(args []string) ([]uint64, error) {
	var out []uint64
	for _, a := range args {
		n, err := strconv.ParseUint(a, 10, 64)
		if err != nil || n == 0 {
			return nil, fmt.Errorf("%q is not a sequence number", a)
		}
		out = append(out, n)
	}
	return out, nil
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
